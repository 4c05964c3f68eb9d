//! `Engine::answer` over the development and the members' questions (the members' mix also
//! timed call by call for p50 and p99), and the engine build from `knowledge/`.
//!
//! Run: `cargo bench --bench answer`

#[path = "support/timing.rs"]
mod timing;

use std::hint::black_box;
use std::path::Path;
use std::time::Instant;

use criterion::{criterion_group, criterion_main, Criterion};
use ldnbot::answer::Engine;
use ldnbot::config::{AnswerConfig, SafetyConfig};
use ldnbot::eval::read_cases;

fn knowledge_dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/knowledge"))
}

/// Rounds over the members' questions timed one by one for the percentiles.
const ROUNDS: usize = 50;

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

    // The target is per question, p50 and p99: time each members' question
    // one by one, many rounds over the mix.
    for question in &members {
        let _ = black_box(engine.answer(question));
    }
    let mut times = Vec::with_capacity(members.len() * ROUNDS);
    for _ in 0..ROUNDS {
        for question in &members {
            let started = Instant::now();
            let _ = black_box(engine.answer(black_box(question)));
            times.push(started.elapsed());
        }
    }
    eprintln!(
        "answer: members' mix, {} calls one by one: {}",
        times.len(),
        timing::summary(&mut times)
    );

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
