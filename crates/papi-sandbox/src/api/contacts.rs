//! The handlers of the Contacts API: searches, contacts, devices and pictures.

use papi_contacts::operation::{
    AddContact, AddDevice, AddPicture, FindContactList, GetContact, GetPicture,
};
use papi_contacts::types::{
    CommandAck, Contact, ContactList, ContactSummary, Device, DeviceList, DeviceSubtype,
    DeviceType, FindContactListResult, MediaFile, PictureData,
};
use papi_core::{Base64Binary, ImageType};

use crate::api::answer::Answer;
use crate::api::call::{clip, Call};
use crate::domain::user::UserChange;
use crate::generated::param_names::{
    contacts_add_contact, contacts_add_device, contacts_add_picture, contacts_get_contact,
    contacts_get_picture,
};

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

pub(crate) fn find_contact_list(call: &Call<'_>, op: &FindContactList) -> Answer {
    let needle = op.search.replace('"', "").trim().to_lowercase();
    let seeds = &call.service.seeds;
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
    let entries = call.read(|data| {
        data.contacts()
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
            .collect::<Vec<_>>()
    });
    let entries = match entries {
        Ok(entries) => entries,
        Err(answer) => return answer,
    };
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

pub(crate) fn get_contact(call: &Call<'_>, op: &GetContact) -> Answer {
    let cid = op.contact_id.as_str();
    let encoded = call.read(|data| data.contact(cid).map(papi_contacts::encode::get_contact));
    match encoded {
        Ok(Some(xml)) => Answer::ok(xml),
        Ok(None) => call.unknown_contact(contacts_get_contact::CONTACT_ID, cid),
        Err(answer) => answer,
    }
}

pub(crate) fn add_contact(call: &Call<'_>, op: AddContact) -> Answer {
    let limits = call.service.settings.contact_limits;
    let values = [
        (contacts_add_contact::LASTNAME, &op.lastname),
        (contacts_add_contact::FIRSTNAME, &op.firstname),
        (contacts_add_contact::NICKNAME, &op.nickname),
        (contacts_add_contact::COMPANY, &op.company),
        (contacts_add_contact::JOB_FUNCTION, &op.job_function),
        (contacts_add_contact::DEPARTMENT, &op.department),
        (contacts_add_contact::EMAIL_PERSO, &op.email_perso),
    ];
    for (name, value) in values {
        if let Err(why) = limits.check_value(name, value.as_deref().unwrap_or_default()) {
            return call.invalid(why);
        }
    }
    let template = call.service.seeds.contact.as_ref();
    let mut op = Some(op);
    let mut added = None;
    let changed = call.store().change_user(call.login(), &mut |data| {
        let op = op.take()?;
        let mut ids = data.ids();
        let id = ids.fresh();
        let devices = op.email_perso.map(|value| {
            DeviceList::default().with_devices([Device::default()
                .with_id(ids.fresh())
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
        contact.nickname = op.nickname;
        contact.job_function = op.job_function;
        contact.department = op.department;
        contact.devices = devices;
        added = Some(id);
        Some(UserChange::Contact {
            contact: Box::new(contact),
            next_id: ids.next(),
        })
    });
    match (changed, added) {
        (Ok(true), Some(id)) => {
            let mut answer = call.service.seeds.add_contact.clone().unwrap_or_default();
            answer.id = id;
            Answer::ok(papi_contacts::encode::add_contact(&answer))
        }
        (Err(e), _) => Answer::not_stored(&e),
        (Ok(_), _) => call.user_gone(),
    }
}

pub(crate) fn add_device(call: &Call<'_>, op: AddDevice) -> Answer {
    let cid = op.contact_id.as_str();
    let limits = call.service.settings.contact_limits;
    if let Err(why) = limits.check_value(contacts_add_device::VALUE, &op.value) {
        return call.invalid(why);
    }
    let mut full = None;
    let changed = call.store().change_user(call.login(), &mut |data| {
        let contact = data.contact(cid)?;
        if let Err(why) = limits.check_room_for_device(contact) {
            full = Some(why);
            return None;
        }
        let mut ids = data.ids();
        let mut device = Device::default()
            .with_id(ids.fresh())
            .with_value(op.value.clone());
        device.order = op.order.trim().parse().ok();
        // Added with adddevice's spelling, read back as getcontact reads subtypes: which
        // one a server answers for `mobile` is undocumented, so the value is kept as sent.
        device.subtype = Some(DeviceSubtype::from_wire(op.subtype.wire()));
        device.kind = Some(op.device_type.clone());
        let mut changed = contact.clone();
        changed
            .devices
            .get_or_insert_with(DeviceList::default)
            .devices
            .push(device);
        Some(UserChange::Contact {
            contact: Box::new(changed),
            next_id: ids.next(),
        })
    });
    match (changed, full) {
        (Ok(false), Some(why)) => call.invalid(why),
        (Ok(true), _) => Answer::ok(papi_contacts::encode::add_device(&ack(call
            .service
            .seeds
            .add_device
            .as_ref()))),
        (Ok(false), None) => call.unknown_contact(contacts_add_device::CONTACT_ID, cid),
        (Err(e), _) => Answer::not_stored(&e),
    }
}

pub(crate) fn add_picture(call: &Call<'_>, op: &AddPicture) -> Answer {
    let cid = op.contact_id.as_str();
    let file = op.file.bytes();
    let changed = call.store().change_user(call.login(), &mut |data| {
        data.has_contact(cid).then(|| UserChange::Picture {
            contact_id: cid.to_owned(),
            bytes: file.to_vec(),
        })
    });
    match changed {
        Ok(true) => Answer::ok(papi_contacts::encode::add_picture(&ack(call
            .service
            .seeds
            .add_picture
            .as_ref()))),
        Ok(false) => call.unknown_contact(contacts_add_picture::CONTACT_ID, cid),
        Err(e) => Answer::not_stored(&e),
    }
}

pub(crate) fn get_picture(call: &Call<'_>, op: &GetPicture) -> Answer {
    let cid = op.contact_id.as_str();
    let found = call.read(|data| {
        data.has_contact(cid)
            .then(|| data.pictures.get(cid).cloned())
    });
    let bytes = match found {
        Ok(Some(Some(bytes))) => bytes,
        Ok(Some(None)) => {
            return call.invalid(format!(
                "the contact named by the parameter `{}` (`{}`) has no picture",
                contacts_get_picture::CONTACT_ID,
                clip(cid)
            ))
        }
        Ok(None) => return call.unknown_contact(contacts_get_picture::CONTACT_ID, cid),
        Err(answer) => return answer,
    };
    // The documented picture's file attributes, with the stored bytes as its content.
    let template = call.service.seeds.picture.as_ref().map(|p| &p.file);
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
