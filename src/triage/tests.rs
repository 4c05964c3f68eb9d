//! Behaviour of the built-in rules on sentences written for these tests.

use super::*;

fn level(t: &Triage, q: &str) -> Level {
    t.assess(q).level
}

fn assert_urgent(t: &Triage, q: &str, kind: Kind) {
    let a = t.assess(q);
    assert_eq!(a.level, Level::Urgent, "{q:?} → {a:?}");
    assert_eq!(a.kind, Some(kind), "{q:?} → {a:?}");
}

#[test]
fn builtin_rules_are_valid() {
    Triage::load(None).unwrap();
}

#[test]
fn each_kind_recognised() {
    let t = Triage::builtin();
    for (kind, qs) in [
        (
            Kind::Stroke,
            [
                "my husband's face has dropped on one side and his speech is slurred",
                "suddenly I can't lift my right arm and my words come out wrong",
            ],
        ),
        (
            Kind::HeartAttack,
            [
                "crushing pressure in my chest right now going down my left arm",
                "my dad is clutching his chest, sweating and grey",
            ],
        ),
        (
            Kind::Anaphylaxis,
            [
                "my lips and tongue are swelling up after the new tablet",
                "throat feels like it's closing since my injection an hour ago",
            ],
        ),
        (
            Kind::Breathing,
            [
                "I can't breathe and my lips are going blue",
                "my mum is gasping for air and can't speak",
            ],
        ),
        (
            Kind::Collapse,
            [
                "my wife collapsed and won't wake up",
                "he passed out and isn't responding",
            ],
        ),
        (
            Kind::Seizure,
            [
                "my son is having a fit on the floor right now",
                "she's convulsing and won't stop shaking",
            ],
        ),
        (
            Kind::Overdose,
            [
                "I took my weekly methotrexate every day this week by mistake",
                "my toddler swallowed a handful of my tablets",
            ],
        ),
        (
            Kind::Sepsis,
            [
                "on methotrexate with a fever of 39.5 and uncontrollable shivering",
                "rash that doesn't fade and a stiff neck, high temperature now",
            ],
        ),
        (
            Kind::GiBleed,
            [
                "I just vomited blood, loads of it",
                "my poo is black and tarry today and I feel faint",
            ],
        ),
        (
            Kind::AcuteAbdomen,
            [
                "my belly is rock hard and the pain is unbearable",
                "sudden stabbing stomach pain, I can't move, on naproxen",
            ],
        ),
        (
            Kind::Bleeding,
            [
                "this cut won't stop bleeding, blood everywhere",
                "nosebleed for over an hour, it won't stop",
            ],
        ),
        (
            Kind::Danger,
            [
                "someone is trying to break in right now",
                "my partner is threatening me with a knife",
            ],
        ),
        (
            Kind::Suicide,
            ["I want to die", "everyone would be better off without me"],
        ),
        (
            Kind::SelfHarm,
            [
                "I've been cutting myself again",
                "I want to hurt myself tonight",
            ],
        ),
    ] {
        for q in qs {
            assert_urgent(&t, q, kind);
        }
    }
}

#[test]
fn hedged_self_harm_is_urgent() {
    let t = Triage::builtin();
    for q in [
        "sometimes I think everyone would be better off without me",
        "how many of my pills would it take to not wake up?",
        "is it normal to not want to wake up anymore?",
        "I've been saving up my tramadol, just in case",
    ] {
        assert_eq!(level(&t, q), Level::Urgent, "{q}");
    }
}

#[test]
fn hyperbole_fiction_past_info_not_urgent() {
    let t = Triage::builtin();
    for q in [
        "this flare will be the death of me lol",
        "my knees are killing me today",
        "dying to know if LDN helps fatigue",
        "what are the signs of a stroke?",
        "is chest tightness a known side effect of LDN?",
        "I had anaphylaxis once years ago to penicillin, is LDN ok?",
        "my mum had a stroke in 2019, can she take LDN?",
        "in the film last night a man had a heart attack",
        "what's the suicide rate in RA?",
        "my book's character wants to die at the end",
        "how much LDN is too much?",
        "what time should I take LDN?",
    ] {
        assert_ne!(level(&t, q), Level::Urgent, "{q} → {:?}", t.assess(q));
    }
}

#[test]
fn serious_mentions_are_cautions() {
    let t = Triage::builtin();
    for q in [
        "what does a stroke look like?",
        "is chest tightness a side effect?",
        "what's the suicide rate in RA?",
    ] {
        assert_eq!(level(&t, q), Level::Caution, "{q}");
    }
    assert_eq!(level(&t, "what time should I take LDN?"), Level::None);
}

#[test]
fn ordinary_words_are_not_read_as_alarm_words() {
    let t = Triage::builtin();
    // Each is one letter from an alarm word ("toxic", "fever", "fatal") or holds
    // a phrase an emergency uses ("out for"), and is none of them.
    for q in [
        "what topics can I read about here",
        "fewer flares since I started ldn, is that normal",
        "I never had any trouble with it",
        "is it safe before a natal class",
        "what should I look out for in the first week",
    ] {
        assert_eq!(level(&t, q), Level::None, "{q} → {:?}", t.assess(q));
    }
    let printed = t.assess("thanks! going to print this out for my appointment");
    assert_ne!(printed.level, Level::Urgent, "{printed:?}");
    assert_ne!(printed.kind, Some(Kind::Collapse), "{printed:?}");
    // A real slip of the keyboard still counts.
    assert_urgent(
        &t,
        "he has collasped on the floor and isnt breathing",
        Kind::Collapse,
    );
}

#[test]
fn admin_file_extends_builtin() {
    let extra = "[concepts]\nzork = [\"zorkitis\"]\n[[sign]]\nkind = \"danger\"\nall = [\"zork\"]\nweight = 4\n";
    let t = Triage::load(Some((extra, Path::new("knowledge/urgent.toml")))).unwrap();
    assert_eq!(level(&t, "zorkitis"), Level::Urgent);
    assert_eq!(level(&t, "I want to die"), Level::Urgent);
    let bad = "[[sign]]\nkind = \"danger\"\nall = [\"nope\"]\nweight = 4\n";
    let e = Triage::load(Some((bad, Path::new("knowledge/urgent.toml")))).unwrap_err();
    assert!(e.to_string().starts_with("knowledge/urgent.toml:3:"), "{e}");
}

#[test]
fn no_panic_on_any_text() {
    let t = Triage::builtin();
    let naughty = include_str!("../../tests/data/blns.json");
    for line in naughty.lines() {
        t.assess(line);
    }
    let long = "my chest hurts ".repeat(700);
    assert_eq!(t.assess(&long).level, Level::Urgent);
    t.assess(&"a".repeat(10_000));
    t.assess(&"🔥😂".repeat(5_000));
    t.assess("\u{0}\u{1}\u{7f}\u{202e}\r\n\t?!?!");
    t.assess("");
    t.assess("ß̶̛͈̹͓͔͇̳̲̖͙̻̬̥͚̐̽͛̈́̈́́͘͘ͅ İ ǅ ﬁ");
}

#[test]
fn triage_is_send_sync() {
    fn check<T: Send + Sync + std::fmt::Debug>() {}
    check::<Triage>();
}

#[test]
fn kind_names_round_trip() {
    for k in Kind::ALL {
        assert_eq!(Kind::parse(k.as_str()), Some(k));
        assert!(!k.label().is_empty());
    }
    let l: Level = toml::from_str::<std::collections::BTreeMap<String, Level>>("l = \"caution\"")
        .unwrap()["l"];
    assert_eq!(l, Level::Caution);
}

fn why(t: &Triage, q: &str) -> Vec<String> {
    t.assess_rules(q).why
}

fn has_cue(why: &[String], cue: &str) -> bool {
    why.iter().any(|w| w.split(' ').next() == Some(cue))
}

/// A sign's context is read in whichever sentence the sign is: a greeting
/// before it changes nothing the rules see.
#[test]
fn context_is_read_in_whichever_sentence_the_sign_is() {
    let t = Triage::builtin();
    for q in [
        "My husband had a stroke years ago, can he take LDN?",
        "in the film last night a man had a heart attack",
        "I took my weekly methotrexate every day this week by mistake",
        "her face drooped on one side and she is slurring right now",
    ] {
        let alone = t.assess_rules(q);
        let later = t.assess_rules(&format!("Quick update. {q}"));
        assert_eq!(
            (alone.level, alone.kind, alone.score, &alone.why),
            (later.level, later.kind, later.score, &later.why),
            "{q}"
        );
    }
}

/// "now" inside "I'm fine now" is the past cue's, not a sign of now.
#[test]
fn a_cue_inside_a_longer_cue_of_another_sort_does_not_count() {
    let t = Triage::builtin();
    let w = why(
        &t,
        "crushing pressure in my chest going down my left arm, im fine now",
    );
    assert!(has_cue(&w, "past") && !has_cue(&w, "now"), "{w:?}");
    let w = why(
        &t,
        "crushing pressure in my chest going down my left arm now",
    );
    assert!(has_cue(&w, "now"), "{w:?}");
}

/// An opener ("which", "can") asks for information only as a sentence's
/// first word.
#[test]
fn an_opener_counts_only_at_the_start_of_a_sentence() {
    let t = Triage::builtin();
    let w = why(
        &t,
        "her face drooped on one side and she is slurring, which hospital do we go to",
    );
    assert!(!has_cue(&w, "info"), "{w:?}");
    let w = why(
        &t,
        "Can a stroke make her face droop on one side and her speech slur?",
    );
    assert!(has_cue(&w, "info"), "{w:?}");
    // The first word of a later sentence is a sentence's first word too.
    let w = why(
        &t,
        "Quick question. Can a stroke make her face droop on one side and her speech slur?",
    );
    assert!(has_cue(&w, "info"), "{w:?}");
}

/// A year ("in 2019") puts a sign in the past; other numbers do not.
#[test]
fn a_year_is_the_past_and_other_numbers_are_not() {
    let t = Triage::builtin();
    let w = why(&t, "my mum's stroke was in 2019, can she take LDN?");
    assert!(has_cue(&w, "past"), "{w:?}");
    for q in [
        "her face drooped on one side and she is slurring, she is on 200 mg of naproxen",
        "her face drooped on one side and she is slurring, ward 19b",
    ] {
        let w = why(&t, q);
        assert!(!has_cue(&w, "past"), "{q}: {w:?}");
    }
}

/// Figures of speech hide words only from the kinds whose words they
/// borrow: "cut the" hides nothing from an infected cut.
#[test]
fn a_figure_of_speech_hides_words_only_from_the_kinds_it_borrows_from() {
    let t = Triage::builtin();
    let a = t.assess_rules("the cut the nurse made is red hot and spreading");
    assert_eq!(a.kind, Some(Kind::Sepsis), "{a:?}");
    assert!(a.why.iter().any(|w| w.starts_with("sign sepsis")), "{a:?}");
    let a = t.assess_rules("my knees are killing me today");
    assert_ne!(a.level, Level::Urgent, "{a:?}");
}

/// A negation just before a sign's words, in its sentence, makes it a
/// mention; one further back, in the sentence before, or before only some
/// other words does not.
#[test]
fn a_negation_just_before_a_signs_words_negates_it() {
    let t = Triage::builtin();
    for q in [
        "my husband is not slurring and his face has not dropped",
        "her face hasnt drooped on one side",
    ] {
        let a = t.assess_rules(q);
        assert_ne!(a.level, Level::Urgent, "{q}: {a:?}");
        assert!(
            a.why.iter().any(|w| w.starts_with("negated sign")),
            "{q}: {a:?}"
        );
    }
    for q in [
        // Five words back: another clause.
        "yesterday my mum was not well and now her face drooped on one side and she is slurring",
        // The sentence before.
        "No. Face drooped on one side, slurring now",
    ] {
        let a = t.assess_rules(q);
        assert_eq!(a.level, Level::Urgent, "{q}: {a:?}");
        assert!(
            a.why.iter().any(|w| w.starts_with("sign stroke: face")),
            "{q}: {a:?}"
        );
    }
}

/// At equal scores self-harm wins, whichever comes first; a stronger sign of
/// another kind still wins over a self-harm mention.
#[test]
fn self_harm_wins_a_tie_and_only_a_tie() {
    let t = Triage::builtin();
    for q in [
        "bleeding and self harm, what is the link",
        "self harm and bleeding, what is the link",
    ] {
        let a = t.assess_rules(q);
        assert_eq!(a.kind, Some(Kind::SelfHarm), "{q}: {a:?}");
    }
    assert_urgent(
        &t,
        "my husband collapsed right now and won't wake up, he has a history of self harm",
        Kind::Collapse,
    );
}

/// A hypothetical about self-harm with no "I" near it is a caution; with
/// the writer in it, urgent.
#[test]
fn a_hypothetical_self_harm_is_urgent_only_near_the_writer() {
    let t = Triage::builtin();
    let a = t.assess_rules("what would happen if a person wanted to die");
    assert_eq!(a.level, Level::Caution, "{a:?}");
    let a = t.assess_rules("what would happen if I took all my pills, I want to die");
    assert_eq!(a.level, Level::Urgent, "{a:?}");
}

/// A word on two cue lists ("cant": present and severity) counts for both.
#[test]
fn a_word_on_two_cue_lists_counts_for_both() {
    let t = Triage::builtin();
    let w = why(&t, "her face drooped on one side, cant talk properly");
    assert!(has_cue(&w, "present") && has_cue(&w, "severity"), "{w:?}");
}
