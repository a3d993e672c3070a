//! The raw spec: the YAML files of `api-spec/` as written by maintainers, with the source
//! position of every value a validation error may need to point at.
//!
//! This is the only module that knows the YAML library (`serde-saphyr`; ARCHITECTURE.md says why).

use std::path::{Path, PathBuf};

use serde::Deserialize;
pub use serde_saphyr::Spanned;

pub use crate::error::Pos;
use crate::error::{SpecError, SpecErrors};

/// The position of a spanned value.
pub fn pos<T>(s: &Spanned<T>) -> Pos {
    Pos {
        line: s.referenced.line(),
        column: s.referenced.column(),
    }
}

/// `api-spec/common.yaml`: what every API of the suite shares.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCommon {
    /// Name of the suite.
    pub suite: String,
    /// Description (becomes rustdoc of papi-core's generated module).
    pub doc: String,
    /// Where facts come from: ids used by `source:` fields everywhere.
    pub sources: Vec<RawSource>,
    /// Transport facts: HTTPS, Basic credentials, reserved parameter names.
    pub transport: RawTransport,
    /// The general error envelope `<error><code/><detail/><url/></error>`.
    pub general_envelope: RawGeneralEnvelope,
    /// General error codes -1..-10.
    pub general_errors: Vec<RawErrorCode>,
    /// The consent (privacy) redirect URL.
    pub consent_url: RawConsentUrl,
    /// How the user token's fields are laid out, as third-party clients read it.
    #[serde(default)]
    pub token_layout: Option<RawTokenLayout>,
    /// Privacy families and their attributes.
    pub privacy_families: Vec<RawFamily>,
    /// The API-specific envelopes an API file may name.
    pub envelopes: Vec<RawEnvelope>,
    /// Samples of the general envelope.
    #[serde(default)]
    pub samples: Vec<RawSample>,
    /// Facts of papi's sandbox (not of the API).
    #[serde(default)]
    pub sandbox: Option<RawSandboxFacts>,
}

/// Facts of papi's own sandbox: not of the API, and said so wherever they are used.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSandboxFacts {
    /// Description.
    pub doc: String,
    /// What the sandbox answers to an action whose answer no source gives.
    pub unknown_answer: RawUnknownAnswer,
}

/// The sandbox's document standing for an answer no source gives.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawUnknownAnswer {
    /// Root element (in `namespace`).
    pub root: Spanned<String>,
    /// Namespace URI of the root, marking it as the sandbox's.
    pub namespace: Spanned<String>,
    /// Attribute of the root naming the action.
    pub action_attribute: Spanned<String>,
    /// Text content of the root.
    pub text: String,
    /// Description.
    pub doc: String,
}

/// The user token's layout: fields `name=value` between separators.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTokenLayout {
    /// What separates the fields (`|`).
    pub separator: Spanned<String>,
    /// The named fields, in order (`sau`, `ted`).
    pub fields: Vec<Spanned<String>>,
    /// The field read as the expiry instant, in Unix seconds.
    pub expiry_field: Spanned<String>,
    /// Description.
    pub doc: String,
    /// Provenance id.
    pub source: Spanned<String>,
}

/// A provenance id.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSource {
    /// Short id, e.g. `seed-003`.
    pub id: Spanned<String>,
    /// `document` (an Orange page in the seeds), `reference` (an Orange page recovered in
    /// the reference notes), `third_party` (someone else's code or capture) or `inferred`.
    pub kind: Spanned<String>,
    /// File or address.
    pub location: String,
    /// What it is.
    pub doc: String,
}

/// Transport facts.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTransport {
    /// Services must use HTTPS.
    pub https_required: bool,
    /// Name of the query parameter selecting the action.
    pub action_param: String,
    /// Name of the query parameter carrying the user token.
    pub token_param: String,
    /// Service credentials.
    pub service_credentials: RawCredentials,
    /// Description.
    pub doc: String,
}

/// How the service authenticates itself.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCredentials {
    /// Only `basic` is known.
    pub scheme: Spanned<String>,
    /// The documents' name of the id.
    pub id_name: String,
    /// The documents' name of the password.
    pub password_name: String,
    /// Provenance id.
    pub source: Spanned<String>,
    /// Description.
    pub doc: String,
}

/// The general error envelope.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawGeneralEnvelope {
    /// Root element.
    pub root: String,
    /// Code element.
    pub code: String,
    /// Detail element.
    pub detail: String,
    /// Consent URL element (present with -3).
    pub url: String,
    /// Description.
    pub doc: String,
}

/// One error code (general or API-specific).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawErrorCode {
    /// Numeric code.
    pub code: Spanned<i64>,
    /// Rust variant name (snake case; the generator derives the casing).
    pub name: Spanned<String>,
    /// The name or status the documents give (e.g. `InvalidTokenException`).
    #[serde(default)]
    pub wire: Option<String>,
    /// The message column of the documents, verbatim.
    #[serde(default)]
    pub message: Option<String>,
    /// What to do about it (our words).
    pub doc: String,
    /// Worth retrying (internal errors).
    #[serde(default)]
    pub retryable: bool,
    /// The envelope carries a consent URL (-3).
    #[serde(default)]
    pub consent: bool,
    /// What the code answers, for servers that speak the protocol: `invalid_token`,
    /// `invalid_request`, `invalid_credentials` (general), `unknown_action`,
    /// `missing_parameter`, `invalid_parameter` (API-specific).
    #[serde(default)]
    pub role: Option<Spanned<String>>,
    /// Provenance id.
    pub source: Spanned<String>,
}

/// A host the documents show a consent URL on.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConsentHost {
    /// The host name.
    pub host: Spanned<String>,
    /// Where the documents show it.
    pub doc: String,
    /// Provenance id.
    pub source: Spanned<String>,
}

/// Consent URL facts.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConsentUrl {
    /// Spellings of the family parameter (the docs use two).
    pub family_params: Vec<String>,
    /// Service id parameter.
    pub service_id_param: String,
    /// Attribute list parameter.
    pub attributes_param: String,
    /// What the attribute list starts with in the documented consent URLs (`,` in
    /// `attributes=,see`); empty when nothing.
    #[serde(default)]
    pub attributes_lead: String,
    /// Return URL parameter appended by the service.
    pub return_url_param: String,
    /// Privacy page of production.
    pub production: String,
    /// Privacy page of integration.
    pub integration: String,
    /// Other hosts the documents show consent URLs on (environment not stated).
    #[serde(default)]
    pub other_hosts: Vec<RawConsentHost>,
    /// Description.
    pub doc: String,
    /// Provenance id.
    pub source: Spanned<String>,
}

/// A privacy family.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFamily {
    /// Family name on the wire.
    pub family: Spanned<String>,
    /// The API (file stem) it protects.
    pub api: String,
    /// Attribute names on the wire.
    pub attributes: Vec<String>,
    /// Provenance id.
    pub source: Spanned<String>,
}

/// An API-specific error envelope.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEnvelope {
    /// Name API files refer to.
    pub name: Spanned<String>,
    /// `return_wrapper` or `command_result`.
    pub kind: Spanned<String>,
    /// Root element of every answer.
    pub root: Option<String>,
    /// Error child (`error`).
    pub error: String,
    /// return_wrapper: code element.
    #[serde(default)]
    pub code: Option<String>,
    /// return_wrapper: detail element.
    #[serde(default)]
    pub detail: Option<String>,
    /// command_result: path from the root to the command element.
    #[serde(default)]
    pub command_path: Vec<String>,
    /// command_result: result element.
    #[serde(default)]
    pub result: Option<String>,
    /// command_result: attribute of `error` holding the code.
    #[serde(default)]
    pub code_attr: Option<String>,
    /// command_result: attribute of `error` holding the subtype.
    #[serde(default)]
    pub subtype_attr: Option<String>,
    /// Description.
    pub doc: String,
    /// Provenance id.
    pub source: Spanned<String>,
}

/// One API file (`api-spec/<api>.yaml`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawApi {
    /// File stem and id, e.g. `contacts`.
    pub api: Spanned<String>,
    /// Crate name, e.g. `papi-contacts`.
    #[serde(rename = "crate")]
    pub crate_name: Spanned<String>,
    /// Title, e.g. `Personal Contacts API`.
    pub title: String,
    /// Description.
    pub doc: String,
    /// Provenance id.
    pub source: Spanned<String>,
    /// Endpoints.
    pub endpoints: RawEndpoints,
    /// Privacy family.
    pub privacy: RawPrivacy,
    /// Envelope name (from common.yaml); absent when the API's own error format is unknown
    /// (only the general envelope is then recognised).
    #[serde(default)]
    pub envelope: Option<Spanned<String>>,
    /// Actions the sources say exist but whose wire form is not recovered.
    #[serde(default)]
    pub undocumented_actions: Vec<RawUndocumentedAction>,
    /// Facts of the sources deliberately not in the spec, with the reason.
    #[serde(default)]
    pub left_out: Vec<RawLeftOut>,
    /// SAML single sign-on facts (the Authentication API).
    #[serde(default)]
    pub sso: Option<RawSso>,
    /// Documentation defects recorded at API level.
    #[serde(default)]
    pub defects: Vec<String>,
    /// API-specific error codes.
    #[serde(default)]
    pub errors: Vec<RawErrorCode>,
    /// Enumerations.
    #[serde(default)]
    pub enums: Vec<RawEnum>,
    /// Response shapes.
    #[serde(default)]
    pub types: Vec<RawType>,
    /// Actions.
    pub actions: Vec<RawAction>,
    /// Documented samples.
    #[serde(default)]
    pub samples: Vec<RawSample>,
}

/// An action known to exist but not recovered.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawUndocumentedAction {
    /// What it does, as far as known.
    pub doc: String,
    /// Provenance id.
    pub source: Spanned<String>,
}

/// A fact deliberately left out of the spec.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLeftOut {
    /// The fact.
    pub fact: String,
    /// Why it is not in the spec.
    pub reason: String,
    /// Provenance id.
    pub source: Spanned<String>,
}

/// SAML single sign-on facts.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSso {
    /// Protocol name.
    pub protocol: String,
    /// Provenance id.
    pub source: Spanned<String>,
    /// SAML attribute carrying the user token.
    pub token_attribute: RawSourced<String>,
    /// Binding of the authentication request.
    pub request_binding: RawBinding,
    /// Binding of the answer.
    pub response_binding: RawBinding,
    /// Whether the IdP wants signed requests.
    #[serde(default)]
    pub want_authn_requests_signed: Option<RawSourced<bool>>,
    /// Identity providers.
    pub idp: Vec<RawIdp>,
    /// Observed token shape.
    #[serde(default)]
    pub token_shape: Option<RawDocSourced>,
}

/// A value with its provenance.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSourced<T> {
    /// The value (named `name` or `value` in the file).
    #[serde(alias = "name")]
    pub value: T,
    /// Provenance id.
    pub source: Spanned<String>,
    /// Caveat.
    #[serde(default)]
    pub note: Option<String>,
}

/// A binding URI with its provenance.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBinding {
    /// Binding URI.
    pub uri: String,
    /// Provenance id.
    pub source: Spanned<String>,
    /// Caveat.
    #[serde(default)]
    pub note: Option<String>,
}

/// A description with its provenance.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDocSourced {
    /// Description.
    pub doc: String,
    /// Provenance id.
    pub source: Spanned<String>,
}

/// An identity provider of one environment.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawIdp {
    /// `production` or `integration`.
    pub environment: Spanned<String>,
    /// SAML entity id.
    pub entity_id: String,
    /// Single sign-on service URL.
    pub sso_url: String,
    /// Bindings the SSO service accepts.
    #[serde(default)]
    pub sso_bindings: Vec<String>,
    /// ManageNameID service URL.
    #[serde(default)]
    pub manage_name_id_url: Option<String>,
    /// NameID formats.
    #[serde(default)]
    pub nameid_formats: Vec<String>,
    /// Signing certificate (PEM) or why it is unknown.
    pub certificate: RawCertificate,
    /// Provenance id.
    pub source: Spanned<String>,
}

/// A certificate or why it is unknown.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCertificate {
    /// PEM text.
    #[serde(default)]
    pub pem: Option<String>,
    /// Why it is unknown.
    #[serde(default)]
    pub unknown: Option<String>,
    /// Provenance id.
    pub source: Spanned<String>,
}

/// Endpoints of an API.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEndpoints {
    /// Path of the production endpoint (`/PersonalContacts/V1`), also used under a custom base URL.
    pub path: Spanned<String>,
    /// Production endpoint.
    pub production: RawEndpoint,
    /// Integration endpoint.
    pub integration: RawEndpoint,
}

/// An endpoint: a URL with its source, or unknown with the reason.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEndpoint {
    /// The URL.
    #[serde(default)]
    pub url: Option<Spanned<String>>,
    /// Why it is unknown.
    #[serde(default)]
    pub unknown: Option<String>,
    /// Provenance id.
    pub source: Spanned<String>,
}

/// Privacy of an API.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPrivacy {
    /// Family name (must be declared in common.yaml).
    #[serde(default)]
    pub family: Option<Spanned<String>>,
    /// Why it is unknown.
    #[serde(default)]
    pub unknown: Option<String>,
}

/// An enumeration.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEnum {
    /// Rust type name (UpperCamelCase).
    pub name: Spanned<String>,
    /// Description.
    pub doc: String,
    /// Values.
    pub values: Spanned<Vec<RawEnumValue>>,
    /// Provenance id.
    pub source: Spanned<String>,
}

/// An enumeration value.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEnumValue {
    /// Value on the wire.
    pub wire: Spanned<String>,
    /// Rust variant name (snake case).
    pub name: Spanned<String>,
    /// Description.
    pub doc: String,
}

/// A response shape (an XML element).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawType {
    /// Rust type name (UpperCamelCase).
    pub name: Spanned<String>,
    /// Description.
    pub doc: String,
    /// Children split into granted / protected containers.
    #[serde(default)]
    pub consent_split: Option<RawConsentSplit>,
    /// Fields.
    pub fields: Vec<RawField>,
    /// Provenance id.
    pub source: Spanned<String>,
}

/// Containers of a consent split.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConsentSplit {
    /// Element holding granted values.
    pub granted: String,
    /// Element listing protected (withheld) attributes.
    pub protected: String,
    /// How sure the documents are.
    #[serde(default)]
    pub note: Option<String>,
}

/// A field of a response shape.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawField {
    /// Element or attribute name on the wire (`$text` for the text content).
    pub wire: Spanned<String>,
    /// Rust field name; derived from `wire` when absent.
    #[serde(default)]
    pub name: Option<Spanned<String>>,
    /// Type: string, integer, bool, date, base64, empty, or a declared enum or type.
    #[serde(rename = "type")]
    pub ty: Spanned<String>,
    /// An XML attribute rather than a child element.
    #[serde(default)]
    pub attribute: bool,
    /// May be absent.
    #[serde(default)]
    pub optional: bool,
    /// Repeated element.
    #[serde(default)]
    pub repeated: bool,
    /// Inside the consent split containers.
    #[serde(default)]
    pub consented: bool,
    /// Other spellings accepted on decode.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Description.
    pub doc: String,
    /// Provenance id when it differs from the type's.
    #[serde(default)]
    pub source: Option<Spanned<String>>,
    /// The (string) field's text is an XML document of its own, of a declared type.
    #[serde(default)]
    pub embedded: Option<RawEmbedded>,
}

/// An XML document carried as the text of a field (in CDATA or escaped).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEmbedded {
    /// The embedded document's root element.
    pub root: Spanned<String>,
    /// Declared type of that root element.
    #[serde(rename = "type")]
    pub ty: Spanned<String>,
}

/// An action.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAction {
    /// Wire name (`findcontactlist`).
    pub wire: Spanned<String>,
    /// Rust method name (`find_contact_list`).
    pub name: Spanned<String>,
    /// `get` or `multipart_post`.
    pub method: Spanned<String>,
    /// Privacy attribute of the API's family, or unknown.
    #[serde(default)]
    pub privacy_attribute: Option<Spanned<String>>,
    /// Provenance of the privacy attribute when it differs from the action's (the documents
    /// list a family's attributes without mapping them to actions).
    #[serde(default)]
    pub privacy_source: Option<Spanned<String>>,
    /// Reads (`read`) or writes (`write`) user data.
    pub effect: Spanned<String>,
    /// Description.
    pub doc: String,
    /// Provenance id.
    pub source: Spanned<String>,
    /// Parameters (besides action and token).
    #[serde(default)]
    pub params: Vec<RawParam>,
    /// Groups of which at least one must be given.
    #[serde(default)]
    pub at_least_one_of: Vec<Spanned<Vec<String>>>,
    /// The answer.
    pub response: RawResponse,
    /// Documentation defects of this action.
    #[serde(default)]
    pub defects: Vec<String>,
    /// Endpoints of this action when they differ from the API's (an older version).
    #[serde(default)]
    pub endpoint: Option<RawEndpoints>,
}

/// A parameter.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawParam {
    /// Wire name.
    pub wire: Spanned<String>,
    /// Rust name; derived from wire when absent.
    #[serde(default)]
    pub name: Option<Spanned<String>>,
    /// string, integer, date, file, or a declared enum.
    #[serde(rename = "type")]
    pub ty: Spanned<String>,
    /// Comma-separated list of `type` values.
    #[serde(default)]
    pub list: bool,
    /// Mandatory.
    #[serde(default)]
    pub required: bool,
    /// Characters the documents forbid.
    #[serde(default)]
    pub forbid_chars: Vec<char>,
    /// Values with spaces are sent between double quotes.
    #[serde(default)]
    pub quote_if_complex: bool,
    /// Only some values of this enum go with each value of another enum parameter.
    #[serde(default)]
    pub pairs_with: Option<RawPairs>,
    /// The sources do not say whether it is mandatory (generated as optional, with a note).
    #[serde(default)]
    pub mandatory_unknown: bool,
    /// Provenance id, when it differs from the action's.
    #[serde(default)]
    pub source: Option<Spanned<String>>,
    /// File formats accepted (type file): jpeg, gif, bmp.
    #[serde(default)]
    pub accepted_formats: Vec<String>,
    /// Description.
    pub doc: String,
}

/// Allowed value pairs between two enum parameters.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPairs {
    /// The other parameter (wire name).
    pub param: Spanned<String>,
    /// For each wire value of the other parameter, the allowed wire values of this one.
    pub allowed: Vec<RawPairRow>,
}

/// One row of allowed pairs.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPairRow {
    /// Value of the other parameter.
    pub when: Spanned<String>,
    /// Values of this parameter.
    pub allow: Vec<Spanned<String>>,
}

/// The successful answer of an action.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawResponse {
    /// Element path from the envelope root to the element decoded as `type`.
    #[serde(default)]
    pub path: Vec<String>,
    /// Declared type.
    #[serde(rename = "type", default)]
    pub ty: Option<Spanned<String>>,
    /// Why the answer's shape is unknown (instead of `path` and `type`).
    #[serde(default)]
    pub unknown: Option<String>,
    /// The answer carries a base64 picture: field paths of the content and declared type.
    #[serde(default)]
    pub picture: Option<RawPicture>,
    /// With `unknown`: a shape inferred from other evidence, decoded when an answer has it.
    #[serde(default)]
    pub inferred: Option<RawInferred>,
}

/// An answer shape inferred from evidence other than the API's documentation.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawInferred {
    /// The document's root element.
    pub root: Spanned<String>,
    /// Declared type of the root element.
    #[serde(rename = "type")]
    pub ty: Spanned<String>,
    /// Provenance id of the evidence.
    pub source: Spanned<String>,
    /// The inference and its reasoning.
    pub doc: String,
}

/// Where a picture lives in a response type.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPicture {
    /// Rust field path of the base64 content (e.g. `[filename, content]`).
    pub content: Spanned<Vec<String>>,
    /// Rust field path of the declared image type.
    pub declared_type: Spanned<Vec<String>>,
}

/// A documented sample.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSample {
    /// Path relative to `api-spec/`.
    pub file: Spanned<String>,
    /// `response` (of `action`), `error` (an error document) or `fragment` (of `type`).
    pub kind: Spanned<String>,
    /// Action (wire name) for `response` and `error`.
    #[serde(default)]
    pub action: Option<Spanned<String>>,
    /// Type for `fragment`.
    #[serde(rename = "type", default)]
    pub ty: Option<Spanned<String>>,
    /// HTTP status it came with, when known (default 200).
    #[serde(default)]
    pub status: Option<u16>,
    /// Where in the documents it is printed.
    pub source: Spanned<String>,
    /// Description.
    pub doc: String,
    /// Defects of the printed sample.
    #[serde(default)]
    pub defects: Vec<String>,
    /// Corrected copy (path relative to `api-spec/`), when the printed one is broken.
    #[serde(default)]
    pub corrected: Option<Spanned<String>>,
    /// A template with placeholders rather than a real answer.
    #[serde(default)]
    pub template: bool,
}

/// A loaded file: its path (for messages) and content.
#[derive(Debug)]
pub struct Loaded<T> {
    /// Path as given to the loader (relative to the spec dir).
    pub file: PathBuf,
    /// Parsed content.
    pub value: T,
}

/// Largest spec file accepted: the biggest one is under 20 KiB.
pub const MAX_SPEC_FILE_BYTES: usize = 1024 * 1024;

/// Budgets against hostile documents, far above what the spec needs (its files are under
/// 20 KiB, nest under 10 levels and use no anchor) and far below what could hang or
/// exhaust the generator: one document, 32 levels, 100 000 nodes, 4 MiB of scalars, 64
/// anchors and aliases each, 10 000 replayed alias events; duplicate keys, merge keys (`<<`)
/// and unknown tags refused. The strict schema (`deny_unknown_fields`, typed fields) adds its
/// own guard: a structure where a string is expected fails at its first event, before any
/// nested alias is expanded.
fn options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        with_snippet: false,
        duplicate_keys: serde_saphyr::options::DuplicateKeyPolicy::Error,
        merge_keys: serde_saphyr::options::MergeKeyPolicy::Error,
        reject_unsupported_tags: true,
        budget: serde_saphyr::budget! {
            max_reader_input_bytes: Some(MAX_SPEC_FILE_BYTES),
            max_documents: 1,
            max_depth: 32,
            flow_nesting_limit: 32,
            max_events: 400_000,
            max_nodes: 100_000,
            max_total_scalar_bytes: 4 * 1024 * 1024,
            max_aliases: 64,
            max_anchors: 64,
            max_merge_keys: 64,
            max_recorded_anchor_events: 10_000,
            max_recorded_anchor_bytes: 1024 * 1024,
        },
        alias_limits: serde_saphyr::alias_limits! {
            max_total_replayed_events: 10_000,
            max_replay_stack_depth: 8,
        },
    }
}

/// Parse one YAML document, mapping the parser's error to a located [`SpecError`].
///
/// A file over [`MAX_SPEC_FILE_BYTES`] is refused before parsing (at line 1, column 1);
/// anything beyond the budgets of the parser is refused where it happens.
pub fn parse<T: for<'de> Deserialize<'de>>(file: &Path, text: &str) -> Result<T, SpecErrors> {
    if text.len() > MAX_SPEC_FILE_BYTES {
        return Err(SpecErrors(vec![SpecError {
            file: file.to_path_buf(),
            pos: Pos { line: 1, column: 1 },
            message: format!(
                "the file is {} bytes, more than the {MAX_SPEC_FILE_BYTES}-byte limit of a spec file",
                text.len()
            ),
            fix: "split the API into smaller files or remove what is not a fact of the API".into(),
        }]));
    }
    serde_saphyr::from_str_with_options::<T>(text, options()).map_err(|e| {
        let loc = e.location();
        let (line, column) = loc.map(|l| (l.line(), l.column())).unwrap_or((0, 0));
        let mut message = e.to_string();
        // The library's message may repeat the position; keep ours only.
        if let Some(idx) = message.find(" at line ") {
            message.truncate(idx);
        }
        SpecErrors(vec![SpecError {
            file: file.to_path_buf(),
            pos: Pos { line, column },
            message: format!("invalid YAML for the spec schema: {message}"),
            fix: "check the key names and value types against api-spec/README.md".into(),
        }])
    })
}
