//! The review log on real SQLite files in temporary folders.

use std::fs;
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use ldnbot::review::{
    normalise_question, now_unix, render_groups_text, render_stats_text, ExportFormat, NewEntry,
    Reason, ReviewError, ReviewLog, ReviewSettings, Source, Status, StatusFilter,
    LATEST_SCHEMA_VERSION,
};
use proptest::prelude::*;
use tempfile::TempDir;

const MEMBER: u64 = 333_444_555_666_777_888;
const OTHER_MEMBER: u64 = 999_888_777_666_555_444;
const GUILD: u64 = 111_222_333_444_555_666;
const CHANNEL: u64 = 222_333_444_555_666_777;

fn settings() -> ReviewSettings {
    ReviewSettings {
        store_user_ids: false,
        question_max_len: 10_000,
        retention_days: 180,
    }
}

fn entry(question: &str, reason: Reason) -> NewEntry<'_> {
    NewEntry {
        question,
        reason,
        passage_id: Some("dosing"),
        score: Some(0.42),
        gap: None,
        source: Source::Slash,
        guild_id: Some(GUILD),
        channel_id: Some(CHANNEL),
        user_id: Some(MEMBER),
    }
}

fn temp_db() -> (TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temporary folder");
    let path = dir.path().join("data").join("ldnbot.sqlite3");
    (dir, path)
}

fn open(path: &Path) -> ReviewLog {
    ReviewLog::open(path, settings()).expect("open the review log")
}

fn raw_connection(path: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open(path).expect("open the database directly")
}

fn user_version(path: &Path) -> i64 {
    raw_connection(path)
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .expect("user_version")
}

#[test]
fn record_stores_the_question_and_its_context() {
    let (_dir, path) = temp_db();
    let log = open(&path);
    assert_eq!(log.path(), path);
    assert!(path.exists(), "the database and its folder are created");

    let first = log
        .record(&entry("What dose of LDN should I take?", Reason::NoMatch))
        .expect("record");
    let second = log
        .record(&NewEntry {
            source: Source::Dm,
            guild_id: None,
            channel_id: None,
            passage_id: None,
            score: None,
            ..entry("Does LDN help fatigue?", Reason::LowConfidence)
        })
        .expect("record");
    assert!(first >= 1 && second > first, "ids {first}, {second}");

    let stored = log.entry(first).expect("read").expect("row exists");
    assert_eq!(stored.question, "What dose of LDN should I take?");
    assert_eq!(stored.normalised, "what dose of ldn should i take");
    assert_eq!(stored.reason, Reason::NoMatch);
    assert_eq!(stored.passage_id.as_deref(), Some("dosing"));
    assert_eq!(stored.score, Some(0.42));
    assert_eq!(stored.source, Source::Slash);
    assert_eq!(stored.guild_id, Some(GUILD.to_string()));
    assert_eq!(stored.channel_id, Some(CHANNEL.to_string()));
    assert_eq!(stored.status, Status::Open);
    assert!(stored.resolved_by.is_none() && stored.resolved_at.is_none());
    assert!((stored.asked_at.0 - now_unix()).abs() < 60);

    let dm = log.entry(second).expect("read").expect("row exists");
    assert_eq!(dm.source, Source::Dm);
    assert_eq!(dm.guild_id, None);
    assert_eq!(dm.score, None);

    assert_eq!(log.entry(second + 100).expect("read"), None);
}

#[test]
fn helpful_and_answered_are_counted_but_keep_no_question() {
    let (_dir, path) = temp_db();
    let log = open(&path);
    assert_eq!(
        log.record(&entry("a private question", Reason::Answered))
            .expect("record"),
        0
    );
    assert_eq!(
        log.record(&entry("a private question", Reason::Helpful))
            .expect("record"),
        0
    );
    log.count_event(Reason::Helpful).expect("count");
    assert!(log.entries(StatusFilter::All).expect("entries").is_empty());
    let stats = log.stats(now_unix()).expect("stats");
    assert_eq!(stats.all_time.answered, 1);
    assert_eq!(stats.all_time.helpful, 2);
}

#[test]
fn questions_are_capped_on_a_character_boundary() {
    let (_dir, path) = temp_db();
    let log = ReviewLog::open(
        &path,
        ReviewSettings {
            question_max_len: 7,
            ..settings()
        },
    )
    .expect("open");
    let id = log
        .record(&entry("héllo wörld 🎉🎉", Reason::NoMatch))
        .expect("record");
    let stored = log.entry(id).expect("read").expect("row");
    assert_eq!(stored.question, "héllo w");
    assert_eq!(stored.normalised, "héllo w");
}

#[test]
fn normalising_groups_rephrasings() {
    assert_eq!(
        normalise_question("  WHAT DOSE, of LDN!!! "),
        "what dose of ldn"
    );
    assert_eq!(normalise_question("What dose of LDN?"), "what dose of ldn");
    assert_eq!(
        normalise_question("LDN's side-effects"),
        "ldns side effects"
    );
    assert_eq!(normalise_question("tab\there\nnewline"), "tab here newline");
    assert_eq!(normalise_question("🎉  🎉"), "🎉 🎉");
    assert_eq!(normalise_question(""), "");
}

#[test]
fn list_groups_the_same_question_newest_first() {
    let (_dir, path) = temp_db();
    let log = open(&path);
    let now = now_unix();
    let first = log
        .record_at(&entry("What dose of LDN?", Reason::NoMatch), now - 300)
        .expect("record");
    let other = log
        .record_at(&entry("Can I drink alcohol?", Reason::NoMatch), now - 250)
        .expect("record");
    let second = log
        .record_at(&entry("what dose of ldn", Reason::LowConfidence), now - 200)
        .expect("record");
    let third = log
        .record_at(
            &entry("  WHAT DOSE, of LDN!!! ", Reason::Unhelpful),
            now - 100,
        )
        .expect("record");

    let groups = log
        .list(StatusFilter::Only(Status::Open), 10)
        .expect("list");
    assert_eq!(groups.len(), 2);
    let dose = &groups[0];
    assert_eq!(dose.count, 3);
    assert_eq!(dose.id, third);
    assert_eq!(dose.ids, vec![third, second, first]);
    assert_eq!(dose.question, "  WHAT DOSE, of LDN!!! ");
    assert_eq!(dose.normalised, "what dose of ldn");
    assert_eq!(dose.reason, Reason::Unhelpful);
    assert_eq!(dose.asked_at.0, now - 100);
    assert_eq!(dose.first_asked_at.0, now - 300);
    assert_eq!(groups[1].ids, vec![other]);
    assert_eq!(groups[1].count, 1);

    let limited = log.list(StatusFilter::All, 1).expect("list");
    assert_eq!(limited.len(), 1);
    assert_eq!(limited[0].id, third);
    assert!(log
        .list(StatusFilter::Only(Status::Resolved), 10)
        .expect("list")
        .is_empty());

    // The CLI's --json output.
    let json = serde_json::to_value(&groups).expect("serialise");
    let first_group = &json[0];
    assert_eq!(first_group["id"], third);
    assert_eq!(first_group["count"], 3);
    assert_eq!(first_group["reason"], "unhelpful");
    assert_eq!(first_group["status"], "open");
    assert_eq!(first_group["question"], "  WHAT DOSE, of LDN!!! ");
    let asked_at = first_group["asked_at"].as_str().expect("asked_at is text");
    assert_eq!(asked_at.len(), "2024-01-01T00:00:00Z".len());
    assert!(asked_at.ends_with('Z') && asked_at.as_bytes()[10] == b'T');
}

#[test]
fn rendered_text_shows_ids_and_cannot_be_forged_by_the_question() {
    let (_dir, path) = temp_db();
    let log = open(&path);
    log.record(&entry(
        "line one #99 · forged entry [31m red",
        Reason::NoMatch,
    ))
    .expect("record");
    let hostile = log
        .record(&entry(
            "line one\n#99 · forged entry\u{1b}[31m red",
            Reason::NoMatch,
        ))
        .expect("record");
    let groups = log.list(StatusFilter::All, 10).expect("list");
    let text = render_groups_text(&groups);
    assert!(
        text.starts_with(&format!("#{hostile} · asked 2×")),
        "{text}"
    );
    assert!(!text.contains('\u{1b}'));
    assert_eq!(text.lines().filter(|line| line.starts_with('#')).count(), 1);
    assert!(render_groups_text(&[]).contains("No questions"));
}

#[test]
fn resolving_one_id_resolves_the_open_group() {
    let (_dir, path) = temp_db();
    let log = open(&path);
    let now = now_unix();
    let dismissed_earlier = log
        .record_at(&entry("What dose of LDN?", Reason::NoMatch), now - 400)
        .expect("record");
    assert!(log
        .set_status(dismissed_earlier, Status::Dismissed, "mod-a", Some("spam"))
        .expect("dismiss"));

    let a = log
        .record_at(&entry("What dose of LDN?", Reason::NoMatch), now - 300)
        .expect("record");
    let b = log
        .record_at(&entry("what dose of ldn", Reason::NoMatch), now - 200)
        .expect("record");
    let alcohol = log
        .record_at(&entry("Can I drink alcohol?", Reason::NoMatch), now - 100)
        .expect("record");

    assert_eq!(
        log.update_status(b, Status::Resolved, "mod-b", Some("added to dosing.md"))
            .expect("resolve"),
        Some(2)
    );
    for id in [a, b] {
        let row = log.entry(id).expect("read").expect("row");
        assert_eq!(row.status, Status::Resolved);
        assert_eq!(row.resolved_by.as_deref(), Some("mod-b"));
        assert_eq!(row.note.as_deref(), Some("added to dosing.md"));
        assert!(row.resolved_at.is_some());
    }
    let untouched = log.entry(dismissed_earlier).expect("read").expect("row");
    assert_eq!(untouched.status, Status::Dismissed);
    assert_eq!(untouched.resolved_by.as_deref(), Some("mod-a"));
    assert_eq!(untouched.note.as_deref(), Some("spam"));

    let open_groups = log
        .list(StatusFilter::Only(Status::Open), 10)
        .expect("list");
    assert_eq!(open_groups.len(), 1);
    assert_eq!(open_groups[0].id, alcohol);
    let resolved = log
        .list(StatusFilter::Only(Status::Resolved), 10)
        .expect("list");
    assert_eq!(resolved.len(), 1);
    assert_eq!(
        (resolved[0].count, resolved[0].status),
        (2, Status::Resolved)
    );

    assert!(log
        .set_status(alcohol, Status::Dismissed, "mod-b", None)
        .expect("dismiss"));
    assert_eq!(
        log.entry(alcohol).expect("read").expect("row").status,
        Status::Dismissed
    );
    assert!(!log
        .set_status(alcohol + 1000, Status::Resolved, "mod-b", None)
        .expect("unknown id"));

    // Reopening touches only the one item.
    assert_eq!(
        log.update_status(a, Status::Open, "mod-c", None)
            .expect("reopen"),
        Some(1)
    );
    let reopened = log.entry(a).expect("read").expect("row");
    assert_eq!(reopened.status, Status::Open);
    assert_eq!(reopened.resolved_by, None);
    assert_eq!(
        log.entry(b).expect("read").expect("row").status,
        Status::Resolved
    );
}

/// A strict RFC 4180 reader: CRLF between records, quotes only around whole
/// fields, doubled quotes inside them. Panics on anything else.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut in_quotes = false;
    let mut was_quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(ch) = chars.next() {
        if in_quotes {
            if ch == '"' {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    field.push('"');
                } else {
                    in_quotes = false;
                }
            } else {
                field.push(ch);
            }
            continue;
        }
        match ch {
            '"' => {
                assert!(field.is_empty() && !was_quoted, "quote inside a field");
                in_quotes = true;
                was_quoted = true;
            }
            ',' => {
                record.push(std::mem::take(&mut field));
                was_quoted = false;
            }
            '\r' => {
                assert_eq!(chars.next(), Some('\n'), "bare CR outside quotes");
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
                was_quoted = false;
            }
            '\n' => panic!("bare LF outside quotes"),
            other => {
                assert!(!was_quoted, "text after a closing quote");
                field.push(other);
            }
        }
    }
    assert!(!in_quotes, "unterminated quoted field");
    assert!(
        field.is_empty() && record.is_empty(),
        "last record lacks CRLF"
    );
    records
}

/// What a typed cell should read as after formula neutralisation.
fn neutralised(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r'])
        || text.trim_start().starts_with(['=', '+', '-', '@'])
    {
        format!("'{text}")
    } else {
        text.to_string()
    }
}

fn export_csv(log: &ReviewLog, filter: StatusFilter) -> (usize, Vec<Vec<String>>) {
    let mut out = Vec::new();
    let written = log
        .export(filter, ExportFormat::Csv, &mut out)
        .expect("export");
    let text = String::from_utf8(out).expect("CSV is UTF-8");
    (written, parse_csv(&text))
}

#[test]
fn csv_export_survives_hostile_text() {
    let (_dir, path) = temp_db();
    let log = open(&path);
    let hostile = [
        "plain question",
        "commas, everywhere, here",
        "she said \"LDN\" works",
        "\"",
        "line one\nline two\r\nline three\rend",
        "=cmd|' /C calc'!A0",
        "+1 (555) 0100",
        "-2+3",
        "@SUM(A1:A9)",
        "\t=tabbed",
        "emoji 🎉💊 and 日本語",
        "trailing comma,",
        "",
        "  spaced  ",
        "   =SUM(A1:A9)",
        " \u{a0}@cmd",
        "  - a list item",
    ];
    let ids: Vec<i64> = hostile
        .iter()
        .map(|question| {
            log.record(&NewEntry {
                passage_id: Some("=HYPERLINK(\"x\")"),
                ..entry(question, Reason::NoMatch)
            })
            .expect("record")
        })
        .collect();
    log.set_status(
        ids[1],
        Status::Resolved,
        "=mod, \"quoted\"",
        Some("note\nwith, \"all\""),
    )
    .expect("resolve");

    let (written, records) = export_csv(&log, StatusFilter::All);
    assert_eq!(written, hostile.len());
    assert_eq!(records.len(), hostile.len() + 1);
    let header = &records[0];
    assert_eq!(
        header,
        &ldnbot::review::CSV_COLUMNS.map(String::from).to_vec()
    );
    let column = |name: &str| header.iter().position(|c| c == name).expect("column");

    // The normalised form of each, written out by hand: lowercase words, apostrophes
    // dropped, everything else a word break.
    let normalised = [
        "plain question",
        "commas everywhere here",
        "she said ldn works",
        "\"",
        "line one line two line three end",
        "cmd c calc a0",
        "1 555 0100",
        "2 3",
        "sum a1 a9",
        "tabbed",
        "emoji and 日本語",
        "trailing comma",
        "",
        "spaced",
        "sum a1 a9",
        "cmd",
        "a list item",
    ];
    assert_eq!(normalised.len(), hostile.len());
    for (((record, question), id), normalised) in
        records[1..].iter().zip(hostile).zip(&ids).zip(normalised)
    {
        assert_eq!(record.len(), header.len());
        assert_eq!(record[column("id")], id.to_string());
        assert_eq!(record[column("question")], neutralised(question));
        assert_eq!(record[column("normalised")], normalised, "{question:?}");
        assert_eq!(record[column("passage_id")], "'=HYPERLINK(\"x\")");
        assert_eq!(record[column("score")], "0.42");
        assert_eq!(record[column("guild_id")], GUILD.to_string());
        assert_eq!(record[column("reason")], "no_match");
        assert_eq!(record[column("user_id")], "");
    }
    // Leading whitespace does not hide a formula.
    assert!(records
        .iter()
        .any(|record| record[column("question")] == "'   =SUM(A1:A9)"));
    let resolved = &records[2];
    assert_eq!(resolved[column("status")], "resolved");
    assert_eq!(resolved[column("resolved_by")], "'=mod, \"quoted\"");
    assert_eq!(resolved[column("note")], "note\nwith, \"all\"");

    let (open_only, records) = export_csv(&log, StatusFilter::Only(Status::Open));
    assert_eq!(open_only, hostile.len() - 1);
    assert_eq!(records.len(), hostile.len());
}

#[test]
fn csv_export_survives_the_big_list_of_naughty_strings() {
    let naughty: Vec<String> = serde_json::from_str(
        &fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/blns.json"))
            .expect("read blns.json"),
    )
    .expect("parse blns.json");
    let (_dir, path) = temp_db();
    let log = open(&path);
    for question in &naughty {
        log.record(&entry(question, Reason::LowConfidence))
            .expect("record");
    }
    let (written, records) = export_csv(&log, StatusFilter::All);
    assert_eq!(written, naughty.len());
    let question_column = 2;
    for (record, question) in records[1..].iter().zip(&naughty) {
        assert_eq!(record[question_column], neutralised(question));
    }
}

#[test]
fn jsonl_export_has_one_object_per_entry() {
    let (_dir, path) = temp_db();
    let log = open(&path);
    let questions = ["first\nwith newline", "second \"quoted\" 🎉"];
    for question in questions {
        log.record(&entry(question, Reason::Urgent))
            .expect("record");
    }
    let mut out = Vec::new();
    let written = log
        .export(StatusFilter::All, ExportFormat::Jsonl, &mut out)
        .expect("export");
    assert_eq!(written, 2);
    let text = String::from_utf8(out).expect("UTF-8");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2);
    for (line, question) in lines.iter().zip(questions) {
        let object: serde_json::Value = serde_json::from_str(line).expect("a JSON object");
        assert_eq!(object["question"], question);
        assert_eq!(object["reason"], "urgent");
        assert_eq!(object["status"], "open");
        assert_eq!(object["source"], "slash");
        assert_eq!(object["guild_id"], GUILD.to_string());
        assert_eq!(object["user_id"], serde_json::Value::Null);
        assert!(object["asked_at"]
            .as_str()
            .is_some_and(|at| at.ends_with('Z')));
    }
}

#[test]
fn retention_deletes_old_rows_only() {
    let (_dir, path) = temp_db();
    let log = open(&path);
    let now = now_unix();
    let day = 86_400;
    let ancient = log
        .record_at(&entry("ancient", Reason::NoMatch), now - 200 * day)
        .expect("record");
    let old = log
        .record_at(&entry("old", Reason::NoMatch), now - 100 * day)
        .expect("record");
    let fresh = log
        .record_at(&entry("fresh", Reason::NoMatch), now)
        .expect("record");

    assert_eq!(
        log.purge_older_than(0, now).expect("purge"),
        0,
        "0 keeps all"
    );
    assert_eq!(log.purge_older_than(180, now).expect("purge"), 1);
    assert_eq!(log.entry(ancient).expect("read"), None);
    assert!(log.entry(old).expect("read").is_some());
    drop(log);

    // Opening applies the configured retention.
    let log = ReviewLog::open(
        &path,
        ReviewSettings {
            retention_days: 90,
            ..settings()
        },
    )
    .expect("reopen");
    assert_eq!(log.entry(old).expect("read"), None);
    assert!(log.entry(fresh).expect("read").is_some());
    // Counters outlive the questions.
    assert_eq!(log.stats(now).expect("stats").all_time.no_match, 3);
    // Ids are never reused after deletion.
    let next = log.record(&entry("next", Reason::NoMatch)).expect("record");
    assert!(next > fresh);
}

#[test]
fn an_empty_file_is_migrated_to_the_latest_schema() {
    let (_dir, path) = temp_db();
    fs::create_dir_all(path.parent().expect("parent")).expect("folder");
    fs::File::create(&path).expect("empty file");
    assert_eq!(user_version(&path), 0);

    let log = open(&path);
    log.record(&entry("after migration", Reason::NoMatch))
        .expect("record");
    drop(log);
    assert_eq!(LATEST_SCHEMA_VERSION, 3);
    assert_eq!(user_version(&path), LATEST_SCHEMA_VERSION);
    let connection = raw_connection(&path);
    let journal_mode: String = connection
        .pragma_query_value(None, "journal_mode", |row| row.get(0))
        .expect("journal_mode");
    assert_eq!(journal_mode, "wal");
    drop(connection);

    // Reopening an up-to-date file changes nothing and keeps the data.
    let log = open(&path);
    assert_eq!(log.entries(StatusFilter::All).expect("entries").len(), 1);
}

#[test]
fn a_newer_schema_is_refused_naming_the_file() {
    let (_dir, path) = temp_db();
    drop(open(&path));
    raw_connection(&path)
        .pragma_update(None, "user_version", LATEST_SCHEMA_VERSION + 1)
        .expect("bump version");

    let error = ReviewLog::open(&path, settings()).expect_err("newer schema");
    assert!(
        matches!(error, ReviewError::SchemaTooNew { found, supported, .. }
            if found == LATEST_SCHEMA_VERSION + 1 && supported == LATEST_SCHEMA_VERSION),
        "{error:?}"
    );
    assert!(error.to_string().contains(&path.display().to_string()));
    assert_eq!(error.database_path(), path);
    assert_eq!(user_version(&path), LATEST_SCHEMA_VERSION + 1, "left alone");
}

#[test]
fn another_programs_database_is_refused() {
    let (_dir, path) = temp_db();
    fs::create_dir_all(path.parent().expect("parent")).expect("folder");
    raw_connection(&path)
        .execute_batch("CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
        .expect("foreign table");
    let error = ReviewLog::open(&path, settings()).expect_err("foreign database");
    assert!(
        matches!(error, ReviewError::ForeignDatabase { .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains(&path.display().to_string()));
}

#[test]
fn a_corrupt_file_is_refused_naming_the_file() {
    let (_dir, path) = temp_db();
    fs::create_dir_all(path.parent().expect("parent")).expect("folder");
    // Deterministic noise (xorshift), so a failure can be reproduced.
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let noise: Vec<u8> = (0..8192)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state.to_le_bytes()[0]
        })
        .collect();
    fs::write(&path, &noise).expect("write noise");

    let error = ReviewLog::open(&path, settings()).expect_err("not a database");
    assert!(
        matches!(error, ReviewError::NotADatabase { .. }),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(message.contains(&path.display().to_string()), "{message}");
    assert_eq!(fs::read(&path).expect("read back"), noise, "file untouched");
}

#[test]
fn a_locked_database_is_reported_as_locked() {
    let (_dir, path) = temp_db();
    drop(open(&path));
    let holder = raw_connection(&path);
    holder
        .execute_batch("BEGIN EXCLUSIVE; INSERT INTO event_counts VALUES (1, 'answered', 1);")
        .expect("hold the write lock");

    let error = ReviewLog::open(&path, settings()).expect_err("locked");
    assert!(matches!(error, ReviewError::Locked { .. }), "{error:?}");
    assert!(error.to_string().contains(&path.display().to_string()));
    holder.execute_batch("ROLLBACK").expect("release");
    drop(open(&path));
}

/// The immutable attribute (`chattr +i`) on a file that permission bits do not protect
/// (the process is root), taken off again on drop so the temporary folder can go.
struct Immutable(Option<std::path::PathBuf>);

impl Immutable {
    fn set_if_writable(path: &Path) -> Immutable {
        if fs::OpenOptions::new().write(true).open(path).is_err() {
            return Immutable(None);
        }
        let status = std::process::Command::new("chattr")
            .arg("+i")
            .arg(path)
            .status()
            .expect("chattr (e2fsprogs) runs");
        assert!(
            status.success(),
            "chattr +i {} failed: {status}",
            path.display()
        );
        Immutable(Some(path.to_path_buf()))
    }
}

impl Drop for Immutable {
    fn drop(&mut self) {
        if let Some(path) = &self.0 {
            let _ = std::process::Command::new("chattr")
                .arg("-i")
                .arg(path)
                .status();
        }
    }
}

#[test]
fn a_read_only_database_is_reported_as_read_only() {
    use std::os::unix::fs::PermissionsExt as _;
    let (_dir, path) = temp_db();
    drop(open(&path));
    fs::set_permissions(&path, fs::Permissions::from_mode(0o400)).expect("chmod");
    // Root writes through permission bits; the immutable attribute stops root too.
    let _immutable = Immutable::set_if_writable(&path);
    assert!(
        fs::OpenOptions::new().write(true).open(&path).is_err(),
        "the test file is still writable"
    );
    let error = ReviewLog::open(&path, settings()).expect_err("read-only");
    assert!(matches!(error, ReviewError::ReadOnly { .. }), "{error:?}");
    assert!(error.to_string().contains(&path.display().to_string()));
}

#[test]
fn a_folder_that_cannot_be_created_is_reported() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let blocker = dir.path().join("not-a-folder");
    fs::write(&blocker, b"a file").expect("write");
    let path = blocker.join("sub").join("ldnbot.sqlite3");
    let error = ReviewLog::open(&path, settings()).expect_err("cannot create folder");
    assert!(
        matches!(error, ReviewError::CreateFolder { .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains(&path.display().to_string()));
}

#[test]
fn the_user_key_is_a_keyed_hash_and_the_raw_id_is_not_stored() {
    let (_dir, path) = temp_db();
    let log = open(&path);
    let first = log
        .record(&entry("question one", Reason::NoMatch))
        .expect("record");
    let again = log
        .record(&entry("question two", Reason::NoMatch))
        .expect("record");
    let other = log
        .record(&NewEntry {
            user_id: Some(OTHER_MEMBER),
            ..entry("question three", Reason::NoMatch)
        })
        .expect("record");
    let key_of = |id| {
        log.entry(id)
            .expect("read")
            .expect("row")
            .user_key
            .expect("user key")
    };
    let key = key_of(first);
    assert_eq!(key.len(), 64);
    assert!(key.chars().all(|ch| ch.is_ascii_hexdigit()));
    assert_ne!(key, MEMBER.to_string());
    assert_eq!(key, key_of(again), "same member, same key");
    assert_ne!(key, key_of(other), "different members, different keys");
    assert_eq!(log.entry(first).expect("read").expect("row").user_id, None);
    drop(log);

    // Nothing in any column contains the raw id.
    let connection = raw_connection(&path);
    let mut query = connection
        .prepare("SELECT * FROM review_items")
        .expect("prepare");
    let columns = query.column_count();
    let mut rows = query.query([]).expect("query");
    while let Some(row) = rows.next().expect("row") {
        for index in 0..columns {
            let value: rusqlite::types::Value = row.get(index).expect("value");
            let text = format!("{value:?}");
            assert!(
                !text.contains(&MEMBER.to_string()),
                "column {index}: {text}"
            );
        }
    }
}

#[test]
fn raw_user_ids_are_kept_only_when_configured() {
    let (_dir, path) = temp_db();
    let log = ReviewLog::open(
        &path,
        ReviewSettings {
            store_user_ids: true,
            ..settings()
        },
    )
    .expect("open");
    let id = log
        .record(&entry("question", Reason::NoMatch))
        .expect("record");
    let row = log.entry(id).expect("read").expect("row");
    assert_eq!(row.user_id, Some(MEMBER.to_string()));
    assert!(row.user_key.is_some());
}

#[test]
fn the_secret_file_is_private_and_reused() {
    use std::os::unix::fs::PermissionsExt as _;
    let (_dir, path) = temp_db();
    let log = open(&path);
    let key_path = log.key_path().to_path_buf();
    assert_eq!(
        key_path,
        path.with_file_name("ldnbot.sqlite3.key"),
        "beside the database"
    );
    let mode = |file: &Path| fs::metadata(file).expect("metadata").permissions().mode() & 0o777;
    assert_eq!(mode(&key_path), 0o600);
    assert_eq!(mode(&path), 0o600, "the database holds health questions");
    let secret = fs::read(&key_path).expect("read secret");

    let first = log
        .record(&entry("question", Reason::NoMatch))
        .expect("record");
    let key_before = log.entry(first).expect("read").expect("row").user_key;
    drop(log);

    let log = open(&path);
    assert_eq!(fs::read(&key_path).expect("read secret"), secret, "reused");
    let second = log
        .record(&entry("question", Reason::NoMatch))
        .expect("record");
    assert_eq!(
        log.entry(second).expect("read").expect("row").user_key,
        key_before
    );

    // Another database gets another secret, so keys do not link across them.
    let (_other_dir, other_path) = temp_db();
    let other_log = open(&other_path);
    let other_id = other_log
        .record(&entry("question", Reason::NoMatch))
        .expect("record");
    assert_ne!(
        other_log
            .entry(other_id)
            .expect("read")
            .expect("row")
            .user_key,
        key_before
    );
}

#[test]
fn a_damaged_secret_file_is_an_error_naming_both_files() {
    let (_dir, path) = temp_db();
    let key_path = open(&path).key_path().to_path_buf();
    fs::write(&key_path, "not hex").expect("damage the key");
    let error = ReviewLog::open(&path, settings()).expect_err("bad key");
    assert!(matches!(error, ReviewError::Secret { .. }), "{error:?}");
    let message = error.to_string();
    assert!(message.contains(&path.display().to_string()), "{message}");
    assert!(
        message.contains(&key_path.display().to_string()),
        "{message}"
    );
}

#[test]
fn stats_count_events_over_each_period() {
    let (_dir, path) = temp_db();
    let log = open(&path);
    let now = now_unix();
    let hour = 3_600;
    let day = 86_400;
    let record = |question: &str, reason, at| {
        log.record_at(&entry(question, reason), at).expect("record");
    };
    for _ in 0..3 {
        record("answered", Reason::Answered, now - 10);
    }
    record("helpful", Reason::Helpful, now - 2 * hour);
    record("What dose?", Reason::NoMatch, now - 3 * hour);
    record("what dose", Reason::NoMatch, now - 4 * hour);
    record("Urgent pain", Reason::Urgent, now - hour);
    record("Alcohol?", Reason::LowConfidence, now - 2 * day);
    record("Shown passage no good", Reason::Unhelpful, now - 10 * day);
    record("answered long ago", Reason::Answered, now - 30 * day);

    let stats = log.stats(now).expect("stats");
    assert_eq!(stats.last_24h.answered, 3);
    assert_eq!(stats.last_24h.helpful, 1);
    assert_eq!(stats.last_24h.no_match, 2);
    assert_eq!(stats.last_24h.abstained, 2);
    assert_eq!(stats.last_24h.urgent, 1);
    assert_eq!(stats.last_24h.unhelpful, 0);

    assert_eq!(stats.last_7d.abstained, 3);
    assert_eq!(stats.last_7d.low_confidence, 1);
    assert_eq!(stats.last_7d.unhelpful, 0);

    assert_eq!(stats.all_time.unhelpful, 1);
    assert_eq!(stats.all_time.answered, 4);
    assert_eq!(stats.all_time.abstained, 3);

    assert_eq!(stats.top_open[0].normalised, "what dose");
    assert_eq!(stats.top_open[0].count, 2);
    assert_eq!(stats.top_open[0].question, "What dose?");
    assert_eq!(stats.top_open.len(), 4);

    let text = render_stats_text(&stats);
    assert!(text.contains("24 hours") && text.contains("2× #"), "{text}");
    let json = serde_json::to_value(&stats).expect("serialise");
    assert_eq!(json["all_time"]["answered"], 4);
}

#[test]
fn the_bot_and_the_cli_can_share_the_file() {
    let (_dir, path) = temp_db();
    let bot = open(&path);
    let cli = open(&path);
    let from_bot = bot
        .record(&entry("from the bot", Reason::NoMatch))
        .expect("record");
    assert!(cli
        .set_status(from_bot, Status::Resolved, "cli", None)
        .expect("resolve"));
    let from_cli = cli
        .record(&entry("from the cli", Reason::NoMatch))
        .expect("record");
    assert_eq!(
        bot.entry(from_bot).expect("read").expect("row").status,
        Status::Resolved
    );
    assert!(bot.entry(from_cli).expect("read").is_some());

    // Clones share one connection across threads.
    let threads: Vec<_> = (0..4)
        .map(|thread| {
            let log = bot.clone();
            std::thread::spawn(move || {
                for n in 0..5 {
                    log.record(&entry(
                        &format!("thread {thread} question {n}"),
                        Reason::NoMatch,
                    ))
                    .expect("record");
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().expect("thread");
    }
    assert_eq!(cli.entries(StatusFilter::All).expect("entries").len(), 22);
}

#[test]
fn filters_and_names_parse_from_the_command_line() {
    assert_eq!("open".parse(), Ok(StatusFilter::Only(Status::Open)));
    assert_eq!("Resolved".parse(), Ok(StatusFilter::Only(Status::Resolved)));
    assert_eq!(
        "dismissed".parse(),
        Ok(StatusFilter::Only(Status::Dismissed))
    );
    assert_eq!("all".parse(), Ok(StatusFilter::All));
    assert!("closed".parse::<StatusFilter>().is_err());
    assert_eq!("jsonl".parse(), Ok(ExportFormat::Jsonl));
    assert_eq!("csv".parse(), Ok(ExportFormat::Csv));
    for reason in Reason::ALL {
        assert_eq!(reason.as_str().parse(), Ok(*reason));
    }
    for source in Source::ALL {
        assert_eq!(source.as_str().parse(), Ok(*source));
    }
    assert_eq!(Source::ContextMenu.as_str(), "context_menu");
    assert_eq!(Reason::LowConfidence.as_str(), "low_confidence");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn normalising_is_idempotent(question in any::<String>()) {
        let once = normalise_question(&question);
        prop_assert_eq!(normalise_question(&once), once.clone());
        prop_assert!(!once.starts_with(' ') && !once.ends_with(' '));
    }

    #[test]
    fn any_text_survives_a_csv_round_trip(questions in proptest::collection::vec(any::<String>(), 1..8)) {
        let (_dir, path) = temp_db();
        let log = open(&path);
        for question in &questions {
            log.record(&entry(question, Reason::NoMatch)).expect("record");
        }
        let (written, records) = export_csv(&log, StatusFilter::All);
        prop_assert_eq!(written, questions.len());
        for (record, question) in records[1..].iter().zip(&questions) {
            prop_assert_eq!(&record[2], &neutralised(question));
        }
    }
}

/// Set for the child process of the crash test: the database it writes to.
const CRASH_CHILD_DB: &str = "LDNBOT_REVIEW_CRASH_CHILD_DB";
/// How many committed rows the parent waits for before killing the child.
const KILL_AFTER: usize = 40;

/// Kills the child if the test fails before it does.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn every_reported_row_survives_sigkill() {
    use std::os::unix::process::ExitStatusExt as _;
    let (_dir, path) = temp_db();
    let child = Command::new(std::env::current_exe().expect("test binary"))
        .args([
            "--exact",
            "review::crash_child",
            "--nocapture",
            "--ignored",
            "--test-threads=1",
        ])
        .env(CRASH_CHILD_DB, &path)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn the child");
    let mut child = KillOnDrop(child);
    let stdout = child.0.stdout.take().expect("child stdout");

    let mut reported = Vec::new();
    let mut killed = false;
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("read child stdout");
        // A line cut short by the kill has no " ok" and is not a report.
        let Some(id) = line
            .strip_prefix("committed ")
            .and_then(|rest| rest.strip_suffix(" ok"))
        else {
            continue;
        };
        reported.push(id.parse::<i64>().expect("a row id"));
        if reported.len() == KILL_AFTER && !killed {
            child.0.kill().expect("SIGKILL the child");
            killed = true;
        }
    }
    let status = child.0.wait().expect("wait for the child");
    let mut stderr = String::new();
    if let Some(mut pipe) = child.0.stderr.take() {
        let _ = pipe.read_to_string(&mut stderr);
    }
    assert!(
        reported.len() >= KILL_AFTER,
        "the child reported {} rows; status {status:?}; stderr:\n{stderr}",
        reported.len()
    );
    assert_eq!(status.signal(), Some(9), "killed mid-way, not finished");

    let log = open(&path);
    for id in &reported {
        assert!(
            log.entry(*id).expect("read").is_some(),
            "row {id} was reported committed but is missing"
        );
    }
}

/// The child half of [`every_reported_row_survives_sigkill`]: records rows
/// until killed, reporting each id on stdout after `record` returns.
#[test]
#[ignore = "a child process of every_reported_row_survives_sigkill"]
fn crash_child() {
    let Some(path) = std::env::var_os(CRASH_CHILD_DB) else {
        return;
    };
    let log = open(Path::new(&path));
    let stdout = std::io::stdout();
    for n in 0..1_000_000 {
        let question = format!("crash question {n}");
        let id = log
            .record(&entry(&question, Reason::NoMatch))
            .expect("record");
        let mut out = stdout.lock();
        writeln!(out, "committed {id} ok").expect("report");
        out.flush().expect("flush");
    }
}

#[test]
fn known_gap_items_keep_their_gap_and_are_counted_per_gap() {
    let (_dir, path) = temp_db();
    let log = open(&path);
    let about = |question: &'static str, gap: &'static str| NewEntry {
        gap: Some(gap),
        passage_id: None,
        ..entry(question, Reason::KnownGap)
    };
    let first = log
        .record(&about("Is LDN safe in pregnancy?", "pregnancy"))
        .expect("record");
    log.record(&about("LDN while pregnant?", "pregnancy"))
        .expect("record");
    log.record(&about("Does insurance pay for LDN?", "insurance"))
        .expect("record");
    log.record(&entry("unrelated", Reason::NoMatch))
        .expect("record");

    assert_eq!(
        log.entry(first)
            .expect("entry")
            .expect("exists")
            .gap
            .as_deref(),
        Some("pregnancy")
    );
    let groups = log.list(StatusFilter::All, 10).expect("list");
    let text = render_groups_text(&groups);
    assert!(
        text.contains("known_gap · open · ids 2 · gap pregnancy"),
        "{text}"
    );

    let stats = log.stats(now_unix()).expect("stats");
    assert_eq!(stats.all_time.known_gap, 3);
    let per_gap: Vec<(&str, u64)> = stats
        .gaps
        .iter()
        .map(|g| (g.gap.as_str(), g.open))
        .collect();
    assert_eq!(per_gap, [("pregnancy", 2), ("insurance", 1)]);
    assert!(render_stats_text(&stats).contains("2× pregnancy"));

    let (_, records) = export_csv(&log, StatusFilter::All);
    let gap_column = records[0]
        .iter()
        .position(|c| c == "gap")
        .expect("gap column");
    assert_eq!(records[1][gap_column], "pregnancy");
    assert_eq!(records[4][gap_column], "");
}

#[test]
fn a_version_1_database_gains_the_gap_column() {
    let (_dir, path) = temp_db();
    let log = open(&path);
    let id = log.record(&entry("kept", Reason::NoMatch)).expect("record");
    drop(log);
    let connection = raw_connection(&path);
    connection
        .execute_batch(
            "DROP TABLE feedback_votes; \
             DROP INDEX review_items_by_gap; ALTER TABLE review_items DROP COLUMN gap_id; \
             PRAGMA user_version = 1;",
        )
        .expect("downgrade");
    drop(connection);

    let log = open(&path);
    assert_eq!(user_version(&path), LATEST_SCHEMA_VERSION);
    let kept = log.entry(id).expect("entry").expect("kept");
    assert_eq!((kept.question.as_str(), kept.gap), ("kept", None));
}
