//! What each action does, once the call is authenticated, valid and consented.

use papi_calendar::operation::AddEvent;
use papi_contacts::operation::{
    AddContact, AddDevice, AddPicture, FindContactList, GetContact, GetPicture,
};
use papi_contacts::types::{
    CommandAck, Contact, ContactList, ContactSummary, Device, DeviceList, DeviceSubtype,
    DeviceType, FindContactListResult, MediaFile, PictureData,
};
use papi_core::Operation as _;
use papi_core::{Base64Binary, Consented, ImageType};
use papi_messages::operation::GetPersonalMessages;
use papi_messages::types::{
    MessagesInfo, PersonalMessages, PnsData, PnsExtension, PnsMailSummary, PnsProcess, PnsReturn,
    PnsSyndicationData,
};
use papi_rich_profile::operation::GetPersonalRichProfile;
use papi_rich_profile::types::{RichProfile, RichProfileInfo};

use crate::answer::Answer;
use crate::endpoint::Endpoint;
use crate::generated::param_names::{
    contacts_add_contact, contacts_add_device, contacts_add_picture, contacts_get_contact,
    contacts_get_picture,
};
use crate::generated::{unknown_answer, Api, Input};
use crate::state::{Shared, User};
use crate::util::lock;

/// One call being answered.
pub(crate) struct Call<'a> {
    pub(crate) shared: &'a Shared,
    pub(crate) user: &'a User,
    pub(crate) endpoint: Endpoint,
    pub(crate) api: &'static Api,
    /// The user refused consent: consented items come back protected.
    pub(crate) protected: bool,
}

impl Call<'_> {
    fn invalid(&self, detail: String) -> Answer {
        Answer::api(self.endpoint, self.api.invalid_parameter, detail)
    }

    /// The answer to a contact id (sent as `param`) that names no contact of the user.
    fn unknown_contact(&self, param: &str, cid: &str) -> Answer {
        self.invalid(format!(
            "the parameter `{param}` names no contact of the user (`{}`)",
            clip(cid)
        ))
    }

    /// The user's login.
    fn login(&self) -> &str {
        &self.user.profile.login
    }

    fn consented<T>(&self, value: T) -> Consented<T> {
        if self.protected {
            Consented::Protected
        } else {
            Consented::Granted(value)
        }
    }
}

/// A value echoed in a detail, cut short.
fn clip(value: &str) -> String {
    const LIMIT: usize = 64;
    let mut s: String = value.chars().take(LIMIT).collect();
    if value.chars().nth(LIMIT).is_some() {
        s.push('…');
    }
    s
}

/// Runs the action, given its parameters as its operation read them.
pub(crate) fn run(call: &Call<'_>, input: Input) -> Answer {
    match input {
        Input::CalendarAddEvent(op) => add_event(call, op),
        Input::ContactsFindContactList(op) => find_contact_list(call, &op),
        Input::ContactsGetContact(op) => get_contact(call, &op),
        Input::ContactsAddContact(op) => add_contact(call, op),
        Input::ContactsAddDevice(op) => add_device(call, op),
        Input::ContactsGetPicture(op) => get_picture(call, &op),
        Input::ContactsAddPicture(op) => add_picture(call, &op),
        Input::MessagesGetPersonalMessages(op) => get_personal_messages(call, &op),
        Input::MessagesGetPns(_) => get_pns(call),
        Input::RichProfileGetPersonalRichProfile(op) => get_personal_rich_profile(call, &op),
    }
}

/// Stores the event (its parameters as the operation writes them: wire names and values,
/// in the spec's order); its answer is unknown: the sandbox's own note standing for it.
fn add_event(call: &Call<'_>, op: AddEvent) -> Answer {
    let request = match op.into_request() {
        Ok(request) => request,
        // Read by the same operation, so accepted by its checks: never reached.
        Err(e) => return call.invalid(e.to_string()),
    };
    let event: Vec<(String, String)> = request
        .params()
        .iter()
        .map(|(name, value)| ((*name).to_owned(), value.clone()))
        .collect();
    let mut data = lock(&call.user.data);
    if let Err(e) = call.shared.persist(|s| s.add_event(call.login(), &event)) {
        return Answer::not_stored(&e);
    }
    data.events.push(event);
    Answer::ok(unknown_answer(AddEvent::INFO.action))
}

fn ack(template: Option<&CommandAck>) -> CommandAck {
    template.cloned().unwrap_or_default()
}

/// Whether `parts`, put end to end, start with `needle` (already lowercase) once lowercased.
/// ASCII text is compared in place; other text is lowercased as a whole first (Unicode
/// lowercasing depends on the context, such as a final sigma).
fn starts_lowercase(parts: &[&str], needle: &str) -> bool {
    if needle.is_ascii() && parts.iter().all(|p| p.is_ascii()) {
        let mut text = parts.iter().flat_map(|p| p.bytes());
        return needle
            .bytes()
            .all(|n| text.next().is_some_and(|t| t.to_ascii_lowercase() == n));
    }
    parts.concat().to_lowercase().starts_with(needle)
}

fn find_contact_list(call: &Call<'_>, op: &FindContactList) -> Answer {
    let needle = op.search.replace('"', "").trim().to_lowercase();
    let seeds = &call.shared.seeds;
    let view = seeds
        .find
        .as_ref()
        .and_then(|f| f.contacts.as_ref())
        .and_then(|l| l.entries.first())
        .and_then(|e| e.view.clone());
    let starts = |s: &Option<String>| {
        s.as_deref()
            .is_some_and(|s| starts_lowercase(&[s], &needle))
    };
    let entries: Vec<ContactSummary> = lock(&call.user.data)
        .contacts()
        .iter()
        .filter(|c| {
            let full = [
                c.firstname.as_deref().unwrap_or_default(),
                " ",
                c.lastname.as_deref().unwrap_or_default(),
            ];
            starts(&c.firstname) || starts(&c.lastname) || starts_lowercase(&full, &needle)
        })
        .map(|c| {
            let mut entry = ContactSummary::default().with_id(c.id.clone());
            entry.view = view.clone();
            entry.kind = c.kind.clone();
            entry.firstname = c.firstname.clone();
            entry.lastname = c.lastname.clone();
            entry
        })
        .collect();
    let n = i64::try_from(entries.len()).unwrap_or(i64::MAX);
    // The documented answer's attributes, with the matches as its list.
    let template = seeds.find.as_ref();
    let mut answer = FindContactListResult::default().with_contacts(
        ContactList::default()
            .with_total_data(n)
            .with_nbpage(1)
            .with_page(1)
            .with_nbentries(n)
            .with_entries(entries),
    );
    answer.request = template.and_then(|t| t.request.clone());
    answer.action = template.and_then(|t| t.action.clone());
    Answer::ok(papi_contacts::encode::find_contact_list(&answer))
}

fn get_contact(call: &Call<'_>, op: &GetContact) -> Answer {
    let cid = op.contact_id.as_str();
    let data = lock(&call.user.data);
    match data.contact(cid) {
        Some(contact) => Answer::ok(papi_contacts::encode::get_contact(contact)),
        None => call.unknown_contact(contacts_get_contact::CONTACT_ID, cid),
    }
}

fn add_contact(call: &Call<'_>, op: AddContact) -> Answer {
    let template = call.shared.seeds.contact.as_ref();
    let mut data = lock(&call.user.data);
    let id = data.fresh_id();
    let devices = op.email_perso.map(|value| {
        DeviceList::default().with_devices([Device::default()
            .with_id(data.fresh_id())
            .with_subtype(DeviceSubtype::Internet)
            .with_kind(DeviceType::Email)
            .with_value(value)])
    });
    let mut contact = Contact::default().with_id(id.clone());
    contact.view = template.and_then(|t| t.view.clone());
    contact.kind = template.and_then(|t| t.kind.clone());
    contact.firstname = op.firstname;
    contact.lastname = op.lastname;
    contact.civility = op.civility;
    contact.birthday = op.birthday;
    contact.company = op.company;
    contact.devices = devices;
    // The fields the answer has no place for, kept by their wire names.
    let hidden: Vec<(String, String)> = [
        (contacts_add_contact::NICKNAME, op.nickname),
        (contacts_add_contact::JOB_FUNCTION, op.job_function),
        (contacts_add_contact::DEPARTMENT, op.department),
    ]
    .into_iter()
    .filter_map(|(name, value)| value.map(|v| (name.to_owned(), v)))
    .collect();
    let next_id = data.next_id;
    if let Err(e) = call
        .shared
        .persist(|s| s.save_contact(call.login(), &contact, &hidden, next_id))
    {
        return Answer::not_stored(&e);
    }
    if !hidden.is_empty() {
        data.hidden.insert(id.clone(), hidden);
    }
    data.push_contact(contact);
    drop(data);
    let mut answer = call.shared.seeds.add_contact.clone().unwrap_or_default();
    answer.id = id;
    Answer::ok(papi_contacts::encode::add_contact(&answer))
}

fn add_device(call: &Call<'_>, op: AddDevice) -> Answer {
    let cid = op.contact_id.as_str();
    let mut data = lock(&call.user.data);
    if !data.has_contact(cid) {
        return call.unknown_contact(contacts_add_device::CONTACT_ID, cid);
    }
    let mut device = Device::default()
        .with_id(data.fresh_id())
        .with_value(op.value);
    device.order = op.order.trim().parse().ok();
    // Added with adddevice's spelling, read back as getcontact reads subtypes: which one a
    // server answers for `mobile` is undocumented, so the value is kept as sent.
    device.subtype = Some(DeviceSubtype::from_wire(op.subtype.wire()));
    device.kind = Some(op.device_type);
    let next_id = data.next_id;
    let hidden = data.hidden.get(cid).cloned().unwrap_or_default();
    if let Some(contact) = data.contact_mut(cid) {
        let mut changed = contact.clone();
        changed
            .devices
            .get_or_insert_with(DeviceList::default)
            .devices
            .push(device);
        if let Err(e) = call
            .shared
            .persist(|s| s.save_contact(call.login(), &changed, &hidden, next_id))
        {
            return Answer::not_stored(&e);
        }
        *contact = changed;
    }
    drop(data);
    Answer::ok(papi_contacts::encode::add_device(&ack(call
        .shared
        .seeds
        .add_device
        .as_ref())))
}

fn add_picture(call: &Call<'_>, op: &AddPicture) -> Answer {
    let cid = op.contact_id.as_str();
    let file = op.file.bytes();
    let mut data = lock(&call.user.data);
    if !data.has_contact(cid) {
        return call.unknown_contact(contacts_add_picture::CONTACT_ID, cid);
    }
    if let Err(e) = call
        .shared
        .persist(|s| s.save_picture(call.login(), cid, file))
    {
        return Answer::not_stored(&e);
    }
    data.pictures.insert(cid.to_owned(), file.to_vec());
    drop(data);
    Answer::ok(papi_contacts::encode::add_picture(&ack(call
        .shared
        .seeds
        .add_picture
        .as_ref())))
}

fn get_picture(call: &Call<'_>, op: &GetPicture) -> Answer {
    let cid = op.contact_id.as_str();
    let data = lock(&call.user.data);
    if !data.has_contact(cid) {
        return call.unknown_contact(contacts_get_picture::CONTACT_ID, cid);
    }
    let Some(bytes) = data.pictures.get(cid).cloned() else {
        return call.invalid(format!(
            "the contact named by the parameter `{}` (`{}`) has no picture",
            contacts_get_picture::CONTACT_ID,
            clip(cid)
        ));
    };
    drop(data);
    // The documented picture's file attributes, with the stored bytes as its content.
    let template = call.shared.seeds.picture.as_ref().map(|p| &p.file);
    let mut file = MediaFile::default().with_content(Base64Binary(bytes.clone()));
    file.display = template.and_then(|t| t.display);
    file.id = template.and_then(|t| t.id.clone());
    file.info_type = template.and_then(|t| t.info_type.clone());
    file.order = template.and_then(|t| t.order);
    file.subtype = template.and_then(|t| t.subtype.clone());
    file.kind = template.and_then(|t| t.kind.clone());
    let mut answer = PictureData::default().with_file(file);
    // A file-format fact (the image type's name), not a wire name.
    answer.type_image = ImageType::sniff(&bytes).map(|t| t.to_string().to_lowercase());
    Answer::ok(papi_contacts::encode::get_picture(&answer))
}

fn get_personal_messages(call: &Call<'_>, op: &GetPersonalMessages) -> Answer {
    let mailbox = lock(&call.user.data).mailbox.clone();
    let mut answer = PersonalMessages::default();
    answer.privacy_dashboard_url = mailbox.dashboard.clone();
    for info in &op.infos {
        match info {
            MessagesInfo::NoEmails => answer.no_emails = call.consented(mailbox.no_emails),
            MessagesInfo::NoUnreadMails => {
                answer.no_unread_mails = call.consented(mailbox.no_unread_mails);
            }
            MessagesInfo::NoSms => answer.no_sms = call.consented(mailbox.no_sms),
            MessagesInfo::EmailsLastNDetailed => {
                answer.emails_last_n_detailed = call.consented(mailbox.last_unread.clone());
            }
            _ => {}
        }
    }
    Answer::ok(papi_messages::encode::get_personal_messages(&answer))
}

/// `Process/Status` of the captured `getPNS` answers (the only value recovered).
const PNS_STATUS: &str = "OK";

/// Answers in the shape inferred for `getPNS` (see the spec): every count the sandbox holds
/// and the e-mail overview, whatever `infos` asks, as the captured answers hold them all
/// (the sandbox has no MMS count, so that one is left out).
fn get_pns(call: &Call<'_>) -> Answer {
    let mailbox = lock(&call.user.data).mailbox.clone();
    let mails = mailbox.last_unread.messages;
    let unseen = mails.as_ref().map_or(0, |m| m.items.len());
    let mut summary = PnsMailSummary::default()
        .with_unseen(unseen.to_string())
        .with_count(mailbox.no_emails.to_string());
    summary.messages = mails;
    let syndication = match PnsSyndicationData::default()
        .with_no_sms(mailbox.no_sms)
        .with_no_unread_mails(mailbox.no_unread_mails)
        .with_emails_last_n_detailed_document(&summary)
    {
        Ok(syndication) => syndication,
        Err(e) => return Answer::ok(Err(e)),
    };
    let data = PnsData::default()
        .with_syndication_data(syndication)
        .with_extension(PnsExtension::default().with_no_emails(mailbox.no_emails));
    let answer = PnsReturn::default()
        .with_process(PnsProcess::default().with_status(PNS_STATUS))
        .with_data(data);
    Answer::ok(papi_messages::encode::get_pns(&answer))
}

fn get_personal_rich_profile(call: &Call<'_>, op: &GetPersonalRichProfile) -> Answer {
    let display = call.user.profile.display_name.trim().to_owned();
    let (first, last) = display
        .split_once(char::is_whitespace)
        .map_or((display.as_str(), ""), |(f, l)| (f, l.trim()));
    let mut answer = RichProfile::default();
    for info in &op.infos {
        match info {
            RichProfileInfo::Firstname if !first.is_empty() => {
                answer.firstname = call.consented(first.to_owned());
            }
            RichProfileInfo::Lastname if !last.is_empty() => {
                answer.lastname = call.consented(last.to_owned());
            }
            RichProfileInfo::DisplayName | RichProfileInfo::Displayname if !display.is_empty() => {
                answer.display_name = call.consented(display.clone());
            }
            _ => {}
        }
    }
    Answer::ok(papi_rich_profile::encode::get_personal_rich_profile(
        &answer,
    ))
}

#[cfg(test)]
mod tests {
    use super::starts_lowercase;

    #[test]
    fn searches_match_a_lowercase_prefix_of_the_parts_end_to_end() {
        assert!(starts_lowercase(&["Orange"], "ora"));
        assert!(starts_lowercase(&["Orange"], ""));
        assert!(!starts_lowercase(&["Or"], "ora"));
        assert!(starts_lowercase(&["Jean", " ", "DUPONT"], "jean d"));
        assert!(!starts_lowercase(&["Jean", " ", "DUPONT"], "jean e"));
        assert!(starts_lowercase(&["", " ", "Dupont"], " dup"));
        // Non-ASCII text is lowercased as a whole, as `str::to_lowercase` does.
        assert!(starts_lowercase(&["Élodie", " ", "Ñuñez"], "élodie ñ"));
        assert!(starts_lowercase(&["ΟΔΟΣ"], "οδος"));
        assert!(!starts_lowercase(&["ΟΔΟΣ"], "οδοσ"));
        assert!(!starts_lowercase(&["Zoe"], "zoë"));
    }
}
