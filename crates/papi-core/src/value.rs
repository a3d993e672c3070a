//! Value types shared by the generated crates.

use std::fmt;

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;
#[cfg(feature = "serde")]
use serde::de::{self, Deserialize, Deserializer, IgnoredAny};

/// A field of `UserAuthorizedData` / `UserProtectedData`: either the user granted it and
/// its value came back, or it is protected (consent needed), or the answer said nothing.
///
/// With serde (the `serde` feature; e.g. JSON) it is an object tagged by `status`: `{"status": "granted",
/// "value": …}`, `{"status": "protected"}` or `{"status": "not_returned"}`. The generated
/// answer structs leave a field that is not returned out, and read an absent one as
/// [`Consented::NotReturned`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(tag = "status", content = "value", rename_all = "snake_case")
)]
pub enum Consented<T> {
    /// Granted: the value.
    Granted(T),
    /// Listed as protected: the user has not granted access.
    Protected,
    /// Neither returned nor listed as protected.
    #[default]
    NotReturned,
}

impl<T> Consented<T> {
    /// Combines the two halves of an answer: the authorized value wins, else a presence
    /// marker in the protected part makes it [`Consented::Protected`].
    pub fn from_parts(authorized: Option<T>, protected: bool) -> Self {
        match (authorized, protected) {
            (Some(v), _) => Consented::Granted(v),
            (None, true) => Consented::Protected,
            (None, false) => Consented::NotReturned,
        }
    }

    /// The value, if granted.
    pub fn granted(&self) -> Option<&T> {
        match self {
            Consented::Granted(v) => Some(v),
            _ => None,
        }
    }

    /// The value, if granted, by value.
    pub fn into_granted(self) -> Option<T> {
        match self {
            Consented::Granted(v) => Some(v),
            _ => None,
        }
    }

    /// Whether the field is protected (consent needed).
    pub fn is_protected(&self) -> bool {
        matches!(self, Consented::Protected)
    }

    /// Whether the answer said nothing of the field.
    pub fn is_not_returned(&self) -> bool {
        matches!(self, Consented::NotReturned)
    }
}

/// Deserializes any element and keeps nothing: marks presence (e.g. in `UserProtectedData`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Present;

#[cfg(feature = "serde")]
impl<'de> Deserialize<'de> for Present {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        IgnoredAny::deserialize(d).map(|_| Present)
    }
}

/// Serializes as an empty element (`<Name/>`).
#[cfg(feature = "serde")]
impl serde::Serialize for Present {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_unit()
    }
}

/// Binary content transported as base64 text; whitespace anywhere inside is ignored
/// (the documented samples break the payload with spaces and line breaks).
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct Base64Binary(pub Vec<u8>);

/// Standard alphabet; padding optional (old servers are not consistent about it).
pub(crate) const BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

impl Base64Binary {
    /// Decodes base64 text, ignoring ASCII whitespace.
    pub fn decode(text: &str) -> Result<Self, base64::DecodeError> {
        let compact: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
        BASE64.decode(compact).map(Base64Binary)
    }

    /// The bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The bytes, by value.
    pub fn into_inner(self) -> Vec<u8> {
        self.0
    }
}

impl fmt::Debug for Base64Binary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Base64Binary({} bytes)", self.0.len())
    }
}

impl From<Vec<u8>> for Base64Binary {
    fn from(bytes: Vec<u8>) -> Self {
        Base64Binary(bytes)
    }
}

impl std::ops::Deref for Base64Binary {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.0
    }
}

/// Serializes as standard base64 text, unbroken.
#[cfg(feature = "serde")]
impl serde::Serialize for Base64Binary {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&base64::Engine::encode(&BASE64, &self.0))
    }
}

#[cfg(feature = "serde")]
impl<'de> Deserialize<'de> for Base64Binary {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Base64Binary::decode(&text).map_err(|e| de::Error::custom(format!("invalid base64: {e}")))
    }
}

/// An image format, as sniffed from bytes or as declared by the API.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ImageType {
    /// JPEG (`FF D8 FF`).
    Jpeg,
    /// GIF (`GIF87a` / `GIF89a`).
    Gif,
    /// BMP (`BM`).
    Bmp,
    /// PNG.
    Png,
    /// Anything else, as declared.
    Other(String),
}

impl ImageType {
    /// Recognises an image by its magic bytes.
    pub fn sniff(bytes: &[u8]) -> Option<ImageType> {
        const PNG: &[u8] = b"\x89PNG\r\n\x1a\n";
        if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(ImageType::Jpeg)
        } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
            Some(ImageType::Gif)
        } else if bytes.starts_with(PNG) {
            Some(ImageType::Png)
        } else if bytes.starts_with(b"BM") {
            Some(ImageType::Bmp)
        } else {
            None
        }
    }

    /// Maps a declared type (`jpeg`, `jpg`, `gif`, `bmp`, `png`, any case; surrounding
    /// whitespace ignored) to an image type; anything else is [`ImageType::Other`].
    pub fn from_declared(declared: &str) -> ImageType {
        let d = declared.trim();
        match d.to_ascii_lowercase().as_str() {
            "jpeg" | "jpg" => ImageType::Jpeg,
            "gif" => ImageType::Gif,
            "bmp" => ImageType::Bmp,
            "png" => ImageType::Png,
            _ => ImageType::Other(d.to_owned()),
        }
    }

    /// The MIME type (`application/octet-stream` for [`ImageType::Other`]).
    pub fn mime(&self) -> &'static str {
        match self {
            ImageType::Jpeg => "image/jpeg",
            ImageType::Gif => "image/gif",
            ImageType::Bmp => "image/bmp",
            ImageType::Png => "image/png",
            ImageType::Other(_) => "application/octet-stream",
        }
    }
}

impl fmt::Display for ImageType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ImageType::Jpeg => "JPEG",
            ImageType::Gif => "GIF",
            ImageType::Bmp => "BMP",
            ImageType::Png => "PNG",
            ImageType::Other(s) => s,
        })
    }
}

/// A picture returned by an API, with its type resolved.
#[derive(Clone, PartialEq, Eq)]
pub struct Picture {
    /// The image bytes.
    pub bytes: Vec<u8>,
    /// The type: sniffed from the bytes when recognisable, else the declared one, else
    /// `Other("")`.
    pub image_type: ImageType,
    /// The type the API declared, verbatim.
    pub declared: Option<String>,
}

impl Picture {
    /// Resolves the type of `bytes`; the bytes are trusted over the declaration when they
    /// disagree (a documented sample declares GIF for a JPEG payload).
    pub fn resolve(bytes: impl Into<Vec<u8>>, declared: Option<&str>) -> Picture {
        let bytes = bytes.into();
        let image_type = ImageType::sniff(&bytes)
            .or_else(|| declared.map(ImageType::from_declared))
            .unwrap_or_else(|| ImageType::Other(String::new()));
        Picture {
            bytes,
            image_type,
            declared: declared.map(str::to_owned),
        }
    }

    /// Whether the declared type disagrees with the resolved one.
    pub fn declared_mismatch(&self) -> bool {
        self.declared
            .as_deref()
            .is_some_and(|d| ImageType::from_declared(d) != self.image_type)
    }
}

impl fmt::Debug for Picture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Picture")
            .field("bytes", &format_args!("{} bytes", self.bytes.len()))
            .field("image_type", &self.image_type)
            .field("declared", &self.declared)
            .finish()
    }
}

/// A file to upload in a multipart request; its content type is sniffed from the bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct Upload {
    bytes: Vec<u8>,
    filename: String,
    image_type: Option<ImageType>,
}

impl Upload {
    /// A file with its name (as sent in the part's `filename`).
    pub fn new(bytes: impl Into<Vec<u8>>, filename: impl Into<String>) -> Upload {
        let bytes = bytes.into();
        let image_type = ImageType::sniff(&bytes);
        Upload {
            bytes,
            filename: filename.into(),
            image_type,
        }
    }

    /// The content.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The file name.
    pub fn filename(&self) -> &str {
        &self.filename
    }

    /// The sniffed image type, if the bytes are a known image.
    pub fn image_type(&self) -> Option<&ImageType> {
        self.image_type.as_ref()
    }

    /// The content type sent with the part.
    pub fn content_type(&self) -> &'static str {
        self.image_type
            .as_ref()
            .map_or("application/octet-stream", ImageType::mime)
    }
}

impl fmt::Debug for Upload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Upload")
            .field("filename", &self.filename)
            .field("bytes", &format_args!("{} bytes", self.bytes.len()))
            .field("content_type", &self.content_type())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(feature = "serde")]
    #[derive(Debug, serde::Deserialize)]
    struct Media {
        #[serde(rename = "@content")]
        content: Base64Binary,
        #[serde(rename = "typeImage")]
        type_image: Option<String>,
        #[serde(rename = "flag", default)]
        flag: Option<Present>,
    }

    #[cfg(feature = "serde")]
    #[test]
    fn base64_with_whitespace_inside() {
        let xml = "<filename content=\"/9j/4AAQ\n SkZJ RgAB\r\n\tAQAA\"><typeImage>gif</typeImage><flag><x a=\"1\"/>t</flag></filename>";
        let m: Media = quick_xml::de::from_str(xml).unwrap();
        assert_eq!(
            m.content.as_bytes(),
            &[
                0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0x4A, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00,
                0x00
            ][..]
        );
        assert_eq!(m.flag, Some(Present));
        let p = Picture::resolve(m.content.into_inner(), m.type_image.as_deref());
        assert_eq!(p.image_type, ImageType::Jpeg);
        assert_eq!(p.declared.as_deref(), Some("gif"));
        assert!(p.declared_mismatch());
    }

    #[cfg(feature = "serde")]
    #[test]
    fn bad_base64_is_a_decode_error() {
        let err = quick_xml::de::from_str::<Media>("<f content=\"@@@@\"/>").unwrap_err();
        assert!(err.to_string().contains("invalid base64"), "{err}");
        assert_eq!(Base64Binary::decode("QUJD").unwrap().as_bytes(), b"ABC");
        assert_eq!(Base64Binary::decode("QQ").unwrap().as_bytes(), b"A");
    }

    #[test]
    fn sniffing() {
        assert_eq!(
            ImageType::sniff(&[0xFF, 0xD8, 0xFF, 0xE1]),
            Some(ImageType::Jpeg)
        );
        assert_eq!(ImageType::sniff(b"GIF89a...."), Some(ImageType::Gif));
        assert_eq!(ImageType::sniff(b"GIF87a"), Some(ImageType::Gif));
        assert_eq!(ImageType::sniff(b"GIF88a"), None);
        assert_eq!(ImageType::sniff(b"BM\x00\x00"), Some(ImageType::Bmp));
        assert_eq!(
            ImageType::sniff(b"\x89PNG\r\n\x1a\n\0\0"),
            Some(ImageType::Png)
        );
        assert_eq!(ImageType::sniff(b""), None);
        assert_eq!(ImageType::sniff(b"%PDF-1.4"), None);
    }

    #[test]
    fn declared_types_and_mime() {
        assert_eq!(ImageType::from_declared("JPG"), ImageType::Jpeg);
        assert_eq!(ImageType::from_declared("jpeg"), ImageType::Jpeg);
        assert_eq!(ImageType::from_declared(" Gif "), ImageType::Gif);
        assert_eq!(ImageType::from_declared("bmp"), ImageType::Bmp);
        assert_eq!(ImageType::from_declared("PNG"), ImageType::Png);
        assert_eq!(
            ImageType::from_declared("tiff"),
            ImageType::Other("tiff".into())
        );
        assert_eq!(ImageType::Jpeg.mime(), "image/jpeg");
        assert_eq!(
            ImageType::Other("x".into()).mime(),
            "application/octet-stream"
        );
        let p = Picture::resolve(vec![1, 2, 3], Some("bmp"));
        assert_eq!(p.image_type, ImageType::Bmp);
        assert!(!p.declared_mismatch());
    }

    #[test]
    fn upload_content_type_is_sniffed() {
        let u = Upload::new(b"GIF89a\x01\x00".to_vec(), "p.jpg");
        assert_eq!(u.content_type(), "image/gif");
        assert_eq!(u.filename(), "p.jpg");
        assert_eq!(
            Upload::new(vec![0u8; 4], "x").content_type(),
            "application/octet-stream"
        );
    }

    #[test]
    fn consented() {
        assert_eq!(Consented::from_parts(Some(1), true), Consented::Granted(1));
        assert!(Consented::<u8>::from_parts(None, true).is_protected());
        assert_eq!(
            Consented::<u8>::from_parts(None, false),
            Consented::NotReturned
        );
        assert_eq!(Consented::Granted(3).granted(), Some(&3));
    }
}
