//! Photos API: no action of this API is recovered from the sources, so its generated
//! crate has no method yet; it documents what is known (see `orange_papi::photos`'s docs). This
//! example shows the endpoint a client would call in each environment, or why none can
//! be built there.
//!
//! `cargo run -p papi-examples --example photos`

fn main() {
    papi_examples::endpoints(&orange_papi::photos::API, |config| {
        orange_papi::photos::Client::new(config).map(|c| c.endpoint().clone())
    });
}
