//! `ldnbot backup OUT`: an online copy of the review log and its key file.

use std::path::Path;
use std::process::ExitCode;

use crate::config::Config;
use crate::review::ReviewLog;

pub(super) fn run(config: &Config, out: &Path) -> anyhow::Result<ExitCode> {
    let review = ReviewLog::open_configured(config)?;
    let backup = review.backup_to(out)?;
    println!(
        "backed up {} question(s) from {} to {} (key file: {})",
        backup.rows,
        review.path().display(),
        backup.path.display(),
        backup.key_path.display()
    );
    Ok(ExitCode::SUCCESS)
}
