//! Scoring triage against a question file (`ldnbot eval --triage FILE`).
//!
//! Each line is a JSON object `{"q": "...", "urgent": true|false, "kind": "..."}`,
//! or with `"level": "urgent"|"caution"|"none"` instead of `urgent`. What
//! counts: recall of emergencies (overall and per kind), how many were at least
//! guided (urgent or caution), and false alarms (non-emergencies made urgent).

use std::collections::BTreeMap;
use std::fmt;

use super::{Level, Triage};

/// One labelled message.
#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    pub q: String,
    /// The expected level; `urgent: false` reads as [`Level::None`] (not urgent).
    pub level: Level,
    pub kind: Option<String>,
}

/// A line that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct CaseError {
    pub line: usize,
    pub message: String,
}

/// Reads every non-blank line of a JSON-lines question file.
pub fn parse_cases(text: &str) -> Result<Vec<Case>, CaseError> {
    let mut cases = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let err = |message: String| CaseError {
            line: i + 1,
            message,
        };
        let fields = json::object(line).map_err(|m| err(m.to_string()))?;
        let mut q = None;
        let mut level = None;
        let mut kind = None;
        for (key, value) in fields {
            match (key.as_str(), value) {
                ("q", json::Value::Str(s)) => q = Some(s),
                ("urgent", json::Value::Bool(b)) => {
                    level = Some(if b { Level::Urgent } else { Level::None })
                }
                ("level", json::Value::Str(s)) => {
                    level = Some(match s.as_str() {
                        "urgent" => Level::Urgent,
                        "caution" => Level::Caution,
                        "none" => Level::None,
                        other => return Err(err(format!("unknown level {other:?}"))),
                    })
                }
                ("kind", json::Value::Str(s)) => kind = Some(s),
                _ => {}
            }
        }
        let q = q.ok_or_else(|| err("no \"q\" string".into()))?;
        let level = level.ok_or_else(|| err("no \"urgent\" or \"level\"".into()))?;
        cases.push(Case { q, level, kind });
    }
    Ok(cases)
}

/// One message the triage got wrong.
#[derive(Debug, Clone, PartialEq)]
pub struct Miss {
    pub q: String,
    pub kind: Option<String>,
    pub expected: Level,
    pub got: Level,
}

/// Counts per kind: (emergencies, made urgent, guided).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct KindCount {
    pub total: usize,
    pub urgent: usize,
    pub guided: usize,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct TriageScore {
    pub emergencies: usize,
    /// Emergencies triaged urgent.
    pub urgent: usize,
    /// Emergencies triaged urgent or caution.
    pub guided: usize,
    pub per_kind: BTreeMap<String, KindCount>,
    pub non_emergencies: usize,
    /// Non-emergencies triaged urgent.
    pub false_alarms: usize,
    /// Lines labelled caution, and how many got at least a caution.
    pub cautions: usize,
    pub cautions_guided: usize,
    /// Emergencies not urgent, then false alarms, then cautions given nothing.
    pub misses: Vec<Miss>,
}

impl TriageScore {
    pub fn score(triage: &Triage, cases: &[Case]) -> TriageScore {
        let mut s = TriageScore::default();
        for case in cases {
            let got = triage.assess(&case.q).level;
            let miss = || Miss {
                q: case.q.clone(),
                kind: case.kind.clone(),
                expected: case.level,
                got,
            };
            if case.level == Level::Urgent {
                s.emergencies += 1;
                let k = s
                    .per_kind
                    .entry(case.kind.clone().unwrap_or_else(|| "-".into()))
                    .or_default();
                k.total += 1;
                if got == Level::Urgent {
                    s.urgent += 1;
                    k.urgent += 1;
                } else {
                    s.misses.push(miss());
                }
                if got != Level::None {
                    s.guided += 1;
                    k.guided += 1;
                }
            } else {
                s.non_emergencies += 1;
                if got == Level::Urgent {
                    s.false_alarms += 1;
                    s.misses.push(miss());
                }
                if case.level == Level::Caution {
                    s.cautions += 1;
                    if got != Level::None {
                        s.cautions_guided += 1;
                    } else {
                        s.misses.push(miss());
                    }
                }
            }
        }
        s.misses.sort_by_key(|m| match (m.expected, m.got) {
            (Level::Urgent, _) => 0,
            (_, Level::Urgent) => 1,
            _ => 2,
        });
        s
    }

    /// Share of emergencies made urgent (1.0 when there are none).
    pub fn recall(&self) -> f64 {
        ratio(self.urgent, self.emergencies)
    }

    pub fn false_alarm_rate(&self) -> f64 {
        if self.non_emergencies == 0 {
            0.0
        } else {
            self.false_alarms as f64 / self.non_emergencies as f64
        }
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        1.0
    } else {
        a as f64 / b as f64
    }
}

impl fmt::Display for TriageScore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "emergencies urgent: {}/{} ({:.1}%), guided (urgent or caution): {}/{}",
            self.urgent,
            self.emergencies,
            100.0 * self.recall(),
            self.guided,
            self.emergencies
        )?;
        writeln!(
            f,
            "false alarms (not an emergency, triaged urgent): {}/{} ({:.1}%)",
            self.false_alarms,
            self.non_emergencies,
            100.0 * self.false_alarm_rate()
        )?;
        if self.cautions > 0 {
            writeln!(
                f,
                "cautions given at least a caution: {}/{}",
                self.cautions_guided, self.cautions
            )?;
        }
        for (kind, k) in &self.per_kind {
            writeln!(
                f,
                "  {kind:<14} urgent {:>3}/{:<3} guided {:>3}",
                k.urgent, k.total, k.guided
            )?;
        }
        if !self.misses.is_empty() {
            writeln!(f, "misses:")?;
            for m in &self.misses {
                writeln!(
                    f,
                    "  [{} → {}] ({}) {}",
                    m.expected,
                    m.got,
                    m.kind.as_deref().unwrap_or("-"),
                    m.q
                )?;
            }
        }
        Ok(())
    }
}

/// Just enough JSON to read one flat object per line.
mod json {
    pub enum Value {
        Str(String),
        Bool(bool),
        Other,
    }

    struct P<'a> {
        s: &'a [u8],
        i: usize,
        text: &'a str,
    }

    type R<T> = Result<T, &'static str>;

    impl P<'_> {
        fn ws(&mut self) {
            while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
                self.i += 1;
            }
        }
        fn eat(&mut self, b: u8) -> R<()> {
            self.ws();
            if self.s.get(self.i) == Some(&b) {
                self.i += 1;
                Ok(())
            } else {
                Err("malformed JSON object")
            }
        }
        fn hex4(&mut self) -> R<u32> {
            let h = self.text.get(self.i..self.i + 4).ok_or("bad \\u escape")?;
            self.i += 4;
            u32::from_str_radix(h, 16).map_err(|_| "bad \\u escape")
        }
        fn string(&mut self) -> R<String> {
            self.eat(b'"')?;
            let mut out = String::new();
            loop {
                let start = self.i;
                while self.i < self.s.len() && self.s[self.i] != b'"' && self.s[self.i] != b'\\' {
                    self.i += 1;
                }
                out.push_str(self.text.get(start..self.i).ok_or("bad string")?);
                match self.s.get(self.i) {
                    None => return Err("unterminated string"),
                    Some(b'"') => {
                        self.i += 1;
                        return Ok(out);
                    }
                    Some(_) => {
                        self.i += 1;
                        let c = *self.s.get(self.i).ok_or("bad escape")?;
                        self.i += 1;
                        match c {
                            b'n' => out.push('\n'),
                            b't' => out.push('\t'),
                            b'r' => out.push('\r'),
                            b'b' => out.push('\u{8}'),
                            b'f' => out.push('\u{c}'),
                            b'u' => {
                                let mut cp = self.hex4()?;
                                if (0xD800..0xDC00).contains(&cp)
                                    && self.text.get(self.i..self.i + 2) == Some("\\u")
                                {
                                    self.i += 2;
                                    let lo = self.hex4()?;
                                    cp = 0x10000
                                        + ((cp - 0xD800) << 10)
                                        + (lo.wrapping_sub(0xDC00) & 0x3FF);
                                }
                                out.push(char::from_u32(cp).unwrap_or('\u{FFFD}'));
                            }
                            other => out.push(other as char),
                        }
                    }
                }
            }
        }
        fn value(&mut self, depth: usize) -> R<Value> {
            if depth > 64 {
                return Err("JSON nested too deep");
            }
            self.ws();
            match self.s.get(self.i) {
                Some(b'"') => Ok(Value::Str(self.string()?)),
                Some(b'{') | Some(b'[') => {
                    let close = if self.s[self.i] == b'{' { b'}' } else { b']' };
                    let object = close == b'}';
                    self.i += 1;
                    self.ws();
                    if self.s.get(self.i) == Some(&close) {
                        self.i += 1;
                        return Ok(Value::Other);
                    }
                    loop {
                        if object {
                            self.string()?;
                            self.eat(b':')?;
                        }
                        self.value(depth + 1)?;
                        self.ws();
                        match self.s.get(self.i) {
                            Some(b',') => self.i += 1,
                            Some(c) if *c == close => {
                                self.i += 1;
                                return Ok(Value::Other);
                            }
                            _ => return Err("malformed JSON"),
                        }
                    }
                }
                Some(_) => {
                    let start = self.i;
                    while self.i < self.s.len()
                        && !matches!(self.s[self.i], b',' | b'}' | b']')
                        && !self.s[self.i].is_ascii_whitespace()
                    {
                        self.i += 1;
                    }
                    Ok(match &self.s[start..self.i] {
                        b"true" => Value::Bool(true),
                        b"false" => Value::Bool(false),
                        b"" => return Err("missing value"),
                        _ => Value::Other,
                    })
                }
                None => Err("unexpected end of line"),
            }
        }
    }

    /// The top-level fields of one JSON object.
    pub fn object(text: &str) -> R<Vec<(String, Value)>> {
        let mut p = P {
            s: text.as_bytes(),
            i: 0,
            text,
        };
        p.eat(b'{')?;
        let mut out = Vec::new();
        p.ws();
        if p.s.get(p.i) == Some(&b'}') {
            return Ok(out);
        }
        loop {
            let k = p.string()?;
            p.eat(b':')?;
            let v = p.value(0)?;
            out.push((k, v));
            p.ws();
            match p.s.get(p.i) {
                Some(b',') => p.i += 1,
                Some(b'}') => return Ok(out),
                _ => return Err("malformed JSON object"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_formats() {
        let text = "{\"q\": \"my face is \\\"droopy\\\" \\u00e9\", \"urgent\": true, \"kind\": \"stroke\"}\n\n\
                    {\"q\":\"hello\",\"level\":\"caution\",\"kind\":\"x\",\"tags\":[1,{\"a\":2}]}\n";
        let cases = parse_cases(text).unwrap();
        assert_eq!(cases.len(), 2);
        assert_eq!(cases[0].q, "my face is \"droopy\" é");
        assert_eq!(cases[0].level, Level::Urgent);
        assert_eq!(cases[1].level, Level::Caution);
        assert_eq!(parse_cases("{\"q\": \"x\"}").unwrap_err().line, 1);
        assert!(parse_cases("{\"q\": \"x\", \"urgent\": tru").is_err());
    }

    #[test]
    fn counts_recall_and_false_alarms() {
        let t = Triage::builtin();
        let cases = parse_cases(
            "{\"q\": \"my husband collapsed and won't wake up\", \"urgent\": true, \"kind\": \"collapse\"}\n\
             {\"q\": \"what time of day should I take LDN?\", \"urgent\": false}\n",
        )
        .unwrap();
        let s = TriageScore::score(&t, &cases);
        assert_eq!((s.emergencies, s.urgent, s.false_alarms), (1, 1, 0));
        assert!(s.to_string().contains("1/1"));
    }
}
