//! How the command line shows an error: each cause once, and where to look.
//!
//! The library's errors say their cause in their own message, so that one
//! log line reads whole, and also return it as `source()`, so that callers
//! can look at it. Printing the whole chain would then say every cause twice
//! (`cannot read x: No such file…: No such file…`), so a cause that the
//! message already holds is left out.

use std::path::Path;

use crate::config::DEFAULT_CONFIG_PATH;

/// The error and its causes on one line, each said once.
pub fn message(error: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in error.chain() {
        let part = cause.to_string();
        if part.is_empty() || text.contains(&part) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&part);
    }
    text
}

/// When no config was named and the default one is not there, every path
/// came from the defaults: the likeliest fix is to name the config.
pub fn config_hint(named: Option<&Path>) -> Option<String> {
    if named.is_some() || Path::new(DEFAULT_CONFIG_PATH).exists() {
        return None;
    }
    let here = std::env::current_dir()
        .map(|dir| format!(" in {}", dir.display()))
        .unwrap_or_default();
    Some(format!(
        "note: there is no config file at {DEFAULT_CONFIG_PATH}{here}, so every default applied; \
         point at one with --config PATH or LDNBOT_CONFIG=PATH"
    ))
}

/// Prints the error (and the config hint) to stderr.
pub fn print(error: &anyhow::Error, named_config: Option<&Path>) {
    eprintln!("error: {}", message(error));
    if let Some(hint) = config_hint(named_config) {
        eprintln!("{hint}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("cannot read x: {source}")]
    struct Read {
        source: std::io::Error,
    }

    #[test]
    fn a_cause_the_message_holds_is_said_once() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "No such file");
        let error = anyhow::Error::new(Read { source: io }).context("cannot load");
        assert_eq!(message(&error), "cannot load: cannot read x: No such file");
    }
}
