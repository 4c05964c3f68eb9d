//! Errors from the review log. Every message names the database file, because
//! the person reading it (an operator at start-up, a moderator at the command
//! line) has to know which file to look at.

use std::io;
use std::path::{Path, PathBuf};

use rusqlite::ErrorCode;

/// Something went wrong with the review database.
#[derive(thiserror::Error, Debug)]
pub enum ReviewError {
    #[error("cannot create the folder {} for the review database {}: {source}", .folder.display(), .path.display())]
    CreateFolder {
        path: PathBuf,
        folder: PathBuf,
        source: io::Error,
    },

    #[error("cannot create the review database {}: {source}", .path.display())]
    CreateFile { path: PathBuf, source: io::Error },

    #[error("cannot open the review database {}: {source}", .path.display())]
    Open {
        path: PathBuf,
        source: rusqlite::Error,
    },

    #[error("the review database {} is locked by another process and stayed locked for {} seconds; try again, or stop whatever is holding it", .path.display(), super::BUSY_TIMEOUT.as_secs())]
    Locked {
        path: PathBuf,
        source: rusqlite::Error,
    },

    #[error("the review database {} is read-only; ldnbot must be able to write it and its folder (for the -wal and -shm files)", .path.display())]
    ReadOnly {
        path: PathBuf,
        source: Option<rusqlite::Error>,
    },

    #[error("{} is not an ldnbot review database ({why}); nothing was changed, and the -wal and -shm files beside it were left alone; move it aside and ldnbot will start a new one", .path.display())]
    NotADatabase {
        path: PathBuf,
        why: String,
        source: Option<rusqlite::Error>,
    },

    #[error("the review database {} is no longer the file ldnbot opened ({what}), and the file now there is not one ldnbot can use; not recording until it is", .path.display())]
    Replaced { path: PathBuf, what: &'static str },

    #[error("the review database {} has schema version {found}, but this build of ldnbot knows only up to version {supported}; run a newer ldnbot or point review.database at another file", .path.display())]
    SchemaTooNew {
        path: PathBuf,
        found: i64,
        supported: i64,
    },

    #[error("{} is an SQLite database that ldnbot did not create; refusing to add review tables to it, point review.database at another file", .path.display())]
    ForeignDatabase { path: PathBuf },

    #[error("cannot read or create the key file {} for the review database {}: {source}", .key_path.display(), .path.display())]
    Secret {
        path: PathBuf,
        key_path: PathBuf,
        source: io::Error,
    },

    #[error("cannot write the export of the review database {}: {source}", .path.display())]
    Export { path: PathBuf, source: io::Error },

    #[error("review database {}: {source}", .path.display())]
    Sqlite {
        path: PathBuf,
        source: rusqlite::Error,
    },
}

impl ReviewError {
    /// The database file the error is about.
    pub fn database_path(&self) -> &Path {
        match self {
            ReviewError::CreateFolder { path, .. }
            | ReviewError::CreateFile { path, .. }
            | ReviewError::Open { path, .. }
            | ReviewError::Locked { path, .. }
            | ReviewError::ReadOnly { path, .. }
            | ReviewError::NotADatabase { path, .. }
            | ReviewError::SchemaTooNew { path, .. }
            | ReviewError::ForeignDatabase { path }
            | ReviewError::Secret { path, .. }
            | ReviewError::Export { path, .. }
            | ReviewError::Replaced { path, .. }
            | ReviewError::Sqlite { path, .. } => path,
        }
    }

    /// Sorts an SQLite error into the cases an operator acts on differently.
    pub(crate) fn from_sqlite(path: &Path, source: rusqlite::Error) -> ReviewError {
        let path = path.to_path_buf();
        match source.sqlite_error_code() {
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
                ReviewError::Locked { path, source }
            }
            Some(ErrorCode::ReadOnly) => ReviewError::ReadOnly {
                path,
                source: Some(source),
            },
            Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => {
                ReviewError::NotADatabase {
                    path,
                    why: "SQLite cannot read it, or it is corrupt".to_string(),
                    source: Some(source),
                }
            }
            Some(ErrorCode::CannotOpen | ErrorCode::PermissionDenied) => {
                ReviewError::Open { path, source }
            }
            _ => ReviewError::Sqlite { path, source },
        }
    }
}

/// `.at(path)` turns an SQLite result into a review result naming the file.
pub(crate) trait AtPath<T> {
    fn at(self, path: &Path) -> Result<T, ReviewError>;
}

impl<T> AtPath<T> for Result<T, rusqlite::Error> {
    fn at(self, path: &Path) -> Result<T, ReviewError> {
        self.map_err(|source| ReviewError::from_sqlite(path, source))
    }
}
