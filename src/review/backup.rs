//! Online backups of the review log: a consistent copy taken while the bot
//! runs and writes, with SQLite's backup API, and the key file beside it.
//!
//! The copy is read from its own read-only connection in one step, so it is
//! one snapshot: every row committed before the backup began, nothing half
//! written, and the bot's writes are not held up (WAL readers never block
//! writers). It is written under a temporary name and renamed into place once
//! it passes `PRAGMA integrity_check`, so a file with the backup's name is
//! always a whole backup.
//!
//! The user-key secret is copied too (`OUT.key`): without it, a restored log
//! would key new questions differently from old ones, and /forget-me could
//! not find a member's old rows.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::backup::StepResult;
use rusqlite::{Connection, OpenFlags};

use super::secret::{key_path_for, sync_parent_folder, write_private};
use super::ReviewLog;
use crate::config::ReviewConfig;

/// How long a step waits when the source is busy before trying again.
const BUSY_PAUSE: Duration = Duration::from_millis(50);

/// Names of scheduled backups: `ldnbot-<UTC time>.sqlite3`, which sort by age.
const SCHEDULED_PREFIX: &str = "ldnbot-";
const SCHEDULED_SUFFIX: &str = ".sqlite3";

/// A finished backup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backup {
    pub path: PathBuf,
    pub key_path: PathBuf,
    /// Review items in the copy.
    pub rows: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{} already exists; a backup never overwrites, so give a new file name", .0.display())]
    Exists(PathBuf),
    #[error("cannot write the backup {}: {source}", .path.display())]
    Write { path: PathBuf, source: io::Error },
    #[error("cannot copy the review database {} to {}: {source}", .from.display(), .to.display())]
    Copy {
        from: PathBuf,
        to: PathBuf,
        source: rusqlite::Error,
    },
    #[error("the backup {} failed its integrity check ({message}); it was not kept", .path.display())]
    Integrity { path: PathBuf, message: String },
}

impl ReviewLog {
    /// Copies the review log to `out` (mode 0600) and its key file to
    /// `out.key`, while the log stays in use. Blocks until done.
    pub fn backup_to(&self, out: &Path) -> Result<Backup, BackupError> {
        let key_out = key_path_for(out);
        for path in [out, key_out.as_path()] {
            if path.exists() {
                return Err(BackupError::Exists(path.to_path_buf()));
            }
        }
        let partial = partial_path(out);
        let result = self.copy_to(&partial).and_then(|rows| {
            let key = fs::read(self.key_path()).map_err(|source| BackupError::Write {
                path: key_out.clone(),
                source,
            })?;
            let key_partial = partial_path(&key_out);
            let _ = fs::remove_file(&key_partial);
            write_private(&key_partial, &key)
                .and_then(|()| fs::rename(&key_partial, &key_out))
                .and_then(|()| fs::rename(&partial, out))
                .map_err(|source| BackupError::Write {
                    path: out.to_path_buf(),
                    source,
                })?;
            sync_parent_folder(out);
            Ok(rows)
        });
        match result {
            Ok(rows) => Ok(Backup {
                path: out.to_path_buf(),
                key_path: key_out,
                rows,
            }),
            Err(error) => {
                let _ = fs::remove_file(&partial);
                Err(error)
            }
        }
    }

    /// The copy itself, into `partial`; returns the rows it holds.
    fn copy_to(&self, partial: &Path) -> Result<i64, BackupError> {
        let from = self.path();
        let copy_error = |source| BackupError::Copy {
            from: from.to_path_buf(),
            to: partial.to_path_buf(),
            source,
        };
        let _ = fs::remove_file(partial);
        // SQLite would create the file with the umask's mode; it holds health data.
        write_private(partial, b"").map_err(|source| BackupError::Write {
            path: partial.to_path_buf(),
            source,
        })?;
        let source = Connection::open_with_flags(
            from,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(copy_error)?;
        let mut copy = Connection::open(partial).map_err(copy_error)?;
        {
            let backup = rusqlite::backup::Backup::new(&source, &mut copy).map_err(copy_error)?;
            // -1: every page in one step, so the copy is a single snapshot.
            while backup.step(-1).map_err(copy_error)? != StepResult::Done {
                std::thread::sleep(BUSY_PAUSE);
            }
        }
        // A self-contained file: no -wal beside it to lose.
        copy.pragma_update(None, "journal_mode", "DELETE")
            .map_err(copy_error)?;
        let check: String = copy
            .query_row("PRAGMA integrity_check", [], |row| row.get(0))
            .map_err(copy_error)?;
        if check != "ok" {
            return Err(BackupError::Integrity {
                path: partial.to_path_buf(),
                message: check,
            });
        }
        let rows = copy
            .query_row("SELECT count(*) FROM review_items", [], |row| row.get(0))
            .map_err(copy_error)?;
        copy.close().map_err(|(_, source)| copy_error(source))?;
        Ok(rows)
    }
}

/// `.NAME.partial` beside `path`: never mistaken for a finished backup.
fn partial_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.partial"))
}

/// One scheduled backup into `dir` (created 0700 if missing), named by the
/// time, then deletes the oldest beyond `keep`, key files with them.
pub fn backup_scheduled(log: &ReviewLog, dir: &Path, keep: usize) -> Result<Backup, BackupError> {
    let write_error = |source| BackupError::Write {
        path: dir.to_path_buf(),
        source,
    };
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt as _;
        builder.mode(0o700);
    }
    builder.create(dir).map_err(write_error)?;
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S%.6fZ");
    let backup =
        log.backup_to(&dir.join(format!("{SCHEDULED_PREFIX}{stamp}{SCHEDULED_SUFFIX}")))?;
    let mut kept: Vec<PathBuf> = fs::read_dir(dir)
        .map_err(write_error)?
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| {
            path.file_name()
                .and_then(|name| name.to_str())
                .is_some_and(|name| {
                    name.starts_with(SCHEDULED_PREFIX) && name.ends_with(SCHEDULED_SUFFIX)
                })
        })
        .collect();
    kept.sort();
    let excess = kept.len().saturating_sub(keep);
    for old in &kept[..excess] {
        for path in [old.clone(), key_path_for(old)] {
            if let Err(error) = fs::remove_file(&path) {
                tracing::warn!(%error, path = %path.display(), "cannot delete an old backup");
            }
        }
    }
    Ok(backup)
}

/// Backs up into `review.backup_dir` at start-up and every
/// `review.backup_every_hours`; `None` when no directory is set.
pub fn spawn_scheduled_backups(
    config: &ReviewConfig,
    log: ReviewLog,
) -> Option<tokio::task::JoinHandle<()>> {
    let dir = config.backup_dir.clone()?;
    let keep = config.backup_keep;
    let every = Duration::from_secs(u64::from(config.backup_every_hours) * 3600);
    Some(tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            let (log, dir) = (log.clone(), dir.clone());
            match tokio::task::spawn_blocking(move || backup_scheduled(&log, &dir, keep)).await {
                Ok(Ok(backup)) => tracing::info!(
                    path = %backup.path.display(),
                    rows = backup.rows,
                    "backed up the review log"
                ),
                Ok(Err(error)) => tracing::error!(%error, "scheduled backup failed"),
                Err(error) => tracing::error!(%error, "scheduled backup stopped unexpectedly"),
            }
        }
    }))
}
