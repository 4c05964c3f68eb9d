//! The knowledge parser: arbitrary Markdown, with and without `+++` front matter,
//! and the synonyms file.
#![no_main]

use std::path::Path;

use ldnbot::knowledge::parse_article;
use ldnbot::knowledge::Synonyms;
use libfuzzer_sys::fuzz_target;

fn check(text: &str) {
    if let Ok(passages) = parse_article(Path::new("fuzz.md"), text) {
        assert!(!passages.is_empty());
        let lines = text.split('\n').count();
        for passage in &passages {
            assert!(!passage.id.is_empty());
            assert!(
                passage.line >= 1 && passage.line <= lines + 1,
                "line {} of {lines}",
                passage.line
            );
            let _ = passage.section();
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    check(&text);
    // The same bytes as front matter: TOML up to the first `+++` line, Markdown after.
    check(&format!("+++\n{text}"));
    let _ = Synonyms::parse(&text, Path::new("synonyms.toml"));
});
