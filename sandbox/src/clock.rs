//! The sandbox's clock: the system clock, or a manual one that tests move by hand, so
//! rate limits and token expiry can be tested without waiting and without depending on
//! how fast the machine is.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::lock;

/// Where the sandbox reads "now" for rate limiting and token expiry.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    manual: Option<Arc<Mutex<Instant>>>,
}

impl Clock {
    /// The system's monotonic clock (the default).
    pub fn system() -> Clock {
        Clock { manual: None }
    }

    /// A clock that stands still until [`Clock::advance`] moves it; clones share it.
    pub fn manual() -> Clock {
        Clock {
            manual: Some(Arc::new(Mutex::new(Instant::now()))),
        }
    }

    /// The current instant.
    pub fn now(&self) -> Instant {
        match &self.manual {
            Some(now) => *lock(now),
            None => Instant::now(),
        }
    }

    /// Moves a manual clock forward; returns false (and does nothing) on the system clock.
    pub fn advance(&self, by: Duration) -> bool {
        match &self.manual {
            Some(now) => {
                let mut now = lock(now);
                *now += by;
                true
            }
            None => false,
        }
    }
}
