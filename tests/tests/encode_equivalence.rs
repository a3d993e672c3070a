//! The generated answer encoders write byte for byte what they wrote when they were proved
//! equal to quick-xml's serde serializer (the reference encoder, since removed): the
//! snapshots `snapshots/encode_equivalence__*.snap` were taken while each document was still
//! compared with it. They cover the value of every documented sample that decodes, and values
//! full of hostile text (markup characters, `]]>`, non-ASCII, control characters, line
//! breaks, empty strings), empty lists, `None` everywhere, every consent state and every
//! documented enumeration value.

use papi_contacts::types as c;
use papi_core::chrono::NaiveDate;
use papi_core::encode::EncodeError;
use papi_core::{ApiDescriptor, Base64Binary, Consented};
use papi_messages::types as m;
use papi_rich_profile::types as r;

/// Texts that the escaping must get exactly right.
const HOSTILE: &[&str] = &[
    "",
    "<",
    "&",
    "\"",
    "'",
    ">",
    "]]>",
    "a<b&c>d\"e'f",
    "&amp; &lt; &#13; &#x41;",
    "<![CDATA[x]]>",
    "Zoë 日本語 🦀 \u{a0}\u{feff}",
    "\u{1}\u{8}\u{b}\u{c}\u{1f}\u{7f}",
    "\t\n\r x \r\n y\n",
    "  lead and trail  ",
    "-->",
    "<?xml version=\"1.0\"?>",
];

/// The text of [`HOSTILE`] with every markup character.
const MARKUP: &str = "a<b&c>d\"e'f";

const CMD: &[&str] = &["command-list", "command"];
const CONTACT: &[&str] = &["command-list", "command", "data-list", "data"];
const PICTURE: &[&str] = &["command-list", "command", "data-list"];
const MESSAGES: &[&str] = &["Data"];
const RICH_PROFILE: &[&str] = &["Data"];

/// What an answer type is: debuggable, comparable, and serde both ways.
trait Answer: std::fmt::Debug + PartialEq + serde::Serialize + serde::de::DeserializeOwned {}
impl<T: std::fmt::Debug + PartialEq + serde::Serialize + serde::de::DeserializeOwned> Answer for T {}

std::thread_local! {
    /// The documents written so far by the running test (each test runs on its own thread).
    static WRITTEN: std::cell::RefCell<Vec<String>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// One document per line, exactly: a backslash, a control character and any whitespace but
/// the space are written as Rust escapes (`\\`, `\u{a}`), so that no line ending, trailing
/// blank or invisible character is left to the snapshot file's own handling.
fn one_line(document: &str) -> String {
    let mut line = String::with_capacity(document.len());
    for ch in document.chars() {
        if ch == '\\' {
            line.push_str("\\\\");
        } else if ch.is_control() || (ch.is_whitespace() && ch != ' ') || ch == '\u{feff}' {
            line.extend(ch.escape_unicode());
        } else {
            line.push(ch);
        }
    }
    line
}

/// Pins every document the running test wrote, in order, as the snapshot `name`.
fn pin(name: &str) {
    let lines = WRITTEN.with(|w| std::mem::take(&mut *w.borrow_mut()));
    let text: Vec<String> = lines.iter().map(|d| one_line(d)).collect();
    insta::assert_snapshot!(name, text.join("\n"));
}

/// Encodes `value` with the generated encoder, which must succeed, and keeps the document for
/// the test's snapshot. Returns the document. (`api` and `path` name where the answer sits:
/// the reference encoder took them.) The value must also pass through JSON unchanged.
fn same<T: Answer>(
    _api: &ApiDescriptor,
    _path: &[&str],
    encode: fn(&T) -> Result<String, EncodeError>,
    value: &T,
) -> String {
    papi_tests::json_round_trip(value);
    let generated = encode(value).unwrap_or_else(|e| panic!("cannot encode {value:#?}: {e}"));
    WRITTEN.with(|w| w.borrow_mut().push(generated.clone()));
    generated
}

fn contacts<T: Answer>(
    path: &[&str],
    encode: fn(&T) -> Result<String, EncodeError>,
    value: &T,
) -> String {
    same(&papi_contacts::API, path, encode, value)
}

#[test]
fn the_paths_are_those_of_the_decoders() {
    // A wrong path here would make the comparisons below compare nothing useful: each
    // encoding must decode back with the generated decoder of its action.
    let ack = c::CommandAck::default().with_request("r");
    let xml = contacts(CMD, papi_contacts::encode::add_device, &ack);
    assert_eq!(
        papi_contacts::decode::add_device(200, xml.as_bytes()).unwrap(),
        ack
    );
    let contact = full_contact("x");
    // Its devices include one whose value (the element's required text) is empty: written
    // as `<device …></device>`, read back as the empty text.
    assert!(contact
        .devices
        .as_ref()
        .is_some_and(|list| list.devices.iter().any(|d| d.value.is_empty())));
    let xml = contacts(CONTACT, papi_contacts::encode::get_contact, &contact);
    assert_eq!(
        papi_contacts::decode::get_contact(200, xml.as_bytes()).unwrap(),
        contact
    );
    let picture = picture("x");
    let xml = contacts(PICTURE, papi_contacts::encode::get_picture, &picture);
    assert_eq!(
        papi_contacts::decode::get_picture(200, xml.as_bytes()).unwrap(),
        picture
    );
    let messages = messages(|i| granted_or_protected(i, 7), "x");
    let xml = same(
        &papi_messages::API,
        MESSAGES,
        papi_messages::encode::get_personal_messages,
        &messages,
    );
    assert_eq!(
        papi_messages::decode::get_personal_messages(200, xml.as_bytes()).unwrap(),
        messages
    );
    let profile = rich_profile(|i| granted_or_protected(i, 3), "x");
    let xml = same(
        &papi_rich_profile::API,
        RICH_PROFILE,
        papi_rich_profile::encode::get_personal_rich_profile,
        &profile,
    );
    assert_eq!(
        papi_rich_profile::decode::get_personal_rich_profile(200, xml.as_bytes()).unwrap(),
        profile
    );
    pin("paths");
}

/// Every sample file of an API directory, with its bytes.
fn samples(dir: &str) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<_> = std::fs::read_dir(papi_tests::spec_dir().join("samples").join(dir))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "xml"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| (p.display().to_string(), std::fs::read(&p).unwrap()))
        .collect()
}

#[test]
fn every_documented_sample_that_decodes_encodes_the_same() {
    let mut compared = Vec::new();
    for (file, body) in samples("contacts") {
        if let Ok(v) = papi_contacts::decode::find_contact_list(200, &body) {
            contacts(CMD, papi_contacts::encode::find_contact_list, &v);
            compared.push(format!("{file} as findcontactlist"));
        }
        if let Ok(v) = papi_contacts::decode::get_contact(200, &body) {
            contacts(CONTACT, papi_contacts::encode::get_contact, &v);
            compared.push(format!("{file} as getcontact"));
        }
        if let Ok(v) = papi_contacts::decode::add_contact(200, &body) {
            contacts(CMD, papi_contacts::encode::add_contact, &v);
            compared.push(format!("{file} as addcontact"));
        }
        if let Ok(v) = papi_contacts::decode::add_device(200, &body) {
            contacts(CMD, papi_contacts::encode::add_device, &v);
            compared.push(format!("{file} as adddevice"));
        }
        if let Ok(v) = papi_contacts::decode::get_picture(200, &body) {
            contacts(PICTURE, papi_contacts::encode::get_picture, &v);
            compared.push(format!("{file} as getpicture"));
        }
    }
    for (file, body) in samples("messages") {
        if let Ok(v) = papi_messages::decode::get_personal_messages(200, &body) {
            same(
                &papi_messages::API,
                MESSAGES,
                papi_messages::encode::get_personal_messages,
                &v,
            );
            compared.push(format!("{file} as getPersonalMessages"));
        }
        // The standalone `EmailsLastNDetailed` sample, placed in an answer.
        if let Ok(v) =
            papi_core::decode::fragment::<m::EmailsLastNDetailed>("EmailsLastNDetailed", &body)
        {
            for granted in [false, true] {
                let mut answer = messages(|_| Consented::NotReturned, "");
                answer.emails_last_n_detailed = if granted {
                    Consented::Granted(v.clone())
                } else {
                    Consented::Protected
                };
                same(
                    &papi_messages::API,
                    MESSAGES,
                    papi_messages::encode::get_personal_messages,
                    &answer,
                );
            }
            compared.push(format!("{file} as EmailsLastNDetailed"));
        }
    }
    for (file, body) in samples("rich_profile") {
        if let Ok(v) = papi_rich_profile::decode::get_personal_rich_profile(200, &body) {
            same(
                &papi_rich_profile::API,
                RICH_PROFILE,
                papi_rich_profile::encode::get_personal_rich_profile,
                &v,
            );
            compared.push(format!("{file} as getPersonalRichProfile"));
        }
    }
    // Every corrected sample of an answer decodes (the sample tests check it): they must all
    // have been compared here.
    for expected in [
        "contacts/findcontactlist.corrected.xml as findcontactlist",
        "contacts/getcontact.corrected.xml as getcontact",
        "contacts/addcontact.corrected.xml as addcontact",
        "contacts/adddevice.corrected.xml as adddevice",
        "contacts/addpicture.corrected.xml as adddevice",
        "contacts/getpicture.xml as getpicture",
        "messages/get_personal_messages.corrected.xml as getPersonalMessages",
        "messages/emails_last_n_detailed.corrected.xml as EmailsLastNDetailed",
        "rich_profile/get_personal_rich_profile_1.corrected.xml as getPersonalRichProfile",
    ] {
        assert!(
            compared.iter().any(|c| c.ends_with(expected)),
            "{expected} was not compared; compared: {compared:#?}"
        );
    }
    pin("samples");
}

fn full_contact(h: &str) -> c::Contact {
    c::Contact::default()
        .with_view(h)
        .with_id(h)
        .with_kind(h)
        .with_firstname(h)
        .with_lastname(format!("{h}{h}"))
        .with_civility(c::Civility::Other(h.into()))
        .with_marital_status(-42)
        .with_birthday(NaiveDate::from_ymd_opt(1970, 1, 31).unwrap())
        .with_company(h)
        .with_devices(
            c::DeviceList::default().with_devices([
                c::Device::default()
                    .with_display(true)
                    .with_id(h)
                    .with_info_type(h)
                    .with_order(i64::MIN)
                    .with_subtype(c::DeviceSubtype::Other(h.into()))
                    .with_kind(c::DeviceType::Other(h.into()))
                    .with_value(h),
                c::Device::default()
                    .with_display(false)
                    .with_order(i64::MAX)
                    .with_subtype(c::DeviceSubtype::Cell)
                    .with_kind(c::DeviceType::Phone)
                    .with_value(""),
                c::Device::default().with_value(h),
            ]),
        )
        .with_addresses(
            c::AddressList::default().with_addresses([
                c::Address::default()
                    .with_info_type(h)
                    .with_streetline1(h)
                    .with_streetline2("")
                    .with_zip_code(h)
                    .with_city(h)
                    .with_state(h),
                c::Address::default(),
            ]),
        )
}

fn empty_contact(id: &str) -> c::Contact {
    c::Contact::default().with_id(id)
}

fn picture(h: &str) -> c::PictureData {
    c::PictureData::default()
        .with_file(
            c::MediaFile::default()
                .with_content(Base64Binary(
                    h.as_bytes().iter().copied().chain(0..=255).collect(),
                ))
                .with_display(false)
                .with_id(h)
                .with_info_type(h)
                .with_order(0)
                .with_subtype(h)
                .with_kind(h),
        )
        .with_type_image(h)
}

#[test]
fn contacts_answers_with_hostile_text_encode_the_same() {
    for h in HOSTILE {
        let list = c::FindContactListResult::default()
            .with_request(*h)
            .with_action(format!("ctc{h}"))
            .with_contacts(
                c::ContactList::default()
                    .with_total_data(3)
                    .with_nbpage(-1)
                    .with_page(0)
                    .with_entries([
                        c::ContactSummary::default()
                            .with_view(*h)
                            .with_id(*h)
                            .with_kind(*h)
                            .with_firstname(*h)
                            .with_lastname(""),
                        c::ContactSummary::default(),
                    ]),
            );
        contacts(CMD, papi_contacts::encode::find_contact_list, &list);
        contacts(
            CONTACT,
            papi_contacts::encode::get_contact,
            &full_contact(h),
        );
        contacts(
            CONTACT,
            papi_contacts::encode::get_contact,
            &empty_contact(h),
        );
        let added = c::AddContactResult::default().with_request(*h).with_id(*h);
        contacts(CMD, papi_contacts::encode::add_contact, &added);
        let ack = c::CommandAck::default().with_action(*h);
        contacts(CMD, papi_contacts::encode::add_device, &ack);
        contacts(CMD, papi_contacts::encode::add_picture, &ack);
        contacts(PICTURE, papi_contacts::encode::get_picture, &picture(h));
    }
    pin("contacts_hostile");
}

#[test]
fn contacts_answers_with_nothing_in_them_encode_the_same() {
    let nothing = c::FindContactListResult::default();
    contacts(CMD, papi_contacts::encode::find_contact_list, &nothing);
    let no_entries = nothing.with_contacts(c::ContactList::default());
    contacts(CMD, papi_contacts::encode::find_contact_list, &no_entries);
    let mut contact = empty_contact("");
    contacts(CONTACT, papi_contacts::encode::get_contact, &contact);
    contact.devices = Some(c::DeviceList::default());
    contact.addresses = Some(c::AddressList::default());
    contacts(CONTACT, papi_contacts::encode::get_contact, &contact);
    let ack = c::CommandAck::default();
    contacts(CMD, papi_contacts::encode::add_device, &ack);
    let empty_picture = c::PictureData::default();
    contacts(PICTURE, papi_contacts::encode::get_picture, &empty_picture);
    pin("contacts_empty");
}

#[test]
fn dates_and_every_known_enum_value_encode_the_same() {
    let mut contact = empty_contact("1");
    let dates = [
        NaiveDate::MIN,
        NaiveDate::MAX,
        NaiveDate::from_ymd_opt(0, 1, 1).unwrap(),
        NaiveDate::from_ymd_opt(-1, 12, 31).unwrap(),
        NaiveDate::from_ymd_opt(9999, 12, 31).unwrap(),
        NaiveDate::from_ymd_opt(10000, 1, 1).unwrap(),
        NaiveDate::from_ymd_opt(2008, 2, 29).unwrap(),
    ];
    for d in dates {
        contact.birthday = Some(d);
        contacts(CONTACT, papi_contacts::encode::get_contact, &contact);
    }
    for civility in c::Civility::WIRE_VALUES {
        contact.civility = Some(c::Civility::from_wire(civility));
        contacts(CONTACT, papi_contacts::encode::get_contact, &contact);
    }
    let mut devices = Vec::new();
    for kind in c::DeviceType::WIRE_VALUES {
        for subtype in c::DeviceSubtype::WIRE_VALUES {
            devices.push(
                c::Device::default()
                    .with_subtype(c::DeviceSubtype::from_wire(subtype))
                    .with_kind(c::DeviceType::from_wire(kind))
                    .with_value(format!("{kind}/{subtype}")),
            );
        }
    }
    contact.devices = Some(c::DeviceList::default().with_devices(devices));
    contacts(CONTACT, papi_contacts::encode::get_contact, &contact);
    pin("dates_and_enums");
}

/// Which of the consented fields are granted, protected or not returned: field `i` of `n`.
fn granted_or_protected(i: usize, seed: usize) -> Consented<()> {
    match (i + seed) % 3 {
        0 => Consented::Granted(()),
        1 => Consented::Protected,
        _ => Consented::NotReturned,
    }
}

fn with<T>(state: Consented<()>, value: T) -> Consented<T> {
    match state {
        Consented::Granted(()) => Consented::Granted(value),
        Consented::Protected => Consented::Protected,
        Consented::NotReturned => Consented::NotReturned,
    }
}

fn messages(state: impl Fn(usize) -> Consented<()>, h: &str) -> m::PersonalMessages {
    let mail = |id: &str| {
        m::MailOverview::default()
            .with_id(id)
            .with_from(h)
            .with_date(h)
            .with_subject(h)
            .with_begin_body(h)
            .with_url_access(h)
    };
    let mut answer = m::PersonalMessages::default()
        .with_no_emails(with(state(0), 12))
        .with_no_unread_mails(with(state(1), 0))
        .with_no_sms(with(state(2), -3))
        .with_emails_last_n_detailed(with(
            state(3),
            m::EmailsLastNDetailed::default().with_messages(m::MailList::default().with_items([
                mail(h),
                mail(""),
                m::MailOverview::default(),
            ])),
        ));
    answer.privacy_dashboard_url = (!h.is_empty()).then(|| h.to_string());
    answer
}

#[test]
fn messages_answers_encode_the_same() {
    // Every combination of granted / protected / not returned for the four consented fields.
    let combination = |c: usize| {
        move |i: usize| match c / 3usize.pow(i as u32) % 3 {
            0 => Consented::Granted(()),
            1 => Consented::Protected,
            _ => Consented::NotReturned,
        }
    };
    // Every combination with every markup character, and every text all granted.
    for c in 0..81usize {
        same(
            &papi_messages::API,
            MESSAGES,
            papi_messages::encode::get_personal_messages,
            &messages(combination(c), MARKUP),
        );
    }
    for h in HOSTILE {
        same(
            &papi_messages::API,
            MESSAGES,
            papi_messages::encode::get_personal_messages,
            &messages(combination(0), h),
        );
    }
    let mut empty_list = messages(|_| Consented::Granted(()), "");
    empty_list.emails_last_n_detailed =
        Consented::Granted(m::EmailsLastNDetailed::default().with_messages(m::MailList::default()));
    same(
        &papi_messages::API,
        MESSAGES,
        papi_messages::encode::get_personal_messages,
        &empty_list,
    );
    empty_list.emails_last_n_detailed = Consented::Granted(m::EmailsLastNDetailed::default());
    same(
        &papi_messages::API,
        MESSAGES,
        papi_messages::encode::get_personal_messages,
        &empty_list,
    );
    pin("messages");
}

fn rich_profile(state: impl Fn(usize) -> Consented<()>, h: &str) -> r::RichProfile {
    let s = |i: usize| with(state(i), format!("{h}{i}"));
    let address = |i: usize| {
        with(
            state(i),
            r::PostalAddress::default()
                .with_street1(h)
                .with_street2("")
                .with_city(h)
                .with_country(h),
        )
    };
    r::RichProfile::default()
        .with_firstname(s(0))
        .with_lastname(s(1))
        .with_display_name(s(2))
        .with_user_email(s(3))
        .with_gender(with(state(4), 2))
        .with_date_of_birth(s(5))
        .with_ndp(s(6))
        .with_home_phone(s(7))
        .with_mobile_phone(s(8))
        .with_office_fax(s(9))
        .with_office_mobile_number(s(10))
        .with_office_phone(s(11))
        .with_mobile_device_tac(s(12))
        .with_mobile_device_model(s(13))
        .with_mobile_device_brand(s(14))
        .with_preferred_language(s(15))
        .with_home_address(address(16))
        .with_office_address(address(17))
        .with_profile_modification_date(s(18))
        .with_profile_creation_date(s(19))
        .with_user_type(s(20))
        .with_picture_tag_tiny_url(s(21))
        .with_picture_tag_small_url(s(22))
        .with_picture_tag_large_url(s(23))
        .with_picture_tag_medium_url(s(24))
        .with_centers_of_interests(s(25))
}

#[test]
fn rich_profile_answers_encode_the_same() {
    let all = |state: Consented<()>| move |_: usize| state.clone();
    // Every text all granted; every markup character in each mix and each state.
    for h in HOSTILE {
        same(
            &papi_rich_profile::API,
            RICH_PROFILE,
            papi_rich_profile::encode::get_personal_rich_profile,
            &rich_profile(all(Consented::Granted(())), h),
        );
    }
    for seed in 0..3 {
        same(
            &papi_rich_profile::API,
            RICH_PROFILE,
            papi_rich_profile::encode::get_personal_rich_profile,
            &rich_profile(|i| granted_or_protected(i, seed), MARKUP),
        );
    }
    for state in [Consented::Protected, Consented::NotReturned] {
        same(
            &papi_rich_profile::API,
            RICH_PROFILE,
            papi_rich_profile::encode::get_personal_rich_profile,
            &rich_profile(all(state), MARKUP),
        );
    }
    // An address with nothing in it.
    let mut profile = rich_profile(all(Consented::NotReturned), "");
    profile.home_address = Consented::Granted(r::PostalAddress::default());
    same(
        &papi_rich_profile::API,
        RICH_PROFILE,
        papi_rich_profile::encode::get_personal_rich_profile,
        &profile,
    );
    pin("rich_profile");
}

#[test]
fn a_device_without_text_decodes_as_the_empty_value() {
    // The documented getcontact answer, its first device's address taken out: written
    // `<device …></device>` or `<device …/>`, the device is kept with an empty value (as a
    // text child such as `<firstname></firstname>` is), not refused as missing.
    let sample = std::fs::read_to_string(
        papi_codegen::workspace_root().join("api-spec/samples/contacts/getcontact.corrected.xml"),
    )
    .unwrap();
    let address = ">rob516.smith@custlandcy.com</device>";
    assert!(sample.contains(address));
    let full = papi_contacts::decode::get_contact(200, sample.as_bytes()).unwrap();
    for emptied in [
        sample.replace(address, "></device>"),
        sample.replace(address, "/>"),
    ] {
        let contact = papi_contacts::decode::get_contact(200, emptied.as_bytes()).unwrap();
        let devices = |c: &c::Contact| c.devices.as_ref().map(|l| l.devices.clone()).unwrap();
        let (before, after) = (devices(&full), devices(&contact));
        assert_eq!(after.len(), before.len());
        assert_eq!(after[0].value, "");
        assert_eq!(after[0].id, before[0].id);
        assert_eq!(after[1..], before[1..]);
    }
}
