//! The consent URL: reading a privacy error's URL (`ConsentRequest::parse`) and building
//! the redirect with `urlRetour` appended (`redirect_url`). Input: consent URL, a newline,
//! return URL. Besides "never panics", checks that a built redirect carries the return URL
//! exactly once and unchanged.
#![no_main]

use libfuzzer_sys::fuzz_target;
use papi_core::general::CONSENT_URL;
use papi_core::ConsentRequest;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (raw, back) = text
        .split_once('\n')
        .unwrap_or((text, "https://my.site/back"));
    let Ok(request) = ConsentRequest::parse(raw) else {
        return;
    };
    let _ = (request.family(), request.service_id(), request.attributes());
    let _ = request.to_string();
    if let Ok(url) = request.redirect_url(back) {
        let returns: Vec<String> = url
            .query_pairs()
            .filter(|(k, _)| k == CONSENT_URL.return_url)
            .map(|(_, v)| v.into_owned())
            .collect();
        assert_eq!(returns, [back], "redirect {url} for return URL {back:?}");
    }
});
