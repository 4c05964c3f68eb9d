//! Small text and time helpers for the review log: normalising questions so
//! rephrasings group together, capping stored text, making user text safe to
//! print, and rendering UTC timestamps.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Serialize, Serializer};

/// The current time as unix seconds (UTC).
///
/// A clock set before 1970 yields 0 rather than an error: the review log only
/// needs the time for ordering and retention, and refusing to record a
/// question because of a broken clock would lose it.
pub fn now_unix() -> i64 {
    match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(elapsed) => i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX),
        Err(_) => 0,
    }
}

/// A point in time stored as unix seconds (UTC), shown and serialised as
/// RFC 3339 (`YYYY-MM-DDTHH:MM:SSZ`) because that is what people and
/// spreadsheets read; `.0` gives the raw seconds for arithmetic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_rfc3339(self.0))
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// Renders unix seconds as RFC 3339 in UTC, e.g. `2024-02-29T13:05:09Z`.
///
/// A value too far from today for a calendar date (hundreds of thousands of
/// years) is shown as its raw seconds rather than refused, so a corrupt row
/// still lists.
pub fn format_rfc3339(unix_seconds: i64) -> String {
    match DateTime::<Utc>::from_timestamp(unix_seconds, 0) {
        Some(at) => at.to_rfc3339_opts(SecondsFormat::Secs, true),
        None => unix_seconds.to_string(),
    }
}

/// The form of a question used to group rephrasings of it: lowercase,
/// punctuation removed, whitespace collapsed.
///
/// Apostrophes are dropped rather than turned into spaces so that "LDN's" and
/// "ldns" group together; every other non-alphanumeric character separates
/// words, so "low-dose" groups with "low dose". A question with no letters or
/// digits at all (only emoji, say) keeps its lowercased, whitespace-collapsed
/// text, so such questions do not all collapse into one empty group.
pub fn normalise_question(question: &str) -> String {
    let mut normalised = String::with_capacity(question.len());
    let mut word_break_pending = false;
    for ch in question.chars() {
        if is_apostrophe(ch) {
            continue;
        }
        if ch.is_alphanumeric() {
            if word_break_pending && !normalised.is_empty() {
                normalised.push(' ');
            }
            word_break_pending = false;
            // Some lowercase forms add combining marks ('İ' gives "i̇");
            // keeping only their letters makes normalising idempotent.
            normalised.extend(ch.to_lowercase().filter(|lower| lower.is_alphanumeric()));
        } else {
            word_break_pending = true;
        }
    }
    if normalised.is_empty() {
        return single_line(question)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase();
    }
    normalised
}

fn is_apostrophe(ch: char) -> bool {
    matches!(ch, '\'' | '\u{2019}' | '\u{02BC}' | '`')
}

/// `text` with control characters (newlines, tabs, terminal escape codes) and
/// bidirectional overrides replaced by spaces.
///
/// Questions are typed by strangers and printed to moderators' terminals and
/// Discord: an escape sequence could rewrite the terminal, a newline could
/// forge an extra list entry, and a bidi override could make text read
/// differently from what is stored.
pub fn single_line(text: &str) -> String {
    text.chars()
        .map(|ch| {
            if ch.is_control() || is_bidi_control(ch) {
                ' '
            } else {
                ch
            }
        })
        .collect()
}

fn is_bidi_control(ch: char) -> bool {
    matches!(ch, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Lowercase hexadecimal, two digits per byte.
pub(crate) fn hex_encode(bytes: &[u8]) -> String {
    use fmt::Write as _;
    let mut hex = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        // Writing to a String cannot fail.
        let _ = write!(hex, "{byte:02x}");
    }
    hex
}

/// Decodes hexadecimal text (either case); `None` if any character is not a
/// hex digit or the length is odd.
pub(crate) fn hex_decode(text: &str) -> Option<Vec<u8>> {
    let digits = text.as_bytes();
    if !digits.len().is_multiple_of(2) {
        return None;
    }
    digits
        .chunks(2)
        .map(|pair| {
            let high = (pair[0] as char).to_digit(16)?;
            let low = (pair[1] as char).to_digit(16)?;
            u8::try_from(high * 16 + low).ok()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_known_dates() {
        assert_eq!(format_rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(format_rfc3339(1_709_211_909), "2024-02-29T13:05:09Z");
        assert_eq!(format_rfc3339(-1), "1969-12-31T23:59:59Z");
        assert_eq!(format_rfc3339(4_102_444_800), "2100-01-01T00:00:00Z");
        assert_eq!(format_rfc3339(i64::MAX), i64::MAX.to_string());
    }

    #[test]
    fn hex_round_trip() {
        let bytes = [0u8, 1, 0xab, 0xff];
        assert_eq!(hex_encode(&bytes), "0001abff");
        assert_eq!(hex_decode("0001ABff"), Some(bytes.to_vec()));
        assert_eq!(hex_decode("0g"), None);
        assert_eq!(hex_decode("abc"), None);
    }
}
