//! Small text helpers shared by the engine, the parsers and the review log.

/// The longest prefix of `text` with at most `max` characters, cut on a
/// character boundary so the result is always valid UTF-8.
pub fn truncate_chars(text: &str, max: usize) -> &str {
    match text.char_indices().nth(max) {
        Some((end, _)) => &text[..end],
        None => text,
    }
}

/// The 1-based line of `text` a TOML error points at, when it carries a span:
/// toml reports byte offsets, people look for lines.
pub fn toml_error_line(text: &str, err: &toml::de::Error) -> Option<usize> {
    err.span().map(|span| line_of_offset(text, span.start))
}

/// The 1-based line of a byte offset into `text` (past the end: the last line).
pub fn line_of_offset(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_keeps_whole_characters() {
        assert_eq!(truncate_chars("héllo", 2), "hé");
        assert_eq!(truncate_chars("hi", 5), "hi");
        assert_eq!(truncate_chars("", 0), "");
    }

    #[test]
    fn toml_errors_point_at_a_line() {
        let text = "a = 1\nb = \n";
        let err = toml::from_str::<toml::Table>(text).unwrap_err();
        assert_eq!(toml_error_line(text, &err), Some(2));
    }
}
