//! ldnbot: a Discord FAQ bot for a community of people with rheumatoid
//! arthritis (RA) who ask about low dose naltrexone (LDN).
//!
//! It answers with the most relevant passage of a curated knowledge base, always
//! with a medical disclaimer, and says honestly when the knowledge base does not
//! cover a question.
//!
//! # Layout
//!
//! - [`config`]: the TOML config file (`[safety]` in its own file).
//! - [`knowledge`]: every knowledge file parsed and validated: articles into
//!   [`knowledge::Passage`]s, example questions, known gaps, learned examples,
//!   `synonyms.toml` into [`knowledge::Synonyms`].
//! - [`search`]: retrieval, one concern per file (analysis, stop words, vocabulary,
//!   typos, concepts, query, coverage, examples).
//! - [`triage`]: urgent, caution or none, before any answer.
//! - [`strings`]: small text helpers shared by the parts above; [`texts`]: what members read.
//! - [`answer`]: the [`answer::Engine`], which triages, then answers or abstains
//!   (the weighing of evidence in `answer::decision`).
//! - [`reply`]: answers as terminal text and JSON; [`eval`]: scoring against question files.
//! - [`review`]: the SQLite log of unanswered questions for moderators.
//! - [`reload`]: the live engine and what reloads it (`/reload`, SIGHUP, watching the files).
//! - [`teach`]: a review-log question linked to a passage or a known gap, into `learned.toml`.
//! - [`bot`]: the Discord adapter (poise commands, serenity events).
//! - [`server`]: health, readiness and metrics over HTTP; [`notify`]: the same to systemd.
//! - [`cli`]: the command line the binary runs (`ldnbot unanswered …` in its own file).
//!
//! Everything from the knowledge files to the formatted reply is synchronous and
//! knows nothing of Discord; [`reload`], [`bot`] and `serve` add the async parts.

pub mod answer;
pub mod bot;
pub mod cli;
pub mod config;
pub mod eval;
pub mod knowledge;
pub mod notify;
pub mod reload;
pub mod reply;
pub mod review;
pub mod search;
pub mod server;
pub mod strings;
pub mod teach;
pub mod texts;
pub mod triage;
