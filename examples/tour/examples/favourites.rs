//! Favourites API: no action of this API is recovered from the sources, so its generated
//! crate has no method yet; it documents what is known (see `orange_papi::favourites`'s docs). This
//! example shows the endpoint a client would call in each environment, or why none can
//! be built there.
//!
//! `cargo run -p papi-examples --example favourites`

fn main() {
    papi_examples::endpoints(&orange_papi::favourites::API, |config| {
        orange_papi::favourites::Client::new(config).map(|c| c.endpoint().clone())
    });
}
