//! The review log as plain text for moderators, shared by `/unanswered`,
//! `/stats` and the command line.

use std::fmt::Write as _;

use super::{single_line, QuestionGroup, Stats};

/// How many ids of a group the text listing shows before "and N more".
const IDS_SHOWN: usize = 10;

/// Question groups as plain text for moderators, one block per group:
///
/// ```text
/// #42 · asked 3× · last 2024-05-01T10:00:00Z · no_match · open · ids 42, 17, 9
///     what dose of ldn should i take?
/// #40 · asked 1× · last 2024-05-01T09:00:00Z · known_gap · open · ids 40 · gap pregnancy
///     is ldn safe in pregnancy?
/// ```
///
/// Typed text is put on one line with control characters removed, so a
/// question cannot forge entries or send escape codes to a terminal.
pub fn render_groups_text(groups: &[QuestionGroup]) -> String {
    if groups.is_empty() {
        return "No questions to review.\n".to_string();
    }
    let mut text = String::new();
    for group in groups {
        let mut ids = group
            .ids
            .iter()
            .take(IDS_SHOWN)
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        if group.ids.len() > IDS_SHOWN {
            let _ = write!(ids, " and {} more", group.ids.len() - IDS_SHOWN);
        }
        let _ = writeln!(
            text,
            "#{} · asked {}× · last {} · {} · {} · ids {}",
            group.id, group.count, group.asked_at, group.reason, group.status, ids
        );
        if let Some(gap) = &group.gap {
            // The line break `writeln!` added goes after the gap instead.
            text.pop();
            let _ = writeln!(text, " · gap {}", single_line(gap));
        }
        let _ = writeln!(text, "    {}", single_line(&group.question));
        if let Some(note) = &group.note {
            let _ = writeln!(text, "    note: {}", single_line(note));
        }
    }
    text
}

/// Stats as plain text for moderators.
pub fn render_stats_text(stats: &Stats) -> String {
    let mut text = String::new();
    let _ = writeln!(
        text,
        "{:<10} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}",
        "", "answered", "abstained", "unhelpful", "helpful", "urgent", "known gap"
    );
    for (label, counts) in [
        ("24 hours", &stats.last_24h),
        ("7 days", &stats.last_7d),
        ("all time", &stats.all_time),
    ] {
        let _ = writeln!(
            text,
            "{:<10} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}",
            label,
            counts.answered,
            counts.abstained,
            counts.unhelpful,
            counts.helpful,
            counts.urgent,
            counts.known_gap
        );
    }
    if stats.top_open.is_empty() {
        text.push_str("\nNo open questions.\n");
    } else {
        text.push_str("\nTop open questions:\n");
        for top in &stats.top_open {
            let _ = writeln!(
                text,
                "  {}× #{} {}",
                top.count,
                top.id,
                single_line(&top.question)
            );
        }
    }
    if !stats.gaps.is_empty() {
        text.push_str("\nOpen questions per known gap:\n");
        for gap in &stats.gaps {
            let _ = writeln!(text, "  {}× {}", gap.open, single_line(&gap.gap));
        }
    }
    text
}
