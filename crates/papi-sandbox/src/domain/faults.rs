//! Faults and latency the sandbox injects on purpose, so that client developers can test
//! how their code copes: per action (or all), a latency range, and with a probability an
//! error of the spec's tables (a general code, or the API's own), possibly with another
//! HTTP status, a truncated answer, or a connection closed before the answer's body.
//! Deterministic under a seed: the same calls in the same order draw the same faults.
//!
//! The codes come from the spec's tables (the general codes and each API's own, generated):
//! a code they do not list is refused when the sandbox is made.

use std::sync::Mutex;
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng as _};

use crate::generated::{Api, APIS, GENERAL_CODES};
use crate::util::sync::lock;

/// Longest latency a rule may inject.
pub const MAX_LATENCY: Duration = Duration::from_secs(60);

/// What to inject, and the seed of the draws. The default injects nothing.
///
/// Read from YAML with [`Faults::from_yaml`] (what `papi sandbox --faults FILE` reads):
///
/// ```
/// let faults = papi_sandbox::Faults::from_yaml(r#"
/// seed: 7
/// rules:
///   - action: contacts/getcontact      # `api/action`, `api/*` or `*` (the default)
///     latency_ms: [50, 200]             # uniform in that range, on every call it matches
///     probability: 0.25                 # how often the fault happens (default 1)
///     fault: { general: { code: -2 } }  # a general error of the spec's table
///   - action: contacts/*
///     fault: { api: { code: 100, status: 500 } }  # the API's own code, with HTTP 500
///   - action: messages/getPersonalMessages
///     probability: 0.5
///     fault: truncated                  # or `closed`: the connection ends before the body
/// "#).unwrap();
/// assert_eq!(faults.rules.len(), 3);
/// ```
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Faults {
    /// Seed of the draws (the same seed and calls give the same faults).
    #[serde(default)]
    pub seed: u64,
    /// The rules, in order: a call gets the first one its action matches.
    #[serde(default)]
    pub rules: Vec<FaultRule>,
}

/// A rule: which actions, what latency, what fault and how often.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct FaultRule {
    /// `api/action` (spec id and wire name: `contacts/getcontact`), `api/*`, or `*`.
    #[serde(default = "every_action")]
    pub action: String,
    /// Added latency, in milliseconds: uniform between the two bounds.
    #[serde(default)]
    pub latency_ms: Option<[u64; 2]>,
    /// Chance that the fault happens on a call (0 to 1).
    #[serde(default = "always")]
    pub probability: f64,
    /// The fault; none: latency only.
    #[serde(default)]
    pub fault: Option<Fault>,
}

fn every_action() -> String {
    "*".to_owned()
}

fn always() -> f64 {
    1.0
}

impl FaultRule {
    /// A rule for `action` (`api/action`, `api/*` or `*`) injecting `fault` on every call.
    pub fn new(action: impl Into<String>, fault: Option<Fault>) -> Self {
        Self {
            action: action.into(),
            latency_ms: None,
            probability: 1.0,
            fault,
        }
    }

    /// With this chance of the fault (0 to 1).
    pub fn with_probability(mut self, probability: f64) -> Self {
        self.probability = probability;
        self
    }

    /// With a latency uniform between `min_ms` and `max_ms` milliseconds.
    pub fn with_latency_ms(mut self, min_ms: u64, max_ms: u64) -> Self {
        self.latency_ms = Some([min_ms, max_ms]);
        self
    }
}

/// A fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum Fault {
    /// A general error document (a code of the suite's general table), with the status
    /// the sandbox answers it with unless `status` says another.
    General {
        /// The general code.
        code: i64,
        /// The HTTP status instead of the usual one.
        #[serde(default)]
        status: Option<u16>,
    },
    /// An error of the API's own table, in its envelope (the rule must name one API).
    Api {
        /// The API's code.
        code: i64,
        /// The HTTP status instead of the usual one (500).
        #[serde(default)]
        status: Option<u16>,
    },
    /// The answer, cut in the middle: the connection ends after half the body.
    Truncated,
    /// The connection ends after the status line and headers, before any body byte.
    Closed,
}

impl Faults {
    /// Faults from `seed` and `rules`.
    pub fn new(seed: u64, rules: Vec<FaultRule>) -> Self {
        Self { seed, rules }
    }

    /// Reads faults from YAML (see [`Faults`]); then [`Faults::check`] them.
    pub fn from_yaml(text: &str) -> Result<Self, String> {
        let faults: Self = serde_saphyr::from_str(text).map_err(|e| e.to_string())?;
        faults.check()?;
        Ok(faults)
    }

    /// Refuses rules naming an action no API has, a code the spec's tables do not list, a
    /// probability outside 0..=1, a latency range upside down or over [`MAX_LATENCY`], an
    /// HTTP status outside 100..=599.
    pub fn check(&self) -> Result<(), String> {
        for (i, rule) in self.rules.iter().enumerate() {
            rule.check()
                .map_err(|e| format!("fault rule {} (`{}`): {e}", i + 1, rule.action))?;
        }
        Ok(())
    }
}

impl FaultRule {
    fn check(&self) -> Result<(), String> {
        let apis = matching_apis(&self.action)?;
        if !(0.0..=1.0).contains(&self.probability) {
            return Err(format!(
                "probability {} is not between 0 and 1",
                self.probability
            ));
        }
        if let Some([min, max]) = self.latency_ms {
            let too_long = Duration::from_millis(max) > MAX_LATENCY;
            if min > max || too_long {
                return Err(format!(
                    "latency [{min}, {max}] ms is not a range up to {} ms",
                    MAX_LATENCY.as_millis()
                ));
            }
        }
        let status = match self.fault {
            Some(Fault::General { code, status }) => {
                if papi_core::GeneralError::from_code(code).is_none() {
                    return Err(format!(
                        "{code} is not a general code of the spec ({GENERAL_CODES:?})"
                    ));
                }
                status
            }
            Some(Fault::Api { code, status }) => {
                let [api] = apis.as_slice() else {
                    return Err("an API's own code needs a rule naming one API (`api/…`)".into());
                };
                if !api.codes.contains(&code) {
                    return Err(format!(
                        "{code} is not a code of the {} API's table ({:?})",
                        api.id, api.codes
                    ));
                }
                status
            }
            _ => None,
        };
        match status {
            Some(s) if !(100..=599).contains(&s) => Err(format!("{s} is not an HTTP status")),
            _ => Ok(()),
        }
    }

    /// Whether the rule covers `action` of `api`.
    fn matches(&self, api: &str, action: Option<&str>) -> bool {
        match self.action.split_once('/') {
            None => self.action == "*",
            Some((a, "*")) => a == api,
            Some((a, act)) => a == api && Some(act) == action,
        }
    }
}

/// The APIs a rule's `action` names (every one for `*`); an error for a name no API has.
fn matching_apis(pattern: &str) -> Result<Vec<&'static Api>, String> {
    if pattern == "*" {
        return Ok(APIS.to_vec());
    }
    let Some((api_id, action)) = pattern.split_once('/') else {
        return Err("write `api/action`, `api/*` or `*`".into());
    };
    let Some(api) = APIS.iter().copied().find(|a| a.id == api_id) else {
        let known: Vec<&str> = APIS.iter().map(|a| a.id).collect();
        return Err(format!("no API `{api_id}` (known: {})", known.join(", ")));
    };
    if action != "*" && !api.actions.iter().any(|a| a.wire == action) {
        let known: Vec<&str> = api.actions.iter().map(|a| a.wire).collect();
        return Err(format!(
            "the {} API has no action `{action}` (known: {})",
            api.id,
            known.join(", ")
        ));
    }
    Ok(vec![api])
}

/// What a call drew: a latency, and a fault.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Drawn {
    pub(crate) latency: Option<Duration>,
    pub(crate) fault: Option<Fault>,
}

/// The faults of a sandbox and the generator their draws come from.
pub(crate) struct FaultInjector {
    faults: Faults,
    rng: Mutex<StdRng>,
}

impl FaultInjector {
    /// Draws for `faults` (assumed checked), seeded with their seed.
    pub(crate) fn new(faults: Faults) -> Self {
        let rng = Mutex::new(StdRng::seed_from_u64(faults.seed));
        Self { faults, rng }
    }

    /// What a call to `action` of `api` gets: nothing when no rule covers it. A covered
    /// call always takes two draws (latency, chance), so the sequence depends only on the
    /// calls' order.
    pub(crate) fn draw(&self, api: &str, action: Option<&str>) -> Drawn {
        let Some(rule) = self.faults.rules.iter().find(|r| r.matches(api, action)) else {
            return Drawn::default();
        };
        let (latency_draw, chance): (f64, f64) = {
            let mut rng = lock(&self.rng);
            (rng.gen(), rng.gen())
        };
        let latency = rule.latency_ms.map(|[min, max]| {
            // `min + (max - min) × u`, u in [0, 1): whole milliseconds.
            let span = max.saturating_sub(min) as f64;
            Duration::from_millis(min + (span * latency_draw) as u64)
        });
        let fault = rule.fault.filter(|_| chance < rule.probability);
        Drawn { latency, fault }
    }

    /// Whether any rule is set (the pipeline skips the step otherwise).
    pub(crate) fn is_active(&self) -> bool {
        !self.faults.rules.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(action: &str, fault: Option<Fault>) -> FaultRule {
        FaultRule::new(action, fault)
    }

    #[test]
    fn codes_and_actions_come_from_the_spec_tables() {
        let ok = |r: FaultRule| Faults::new(1, vec![r]).check();
        let general = |code| Some(Fault::General { code, status: None });
        let api = |code, status| Some(Fault::Api { code, status });
        assert!(ok(rule("*", general(-2))).is_ok());
        assert!(ok(rule("contacts/getcontact", api(100, Some(500)))).is_ok());
        for (r, expected) in [
            (rule("*", general(-11)), "not a general code"),
            (rule("*", general(3)), "not a general code"),
            (
                rule("contacts/*", api(103, None)),
                "not a code of the contacts API",
            ),
            (rule("*", api(100, None)), "needs a rule naming one API"),
            (rule("contact/getcontact", None), "no API `contact`"),
            (rule("contacts/getContact", None), "no action `getContact`"),
            (rule("getcontact", None), "write `api/action`"),
            (rule("*", api(100, Some(42))), "needs a rule naming one API"),
            (
                rule("contacts/*", api(100, Some(42))),
                "42 is not an HTTP status",
            ),
            (rule("*", None).with_probability(1.5), "not between 0 and 1"),
            (rule("*", None).with_latency_ms(10, 5), "not a range"),
            (rule("*", None).with_latency_ms(0, 60_001), "not a range"),
        ] {
            let e = ok(r).unwrap_err();
            assert!(e.contains(expected), "{expected}: {e}");
        }
    }

    #[test]
    fn the_same_seed_draws_the_same_faults() {
        let faults = Faults::new(
            42,
            vec![rule("contacts/*", Some(Fault::Truncated))
                .with_probability(0.5)
                .with_latency_ms(10, 20)],
        );
        let run = |faults: &Faults| {
            let injector = FaultInjector::new(faults.clone());
            (0..64)
                .map(|_| injector.draw("contacts", Some("getcontact")))
                .collect::<Vec<_>>()
        };
        let first = run(&faults);
        assert_eq!(first, run(&faults));
        let hits = first.iter().filter(|d| d.fault.is_some()).count();
        assert!((16..=48).contains(&hits), "{hits} of 64 at 0.5");
        assert!(first.iter().all(|d| {
            let ms = d.latency.unwrap().as_millis();
            (10..=20).contains(&ms)
        }));
        let other = Faults::new(43, faults.rules.clone());
        assert_ne!(first, run(&other));
        // Another API is not covered: nothing drawn.
        let injector = FaultInjector::new(faults);
        assert_eq!(injector.draw("messages", Some("getPNS")), Drawn::default());
    }

    #[test]
    fn faults_read_from_yaml_are_checked() {
        let faults = Faults::from_yaml(
            "seed: 3\nrules:\n  - action: contacts/*\n    fault: { api: { code: 100 } }\n  - fault: closed\n    probability: 0.1\n",
        )
        .unwrap();
        assert_eq!(faults.seed, 3);
        assert_eq!(faults.rules[1].fault, Some(Fault::Closed));
        assert_eq!(faults.rules[1].action, "*");
        let e = Faults::from_yaml("rules:\n  - fault: { general: { code: -99 } }\n").unwrap_err();
        assert!(e.contains("-99"), "{e}");
        let e = Faults::from_yaml("rules:\n  - fault: sometimes\n").unwrap_err();
        assert!(!e.is_empty());
    }
}
