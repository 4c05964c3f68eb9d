//! Stop words: the words that say how a question is asked, not what about.
//!
//! Function words, question words, chat filler and the pieces contractions
//! split into carry nothing a passage could cover; left in, "what" and "can"
//! would make every passage look relevant. The list is data
//! (`stop_words.txt`, one word a line, sorted) so it is read and edited as a list.

use std::sync::LazyLock;

/// The words of `stop_words.txt`, sorted, for binary search (a unit test checks).
static STOP_WORDS: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
    include_str!("stop_words.txt")
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect()
});

/// Whether `word` (lowercased, unstemmed) is a stop word.
pub fn is_stop_word(word: &str) -> bool {
    STOP_WORDS.binary_search(&word).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stop_words_are_sorted_and_unique() {
        assert!(
            STOP_WORDS.windows(2).all(|w| w[0] < w[1]),
            "keep stop_words.txt sorted"
        );
        assert!(is_stop_word("what"));
        assert!(!is_stop_word("naltrexone"));
    }
}
