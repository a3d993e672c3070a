//! Personal Contacts API: search the address book, read a contact, add one with a device
//! and a picture, and read the picture back.
//!
//! `cargo run -p papi-examples --example contacts` (embedded sandbox; see the crate docs for
//! a real service).

use orange_papi::contacts::operation::AddContact;
use orange_papi::contacts::types::{AddDeviceSubtype, DeviceType};
use orange_papi::core::Upload;
use papi_examples::{BoxError, Target};

/// A 1×1 JPEG header, enough for the upload checks.
const JPEG: &[u8] = &[
    0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0x00, 0x01, 0x01, 0x00, 0x00, 0x01,
    0x00, 0x01, 0x00, 0x00, 0xFF, 0xD9,
];

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let target = Target::from_env().await?;
    let contacts = orange_papi::contacts::Client::new(&target.config)?;
    let token = &target.token;

    println!("findcontactlist search=Orange");
    let page = target
        .with_consent(|| contacts.find_contact_list(token, "Orange"))
        .await?;
    let entries = page.contacts.map(|l| l.entries).unwrap_or_default();
    for c in &entries {
        println!(
            "  {} {} (id {})",
            c.firstname.as_deref().unwrap_or(""),
            c.lastname.as_deref().unwrap_or(""),
            c.id
        );
    }

    if let Some(first) = entries.first() {
        println!("getcontact cid={}", first.id);
        let contact = contacts.get_contact(token, &first.id).await?;
        println!("  {contact:?}");
    }

    println!("addcontact firstname=Ada lastname=Lovelace");
    let input = AddContact::new().firstname("Ada").lastname("Lovelace");
    let added = target
        .with_consent(|| contacts.add_contact(token, input.clone()))
        .await?;
    println!("  added contact {}", added.id);

    println!("adddevice: a mobile phone");
    contacts
        .add_device(
            token,
            &added.id,
            DeviceType::Phone,
            AddDeviceSubtype::Mobile,
            "1",
            "+33600000000",
        )
        .await?;

    println!("addpicture: a JPEG file (multipart POST)");
    contacts
        .add_picture(token, &added.id, Upload::new(JPEG.to_vec(), "ada.jpg"))
        .await?;
    let picture = contacts.get_picture(token, &added.id).await?.picture();
    println!(
        "  read back: {} bytes, {} ({})",
        picture.bytes.len(),
        picture.image_type.mime(),
        picture.declared.as_deref().unwrap_or("no declared type")
    );

    target.shutdown().await;
    Ok(())
}
