//! Favourites API: no action of this API is recovered from the sources, so its generated
//! crate has no method yet; it documents what is known (see `papi::favourites`'s docs). This
//! example shows the endpoint a client would call in each environment, or why none can
//! be built there.
//!
//! `cargo run -p papi-examples --example favourites`

fn main() {
    papi_examples::endpoints(&papi::favourites::API, |config| {
        papi::favourites::Client::new(config).map(|c| c.endpoint().clone())
    });
}
