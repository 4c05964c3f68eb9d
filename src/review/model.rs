//! The values that go into and come out of the review log, and their text forms.

use std::fmt;
use std::str::FromStr;

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use serde::Serialize;
use strum::VariantArray;

use super::text::Timestamp;

/// Settings that decide what the review log keeps and for how long.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewSettings {
    /// Keep the raw Discord user id next to the user key. Off by default:
    /// the keyed hash is enough to see that one member asked many times,
    /// without keeping who they are.
    pub store_user_ids: bool,
    /// Questions are stored cut to this many characters.
    pub question_max_len: usize,
    /// Review items older than this many days are deleted; 0 keeps them forever.
    pub retention_days: u32,
}

impl Default for ReviewSettings {
    fn default() -> Self {
        ReviewSettings {
            store_user_ids: false,
            question_max_len: 500,
            retention_days: 180,
        }
    }
}

/// One event to record: an abstention, a feedback click, or an answer.
#[derive(Debug, Clone, Copy)]
pub struct NewEntry<'a> {
    /// The question as the member typed it (capped on storage).
    pub question: &'a str,
    pub reason: Reason,
    /// The best (or shown) passage, if there was one.
    pub passage_id: Option<&'a str>,
    pub score: Option<f32>,
    /// The id of the known gap a `known_gap` question is about.
    pub gap: Option<&'a str>,
    pub source: Source,
    pub guild_id: Option<u64>,
    pub channel_id: Option<u64>,
    pub user_id: Option<u64>,
}

/// The error for a name that is not one of an enum's known names, from the
/// command line or from a database row.
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
#[error("unknown {what} {given:?}; expected one of: {expected}")]
pub struct UnknownName {
    pub what: &'static str,
    pub given: String,
    pub expected: String,
}

impl UnknownName {
    /// The error for `given`, listing every name of `T`.
    fn of<T>(what: &'static str, given: &str) -> UnknownName
    where
        T: VariantArray + Copy + Into<&'static str>,
    {
        UnknownName {
            what,
            given: given.to_string(),
            expected: T::VARIANTS
                .iter()
                .map(|value| (*value).into())
                .collect::<Vec<&str>>()
                .join(" "),
        }
    }
}

/// `as_str`, `ALL` and the SQLite conversions for an enum whose names come
/// from strum, so the database, the CLI, JSON and CSV share one spelling.
macro_rules! stored_name {
    ($type:ident) => {
        impl $type {
            /// Every value, in declaration order.
            pub const ALL: &'static [$type] = <$type as VariantArray>::VARIANTS;

            /// The name used in the database, on the command line and in exports.
            pub fn as_str(self) -> &'static str {
                self.into()
            }
        }

        impl ToSql for $type {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                Ok(ToSqlOutput::Borrowed(ValueRef::Text(
                    self.as_str().as_bytes(),
                )))
            }
        }

        impl FromSql for $type {
            fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
                value
                    .as_str()?
                    .parse()
                    .map_err(|unknown: UnknownName| FromSqlError::Other(Box::new(unknown)))
            }
        }
    };
}

/// Why an event was recorded.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    strum::Display,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(
    serialize_all = "snake_case",
    ascii_case_insensitive,
    parse_err_ty = UnknownName,
    parse_err_fn = unknown_reason
)]
pub enum Reason {
    /// The engine found no passage at all.
    NoMatch,
    /// The best passage scored below the answer threshold.
    LowConfidence,
    /// A member clicked "Not helpful" under an answer.
    Unhelpful,
    /// The question looked urgent (the member was pointed to real help).
    Urgent,
    /// The question is about a known gap of the knowledge base.
    KnownGap,
    /// A member opened the runner-up passage ("Did you mean …?") instead of the answer.
    OtherPassage,
    /// A member clicked "Helpful": counted only, no question kept.
    Helpful,
    /// The bot answered: counted only, no question kept.
    Answered,
}

/// The id of the known gap an answer is about, for [`NewEntry::gap`].
pub fn gap_of(answer: &crate::answer::Answer) -> Option<&str> {
    answer.gap().map(|gap| gap.id.as_str())
}

/// What the review log keeps of an answer: an abstention or urgent message is
/// an item for moderators, an answer is counted, an empty question is nothing.
impl From<&crate::answer::Answer> for Option<Reason> {
    fn from(answer: &crate::answer::Answer) -> Option<Reason> {
        use crate::answer::Reason as Why;
        match answer.reason() {
            None => Some(Reason::Answered),
            Some(Why::NoMatch) => Some(Reason::NoMatch),
            Some(Why::LowConfidence) => Some(Reason::LowConfidence),
            Some(Why::Urgent) => Some(Reason::Urgent),
            Some(Why::KnownGap) => Some(Reason::KnownGap),
            Some(Why::Empty) => None,
        }
    }
}

stored_name!(Reason);

impl Reason {
    /// Whether events of this kind are kept as rows with the question text for
    /// moderators to review. Helpful clicks and answered questions need no
    /// review, so only their counts are kept: we hold no health question we
    /// do not need.
    pub fn is_review_item(self) -> bool {
        matches!(
            self,
            Reason::NoMatch
                | Reason::LowConfidence
                | Reason::Unhelpful
                | Reason::Urgent
                | Reason::KnownGap
                | Reason::OtherPassage
        )
    }
}

/// Where a question came from.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    strum::Display,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(
    serialize_all = "snake_case",
    ascii_case_insensitive,
    parse_err_ty = UnknownName,
    parse_err_fn = unknown_source
)]
pub enum Source {
    Slash,
    Mention,
    Dm,
    ContextMenu,
    Cli,
    Button,
}

stored_name!(Source);

/// Where a review item stands with the moderators.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    strum::Display,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::VariantArray,
    Default,
)]
#[serde(rename_all = "snake_case")]
#[strum(
    serialize_all = "snake_case",
    ascii_case_insensitive,
    parse_err_ty = UnknownName,
    parse_err_fn = unknown_status
)]
pub enum Status {
    #[default]
    Open,
    Resolved,
    Dismissed,
}

stored_name!(Status);

/// Which review items a listing or export covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatusFilter {
    Only(Status),
    All,
}

impl Default for StatusFilter {
    /// Open items: what a moderator usually wants to work through.
    fn default() -> Self {
        StatusFilter::Only(Status::Open)
    }
}

impl StatusFilter {
    /// The status to match, or `None` for every status.
    pub fn status(self) -> Option<Status> {
        match self {
            StatusFilter::Only(status) => Some(status),
            StatusFilter::All => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            StatusFilter::Only(status) => status.as_str(),
            StatusFilter::All => "all",
        }
    }
}

impl fmt::Display for StatusFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for StatusFilter {
    type Err = UnknownName;

    /// `open`, `resolved`, `dismissed` or `all` (any case).
    fn from_str(given: &str) -> Result<Self, Self::Err> {
        if given.trim().eq_ignore_ascii_case("all") {
            return Ok(StatusFilter::All);
        }
        given
            .parse::<Status>()
            .map(StatusFilter::Only)
            .map_err(|_| UnknownName {
                what: "status",
                given: given.to_string(),
                expected: "open resolved dismissed all".to_string(),
            })
    }
}

/// The file format of an export.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    strum::Display,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::VariantArray,
    Default,
)]
#[serde(rename_all = "snake_case")]
#[strum(
    serialize_all = "snake_case",
    ascii_case_insensitive,
    parse_err_ty = UnknownName,
    parse_err_fn = unknown_export_format
)]
pub enum ExportFormat {
    /// RFC 4180 CSV with a header row, for spreadsheets.
    #[default]
    Csv,
    /// One JSON object per line, for scripts.
    Jsonl,
}

stored_name!(ExportFormat);

/// One review item as stored: what exports contain, one per row.
///
/// Snowflake ids are strings because JSON readers in JavaScript lose
/// precision on 64-bit integers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReviewEntry {
    pub id: i64,
    pub asked_at: Timestamp,
    pub question: String,
    pub normalised: String,
    pub reason: Reason,
    pub passage_id: Option<String>,
    pub score: Option<f32>,
    pub source: Source,
    pub guild_id: Option<String>,
    pub channel_id: Option<String>,
    pub user_key: Option<String>,
    pub user_id: Option<String>,
    pub status: Status,
    pub resolved_by: Option<String>,
    pub resolved_at: Option<Timestamp>,
    pub note: Option<String>,
    /// The known gap the question is about (`known_gap` items).
    pub gap: Option<String>,
}

/// Review items that share a normalised question and a status, for listing.
///
/// The scalar fields describe the latest item of the group (the one asked
/// last), so `id` is the one to quote when resolving the group.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuestionGroup {
    /// The latest item's id.
    pub id: i64,
    /// Every item's id, newest first.
    pub ids: Vec<i64>,
    /// When the question was last asked.
    pub asked_at: Timestamp,
    /// When it was first asked.
    pub first_asked_at: Timestamp,
    /// The latest wording, as asked.
    pub question: String,
    pub normalised: String,
    /// The latest item's reason.
    pub reason: Reason,
    pub status: Status,
    /// How many items the group holds.
    pub count: u64,
    /// The latest item's best passage.
    pub passage_id: Option<String>,
    pub score: Option<f32>,
    pub note: Option<String>,
    /// The known gap the latest item is about.
    pub gap: Option<String>,
}

/// Event counts over one period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub answered: u64,
    /// `no_match` plus `low_confidence`.
    pub abstained: u64,
    pub no_match: u64,
    pub low_confidence: u64,
    pub unhelpful: u64,
    pub helpful: u64,
    pub urgent: u64,
    /// Questions about a known gap of the knowledge base.
    pub known_gap: u64,
    /// "Did you mean …?" clicks.
    pub other_passage: u64,
}

impl Counts {
    pub(crate) fn add(&mut self, reason: Reason, n: u64) {
        let slot = match reason {
            Reason::NoMatch => &mut self.no_match,
            Reason::LowConfidence => &mut self.low_confidence,
            Reason::Unhelpful => &mut self.unhelpful,
            Reason::Urgent => &mut self.urgent,
            Reason::KnownGap => &mut self.known_gap,
            Reason::OtherPassage => &mut self.other_passage,
            Reason::Helpful => &mut self.helpful,
            Reason::Answered => &mut self.answered,
        };
        *slot += n;
        self.abstained = self.no_match + self.low_confidence;
    }
}

/// A frequently asked open question, for /stats.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TopQuestion {
    pub normalised: String,
    /// The latest wording, as asked.
    pub question: String,
    pub count: u64,
    /// The latest item's id, to resolve the group with.
    pub id: i64,
    pub last_asked_at: Timestamp,
}

/// What /stats shows.
///
/// The 24 h and 7 d windows are counted in whole UTC hours: they cover the
/// current hour and the 23 (or 167) before it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Stats {
    pub last_24h: Counts,
    pub last_7d: Counts,
    pub all_time: Counts,
    /// Open questions asked most often, most first (at most
    /// [`TOP_OPEN_QUESTIONS`](super::TOP_OPEN_QUESTIONS)).
    pub top_open: Vec<TopQuestion>,
    /// Open questions per known gap, most first: which gaps members run
    /// into, and so which articles to write next.
    pub gaps: Vec<GapCount>,
}

/// How many open questions are about one known gap.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GapCount {
    /// The gap's id, as in `knowledge/gaps.toml`.
    pub gap: String,
    pub open: u64,
}

fn unknown_reason(given: &str) -> UnknownName {
    UnknownName::of::<Reason>("reason", given)
}

fn unknown_source(given: &str) -> UnknownName {
    UnknownName::of::<Source>("source", given)
}

fn unknown_status(given: &str) -> UnknownName {
    UnknownName::of::<Status>("status", given)
}

fn unknown_export_format(given: &str) -> UnknownName {
    UnknownName::of::<ExportFormat>("export format", given)
}
