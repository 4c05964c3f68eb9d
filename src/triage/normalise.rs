//! Turning a message into comparable tokens: lower case, apostrophes folded
//! into the word ("can't" → "cant"), everything else not a letter or digit a
//! separator, and a light suffix-stripping stem so "swelling", "swells" and
//! "swell" compare equal. Sentence ends are kept so context can stay local.

/// One word of a message, with the sentence it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// The stem the lexicon is compared against.
    pub stem: String,
    /// Index of the sentence (split on `.`, `!`, `?`, `;`, new lines).
    pub sentence: u16,
}

/// The tokens of a message plus the punctuation signals read on the way.
#[derive(Debug, Default)]
pub struct Tokens {
    pub tokens: Vec<Token>,
    /// Runs of two or more `?` or `!` ("is this normal??").
    pub emphatic: bool,
}

/// Longest message read, in characters; the rest is ignored.
pub const MAX_CHARS: usize = 4000;

/// Emoji read as laughter, which marks hyperbole.
fn is_laughter(c: char) -> bool {
    matches!(c, '😂' | '🤣' | '😆' | '😅' | '💀' | '🙃' | '😜' | '😝')
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '’' | '‘' | '`' | 'ʼ')
}

/// Splits and stems a message. Never fails; input past [`MAX_CHARS`] is ignored.
pub fn tokenise(text: &str) -> Tokens {
    let mut out = Tokens::default();
    let mut word = String::new();
    let mut sentence: u16 = 0;
    let mut last_mark: Option<char> = None;
    let flush = |word: &mut String, out: &mut Tokens, sentence: u16| {
        if !word.is_empty() {
            out.tokens.push(Token {
                stem: stem(word),
                sentence,
            });
            word.clear();
        }
    };
    for c in text.chars().take(MAX_CHARS) {
        if c.is_alphanumeric() {
            for l in c.to_lowercase() {
                word.push(l);
            }
            last_mark = None;
            continue;
        }
        if is_apostrophe(c) && !word.is_empty() {
            continue;
        }
        flush(&mut word, &mut out, sentence);
        if is_laughter(c) {
            out.tokens.push(Token {
                stem: "lol".into(),
                sentence,
            });
        }
        match c {
            '?' | '!' => {
                if last_mark.is_some() {
                    out.emphatic = true;
                }
                last_mark = Some(c);
                sentence = sentence.saturating_add(1);
            }
            '.' | ';' | '\n' => {
                sentence = sentence.saturating_add(1);
                last_mark = None;
            }
            c if c.is_whitespace() => {}
            _ => last_mark = None,
        }
    }
    flush(&mut word, &mut out, sentence);
    out
}

/// Tokenises a lexicon term the same way a message is, without sentence marks.
pub fn term_stems(term: &str) -> Vec<String> {
    tokenise(term).tokens.into_iter().map(|t| t.stem).collect()
}

const SUFFIXES: &[&str] = &[
    "ingly", "edly", "iness", "ness", "ing", "ies", "ed", "es", "s", "ly", "y", "e",
];

/// A light English stemmer: strips one common suffix when at least three
/// characters remain, then undoubles a final consonant ("stopp" → "stop").
/// Both the lexicon and messages pass through it, so it need only be consistent.
pub fn stem(word: &str) -> String {
    if !word.is_ascii() || word.len() <= 3 {
        return word.to_string();
    }
    let bytes = word.as_bytes();
    for suffix in SUFFIXES {
        if let Some(rest) = word.strip_suffix(suffix) {
            if rest.len() < 3 {
                continue;
            }
            let before = rest.as_bytes()[rest.len() - 1];
            match *suffix {
                // "pass", "fuss", "virus" keep their s.
                "s" if matches!(before, b's' | b'u' | b'i') => continue,
                // "bleed", "need" keep their ed.
                "ed" if before == b'e' => continue,
                _ => {}
            }
            let mut rest = rest.to_string();
            let n = rest.len();
            let rb = rest.as_bytes();
            if n >= 4
                && rb[n - 1] == rb[n - 2]
                && matches!(
                    rb[n - 1],
                    b'b' | b'd' | b'g' | b'm' | b'n' | b'p' | b't' | b'r'
                )
            {
                rest.pop();
            }
            return rest;
        }
    }
    let _ = bytes;
    word.to_string()
}

/// Whether `typed` could be `word` mistyped: one letter dropped, added or
/// swapped with its neighbour, or one letter replaced by a key next to it or
/// by another vowel. A letter replaced by a far key is more often another word
/// than a slip ("topic" is not "toxic", "fewer" is not "fever").
pub fn plausible_typo(typed: &str, word: &str) -> bool {
    let a: Vec<char> = typed.chars().collect();
    let b: Vec<char> = word.chars().collect();
    if a.len() != b.len() {
        return distance_within(typed, word, 1);
    }
    let differ: Vec<usize> = (0..a.len()).filter(|&i| a[i] != b[i]).collect();
    match differ[..] {
        [] => true,
        [i] => neighbouring_keys(a[i], b[i]) || (is_vowel(a[i]) && is_vowel(b[i])),
        [i, j] => j == i + 1 && a[i] == b[j] && a[j] == b[i],
        _ => false,
    }
}

fn is_vowel(c: char) -> bool {
    matches!(c, 'a' | 'e' | 'i' | 'o' | 'u' | 'y')
}

/// Keys that touch on a QWERTY keyboard (a 26-letter table: no crate needed).
fn neighbouring_keys(a: char, b: char) -> bool {
    // Row, and column in half keys: each row sits half a key right of the one above.
    fn key(c: char) -> Option<(i32, i32)> {
        ["qwertyuiop", "asdfghjkl", "zxcvbnm"]
            .iter()
            .enumerate()
            .find_map(|(row, keys)| {
                let col = keys.find(c)?;
                Some((row as i32, 2 * col as i32 + row as i32))
            })
    }
    match (key(a), key(b)) {
        (Some((ra, xa)), Some((rb, xb))) => a != b && (ra - rb).abs() <= 1 && (xa - xb).abs() <= 2,
        _ => false,
    }
}

/// Optimal string alignment distance, capped: returns `max + 1` once exceeded.
pub fn distance_within(a: &str, b: &str, max: usize) -> bool {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > max {
        return false;
    }
    let (n, m) = (a.len(), b.len());
    let mut prev2 = vec![0usize; m + 1];
    let mut prev: Vec<usize> = (0..=m).collect();
    let mut cur = vec![0usize; m + 1];
    for i in 1..=n {
        cur[0] = i;
        let mut row_min = cur[0];
        for j in 1..=m {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(prev2[j - 2] + 1);
            }
            cur[j] = v;
            row_min = row_min.min(v);
        }
        if row_min > max {
            return false;
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[m] <= max
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems_agree_across_forms() {
        for (a, b) in [
            ("swelling", "swell"),
            ("swells", "swell"),
            ("faces", "face"),
            ("breathing", "breathe"),
            ("stopped", "stop"),
            ("bleeding", "bleed"),
            ("passes", "pass"),
            ("suddenly", "sudden"),
            ("taking", "take"),
        ] {
            assert_eq!(stem(a), stem(b), "{a} / {b}");
        }
    }

    #[test]
    fn apostrophes_fold_and_sentences_split() {
        let t = tokenise("I can’t breathe. Help!! now");
        let stems: Vec<_> = t.tokens.iter().map(|t| t.stem.as_str()).collect();
        assert_eq!(stems, ["i", "cant", "breath", "help", "now"]);
        assert_eq!(t.tokens[3].sentence, 1);
        assert!(t.tokens[4].sentence > t.tokens[3].sentence);
        assert!(t.emphatic);
    }

    #[test]
    fn slips_of_the_keyboard_are_typos_and_other_words_are_not() {
        for (typed, word) in [
            ("breaht", "breath"),  // swapped
            ("chesst", "chest"),   // doubled
            ("seizre", "seizure"), // dropped
            ("sepsus", "sepsis"),  // another vowel
            ("bleef", "bleed"),    // the key beside it
            ("fwver", "fever"),
            ("fever", "fever"), // no slip at all
            ("fevor", "fever"), // vowels far apart on the keyboard
            ("pwin", "pain"),   // the key above and to the right
        ] {
            assert!(plausible_typo(typed, word), "{typed} / {word}");
        }
        for (typed, word) in [
            ("topic", "toxic"),
            ("fewer", "fever"),
            ("never", "fever"),
            ("natal", "fatal"),
            ("chess", "chest"),
            ("cheats", "chest"),
            ("flint", "faint"), // a vowel for a far consonant
            ("meat", "team"),   // letters swapped, but not neighbours
            ("cause", "cease"), // two letters changed, not swapped
        ] {
            assert!(!plausible_typo(typed, word), "{typed} / {word}");
        }
    }

    #[test]
    fn laughter_emoji_read_as_lol() {
        let stems: Vec<_> = tokenise("this flare is killing me 😂")
            .tokens
            .into_iter()
            .map(|t| t.stem)
            .collect();
        assert_eq!(stems.last().map(String::as_str), Some("lol"));
        assert!(!tokenise("this flare is killing me")
            .tokens
            .iter()
            .any(|t| t.stem == "lol"));
    }

    #[test]
    fn a_run_of_marks_may_hold_spaces_but_not_other_punctuation() {
        assert!(tokenise("is this normal? ?").emphatic);
        assert!(!tokenise("is this normal?-?").emphatic);
        assert!(!tokenise("is this normal?").emphatic);
    }

    #[test]
    fn words_that_are_not_plain_english_are_left_whole() {
        assert_eq!(stem("cafés"), "cafés");
        assert_eq!(stem("médicaments"), "médicaments");
        assert_eq!(stem("ribs"), "rib");
    }

    #[test]
    fn distance() {
        assert!(distance_within("breaht", "breath", 1));
        assert!(distance_within("chest", "chesst", 1));
        assert!(!distance_within("chest", "cheats", 1));
    }
}
