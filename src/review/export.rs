//! Writing review items as CSV or JSON lines.

use std::io::{self, Write};

use super::model::ReviewEntry;

/// The CSV columns, in order.
pub const CSV_COLUMNS: [&str; 16] = [
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
];

/// Writes the header and one CSV record per entry, CRLF-terminated (RFC 4180).
pub(crate) fn write_csv(entries: &[ReviewEntry], out: &mut dyn Write) -> io::Result<()> {
    let mut line = String::new();
    for (index, column) in CSV_COLUMNS.iter().enumerate() {
        if index > 0 {
            line.push(',');
        }
        line.push_str(column);
    }
    line.push_str("\r\n");
    out.write_all(line.as_bytes())?;

    for entry in entries {
        line.clear();
        let optional = |value: &Option<String>| value.clone().unwrap_or_default();
        let cells: [(String, Cell); 16] = [
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
        ];
        for (index, (value, kind)) in cells.iter().enumerate() {
            if index > 0 {
                line.push(',');
            }
            push_csv_cell(&mut line, value, *kind);
        }
        line.push_str("\r\n");
        out.write_all(line.as_bytes())?;
    }
    Ok(())
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

/// Appends one CSV cell: typed text that a spreadsheet would run as a
/// formula gets a leading `'`, and any cell holding a comma, quote, CR or LF
/// is quoted with inner quotes doubled.
///
/// Only typed text is neutralised, so a negative score stays a number.
pub(crate) fn push_csv_cell(line: &mut String, value: &str, kind: Cell) {
    let neutralise = kind == Cell::Typed && value.starts_with(FORMULA_STARTS);
    let quote = value.contains([',', '"', '\r', '\n']);
    if quote {
        line.push('"');
    }
    if neutralise {
        line.push('\'');
    }
    for ch in value.chars() {
        if ch == '"' {
            line.push('"');
        }
        line.push(ch);
    }
    if quote {
        line.push('"');
    }
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
