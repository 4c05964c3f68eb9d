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
