//! `weir logs APP [--follow] [--since AGE] [--filter PATTERN]`:
//! FilterLogEvents over the application's log group
//! (`/aws/kinesis-analytics/<App>`, as the service names it). `--follow`
//! asks again every `--interval` from a little before the newest event seen,
//! printing only events whose `eventId` it has not printed: events that
//! arrive late with an older timestamp (Weir records job status changes
//! with the time Flink gives them) still show once.

use std::collections::HashMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sdk_cloudwatchlogs::types::FilteredLogEvent;
use serde_json::Value;

use super::output::{self, print_json, print_json_line, print_str};
use super::session::{all_pages, Capture, Session};
use super::{Exit, Failure, LogsArgs};

/// The application's log group, as the service names it.
pub fn group_of(app: &str) -> String {
    format!("/aws/kinesis-analytics/{app}")
}

/// How far before the newest event a follow-up look starts.
const LOOKBACK_MS: i64 = 60_000;

pub async fn run(s: &Session, args: &LogsArgs) -> Result<(), Failure> {
    let group = group_of(&args.name);
    let since = args
        .since
        .as_deref()
        .map(|text| parse_since(text, now_ms()))
        .transpose()?;
    let interval = Duration::from_secs_f64(args.interval.clamp(0.1, 3600.0));

    // eventId → timestamp of what was printed, as far back as a look goes.
    let mut printed: HashMap<String, i64> = HashMap::new();
    let mut newest: Option<i64> = None;
    let mut all_raw = Vec::new();
    loop {
        let start = match newest {
            Some(t) => Some(since.map_or(t - LOOKBACK_MS, |s| s.max(t - LOOKBACK_MS))),
            None => since,
        };
        let (events, raw) = match fetch(s, &group, start, args.filter.as_deref()).await {
            Ok(found) => found,
            // No group yet: the application has not logged anything (or
            // does not exist, which DescribeApplication tells).
            Err(f) if f.exit == Exit::NotFound => {
                super::wait::describe(s, &args.name).await?;
                (Vec::new(), Vec::new())
            }
            Err(f) => return Err(f),
        };
        for (event, raw) in events.iter().zip(raw) {
            let id = event.event_id().unwrap_or_default().to_string();
            let t = event.timestamp().unwrap_or_default();
            if !id.is_empty() && printed.insert(id, t).is_some() {
                continue;
            }
            newest = Some(newest.map_or(t, |n| n.max(t)));
            if s.json() {
                if args.follow {
                    print_json_line(&raw);
                } else {
                    all_raw.push(raw);
                }
            } else {
                print_str(&render(event));
            }
        }
        if !args.follow {
            if s.json() {
                print_json(&serde_json::json!({ "events": all_raw }));
            }
            return Ok(());
        }
        // Forget what the next look no longer reaches.
        if let Some(newest) = newest {
            printed.retain(|_, t| *t >= newest - LOOKBACK_MS);
        }
        tokio::time::sleep(interval).await;
    }
}

/// Every page of FilterLogEvents from `start`, typed and raw.
async fn fetch(
    s: &Session,
    group: &str,
    start: Option<i64>,
    filter: Option<&str>,
) -> Result<(Vec<FilteredLogEvent>, Vec<Value>), Failure> {
    let (raw, events) = all_pages(|token| async move {
        let capture = Capture::default();
        let page = s
            .logs
            .filter_log_events()
            .log_group_name(group)
            .set_start_time(start)
            .set_filter_pattern(filter.map(str::to_string))
            .set_next_token(token.clone())
            .customize()
            .interceptor(capture.clone())
            .send()
            .await
            .map_err(|e| s.fail(e))?;
        let page_raw = capture.items("events");
        let page_events = page.events().to_vec();
        // Keep the two in step even if the server's JSON were odd.
        let raw = (0..page_events.len())
            .map(|i| page_raw.get(i).cloned().unwrap_or(Value::Null))
            .collect();
        // A token given back as it was sent ends the walk too.
        let next = page
            .next_token()
            .map(str::to_string)
            .filter(|n| token.as_ref() != Some(n));
        Ok((raw, page_events, next))
    })
    .await?;
    Ok((events, raw))
}

/// `2026-01-31T12:00:00.123Z INFO  message` — the event's JSON record
/// reduced to its type and message (the whole text if it is not a record).
pub fn render(event: &FilteredLogEvent) -> String {
    let time = event
        .timestamp()
        .map_or_else(|| "-".to_string(), output::epoch_ms_precise);
    let message = event.message().unwrap_or_default();
    let (level, text) = match serde_json::from_str::<Value>(message) {
        Ok(record) => match record.get("message").and_then(Value::as_str) {
            Some(m) => (
                record
                    .get("messageType")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
                m.to_string(),
            ),
            None => (String::new(), message.to_string()),
        },
        Err(_) => (String::new(), message.to_string()),
    };
    let mut out = String::new();
    for (i, line) in text.trim_end().lines().enumerate() {
        if i == 0 {
            out.push_str(&format!("{time} {level:<5} {line}\n"));
        } else {
            out.push_str(&format!("    {line}\n"));
        }
    }
    if out.is_empty() {
        out = format!("{time} {level}\n");
    }
    out
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// `--since`: `30s`, `10m`, `2h`, `1d` back from `now_ms`, or an RFC 3339 time.
pub fn parse_since(text: &str, now_ms: i64) -> Result<i64, Failure> {
    let text = text.trim();
    let unit = text.chars().last().unwrap_or(' ');
    let factor = match unit {
        's' => Some(1_000),
        'm' => Some(60_000),
        'h' => Some(3_600_000),
        'd' => Some(86_400_000),
        _ => None,
    };
    if let Some(factor) = factor {
        if let Ok(n) = text[..text.len() - 1].parse::<i64>() {
            if n >= 0 {
                return Ok(now_ms - n.saturating_mul(factor));
            }
        }
    }
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.timestamp_millis())
        .map_err(|_| {
            Failure::usage(format!(
                "--since takes an age (30s, 10m, 2h, 1d) or an RFC 3339 time, not {text:?}"
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_takes_ages_and_times() {
        let now = 10_000_000;
        assert_eq!(parse_since("30s", now).unwrap(), now - 30_000);
        assert_eq!(parse_since("10m", now).unwrap(), now - 600_000);
        assert_eq!(parse_since("2h", now).unwrap(), now - 7_200_000);
        assert_eq!(parse_since("1d", now).unwrap(), now - 86_400_000);
        assert_eq!(parse_since("1970-01-01T00:00:01Z", now).unwrap(), 1_000);
        assert!(parse_since("soon", now).is_err());
        assert!(parse_since("-5m", now).is_err());
    }

    #[test]
    fn records_print_as_time_type_and_message() {
        let event = FilteredLogEvent::builder()
            .timestamp(1_500)
            .message(r#"{"message":"Job a (x) switched from state CREATED to RUNNING.","messageType":"INFO"}"#)
            .build();
        assert_eq!(
            render(&event),
            "1970-01-01T00:00:01.500Z INFO  Job a (x) switched from state CREATED to RUNNING.\n"
        );
        let plain = FilteredLogEvent::builder()
            .timestamp(0)
            .message("line one\nline two")
            .build();
        assert_eq!(
            render(&plain),
            "1970-01-01T00:00:00.000Z       line one\n    line two\n"
        );
    }
}
