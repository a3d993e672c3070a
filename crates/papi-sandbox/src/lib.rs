//! papi-sandbox: a local server that speaks the Orange Personal APIs, driven by the same
//! spec as the clients.
//!
//! Every route, action, error code, envelope, privacy family and seed answer comes from
//! [`generated`] (rewritten by `cargo xtask codegen`) and from the generated client
//! crates' descriptors, operations, types and `encode` modules: each call's parameters
//! are read and checked by its action's operation, as the clients check them, and this
//! hand-written code spells no wire name of the API.
//!
//! ```
//! use papi_sandbox::{AutoConsent, Sandbox, SandboxConfig};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
//! // Every privacy family counts as granted: for tests that are not about consent
//! // (by default a call without consent answers -3, and the user answers the consent page).
//! let config = SandboxConfig { auto_consent: AutoConsent::All, ..SandboxConfig::default() };
//! let sandbox = Sandbox::new(config);
//! let running = sandbox.bind(([127, 0, 0, 1], 0).into()).await?;
//! // A token for a test user (the SAML sign-in gives the same).
//! let token = sandbox.issue_token("alice").ok_or("a configured user")?;
//! let config = papi_core::Config::custom(running.base_url().as_str(), sandbox.service_credentials())?;
//! let contacts = papi_contacts::Client::new(&config)?;
//! // The seed data holds the documented sample's contacts.
//! let page = contacts.find_contact_list(&token, "Orange").await?;
//! assert_eq!(page.contacts.map_or(0, |l| l.entries.len()), 2);
//! running.shutdown().await;
//! # Ok(())
//! # }
//! ```
//!
//! # Routes
//!
//! - Every API path (`ApiDescriptor::path`, and the own path of an action served elsewhere,
//!   such as the older endpoint of Messages' PNS action), both at the root and under each
//!   prefix of the documented endpoints (the integration environment's). `GET` with the
//!   query, or, for an upload action, `POST` with a `multipart/form-data` (or
//!   form-urlencoded) body; another method answers 405 with `Allow: GET` (`GET, POST`
//!   where an upload action is served). Any other path answers 404.
//! - `GET` on the path of the documented privacy page: the consent page; `POST
//!   /privacy/decision`: the user's decision (see *Privacy*).
//! - Every HTML page is answered with `X-Frame-Options: DENY`, `X-Content-Type-Options:
//!   nosniff` and a `Content-Security-Policy` that loads nothing, runs no script but the
//!   answer page's own (by its hash) and forbids frames (`frame-ancestors 'none'`).
//! - `POST /sandbox/login` (form `login`, `password`): `200 text/plain` with a fresh user
//!   token, `401` otherwise. A developer shortcut that skips the SAML sign-in.
//! - `GET /saml/sso` and `POST /saml/login`: the SAML identity provider (see *Signing in
//!   with SAML*).
//!
//! # Signing in with SAML
//!
//! The sandbox is an identity provider of the Authentication API, for
//! [`papi_auth::ServiceProvider`] or any SAML 2.0 service provider that uses the
//! HTTP-Redirect binding for its request and accepts HTTP-POST-SimpleSign answers:
//!
//! - Entity id `{base}saml/idp`, single sign-on URL `{base}saml/sso`, where `{base}` is
//!   [`RunningSandbox::base_url`]; [`RunningSandbox::identity_provider`] gives both with the
//!   signing certificate, ready for [`papi_auth::ServiceProvider::new`].
//! - **The signing key** (RSA 2048 bits, with a self-signed certificate made at each start,
//!   [`Sandbox::idp_certificate_pem`]) is kept in [`SandboxConfig::idp_key`] when given,
//!   else in [`SandboxConfig::db`] when there is one, else generated at each start; so
//!   services trusting it (from `GET /saml/metadata`) keep trusting it across restarts.
//!   Nothing secret is stored in the repository.
//! - `GET /saml/sso?SAMLRequest=…&RelayState=…`: the `AuthnRequest`, DEFLATE-compressed and
//!   base64-encoded (HTTP-Redirect binding). The sandbox takes its `ID`, its `Issuer` (the
//!   service's entity id) and its `AssertionConsumerServiceURL`, which must be an absolute
//!   http(s) URL on this machine's loopback (`127.0.0.0/8`, `[::1]`, `localhost`, any
//!   port) or on one of [`SandboxConfig::allowed_acs_origins`] (`papi sandbox
//!   --allowed-acs-origin`): the sandbox keeps no service metadata, and would otherwise
//!   post a user's token wherever a crafted request names. A `ProtocolBinding` other than
//!   HTTP-POST-SimpleSign, a consumer URL elsewhere, a missing
//!   value, a `RelayState` over 80 bytes, a document that is not a SAML 2.0 `AuthnRequest`
//!   or is over the size limits (16 KiB encoded, 64 KiB inflated) answers an HTML page
//!   saying why, with **HTTP 400**. Otherwise: the login page (login and password of a
//!   [`TestUser`]: by default `alice` / `alice-pw` and `bob` / `bob-pw`). The request waits
//!   server-side (15 minutes, under a random id in the form), so the page carries nothing
//!   that could be tampered with. Anyone can start a sign-in, so they are bounded per
//!   client address (the peer's; an IPv6 /64 counts as one): 32 waiting at most per
//!   address (its oldest goes first), 1,024 in all (when full, the oldest of the address
//!   holding the most goes), so a flood from one address never pushes out another's. The
//!   request's signature (`SigAlg`, `Signature`), the `NameIDPolicy` and
//!   `ForceAuthn`/`IsPassive` are ignored.
//! - `POST /saml/login` (form fields `pending`, `login`, `password`): a wrong login or
//!   password shows the login page again with **HTTP 401**; the fifth wrong one cancels
//!   the sign-in (a page saying so, HTTP 401; the next try gets HTTP 400); an unknown,
//!   expired or already answered sign-in gives **HTTP 400**. The right ones open the
//!   user's browser session (see *Privacy*) and issue a user token exactly like
//!   [`Sandbox::issue_token`] (random 256 bits, valid [`SandboxConfig::token_lifetime`])
//!   and answer a page whose form posts itself (a button for browsers without JavaScript)
//!   to the assertion consumer URL with `SAMLResponse`, `RelayState` (when given),
//!   `SigAlg` (rsa-sha256) and `Signature` (HTTP-POST-SimpleSign, over the octets of
//!   [`papi_auth::signed_octets`]).
//! - The `Response` (status success, `InResponseTo` and `Destination` set) holds one
//!   assertion: the identity provider as `Issuer`; a persistent `NameID`, opaque and the
//!   same for a login at every start; a bearer confirmation for the consumer URL; conditions
//!   valid for 5 minutes with the requesting service as audience; an authentication
//!   statement whose `SessionNotOnOrAfter` is when the token expires; and the token in the
//!   attribute [`papi_auth::idp::TOKEN_ATTRIBUTE`].
//! - Single logout, the ManageNameID service, artifact and plain HTTP-POST answers,
//!   encrypted assertions and IdP-initiated sign-in are not served.
//!
//! # Checks, in order
//!
//! 1. HTTP Basic service credentials. Missing or wrong: the general
//!    [`INVALID_CREDENTIALS`](generated::INVALID_CREDENTIALS) document with **HTTP 401**
//!    (and a `WWW-Authenticate` header).
//! 2. The user token (issued by [`Sandbox::issue_token`], `/sandbox/login` or the SAML
//!    sign-in): unknown or expired gives the general
//!    [`INVALID_TOKEN`](generated::INVALID_TOKEN) document.
//! 3. The action: missing, or not served at this path, gives the API's `unknown_action`
//!    answer. An action sent with another method than its own (a GET action by `POST`, an
//!    upload by `GET`) answers **HTTP 405** with `Allow` naming its method.
//! 4. The parameters, read by the action's operation (`from_wire`, the same reader and
//!    checks as the clients and `papi call`): missing mandatory parameters and unmet
//!    at-least-one-of groups give `missing_parameter`; anything else refused (values
//!    outside an enumeration, dates other than `YYYY-MM-DD`, forbidden characters,
//!    disallowed pairs, uploads that are not a JPEG, GIF or BMP file sniffed from the
//!    bytes, a parameter given twice) gives `invalid_parameter`. Each answer is in the
//!    envelope the table names, with the clients' wording of the refusal as its detail
//!    (echoed values cut short). A blank value counts as absent; names the action does not
//!    know are ignored. A mandatory file that is absent altogether is a missing
//!    parameter; one sent empty, as a text field, or in another format is invalid.
//! 5. Privacy consent (below).
//!
//! Every error document is answered with **HTTP 500** (the only status the sources show is
//! a 500 for the privacy error), except the credentials error (401). Successful answers
//! are HTTP 200 `text/xml`.
//!
//! # Privacy
//!
//! Consent is kept per (user, service, family, attribute). An action with a documented
//! privacy attribute needs that attribute (or the whole family) granted; an action without
//! one needs the whole family. **The families of RichProfile and Profile are undocumented:
//! the sandbox uses the API's spec id ([`Api::id`](generated::Api::id)) as a sandbox-only
//! family name. The real servers' family for these APIs is unknown; do not rely on this name.**
//!
//! Without consent the call answers the general
//! [`PRIVACY_DENIED`](generated::PRIVACY_DENIED) document carrying the URL of the
//! sandbox's consent page (the documented page's path on the sandbox's own host, with the
//! documented family, service id and attributes parameters, plus a sandbox-only `consent`
//! id). That page offers *grant once*, *grant permanently* and *refuse*, then redirects
//! (303) to the service's return URL (`urlRetour`), or shows what was decided when there
//! is none.
//!
//! Only the consent's own user decides it; the service's credentials and the consent id
//! are never enough (**HTTP 403**):
//!
//! - **In the browser**, the user's session: signing in at the identity provider (or on
//!   the consent page itself) sets the cookie `papi_sandbox_session` (a random 256-bit id
//!   of a session kept server-side for one hour; `HttpOnly`, `SameSite=Lax`, `Path=/`).
//!   In the consent's user's session the page's form carries the session's random form
//!   token (`csrf`), which the decision must send back; a decision whose `Origin` (or,
//!   without one, `Referer`) is not the sandbox's own host is refused. Without a session,
//!   or in another user's, the page asks for the consent's user's login and password in
//!   the same form, which also opens their session. Cookies are not kept apart by port:
//!   another program on the sandbox's host name receives the cookie too.
//! - **For scripts** (tests, CI), the same form with the user's own `login` and
//!   `password` fields instead of a session: [`decision_form`] builds it. A wrong password
//!   answers **HTTP 401**, another user's **HTTP 403**.
//!
//! The return URL must be an http(s) URL on loopback or on one of the service's web sites,
//! [`SandboxConfig::site_origins`] (`papi sandbox --site-origin`); another one gets an
//! error page (**HTTP 400**), on the consent page and on the decision, never a redirect,
//! and nothing is decided. A *once* grant is
//! consumed by exactly one call, even under concurrency (it is consumed by the privacy
//! check, so even a call that then fails uses it up). A refusal makes the Messages and
//! RichProfile answers come back with the refused items protected (their answer types
//! split granted and protected items); the other APIs answer the privacy error again.
//!
//! # Data (per user)
//!
//! - Contacts: seeded from the documented answers of
//!   [`ContactsFindContactList`](generated::ActionId::ContactsFindContactList) (its entries)
//!   and [`ContactsGetContact`](generated::ActionId::ContactsGetContact) (its contact, given
//!   a fresh id if its id is already taken), which also gets the picture of the documented
//!   [`ContactsGetPicture`](generated::ActionId::ContactsGetPicture) answer. Added contacts
//!   get fresh ids; searches match a case-insensitive prefix of the first name, the last
//!   name, or "first last" (double quotes removed). Parameters of
//!   [`ContactsAddContact`](generated::ActionId::ContactsAddContact) are all returned by
//!   [`ContactsGetContact`](generated::ActionId::ContactsGetContact) (nickname, job
//!   function and department in the fields the spec infers for them); the personal e-mail
//!   becomes an e-mail device. An unknown contact id answers
//!   `invalid_parameter` (the spec's "data not found" code has no such role in the table).
//!   So do a contact's device beyond [`SandboxConfig::max_devices_per_contact`] (100) and a
//!   value of `adddevice` or `addcontact` longer than [`SandboxConfig::max_value_bytes`]
//!   (1,024 bytes): sandbox limits (the API documents none) that keep any one contact, and
//!   every write of it, small.
//! - Messages: the counts the documented sample grants; the others are **sandbox data**:
//!   3 e-mails, 1 unread SMS, and an empty list of last unread e-mails.
//! - RichProfile: first name, last name and display name from the [`TestUser`] (the first
//!   word of the display name, the rest, the whole); every other item is not returned.
//! - [`CalendarAddEvent`](generated::ActionId::CalendarAddEvent) stores the event and
//!   answers HTTP 200 with the sandbox's own note ([`generated::unknown_answer`]: a
//!   well-formed `unknownAnswer` document in the sandbox's namespace, a fact of the sandbox
//!   named in `api-spec/common.yaml`, not of the API): no source gives the answer.
//!   [`Sandbox::event_count`] tells how many a user has (the API cannot read them back).
//! - [`MessagesGetPns`](generated::ActionId::MessagesGetPns) answers in the shape inferred
//!   from Orange's own captures (`getPNSReturn`, see the spec): every count above, whatever
//!   `infos` asks (the captures hold them all), and the e-mail overview as an embedded
//!   document.
//!
//! # Persistence
//!
//! By default everything is in memory and lost when the sandbox is dropped. With
//! [`SandboxConfig::db`] set, open the sandbox with [`Sandbox::open`]: the data is kept in
//! that SQLite file (created if absent; WAL mode, `synchronous = FULL`, schema version in
//! `PRAGMA user_version`) and comes back at the next start:
//!
//! - Stored: contacts with all their fields and devices (fields an older sandbox kept beside
//!   a contact are moved into it when read); pictures (bytes, and the sniffed type); calendar events (parameters as
//!   received); consent decisions (permanent, refused, and one-call grants, consumed in a
//!   transaction before the call proceeds); issued tokens with their expiry (as SHA-256
//!   hashes: the file holds no usable token; indexed by hash and by expiry, so issuing a
//!   token deletes the expired ones without reading the others); and each user's next id,
//!   so ids are never given twice across restarts.
//! - Every change is written to the file before it is answered (and before it is made in
//!   memory, which stays the read path); a change the file refuses answers HTTP 500 with a
//!   plain-text reason and is not made. Calls run on tokio's blocking threads.
//! - The seed data is stored when a user is first seen (a new file, or a login added to
//!   [`SandboxConfig::users`]); a restart never adds the seeds again. The mailbox and the
//!   RichProfile values are not stored: they are always the seed and [`TestUser`] data.
//! - Not stored: consent requests still waiting for an answer on the consent page, SAML
//!   sign-ins in progress and browser sessions. The identity provider's signing key is
//!   stored (unless [`SandboxConfig::idp_key`] keeps it in a file); its certificate is made
//!   anew at each start.
//! - [`Sandbox::open`] fails with a [`SandboxError`] naming the file when it cannot be
//!   opened or written, is not a SQLite database or is corrupt, belongs to another program
//!   or a newer sandbox, or holds data that cannot be read back.
//!
//! ## Shared by several processes: PostgreSQL
//!
//! With [`SandboxConfig::postgres`] (feature `postgres`; `papi sandbox --db
//! postgres://…`), the data is kept in a PostgreSQL database (tables in the schema
//! `papi_sandbox`, created in a database that has none, under an advisory lock so that
//! processes starting at once create it once), on tokio-postgres with a pool of 16
//! connections per process. Every sandbox process given the same database behaves as one
//! sandbox, so a team can run several behind a load balancer, or share one between CI
//! runners:
//!
//! - The same data is stored as with SQLite, and the seed data once, by whichever process
//!   gets there first.
//! - Each process keeps a copy of each user's data; a read first asks for the user's
//!   version (one query) and reads only the rows written since its copy. A change locks
//!   the user's row, catches up, works out the change (ids included: they are unique
//!   across processes), writes it and commits before it is answered.
//! - A token issued by one process is accepted by every other; consent decisions and
//!   consent requests waiting for the user are in the database (a request made through
//!   one process is answered on another's consent page); a one-call grant goes to exactly
//!   one call, whichever process it reaches.
//! - The identity provider's signing key is the first process's: every process signs with
//!   it and publishes it in its metadata.
//! - Behind a load balancer, give every process its URL
//!   ([`SandboxConfig::public_url`]): consent URLs and the identity provider's endpoints
//!   are written with it.
//! - Browser sessions (by the SHA-256 of their ids) and SAML sign-ins in progress (with
//!   their attempt counts and per-client bounds) are shared too: a load balancer needs no
//!   sticky sessions; the login page of one process is answered by another, and a user who
//!   signed in through one is signed in on every consent page.
//! - A database that fails answers HTTP 500 (logged), never data from before; a database
//!   that cannot be reached, or holds another program's schema `papi_sandbox` or a newer
//!   sandbox's, makes [`Sandbox::open`] fail with [`SandboxError::Postgres`]. The URL's
//!   password never appears in messages ([`PostgresUrl`]). The connection is not
//!   encrypted (no TLS): use the database on loopback or a private network.
//!
//! # Connections
//!
//! [`Sandbox::bind`] serves HTTP/1.1 (hyper), within limits that keep a flood of
//! connections from denying service:
//!
//! - A client has [`SandboxConfig::header_read_timeout`] (10 s) to send a whole request
//!   head, from when its connection is ready for one (accepted, or its previous answer
//!   sent); a connection that sends nothing, or trickles its head, is closed then.
//! - A kept-alive connection is closed [`SandboxConfig::idle_timeout`] (5 s) after an
//!   answer when no new request came.
//! - At most [`SandboxConfig::max_connections`] (512) connections are served at once. A
//!   new connection beyond it closes the connection idle the longest (no request being
//!   answered on it); when every connection is answering a request, the new one is closed
//!   at once. When the process runs out of file descriptors, the connection idle the
//!   longest is closed too. The accept loop never waits for room.
//! - [`RunningSandbox::shutdown`] closes the idle connections at once and lets the
//!   answers in progress finish.
//!
//! # Logging
//!
//! Each request is logged with `tracing` at INFO (target `papi_sandbox`): method, path,
//! query with the token, any password and the consent id (it names a user's pending
//! consent request) shown as `***`, action, status and duration. The `Authorization`
//! header, cookies (the browser session) and request bodies (login and consent forms, the
//! form token) are never logged, nor are the SAML answers, which carry the token.

#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

// The layers, each importing only the ones below it (checked by `tests/tests/tidy.rs`;
// see ARCHITECTURE.md): `util` and `generated`, then `domain`, `store`, `service`, then
// `api` and `idp`, then `web`; this file on top, and `user_agent`, a client of it.
mod api;
mod domain;
/// Routes, actions, the reading of each call by its operation, and seed data, generated
/// from `api-spec/`.
#[rustfmt::skip]
pub mod generated;
mod idp;
mod service;
mod store;
pub mod user_agent;
mod util;
mod web;

pub use domain::consent::{AutoConsent, ConsentChoice};
pub use domain::faults::{Fault, FaultRule, Faults, MAX_LATENCY};
pub use domain::origin::parse_origin;
pub use domain::user::TestUser;
/// A fresh PostgreSQL database per test (`PAPI_TEST_POSTGRES`), for this workspace's tests;
/// not part of the API.
#[cfg(feature = "postgres")]
#[doc(hidden)]
pub use store::postgres::testing as postgres_testing;
pub use store::postgres_url::{PostgresUrl, PostgresUrlError};
pub use store::SandboxError;
pub use web::consent::decision_form;

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use url::Url;

use crate::api::endpoint::endpoints;
use crate::domain::faults::FaultInjector;
use crate::domain::limits::ContactLimits;
use crate::domain::origin::Origins;
use crate::domain::seeds::Seeds;
use crate::idp::provider::{self, Idp};
use crate::idp::signing::{generate_pem, key_file, Signing};
use crate::service::state::{Service, Settings};
use crate::store::memory::MemoryStore;
use crate::store::sqlite::SqliteStore;
use crate::store::{read_user, Store};
use crate::web::app::App;
use crate::web::serve::Limits;

/// What a sandbox serves: the service it accepts and its users.
#[derive(Clone)]
pub struct SandboxConfig {
    /// The accepted service id (HTTP Basic user name).
    pub service_id: String,
    /// The accepted service password (HTTP Basic password).
    pub service_password: String,
    /// The users who can get a token.
    pub users: Vec<TestUser>,
    /// How long an issued token stays valid.
    pub token_lifetime: Duration,
    /// The SQLite file that keeps the data across restarts (created if absent; see
    /// *Persistence* in the crate documentation); `None` (the default): in memory only.
    /// Open such a sandbox with [`Sandbox::open`].
    pub db: Option<PathBuf>,
    /// A PostgreSQL database that keeps the data (its tables in the schema `papi_sandbox`,
    /// created in a database that has none), shared by every sandbox process given it:
    /// they behave as one sandbox (see *Persistence* in the crate documentation). Needs the
    /// crate's `postgres` feature (`papi sandbox` has it); `None` (the default): see
    /// [`SandboxConfig::db`]. Setting both is refused ([`SandboxError::TwoDatabases`]).
    /// Open such a sandbox with [`Sandbox::open`].
    pub postgres: Option<PostgresUrl>,
    /// The URL the sandbox is reached at from outside, when a load balancer or a proxy
    /// stands in front of it (`https://sandbox.example/`): consent URLs, the identity
    /// provider's entity id, sign-in URL and metadata are written with it, so that a
    /// browser sent there reaches the sandbox through the same front. `None` (the default):
    /// the address [`Sandbox::bind`] listens on. An `http` or `https` URL with the path
    /// `/` and no user, query or fragment; another is refused by [`Sandbox::open`]
    /// ([`SandboxError::PublicUrl`]). `papi sandbox --public-url`.
    ///
    /// With it, a consent decision must come from a page of that origin (the `Host` a
    /// proxy forwards is not trusted), and over `https` the session cookie is `Secure`.
    /// Behind a proxy every browser comes from the proxy's address, which the sandbox does
    /// not look past (`X-Forwarded-For` is not read): the bound on SAML sign-ins in
    /// progress per client address (32) is then shared by all the users signing in at
    /// once.
    pub public_url: Option<Url>,
    /// Origins (`scheme://host[:port]`) the identity provider may post its signed answers
    /// to, besides this machine's loopback (`127.0.0.0/8`, `[::1]`, `localhost`, any port),
    /// which is always allowed. Empty (the default): loopback only. A sign-in request
    /// whose assertion consumer URL is elsewhere gets an error page (HTTP 400): a crafted
    /// request could otherwise send a test user's token anywhere. `papi sandbox
    /// --allowed-acs-origin`. Entries that are not origins are ignored (logged).
    pub allowed_acs_origins: Vec<String>,
    /// The service's web sites (`scheme://host[:port]`): where the consent page may send
    /// the user back to (`urlRetour`), besides loopback, which is always allowed. Empty
    /// (the default): loopback only. Another return URL gets an error page, never a
    /// redirect. `papi sandbox --site-origin`. Entries that are not origins are ignored
    /// (logged).
    pub site_origins: Vec<String>,
    /// Devices one contact holds at most (`adddevice` beyond it answers
    /// `invalid_parameter`). Default 100.
    pub max_devices_per_contact: usize,
    /// Bytes one value of a contact holds at most: a device's value, and each text
    /// parameter of `addcontact` (longer answers `invalid_parameter`). Default 1,024.
    pub max_value_bytes: usize,
    /// Privacy families whose calls count as already granted, for tests that are not about
    /// consent; [`AutoConsent::Off`] (the default): every call needs the user's consent.
    /// A family no action belongs to is refused by [`Sandbox::open`]
    /// ([`SandboxError::UnknownFamily`]).
    pub auto_consent: AutoConsent,
    /// A file keeping the identity provider's signing key (PKCS#8 PEM; created, readable by
    /// its owner only, when absent), so that services keep trusting it across restarts.
    /// `None` (the default): the key is kept in [`SandboxConfig::db`] when there is one,
    /// else generated at each start.
    pub idp_key: Option<PathBuf>,
    /// Faults and latency injected on purpose ([`Faults`]; none by default), checked
    /// against the spec's tables by [`Sandbox::open`] ([`SandboxError::Faults`]).
    pub faults: Faults,
    /// How long a client has to send a whole request head, from when its connection is
    /// ready for one: when accepted, and after each answer. A connection that sends
    /// nothing, or its head too slowly (slowloris), is closed then. Default 10 s.
    pub header_read_timeout: Duration,
    /// How long a kept-alive connection stays open after an answer without a new request
    /// (whose head must also arrive within [`SandboxConfig::header_read_timeout`]).
    /// Default 5 s.
    pub idle_timeout: Duration,
    /// Most connections served at once (at least one). A new connection beyond it closes
    /// the connection idle the longest; when every connection is answering a request, the
    /// new one is closed at once. Keep it below the process's limit of open files. Default
    /// 512.
    pub max_connections: usize,
}

impl Default for SandboxConfig {
    /// Service `sandbox-service` / `sandbox-secret`; users `alice` / `alice-pw` and `bob` /
    /// `bob-pw`; tokens valid for one hour; sign-in answers and consent return URLs on
    /// loopback only; at most 100 devices per contact and 1,024 bytes per value; request
    /// heads within 10 s, kept-alive connections idle for 5 s at most, 512 connections at
    /// most.
    fn default() -> Self {
        Self {
            service_id: "sandbox-service".to_owned(),
            service_password: "sandbox-secret".to_owned(),
            users: vec![
                TestUser {
                    login: "alice".to_owned(),
                    password: "alice-pw".to_owned(),
                    display_name: "Alice Martin".to_owned(),
                },
                TestUser {
                    login: "bob".to_owned(),
                    password: "bob-pw".to_owned(),
                    display_name: "Bob Durand".to_owned(),
                },
            ],
            token_lifetime: Duration::from_secs(3600),
            db: None,
            postgres: None,
            public_url: None,
            allowed_acs_origins: Vec::new(),
            site_origins: Vec::new(),
            max_devices_per_contact: 100,
            max_value_bytes: 1024,
            auto_consent: AutoConsent::Off,
            idp_key: None,
            faults: Faults::default(),
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(5),
            max_connections: 512,
        }
    }
}

impl fmt::Debug for SandboxConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SandboxConfig")
            .field("service_id", &self.service_id)
            .field("service_password", &format_args!("***"))
            .field("users", &self.users)
            .field("token_lifetime", &self.token_lifetime)
            .field("db", &self.db)
            .field("postgres", &self.postgres)
            .field(
                "public_url",
                &self.public_url.as_ref().map(without_credentials),
            )
            .field("allowed_acs_origins", &self.allowed_acs_origins)
            .field("site_origins", &self.site_origins)
            .field("max_devices_per_contact", &self.max_devices_per_contact)
            .field("max_value_bytes", &self.max_value_bytes)
            .field("auto_consent", &self.auto_consent)
            .field("idp_key", &self.idp_key)
            .field("faults", &self.faults)
            .field("header_read_timeout", &self.header_read_timeout)
            .field("idle_timeout", &self.idle_timeout)
            .field("max_connections", &self.max_connections)
            .finish()
    }
}

/// A sandbox: its configuration and in-memory state. Cheap to clone (shared state).
#[derive(Clone)]
pub struct Sandbox {
    config: Arc<SandboxConfig>,
    app: Arc<App>,
}

impl fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sandbox")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Sandbox {
    /// A sandbox with fresh data in memory: every user gets the seed data. Also generates
    /// the SAML identity provider's RSA signing key (2048 bits) and its self-signed
    /// certificate.
    ///
    /// For [`SandboxConfig::db`] use [`Sandbox::open`], which reports a database that
    /// cannot be used. Given a `db`, `new` does what `open` does, but if that fails it logs
    /// the error (at ERROR level) and falls back to memory: [`Sandbox::db_path`] then
    /// answers `None`. It never panics.
    pub fn new(mut config: SandboxConfig) -> Self {
        if let Some(family) = config.auto_consent.unknown_family() {
            tracing::error!(
                target: "papi_sandbox",
                family,
                "Sandbox::new: no action belongs to this auto-consent family; consent stays required (use Sandbox::open to handle this)"
            );
            config.auto_consent = AutoConsent::Off;
        }
        if let Some(Err(reason)) = config.public_url.as_ref().map(check_public_url) {
            tracing::error!(
                target: "papi_sandbox",
                reason,
                "Sandbox::new: the public URL is refused; the bound address is used (use Sandbox::open to handle this)"
            );
            config.public_url = None;
        }
        if let Err(e) = config.faults.check() {
            tracing::error!(
                target: "papi_sandbox",
                error = %e,
                "Sandbox::new: the faults are refused; none is injected (use Sandbox::open to handle this)"
            );
            config.faults = Faults::default();
        }
        if config.db.is_some() || config.postgres.is_some() {
            match Self::open(config.clone()) {
                Ok(sandbox) => return sandbox,
                Err(e) => tracing::error!(
                    target: "papi_sandbox",
                    error = %e,
                    "Sandbox::new: the database cannot be used; the data stays in memory (use Sandbox::open to handle this)"
                ),
            }
        }
        let seeds = Seeds::load();
        let store = MemoryStore::seeded(logins(&config), &seeds);
        let signing = signing(&config, &store);
        Self::assemble(config, seeds, Box::new(store), signing)
    }

    /// A sandbox whose data is kept in [`SandboxConfig::db`] (see *Persistence* in the
    /// crate documentation): a new file is created with the seed data; an existing one
    /// gives back its contacts, pictures, events, consent decisions and unexpired tokens.
    /// Without a `db`, the same as [`Sandbox::new`].
    ///
    /// Fails when the file cannot be opened or created, is not writable, is not a SQLite
    /// database (or is corrupt), belongs to another program or a newer sandbox, or holds
    /// data that cannot be read back.
    pub fn open(config: SandboxConfig) -> Result<Self, SandboxError> {
        config
            .faults
            .check()
            .map_err(|message| SandboxError::Faults { message })?;
        if let Some(url) = &config.public_url {
            check_public_url(url).map_err(|reason| SandboxError::PublicUrl {
                url: without_credentials(url),
                reason,
            })?;
        }
        if let Some(family) = config.auto_consent.unknown_family() {
            return Err(SandboxError::UnknownFamily {
                family: family.to_owned(),
                known: AutoConsent::families().join(", "),
            });
        }
        let seeds = Seeds::load();
        let store: Box<dyn Store> = match (&config.db, &config.postgres) {
            (None, None) => return Ok(Self::new(config)),
            (Some(path), Some(url)) => {
                return Err(SandboxError::TwoDatabases {
                    path: path.clone(),
                    url: url.to_string(),
                })
            }
            (Some(path), None) => Box::new(SqliteStore::open(path, logins(&config), &seeds)?),
            (None, Some(url)) => open_postgres(url, logins(&config), &seeds)?,
        };
        let signing = signing(&config, store.as_ref());
        if let (Err(cause), Some(key)) = (&signing, &config.idp_key) {
            return Err(SandboxError::IdpKey {
                path: key.clone(),
                cause: cause.clone(),
            });
        }
        Ok(Self::assemble(config, seeds, store, signing))
    }

    /// The sandbox of `config`, its data in `store`, its identity provider signing with
    /// `signing`.
    fn assemble(
        config: SandboxConfig,
        seeds: Seeds,
        store: Box<dyn Store>,
        signing: Result<Signing, String>,
    ) -> Self {
        let settings = Settings {
            service_id: config.service_id.clone(),
            service_password: config.service_password.clone(),
            users: config.users.clone(),
            token_lifetime: config.token_lifetime,
            site_origins: Origins::from_config(&config.site_origins, "site_origins"),
            contact_limits: ContactLimits {
                max_devices: config.max_devices_per_contact,
                max_value_bytes: config.max_value_bytes,
            },
            auto_consent: config.auto_consent.clone(),
            public_origin: config.public_url.clone(),
        };
        let app = App {
            service: Arc::new(Service::new(
                settings,
                seeds,
                store,
                FaultInjector::new(config.faults.clone()),
            )),
            idp: Idp::new(
                signing,
                Origins::from_config(&config.allowed_acs_origins, "allowed_acs_origins"),
            ),
            endpoints: endpoints(),
        };
        // Served through `Sandbox::router` too, the URLs it gives out name the public URL.
        if let Some(public) = &config.public_url {
            app.service.set_bound_base(public.clone());
        }
        Self {
            config: Arc::new(config),
            app: Arc::new(app),
        }
    }

    /// The database file the data is kept in; `None` when it is in memory only, or in
    /// PostgreSQL ([`Sandbox::postgres`]).
    pub fn db_path(&self) -> Option<&Path> {
        self.app.service.store().path()
    }

    /// The PostgreSQL database the data is kept in; `None` when it is in a file
    /// ([`Sandbox::db_path`]) or in memory.
    pub fn postgres(&self) -> Option<&PostgresUrl> {
        self.app
            .service
            .store()
            .in_postgres()
            .then_some(self.config.postgres.as_ref())
            .flatten()
    }

    /// How many calendar events the user `login` has stored; `None` for an unknown user,
    /// or when the store cannot be read (logged at ERROR level). For tests and tooling:
    /// the API has no action that reads events back.
    pub fn event_count(&self, login: &str) -> Option<usize> {
        read_user(self.app.service.store(), login, |d| d.events.len()).unwrap_or_else(|e| {
            tracing::error!(target: "papi_sandbox", error = %e, "cannot count the user's events");
            None
        })
    }

    /// The HTTP routes of the sandbox (see the crate documentation), with request logging.
    /// Serve it with `into_make_service_with_connect_info::<SocketAddr>()`, as
    /// [`Sandbox::bind`] does: without the peers' addresses, every client counts as one
    /// for the bounds on sign-ins in progress.
    pub fn router(&self) -> axum::Router {
        web::router::router(Arc::clone(&self.app))
    }

    /// Serves [`Sandbox::router`] on `addr` (`127.0.0.1:0` picks a free port) until
    /// [`RunningSandbox::shutdown`] is called or the [`RunningSandbox`] is dropped, over
    /// HTTP/1.1 within the configured limits ([`SandboxConfig::header_read_timeout`],
    /// [`SandboxConfig::idle_timeout`], [`SandboxConfig::max_connections`]).
    pub async fn bind(&self, addr: SocketAddr) -> std::io::Result<RunningSandbox> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let local = listener.local_addr()?;
        let base_url = Url::parse(&format!("http://{local}/"))
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
        let public_url = self
            .config
            .public_url
            .clone()
            .unwrap_or_else(|| base_url.clone());
        self.app.service.set_bound_base(public_url.clone());
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(serve_router(listener, self.router(), &self.config, stopped));
        Ok(RunningSandbox {
            sandbox: self.clone(),
            base_url,
            public_url,
            stop: Some(stop),
            task,
        })
    }

    /// A fresh token for the user `login` (random, 256 bits), valid for the configured
    /// lifetime; `None` for an unknown user (or if the system's random source fails).
    pub fn issue_token(&self, login: &str) -> Option<papi_core::UserToken> {
        self.app.service.issue_token(login)
    }

    /// The identity provider's signing certificate (self-signed, PEM), made when the sandbox
    /// was, for its key (kept or generated: [`SandboxConfig::idp_key`]); `None` if there is
    /// no usable key (the error is logged).
    ///
    /// [`RunningSandbox::identity_provider`] already trusts it; this is for other SAML
    /// service providers.
    pub fn idp_certificate_pem(&self) -> Option<String> {
        self.app
            .idp
            .signing
            .as_ref()
            .ok()
            .map(|s| s.certificate_pem.clone())
    }

    /// The service credentials the sandbox accepts.
    pub fn service_credentials(&self) -> papi_core::ServiceCredentials {
        papi_core::ServiceCredentials::new(
            self.config.service_id.clone(),
            self.config.service_password.clone(),
        )
    }
}

/// Serves any `router` on `listener` exactly as [`Sandbox::bind`] serves the sandbox (the
/// same accept loop and connection handling, within `config`'s limits) until `stop` is
/// sent or dropped. For the load target of `cargo xtask bench`, whose bare handler must be
/// served the way the sandbox is for the comparison to be fair; not part of the API.
#[doc(hidden)]
pub fn serve_router(
    listener: tokio::net::TcpListener,
    router: axum::Router,
    config: &SandboxConfig,
    stop: oneshot::Receiver<()>,
) -> impl std::future::Future<Output = std::io::Result<()>> + Send + 'static {
    let limits = Limits {
        header_read_timeout: config.header_read_timeout,
        idle_timeout: config.idle_timeout,
        max_connections: config.max_connections,
    };
    web::serve::serve(listener, router, limits, stop)
}

/// The identity provider's key: from [`SandboxConfig::idp_key`], else the one `store` keeps
/// (or generates and keeps).
fn signing(config: &SandboxConfig, store: &dyn Store) -> Result<Signing, String> {
    let pem = match &config.idp_key {
        Some(path) => key_file(path)?,
        None => store
            .signing_key(&mut generate_pem)
            .map_err(|e| e.to_string())?,
    };
    Signing::from_pem(&pem)
}

/// `url` as text, without the user and password it may name.
fn without_credentials(url: &Url) -> String {
    let mut shown = url.clone();
    // Fails only for URLs that cannot hold credentials, which then have none.
    let _ = shown.set_password(None);
    let _ = shown.set_username("");
    shown.to_string()
}

/// Why `url` cannot be the sandbox's public URL ([`SandboxConfig::public_url`]).
fn check_public_url(url: &Url) -> Result<(), &'static str> {
    if !matches!(url.scheme(), "http" | "https") {
        return Err("its scheme is not http or https");
    }
    if url.port() == Some(0) {
        return Err("its port is 0");
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("it names a user");
    }
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        return Err(
            "the sandbox serves at the root: give the URL without a path, query or fragment",
        );
    }
    Ok(())
}

/// The store in the PostgreSQL database at `url`.
#[cfg(feature = "postgres")]
fn open_postgres<'a>(
    url: &PostgresUrl,
    logins: impl IntoIterator<Item = &'a str>,
    seeds: &Seeds,
) -> Result<Box<dyn Store>, SandboxError> {
    Ok(Box::new(store::postgres::PgStore::open(
        url, logins, seeds,
    )?))
}

/// Without the `postgres` feature, a PostgreSQL database is refused.
#[cfg(not(feature = "postgres"))]
fn open_postgres<'a>(
    url: &PostgresUrl,
    _logins: impl IntoIterator<Item = &'a str>,
    _seeds: &Seeds,
) -> Result<Box<dyn Store>, SandboxError> {
    Err(SandboxError::Postgres {
        url: url.to_string(),
        cause: "this papi-sandbox is built without its `postgres` feature".to_owned(),
    })
}

/// The configured logins.
fn logins(config: &SandboxConfig) -> impl Iterator<Item = &str> {
    config.users.iter().map(|u| u.login.as_str())
}

/// A sandbox serving on a socket.
#[derive(Debug)]
pub struct RunningSandbox {
    sandbox: Sandbox,
    base_url: Url,
    public_url: Url,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
}

impl RunningSandbox {
    /// The base URL (`http://127.0.0.1:PORT/`), to give to `papi_core::Config::custom`.
    pub fn base_url(&self) -> &Url {
        &self.base_url
    }

    /// The URL the sandbox writes into its consent URLs and identity provider endpoints:
    /// [`SandboxConfig::public_url`] when given, else [`RunningSandbox::base_url`].
    pub fn public_url(&self) -> &Url {
        &self.public_url
    }

    /// The identity provider's entity id, `{base}saml/idp` (the `Issuer` of its answers).
    pub fn idp_entity_id(&self) -> String {
        provider::entity_id(&self.public_url)
    }

    /// The identity provider's single sign-on URL, `{base}saml/sso`: where a service sends
    /// the user's browser with its AuthnRequest (HTTP-Redirect binding) to sign in.
    pub fn login_url(&self) -> String {
        provider::sso_url(&self.public_url)
    }

    /// The identity provider's SAML 2.0 metadata, `{base}saml/metadata`: what a service
    /// reads to trust it (papi-auth's
    /// [`papi_auth::IdentityProviderConfig::fetch_metadata`]).
    pub fn metadata_url(&self) -> String {
        provider::metadata_url(&self.public_url)
    }

    /// The sandbox's SAML identity provider as papi-auth sees it: entity id
    /// `{base}saml/idp`, single sign-on URL `{base}saml/sso`, the persistent NameID format,
    /// and the sandbox's signing certificate as trust anchor. Give it to
    /// [`papi_auth::ServiceProvider::new`].
    ///
    /// Fails with [`papi_auth::AuthError::NoTrustedKey`] when the sandbox has no signing key
    /// (its generation failed; the error is logged).
    pub fn identity_provider(
        &self,
    ) -> Result<papi_auth::IdentityProviderConfig, papi_auth::AuthError> {
        self.sandbox.app.idp.identity_provider(&self.public_url)
    }

    /// Stops accepting connections, lets the requests in progress finish, and returns when
    /// the server has stopped.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match (&mut self.task).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::warn!(target: "papi_sandbox", error = %e, "server error"),
            Err(e) => tracing::warn!(target: "papi_sandbox", error = %e, "server task failed"),
        }
    }
}
