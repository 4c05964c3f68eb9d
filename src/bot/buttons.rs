//! The feedback buttons' wire format: what a custom id says, and where the
//! question is read back from.
//!
//! A button's custom id carries everything the click handler needs (the
//! verdict, where the question was asked, the passage shown), and the question
//! is read back from the answer's embed. So clicks keep working after a
//! restart or a reload, and nothing about pending answers is kept in memory.
//! A leaf: rendering writes this format and the click handler reads it.

use std::fmt;
use std::sync::Arc;

use poise::serenity_prelude::Message;

use crate::answer::Engine;
use crate::knowledge::Passage;
use crate::review::{Source, TagKey};

use super::discord::unescape_markdown;

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

/// What a feedback button's custom id says, once its tag checked out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedbackButton {
    pub verdict: Verdict,
    pub source: Source,
    pub passage: PassageRef,
}

/// `fb:<verdict>:<source>:<tag>:<passage id>` or, when that would pass
/// Discord's 100 characters, `fb:<verdict>:<source>:<tag>:#<hash of the id>`.
///
/// The tag is 16 hex digits of an HMAC over everything after it and the
/// verdict and source, keyed by the review log's secret: a custom id the bot
/// did not make is refused, so a member cannot store rows naming passages
/// that do not exist or text of their choosing.
pub fn custom_id(key: &TagKey, verdict: Verdict, source: Source, passage_id: &str) -> String {
    let head_len = CUSTOM_ID_PREFIX.len() + "v:s:".len() + TAG_HEX + 1;
    let fits = head_len + passage_id.len() <= CUSTOM_ID_MAX;
    // An empty id could not be told from a missing one; `#` starts a hash.
    let passage = if fits && !passage_id.is_empty() && !passage_id.starts_with('#') {
        passage_id.to_string()
    } else {
        format!("#{:016x}", passage_hash(passage_id))
    };
    let signed = signed_part(verdict.code(), source_code(source), &passage);
    format!(
        "{CUSTOM_ID_PREFIX}{}:{}:{:016x}:{passage}",
        verdict.code(),
        source_code(source),
        key.tag(&signed)
    )
}

/// Hex digits of a custom id's tag.
const TAG_HEX: usize = 16;

/// What the tag covers: the verdict, the source and the passage reference.
fn signed_part(verdict: char, source: char, passage: &str) -> String {
    format!("{verdict}:{source}:{passage}")
}

/// Reads a custom id the bot made; `None` for anything else: another format,
/// a wrong tag, more than Discord's 100 characters.
pub fn parse_custom_id(key: &TagKey, custom_id: &str) -> Option<FeedbackButton> {
    if custom_id.len() > CUSTOM_ID_MAX {
        return None;
    }
    let rest = custom_id.strip_prefix(CUSTOM_ID_PREFIX)?;
    let mut parts = rest.splitn(4, ':');
    let verdict_code = parts.next()?;
    let source_code = parts.next()?;
    // Exactly as written: lowercase hex, no sign.
    let tag = parts.next().filter(|tag| {
        tag.len() == TAG_HEX && tag.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    })?;
    let tag = u64::from_str_radix(tag, 16).ok()?;
    let passage = parts.next().filter(|p| !p.is_empty())?;
    let verdict = Verdict::from_code(verdict_code)?;
    let source = source_from_code(source_code)?;
    let signed = signed_part(verdict.code(), self::source_code(source), passage);
    if !key.verify(&signed, tag) {
        return None;
    }
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

/// The passage a button refers to, if the live knowledge base still has it:
/// a reload may have renamed or removed it since the answer was shown.
pub fn resolve_passage(engine: &Engine, passage: &PassageRef) -> Option<Arc<Passage>> {
    engine
        .passages()
        .iter()
        .find(|p| match passage {
            PassageRef::Id(id) => &p.id == id,
            PassageRef::Hash(hash) => passage_hash(&p.id) == *hash,
        })
        .cloned()
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

/// The question shown in an answer's embed, as the member typed it (the
/// embed shows it with its markdown escaped).
pub fn question_from_message(message: &Message) -> Option<String> {
    message
        .embeds
        .iter()
        .flat_map(|embed| embed.fields.iter())
        .find(|field| field.name == QUESTION_FIELD)
        .map(|field| unescape_markdown(&field.value))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> TagKey {
        TagKey::from_bytes([7; 32])
    }

    #[test]
    fn custom_ids_round_trip() {
        let id = "ldn-rheumatoid-arthritis/considerations-and-caveats/balancing-risks-and-benefits";
        let custom = custom_id(&key(), Verdict::NotHelpful, Source::Mention, id);
        assert!(custom.len() <= CUSTOM_ID_MAX);
        let parsed = parse_custom_id(&key(), &custom);
        assert!(matches!(
            parsed,
            Some(FeedbackButton {
                verdict: Verdict::NotHelpful,
                source: Source::Mention,
                ..
            })
        ));
    }

    #[test]
    fn every_verdict_round_trips() {
        for verdict in [Verdict::Helpful, Verdict::NotHelpful, Verdict::OtherPassage] {
            let custom = custom_id(&key(), verdict, Source::Dm, "a/b");
            assert_eq!(
                parse_custom_id(&key(), &custom).map(|b| (b.verdict, b.passage)),
                Some((verdict, PassageRef::Id("a/b".to_string())))
            );
        }
    }

    #[test]
    fn long_passage_ids_become_hashes() {
        let id = "a/".repeat(80);
        let custom = custom_id(&key(), Verdict::Helpful, Source::Slash, &id);
        assert!(custom.len() <= CUSTOM_ID_MAX, "{custom}");
        let parsed = parse_custom_id(&key(), &custom).map(|b| b.passage);
        assert_eq!(parsed, Some(PassageRef::Hash(passage_hash(&id))));
    }

    #[test]
    fn a_changed_part_or_another_key_breaks_the_tag() {
        let custom = custom_id(&key(), Verdict::Helpful, Source::Slash, "a/b");
        let other_key = TagKey::from_bytes([8; 32]);
        assert_eq!(parse_custom_id(&other_key, &custom), None);
        let forged = custom.replace(":a/b", ":../../../etc/passwd");
        assert_eq!(parse_custom_id(&key(), &forged), None);
        let verdict_swapped = custom.replacen("fb:h:", "fb:u:", 1);
        assert_eq!(parse_custom_id(&key(), &verdict_swapped), None);
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
            "fb:u:s:0000000000000000:a/b",
            "other",
        ] {
            assert_eq!(parse_custom_id(&key(), junk), None, "{junk}");
        }
    }
}
