//! The command line: `ldnbot ask | check | eval | serve | unanswered`.
//!
//! Exit codes: 0 success; 1 an eval scored below `--min-overall` (or, with
//! `--triage`, below `--min-recall`); 2 a usage,
//! config, knowledge or database error. Messages for people go to stderr.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use clap::{Parser, Subcommand, ValueEnum};

use crate::answer::{Answer, Engine};
use crate::bot::Token;
use crate::config::{Config, SafetyConfig, DEFAULT_CONFIG_PATH};
use crate::eval;
use crate::knowledge::Target;
use crate::reload::{spawn_sighup_reloader, spawn_watcher, LiveEngine};
use crate::reply::{self, JsonAnswer};
use crate::review::{self, NewEntry, ReviewLog, Source};
use crate::triage::score::{parse_cases, TriageScore};

mod backup;
mod doctor;
mod report;
mod unanswered;

pub use unanswered::UnansweredCommand;

#[derive(Debug, Parser)]
#[command(
    name = "ldnbot",
    version,
    about = "A Discord FAQ bot about low dose naltrexone (LDN) for rheumatoid arthritis"
)]
pub struct Cli {
    /// The config file [default: config/ldnbot.toml]
    #[arg(long, global = true, env = "LDNBOT_CONFIG", value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// How log lines look on stderr; RUST_LOG sets which are shown.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Answer questions from the knowledge base, as the bot would.
    ///
    /// With no QUESTION, reads questions from stdin, one per line; every line,
    /// blank ones included, gets exactly one answer.
    Ask {
        /// The question; several words are joined with spaces.
        question: Vec<String>,
        /// Print one JSON object per question instead of text.
        #[arg(long)]
        json: bool,
        /// Also print how the question was analyzed and how passages scored.
        #[arg(long)]
        explain: bool,
        /// Record questions the bot could not answer in the review log, as the bot does.
        #[arg(long)]
        record: bool,
        /// The Discord locale (e.g. en-GB) whose emergency numbers an urgent
        /// notice names; without it, `safety.default_helpline` or the generic notice.
        #[arg(long, value_name = "LOCALE")]
        locale: Option<String>,
    },
    /// Load the config and the knowledge base, and report files, passages and problems.
    Check,
    /// Score the knowledge base against a question file, or the triage
    /// against a file of labelled messages (--triage).
    ///
    /// Each line of FILE is {"q": "...", "expect": ["passage id", ...]};
    /// an empty expect means the bot should not answer.
    Eval {
        /// One or more question files, scored together.
        #[arg(required_unless_present = "triage", value_name = "FILE")]
        files: Vec<PathBuf>,
        /// Score the triage instead: each line of this file is
        /// {"q": "...", "urgent": true|false, "kind": "..."} (or "level": "urgent"|"caution"|"none").
        #[arg(long, value_name = "FILE", conflicts_with_all = ["files", "min_overall", "without", "json", "folds"])]
        triage: Option<PathBuf>,
        /// With --triage: exit 1 when the share of emergencies made urgent (percent) is below this.
        #[arg(long, value_name = "PCT", requires = "triage")]
        min_recall: Option<f64>,
        /// Print the summary as JSON.
        #[arg(long)]
        json: bool,
        /// Exit 1 when the overall score (percent) is below this.
        #[arg(long, value_name = "PCT")]
        min_overall: Option<f64>,
        /// Switch retrieval techniques off, to see what each contributes.
        #[arg(long, value_enum, value_delimiter = ',', value_name = "TECHNIQUE,...")]
        without: Vec<eval::Technique>,
        /// Cross-validate fitting the decision's weights: fit on K-1 folds of
        /// the questions, score the one left out, K times; then fit on all.
        #[arg(long, value_name = "K", conflicts_with = "min_overall", value_parser = clap::value_parser!(u16).range(2..))]
        folds: Option<u16>,
    },
    /// Check the Discord side with the configured token: the token, the
    /// application, the guilds, the commands, the bot's permissions and the roles.
    ///
    /// Exit 0 when every check passes, 1 when any fails, 2 on a config error.
    Doctor,
    /// Copy the review log, and its key file beside it, while the bot runs.
    Backup {
        /// The backup file to write (never overwritten); the key goes to OUT.key.
        out: PathBuf,
    },
    /// Run the Discord bot. Needs DISCORD_TOKEN in the environment.
    ///
    /// SIGHUP reloads the knowledge base; SIGTERM or Ctrl-C stops the bot.
    Serve,
    /// Review the questions the bot could not answer.
    #[command(subcommand)]
    Unanswered(UnansweredCommand),
}

/// Runs the command line; returns the process exit code.
pub fn run(cli: Cli) -> ExitCode {
    let result = match &cli.command {
        Command::Ask {
            question,
            json,
            explain,
            record,
            locale,
        } => load(&cli).and_then(|(config, engine)| {
            let review = if *record {
                Some(ReviewLog::open_configured(&config)?)
            } else {
                None
            };
            let options = AskOptions {
                json: *json,
                explain: *explain,
                locale: locale.as_deref(),
            };
            ask(&engine, &config.safety, question, &options, review.as_ref())
        }),
        Command::Check => check(&cli),
        Command::Eval {
            triage: Some(file),
            min_recall,
            ..
        } => load(&cli).and_then(|(_, engine)| eval_triage(&engine, file, *min_recall)),
        Command::Eval {
            files,
            json,
            min_overall,
            without,
            folds,
            ..
        } => load_config(cli.config.as_deref()).and_then(|config| {
            anyhow::ensure!(!files.is_empty(), "give a question file, or --triage FILE");
            let engine = eval::engine_without(&config, without)?;
            match folds {
                Some(k) => eval::run_folds(&engine, files, usize::from(*k), *json),
                None => eval::run(&engine, files, *json, *min_overall),
            }
        }),
        Command::Doctor => {
            load_config(cli.config.as_deref()).and_then(|config| doctor::run(&config))
        }
        Command::Backup { out } => {
            load_config(cli.config.as_deref()).and_then(|config| backup::run(&config, out))
        }
        Command::Serve => serve(&cli),
        Command::Unanswered(command) => {
            load_config(cli.config.as_deref()).and_then(|config| unanswered::run(&config, command))
        }
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            report::print(&err, cli.config.as_deref());
            ExitCode::from(2)
        }
    }
}

/// The config: `--config`/`LDNBOT_CONFIG` must exist; the default path may be
/// absent, and then every default applies.
pub fn load_config(path: Option<&Path>) -> anyhow::Result<Config> {
    match path {
        Some(path) => Ok(Config::load(path)?),
        None if Path::new(DEFAULT_CONFIG_PATH).exists() => {
            Ok(Config::load(Path::new(DEFAULT_CONFIG_PATH))?)
        }
        None => {
            tracing::debug!("no {DEFAULT_CONFIG_PATH}; using the default config");
            Ok(Config::defaults())
        }
    }
}

fn load(cli: &Cli) -> anyhow::Result<(Config, Engine)> {
    let config = load_config(cli.config.as_deref())?;
    let engine =
        Engine::load(&config.knowledge.dir, &config.answer, &config.safety).with_context(|| {
            format!(
                "cannot load the knowledge base from {}",
                config.knowledge.dir.display()
            )
        })?;
    Ok((config, engine))
}

/// How `ldnbot ask` prints.
struct AskOptions<'a> {
    json: bool,
    explain: bool,
    locale: Option<&'a str>,
}

fn ask(
    engine: &Engine,
    safety: &SafetyConfig,
    question: &[String],
    options: &AskOptions<'_>,
    review: Option<&ReviewLog>,
) -> anyhow::Result<ExitCode> {
    let json = options.json;
    let helpline = safety.helpline(options.locale);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let answer_one = |question: &str, out: &mut dyn Write| -> std::io::Result<()> {
        let response = engine.respond(question).map_err(std::io::Error::other)?;
        if let Some(review) = review {
            record_unanswered(review, question, &response.answer);
        }
        if options.explain {
            write_triage(&response.triage, out)?;
            write_explanation(engine, question, out)?;
        }
        if json {
            let line = serde_json::to_string(&JsonAnswer::of_response(
                question,
                &response,
                engine,
                helpline.as_ref(),
            ))
            .map_err(std::io::Error::other)?;
            writeln!(out, "{line}")
        } else {
            write!(
                out,
                "{}",
                reply::response_text(&response, engine, helpline.as_ref())
            )
        }
    };
    if question.is_empty() {
        let stdin = std::io::stdin();
        let mut reader = stdin.lock();
        let mut line = Vec::new();
        let mut first = true;
        loop {
            line.clear();
            if reader
                .read_until(b'\n', &mut line)
                .context("cannot read stdin")?
                == 0
            {
                break;
            }
            let text = String::from_utf8_lossy(&line);
            let text = text.trim_end_matches(['\n', '\r']);
            if !json && !first {
                writeln!(out, "---")?;
            }
            first = false;
            answer_one(text, &mut out)?;
        }
    } else {
        answer_one(&question.join(" "), &mut out)?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// The triage's level, kind and reasons, as `# ` lines.
fn write_triage(triage: &crate::triage::Assessment, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(
        out,
        "# triage: {} kind {} score {:.2}",
        triage.level,
        triage.kind.map_or("-", |kind| kind.as_str()),
        triage.score
    )?;
    for why in &triage.why {
        writeln!(out, "#   {why}")?;
    }
    Ok(())
}

/// `ldnbot eval --triage FILE`: recall (overall and per kind), guided and
/// false alarms of the engine's triage rules over a file of labelled messages.
fn eval_triage(engine: &Engine, file: &Path, min_recall: Option<f64>) -> anyhow::Result<ExitCode> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let cases = parse_cases(&text).with_context(|| format!("invalid file {}", file.display()))?;
    let score = TriageScore::score(engine.triage(), &cases);
    print!("{score}");
    let recall = 100.0 * score.recall();
    if let Some(min) = min_recall {
        if recall < min {
            eprintln!("recall {recall:.1}% is below --min-recall {min}%");
            return Ok(ExitCode::from(1));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// How many targets `--explain` shows the examples' evidence for.
const EXPLAINED_TARGETS: usize = 5;

fn write_explanation(engine: &Engine, question: &str, out: &mut dyn Write) -> std::io::Result<()> {
    let result = engine.search(question).map_err(std::io::Error::other)?;
    writeln!(out, "# question: {question:?}")?;
    for concept in &result.concepts {
        let forms: Vec<String> = concept
            .forms
            .iter()
            .map(|f| format!("{}@{:.2}", f.stems.join("+"), f.strength))
            .collect();
        writeln!(
            out,
            "#   concept {:?} weight {:.2}{}{}{} forms [{}]",
            concept.text,
            concept.weight,
            if concept.topic { " topic" } else { "" },
            if concept.unknown { " unknown" } else { "" },
            if concept.background {
                " background"
            } else {
                ""
            },
            forms.join(", ")
        )?;
    }
    if result.asks_number {
        writeln!(
            out,
            "#   asks for a number: only passages that give one can answer"
        )?;
    }
    for hit in &result.hits {
        writeln!(
            out,
            "#   {:<60} bm25 {:6.2} coverage {:.2} title {:.2} rank {:.2} matched {}",
            engine.passages()[hit.passage].id,
            hit.bm25,
            hit.coverage,
            hit.title_coverage,
            hit.rank,
            hit.matched_concepts
        )?;
    }
    // What the examples say, passages then gaps: the strongest few, since a
    // knowledge base has dozens of targets and most get nothing.
    let passages = engine.passages();
    let name = |target: usize| match target.checked_sub(passages.len()) {
        None => passages[target].id.clone(),
        Some(gap) => format!("gap {}", engine.gaps()[gap].id),
    };
    let value = |values: &[f32], target: usize| values.get(target).copied().unwrap_or(0.0);
    let mut targets: Vec<usize> = (0..result.closeness.len())
        .filter(|&t| value(&result.closeness, t) > 0.0 || value(&result.intent, t) >= 0.05)
        .collect();
    targets.sort_by(|&a, &b| {
        let strength = |t| value(&result.closeness, t) + value(&result.intent, t);
        strength(b).total_cmp(&strength(a))
    });
    for target in targets.into_iter().take(EXPLAINED_TARGETS) {
        writeln!(
            out,
            "#   examples {:<51} closeness {:.2} intent {:.2} gap words {:.2} unexplained {:.2}",
            name(target),
            value(&result.closeness, target),
            value(&result.intent, target),
            value(&result.gap_words, target),
            value(&result.unexplained, target)
        )?;
    }
    Ok(())
}

fn check(cli: &Cli) -> anyhow::Result<ExitCode> {
    let config = load_config(cli.config.as_deref())?;
    match &config.source {
        Some(path) => println!("config: {} (ok)", path.display()),
        None => println!("config: built-in defaults"),
    }
    let engine =
        Engine::load(&config.knowledge.dir, &config.answer, &config.safety).with_context(|| {
            format!(
                "knowledge base {} is not valid",
                config.knowledge.dir.display()
            )
        })?;
    println!("knowledge: {}", config.knowledge.dir.display());
    for file in engine.files() {
        let count = engine.passages().iter().filter(|p| &p.file == file).count();
        println!("  {} ({count} passages)", file.display());
    }
    println!("passages: {}", engine.passages().len());
    let examples_of = |target: &Target| {
        engine
            .examples()
            .iter()
            .filter(|example| &example.target == target)
            .count()
    };
    println!("example questions per passage:");
    for passage in engine.passages() {
        let count = examples_of(&Target::Passage(passage.id.clone()));
        println!("  {count:>3}  {}", passage.id);
    }
    if !engine.gaps().is_empty() {
        println!("known gaps (example questions):");
        for gap in engine.gaps() {
            let count = examples_of(&Target::Gap(gap.id.clone()));
            println!("  {count:>3}  {} ({})", gap.id, gap.title);
        }
    }
    println!("version: {}", engine.version());
    Ok(ExitCode::SUCCESS)
}

/// Records an abstention the way the bot does, so `ask --record` can seed the review log.
fn record_unanswered(review: &ReviewLog, question: &str, answer: &Answer) {
    let Some(reason) = Option::<review::Reason>::from(answer) else {
        return;
    };
    let entry = NewEntry {
        question,
        reason,
        passage_id: answer.passage().map(|p| p.id.as_str()),
        score: answer.score(),
        gap: review::gap_of(answer),
        source: Source::Cli,
        guild_id: None,
        channel_id: None,
        user_id: None,
    };
    if let Err(err) = review.record(&entry) {
        tracing::error!(error = %err, "could not record the question");
    }
}

fn serve(cli: &Cli) -> anyhow::Result<ExitCode> {
    let Some(token) = Token::from_env() else {
        eprintln!("error: DISCORD_TOKEN is not set; export DISCORD_TOKEN=<your bot token> (Developer Portal → your application → Bot)");
        return Ok(ExitCode::from(2));
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        // Until a SIGHUP listener exists, SIGHUP would kill the process; tokio keeps
        // its handler installed once any listener has been registered.
        #[cfg(unix)]
        let early_hangup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
            .context("cannot listen for SIGHUP")?;

        let config = load_config(cli.config.as_deref())?;
        // Built on this thread, before anything else runs: the index build's
        // scratch memory then goes back to the main heap instead of lingering in
        // a worker thread's arena for the life of the process.
        let live = Arc::new(LiveEngine::load(&config).with_context(|| {
            format!(
                "cannot load the knowledge base from {}",
                config.knowledge.dir.display()
            )
        })?);
        spawn_sighup_reloader(Arc::clone(&live)).context("cannot listen for SIGHUP")?;
        #[cfg(unix)]
        drop(early_hangup);
        if config.knowledge.watch {
            spawn_watcher(Arc::clone(&live), std::time::Duration::from_secs(1))?;
        }
        let review = ReviewLog::open_configured(&config)?;
        let telemetry = live.telemetry();
        telemetry.watch_review_log(review.path());
        crate::server::start(&config.server, Arc::clone(&telemetry)).await?;
        crate::notify::spawn_watchdog(telemetry);
        crate::review::spawn_scheduled_backups(&config.review, review.clone());
        tracing::info!(
            passages = live.current().passages().len(),
            version = live.current().version(),
            database = %review.path().display(),
            "starting"
        );
        if let Err(err) = crate::bot::serve(config, token, live, review, shutdown_signal()).await {
            eprintln!("error: {}", report::message(&err));
            return Ok(ExitCode::from(1));
        }
        tracing::info!("stopped");
        Ok(ExitCode::SUCCESS)
    })
}

/// Resolves on SIGTERM or Ctrl-C (SIGINT).
async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    _ = interrupt => {}
                    _ = terminate.recv() => {}
                }
            }
            Err(err) => {
                tracing::warn!(error = %err, "cannot listen for SIGTERM; Ctrl-C still stops the bot");
                let _ = interrupt.await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
}
