//! Small text and time helpers for the review log: normalising questions so
//! rephrasings group together, capping stored text, making user text safe to
//! print, and rendering UTC timestamps.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Serialize, Serializer};

pub use crate::strings::{normalise_question, single_line};

/// The current time as unix seconds (UTC).
///
/// A clock set before 1970 yields 0 rather than an error: the review log only
/// needs the time for ordering and retention, and refusing to record a
/// question because of a broken clock would lose it.
pub fn now_unix() -> i64 {
    match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(elapsed) => i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX),
        Err(_) => 0,
    }
}

/// A point in time stored as unix seconds (UTC), shown and serialised as
/// RFC 3339 (`YYYY-MM-DDTHH:MM:SSZ`) because that is what people and
/// spreadsheets read; `.0` gives the raw seconds for arithmetic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_rfc3339(self.0))
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// Renders unix seconds as RFC 3339 in UTC, e.g. `2024-02-29T13:05:09Z`.
///
/// A value too far from today for a calendar date (hundreds of thousands of
/// years) is shown as its raw seconds rather than refused, so a corrupt row
/// still lists.
pub fn format_rfc3339(unix_seconds: i64) -> String {
    match DateTime::<Utc>::from_timestamp(unix_seconds, 0) {
        Some(at) => at.to_rfc3339_opts(SecondsFormat::Secs, true),
        None => unix_seconds.to_string(),
    }
}

/// Lowercase hexadecimal, two digits per byte.
pub(crate) fn hex_encode(bytes: &[u8]) -> String {
    use fmt::Write as _;
    let mut hex = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        // Writing to a String cannot fail.
        let _ = write!(hex, "{byte:02x}");
    }
    hex
}

/// Decodes hexadecimal text (either case); `None` if any character is not a
/// hex digit or the length is odd.
pub(crate) fn hex_decode(text: &str) -> Option<Vec<u8>> {
    let digits = text.as_bytes();
    if !digits.len().is_multiple_of(2) {
        return None;
    }
    digits
        .chunks(2)
        .map(|pair| {
            let high = (pair[0] as char).to_digit(16)?;
            let low = (pair[1] as char).to_digit(16)?;
            u8::try_from(high * 16 + low).ok()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_known_dates() {
        assert_eq!(format_rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(format_rfc3339(1_709_211_909), "2024-02-29T13:05:09Z");
        assert_eq!(format_rfc3339(-1), "1969-12-31T23:59:59Z");
        assert_eq!(format_rfc3339(4_102_444_800), "2100-01-01T00:00:00Z");
        assert_eq!(format_rfc3339(i64::MAX), i64::MAX.to_string());
    }

    #[test]
    fn hex_round_trip() {
        let bytes = [0u8, 1, 0xab, 0xff];
        assert_eq!(hex_encode(&bytes), "0001abff");
        assert_eq!(hex_decode("0001ABff"), Some(bytes.to_vec()));
        assert_eq!(hex_decode("0g"), None);
        assert_eq!(hex_decode("abc"), None);
    }
}
