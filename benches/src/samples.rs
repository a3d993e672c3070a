//! The documented samples (corrected copies where the printed one is broken), each with
//! the generated decoder of its action.

use std::path::Path;

/// Decodes a body as the generated code does; `true` when it gave the expected outcome.
pub type Decoder = fn(&[u8]) -> bool;

/// One documented sample.
pub struct Sample {
    /// Benchmark name (`api/file`).
    pub name: &'static str,
    /// Path under `api-spec/`.
    pub path: &'static str,
    /// The generated decoder of the action answered by the sample.
    pub decode: Decoder,
}

fn find_contact_list(b: &[u8]) -> bool {
    papi_contacts::decode::find_contact_list(200, b).is_ok()
}
fn get_contact(b: &[u8]) -> bool {
    papi_contacts::decode::get_contact(200, b).is_ok()
}
fn add_contact(b: &[u8]) -> bool {
    papi_contacts::decode::add_contact(200, b).is_ok()
}
fn add_device(b: &[u8]) -> bool {
    papi_contacts::decode::add_device(200, b).is_ok()
}
fn get_picture(b: &[u8]) -> bool {
    papi_contacts::decode::get_picture(200, b).is_ok()
}
fn add_picture(b: &[u8]) -> bool {
    papi_contacts::decode::add_picture(200, b).is_ok()
}
/// The documented error template (`-yyy` placeholders): an error, whichever.
fn contacts_error(b: &[u8]) -> bool {
    papi_contacts::decode::find_contact_list(200, b).is_err()
}
fn general_error(b: &[u8]) -> bool {
    matches!(
        papi_core::decode::general::<i64>(200, b),
        Err(papi_core::Error::Api(_))
    )
}
fn get_personal_messages(b: &[u8]) -> bool {
    papi_messages::decode::get_personal_messages(200, b).is_ok()
}
fn messages_error(b: &[u8]) -> bool {
    matches!(
        papi_messages::decode::get_personal_messages(200, b),
        Err(papi_core::Error::Api(_))
    )
}
fn emails_last_n_detailed(b: &[u8]) -> bool {
    papi_core::decode::fragment::<papi_messages::types::EmailsLastNDetailed>(
        "EmailsLastNDetailed",
        b,
    )
    .is_ok()
}
fn get_personal_rich_profile(b: &[u8]) -> bool {
    papi_rich_profile::decode::get_personal_rich_profile(200, b).is_ok()
}

/// Every documented sample that decodes (the corrected copy where the printed one is
/// broken), in the spec's order.
pub const SAMPLES: &[Sample] = &[
    Sample {
        name: "common/error_invalid_token",
        path: "samples/common/error_invalid_token.xml",
        decode: general_error,
    },
    Sample {
        name: "common/error_privacy_denied",
        path: "samples/common/error_privacy_denied.xml",
        decode: general_error,
    },
    Sample {
        name: "common/error_privacy_template",
        path: "samples/common/error_privacy_template.xml",
        decode: general_error,
    },
    Sample {
        name: "common/error_privacy_2008_capture",
        path: "samples/common/error_privacy_2008_capture.xml",
        decode: general_error,
    },
    Sample {
        name: "contacts/findcontactlist",
        path: "samples/contacts/findcontactlist.corrected.xml",
        decode: find_contact_list,
    },
    Sample {
        name: "contacts/getcontact",
        path: "samples/contacts/getcontact.corrected.xml",
        decode: get_contact,
    },
    Sample {
        name: "contacts/addcontact",
        path: "samples/contacts/addcontact.corrected.xml",
        decode: add_contact,
    },
    Sample {
        name: "contacts/adddevice",
        path: "samples/contacts/adddevice.corrected.xml",
        decode: add_device,
    },
    Sample {
        name: "contacts/getpicture",
        path: "samples/contacts/getpicture.xml",
        decode: get_picture,
    },
    Sample {
        name: "contacts/addpicture",
        path: "samples/contacts/addpicture.corrected.xml",
        decode: add_picture,
    },
    Sample {
        name: "contacts/error_template",
        path: "samples/contacts/error_template.xml",
        decode: contacts_error,
    },
    Sample {
        name: "messages/get_personal_messages",
        path: "samples/messages/get_personal_messages.corrected.xml",
        decode: get_personal_messages,
    },
    Sample {
        name: "messages/emails_last_n_detailed",
        path: "samples/messages/emails_last_n_detailed.corrected.xml",
        decode: emails_last_n_detailed,
    },
    Sample {
        name: "messages/error_103",
        path: "samples/messages/error_103.corrected.xml",
        decode: messages_error,
    },
    Sample {
        name: "rich_profile/get_personal_rich_profile_1",
        path: "samples/rich_profile/get_personal_rich_profile_1.corrected.xml",
        decode: get_personal_rich_profile,
    },
];

/// The bytes of a sample (`path` under `api-spec/`).
pub fn load(path: &str) -> std::io::Result<Vec<u8>> {
    std::fs::read(
        Path::new(&crate::workspace_root())
            .join("api-spec")
            .join(path),
    )
}
