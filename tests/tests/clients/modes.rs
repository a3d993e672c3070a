//! The same client tests for the async and the blocking clients: each test calls an action
//! through these wrappers, which send it with the async client or — on the blocking pool,
//! as a program without a runtime would — with the blocking client of the same crate.

use papi_core::{Config, Upload, UserToken};

/// Which client a test binary exercises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(dead_code)] // each test binary uses one mode
pub enum Mode {
    Async,
    Blocking,
}

/// Runs a blocking call off the runtime's thread and waits for it.
async fn off_runtime<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(f)
        .await
        .expect("the blocking call panicked")
}

macro_rules! wrapper {
    (
        $name:ident, $krate:ident,
        $( fn $method:ident ( $( $arg:ident : $ty:ty => $owned:ty, $to_owned:expr ),* ) -> $out:ty; )*
    ) => {
        /// A client of the crate in the mode of the test binary. A blocking client may be
        /// neither built nor dropped on the runtime's thread, so the blocking variant keeps
        /// the configuration and builds its client on the blocking pool for each call.
        #[allow(dead_code)]
        pub enum $name {
            Async($krate::Client),
            Blocking {
                config: Config,
                endpoint: papi_core::url::Url,
                debug: String,
            },
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                match self {
                    $name::Async(c) => c.fmt(f),
                    $name::Blocking { debug, .. } => f.write_str(debug),
                }
            }
        }

        #[allow(dead_code)]
        impl $name {
            pub fn new(mode: Mode, config: &Config) -> Self {
                match mode {
                    Mode::Async => $name::Async($krate::Client::new(config).unwrap()),
                    Mode::Blocking => {
                        let config = config.clone();
                        let (endpoint, debug) = std::thread::scope(|s| {
                            s.spawn(|| {
                                let client = $krate::blocking::Client::new(&config).unwrap();
                                (client.endpoint().clone(), format!("{client:#?}"))
                            })
                            .join()
                            .expect("building the blocking client panicked")
                        });
                        $name::Blocking { config, endpoint, debug }
                    }
                }
            }

            pub fn endpoint(&self) -> &papi_core::url::Url {
                match self {
                    $name::Async(c) => c.endpoint(),
                    $name::Blocking { endpoint, .. } => endpoint,
                }
            }

            $(
                pub async fn $method(&self, token: &UserToken, $( $arg: $ty ),*) -> $krate::Result<$out> {
                    match self {
                        $name::Async(c) => c.$method(token, $( $arg ),*).await,
                        $name::Blocking { config, .. } => {
                            let config = config.clone();
                            let token = token.clone();
                            $( let $arg: $owned = ($to_owned)($arg); )*
                            off_runtime(move || {
                                let c = $krate::blocking::Client::new(&config).unwrap();
                                c.$method(&token, $( $arg.as_ref_arg() ),*)
                            })
                            .await
                        }
                    }
                }
            )*
        }
    };
}

/// Borrows an owned argument back as the method's argument type.
trait AsRefArg<'a, T> {
    fn as_ref_arg(&'a self) -> T;
}
impl<'a> AsRefArg<'a, &'a str> for String {
    fn as_ref_arg(&'a self) -> &'a str {
        self
    }
}
impl<'a, T> AsRefArg<'a, &'a [T]> for Vec<T> {
    fn as_ref_arg(&'a self) -> &'a [T] {
        self
    }
}
/// Arguments taken by value are cloned once more (they are small).
macro_rules! by_value {
    ($($t:ty),*) => {$(
        impl<'a> AsRefArg<'a, $t> for $t {
            fn as_ref_arg(&'a self) -> $t {
                self.clone()
            }
        }
    )*};
}
by_value!(
    Upload,
    papi_contacts::operation::AddContact,
    papi_contacts::types::DeviceType,
    papi_contacts::types::AddDeviceSubtype
);

fn owned_str(s: &str) -> String {
    s.to_owned()
}

wrapper!(Contacts, papi_contacts,
    fn find_contact_list(search: &str => String, owned_str) -> papi_contacts::types::FindContactListResult;
    fn get_contact(contact_id: &str => String, owned_str) -> papi_contacts::types::Contact;
    fn add_contact(input: papi_contacts::operation::AddContact => papi_contacts::operation::AddContact, std::convert::identity) -> papi_contacts::types::AddContactResult;
    fn add_device(
        contact_id: &str => String, owned_str,
        device_type: papi_contacts::types::DeviceType => papi_contacts::types::DeviceType, std::convert::identity,
        subtype: papi_contacts::types::AddDeviceSubtype => papi_contacts::types::AddDeviceSubtype, std::convert::identity,
        order: &str => String, owned_str,
        value: &str => String, owned_str
    ) -> papi_contacts::types::CommandAck;
    fn get_picture(contact_id: &str => String, owned_str) -> papi_contacts::types::PictureData;
    fn add_picture(contact_id: &str => String, owned_str, file: Upload => Upload, std::convert::identity) -> papi_contacts::types::CommandAck;
);

wrapper!(Messages, papi_messages,
    fn get_personal_messages(infos: &[papi_messages::types::MessagesInfo] => Vec<papi_messages::types::MessagesInfo>, <[_]>::to_vec) -> papi_messages::types::PersonalMessages;
);

wrapper!(RichProfile, papi_rich_profile,
    fn get_personal_rich_profile(infos: &[papi_rich_profile::types::RichProfileInfo] => Vec<papi_rich_profile::types::RichProfileInfo>, <[_]>::to_vec) -> papi_rich_profile::types::RichProfile;
);
