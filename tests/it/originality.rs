//! Knowledge files never hold a question from an eval file: answer quality is
//! judged on questions nobody tuned on, so an example, a gap's example or a
//! learned question that copies or closely paraphrases one would only hide
//! what the engine cannot do.

use std::collections::HashSet;
use std::path::Path;

/// Two questions whose word sets overlap this much (of the larger) count as the same question.
const SAME_QUESTION: f32 = 0.75;

fn words(text: &str) -> HashSet<String> {
    text.to_lowercase()
        .replace(['\'', '’'], "")
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(String::from)
        .collect()
}

fn overlap(a: &HashSet<String>, b: &HashSet<String>) -> f32 {
    let larger = a.len().max(b.len());
    if larger == 0 {
        return 0.0;
    }
    a.intersection(b).count() as f32 / larger as f32
}

/// Every string inside the knowledge TOML files: examples, gap examples, learned questions.
fn knowledge_strings(dir: &Path) -> Vec<(String, String)> {
    fn walk(value: &toml::Value, file: &str, out: &mut Vec<(String, String)>) {
        match value {
            toml::Value::String(text) => out.push((file.to_string(), text.clone())),
            toml::Value::Array(items) => items.iter().for_each(|v| walk(v, file, out)),
            toml::Value::Table(table) => table.values().for_each(|v| walk(v, file, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let holds_questions =
            name.ends_with(".questions.toml") || name == "gaps.toml" || name == "learned.toml";
        if holds_questions {
            let value: toml::Value =
                toml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            walk(&value, &name, &mut out);
        }
    }
    out
}

fn eval_questions() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "jsonl") {
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            for line in std::fs::read_to_string(&path)
                .unwrap()
                .lines()
                .filter(|l| !l.trim().is_empty())
            {
                let case: serde_json::Value = serde_json::from_str(line).unwrap();
                out.push((name.clone(), case["q"].as_str().unwrap().to_string()));
            }
        }
    }
    out
}

#[test]
fn no_knowledge_file_holds_an_eval_question() {
    let knowledge = knowledge_strings(&Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge"));
    let evals: Vec<(String, String, HashSet<String>)> = eval_questions()
        .into_iter()
        .map(|(file, q)| {
            let w = words(&q);
            (file, q, w)
        })
        .collect();
    assert!(
        knowledge.len() > 300,
        "the example files were read: {}",
        knowledge.len()
    );
    assert!(
        evals.len() > 400,
        "the eval files were read: {}",
        evals.len()
    );
    let copies: Vec<String> = knowledge
        .iter()
        .filter_map(|(file, text)| {
            let w = words(text);
            evals
                .iter()
                .find(|(_, _, e)| overlap(&w, e) >= SAME_QUESTION)
                .map(|(eval, q, _)| format!("{file}: {text:?} ~ {eval}: {q:?}"))
        })
        .collect();
    assert!(
        copies.is_empty(),
        "knowledge copies eval questions:\n{}",
        copies.join("\n")
    );
}

#[test]
fn the_copy_check_catches_copies_and_near_copies() {
    let asked = words("Does LDN show up on a work drug test?");
    assert_eq!(
        overlap(&words("does ldn show up on a work drug test"), &asked),
        1.0
    );
    assert!(overlap(&words("will LDN show up on a drug test"), &asked) >= SAME_QUESTION);
    assert!(overlap(&words("is a glass of wine ok with my ldn"), &asked) < SAME_QUESTION);
}
