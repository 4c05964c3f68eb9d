//! Analysis: how text becomes words and stems.
//!
//! Passages, vocabulary entries and questions must be cut into words the same
//! way, or a question's stem would never meet the passage's; so every analyzer
//! the index uses is built here, once.

use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer,
    TextAnalyzer,
};

/// The name the passages' fields are indexed under.
pub(super) const ANALYZER: &str = "ldn_en";

/// Lowercased, ASCII-folded words; no stemming.
pub(super) fn word_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

/// The word analyzer plus English stemming: what the index holds.
pub(super) fn stem_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(Stemmer::new(Language::English))
        .build()
}

/// Splits digits from letters ("4.5mg" → "4.5 mg") so doses match however they are typed.
pub(super) fn separate_numbers(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let mut previous: Option<char> = None;
    for c in text.chars() {
        if let Some(p) = previous {
            if (p.is_ascii_digit() && c.is_alphabetic())
                || (p.is_alphabetic() && c.is_ascii_digit())
            {
                out.push(' ');
            }
        }
        out.push(c);
        previous = Some(c);
    }
    out
}

/// The tokens `analyzer` makes of `text`, in order.
pub(super) fn tokens(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut stream = analyzer.token_stream(text);
    let mut out = Vec::new();
    while stream.advance() {
        out.push(stream.token().text.clone());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_split_from_units() {
        assert_eq!(separate_numbers("4.5mg a day"), "4.5 mg a day");
    }
}
