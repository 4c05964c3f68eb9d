//! The feedback buttons' custom ids: arbitrary text as a custom id a member
//! sends, and as a passage id the bot makes a custom id for.
#![no_main]

use ldnbot::bot::{custom_id, parse_custom_id, PassageRef, Verdict};
use ldnbot::review::{Source, TagKey};
use libfuzzer_sys::fuzz_target;

const VERDICTS: [Verdict; 3] = [Verdict::Helpful, Verdict::NotHelpful, Verdict::OtherPassage];

fuzz_target!(|data: &[u8]| {
    let key = TagKey::from_bytes([0x5a; 32]);
    let text = String::from_utf8_lossy(data);

    // What a member sends: only what this key tagged is read, and reading it
    // back and making it again gives the same custom id.
    if let Some(button) = parse_custom_id(&key, &text) {
        assert!(text.len() <= 100);
        if let PassageRef::Id(passage) = &button.passage {
            assert_eq!(custom_id(&key, button.verdict, button.source, passage), text);
        }
    }

    // Whatever the passage id, the bot's custom id fits Discord's limit and
    // reads back as what it said, for this key only.
    for verdict in VERDICTS {
        let made = custom_id(&key, verdict, Source::Mention, &text);
        assert!(made.chars().count() <= 100, "{made}");
        let button = parse_custom_id(&key, &made).expect("the bot reads its own custom id");
        assert_eq!((button.verdict, button.source), (verdict, Source::Mention));
        if let PassageRef::Id(passage) = &button.passage {
            assert_eq!(passage, text.as_ref());
        }
        assert!(parse_custom_id(&TagKey::from_bytes([0xa5; 32]), &made).is_none());
    }
});
