//! The documented sample answers of [`SEEDS`], decoded with the generated decoders: the
//! sandbox's initial data and the templates of its answers (their attributes, such as the
//! internal command names, are copied from the documented answers).

use std::fmt::Display;

use papi_contacts::types::{
    AddContactResult, CommandAck, Contact, FindContactListResult, PictureData,
};
use papi_messages::types::PersonalMessages;

use crate::generated::{ActionId, SEEDS};

/// Decoded seeds; `None` where a seed is absent or cannot be decoded (logged).
#[derive(Debug, Clone, Default)]
pub(crate) struct Seeds {
    pub(crate) find: Option<FindContactListResult>,
    pub(crate) contact: Option<Contact>,
    pub(crate) add_contact: Option<AddContactResult>,
    pub(crate) add_device: Option<CommandAck>,
    pub(crate) picture: Option<PictureData>,
    pub(crate) add_picture: Option<CommandAck>,
    pub(crate) messages: Option<PersonalMessages>,
}

fn decoded<T, E: Display>(id: ActionId, decode: impl Fn(u16, &[u8]) -> Result<T, E>) -> Option<T> {
    let (_, body) = SEEDS.iter().find(|(seed, _)| *seed == id)?;
    match decode(200, body.as_bytes()) {
        Ok(value) => Some(value),
        Err(e) => {
            tracing::warn!(target: "papi_sandbox", action = ?id, error = %e, "seed not decodable");
            None
        }
    }
}

impl Seeds {
    /// Decodes every seed.
    pub(crate) fn load() -> Self {
        use papi_contacts::decode as c;
        Self {
            find: decoded(ActionId::ContactsFindContactList, c::find_contact_list),
            contact: decoded(ActionId::ContactsGetContact, c::get_contact),
            add_contact: decoded(ActionId::ContactsAddContact, c::add_contact),
            add_device: decoded(ActionId::ContactsAddDevice, c::add_device),
            picture: decoded(ActionId::ContactsGetPicture, c::get_picture),
            add_picture: decoded(ActionId::ContactsAddPicture, c::add_picture),
            messages: decoded(
                ActionId::MessagesGetPersonalMessages,
                papi_messages::decode::get_personal_messages,
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_seed_decodes() {
        let s = Seeds::load();
        assert!(s.find.is_some());
        assert!(s.contact.is_some());
        assert!(s.add_contact.is_some());
        assert!(s.add_device.is_some());
        assert!(s.picture.is_some());
        assert!(s.add_picture.is_some());
        assert!(s.messages.is_some());
    }
}
