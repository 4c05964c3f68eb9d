//! The answer engine through its public API, on the bundled knowledge base.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use ldnbot::answer::{Answer, Engine, Reason};
use ldnbot::config::{AnswerConfig, SafetyConfig};
use ldnbot::eval;
use ldnbot::knowledge::Knowledge;
use ldnbot::reload::{LiveEngine, Trigger};

pub fn knowledge_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge")
}

pub fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

/// Built once: every test here only reads it.
fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        Engine::load(
            &knowledge_dir(),
            &AnswerConfig::default(),
            &SafetyConfig::default(),
        )
        .expect("the bundled knowledge base loads")
    })
}

/// An engine over the knowledge in `dir`, built with `weights`.
fn engine_with(dir: &Path, weights: ldnbot::search::Weights) -> Engine {
    Engine::build_with_weights(
        Knowledge::load(dir).expect("loads"),
        &AnswerConfig::default(),
        &SafetyConfig::default(),
        weights,
    )
    .expect("builds")
}

/// Sections that share no word with the small test articles, so those
/// articles' words are not in most passages (which would make them topic words).
const UNRELATED_SECTIONS: &str = "## Sleep Hygiene\n\nA dark, cool bedroom helps sleep.\n\n\
                                  ## Hand Exercises\n\nGentle stretching keeps fingers mobile.\n\n\
                                  ## Diet Notes\n\nSome people keep a food diary.\n\n\
                                  ## Travel Tips\n\nPack medicines in carry-on bags.\n";

const RISKS: &str =
    "ldn-rheumatoid-arthritis/considerations-and-caveats/balancing-risks-and-benefits";
const MECHANISM: &str = "ldn-rheumatoid-arthritis/the-mechanism-of-action";
const LDN: &str = "ldn-rheumatoid-arthritis/what-is-low-dose-naltrexone-ldn";
const RA: &str = "ldn-rheumatoid-arthritis/what-is-rheumatoid-arthritis";

fn found_id(question: &str) -> Option<String> {
    match engine().answer(question).expect("the index answers") {
        Answer::Found { passage, .. } => Some(passage.id.clone()),
        Answer::Unanswered { .. } => None,
    }
}

#[test]
fn the_article_parses_into_eleven_passages() {
    let knowledge = Knowledge::load(&knowledge_dir()).unwrap();
    let sections: Vec<String> = knowledge.passages.iter().map(|p| p.section()).collect();
    assert_eq!(
        sections,
        [
            "Overview",
            "What is Rheumatoid Arthritis?",
            "What is Low Dose Naltrexone (LDN)?",
            "The Mechanism of Action",
            "Research on LDN and Rheumatoid Arthritis",
            "Considerations and Caveats › Consultation with Healthcare Professionals",
            "Considerations and Caveats › Individual Responses Vary",
            "Considerations and Caveats › Balancing Risks and Benefits",
            "Navigating the Decision to Try LDN › Patient Advocacy",
            "Navigating the Decision to Try LDN › Monitoring and Adjustments",
            "Conclusion",
        ]
    );
    assert!(knowledge
        .passages
        .iter()
        .all(|p| p.article == "Low Dose Naltrexone Rheumatoid Arthritis"));
    let all_text: String = knowledge.passages.iter().map(|p| p.text.as_str()).collect();
    assert!(!all_text.contains("Leave a Reply"));
    assert!(!all_text.contains("email address"));
    // The article's sentences are kept as written.
    assert!(all_text.contains("These can include insomnia, vivid dreams, and, in rare cases, liver function abnormalities."));
}

#[test]
fn bad_front_matter_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("broken.md"),
        "+++\ntitle = \n+++\n## A\n\ntext\n",
    )
    .unwrap();
    let err = Knowledge::load(dir.path()).unwrap_err().to_string();
    assert!(err.contains("broken.md"), "{err}");
    assert!(err.contains("front matter"), "{err}");
}

#[test]
fn an_empty_dir_and_a_file_without_passages_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let err = Knowledge::load(dir.path()).unwrap_err().to_string();
    assert!(err.contains("no knowledge files"), "{err}");
    std::fs::write(dir.path().join("empty.md"), "# Only a title\n").unwrap();
    let err = Knowledge::load(dir.path()).unwrap_err().to_string();
    assert!(
        err.contains("empty.md") && err.contains("no passages"),
        "{err}"
    );
}

#[test]
fn the_side_effects_question_finds_the_risks_passage() {
    let answer = engine()
        .answer("What are the side effects of LDN?")
        .expect("the index answers");
    let Answer::Found { passage, score, .. } = answer else {
        panic!("expected an answer, got {answer:?}");
    };
    assert_eq!(passage.id, RISKS);
    assert!(score > 0.5);
}

#[test]
fn dev_questions_score_above_the_bar() {
    let cases = eval::read_cases(&data("dev.jsonl")).unwrap();
    let mut misses = Vec::new();
    let summary =
        eval::score(engine(), &cases, |line| misses.push(line)).expect("the index answers");
    assert!(
        summary.strict >= 48 && summary.abstained >= 17,
        "{summary}\n{}",
        misses.join("\n")
    );
}

#[test]
fn typos_still_find_their_passages() {
    assert_eq!(found_id("sid effects of ldn").as_deref(), Some(RISKS));
    assert_eq!(found_id("naltrexone mecanism").as_deref(), Some(MECHANISM));
    assert_eq!(
        found_id("what is low dose naltrexome").as_deref(),
        Some(LDN)
    );
    assert_eq!(
        found_id("what is rheumatoid arthritus").as_deref(),
        Some(RA)
    );
}

#[test]
fn lay_words_reach_the_article_terms() {
    assert_eq!(
        found_id("Can LDN make it hard to sleep?").as_deref(),
        Some(RISKS)
    );
    assert_eq!(
        found_id("does LDN boost endorphins").as_deref(),
        Some(MECHANISM)
    );
    assert_eq!(
        found_id("What's the usual dosing for LDN?").as_deref(),
        Some(LDN)
    );
}

#[test]
fn questions_the_article_does_not_cover_abstain() {
    for question in [
        "Is LDN safe for children?",
        "Which pharmacy compounds LDN near me?",
        "Who painted the Mona Lisa?",
        "good night all",
        "What is 2+2?",
        "Does LDN help with depression?",
        "qwertyuiop",
    ] {
        let answer = engine().answer(question).expect("the index answers");
        assert!(
            matches!(
                answer.reason(),
                Some(Reason::NoMatch | Reason::LowConfidence | Reason::KnownGap)
            ),
            "{question:?} should abstain, got {answer:?}"
        );
    }
}

#[test]
fn questions_about_a_known_gap_get_that_gap() {
    for (question, gap) in [
        ("Is LDN safe for children?", "children-and-teens"),
        (
            "could I have a couple of glasses of wine while taking ldn",
            "alcohol",
        ),
    ] {
        let answer = engine().answer(question).expect("the index answers");
        assert_eq!(
            answer.reason(),
            Some(Reason::KnownGap),
            "{question:?}: {answer:?}"
        );
        assert_eq!(
            answer.gap().map(|g| g.id.as_str()),
            Some(gap),
            "{question:?}"
        );
    }
}

#[test]
fn empty_questions_are_empty() {
    for question in ["", "   ", "\n\t "] {
        assert_eq!(
            engine()
                .answer(question)
                .expect("the index answers")
                .reason(),
            Some(Reason::Empty)
        );
    }
}

#[test]
fn emergencies_get_the_urgent_notice() {
    for question in [
        "I think I took too much LDN and my chest pain is bad",
        "I can't breathe after my dose",
        "having suicidal thoughts tonight",
        "I OVERDOSED on naltrexone",
    ] {
        assert_eq!(
            engine()
                .answer(question)
                .expect("the index answers")
                .reason(),
            Some(Reason::Urgent),
            "{question}"
        );
    }
    assert_ne!(
        engine()
            .answer("What are the side effects of LDN?")
            .expect("the index answers")
            .reason(),
        Some(Reason::Urgent)
    );
}

#[test]
fn hostile_input_never_errors() {
    let long_junk: String = "ab(c)* ~2 ^5 \"".repeat(800);
    let inputs = [
        "\"unbalanced quote",
        "(what) is [LDN]?",
        "LDN AND OR NOT side",
        "NOT",
        "title:ldn body:*",
        "*",
        "side~2 effects^5",
        "😀🔥 LDN? 🙏",
        "\u{0}\u{1}\u{7f}LDN\u{202e}",
        "ＬＤＮ　の副作用",
        long_junk.as_str(),
    ];
    for input in inputs {
        let answer = engine().answer(input).expect("the index answers");
        if let Answer::Found { passage, .. } = &answer {
            assert!(engine().passage(&passage.id).is_some());
        }
    }
    assert_eq!(found_id("(what) is [LDN]?").as_deref(), Some(LDN));
}

#[test]
fn every_naughty_string_gets_an_answer_or_a_reason() {
    let text = std::fs::read_to_string(data("blns.json")).unwrap();
    let strings: Vec<String> = serde_json::from_str(&text).unwrap();
    assert!(strings.len() > 400);
    let mut answered = 0;
    for input in &strings {
        let answer = engine().answer(input).expect("the index answers");
        match &answer {
            Answer::Found { passage, score, .. } => {
                answered += 1;
                assert!(engine().passage(&passage.id).is_some(), "{input:?}");
                assert!((0.0..=1.0).contains(score), "{input:?}: {score}");
            }
            Answer::Unanswered { reason, gap, .. } => {
                let blank = input
                    .chars()
                    .take(2000)
                    .collect::<String>()
                    .trim()
                    .is_empty();
                assert_eq!(*reason == Reason::Empty, blank, "{input:?}: {reason:?}");
                assert_eq!(gap.is_some(), *reason == Reason::KnownGap, "{input:?}");
            }
        }
    }
    // Hostile strings are noise, not questions: nearly all of them abstain.
    assert!(
        answered * 10 < strings.len(),
        "{answered} of {} answered",
        strings.len()
    );
}

#[test]
fn synonyms_come_from_the_file_and_a_reload_picks_them_up() {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(knowledge_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "md") {
            std::fs::copy(&path, dir.path().join(path.file_name().unwrap())).unwrap();
        }
    }
    let (answer, safety) = (AnswerConfig::default(), SafetyConfig::default());
    let engine = Engine::load(dir.path(), &answer, &safety).unwrap();
    let live = LiveEngine::new(engine, dir.path().to_path_buf(), answer, safety);
    // Without a vocabulary, a lay word the article never uses finds nothing.
    assert!(!live
        .current()
        .answer("I'm zonked")
        .expect("the index answers")
        .is_found());

    std::fs::write(
        dir.path().join("synonyms.toml"),
        "[lay]\n\"zonked\" = [\"insomnia\"]\n",
    )
    .unwrap();
    live.reload_blocking(Trigger::Cli).unwrap();
    let Answer::Found { passage, .. } = live
        .current()
        .answer("I'm zonked")
        .expect("the index answers")
    else {
        panic!("the new synonym should lead to the insomnia passage");
    };
    assert_eq!(passage.id, RISKS);
}

#[test]
fn a_close_runner_up_is_named_as_see_also() {
    let question = "What does research say about LDN?";
    let generous = AnswerConfig {
        see_also_margin: 0.0,
        ..AnswerConfig::default()
    };
    let engine_with = |answer: &AnswerConfig| {
        Engine::load(&knowledge_dir(), answer, &SafetyConfig::default()).unwrap()
    };
    let Answer::Found {
        passage, see_also, ..
    } = engine_with(&generous)
        .answer(question)
        .expect("the index answers")
    else {
        panic!("expected an answer");
    };
    let also = see_also.expect("a runner-up that covers the question is named");
    assert_ne!(also.passage.id, passage.id);

    let strict = AnswerConfig {
        see_also_margin: 1.0,
        ..AnswerConfig::default()
    };
    let Answer::Found {
        see_also,
        alternatives,
        ..
    } = engine_with(&strict)
        .answer("What are the side effects of LDN?")
        .expect("the index answers")
    else {
        panic!("expected an answer");
    };
    assert!(see_also.is_none());
    assert!(alternatives.len() <= strict.alternatives);
}

/// Every question is analyzed and searched once: the abstention's closest topics
/// come from the ranking the decision used, and no reply form searches again
/// (the Discord renderer gets the answer and the texts, never the engine).
#[test]
fn one_search_per_question_abstentions_included() {
    // Its own engine: the shared one is searched by tests running alongside.
    let engine = Engine::load(
        &knowledge_dir(),
        &AnswerConfig::default(),
        &SafetyConfig::default(),
    )
    .expect("the bundled knowledge base loads");
    let cases = [
        ("What are the side effects of LDN?", 1),
        ("Can I take LDN with my cat's flea medicine?", 1),
        ("What is the weather like on Mars?", 1),
        ("sid efects of ldn", 1),
        ("   ", 0),
    ];
    for (question, searches) in cases {
        let before = engine.searches();
        let answer = engine.answer(question).expect("the index answers");
        let _ = ldnbot::reply::text(&answer, &engine);
        let _ = ldnbot::reply::JsonAnswer::new(question, &answer, &engine);
        assert_eq!(
            engine.searches() - before,
            searches,
            "{question:?} ({:?}) was searched more than once",
            answer.reason()
        );
    }
}

/// Why the bot abstains matters to moderators: a question sharing nothing informative with
/// any passage is "no match", not "low confidence".
#[test]
fn an_abstention_says_which_kind_it_is() {
    for question in [
        "Who painted the Mona Lisa?",
        "qwertyuiop",
        "How do I bake sourdough bread?",
    ] {
        let answer = engine().answer(question).expect("the index answers");
        assert_eq!(
            answer.reason(),
            Some(Reason::NoMatch),
            "{question:?}: {answer:?}"
        );
    }
}

/// Two passages with exactly the same evidence: the first in knowledge order answers, every
/// time, so the answer never depends on a tie's accident.
#[test]
fn a_tie_goes_to_the_first_passage() {
    let dir = tempfile::tempdir().unwrap();
    let text = "# Home Remedies\n\n## Ginger Compress\n\nA warm ginger compress on a sore \
                knuckle is a home remedy some members use during a flare.\n";
    std::fs::write(dir.path().join("a-remedies.md"), text).unwrap();
    std::fs::write(dir.path().join("b-remedies.md"), text).unwrap();
    // Other sections, so the twins' words are not shared by most passages
    // (which would set them aside as topic words and leave no evidence).
    let others = format!("# Other Topics\n\n{UNRELATED_SECTIONS}");
    std::fs::write(dir.path().join("c-others.md"), others).unwrap();
    // Without the intent model: trained in a fixed order, it leans to one of
    // two identical passages, so their evidence would not tie.
    let weights = ldnbot::search::Weights {
        intent: false,
        ..Default::default()
    };
    let engine = engine_with(dir.path(), weights);
    let answer = engine
        .answer("Does a warm ginger compress help a sore knuckle?")
        .expect("answers");
    assert_eq!(
        answer
            .passage()
            .filter(|_| answer.is_found())
            .map(|p| p.id.as_str()),
        Some("a-remedies/ginger-compress"),
        "{answer:?}"
    );
}

/// Questions about what the article does not cover, phrased unlike the gaps'
/// examples: the intent model carries them to their gap, not just the
/// overlap with one example.
#[test]
fn gap_questions_in_other_words_find_their_gap() {
    for (question, gap) in [
        (
            "is a glass of wine with dinner ok while i'm on this",
            "alcohol",
        ),
        ("should i take it morning or night", "dosing-schedule"),
        (
            "how many weeks before people notice anything",
            "time-to-work",
        ),
        ("will my insurance pay for it", "cost-and-insurance"),
        ("which pharmacies make it", "getting-a-prescription"),
        (
            "we're trying for a baby, should i stop it",
            "pregnancy-and-fertility",
        ),
        ("can my 12 year old take it", "children-and-teens"),
        ("can i get the flu jab while taking it", "vaccines"),
        (
            "i have an operation next month, do i need to stop",
            "surgery-and-procedures",
        ),
        ("does it show up on blood tests", "lab-tests"),
        ("will it make me put on weight", "weight-and-appetite"),
        ("capsules or liquid, which is better", "formulations"),
        ("is it ok to stay on it for years", "long-term-use"),
        ("can it make me feel down", "mood-and-mental-health"),
        ("can i take fish oil with it", "supplements-and-diet"),
        (
            "i take codeine sometimes, is that a problem",
            "opioid-painkillers",
        ),
        ("does it help with fibromyalgia too", "other-conditions"),
    ] {
        let answer = engine().answer(question).expect("the index answers");
        assert_eq!(
            answer.gap().map(|g| g.id.as_str()),
            Some(gap),
            "{question:?}: {answer:?}"
        );
        assert_eq!(answer.reason(), Some(Reason::KnownGap));
    }
}

/// An example asked exactly as it is written goes to its own passage or gap
/// (what a moderator links is answered so the next time), whatever else it
/// resembles — unless triage takes it first.
#[test]
fn every_example_asked_as_written_gets_its_own_target() {
    use ldnbot::knowledge::Target;
    let engine = engine();
    let mut checked = (0, 0);
    for example in engine.examples() {
        let answer = engine.answer(&example.text).expect("the index answers");
        if answer.reason() == Some(Reason::Urgent) {
            continue;
        }
        match &example.target {
            Target::Passage(id) => {
                assert_eq!(
                    answer
                        .passage()
                        .filter(|_| answer.is_found())
                        .map(|p| &p.id),
                    Some(id),
                    "{:?}: {answer:?}",
                    example.text
                );
                checked.0 += 1;
            }
            Target::Gap(id) => {
                assert_eq!(
                    answer.gap().map(|g| &g.id),
                    Some(id),
                    "{:?}: {answer:?}",
                    example.text
                );
                checked.1 += 1;
            }
        }
    }
    assert!(checked.0 > 100 && checked.1 > 100, "{checked:?}");
}

/// On the article's text alone (no examples, gaps or intent model), an
/// abstention says whether anything asked was found: a question that matches
/// only words most passages share found nothing it asked (no match, no
/// guess); one that matches an informative word too weakly is low confidence,
/// with that passage as its guess.
#[test]
fn an_abstention_on_the_text_alone_says_whether_anything_asked_matched() {
    let weights = ldnbot::search::Weights {
        intent: false,
        examples: false,
        gaps: false,
        ..Default::default()
    };
    let engine = engine_with(&knowledge_dir(), weights);
    for question in [
        "Is LDN good for my sourdough starter?",
        "does low dose naltrexone help a broken washing machine",
        "can LDN fix my car engine",
    ] {
        let answer = engine.answer(question).expect("answers");
        assert_eq!(
            answer.reason(),
            Some(Reason::NoMatch),
            "{question:?}: {answer:?}"
        );
        assert!(answer.passage().is_none(), "no guess: {answer:?}");
    }
    for question in [
        "could LDN take the pain out of fixing my car engine",
        "is insomnia from sourdough bread common?",
    ] {
        let answer = engine.answer(question).expect("answers");
        assert_eq!(
            answer.reason(),
            Some(Reason::LowConfidence),
            "{question:?}: {answer:?}"
        );
        assert!(answer.passage().is_some(), "a guess: {answer:?}");
    }
}

/// An abstention's closest topics: the guess first, then passages the search
/// ranked that matched something informative, each once, at most
/// `CLOSEST_TOPICS` — and more than one when several such passages matched.
#[test]
fn an_abstention_lists_each_close_topic_once() {
    let engine = engine();
    let mut most = 0;
    for question in [
        "insomnia, vivid dreams and my sourdough bread",
        "immune system inflammation and my garden shed",
        "can LDN fix my car engine",
        "naltrexone receptors and the price of a telescope",
        "joint pain, fatigue and the weather on mars",
    ] {
        let answer = engine.answer(question).expect("answers");
        let Answer::Unanswered {
            best_guess,
            closest,
            ..
        } = &answer
        else {
            continue;
        };
        let hits = engine.search(question).expect("searches").hits;
        let informative: Vec<&str> = hits
            .iter()
            .filter(|hit| hit.matched_informative)
            .map(|hit| engine.passages()[hit.passage].id.as_str())
            .collect();
        let ids: Vec<&str> = closest.iter().map(|r| r.passage.id.as_str()).collect();
        let mut distinct = ids.clone();
        distinct.sort_unstable();
        distinct.dedup();
        assert_eq!(
            distinct.len(),
            ids.len(),
            "{question:?}: repeats in {ids:?}"
        );
        assert!(ids.len() <= ldnbot::answer::CLOSEST_TOPICS, "{ids:?}");
        if let Some(guess) = best_guess {
            assert_eq!(ids.first(), Some(&guess.passage.id.as_str()));
        }
        for id in ids.iter().skip(usize::from(best_guess.is_some())) {
            assert!(
                informative.contains(id),
                "{question:?}: {id} matched nothing asked"
            );
        }
        // As many as there are: the guess and the informative hits, once each.
        let mut candidates: Vec<&str> = best_guess.iter().map(|g| g.passage.id.as_str()).collect();
        candidates.extend(&informative);
        candidates.sort_unstable();
        candidates.dedup();
        let expected = candidates.len().min(ldnbot::answer::CLOSEST_TOPICS);
        assert_eq!(
            ids.len(),
            expected,
            "{question:?}: {ids:?} of {informative:?}"
        );
        most = most.max(ids.len());
    }
    assert!(most >= 2, "some abstention lists several topics");
}

/// A member's story before the ask counts for less than the ask: the
/// drugs and doctors in it must not pull the answer to the passages about
/// doctors, nor dilute the ask's coverage until the bot abstains.
#[test]
fn background_does_not_sink_a_clear_ask() {
    let story = "Diagnosed in 2016, on methotrexate and hydroxychloroquine, my rheumatologist \
                 is retiring next month and my knees are worse.";
    for (ask, section) in [
        (
            "What side effects does LDN have?",
            "balancing-risks-and-benefits",
        ),
        (
            "What have studies found so far?",
            "research-on-ldn-and-rheumatoid-arthritis",
        ),
    ] {
        let question = format!("{story} {ask}");
        let answer = engine().answer(&question).expect("answers");
        let Answer::Found { passage, .. } = &answer else {
            panic!("{question:?}: {answer:?}");
        };
        assert!(
            passage.id.ends_with(section),
            "{question:?}: {}",
            passage.id
        );
    }
}

/// Thanks that ask nothing get the chat gap's reply, however many of the
/// article's words they share; thanks with a question get the answer.
#[test]
fn thanks_get_the_chat_reply_and_a_question_with_thanks_its_answer() {
    for thanks in [
        "thank you, that really helped!",
        "Thanks!! very useful info",
    ] {
        let answer = engine().answer(thanks).expect("answers");
        assert_eq!(
            answer.reason(),
            Some(Reason::KnownGap),
            "{thanks:?}: {answer:?}"
        );
        assert_eq!(answer.gap().map(|g| g.id.as_str()), Some("chat-and-server"));
    }
    let answer = engine()
        .answer("thanks! and what are the side effects of ldn?")
        .expect("answers");
    let Answer::Found { passage, .. } = &answer else {
        panic!("{answer:?}");
    };
    assert!(
        passage.id.ends_with("balancing-risks-and-benefits"),
        "{}",
        passage.id
    );
}

/// Hits are ordered by coverage first: a passage that holds everything asked
/// ranks above one whose heading is half the question and which holds only that
/// half, whatever BM25 makes of the heading.
#[test]
fn hits_rank_by_coverage_before_heading_and_bm25() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "# Care Notes\n\n## Ginger Compress\n\nA ginger compress is warm.\n\n\
         ## Packing List\n\nSome members pack a ginger compress and a splint for a \
         sore knuckle during a flare.\n\n{UNRELATED_SECTIONS}"
    );
    std::fs::write(dir.path().join("care.md"), text).unwrap();
    let engine = engine_with(dir.path(), ldnbot::search::Weights::default());
    let result = engine
        .search("ginger compress for a knuckle flare")
        .expect("searches");
    let ids: Vec<&str> = result
        .hits
        .iter()
        .map(|hit| engine.passages()[hit.passage].id.as_str())
        .collect();
    assert_eq!(
        ids.first().copied(),
        Some("care/packing-list"),
        "{ids:?} {:?}",
        result.hits
    );
    let half = result
        .hits
        .iter()
        .find(|hit| engine.passages()[hit.passage].id == "care/ginger-compress")
        .expect("the heading's passage is a hit");
    let full = &result.hits[0];
    assert!(full.coverage > half.coverage && half.title_coverage > full.title_coverage);
}

/// The score an answer reports (the review log's and `ask --json`'s) is the
/// coverage of the question by the passage it shows, and there is none when
/// nothing matched.
#[test]
fn an_answers_score_is_the_coverage_of_the_passage_it_names() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!("# Care Notes\n\n{UNRELATED_SECTIONS}");
    std::fs::write(dir.path().join("care.md"), text).unwrap();
    let engine = engine_with(dir.path(), ldnbot::search::Weights::default());
    let coverage_of = |question: &str, passage: &str| {
        let hits = engine.search(question).expect("searches").hits;
        hits.iter()
            .find(|hit| engine.passages()[hit.passage].id == passage)
            .map(|hit| hit.coverage)
            .expect("the passage named was a hit")
    };

    let question = "does a dark cool bedroom help sleep";
    let answer = engine.answer(question).expect("answers");
    let passage = answer.passage().expect("a passage").id.clone();
    assert!(answer.is_found(), "{answer:?}");
    assert_eq!(answer.score(), Some(coverage_of(question, &passage)));

    // A third of it in each of three passages: answered, on a third.
    let question = "a cool bedroom, a food diary and carry-on bags";
    let answer = engine.answer(question).expect("answers");
    let passage = answer.passage().expect("a passage").id.clone();
    let expected = coverage_of(question, &passage);
    assert!(expected > 0.0 && expected < 1.0, "{expected}");
    assert_eq!(answer.score(), Some(expected));

    let answer = engine
        .answer("telescopes and windscreens")
        .expect("answers");
    assert!(answer.passage().is_none(), "{answer:?}");
    assert_eq!(answer.score(), None);
}

/// An admin's own urgent phrases make a message urgent wherever they occur as
/// words, whatever the case or apostrophes; a phrase with no words in it (a
/// slip in the config) matches nothing rather than everything.
#[test]
fn an_admins_urgent_terms_make_a_message_urgent_and_empty_ones_nothing() {
    let safety = SafetyConfig {
        urgent_terms: vec!["Zorbic Flare".into(), "  ".into(), "?!".into()],
        ..SafetyConfig::default()
    };
    let engine = Engine::load(&knowledge_dir(), &AnswerConfig::default(), &safety)
        .expect("the bundled knowledge base loads");
    for urgent in ["my ZORBIC flare is back", "zorbic-flare again"] {
        let answer = engine.answer(urgent).expect("answers");
        assert_eq!(answer.reason(), Some(Reason::Urgent), "{urgent:?}");
    }
    for ordinary in [
        "What are the side effects of LDN?",
        "zorbic",
        "a flare, zorbic",
    ] {
        let answer = engine.answer(ordinary).expect("answers");
        assert_ne!(answer.reason(), Some(Reason::Urgent), "{ordinary:?}");
    }
}

/// The engine lists the known gaps of its knowledge, and names every search
/// target: a passage by its id, a gap as `gap:` and its id, nothing past the end.
#[test]
fn the_engine_lists_its_gaps_and_names_every_target() {
    let engine = engine();
    let text = std::fs::read_to_string(knowledge_dir().join("gaps.toml")).expect("reads");
    let listed = text.lines().filter(|line| line.trim() == "[[gap]]").count();
    assert!(listed > 0);
    assert_eq!(engine.gaps().len(), listed);
    assert!(engine
        .gaps()
        .iter()
        .any(|gap| gap.id == "drug-interactions"));

    let passages = engine.passages().len();
    assert_eq!(
        engine.target_id(0),
        "ldn-rheumatoid-arthritis/overview",
        "the first passage"
    );
    assert_eq!(
        engine.target_id(passages),
        format!("gap:{}", engine.gaps()[0].id)
    );
    assert_eq!(engine.target_id(passages + listed), "");
}

/// What an engine reports of the knowledge it was built from: the files it
/// read, a version that changes when a file does, each passage by its id.
#[test]
fn an_engine_names_its_files_its_version_and_its_passages() {
    let dir = tempfile::tempdir().unwrap();
    let article = dir.path().join("care.md");
    std::fs::write(&article, format!("# Care Notes\n\n{UNRELATED_SECTIONS}")).unwrap();
    let first = engine_with(dir.path(), ldnbot::search::Weights::default());
    let again = engine_with(dir.path(), ldnbot::search::Weights::default());
    assert_eq!(first.files(), std::slice::from_ref(&article));
    assert_eq!(first.version().len(), 12, "six bytes in hex");
    assert_eq!(first.version(), again.version());

    std::fs::write(
        &article,
        format!("# Care Notes\n\n{UNRELATED_SECTIONS}\n## Rest\n\nRest helps.\n"),
    )
    .unwrap();
    let changed = engine_with(dir.path(), ldnbot::search::Weights::default());
    assert_ne!(changed.version(), first.version());

    let passage = changed.passage("care/rest").expect("the new section");
    assert_eq!(passage.text, "Rest helps.");
    assert_eq!(
        changed.passage("care/travel-tips").map(|p| p.id.as_str()),
        Some("care/travel-tips")
    );
    assert!(changed.passage("care/nothing-here").is_none());
}

/// The diagnostics' view of a question: the search keeps the answer's
/// candidates and one more (`alternatives + 1`), the example matches include
/// an example asked as written (all of it, on both sides), and the intent
/// model is there only when examples trained it.
#[test]
fn the_diagnostics_see_what_the_answer_sees() {
    let engine = engine();
    let question = "What do studies say about LDN, its side effects, and asking my doctor?";
    let hits = engine.search(question).expect("searches").hits;
    assert_eq!(hits.len(), AnswerConfig::default().alternatives + 1);

    let example = &engine.examples()[0];
    let matches = engine.example_matches(&example.text);
    assert!(
        matches
            .iter()
            .any(|m| m.question_side >= 0.999 && m.example_side >= 0.999),
        "{:?} matches itself: {matches:?}",
        example.text
    );

    // A summary, not thousands of stems: the engine's Debug goes into logs.
    let debug = format!("{engine:?}");
    let summary = format!(
        "SearchIndex {{ passages: {}, stems: ",
        engine.passages().len()
    );
    assert!(debug.contains(&summary), "{summary} in the Debug");

    // A message with nothing to search for is not searched.
    let nothing = engine.search("and the of it").expect("searches");
    assert!(nothing.concepts.is_empty());
    assert!(nothing.hits.is_empty() && nothing.closeness.is_empty() && nothing.intent.is_empty());

    assert!(engine.has_intent_model());
    let without = ldnbot::search::Weights {
        intent: false,
        ..ldnbot::search::Weights::default()
    };
    assert!(!engine_with(&knowledge_dir(), without).has_intent_model());
}

/// The article's topic is something it has words for: a question naming LDN
/// in words the article never uses is read through its examples, while the
/// same words about something else still find no passage.
#[test]
fn words_the_article_lacks_about_its_topic_are_read_through_the_examples() {
    assert_eq!(
        found_id("so what's the theory behind ldn then").as_deref(),
        Some(MECHANISM)
    );
    assert_eq!(
        found_id("so what's the theory behind the weather then"),
        None
    );
}

/// A question that asks for a number is answered only by a passage that
/// gives one: the LDN passage states the dose range, the mechanism passage
/// no durations.
#[test]
fn a_number_is_answered_only_by_a_passage_that_gives_one() {
    assert_eq!(
        found_id("how many milligrams is a usual ldn dose?").as_deref(),
        Some(LDN)
    );
    assert_ne!(
        found_id("how many days does LDN keep endorphins raised?").as_deref(),
        Some(MECHANISM)
    );
    // Without the number the same words are the mechanism's.
    assert_eq!(
        found_id("does LDN keep endorphins raised?").as_deref(),
        Some(MECHANISM)
    );
}

/// A question whose ask is a word neither the article nor a passage's examples
/// use is not that passage's, however much it reads like its examples: the RA
/// passage says nothing about heredity, and its examples never ask.
#[test]
fn an_ask_nothing_of_a_passage_speaks_of_is_not_that_passages() {
    assert_ne!(
        found_id("is rheumatoid arthritis hereditary").as_deref(),
        Some(RA)
    );
    // The article's own words about RA still find it.
    assert_eq!(
        found_id("does rheumatoid arthritis cause joint deformities").as_deref(),
        Some(RA)
    );
}
