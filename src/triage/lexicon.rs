//! The compiled lexicon: every term of every concept, context cue and mention,
//! stemmed and indexed by its first word, with a small typo tolerance (one
//! slip of the keyboard, for words of five letters or more) found through a deletion index
//! so a lookup costs a few hash probes, not a scan.

use rustc_hash::{FxHashMap, FxHashSet};

use super::normalise::{plausible_typo, term_stems, Token};

/// Index of a concept (a named concept, a context cue or a mention list).
pub type ConceptId = u16;

/// One place a concept's term was found: words `start..end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    pub concept: ConceptId,
    pub start: u16,
    pub end: u16,
}

const FUZZY_MIN: usize = 5;

/// A term by its first stem: the concept it belongs to and its other stems.
type Term = (ConceptId, Box<[String]>);

#[derive(Debug, Default)]
pub struct Lexicon {
    /// First stem of a term → (concept, the rest of the term's stems).
    first: FxHashMap<String, Vec<Term>>,
    vocab: FxHashSet<String>,
    words: Vec<String>,
    /// A vocabulary word, or one with a letter deleted → indices into `words`.
    deletes: FxHashMap<String, Vec<u32>>,
}

fn one_deletes(word: &str) -> impl Iterator<Item = String> + '_ {
    word.char_indices().map(move |(i, c)| {
        let mut s = String::with_capacity(word.len());
        s.push_str(&word[..i]);
        s.push_str(&word[i + c.len_utf8()..]);
        s
    })
}

impl Lexicon {
    pub fn add(&mut self, concept: ConceptId, term: &str) {
        let stems = term_stems(term);
        let Some((head, rest)) = stems.split_first() else {
            return;
        };
        for s in &stems {
            if self.vocab.insert(s.clone())
                && s.chars().count() >= FUZZY_MIN
                && s.chars().all(char::is_alphabetic)
            {
                let index = self.words.len() as u32;
                self.words.push(s.clone());
                self.deletes.entry(s.clone()).or_default().push(index);
                for d in one_deletes(s) {
                    self.deletes.entry(d).or_default().push(index);
                }
            }
        }
        let list = self.first.entry(head.clone()).or_default();
        if !list.iter().any(|(c, r)| *c == concept && **r == *rest) {
            list.push((concept, rest.to_vec().into_boxed_slice()));
        }
    }

    /// Vocabulary words `stem` could be a slip for, when `stem` itself is unknown.
    fn corrections<'a>(&'a self, stem: &str, out: &mut Vec<&'a str>) {
        if self.vocab.contains(stem)
            || stem.chars().count() < FUZZY_MIN
            || !stem.chars().all(char::is_alphabetic)
        {
            return;
        }
        let push = |i: u32, out: &mut Vec<&'a str>| {
            let w = self.words[i as usize].as_str();
            if !out.contains(&w) && plausible_typo(stem, w) {
                out.push(w);
            }
        };
        if let Some(list) = self.deletes.get(stem) {
            for &i in list {
                push(i, out);
            }
        }
        let mut d = String::with_capacity(stem.len());
        for (i, c) in stem.char_indices() {
            d.clear();
            d.push_str(&stem[..i]);
            d.push_str(&stem[i + c.len_utf8()..]);
            if let Some(list) = self.deletes.get(d.as_str()) {
                for &i in list {
                    push(i, out);
                }
            }
        }
    }

    /// Every place any term occurs in the tokens.
    pub fn find(&self, tokens: &[Token]) -> Vec<Hit> {
        let mut alts: Vec<Vec<&str>> = Vec::with_capacity(tokens.len());
        for t in tokens {
            let mut v = vec![t.stem.as_str()];
            self.corrections(&t.stem, &mut v);
            alts.push(v);
        }
        let mut hits = Vec::new();
        for i in 0..alts.len() {
            for a in &alts[i] {
                let Some(list) = self.first.get(*a) else {
                    continue;
                };
                for (concept, rest) in list {
                    let end = i + 1 + rest.len();
                    if end > alts.len() {
                        continue;
                    }
                    if rest
                        .iter()
                        .zip(&alts[i + 1..end])
                        .all(|(want, have)| have.contains(&want.as_str()))
                    {
                        let hit = Hit {
                            concept: *concept,
                            start: i as u16,
                            end: end as u16,
                        };
                        if !hits.contains(&hit) {
                            hits.push(hit);
                        }
                    }
                }
            }
        }
        hits
    }
}

#[cfg(test)]
mod tests {
    use super::super::normalise::tokenise;
    use super::*;

    #[test]
    fn finds_phrases_and_typos() {
        let mut lex = Lexicon::default();
        lex.add(0, "chest");
        lex.add(1, "can't breathe");
        lex.add(2, "swelling");
        let t = tokenise("my chesst hurts and I cant breath, lips swellling");
        let hits = lex.find(&t.tokens);
        let concepts: Vec<_> = hits.iter().map(|h| h.concept).collect();
        assert_eq!(concepts, [0, 1, 2]);
        assert_eq!((hits[1].start, hits[1].end), (5, 7));
    }
}
