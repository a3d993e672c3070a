//! Web origins (`scheme://host:port`) a sandbox sends users or their tokens to: the sites a
//! consent page may send the user back to (`urlRetour`), and the services the identity
//! provider posts its signed answers to. This machine's loopback is always allowed; any
//! other origin only when listed in the configuration.

use url::{Host, Url};

/// The origin an entry of the configuration names (`https://my.site`, `https://my.site:8443/`),
/// as `scheme://host[:port]` (the default port left out); an error saying why unless it is
/// an absolute http(s) URL with a host and nothing after its origin but `/`.
pub fn parse_origin(entry: &str) -> Result<String, String> {
    let url = Url::parse(entry.trim()).map_err(|e| format!("`{entry}` is not a URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(format!(
            "`{entry}` is not an http(s) origin (scheme://host[:port])"
        ));
    }
    if url.path() != "/"
        || url.query().is_some()
        || url.fragment().is_some()
        || !url.username().is_empty()
        || url.password().is_some()
    {
        return Err(format!(
            "`{entry}` is more than an origin: give scheme://host[:port] only"
        ));
    }
    Ok(url.origin().ascii_serialization())
}

/// Whether `url` is an http(s) URL of this machine's loopback: `127.0.0.0/8`, `[::1]` or
/// `localhost`, on any port.
pub(crate) fn is_loopback(url: &Url) -> bool {
    if !matches!(url.scheme(), "http" | "https") {
        return false;
    }
    match url.host() {
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        Some(Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// The origins a sandbox accepts for one purpose: loopback always, and the listed ones.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Origins {
    listed: Vec<String>,
}

impl Origins {
    /// The origins of the configuration's `entries`; each entry that is not an origin is
    /// left out and logged (a warning naming `what` they are for).
    pub(crate) fn from_config(entries: &[String], what: &str) -> Self {
        let mut listed = Vec::with_capacity(entries.len());
        for entry in entries {
            match parse_origin(entry) {
                Ok(origin) => listed.push(origin),
                Err(e) => tracing::warn!(
                    target: "papi_sandbox",
                    error = %e,
                    "an origin of {what} is ignored"
                ),
            }
        }
        Self { listed }
    }

    /// Whether `url` is an http(s) URL on loopback or on one of the listed origins.
    pub(crate) fn allow(&self, url: &Url) -> bool {
        if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
            return false;
        }
        is_loopback(url) || {
            let origin = url.origin().ascii_serialization();
            self.listed.contains(&origin)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn loopback_is_allowed_and_only_listed_origins_beyond_it() {
        let origins = Origins::from_config(
            &[
                "https://My.Site:443/".to_owned(),
                "http://other.example:8080".to_owned(),
                "https://bad.example/path".to_owned(),
                "ftp://x.example".to_owned(),
            ],
            "tests",
        );
        for ok in [
            "http://127.0.0.1:9000/back",
            "https://127.0.0.2/x",
            "http://[::1]:1/",
            "http://localhost:3000/acs",
            "https://my.site/back?x=1",
            "http://other.example:8080/",
        ] {
            assert!(origins.allow(&url(ok)), "{ok}");
        }
        for refused in [
            "https://evil.example/phish",
            "http://my.site/back",
            "https://my.site:8443/",
            "http://other.example/",
            "https://bad.example/path",
            "https://my.site.evil.example/",
            "https://localhost.evil.example/",
            "http://[::ffff:7f00:1]/",
            "javascript:alert(1)",
            "ftp://127.0.0.1/",
        ] {
            assert!(!origins.allow(&url(refused)), "{refused}");
        }
    }

    #[test]
    fn only_origins_are_accepted_in_the_configuration() {
        assert_eq!(
            parse_origin("https://Sp.Example:443/").as_deref(),
            Ok("https://sp.example")
        );
        assert_eq!(
            parse_origin("http://sp.example:8080").as_deref(),
            Ok("http://sp.example:8080")
        );
        for bad in [
            "sp.example",
            "https://sp.example/acs",
            "ftp://sp.example",
            "https://u@sp.example",
        ] {
            assert!(parse_origin(bad).is_err(), "{bad}");
        }
    }
}
