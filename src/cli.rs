//! The command line: `ldnbot ask | check | eval | serve | unanswered`.
//!
//! Exit codes: 0 success; 1 an eval scored below `--min-overall`; 2 a usage,
//! config, knowledge or database error. Messages for people go to stderr.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Parser, Subcommand, ValueEnum};

use crate::answer::{Answer, Engine};
use crate::config::{Config, DEFAULT_CONFIG_PATH};
use crate::eval;
use crate::reply::{self, JsonAnswer};

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
    },
    /// Load the config and the knowledge base, and report files, passages and problems.
    Check,
    /// Score the knowledge base against a question file.
    ///
    /// Each line of FILE is {"q": "...", "expect": ["passage id", ...]};
    /// an empty expect means the bot should not answer.
    Eval {
        file: PathBuf,
        /// Print the summary as JSON.
        #[arg(long)]
        json: bool,
        /// Exit 1 when the overall score (percent) is below this.
        #[arg(long, value_name = "PCT")]
        min_overall: Option<f64>,
    },
}

/// Runs the command line; returns the process exit code.
pub fn run(cli: Cli) -> ExitCode {
    let result = match &cli.command {
        Command::Ask {
            question,
            json,
            explain,
        } => load(&cli).and_then(|(_, engine)| ask(&engine, question, *json, *explain)),
        Command::Check => check(&cli),
        Command::Eval {
            file,
            json,
            min_overall,
        } => load(&cli).and_then(|(_, engine)| eval::run(&engine, file, *json, *min_overall)),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
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

fn ask(
    engine: &Engine,
    question: &[String],
    json: bool,
    explain: bool,
) -> anyhow::Result<ExitCode> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let answer_one = |question: &str, out: &mut dyn Write| -> std::io::Result<()> {
        let answer = engine.answer(question);
        if explain {
            write_explanation(engine, question, out)?;
        }
        if json {
            let line = serde_json::to_string(&JsonAnswer::new(question, &answer, engine))
                .map_err(std::io::Error::other)?;
            writeln!(out, "{line}")
        } else {
            write!(out, "{}", reply::text(&answer, engine))
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

fn write_explanation(engine: &Engine, question: &str, out: &mut dyn Write) -> std::io::Result<()> {
    let result = engine.search(question);
    writeln!(out, "# question: {question:?}")?;
    for concept in &result.concepts {
        let forms: Vec<String> = concept
            .forms
            .iter()
            .map(|f| format!("{}@{:.2}", f.stems.join("+"), f.strength))
            .collect();
        writeln!(
            out,
            "#   concept {:?} weight {:.2}{}{} forms [{}]",
            concept.text,
            concept.weight,
            if concept.topic { " topic" } else { "" },
            if concept.unknown { " unknown" } else { "" },
            forms.join(", ")
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
    println!("version: {}", engine.version());
    Ok(ExitCode::SUCCESS)
}

/// Whether `answer` counts as correct for a question expecting `expect` (empty: abstain).
pub fn is_correct(answer: &Answer, expect: &[String]) -> bool {
    match (answer, expect.is_empty()) {
        (Answer::Found { passage, .. }, false) => expect.iter().any(|id| *id == passage.id),
        (Answer::Unanswered { .. }, true) => true,
        _ => false,
    }
}
