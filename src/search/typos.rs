//! Typos: the speller that corrects a word the knowledge base lacks to the
//! closest word it has.
//!
//! Members type on phones, in pain, about words like "rheumatoid" and
//! "naltrexone"; a misspelt word would otherwise find nothing, and the bot would
//! abstain on a question it can answer.

use rustc_hash::{FxHashMap, FxHashSet};

use super::concepts::Word;
use super::SearchIndex;

/// The longest word compared for typos; longer ones are never corrected.
const MAX_TYPO_WORD: usize = 40;

/// Every word of the corpus and the vocabulary, by length.
#[derive(Debug)]
pub(super) struct Speller {
    known_words: FxHashMap<usize, Vec<String>>,
}

impl Speller {
    pub(super) fn new(known: FxHashSet<String>) -> Speller {
        let mut known_words: FxHashMap<usize, Vec<String>> = FxHashMap::default();
        for word in known {
            if word.bytes().all(|b| b.is_ascii_alphabetic()) {
                known_words.entry(word.len()).or_default().push(word);
            }
        }
        for bucket in known_words.values_mut() {
            bucket.sort();
        }
        Speller { known_words }
    }

    /// The known word closest to a misspelt `word`: edit distance 1 from 5
    /// letters, 2 from 8, same first letter; ties go to the alphabetically
    /// first, for stable answers.
    pub(super) fn correct(&self, word: &str) -> Option<String> {
        if !word.bytes().all(|b| b.is_ascii_alphabetic()) {
            return None;
        }
        let len = word.len();
        let max_distance = match len {
            0..=4 => return None,
            5..=7 => 1,
            _ => 2,
        };
        let mut best: Option<(usize, &String)> = None;
        for candidate_len in len.saturating_sub(max_distance)..=len + max_distance {
            // Like most spelling correctors, trust the first letter: it is rarely
            // the one mistyped, and it spares comparing against most of the vocabulary.
            let candidates = self.known_words.get(&candidate_len).into_iter().flatten();
            for candidate in candidates.filter(|c| c.as_bytes()[0] == word.as_bytes()[0]) {
                let limit = best.map_or(max_distance, |(d, _)| d);
                if let Some(distance) =
                    bounded_distance(word.as_bytes(), candidate.as_bytes(), limit)
                {
                    if best.is_none_or(|(d, w)| distance < d || (distance == d && candidate < w)) {
                        best = Some((distance, candidate));
                    }
                }
            }
        }
        best.map(|(_, word)| word.clone())
    }
}

impl SearchIndex {
    /// Words too short to correct alone ("sid") are corrected when the fix
    /// completes a two-word phrase of the vocabulary with a neighbour ("sid effects").
    pub(super) fn correct_short_words(&self, kept: &mut [Word]) {
        for i in 0..kept.len() {
            let word = &kept[i];
            let len = word.text.chars().count();
            if !(3..=4).contains(&len)
                || self.postings.has(&word.stem)
                || self.vocabulary.is_rule_word(&word.stem)
            {
                continue;
            }
            let next = kept.get(i + 1).map(|w| w.stem.as_str());
            let previous = i.checked_sub(1).map(|p| kept[p].stem.as_str());
            let fix = self
                .vocabulary
                .rules
                .iter()
                .find_map(|rule| match rule.pattern.as_slice() {
                    [first, second] if Some(second.as_str()) == next => {
                        bounded_distance(word.text.as_bytes(), first.as_bytes(), 1)
                            .map(|_| first.clone())
                    }
                    [first, second] if Some(first.as_str()) == previous => {
                        bounded_distance(word.text.as_bytes(), second.as_bytes(), 1)
                            .map(|_| second.clone())
                    }
                    _ => None,
                });
            if let Some(fixed) = fix {
                kept[i].text = fixed.clone();
                kept[i].stem = fixed;
                kept[i].strength = self.weights.fuzzy;
            }
        }
    }
}

/// Optimal-string-alignment distance (a swap of neighbours counts 1) between
/// ASCII words, or None above `limit`. Three rolling rows on the stack: this
/// runs for every vocabulary word of a similar length.
fn bounded_distance(a: &[u8], b: &[u8], limit: usize) -> Option<usize> {
    if a.len().abs_diff(b.len()) > limit || a.len() > MAX_TYPO_WORD || b.len() > MAX_TYPO_WORD {
        return None;
    }
    let mut before = [0usize; MAX_TYPO_WORD + 1];
    let mut previous = [0usize; MAX_TYPO_WORD + 1];
    let mut current = [0usize; MAX_TYPO_WORD + 1];
    for (j, cell) in previous.iter_mut().enumerate().take(b.len() + 1) {
        *cell = j;
    }
    for i in 1..=a.len() {
        current[0] = i;
        let mut row_min = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut value = (previous[j] + 1)
                .min(current[j - 1] + 1)
                .min(previous[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                value = value.min(before[j - 2] + 1);
            }
            current[j] = value;
            row_min = row_min.min(value);
        }
        if row_min > limit {
            return None;
        }
        std::mem::swap(&mut before, &mut previous);
        std::mem::swap(&mut previous, &mut current);
    }
    let distance = previous[b.len()];
    (distance <= limit).then_some(distance)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance_counts_swaps_as_one() {
        assert_eq!(bounded_distance(b"rhuematoid", b"rheumatoid", 2), Some(1));
        assert_eq!(bounded_distance(b"naltrexome", b"naltrexone", 1), Some(1));
        assert_eq!(bounded_distance(b"naltrexome", b"arthritis", 1), None);
        assert_eq!(bounded_distance(b"arthritus", b"arthritis", 2), Some(1));
        assert_eq!(bounded_distance(b"kitten", b"sitting", 3), Some(3));
    }
}
