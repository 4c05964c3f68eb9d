//! Property tests (proptest): no input breaks the engine, the knowledge parser or
//! the config loader, and parsing keeps the text an admin wrote.
//!
//! Each property runs at most 64 cases so the suite stays quick in debug builds;
//! the fuzz targets in `fuzz/` explore the same entry points for much longer.

use std::collections::HashSet;
use std::path::Path;
use std::sync::OnceLock;

use ldnbot::answer::{Answer, Engine, Reason};
use ldnbot::config::{AnswerConfig, Config, SafetyConfig};
use ldnbot::knowledge::parse_article;
use ldnbot::reply::{self, JsonAnswer};
use proptest::prelude::*;

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge");
        Engine::load(&dir, &AnswerConfig::default(), &SafetyConfig::default())
            .expect("the bundled knowledge base loads")
    })
}

/// `cases` per property, or `LDNBOT_PROP_CASES` for a longer local hunt
/// (`LDNBOT_PROP_CASES=5000 cargo test --release --test it props`).
fn config(cases: u32) -> ProptestConfig {
    let cases = std::env::var("LDNBOT_PROP_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(cases);
    ProptestConfig {
        cases,
        // Failures print their minimal input; nothing is written next to the sources.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// What every answer must satisfy, whatever was asked.
fn check_answer(question: &str) -> Result<(), TestCaseError> {
    let engine = engine();
    let answer = engine.answer(question).expect("the index answers");
    match &answer {
        Answer::Found {
            passage,
            score,
            alternatives,
            see_also,
        } => {
            prop_assert!(
                engine.passage(&passage.id).is_some(),
                "unknown passage {}",
                passage.id
            );
            prop_assert!(
                score.is_finite() && (0.0..=1.0).contains(score),
                "score {score}"
            );
            for related in alternatives.iter().chain(see_also) {
                prop_assert!(engine.passage(&related.passage.id).is_some());
                prop_assert!(related.score.is_finite());
            }
        }
        Answer::Unanswered {
            reason,
            best_guess,
            closest,
            gap,
        } => {
            // "Empty" is said of blank questions, and of nothing else.
            let looked_at: String = question.chars().take(2000).collect();
            prop_assert_eq!(*reason == Reason::Empty, looked_at.trim().is_empty());
            prop_assert_eq!(gap.is_some(), *reason == Reason::KnownGap);
            if let Some(guess) = best_guess {
                prop_assert!(engine.passage(&guess.passage.id).is_some());
                prop_assert_eq!(&closest[0].passage.id, &guess.passage.id);
            }
            prop_assert!(closest.len() <= ldnbot::answer::CLOSEST_TOPICS);
            for related in closest {
                prop_assert!(engine.passage(&related.passage.id).is_some());
            }
        }
    }
    // Every reply, answer or not, carries the disclaimer.
    let text = reply::text(&answer, engine);
    prop_assert!(text.contains(engine.disclaimer()));
    let json = serde_json::to_string(&JsonAnswer::new(question, &answer, engine))
        .map_err(|err| TestCaseError::fail(err.to_string()))?;
    let line: serde_json::Value =
        serde_json::from_str(&json).map_err(|err| TestCaseError::fail(err.to_string()))?;
    prop_assert_eq!(line["question"].as_str(), Some(question));
    prop_assert_eq!(line["answered"].as_bool(), Some(answer.is_found()));
    prop_assert_eq!(line["reason"].as_str(), answer.reason().map(Reason::as_str));
    prop_assert_eq!(
        line["passage_id"].as_str(),
        answer
            .passage()
            .filter(|_| answer.is_found())
            .map(|p| p.id.as_str())
    );
    prop_assert_eq!(line["disclaimer"].as_str(), Some(engine.disclaimer()));
    // The same question gets the same answer.
    let again = engine.answer(question).expect("the index answers");
    prop_assert_eq!(
        again.passage().map(|p| p.id.clone()),
        answer.passage().map(|p| p.id.clone())
    );
    prop_assert_eq!(again.reason(), answer.reason());
    Ok(())
}

/// Query-language syntax (Tantivy, Lucene, SQL-ish) mixed with the article's words:
/// all of it must be read as text.
fn query_syntax() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        Just("AND".to_string()),
        Just("OR".to_string()),
        Just("NOT".to_string()),
        Just("+".to_string()),
        Just("-".to_string()),
        Just("\"".to_string()),
        Just("*".to_string()),
        Just("?".to_string()),
        Just("~2".to_string()),
        Just("^3".to_string()),
        Just("title:".to_string()),
        Just("text:".to_string()),
        Just("(".to_string()),
        Just(")".to_string()),
        Just("[a TO z]".to_string()),
        Just("{1 TO 5}".to_string()),
        Just("\\".to_string()),
        Just("/re.*x/".to_string()),
        Just("' OR 1=1 --".to_string()),
        Just("IN [a b]".to_string()),
        Just("ldn".to_string()),
        Just("naltrexone".to_string()),
        Just("side effects".to_string()),
        Just("rheumatoid".to_string()),
        Just("dose".to_string()),
        "[a-z]{1,12}",
        "[!-/:-@\\[-`{-~]{1,4}",
    ];
    prop::collection::vec(token, 0..24).prop_map(|tokens| tokens.join(" "))
}

/// Control characters, zero-width and direction marks, combining marks, with a few words.
fn control_text() -> impl Strategy<Value = String> {
    "[\\x00-\\x1F\\x7F\\u{80}-\\u{9F}\\u{200B}-\\u{200F}\\u{202A}-\\u{202E}\\u{2066}-\\u{2069}\\u{FEFF}\\u{0300}-\\u{036F}\\u{FFFD}ldn side effects ]{0,200}"
}

proptest! {
    #![proptest_config(config(64))]

    #[test]
    fn answer_accepts_arbitrary_unicode(question in any::<String>()) {
        check_answer(&question)?;
    }

    #[test]
    fn answer_accepts_printable_text(question in "\\PC{0,300}") {
        check_answer(&question)?;
    }

    #[test]
    fn answer_accepts_control_characters(question in control_text()) {
        check_answer(&question)?;
    }

    #[test]
    fn answer_reads_query_syntax_as_text(question in query_syntax()) {
        check_answer(&question)?;
    }

    #[test]
    fn config_from_arbitrary_text_never_panics(text in any::<String>()) {
        let _ = Config::from_toml(&text, Path::new("prop/ldnbot.toml"));
    }

    #[test]
    fn config_from_toml_like_text_never_panics_and_validates(text in toml_like()) {
        if let Ok(config) = Config::from_toml(&text, Path::new("prop/ldnbot.toml")) {
            prop_assert!((0.0..=1.0).contains(&config.answer.threshold));
            prop_assert!(!config.answer.disclaimer.trim().is_empty());
            prop_assert!(!config.safety.urgent_reply.trim().is_empty());
            prop_assert!(config.discord.question_max_len >= 1);
        }
    }

    #[test]
    fn parse_article_on_arbitrary_text_never_panics(text in any::<String>(), front in any::<bool>()) {
        let text = if front { format!("+++\n{text}") } else { text };
        let _ = parse_article(Path::new("prop.md"), &text);
    }

    #[test]
    fn parse_article_keeps_every_paragraph(article in article()) {
        check_parse(&article)?;
    }
}

proptest! {
    // Long questions are cut to 2 000 characters; fewer cases, as each costs more.
    #![proptest_config(config(16))]

    #[test]
    fn answer_accepts_long_questions(question in "[a-z ,.?]{1500,4000}", tail in "\\PC{0,50}") {
        check_answer(&(question + &tail))?;
    }
}

#[test]
fn the_disclaimer_is_never_empty() {
    assert!(!engine().disclaimer().trim().is_empty());
    assert!(!AnswerConfig::default().disclaimer.trim().is_empty());
    assert!(!Config::defaults().answer.disclaimer.trim().is_empty());
}

/// Every string of the Big List of Naughty Strings, as a question.
#[test]
fn answer_accepts_the_naughty_strings() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/blns.json");
    let text = std::fs::read_to_string(&path).expect("tests/data/blns.json reads");
    let strings: Vec<String> = serde_json::from_str(&text).expect("blns.json is a JSON array");
    assert!(strings.len() > 400);
    for question in &strings {
        if let Err(err) = check_answer(question) {
            panic!("{question:?}: {err}");
        }
        let _ = Config::from_toml(question, Path::new("blns/ldnbot.toml"));
        let _ = parse_article(Path::new("blns.md"), question);
    }
}

/// TOML-shaped text over the config's own sections and keys, so values reach validation.
fn toml_like() -> impl Strategy<Value = String> {
    let section = prop_oneof![
        Just("[knowledge]"),
        Just("[answer]"),
        Just("[safety]"),
        Just("[discord]"),
        Just("[review]"),
        Just("[bogus]"),
        Just("[[answer]]"),
    ];
    let key = prop_oneof![
        Just("dir"),
        Just("watch"),
        Just("threshold"),
        Just("corroborated_threshold"),
        Just("alternatives"),
        Just("see_also_margin"),
        Just("disclaimer"),
        Just("urgent_terms"),
        Just("urgent_reply"),
        Just("guild_ids"),
        Just("question_max_len"),
        Just("cooldown_questions"),
        Just("cooldown_seconds"),
        Just("answer_mentions"),
        Just("answer_dms"),
        Just("ephemeral_answers"),
        Just("moderator_roles"),
        Just("admin_roles"),
        Just("api_proxy"),
        Just("alert_channel_id"),
        Just("database"),
        Just("store_user_ids"),
        Just("retention_days"),
        Just("threshhold"),
    ];
    let value = prop_oneof![
        Just("true".to_string()),
        Just("0".to_string()),
        Just("-1".to_string()),
        Just("1.5".to_string()),
        Just("nan".to_string()),
        Just("-inf".to_string()),
        Just("18446744073709551616".to_string()),
        Just("9223372036854775807".to_string()),
        Just("\"\"".to_string()),
        Just("\"   \"".to_string()),
        Just("\"http://x\"".to_string()),
        Just("[]".to_string()),
        Just("[1, 2]".to_string()),
        Just("[\"a\", 1]".to_string()),
        Just("{ a = 1 }".to_string()),
        Just("1979-05-27T07:32:00Z".to_string()),
        (0.0f64..2.0).prop_map(|f| f.to_string()),
        any::<i64>().prop_map(|n| n.to_string()),
        "\"[^\"\\\\\\n]{0,40}\"".prop_map(String::from),
        "[^\\n]{0,20}",
    ];
    let line = prop_oneof![
        section.prop_map(String::from),
        (key, value).prop_map(|(k, v)| format!("{k} = {v}")),
    ];
    prop::collection::vec(line, 0..16).prop_map(|lines| lines.join("\n"))
}

#[derive(Debug, Clone)]
enum Section {
    /// One passage of one or more paragraphs.
    Plain(Vec<String>),
    /// One passage per bold-titled item.
    Items(Vec<(String, String)>),
}

#[derive(Debug, Clone)]
struct Article {
    front_title: Option<String>,
    title: String,
    overview: Option<String>,
    sections: Vec<(String, Section)>,
    crlf: bool,
}

impl Article {
    fn markdown(&self) -> String {
        let mut md = String::new();
        if let Some(title) = &self.front_title {
            md.push_str(&format!(
                "+++\ntitle = \"{title}\"\ntags = [\"prop\"]\n+++\n\n"
            ));
        }
        md.push_str(&format!("# {}\n\n", self.title));
        if let Some(overview) = &self.overview {
            md.push_str(&format!("{overview}\n\n"));
        }
        for (title, section) in &self.sections {
            md.push_str(&format!("## {title}\n\n"));
            match section {
                Section::Plain(paragraphs) => {
                    for paragraph in paragraphs {
                        md.push_str(&format!("{paragraph}\n\n"));
                    }
                }
                Section::Items(items) => {
                    for (n, (title, text)) in items.iter().enumerate() {
                        md.push_str(&format!("{}. **{title}:** {text}\n", n + 1));
                    }
                    md.push('\n');
                }
            }
        }
        if self.crlf {
            md = md.replace('\n', "\r\n");
        }
        md
    }
}

/// Words with no Markdown meaning, so the text survives as written.
fn words(range: std::ops::Range<usize>) -> impl Strategy<Value = String> {
    prop::collection::vec("[a-z]{1,10}", range).prop_map(|w| w.join(" "))
}

fn article() -> impl Strategy<Value = Article> {
    let section = prop_oneof![
        prop::collection::vec(words(1..30), 1..4)
            .prop_map(|p| Section::Plain(p.into_iter().map(|p| p + ".").collect())),
        prop::collection::vec((words(1..5), words(1..30)), 1..5).prop_map(|items| {
            Section::Items(items.into_iter().map(|(t, p)| (t, p + ".")).collect())
        }),
    ];
    (
        prop::option::of(words(1..4)),
        words(1..6),
        prop::option::of(words(1..30)),
        prop::collection::vec((words(1..5), section), 0..8),
        any::<bool>(),
    )
        .prop_map(|(front_title, title, overview, sections, crlf)| {
            // Unique markers make each paragraph and heading findable, and never a
            // substring of another: no generated word has a digit.
            let mut n = 0;
            let mut mark = |text: String| {
                n += 1;
                format!("m{n}x {text}")
            };
            let overview = overview.map(|o| mark(o) + ".");
            let sections = sections
                .into_iter()
                .map(|(title, section)| {
                    let section = match section {
                        Section::Plain(p) => Section::Plain(p.into_iter().map(&mut mark).collect()),
                        Section::Items(items) => Section::Items(
                            items.into_iter().map(|(t, p)| (mark(t), mark(p))).collect(),
                        ),
                    };
                    (mark(title), section)
                })
                .collect();
            Article {
                front_title,
                title,
                overview,
                sections,
                crlf,
            }
        })
}

fn check_parse(article: &Article) -> Result<(), TestCaseError> {
    let md = article.markdown();
    let expected_passages = usize::from(article.overview.is_some())
        + article
            .sections
            .iter()
            .map(|(_, s)| match s {
                Section::Plain(_) => 1,
                Section::Items(items) => items.len(),
            })
            .sum::<usize>();
    let parsed = parse_article(Path::new("prop-article.md"), &md);
    if expected_passages == 0 {
        prop_assert!(parsed.is_err(), "an article with no text is an error");
        return Ok(());
    }
    let passages = parsed.map_err(|err| TestCaseError::fail(format!("{err}\n{md}")))?;
    prop_assert_eq!(passages.len(), expected_passages, "{}", md);

    let article_title = article.front_title.as_ref().unwrap_or(&article.title);
    let mut ids = HashSet::new();
    let lines: Vec<&str> = md.lines().collect();
    for passage in &passages {
        prop_assert_eq!(&passage.article, article_title);
        prop_assert!(
            ids.insert(passage.id.clone()),
            "duplicate id {}",
            passage.id
        );
        // The passage starts on the line it names.
        let first_line = passage.text.lines().next().unwrap_or("");
        let line = lines
            .get(passage.line.wrapping_sub(1))
            .copied()
            .unwrap_or("");
        prop_assert!(
            line.trim_end().ends_with(first_line.trim_end()),
            "passage {} says line {} ({:?}) but starts {:?}",
            passage.id,
            passage.line,
            line,
            first_line
        );
    }

    // Every paragraph is in exactly one passage, verbatim.
    let mut paragraphs: Vec<&str> = article.overview.iter().map(String::as_str).collect();
    for (title, section) in &article.sections {
        match section {
            Section::Plain(ps) => {
                paragraphs.extend(ps.iter().map(String::as_str));
                let passage = passages
                    .iter()
                    .find(|p| p.title() == title)
                    .ok_or_else(|| TestCaseError::fail(format!("no passage titled {title:?}")))?;
                prop_assert_eq!(&passage.text, &ps.join("\n\n"));
            }
            Section::Items(items) => {
                for (item, text) in items {
                    paragraphs.push(text);
                    let passage = passages.iter().find(|p| p.title() == item).ok_or_else(|| {
                        TestCaseError::fail(format!("no passage titled {item:?}"))
                    })?;
                    prop_assert_eq!(&passage.section_path, &vec![title.clone(), item.clone()]);
                    prop_assert_eq!(&passage.text, &format!("**{item}:** {text}"));
                }
            }
        }
    }
    for paragraph in paragraphs {
        let holders = passages
            .iter()
            .filter(|p| p.text.contains(paragraph))
            .count();
        prop_assert_eq!(holders, 1, "{:?} is in {} passages", paragraph, holders);
    }
    Ok(())
}
