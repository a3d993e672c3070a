//! Small helpers every layer of the sandbox uses: locking, randomness, comparing secrets.
//! The bottom layer (with [`crate::generated`]): it imports no other module of the crate.

pub(crate) mod random;
pub(crate) mod secret;
pub(crate) mod sync;
