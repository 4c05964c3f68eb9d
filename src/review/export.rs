//! Writing review items as CSV or JSON lines.

use std::borrow::Cow;
use std::io::{self, Write};

use super::model::ReviewEntry;

/// The CSV columns, in order.
pub const CSV_COLUMNS: [&str; 17] = [
    "id",
    "asked_at",
    "question",
    "normalised",
    "reason",
    "passage_id",
    "score",
    "source",
    "guild_id",
    "channel_id",
    "user_key",
    "user_id",
    "status",
    "resolved_by",
    "resolved_at",
    "note",
    "gap",
];

/// Writes the header and one CSV record per entry, CRLF-terminated (RFC 4180).
pub(crate) fn write_csv(entries: &[ReviewEntry], out: &mut dyn Write) -> io::Result<()> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(out);
    writer.write_record(CSV_COLUMNS)?;
    for entry in entries {
        let optional = |value: &Option<String>| value.clone().unwrap_or_default();
        let cells: [(String, Cell); CSV_COLUMNS.len()] = [
            (entry.id.to_string(), Cell::Ours),
            (entry.asked_at.to_string(), Cell::Ours),
            (entry.question.clone(), Cell::Typed),
            (entry.normalised.clone(), Cell::Typed),
            (entry.reason.to_string(), Cell::Ours),
            (optional(&entry.passage_id), Cell::Typed),
            (
                entry
                    .score
                    .map(|score| score.to_string())
                    .unwrap_or_default(),
                Cell::Ours,
            ),
            (entry.source.to_string(), Cell::Ours),
            (optional(&entry.guild_id), Cell::Ours),
            (optional(&entry.channel_id), Cell::Ours),
            (optional(&entry.user_key), Cell::Ours),
            (optional(&entry.user_id), Cell::Ours),
            (entry.status.to_string(), Cell::Ours),
            (optional(&entry.resolved_by), Cell::Typed),
            (
                entry
                    .resolved_at
                    .map(|at| at.to_string())
                    .unwrap_or_default(),
                Cell::Ours,
            ),
            (optional(&entry.note), Cell::Typed),
            (optional(&entry.gap), Cell::Ours),
        ];
        let guarded: Vec<Cow<'_, str>> = cells
            .iter()
            .map(|(value, kind)| guard_formula(value, *kind))
            .collect();
        writer.write_record(guarded.iter().map(|cell| cell.as_bytes()))?;
    }
    writer.flush()
}

/// Where a cell's text comes from, which decides whether it could be a
/// spreadsheet formula planted by someone.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cell {
    /// Numbers, names and timestamps that ldnbot itself wrote.
    Ours,
    /// Text a member or moderator typed.
    Typed,
}

/// Characters that make a spreadsheet treat a cell as a formula (OWASP's
/// list for CSV injection).
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Typed text that a spreadsheet would run as a formula, with a leading `'`
/// so it shows as text; the csv writer then does the quoting.
///
/// Leading whitespace does not hide a formula: some spreadsheets trim it
/// before deciding, so `  =1+1` is guarded too. Only typed text is
/// neutralised, so a negative score stays a number.
///
/// Neither do characters that show nothing: control characters, zero-width
/// spaces and joiners, the word joiner, a byte order mark, a soft hyphen.
pub(crate) fn guard_formula(value: &str, kind: Cell) -> Cow<'_, str> {
    let shown =
        value.trim_start_matches(|c: char| c.is_whitespace() || c.is_control() || invisible(c));
    let formula = value.starts_with(FORMULA_STARTS) || shown.starts_with(['=', '+', '-', '@']);
    if kind == Cell::Typed && formula {
        Cow::Owned(format!("'{value}"))
    } else {
        Cow::Borrowed(value)
    }
}

/// Characters that take no room on screen.
fn invisible(c: char) -> bool {
    matches!(c, '\u{00AD}' | '\u{200B}'..='\u{200F}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}')
}

/// Writes one JSON object per entry, each on its own line. JSON escapes
/// newlines inside strings, so a line is always exactly one entry.
pub(crate) fn write_jsonl(entries: &[ReviewEntry], out: &mut dyn Write) -> io::Result<()> {
    for entry in entries {
        serde_json::to_writer(&mut *out, entry)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}
