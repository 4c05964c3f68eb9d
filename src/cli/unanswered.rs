//! `ldnbot unanswered …`: the review log on the host, for moderators acting
//! without the bot (listing, resolving, linking, exporting).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Subcommand;

use crate::config::Config;
use crate::knowledge::Target;
use crate::review::{self, ExportFormat, ReviewLog, Status, StatusFilter};

#[derive(Debug, Subcommand)]
pub enum UnansweredCommand {
    /// List questions, grouped by wording, newest first.
    List {
        /// open, resolved, dismissed or all
        #[arg(long, default_value = "open")]
        status: StatusFilter,
        #[arg(long, default_value_t = 50)]
        limit: usize,
        /// Print a JSON array instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Mark a question (and the open questions worded the same) resolved.
    Resolve {
        id: i64,
        #[arg(long)]
        note: Option<String>,
    },
    /// Mark a question (and the open questions worded the same) dismissed.
    Dismiss {
        id: i64,
        #[arg(long)]
        note: Option<String>,
    },
    /// Add the question as an example of a passage (then reload the bot).
    Link { id: i64, passage: String },
    /// Add the question as an example of a known gap (then reload the bot).
    Gap { id: i64, gap: String },
    /// Write every question as CSV or JSON lines.
    Export {
        /// csv or jsonl
        #[arg(long, default_value = "csv")]
        format: ExportFormat,
        /// open, resolved, dismissed or all
        #[arg(long, default_value = "all")]
        status: StatusFilter,
        /// Write here instead of stdout.
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Delete every question a member asked, at their request (from the file's bytes too).
    Forget {
        /// The member's Discord user id.
        #[arg(long, value_name = "ID")]
        user: u64,
    },
}

pub(super) fn run(config: &Config, command: &UnansweredCommand) -> anyhow::Result<ExitCode> {
    let review = ReviewLog::open_configured(config)?;
    match command {
        UnansweredCommand::List {
            status,
            limit,
            json,
        } => {
            let groups = review.list(*status, *limit)?;
            if *json {
                println!("{}", serde_json::to_string_pretty(&groups)?);
            } else if groups.is_empty() {
                println!("No questions to review.");
            } else {
                print!("{}", review::render_groups_text(&groups));
            }
        }
        UnansweredCommand::Resolve { id, note } => {
            set_status(&review, *id, Status::Resolved, note.as_deref())?
        }
        UnansweredCommand::Dismiss { id, note } => {
            set_status(&review, *id, Status::Dismissed, note.as_deref())?
        }
        UnansweredCommand::Link { id, passage } => println!(
            "{}",
            crate::teach::teach_from_config(
                config,
                &review,
                *id,
                Target::Passage(passage.clone())
            )?
        ),
        UnansweredCommand::Gap { id, gap } => println!(
            "{}",
            crate::teach::teach_from_config(config, &review, *id, Target::Gap(gap.clone()))?
        ),
        UnansweredCommand::Export {
            format,
            status,
            output,
        } => {
            let count = match output {
                Some(path) => {
                    let mut file = std::fs::File::create(path)
                        .with_context(|| format!("cannot write {}", path.display()))?;
                    let count = review.export(*status, *format, &mut file)?;
                    file.sync_all()
                        .with_context(|| format!("cannot write {}", path.display()))?;
                    count
                }
                None => {
                    let stdout = std::io::stdout();
                    let mut out = stdout.lock();
                    let count = review.export(*status, *format, &mut out)?;
                    out.flush()?;
                    count
                }
            };
            eprintln!("exported {count} questions");
        }
        UnansweredCommand::Forget { user } => forget(&review, *user)?,
    }
    Ok(ExitCode::SUCCESS)
}

fn set_status(
    review: &ReviewLog,
    id: i64,
    status: Status,
    note: Option<&str>,
) -> anyhow::Result<()> {
    let by = std::env::var("USER").map_or_else(|_| "cli".to_string(), |user| format!("cli:{user}"));
    match review.update_status(id, status, &by, note)? {
        Some(rows) => {
            println!("#{id} marked {status} ({rows} question(s) with the same wording)");
            Ok(())
        }
        None => anyhow::bail!("no question with id {id} in {}", review.path().display()),
    }
}

fn forget(review: &ReviewLog, user: u64) -> anyhow::Result<()> {
    let forgotten = review.forget_user(user)?;
    println!("deleted {} question(s) of user {user}", forgotten.deleted);
    if !forgotten.scrubbed {
        eprintln!(
            "note: another process was reading {}; the deleted text leaves its -wal file at the next checkpoint",
            review.path().display()
        );
    }
    Ok(())
}
