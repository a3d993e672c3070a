//! A test user and their data: contacts (with pictures), calendar events, the mailbox; and
//! the changes a call makes to them.

use std::collections::HashMap;
use std::fmt;

use papi_contacts::types::{Contact, ContactSummary};
use papi_messages::types::{EmailsLastNDetailed, MailList};

use crate::domain::seeds::Seeds;

/// A user of the sandbox.
#[derive(Clone)]
pub struct TestUser {
    /// Login (for the SAML login page, `/sandbox/login` and `Sandbox::issue_token`).
    pub login: String,
    /// Password (for the SAML login page and `/sandbox/login`).
    pub password: String,
    /// Display name; its first word is the first name, the rest the last name.
    pub display_name: String,
}

impl fmt::Debug for TestUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestUser")
            .field("login", &self.login)
            .field("password", &format_args!("***"))
            .field("display_name", &self.display_name)
            .finish()
    }
}

/// Fields an older sandbox kept beside a contact, by wire name: (wire name, value). The
/// contact answer has a place for each of them now; read from older files only.
pub(crate) type Hidden = Vec<(String, String)>;

/// One user's data.
pub(crate) struct UserData {
    /// In the order added (the order of search answers); read with [`UserData::contacts`],
    /// added with [`UserData::push_contact`], which keeps `index` in step.
    contacts: Vec<Contact>,
    /// Position in `contacts` of the first contact with each id: id lookups (and so
    /// [`Ids::fresh`]) stay constant-time however many contacts are added.
    index: HashMap<String, usize>,
    /// Pictures by contact id.
    pub(crate) pictures: HashMap<String, Vec<u8>>,
    pub(crate) mailbox: Mailbox,
    /// Stored calendar events: the parameters as received (wire name, value).
    pub(crate) events: Vec<Vec<(String, String)>>,
    /// The next number tried by [`Ids::fresh`].
    pub(crate) next_id: u64,
}

/// A user's mailbox (what the personal messages action reports).
#[derive(Debug, Clone)]
pub(crate) struct Mailbox {
    pub(crate) no_emails: i64,
    pub(crate) no_unread_mails: i64,
    pub(crate) no_sms: i64,
    pub(crate) last_unread: EmailsLastNDetailed,
    pub(crate) dashboard: Option<String>,
}

/// Sandbox data for the mailbox items the documented sample does not grant.
const SANDBOX_EMAILS: i64 = 3;
const SANDBOX_UNREAD_MAILS: i64 = 0;
const SANDBOX_SMS: i64 = 1;

impl Mailbox {
    fn seeded(seeds: &Seeds) -> Self {
        let sample = seeds.messages.as_ref();
        let granted = |f: fn(&papi_messages::types::PersonalMessages) -> Option<i64>, or| {
            sample.and_then(f).unwrap_or(or)
        };
        Self {
            no_emails: granted(|m| m.no_emails.granted().copied(), SANDBOX_EMAILS),
            no_unread_mails: granted(
                |m| m.no_unread_mails.granted().copied(),
                SANDBOX_UNREAD_MAILS,
            ),
            no_sms: granted(|m| m.no_sms.granted().copied(), SANDBOX_SMS),
            last_unread: sample
                .and_then(|m| m.emails_last_n_detailed.granted().cloned())
                .unwrap_or_else(|| {
                    EmailsLastNDetailed::default().with_messages(MailList::default())
                }),
            dashboard: sample.and_then(|m| m.privacy_dashboard_url.clone()),
        }
    }
}

/// A contact of a search's shallow entry (the deep view's attributes from `deep`).
fn contact_from_summary(s: &ContactSummary, deep: Option<&Contact>) -> Contact {
    let mut contact = Contact::default().with_id(s.id.clone());
    contact.view = deep.and_then(|d| d.view.clone());
    contact.kind = s.kind.clone();
    contact.firstname = s.firstname.clone();
    contact.lastname = s.lastname.clone();
    contact
}

/// A change a call makes to a user's data, worked out before it is made: the store keeps
/// it first, then [`UserData::apply`] makes it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum UserChange {
    /// A contact added, or changed (the one with its id), and the user's next id once its
    /// ids (and its devices') are taken.
    Contact { contact: Box<Contact>, next_id: u64 },
    /// A contact's picture, added or replaced.
    Picture { contact_id: String, bytes: Vec<u8> },
    /// A calendar event: its parameters as received (wire name, value).
    Event(Vec<(String, String)>),
}

/// Fresh ids for a change being worked out: numbers not yet used as a contact id (also used
/// for device ids), from the user's next id on; taken by the change once it is applied.
pub(crate) struct Ids<'a> {
    data: &'a UserData,
    next: u64,
}

impl Ids<'_> {
    /// A number not yet used as a contact id, nor given by these `Ids` before.
    pub(crate) fn fresh(&mut self) -> String {
        loop {
            let id = self.next.to_string();
            self.next += 1;
            if !self.data.has_contact(&id) {
                return id;
            }
        }
    }

    /// The user's next id once the ids given are taken.
    pub(crate) fn next(&self) -> u64 {
        self.next
    }
}

impl UserData {
    /// The seed data: the documented search's entries and contact (with its picture).
    pub(crate) fn seeded(seeds: &Seeds) -> Self {
        let mut data = Self::restored(seeds, 1, Vec::new(), HashMap::new(), Vec::new());
        let summaries = seeds
            .find
            .iter()
            .flat_map(|f| f.contacts.iter())
            .flat_map(|l| l.entries.iter());
        for s in summaries {
            if !data.has_contact(&s.id) {
                data.push_contact(contact_from_summary(s, seeds.contact.as_ref()));
            }
        }
        if let Some(contact) = &seeds.contact {
            let mut contact = contact.clone();
            if data.has_contact(&contact.id) {
                let mut ids = data.ids();
                contact.id = ids.fresh();
                data.next_id = ids.next();
            }
            if let Some(picture) = &seeds.picture {
                data.pictures
                    .insert(contact.id.clone(), picture.file.content.as_bytes().to_vec());
            }
            data.push_contact(contact);
        }
        data
    }

    /// Stored data (the mailbox is not stored: it is seed data): the next id, the contacts
    /// in insertion order with the fields an older sandbox kept beside them, the pictures
    /// and the events.
    pub(crate) fn restored(
        seeds: &Seeds,
        next_id: u64,
        contacts: Vec<(Contact, Hidden)>,
        pictures: HashMap<String, Vec<u8>>,
        events: Vec<Vec<(String, String)>>,
    ) -> Self {
        let mut data = Self {
            contacts: Vec::with_capacity(contacts.len()),
            index: HashMap::with_capacity(contacts.len()),
            pictures,
            mailbox: Mailbox::seeded(seeds),
            events,
            next_id: next_id.max(1),
        };
        for (mut contact, fields) in contacts {
            let unknown = into_contact(&mut contact, fields);
            if !unknown.is_empty() {
                // Left where they are stored (a later write of the contact keeps them).
                let names: Vec<&str> = unknown.iter().map(|(name, _)| name.as_str()).collect();
                tracing::warn!(
                    target: "papi_sandbox",
                    contact = %contact.id,
                    fields = ?names,
                    "stored contact fields that no answer has a place for are not shown"
                );
            }
            data.push_contact(contact);
        }
        data
    }

    /// The contacts, in the order added.
    pub(crate) fn contacts(&self) -> &[Contact] {
        &self.contacts
    }

    /// Adds a contact (after the others).
    fn push_contact(&mut self, contact: Contact) {
        self.index
            .entry(contact.id.clone())
            .or_insert(self.contacts.len());
        self.contacts.push(contact);
    }

    pub(crate) fn has_contact(&self, id: &str) -> bool {
        self.index.contains_key(id)
    }

    /// The first contact with this id.
    pub(crate) fn contact(&self, id: &str) -> Option<&Contact> {
        self.index.get(id).and_then(|&i| self.contacts.get(i))
    }

    /// Fresh ids for a change (see [`Ids`]).
    pub(crate) fn ids(&self) -> Ids<'_> {
        Ids {
            data: self,
            next: self.next_id,
        }
    }

    /// Makes a change (already kept by the store): a contact with a known id replaces the
    /// first one with that id, another is added after the others.
    pub(crate) fn apply(&mut self, change: UserChange) {
        match change {
            UserChange::Contact { contact, next_id } => {
                self.next_id = self.next_id.max(next_id);
                match self.index.get(&contact.id) {
                    Some(&i) => self.contacts[i] = *contact,
                    None => self.push_contact(*contact),
                }
            }
            UserChange::Picture { contact_id, bytes } => {
                self.pictures.insert(contact_id, bytes);
            }
            UserChange::Event(event) => self.events.push(event),
        }
    }
}

/// Moves into `contact` the fields an older sandbox kept beside it by their wire names (the
/// answer had no place for them then); returns any it still has no place for.
fn into_contact(contact: &mut Contact, fields: Hidden) -> Hidden {
    use crate::generated::param_names::contacts_add_contact::{DEPARTMENT, JOB_FUNCTION, NICKNAME};
    let mut rest = Vec::new();
    for (name, value) in fields {
        let slot = match name.as_str() {
            NICKNAME => &mut contact.nickname,
            JOB_FUNCTION => &mut contact.job_function,
            DEPARTMENT => &mut contact.department,
            _ => {
                rest.push((name, value));
                continue;
            }
        };
        slot.get_or_insert(value);
    }
    rest
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_an_older_sandbox_kept_beside_a_contact_come_back_in_it() {
        use crate::generated::param_names::contacts_add_contact::{DEPARTMENT, NICKNAME};
        let contact = Contact::default().with_id("c1");
        let hidden = vec![
            (NICKNAME.to_owned(), "Bob".to_owned()),
            (DEPARTMENT.to_owned(), "R&D".to_owned()),
            ("unknown".to_owned(), "kept".to_owned()),
        ];
        let data = UserData::restored(
            &Seeds::load(),
            2,
            vec![(contact, hidden)],
            HashMap::new(),
            Vec::new(),
        );
        let back = data.contact("c1").unwrap();
        assert_eq!(back.nickname.as_deref(), Some("Bob"));
        assert_eq!(back.department.as_deref(), Some("R&D"));
        assert_eq!(back.job_function, None);
    }

    #[test]
    fn a_change_replaces_a_contact_by_id_or_adds_one_and_takes_its_ids() {
        let mut data = UserData::seeded(&Seeds::load());
        let before = data.contacts().len();
        let mut ids = data.ids();
        let (first, second) = (ids.fresh(), ids.fresh());
        assert_ne!(first, second);
        assert!(!data.has_contact(&first) && !data.has_contact(&second));
        let next_id = ids.next();
        let added = Contact::default().with_id(first.clone());
        data.apply(UserChange::Contact {
            contact: Box::new(added.clone()),
            next_id,
        });
        assert_eq!(data.contacts().len(), before + 1);
        assert_eq!(data.contact(&first), Some(&added));
        assert_eq!(data.next_id, next_id);
        // The ids given are taken: the next fresh one is another.
        let mut ids = data.ids();
        assert_ne!(ids.fresh(), first);
        let mut changed = added.clone();
        changed.firstname = Some("Changed".into());
        data.apply(UserChange::Contact {
            contact: Box::new(changed.clone()),
            next_id: 1,
        });
        assert_eq!(data.contacts().len(), before + 1);
        assert_eq!(data.contact(&first), Some(&changed));
        assert_eq!(data.next_id, next_id, "the next id never goes back");
    }
}
