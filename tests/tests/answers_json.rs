//! Answers with serde, for a web service that hands them on as JSON: Rust field names, `None`
//! left out, a missing option or list read as empty, enumerations as their wire value, a
//! consented value tagged by its status.
//!
//! Every documented sample that decodes also goes through JSON and back unchanged: the
//! generated sample tests (`tests/tests/samples.rs`) check it through `papi_tests::outcome`,
//! and `encode_equivalence.rs` checks it for every value it encodes.

use papi_contacts::types as c;
use papi_core::Consented;
use papi_messages::types as m;
use papi_rich_profile::types as r;

fn corrected_sample(rel: &str) -> Vec<u8> {
    papi_tests::sample(rel)
}

#[test]
fn a_contact_is_json_with_rust_names() {
    let body = corrected_sample("samples/contacts/getcontact.corrected.xml");
    let contact = papi_contacts::decode::get_contact(200, &body).unwrap();
    let json = serde_json::to_string_pretty(&contact).unwrap();
    insta::assert_snapshot!("contact", json);
    papi_tests::json_round_trip(&contact);
}

#[test]
fn consented_values_are_tagged_by_their_status() {
    let body = corrected_sample("samples/messages/get_personal_messages.corrected.xml");
    let messages = papi_messages::decode::get_personal_messages(200, &body).unwrap();
    insta::assert_snapshot!(
        "personal_messages",
        serde_json::to_string_pretty(&messages).unwrap()
    );
    let value = m::PersonalMessages::default()
        .with_no_emails(Consented::Granted(3))
        .with_no_sms(Consented::Protected);
    assert_eq!(
        serde_json::to_value(&value).unwrap(),
        serde_json::json!({
            "no_emails": {"status": "granted", "value": 3},
            "no_sms": {"status": "protected"},
        }),
        "a value not returned is left out"
    );
    let explicit = serde_json::json!({
        "no_emails": {"status": "granted", "value": 3},
        "no_unread_mails": {"status": "not_returned"},
        "no_sms": {"status": "protected"},
    });
    assert_eq!(
        serde_json::from_value::<m::PersonalMessages>(explicit).unwrap(),
        value
    );
}

#[test]
fn missing_options_lists_and_consented_values_read_as_empty() {
    let contact: c::Contact = serde_json::from_str(r#"{"id": "7"}"#).unwrap();
    assert_eq!(contact, c::Contact::default().with_id("7"));
    let list: c::DeviceList = serde_json::from_str("{}").unwrap();
    assert!(list.devices.is_empty());
    let profile: r::RichProfile = serde_json::from_str("{}").unwrap();
    assert_eq!(profile, r::RichProfile::default());
    assert_eq!(
        serde_json::to_string(&c::Contact::default()).unwrap(),
        r#"{"id":""}"#
    );
    // A required field is required.
    assert!(serde_json::from_str::<c::Contact>("{}").is_err());
}

#[test]
fn enumerations_are_their_wire_value() {
    for wire in c::DeviceSubtype::WIRE_VALUES {
        let value = c::DeviceSubtype::from_wire(wire);
        let json = serde_json::to_string(&value).unwrap();
        assert_eq!(json, format!("\"{wire}\""));
        assert_eq!(
            serde_json::from_str::<c::DeviceSubtype>(&json).unwrap(),
            value
        );
    }
    // An undocumented value stays as given, blanks included.
    for other in ["satellite", " voice", ""] {
        let value = c::DeviceSubtype::Other(other.to_owned());
        let json = serde_json::to_string(&value).unwrap();
        assert_eq!(
            serde_json::from_str::<c::DeviceSubtype>(&json).unwrap(),
            value
        );
    }
    let device: c::Device =
        serde_json::from_str(r#"{"kind": "phone", "subtype": "voice", "value": "+33"}"#).unwrap();
    assert_eq!(device.kind, Some(c::DeviceType::Phone));
    assert_eq!(device.subtype, Some(c::DeviceSubtype::Voice));
}
