//! Injected faults (latency, jitter, 5xx failures, dropped connections), decided by one
//! seeded random generator so that a run with the same `--seed` and the same sequence of
//! business calls fails the same way every time.

use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// What happens to one business call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FaultDecision {
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
/// `0..=jitter_ms`, then one number for `fail_rate`, then (if not failed) one for `drop_rate`.
#[derive(Debug, Clone)]
pub struct FaultPlan {
    rng: StdRng,
    latency: Duration,
    jitter_ms: u64,
    fail_rate: f64,
    drop_rate: f64,
}

impl FaultPlan {
    /// A plan from the settings; the same arguments give the same sequence of decisions.
    pub fn new(
        seed: u64,
        latency: Duration,
        jitter: Duration,
        fail_rate: f64,
        drop_rate: f64,
    ) -> FaultPlan {
        FaultPlan {
            rng: StdRng::seed_from_u64(seed),
            latency,
            jitter_ms: u64::try_from(jitter.as_millis()).unwrap_or(u64::MAX),
            fail_rate,
            drop_rate,
        }
    }

    /// The next call's fate.
    pub fn next_decision(&mut self) -> FaultDecision {
        let jitter = if self.jitter_ms > 0 {
            Duration::from_millis(self.rng.random_range(0..=self.jitter_ms))
        } else {
            Duration::ZERO
        };
        let fail = self.fail_rate > 0.0 && self.rng.random::<f64>() < self.fail_rate;
        let drop = !fail && self.drop_rate > 0.0 && self.rng.random::<f64>() < self.drop_rate;
        FaultDecision {
            delay: self.latency + jitter,
            fail,
            drop,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_fates() {
        let plan = || FaultPlan::new(7, Duration::ZERO, Duration::from_millis(5), 0.3, 0.3);
        let (mut a, mut b) = (plan(), plan());
        let fates_a: Vec<_> = (0..50).map(|_| a.next_decision()).collect();
        let fates_b: Vec<_> = (0..50).map(|_| b.next_decision()).collect();
        assert_eq!(fates_a, fates_b);
        assert!(fates_a.iter().any(|d| d.fail) && fates_a.iter().any(|d| d.drop));
        assert!(fates_a.iter().all(|d| !(d.fail && d.drop)));
    }

    #[test]
    fn zero_rates_never_fault() {
        let mut plan = FaultPlan::new(1, Duration::from_millis(3), Duration::ZERO, 0.0, 0.0);
        for _ in 0..100 {
            let d = plan.next_decision();
            assert_eq!(d.delay, Duration::from_millis(3));
            assert!(!d.fail && !d.drop);
        }
    }
}
