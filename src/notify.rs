//! Telling systemd what the bot is doing (`Type=notify`): `READY=1` once the
//! commands are registered, `RELOADING=1` then `READY=1` around a reload,
//! `STOPPING=1` on SIGTERM, `WATCHDOG=1` while the gateway is healthy, and
//! `STATUS=` lines for `systemctl status`.
//!
//! Without `NOTIFY_SOCKET` in the environment every call does nothing, so the
//! bot runs the same under any other supervisor or in a terminal.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use sd_notify::NotifyState;

use crate::server::Telemetry;

/// Sends notifications to the service manager, if there is one.
#[derive(Debug)]
pub struct Notifier {
    enabled: bool,
    /// `READY=1` was sent: reloads may then announce themselves.
    ready: AtomicBool,
}

impl Notifier {
    /// Notifies only when started with `NOTIFY_SOCKET`.
    pub fn from_env() -> Notifier {
        Notifier {
            enabled: std::env::var_os("NOTIFY_SOCKET").is_some(),
            ready: AtomicBool::new(false),
        }
    }

    pub fn ready(&self, status: &str) {
        self.ready.store(true, Ordering::Release);
        self.send(&[NotifyState::Ready, NotifyState::Status(status)]);
    }

    /// `RELOADING=1` with the monotonic time systemd needs to match it to the
    /// `READY=1` that follows. Before the first `READY=1` there is nothing to
    /// announce: systemd is still waiting for the start to finish.
    pub fn reloading(&self) {
        if !self.ready.load(Ordering::Acquire) {
            return;
        }
        match NotifyState::monotonic_usec_now() {
            Ok(now) => self.send(&[
                NotifyState::Reloading,
                now,
                NotifyState::Status("reloading the knowledge base"),
            ]),
            Err(error) => tracing::warn!(%error, "cannot read the monotonic clock for RELOADING=1"),
        }
    }

    /// The reload that [`reloading`](Self::reloading) announced has ended.
    pub fn reloaded(&self) {
        if self.ready.load(Ordering::Acquire) {
            self.send(&[
                NotifyState::Ready,
                NotifyState::Status("answering questions"),
            ]);
        }
    }

    pub fn stopping(&self) {
        self.send(&[
            NotifyState::Stopping,
            NotifyState::Status("closing the Discord connection"),
        ]);
    }

    pub fn status(&self, status: &str) {
        self.send(&[NotifyState::Status(status)]);
    }

    pub fn watchdog(&self) {
        self.send(&[NotifyState::Watchdog]);
    }

    fn send(&self, states: &[NotifyState<'_>]) {
        if !self.enabled {
            return;
        }
        if let Err(error) = sd_notify::notify(false, states) {
            tracing::warn!(%error, "cannot notify the service manager");
        }
    }
}

/// Half of systemd's `WatchdogSec`, if the watchdog is on for this process:
/// `WATCHDOG_USEC` set, and `WATCHDOG_PID`, when set, naming this process.
pub fn watchdog_interval() -> Option<Duration> {
    let usec: u64 = std::env::var("WATCHDOG_USEC").ok()?.parse().ok()?;
    if let Ok(pid) = std::env::var("WATCHDOG_PID") {
        if pid.parse::<u32>().ok() != Some(std::process::id()) {
            return None;
        }
    }
    (usec > 0).then(|| Duration::from_micros(usec / 2))
}

/// Pets the watchdog at half its interval while the gateway is connected, so
/// that a bot stuck without Discord is restarted by systemd. Does nothing
/// when the watchdog is off.
pub fn spawn_watchdog(telemetry: Arc<Telemetry>) -> Option<tokio::task::JoinHandle<()>> {
    let every = watchdog_interval()?;
    Some(tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            if telemetry.gateway_connected().await {
                telemetry.notifier().watchdog();
            }
        }
    }))
}
