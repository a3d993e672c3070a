//! Content API: no action of this API is recovered from the sources, so its generated
//! crate has no method yet; it documents what is known (see `orange_papi::content`'s docs). This
//! example shows the endpoint a client would call in each environment, or why none can
//! be built there.
//!
//! `cargo run -p papi-examples --example content`

fn main() {
    papi_examples::endpoints(&orange_papi::content::API, |config| {
        orange_papi::content::Client::new(config).map(|c| c.endpoint().clone())
    });
}
