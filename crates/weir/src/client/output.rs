//! What the client prints: aligned tables and `key: value` blocks for
//! people, JSON for scripts, and the formatting of times, durations, sizes
//! and rates they share. Everything here writes to stdout; progress and
//! errors go to stderr elsewhere.

use std::io::Write;

use aws_sdk_kinesisanalyticsv2::primitives::DateTime;
use serde_json::Value;

/// Columns separated by two spaces, each as wide as its widest cell.
pub struct Table {
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
    /// Columns whose cells are right-aligned (numbers).
    right: Vec<bool>,
}

impl Table {
    /// Headers ending in `>` are right-aligned (the `>` is not shown).
    pub fn new(headers: &[&str]) -> Table {
        Table {
            headers: headers
                .iter()
                .map(|h| h.trim_end_matches('>').to_string())
                .collect(),
            right: headers.iter().map(|h| h.ends_with('>')).collect(),
            rows: Vec::new(),
        }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub fn render(&self) -> String {
        let n = self.headers.len();
        let mut widths: Vec<usize> = self.headers.iter().map(|h| width(h)).collect();
        for row in &self.rows {
            for (i, cell) in row.iter().enumerate().take(n) {
                widths[i] = widths[i].max(width(cell));
            }
        }
        let mut out = String::new();
        for row in std::iter::once(&self.headers).chain(&self.rows) {
            let mut line = String::new();
            for (i, w) in widths.iter().enumerate() {
                let cell = row.get(i).map(String::as_str).unwrap_or("");
                let pad = w - width(cell);
                if i > 0 {
                    line.push_str("  ");
                }
                if self.right[i] {
                    line.extend(std::iter::repeat_n(' ', pad));
                    line.push_str(cell);
                } else {
                    line.push_str(cell);
                    if i + 1 < n {
                        line.extend(std::iter::repeat_n(' ', pad));
                    }
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }

    pub fn print(&self) {
        print_str(&self.render());
    }
}

fn width(s: &str) -> usize {
    s.chars().count()
}

/// `Key:  value` lines with the values aligned.
pub fn fields(pairs: &[(&str, String)]) -> String {
    let w = pairs.iter().map(|(k, _)| width(k)).max().unwrap_or(0) + 1;
    let mut out = String::new();
    for (k, v) in pairs {
        let label = format!("{k}:");
        out.push_str(&format!("{label:<w$}  {v}\n", w = w));
    }
    out
}

/// Writes to stdout; a closed pipe (`weir … | head`) ends the process quietly.
pub fn print_str(text: &str) {
    let mut out = std::io::stdout().lock();
    if out
        .write_all(text.as_bytes())
        .and_then(|_| out.flush())
        .is_err()
    {
        std::process::exit(0);
    }
}

/// Pretty JSON and a newline.
pub fn print_json(value: &Value) {
    let text = serde_json::to_string_pretty(value).expect("JSON values serialize");
    print_str(&format!("{text}\n"));
}

/// One JSON document per line (for streams: `logs --follow`, `top`).
pub fn print_json_line(value: &Value) {
    let text = serde_json::to_string(value).expect("JSON values serialize");
    print_str(&format!("{text}\n"));
}

/// `2026-01-31 23:59:59Z`
pub fn time(t: Option<&DateTime>) -> String {
    match t {
        Some(t) => epoch_ms(t.secs() * 1000 + i64::from(t.subsec_nanos() / 1_000_000)),
        None => "-".into(),
    }
}

/// Milliseconds since the epoch as `2026-01-31 23:59:59Z`.
pub fn epoch_ms(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%d %H:%M:%SZ").to_string())
        .unwrap_or_else(|| ms.to_string())
}

/// Milliseconds since the epoch as `2026-01-31T23:59:59.123Z` (log lines).
pub fn epoch_ms_precise(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
        .unwrap_or_else(|| ms.to_string())
}

/// `45s`, `3m 05s`, `2h 03m`, `4d 02h`.
pub fn duration_secs(secs: u64) -> String {
    match secs {
        s if s < 60 => format!("{s}s"),
        s if s < 3600 => format!("{}m {:02}s", s / 60, s % 60),
        s if s < 86_400 => format!("{}h {:02}m", s / 3600, s % 3600 / 60),
        s => format!("{}d {:02}h", s / 86_400, s % 86_400 / 3600),
    }
}

/// `512 B`, `12.3 KiB`, `1.5 GiB`.
pub fn bytes(n: f64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = n;
    let mut unit = 0;
    while value.abs() >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{value:.0} {}", UNITS[0])
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// A number with at most one decimal (`12`, `12.5`, `1234.5`).
pub fn number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{n:.0}")
    } else {
        format!("{n:.1}")
    }
}

/// A JSON member that may be missing or null, formatted, or `-`.
pub fn opt<T>(value: Option<T>, f: impl FnOnce(T) -> String) -> String {
    value.map(f).unwrap_or_else(|| "-".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_columns_and_numbers() {
        let mut t = Table::new(&["NAME", "COUNT>", "NOTE"]);
        t.row(vec!["a".into(), "1".into(), "x".into()]);
        t.row(vec!["long-name".into(), "1234".into(), String::new()]);
        assert_eq!(
            t.render(),
            "NAME       COUNT  NOTE\na              1  x\nlong-name   1234\n"
        );
    }

    #[test]
    fn sizes_durations_and_times_read_well() {
        assert_eq!(bytes(512.0), "512 B");
        assert_eq!(bytes(1536.0), "1.5 KiB");
        assert_eq!(bytes(3.0 * 1024.0 * 1024.0 * 1024.0), "3.0 GiB");
        assert_eq!(duration_secs(45), "45s");
        assert_eq!(duration_secs(185), "3m 05s");
        assert_eq!(duration_secs(7380), "2h 03m");
        assert_eq!(duration_secs(180_000), "2d 02h");
        assert_eq!(epoch_ms(0), "1970-01-01 00:00:00Z");
        assert_eq!(epoch_ms_precise(1_500), "1970-01-01T00:00:01.500Z");
        assert_eq!(number(12.0), "12");
        assert_eq!(number(12.25), "12.2");
        assert_eq!(
            fields(&[("Name", "a".into()), ("Status", "READY".into())]),
            "Name:    a\nStatus:  READY\n"
        );
    }
}
