//! `Engine::answer` on the bundled knowledge base: arbitrary bytes, made into text.
#![no_main]

use std::path::Path;
use std::sync::OnceLock;

use ldnbot::answer::{Answer, Engine, Reason};
use ldnbot::config::{AnswerConfig, SafetyConfig};
use libfuzzer_sys::fuzz_target;

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../knowledge");
        Engine::load(&dir, &AnswerConfig::default(), &SafetyConfig::default())
            .expect("the bundled knowledge base loads")
    })
}

fuzz_target!(|data: &[u8]| {
    let question = String::from_utf8_lossy(data);
    let engine = engine();
    let answer = engine.answer(&question).expect("the index answers");
    match &answer {
        Answer::Found { passage, score, .. } => {
            assert!(engine.passage(&passage.id).is_some());
            assert!(
                score.is_finite() && (0.0..=1.0).contains(score),
                "score {score}"
            );
        }
        Answer::Unanswered { reason, gap, .. } => {
            let looked_at: String = question.chars().take(2000).collect();
            assert_eq!(*reason == Reason::Empty, looked_at.trim().is_empty());
            assert_eq!(gap.is_some(), *reason == Reason::KnownGap);
        }
    }
    let text = ldnbot::reply::text(&answer, engine);
    assert!(text.contains(engine.disclaimer()));
});
