//! ldnbot at scale: a generated knowledge base of 1 000 and 10 000 passages.
//!
//! - `scale build/{1000,10000}`: `Engine::load` (parse + index) of the generated corpus;
//! - `scale answer/10000 mix`: `Engine::answer` over a mix of short, chatty, typo'd
//!   and off-topic questions; p50/p99/max per call are printed from `Instant`
//!   timings of every call, beside criterion's mean (the same for the article);
//! - `scale reload/10000`: `LiveEngine::reload_blocking` while another thread asks
//!   questions continuously; every question asked during the reloads must get
//!   the same answer it gets before them, or the bench fails.
//!
//! The corpora are generated into a temp dir at start (see `benches/support/corpus.rs`,
//! the same generator as `cargo run --release --example gen_corpus`).
//!
//! Run: `cargo bench --bench scale`

#[path = "support/corpus.rs"]
mod corpus;
#[path = "support/timing.rs"]
mod timing;

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use timing::summary;

use criterion::{criterion_group, criterion_main, Criterion, SamplingMode};
use ldnbot::answer::{Answer, Engine};
use ldnbot::config::{AnswerConfig, SafetyConfig};
use ldnbot::knowledge::Knowledge;
use ldnbot::reload::{LiveEngine, Trigger};

const SEED: u64 = 1;
/// Calls timed one by one for the percentiles.
const TIMED_CALLS: usize = 5000;

struct Corpora {
    _dir: tempfile::TempDir,
    small: PathBuf,
    large: PathBuf,
}

fn corpora() -> &'static Corpora {
    static CORPORA: std::sync::OnceLock<Corpora> = std::sync::OnceLock::new();
    CORPORA.get_or_init(|| {
        let dir = tempfile::tempdir().expect("a temp dir");
        let small = dir.path().join("kb1000");
        let large = dir.path().join("kb10000");
        for (path, n) in [(&small, 1_000), (&large, 10_000)] {
            let stats = corpus::generate(path, n, SEED).expect("the corpus is written");
            eprintln!(
                "scale: generated {} passages in {} files ({} KiB) at {}",
                stats.passages,
                stats.files,
                stats.bytes / 1024,
                path.display()
            );
        }
        Corpora {
            _dir: dir,
            small,
            large,
        }
    })
}

fn article_dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/knowledge"))
}

fn load(dir: &Path) -> Engine {
    Engine::load(dir, &AnswerConfig::default(), &SafetyConfig::default())
        .expect("the knowledge base loads")
}

fn build(c: &mut Criterion) {
    let corpora = corpora();
    // Where the build time goes, once, outside criterion.
    for (n, dir) in [(1_000, &corpora.small), (10_000, &corpora.large)] {
        let started = Instant::now();
        let knowledge = Knowledge::load(dir).expect("the corpus parses");
        let parsed = started.elapsed();
        let engine = Engine::build(
            knowledge,
            &AnswerConfig::default(),
            &SafetyConfig::default(),
        )
        .expect("the corpus indexes");
        let total = started.elapsed();
        assert_eq!(engine.passages().len(), n);
        eprintln!(
            "scale: build {n}: Knowledge::load {:.1} ms + Engine::build {:.1} ms = {:.1} ms",
            ms(parsed),
            ms(total - parsed),
            ms(total)
        );
    }

    let mut group = c.benchmark_group("scale build");
    group.sample_size(10);
    group.sampling_mode(SamplingMode::Flat);
    group.warm_up_time(Duration::from_secs(1));
    group.bench_function("1000", |b| b.iter(|| load(black_box(&corpora.small))));
    group.measurement_time(Duration::from_secs(20));
    group.bench_function("10000", |b| b.iter(|| load(black_box(&corpora.large))));
    group.finish();
}

/// Times every call and prints p50/p99/max, overall and per kind of question.
fn percentiles(label: &str, engine: &Engine, mix: &[(&str, &str)]) {
    for (_, q) in mix {
        black_box(engine.answer(q).expect("the index answers"));
    }
    let mut all = Vec::with_capacity(TIMED_CALLS);
    let mut by_kind: Vec<(&str, Vec<Duration>)> = Vec::new();
    let mut found = 0usize;
    for i in 0..TIMED_CALLS {
        let (kind, q) = mix[i % mix.len()];
        let started = Instant::now();
        let answer = engine.answer(black_box(q)).expect("the index answers");
        let elapsed = started.elapsed();
        found += usize::from(answer.is_found());
        black_box(answer);
        all.push(elapsed);
        match by_kind.iter_mut().find(|(k, _)| *k == kind) {
            Some((_, times)) => times.push(elapsed),
            None => by_kind.push((kind, vec![elapsed])),
        }
    }
    eprintln!(
        "scale: answer {label}: {TIMED_CALLS} calls, {found} answered: {}",
        summary(&mut all)
    );
    for (kind, mut times) in by_kind {
        eprintln!("scale: answer {label} [{kind}]: {}", summary(&mut times));
    }
}

fn answer(c: &mut Criterion) {
    let corpora = corpora();
    let mix = corpus::question_mix();
    let article = load(article_dir());
    let large = load(&corpora.large);
    percentiles("article", &article, &mix);
    percentiles("10000", &large, &mix);

    let mut group = c.benchmark_group("scale answer");
    for (label, engine) in [("article mix", &article), ("10000 mix", &large)] {
        let mut next = 0usize;
        group.bench_function(label, |b| {
            b.iter(|| {
                let (_, q) = mix[next % mix.len()];
                next += 1;
                engine.answer(black_box(q)).expect("the index answers")
            })
        });
    }
    group.finish();
}

/// What a question should get: found or not, and which passage.
fn outcome(answer: &Answer) -> (bool, Option<String>) {
    (answer.is_found(), answer.passage().map(|p| p.id.clone()))
}

fn reload(c: &mut Criterion) {
    let corpora = corpora();
    let mix = corpus::question_mix();
    let live = Arc::new(LiveEngine::new(
        load(&corpora.large),
        corpora.large.clone(),
        AnswerConfig::default(),
        SafetyConfig::default(),
    ));
    let expected: Vec<_> = {
        let engine = live.current();
        mix.iter()
            .map(|(_, q)| outcome(&engine.answer(q).expect("the index answers")))
            .collect()
    };

    let stop = Arc::new(AtomicBool::new(false));
    let failures = Arc::new(Mutex::new(Vec::<String>::new()));
    let asker = {
        let (live, stop, failures) = (Arc::clone(&live), Arc::clone(&stop), Arc::clone(&failures));
        let mix = mix.clone();
        thread::spawn(move || {
            let mut times = Vec::new();
            let mut i = 0usize;
            while !stop.load(Ordering::Relaxed) {
                let (_, q) = mix[i % mix.len()];
                let started = Instant::now();
                let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    outcome(&live.current().answer(q).expect("the index answers"))
                }));
                times.push(started.elapsed());
                match result {
                    Ok(got) if got == expected[i % mix.len()] => {}
                    Ok(got) => failures.lock().unwrap().push(format!(
                        "{q:?}: got {got:?}, expected {:?}",
                        expected[i % mix.len()]
                    )),
                    Err(_) => failures.lock().unwrap().push(format!("{q:?}: panicked")),
                }
                i += 1;
            }
            times
        })
    };

    let mut reload_times = Vec::new();
    let mut group = c.benchmark_group("scale reload");
    group.sample_size(10);
    group.sampling_mode(SamplingMode::Flat);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(20));
    group.bench_function("10000 while answering", |b| {
        b.iter(|| {
            let report = live
                .reload_blocking(Trigger::Cli)
                .expect("the reload succeeds");
            reload_times.push(report.elapsed);
            report
        })
    });
    group.finish();

    stop.store(true, Ordering::Relaxed);
    let mut times = asker.join().expect("the asking thread ends");
    let failures = failures.lock().unwrap();
    eprintln!(
        "scale: reload 10000: {} reloads, {}; {} questions asked meanwhile, {} failed; their latency {}",
        reload_times.len(),
        summary_ms(&mut reload_times),
        times.len(),
        failures.len(),
        summary(&mut times)
    );
    assert!(
        failures.is_empty(),
        "questions failed during reload: {:?}",
        &failures[..failures.len().min(10)]
    );
}

fn summary_ms(times: &mut [Duration]) -> String {
    times.sort_unstable();
    if times.is_empty() {
        return "none timed".to_string();
    }
    format!(
        "each min {:.0} ms, median {:.0} ms, max {:.0} ms",
        ms(times[0]),
        ms(times[times.len() / 2]),
        ms(times[times.len() - 1])
    )
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

criterion_group!(benches, build, answer, reload);
criterion_main!(benches);
