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
