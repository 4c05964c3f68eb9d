//! The `ldnbot` binary, run as a person or a script would.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use crate::engine::{data, knowledge_dir};

fn ldnbot() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ldnbot"));
    command
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("LDNBOT_CONFIG")
        .env_remove("DISCORD_TOKEN")
        .env("RUST_LOG", "warn");
    command
}

fn run_with_stdin(mut command: Command, stdin: &str) -> Output {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A config file in `dir` pointing at `knowledge`, with `extra` appended.
fn write_config(dir: &Path, knowledge: &Path, extra: &str) -> std::path::PathBuf {
    let path = dir.join("ldnbot.toml");
    let config = format!(
        "[knowledge]\ndir = {:?}\n[review]\ndatabase = {:?}\n{extra}",
        knowledge,
        dir.join("review.sqlite3")
    );
    std::fs::write(&path, config).unwrap();
    path
}

#[test]
fn ask_prints_the_passage_and_the_disclaimer() {
    let output = ldnbot()
        .args(["ask", "What are the side effects of LDN?"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    assert!(stdout.contains("Balancing Risks and Benefits"), "{stdout}");
    assert!(stdout.contains("insomnia, vivid dreams"), "{stdout}");
    assert!(stdout.contains("not medical advice"), "{stdout}");
}

#[test]
fn ask_says_so_when_not_covered() {
    let output = ldnbot()
        .args(["ask", "Who painted the Mona Lisa?"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let stdout = text(&output.stdout);
    assert!(stdout.contains("doesn't cover"), "{stdout}");
    assert!(stdout.contains("not medical advice"), "{stdout}");
}

#[test]
fn ask_json_has_the_documented_fields() {
    let output = ldnbot()
        .args(["ask", "--json", "What are the side effects of LDN?"])
        .output()
        .unwrap();
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    for key in [
        "question",
        "answered",
        "passage",
        "section",
        "article",
        "passage_id",
        "score",
        "reason",
        "alternatives",
        "disclaimer",
    ] {
        assert!(value.get(key).is_some(), "missing {key} in {value}");
    }
    assert_eq!(value["answered"], true);
    assert_eq!(
        value["section"],
        "Considerations and Caveats › Balancing Risks and Benefits"
    );
    assert!(value["reason"].is_null());
    let alternative = &value["alternatives"][0];
    assert!(
        alternative["passage_id"].is_string()
            && alternative["section"].is_string()
            && alternative["score"].is_number()
    );
}

#[test]
fn stdin_gives_one_json_line_per_input_line_blank_ones_included() {
    let output = run_with_stdin(
        {
            let mut command = ldnbot();
            command.args(["ask", "--json"]);
            command
        },
        "What is LDN?\n\n   \nI overdosed on LDN\nqwertyuiop\n",
    );
    assert!(output.status.success());
    let lines: Vec<serde_json::Value> = text(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines.len(), 5);
    assert_eq!(lines[0]["answered"], true);
    assert_eq!(lines[1]["reason"], "empty");
    assert_eq!(lines[2]["reason"], "empty");
    assert_eq!(lines[3]["reason"], "urgent");
    assert!(lines[3]["notice"].as_str().unwrap().contains("emergency"));
    assert_eq!(lines[4]["answered"], false);
    assert!(lines
        .iter()
        .all(|line| line["disclaimer"].as_str().is_some_and(|d| !d.is_empty())));
}

#[test]
fn every_naughty_string_is_a_valid_json_answer() {
    let raw = std::fs::read_to_string(data("blns.json")).unwrap();
    let strings: Vec<String> = serde_json::from_str(&raw).unwrap();
    // One per line: a string's own newlines would split it into several questions.
    let input: Vec<String> = strings
        .iter()
        .map(|s| s.replace(['\n', '\r'], " "))
        .collect();
    let output = run_with_stdin(
        {
            let mut command = ldnbot();
            command.args(["ask", "--json"]);
            command
        },
        &(input.join("\n") + "\n"),
    );
    assert!(output.status.success(), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), input.len());
    for line in lines {
        let value: serde_json::Value = serde_json::from_str(line).unwrap();
        assert!(value["answered"].is_boolean());
    }
}

#[test]
fn check_reports_files_passages_and_version() {
    let output = ldnbot().arg("check").output().unwrap();
    assert!(output.status.success(), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    assert!(
        stdout.contains("ldn-rheumatoid-arthritis.md (11 passages)"),
        "{stdout}"
    );
    assert!(stdout.contains("passages: 11"), "{stdout}");
    assert!(stdout.contains("version: "), "{stdout}");
}

#[test]
fn check_counts_the_example_questions_of_each_passage_and_gap() {
    let output = ldnbot().arg("check").output().unwrap();
    assert!(output.status.success(), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    let knowledge = Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge");
    let questions: toml::Table = toml::from_str(
        &std::fs::read_to_string(knowledge.join("ldn-rheumatoid-arthritis.questions.toml"))
            .unwrap(),
    )
    .unwrap();
    for (key, entry) in &questions {
        let count = entry["examples"].as_array().unwrap().len();
        let line = format!("{count:>5}  ldn-rheumatoid-arthritis/{key}");
        assert!(stdout.contains(&line), "{line:?} in {stdout}");
    }
    let gaps: toml::Table =
        toml::from_str(&std::fs::read_to_string(knowledge.join("gaps.toml")).unwrap()).unwrap();
    for gap in gaps["gap"].as_array().unwrap() {
        let count = gap["examples"].as_array().unwrap().len();
        let line = format!("{count:>5}  {} (", gap["id"].as_str().unwrap());
        assert!(stdout.contains(&line), "{line:?} in {stdout}");
    }
}

#[test]
fn check_fails_on_a_broken_knowledge_dir() {
    let dir = tempfile::tempdir().unwrap();
    let knowledge = dir.path().join("knowledge");
    std::fs::create_dir(&knowledge).unwrap();
    std::fs::write(
        knowledge.join("bad.md"),
        "+++\ntitle = [\n+++\n## A\n\ntext\n",
    )
    .unwrap();
    let config = write_config(dir.path(), &knowledge, "");
    let output = ldnbot()
        .arg("--config")
        .arg(&config)
        .arg("check")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(stderr.contains("bad.md"), "{stderr}");
}

#[test]
fn an_unknown_config_key_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &knowledge_dir(), "[answer]\nthreshhold = 0.4\n");
    let output = ldnbot()
        .arg("check")
        .env("LDNBOT_CONFIG", &config)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(stderr.contains("threshhold"), "{stderr}");
    assert!(stderr.contains("ldnbot.toml"), "{stderr}");
}

#[test]
fn help_exists_for_every_subcommand() {
    for sub in ["ask", "check", "eval", "serve", "unanswered"] {
        let output = ldnbot().args([sub, "--help"]).output().unwrap();
        assert!(output.status.success(), "{sub} --help");
        assert!(text(&output.stdout).contains("Usage"), "{sub}");
    }
}

#[test]
fn eval_prints_misses_and_the_summary_and_honours_min_overall() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("questions.jsonl");
    std::fs::write(
        &file,
        concat!(
            "{\"q\": \"What are the side effects of LDN?\", \"expect\": [\"ldn-rheumatoid-arthritis/considerations-and-caveats/balancing-risks-and-benefits\"]}\n",
            "{\"q\": \"What are the side effects of LDN?\", \"expect\": [\"ldn-rheumatoid-arthritis/conclusion\"]}\n",
            "{\"q\": \"Who painted the Mona Lisa?\", \"expect\": []}\n",
            "\n",
        ),
    )
    .unwrap();
    let output = ldnbot().arg("eval").arg(&file).output().unwrap();
    assert!(output.status.success());
    let stdout = text(&output.stdout);
    assert!(stdout.contains("MISS"), "{stdout}");
    assert!(
        stdout.contains(
            "in-scope strict 1/2 lenient 1/2 · out-of-scope abstained 1/1 · overall 66.7%"
        ),
        "{stdout}"
    );
    let output = ldnbot()
        .arg("eval")
        .arg(&file)
        .args(["--min-overall", "90"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let output = ldnbot()
        .arg("eval")
        .arg(&file)
        .args(["--json"])
        .output()
        .unwrap();
    let last = text(&output.stdout).lines().last().unwrap().to_string();
    let summary: serde_json::Value = serde_json::from_str(&last).unwrap();
    assert_eq!(summary["strict"], 1);
    assert_eq!(summary["abstained"], 1);
}

#[test]
fn serve_without_a_token_exits_2_with_one_line() {
    let output = ldnbot().arg("serve").output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("DISCORD_TOKEN"), "{stderr}");
}

/// A config with its own review database, seeded through `ask --record`.
fn recorded_review_log(dir: &Path) -> std::path::PathBuf {
    let config = write_config(dir, &knowledge_dir(), "");
    let output = run_with_stdin(
        {
            let mut command = ldnbot();
            command.arg("--config").arg(&config).args(["ask", "--json", "--record"]);
            command
        },
        "Is LDN safe for children?\nis ldn SAFE for children\nWhich pharmacy compounds LDN near me?\nWhat are the side effects of LDN?\n",
    );
    assert!(output.status.success(), "{}", text(&output.stderr));
    config
}

fn unanswered_json(config: &Path, status: &str) -> Vec<serde_json::Value> {
    let output = ldnbot()
        .arg("--config")
        .arg(config)
        .args(["unanswered", "list", "--json", "--status", status])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output.stderr));
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn ask_records_nothing_without_record() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &knowledge_dir(), "");
    let output = ldnbot()
        .arg("--config")
        .arg(&config)
        .args(["ask", "Is LDN safe for children?"])
        .output()
        .unwrap();
    assert!(output.status.success());
    assert!(!dir.path().join("review.sqlite3").exists());
}

#[test]
fn unanswered_list_groups_and_resolve_dismiss_change_status() {
    let dir = tempfile::tempdir().unwrap();
    let config = recorded_review_log(dir.path());

    let open = unanswered_json(&config, "open");
    assert_eq!(open.len(), 2, "{open:?}");
    for group in &open {
        for key in ["id", "asked_at", "question", "reason", "status", "count"] {
            assert!(group.get(key).is_some(), "missing {key} in {group}");
        }
    }
    let children = open
        .iter()
        .find(|g| {
            g["question"]
                .as_str()
                .unwrap()
                .to_lowercase()
                .contains("children")
        })
        .unwrap();
    assert_eq!(children["count"], 2);
    let pharmacy = open
        .iter()
        .find(|g| g["question"].as_str().unwrap().contains("pharmacy"))
        .unwrap();

    let id = children["id"].as_i64().unwrap().to_string();
    let output = ldnbot()
        .arg("--config")
        .arg(&config)
        .args([
            "unanswered",
            "resolve",
            &id,
            "--note",
            "added a section on children",
        ])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output.stderr));
    let id = pharmacy["id"].as_i64().unwrap().to_string();
    let output = ldnbot()
        .arg("--config")
        .arg(&config)
        .args(["unanswered", "dismiss", &id])
        .output()
        .unwrap();
    assert!(output.status.success());

    assert!(unanswered_json(&config, "open").is_empty());
    assert_eq!(unanswered_json(&config, "resolved")[0]["count"], 2);
    assert_eq!(unanswered_json(&config, "dismissed").len(), 1);

    let output = ldnbot()
        .arg("--config")
        .arg(&config)
        .args(["unanswered", "resolve", "99999"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn unanswered_export_writes_csv_and_jsonl() {
    let dir = tempfile::tempdir().unwrap();
    let config = recorded_review_log(dir.path());
    let csv_path = dir.path().join("out.csv");
    let output = ldnbot()
        .arg("--config")
        .arg(&config)
        .args(["unanswered", "export", "--output"])
        .arg(&csv_path)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output.stderr));
    let csv = std::fs::read_to_string(&csv_path).unwrap();
    assert_eq!(csv.lines().count(), 4, "a header and three rows:\n{csv}");
    assert!(csv.contains("Which pharmacy compounds LDN near me?"));

    let output = ldnbot()
        .arg("--config")
        .arg(&config)
        .args(["unanswered", "export", "--format", "jsonl"])
        .output()
        .unwrap();
    let rows: Vec<serde_json::Value> = text(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(rows.len(), 3);
    assert!(rows.iter().all(|row| row["source"] == "cli"));
}

#[test]
fn a_corrupt_database_is_named_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &knowledge_dir(), "");
    std::fs::write(dir.path().join("review.sqlite3"), b"this is not a database, just text ....................................................................").unwrap();
    let output = ldnbot()
        .arg("--config")
        .arg(&config)
        .args(["unanswered", "list"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr).contains("review.sqlite3"),
        "{}",
        text(&output.stderr)
    );
}

#[test]
fn eval_without_a_technique_scores_what_it_contributes() {
    let summary_of = |file: &str, extra: &[&str]| -> serde_json::Value {
        let output = ldnbot()
            .arg("eval")
            .arg(data(file))
            .arg("--json")
            .args(extra)
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", text(&output.stderr));
        let last = text(&output.stdout).lines().last().unwrap().to_string();
        serde_json::from_str(&last).unwrap()
    };
    let strict_on =
        |file: &str, extra: &[&str]| summary_of(file, extra)["strict"].as_u64().unwrap();
    let strict = |extra: &[&str]| strict_on("dev.jsonl", extra);
    let all = strict(&[]);
    assert!(strict(&["--without", "synonyms"]) < all);
    assert!(strict(&["--without", "stop-words,typos"]) < all);
    assert!(strict(&["--without", "intent"]) < all);
    // Headings only matter to the text-only decision: the intent model is
    // trained on them too.
    assert!(strict(&["--without", "intent,headings"]) < strict(&["--without", "intent"]));
    // The intent model carries what corroboration did; without the model the
    // lower bar for two separate matches still counts.
    assert!(strict(&["--without", "intent,corroboration"]) < strict(&["--without", "intent"]));
    // Sentence shapes only matter for the way members write (the held-out
    // set), and only to the text-only decision: the intent model learns them.
    let members = |extra: &[&str]| strict_on("members.jsonl", extra);
    assert!(members(&["--without", "intent,shapes"]) < members(&["--without", "intent"]));
    assert!(members(&["--without", "intent"]) < members(&[]));
    // What a question asks that nothing of a passage speaks of keeps
    // off-topic questions from that passage.
    let abstained = |extra: &[&str]| {
        summary_of("heldout.jsonl", extra)["abstained"]
            .as_u64()
            .unwrap()
    };
    assert!(abstained(&["--without", "unexplained"]) < abstained(&[]));
}

#[test]
fn eval_folds_holds_each_question_out_once_and_fitting_never_does_worse() {
    let output = ldnbot()
        .args(["eval", "--folds", "3", "--json"])
        .arg(data("dev.jsonl"))
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output.stderr));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let questions = |summary: &serde_json::Value| {
        summary["in_scope"].as_u64().unwrap() + summary["out_of_scope"].as_u64().unwrap()
    };
    // Independent count of the file's questions.
    let lines = std::fs::read_to_string(data("dev.jsonl")).unwrap();
    let total = lines.lines().filter(|l| !l.trim().is_empty()).count() as u64;
    let folds = report["folds"].as_array().unwrap();
    assert_eq!(folds.len(), 3);
    let held: u64 = folds.iter().map(|f| questions(&f["held_out"])).sum();
    assert_eq!(held, total, "every question held out exactly once");
    for fold in folds {
        assert_eq!(
            questions(&fold["fitted"]) + questions(&fold["held_out"]),
            total
        );
        assert!(questions(&fold["held_out"]) >= total / 3);
    }
    assert_eq!(questions(&report["held_out"]), total);
    // Fitting starts from the current weights and keeps only improvements.
    let cost = |s: &serde_json::Value| {
        let missed = s["in_scope"].as_u64().unwrap() - s["strict"].as_u64().unwrap();
        let false_answers = s["out_of_scope"].as_u64().unwrap() - s["abstained"].as_u64().unwrap();
        missed + 2 * false_answers
    };
    assert!(cost(&report["fitted_on_all_summary"]) <= cost(&report["current"]));

    // The text form names every fold and the held-out total.
    let output = ldnbot()
        .args(["eval", "--folds", "3"])
        .arg(data("dev.jsonl"))
        .output()
        .unwrap();
    let shown = text(&output.stdout);
    assert!(shown.contains("fold 3/3: held out"), "{shown}");
    assert!(
        shown.contains("held out, all folds: in-scope strict"),
        "{shown}"
    );
    assert!(shown.contains("answer_min"), "{shown}");
}

#[test]
fn eval_scores_several_files_together_and_folds_need_two() {
    let strict = |files: &[&str]| -> u64 {
        let mut command = ldnbot();
        command.args(["eval", "--json"]);
        for file in files {
            command.arg(data(file));
        }
        let output = command.output().unwrap();
        assert!(output.status.success(), "{}", text(&output.stderr));
        let last = text(&output.stdout).lines().last().unwrap().to_string();
        let summary: serde_json::Value = serde_json::from_str(&last).unwrap();
        summary["in_scope"].as_u64().unwrap()
    };
    assert_eq!(
        strict(&["dev.jsonl", "members.jsonl"]),
        strict(&["dev.jsonl"]) + strict(&["members.jsonl"])
    );
    let output = ldnbot()
        .args(["eval", "--folds", "1"])
        .arg(data("dev.jsonl"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", text(&output.stderr));
}

/// A message nobody could read as anything but an emergency happening now.
const SWELLING_NOW: &str =
    "my lips and throat are swelling up right now after the injection and I can't swallow";

fn ask_json(args: &[&str]) -> serde_json::Value {
    let output = ldnbot()
        .arg("ask")
        .arg("--json")
        .args(args)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output.stderr));
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn ask_json_has_the_triage_and_the_gap() {
    let value = ask_json(&["What are the side effects of LDN?"]);
    assert_eq!(value["triage"], "none");
    assert!(
        value.get("gap").is_some_and(serde_json::Value::is_null),
        "{value}"
    );

    let value = ask_json(&["--locale", "en-GB", SWELLING_NOW]);
    assert_eq!(value["triage"], "urgent");
    assert_eq!(value["reason"], "urgent");
    assert!(value["passage"].is_null(), "{value}");
    let notice = value["notice"].as_str().unwrap_or_default();
    assert!(
        notice.contains("999") && notice.contains("116 123"),
        "{value}"
    );

    // No locale and no default_helpline: the generic notice.
    let value = ask_json(&[SWELLING_NOW]);
    let notice = value["notice"].as_str().unwrap_or_default();
    assert!(notice.contains("local emergency number"), "{value}");
}

#[test]
fn ask_text_shows_the_notice_and_explain_shows_the_triage() {
    let output = ldnbot()
        .args(["ask", "--explain", "--locale", "en-US", SWELLING_NOW])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    assert!(stdout.contains("# triage: urgent kind "), "{stdout}");
    assert!(stdout.contains("911") && stdout.contains("988"), "{stdout}");
    assert!(stdout.contains("not medical advice"), "{stdout}");
}

#[test]
fn ask_text_puts_the_caution_line_under_a_caution() {
    // Whatever the engine answers, a caution carries the line once, above the disclaimer.
    let question = "is chest tightness a known side effect of LDN?";
    let value = ask_json(&["--locale", "en-US", question]);
    assert_eq!(
        value["triage"], "caution",
        "pick another caution question: {value}"
    );
    assert_eq!(
        value["caution"],
        "If this is happening to you now, call your emergency number (911)."
    );
    let output = ldnbot()
        .args(["ask", "--locale", "en-US", question])
        .output()
        .unwrap();
    let stdout = text(&output.stdout);
    let line = stdout
        .find("call your emergency number (911)")
        .expect("the safety line");
    let disclaimer = stdout.find("not medical advice").expect("the disclaimer");
    assert!(line < disclaimer, "{stdout}");
    assert_eq!(
        stdout.matches("call your emergency number").count(),
        1,
        "{stdout}"
    );
}

#[test]
fn the_configured_default_helpline_is_used_for_a_locale_without_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(
        dir.path(),
        &knowledge_dir(),
        "[safety.default_helpline]\nemergency = \"000\"\ncrisis = \"Lifeline 13 11 14\"\n",
    );
    let output = ldnbot()
        .args(["ask", "--json", "--locale", "vi", SWELLING_NOW])
        .env("LDNBOT_CONFIG", &config)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output.stderr));
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let notice = value["notice"].as_str().unwrap_or_default();
    assert!(
        notice.contains("000") && notice.contains("Lifeline 13 11 14"),
        "{value}"
    );
}

#[test]
fn eval_triage_prints_recall_and_honours_min_recall() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/urgent.jsonl");
    let output = ldnbot()
        .args(["eval", "--triage"])
        .arg(&file)
        .args(["--min-recall", "0"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    assert!(stdout.contains("emergencies urgent:"), "{stdout}");
    assert!(stdout.contains("false alarms"), "{stdout}");

    let output = ldnbot()
        .args(["eval", "--triage"])
        .arg(&file)
        .args(["--min-recall", "100.1"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
}

#[test]
fn a_bad_locale_table_is_named_with_its_file_line_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(
        dir.path(),
        &knowledge_dir(),
        "[safety.locales.\"British\"]\nemergency = \"999\"\ncrisis = \"Samaritans\"\n",
    );
    let output = ldnbot()
        .arg("check")
        .env("LDNBOT_CONFIG", &config)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(stderr.contains("ldnbot.toml"), "{stderr}");
    // The config's own lines come first: [knowledge], dir, [review], database.
    assert!(stderr.contains("line 5"), "{stderr}");
    assert!(stderr.contains("safety.locales.\"British\""), "{stderr}");

    let config = write_config(
        dir.path(),
        &knowledge_dir(),
        "[safety.locales.\"en-GB\"]\nemergency = \"\"\ncrisis = \"Samaritans\"\n",
    );
    let output = ldnbot()
        .arg("check")
        .env("LDNBOT_CONFIG", &config)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("line 6") && stderr.contains("emergency"),
        "{stderr}"
    );
}

#[test]
fn a_known_gap_prints_its_id_and_its_reply() {
    let question = "can I drink wine on LDN?";
    let value = ask_json(&[question]);
    assert_eq!(value["reason"], "known_gap", "{value}");
    let gap = value["gap"].as_str().expect("the gap's id");
    assert!(!gap.is_empty());
    let reply = value["gap_reply"].as_str().expect("the gap's reply");
    let output = ldnbot().args(["ask", question]).output().unwrap();
    let stdout = text(&output.stdout);
    assert!(stdout.contains(reply), "{stdout}");
    assert!(!stdout.contains("doesn't cover this yet"), "{stdout}");
    assert!(stdout.contains("not medical advice"), "{stdout}");
}

/// `ask --explain` prints the concepts the question was read as and how each passage scored,
/// then the answer.
#[test]
fn ask_explain_shows_the_concepts_and_each_passages_score() {
    let output = ldnbot()
        .args(["ask", "--explain", "What are the side effects of LDN?"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output.stderr));
    let out = text(&output.stdout);
    assert!(out.contains("concept \"side effects\""), "{out}");
    let scored = out
        .lines()
        .find(|l| l.contains("balancing-risks-and-benefits"))
        .unwrap_or_else(|| panic!("no score line for the answer: {out}"));
    for field in ["bm25", "coverage 1.00", "rank"] {
        assert!(scored.contains(field), "{scored}");
    }
    // What the examples say: the passage first, at most five targets, each with its three numbers.
    let examples: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with("#   examples "))
        .collect();
    assert!((1..=5).contains(&examples.len()), "{out}");
    assert!(
        examples[0].contains("balancing-risks-and-benefits"),
        "{out}"
    );
    let number = |field: &str| -> f32 {
        let after = examples[0].split(field).nth(1).unwrap_or_default();
        let value = after.split_whitespace().next().unwrap_or_default();
        value
            .parse()
            .unwrap_or_else(|_| panic!("no {field}in {}", examples[0]))
    };
    assert!(number("closeness ") > 0.5, "{}", examples[0]);
    assert!(number("intent ") > 0.5, "{}", examples[0]);
    assert_eq!(number("gap words "), 0.0, "{}", examples[0]);
    // The answer itself follows the explanation.
    assert!(
        out.contains("insomnia") && out.contains("not medical advice"),
        "{out}"
    );
}
