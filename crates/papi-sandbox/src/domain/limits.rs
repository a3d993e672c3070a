//! How much one contact may hold: devices, and bytes per value. The API documents no such
//! limits; the sandbox keeps them so that no user can make a contact so large that every
//! write of it (and, with a database, everyone's writes) slows down.

use papi_contacts::types::Contact;

/// The limits of one contact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ContactLimits {
    /// Devices (phones, e-mails, web sites) one contact holds at most.
    pub(crate) max_devices: usize,
    /// Bytes (UTF-8) of one value at most: a device's value, a name, a company…
    pub(crate) max_value_bytes: usize,
}

impl ContactLimits {
    /// Refuses a value of the parameter `name` longer than [`ContactLimits::max_value_bytes`]
    /// (the sentence says why).
    pub(crate) fn check_value(&self, name: &str, value: &str) -> Result<(), String> {
        if value.len() > self.max_value_bytes {
            return Err(format!(
                "the parameter `{name}` is {} bytes long; the sandbox keeps at most {} bytes per value",
                value.len(),
                self.max_value_bytes
            ));
        }
        Ok(())
    }

    /// Refuses one more device on `contact` when it already holds
    /// [`ContactLimits::max_devices`].
    pub(crate) fn check_room_for_device(&self, contact: &Contact) -> Result<(), String> {
        let held = contact.devices.as_ref().map_or(0, |l| l.devices.len());
        if held >= self.max_devices {
            return Err(format!(
                "the contact `{}` already has {held} devices; the sandbox keeps at most {} per contact",
                contact.id, self.max_devices
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use papi_contacts::types::{Device, DeviceList};

    #[test]
    fn values_and_devices_are_bounded() {
        let limits = ContactLimits {
            max_devices: 2,
            max_value_bytes: 4,
        };
        assert!(limits.check_value("value", "abcd").is_ok());
        let e = limits.check_value("value", "abcdé").unwrap_err();
        assert!(
            e.contains("`value` is 6 bytes") && e.contains("at most 4"),
            "{e}"
        );
        let mut contact = Contact::default().with_id("7");
        assert!(limits.check_room_for_device(&contact).is_ok());
        contact.devices = Some(DeviceList::default().with_devices([Device::default()]));
        assert!(limits.check_room_for_device(&contact).is_ok());
        contact.devices =
            Some(DeviceList::default().with_devices([Device::default(), Device::default()]));
        let e = limits.check_room_for_device(&contact).unwrap_err();
        assert!(e.contains("`7` already has 2 devices"), "{e}");
    }
}
