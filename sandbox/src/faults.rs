//! Injected faults (permission denied, for every scope or for some, latency, jitter, 5xx failures, dropped connections),
//! decided by one seeded random generator so that a run with the same `--seed` and the same
//! sequence of business calls fails the same way every time. The settings can change while
//! the sandbox runs (`POST /sandbox/faults`, `Sandbox::set_faults`); each change restarts
//! the generator from the seed, so the calls after a change fail exactly as they would in a
//! sandbox freshly started with the new settings.

use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use super::scope::{Scope, ScopeSet};

/// The longest latency or jitter accepted: ten minutes, longer than any client waits.
pub const MAX_DELAY_MS: u64 = 600_000;

/// The fault settings in force. `Default` is no fault at all.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct FaultSettings {
    /// Probability (0 to 1) that a business call answers HTTP 500 / 1002001 and stores nothing.
    pub fail_rate: f64,
    /// Probability (0 to 1) that a business call does its work and then closes the
    /// connection without answering.
    pub drop_rate: f64,
    /// Latency added to every business call, in milliseconds (at most [`MAX_DELAY_MS`]).
    pub latency_ms: u64,
    /// Extra random latency, uniform in `0..=jitter_ms`, per business call (at most
    /// [`MAX_DELAY_MS`]).
    pub jitter_ms: u64,
    /// Answer every business call with 99991672 (permission missing).
    pub deny_permission: bool,
    /// Answer the calls that need one of these scopes with 99991672 naming it (left out of
    /// the JSON when empty, so the answer of a sandbox that denies nothing keeps its shape).
    #[serde(skip_serializing_if = "ScopeSet::is_empty")]
    pub deny_scopes: ScopeSet,
}

/// A setting out of range.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FaultError {
    /// A probability outside 0..=1 (or not a number).
    #[error("{field} must be between 0 and 1, got {value}")]
    Probability {
        /// The setting's name.
        field: &'static str,
        /// The value given.
        value: f64,
    },
    /// A delay above [`MAX_DELAY_MS`].
    #[error("{field} must be at most {MAX_DELAY_MS} ms (ten minutes), got {value}")]
    Delay {
        /// The setting's name.
        field: &'static str,
        /// The value given.
        value: u64,
    },
}

impl FaultError {
    /// The name of the setting at fault.
    pub fn field(&self) -> &'static str {
        match self {
            FaultError::Probability { field, .. } | FaultError::Delay { field, .. } => field,
        }
    }
}

impl FaultSettings {
    /// Checks every setting's range.
    pub fn check(&self) -> Result<(), FaultError> {
        for (field, value) in [("fail_rate", self.fail_rate), ("drop_rate", self.drop_rate)] {
            if !(0.0..=1.0).contains(&value) {
                return Err(FaultError::Probability { field, value });
            }
        }
        for (field, value) in [
            ("latency_ms", self.latency_ms),
            ("jitter_ms", self.jitter_ms),
        ] {
            if value > MAX_DELAY_MS {
                return Err(FaultError::Delay { field, value });
            }
        }
        Ok(())
    }
}

/// A change to some of the settings: the body of `POST /sandbox/faults`. Absent fields
/// keep their value; unknown fields are refused (a typo must not pass for a change).
#[derive(Debug, Clone, Copy, PartialEq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultPatch {
    /// New `fail_rate`.
    pub fail_rate: Option<f64>,
    /// New `drop_rate`.
    pub drop_rate: Option<f64>,
    /// New `latency_ms`.
    pub latency_ms: Option<u64>,
    /// New `jitter_ms`.
    pub jitter_ms: Option<u64>,
    /// New `deny_permission`.
    pub deny_permission: Option<bool>,
    /// New `deny_scopes` (a list of scope names; `[]` denies none).
    pub deny_scopes: Option<ScopeSet>,
}

impl FaultPatch {
    /// `settings` with this patch's fields replaced.
    pub fn apply(&self, settings: &FaultSettings) -> FaultSettings {
        FaultSettings {
            fail_rate: self.fail_rate.unwrap_or(settings.fail_rate),
            drop_rate: self.drop_rate.unwrap_or(settings.drop_rate),
            latency_ms: self.latency_ms.unwrap_or(settings.latency_ms),
            jitter_ms: self.jitter_ms.unwrap_or(settings.jitter_ms),
            deny_permission: self.deny_permission.unwrap_or(settings.deny_permission),
            deny_scopes: self.deny_scopes.unwrap_or(settings.deny_scopes),
        }
    }
}

/// What happens to one business call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FaultDecision {
    /// Answer 99991672 (permission missing) and do nothing else.
    pub deny: bool,
    /// The scope a denial names, when `deny_scopes` (not `deny_permission`) caused it.
    pub denied_scope: Option<Scope>,
    /// Delay added after arrival (latency plus this call's jitter).
    pub delay: Duration,
    /// Answer HTTP 500 / 1002001 and store nothing.
    pub fail: bool,
    /// Do the work, then close the connection without answering.
    pub drop: bool,
}

/// The fault settings and the seeded generator that draws each call's fate.
///
/// Draws per call, in this order and only when the setting is non-zero: jitter in
/// `0..=jitter_ms`, then one number for `fail_rate`, then (if not failed) one for
/// `drop_rate`. A denied call draws nothing (whether `deny_permission` or `deny_scopes`
/// denied it), so denying one endpoint's scope does not change the other calls' fates.
#[derive(Debug, Clone)]
pub struct FaultPlan {
    rng: StdRng,
    seed: u64,
    settings: FaultSettings,
}

impl FaultPlan {
    /// A plan from the settings; the same arguments give the same sequence of decisions.
    pub fn new(seed: u64, settings: FaultSettings) -> FaultPlan {
        FaultPlan {
            rng: StdRng::seed_from_u64(seed),
            seed,
            settings,
        }
    }

    /// The settings in force.
    pub fn settings(&self) -> &FaultSettings {
        &self.settings
    }

    /// Puts new settings in force (checked first) and restarts the generator from the seed.
    pub fn change(&mut self, settings: FaultSettings) -> Result<(), FaultError> {
        settings.check()?;
        *self = FaultPlan::new(self.seed, settings);
        Ok(())
    }

    /// The next call's fate, for a call that needs no particular scope.
    pub fn next_decision(&mut self) -> FaultDecision {
        self.next_decision_for(&[])
    }

    /// The next fate of a call that needs every one of `scopes`.
    pub fn next_decision_for(&mut self, scopes: &[Scope]) -> FaultDecision {
        let s = self.settings;
        if s.deny_permission {
            return FaultDecision {
                deny: true,
                ..FaultDecision::default()
            };
        }
        if let Some(&scope) = scopes.iter().find(|&&scope| s.deny_scopes.contains(scope)) {
            return FaultDecision {
                deny: true,
                denied_scope: Some(scope),
                ..FaultDecision::default()
            };
        }
        let jitter = if s.jitter_ms > 0 {
            self.rng.random_range(0..=s.jitter_ms)
        } else {
            0
        };
        let fail = s.fail_rate > 0.0 && self.rng.random::<f64>() < s.fail_rate;
        let drop = !fail && s.drop_rate > 0.0 && self.rng.random::<f64>() < s.drop_rate;
        FaultDecision {
            deny: false,
            denied_scope: None,
            delay: Duration::from_millis(s.latency_ms.saturating_add(jitter)),
            fail,
            drop,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(jitter_ms: u64, fail_rate: f64, drop_rate: f64) -> FaultSettings {
        FaultSettings {
            fail_rate,
            drop_rate,
            jitter_ms,
            ..FaultSettings::default()
        }
    }

    #[test]
    fn same_seed_same_fates() {
        let plan = || FaultPlan::new(7, settings(5, 0.3, 0.3));
        let (mut a, mut b) = (plan(), plan());
        let fates_a: Vec<_> = (0..50).map(|_| a.next_decision()).collect();
        let fates_b: Vec<_> = (0..50).map(|_| b.next_decision()).collect();
        assert_eq!(fates_a, fates_b);
        assert!(fates_a.iter().any(|d| d.fail) && fates_a.iter().any(|d| d.drop));
        assert!(fates_a.iter().all(|d| !(d.fail && d.drop)));
    }

    #[test]
    fn zero_rates_never_fault() {
        let mut plan = FaultPlan::new(
            1,
            FaultSettings {
                latency_ms: 3,
                ..FaultSettings::default()
            },
        );
        for _ in 0..100 {
            let d = plan.next_decision();
            assert_eq!(d.delay, Duration::from_millis(3));
            assert!(!d.fail && !d.drop && !d.deny);
        }
    }

    #[test]
    fn a_change_restarts_from_the_seed() {
        let mut plan = FaultPlan::new(3, settings(0, 0.5, 0.0));
        for _ in 0..7 {
            plan.next_decision();
        }
        plan.change(settings(0, 0.4, 0.2)).unwrap();
        let mut fresh = FaultPlan::new(3, settings(0, 0.4, 0.2));
        for _ in 0..30 {
            assert_eq!(plan.next_decision(), fresh.next_decision());
        }
    }

    #[test]
    fn out_of_range_settings_are_refused_and_change_nothing() {
        let mut plan = FaultPlan::new(3, settings(0, 0.5, 0.0));
        for bad in [
            settings(0, 1.5, 0.0),
            settings(0, 0.0, -0.1),
            settings(0, f64::NAN, 0.0),
            settings(MAX_DELAY_MS + 1, 0.0, 0.0),
        ] {
            assert!(plan.change(bad).is_err(), "{bad:?}");
        }
        assert_eq!(plan.settings(), &settings(0, 0.5, 0.0));
        let err = settings(0, 2.0, 0.0).check().unwrap_err();
        assert_eq!(err.to_string(), "fail_rate must be between 0 and 1, got 2");
    }

    #[test]
    fn a_patch_changes_only_what_it_names() {
        let patch: FaultPatch = serde_json::from_str(r#"{"drop_rate":1}"#).unwrap();
        let before = settings(4, 0.1, 0.0);
        assert_eq!(patch.apply(&before), settings(4, 0.1, 1.0));
        assert!(serde_json::from_str::<FaultPatch>(r#"{"seed":1}"#).is_err());
    }

    #[test]
    fn a_denied_scope_denies_only_its_calls_and_draws_nothing() {
        let denying = FaultSettings {
            deny_scopes: ScopeSet::of([Scope::ContactUserId]),
            ..settings(0, 0.5, 0.0)
        };
        let mut plan = FaultPlan::new(5, denying);
        let mut plain = FaultPlan::new(5, settings(0, 0.5, 0.0));
        for _ in 0..20 {
            let d = plan.next_decision_for(&[Scope::ContactUserId]);
            assert!(
                d.deny && d.denied_scope == Some(Scope::ContactUserId),
                "{d:?}"
            );
            assert_eq!(
                plan.next_decision_for(&[Scope::ExternalReferralReward]),
                plain.next_decision()
            );
        }
        let patch: FaultPatch =
            serde_json::from_str(r#"{"deny_scopes":["hire:talent:readonly"]}"#).unwrap();
        let patched = patch.apply(&FaultSettings::default());
        assert_eq!(patched.deny_scopes, ScopeSet::of([Scope::HireTalent]));
        let json = serde_json::to_value(patched).unwrap();
        assert_eq!(
            json["deny_scopes"],
            serde_json::json!(["hire:talent:readonly"])
        );
        let none = serde_json::to_value(FaultSettings::default()).unwrap();
        assert!(none.get("deny_scopes").is_none(), "{none}");
        assert!(serde_json::from_str::<FaultPatch>(r#"{"deny_scopes":["x"]}"#).is_err());
    }

    #[test]
    fn deny_permission_denies_every_call_without_delay() {
        let mut plan = FaultPlan::new(
            9,
            FaultSettings {
                deny_permission: true,
                latency_ms: 50,
                ..settings(0, 0.5, 0.0)
            },
        );
        for _ in 0..10 {
            let d = plan.next_decision();
            assert!(d.deny && !d.fail && !d.drop && d.delay.is_zero());
        }
    }
}
