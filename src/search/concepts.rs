//! Concepts: what a question asks about, each with every form that finds it
//! and how much it weighs.
//!
//! Words alone rank badly on short, chatty questions: "sid effects" must find
//! "side effects", "trouble sleeping" must find "insomnia", and "LDN" (in nearly
//! every passage) must not outweigh the one word that says which passage.
//! Concepts gather a word's synonyms and typo fix into one unit with one
//! weight, and question shapes ("how … work") add what they ask for.

use super::analysis::{separate_numbers, tokens};
use super::focus::{self, Focus, BACKGROUND};
use super::stop_words::is_stop_word;
use super::vocabulary::Rule;
use super::SearchIndex;

/// How many words a question shape may span.
const SHAPE_WINDOW: usize = 8;

/// One thing the question asks about, and every form that finds it.
#[derive(Debug, Clone)]
pub struct Concept {
    /// The words as the member wrote them (after typo correction), for reports.
    pub text: String,
    /// Alternative stem sequences; a passage containing every stem of one alternative covers the concept.
    pub forms: Vec<Form>,
    /// How much this concept counts; rare words count more, and words only in
    /// the message's background ([`focus`](super::focus)) count less.
    pub weight: f32,
    /// Shared by most passages: says what the community is about, not which passage.
    pub topic: bool,
    /// Neither the word nor any synonym of it occurs in the knowledge base.
    pub unknown: bool,
    /// Counts for a passage that matches it and is no loss for one that does not:
    /// a question shape is a hint about what is asked, not a word to cover.
    pub optional: bool,
    /// Found only in what the message tells, not in what it asks.
    pub background: bool,
}

impl Concept {
    /// How much the concept counts for being asked or only told: 1, or
    /// [`BACKGROUND`] — already part of [`Concept::weight`], applied by
    /// whatever weighs concepts in its own way (the examples).
    pub fn emphasis(&self) -> f32 {
        if self.background {
            BACKGROUND
        } else {
            1.0
        }
    }
}

#[derive(Debug, Clone)]
pub struct Form {
    pub stems: Vec<String>,
    /// 1 for the word itself and two-way synonyms; lower for lay words and typo fixes.
    pub strength: f32,
}

/// A question word kept for analysis.
pub(super) struct Word {
    /// As typed, or the corpus word it was corrected to.
    pub(super) text: String,
    pub(super) stem: String,
    /// 1, or less for a typo correction.
    pub(super) strength: f32,
}

impl SearchIndex {
    /// The concepts of a message, with those found only in its background
    /// (what it tells rather than asks) marked and weighing less; and the
    /// split, when there was one.
    pub fn asked_concepts(&self, message: &str) -> (Vec<Concept>, Option<Focus>) {
        let mut concepts = self.concepts(message);
        let focus = focus::split(message);
        if let Some(focus) = &focus {
            let asked = self.concepts(&focus.ask);
            for concept in &mut concepts {
                if !asked.iter().any(|a| a.text == concept.text) {
                    concept.background = true;
                    concept.weight *= BACKGROUND;
                }
            }
        }
        (concepts, focus)
    }

    /// Turns a question into the concepts it asks about.
    pub fn concepts(&self, question: &str) -> Vec<Concept> {
        let text = separate_numbers(question);
        let mut words = self.words.clone();
        let mut stemmer = self.stemmer.clone();
        // Every word's stem, function words included, for phrases and shapes.
        let all_stems = tokens(&mut stemmer, &text);
        let applies = |rule: &Rule| {
            rule.whole
                .as_ref()
                .is_none_or(|whole| contains_in_order(&all_stems, whole, whole.len()))
        };
        let mut kept: Vec<Word> = Vec::new();
        // The two analyzers differ only by the stemmer, which keeps every token:
        // the word lists line up one to one.
        for (word, stem) in tokens(&mut words, &text)
            .into_iter()
            .zip(all_stems.iter().cloned())
        {
            if (self.weights.stop_words && is_stop_word(&word))
                || self.vocabulary.ignore.contains(&word)
            {
                continue;
            }
            let known = self.postings.has(&stem)
                || self.vocabulary.is_rule_word(&stem)
                || self.examples.contains_stem(&stem);
            let fixed = if known || !self.weights.typos {
                None
            } else {
                self.speller.correct(&word)
            };
            match fixed {
                Some(fixed) if is_stop_word(&fixed) => {}
                Some(fixed) => {
                    if let Some(fixed_stem) = tokens(&mut stemmer, &fixed).pop() {
                        kept.push(Word {
                            text: fixed,
                            stem: fixed_stem,
                            strength: self.weights.fuzzy,
                        });
                    }
                }
                None => kept.push(Word {
                    text: word,
                    stem,
                    strength: 1.0,
                }),
            }
        }
        if self.weights.typos {
            self.correct_short_words(&mut kept);
        }

        let mut concepts: Vec<Concept> = Vec::new();
        let kept_stems: Vec<&str> = kept.iter().map(|w| w.stem.as_str()).collect();
        let mut i = 0;
        while i < kept.len() {
            let stems = &kept_stems[i..];
            let rule_len = self
                .vocabulary
                .rules_starting_with(stems[0])
                .find(|rule| {
                    rule.pattern.len() <= stems.len()
                        && rule.pattern.iter().zip(stems).all(|(p, s)| p == s)
                        && applies(rule)
                })
                .map_or(1, |rule| rule.pattern.len());
            let span = &kept[i..i + rule_len];
            i += rule_len;
            let pattern: Vec<String> = span.iter().map(|w| w.stem.clone()).collect();
            let strength = span.iter().map(|w| w.strength).fold(1.0, f32::min);
            let mut forms = vec![Form {
                stems: pattern.clone(),
                strength,
            }];
            for rule in self
                .vocabulary
                .rules_starting_with(&pattern[0])
                .filter(|rule| rule.pattern == pattern)
            {
                for target in &rule.targets {
                    if !forms.iter().any(|form| &form.stems == target) {
                        forms.push(Form {
                            stems: target.clone(),
                            strength: strength * rule.strength,
                        });
                    }
                }
            }
            let text = span
                .iter()
                .map(|w| w.text.as_str())
                .collect::<Vec<_>>()
                .join(" ");
            if concepts.iter().any(|c| c.text == text) {
                continue;
            }
            concepts.push(self.concept(text, forms));
        }
        self.add_shape_concepts(&all_stems, &mut concepts);
        concepts
    }

    /// A question shape found in the question adds a concept for what it asks.
    fn add_shape_concepts(&self, stems: &[String], concepts: &mut Vec<Concept>) {
        let mut matched: Vec<&[String]> = Vec::new();
        // Longest first, so "how … know … work" wins over the "how … work" inside it.
        for shape in &self.vocabulary.shapes {
            if !contains_in_order(stems, &shape.pattern, SHAPE_WINDOW)
                || matched
                    .iter()
                    .any(|longer| contains_in_order(longer, &shape.pattern, longer.len()))
            {
                continue;
            }
            matched.push(&shape.pattern);
            let text = shape.pattern.join(" … ");
            if concepts.iter().any(|c| c.text == text) {
                continue;
            }
            let forms = shape
                .targets
                .iter()
                .map(|target| Form {
                    stems: target.clone(),
                    strength: shape.strength,
                })
                .collect();
            let mut concept = self.concept(text, forms);
            concept.optional = true;
            concepts.push(concept);
        }
    }

    fn concept(&self, text: String, forms: Vec<Form>) -> Concept {
        let n = self.passage_count.max(1) as f32;
        // How many passages hold the concept: the most any one of its forms is in,
        // a close lower bound of their union that costs no set building on a
        // large corpus. "Exact" counts the word itself and full-strength equivalents.
        let mut exact_df = 0;
        let mut any_df = 0;
        for form in &forms {
            let df = self.postings.df(&form.stems);
            if form.strength >= self.weights.equivalent {
                exact_df = exact_df.max(df);
            }
            any_df = any_df.max(df);
        }
        let unknown = any_df == 0;
        // BM25's idf. A word the corpus lacks is often just chat, so it weighs
        // like a fairly common word rather than the rarest.
        let df = if unknown {
            (self.weights.unknown_share * n).max(1.0)
        } else {
            any_df as f32
        };
        let weight = ((n - df + 0.5) / (df + 0.5) + 1.0).ln();
        let topic = exact_df as f32 >= self.weights.topic_share * n && n >= 2.0;
        Concept {
            text,
            forms,
            weight,
            topic,
            unknown,
            optional: false,
            background: false,
        }
    }
}

/// Whether `pattern` occurs in `words` in order, other words between, within `window` words.
fn contains_in_order(words: &[String], pattern: &[String], window: usize) -> bool {
    let Some(first) = pattern.first() else {
        return false;
    };
    words
        .iter()
        .enumerate()
        .filter(|(_, w)| *w == first)
        .any(|(start, _)| {
            let end = (start + window).min(words.len());
            let mut rest = pattern[1..].iter();
            let mut next = rest.next();
            for word in &words[start + 1..end] {
                match next {
                    Some(wanted) if wanted == word => next = rest.next(),
                    Some(_) => {}
                    None => break,
                }
            }
            next.is_none()
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_match_in_order_within_the_window() {
        let words: Vec<String> = "how does low dose naltrexone actually work"
            .split(' ')
            .map(String::from)
            .collect();
        let pattern = vec!["how".to_string(), "work".to_string()];
        assert!(contains_in_order(&words, &pattern, 8));
        assert!(!contains_in_order(&words, &pattern, 3));
        let reversed = vec!["work".to_string(), "how".to_string()];
        assert!(!contains_in_order(&words, &reversed, 8));
    }
}
