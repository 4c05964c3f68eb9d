//! The ask: which part of a message asks something, and which is background.
//!
//! Members often tell their story before they ask ("RA since 2014, diabetic,
//! on Humira… what have the studies found?"). Every informative word of the
//! story would otherwise count as something the answer must cover, and the
//! story's words (the rheumatologist, the drugs tried) pull towards passages
//! that are not what was asked. So a message is split into clauses, the ones
//! that ask are found, and the rest is background, which still counts, but
//! for less.

/// How much a concept found only in the background counts, against one asked.
pub const BACKGROUND: f32 = 0.5;

/// Words that open a clause that asks, even without a question mark.
const ASKING_OPENERS: &[&str] = &[
    "what",
    "whats",
    "how",
    "hows",
    "why",
    "when",
    "where",
    "who",
    "which",
    "is",
    "isnt",
    "are",
    "arent",
    "can",
    "cant",
    "could",
    "do",
    "does",
    "doesnt",
    "did",
    "should",
    "would",
    "will",
    "wont",
    "may",
    "might",
    "any",
    "anyone",
    "wondering",
];

/// Words that open a request: it asks, question mark or not.
const REQUEST_OPENERS: &[&str] = &["tell", "explain", "please", "pls", "need"];

/// Pairs of words that open a request ("I need the name of the study").
const REQUEST_PAIRS: &[(&str, &str)] = &[
    ("i", "need"),
    ("i", "want"),
    ("id", "like"),
    ("looking", "for"),
];

/// Words that point back at what was just said ("is *that* true?", "what
/// did she mean by *that*?").
const POINTING_BACK: &[&str] = &[
    "that",
    "thats",
    "this",
    "it",
    "its",
    "so",
    "true",
    "legit",
    "real",
    "right",
    "correct",
    "accurate",
    "fact",
    "myth",
    "bs",
    "scam",
    "hype",
    "trustworthy",
    "believable",
    "credible",
];

/// Words that may stand around them without asking anything new.
const AROUND_POINTING_BACK: &[&str] = &[
    "is", "isnt", "was", "or", "a", "any", "of", "really", "actually", "even", "just", "all",
    "some", "anyone", "know", "if", "lol", "ok", "hmm", "what", "why", "how", "come", "do", "does",
    "did", "she", "he", "they", "you", "mean", "meant", "means", "by", "with", "about", "would",
    "be",
];

/// Words that open a message of thanks.
const THANKS: &[&str] = &[
    "thank",
    "thanks",
    "thx",
    "ty",
    "cheers",
    "ta",
    "appreciated",
];

/// Whether `message` thanks and asks nothing: it opens with thanks, and no
/// clause ends with `?` or opens with a question word. "thank you, that was
/// helpful!!" shares "help" with the article, but asks for none of it.
pub fn only_thanks(message: &str) -> bool {
    let clauses = clauses(message);
    let Some(first) = clauses.first() else {
        return false;
    };
    THANKS.contains(&first_word(first).as_str())
        && !clauses
            .iter()
            .any(|c| c.ends_with('?') || opens_with_ask(c))
}

/// Word pairs that ask for a number: a passage that states none cannot answer
/// "how many hours does it block the receptors for?", however much of the
/// question's wording it shares.
const NUMBER_ASKS: &[(&str, &str)] = &[
    ("how", "many"),
    ("how", "long"),
    ("how", "soon"),
    ("what", "percentage"),
    ("what", "percent"),
];

/// Whether `ask` (a message, or the part of it that asks) asks for a number.
pub fn asks_for_a_number(ask: &str) -> bool {
    // Every search asks this: pairs are read as the words go, nothing collected.
    let mut previous = String::new();
    for word in words(ask) {
        if NUMBER_ASKS.contains(&(previous.as_str(), word.as_str())) {
            return true;
        }
        previous = word;
    }
    false
}

/// A message whose clauses do not all ask: the asking part and the rest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Focus {
    /// The clauses that ask, in order, joined by spaces.
    pub ask: String,
    /// The other clauses, in order, joined by spaces.
    pub background: String,
}

/// Splits `message` into what it asks and its background, or `None` when
/// there is nothing to tell apart: one clause, no clause that asks, or only
/// clauses that ask.
///
/// A clause ends at a sentence end (`.`, `!`, `?`, a line break) or at a dash
/// or colon that sets off the ask ("I want to know what I'm talking about —
/// what have the studies found?"). A clause asks when it ends with `?`; when
/// none does, a clause asks when it opens with a question word or a request
/// ("tell me", "please").
pub fn split(message: &str) -> Option<Focus> {
    let clauses = clauses(message);
    if clauses.len() < 2 {
        return None;
    }
    let marked = clauses.iter().any(|c| c.ends_with('?'));
    let mut asks: Vec<bool> = clauses
        .iter()
        .map(|c| c.ends_with('?') || requests(c) || (!marked && opens_with_ask(c)))
        .collect();
    // "saw an ad saying LDN reverses RA — true?": the claim is what is asked.
    for i in 1..clauses.len() {
        if asks[i] && points_back(clauses[i]) {
            asks[i - 1] = true;
        }
    }
    if asks.iter().all(|&a| a) || !asks.iter().any(|&a| a) {
        return None;
    }
    let join = |want: bool| {
        clauses
            .iter()
            .zip(&asks)
            .filter(|(_, &a)| a == want)
            .map(|(c, _)| *c)
            .collect::<Vec<_>>()
            .join(" ")
    };
    Some(Focus {
        ask: join(true),
        background: join(false),
    })
}

/// The message's clauses, trimmed, each with the punctuation that ends it; empty ones left out.
fn clauses(message: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut chars = message.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let next = chars.peek().map(|&(_, n)| n);
        let ends = match c {
            '?' | '!' | '\n' | '—' | '–' => true,
            // A full stop ends a sentence, not a number ("1.5 mg") or an abbreviation run ("e.g.").
            '.' => next.is_none_or(char::is_whitespace),
            ':' | ';' => next.is_none_or(char::is_whitespace),
            // A spaced hyphen is a dash; one inside a word is not.
            '-' => message[..i].ends_with(' ') && next.is_none_or(char::is_whitespace),
            _ => false,
        };
        if ends {
            // Runs of closing marks ("?!", "...") stay with their clause.
            let mut end = i + c.len_utf8();
            while let Some(&(j, n)) = chars.peek() {
                if matches!(n, '?' | '!' | '.') {
                    end = j + n.len_utf8();
                    chars.next();
                } else {
                    break;
                }
            }
            push_clause(&mut out, &message[start..end]);
            start = end;
        }
    }
    push_clause(&mut out, &message[start..]);
    out
}

fn push_clause<'a>(out: &mut Vec<&'a str>, clause: &'a str) {
    let clause = clause
        .trim()
        .trim_end_matches(['—', '–', '-', ':', ';'])
        .trim();
    if clause.chars().any(char::is_alphanumeric) {
        out.push(clause);
    }
}

/// Whether a clause asks only about what came before it ("true?", "is that
/// legit?", "what did she mean by that?"): it points back, and has no word
/// of its own that asks something new.
fn points_back(clause: &str) -> bool {
    let mut pointing = false;
    for word in words(clause) {
        if POINTING_BACK.contains(&word.as_str()) {
            pointing = true;
        } else if !AROUND_POINTING_BACK.contains(&word.as_str()) {
            return false;
        }
    }
    pointing
}

fn opens_with_ask(clause: &str) -> bool {
    ASKING_OPENERS.contains(&first_word(clause).as_str()) || requests(clause)
}

fn requests(clause: &str) -> bool {
    let mut words = words(clause);
    let first = words.next().unwrap_or_default();
    let second = words.next().unwrap_or_default();
    REQUEST_OPENERS.contains(&first.as_str())
        || REQUEST_PAIRS.contains(&(first.as_str(), second.as_str()))
}

/// The first word of a clause, lowercased, its punctuation dropped ("What's" → "whats").
fn first_word(clause: &str) -> String {
    words(clause).next().unwrap_or_default()
}

fn words(clause: &str) -> impl Iterator<Item = String> + '_ {
    clause.split_whitespace().map(|word| {
        word.chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `message` splits into `ask` and `background`.
    fn assert_splits(message: &str, ask: &str, background: &str) {
        let focus = split(message).unwrap_or_else(|| panic!("{message:?} does not split"));
        assert_eq!(
            (focus.ask.as_str(), focus.background.as_str()),
            (ask, background)
        );
    }

    #[test]
    fn background_before_a_question_is_set_apart() {
        assert_splits(
            "RA since 2019, on methotrexate. My knees are bad lately. Is LDN safe long term?",
            "Is LDN safe long term?",
            "RA since 2019, on methotrexate. My knees are bad lately.",
        );
    }

    #[test]
    fn a_dash_sets_off_the_ask() {
        assert_splits(
            "Seeing my rheumatologist next week — what does the research say?",
            "what does the research say?",
            "Seeing my rheumatologist next week",
        );
    }

    #[test]
    fn without_a_question_mark_a_question_word_marks_the_ask() {
        assert_splits(
            "My mum was just diagnosed. how does ldn work",
            "how does ldn work",
            "My mum was just diagnosed.",
        );
    }

    #[test]
    fn a_request_asks_beside_a_question() {
        assert_splits(
            "My GP is sceptical. Which trial was it? I need the title for her.",
            "Which trial was it? I need the title for her.",
            "My GP is sceptical.",
        );
    }

    #[test]
    fn a_clause_that_points_back_asks_about_the_one_before() {
        assert_splits(
            "My aunt is sceptical. A blog says LDN cures RA. Is that true?",
            "A blog says LDN cures RA. Is that true?",
            "My aunt is sceptical.",
        );
        // Only the claim: nothing left to set apart.
        assert_eq!(
            split("someone said it reverses joint damage - legit?"),
            None
        );
        // Nor is anything new left for "what did she mean by that?".
        assert_eq!(
            split("My rheumy said it is no cure-all. What did she mean by that?"),
            None
        );
        // A question of its own is no check.
        assert_splits(
            "A blog says LDN cures RA. Is it safe?",
            "Is it safe?",
            "A blog says LDN cures RA.",
        );
    }

    #[test]
    fn asks_for_a_number_in_so_many_words() {
        assert!(asks_for_a_number("How many hours does it last?"));
        assert!(asks_for_a_number("ok but how long until it kicks in"));
        assert!(asks_for_a_number("what percentage of people improve"));
        assert!(!asks_for_a_number("how does it work, long term?"));
        assert!(!asks_for_a_number("how much does it help"));
        assert!(!asks_for_a_number("many people say it works, how?"));
        assert!(!asks_for_a_number(""));
    }

    #[test]
    fn nothing_to_tell_apart() {
        assert_eq!(split("what are the side effects of LDN?"), None);
        assert_eq!(split("side effects?? insomnia?"), None);
        assert_eq!(split("I take 1.5 mg. I sleep badly."), None);
        assert_eq!(split(""), None);
        assert_eq!(split("?!?"), None);
    }

    #[test]
    fn thanks_that_ask_nothing() {
        assert!(only_thanks("Thanks!! really useful"));
        assert!(only_thanks("thank you so much, that helped"));
        assert!(!only_thanks("thanks! is it safe with methotrexate?"));
        assert!(!only_thanks("thanks. how long until it works"));
        assert!(!only_thanks(""));
    }

    #[test]
    fn numbers_and_hyphenated_words_do_not_split() {
        assert_eq!(
            clauses("I take 1.5 mg of low-dose naltrexone, is that normal?"),
            vec!["I take 1.5 mg of low-dose naltrexone, is that normal?"]
        );
        assert_eq!(
            clauses("ok... so - what is it?!"),
            vec!["ok...", "so", "what is it?!"]
        );
        // A hyphen with a space on one side only joins words, it is no dash.
        assert_eq!(
            clauses("is it a once- or twice-a-day thing?"),
            vec!["is it a once- or twice-a-day thing?"]
        );
    }

    #[test]
    fn a_colon_or_semicolon_ends_a_clause_but_not_a_time() {
        assert_eq!(
            clauses("Quick one: I take it at 10:30pm; does that matter?"),
            vec!["Quick one", "I take it at 10:30pm", "does that matter?"]
        );
    }
}
