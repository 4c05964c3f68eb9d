//! Reloading the knowledge base: what a reload reports, that a failed reload changes
//! nothing, one reload at a time, reloads under load, and the watch and SIGHUP triggers.
//!
//! Every test works on a copy of `knowledge/` in a temporary folder, never on the real one.

use std::fs;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context as _, Result};
use ldnbot::answer::{Answer, Engine};
use ldnbot::config::{AnswerConfig, SafetyConfig};
use ldnbot::reload::{spawn_watcher, LiveEngine, ReloadError, ReloadReport, Trigger};
use tempfile::TempDir;

const ARTICLE: &str = "ldn-rheumatoid-arthritis.md";

/// A section no version of the real knowledge base talks about.
const TURMERIC: &str =
    "\n## Turmeric Golden Milk\n\nSome members drink turmeric golden milk in the \
evening. Turmeric contains curcumin; ask your doctor before combining curcumin supplements with \
your medication.\n";
const TURMERIC_QUESTION: &str = "Can I drink turmeric golden milk with curcumin?";
/// The id the turmeric section gets: article file name and heading slug.
const TURMERIC_ID: &str = "ldn-rheumatoid-arthritis/turmeric-golden-milk";

const GINGER: &str = "# Home Remedies\n\n## Ginger Compress\n\nA warm ginger compress on a sore \
knuckle is a home remedy some members use during a flare.\n";
const GINGER_QUESTION: &str = "Does a warm ginger compress help?";

/// A copy of the project's knowledge base in a fresh temporary folder.
fn knowledge_copy() -> Result<TempDir> {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge");
    let dir = tempfile::tempdir()?;
    for entry in fs::read_dir(&source)? {
        let path = entry?.path();
        let name = path
            .file_name()
            .context("a file in knowledge/ without a name")?;
        let wanted = path.extension().is_some_and(|ext| ext == "md") || name == "synonyms.toml";
        if wanted && path.is_file() {
            fs::copy(&path, dir.path().join(name))?;
        }
    }
    Ok(dir)
}

fn live_engine(dir: &Path) -> Result<LiveEngine> {
    let answer = AnswerConfig::default();
    let safety = SafetyConfig::default();
    let engine = Engine::load(dir, &answer, &safety)?;
    Ok(LiveEngine::new(engine, dir.to_path_buf(), answer, safety))
}

fn append(path: &Path, text: &str) -> Result<()> {
    let mut content = fs::read_to_string(path)?;
    content.push_str(text);
    fs::write(path, content)?;
    Ok(())
}

/// The id of the passage `engine` answers `question` with, if it answers.
fn found_id(engine: &Engine, question: &str) -> Option<String> {
    match engine.answer(question).expect("the index answers") {
        Answer::Found { passage, .. } => Some(passage.id.clone()),
        Answer::Unanswered { .. } => None,
    }
}

/// Checks one answer against the engine that gave it: every passage it names is
/// that engine's own, and scores are numbers in 0–1.
fn check_well_formed(engine: &Engine, question: &str, answer: &Answer) -> Result<()> {
    let own = |passage: &Arc<ldnbot::knowledge::Passage>| {
        engine
            .passage(&passage.id)
            .is_some_and(|p| Arc::ptr_eq(p, passage))
    };
    let score_ok = |score: f32| score.is_finite() && (0.0..=1.0).contains(&score);
    match answer {
        Answer::Found {
            passage,
            score,
            alternatives,
            see_also,
        } => {
            ensure!(
                own(passage),
                "{question:?}: answer {} is not from engine {}",
                passage.id,
                engine.version()
            );
            ensure!(score_ok(*score), "{question:?}: score {score}");
            for related in alternatives.iter().chain(see_also) {
                ensure!(
                    own(&related.passage) && score_ok(related.score),
                    "{question:?}: related passage {} is not from engine {}",
                    related.passage.id,
                    engine.version()
                );
            }
        }
        Answer::Unanswered { best_guess, .. } => {
            if let Some(guess) = best_guess {
                ensure!(
                    own(&guess.passage) && score_ok(guess.score),
                    "{question:?}: best guess {} is not from engine {}",
                    guess.passage.id,
                    engine.version()
                );
            }
        }
    }
    Ok(())
}

#[test]
fn a_reload_after_adding_a_section_answers_from_it_and_reports_it() -> Result<()> {
    let dir = knowledge_copy()?;
    let live = live_engine(dir.path())?;
    let before = live.current();
    ensure!(
        !found_id(&before, TURMERIC_QUESTION).is_some_and(|id| id.contains("turmeric")),
        "the original knowledge should not know about turmeric"
    );

    append(&dir.path().join(ARTICLE), TURMERIC)?;
    let report = live.reload_blocking(Trigger::Cli)?;

    let after = live.current();
    let id = found_id(&after, TURMERIC_QUESTION).context("the new section is not found")?;
    assert!(id.contains("turmeric"), "answered with {id}");
    assert_eq!(report.added, vec![id]);
    assert!(report.removed.is_empty(), "{:?}", report.removed);
    assert!(report.changed.is_empty(), "{:?}", report.changed);
    assert_eq!(report.trigger, Trigger::Cli);
    assert_eq!(report.passages_before, before.passages().len());
    assert_eq!(report.passages_after, before.passages().len() + 1);
    assert_eq!(report.passages_after, after.passages().len());
    assert_eq!(report.files, after.files());
    assert_eq!(report.version_before, before.version());
    assert_eq!(report.version, after.version());
    assert_ne!(report.version, report.version_before);
    assert!(!report.is_unchanged());

    // The engine taken before the swap still answers from the old knowledge.
    assert!(!before
        .passages()
        .iter()
        .any(|p| p.text.contains("curcumin")));

    let text = report.to_string();
    assert!(text.contains("turmeric-golden-milk"), "{text}");
    assert!(text.contains(&report.version), "{text}");
    assert!(text.contains(ARTICLE), "{text}");
    eprintln!("{text}");
    Ok(())
}

#[test]
fn a_reload_reports_changed_and_removed_passages() -> Result<()> {
    let dir = knowledge_copy()?;
    fs::write(dir.path().join("remedies.md"), GINGER)?;
    let live = live_engine(dir.path())?;
    let before = live.current();
    let ginger = before
        .passages()
        .iter()
        .find(|p| p.text.contains("ginger"))
        .context("the ginger passage")?
        .id
        .clone();

    // Change the text of one passage and drop the ginger one.
    let article = dir.path().join(ARTICLE);
    let text = fs::read_to_string(&article)?;
    fs::write(
        &article,
        text.replace("vivid dreams", "vivid dreams, headaches"),
    )?;
    fs::remove_file(dir.path().join("remedies.md"))?;

    let report = live.reload_blocking(Trigger::Command)?;
    assert!(report.added.is_empty(), "{:?}", report.added);
    assert_eq!(report.removed, vec![ginger]);
    assert_eq!(report.changed.len(), 1, "{:?}", report.changed);
    let changed = live
        .current()
        .passage(&report.changed[0])
        .context("the changed passage")?
        .text
        .clone();
    assert!(changed.contains("headaches"), "{changed}");
    Ok(())
}

#[test]
fn reloading_unchanged_knowledge_says_so() -> Result<()> {
    let dir = knowledge_copy()?;
    let live = live_engine(dir.path())?;
    let before = live.current();
    let report = live.reload_blocking(Trigger::Signal)?;
    // The files were read again: a new engine, built from every article of the folder.
    let after = live.current();
    assert!(!Arc::ptr_eq(&before, &after), "nothing was rebuilt");
    let mut files: Vec<_> = fs::read_dir(dir.path())?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<std::io::Result<Vec<_>>>()?
        .into_iter()
        .filter(|path| path.extension().is_some_and(|ext| ext == "md"))
        .collect();
    files.sort();
    let mut reported = report.files.clone();
    reported.sort();
    assert_eq!(reported, files);
    assert_eq!(report.trigger, Trigger::Signal);
    assert_eq!(report.passages_before, before.passages().len());
    assert_eq!(report.passages_after, before.passages().len());
    assert!(report.is_unchanged());
    assert!(report.added.is_empty() && report.removed.is_empty() && report.changed.is_empty());
    // The version is of the content: one changed byte changes it, and reverting it
    // brings the first version back.
    let article = dir.path().join(ARTICLE);
    let text = fs::read_to_string(&article)?;
    fs::write(&article, text.replace("vivid dreams", "vivid dreamz"))?;
    let changed = live.reload_blocking(Trigger::Signal)?;
    assert!(!changed.is_unchanged());
    assert_eq!(changed.changed.len(), 1, "{:?}", changed.changed);
    fs::write(&article, text)?;
    let back = live.reload_blocking(Trigger::Signal)?;
    assert_eq!(back.version, report.version);
    assert_eq!(report.version, before.version());
    let text = report.to_string();
    assert!(text.contains("no changes"), "{text}");
    assert!(text.contains("sighup"), "{text}");
    Ok(())
}

/// Each way of breaking the knowledge base, and the file its error must name.
/// `break_it` gets the knowledge folder and returns the name to look for.
type Breakage = (&'static str, fn(&Path) -> Result<String>);

fn breakages() -> Vec<Breakage> {
    vec![
        ("bad front matter", |dir| {
            fs::write(
                dir.join("broken.md"),
                "+++\ntitle = \n+++\n# Broken\n\n## A Heading\n\nSome text.\n",
            )?;
            Ok("broken.md".into())
        }),
        ("a file with no passages", |dir| {
            fs::write(dir.join("empty-article.md"), "")?;
            Ok("empty-article.md".into())
        }),
        ("an unreadable file", |dir| {
            // Not UTF-8: unreadable as text whoever runs the test (root reads mode 000 files).
            fs::write(dir.join("binary.md"), [0xff, 0xfe, 0x00, 0x41])?;
            Ok("binary.md".into())
        }),
        ("a bad synonyms.toml", |dir| {
            fs::write(dir.join("synonyms.toml"), "equivalent = [\n  [\"LDN\",\n")?;
            Ok("synonyms.toml".into())
        }),
        ("an empty dir", |dir| {
            for entry in fs::read_dir(dir)? {
                fs::remove_file(entry?.path())?;
            }
            Ok(dir.display().to_string())
        }),
    ]
}

#[test]
fn a_failed_reload_names_the_file_and_changes_nothing() -> Result<()> {
    let question = "What are the side effects of low dose naltrexone?";
    for (what, break_it) in breakages() {
        let dir = knowledge_copy()?;
        let live = live_engine(dir.path())?;
        let before = live.current();
        let answer_before = found_id(&before, question).context("a known question")?;

        let name = break_it(dir.path())?;
        let err = match live.reload_blocking(Trigger::Command) {
            Ok(report) => bail!("{what}: the reload succeeded: {report}"),
            Err(err) => err,
        };
        assert!(
            matches!(err, ReloadError::Invalid(_)),
            "{what}: {err:?} is not Invalid"
        );
        let message = err.to_string();
        assert!(
            message.contains(&name),
            "{what}: {message:?} does not name {name}"
        );
        assert!(message.contains("unchanged"), "{what}: {message:?}");
        eprintln!("{what}: {message}");

        let after = live.current();
        assert!(Arc::ptr_eq(&before, &after), "{what}: the engine changed");
        assert_eq!(after.version(), before.version(), "{what}");
        assert_eq!(
            found_id(&after, question).as_deref(),
            Some(answer_before.as_str()),
            "{what}"
        );
        assert!(!live.is_reloading(), "{what}: the reload flag stayed set");
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_async_reload_fails_safely_too() -> Result<()> {
    let dir = knowledge_copy()?;
    let live = live_engine(dir.path())?;
    let before = live.current();
    fs::write(dir.path().join("broken.md"), "+++\ntitle = \n+++\n")?;
    let err = match live.reload(Trigger::Command).await {
        Ok(report) => bail!("the reload succeeded: {report}"),
        Err(err) => err,
    };
    assert!(err.to_string().contains("broken.md"), "{err}");
    assert!(Arc::ptr_eq(&before, &live.current()));

    fs::remove_file(dir.path().join("broken.md"))?;
    append(&dir.path().join(ARTICLE), TURMERIC)?;
    let report = live.reload(Trigger::Command).await?;
    assert_eq!(report.added, [TURMERIC_ID]);
    assert_eq!(
        found_id(&live.current(), TURMERIC_QUESTION).as_deref(),
        Some(TURMERIC_ID)
    );
    Ok(())
}

/// While one reload is building, another is refused at once. The first build is
/// held deterministically by making `synonyms.toml` a named pipe: reading it
/// blocks until the test writes the file's content into it.
#[cfg(unix)]
#[test]
fn a_second_reload_while_one_runs_is_refused() -> Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let result = runtime.block_on(second_reload_while_one_runs());
    // Should a regression leave a build blocked on the pipe, fail instead of
    // waiting for it forever as dropping the runtime would.
    runtime.shutdown_timeout(Duration::from_secs(1));
    result
}

#[cfg(unix)]
async fn second_reload_while_one_runs() -> Result<()> {
    let dir = knowledge_copy()?;
    let live = Arc::new(live_engine(dir.path())?);
    let synonyms = dir.path().join("synonyms.toml");
    let content = fs::read(&synonyms)?;
    fs::remove_file(&synonyms)?;
    let made = std::process::Command::new("mkfifo")
        .arg(&synonyms)
        .status()?;
    ensure!(made.success(), "mkfifo failed: {made}");
    append(&dir.path().join(ARTICLE), TURMERIC)?;

    let first = tokio::spawn({
        let live = Arc::clone(&live);
        async move { live.reload(Trigger::Command).await }
    });
    let deadline = Instant::now() + Duration::from_secs(10);
    while !live.is_reloading() {
        ensure!(Instant::now() < deadline, "the first reload never started");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }

    // Bounded, so a regression that lets it run shows as a failure rather than a hang.
    let second = tokio::time::timeout(Duration::from_secs(5), live.reload(Trigger::Command))
        .await
        .context("the second reload waited instead of being refused")?;
    let third = live.reload_blocking(Trigger::Cli);
    // Questions are answered meanwhile, from the old engine.
    let during = live.current();

    // Opening the pipe for writing waits for the first build to open it for reading.
    // A plain thread, so a failure here cannot stall the runtime's shutdown.
    let writer = std::thread::spawn({
        let (synonyms, content) = (synonyms.clone(), content.clone());
        move || fs::write(synonyms, content)
    });
    let first = tokio::time::timeout(Duration::from_secs(30), first)
        .await
        .context("the first reload did not finish")??;
    writer
        .join()
        .map_err(|_| anyhow::anyhow!("the writer panicked"))??;

    assert!(matches!(second, Err(ReloadError::Busy)), "{second:?}");
    assert!(matches!(third, Err(ReloadError::Busy)), "{third:?}");
    if let Err(err) = &second {
        assert_eq!(
            err.to_string(),
            "a reload is already running; try again in a moment"
        );
    }
    assert!(!during
        .passages()
        .iter()
        .any(|p| p.text.contains("curcumin")));
    let report = first?;
    assert_eq!(report.added.len(), 1);
    assert!(!live.is_reloading());

    // Once the first is done, the next reload runs (with a plain file again).
    fs::remove_file(&synonyms)?;
    fs::write(&synonyms, content)?;
    let report = live.reload(Trigger::Command).await?;
    assert_eq!(report.trigger, Trigger::Command);
    Ok(())
}

/// Four threads ask questions non-stop while the knowledge is reloaded 20 times,
/// alternating between two versions. Every answer comes whole from one engine.
#[test]
fn reloads_under_load_never_disturb_answers() -> Result<()> {
    let dir = knowledge_copy()?;
    let live = live_engine(dir.path())?;
    let extra = dir.path().join("extra.md");
    let turmeric = format!("# Extras\n{TURMERIC}");
    let versions = [turmeric.as_str(), GINGER];
    let questions = [
        TURMERIC_QUESTION,
        GINGER_QUESTION,
        "What is LDN?",
        "What are the side effects of low dose naltrexone?",
        "",
        "   ",
        "\"unbalanced (( query: *syntax* AND OR -",
        "Can I take LDN with methotrexate? 💊 ¿qué dosis?",
        "I took too much naltrexone",
    ];

    let stop = AtomicBool::new(false);
    let started = Instant::now();
    let (reports, asked) = std::thread::scope(|scope| -> Result<_> {
        let askers: Vec<_> = (0..4)
            .map(|n| {
                let (live, stop, questions) = (&live, &stop, &questions);
                scope.spawn(move || -> Result<usize> {
                    let mut asked = 0;
                    while !stop.load(Ordering::Relaxed) {
                        let question = questions[(asked + n) % questions.len()];
                        let engine = live.current();
                        let answer = engine.answer(question).expect("the index answers");
                        check_well_formed(&engine, question, &answer)?;
                        asked += 1;
                    }
                    Ok(asked)
                })
            })
            .collect();

        let mut reports = Vec::new();
        let mut failure = None;
        for round in 0..20 {
            let result = fs::write(&extra, versions[round % 2])
                .map_err(anyhow::Error::from)
                .and_then(|()| Ok(live.reload_blocking(Trigger::Cli)?));
            match result {
                Ok(report) => reports.push(report),
                Err(err) => {
                    failure = Some(err.context(format!("reload {round}")));
                    break;
                }
            }
        }
        stop.store(true, Ordering::Relaxed);
        let mut asked = 0;
        for asker in askers {
            asked += asker
                .join()
                .map_err(|_| anyhow::anyhow!("an asker panicked"))??;
        }
        if let Some(err) = failure {
            return Err(err);
        }
        Ok((reports, asked))
    })?;
    let elapsed = started.elapsed();

    assert_eq!(reports.len(), 20);
    for pair in reports.windows(2) {
        assert_eq!(pair[1].version_before, pair[0].version);
        assert_ne!(pair[1].version, pair[1].version_before);
        assert_eq!(pair[1].added.len(), 1);
        assert_eq!(pair[1].removed.len(), 1);
    }
    assert!(asked > 0, "no question was asked during the reloads");

    // The last version written was the ginger one.
    let engine = live.current();
    assert_eq!(engine.version(), reports[19].version);
    let ginger = found_id(&engine, GINGER_QUESTION).context("ginger after the last reload")?;
    assert!(ginger.contains("ginger"), "{ginger}");
    assert!(!engine
        .passages()
        .iter()
        .any(|p| p.text.contains("curcumin")));
    let build: Duration = reports.iter().map(|r| r.elapsed).sum();
    eprintln!("20 reloads under load: {asked} questions in {elapsed:?}, building took {build:?}");
    Ok(())
}

#[test]
fn a_long_report_stays_short_enough_for_discord() {
    let ids: Vec<String> = (0..500)
        .map(|n| format!("a-rather-long-article-name/a-rather-long-section-heading-{n}"))
        .collect();
    let report = ReloadReport {
        trigger: Trigger::Command,
        files: (0..200)
            .map(|n| format!("/srv/ldnbot/knowledge/article-number-{n}.md").into())
            .collect(),
        passages_before: 500,
        passages_after: 1000,
        added: ids.clone(),
        removed: ids.clone(),
        changed: ids,
        elapsed: Duration::from_millis(1234),
        version_before: "0123456789ab".into(),
        version: "ba9876543210".into(),
    };
    let text = report.to_string();
    assert!(
        text.chars().count() < 1800,
        "{} chars",
        text.chars().count()
    );
    assert!(text.contains("… and "), "{text}");
    assert!(text.contains("Added (500)"), "{text}");
    assert!(text.contains("0123456789ab → ba9876543210"), "{text}");
    // File names, not the server's paths.
    assert!(!text.contains("/srv/"), "{text}");
}

#[test]
fn triggers_have_stable_names() {
    let names: Vec<&str> = [
        Trigger::Command,
        Trigger::Signal,
        Trigger::Watch,
        Trigger::Cli,
    ]
    .into_iter()
    .map(Trigger::as_str)
    .collect();
    assert_eq!(names, ["command", "sighup", "watch", "cli"]);
}

/// Polls until the live engine's version differs from `before`.
async fn wait_for_new_version(live: &LiveEngine, before: &str, limit: Duration) -> Result<()> {
    let deadline = Instant::now() + limit;
    while live.current().version() == before {
        ensure!(
            Instant::now() < deadline,
            "the knowledge was not reloaded within {limit:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_watcher_picks_up_an_edited_file() -> Result<()> {
    let dir = knowledge_copy()?;
    let live = Arc::new(live_engine(dir.path())?);
    let before = live.current().version().to_string();
    let watcher = spawn_watcher(Arc::clone(&live), Duration::from_millis(200))?;

    append(&dir.path().join(ARTICLE), TURMERIC)?;
    let waited = wait_for_new_version(&live, &before, Duration::from_secs(10)).await;
    watcher.abort();
    waited?;
    assert_eq!(
        found_id(&live.current(), TURMERIC_QUESTION).as_deref(),
        Some(TURMERIC_ID)
    );
    Ok(())
}

/// SIGHUP to this very test process. Safe because the listener is installed
/// before the signal is sent, and tokio never uninstalls its handler, so SIGHUP
/// cannot kill the process afterwards either; no other test sends SIGHUP.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sighup_reloads() -> Result<()> {
    let dir = knowledge_copy()?;
    let live = Arc::new(live_engine(dir.path())?);
    let before = live.current().version().to_string();
    let reloader = ldnbot::reload::spawn_sighup_reloader(Arc::clone(&live))?;

    append(&dir.path().join(ARTICLE), TURMERIC)?;
    let sent = std::process::Command::new("kill")
        .args(["-HUP", &std::process::id().to_string()])
        .status()?;
    ensure!(sent.success(), "kill -HUP failed: {sent}");
    let waited = wait_for_new_version(&live, &before, Duration::from_secs(10)).await;
    reloader.abort();
    waited?;
    assert_eq!(
        found_id(&live.current(), TURMERIC_QUESTION).as_deref(),
        Some(TURMERIC_ID)
    );
    Ok(())
}
