//! Throttling repeated failed sign-ins, so a password cannot be guessed by trying many.
//! The policy is data (defaults: 5 failures within 15 minutes lock the name for the rest of
//! that window); the storage layer supplies the recent failures and the time.

use chrono::{DateTime, Duration, Utc};

/// How many failures within what window lock an account name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottlePolicy {
    pub max_failures: u32,
    pub window: Duration,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        ThrottlePolicy { max_failures: 5, window: Duration::minutes(15) }
    }
}

impl ThrottlePolicy {
    /// `Ok` when a sign-in may be tried now; otherwise how long to wait. `recent_failures` are
    /// the failure times since the last success, in any order.
    pub fn check(&self, recent_failures: &[DateTime<Utc>], now: DateTime<Utc>) -> Result<(), Duration> {
        let since = now - self.window;
        let mut in_window: Vec<DateTime<Utc>> = recent_failures.iter().copied().filter(|t| *t > since).collect();
        if (in_window.len() as u64) < u64::from(self.max_failures) {
            return Ok(());
        }
        // Locked until enough failures have aged out of the window to drop below the limit.
        in_window.sort_unstable();
        // (A policy of no failures at all has no failure to wait out: the window is the wait.)
        let Some(&unlocking) = in_window.len().checked_sub(self.max_failures as usize).and_then(|i| in_window.get(i)) else {
            return Err(self.window.max(Duration::seconds(1)));
        };
        let wait = unlocking + self.window - now;
        Err(wait.max(Duration::seconds(1)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(min: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, 10, 0, 0).unwrap() + Duration::minutes(min)
    }

    #[test]
    fn four_failures_are_allowed_the_fifth_locks() {
        let p = ThrottlePolicy::default();
        let four = [t(0), t(1), t(2), t(3)];
        assert_eq!(p.check(&four, t(4)), Ok(()));
        let five = [t(0), t(1), t(2), t(3), t(4)];
        assert_eq!(p.check(&five, t(5)), Err(Duration::minutes(10)));
    }

    #[test]
    fn old_failures_age_out() {
        let p = ThrottlePolicy::default();
        let five = [t(0), t(1), t(2), t(3), t(4)];
        assert_eq!(p.check(&five, t(15)), Ok(()), "the first failure left the window");
        assert!(p.check(&five, t(14)).is_err());
    }

    #[test]
    fn wait_is_at_least_a_second() {
        let p = ThrottlePolicy { max_failures: 1, window: Duration::seconds(10) };
        let at = t(0);
        let wait = p.check(&[at], at + Duration::milliseconds(9_999)).unwrap_err();
        assert_eq!(wait, Duration::seconds(1));
    }

    #[test]
    fn a_policy_of_no_failures_locks_without_panicking() {
        let p = ThrottlePolicy { max_failures: 0, window: Duration::minutes(15) };
        assert_eq!(p.check(&[], t(0)), Err(Duration::minutes(15)));
        assert_eq!(p.check(&[t(0)], t(1)), Err(Duration::minutes(15)));
    }
}
