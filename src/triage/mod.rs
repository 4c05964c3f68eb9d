//! Triage: is this message an emergency, a question about something serious,
//! or neither? It runs before any answer.
//!
//! A member who describes a stroke, an anaphylactic reaction or an overdose
//! happening now, or who shows any sign of suicidal thought or self-harm, must
//! never get an article passage back: they get an urgent notice with their
//! emergency number and a crisis line, and moderators are alerted. A member who
//! only asks *about* a serious symptom gets the normal answer plus one safety
//! line. Missing an emergency is far worse than a false alarm, so the caution
//! tier is broad and the urgent tier is precise.
//!
//! The rules are data (`builtin.toml`, extendable by an admin's
//! `knowledge/urgent.toml`), built from the public warning-sign lists of health
//! services and suicide-prevention organisations. They describe emergencies as
//! *concepts* that compose — a body part near a change word ("lips" + "swelling"),
//! a symptom near a cue that it is happening now — rather than fixed phrases,
//! and weigh context: now, first person, someone present and severity raise a
//! sign's score; hypotheticals, information questions, past events, fiction and
//! news, hyperbole, negation and questions about the bot lower it. Self-harm is
//! different: any first-person sign is urgent, however hedged.
//!
//! On top of the rules, a small model is trained at load from the labelled
//! corpus in `tests/data/triage/` (logistic regression over hashed stems, stem
//! pairs and character 4-grams, a few milliseconds): its clamped log-odds are
//! added to the rules' score. Chosen by held-out figures — on the corpus check
//! set (82 emergencies, 120 others, not trained on) rules alone made 60
//! emergencies urgent with 7 false alarms, rules plus model 75 with 5; on
//! messages written by others (25 emergencies, 26 others) rules alone 22 with 2,
//! rules plus model 25 with 1. `model_weight = 0` in the rules turns it off.
//!
//! Layout: [`normalise`] (tokens and stems), `lexicon` (the term index with
//! typo tolerance), [`rules`] (the rules file and its errors), `decide` (the
//! scoring of one message), [`model`] (the corpus-trained model), [`helplines`] (numbers per Discord locale and the
//! notice texts), [`score`] (recall and false alarms over a question file).
//!
//! ```ignore
//! let triage = Triage::builtin();
//! let a = triage.assess("my husband's face is drooping and his speech is slurred");
//! assert_eq!(a.level, Level::Urgent);
//! assert_eq!(a.kind, Some(Kind::Stroke));
//! ```
//!
//! Everything here is pure and synchronous; a call costs a few microseconds.

mod decide;
pub mod helplines;
mod lexicon;
pub mod model;
pub mod normalise;
pub mod rules;
pub mod score;

use std::fmt;
use std::path::Path;

use serde::{Deserialize, Serialize};

pub use helplines::{builtin_helpline, caution_line, urgent_notice, Helpline};
pub use rules::TriageError;
pub use score::TriageScore;

use lexicon::{ConceptId, Lexicon};
use rules::{Rules, Settings, CUES};

/// The built-in rules file.
pub const BUILTIN_RULES: &str = include_str!("builtin.toml");

/// How a message is handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// An emergency now, or any sign of suicidal thought or self-harm:
    /// the urgent notice instead of a passage, and a moderators' alert.
    Urgent,
    /// About a serious symptom or risk, with no sign it is happening now:
    /// the normal answer plus one safety line.
    Caution,
    /// Nothing serious.
    None,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Urgent => "urgent",
            Level::Caution => "caution",
            Level::None => "none",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What kind of emergency a message looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Stroke,
    HeartAttack,
    Anaphylaxis,
    Breathing,
    Collapse,
    Seizure,
    Overdose,
    Sepsis,
    GiBleed,
    AcuteAbdomen,
    Bleeding,
    Danger,
    SelfHarm,
    Suicide,
}

impl Kind {
    pub const ALL: [Kind; 14] = [
        Kind::Stroke,
        Kind::HeartAttack,
        Kind::Anaphylaxis,
        Kind::Breathing,
        Kind::Collapse,
        Kind::Seizure,
        Kind::Overdose,
        Kind::Sepsis,
        Kind::GiBleed,
        Kind::AcuteAbdomen,
        Kind::Bleeding,
        Kind::Danger,
        Kind::SelfHarm,
        Kind::Suicide,
    ];

    /// The snake_case name used in rules and question files.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Stroke => "stroke",
            Kind::HeartAttack => "heart_attack",
            Kind::Anaphylaxis => "anaphylaxis",
            Kind::Breathing => "breathing",
            Kind::Collapse => "collapse",
            Kind::Seizure => "seizure",
            Kind::Overdose => "overdose",
            Kind::Sepsis => "sepsis",
            Kind::GiBleed => "gi_bleed",
            Kind::AcuteAbdomen => "acute_abdomen",
            Kind::Bleeding => "bleeding",
            Kind::Danger => "danger",
            Kind::SelfHarm => "self_harm",
            Kind::Suicide => "suicide",
        }
    }

    /// A label for moderators' alerts.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Stroke => "possible stroke",
            Kind::HeartAttack => "possible heart attack",
            Kind::Anaphylaxis => "possible severe allergic reaction",
            Kind::Breathing => "breathing difficulty",
            Kind::Collapse => "collapse or unresponsive",
            Kind::Seizure => "seizure",
            Kind::Overdose => "overdose or poisoning",
            Kind::Sepsis => "possible sepsis or serious infection",
            Kind::GiBleed => "possible internal bleeding",
            Kind::AcuteAbdomen => "sudden severe abdominal pain",
            Kind::Bleeding => "severe bleeding",
            Kind::Danger => "someone in danger",
            Kind::SelfHarm => "self-harm",
            Kind::Suicide => "suicide risk",
        }
    }

    /// Self-harm and suicide: any first-person sign is urgent.
    pub fn is_self_harm(self) -> bool {
        matches!(self, Kind::SelfHarm | Kind::Suicide)
    }

    pub fn parse(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The outcome for one message.
#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    pub level: Level,
    /// The kind that decided the level, when anything serious was found.
    pub kind: Option<Kind>,
    /// The best score reached (compare with the rules' `urgent_at`).
    pub score: f32,
    /// What was matched and how context weighed it, for `--explain`.
    pub why: Vec<String>,
}

impl Assessment {
    pub fn is_urgent(&self) -> bool {
        self.level == Level::Urgent
    }
}

/// A sign compiled to concept ids.
#[derive(Debug)]
struct CompiledSign {
    kind: Kind,
    slots: Vec<Vec<ConceptId>>,
    weight: f32,
    window: u16,
    label: String,
}

/// The triage rules, compiled. Immutable and cheap to share.
#[derive(Debug)]
pub struct Triage {
    settings: Settings,
    lexicon: Lexicon,
    /// Concept id → what it is (a concept name, `cue:NAME`, `mention:KIND`).
    names: Vec<String>,
    /// Concept id of each cue, in [`CUES`] order.
    cues: Vec<ConceptId>,
    /// Concept id → `Some(kind)` for a mention list (`Some(None)`: of no one kind).
    mention_kind: Vec<Option<Option<Kind>>>,
    signs: Vec<CompiledSign>,
    /// Present when `model_weight` is not zero.
    model: Option<model::Model>,
}

impl Triage {
    /// The built-in rules.
    pub fn builtin() -> Triage {
        let mut rules = Rules::default();
        rules
            .extend(BUILTIN_RULES, Path::new("src/triage/builtin.toml"))
            .expect("the built-in triage rules are valid (checked by tests)");
        Triage::compile(rules)
    }

    /// The built-in rules, extended (or replaced, with `replace_builtin = true`)
    /// by an admin's rules file given as its text and its path.
    pub fn load(extra: Option<(&str, &Path)>) -> Result<Triage, TriageError> {
        let mut rules = Rules::default();
        rules.extend(BUILTIN_RULES, Path::new("src/triage/builtin.toml"))?;
        if let Some((text, path)) = extra {
            rules.extend(text, path)?;
        }
        Ok(Triage::compile(rules))
    }

    /// The score at or above which a message is urgent.
    pub fn urgent_at(&self) -> f32 {
        self.settings.urgent_at
    }

    fn compile(rules: Rules) -> Triage {
        let mut lexicon = Lexicon::default();
        let mut names = Vec::new();
        let mut mention_kind = Vec::new();
        let mut by_name = std::collections::HashMap::new();
        let mut add = |name: String,
                       kind: Option<Option<Kind>>,
                       terms: &[String],
                       names: &mut Vec<String>| {
            let id = names.len() as ConceptId;
            for t in terms {
                lexicon.add(id, t);
            }
            names.push(name);
            mention_kind.push(kind);
            id
        };
        for (name, terms) in &rules.concepts {
            let id = add(name.clone(), None, terms, &mut names);
            by_name.insert(name.clone(), id);
        }
        let mut cues = Vec::new();
        for cue in CUES {
            let terms = rules.context.get(*cue).map(Vec::as_slice).unwrap_or(&[]);
            cues.push(add(format!("cue:{cue}"), None, terms, &mut names));
        }
        for (kind, terms) in &rules.mentions {
            let label = kind.map_or("serious", Kind::as_str);
            add(format!("mention:{label}"), Some(*kind), terms, &mut names);
        }
        let signs = rules
            .signs
            .iter()
            .map(|s| CompiledSign {
                kind: s.kind,
                slots: s
                    .slots
                    .iter()
                    .map(|alts| {
                        alts.iter()
                            .filter_map(|n| by_name.get(n).copied())
                            .collect()
                    })
                    .collect(),
                weight: s.weight,
                window: s.window.unwrap_or(rules.settings.window),
                label: s
                    .slots
                    .iter()
                    .map(|alts| alts.join("|"))
                    .collect::<Vec<_>>()
                    .join(" + "),
            })
            .collect();
        let model = (rules.settings.model_weight != 0.0).then(model::Model::builtin);
        Triage {
            model,
            settings: rules.settings,
            lexicon,
            names,
            cues,
            mention_kind,
            signs,
        }
    }

    /// Every concept, cue and mention found in a message, with the words that
    /// matched, for `--explain`.
    pub fn concepts(&self, message: &str) -> Vec<String> {
        let tokens = normalise::tokenise(message);
        self.lexicon
            .find(&tokens.tokens)
            .iter()
            .map(|h| {
                let words: Vec<&str> = tokens.tokens[h.start as usize..h.end as usize]
                    .iter()
                    .map(|t| t.stem.as_str())
                    .collect();
                format!("{}={}", self.names[h.concept as usize], words.join(" "))
            })
            .collect()
    }

    /// Triages one message. Any text is accepted; this never fails or panics.
    pub fn assess(&self, message: &str) -> Assessment {
        let tokens = normalise::tokenise(message);
        let rules = decide::assess_tokens(self, &tokens);
        match &self.model {
            Some(m) => decide::combine(&self.settings, rules, m.logit_of(&tokens.tokens)),
            None => rules.0,
        }
    }

    /// The rules' assessment alone, without the model.
    pub fn assess_rules(&self, message: &str) -> Assessment {
        decide::assess(self, message)
    }
}

#[cfg(test)]
mod tests;
