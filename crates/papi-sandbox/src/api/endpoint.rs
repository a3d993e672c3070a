//! The paths the sandbox serves: each API's path and each action's own endpoint path, at
//! the root and under the prefixes of the documented endpoints.

use std::collections::{BTreeSet, HashMap};

use papi_core::ApiDescriptor;
use url::Url;

use crate::generated::{Api, APIS};

/// A path served by an API: which API, under which of its descriptors.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Endpoint {
    pub(crate) api: &'static Api,
    pub(crate) descriptor: &'static ApiDescriptor,
}

/// The environment prefix of a documented endpoint URL (`/int` for
/// `https://host/int/PersonalContacts/V1`), if any.
fn prefix_of(url: Option<&str>, path: &str) -> Option<String> {
    let url = Url::parse(url?).ok()?;
    let prefix = url.path().strip_suffix(path)?.trim_end_matches('/');
    (prefix.starts_with('/') && prefix.len() > 1).then(|| prefix.to_owned())
}

/// The served paths (with and without environment prefixes) and what each serves.
pub(crate) type Endpoints = HashMap<String, Endpoint>;

/// Every served path: each API's path and each action's own endpoint path, at the root
/// and under every prefix of the documented endpoints.
pub(crate) fn endpoints() -> Endpoints {
    let mut served: Vec<Endpoint> = Vec::new();
    for &api in APIS {
        let descriptors =
            std::iter::once(api.descriptor).chain(api.actions.iter().map(|a| a.descriptor));
        for descriptor in descriptors {
            if !served.iter().any(|e| e.descriptor.path == descriptor.path) {
                served.push(Endpoint { api, descriptor });
            }
        }
    }
    let mut prefixes: BTreeSet<String> = BTreeSet::from([String::new()]);
    for e in &served {
        let d = e.descriptor;
        prefixes.extend(prefix_of(d.integration, d.path));
        prefixes.extend(prefix_of(d.production, d.path));
    }
    let mut map = HashMap::new();
    for prefix in &prefixes {
        for e in &served {
            map.entry(format!("{prefix}{}", e.descriptor.path))
                .or_insert(*e);
        }
    }
    map
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_api_is_served_at_the_root_and_under_int() {
        let map = endpoints();
        for path in [
            "/PersonalContacts/V1",
            "/int/PersonalContacts/V1",
            "/PersonalMessages/V2",
            "/PersonalMessages/V1",
            "/int/PersonalMessages/V1",
            "/PersonalRichProfile/V1",
            "/int/PersonalRichProfile/V1",
            "/PersonalCalendar/V1",
            "/int/PersonalCalendar/V1",
        ] {
            assert!(map.contains_key(path), "{path}");
        }
        assert_eq!(map["/PersonalMessages/V1"].api.id, "messages");
        assert_eq!(
            map["/PersonalMessages/V1"].descriptor.path,
            "/PersonalMessages/V1"
        );
    }
}
