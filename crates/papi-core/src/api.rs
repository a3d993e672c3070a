//! Static descriptors of an API, emitted by the code generator.
//!
//! The runtime knows no API: every wire name it needs reaches it through these values.

/// Everything the runtime needs to know about one API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiDescriptor {
    /// Human name, e.g. `"Personal Contacts API"`.
    pub name: &'static str,
    /// Path of the API under a base URL, e.g. `"/PersonalContacts/V1"`; used for
    /// [`Environment::Custom`](crate::Environment::Custom) bases.
    pub path: &'static str,
    /// Documented production endpoint (full URL); `None` when undocumented.
    pub production: Option<&'static str>,
    /// Documented integration endpoint (full URL); `None` when undocumented.
    pub integration: Option<&'static str>,
    /// How this API reports its own errors; `None` when undocumented (only the general
    /// `<error>` document is then recognised).
    pub envelope: Option<Envelope>,
}

/// The shape of an API's own error documents (besides the general `<error>` document).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Envelope {
    /// `<root><error><code>n</code><detail>…</detail></error></root>` on failure.
    ReturnWrapper {
        /// Root element of every answer, e.g. `getPersonalMessagesReturn`.
        root: &'static str,
        /// Child of the root present only on failure, e.g. `error`.
        error: &'static str,
        /// Child of the error element holding the numeric code.
        code: &'static str,
        /// Child of the error element holding the message.
        detail: &'static str,
    },
    /// `<root><p1><p2(command)><result>n</result><error subtype=".." type="..">msg</error>…`;
    /// an error document may also be rooted directly at the command element.
    CommandResult {
        /// Root element of every answer, e.g. `xpage`.
        root: &'static str,
        /// Path from the root to the command element, e.g. `["command-list", "command"]`.
        command_path: &'static [&'static str],
        /// Child of the command holding the result code (`0` = success).
        result: &'static str,
        /// Child of the command present on failure, holding the message.
        error: &'static str,
        /// Attribute of the error element holding the API's error code (`type`).
        code_attr: &'static str,
        /// Attribute of the error element holding the internal subtype.
        subtype_attr: &'static str,
    },
}

/// Wire names of the general error document shared by all APIs:
/// `<error><code>-n</code><detail>…</detail>[<url>…</url>]</error>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GeneralEnvelope {
    /// Root element of a general error document.
    pub root: &'static str,
    /// Child holding the numeric code.
    pub code: &'static str,
    /// Child holding the message.
    pub detail: &'static str,
    /// Child holding the consent URL (only with a privacy error).
    pub url: &'static str,
}

/// What an action does to the user's data, as the spec marks it (`effect: read | write`).
///
/// Only reads are ever retried automatically (see [`RetryPolicy`](crate::RetryPolicy)): a
/// write that failed may still have been applied, and sending it again could add the same
/// contact or picture twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Effect {
    /// The action only reads: sending it again changes nothing.
    Read,
    /// The action adds or changes data (every `add*` action, every upload).
    Write,
}

/// Wire names of the consent URL's query parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConsentUrlParams {
    /// Spellings of the privacy family parameter (the documentation uses more than one).
    pub family: &'static [&'static str],
    /// The service id parameter.
    pub service_id: &'static str,
    /// The attributes parameter (a comma-separated list, often with a leading comma).
    pub attributes: &'static str,
    /// What the attribute list starts with in the documented consent URLs (`,` in
    /// `attributes=,see`); a server writing such URLs puts it first.
    pub attributes_lead: &'static str,
    /// The return URL parameter appended by the service.
    pub return_url: &'static str,
}

/// How a user token's fields are laid out (generated from the spec into
/// [`crate::general::TOKEN_LAYOUT`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenLayout {
    /// What separates the fields.
    pub separator: &'static str,
    /// The named fields, in order (`name=value`).
    pub fields: &'static [&'static str],
    /// The field read as the expiry instant, in Unix seconds.
    pub expiry_field: &'static str,
}
