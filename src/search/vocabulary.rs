//! Vocabulary: the rules of `synonyms.toml`, analyzed the way questions are.
//!
//! Admins write the community's words as plain phrases; a question is matched
//! on stems with its function words dropped, so each entry goes through the
//! same analysis before it can line up with a question ("other treatment"
//! meets "my other treatment"). Question shapes keep their question words:
//! "how" is the point of "how … work".

use rustc_hash::{FxHashMap, FxHashSet};

use super::analysis::{separate_numbers, stem_analyzer, tokens, word_analyzer};
use super::stop_words::is_stop_word;
use super::Weights;
use crate::knowledge::Synonyms;

/// A rule from the vocabulary, analyzed: `pattern` (stems) also finds `targets`.
#[derive(Debug)]
pub(super) struct Rule {
    pub(super) pattern: Vec<String>,
    pub(super) targets: Vec<Vec<String>>,
    pub(super) strength: f32,
    /// The phrase with its function words, when the filter dropped some: such a
    /// rule ("not working" → "working") applies only where the whole phrase is
    /// written, or it would fire on every "working".
    pub(super) whole: Option<Vec<String>>,
}

/// Every rule of the vocabulary, indexed for the lookups a question makes.
#[derive(Debug)]
pub(super) struct Vocabulary {
    /// Two-way and lay rules, longest pattern first, so "side effects" wins over "side".
    pub(super) rules: Vec<Rule>,
    /// Rule indices by the first stem of their pattern, longest pattern first.
    rules_by_first_stem: FxHashMap<String, Vec<usize>>,
    /// Every stem that appears in some rule's pattern.
    rule_stems: FxHashSet<String>,
    /// Question shapes: stems in order (question words included) and what they find,
    /// longest first.
    pub(super) shapes: Vec<Rule>,
    /// Words to leave out of every question.
    pub(super) ignore: FxHashSet<String>,
}

impl Vocabulary {
    /// Analyzes `synonyms`; every word it names joins `known`, the words typo
    /// correction may correct to.
    pub(super) fn build(
        synonyms: &Synonyms,
        weights: &Weights,
        known: &mut FxHashSet<String>,
    ) -> Vocabulary {
        let mut words = word_analyzer();
        let mut stemmer = stem_analyzer();
        // Phrases lose their function words, as questions do, so "other treatment"
        // still lines up with a question's "my other treatment".
        let mut rules = Vec::new();
        let mut analyze_phrase = |phrase: &str, known: &mut FxHashSet<String>| -> Vec<String> {
            let phrase_words = tokens(&mut words, &separate_numbers(phrase));
            known.extend(phrase_words.iter().cloned());
            phrase_words
                .iter()
                .filter(|word| !is_stop_word(word))
                .filter_map(|word| tokens(&mut stemmer, word).pop())
                .collect()
        };
        for group in &synonyms.equivalent {
            let forms: Vec<Vec<String>> = group
                .iter()
                .map(|phrase| analyze_phrase(phrase, known))
                .filter(|stems| !stems.is_empty())
                .collect();
            for (i, pattern) in forms.iter().enumerate() {
                let targets = forms
                    .iter()
                    .enumerate()
                    .filter(|(j, _)| *j != i)
                    .map(|(_, t)| t.clone())
                    .collect();
                rules.push(Rule {
                    pattern: pattern.clone(),
                    targets,
                    strength: weights.equivalent,
                    whole: None,
                });
            }
        }
        for (phrase, targets) in &synonyms.lay {
            let pattern = analyze_phrase(phrase, known);
            let whole = tokens(&mut stem_analyzer(), &separate_numbers(phrase));
            let targets: Vec<Vec<String>> = targets
                .iter()
                .map(|target| analyze_phrase(target, known))
                .filter(|stems| !stems.is_empty())
                .collect();
            if !pattern.is_empty() && !targets.is_empty() {
                rules.push(Rule {
                    whole: (whole.len() > pattern.len()).then_some(whole),
                    pattern,
                    targets,
                    strength: weights.lay,
                });
            }
        }
        // Shapes keep their question words: "how" is the point of "how … work".
        let mut shapes: Vec<Rule> = synonyms
            .shapes
            .iter()
            .map(|(pattern, targets)| Rule {
                pattern: tokens(&mut stem_analyzer(), pattern),
                targets: targets
                    .iter()
                    .map(|target| analyze_phrase(target, known))
                    .filter(|stems| !stems.is_empty())
                    .collect(),
                strength: weights.lay,
                whole: None,
            })
            .filter(|shape| !shape.pattern.is_empty() && !shape.targets.is_empty())
            .collect();
        shapes.sort_by_key(|shape| std::cmp::Reverse(shape.pattern.len()));
        // Longest patterns first, so "side effects" wins over "side".
        rules.sort_by_key(|rule| std::cmp::Reverse(rule.pattern.len()));

        let mut rules_by_first_stem: FxHashMap<String, Vec<usize>> = FxHashMap::default();
        for (index, rule) in rules.iter().enumerate() {
            if let Some(first) = rule.pattern.first() {
                rules_by_first_stem
                    .entry(first.clone())
                    .or_default()
                    .push(index);
            }
        }
        let rule_stems = rules
            .iter()
            .flat_map(|rule| rule.pattern.iter().cloned())
            .collect();
        let ignore = synonyms
            .ignore
            .iter()
            .flat_map(|word| tokens(&mut word_analyzer(), word))
            .collect();
        Vocabulary {
            rules,
            rules_by_first_stem,
            rule_stems,
            shapes,
            ignore,
        }
    }

    /// Whether some rule's pattern has this stem: such a word is not a typo.
    pub(super) fn is_rule_word(&self, stem: &str) -> bool {
        self.rule_stems.contains(stem)
    }

    /// The rules whose pattern opens with `stem`, longest pattern first.
    pub(super) fn rules_starting_with<'a>(
        &'a self,
        stem: &str,
    ) -> impl Iterator<Item = &'a Rule> + 'a {
        self.rules_by_first_stem
            .get(stem)
            .into_iter()
            .flatten()
            .map(|&index| &self.rules[index])
    }
}
