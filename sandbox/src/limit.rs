//! The documented rate limits, enforced as Feishu's gateway does: a strict sliding window
//! over the arrival times of accepted requests, one per documented quota (the people
//! lookups have two at once: 50 per second and 1000 per minute). Also measures, per endpoint, the most
//! requests accepted in any one-second window, so a client's pacing can be checked where
//! it lands.

use std::collections::{BTreeMap, VecDeque};
use std::time::{Duration, Instant};

use super::endpoint::{Endpoint, Quota};

/// Why a request was refused: the limit and the whole seconds until a slot frees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttled {
    /// The limit's request count (`x-ogw-ratelimit-limit`).
    pub limit: u32,
    /// Seconds until the oldest counted arrival leaves the window, rounded up
    /// (`x-ogw-ratelimit-reset`).
    pub reset_secs: u64,
}

/// Arrival times within the last `per`, oldest first.
#[derive(Debug, Clone, Default)]
struct Window {
    arrivals: VecDeque<Instant>,
}

impl Window {
    fn forget_before(&mut self, now: Instant, per: Duration) {
        while let Some(&oldest) = self.arrivals.front() {
            if oldest + per <= now {
                self.arrivals.pop_front();
            } else {
                break;
            }
        }
    }
}

const ONE_SECOND: Duration = Duration::from_secs(1);

/// One endpoint's limiter (a window per quota) and peak meter.
#[derive(Debug, Clone, Default)]
struct Lane {
    windows: Vec<(Quota, Window)>,
    last_second: Window,
    peak: usize,
    throttled: u64,
}

/// Every endpoint's limiter.
#[derive(Debug, Clone)]
pub struct Limits {
    lanes: BTreeMap<Endpoint, Lane>,
}

impl Limits {
    /// Limits with the documented quotas; `reward_rate` replaces the import's 10/s.
    pub fn new(reward_rate: u32) -> Limits {
        let lanes = Endpoint::ALL
            .iter()
            .map(|&e| {
                let lane = Lane {
                    windows: e
                        .quotas(reward_rate)
                        .into_iter()
                        .map(|q| (q, Window::default()))
                        .collect(),
                    ..Lane::default()
                };
                (e, lane)
            })
            .collect();
        Limits { lanes }
    }

    /// Counts an arrival at `now` if every one of the endpoint's windows has room; refused
    /// arrivals are not counted in any window (a client that keeps knocking does not push
    /// its reset further away). When several windows are full, the answer names the one
    /// that frees last, since only then is a retry accepted.
    /// An arrival stamped before the newest one counted (which the caller prevents by
    /// stamping under the same lock) counts as arriving with it, so windows stay in order.
    pub fn admit(&mut self, endpoint: Endpoint, now: Instant) -> Result<(), Throttled> {
        let lane = self.lanes.entry(endpoint).or_default();
        let now = lane
            .last_second
            .arrivals
            .back()
            .map_or(now, |&newest| now.max(newest));
        let mut refusal: Option<(Duration, u32)> = None;
        for (quota, window) in &mut lane.windows {
            window.forget_before(now, quota.per);
            if window.arrivals.len() >= quota.max as usize {
                let frees_at = window
                    .arrivals
                    .front()
                    .map_or(now, |&oldest| oldest + quota.per);
                let wait = frees_at.saturating_duration_since(now);
                if refusal.is_none_or(|(longest, _)| wait > longest) {
                    refusal = Some((wait, quota.max));
                }
            }
        }
        if let Some((wait, limit)) = refusal {
            lane.throttled += 1;
            let reset_secs = wait.as_nanos().div_ceil(1_000_000_000).max(1);
            return Err(Throttled {
                limit,
                reset_secs: u64::try_from(reset_secs).unwrap_or(u64::MAX),
            });
        }
        for (_, window) in &mut lane.windows {
            window.arrivals.push_back(now);
        }
        lane.last_second.forget_before(now, ONE_SECOND);
        lane.last_second.arrivals.push_back(now);
        lane.peak = lane.peak.max(lane.last_second.arrivals.len());
        Ok(())
    }

    /// The most arrivals accepted in any one-second window, by endpoint key.
    pub fn peaks(&self) -> BTreeMap<String, usize> {
        self.lanes.iter().map(|(e, l)| (e.key(), l.peak)).collect()
    }

    /// Requests answered 429, by endpoint key.
    pub fn throttled(&self) -> BTreeMap<String, u64> {
        self.lanes
            .iter()
            .map(|(e, l)| (e.key(), l.throttled))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_slides_and_reset_rounds_up() {
        let mut limits = Limits::new(10);
        let t0 = Instant::now();
        for i in 0..10 {
            let at = t0 + Duration::from_millis(i * 10);
            assert!(limits.admit(Endpoint::RewardImport, at).is_ok());
        }
        let refused = limits.admit(Endpoint::RewardImport, t0 + Duration::from_millis(500));
        assert_eq!(
            refused,
            Err(Throttled {
                limit: 10,
                reset_secs: 1
            })
        );
        // The first arrival leaves the window exactly one second after it came.
        assert!(
            limits
                .admit(Endpoint::RewardImport, t0 + Duration::from_secs(1))
                .is_ok()
        );
        assert_eq!(limits.peaks()[&Endpoint::RewardImport.key()], 10);
        assert_eq!(limits.throttled()[&Endpoint::RewardImport.key()], 1);
    }

    #[test]
    fn per_minute_reset_counts_whole_seconds() {
        let mut limits = Limits::new(10);
        let t0 = Instant::now();
        for _ in 0..100 {
            assert!(limits.admit(Endpoint::AccountRegister, t0).is_ok());
        }
        let refused = limits.admit(
            Endpoint::AccountRegister,
            t0 + Duration::from_millis(20_500),
        );
        assert_eq!(refused.map_err(|t| t.reset_secs), Err(40));
    }

    #[test]
    fn lookups_are_held_to_50_a_second_and_1000_a_minute_at_once() {
        let mut limits = Limits::new(10);
        let t0 = Instant::now();
        // 50 in the first instant fill the second's window.
        for _ in 0..50 {
            assert!(limits.admit(Endpoint::UserLookup, t0).is_ok());
        }
        assert_eq!(
            limits.admit(Endpoint::UserLookup, t0 + Duration::from_millis(400)),
            Err(Throttled {
                limit: 50,
                reset_secs: 1
            })
        );
        // 50 a second for 20 seconds is 1000: the minute is full though each second is not.
        for s in 1..20 {
            for _ in 0..50 {
                let at = t0 + Duration::from_secs(s);
                assert!(limits.admit(Endpoint::UserLookup, at).is_ok(), "second {s}");
            }
        }
        let refused = limits.admit(Endpoint::UserLookup, t0 + Duration::from_millis(20_500));
        assert_eq!(
            refused,
            Err(Throttled {
                limit: 1000,
                reset_secs: 40
            })
        );
        // The minute frees once the first second's arrivals are 60 s old.
        assert!(
            limits
                .admit(Endpoint::UserLookup, t0 + Duration::from_secs(60))
                .is_ok()
        );
        // The talent lookup counts on its own.
        assert!(
            limits
                .admit(Endpoint::TalentLookup, t0 + Duration::from_secs(60))
                .is_ok()
        );
        assert_eq!(limits.throttled()[&Endpoint::UserLookup.key()], 2);
        assert_eq!(limits.peaks()[&Endpoint::UserLookup.key()], 50);
    }

    #[test]
    fn unlimited_endpoint_still_measures_its_peak() {
        let mut limits = Limits::new(10);
        let t0 = Instant::now();
        for _ in 0..25 {
            assert!(limits.admit(Endpoint::RewardDelete, t0).is_ok());
        }
        assert_eq!(limits.peaks()[&Endpoint::RewardDelete.key()], 25);
    }

    /// The most of `arrivals` (sorted) inside any half-open second `(t - 1 s, t]`, by
    /// trying every `t`: the count only rises when `t` reaches an arrival.
    fn brute_force_peak(arrivals: &[Instant]) -> usize {
        arrivals
            .iter()
            .map(|&t| {
                arrivals
                    .iter()
                    .filter(|&&a| a <= t && a + ONE_SECOND > t)
                    .count()
            })
            .max()
            .unwrap_or(0)
    }

    #[test]
    fn peak_is_the_most_accepted_arrivals_in_any_sliding_second() {
        use rand::rngs::StdRng;
        use rand::{Rng, SeedableRng};
        let mut rng = StdRng::seed_from_u64(42);
        for round in 0..200 {
            let mut limits = Limits::new(10);
            let t0 = Instant::now();
            let mut at = t0;
            let (mut accepted, mut all) = (Vec::new(), Vec::new());
            for _ in 0..rng.random_range(1..120) {
                // Bursts, exact one-second steps and long gaps, all in one run.
                at += match rng.random_range(0..4) {
                    0 => Duration::ZERO,
                    1 => Duration::from_millis(rng.random_range(1..150)),
                    2 => ONE_SECOND,
                    _ => Duration::from_millis(rng.random_range(900..1100)),
                };
                if limits.admit(Endpoint::RewardImport, at).is_ok() {
                    accepted.push(at);
                }
                // The unlimited endpoint accepts every arrival.
                assert!(limits.admit(Endpoint::RewardDelete, at).is_ok());
                all.push(at);
            }
            let peaks = limits.peaks();
            let expected = brute_force_peak(&accepted);
            assert_eq!(
                peaks[&Endpoint::RewardImport.key()],
                expected,
                "round {round}"
            );
            assert!(expected <= 10, "the limit holds in every sliding second");
            assert_eq!(
                peaks[&Endpoint::RewardDelete.key()],
                brute_force_peak(&all),
                "round {round}"
            );
        }
    }

    #[test]
    fn an_arrival_stamped_late_counts_with_the_newest() {
        let mut limits = Limits::new(10);
        let t0 = Instant::now();
        let late = t0 + Duration::from_millis(1500);
        assert!(limits.admit(Endpoint::RewardDelete, late).is_ok());
        assert!(limits.admit(Endpoint::RewardDelete, t0).is_ok());
        assert_eq!(limits.peaks()[&Endpoint::RewardDelete.key()], 2);
    }
}
