//! The IR: the spec after validation, with every reference resolved and every Rust name
//! decided. Emission reads only this.

/// The whole suite.
#[derive(Debug, Clone)]
pub struct Suite {
    /// What every API shares.
    pub common: Common,
    /// The APIs, sorted by id.
    pub apis: Vec<Api>,
}

/// What every API shares (`common.yaml`).
#[derive(Debug, Clone)]
pub struct Common {
    /// Suite name.
    pub suite: String,
    /// Description.
    pub doc: String,
    /// HTTPS required by the documents.
    pub https_required: bool,
    /// Name of the action parameter.
    pub action_param: String,
    /// Name of the token parameter.
    pub token_param: String,
    /// The user token's layout, when the sources describe one.
    pub token_layout: Option<TokenLayout>,
    /// How the credentials are sent.
    pub credentials_doc: String,
    /// General envelope element names.
    pub envelope: GeneralEnvelope,
    /// General error codes.
    pub errors: Vec<ErrorCode>,
    /// Consent URL facts.
    pub consent: ConsentUrl,
    /// Privacy families.
    pub families: Vec<Family>,
    /// General samples.
    pub samples: Vec<Sample>,
    /// Provenance ids.
    pub sources: Vec<Source>,
    /// Facts of papi's sandbox, when given.
    pub sandbox: Option<SandboxFacts>,
}

/// A provenance id.
#[derive(Debug, Clone)]
pub struct Source {
    /// Id.
    pub id: String,
    /// What kind of source it is.
    pub kind: SourceKind,
    /// File or address.
    pub location: String,
    /// What it is.
    pub doc: String,
}

/// Kinds of sources.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SourceKind {
    /// An Orange documentation page in the seeds.
    Document,
    /// An Orange documentation page recovered in the reference notes.
    Reference,
    /// Someone else's code or capture.
    ThirdParty,
    /// Our inference.
    Inferred,
}

impl SourceKind {
    /// Whether the source is Orange's own documentation.
    pub fn is_documentation(self) -> bool {
        matches!(self, SourceKind::Document | SourceKind::Reference)
    }
}

/// General envelope element names.
#[derive(Debug, Clone)]
pub struct GeneralEnvelope {
    /// Root.
    pub root: String,
    /// Code child.
    pub code: String,
    /// Detail child.
    pub detail: String,
    /// Consent URL child.
    pub url: String,
    /// Description.
    pub doc: String,
}

/// Facts of papi's sandbox (not of the API): the document it answers an action whose
/// answer no source gives with.
#[derive(Debug, Clone)]
pub struct SandboxFacts {
    /// Root element.
    pub root: String,
    /// Its namespace URI.
    pub namespace: String,
    /// Attribute naming the action.
    pub action_attribute: String,
    /// Text content.
    pub text: String,
    /// Description.
    pub doc: String,
}

/// The user token's layout.
#[derive(Debug, Clone)]
pub struct TokenLayout {
    /// What separates the fields.
    pub separator: String,
    /// The named fields, in order.
    pub fields: Vec<String>,
    /// The field read as the expiry instant (Unix seconds).
    pub expiry_field: String,
    /// Description.
    pub doc: String,
    /// Provenance.
    pub source: String,
}

/// Consent URL facts.
#[derive(Debug, Clone)]
pub struct ConsentUrl {
    /// Spellings of the family parameter.
    pub family_params: Vec<String>,
    /// Service id parameter.
    pub service_id: String,
    /// Attributes parameter.
    pub attributes: String,
    /// What the attribute list starts with (`,` in the documents' examples).
    pub attributes_lead: String,
    /// Return URL parameter.
    pub return_url: String,
    /// Production privacy page.
    pub production: String,
    /// Integration privacy page.
    pub integration: String,
    /// Other hosts the documents show consent URLs on, environment not stated.
    pub other_hosts: Vec<String>,
    /// Description.
    pub doc: String,
}

/// A privacy family.
#[derive(Debug, Clone)]
pub struct Family {
    /// Wire name.
    pub family: String,
    /// API id.
    pub api: String,
    /// Attributes.
    pub attributes: Vec<String>,
}

/// An error code.
#[derive(Debug, Clone)]
pub struct ErrorCode {
    /// Code.
    pub code: i64,
    /// Variant name (UpperCamelCase).
    pub variant: String,
    /// Name or status in the documents.
    pub wire: Option<String>,
    /// Message column, verbatim.
    pub message: Option<String>,
    /// Description.
    pub doc: String,
    /// Worth retrying.
    pub retryable: bool,
    /// Carries a consent URL.
    pub consent: bool,
    /// What it answers (see the spec schema), when declared.
    pub role: Option<String>,
    /// Provenance.
    pub source: String,
}

/// One API.
#[derive(Debug, Clone)]
pub struct Api {
    /// Id (file stem), e.g. `contacts`.
    pub id: String,
    /// Spec file, relative to the spec dir.
    pub file: String,
    /// Crate name, e.g. `papi-contacts`.
    pub crate_name: String,
    /// Title.
    pub title: String,
    /// Description.
    pub doc: String,
    /// Provenance.
    pub source: String,
    /// Path of the endpoint.
    pub path: String,
    /// Production endpoint.
    pub production: Endpoint,
    /// Integration endpoint.
    pub integration: Endpoint,
    /// Privacy family, or why it is unknown.
    pub privacy: Result<Family, String>,
    /// Envelope; `None` when only the general envelope is known.
    pub envelope: Option<Envelope>,
    /// Actions known to exist but not recovered: (description, source).
    pub undocumented_actions: Vec<(String, String)>,
    /// Facts deliberately left out.
    pub left_out: Vec<LeftOut>,
    /// SAML single sign-on facts (Authentication API).
    pub sso: Option<Sso>,
    /// Documentation defects.
    pub defects: Vec<String>,
    /// API-specific codes.
    pub errors: Vec<ErrorCode>,
    /// Enums.
    pub enums: Vec<Enum>,
    /// Types.
    pub types: Vec<Type>,
    /// Actions.
    pub actions: Vec<Action>,
    /// Samples.
    pub samples: Vec<Sample>,
}

/// A fact deliberately left out of the spec.
#[derive(Debug, Clone)]
pub struct LeftOut {
    /// The fact.
    pub fact: String,
    /// Why.
    pub reason: String,
    /// Provenance.
    pub source: String,
}

/// SAML single sign-on facts.
#[derive(Debug, Clone)]
pub struct Sso {
    /// Protocol.
    pub protocol: String,
    /// Attribute carrying the user token.
    pub token_attribute: String,
    /// Request binding URI.
    pub request_binding: String,
    /// Response binding URI.
    pub response_binding: String,
    /// Caveat on the response binding.
    pub response_binding_note: Option<String>,
    /// Whether the production IdP wants signed requests.
    pub want_authn_requests_signed: Option<bool>,
    /// Identity providers by environment.
    pub idps: Vec<Idp>,
    /// Observed token shape.
    pub token_shape: Option<String>,
    /// Provenance of the whole.
    pub source: String,
}

/// An identity provider.
#[derive(Debug, Clone)]
pub struct Idp {
    /// `production` or `integration`.
    pub environment: String,
    /// Entity id.
    pub entity_id: String,
    /// SSO URL.
    pub sso_url: String,
    /// SSO bindings.
    pub sso_bindings: Vec<String>,
    /// ManageNameID URL.
    pub manage_name_id_url: Option<String>,
    /// NameID formats.
    pub nameid_formats: Vec<String>,
    /// Certificate PEM, or why unknown.
    pub certificate: Result<String, String>,
    /// Provenance.
    pub source: String,
}

/// An endpoint URL or why it is unknown.
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// The URL, when known.
    pub url: Option<String>,
    /// Why it is unknown.
    pub unknown: Option<String>,
    /// Provenance.
    pub source: String,
}

/// An API-specific envelope.
#[derive(Debug, Clone)]
pub enum Envelope {
    /// `<root><error><code/><detail/></error></root>`.
    ReturnWrapper {
        /// Root element.
        root: String,
        /// Error child.
        error: String,
        /// Code child of error.
        code: String,
        /// Detail child of error.
        detail: String,
    },
    /// `<root>…<command><result/><error type subtype/></command>`.
    CommandResult {
        /// Root element.
        root: String,
        /// Path from root to command.
        command_path: Vec<String>,
        /// Result child.
        result: String,
        /// Error child.
        error: String,
        /// Code attribute.
        code_attr: String,
        /// Subtype attribute.
        subtype_attr: String,
    },
}

impl Envelope {
    /// The root element of every answer.
    pub fn root(&self) -> &str {
        match self {
            Envelope::ReturnWrapper { root, .. } | Envelope::CommandResult { root, .. } => root,
        }
    }
}

impl Api {
    /// Whether this API is generated as a client crate (the SAML API is not: its crate is
    /// hand-written around generated identity-provider facts).
    pub fn is_client(&self) -> bool {
        self.sso.is_none()
    }
}

/// An enum.
#[derive(Debug, Clone)]
pub struct Enum {
    /// Type name.
    pub name: String,
    /// Description.
    pub doc: String,
    /// Values.
    pub values: Vec<EnumValue>,
    /// Provenance.
    pub source: String,
}

/// An enum value.
#[derive(Debug, Clone)]
pub struct EnumValue {
    /// Wire value.
    pub wire: String,
    /// Variant name.
    pub variant: String,
    /// Description.
    pub doc: String,
}

/// A response shape.
#[derive(Debug, Clone)]
pub struct Type {
    /// Type name.
    pub name: String,
    /// Description.
    pub doc: String,
    /// Consent split containers.
    pub split: Option<ConsentSplit>,
    /// Fields.
    pub fields: Vec<Field>,
    /// Provenance.
    pub source: String,
}

/// Consent split containers.
#[derive(Debug, Clone)]
pub struct ConsentSplit {
    /// Granted container element.
    pub granted: String,
    /// Protected container element.
    pub protected: String,
    /// Caveat.
    pub note: Option<String>,
}

/// A field.
#[derive(Debug, Clone)]
pub struct Field {
    /// Wire name.
    pub wire: String,
    /// Rust name (snake case, may be a keyword).
    pub rust: String,
    /// Type.
    pub ty: FieldTy,
    /// XML attribute.
    pub attribute: bool,
    /// May be absent.
    pub optional: bool,
    /// Repeated.
    pub repeated: bool,
    /// In the consent split containers.
    pub consented: bool,
    /// Other accepted spellings.
    pub aliases: Vec<String>,
    /// Description.
    pub doc: String,
    /// Provenance, when it differs from the type's.
    pub source: Option<String>,
    /// The text is an XML document of its own (only on optional string fields).
    pub embedded: Option<Embedded>,
}

/// An XML document carried as a field's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Embedded {
    /// Root element.
    pub root: String,
    /// Declared type of the root element.
    pub ty: String,
}

/// Field types.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldTy {
    /// Text.
    String,
    /// Signed integer.
    Integer,
    /// `true`/`false`.
    Bool,
    /// ISO 8601 date.
    Date,
    /// Base64 bytes.
    Base64,
    /// Element whose content is ignored.
    Empty,
    /// Declared enum.
    Enum(String),
    /// Declared type.
    Struct(String),
}

/// HTTP method of an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Query-string GET.
    Get,
    /// multipart/form-data POST.
    MultipartPost,
}

/// Whether an action reads or writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// Reads user data; safe to repeat.
    Read,
    /// Writes user data; never repeated automatically.
    Write,
}

/// An action.
#[derive(Debug, Clone)]
pub struct Action {
    /// Wire name.
    pub wire: String,
    /// Method name (snake case).
    pub rust: String,
    /// Method.
    pub method: Method,
    /// Effect.
    pub effect: Effect,
    /// Privacy attribute.
    pub privacy_attribute: Option<String>,
    /// Provenance of the privacy attribute when it differs from the action's.
    pub privacy_source: Option<String>,
    /// Description.
    pub doc: String,
    /// Provenance.
    pub source: String,
    /// Parameters.
    pub params: Vec<Param>,
    /// At-least-one-of groups (wire names).
    pub groups: Vec<Vec<String>>,
    /// The answer.
    pub response: Response,
    /// Documentation defects.
    pub defects: Vec<String>,
    /// Endpoints of this action when they differ from the API's.
    pub endpoint: Option<ActionEndpoint>,
}

/// Endpoints of an action served elsewhere than its API (an older version).
#[derive(Debug, Clone)]
pub struct ActionEndpoint {
    /// Path under a base URL.
    pub path: String,
    /// Production endpoint.
    pub production: Endpoint,
    /// Integration endpoint.
    pub integration: Endpoint,
}

/// Longest first sentence of an action's doc, which is its summary (OpenAPI `summary`).
pub const MAX_SUMMARY: usize = 160;

/// The first sentence of `doc`, on one line: the text up to the first `.` that ends it or
/// is followed by a space and a capital letter (so `e.g. this` does not end it); `None`
/// when `doc` has no such sentence within [`MAX_SUMMARY`] characters.
pub fn first_sentence(doc: &str) -> Option<String> {
    let text = doc.split_whitespace().collect::<Vec<_>>().join(" ");
    let end = text.char_indices().find_map(|(i, c)| {
        let rest = &text[i + c.len_utf8()..];
        let ends = c == '.'
            && (rest.is_empty()
                || rest
                    .strip_prefix(' ')
                    .and_then(|r| r.chars().next())
                    .is_some_and(char::is_uppercase));
        ends.then_some(i + 1)
    })?;
    (text[..end].chars().count() <= MAX_SUMMARY).then(|| text[..end].to_owned())
}

/// The first `` `name()` `` of `doc`: a method call of one programming language, which a
/// doc shared by every generated output must not name.
pub fn method_call_in(doc: &str) -> Option<&str> {
    doc.split('`').skip(1).step_by(2).find(|code| {
        code.strip_suffix("()").is_some_and(|name| {
            !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_alphanumeric() || c == '_' || c == '.' || c == ':')
        })
    })
}

impl Action {
    /// The action's summary: the first sentence of its doc (the validator requires one).
    pub fn summary(&self) -> String {
        first_sentence(&self.doc).unwrap_or_else(|| self.doc.clone())
    }

    /// Whether the action takes an input struct (it has optional parameters).
    pub fn has_input(&self) -> bool {
        self.params.iter().any(|p| !p.required)
    }
}

/// A parameter.
#[derive(Debug, Clone)]
pub struct Param {
    /// Wire name.
    pub wire: String,
    /// Rust name.
    pub rust: String,
    /// Type.
    pub ty: ParamTy,
    /// Comma-separated list.
    pub list: bool,
    /// Mandatory.
    pub required: bool,
    /// Forbidden characters.
    pub forbid_chars: Vec<char>,
    /// Quote values with spaces.
    pub quote_if_complex: bool,
    /// Allowed pairs with another enum param: (other wire, [(other value, this value)]).
    pub pairs: Option<(String, Vec<(String, String)>)>,
    /// Accepted image formats (runtime `ImageType` variant names).
    pub accepted_formats: Vec<String>,
    /// The sources do not say whether it is mandatory.
    pub mandatory_unknown: bool,
    /// Provenance, when it differs from the action's.
    pub source: Option<String>,
    /// Description.
    pub doc: String,
}

/// Parameter types.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParamTy {
    /// Text.
    String,
    /// Integer.
    Integer,
    /// ISO 8601 date.
    Date,
    /// Uploaded file.
    File,
    /// Declared enum.
    Enum(String),
}

/// The answer of an action.
#[derive(Debug, Clone)]
pub struct Response {
    /// Path from the envelope root.
    pub path: Vec<String>,
    /// Type name; `None` when the answer's shape is unknown.
    pub ty: Option<String>,
    /// Why the shape is unknown.
    pub unknown: Option<String>,
    /// Picture accessor: Rust field paths of content and declared type.
    pub picture: Option<PictureAccess>,
    /// A shape inferred from other evidence (only with `unknown`).
    pub inferred: Option<InferredResponse>,
}

/// An answer shape inferred from evidence other than the API's documentation: a document
/// rooted at `root`, decoded as `ty` when an answer has that shape.
#[derive(Debug, Clone)]
pub struct InferredResponse {
    /// Root element.
    pub root: String,
    /// Declared type of the root element.
    pub ty: String,
    /// Provenance.
    pub source: String,
    /// The inference and its reasoning.
    pub doc: String,
}

/// Where the picture lives in a response type.
#[derive(Debug, Clone)]
pub struct PictureAccess {
    /// Field path to the base64 content.
    pub content: Vec<String>,
    /// Field path to the declared type (last field is an optional or required string).
    pub declared_type: Vec<String>,
    /// Whether the declared type field is optional.
    pub declared_optional: bool,
}

/// A documented sample.
#[derive(Debug, Clone)]
pub struct Sample {
    /// Path relative to the spec dir.
    pub file: String,
    /// What it is.
    pub kind: SampleKind,
    /// HTTP status.
    pub status: u16,
    /// Provenance.
    pub source: String,
    /// Description.
    pub doc: String,
    /// Defects.
    pub defects: Vec<String>,
    /// Corrected copy.
    pub corrected: Option<String>,
    /// A template with placeholders.
    pub template: bool,
    /// The text of the copy answers are made from (the corrected copy when there is one),
    /// as read from the spec directory: generated code embeds it, so that no crate reads a
    /// file outside its own folder (a published crate has none). Empty when the file is
    /// missing, which is a spec error.
    pub served: String,
}

/// Sample kinds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SampleKind {
    /// The answer of an action (wire name).
    Response(String),
    /// An error document, answering an action when known.
    Error(Option<String>),
    /// A standalone element of a declared type.
    Fragment(String),
}

impl Sample {
    /// Whether the verbatim copy is expected to decode.
    pub fn is_broken(&self) -> bool {
        self.corrected.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_sentence_ends_at_a_period_before_a_capital_or_the_end() {
        let s = |t: &str| first_sentence(t);
        assert_eq!(s("Get it. Then more."), Some("Get it.".into()));
        assert_eq!(
            s("Add one (e.g. a phone) to the\n  list. More."),
            Some("Add one (e.g. a phone) to the list.".into())
        );
        assert_eq!(s("Read `a.b` values."), Some("Read `a.b` values.".into()));
        assert_eq!(s("No period"), None);
        assert_eq!(s(&format!("{}.", "a".repeat(MAX_SUMMARY))), None);
        assert_eq!(method_call_in("Call `picture()` on it."), Some("picture()"));
        assert_eq!(method_call_in("See `Type::of()`."), Some("Type::of()"));
        assert_eq!(method_call_in("The `action` and `()` and `a b()`."), None);
    }
}
