//! The rules file: `builtin.toml`, and an admin's `knowledge/urgent.toml` that
//! extends it. Parsed with serde (`deny_unknown_fields`, so a typo is an
//! error), then validated: every error names the file, the line and what to fix.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use super::Kind;
use crate::strings::line_of_offset;

/// A rules file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum TriageError {
    #[error("{}:{line}: {message}", file.display())]
    Invalid {
        file: PathBuf,
        line: usize,
        message: String,
    },
}

impl TriageError {
    pub(super) fn at(file: &Path, text: &str, offset: usize, message: impl Into<String>) -> Self {
        TriageError::Invalid {
            file: file.to_path_buf(),
            line: line_of_offset(text, offset),
            message: message.into(),
        }
    }

    /// The 1-based line the error points at.
    pub fn line(&self) -> usize {
        match self {
            TriageError::Invalid { line, .. } => *line,
        }
    }
}

/// The tunable weights of the decision; see `builtin.toml` for each one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    pub urgent_at: f32,
    pub self_harm_at: f32,
    pub support: f32,
    pub model_weight: f32,
    pub combined_at: f32,
    pub model_urgent: f32,
    pub model_caution: f32,
    pub window: u16,
    pub extra_sign: f32,
    pub now: f32,
    pub present: f32,
    pub person: f32,
    pub severity: f32,
    pub emphatic: f32,
    pub hypothetical: f32,
    pub info: f32,
    pub past: f32,
    pub fiction: f32,
    pub bot: f32,
    pub laughter: f32,
    pub negation: f32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            urgent_at: 3.0,
            self_harm_at: 2.5,
            support: 1.5,
            model_weight: 1.0,
            combined_at: 2.5,
            model_urgent: 1.5,
            model_caution: -1.0,
            window: 6,
            extra_sign: 0.75,
            now: 1.0,
            present: 0.5,
            person: 0.5,
            severity: 0.5,
            emphatic: 0.5,
            hypothetical: -2.0,
            info: -2.0,
            past: -2.5,
            fiction: -4.0,
            bot: -3.0,
            laughter: -2.0,
            negation: -3.0,
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SettingsFile {
    urgent_at: Option<Spanned<f64>>,
    self_harm_at: Option<Spanned<f64>>,
    support: Option<Spanned<f64>>,
    model_weight: Option<Spanned<f64>>,
    combined_at: Option<Spanned<f64>>,
    model_urgent: Option<Spanned<f64>>,
    model_caution: Option<Spanned<f64>>,
    window: Option<Spanned<i64>>,
    extra_sign: Option<Spanned<f64>>,
    now: Option<Spanned<f64>>,
    present: Option<Spanned<f64>>,
    person: Option<Spanned<f64>>,
    severity: Option<Spanned<f64>>,
    emphatic: Option<Spanned<f64>>,
    hypothetical: Option<Spanned<f64>>,
    info: Option<Spanned<f64>>,
    past: Option<Spanned<f64>>,
    fiction: Option<Spanned<f64>>,
    bot: Option<Spanned<f64>>,
    laughter: Option<Spanned<f64>>,
    negation: Option<Spanned<f64>>,
}

/// The context cues the decision reads; each is a list of terms.
pub const CUES: &[&str] = &[
    "now",
    "person",
    "self",
    "severity",
    "hypothetical",
    "info",
    "past",
    "fiction",
    "third_party",
    "bot",
    "laughter",
    "negation",
    "idiom",
    "present",
    "opener",
    "figure",
];

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ContextFile {
    now: Option<Vec<Spanned<String>>>,
    person: Option<Vec<Spanned<String>>>,
    #[serde(rename = "self")]
    self_: Option<Vec<Spanned<String>>>,
    severity: Option<Vec<Spanned<String>>>,
    hypothetical: Option<Vec<Spanned<String>>>,
    info: Option<Vec<Spanned<String>>>,
    past: Option<Vec<Spanned<String>>>,
    fiction: Option<Vec<Spanned<String>>>,
    third_party: Option<Vec<Spanned<String>>>,
    bot: Option<Vec<Spanned<String>>>,
    laughter: Option<Vec<Spanned<String>>>,
    negation: Option<Vec<Spanned<String>>>,
    idiom: Option<Vec<Spanned<String>>>,
    present: Option<Vec<Spanned<String>>>,
    opener: Option<Vec<Spanned<String>>>,
    figure: Option<Vec<Spanned<String>>>,
}

impl ContextFile {
    fn into_lists(self) -> [Option<Vec<Spanned<String>>>; 16] {
        [
            self.now,
            self.person,
            self.self_,
            self.severity,
            self.hypothetical,
            self.info,
            self.past,
            self.fiction,
            self.third_party,
            self.bot,
            self.laughter,
            self.negation,
            self.idiom,
            self.present,
            self.opener,
            self.figure,
        ]
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SignFile {
    kind: Spanned<Kind>,
    all: Spanned<Vec<Spanned<String>>>,
    weight: Spanned<f64>,
    window: Option<Spanned<i64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MentionFile {
    kind: Option<Spanned<Kind>>,
    terms: Spanned<Vec<Spanned<String>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    #[serde(default)]
    replace_builtin: bool,
    #[serde(default)]
    settings: SettingsFile,
    #[serde(default)]
    concepts: BTreeMap<String, Spanned<Vec<Spanned<String>>>>,
    #[serde(default)]
    context: ContextFile,
    #[serde(default)]
    sign: Vec<SignFile>,
    #[serde(default)]
    mention: Vec<MentionFile>,
}

/// A sign: concepts that together, within `window` words, describe an emergency.
#[derive(Debug, Clone)]
pub struct Sign {
    pub kind: Kind,
    /// Each slot lists the concept names any of which fills it.
    pub slots: Vec<Vec<String>>,
    pub weight: f32,
    pub window: Option<u16>,
}

/// Rules after parsing and merging, before compiling into a matcher.
#[derive(Debug, Clone, Default)]
pub struct Rules {
    pub settings: Settings,
    /// Concept name → its terms.
    pub concepts: BTreeMap<String, Vec<String>>,
    /// Cue name (one of [`CUES`]) → its terms.
    pub context: BTreeMap<String, Vec<String>>,
    pub signs: Vec<Sign>,
    /// Words that only mention a serious topic: at least a caution.
    /// (kind, terms); no kind: serious, but of no one kind.
    pub mentions: Vec<(Option<Kind>, Vec<String>)>,
}

fn term(file: &Path, text: &str, s: Spanned<String>) -> Result<String, TriageError> {
    let span = s.span();
    let value = s.into_inner();
    if super::normalise::term_stems(&value).is_empty() {
        return Err(TriageError::at(
            file,
            text,
            span.start,
            format!("empty pattern {value:?}: a term needs at least one word"),
        ));
    }
    Ok(value)
}

fn weight(file: &Path, text: &str, w: &Spanned<f64>, what: &str) -> Result<f32, TriageError> {
    let v = *w.get_ref();
    if !v.is_finite() || !(-20.0..=20.0).contains(&v) {
        return Err(TriageError::at(
            file,
            text,
            w.span().start,
            format!("bad weight {v} for {what}: use a number between -20 and 20"),
        ));
    }
    Ok(v as f32)
}

fn window(file: &Path, text: &str, w: &Spanned<i64>) -> Result<u16, TriageError> {
    let v = *w.get_ref();
    if !(1..=40).contains(&v) {
        return Err(TriageError::at(
            file,
            text,
            w.span().start,
            format!("bad window {v}: use a whole number of words from 1 to 40"),
        ));
    }
    Ok(v as u16)
}

impl Rules {
    /// Parses one rules file onto `self` (or in place of it, with
    /// `replace_builtin = true`), validating as it goes.
    pub fn extend(&mut self, text: &str, file: &Path) -> Result<(), TriageError> {
        let parsed: RulesFile = toml::from_str(text).map_err(|e| {
            let offset = e.span().map_or(0, |s| s.start);
            TriageError::at(file, text, offset, e.message().trim().to_string())
        })?;
        if parsed.replace_builtin {
            *self = Rules::default();
        }
        let s = parsed.settings;
        let st = &mut self.settings;
        for (slot, value, name) in [
            (&mut st.urgent_at, &s.urgent_at, "urgent_at"),
            (&mut st.self_harm_at, &s.self_harm_at, "self_harm_at"),
            (&mut st.support, &s.support, "support"),
            (&mut st.model_weight, &s.model_weight, "model_weight"),
            (&mut st.combined_at, &s.combined_at, "combined_at"),
            (&mut st.model_urgent, &s.model_urgent, "model_urgent"),
            (&mut st.model_caution, &s.model_caution, "model_caution"),
            (&mut st.extra_sign, &s.extra_sign, "extra_sign"),
            (&mut st.now, &s.now, "now"),
            (&mut st.present, &s.present, "present"),
            (&mut st.person, &s.person, "person"),
            (&mut st.severity, &s.severity, "severity"),
            (&mut st.emphatic, &s.emphatic, "emphatic"),
            (&mut st.hypothetical, &s.hypothetical, "hypothetical"),
            (&mut st.info, &s.info, "info"),
            (&mut st.past, &s.past, "past"),
            (&mut st.fiction, &s.fiction, "fiction"),
            (&mut st.bot, &s.bot, "bot"),
            (&mut st.laughter, &s.laughter, "laughter"),
            (&mut st.negation, &s.negation, "negation"),
        ] {
            if let Some(v) = value {
                *slot = weight(file, text, v, name)?;
            }
        }
        if let Some(w) = &s.window {
            st.window = window(file, text, w)?;
        }
        for (name, terms) in parsed.concepts {
            let span = terms.span();
            if name.trim().is_empty() || name.contains('|') {
                return Err(TriageError::at(
                    file,
                    text,
                    span.start,
                    format!("bad concept name {name:?}"),
                ));
            }
            let list = self.concepts.entry(name).or_default();
            for t in terms.into_inner() {
                list.push(term(file, text, t)?);
            }
        }
        for (name, terms) in CUES.iter().zip(parsed.context.into_lists()) {
            if let Some(terms) = terms {
                let list = self.context.entry((*name).to_string()).or_default();
                for t in terms {
                    list.push(term(file, text, t)?);
                }
            }
        }
        let mut new_signs = Vec::new();
        for sign in parsed.sign {
            let all_span = sign.all.span();
            let mut slots = Vec::new();
            for slot in sign.all.into_inner() {
                let span = slot.span();
                let names: Vec<String> = slot
                    .get_ref()
                    .split('|')
                    .map(|n| n.trim().to_string())
                    .collect();
                if names.iter().any(String::is_empty) {
                    return Err(TriageError::at(
                        file,
                        text,
                        span.start,
                        format!("empty concept name in {:?}", slot.get_ref()),
                    ));
                }
                slots.push((span.start, names));
            }
            if slots.is_empty() {
                return Err(TriageError::at(
                    file,
                    text,
                    all_span.start,
                    "empty pattern: a sign's `all` needs at least one concept",
                ));
            }
            new_signs.push((
                slots,
                Sign {
                    kind: *sign.kind.get_ref(),
                    slots: Vec::new(),
                    weight: weight(file, text, &sign.weight, "a sign")?,
                    window: sign
                        .window
                        .as_ref()
                        .map(|w| window(file, text, w))
                        .transpose()?,
                },
            ));
        }
        // Concepts may be defined anywhere in the merged rules, so check names last.
        for (slots, mut sign) in new_signs {
            for (offset, names) in slots {
                for n in &names {
                    if !self.concepts.contains_key(n) {
                        return Err(TriageError::at(
                            file,
                            text,
                            offset,
                            format!("unknown concept {n:?}: define it under [concepts]"),
                        ));
                    }
                }
                sign.slots.push(names);
            }
            self.signs.push(sign);
        }
        for m in parsed.mention {
            let mut terms = Vec::new();
            let span = m.terms.span();
            for t in m.terms.into_inner() {
                terms.push(term(file, text, t)?);
            }
            if terms.is_empty() {
                return Err(TriageError::at(
                    file,
                    text,
                    span.start,
                    "empty pattern: a mention needs at least one term",
                ));
            }
            self.mentions.push((m.kind.map(|k| *k.get_ref()), terms));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> TriageError {
        Rules::default()
            .extend(text, Path::new("urgent.toml"))
            .expect_err("should fail")
    }

    #[test]
    fn errors_name_file_and_line() {
        let e = err("[concepts]\nface = [\"face\"]\n\n[[sign]]\nkind = \"strok\"\nall = [\"face\"]\nweight = 3\n");
        assert_eq!(e.line(), 5, "{e}");
        assert!(e.to_string().starts_with("urgent.toml:5:"), "{e}");

        let e = err("[concepts]\nface = [\"face\"]\n[[sign]]\nkind = \"stroke\"\nall = [\"face\", \"droop\"]\nweight = 3\n");
        assert_eq!(e.line(), 5);
        assert!(e.to_string().contains("unknown concept \"droop\""), "{e}");

        let e = err("[concepts]\nface = [\"face\", \"  \"]\n");
        assert_eq!(e.line(), 2);
        assert!(e.to_string().contains("empty pattern"), "{e}");

        let e = err("[concepts]\nface = [\"face\"]\n[[sign]]\nkind = \"stroke\"\nall = [\"face\"]\nweight = 1e9\n");
        assert_eq!(e.line(), 6);
        assert!(e.to_string().contains("bad weight"), "{e}");

        let e = err("[settings]\nurgnt_at = 2\n");
        assert_eq!(e.line(), 2);
        assert!(e.to_string().contains("urgnt_at"), "{e}");

        let e = err("[context]\nnow = [\"now\"]\nsoon = [\"soon\"]\n");
        assert_eq!(e.line(), 3, "{e}");

        let e = err("[[sign]]\nkind = \"stroke\"\nall = []\nweight = 2\n");
        assert_eq!(e.line(), 3);
        assert!(e.to_string().contains("empty pattern"), "{e}");
    }

    #[test]
    fn extends_and_replaces() {
        let mut r = Rules::default();
        r.extend("[concepts]\nface = [\"face\"]\n", Path::new("a"))
            .unwrap();
        r.extend("[concepts]\nface = [\"cheek\"]\n[[sign]]\nkind = \"stroke\"\nall = [\"face\"]\nweight = 3\n", Path::new("b"))
            .unwrap();
        assert_eq!(r.concepts["face"], ["face", "cheek"]);
        assert_eq!(r.signs.len(), 1);
        r.extend(
            "replace_builtin = true\n[concepts]\nx = [\"y\"]\n",
            Path::new("c"),
        )
        .unwrap();
        assert!(r.signs.is_empty());
        assert_eq!(r.concepts.len(), 1);
    }
}
