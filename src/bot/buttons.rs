//! The feedback buttons' wire format: what a custom id says, and where the
//! question is read back from.
//!
//! A button's custom id carries everything the click handler needs (the
//! verdict, where the question was asked, the passage shown), and the question
//! is read back from the answer's embed. So clicks keep working after a
//! restart or a reload, and nothing about pending answers is kept in memory.
//! A leaf: rendering writes this format and the click handler reads it.

use std::fmt;

use poise::serenity_prelude::Message;

use crate::answer::Engine;
use crate::review::Source;

/// Every feedback custom id starts with this, so other components can coexist.
pub const CUSTOM_ID_PREFIX: &str = "fb:";
/// Discord's limit on a component's custom id.
pub const CUSTOM_ID_MAX: usize = 100;

/// The field that shows the asker's question. A feedback click reads the
/// question back from it, so the button needs no storage.
pub const QUESTION_FIELD: &str = "Your question";
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verdict {
    Helpful,
    NotHelpful,
    /// "Did you mean …?": the member opened the runner-up passage instead.
    OtherPassage,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Helpful => "helpful",
            Verdict::NotHelpful => "not_helpful",
            Verdict::OtherPassage => "other_passage",
        }
    }

    fn code(self) -> char {
        match self {
            Verdict::Helpful => 'h',
            Verdict::NotHelpful => 'u',
            Verdict::OtherPassage => 'o',
        }
    }

    fn from_code(code: &str) -> Option<Verdict> {
        match code {
            "h" => Some(Verdict::Helpful),
            "u" => Some(Verdict::NotHelpful),
            "o" => Some(Verdict::OtherPassage),
            _ => None,
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which passage a button refers to: its id, or a hash of an id too long to
/// fit in a custom id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PassageRef {
    Id(String),
    Hash(u64),
}

/// What a feedback button's custom id says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedbackButton {
    pub verdict: Verdict,
    pub source: Source,
    pub passage: PassageRef,
}

/// `fb:<verdict>:<source>:<passage id>` or, when that would pass Discord's
/// 100 characters, `fb:<verdict>:<source>:#<hash of the passage id>`.
pub fn custom_id(verdict: Verdict, source: Source, passage_id: &str) -> String {
    let head = format!(
        "{CUSTOM_ID_PREFIX}{}:{}:",
        verdict.code(),
        source_code(source)
    );
    if head.len() + passage_id.len() <= CUSTOM_ID_MAX && !passage_id.starts_with('#') {
        format!("{head}{passage_id}")
    } else {
        format!("{head}#{:016x}", passage_hash(passage_id))
    }
}

pub fn parse_custom_id(custom_id: &str) -> Option<FeedbackButton> {
    let rest = custom_id.strip_prefix(CUSTOM_ID_PREFIX)?;
    let mut parts = rest.splitn(3, ':');
    let verdict = Verdict::from_code(parts.next()?)?;
    let source = source_from_code(parts.next()?)?;
    let passage = parts.next().filter(|p| !p.is_empty())?;
    let passage = match passage.strip_prefix('#') {
        Some(hex) => PassageRef::Hash(u64::from_str_radix(hex, 16).ok()?),
        None => PassageRef::Id(passage.to_string()),
    };
    Some(FeedbackButton {
        verdict,
        source,
        passage,
    })
}

/// The passage id a button refers to, looked up in the current knowledge
/// when the button carries a hash; an unknown hash is kept as `#<hex>`.
pub fn resolve_passage_id(engine: &Engine, passage: &PassageRef) -> String {
    match passage {
        PassageRef::Id(id) => id.clone(),
        PassageRef::Hash(hash) => engine
            .passages()
            .iter()
            .find(|p| passage_hash(&p.id) == *hash)
            .map_or_else(|| format!("#{hash:016x}"), |p| p.id.clone()),
    }
}

/// FNV-1a: stable across builds and platforms, unlike std's hasher.
fn passage_hash(id: &str) -> u64 {
    id.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn source_code(source: Source) -> char {
    match source {
        Source::Slash => 's',
        Source::Mention => 'm',
        Source::Dm => 'd',
        Source::ContextMenu => 'c',
        Source::Cli => 'x',
        Source::Button => 'b',
    }
}

fn source_from_code(code: &str) -> Option<Source> {
    Some(match code {
        "s" => Source::Slash,
        "m" => Source::Mention,
        "d" => Source::Dm,
        "c" => Source::ContextMenu,
        "x" => Source::Cli,
        "b" => Source::Button,
        _ => return None,
    })
}

/// The question shown in an answer's embed.
pub fn question_from_message(message: &Message) -> Option<String> {
    message
        .embeds
        .iter()
        .flat_map(|embed| embed.fields.iter())
        .find(|field| field.name == QUESTION_FIELD)
        .map(|field| field.value.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_ids_round_trip() {
        let id = "ldn-rheumatoid-arthritis/considerations-and-caveats/balancing-risks-and-benefits";
        let custom = custom_id(Verdict::NotHelpful, Source::Mention, id);
        assert!(custom.len() <= CUSTOM_ID_MAX);
        assert_eq!(
            parse_custom_id(&custom),
            Some(FeedbackButton {
                verdict: Verdict::NotHelpful,
                source: Source::Mention,
                passage: PassageRef::Id(id.to_string()),
            })
        );
    }

    #[test]
    fn every_verdict_round_trips() {
        for verdict in [Verdict::Helpful, Verdict::NotHelpful, Verdict::OtherPassage] {
            let custom = custom_id(verdict, Source::Dm, "a/b");
            assert_eq!(parse_custom_id(&custom).map(|b| b.verdict), Some(verdict));
        }
    }

    #[test]
    fn long_passage_ids_become_hashes() {
        let id = "a/".repeat(80);
        let custom = custom_id(Verdict::Helpful, Source::Slash, &id);
        assert!(custom.len() <= CUSTOM_ID_MAX, "{custom}");
        let parsed = parse_custom_id(&custom).map(|b| b.passage);
        assert_eq!(parsed, Some(PassageRef::Hash(passage_hash(&id))));
    }

    #[test]
    fn junk_custom_ids_are_rejected() {
        for junk in [
            "",
            "fb:",
            "fb:x:s:id",
            "fb:h:q:id",
            "fb:h:s:",
            "fb:h:s:#zz",
            "other",
        ] {
            assert_eq!(parse_custom_id(junk), None, "{junk}");
        }
    }
}
