//! Response decoding: the generated decoders against a hand-written quick-xml event loop
//! filling the same structs (the baseline) and roxmltree (another way a user might pick),
//! on every documented sample and on two large answers built with the generated encoders.
//!
//! `cargo xtask bench` runs this and writes BENCHMARKS.md; `PAPI_BENCH_MODE=quick` makes
//! the measurements short.

use std::hint::black_box;
use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, BenchmarkId, Criterion, SamplingMode, Throughput};
use papi_bench::{handwritten, large, roxml, samples};

fn tune(group: &mut BenchmarkGroup<'_, WallTime>, big: bool) {
    if papi_bench::quick() {
        group
            .sample_size(10)
            .warm_up_time(Duration::from_millis(100))
            .measurement_time(Duration::from_millis(300));
    } else if big {
        group
            .sample_size(30)
            .warm_up_time(Duration::from_secs(2))
            .measurement_time(Duration::from_secs(10));
    } else {
        group
            .sample_size(100)
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(3));
    }
    if big {
        group.sampling_mode(SamplingMode::Flat);
    }
}

fn load(path: &str) -> Vec<u8> {
    samples::load(path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The generated decoder of every documented sample.
fn every_sample(c: &mut Criterion) {
    let mut group = c.benchmark_group("decode_samples");
    tune(&mut group, false);
    for s in samples::SAMPLES {
        let body = load(s.path);
        assert!((s.decode)(&body), "{} does not decode as expected", s.name);
        group.throughput(Throughput::Bytes(body.len() as u64));
        group.bench_with_input(BenchmarkId::new("generated", s.name), &body, |b, body| {
            b.iter(|| (s.decode)(black_box(body)))
        });
    }
    group.finish();
}

type Decode<T> = fn(&[u8]) -> Option<T>;

/// The three decoders of one action on its inputs.
fn compare<T: PartialEq + std::fmt::Debug>(
    c: &mut Criterion,
    name: &str,
    inputs: &[(&str, Vec<u8>)],
    decoders: &[(&str, Decode<T>)],
) {
    let mut group = c.benchmark_group(name);
    for (input, body) in inputs {
        let big = body.len() > 1_000_000;
        tune(&mut group, big);
        // Every decoder must give the same value before anything is timed.
        let expected = (decoders[0].1)(body);
        assert!(expected.is_some(), "{name}/{input} does not decode");
        for (decoder, f) in decoders {
            assert_eq!(f(body), expected, "{decoder} differs on {name}/{input}");
        }
        group.throughput(Throughput::Bytes(body.len() as u64));
        for (decoder, f) in decoders {
            group.bench_with_input(BenchmarkId::new(*decoder, input), body, |b, body| {
                b.iter(|| f(black_box(body)))
            });
        }
    }
    group.finish();
}

fn find_contact_list(c: &mut Criterion) {
    let inputs = [
        (
            "sample",
            load("samples/contacts/findcontactlist.corrected.xml"),
        ),
        (
            "100k_contacts",
            large::contact_list(papi_bench::LARGE_CONTACTS).expect("encode the large list"),
        ),
    ];
    let decoders: [(&str, Decode<_>); 3] = [
        ("generated", |b| {
            papi_contacts::decode::find_contact_list(200, b).ok()
        }),
        ("handwritten", |b| handwritten::find_contact_list(b).ok()),
        ("roxmltree", |b| roxml::find_contact_list(b).ok()),
    ];
    compare(c, "decode_findcontactlist", &inputs, &decoders);
}

fn get_picture(c: &mut Criterion) {
    let inputs = [
        ("sample", load("samples/contacts/getpicture.xml")),
        (
            "5MB_image",
            large::picture(papi_bench::LARGE_PICTURE_BYTES).expect("encode the large picture"),
        ),
    ];
    let decoders: [(&str, Decode<_>); 3] = [
        ("generated", |b| {
            papi_contacts::decode::get_picture(200, b).ok()
        }),
        ("handwritten", |b| handwritten::get_picture(b).ok()),
        ("roxmltree", |b| roxml::get_picture(b).ok()),
    ];
    compare(c, "decode_getpicture", &inputs, &decoders);
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    every_sample(&mut c);
    find_contact_list(&mut c);
    get_picture(&mut c);
    c.final_summary();
}
