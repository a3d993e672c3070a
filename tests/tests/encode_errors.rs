//! Error documents encoded by `papi_core::encode` decode back to the same typed errors.

use papi_core::{ApiErrorKind, Error, GeneralError};

#[test]
fn a_contacts_error_round_trips_with_its_code_and_subtype() {
    let xml = papi_contacts::encode::error(2, "'parameter' is invalid.", Some("sub")).unwrap();
    let Err(Error::Api(e)) = papi_contacts::decode::find_contact_list(200, xml.as_bytes()) else {
        panic!("{xml}")
    };
    assert_eq!(
        e.kind,
        ApiErrorKind::Specific(papi_contacts::ErrorCode::MissingParameter)
    );
    assert_eq!(e.detail, "'parameter' is invalid.");
    assert_eq!(e.subtype.as_deref(), Some("sub"));
}

#[test]
fn a_messages_error_round_trips() {
    let xml = papi_messages::encode::error(103, "account <&> problem", None).unwrap();
    let Err(Error::Api(e)) = papi_messages::decode::get_personal_messages(500, xml.as_bytes())
    else {
        panic!("{xml}")
    };
    assert_eq!(
        e.kind,
        ApiErrorKind::Specific(papi_messages::ErrorCode::Account103)
    );
    assert_eq!(e.detail, "account <&> problem");
    assert_eq!(e.status, 500);
}

#[test]
fn an_api_without_envelope_encodes_general_errors_and_refuses_answers() {
    let xml = papi_calendar::encode::error(-7, "Invalid Request", None).unwrap();
    let Err(Error::Api(e)) = papi_calendar::decode::add_event(200, xml.as_bytes()) else {
        panic!("{xml}")
    };
    assert_eq!(e.kind, ApiErrorKind::General(GeneralError::InvalidRequest));
    struct Anything {}
    impl papi_core::encode::ToXml for Anything {
        fn write_attributes(&self, _: &mut String) {}
        fn write_content(&self, _: &mut String) {}
    }
    assert!(matches!(
        papi_core::encode::response(&papi_calendar::API, &["Data"], &Anything {}),
        Err(papi_core::encode::EncodeError::NoEnvelope { .. })
    ));
}

#[test]
fn a_privacy_error_round_trips_with_its_consent_url() {
    let url =
        "http://127.0.0.1:1/privacy/interaction.do?family=contact&serviceId=S&attributes=,see";
    let xml =
        papi_core::encode::general_error(-3, "PrivacyAccessDeniedException", Some(url)).unwrap();
    assert!(xml.contains("&amp;serviceId"), "{xml}");
    let Err(e) = papi_contacts::decode::get_contact(500, xml.as_bytes()) else {
        panic!("{xml}")
    };
    assert!(e.is_privacy_denied());
    let consent = e.consent().unwrap();
    assert_eq!(consent.family(), Some("contact"));
    assert_eq!(consent.attributes(), ["see"]);
}
