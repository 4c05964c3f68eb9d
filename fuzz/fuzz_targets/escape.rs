//! Markdown escaping of members' text: arbitrary text as a question echoed
//! in an embed.
#![no_main]

use ldnbot::bot::{escape_markdown, unescape_markdown};
use libfuzzer_sys::fuzz_target;

/// What makes links, emphasis, code, quotes or spoilers in Discord.
const ACTIVE: &[char] = &['[', ']', '(', ')', '*', '_', '`', '~', '|'];

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let escaped = escape_markdown(&text);
    // Nothing is lost: the feedback buttons read the question back.
    assert_eq!(unescape_markdown(&escaped), text);
    // Every active character follows a backslash, and every backslash
    // escapes something.
    let mut chars = escaped.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            assert!(chars.next().is_some(), "a bare backslash at the end");
        } else {
            assert!(!ACTIVE.contains(&c), "{c:?} is unescaped in {escaped:?}");
        }
    }
});
