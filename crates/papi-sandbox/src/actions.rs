//! What each action does, once the call is authenticated, valid and consented.

use papi_contacts::types::{
    Civility, CommandAck, Contact, ContactList, ContactSummary, Device, DeviceList, DeviceSubtype,
    DeviceType, FindContactListResult, MediaFile, PictureData,
};
use papi_core::{Base64Binary, Consented, ImageType};
use papi_messages::types::{MessagesInfo, PersonalMessages};
use papi_rich_profile::types::{RichProfile, RichProfileInfo};

use crate::generated::{Action, ActionId, Api};
use crate::http::{Answer, Endpoint};
use crate::params::{date, Params};
use crate::state::{lock, Shared, User};

/// Positions, in the rows of [`crate::generated`], of the parameters read here. The unit
/// test `parameter_positions_match_the_table` pins each to its wire name, so a reordered
/// spec fails the tests instead of reading the wrong parameter.
pub(crate) mod at {
    /// `ContactsFindContactList`: the search text.
    pub(crate) const SEARCH: usize = 0;
    /// `ContactsGetContact`, `ContactsAddDevice`, `ContactsGetPicture`,
    /// `ContactsAddPicture`: the contact id.
    pub(crate) const CID: usize = 0;
    /// `ContactsAddContact`: last name.
    pub(crate) const LASTNAME: usize = 0;
    /// `ContactsAddContact`: first name.
    pub(crate) const FIRSTNAME: usize = 1;
    /// `ContactsAddContact`: nickname.
    pub(crate) const NICKNAME: usize = 2;
    /// `ContactsAddContact`: company.
    pub(crate) const COMPANY: usize = 3;
    /// `ContactsAddContact`: job function.
    pub(crate) const FUNCTION: usize = 4;
    /// `ContactsAddContact`: department.
    pub(crate) const DEPARTMENT: usize = 5;
    /// `ContactsAddContact`: personal e-mail.
    pub(crate) const EMAIL_PERSO: usize = 6;
    /// `ContactsAddContact`: birthday.
    pub(crate) const BIRTHDAY: usize = 7;
    /// `ContactsAddContact`: civility.
    pub(crate) const CIVILITY: usize = 8;
    /// `ContactsAddDevice`: device type.
    pub(crate) const DEVICE_TYPE: usize = 1;
    /// `ContactsAddDevice`: device subtype.
    pub(crate) const SUBTYPE: usize = 2;
    /// `ContactsAddDevice`: display order.
    pub(crate) const ORDER: usize = 3;
    /// `ContactsAddDevice`: the address or number.
    pub(crate) const VALUE: usize = 4;
    /// `ContactsAddPicture`: the image file.
    pub(crate) const FILE: usize = 1;
    /// `MessagesGetPersonalMessages`, `RichProfileGetPersonalRichProfile`: the items.
    pub(crate) const INFOS: usize = 0;
}

/// One call being answered.
pub(crate) struct Call<'a> {
    pub(crate) shared: &'a Shared,
    pub(crate) user: &'a User,
    pub(crate) endpoint: Endpoint,
    pub(crate) api: &'static Api,
    pub(crate) action: &'static Action,
    pub(crate) params: &'a Params,
    /// The user refused consent: consented items come back protected.
    pub(crate) protected: bool,
}

impl Call<'_> {
    fn arg(&self, index: usize) -> Option<&str> {
        self.params.arg(self.action, index)
    }

    fn arg_owned(&self, index: usize) -> Option<String> {
        self.arg(index).map(str::to_owned)
    }

    fn wire(&self, index: usize) -> &'static str {
        self.action.params.get(index).map_or("?", |p| p.wire)
    }

    fn invalid(&self, detail: String) -> Answer {
        Answer::api(self.endpoint, self.api.invalid_parameter, detail)
    }

    fn unknown_contact(&self, cid: &str) -> Answer {
        self.invalid(format!(
            "the parameter `{}` names no contact of the user (`{cid}`)",
            self.wire(at::CID)
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

/// Runs the action.
pub(crate) fn run(call: &Call<'_>) -> Answer {
    match call.action.id {
        ActionId::CalendarAddEvent => add_event(call),
        ActionId::ContactsFindContactList => find_contact_list(call),
        ActionId::ContactsGetContact => get_contact(call),
        ActionId::ContactsAddContact => add_contact(call),
        ActionId::ContactsAddDevice => add_device(call),
        ActionId::ContactsGetPicture => get_picture(call),
        ActionId::ContactsAddPicture => add_picture(call),
        ActionId::MessagesGetPersonalMessages => get_personal_messages(call),
        // Its answer is undocumented: an empty 200.
        ActionId::MessagesGetPns => Answer::empty(),
        ActionId::RichProfileGetPersonalRichProfile => get_personal_rich_profile(call),
    }
}

/// Stores the event; its answer is undocumented: an empty 200.
fn add_event(call: &Call<'_>) -> Answer {
    let event: Vec<(String, String)> = call
        .action
        .params
        .iter()
        .filter_map(|p| {
            call.params
                .get(p.wire)
                .map(|v| (p.wire.to_owned(), v.to_owned()))
        })
        .collect();
    let mut data = lock(&call.user.data);
    if let Err(e) = call.shared.persist(|s| s.add_event(call.login(), &event)) {
        return Answer::not_stored(&e);
    }
    data.events.push(event);
    Answer::empty()
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

fn find_contact_list(call: &Call<'_>) -> Answer {
    let needle = call
        .arg(at::SEARCH)
        .unwrap_or_default()
        .replace('"', "")
        .trim()
        .to_lowercase();
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

fn get_contact(call: &Call<'_>) -> Answer {
    let cid = call.arg(at::CID).unwrap_or_default();
    let data = lock(&call.user.data);
    match data.contact(cid) {
        Some(contact) => Answer::ok(papi_contacts::encode::get_contact(contact)),
        None => call.unknown_contact(cid),
    }
}

fn add_contact(call: &Call<'_>) -> Answer {
    let template = call.shared.seeds.contact.as_ref();
    let mut data = lock(&call.user.data);
    let id = data.fresh_id();
    let devices = call.arg_owned(at::EMAIL_PERSO).map(|value| {
        DeviceList::default().with_devices([Device::default()
            .with_id(data.fresh_id())
            .with_subtype(DeviceSubtype::Internet)
            .with_kind(DeviceType::Email)
            .with_value(value)])
    });
    let mut contact = Contact::default().with_id(id.clone());
    contact.view = template.and_then(|t| t.view.clone());
    contact.kind = template.and_then(|t| t.kind.clone());
    contact.firstname = call.arg_owned(at::FIRSTNAME);
    contact.lastname = call.arg_owned(at::LASTNAME);
    contact.civility = call.arg(at::CIVILITY).map(Civility::from_wire);
    contact.birthday = call.arg(at::BIRTHDAY).and_then(date);
    contact.company = call.arg_owned(at::COMPANY);
    contact.devices = devices;
    let hidden: Vec<(String, String)> = [at::NICKNAME, at::FUNCTION, at::DEPARTMENT]
        .into_iter()
        .filter_map(|i| call.arg_owned(i).map(|v| (call.wire(i).to_owned(), v)))
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

fn add_device(call: &Call<'_>) -> Answer {
    let cid = call.arg(at::CID).unwrap_or_default();
    let mut data = lock(&call.user.data);
    if !data.has_contact(cid) {
        return call.unknown_contact(cid);
    }
    let mut device = Device::default()
        .with_id(data.fresh_id())
        .with_value(call.arg_owned(at::VALUE).unwrap_or_default());
    device.order = call.arg(at::ORDER).and_then(|o| o.trim().parse().ok());
    device.subtype = call.arg(at::SUBTYPE).map(DeviceSubtype::from_wire);
    device.kind = call.arg(at::DEVICE_TYPE).map(DeviceType::from_wire);
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

fn add_picture(call: &Call<'_>) -> Answer {
    let cid = call.arg(at::CID).unwrap_or_default();
    let file = call
        .action
        .params
        .get(at::FILE)
        .and_then(|p| call.params.file(p.wire))
        .unwrap_or_default();
    let mut data = lock(&call.user.data);
    if !data.has_contact(cid) {
        return call.unknown_contact(cid);
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

fn get_picture(call: &Call<'_>) -> Answer {
    let cid = call.arg(at::CID).unwrap_or_default();
    let data = lock(&call.user.data);
    if !data.has_contact(cid) {
        return call.unknown_contact(cid);
    }
    let Some(bytes) = data.pictures.get(cid).cloned() else {
        return call.invalid(format!(
            "the contact named by the parameter `{}` (`{cid}`) has no picture",
            call.wire(at::CID)
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

fn get_personal_messages(call: &Call<'_>) -> Answer {
    let mailbox = lock(&call.user.data).mailbox.clone();
    let mut answer = PersonalMessages::default();
    answer.privacy_dashboard_url = mailbox.dashboard.clone();
    let infos = call.arg(at::INFOS).unwrap_or_default();
    for info in infos.split(',').map(MessagesInfo::from_wire) {
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

fn get_personal_rich_profile(call: &Call<'_>) -> Answer {
    let display = call.user.profile.display_name.trim().to_owned();
    let (first, last) = display
        .split_once(char::is_whitespace)
        .map_or((display.as_str(), ""), |(f, l)| (f, l.trim()));
    let mut answer = RichProfile::default();
    let infos = call.arg(at::INFOS).unwrap_or_default();
    for info in infos.split(',').map(RichProfileInfo::from_wire) {
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
    use super::{at, starts_lowercase};

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
    use crate::generated::{ActionId, APIS};

    fn wire(id: ActionId, index: usize) -> &'static str {
        let action = APIS
            .iter()
            .flat_map(|api| api.actions.iter())
            .find(|a| a.id == id)
            .unwrap();
        action.params[index].wire
    }

    #[test]
    fn parameter_positions_match_the_table() {
        use ActionId::*;
        assert_eq!(wire(ContactsFindContactList, at::SEARCH), "search");
        for id in [
            ContactsGetContact,
            ContactsAddDevice,
            ContactsGetPicture,
            ContactsAddPicture,
        ] {
            assert_eq!(wire(id, at::CID), "cid");
        }
        for (i, name) in [
            (at::LASTNAME, "lastname"),
            (at::FIRSTNAME, "firstname"),
            (at::NICKNAME, "nickname"),
            (at::COMPANY, "company"),
            (at::FUNCTION, "function"),
            (at::DEPARTMENT, "department"),
            (at::EMAIL_PERSO, "emailperso"),
            (at::BIRTHDAY, "birthday"),
            (at::CIVILITY, "civility"),
        ] {
            assert_eq!(wire(ContactsAddContact, i), name);
        }
        assert_eq!(wire(ContactsAddDevice, at::DEVICE_TYPE), "type");
        assert_eq!(wire(ContactsAddDevice, at::SUBTYPE), "subtype");
        assert_eq!(wire(ContactsAddDevice, at::ORDER), "order");
        assert_eq!(wire(ContactsAddDevice, at::VALUE), "value");
        assert_eq!(wire(ContactsAddPicture, at::FILE), "file");
        assert_eq!(wire(MessagesGetPersonalMessages, at::INFOS), "infos");
        assert_eq!(wire(RichProfileGetPersonalRichProfile, at::INFOS), "infos");
    }
}
