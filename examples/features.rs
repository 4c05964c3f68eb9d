//! Prints what the answer decision looks at for each question of an eval file,
//! one JSON line per question: for fitting the decision on held-out data.
//!
//! `cargo run --release --example features -- knowledge tests/data/tune.jsonl`

use std::io::BufRead;

use ldnbot::answer::Engine;
use ldnbot::config::Config;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let dir = args.next().unwrap_or_else(|| "knowledge".into());
    let file = args.next().unwrap_or_else(|| "tests/data/dev.jsonl".into());
    let config = Config::default();
    let engine = Engine::load(dir.as_ref(), &config.answer, &config.safety)?;
    for line in std::io::BufReader::new(std::fs::File::open(file)?).lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let case: serde_json::Value = serde_json::from_str(&line)?;
        let q = case["q"].as_str().unwrap_or_default();
        let result = engine.search(q)?;
        let hits: Vec<_> = result
            .hits
            .iter()
            .map(|h| {
                serde_json::json!({
                    "id": engine.target_id(h.passage), "cov": h.coverage, "rank": h.rank,
                    "mc": h.matched_concepts, "mi": h.matched_informative, "title": h.title_coverage,
                })
            })
            .collect();
        let nearest: serde_json::Map<String, serde_json::Value> = result
            .closeness
            .iter()
            .enumerate()
            .map(|(i, n)| (engine.target_id(i), serde_json::json!(n)))
            .collect();
        let intent: serde_json::Map<String, serde_json::Value> = result
            .intent
            .iter()
            .enumerate()
            .map(|(i, p)| (engine.target_id(i), serde_json::json!(p)))
            .collect();
        let matches: Vec<_> = engine
            .example_matches(q)
            .iter()
            .map(|m| {
                serde_json::json!([engine.target_id(m.target), m.question_side, m.example_side])
            })
            .collect();
        let specific = result.informative_concepts().next().is_some();
        println!(
            "{}",
            serde_json::json!({"q": q, "expect": case["expect"], "specific": specific, "hits": hits, "nearest": nearest, "intent": intent, "matches": matches})
        );
    }
    Ok(())
}
