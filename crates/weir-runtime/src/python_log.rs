//! A Python application's output, as its Job Manager logs it.
//!
//! A PyFlink application's `main()` runs in a Python process that Flink's
//! `PythonDriver` starts inside the Job Manager. The driver logs every line
//! that process prints (stdout and stderr, merged) as one log4j event at
//! INFO under [`PYTHON_DRIVER_LOGGER`], between its own "Python Process
//! Started" and "Python Process Exited" lines. A Python traceback therefore
//! arrives as dozens of separate events, interleaved with other loggers'.
//!
//! This module puts them back together: [`PythonGrouper`] turns the
//! driver's lines, one at a time, into [`PythonOutput`] items (an ordinary
//! line, or a whole traceback with its exception line), holding a traceback
//! while its next line may still belong to it; [`last_python_error`] reads a
//! whole Job Manager log for the traceback that ended a submission. Pure: no
//! IO, the caller brings the text.

use weir_control::model::LogLevel;

use crate::flink_log::{parse_header, FlinkLine};

/// The logger of Flink's `PythonDriver`, under which the Python process's
/// output is logged.
pub const PYTHON_DRIVER_LOGGER: &str = "org.apache.flink.client.python.PythonDriver";

/// A traceback's text is kept up to this size (a py4j error carries the
/// whole Java stack, which can run to thousands of frames); the exception
/// line is kept apart and added at the end of a cut text.
pub const MAX_TRACEBACK_BYTES: usize = 32 * 1024;

/// What starts a traceback (and each part of a chained one).
const TRACEBACK_HEADER: &str = "Traceback (most recent call last):";

/// The lines between the parts of a chained exception.
const CHAIN_SEPARATORS: [&str; 2] = [
    "During handling of the above exception, another exception occurred:",
    "The above exception was the direct cause of the following exception:",
];

/// One item of a Python process's output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PythonOutput {
    /// A line that is not part of a traceback.
    Line(String),
    /// A whole traceback, its lines joined by `\n`: from its first line
    /// through the exception line and what belongs to it (the rest of a
    /// multi-line message, a Java stack carried by a py4j error), every part
    /// of a chained exception included.
    Traceback {
        text: String,
        /// The final exception line (`ValueError: boom`); empty when the
        /// traceback was cut before it (the process ended mid-way).
        exception: String,
    },
}

/// Whether an event of a Job Manager's log is a line of the Python
/// process's output (rather than the driver's own words, such as its
/// ERROR "Run python process failed" with a Java stack trace).
pub fn is_python_output(event: &FlinkLine) -> bool {
    event.logger == PYTHON_DRIVER_LOGGER && event.level == LogLevel::Info
}

/// The driver's own "Python Process Started/Exited" lines: nothing of one
/// run's traceback goes on past them.
fn is_marker(line: &str) -> bool {
    let line = line.trim();
    line.starts_with("---") && line.ends_with("---") && line.contains("Python Process")
}

fn is_blank(line: &str) -> bool {
    line.trim().is_empty()
}

/// A traceback's frames, a Java stack's `\tat` lines, the lines under an
/// exception group: anything that goes on what came before.
fn is_indented(line: &str) -> bool {
    line.starts_with([' ', '\t']) && !is_blank(line)
}

/// Where a traceback starts: its header, or the location line of a
/// `SyntaxError` in the main program, which Python prints with no header
/// (`  File "main.py", line 3`, no `, in function` as a frame has).
fn starts_traceback(line: &str) -> bool {
    let line = line.trim_end();
    if line == TRACEBACK_HEADER {
        return true;
    }
    line.strip_prefix("  File \"")
        .and_then(|rest| rest.rsplit_once("\", line "))
        .is_some_and(|(_, n)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// Where an open traceback is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// In the frames: the first line that is not indented is the exception.
    Frames,
    /// After the exception line: everything goes on it (a multi-line
    /// message, a Java stack) until a blank line followed by a line that is
    /// not indented.
    Message,
    /// After a chain separator: blank lines, then the next part's header.
    Chain,
}

/// A traceback being gathered.
#[derive(Debug)]
struct Open<T> {
    /// Its first line's.
    tag: T,
    text: String,
    /// The text stopped growing at [`MAX_TRACEBACK_BYTES`].
    cut: bool,
    exception: String,
    /// The exception line is in `text` (not lost to the cut).
    exception_kept: bool,
    phase: Phase,
    /// A blank line after the message: the traceback goes on through it if
    /// the next line is indented or a chain separator, and ends before it
    /// otherwise.
    blank: Option<(T, String)>,
}

impl<T> Open<T> {
    fn new(tag: T, line: &str) -> Self {
        Open {
            tag,
            text: line.to_string(),
            cut: false,
            exception: String::new(),
            exception_kept: false,
            phase: Phase::Frames,
            blank: None,
        }
    }

    /// Adds a line to the text; whether it was kept.
    fn append(&mut self, line: &str) -> bool {
        if self.cut || self.text.len() + 1 + line.len() > MAX_TRACEBACK_BYTES {
            self.cut = true;
            return false;
        }
        self.text.push('\n');
        self.text.push_str(line);
        true
    }

    /// Adds the held blank line, if any, to the text.
    fn keep_blank(&mut self) {
        if let Some((_, blank)) = self.blank.take() {
            self.append(&blank);
        }
    }

    /// The traceback, then the blank line it held (which was not its own).
    fn finish(mut self, out: &mut Vec<(T, PythonOutput)>) {
        if self.cut {
            self.text.push_str("\n[…]");
            if !self.exception_kept && !self.exception.is_empty() {
                self.text.push('\n');
                self.text.push_str(&self.exception);
            }
        }
        out.push((
            self.tag,
            PythonOutput::Traceback {
                text: self.text,
                exception: self.exception,
            },
        ));
        if let Some((tag, blank)) = self.blank {
            out.push((tag, PythonOutput::Line(blank)));
        }
    }
}

/// Groups the Python process's output lines, fed one at a time (the
/// messages only, without the log4j header), into [`PythonOutput`] items.
///
/// Each line comes with a tag of the caller's (where it is in a file, when
/// it was logged); each item comes out with the tag of its first line. A
/// traceback is held until a line shows it has ended: while
/// [`is_holding`](Self::is_holding), the next line may still belong to it,
/// and [`held`](Self::held) is the tag of the first line held (what a
/// reader would have to read again to see it whole). [`flush`](Self::flush)
/// ends it when no more lines are coming.
#[derive(Debug)]
pub struct PythonGrouper<T = ()> {
    open: Option<Open<T>>,
}

impl<T> Default for PythonGrouper<T> {
    fn default() -> Self {
        PythonGrouper { open: None }
    }
}

impl<T> PythonGrouper<T> {
    /// Takes one line; returns the items it completed, in order (none while
    /// a traceback is held; up to three when a held blank line turns out to
    /// end one: the traceback, the blank line, and this line).
    pub fn push(&mut self, tag: T, line: &str) -> Vec<(T, PythonOutput)> {
        let mut out = Vec::new();
        self.take(tag, line, &mut out);
        out
    }

    /// The traceback still held, for good (no more lines are coming).
    pub fn flush(&mut self) -> Vec<(T, PythonOutput)> {
        let mut out = Vec::new();
        if let Some(open) = self.open.take() {
            open.finish(&mut out);
        }
        out
    }

    /// Whether a traceback is held: the next line may still be part of it.
    pub fn is_holding(&self) -> bool {
        self.open.is_some()
    }

    /// The tag of the first line held, if any.
    pub fn held(&self) -> Option<&T> {
        self.open.as_ref().map(|o| &o.tag)
    }

    fn take(&mut self, tag: T, line: &str, out: &mut Vec<(T, PythonOutput)>) {
        let Some(open) = &mut self.open else {
            if starts_traceback(line) {
                self.open = Some(Open::new(tag, line));
            } else {
                out.push((tag, PythonOutput::Line(line.to_string())));
            }
            return;
        };
        // Whether the traceback ended before this line (which then starts
        // afresh).
        let ended = if is_marker(line) {
            true
        } else {
            match open.phase {
                Phase::Frames if line.trim_end() == TRACEBACK_HEADER => true,
                Phase::Frames if is_blank(line) || is_indented(line) => {
                    open.append(line);
                    false
                }
                Phase::Frames => {
                    open.exception_kept = open.append(line);
                    open.exception = line.trim_end().to_string();
                    open.phase = Phase::Message;
                    false
                }
                Phase::Chain if line.trim_end() == TRACEBACK_HEADER => {
                    open.append(line);
                    open.phase = Phase::Frames;
                    false
                }
                Phase::Chain => {
                    // The blank lines around the separator (or, unlooked
                    // for, more of the message).
                    open.append(line);
                    false
                }
                Phase::Message if open.blank.is_some() => {
                    let chain = CHAIN_SEPARATORS.contains(&line.trim_end());
                    if is_indented(line) || chain {
                        open.keep_blank();
                        open.append(line);
                        if chain {
                            open.phase = Phase::Chain;
                        }
                        false
                    } else {
                        true
                    }
                }
                Phase::Message if is_blank(line) => {
                    open.blank = Some((tag, line.to_string()));
                    return;
                }
                // Two tracebacks printed one after the other.
                Phase::Message if line.trim_end() == TRACEBACK_HEADER => true,
                Phase::Message => {
                    open.append(line);
                    false
                }
            }
        };
        if ended {
            if let Some(open) = self.open.take() {
                open.finish(out);
            }
            self.take(tag, line, out);
        }
    }
}

/// The traceback that a Python application's run ended with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PythonError {
    /// The final exception line: `ValueError: boom`.
    pub exception: String,
    /// The whole traceback, as [`PythonOutput::Traceback`]'s text.
    pub traceback: String,
}

/// The last traceback the Python process printed, read from the text of a
/// whole Job Manager log (Flink's layout): only the driver's output lines,
/// logged at or after `since_ms` (ms since the epoch) when given, so that
/// an earlier run's error is not taken for this one's. A traceback cut
/// before its exception line has nothing to say first and is passed over.
pub fn last_python_error(log_text: &str, since_ms: Option<i64>) -> Option<PythonError> {
    fn keep(items: Vec<((), PythonOutput)>, last: &mut Option<PythonError>) {
        for (_, item) in items {
            if let PythonOutput::Traceback { text, exception } = item {
                if !exception.is_empty() {
                    *last = Some(PythonError {
                        exception,
                        traceback: text,
                    });
                }
            }
        }
    }
    let mut grouper = PythonGrouper::default();
    let mut last = None;
    for line in log_text.lines() {
        // Lines without a header continue another event: the driver's own
        // stack traces, never the Python process's output.
        let Some(event) = parse_header(line) else {
            continue;
        };
        if is_python_output(&event) && since_ms.is_none_or(|s| event.timestamp >= s) {
            keep(grouper.push((), &event.message), &mut last);
        }
    }
    keep(grouper.flush(), &mut last);
    last
}

#[cfg(test)]
mod tests {
    use super::*;
    use PythonOutput::{Line, Traceback};

    const STARTED: &str =
        "--------------------------- Python Process Started --------------------------";
    const EXITED: &str =
        "--------------------------- Python Process Exited ---------------------------";

    fn line(s: &str) -> PythonOutput {
        Line(s.to_string())
    }

    fn tb(lines: &[&str], exception: &str) -> PythonOutput {
        Traceback {
            text: lines.join("\n"),
            exception: exception.to_string(),
        }
    }

    /// Every item of `lines`, fed one by one, then flushed.
    fn group(lines: &[&str]) -> Vec<PythonOutput> {
        let mut g = PythonGrouper::default();
        let mut out = Vec::new();
        for l in lines {
            out.extend(g.push((), l).into_iter().map(|(_, o)| o));
        }
        out.extend(g.flush().into_iter().map(|(_, o)| o));
        assert!(!g.is_holding());
        out
    }

    /// A plain Python error, as Python 3.11 prints it.
    const VALUE_ERROR: [&str; 7] = [
        "Traceback (most recent call last):",
        "  File \"/tmp/pyexp/app/main.py\", line 20, in <module>",
        "    main()",
        "  File \"/tmp/pyexp/app/main.py\", line 17, in main",
        "    raise ValueError(\"boom\")",
        "    ^^^^^^^^^^^^^^^^^^^^^^^^",
        "ValueError: boom",
    ];

    /// A py4j-wrapped Java error: the exception line goes on with the Java
    /// message and stack, and ends with a blank line.
    const PY4J: [&str; 17] = [
        "Traceback (most recent call last):",
        "  File \"/tmp/pyexp/app/main.py\", line 14, in <module>",
        "    t_env.execute_sql(\"CREATE TABLE out (s STRING) WITH ('connector'='print')\")",
        "  File \"/tmp/venv120/lib/python3.11/site-packages/pyflink/table/table_environment.py\", line 837, in execute_sql",
        "    return TableResult(self._j_tenv.executeSql(stmt))",
        "                       ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^",
        "  File \"/tmp/venv120/lib/python3.11/site-packages/pyflink/util/exceptions.py\", line 162, in deco",
        "    raise java_exception",
        "pyflink.util.exceptions.TableException: org.apache.flink.table.api.SqlParserException: SQL parse failed. Encountered \"out\" at line 1, column 14.",
        "Was expecting one of:",
        "    <IDENTIFIER> ...",
        "",
        "\tat org.apache.flink.table.planner.parse.CalciteParser.parseSqlList(CalciteParser.java:81)",
        "Caused by: org.apache.flink.sql.parser.impl.ParseException: Encountered \"out\" at line 1, column 14.",
        "\tat org.apache.flink.sql.parser.impl.FlinkSqlParserImpl.generateParseException(FlinkSqlParserImpl.java:50082)",
        "\t... 14 more",
        "",
    ];
    const PY4J_EXCEPTION: &str = "pyflink.util.exceptions.TableException: org.apache.flink.table.api.SqlParserException: SQL parse failed. Encountered \"out\" at line 1, column 14.";

    #[test]
    fn output_is_grouped_into_lines_and_tracebacks() {
        let chained = [
            "Traceback (most recent call last):",
            "  File \"main.py\", line 5, in load",
            "    return int(text)",
            "ValueError: invalid literal for int() with base 10: 'x'",
            "",
            "During handling of the above exception, another exception occurred:",
            "",
            "Traceback (most recent call last):",
            "  File \"main.py\", line 9, in <module>",
            "    load(\"x\")",
            "RuntimeError: cannot load the configuration",
        ];
        let caused = [
            "Traceback (most recent call last):",
            "  File \"main.py\", line 5, in load",
            "KeyError: 'topic'",
            "",
            "The above exception was the direct cause of the following exception:",
            "",
            "Traceback (most recent call last):",
            "  File \"main.py\", line 9, in <module>",
            "config.ConfigError: no topic",
            "the properties name none",
        ];
        let syntax = [
            "  File \"/tmp/app/main.py\", line 3",
            "    x = (",
            "        ^",
            "SyntaxError: '(' was never closed",
        ];
        let mut tb_and_more = VALUE_ERROR.to_vec();
        tb_and_more.extend(["second line of the message", "", "\tindented, still it"]);

        let cases: Vec<(&str, Vec<&str>, Vec<PythonOutput>)> = vec![
            (
                "ordinary lines",
                vec![
                    STARTED,
                    "main.py starting /tmp/venv120/bin/python",
                    "",
                    "done",
                    EXITED,
                ],
                vec![
                    line(STARTED),
                    line("main.py starting /tmp/venv120/bin/python"),
                    line(""),
                    line("done"),
                    line(EXITED),
                ],
            ),
            (
                "a traceback ended by the process's end",
                [&["starting"], &VALUE_ERROR[..], &[EXITED]].concat(),
                vec![
                    line("starting"),
                    tb(&VALUE_ERROR, "ValueError: boom"),
                    line(EXITED),
                ],
            ),
            (
                "a py4j error: its Java stack belongs to it, the blank line after does not",
                [&PY4J[..], &[EXITED]].concat(),
                vec![tb(&PY4J[..16], PY4J_EXCEPTION), line(""), line(EXITED)],
            ),
            (
                "a chained exception is one traceback, with the last exception",
                chained.to_vec(),
                vec![tb(&chained, "RuntimeError: cannot load the configuration")],
            ),
            (
                "a direct cause too; a multi-line message goes on to the end",
                caused.to_vec(),
                vec![tb(&caused, "config.ConfigError: no topic")],
            ),
            (
                "a traceback cut by the process's end before its exception",
                [&VALUE_ERROR[..4], &[EXITED, "", "after"]].concat(),
                vec![
                    tb(&VALUE_ERROR[..4], ""),
                    line(EXITED),
                    line(""),
                    line("after"),
                ],
            ),
            (
                "two tracebacks, ordinary output between",
                [
                    &VALUE_ERROR[..],
                    &["", "retrying in 5 s"],
                    &VALUE_ERROR[..],
                    &["", "giving up"],
                ]
                .concat(),
                vec![
                    tb(&VALUE_ERROR, "ValueError: boom"),
                    line(""),
                    line("retrying in 5 s"),
                    tb(&VALUE_ERROR, "ValueError: boom"),
                    line(""),
                    line("giving up"),
                ],
            ),
            (
                "two tracebacks back to back, and one right after a blank line",
                [&VALUE_ERROR[..], &VALUE_ERROR[..], &[""], &VALUE_ERROR[..]].concat(),
                vec![
                    tb(&VALUE_ERROR, "ValueError: boom"),
                    tb(&VALUE_ERROR, "ValueError: boom"),
                    line(""),
                    tb(&VALUE_ERROR, "ValueError: boom"),
                ],
            ),
            (
                "the message's lines and an indented line after a blank one belong to it",
                [&tb_and_more[..], &["", "", "next"]].concat(),
                vec![
                    tb(&tb_and_more, "ValueError: boom"),
                    line(""),
                    line(""),
                    line("next"),
                ],
            ),
            (
                "a syntax error in the main program has no header",
                [
                    &["  File \"main.py\", line 3, in <module> (a frame: not a start)"],
                    &syntax[..],
                ]
                .concat(),
                vec![
                    line("  File \"main.py\", line 3, in <module> (a frame: not a start)"),
                    tb(&syntax, "SyntaxError: '(' was never closed"),
                ],
            ),
        ];
        for (name, lines, want) in cases {
            assert_eq!(group(&lines), want, "{name}");
        }
    }

    /// Fed one line at a time, the grouper says what is complete as soon
    /// as it is, and holds a traceback (from its first line) until then.
    #[test]
    fn items_come_out_when_complete_with_their_first_lines_tag() {
        let lines = [&["before"], &PY4J[..], &["after", EXITED]].concat();
        let mut g = PythonGrouper::default();
        let mut got = Vec::new();
        for (i, l) in lines.iter().enumerate() {
            let out = g.push(i, l);
            match i {
                0 => assert_eq!(out, [(0, line("before"))]),
                // The traceback and the blank line after its Java stack:
                // held, from the traceback's first line.
                1..=17 => {
                    assert!(out.is_empty(), "line {i}");
                    assert!(g.is_holding());
                    assert_eq!(g.held(), Some(&1));
                }
                // A line that is not indented: the traceback ended before
                // the blank line.
                18 => assert_eq!(
                    out,
                    [
                        (1, tb(&PY4J[..16], PY4J_EXCEPTION)),
                        (17, line("")),
                        (18, line("after"))
                    ]
                ),
                _ => assert_eq!(out, [(19, line(EXITED))]),
            }
            got.extend(out);
            if i >= 18 {
                assert!(!g.is_holding());
                assert_eq!(g.held(), None);
            }
        }
        assert!(g.flush().is_empty());

        // What is open at the end comes out with flush.
        let mut g = PythonGrouper::default();
        for (i, l) in VALUE_ERROR.iter().enumerate() {
            assert!(g.push(i, l).is_empty());
        }
        assert!(g.push(7, "").is_empty());
        assert_eq!(
            g.flush(),
            [(0, tb(&VALUE_ERROR, "ValueError: boom")), (7, line(""))]
        );
        assert!(!g.is_holding());
    }

    #[test]
    fn a_huge_traceback_is_cut_but_keeps_its_exception() {
        let frame =
            "  File \"/tmp/venv/lib/python3.11/site-packages/pkg/module.py\", line 123, in recurse";
        let mut lines = vec![TRACEBACK_HEADER];
        lines.extend(std::iter::repeat_n(frame, 2_000));
        lines.push("RecursionError: maximum recursion depth exceeded");
        let out = group(&lines);
        let [Traceback { text, exception }] = &out[..] else {
            panic!("{out:?}");
        };
        assert_eq!(
            exception,
            "RecursionError: maximum recursion depth exceeded"
        );
        assert!(text.len() <= MAX_TRACEBACK_BYTES + 100, "{}", text.len());
        assert!(text.starts_with(TRACEBACK_HEADER));
        assert!(text.ends_with("\n[…]\nRecursionError: maximum recursion depth exceeded"));

        // The exception kept, its Java stack cut: not said twice.
        let mut lines = VALUE_ERROR.to_vec();
        lines.extend(std::iter::repeat_n(
            "\tat org.apache.flink.Foo.bar(Foo.java:1)",
            2_000,
        ));
        let out = group(&lines);
        let [Traceback { text, .. }] = &out[..] else {
            panic!("{out:?}");
        };
        assert!(text.ends_with("\tat org.apache.flink.Foo.bar(Foo.java:1)\n[…]"));
        assert_eq!(text.matches("ValueError: boom").count(), 1);
    }

    /// A Job Manager log line in Flink's layout, on 2026-12-07.
    fn jm(time: &str, level: &str, logger: &str, message: &str) -> String {
        format!("2026-12-07 {time} {level:<5} {logger:<60} [] - {message}\n")
    }

    fn py(time: &str, message: &str) -> String {
        jm(time, "INFO", PYTHON_DRIVER_LOGGER, message)
    }

    fn at(time: &str) -> i64 {
        parse_header(&py(time, "")).unwrap().timestamp
    }

    /// A whole Job Manager log: two runs of the application, each failing,
    /// other loggers' lines (with their own stack traces) in between, and
    /// the driver's own error after each.
    fn two_runs() -> String {
        let mut log = String::new();
        let run = |log: &mut String, minute: u32, tb: &[&str]| {
            let t = |s: u32| format!("17:{minute:02}:{s:02},000");
            log.push_str(&py(&t(1), STARTED));
            log.push_str(&py(&t(2), "main.py starting /tmp/venv120/bin/python"));
            for (i, l) in tb.iter().enumerate() {
                log.push_str(&py(&t(3), l));
                if i == 2 {
                    log.push_str(&jm(
                        &t(3),
                        "WARN",
                        "org.apache.flink.runtime.rest.handler.job.JobSubmitHandler",
                        "Something else went wrong meanwhile",
                    ));
                    log.push_str("java.lang.IllegalStateException: not a Python line\n");
                    log.push_str("\tat org.apache.flink.Foo.bar(Foo.java:1)\n");
                }
            }
            log.push_str(&py(&t(4), EXITED));
            log.push_str(&jm(
                &t(4),
                "ERROR",
                PYTHON_DRIVER_LOGGER,
                "Run python process failed",
            ));
            log.push_str("java.lang.RuntimeException: Python process exits with code: 1\n");
            log.push_str("\tat org.apache.flink.client.python.PythonDriver.main(PythonDriver.java:126) ~[flink-python-1.20.5.jar:1.20.5]\n");
        };
        log.push_str(&jm(
            "17:00:00,000",
            "INFO",
            "org.apache.flink.runtime.entrypoint.ClusterEntrypoint",
            "Starting StandaloneSessionClusterEntrypoint (Version: 1.20.5)",
        ));
        run(&mut log, 10, &PY4J);
        run(&mut log, 31, &VALUE_ERROR);
        log
    }

    #[test]
    fn the_last_python_error_of_a_job_managers_log() {
        let log = two_runs();
        let value_error = PythonError {
            exception: "ValueError: boom".into(),
            traceback: VALUE_ERROR.join("\n"),
        };
        let py4j = PythonError {
            exception: PY4J_EXCEPTION.into(),
            traceback: PY4J[..16].join("\n"),
        };
        let first_run_only = &log[..log.find("17:31:01").unwrap() - "2026-12-07 ".len()];
        let no_traceback = py("17:00:01,000", "hello") + &py("17:00:02,000", EXITED);
        for (name, text, since, want) in [
            ("the last run's", log.as_str(), None, Some(&value_error)),
            (
                "since its start",
                &log,
                Some(at("17:31:01,000")),
                Some(&value_error),
            ),
            ("after every line", &log, Some(at("17:31:05,000")), None),
            ("a py4j error", first_run_only, None, Some(&py4j)),
            (
                "a py4j error since",
                first_run_only,
                Some(at("17:10:03,000")),
                Some(&py4j),
            ),
            ("no traceback", &no_traceback, None, None),
            ("nothing", "", None, None),
        ] {
            assert_eq!(last_python_error(text, since).as_ref(), want, "{name}");
        }
    }

    #[test]
    fn a_cut_traceback_is_not_the_error() {
        let mut log = String::new();
        for l in &VALUE_ERROR {
            log.push_str(&py("17:10:03,000", l));
        }
        log.push_str(&py("17:11:00,000", STARTED));
        for l in &VALUE_ERROR[..3] {
            log.push_str(&py("17:11:03,000", l));
        }
        let e = last_python_error(&log, None).unwrap();
        assert_eq!(e.exception, "ValueError: boom");
        assert_eq!(last_python_error(&log, Some(at("17:11:00,000"))), None);
    }
}
