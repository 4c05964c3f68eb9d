//! `Engine::answer` over the development questions, and the engine build from `knowledge/`.
//!
//! Run: `cargo bench --bench answer`

use std::hint::black_box;
use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion};
use ldnbot::answer::Engine;
use ldnbot::config::{AnswerConfig, SafetyConfig};
use ldnbot::eval::read_cases;

fn knowledge_dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/knowledge"))
}

fn answer(c: &mut Criterion) {
    let engine = Engine::load(
        knowledge_dir(),
        &AnswerConfig::default(),
        &SafetyConfig::default(),
    )
    .expect("the bundled knowledge base loads");
    let questions_file = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/dev.jsonl"));
    let questions: Vec<String> = read_cases(questions_file)
        .expect("tests/data/dev.jsonl reads")
        .into_iter()
        .map(|case| case.q)
        .collect();

    let members_file = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/members.jsonl"
    ));
    let members: Vec<String> = read_cases(members_file)
        .expect("tests/data/members.jsonl reads")
        .into_iter()
        .map(|case| case.q)
        .collect();

    c.bench_function("answer/one question", |b| {
        b.iter(|| engine.answer(black_box("What are the side effects of LDN?")))
    });
    // Per question: divide by the number of dev questions (69).
    c.bench_function("answer/all dev questions", |b| {
        b.iter(|| {
            for question in &questions {
                let _ = black_box(engine.answer(black_box(question)));
            }
        })
    });
    // Members' own voices: longer, chattier messages (95 of them).
    c.bench_function("answer/all members questions", |b| {
        b.iter(|| {
            for question in &members {
                let _ = black_box(engine.answer(black_box(question)));
            }
        })
    });
}

fn build(c: &mut Criterion) {
    c.bench_function("engine build/article", |b| {
        b.iter(|| {
            Engine::load(
                knowledge_dir(),
                &AnswerConfig::default(),
                &SafetyConfig::default(),
            )
            .expect("the bundled knowledge base loads")
        })
    });
}

criterion_group!(benches, answer, build);
criterion_main!(benches);
