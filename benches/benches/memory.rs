//! Peak memory of decoding the large answers, measured with a counting global allocator:
//! the most bytes allocated at once while one decode runs (the input excluded), against
//! the size of the input. Writes `memory.json` to `papi_bench::out_dir()` for
//! `cargo xtask bench`, and prints a table.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use papi_bench::{handwritten, large, roxml};

struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(by: usize) {
    let now = CURRENT.fetch_add(by, Ordering::Relaxed) + by;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

// SAFETY: every call is forwarded to the system allocator unchanged; only counters are
// updated besides.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // Counted as the allocator may do it: the new block exists before the old is freed.
        grew(new_size);
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if p.is_null() {
            CURRENT.fetch_sub(new_size, Ordering::Relaxed);
        } else {
            CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
        }
        p
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// (peak bytes above the start, bytes still held by the result).
fn measure<T>(f: impl FnOnce() -> T) -> (usize, usize) {
    let base = CURRENT.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let value = std::hint::black_box(f());
    let peak = PEAK.load(Ordering::Relaxed) - base;
    let retained = CURRENT.load(Ordering::Relaxed).saturating_sub(base);
    drop(value);
    (peak, retained)
}

fn main() {
    // Cargo passes `--bench` and any criterion arguments: nothing here to configure.
    let list = large::contact_list(papi_bench::LARGE_CONTACTS).expect("encode the large list");
    let picture =
        large::picture(papi_bench::LARGE_PICTURE_BYTES).expect("encode the large picture");
    type Decoded = Option<Box<dyn std::any::Any>>;
    type Case<'a> = (&'a str, &'a str, &'a [u8], fn(&[u8]) -> Decoded);
    fn boxed<T: 'static, E>(r: Result<T, E>) -> Decoded {
        r.ok().map(|v| Box::new(v) as Box<dyn std::any::Any>)
    }
    let cases: [Case<'_>; 6] = [
        ("findcontactlist_100k", "generated", &list, |b| {
            boxed(papi_contacts::decode::find_contact_list(200, b))
        }),
        ("findcontactlist_100k", "handwritten", &list, |b| {
            boxed(handwritten::find_contact_list(b))
        }),
        ("findcontactlist_100k", "roxmltree", &list, |b| {
            boxed(roxml::find_contact_list(b))
        }),
        ("getpicture_5MB", "generated", &picture, |b| {
            boxed(papi_contacts::decode::get_picture(200, b))
        }),
        ("getpicture_5MB", "handwritten", &picture, |b| {
            boxed(handwritten::get_picture(b))
        }),
        ("getpicture_5MB", "roxmltree", &picture, |b| {
            boxed(roxml::get_picture(b))
        }),
    ];
    let mut rows = Vec::new();
    println!(
        "{:<22} {:<12} {:>12} {:>14} {:>14} {:>10}",
        "input", "decoder", "input bytes", "peak bytes", "result bytes", "peak/input"
    );
    for (input, decoder, body, f) in cases {
        // Once to warm lazy statics and check the outcome, then measured.
        assert!(f(body).is_some(), "{input}/{decoder} does not decode");
        let (peak, retained) = measure(|| f(body));
        let ratio = peak as f64 / body.len() as f64;
        println!(
            "{input:<22} {decoder:<12} {:>12} {peak:>14} {retained:>14} {ratio:>10.2}",
            body.len()
        );
        rows.push(format!(
            "{{\"input\":\"{input}\",\"decoder\":\"{decoder}\",\"input_bytes\":{},\"peak_bytes\":{peak},\"result_bytes\":{retained}}}",
            body.len()
        ));
    }
    let dir = papi_bench::out_dir();
    let path = dir.join("memory.json");
    let json = format!("[\n{}\n]\n", rows.join(",\n"));
    if let Err(e) = std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&path, json)) {
        eprintln!("cannot write {}: {e}", path.display());
        std::process::exit(1);
    }
    println!("wrote {}", path.display());
}
