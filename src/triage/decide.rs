//! Scoring one message: find the concepts, compose them into signs, weigh the
//! context around them, decide the level.
//!
//! A sign's score is its weight, plus a fraction for every other distinct sign
//! of the same kind (symptoms that come together), plus the message's
//! promoting cues (now, a person, severity, "??"), plus the demoting cues of
//! the sentences the sign is in (hypothetical, information question, past —
//! the past only when that sentence has no "now") and of the whole message
//! (fiction or news, laughter, the bot itself). A negation just before a sign
//! turns it into a mention. At `urgent_at` the message is urgent; any sign or
//! mention below that is a caution. Self-harm and suicide signs skip the
//! weighing: urgent unless the message is clearly fiction, news or statistics.

use super::lexicon::Hit;
use super::normalise::{tokenise, Tokens};
use super::rules::Settings;
use super::{Assessment, Kind, Level, Triage};

// Cue indices, in `rules::CUES` order.
const NOW: usize = 0;
const PERSON: usize = 1;
const SELF: usize = 2;
const SEVERITY: usize = 3;
const HYPOTHETICAL: usize = 4;
const INFO: usize = 5;
const PAST: usize = 6;
const FICTION: usize = 7;
const THIRD_PARTY: usize = 8;
const BOT: usize = 9;
const LAUGHTER: usize = 10;
const NEGATION: usize = 11;
const IDIOM: usize = 12;
const PRESENT: usize = 13;
const OPENER: usize = 14;
const FIGURE: usize = 15;
const N_CUES: usize = 16;

/// Sentences as a bit set (sentence 63 stands for all later ones).
type Sentences = u64;

fn bit(sentence: u16) -> Sentences {
    1 << sentence.min(63)
}

struct SignMatch {
    sign: usize,
    start: u16,
    end: u16,
    kind: Kind,
    weight: f32,
    sentences: Sentences,
    negated: bool,
}

/// Kinds whose words are the ones hyperbole borrows ("killing me", "death of me").
fn idiom_sensitive(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::SelfHarm | Kind::Suicide | Kind::Danger | Kind::Overdose
    )
}

pub(super) fn assess(t: &Triage, message: &str) -> Assessment {
    assess_tokens(t, &tokenise(message)).0
}

/// The assessment, and whether it rests on light signs alone (signs under
/// `support`) with no serious topic mentioned, which the model may then clear.
pub(super) fn assess_tokens(t: &Triage, tokens: &Tokens) -> (Assessment, bool) {
    let toks = &tokens.tokens;
    let mut none = Assessment {
        level: Level::None,
        kind: None,
        score: 0.0,
        why: Vec::new(),
    };
    if toks.is_empty() {
        return (none, false);
    }
    let hits = t.lexicon.find(toks);
    let s = &t.settings;

    // Where each cue occurs, by sentence; years ("in 2019") count as the past.
    // A cue inside a longer cue of another sort does not count ("now" in
    // "I'm fine now"); an opener counts only as a sentence's first word.
    let cue_of = |c: u16| t.cues.iter().position(|&id| id == c);
    let cue_hits: Vec<(usize, &Hit)> = hits
        .iter()
        .filter_map(|h| cue_of(h.concept).map(|i| (i, h)))
        .collect();
    let mut cue_at = [0 as Sentences; N_CUES];
    for &(i, h) in &cue_hits {
        let inside = cue_hits.iter().any(|&(j, o)| {
            j != i && o.start <= h.start && h.end <= o.end && (o.end - o.start) > (h.end - h.start)
        });
        if inside {
            continue;
        }
        let sentence = toks[h.start as usize].sentence;
        if i == OPENER && h.start > 0 && toks[h.start as usize - 1].sentence == sentence {
            continue;
        }
        let i = if i == OPENER { INFO } else { i };
        cue_at[i] |= bit(sentence);
    }
    for tok in toks {
        let b = tok.stem.as_bytes();
        if b.len() == 4
            && b.iter().all(u8::is_ascii_digit)
            && (b.starts_with(b"19") || b.starts_with(b"20"))
        {
            cue_at[PAST] |= bit(tok.sentence);
        }
    }
    // Idioms hide words from every sign; figures of speech ("killing me")
    // only from the kinds whose words they borrow.
    let mut masked = vec![0u8; toks.len()];
    for h in &hits {
        let m = if h.concept == t.cues[IDIOM] {
            2
        } else if h.concept == t.cues[FIGURE] {
            1
        } else {
            continue;
        };
        for x in &mut masked[h.start as usize..h.end as usize] {
            *x = (*x).max(m);
        }
    }
    let masked_for = |h: &Hit, sensitive: bool| {
        masked[h.start as usize..h.end as usize]
            .iter()
            .any(|&m| m == 2 || (m == 1 && sensitive))
    };
    let negations: Vec<&Hit> = hits
        .iter()
        .filter(|h| h.concept == t.cues[NEGATION])
        .collect();
    let self_hits: Vec<&Hit> = hits.iter().filter(|h| h.concept == t.cues[SELF]).collect();

    // Signs.
    let mut matches: Vec<SignMatch> = Vec::new();
    let mut present = vec![false; t.names.len()];
    for h in &hits {
        present[h.concept as usize] = true;
    }
    for (i, sign) in t.signs.iter().enumerate() {
        let Some(first) = sign.slots.first() else {
            continue;
        };
        // Most signs have a slot nothing in the message fills: skip them cheaply.
        if !sign
            .slots
            .iter()
            .all(|slot| slot.iter().any(|&c| present[c as usize]))
        {
            continue;
        }
        let sensitive = idiom_sensitive(sign.kind);
        let usable = |h: &&Hit| !masked_for(h, sensitive);
        for anchor in hits
            .iter()
            .filter(|h| first.contains(&h.concept))
            .filter(usable)
        {
            let mut chosen = vec![*anchor];
            let ok = sign.slots[1..].iter().all(|slot| {
                let found = hits.iter().filter(usable).find(|h| {
                    slot.contains(&h.concept)
                        && !chosen.iter().any(|c| c.start == h.start)
                        && h.start.abs_diff(anchor.start) <= sign.window
                });
                match found {
                    Some(h) => {
                        chosen.push(*h);
                        true
                    }
                    None => false,
                }
            });
            if !ok {
                continue;
            }
            let start = chosen.iter().map(|h| h.start).min().unwrap_or(0);
            let end = chosen.iter().map(|h| h.end).max().unwrap_or(0);
            let sentences = chosen
                .iter()
                .fold(0, |acc, h| acc | bit(toks[h.start as usize].sentence));
            // A negation just before any of the sign's words, in its
            // sentence, negates it: "not slurring", "his face has not dropped".
            let negated = negations.iter().any(|n| {
                let sentence = toks[n.start as usize].sentence;
                chosen.iter().any(|c| {
                    n.end <= c.start
                        && c.start - n.end <= 2
                        && toks[c.start as usize].sentence == sentence
                }) && !chosen.iter().any(|c| c.start < n.end && n.start < c.end)
            });
            matches.push(SignMatch {
                sign: i,
                start,
                end,
                kind: sign.kind,
                weight: sign.weight,
                sentences,
                negated,
            });
            break;
        }
    }

    let mentioned: Vec<Option<Kind>> = hits
        .iter()
        .filter(|h| !masked_for(h, true))
        .filter_map(|h| t.mention_kind.get(h.concept as usize).copied().flatten())
        .collect();

    if matches.is_empty() && mentioned.is_empty() {
        return (none, false);
    }

    let anywhere = |cue: usize| cue_at[cue] != 0;
    let mut best: Option<(f32, Kind, Vec<String>, bool)> = None;
    let mut consider = |score: f32, kind: Kind, why: Vec<String>, light: bool| {
        let better = match &best {
            None => true,
            Some((b, k, _, _)) => {
                score > *b || (score == *b && kind.is_self_harm() && !k.is_self_harm())
            }
        };
        if better {
            best = Some((score, kind, why, light));
        }
    };

    for kind in Kind::ALL {
        let live: Vec<&SignMatch> = matches
            .iter()
            .filter(|m| m.kind == kind && !m.negated)
            .collect();
        if live.is_empty() {
            continue;
        }
        let top = live.iter().map(|m| m.weight).fold(f32::MIN, f32::max);
        // Light signs ("took" + a drug name) alone make a caution the model may clear.
        let light = top < s.support;
        let sentences = live.iter().fold(0, |acc, m| acc | m.sentences);
        let mut why: Vec<String> = live
            .iter()
            .map(|m| format!("sign {}: {} ({:+})", kind, t.signs[m.sign].label, m.weight))
            .collect();
        if kind.is_self_harm() {
            // Fiction or statistics in the sign's own sentence, or anywhere
            // when that sentence has no "I", keep it at a caution; so does a
            // past event, or a hypothetical with no "I" near the sign. A
            // question is no excuse: "what's the point anymore" is urgent.
            let local = |c: usize| cue_at[c] & sentences != 0;
            let near_self = live.iter().any(|m| {
                self_hits
                    .iter()
                    .any(|h| h.end + 4 >= m.start && h.start <= m.end + 4)
            });
            let distant = local(FICTION)
                || local(THIRD_PARTY)
                || ((anywhere(FICTION) || anywhere(THIRD_PARTY)) && !local(SELF))
                || (local(PAST) && !local(NOW))
                || (local(HYPOTHETICAL) && !near_self);
            let mut score = top + s.extra_sign * (live.len().saturating_sub(1)).min(3) as f32;
            if anywhere(SELF) || anywhere(PERSON) {
                score += s.person;
            }
            if anywhere(NOW) {
                score += s.now;
            }
            if anywhere(PRESENT) {
                score += s.present;
            }
            if anywhere(LAUGHTER) {
                score += s.laughter;
            }
            if distant {
                why.push("fiction, news, statistics, a hypothetical or the past: caution".into());
                score = score.min(s.urgent_at - 1.0);
            } else if score >= s.self_harm_at {
                why.push(format!(
                    "self-harm language at {score:.2}: urgent from {}",
                    s.self_harm_at
                ));
                score = score.max(s.urgent_at);
            }
            consider(score, kind, why, false);
            continue;
        }
        let mut score = top + s.extra_sign * (live.len().saturating_sub(1)).min(3) as f32;
        let cue = |name: &str, on: bool, w: f32, score: &mut f32, why: &mut Vec<String>| {
            if on {
                *score += w;
                why.push(format!("{name} {w:+}"));
            }
        };
        let local = |c: usize| cue_at[c] & sentences != 0;
        cue("now", anywhere(NOW), s.now, &mut score, &mut why);
        cue(
            "present",
            anywhere(PRESENT),
            s.present,
            &mut score,
            &mut why,
        );
        cue("person", anywhere(PERSON), s.person, &mut score, &mut why);
        cue(
            "severity",
            anywhere(SEVERITY),
            s.severity,
            &mut score,
            &mut why,
        );
        cue(
            "emphatic",
            tokens.emphatic,
            s.emphatic,
            &mut score,
            &mut why,
        );
        cue(
            "hypothetical",
            local(HYPOTHETICAL),
            s.hypothetical,
            &mut score,
            &mut why,
        );
        cue(
            "info",
            local(INFO) && !local(NOW),
            s.info,
            &mut score,
            &mut why,
        );
        cue(
            "past",
            local(PAST) && !local(NOW),
            s.past,
            &mut score,
            &mut why,
        );
        cue(
            "fiction",
            anywhere(FICTION),
            s.fiction,
            &mut score,
            &mut why,
        );
        cue("bot", anywhere(BOT), s.bot, &mut score, &mut why);
        cue(
            "laughter",
            anywhere(LAUGHTER),
            s.laughter,
            &mut score,
            &mut why,
        );
        if light {
            // Context cannot lift light signs: their weight alone goes on.
            why.push("light signs only".into());
            score = score.min(top);
        }
        consider(score, kind, why, light);
    }
    // Negated signs and mentions are cautions at most.
    for m in matches.iter().filter(|m| m.negated) {
        consider(
            0.0,
            m.kind,
            vec![format!(
                "negated sign {}: {}",
                m.kind, t.signs[m.sign].label
            )],
            false,
        );
    }
    for kind in mentioned.iter().flatten() {
        consider(0.0, *kind, vec![format!("mentions {kind}")], false);
    }

    let Some((score, kind, why, light)) = best else {
        // Only words serious of no one kind ("dangerous", "by mistake").
        none.level = Level::Caution;
        none.why.push("mentions something serious".into());
        return (none, false);
    };
    none.level = if score >= s.urgent_at {
        Level::Urgent
    } else {
        Level::Caution
    };
    none.kind = Some(kind);
    none.score = score;
    none.why = why;
    (none, light && mentioned.is_empty())
}

/// Adds the model's view to the rules' assessment. Self-harm the rules made
/// urgent stays urgent; otherwise the rules' score plus the weighted, clamped
/// log-odds decides between urgent and caution, and with no rule matched the
/// model alone can make a message urgent or a caution.
pub(super) fn combine(s: &Settings, (mut a, light): (Assessment, bool), logit: f32) -> Assessment {
    let z = if logit.is_finite() {
        logit.clamp(-4.0, 4.0)
    } else {
        0.0
    };
    if light && z <= s.model_caution && a.score + s.model_weight * z < s.combined_at {
        a.why.push(format!(
            "model {z:+.2}: light signs and no mention, cleared"
        ));
        a.level = Level::None;
        a.kind = None;
        a.score = z;
        return a;
    }
    if a.level == Level::Urgent && a.kind.is_some_and(Kind::is_self_harm) {
        a.why
            .push(format!("model {z:+.2} (self-harm stays urgent)"));
        return a;
    }
    if a.level == Level::None {
        if z > s.model_urgent {
            a.level = Level::Urgent;
        } else if z > s.model_caution {
            a.level = Level::Caution;
        }
        if a.level != Level::None {
            a.why.push(format!("no rule matched; model {z:+.2}"));
        }
        a.score = z;
        return a;
    }
    let combined = a.score + s.model_weight * z;
    a.why.push(format!(
        "model {z:+.2} × {}: {combined:.2} (urgent from {})",
        s.model_weight, s.combined_at
    ));
    a.level = if combined >= s.combined_at {
        Level::Urgent
    } else {
        Level::Caution
    };
    a.score = combined;
    a
}
