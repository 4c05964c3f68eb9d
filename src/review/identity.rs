//! Which file the review log has open, and whether its path still names it.
//!
//! SQLite keeps writing to the file it opened, whatever is renamed over its
//! path later. If someone swaps the file, rows keep landing in a file no
//! reader will open, and the bot would keep promising "moderators will see
//! it". So before every write the log compares the device and inode of the
//! path (one `stat`, and one for the `-wal` file) with those of the file it
//! opened, and reopens or refuses when they differ.

use std::fs::{self, File};
use std::io::{self, Read as _};
use std::path::{Path, PathBuf};
use std::sync::MutexGuard;

use rusqlite::Connection;

use super::{ReviewError, ReviewLog};

/// What every SQLite database file starts with.
const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// A file's device and inode (on other platforms, its length and creation time).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FileId(u64, u64);

impl FileId {
    fn of(path: &Path) -> io::Result<FileId> {
        let metadata = fs::metadata(path)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt as _;
            Ok(FileId(metadata.dev(), metadata.ino()))
        }
        #[cfg(not(unix))]
        {
            let created = metadata
                .created()
                .ok()
                .and_then(|at| at.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |since| since.as_secs());
            Ok(FileId(metadata.len(), created))
        }
    }

    fn of_optional(path: &Path) -> io::Result<Option<FileId>> {
        match FileId::of(path) {
            Ok(id) => Ok(Some(id)),
            Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(error) => Err(error),
        }
    }
}

/// The database file and its write-ahead log, as opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct FileIdentity {
    database: FileId,
    /// Learnt at the first write if SQLite had not made the file yet.
    wal: Option<FileId>,
}

impl FileIdentity {
    pub(super) fn of(path: &Path) -> Result<Option<FileIdentity>, ReviewError> {
        let stat = |file: &Path| {
            FileId::of_optional(file).map_err(|source| ReviewError::Open {
                path: path.to_path_buf(),
                source: rusqlite::Error::SqliteFailure(
                    rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CANTOPEN),
                    Some(format!("cannot stat {}: {source}", file.display())),
                ),
            })
        };
        let Some(database) = stat(path)? else {
            return Ok(None);
        };
        Ok(Some(FileIdentity {
            database,
            wal: stat(&wal_path(path))?,
        }))
    }

    /// What changed between `self` (as opened) and the files now at `path`,
    /// or `None` when the path still names them.
    fn changed(&self, path: &Path) -> Option<&'static str> {
        match FileId::of_optional(path) {
            Ok(Some(now)) if now == self.database => {}
            Ok(Some(_)) => return Some("another file was put at its path"),
            Ok(None) => return Some("its file was removed or renamed"),
            Err(_) => return Some("its path cannot be examined"),
        }
        match (self.wal, FileId::of_optional(&wal_path(path))) {
            (None, _) => None,
            (Some(opened), Ok(Some(now))) if now == opened => None,
            (Some(_), _) => Some("its -wal file was removed or replaced"),
        }
    }
}

fn wal_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push("-wal");
    PathBuf::from(name)
}

/// Refuses, before SQLite opens it, a file that cannot be an ldnbot database:
/// SQLite would otherwise replay and then delete the `-wal` file beside it,
/// which may hold another file's rows. An empty file is a new database,
/// unless a `-wal` file with content sits beside it.
pub(super) fn refuse_non_database(path: &Path) -> Result<(), ReviewError> {
    let refuse = |why: String| ReviewError::NotADatabase {
        path: path.to_path_buf(),
        why,
        source: None,
    };
    let mut header = Vec::with_capacity(SQLITE_MAGIC.len());
    match File::open(path) {
        Ok(file) => {
            // At most the magic's length: nothing else of the file is read here.
            let read = file
                .take(SQLITE_MAGIC.len() as u64)
                .read_to_end(&mut header);
            if read.is_err() {
                // Unreadable is for SQLite to report, with its own words.
                return Ok(());
            }
        }
        Err(_) => return Ok(()),
    }
    if header.is_empty() {
        let wal_len = fs::metadata(wal_path(path)).map_or(0, |m| m.len());
        if wal_len > 0 {
            return Err(refuse(
                "the file is empty but a -wal file with content is beside it".to_string(),
            ));
        }
        return Ok(());
    }
    if header.as_slice() != SQLITE_MAGIC.as_slice() {
        return Err(refuse("it does not start with SQLite's header".to_string()));
    }
    Ok(())
}

impl ReviewLog {
    /// The connection, once the path is known to still name the file it has
    /// open; otherwise the file now at the path is opened if it is an ldnbot
    /// database, and the write refused if not. Either way an ERROR line says
    /// what happened, because rows written to a swapped-out file are lost to
    /// every reader.
    pub(super) fn writable_connection(&self) -> Result<MutexGuard<'_, Connection>, ReviewError> {
        let path = self.path();
        let mut connection = self.connection();
        let mut identity = self
            .shared
            .identity
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let what = match identity.as_ref() {
            Some(opened) => match opened.changed(path) {
                None => return Ok(connection),
                Some(what) => what,
            },
            None => "an earlier reopen failed",
        };
        tracing::error!(
            database = %path.display(),
            what,
            "the review database's path no longer names the file ldnbot has open"
        );
        if let Err(error) = refuse_non_database(path) {
            // The file opened stays open: if the original comes back, writing
            // to it is right again.
            tracing::error!(
                database = %path.display(),
                error = %error,
                "not recording: the file at the review database's path is not an ldnbot database"
            );
            return Err(ReviewError::Replaced {
                path: path.to_path_buf(),
                what,
            });
        }
        // Closing the old connection first lets SQLite copy its -wal into the
        // file it belongs to; until the new one is open, no write may go
        // anywhere, which `identity = None` ensures.
        *identity = None;
        let closed = std::mem::replace(
            &mut *connection,
            Connection::open_in_memory().map_err(|source| ReviewError::Sqlite {
                path: path.to_path_buf(),
                source,
            })?,
        );
        drop(closed);
        match super::store::connect(path).and_then(|fresh| Ok((fresh, FileIdentity::of(path)?))) {
            Ok((fresh, now)) => {
                *connection = fresh;
                *identity = now;
                tracing::error!(
                    database = %path.display(),
                    "reopened the review database at its path; new rows go there"
                );
                Ok(connection)
            }
            Err(error) => {
                tracing::error!(
                    database = %path.display(),
                    error = %error,
                    "not recording: cannot reopen the review database at its path"
                );
                Err(ReviewError::Replaced {
                    path: path.to_path_buf(),
                    what,
                })
            }
        }
    }

    /// After a write: learns the `-wal` file's identity once SQLite made it.
    pub(super) fn note_written(&self) {
        let mut identity = self
            .shared
            .identity
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(opened) = identity.as_mut() {
            if opened.wal.is_none() {
                opened.wal = FileId::of_optional(&wal_path(self.path())).ok().flatten();
            }
        }
    }
}
