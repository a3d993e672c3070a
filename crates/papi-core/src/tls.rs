//! The TLS backend of the HTTP clients, chosen by a feature of `papi-core` (every client
//! crate and the umbrella crate forward the same three):
//!
//! | feature | backend | build cost |
//! |---|---|---|
//! | `rustls-ring` (default) | rustls with the *ring* crypto provider | the cheapest |
//! | `rustls-aws-lc` | rustls with the *aws-lc-rs* provider (reqwest's own default) | aws-lc-sys: a large C build (cmake-free, needs a C compiler) |
//! | `native-tls` | the platform's TLS (OpenSSL on Linux: needs its headers, `libssl-dev`) | links the system library |
//!
//! Choose one with `default-features = false`:
//!
//! ```toml
//! papi-contacts = { version = "0.1", default-features = false, features = ["rustls-aws-lc"] }
//! ```
//!
//! Certificates are checked against the platform's trust store in every case. When more
//! than one backend is enabled (features add up across a dependency tree), the one that is
//! not the default wins: `native-tls`, then `rustls-aws-lc`, then `rustls-ring`. With none,
//! the build fails with a message naming the features.
//!
//! With `rustls-ring` alone, reqwest has no crypto provider of its own: the clients install
//! *ring* as rustls's process-wide default the first time they build an HTTP client, unless
//! the program has installed one already (then that one is used). A program that installs
//! its own provider does so before building a client. A `reqwest::Client` of yours, for
//! [`Config::with_http_client`](crate::Config::with_http_client), is best started from
//! [`client_builder`], which makes the same choice.

#[cfg(not(any(
    feature = "rustls-ring",
    feature = "rustls-aws-lc",
    feature = "native-tls"
)))]
compile_error!(
    "papi-core needs a TLS backend: enable one of its features `rustls-ring` (the default), \
     `rustls-aws-lc` or `native-tls`; with `default-features = false` on a papi crate, name one, \
     e.g. `features = [\"rustls-aws-lc\"]`"
);

/// A `reqwest::ClientBuilder` on the chosen backend, for a client of your own
/// ([`Config::with_http_client`](crate::Config::with_http_client)); the clients' default
/// HTTP client starts from it too.
///
/// ```
/// let http = papi_core::tls::client_builder()
///     .timeout(std::time::Duration::from_secs(20))
///     .build()?;
/// # Ok::<(), papi_core::reqwest::Error>(())
/// ```
pub fn client_builder() -> reqwest::ClientBuilder {
    prepare();
    select!(reqwest::Client::builder())
}

/// The blocking twin of [`client_builder`] (feature `blocking`).
#[cfg(feature = "blocking")]
pub fn blocking_client_builder() -> reqwest::blocking::ClientBuilder {
    prepare();
    select!(reqwest::blocking::Client::builder())
}

/// Selects the backend on a reqwest client builder (both builders have the same methods).
macro_rules! select {
    ($builder:expr) => {{
        let builder = $builder;
        #[cfg(feature = "native-tls")]
        let builder = builder.tls_backend_native();
        #[cfg(all(
            not(feature = "native-tls"),
            any(feature = "rustls-ring", feature = "rustls-aws-lc")
        ))]
        let builder = builder.tls_backend_rustls();
        builder
    }};
}
use select;

/// Installs *ring* as rustls's process-wide crypto provider when it is the chosen provider
/// and none is installed yet (reqwest built without a provider of its own needs one).
fn prepare() {
    #[cfg(all(feature = "rustls-ring", not(feature = "rustls-aws-lc")))]
    {
        static INSTALL: std::sync::Once = std::sync::Once::new();
        INSTALL.call_once(|| {
            if rustls::crypto::CryptoProvider::get_default().is_none() {
                // Another thread may install one first: then that one is used.
                let _ = rustls::crypto::ring::default_provider().install_default();
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_builds_on_the_chosen_backend() {
        client_builder()
            .build()
            .expect("a client on the chosen backend");
        #[cfg(feature = "blocking")]
        blocking_client_builder()
            .build()
            .expect("a blocking client on the chosen backend");
    }

    /// With the default features, reqwest has no provider of its own: the one installed is
    /// ring's (its Debug form names its parts).
    #[cfg(all(feature = "rustls-ring", not(feature = "rustls-aws-lc")))]
    #[test]
    fn ring_is_installed_when_it_is_the_choice() {
        client_builder().build().expect("a client");
        let installed = rustls::crypto::CryptoProvider::get_default().expect("a provider");
        let ring = rustls::crypto::ring::default_provider();
        assert_eq!(format!("{installed:?}"), format!("{ring:?}"));
    }
}
