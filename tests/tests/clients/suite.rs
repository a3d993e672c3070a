// The body of the client tests, compiled twice: by `clients.rs` for the async clients and
// by `blocking_clients.rs` for the blocking ones (`MODE`). Every test calls the actions
// through `modes.rs`.

use std::fmt::{Debug, Display};

use papi_contacts::operation::AddContact;
use papi_contacts::types::{AddDeviceSubtype, Civility, DeviceSubtype, DeviceType};
use papi_core::chrono::NaiveDate;
use papi_core::{
    ApiCode, ApiErrorKind, Config, Consented, DecodeErrorKind, Error, GeneralError, ImageType,
    ParamError, ServiceCredentials, TransportErrorKind, Upload, UserToken,
};
use papi_messages::types::MessagesInfo;
use papi_rich_profile::types::RichProfileInfo;
use papi_tests::sample;
use modes::{Contacts, Messages, RichProfile};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A token holding every character that form-urlencoding must escape (`+ / = |`).
const TOKEN: &str = "B64ab+c/d==|sau=|ted=1208277327|xyz";
/// [`TOKEN`] as it must appear in a query string.
const TOKEN_QUERY: &str = "B64ab%2Bc%2Fd%3D%3D%7Csau%3D%7Cted%3D1208277327%7Cxyz";
const PASSWORD: &str = "svc-pwd";
/// `Basic base64("svc-id:svc-pwd")`.
const BASIC: &str = "Basic c3ZjLWlkOnN2Yy1wd2Q=";

const CONTACTS: &str = "/PersonalContacts/V1";
const MESSAGES: &str = "/PersonalMessages/V2";
const RICH_PROFILE: &str = "/PersonalRichProfile/V1";

/// A tiny JPEG: SOI, an APP0 "JFIF" header start, non-UTF-8 bytes, EOI.
const JPEG: &[u8] = &[
    0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0x00, 0x01, 0x01, 0x00, 0x80, 0xFE,
    0x0D, 0x0A, 0xFF, 0xD9,
];
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

fn token() -> UserToken {
    UserToken::new(TOKEN)
}

fn credentials() -> ServiceCredentials {
    ServiceCredentials::new("svc-id", PASSWORD)
}

fn config_for(base: &str) -> Config {
    Config::custom(base, credentials()).expect("custom base URL")
}

fn contacts(server: &MockServer) -> Contacts {
    Contacts::new(MODE, &config_for(&server.uri()))
}

fn messages(server: &MockServer) -> Messages {
    Messages::new(MODE, &config_for(&server.uri()))
}

fn rich_profile(server: &MockServer) -> RichProfile {
    RichProfile::new(MODE, &config_for(&server.uri()))
}

/// A server answering every request once with `status` and `body`.
async fn answering(status: u16, body: impl Into<Vec<u8>>) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(status).set_body_raw(body.into(), "text/xml"))
        .expect(1)
        .named("the one expected call")
        .mount(&server)
        .await;
    server
}

/// A server that must receive nothing: a call reaching it fails the test.
async fn silent() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .named("nothing may be sent")
        .mount(&server)
        .await;
    server
}

/// Checks that `server` received nothing (the `expect(0)` is also verified on drop).
async fn assert_nothing_sent(server: &MockServer) {
    server.verify().await;
    assert!(server.received_requests().await.unwrap().is_empty());
}

/// The single request `server` received.
async fn only_request(server: &MockServer) -> wiremock::Request {
    server.verify().await;
    let mut received = server.received_requests().await.unwrap();
    assert_eq!(received.len(), 1, "{received:?}");
    received.remove(0)
}

fn assert_basic_auth(request: &wiremock::Request) {
    let auth = request.headers.get("authorization").expect("Authorization");
    assert_eq!(auth.to_str().unwrap(), BASIC);
}

/// The request was `GET <path>?<query>` with Basic auth; `query` is everything before
/// `&token=…`, which must come last, percent-encoded.
fn assert_get(request: &wiremock::Request, path: &str, query: &str) {
    assert_eq!(request.method.as_str(), "GET");
    assert_eq!(request.url.path(), path);
    assert_eq!(
        request.url.query(),
        Some(format!("{query}&token={TOKEN_QUERY}").as_str())
    );
    assert_basic_auth(request);
}

/// The decoded value of the query parameter `name` (as the server reads it).
fn query_param(request: &wiremock::Request, name: &str) -> String {
    let values: Vec<String> = request
        .url
        .query_pairs()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
        .collect();
    assert_eq!(values.len(), 1, "{name} in {:?}", request.url.query());
    values.into_iter().next().unwrap()
}

/// Neither the token (raw or encoded) nor the service password shows in `text`.
fn assert_no_secret_in(text: &str) {
    for secret in [TOKEN, TOKEN_QUERY, PASSWORD, "B64ab", "1208277327"] {
        assert!(!text.contains(secret), "{secret:?} shown in: {text}");
    }
}

/// `Debug` (plain and pretty) and `Display` of `value` hold no secret.
fn assert_secret_free<T: Debug + Display>(value: &T) {
    assert_no_secret_in(&format!("{value:?}"));
    assert_no_secret_in(&format!("{value:#?}"));
    assert_no_secret_in(&format!("{value}"));
}

/// The parameter error of a call refused before sending.
fn param_error<T: Debug, S: Debug + Display>(result: Result<T, Error<S>>) -> ParamError {
    match result {
        Err(Error::InvalidParam(e)) => {
            assert_secret_free(&e);
            e
        }
        other => panic!("expected Error::InvalidParam, got {other:?}"),
    }
}

/// The API error of a call, checked to be secret-free.
fn api_error<T: Debug, S: ApiCode>(result: Result<T, Error<S>>) -> papi_core::ApiError<S> {
    match result {
        Err(e @ Error::Api(_)) => {
            assert_secret_free(&e);
            let Error::Api(api) = e else { unreachable!() };
            api
        }
        other => panic!("expected Error::Api, got {other:?}"),
    }
}

/// The decode error of a call, checked to be secret-free.
fn decode_error<T: Debug, S: ApiCode>(result: Result<T, Error<S>>) -> papi_core::DecodeError {
    match result {
        Err(e @ Error::Decode(_)) => {
            assert_secret_free(&e);
            let Error::Decode(d) = e else { unreachable!() };
            d
        }
        other => panic!("expected Error::Decode, got {other:?}"),
    }
}

fn text(rel: &str) -> String {
    String::from_utf8(sample(rel)).unwrap()
}

// ---------------------------------------------------------------------------------------
// 1. Request shapes (with the documented success answer decoded)
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn findcontactlist_quotes_a_complex_search_and_decodes_two_contacts() {
    let server = answering(
        200,
        sample("samples/contacts/findcontactlist.corrected.xml"),
    )
    .await;
    let client = contacts(&server);
    assert_eq!(
        client.endpoint().as_str(),
        format!("{}{CONTACTS}", server.uri())
    );
    let found = client
        .find_contact_list(&token(), "complex string")
        .await
        .unwrap();

    let request = only_request(&server).await;
    assert_get(
        &request,
        CONTACTS,
        "action=findcontactlist&search=%22complex+string%22",
    );
    assert_eq!(query_param(&request, "search"), "\"complex string\"");
    assert_eq!(query_param(&request, "token"), TOKEN);

    assert_eq!(found.request.as_deref(), Some("g10"));
    assert_eq!(found.action.as_deref(), Some("ctcfindcontactlist"));
    let list = found.contacts.expect("data-list");
    assert_eq!(list.total_data, Some(2));
    assert_eq!(list.nbentries, Some(2));
    let ids: Vec<&str> = list.entries.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["1", "2"]);
    let last: Vec<Option<&str>> = list.entries.iter().map(|c| c.lastname.as_deref()).collect();
    assert_eq!(last, [Some("World"), Some("Partner")]);
    assert_eq!(list.entries[0].firstname.as_deref(), Some("Orange"));
}

#[tokio::test]
async fn findcontactlist_sends_a_simple_search_unquoted() {
    let server = answering(
        200,
        sample("samples/contacts/findcontactlist.corrected.xml"),
    )
    .await;
    contacts(&server)
        .find_contact_list(&token(), "Orange")
        .await
        .unwrap();
    assert_get(
        &only_request(&server).await,
        CONTACTS,
        "action=findcontactlist&search=Orange",
    );
}

#[tokio::test]
async fn getcontact_sends_cid_and_decodes_devices_and_addresses() {
    let server = answering(200, sample("samples/contacts/getcontact.corrected.xml")).await;
    let contact = contacts(&server).get_contact(&token(), "C1").await.unwrap();
    assert_get(
        &only_request(&server).await,
        CONTACTS,
        "action=getcontact&cid=C1",
    );

    assert_eq!(contact.id, "1");
    assert_eq!(contact.view.as_deref(), Some("deep"));
    assert_eq!(contact.firstname.as_deref(), Some("Robert"));
    assert_eq!(contact.lastname.as_deref(), Some("Smith"));
    assert_eq!(contact.civility, Some(Civility::Unknown));
    assert_eq!(contact.birthday, NaiveDate::from_ymd_opt(1951, 1, 1));
    assert_eq!(contact.company.as_deref(), Some("Custland Ltd"));
    let devices = contact.devices.expect("device-list").devices;
    let summary: Vec<_> = devices
        .iter()
        .map(|d| {
            (
                d.kind.clone(),
                d.subtype.clone(),
                d.value.as_str(),
                d.display,
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (
                Some(DeviceType::Email),
                Some(DeviceSubtype::Internet),
                "rob516.smith@custlandcy.com",
                Some(true)
            ),
            (
                Some(DeviceType::Phone),
                Some(DeviceSubtype::Voice),
                "0123456789",
                Some(true)
            ),
            (
                Some(DeviceType::Url),
                Some(DeviceSubtype::Web),
                "www.robsmith516.com",
                Some(false)
            ),
        ]
    );
    assert_eq!(devices[0].id.as_deref(), Some("1400761728"));
    assert_eq!(devices[0].info_type.as_deref(), Some("pro"));
    assert_eq!(devices[0].order, Some(1));
    let addresses = contact.addresses.expect("address-list").addresses;
    assert_eq!(addresses.len(), 1);
    let a = &addresses[0];
    assert_eq!(a.info_type.as_deref(), Some("home"));
    assert_eq!(a.streetline1.as_deref(), Some("24, Fascination Street"));
    assert_eq!(a.streetline2.as_deref(), Some("Appt 34"));
    assert_eq!(a.zip_code.as_deref(), Some("766546"));
    assert_eq!(a.city.as_deref(), Some("London"));
    assert_eq!(a.state.as_deref(), Some("England"));
}

#[tokio::test]
async fn addcontact_sends_every_optional_param_in_spec_order() {
    let server = answering(200, sample("samples/contacts/addcontact.corrected.xml")).await;
    let input = AddContact::new()
        .lastname("Smith")
        .firstname("Zoë")
        .nickname("Rob")
        .company("Custland Ltd")
        .job_function("CTO")
        .department("R&D")
        .email_perso("rob+home@example.com")
        .birthday(NaiveDate::from_ymd_opt(1951, 1, 1).unwrap())
        .civility(Civility::Mrs);
    let added = contacts(&server)
        .add_contact(&token(), input)
        .await
        .unwrap();

    let request = only_request(&server).await;
    assert_get(
        &request,
        CONTACTS,
        "action=addcontact&lastname=Smith&firstname=Zo%C3%AB&nickname=Rob\
         &company=Custland+Ltd&function=CTO&department=R%26D\
         &emailperso=rob%2Bhome%40example.com&birthday=1951-01-01&civility=2",
    );
    assert_eq!(query_param(&request, "firstname"), "Zoë");
    assert_eq!(query_param(&request, "emailperso"), "rob+home@example.com");

    assert_eq!(added.id, "c6");
    assert_eq!(added.action.as_deref(), Some("ctcupdatecontact"));
    assert_eq!(added.request.as_deref(), Some("g10"));
}

#[tokio::test]
async fn addcontact_sends_only_what_is_set() {
    let server = answering(200, sample("samples/contacts/addcontact.corrected.xml")).await;
    contacts(&server)
        .add_contact(&token(), AddContact::new().company("Orange"))
        .await
        .unwrap();
    assert_get(
        &only_request(&server).await,
        CONTACTS,
        "action=addcontact&company=Orange",
    );
}

#[tokio::test]
async fn adddevice_sends_type_subtype_order_value() {
    let server = answering(200, sample("samples/contacts/adddevice.corrected.xml")).await;
    let ack = contacts(&server)
        .add_device(
            &token(),
            "C1",
            DeviceType::Phone,
            AddDeviceSubtype::Mobile,
            "5",
            "+33 6 12 34 56 78",
        )
        .await
        .unwrap();
    let request = only_request(&server).await;
    assert_get(
        &request,
        CONTACTS,
        "action=adddevice&cid=C1&type=phone&subtype=mobile&order=5&value=%2B33+6+12+34+56+78",
    );
    assert_eq!(query_param(&request, "value"), "+33 6 12 34 56 78");
    assert_eq!(ack.action.as_deref(), Some("cdvupdatedevice"));
    assert_eq!(ack.request.as_deref(), Some("g10"));
}

#[tokio::test]
async fn getpicture_sends_cid_and_resolves_the_jpeg_declared_as_gif() {
    let server = answering(200, sample("samples/contacts/getpicture.xml")).await;
    let data = contacts(&server).get_picture(&token(), "C1").await.unwrap();
    assert_get(
        &only_request(&server).await,
        CONTACTS,
        "action=getpicture&cid=C1",
    );

    assert_eq!(data.type_image.as_deref(), Some("gif"));
    let picture = data.picture();
    assert_eq!(picture.image_type, ImageType::Jpeg);
    assert_eq!(picture.bytes.len(), 2491);
    assert_eq!(picture.bytes[..3], [0xFF, 0xD8, 0xFF]);
    assert_eq!(picture.bytes[picture.bytes.len() - 2..], [0xFF, 0xD9]);
    assert_eq!(picture.declared.as_deref(), Some("gif"));
    assert!(picture.declared_mismatch());
    assert_eq!(picture.bytes, data.file.content.as_bytes());
    assert!(format!("{picture:?}").contains("2491 bytes"));
}

#[tokio::test]
async fn addpicture_is_a_multipart_post_with_the_token_in_the_body() {
    let server = answering(200, sample("samples/contacts/addpicture.corrected.xml")).await;
    let ack = contacts(&server)
        .add_picture(&token(), "C1", Upload::new(JPEG, "photo.jpg"))
        .await
        .unwrap();
    assert_eq!(ack.action.as_deref(), Some("ctcaddmedia"));

    let request = only_request(&server).await;
    assert_eq!(request.method.as_str(), "POST");
    assert_eq!(request.url.path(), CONTACTS);
    assert_eq!(
        request.url.query(),
        None,
        "no token (nor anything) in the URL"
    );
    assert_basic_auth(&request);
    let content_type = request.headers["content-type"].to_str().unwrap();
    let boundary = content_type
        .strip_prefix("multipart/form-data; boundary=")
        .unwrap_or_else(|| panic!("{content_type}"));

    // The whole body, byte for byte: the fields in order, then the file part.
    let field = |name: &str, value: &str| {
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        )
    };
    let mut expected = Vec::new();
    expected.extend(field("action", "addpicture").bytes());
    expected.extend(field("cid", "C1").bytes());
    expected.extend(field("token", TOKEN).bytes());
    expected.extend(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"photo.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n"
        )
        .bytes(),
    );
    expected.extend_from_slice(JPEG);
    expected.extend(format!("\r\n--{boundary}--\r\n").bytes());
    assert_eq!(
        request.body,
        expected,
        "got:\n{}",
        String::from_utf8_lossy(&request.body)
    );
}

#[tokio::test]
async fn addpicture_accepts_gif_and_bmp_with_their_content_type() {
    for (bytes, mime) in [
        (&b"GIF89a\x01\x00\x01\x00"[..], "image/gif"),
        (&b"BM\x3a\x00\x00\x00"[..], "image/bmp"),
    ] {
        let server = answering(200, sample("samples/contacts/addpicture.corrected.xml")).await;
        contacts(&server)
            .add_picture(&token(), "C1", Upload::new(bytes, "p.img"))
            .await
            .unwrap();
        let request = only_request(&server).await;
        let part = format!("name=\"file\"; filename=\"p.img\"\r\nContent-Type: {mime}\r\n\r\n");
        let at = request
            .body
            .windows(part.len())
            .position(|w| w == part.as_bytes())
            .unwrap_or_else(|| panic!("{part:?} not in the body"));
        assert!(request.body[at + part.len()..].starts_with(bytes));
    }
}

#[tokio::test]
async fn getpersonalmessages_sends_the_infos_comma_separated() {
    let server = answering(
        200,
        sample("samples/messages/get_personal_messages.corrected.xml"),
    )
    .await;
    let client = messages(&server);
    assert_eq!(
        client.endpoint().as_str(),
        format!("{}{MESSAGES}", server.uri())
    );
    let infos = [
        MessagesInfo::NoEmails,
        MessagesInfo::NoUnreadMails,
        MessagesInfo::NoSms,
        MessagesInfo::EmailsLastNDetailed,
    ];
    let m = client
        .get_personal_messages(&token(), &infos)
        .await
        .unwrap();

    let request = only_request(&server).await;
    // form_urlencoded escapes the commas.
    assert_get(
        &request,
        MESSAGES,
        "action=getPersonalMessages&infos=NoEMails%2CNoUnReadMails%2CNoSMS%2CEmailsLastNDetailed",
    );
    assert_eq!(
        query_param(&request, "infos"),
        "NoEMails,NoUnReadMails,NoSMS,EmailsLastNDetailed"
    );

    assert_eq!(m.no_unread_mails, Consented::Granted(0));
    assert!(m.emails_last_n_detailed.is_protected());
    assert_eq!(m.no_emails, Consented::NotReturned);
    assert_eq!(m.no_sms, Consented::NotReturned);
    assert_eq!(m.privacy_dashboard_url.as_deref(), Some("http://a.b.c/def"));
}

#[tokio::test]
async fn getpersonalrichprofile_sends_the_infos_and_decodes_granted_values() {
    let server = answering(
        200,
        sample("samples/rich_profile/get_personal_rich_profile_1.corrected.xml"),
    )
    .await;
    let client = rich_profile(&server);
    assert_eq!(
        client.endpoint().as_str(),
        format!("{}{RICH_PROFILE}", server.uri())
    );
    let infos = [
        RichProfileInfo::Firstname,
        RichProfileInfo::Lastname,
        RichProfileInfo::UserType,
    ];
    let profile = client
        .get_personal_rich_profile(&token(), &infos)
        .await
        .unwrap();

    let request = only_request(&server).await;
    assert_get(
        &request,
        RICH_PROFILE,
        "action=getPersonalRichProfile&infos=Firstname%2CLastname%2CUserType",
    );
    assert_eq!(
        query_param(&request, "infos"),
        "Firstname,Lastname,UserType"
    );

    assert_eq!(profile.firstname, Consented::Granted("John".to_owned()));
    assert_eq!(profile.lastname, Consented::NotReturned);
    assert_eq!(profile.display_name, Consented::NotReturned);
}

#[tokio::test]
async fn a_custom_base_with_a_path_prefixes_every_api_path() {
    let server = answering(200, sample("samples/contacts/getcontact.corrected.xml")).await;
    let config = config_for(&format!("{}/int/", server.uri()));
    let client = Contacts::new(MODE, &config);
    assert_eq!(
        client.endpoint().as_str(),
        format!("{}/int{CONTACTS}", server.uri())
    );
    client.get_contact(&token(), "C 1").await.unwrap();
    assert_get(
        &only_request(&server).await,
        "/int/PersonalContacts/V1",
        "action=getcontact&cid=C+1",
    );
}

/// Attack: a control character XML 1.0 forbids (`addcontact lastname=a%01b`) would make
/// the server write a document strict parsers refuse; it is refused before sending.
#[tokio::test]
async fn a_control_character_is_refused_before_sending() {
    let server = silent().await;
    for value in ["a\u{1}b", "\u{0}", "x\u{1f}"] {
        let e = contacts(&server)
            .add_contact(&token(), AddContact::new().lastname(value))
            .await;
        let ParamError::ForbiddenChar { param, ch } = param_error(e) else {
            panic!("not refused as a forbidden character: {value:?}")
        };
        assert_eq!(param, "lastname");
        assert!(papi_core::check::is_forbidden_in_xml(ch));
    }
    let e = contacts(&server).find_contact_list(&token(), "Or\u{8}").await;
    assert!(matches!(
        param_error(e),
        ParamError::ForbiddenChar { param: "search", .. }
    ));
    assert_nothing_sent(&server).await;
}

/// The documents spell the mobile subtype `mobile` for adddevice and `cell` in getcontact's
/// answers: one enum per use, so reading's `cell` cannot be sent, and a `cell` given as a
/// wire value is refused naming adddevice's values.
#[tokio::test]
async fn adddevice_takes_its_own_subtypes_and_answers_read_theirs() {
    assert!(AddDeviceSubtype::WIRE_VALUES.contains(&"mobile"));
    assert!(!AddDeviceSubtype::WIRE_VALUES.contains(&"cell"));
    assert!(DeviceSubtype::WIRE_VALUES.contains(&"cell"));
    assert!(!DeviceSubtype::WIRE_VALUES.contains(&"mobile"));
    let server = silent().await;
    let e = contacts(&server)
        .add_device(
            &token(),
            "C1",
            DeviceType::Phone,
            AddDeviceSubtype::from_wire("cell"),
            "1",
            "+33600000000",
        )
        .await;
    let ParamError::InvalidEnum { param, value, allowed } = param_error(e) else {
        panic!("not an enum refusal")
    };
    assert_eq!((param, value.as_str()), ("subtype", "cell"));
    assert_eq!(allowed, AddDeviceSubtype::WIRE_VALUES);
    assert_nothing_sent(&server).await;
}

#[tokio::test]
async fn adddevice_accepts_every_documented_type_subtype_pair() {
    let pairs = [
        (DeviceType::Email, AddDeviceSubtype::Internet),
        (DeviceType::Phone, AddDeviceSubtype::Voice),
        (DeviceType::Phone, AddDeviceSubtype::Mobile),
        (DeviceType::Phone, AddDeviceSubtype::Fax),
        (DeviceType::Phone, AddDeviceSubtype::Video),
        (DeviceType::Url, AddDeviceSubtype::Web),
    ];
    for (kind, subtype) in pairs {
        let server = answering(200, sample("samples/contacts/adddevice.corrected.xml")).await;
        let result = contacts(&server)
            .add_device(&token(), "C1", kind.clone(), subtype.clone(), "1", "v")
            .await;
        assert!(result.is_ok(), "{kind}/{subtype}: {result:?}");
        assert_get(
            &only_request(&server).await,
            CONTACTS,
            &format!("action=adddevice&cid=C1&type={kind}&subtype={subtype}&order=1&value=v"),
        );
    }
}

// ---------------------------------------------------------------------------------------
// 2. Validation before sending
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn a_wildcard_in_search_is_refused() {
    let server = silent().await;
    let e = param_error(contacts(&server).find_contact_list(&token(), "Ora*").await);
    assert_eq!(
        e,
        ParamError::ForbiddenChar {
            param: "search",
            ch: '*'
        }
    );
    let e = param_error(contacts(&server).find_contact_list(&token(), " ").await);
    assert_eq!(e, ParamError::Empty { param: "search" });
    assert_nothing_sent(&server).await;
}

#[tokio::test]
async fn an_empty_cid_is_refused_by_every_action_taking_one() {
    let server = silent().await;
    let client = contacts(&server);
    let empty = ParamError::Empty { param: "cid" };
    assert_eq!(param_error(client.get_contact(&token(), "").await), empty);
    assert_eq!(param_error(client.get_picture(&token(), " ").await), empty);
    let e = client
        .add_picture(&token(), "", Upload::new(JPEG, "p.jpg"))
        .await;
    assert_eq!(param_error(e), empty);
    let e = client
        .add_device(
            &token(),
            "",
            DeviceType::Email,
            AddDeviceSubtype::Internet,
            "1",
            "a@b.c",
        )
        .await;
    assert_eq!(param_error(e), empty);
    assert_nothing_sent(&server).await;
}

#[tokio::test]
async fn addcontact_without_any_name_or_company_is_refused() {
    let server = silent().await;
    let client = contacts(&server);
    // Optional params outside the group do not count.
    let input = AddContact::new()
        .job_function("CTO")
        .email_perso("a@b.c")
        .civility(Civility::Mr);
    for input in [AddContact::new(), input] {
        let e = param_error(client.add_contact(&token(), input).await);
        let ParamError::AtLeastOneOf { params } = &e else {
            panic!("{e:?}")
        };
        assert_eq!(*params, ["lastname", "firstname", "nickname", "company"]);
        assert_eq!(
            e.to_string(),
            "at least one of `lastname`, `firstname`, `nickname`, `company` must be set"
        );
    }
    // An empty value of the group is refused too.
    let e = param_error(
        client
            .add_contact(&token(), AddContact::new().lastname(""))
            .await,
    );
    assert_eq!(e, ParamError::Empty { param: "lastname" });
    assert_nothing_sent(&server).await;
}

#[tokio::test]
async fn an_undocumented_enum_value_is_refused_naming_the_param() {
    let server = silent().await;
    let client = contacts(&server);
    let input = AddContact::new()
        .lastname("Smith")
        .civility(Civility::Other("9".into()));
    let e = param_error(client.add_contact(&token(), input).await);
    assert_eq!(
        e,
        ParamError::InvalidEnum {
            param: "civility",
            value: "9".into(),
            allowed: &["0", "1", "2", "3"],
        }
    );
    let e = client
        .add_device(
            &token(),
            "C1",
            DeviceType::Other("fax".into()),
            AddDeviceSubtype::Fax,
            "1",
            "0123",
        )
        .await;
    assert!(
        matches!(param_error(e), ParamError::InvalidEnum { param: "type", ref value, .. } if value == "fax")
    );
    let e = messages(&server)
        .get_personal_messages(
            &token(),
            &[MessagesInfo::NoSms, MessagesInfo::Other("NoFax".into())],
        )
        .await;
    assert!(
        matches!(param_error(e), ParamError::InvalidEnum { param: "infos", ref value, .. } if value == "NoFax")
    );
    assert_nothing_sent(&server).await;
}

#[tokio::test]
async fn adddevice_with_a_subtype_of_another_type_is_refused() {
    let server = silent().await;
    let e = contacts(&server)
        .add_device(
            &token(),
            "C1",
            DeviceType::Email,
            AddDeviceSubtype::Voice,
            "1",
            "a@b.c",
        )
        .await;
    let e = param_error(e);
    assert_eq!(
        e,
        ParamError::InvalidCombination {
            param: "subtype",
            value: "voice".into(),
            other: "type",
            other_value: "email".into(),
        }
    );
    let shown = e.to_string();
    assert!(
        shown.contains("`subtype`") && shown.contains("`type`"),
        "{shown}"
    );
    assert_nothing_sent(&server).await;
}

#[tokio::test]
async fn an_empty_infos_list_is_refused() {
    let server = silent().await;
    let e = param_error(messages(&server).get_personal_messages(&token(), &[]).await);
    assert_eq!(e, ParamError::EmptyList { param: "infos" });
    let e = param_error(
        rich_profile(&server)
            .get_personal_rich_profile(&token(), &[])
            .await,
    );
    assert_eq!(e, ParamError::EmptyList { param: "infos" });
    assert_nothing_sent(&server).await;
}

#[tokio::test]
async fn addpicture_refuses_png_garbage_and_empty_files() {
    let server = silent().await;
    let client = contacts(&server);
    let cases = [
        (PNG, "p.png", "is a PNG image; accepted: JPEG, GIF, BMP"),
        (
            &b"hello, not an image"[..],
            "p.jpg",
            "is not a recognisable image; accepted: JPEG, GIF, BMP",
        ),
        (&b""[..], "p.jpg", "is empty"),
    ];
    for (bytes, name, why) in cases {
        let e = param_error(
            client
                .add_picture(&token(), "C1", Upload::new(bytes, name))
                .await,
        );
        let ParamError::UnsupportedFile { param, reason } = &e else {
            panic!("{e:?}")
        };
        assert_eq!(*param, "file");
        assert_eq!(*reason, format!("{name:?} {why}"));
    }
    assert_nothing_sent(&server).await;
}

// ---------------------------------------------------------------------------------------
// 3. Error answers
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn general_error_minus_1_is_invalid_token() {
    let body = sample("samples/common/error_invalid_token.xml");
    let server = answering(200, body.clone()).await;
    let e = api_error(contacts(&server).get_contact(&token(), "C1").await);
    assert_eq!(e.kind, ApiErrorKind::General(GeneralError::InvalidToken));
    assert_eq!(e.code, -1);
    assert_eq!(e.detail, "InvalidTokenException");
    assert_eq!(e.status, 200);
    assert_eq!(e.subtype, None);
    assert_eq!(e.consent, None);
    assert_eq!(e.body.as_bytes(), body);
    assert!(!e.is_privacy_denied());
}

#[tokio::test]
async fn general_error_minus_1_through_the_messages_client() {
    let server = answering(401, sample("samples/common/error_invalid_token.xml")).await;
    let e = api_error(
        messages(&server)
            .get_personal_messages(&token(), &[MessagesInfo::NoSms])
            .await,
    );
    assert_eq!(e.general(), Some(GeneralError::InvalidToken));
    assert_eq!(e.status, 401);
}

#[tokio::test]
async fn privacy_error_with_http_500_carries_the_consent_request() {
    let body = sample("samples/common/error_privacy_2008_capture.xml");
    let server = answering(500, body.clone()).await;
    // The integration privacy host, trusted explicitly: the base URL is a local server.
    let config = config_for(&server.uri())
        .with_consent_origin("http://int4.mdsp.rec.orange.fr")
        .unwrap();
    let err = Contacts::new(MODE, &config)
        .find_contact_list(&token(), "Orange")
        .await
        .unwrap_err();
    assert_secret_free(&err);
    assert!(err.is_privacy_denied());
    assert!(!err.is_retryable());
    assert_eq!(err.status(), Some(500));
    assert_eq!(err.body().map(str::as_bytes), Some(body.as_slice()));
    let consent = err.consent().expect("consent request");
    assert_eq!(consent.family(), Some("contact"));
    assert_eq!(consent.service_id(), Some("[serviceId]"));
    assert_eq!(consent.attributes(), ["see"]);
    assert_eq!(
        consent
            .redirect_url("https://my.site/back?x=1")
            .unwrap()
            .as_str(),
        "http://int4.mdsp.rec.orange.fr/privacy/interaction.do?family=contact&serviceId=[serviceId]&attributes=,see&urlRetour=https%3A%2F%2Fmy.site%2Fback%3Fx%3D1"
    );
    let e = api_error(Err::<(), _>(err));
    assert_eq!(
        e.kind,
        ApiErrorKind::General(GeneralError::PrivacyAccessDenied)
    );
    assert_eq!(e.code, -3);
    assert_eq!(e.detail, "PrivacyAccessDeniedException");
}

#[tokio::test]
async fn contacts_specific_code_from_the_type_attribute() {
    let body = r#"<command request="" action="x"><result>-2</result><error subtype="s" type="2">'parameter' is invalid.</error></command>"#;
    let server = answering(200, body).await;
    let e = api_error(contacts(&server).get_contact(&token(), "C1").await);
    assert_eq!(
        e.kind,
        ApiErrorKind::Specific(papi_contacts::ErrorCode::MissingParameter)
    );
    assert_eq!(e.code, 2);
    assert_eq!(e.detail, "'parameter' is invalid.");
    assert_eq!(e.subtype.as_deref(), Some("s"));
    assert_eq!(e.status, 200);
    assert_eq!(e.body, body);
    assert_eq!(
        e.specific(),
        Some(&papi_contacts::ErrorCode::MissingParameter)
    );
    assert!(!e.is_privacy_denied());
}

#[tokio::test]
async fn contacts_unknown_specific_code_is_kept() {
    let body = r#"<?xml version="1.0"?><xpage version="1.0"><command-list><command request="g10" action="x"><result>-77</result><error subtype="z" type="77">new failure</error></command></command-list></xpage>"#;
    let server = answering(200, body).await;
    let e = api_error(
        contacts(&server)
            .add_contact(&token(), AddContact::new().lastname("Smith"))
            .await,
    );
    assert_eq!(
        e.kind,
        ApiErrorKind::Specific(papi_contacts::ErrorCode::Unknown(77))
    );
    assert_eq!(e.code, 77);
    assert_eq!(e.detail, "new failure");
}

#[tokio::test]
async fn messages_error_103_is_account_103() {
    let body = sample("samples/messages/error_103.corrected.xml");
    let server = answering(200, body.clone()).await;
    let e = api_error(
        messages(&server)
            .get_personal_messages(&token(), &[MessagesInfo::NoEmails])
            .await,
    );
    assert_eq!(
        e.kind,
        ApiErrorKind::Specific(papi_messages::ErrorCode::Account103)
    );
    assert_eq!(e.code, 103);
    assert_eq!(
        e.detail,
        "Error encountered. Please contact api support team with the error code number"
    );
    assert_eq!(e.body.as_bytes(), body);
    assert!(!e.is_retryable());
}

#[tokio::test]
async fn rich_profile_internal_error_is_specific_and_retryable() {
    let body = "<getPersonalRichProfileReturn><error><code>205</code><detail>Internal</detail></error></getPersonalRichProfileReturn>";
    let server = answering(200, body).await;
    let e = api_error(
        rich_profile(&server)
            .get_personal_rich_profile(&token(), &[RichProfileInfo::Firstname])
            .await,
    );
    assert_eq!(
        e.kind,
        ApiErrorKind::Specific(papi_rich_profile::ErrorCode::Internal205)
    );
    assert!(e.is_retryable());
}

#[tokio::test]
async fn an_html_page_or_broken_xml_with_200_is_a_decode_error() {
    let wrong_root = || {
        Some(DecodeErrorKind::WrongRoot {
            expected: "xpage".into(),
            found: "html".into(),
        })
    };
    // `None`: not well-formed XML (the position and message are the parser's).
    let cases = [
        (
            "<html><body><h1>Service unavailable</h1></body></html>",
            wrong_root(),
        ),
        // The root is judged before the rest is read: an HTML page that is not XML either
        // is still reported as the wrong document.
        (
            "<!DOCTYPE html><html><body>Maintenance<br></body></html>",
            wrong_root(),
        ),
        ("<xpage><command-list><command>", None),
        ("Service unavailable", None),
    ];
    for (body, expected) in cases {
        let server = answering(200, body).await;
        let d = decode_error(contacts(&server).get_contact(&token(), "C1").await);
        assert_eq!(d.status, Some(200));
        assert_eq!(d.body, body);
        match expected {
            Some(kind) => assert_eq!(d.kind, kind, "{body}"),
            None => assert!(
                matches!(d.kind, DecodeErrorKind::NotXml { .. }),
                "{body}: {:?}",
                d.kind
            ),
        }
    }
}

#[tokio::test]
async fn http_500_with_a_non_xml_body_is_an_unexpected_status() {
    let server = answering(500, "Internal Server Error").await;
    let err = messages(&server)
        .get_personal_messages(&token(), &[MessagesInfo::NoSms])
        .await
        .unwrap_err();
    assert_secret_free(&err);
    match &err {
        Error::UnexpectedStatus { status, body } => {
            assert_eq!(*status, 500);
            assert_eq!(body, "Internal Server Error");
        }
        other => panic!("{other:?}"),
    }
    assert!(err.is_retryable());
    assert_eq!(err.to_string(), "unexpected HTTP status 500");
}

#[tokio::test]
async fn a_missing_required_field_names_its_path() {
    let body = text("samples/contacts/addcontact.corrected.xml").replace("<id>c6</id>", "");
    assert!(!body.contains("<id>"));
    let server = answering(200, body.clone()).await;
    let d = decode_error(
        contacts(&server)
            .add_contact(&token(), AddContact::new().nickname("Rob"))
            .await,
    );
    assert_eq!(
        d.kind,
        DecodeErrorKind::Missing {
            path: "xpage/command-list/command/id".into()
        }
    );
    assert!(d.path().unwrap().ends_with("/id"));
    assert_eq!(d.status, Some(200));
    assert_eq!(d.body, body);
}

#[tokio::test]
async fn a_refused_connection_is_a_transport_error_without_the_token() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let client =
        Contacts::new(MODE, &config_for(&format!("http://127.0.0.1:{port}")));
    let err = client
        .find_contact_list(&token(), "complex string")
        .await
        .unwrap_err();
    assert_secret_free(&err);
    let Error::Transport(te) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(te.kind(), TransportErrorKind::Connect);
    assert_eq!(
        te.url(),
        format!("http://127.0.0.1:{port}{CONTACTS}?action=findcontactlist&search=%22complex+string%22&token=***")
    );
    let shown = err.to_string();
    assert!(shown.contains("token=***"), "{shown}");
    assert!(err.is_retryable());
    assert_eq!(err.status(), None);
    // Walking `source()` repeats no text and ends at the root cause.
    let mut texts = vec![err.to_string()];
    let mut cause = std::error::Error::source(&err);
    while let Some(c) = cause {
        let text = c.to_string();
        assert!(
            !texts.iter().any(|t| t.contains(&text) || text.contains(t.as_str())),
            "{text:?} repeats {texts:#?}"
        );
        texts.push(text);
        cause = c.source();
    }
    let root = texts.last().unwrap().to_lowercase();
    assert!(
        texts.len() > 1 && root.contains("refused"),
        "the chain does not reach the refused connection: {texts:#?}"
    );
    let line = papi_core::report(&err);
    assert!(line.starts_with(&shown) && line.to_lowercase().contains("refused"), "{line}");
}

/// A server that would answer any request with a contact list, and expects none.
async fn elsewhere() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_bytes(sample("samples/contacts/findcontactlist.corrected.xml")),
        )
        .mount(&server)
        .await;
    server
}

/// A server answering every request with `status` and `Location: location`.
async fn redirecting(status: u16, location: &str) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(status).insert_header("Location", location))
        .mount(&server)
        .await;
    server
}

/// Attack: an endpoint answering a redirect to another origin (here another port of
/// loopback), or to plain `http` of another host, would get the next request — the token
/// in its query — sent there. The default client follows no redirect: the answer is a
/// typed error, the other host gets nothing (neither the token nor the Basic credentials).
#[tokio::test]
async fn the_default_client_follows_no_redirect() {
    let elsewhere = elsewhere().await;
    let targets = [
        format!("{}{CONTACTS}?action=findcontactlist&token={TOKEN_QUERY}", elsewhere.uri()),
        "http://api.orange.invalid/PersonalContacts/V1?token=x".to_owned(),
        format!("{CONTACTS}?moved=1"),
    ];
    for status in [301, 302, 307, 308] {
        for target in &targets {
            let server = redirecting(status, target).await;
            let err = contacts(&server)
                .find_contact_list(&token(), "Orange")
                .await
                .unwrap_err();
            assert_secret_free(&err);
            let Error::Transport(te) = &err else {
                panic!("{status} {target}: {err:?}")
            };
            assert_eq!(te.kind(), TransportErrorKind::Redirect, "{err}");
            let (shown_status, shown) = te.redirect_target().unwrap();
            assert_eq!(shown_status, status);
            assert!(!shown.unwrap().contains('?'), "{err}");
            assert!(!err.is_retryable());
        }
    }
    assert!(
        elsewhere.received_requests().await.unwrap().is_empty(),
        "a redirect was followed"
    );
}

/// Opting in follows redirects within the endpoint's origin only.
#[tokio::test]
async fn an_opted_in_client_follows_same_origin_redirects_only() {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::path(CONTACTS))
        .respond_with(ResponseTemplate::new(302).insert_header("Location", "/moved"))
        .mount(&server)
        .await;
    Mock::given(wiremock::matchers::path("/moved"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_bytes(sample("samples/contacts/findcontactlist.corrected.xml")),
        )
        .mount(&server)
        .await;
    let config = config_for(&server.uri()).follow_redirects(3);
    let found = Contacts::new(MODE, &config)
        .find_contact_list(&token(), "Orange")
        .await;
    assert!(found.is_ok(), "{found:?}");

    let elsewhere = elsewhere().await;
    let away = redirecting(307, &format!("{}{CONTACTS}", elsewhere.uri())).await;
    let config = config_for(&away.uri()).follow_redirects(3);
    let err = Contacts::new(MODE, &config)
        .find_contact_list(&token(), "Orange")
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Transport(te) if te.kind() == TransportErrorKind::Redirect),
        "{err:?}"
    );
    assert!(elsewhere.received_requests().await.unwrap().is_empty());
}

// ---------------------------------------------------------------------------------------
// 4. Secrets
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn secrets_never_print() {
    let t = token();
    assert_secret_free(&t);
    assert_eq!(format!("{t:?}"), "UserToken(***)");
    assert_eq!(t.to_string(), "***");

    // `ServiceCredentials`, `Config` and the clients have `Debug` only.
    let c = credentials();
    for shown in [format!("{c:?}"), format!("{c:#?}")] {
        assert_no_secret_in(&shown);
        assert!(shown.contains("svc-id"), "{shown}");
    }
    let server = silent().await;
    let config = config_for(&server.uri());
    assert_no_secret_in(&format!("{config:?}"));
    assert_no_secret_in(&format!("{config:#?}"));
    assert_no_secret_in(&format!("{:?}", contacts(&server)));
    assert_no_secret_in(&format!("{:#?}", messages(&server)));
    assert_no_secret_in(&format!("{:#?}", rich_profile(&server)));
    assert_no_secret_in(&format!("{:?}", Upload::new(JPEG, "p.jpg")));
    assert_nothing_sent(&server).await;
}

#[test]
fn the_secret_check_itself_can_fail() {
    // Guards the guard: the helper must catch the raw and the encoded token and the password.
    for leaked in [TOKEN, TOKEN_QUERY, PASSWORD] {
        let shown = format!("x {leaked} y");
        assert!(std::panic::catch_unwind(|| assert_no_secret_in(&shown)).is_err());
    }
}
