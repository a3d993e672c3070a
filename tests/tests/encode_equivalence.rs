//! The generated answer encoders write byte for byte what quick-xml's serde serializer
//! wrote (`papi_core::encode::response_serde`, kept as the reference): for the value of every
//! documented sample that decodes, and for values full of hostile text (markup characters,
//! `]]>`, non-ASCII, control characters, line breaks, empty strings), empty lists and
//! `None` everywhere.

use papi_contacts::types as c;
use papi_core::chrono::NaiveDate;
use papi_core::encode::{response_serde, EncodeError};
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

/// Encodes `value` with the generated encoder and with the serde reference; both must succeed
/// with the same bytes. Returns the document, which is also kept for the test's snapshot.
fn same<T: serde::Serialize + std::fmt::Debug>(
    api: &ApiDescriptor,
    path: &[&str],
    encode: fn(&T) -> Result<String, EncodeError>,
    value: &T,
) -> String {
    let generated = same_unpinned(api, path, encode, value);
    WRITTEN.with(|w| w.borrow_mut().push(generated.clone()));
    generated
}

/// [`same`], without keeping the document for the snapshot.
fn same_unpinned<T: serde::Serialize + std::fmt::Debug>(
    api: &ApiDescriptor,
    path: &[&str],
    encode: fn(&T) -> Result<String, EncodeError>,
    value: &T,
) -> String {
    let reference = response_serde(api, path, value)
        .unwrap_or_else(|e| panic!("the serde reference refuses {value:#?}: {e}"));
    let generated = encode(value).unwrap_or_else(|e| panic!("cannot encode {value:#?}: {e}"));
    assert_eq!(generated, reference, "for {value:#?}");
    generated
}

fn contacts<T: serde::Serialize + std::fmt::Debug>(
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
    let ack = c::CommandAck {
        request: Some("r".into()),
        action: None,
    };
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
    c::Contact {
        view: Some(h.into()),
        id: h.into(),
        kind: Some(h.into()),
        firstname: Some(h.into()),
        lastname: Some(format!("{h}{h}")),
        civility: Some(c::Civility::Other(h.into())),
        marital_status: Some(-42),
        birthday: NaiveDate::from_ymd_opt(1970, 1, 31),
        company: Some(h.into()),
        devices: Some(c::DeviceList {
            devices: vec![
                c::Device {
                    display: Some(true),
                    id: Some(h.into()),
                    info_type: Some(h.into()),
                    order: Some(i64::MIN),
                    subtype: Some(c::DeviceSubtype::Other(h.into())),
                    kind: Some(c::DeviceType::Other(h.into())),
                    value: h.into(),
                },
                c::Device {
                    display: Some(false),
                    id: None,
                    info_type: None,
                    order: Some(i64::MAX),
                    subtype: Some(c::DeviceSubtype::Cell),
                    kind: Some(c::DeviceType::Phone),
                    value: String::new(),
                },
                c::Device {
                    display: None,
                    id: None,
                    info_type: None,
                    order: None,
                    subtype: None,
                    kind: None,
                    value: h.into(),
                },
            ],
        }),
        addresses: Some(c::AddressList {
            addresses: vec![
                c::Address {
                    info_type: Some(h.into()),
                    streetline1: Some(h.into()),
                    streetline2: Some(String::new()),
                    zip_code: Some(h.into()),
                    city: Some(h.into()),
                    state: Some(h.into()),
                },
                c::Address {
                    info_type: None,
                    streetline1: None,
                    streetline2: None,
                    zip_code: None,
                    city: None,
                    state: None,
                },
            ],
        }),
    }
}

fn empty_contact(id: &str) -> c::Contact {
    c::Contact {
        view: None,
        id: id.into(),
        kind: None,
        firstname: None,
        lastname: None,
        civility: None,
        marital_status: None,
        birthday: None,
        company: None,
        devices: None,
        addresses: None,
    }
}

fn picture(h: &str) -> c::PictureData {
    c::PictureData {
        file: c::MediaFile {
            content: Base64Binary(h.as_bytes().iter().copied().chain(0..=255).collect()),
            display: Some(false),
            id: Some(h.into()),
            info_type: Some(h.into()),
            order: Some(0),
            subtype: Some(h.into()),
            kind: Some(h.into()),
        },
        type_image: Some(h.into()),
    }
}

#[test]
fn contacts_answers_with_hostile_text_encode_the_same() {
    for h in HOSTILE {
        let list = c::FindContactListResult {
            request: Some(h.to_string()),
            action: Some(format!("ctc{h}")),
            contacts: Some(c::ContactList {
                total_data: Some(3),
                nbpage: Some(-1),
                page: Some(0),
                nbentries: None,
                entries: vec![
                    c::ContactSummary {
                        view: Some(h.to_string()),
                        id: h.to_string(),
                        kind: Some(h.to_string()),
                        firstname: Some(h.to_string()),
                        lastname: Some(String::new()),
                    },
                    c::ContactSummary {
                        view: None,
                        id: String::new(),
                        kind: None,
                        firstname: None,
                        lastname: None,
                    },
                ],
            }),
        };
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
        let added = c::AddContactResult {
            request: Some(h.to_string()),
            action: None,
            id: h.to_string(),
        };
        contacts(CMD, papi_contacts::encode::add_contact, &added);
        let ack = c::CommandAck {
            request: None,
            action: Some(h.to_string()),
        };
        contacts(CMD, papi_contacts::encode::add_device, &ack);
        contacts(CMD, papi_contacts::encode::add_picture, &ack);
        contacts(PICTURE, papi_contacts::encode::get_picture, &picture(h));
    }
    pin("contacts_hostile");
}

#[test]
fn contacts_answers_with_nothing_in_them_encode_the_same() {
    let nothing = c::FindContactListResult {
        request: None,
        action: None,
        contacts: None,
    };
    contacts(CMD, papi_contacts::encode::find_contact_list, &nothing);
    let no_entries = c::FindContactListResult {
        contacts: Some(c::ContactList {
            total_data: None,
            nbpage: None,
            page: None,
            nbentries: None,
            entries: Vec::new(),
        }),
        ..nothing
    };
    contacts(CMD, papi_contacts::encode::find_contact_list, &no_entries);
    let mut contact = empty_contact("");
    contacts(CONTACT, papi_contacts::encode::get_contact, &contact);
    contact.devices = Some(c::DeviceList {
        devices: Vec::new(),
    });
    contact.addresses = Some(c::AddressList {
        addresses: Vec::new(),
    });
    contacts(CONTACT, papi_contacts::encode::get_contact, &contact);
    let ack = c::CommandAck {
        request: None,
        action: None,
    };
    contacts(CMD, papi_contacts::encode::add_device, &ack);
    let empty_picture = c::PictureData {
        file: c::MediaFile {
            content: Base64Binary(Vec::new()),
            display: None,
            id: None,
            info_type: None,
            order: None,
            subtype: None,
            kind: None,
        },
        type_image: None,
    };
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
            devices.push(c::Device {
                display: None,
                id: None,
                info_type: None,
                order: None,
                subtype: Some(c::DeviceSubtype::from_wire(subtype)),
                kind: Some(c::DeviceType::from_wire(kind)),
                value: format!("{kind}/{subtype}"),
            });
        }
    }
    contact.devices = Some(c::DeviceList { devices });
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
    let mail = |id: &str| m::MailOverview {
        id: Some(id.into()),
        from: Some(h.into()),
        date: Some(h.into()),
        subject: Some(h.into()),
        begin_body: Some(h.into()),
        url_access: Some(h.into()),
    };
    m::PersonalMessages {
        no_emails: with(state(0), 12),
        no_unread_mails: with(state(1), 0),
        no_sms: with(state(2), -3),
        emails_last_n_detailed: with(
            state(3),
            m::EmailsLastNDetailed {
                messages: Some(m::MailList {
                    items: vec![
                        mail(h),
                        mail(""),
                        m::MailOverview {
                            id: None,
                            from: None,
                            date: None,
                            subject: None,
                            begin_body: None,
                            url_access: None,
                        },
                    ],
                }),
            },
        ),
        privacy_dashboard_url: (!h.is_empty()).then(|| h.to_string()),
    }
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
    for c in 0..81usize {
        for h in HOSTILE {
            same_unpinned(
                &papi_messages::API,
                MESSAGES,
                papi_messages::encode::get_personal_messages,
                &messages(combination(c), h),
            );
        }
    }
    // Pinned: every combination with every markup character, and every text all granted.
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
    empty_list.emails_last_n_detailed = Consented::Granted(m::EmailsLastNDetailed {
        messages: Some(m::MailList { items: Vec::new() }),
    });
    same(
        &papi_messages::API,
        MESSAGES,
        papi_messages::encode::get_personal_messages,
        &empty_list,
    );
    empty_list.emails_last_n_detailed =
        Consented::Granted(m::EmailsLastNDetailed { messages: None });
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
            r::PostalAddress {
                street1: Some(h.into()),
                street2: Some(String::new()),
                zip_code: None,
                city: Some(h.into()),
                state: None,
                country: Some(h.into()),
            },
        )
    };
    r::RichProfile {
        firstname: s(0),
        lastname: s(1),
        display_name: s(2),
        user_email: s(3),
        gender: with(state(4), 2),
        date_of_birth: s(5),
        ndp: s(6),
        home_phone: s(7),
        mobile_phone: s(8),
        office_fax: s(9),
        office_mobile_number: s(10),
        office_phone: s(11),
        mobile_device_tac: s(12),
        mobile_device_model: s(13),
        mobile_device_brand: s(14),
        preferred_language: s(15),
        home_address: address(16),
        office_address: address(17),
        profile_modification_date: s(18),
        profile_creation_date: s(19),
        user_type: s(20),
        picture_tag_tiny_url: s(21),
        picture_tag_small_url: s(22),
        picture_tag_large_url: s(23),
        picture_tag_medium_url: s(24),
        centers_of_interests: s(25),
    }
}

#[test]
fn rich_profile_answers_encode_the_same() {
    let all = |state: Consented<()>| move |_: usize| state.clone();
    for h in HOSTILE {
        for seed in 0..3 {
            same_unpinned(
                &papi_rich_profile::API,
                RICH_PROFILE,
                papi_rich_profile::encode::get_personal_rich_profile,
                &rich_profile(|i| granted_or_protected(i, seed), h),
            );
        }
        for state in [
            Consented::Granted(()),
            Consented::Protected,
            Consented::NotReturned,
        ] {
            same_unpinned(
                &papi_rich_profile::API,
                RICH_PROFILE,
                papi_rich_profile::encode::get_personal_rich_profile,
                &rich_profile(all(state), h),
            );
        }
    }
    // Pinned: every text all granted; every markup character in each mix and each state.
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
    profile.home_address = Consented::Granted(r::PostalAddress {
        street1: None,
        street2: None,
        zip_code: None,
        city: None,
        state: None,
        country: None,
    });
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
