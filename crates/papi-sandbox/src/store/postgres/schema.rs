//! The PostgreSQL store's SQL: its schema, and the statements that write and read back a
//! user's changes.

/// The schema version this code writes (`papi_sandbox.meta.schema_version`).
pub(super) const SCHEMA_VERSION: i32 = 1;

/// A lock number for `pg_advisory_xact_lock`, taken while the schema is checked or
/// created, so that processes starting at once do it one at a time.
pub(super) const MIGRATION_LOCK: i64 = 0x7061_7069_5f73_6278; // "papi_sbx"

/// The first key of `pg_advisory_xact_lock(key, hashtext(client))`, taken while a
/// client's sign-in is recorded, so that its bound holds across processes.
pub(super) const SIGN_IN_LOCK: i32 = 0x7061_7069; // "papi"

/// Schema version 1, created in one transaction under [`MIGRATION_LOCK`].
pub(super) const SCHEMA: &str = "
CREATE SCHEMA papi_sandbox;
CREATE TABLE papi_sandbox.meta (
    id             integer PRIMARY KEY CHECK (id = 1),  -- one row
    schema_version integer NOT NULL,
    idp_key        text                                 -- the identity provider's RSA key, PKCS#8 PEM
);
CREATE TABLE papi_sandbox.users (
    login   text PRIMARY KEY,
    next_id bigint NOT NULL,   -- the next number tried as a contact or device id
    version bigint NOT NULL    -- raised by each change of the user's data
);
CREATE TABLE papi_sandbox.contacts (
    seq      bigserial PRIMARY KEY,  -- insertion order
    login    text NOT NULL REFERENCES papi_sandbox.users,
    id       text NOT NULL,
    document text NOT NULL,          -- the contact as the sandbox answers it (XML)
    version  bigint NOT NULL,        -- the user's version that wrote it last
    UNIQUE (login, id)
);
CREATE INDEX contacts_changes ON papi_sandbox.contacts (login, version);
CREATE TABLE papi_sandbox.pictures (
    login      text NOT NULL REFERENCES papi_sandbox.users,
    contact_id text NOT NULL,
    bytes      bytea NOT NULL,
    image_type text,                 -- sniffed from the bytes (informative)
    version    bigint NOT NULL,
    PRIMARY KEY (login, contact_id)
);
CREATE INDEX pictures_changes ON papi_sandbox.pictures (login, version);
CREATE TABLE papi_sandbox.events (
    seq     bigserial PRIMARY KEY,
    login   text NOT NULL REFERENCES papi_sandbox.users,
    params  text NOT NULL,           -- the parameters as received (form-urlencoded)
    version bigint NOT NULL
);
CREATE INDEX events_changes ON papi_sandbox.events (login, version);
CREATE TABLE papi_sandbox.tokens (
    hash       text PRIMARY KEY,     -- SHA-256 of the token (hex); the token itself is not stored
    login      text NOT NULL,
    expires_ms bigint NOT NULL       -- Unix time in milliseconds
);
CREATE INDEX tokens_expiry ON papi_sandbox.tokens (expires_ms);
CREATE TABLE papi_sandbox.consents (
    login     text NOT NULL,
    service   text NOT NULL,
    family    text NOT NULL,
    attribute text NOT NULL,         -- '' for the whole family
    decision  text NOT NULL,         -- once, permanent or refuse
    PRIMARY KEY (login, service, family, attribute)
);
CREATE TABLE papi_sandbox.pending_consents (
    id         text PRIMARY KEY,     -- the id in the consent URL
    login      text NOT NULL,
    service    text NOT NULL,
    family     text NOT NULL,
    attribute  text NOT NULL,
    created_ms bigint NOT NULL
);
CREATE INDEX pending_consents_age ON papi_sandbox.pending_consents (created_ms);
INSERT INTO papi_sandbox.meta (id, schema_version) VALUES (1, 1);
";

/// Tables added to schema version 1 after it first shipped, created when missing (at every
/// open, under [`MIGRATION_LOCK`]): an older sandbox ignores them, so the version stays.
pub(super) const ADDED_TABLES: &str = "
CREATE TABLE IF NOT EXISTS papi_sandbox.sessions (
    id_hash    text PRIMARY KEY,     -- SHA-256 of the session id (hex); the id itself is not stored
    login      text NOT NULL,
    csrf       text NOT NULL,        -- the form token of the session's pages
    expires_ms bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_expiry ON papi_sandbox.sessions (expires_ms);
CREATE TABLE IF NOT EXISTS papi_sandbox.sign_ins (
    id          text PRIMARY KEY,    -- the id in the login form
    client      text NOT NULL,       -- the address (IPv6: the /64) that started it, '-' unknown
    request_id  text NOT NULL,       -- the AuthnRequest's ID, Issuer and consumer URL
    issuer      text NOT NULL,
    acs_url     text NOT NULL,
    relay_state text,
    created_ms  bigint NOT NULL,
    attempts    integer NOT NULL     -- passwords tried
);
CREATE INDEX IF NOT EXISTS sign_ins_client ON papi_sandbox.sign_ins (client, created_ms);
CREATE INDEX IF NOT EXISTS sign_ins_age ON papi_sandbox.sign_ins (created_ms);
";

/// Stores a contact: `$1` login, `$2` id, `$3` document, `$4` version.
macro_rules! upsert_contact {
    () => {
        "INSERT INTO papi_sandbox.contacts (login, id, document, version) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (login, id) \
         DO UPDATE SET document = excluded.document, version = excluded.version"
    };
}

/// Stores a picture: `$1` login, `$2` contact id, `$3` bytes, `$4` image type, `$5` version.
macro_rules! upsert_picture {
    () => {
        "INSERT INTO papi_sandbox.pictures (login, contact_id, bytes, image_type, version) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (login, contact_id) \
         DO UPDATE SET bytes = excluded.bytes, image_type = excluded.image_type, \
         version = excluded.version"
    };
}

pub(super) const UPSERT_CONTACT: &str = upsert_contact!();
pub(super) const UPSERT_PICTURE: &str = upsert_picture!();

/// A contact written by a change, and the user's version and next id (`$5`) raised.
pub(super) const CHANGE_CONTACT: &str = concat!(
    "WITH written AS (",
    upsert_contact!(),
    ") UPDATE papi_sandbox.users SET version = $4, next_id = GREATEST(next_id, $5) \
     WHERE login = $1"
);

/// A picture written by a change, and the user's version raised.
pub(super) const CHANGE_PICTURE: &str = concat!(
    "WITH written AS (",
    upsert_picture!(),
    ") UPDATE papi_sandbox.users SET version = $5 WHERE login = $1"
);

/// An event written by a change (`$2` parameters, `$3` version), and the user's version
/// raised.
pub(super) const CHANGE_EVENT: &str = "WITH written AS (\
     INSERT INTO papi_sandbox.events (login, params, version) VALUES ($1, $2, $3)) \
     UPDATE papi_sandbox.users SET version = $3 WHERE login = $1";

/// Every row of user `$1` written above version `$2`, in one query: (kind, key, text,
/// bytes), contacts (0: id, document) and events (2: params) in the order first written,
/// pictures (1: contact id, bytes).
pub(super) const CHANGED_ROWS: &str = "\
    SELECT 0 AS kind, seq, id AS key, document AS text, NULL::bytea AS bytes \
        FROM papi_sandbox.contacts WHERE login = $1 AND version > $2 \
    UNION ALL SELECT 1, 0, contact_id, NULL, bytes \
        FROM papi_sandbox.pictures WHERE login = $1 AND version > $2 \
    UNION ALL SELECT 2, seq, NULL, params, NULL \
        FROM papi_sandbox.events WHERE login = $1 AND version > $2 \
    ORDER BY 1, 2";
