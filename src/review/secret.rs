//! The secret that turns Discord user ids into user keys.
//!
//! Moderators sometimes need to see that one member asked many questions, but
//! not who the member is. A keyed hash (HMAC-SHA256) gives a stable key per
//! member that cannot be reversed by hashing every possible snowflake, as a
//! plain hash could, so long as the secret stays beside the database and out
//! of exports.

use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::text::{hex_decode, hex_encode};

const SECRET_LEN: usize = 32;

/// The HMAC key for user keys. `Debug` does not show it.
#[derive(Clone)]
pub(crate) struct UserKeySecret {
    bytes: [u8; SECRET_LEN],
}

impl fmt::Debug for UserKeySecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("UserKeySecret(<redacted>)")
    }
}

impl UserKeySecret {
    /// The user key for a Discord user id: lowercase hex HMAC-SHA256 of the
    /// id's decimal text.
    pub(crate) fn user_key(&self, user_id: u64) -> String {
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&self.bytes) else {
            unreachable!("HMAC accepts keys of any length");
        };
        mac.update(user_id.to_string().as_bytes());
        hex_encode(&mac.finalize().into_bytes())
    }
}

/// The key that tags what the bot hands out and later reads back, such as
/// the feedback buttons' custom ids, so that a member who crafts one cannot
/// make the bot store what it never showed. Derived from the review log's
/// secret, so it survives restarts and stays with the database. `Debug`
/// does not show it.
#[derive(Clone)]
pub struct TagKey {
    bytes: [u8; SECRET_LEN],
}

impl fmt::Debug for TagKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TagKey(<redacted>)")
    }
}

/// How many bytes of the HMAC a tag keeps: 64 bits is far beyond guessing
/// through Discord's rate limits, and fits a custom id's 100 characters.
const TAG_LEN: usize = 8;

impl TagKey {
    /// A key from raw bytes: for tests and fuzzing; the bot's comes from
    /// [`ReviewLog::tag_key`](super::ReviewLog::tag_key).
    pub fn from_bytes(bytes: [u8; SECRET_LEN]) -> TagKey {
        TagKey { bytes }
    }

    fn mac(&self, message: &str) -> Hmac<Sha256> {
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&self.bytes) else {
            unreachable!("HMAC accepts keys of any length");
        };
        mac.update(message.as_bytes());
        mac
    }

    /// The tag of `message`: the first 8 bytes of its HMAC-SHA256.
    pub fn tag(&self, message: &str) -> u64 {
        let digest = self.mac(message).finalize().into_bytes();
        let mut first = [0u8; TAG_LEN];
        first.copy_from_slice(&digest[..TAG_LEN]);
        u64::from_be_bytes(first)
    }

    /// Whether `tag` is the tag of `message`, compared in constant time.
    pub fn verify(&self, message: &str, tag: u64) -> bool {
        self.mac(message)
            .verify_truncated_left(&tag.to_be_bytes())
            .is_ok()
    }
}

impl UserKeySecret {
    /// A key of its own for tags, so a tag never equals a user key.
    pub(crate) fn tag_key(&self) -> TagKey {
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&self.bytes) else {
            unreachable!("HMAC accepts keys of any length");
        };
        mac.update(b"ldnbot tag key");
        TagKey {
            bytes: mac.finalize().into_bytes().into(),
        }
    }
}

/// Where the key file for a database lives: beside it, named
/// `<database file name>.key`, so backups and moves keep the two together.
pub(crate) fn key_path_for(database: &Path) -> PathBuf {
    let mut name = database
        .file_name()
        .map(|name| name.to_os_string())
        .unwrap_or_default();
    name.push(".key");
    database.with_file_name(name)
}

/// Reads the key file, or creates it (mode 0600) with fresh random bytes.
///
/// Creation writes a temporary file and hard-links it into place, so a second
/// process starting at the same moment either wins the race or reads the
/// complete key of the one that did, never a half-written file.
pub(crate) fn load_or_create(key_path: &Path) -> io::Result<UserKeySecret> {
    match read(key_path) {
        Err(error) if error.kind() == io::ErrorKind::NotFound => create(key_path),
        other => other,
    }
}

fn read(key_path: &Path) -> io::Result<UserKeySecret> {
    let text = fs::read_to_string(key_path)?;
    warn_if_readable_by_others(key_path);
    let bytes = hex_decode(text.trim())
        .and_then(|bytes| <[u8; SECRET_LEN]>::try_from(bytes).ok())
        .ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "the key file must hold {} hex digits; if you have no backup of it, delete it and a new one is made (existing user keys will no longer match new ones)",
                    SECRET_LEN * 2
                ),
            )
        })?;
    Ok(UserKeySecret { bytes })
}

fn create(key_path: &Path) -> io::Result<UserKeySecret> {
    let bytes = random_secret()?;
    let temporary = temporary_path(key_path);
    let written = write_private(&temporary, format!("{}\n", hex_encode(&bytes)).as_bytes())
        .and_then(|()| fs::hard_link(&temporary, key_path));
    // The temporary name is ours alone; failing to remove it is harmless.
    let _ = fs::remove_file(&temporary);
    match written {
        Ok(()) => {
            sync_parent_folder(key_path);
            tracing::info!(key_file = %key_path.display(), "created the review log's user key secret");
            Ok(UserKeySecret { bytes })
        }
        Err(error) if error.kind() == io::ErrorKind::AlreadyExists => read(key_path),
        Err(error) => Err(error),
    }
}

fn temporary_path(key_path: &Path) -> PathBuf {
    static SEQUENCE: AtomicU64 = AtomicU64::new(0);
    let mut name = key_path
        .file_name()
        .map(|name| name.to_os_string())
        .unwrap_or_default();
    name.push(format!(
        ".tmp-{}-{}",
        std::process::id(),
        SEQUENCE.fetch_add(1, Ordering::Relaxed)
    ));
    key_path.with_file_name(name)
}

pub(crate) fn write_private(path: &Path, contents: &[u8]) -> io::Result<()> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(contents)?;
    file.sync_all()
}

/// Makes a new directory entry durable too; best effort, as not every
/// platform can open a folder for syncing.
pub(crate) fn sync_parent_folder(path: &Path) {
    if let Some(folder) = path.parent() {
        let folder = if folder.as_os_str().is_empty() {
            Path::new(".")
        } else {
            folder
        };
        if let Ok(handle) = File::open(folder) {
            let _ = handle.sync_all();
        }
    }
}

#[cfg(unix)]
fn warn_if_readable_by_others(key_path: &Path) {
    use std::os::unix::fs::PermissionsExt as _;
    if let Ok(metadata) = fs::metadata(key_path) {
        if metadata.permissions().mode() & 0o077 != 0 {
            tracing::warn!(
                key_file = %key_path.display(),
                "the review log's key file is readable by other users; chmod 600 it"
            );
        }
    }
}

#[cfg(not(unix))]
fn warn_if_readable_by_others(_key_path: &Path) {}

/// 32 bytes from the operating system's random source.
///
/// There is no fallback: if the system cannot give randomness, creating the
/// key fails, because a guessable key would let anyone with an export link
/// user keys back to Discord ids.
fn random_secret() -> io::Result<[u8; SECRET_LEN]> {
    let mut bytes = [0u8; SECRET_LEN];
    getrandom::fill(&mut bytes).map_err(|error| {
        io::Error::other(format!(
            "the operating system gave no randomness for a new key: {error}"
        ))
    })?;
    Ok(bytes)
}
