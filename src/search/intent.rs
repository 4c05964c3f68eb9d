//! The intent model: which passage or known gap a question is asking for,
//! learned at load time from the example questions.
//!
//! Closeness to one example (`examples.rs`) needs the question to share the
//! example's concepts; members say the same thing in many ways, and a model
//! that weighs every word and word piece across all of a target's examples
//! carries what no single example does ("is it on me to bring this up" is
//! advocacy because *bring up*, *me* and *doctor* lean that way across its
//! examples, not because one example says it). A linear model over TF-IDF
//! features — words, word pairs and character 3–4-grams, which also absorb
//! most typos — trained by softmax regression. On the fitting sets it put the
//! right passage first for 87 % of in-scope questions, where the nearest
//! example did for 62 %.
//!
//! The weights are one row of `targets` floats per feature, so the model is
//! only trained for knowledge bases of article size ([`MAX_TARGETS`]); above
//! that the decision rests on the examples' closeness alone.

use rustc_hash::FxHashMap;
use tantivy::tokenizer::TextAnalyzer;

use super::analysis::tokens;
use super::concepts::Concept;

/// Above this many targets (passages and gaps) no model is trained.
pub const MAX_TARGETS: usize = 256;

/// Passes over the examples; more changed no fitting-set figure.
const EPOCHS: usize = 10;
/// The step size of the first pass; it falls as `1 / (1 + pass)`.
const LEARNING_RATE: f32 = 2.0;
/// The feature blocks (words, word pieces, concepts), each scaled to unit
/// length on its own, so long words cannot outvote the words themselves.
const BLOCKS: usize = 3;

/// A feature of a text: its key and its block.
pub type Key = (u64, u8);

/// One sparse feature vector: (feature, value), sorted by feature.
type Features = Vec<(u32, f32)>;

/// A softmax regression over TF-IDF features of example questions.
#[derive(Default)]
pub struct IntentModel {
    /// Feature key → feature index.
    vocabulary: FxHashMap<u64, u32>,
    /// Per feature, its idf.
    idf: Vec<f32>,
    /// Which block each feature belongs to.
    block: Vec<u8>,
    /// `features × targets` weights, a row per feature.
    weights: Vec<f32>,
    bias: Vec<f32>,
    targets: usize,
}

impl std::fmt::Debug for IntentModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IntentModel")
            .field("features", &self.idf.len())
            .field("targets", &self.targets)
            .finish()
    }
}

impl IntentModel {
    /// Trains on example questions given as (target, their [`keys`]), where
    /// the first `passages` targets are passages and the rest gaps. Returns an
    /// empty model (which gives no probabilities) when fewer than two passages
    /// have examples — a model that knows only gaps would send every question
    /// to one — or for more than [`MAX_TARGETS`] targets.
    pub fn train(examples: Vec<(usize, Vec<Key>)>, passages: usize, targets: usize) -> IntentModel {
        let mut seen = vec![false; targets];
        for (target, _) in &examples {
            if let Some(slot) = seen.get_mut(*target) {
                *slot = true;
            }
        }
        let passages_with_examples = seen.iter().take(passages).filter(|s| **s).count();
        if targets > MAX_TARGETS || passages_with_examples < 2 {
            return IntentModel::default();
        }
        let keyed: Vec<(usize, Vec<Key>)> = examples
            .into_iter()
            .filter(|(target, _)| *target < targets)
            .collect();
        let mut vocabulary: FxHashMap<u64, u32> = FxHashMap::default();
        let mut df: Vec<u32> = Vec::new();
        let mut block: Vec<u8> = Vec::new();
        for (_, keys) in &keyed {
            let mut distinct: Vec<&Key> = keys.iter().collect();
            distinct.sort_unstable();
            distinct.dedup();
            for &&(key, b) in &distinct {
                let next = df.len() as u32;
                let id = *vocabulary.entry(key).or_insert(next);
                if id == next {
                    df.push(0);
                    block.push(b);
                }
                df[id as usize] += 1;
            }
        }
        let n = keyed.len() as f32;
        let idf = df
            .iter()
            .map(|&df| ((1.0 + n) / (1.0 + df as f32)).ln() + 1.0)
            .collect();
        let mut model = IntentModel {
            vocabulary,
            idf,
            block,
            weights: vec![0.0; df.len() * targets],
            bias: vec![0.0; targets],
            targets,
        };
        let data: Vec<(usize, Features)> = keyed
            .into_iter()
            .map(|(target, keys)| (target, model.vector(&[(&keys, 1.0)])))
            .collect();
        model.fit(&data);
        model
    }

    /// Whether the model was trained (and gives probabilities).
    pub fn is_trained(&self) -> bool {
        self.targets > 0
    }

    /// The probability of each target for a question given as parts of
    /// [`keys`], each with how much it counts, indexed by target; empty when no
    /// model was trained.
    pub fn probabilities(&self, parts: &[(&[Key], f32)]) -> Vec<f32> {
        if !self.is_trained() {
            return Vec::new();
        }
        let features = self.vector(parts);
        let mut out = vec![0.0; self.targets];
        self.softmax(&features, &mut out);
        out
    }

    /// Stochastic gradient descent on the cross-entropy. The examples are
    /// visited in a fixed interleaved order so that one target's examples (which
    /// sit together in the files) do not pull the weights one way for a whole
    /// stretch, and training is the same on every load.
    fn fit(&mut self, data: &[(usize, Features)]) {
        let order = interleaved(data.len());
        let mut p = vec![0.0; self.targets];
        for epoch in 0..EPOCHS {
            let rate = LEARNING_RATE / (1.0 + epoch as f32);
            for &i in &order {
                let (target, features) = &data[i];
                self.softmax(features, &mut p);
                p[*target] -= 1.0;
                for (bias, gradient) in self.bias.iter_mut().zip(&p) {
                    *bias -= rate * gradient;
                }
                for &(feature, value) in features {
                    let row = self.row_mut(feature);
                    for (w, gradient) in row.iter_mut().zip(&p) {
                        *w -= rate * value * gradient;
                    }
                }
            }
        }
    }

    fn row_mut(&mut self, feature: u32) -> &mut [f32] {
        let start = feature as usize * self.targets;
        &mut self.weights[start..start + self.targets]
    }

    /// Softmax of the logits of `features` into `out`.
    fn softmax(&self, features: &[(u32, f32)], out: &mut [f32]) {
        out.copy_from_slice(&self.bias);
        for &(feature, value) in features {
            let start = feature as usize * self.targets;
            let row = &self.weights[start..start + self.targets];
            for (logit, w) in out.iter_mut().zip(row) {
                *logit += value * w;
            }
        }
        let max = out.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let mut sum = 0.0;
        for logit in out.iter_mut() {
            *logit = (*logit - max).exp();
            sum += *logit;
        }
        for p in out.iter_mut() {
            *p /= sum;
        }
    }

    /// The TF-IDF vector of the parts' keys, each key counted as much as its
    /// part: sublinear term frequency times idf, each block scaled to unit
    /// length; keys the examples never had are dropped.
    fn vector(&self, parts: &[(&[Key], f32)]) -> Features {
        // Sorted and merged rather than counted in a map: a question has a few
        // hundred keys, and sorting them is cheaper than hashing each again.
        let mut seen: Features = parts
            .iter()
            .flat_map(|&(keys, counts_for)| {
                keys.iter()
                    .filter_map(move |(key, _)| Some((*self.vocabulary.get(key)?, counts_for)))
            })
            .collect();
        seen.sort_unstable_by_key(|(id, _)| *id);
        let mut features: Features = Vec::with_capacity(seen.len());
        for (id, counts_for) in seen {
            match features.last_mut() {
                Some((last, tf)) if *last == id => *tf += counts_for,
                _ => features.push((id, counts_for)),
            }
        }
        for (id, value) in &mut features {
            *value = sublinear(*value) * self.idf[*id as usize];
        }
        let mut norms = [0.0f32; BLOCKS];
        for &(id, value) in &features {
            norms[usize::from(self.block[id as usize])] += value * value;
        }
        for (id, value) in &mut features {
            let norm = norms[usize::from(self.block[*id as usize])].sqrt();
            if norm > 0.0 {
                *value /= norm;
            }
        }
        features
    }
}

/// 1 + ln(tf) for a count of one or more, scaled down in proportion below one
/// (a key seen only in a message's background), so the two meet at 1.
fn sublinear(tf: f32) -> f32 {
    if tf >= 1.0 {
        1.0 + tf.ln()
    } else {
        tf
    }
}

/// The feature keys of a text, with repeats: its words and word pairs (block
/// 0), the 3- and 4-character pieces of each word with its edges marked (block
/// 1), and every form of the concepts the analysis found in it (block 2), which
/// carries the vocabulary's lay words and the speller's corrections.
pub fn keys(words: &mut TextAnalyzer, text: &str, concepts: &[Concept]) -> Vec<Key> {
    let words = tokens(words, text);
    let mut out = Vec::with_capacity(words.len() * 12);
    let mut previous: Option<&str> = None;
    // Reused for every word and piece: a question has hundreds of pieces.
    let mut padded: Vec<char> = Vec::new();
    let mut piece = String::new();
    for word in &words {
        if word.len() >= 2 {
            out.push((key(&[b"w", word.as_bytes()]), 0));
            if let Some(previous) = previous {
                out.push((key(&[b"p", previous.as_bytes(), word.as_bytes()]), 0));
            }
            previous = Some(word);
        }
        padded.clear();
        padded.push(' ');
        padded.extend(word.chars());
        padded.push(' ');
        for n in 3..=4 {
            for window in padded.windows(n) {
                piece.clear();
                piece.extend(window);
                out.push((key(&[b"c", piece.as_bytes()]), 1));
            }
        }
    }
    for concept in concepts {
        for form in &concept.forms {
            let stems: Vec<&[u8]> = std::iter::once(&b"k"[..])
                .chain(form.stems.iter().map(|stem| stem.as_bytes()))
                .collect();
            out.push((key(&stems), 2));
        }
    }
    out
}

/// FNV-1a over the parts, each closed by a separator: a 64-bit key is enough
/// that two features of one knowledge base never share one.
fn key(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for &b in part.iter().chain(std::iter::once(&0xff)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    h
}

/// 0..n in a fixed order that spreads neighbours apart: steps of a stride
/// coprime with n, so every index comes once.
fn interleaved(n: usize) -> Vec<usize> {
    if n == 0 {
        return Vec::new();
    }
    let mut stride = (n as f64 * 0.618_034) as usize | 1;
    while gcd(stride, n) != 1 {
        stride += 2;
    }
    (0..n).map(|i| (i * stride) % n).collect()
}

fn gcd(a: usize, b: usize) -> usize {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::search::analysis::word_analyzer;

    fn keyed(text: &str) -> Vec<Key> {
        keys(&mut word_analyzer(), text, &[])
    }

    fn model() -> IntentModel {
        let examples = [
            (0, "what are the side effects"),
            (0, "does it cause bad dreams"),
            (0, "any side effects like insomnia"),
            (1, "how does it work in the body"),
            (1, "what does it do to the immune system"),
            (1, "how does naltrexone work"),
            (2, "can I drink beer on it"),
            (2, "is alcohol ok with it"),
            (2, "wine and ldn together"),
        ];
        let keyed = examples.iter().map(|&(t, text)| (t, keyed(text))).collect();
        IntentModel::train(keyed, 2, 3)
    }

    fn best(model: &IntentModel, question: &str) -> usize {
        let p = model.probabilities(&[(&keyed(question), 1.0)]);
        (0..p.len())
            .max_by(|&a, &b| p[a].total_cmp(&p[b]))
            .expect("trained")
    }

    #[test]
    fn learns_each_targets_wording() {
        let model = model();
        assert_eq!(best(&model, "side effects?"), 0);
        assert_eq!(best(&model, "how does it work"), 1);
        assert_eq!(best(&model, "a glass of wine on ldn"), 2);
    }

    #[test]
    fn word_pieces_carry_typos() {
        assert_eq!(best(&model(), "any sied effcts"), 0);
    }

    #[test]
    fn probabilities_sum_to_one() {
        let p = model().probabilities(&[(&keyed("what about the immune system"), 1.0)]);
        assert_eq!(p.len(), 3);
        assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-4);
    }

    #[test]
    fn no_model_for_one_target_or_too_many() {
        let one = vec![(0, keyed("a question")), (0, keyed("another"))];
        assert!(!IntentModel::train(one, 1, 1).is_trained());
        let gaps_only = vec![(1, keyed("beer?")), (2, keyed("wine?"))];
        assert!(!IntentModel::train(gaps_only, 1, 3).is_trained());
        let many = (0..=MAX_TARGETS).map(|t| (t, keyed("q"))).collect();
        let model = IntentModel::train(many, MAX_TARGETS + 1, MAX_TARGETS + 1);
        assert!(!model.is_trained());
        assert!(model.probabilities(&[(&keyed("q"), 1.0)]).is_empty());
    }

    #[test]
    fn interleaving_visits_every_example_once() {
        for n in [1, 2, 7, 100, 1131] {
            let mut order = interleaved(n);
            order.sort_unstable();
            assert_eq!(order, (0..n).collect::<Vec<_>>());
        }
    }
}
