//! The API pipeline: an HTTP call of a client API goes through the service's credentials,
//! the user token, the action and its operation's reading of the parameters, the privacy
//! consent, then the action's handler, and comes back as the API's answer.
//!
//! [`pipeline`] runs the steps in that order; [`credentials`], [`params`] and
//! [`privacy`] are steps; [`actions`] dispatches to the handlers ([`contacts`] and the
//! others), each given the typed operation; [`answer`] is what a call is answered with;
//! [`endpoint`] the paths served; [`faults`] the faults injected on purpose.

pub(crate) mod actions;
pub(crate) mod answer;
pub(crate) mod call;
pub(crate) mod contacts;
pub(crate) mod credentials;
pub(crate) mod endpoint;
pub(crate) mod faults;
pub(crate) mod params;
pub(crate) mod pipeline;
pub(crate) mod privacy;
