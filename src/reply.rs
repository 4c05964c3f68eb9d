//! Turning an [`Answer`] into what people read: terminal text, JSON lines, and
//! the pieces of a Discord reply. Every form carries the disclaimer.

use serde::Serialize;

use crate::answer::{Answer, Engine, Reason, Related, Response};
use crate::triage::{caution_line, urgent_notice, Helpline, Level};

pub use crate::texts::{EMPTY_QUESTION, NOT_COVERED, SOMETHING_WENT_WRONG};

/// One question's answer as a JSON line (`ldnbot ask --json`).
#[derive(Debug, Serialize)]
pub struct JsonAnswer<'a> {
    pub question: &'a str,
    pub answered: bool,
    pub passage: Option<&'a str>,
    pub section: Option<String>,
    pub article: Option<&'a str>,
    pub passage_id: Option<&'a str>,
    pub score: Option<f32>,
    pub reason: Option<&'static str>,
    /// The next best passages for an answer; the closest topics for a question not covered.
    pub alternatives: Vec<JsonRelated<'a>>,
    /// The urgent-care notice, for a message that looks like an emergency.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notice: Option<String>,
    /// `urgent`, `caution` or `none`; absent when only the answer was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub triage: Option<&'static str>,
    /// The safety line shown under a caution.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub caution: Option<String>,
    /// The id of the known gap the question is about, or null.
    pub gap: Option<&'a str>,
    /// What the member reads instead of "not covered" for a known gap.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gap_reply: Option<&'a str>,
    pub disclaimer: &'a str,
}

#[derive(Debug, Serialize)]
pub struct JsonRelated<'a> {
    pub passage_id: &'a str,
    pub section: String,
    pub score: f32,
}

impl<'a> JsonAnswer<'a> {
    pub fn new(question: &'a str, answer: &'a Answer, engine: &'a Engine) -> JsonAnswer<'a> {
        let related = |r: &'a Related| JsonRelated {
            passage_id: &r.passage.id,
            section: r.passage.section(),
            score: round(r.score),
        };
        let base = JsonAnswer {
            question,
            answered: false,
            passage: None,
            section: None,
            article: None,
            passage_id: None,
            score: None,
            reason: None,
            alternatives: Vec::new(),
            notice: None,
            triage: None,
            caution: None,
            gap: answer.gap().map(|gap| gap.id.as_str()),
            gap_reply: answer.gap().map(|gap| gap.reply.as_str()),
            disclaimer: engine.disclaimer(),
        };
        match answer {
            Answer::Found {
                passage,
                score,
                alternatives,
                ..
            } => JsonAnswer {
                answered: true,
                passage: Some(&passage.text),
                section: Some(passage.section()),
                article: Some(&passage.article),
                passage_id: Some(&passage.id),
                score: Some(round(*score)),
                alternatives: alternatives.iter().map(related).collect(),
                ..base
            },
            Answer::Unanswered {
                reason, best_guess, ..
            } => JsonAnswer {
                reason: Some(reason.as_str()),
                score: best_guess.as_ref().map(|r| round(r.score)),
                alternatives: best_guess.iter().map(related).collect(),
                notice: (*reason == Reason::Urgent).then(|| engine.urgent_reply().to_string()),
                ..base
            },
        }
    }

    /// A message's triage and answer, with the notice or the safety line for
    /// `helpline` (the generic notice when `None`), as `ldnbot ask --json` prints it.
    pub fn of_response(
        question: &'a str,
        response: &'a Response,
        engine: &'a Engine,
        helpline: Option<&Helpline>,
    ) -> JsonAnswer<'a> {
        let mut json = JsonAnswer::new(question, &response.answer, engine);
        json.triage = Some(response.triage.level.as_str());
        match response.triage.level {
            Level::Urgent => json.notice = Some(notice(engine, helpline)),
            Level::Caution => json.caution = Some(caution_line(helpline)),
            Level::None => {}
        }
        json
    }
}

/// The urgent notice: the numbers of `helpline`, else the configured generic one.
pub fn notice(engine: &Engine, helpline: Option<&Helpline>) -> String {
    match helpline {
        Some(helpline) => urgent_notice(Some(helpline)),
        None => engine.urgent_reply().to_string(),
    }
}

/// A message's reply as plain text for a terminal: the urgent notice, or the
/// answer (a known gap's reply included) with the safety line under a caution.
pub fn response_text(response: &Response, engine: &Engine, helpline: Option<&Helpline>) -> String {
    match response.triage.level {
        Level::Urgent => format!("{}\n\n{}\n", notice(engine, helpline), engine.disclaimer()),
        Level::Caution => format!(
            "{}\n{}\n\n{}\n",
            body(&response.answer, engine),
            caution_line(helpline),
            engine.disclaimer()
        ),
        Level::None => text(&response.answer, engine),
    }
}

fn round(score: f32) -> f32 {
    (score * 1000.0).round() / 1000.0
}

/// The answer as plain text for a terminal.
pub fn text(answer: &Answer, engine: &Engine) -> String {
    format!("{}\n{}\n", body(answer, engine), engine.disclaimer())
}

/// The answer without the disclaimer, ending in a newline.
fn body(answer: &Answer, engine: &Engine) -> String {
    let mut out = String::new();
    match answer {
        Answer::Found {
            passage, see_also, ..
        } => {
            out.push_str(&format!(
                "{}\n(from \"{}\")\n\n{}\n",
                passage.section(),
                passage.article,
                passage.text
            ));
            if let Some(also) = see_also {
                out.push_str(&format!("\nSee also: {}\n", also.passage.section()));
            }
        }
        Answer::Unanswered { gap: Some(gap), .. } => {
            out.push_str(&format!("{}\n\n{}\n", gap.title, gap.reply));
        }
        Answer::Unanswered {
            reason, best_guess, ..
        } => {
            out.push_str(&unanswered_message(*reason, engine));
            out.push('\n');
            if let Some(guess) = best_guess {
                out.push_str(&format!("Closest topic: {}\n", guess.passage.section()));
            }
        }
    }
    out
}

/// What the bot says instead of a passage.
pub fn unanswered_message(reason: Reason, engine: &Engine) -> String {
    match reason {
        Reason::Empty => EMPTY_QUESTION.to_string(),
        Reason::Urgent => engine.urgent_reply().to_string(),
        Reason::NoMatch | Reason::LowConfidence | Reason::KnownGap => NOT_COVERED.to_string(),
    }
}

/// Shortens `text` to at most `max` characters, cutting at a word and adding "…".
pub fn truncate_at_word(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let keep = max.saturating_sub(1);
    let cut = text.char_indices().nth(keep).map_or(text.len(), |(i, _)| i);
    let head = &text[..cut];
    let head = match head.rfind(char::is_whitespace) {
        Some(space) if space > cut / 2 => &head[..space],
        _ => head,
    };
    format!("{}…", head.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_cuts_at_a_word() {
        assert_eq!(truncate_at_word("short", 10), "short");
        let cut = truncate_at_word("one two three four", 12);
        assert_eq!(cut, "one two…");
        assert!(cut.chars().count() <= 12);
        let cut = truncate_at_word("ééééééééééééééé", 5);
        assert_eq!(cut.chars().count(), 5);
    }
}
