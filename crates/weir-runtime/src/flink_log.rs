//! Flink's own log files, as text: the header of an event in Flink's
//! default log4j layout. The supervisor's log shipper reads the files with
//! it, and [`crate::python_log`] finds a Python application's output in a
//! Job Manager's log with it.

use weir_control::model::LogLevel;

/// One event of a Flink log file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlinkLine {
    /// Milliseconds since the epoch.
    pub timestamp: i64,
    pub level: LogLevel,
    pub logger: String,
    /// The MDC between brackets: Flink puts the job's id there on the lines
    /// that concern one job.
    pub context: String,
    pub message: String,
}

/// Parses the header line of an event in Flink's default log4j layout,
/// `%d{yyyy-MM-dd HH:mm:ss,SSS} %-5p %-60c %x - %m%n`:
/// `2026-11-26 10:41:58,834 INFO  org.apache.flink.Foo [] - message`.
/// The timestamp is the JVM's local time, which is this machine's.
pub fn parse_header(line: &str) -> Option<FlinkLine> {
    let stamp = line.get(..23)?;
    let naive = chrono::NaiveDateTime::parse_from_str(stamp, "%Y-%m-%d %H:%M:%S,%3f").ok()?;
    let timestamp = naive
        .and_local_timezone(chrono::Local)
        .earliest()?
        .timestamp_millis();
    let rest = line.get(23..)?.trim_start();
    let (level, rest) = rest.split_once(char::is_whitespace)?;
    let level = match level {
        "TRACE" | "DEBUG" => LogLevel::Debug,
        "INFO" => LogLevel::Info,
        "WARN" => LogLevel::Warn,
        "ERROR" | "FATAL" => LogLevel::Error,
        _ => return None,
    };
    let rest = rest.trim_start();
    let (logger, rest) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    // The MDC (`[]` or `[job-id]`) and the separator, then the message.
    let (context, message) = rest
        .split_once(" - ")
        .map_or(("", rest.trim()), |(c, m)| (c.trim(), m));
    Some(FlinkLine {
        timestamp,
        level,
        logger: logger.to_string(),
        context: context.trim_matches(|c| c == '[' || c == ']').to_string(),
        message: message.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const JM: &str = "2026-11-26 10:41:58,834 INFO  org.apache.flink.runtime.entrypoint.ClusterEntrypoint        [] -  Starting StandaloneSessionClusterEntrypoint (Version: 1.20.5)";

    #[test]
    fn flink_header_lines_are_parsed() {
        let l = parse_header(JM).unwrap();
        assert_eq!(l.level, LogLevel::Info);
        assert_eq!(
            l.logger,
            "org.apache.flink.runtime.entrypoint.ClusterEntrypoint"
        );
        assert_eq!(
            l.message,
            " Starting StandaloneSessionClusterEntrypoint (Version: 1.20.5)"
        );
        let local = chrono::NaiveDate::from_ymd_opt(2026, 11, 26)
            .unwrap()
            .and_hms_milli_opt(10, 41, 58, 834)
            .unwrap()
            .and_local_timezone(chrono::Local)
            .earliest()
            .unwrap();
        assert_eq!(l.timestamp, local.timestamp_millis());

        let w = parse_header("2026-11-26 10:42:00,419 WARN  org.apache.flink.runtime.security.token.DefaultDelegationTokenManager [] - No tokens obtained").unwrap();
        assert_eq!(w.level, LogLevel::Warn);
        assert_eq!(w.message, "No tokens obtained");
        let e = parse_header("2026-11-26 10:42:00,419 ERROR org.apache.flink.Foo [8f2e] - boom")
            .unwrap();
        assert_eq!((e.level, e.message.as_str()), (LogLevel::Error, "boom"));
        for not in [
            "",
            "Missing resources:",
            "\t at org.apache.flink.Foo.bar(Foo.java:1)",
            "2026-11-26 10:42:00,419 NOTICE org.Foo [] - x",
            "2026-13-26 10:42:00,419 INFO org.Foo [] - x",
        ] {
            assert_eq!(parse_header(not), None, "{not}");
        }
    }
}
