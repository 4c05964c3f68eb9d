//! The per-member question limit: at most N questions in a sliding window.
//!
//! poise's own cooldowns allow one call per duration; a community FAQ wants a
//! small burst (a follow-up or two) and a brake on floods, hence this.
//! Kept by hand: rate-limit crates such as `governor` meter a steady rate
//! (GCRA), not "N per window" with the time until the oldest question leaves it.

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use poise::serenity_prelude::UserId;

/// Above this many tracked members, members whose questions have all left the
/// window are forgotten, so the map does not grow with every member ever seen.
const PRUNE_ABOVE: usize = 4096;

/// Who asked when, within the current window.
#[derive(Debug)]
pub struct Cooldowns {
    limit: usize,
    window: Duration,
    recent: Mutex<HashMap<UserId, VecDeque<Instant>>>,
}

impl Cooldowns {
    pub fn new(limit: u32, window: Duration) -> Cooldowns {
        Cooldowns {
            limit: usize::try_from(limit).unwrap_or(usize::MAX).max(1),
            window,
            recent: Mutex::new(HashMap::new()),
        }
    }

    /// Counts a question by `user` now, or says how long they must wait when
    /// they have used up the window. A refused question is not counted.
    pub fn try_ask(&self, user: UserId) -> Result<(), Duration> {
        self.try_ask_at(user, Instant::now())
    }

    fn try_ask_at(&self, user: UserId, now: Instant) -> Result<(), Duration> {
        if self.window.is_zero() {
            return Ok(());
        }
        // A panic elsewhere while holding the lock leaves only timestamps
        // behind, which are still valid.
        let mut recent = self.recent.lock().unwrap_or_else(PoisonError::into_inner);
        if recent.len() > PRUNE_ABOVE {
            let window = self.window;
            recent.retain(|_, asked| {
                asked
                    .back()
                    .is_some_and(|last| now.saturating_duration_since(*last) < window)
            });
        }
        let asked = recent.entry(user).or_default();
        while asked
            .front()
            .is_some_and(|first| now.saturating_duration_since(*first) >= self.window)
        {
            asked.pop_front();
        }
        if asked.len() >= self.limit {
            let oldest = asked.front().copied().unwrap_or(now);
            let free_at = oldest + self.window;
            return Err(free_at.saturating_duration_since(now));
        }
        asked.push_back(now);
        Ok(())
    }
}

/// "please wait N s", rounded up so that waiting that long always works.
pub fn wait_message(wait: Duration) -> String {
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    format!(
        "You're asking questions quickly. Please wait {} s before asking again.",
        seconds.max(1)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_the_limit_then_refuses_until_the_window_moves() {
        let cooldowns = Cooldowns::new(2, Duration::from_secs(60));
        let user = UserId::new(1);
        let start = Instant::now();
        assert!(cooldowns.try_ask_at(user, start).is_ok());
        assert!(cooldowns
            .try_ask_at(user, start + Duration::from_secs(1))
            .is_ok());
        let wait = cooldowns
            .try_ask_at(user, start + Duration::from_secs(10))
            .unwrap_err();
        assert_eq!(wait, Duration::from_secs(50));
        // Someone else is not affected.
        assert!(cooldowns.try_ask_at(UserId::new(2), start).is_ok());
        // Once the first question leaves the window, one more is allowed.
        assert!(cooldowns
            .try_ask_at(user, start + Duration::from_secs(60))
            .is_ok());
        assert!(cooldowns
            .try_ask_at(user, start + Duration::from_secs(60))
            .is_err());
    }

    #[test]
    fn a_zero_window_never_limits() {
        let cooldowns = Cooldowns::new(1, Duration::ZERO);
        for _ in 0..10 {
            assert!(cooldowns.try_ask(UserId::new(1)).is_ok());
        }
    }

    #[test]
    fn wait_is_rounded_up() {
        assert!(wait_message(Duration::from_millis(1500)).contains("wait 2 s"));
        assert!(wait_message(Duration::from_millis(1)).contains("wait 1 s"));
    }
}
