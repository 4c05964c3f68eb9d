//! Reading the review database: listings, single items, exports and /stats.

use std::io::{BufWriter, Write};

use rusqlite::{params, OptionalExtension as _, Row};

use super::error::AtPath as _;
use super::{
    export, Counts, ExportFormat, GapCount, QuestionGroup, Reason, ReviewEntry, ReviewError,
    ReviewLog, Stats, Status, StatusFilter, Timestamp, TopQuestion, SECONDS_PER_HOUR,
    TOP_OPEN_QUESTIONS,
};

/// The columns of `review_items` in the order [`entry_from_row`] reads them.
const ENTRY_COLUMNS: &str = "id, asked_at, question, normalised, reason, passage_id, score, \
     source, guild_id, channel_id, user_key, user_id, status, resolved_by, resolved_at, note, gap_id";

impl ReviewLog {
    /// Review items grouped by normalised question and status, most recently
    /// asked first, at most `limit` groups.
    pub fn list(
        &self,
        status: StatusFilter,
        limit: usize,
    ) -> Result<Vec<QuestionGroup>, ReviewError> {
        let path = self.path();
        let connection = self.connection();
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let status_name = status.status().map(Status::as_str);
        let mut groups_query = connection
            .prepare_cached(
                "SELECT normalised, status, COUNT(*), MIN(asked_at), MAX(asked_at) AS last_asked, \
                 MAX(id) AS newest_id \
                 FROM review_items WHERE ?1 IS NULL OR status = ?1 \
                 GROUP BY normalised, status \
                 ORDER BY last_asked DESC, newest_id DESC LIMIT ?2",
            )
            .at(path)?;
        let summaries = groups_query
            .query_map(params![status_name, limit], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, Status>(1)?,
                    row.get::<_, u64>(2)?,
                    row.get::<_, i64>(3)?,
                ))
            })
            .at(path)?
            .collect::<Result<Vec<_>, _>>()
            .at(path)?;

        let mut members_query = connection
            .prepare_cached(&format!(
                "SELECT {ENTRY_COLUMNS} FROM review_items WHERE normalised = ?1 AND status = ?2 \
                 ORDER BY asked_at DESC, id DESC"
            ))
            .at(path)?;
        let mut groups = Vec::with_capacity(summaries.len());
        for (normalised, status, count, first_asked) in summaries {
            let members = members_query
                .query_map(params![normalised, status.as_str()], entry_from_row)
                .at(path)?
                .collect::<Result<Vec<_>, _>>()
                .at(path)?;
            let Some(latest) = members.first() else {
                continue;
            };
            groups.push(QuestionGroup {
                id: latest.id,
                ids: members.iter().map(|member| member.id).collect(),
                asked_at: latest.asked_at,
                first_asked_at: Timestamp(first_asked),
                question: latest.question.clone(),
                normalised,
                reason: latest.reason,
                status,
                count,
                passage_id: latest.passage_id.clone(),
                score: latest.score,
                note: latest.note.clone(),
                gap: latest.gap.clone(),
            });
        }
        Ok(groups)
    }

    /// One review item by id.
    pub fn entry(&self, id: i64) -> Result<Option<ReviewEntry>, ReviewError> {
        let path = self.path();
        let connection = self.connection();
        connection
            .query_row(
                &format!("SELECT {ENTRY_COLUMNS} FROM review_items WHERE id = ?1"),
                [id],
                entry_from_row,
            )
            .optional()
            .at(path)
    }

    /// Writes every item matching `status` to `out`, oldest first, one row
    /// or line per item, and returns how many were written.
    ///
    /// The items are read first and the database released before writing,
    /// so a slow reader on the other end never holds up the bot.
    pub fn export(
        &self,
        status: StatusFilter,
        format: ExportFormat,
        out: &mut dyn Write,
    ) -> Result<usize, ReviewError> {
        let entries = self.entries(status)?;
        let mut buffered = BufWriter::new(out);
        let written = match format {
            ExportFormat::Csv => export::write_csv(&entries, &mut buffered),
            ExportFormat::Jsonl => export::write_jsonl(&entries, &mut buffered),
        }
        .and_then(|()| buffered.flush());
        written.map_err(|source| ReviewError::Export {
            path: self.path().to_path_buf(),
            source,
        })?;
        Ok(entries.len())
    }

    /// Every item matching `status`, oldest first.
    pub fn entries(&self, status: StatusFilter) -> Result<Vec<ReviewEntry>, ReviewError> {
        let path = self.path();
        let connection = self.connection();
        let mut query = connection
            .prepare_cached(&format!(
                "SELECT {ENTRY_COLUMNS} FROM review_items WHERE ?1 IS NULL OR status = ?1 \
                 ORDER BY asked_at, id"
            ))
            .at(path)?;
        let entries = query
            .query_map([status.status().map(Status::as_str)], entry_from_row)
            .at(path)?
            .collect::<Result<Vec<_>, _>>()
            .at(path)?;
        Ok(entries)
    }

    /// Event counts over the last 24 hours, 7 days and all time (in whole
    /// UTC hours, ending with the hour holding `now_unix`), and the open
    /// questions asked most often.
    pub fn stats(&self, now_unix: i64) -> Result<Stats, ReviewError> {
        let path = self.path();
        let connection = self.connection();
        let current_hour = now_unix.div_euclid(SECONDS_PER_HOUR);
        let counts_since = |first_hour: i64| -> Result<Counts, ReviewError> {
            let mut query = connection
                .prepare_cached(
                    "SELECT kind, SUM(n) FROM event_counts WHERE hour BETWEEN ?1 AND ?2 \
                     GROUP BY kind",
                )
                .at(path)?;
            let rows = query
                .query_map([first_hour, current_hour], |row| {
                    Ok((row.get::<_, String>(0)?, row.get::<_, u64>(1)?))
                })
                .at(path)?;
            let mut counts = Counts::default();
            for row in rows {
                let (kind, n) = row.at(path)?;
                // Kinds from a newer build are skipped, not an error.
                if let Ok(reason) = kind.parse::<Reason>() {
                    counts.add(reason, n);
                }
            }
            Ok(counts)
        };
        let last_24h = counts_since(current_hour - 23)?;
        let last_7d = counts_since(current_hour - (7 * 24 - 1))?;
        let all_time = counts_since(i64::MIN)?;

        let mut top_query = connection
            .prepare_cached(
                "SELECT normalised, COUNT(*) AS asked, MAX(asked_at) AS last_asked, \
                 (SELECT question FROM review_items AS latest \
                  WHERE latest.normalised = grouped.normalised AND latest.status = 'open' \
                  ORDER BY asked_at DESC, id DESC LIMIT 1), \
                 (SELECT id FROM review_items AS latest \
                  WHERE latest.normalised = grouped.normalised AND latest.status = 'open' \
                  ORDER BY asked_at DESC, id DESC LIMIT 1) \
                 FROM review_items AS grouped WHERE status = 'open' \
                 GROUP BY normalised ORDER BY asked DESC, last_asked DESC LIMIT ?1",
            )
            .at(path)?;
        let top_open = top_query
            .query_map([TOP_OPEN_QUESTIONS as i64], |row| {
                Ok(TopQuestion {
                    normalised: row.get(0)?,
                    count: row.get(1)?,
                    last_asked_at: Timestamp(row.get(2)?),
                    question: row.get(3)?,
                    id: row.get(4)?,
                })
            })
            .at(path)?
            .collect::<Result<Vec<_>, _>>()
            .at(path)?;

        let mut gaps_query = connection
            .prepare_cached(
                "SELECT gap_id, COUNT(*) AS open FROM review_items \
                 WHERE status = 'open' AND gap_id IS NOT NULL \
                 GROUP BY gap_id ORDER BY open DESC, gap_id",
            )
            .at(path)?;
        let gaps = gaps_query
            .query_map([], |row| {
                Ok(GapCount {
                    gap: row.get(0)?,
                    open: row.get(1)?,
                })
            })
            .at(path)?
            .collect::<Result<Vec<_>, _>>()
            .at(path)?;

        Ok(Stats {
            last_24h,
            last_7d,
            all_time,
            top_open,
            gaps,
        })
    }
}

fn entry_from_row(row: &Row<'_>) -> rusqlite::Result<ReviewEntry> {
    Ok(ReviewEntry {
        id: row.get(0)?,
        asked_at: Timestamp(row.get(1)?),
        question: row.get(2)?,
        normalised: row.get(3)?,
        reason: row.get(4)?,
        passage_id: row.get(5)?,
        // Stored from an f32, so narrowing gives back the value recorded
        // (and prints as 0.42 rather than 0.41999998688697815).
        score: row.get::<_, Option<f64>>(6)?.map(|score| score as f32),
        source: row.get(7)?,
        guild_id: row.get(8)?,
        channel_id: row.get(9)?,
        user_key: row.get(10)?,
        user_id: row.get(11)?,
        status: row.get(12)?,
        resolved_by: row.get(13)?,
        resolved_at: row.get::<_, Option<i64>>(14)?.map(Timestamp),
        note: row.get(15)?,
        gap: row.get(16)?,
    })
}
