//! A small driver for profilers: decodes the large findcontactlist (or, with `picture`,
//! the large getpicture; with `sample`, the documented findcontactlist answer) N times with
//! the chosen decoder.
//!
//! ```sh
//! cargo build --release -p papi-bench --example profile_decode
//! valgrind --tool=callgrind target/release/examples/profile_decode generated list 1
//! ```

use papi_bench::{handwritten, large, roxml};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let decoder = args.first().map_or("generated", String::as_str);
    let input = args.get(1).map_or("list", String::as_str);
    let times: usize = args.get(2).and_then(|n| n.parse().ok()).unwrap_or(1);
    let body = match input {
        "picture" => large::picture(papi_bench::LARGE_PICTURE_BYTES).map_err(|e| e.to_string()),
        // The documented findcontactlist answer (869 bytes): fixed costs per answer.
        "sample" => papi_bench::samples::load("samples/contacts/findcontactlist.corrected.xml")
            .map_err(|e| e.to_string()),
        _ => large::contact_list(papi_bench::LARGE_CONTACTS).map_err(|e| e.to_string()),
    };
    let Ok(body) = body else {
        eprintln!("cannot encode the input");
        std::process::exit(1);
    };
    let mut ok = 0usize;
    for _ in 0..times {
        let decoded = match (decoder, input) {
            ("handwritten", "picture") => handwritten::get_picture(&body).is_ok(),
            ("roxmltree", "picture") => roxml::get_picture(&body).is_ok(),
            (_, "picture") => papi_contacts::decode::get_picture(200, &body).is_ok(),
            ("handwritten", _) => handwritten::find_contact_list(&body).is_ok(),
            ("roxmltree", _) => roxml::find_contact_list(&body).is_ok(),
            _ => papi_contacts::decode::find_contact_list(200, &body).is_ok(),
        };
        ok += usize::from(decoded);
    }
    println!(
        "{decoder} {input}: {ok}/{times} decoded ({} bytes)",
        body.len()
    );
}
