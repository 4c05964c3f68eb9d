//! The Prometheus metrics: what a monitoring system needs to see that the bot
//! answers, abstains, reloads and stays connected.
//!
//! Labels are fixed words (a source, an outcome, a verdict, a result): never
//! a question, a user or a guild id, so nothing a member types reaches a
//! label and the number of series stays small. Counting on the answer path is
//! a hash lookup of two static strings and an atomic add: no allocation.

use std::fmt;
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::{Registry, Unit};

use crate::answer::{Reason, Response};
use crate::review::Source;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct QuestionLabels {
    source: &'static str,
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct VerdictLabels {
    verdict: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ResultLabels {
    result: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StageLabels {
    stage: &'static str,
}

/// The knowledge version is the one label that is not a fixed word: a short
/// content hash, set on start-up and reload only.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct VersionLabels {
    version: String,
}

/// How a question ended, as counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Answered,
    Abstained,
    KnownGap,
    Urgent,
    RefusedByCooldown,
}

impl Outcome {
    pub fn of(response: &Response) -> Outcome {
        match response.answer.reason() {
            None => Outcome::Answered,
            Some(Reason::Urgent) => Outcome::Urgent,
            Some(Reason::KnownGap) => Outcome::KnownGap,
            Some(Reason::Empty | Reason::NoMatch | Reason::LowConfidence) => Outcome::Abstained,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Outcome::Answered => "answered",
            Outcome::Abstained => "abstained",
            Outcome::KnownGap => "known_gap",
            Outcome::Urgent => "urgent",
            Outcome::RefusedByCooldown => "refused_cooldown",
        }
    }
}

/// The gateway stages a shard reports, as label words.
pub const STAGES: [&str; 6] = [
    "connected",
    "connecting",
    "disconnected",
    "handshake",
    "identifying",
    "resuming",
];

/// Every metric the bot exports, registered once.
pub struct Metrics {
    registry: Registry,
    questions: Family<QuestionLabels, Counter>,
    latency: Histogram,
    feedback: Family<VerdictLabels, Counter>,
    reloads: Family<ResultLabels, Counter>,
    reload_duration: Histogram,
    passages: Gauge,
    knowledge: Family<VersionLabels, Gauge>,
    review_write_failures: Counter,
    reconnects: Counter,
    shard_stage: Family<StageLabels, Gauge>,
}

impl fmt::Debug for Metrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("ldnbot");
        let questions = Family::<QuestionLabels, Counter>::default();
        registry.register(
            "questions",
            "Questions by where they were asked and how they ended",
            questions.clone(),
        );
        // 1 ms to about 4 s: answers take milliseconds, a slow disk seconds.
        let latency = Histogram::new(exponential_buckets(0.001, 2.0, 13));
        registry.register_with_unit(
            "answer_latency",
            "From receiving a question to sending its reply",
            Unit::Seconds,
            latency.clone(),
        );
        let feedback = Family::<VerdictLabels, Counter>::default();
        registry.register(
            "feedback",
            "Clicks on the buttons under answers, by verdict",
            feedback.clone(),
        );
        let reloads = Family::<ResultLabels, Counter>::default();
        registry.register("reloads", "Knowledge reloads by result", reloads.clone());
        let reload_duration = Histogram::new(exponential_buckets(0.01, 2.0, 12));
        registry.register_with_unit(
            "reload_duration",
            "How long successful knowledge reloads took",
            Unit::Seconds,
            reload_duration.clone(),
        );
        let passages = Gauge::default();
        registry.register(
            "passages",
            "Passages in the knowledge version answering now",
            passages.clone(),
        );
        let knowledge = Family::<VersionLabels, Gauge>::default();
        registry.register(
            "knowledge_version",
            "The knowledge version answering now (value 1)",
            knowledge.clone(),
        );
        let review_write_failures = Counter::default();
        registry.register(
            "review_write_failures",
            "Review-log writes that failed",
            review_write_failures.clone(),
        );
        let reconnects = Counter::default();
        registry.register(
            "gateway_reconnects",
            "Times the gateway connection was lost after being up",
            reconnects.clone(),
        );
        let shard_stage = Family::<StageLabels, Gauge>::default();
        for stage in STAGES {
            shard_stage.get_or_create(&StageLabels { stage }).set(0);
        }
        shard_stage
            .get_or_create(&StageLabels {
                stage: "disconnected",
            })
            .set(1);
        registry.register(
            "shard_stage",
            "The gateway shard's connection stage (1 for the current one)",
            shard_stage.clone(),
        );
        Metrics {
            registry,
            questions,
            latency,
            feedback,
            reloads,
            reload_duration,
            passages,
            knowledge,
            review_write_failures,
            reconnects,
            shard_stage,
        }
    }

    /// One question answered (or not) in `elapsed`.
    pub fn question(&self, source: Source, outcome: Outcome, elapsed: Duration) {
        self.questions
            .get_or_create(&QuestionLabels {
                source: source.as_str(),
                outcome: outcome.as_str(),
            })
            .inc();
        if outcome != Outcome::RefusedByCooldown {
            self.latency.observe(elapsed.as_secs_f64());
        }
    }

    pub fn feedback(&self, verdict: &'static str) {
        self.feedback
            .get_or_create(&VerdictLabels { verdict })
            .inc();
    }

    /// A reload ended: `Ok` with its duration and the new knowledge, or `Err`
    /// with the result word ("invalid", "busy", …).
    pub fn reload(&self, result: Result<Duration, &'static str>) {
        let word = match result {
            Ok(elapsed) => {
                self.reload_duration.observe(elapsed.as_secs_f64());
                "ok"
            }
            Err(word) => word,
        };
        self.reloads
            .get_or_create(&ResultLabels { result: word })
            .inc();
    }

    /// The knowledge now answering: its passage count and version.
    pub fn knowledge(&self, passages: usize, version: &str) {
        self.passages
            .set(i64::try_from(passages).unwrap_or(i64::MAX));
        self.knowledge.clear();
        self.knowledge
            .get_or_create(&VersionLabels {
                version: version.to_string(),
            })
            .set(1);
    }

    pub fn review_write_failed(&self) {
        self.review_write_failures.inc();
    }

    pub fn reconnect(&self) {
        self.reconnects.inc();
    }

    /// The shard moved to `stage` (one of [`STAGES`]).
    pub fn shard_stage(&self, stage: &'static str) {
        for known in STAGES {
            let value = i64::from(known == stage);
            self.shard_stage
                .get_or_create(&StageLabels { stage: known })
                .set(value);
        }
    }

    /// Everything, in the OpenMetrics text format Prometheus scrapes.
    pub fn render(&self) -> Result<String, fmt::Error> {
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry)?;
        Ok(text)
    }
}
