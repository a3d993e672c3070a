//! Secrets as types: the user token and the service password never print themselves.

use std::fmt;

/// The user token returned by the Authentication API (the `OrangeAPIToken` SAML attribute).
///
/// It is sent as the `token` query parameter of every call. `Debug` prints `UserToken(***)`
/// and `Display` prints `***`; use [`UserToken::expose`] to read the value on purpose.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct UserToken(String);

impl UserToken {
    /// Wraps a token value.
    pub fn new(token: impl Into<String>) -> Self {
        Self(token.into())
    }

    /// The token value, for the one place that must send it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for UserToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("UserToken(***)")
    }
}

impl fmt::Display for UserToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// The credentials of the calling service (`SERVICE_ID` / `SERVICE_PWD`), sent as
/// `Authorization: Basic base64(id:password)` with every call.
///
/// `Debug` prints the id and `***` in place of the password.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ServiceCredentials {
    id: String,
    password: String,
}

impl ServiceCredentials {
    /// Service id and password, as issued when the service subscribed to the APIs.
    pub fn new(id: impl Into<String>, password: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            password: password.into(),
        }
    }

    /// The service id (not a secret).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The service password, for the one place that must send it.
    pub fn expose_password(&self) -> &str {
        &self.password
    }
}

impl fmt::Debug for ServiceCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceCredentials")
            .field("id", &self.id)
            .field("password", &format_args!("***"))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_is_redacted() {
        let t = UserToken::new("Hjlkzjlfkzef23423kjlkjr");
        assert_eq!(format!("{t:?}"), "UserToken(***)");
        assert_eq!(t.to_string(), "***");
        assert_eq!(format!("{:#?}", Some(&t)), "Some(\n    UserToken(***),\n)");
        assert_eq!(t.expose(), "Hjlkzjlfkzef23423kjlkjr");
    }

    #[test]
    fn password_is_redacted() {
        let c = ServiceCredentials::new("myDemoSP", "s3cr3t-pwd");
        let dbg = format!("{c:?}");
        assert_eq!(
            dbg,
            r#"ServiceCredentials { id: "myDemoSP", password: *** }"#
        );
        assert!(!format!("{c:#?}").contains("s3cr3t"));
        assert_eq!(c.id(), "myDemoSP");
        assert_eq!(c.expose_password(), "s3cr3t-pwd");
    }
}
