//! `[server]` (health and metrics over HTTP) and the scheduled backups of
//! `[review]`: what an operator running the bot as a service sets.

use std::net::SocketAddr;
use std::path::Path;

use serde::Deserialize;

use super::{ConfigError, ReviewConfig};

/// Where health and metrics are served when `[server]` is enabled without a
/// `listen`: loopback only, so nothing is exposed unless written explicitly.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:9464";

/// `[server]`: `/healthz`, `/readyz` and `/metrics` over plain HTTP.
///
/// Off unless `enabled = true` or a `listen` address is written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    pub enabled: bool,
    /// `host:port`; any address other than the loopback default only when written here.
    pub listen: Option<String>,
}

impl ServerConfig {
    /// The address to serve on, or `None` when the server is off.
    ///
    /// Validated at load time, so an address that does not parse here cannot
    /// come from a loaded config; it is treated as off rather than panicking.
    pub fn address(&self) -> Option<SocketAddr> {
        if !self.enabled && self.listen.is_none() {
            return None;
        }
        self.listen
            .as_deref()
            .unwrap_or(DEFAULT_LISTEN)
            .parse()
            .ok()
    }

    pub(super) fn validate(&self, path: &Path) -> Result<(), ConfigError> {
        match &self.listen {
            Some(listen) if listen.parse::<SocketAddr>().is_err() => Err(ConfigError::Invalid {
                path: path.to_path_buf(),
                key: "server.listen",
                message: format!(
                    "{listen:?} is not an address and port such as \"{DEFAULT_LISTEN}\""
                ),
            }),
            _ => Ok(()),
        }
    }
}

pub(super) fn validate_backups(review: &ReviewConfig, path: &Path) -> Result<(), ConfigError> {
    let invalid = |key: &'static str, message: &str| ConfigError::Invalid {
        path: path.to_path_buf(),
        key,
        message: message.to_string(),
    };
    if review.backup_every_hours == 0 {
        return Err(invalid("review.backup_every_hours", "must be at least 1"));
    }
    if review.backup_keep == 0 {
        return Err(invalid(
            "review.backup_keep",
            "must be at least 1 (unset review.backup_dir to turn backups off)",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::config::Config;

    #[test]
    fn the_server_is_off_unless_configured_and_loopback_by_default() {
        let off = Config::from_toml("", "c.toml".as_ref()).unwrap();
        assert_eq!(off.server.address(), None);
        let on = Config::from_toml("[server]\nenabled = true\n", "c.toml".as_ref()).unwrap();
        assert_eq!(on.server.address(), Some(([127, 0, 0, 1], 9464).into()));
        let there =
            Config::from_toml("[server]\nlisten = \"0.0.0.0:80\"\n", "c.toml".as_ref()).unwrap();
        assert_eq!(there.server.address(), Some(([0, 0, 0, 0], 80).into()));
        let bad = Config::from_toml("[server]\nlisten = \"localhost\"\n", "c.toml".as_ref())
            .unwrap_err()
            .to_string();
        assert!(bad.contains("server.listen"), "{bad}");
    }
}
