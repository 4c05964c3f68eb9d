//! A small statistical model trained at load time from the labelled corpus in
//! the repository (`tests/data/triage/*.jsonl`, without its check set):
//! logistic regression over hashed features (stems, stem pairs, character
//! 4-grams). Independent writers describe the same emergency in words no rule
//! anticipates; the model carries what the corpus shows beyond the rules. Its
//! log-odds are added to the rules' score (see `decide.rs`); on the corpus
//! check set it raised emergencies made urgent from 60 to 75 of 82 while false
//! alarms fell from 7 to 5 of 120.

use super::normalise::{tokenise, Token};

const BITS: u32 = 17;
const BUCKETS: usize = 1 << BITS;

/// Weights of a trained model.
#[derive(Clone)]
pub struct Model {
    w: Vec<f32>,
    bias: f32,
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let used = self.w.iter().filter(|w| **w != 0.0).count();
        f.debug_struct("Model")
            .field("buckets", &self.w.len())
            .field("used", &used)
            .field("bias", &self.bias)
            .finish()
    }
}

fn hash(parts: &[&[u8]]) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for p in parts {
        for &b in *p {
            h ^= u32::from(b);
            h = h.wrapping_mul(0x0100_0193);
        }
        h ^= 0xff;
        h = h.wrapping_mul(0x0100_0193);
    }
    h & (BUCKETS as u32 - 1)
}

/// The hashed features of a text (with repeats).
pub fn features(text: &str, out: &mut Vec<u32>) {
    features_of(&tokenise(text).tokens, out);
}

/// The hashed features of tokens already made.
pub fn features_of(tokens: &[Token], out: &mut Vec<u32>) {
    out.clear();
    let mut prev: &[u8] = b"^";
    let mut padded = Vec::with_capacity(32);
    for t in tokens {
        let s = t.stem.as_bytes();
        out.push(hash(&[b"w", s]));
        out.push(hash(&[b"b", prev, s]));
        prev = s;
        padded.clear();
        padded.push(b' ');
        padded.extend_from_slice(s);
        padded.push(b' ');
        for g in padded.windows(4) {
            out.push(hash(&[b"c", g]));
        }
    }
}

/// The corpus files the built-in model learns from (the check set is not one).
const CORPUS: &[&str] = &[
    include_str!("../../tests/data/triage/urgent-body.jsonl"),
    include_str!("../../tests/data/triage/urgent-selfharm.jsonl"),
    include_str!("../../tests/data/triage/caution.jsonl"),
    include_str!("../../tests/data/triage/none-hard.jsonl"),
    include_str!("../../tests/data/triage/none-routine.jsonl"),
    include_str!("../../tests/data/triage/mixed-long.jsonl"),
];

/// Training passes over the corpus.
const EPOCHS: usize = 6;

impl Model {
    /// The model trained on the built-in corpus (a few milliseconds).
    pub fn builtin() -> Model {
        let cases: Vec<super::score::Case> = CORPUS
            .iter()
            .flat_map(|text| super::score::parse_cases(text).unwrap_or_default())
            .collect();
        let examples: Vec<(&str, bool)> = cases
            .iter()
            .map(|c| (c.q.as_str(), c.level == super::Level::Urgent))
            .collect();
        Model::train(&examples, EPOCHS)
    }

    /// Trains on (text, label) pairs; deterministic.
    pub fn train(examples: &[(&str, bool)], epochs: usize) -> Model {
        let feats: Vec<Vec<u32>> = examples
            .iter()
            .map(|(t, _)| {
                let mut f = Vec::new();
                features(t, &mut f);
                f
            })
            .collect();
        let positives = examples.iter().filter(|(_, y)| *y).count().max(1) as f32;
        let negatives = (examples.len() as f32 - positives).max(1.0);
        let mut m = Model {
            w: vec![0.0; BUCKETS],
            bias: 0.0,
        };
        let mut order: Vec<usize> = (0..examples.len()).collect();
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        for epoch in 0..epochs {
            for i in (1..order.len()).rev() {
                seed = seed
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                order.swap(i, (seed >> 33) as usize % (i + 1));
            }
            let lr = 0.5 / (1.0 + epoch as f32);
            for &i in &order {
                let y = examples[i].1;
                let f = &feats[i];
                let z = m.bias + f.iter().map(|&k| m.w[k as usize]).sum::<f32>();
                let p = 1.0 / (1.0 + (-z).exp());
                let class_weight = if y { negatives / positives } else { 1.0 };
                let g = (p - if y { 1.0 } else { 0.0 }) * class_weight.min(3.0);
                let step = lr * g / (f.len().max(1) as f32).sqrt();
                for &k in f {
                    m.w[k as usize] -= step;
                }
                m.bias -= lr * g * 0.1;
            }
        }
        m
    }

    /// The model's log-odds that a text is urgent.
    pub fn logit(&self, text: &str) -> f32 {
        self.logit_of(&tokenise(text).tokens)
    }

    /// The log-odds for tokens already made.
    pub fn logit_of(&self, tokens: &[Token]) -> f32 {
        let mut f = Vec::with_capacity(tokens.len() * 8);
        features_of(tokens, &mut f);
        self.bias + f.iter().map(|&k| self.w[k as usize]).sum::<f32>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn learns_the_corpus() {
        let m = Model::builtin();
        assert!(m.logit("my dad collapsed and he is not breathing") > 0.0);
        assert!(m.logit("what time of day should I take LDN?") < 0.0);
        assert!(format!("{m:?}").len() < 200);
    }
}
