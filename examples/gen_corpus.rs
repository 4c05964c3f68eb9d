//! Writes a deterministic scale corpus: a knowledge directory of N passages.
//!
//! ```text
//! cargo run --release --example gen_corpus -- --passages 10000 --out /tmp/kb10k [--seed 1]
//! cargo run --release --example gen_corpus -- --questions /tmp/questions.txt [--count 1000]
//! ```
//!
//! The files (`article-00000.md`, …) hold 20–50 passages each: TOML front
//! matter, a `#` title, an overview, `##` sections of one to three paragraphs
//! and lists of bold-titled items, in the LDN/RA article's vocabulary mixed with
//! common English words. `synonyms.toml` is copied from `knowledge/`. The same
//! `--passages` and `--seed` always give the same bytes.
//!
//! `--questions FILE` writes `--count` (default 1 000) questions, one a line, cycling
//! through the benchmarks' mix of short, chatty, typo'd and off-topic questions,
//! for `ldnbot ask` on stdin (the process-level RSS figures in `BENCHMARKS.md`).

#[path = "../benches/support/corpus.rs"]
mod corpus;

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str =
    "usage: gen_corpus [--passages N --out DIR [--seed S]] [--questions FILE [--count N]]";

fn main() -> ExitCode {
    let mut passages: Option<usize> = None;
    let mut out: Option<PathBuf> = None;
    let mut seed: u64 = 1;
    let mut questions: Option<PathBuf> = None;
    let mut count: usize = 1000;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = match arg.as_str() {
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            "--passages" | "--out" | "--seed" | "--questions" | "--count" => match args.next() {
                Some(value) => value,
                None => return usage(&format!("{arg} needs a value")),
            },
            other => return usage(&format!("unexpected argument {other:?}")),
        };
        match arg.as_str() {
            "--passages" => match value.parse() {
                Ok(n) if n > 0 => passages = Some(n),
                _ => return usage("--passages must be a positive whole number"),
            },
            "--seed" => match value.parse() {
                Ok(s) => seed = s,
                Err(_) => return usage("--seed must be a whole number"),
            },
            "--count" => match value.parse() {
                Ok(n) => count = n,
                Err(_) => return usage("--count must be a whole number"),
            },
            "--questions" => questions = Some(PathBuf::from(value)),
            _ => out = Some(PathBuf::from(value)),
        }
    }
    if let Some(path) = &questions {
        let mix = corpus::question_mix();
        let text: String = (0..count)
            .map(|i| format!("{}\n", mix[i % mix.len()].1))
            .collect();
        if let Err(err) = std::fs::write(path, text) {
            eprintln!("error: cannot write {}: {err}", path.display());
            return ExitCode::from(2);
        }
        println!("wrote {count} questions to {}", path.display());
    }
    let (passages, out) = match (passages, out) {
        (Some(passages), Some(out)) => (passages, out),
        (None, None) if questions.is_some() => return ExitCode::SUCCESS,
        _ => return usage("--passages and --out go together, or give --questions"),
    };
    match corpus::generate(&out, passages, seed) {
        Ok(stats) => {
            println!(
                "wrote {} passages in {} files ({} KiB) to {}",
                stats.passages,
                stats.files,
                stats.bytes / 1024,
                out.display()
            );
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("error: cannot write {}: {err}", out.display());
            ExitCode::from(2)
        }
    }
}

fn usage(problem: &str) -> ExitCode {
    eprintln!("error: {problem}\n{USAGE}");
    ExitCode::from(2)
}
