//! Large answers, built with the generated encoders (so the decoders must accept them).

use papi_contacts::types::{
    ContactList, ContactSummary, FindContactListResult, MediaFile, PictureData,
};

/// The value of a findcontactlist answer with `n` contacts.
pub fn contact_list_value(n: usize) -> FindContactListResult {
    let entries = (0..n)
        .map(|i| {
            ContactSummary::default()
                .with_view("shallow")
                .with_id(i.to_string())
                .with_kind("contact")
                .with_firstname("Ann")
                // `&` is sent as `&amp;`: every entry has a reference to resolve.
                .with_lastname(format!("Lee & {i}"))
        })
        .collect::<Vec<_>>();
    let n = i64::try_from(n).unwrap_or(i64::MAX);
    FindContactListResult::default()
        .with_request("g10")
        .with_action("ctcfindcontactlist")
        .with_contacts(
            ContactList::default()
                .with_total_data(n)
                .with_nbpage(1)
                .with_page(1)
                .with_nbentries(n)
                .with_entries(entries),
        )
}

/// A findcontactlist answer with `n` contacts, as a server sends it.
pub fn contact_list(n: usize) -> Result<Vec<u8>, papi_core::encode::EncodeError> {
    papi_contacts::encode::find_contact_list(&contact_list_value(n)).map(String::into_bytes)
}

/// `len` bytes of an image: a JPEG signature, then deterministic noise (incompressible,
/// so the base64 is not one repeated run).
pub fn image(len: usize) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(len);
    bytes.extend_from_slice(&[0xFF, 0xD8, 0xFF, 0xE0]);
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    while bytes.len() < len {
        // xorshift64*
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        bytes.extend_from_slice(&x.wrapping_mul(0x2545_F491_4F6C_DD1D).to_le_bytes());
    }
    bytes.truncate(len);
    bytes
}

/// The value of a getpicture answer carrying `len` bytes of image.
pub fn picture_value(len: usize) -> PictureData {
    PictureData::default()
        .with_file(
            MediaFile::default()
                .with_content(image(len))
                .with_display(false)
                .with_id("1429530340")
                .with_info_type("perso")
                .with_order(1)
                .with_subtype("picture")
                .with_kind("media"),
        )
        .with_type_image("jpeg")
}

/// A getpicture answer carrying `len` bytes of image, as a server sends it.
pub fn picture(len: usize) -> Result<Vec<u8>, papi_core::encode::EncodeError> {
    papi_contacts::encode::get_picture(&picture_value(len)).map(String::into_bytes)
}
