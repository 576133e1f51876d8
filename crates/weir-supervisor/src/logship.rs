//! Log shipping: the Job Manager's and Task Managers' own Flink logs flow
//! into their application's log, at the application's configured LogLevel,
//! beside Weir's status events, so that the Logs API (`filter-log-events`)
//! shows what Flink said.
//!
//! One task for every application (not one per application: it is a few
//! file reads a round). Each round reads what each process's log file gained
//! since the last round (at most [`MAX_READ_BYTES`] a file), folds
//! continuation lines (stack traces) into the event they follow, and commits
//! the round's events of an application in one transaction. An event whose
//! continuation may still be coming is held until the next round.
//!
//! A Python application's output reaches the Job Manager's log one event
//! per line (Flink's `PythonDriver` logs each line the Python process
//! prints); it is shipped as the Python output it is, each line prefixed
//! `[python] `, and each traceback put back together into one ERROR event
//! (`weir_runtime::python_log`). A traceback whose next line may still come
//! is held like an event's continuation, while the other events go on.
//!
//! Where a file was read up to is kept beside it (`<log>.weir-offset`,
//! written after the events are committed), so that a restarted Weir goes on
//! where it stopped; a crash between the two repeats at most one round.
//!
//! A registered cluster's logs are not files on this machine: the runtime
//! fetches them whole from its Flink (`Runtime::served_logs`) every
//! [`REMOTE_EVERY`]th round, and each application gets the lines of its own
//! job. What was shipped of each is decided here, with the position kept in
//! the state directory across restarts. A Python application's output is
//! not grouped there: the driver's lines carry no job id (its `main()` runs
//! before there is a job), so on a Job Manager that several applications
//! share they cannot be told apart, and they are not routed, as before.

use std::collections::HashMap;
use std::io::{Read, Seek, SeekFrom};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use weir_control::model::LogLevel;

use weir_runtime::backend::{ClusterView, ProcessKind, Runtime, ServedLog};
use weir_runtime::flink_log::{parse_header, FlinkLine};
use weir_runtime::python_log::{
    is_python_output, PythonGrouper, PythonOutput, PYTHON_DRIVER_LOGGER,
};

use crate::Supervisor;

/// The most read from one file in one round: a burst (a Job Manager's
/// start-up, a storm of stack traces) is shipped over several rounds rather
/// than stalling the others.
pub const MAX_READ_BYTES: u64 = 1024 * 1024;
/// A CloudWatch Logs event holds 256 KiB; a Java stack trace rarely needs a
/// tenth of that.
const MAX_MESSAGE_BYTES: usize = 32 * 1024;

/// How much a level matters, for "at LogLevel or above".
fn rank(level: LogLevel) -> u8 {
    match level {
        LogLevel::Debug => 0,
        LogLevel::Info => 1,
        LogLevel::Warn => 2,
        LogLevel::Error => 3,
    }
}

/// Whether an event of `level` is shipped to a log configured at `at`.
pub fn passes(level: LogLevel, at: LogLevel) -> bool {
    rank(level) >= rank(at)
}

/// Folds lines into events: a header line starts one, any other line
/// continues the last (lines before the first header are dropped: the tail
/// of an event from before the offset).
#[derive(Debug, Default)]
pub struct Folder {
    pending: Option<FlinkLine>,
}

impl Folder {
    /// Takes one line; returns the event it completed, if any.
    pub fn push(&mut self, line: &str) -> Option<FlinkLine> {
        match parse_header(line) {
            Some(event) => self.pending.replace(event),
            None => {
                if let Some(p) = &mut self.pending {
                    if p.message.len() < MAX_MESSAGE_BYTES {
                        p.message.push('\n');
                        p.message.push_str(line);
                        if p.message.len() > MAX_MESSAGE_BYTES {
                            let mut cut = MAX_MESSAGE_BYTES;
                            while !p.message.is_char_boundary(cut) {
                                cut -= 1;
                            }
                            p.message.truncate(cut);
                            p.message.push_str("\n[…]");
                        }
                    }
                }
                None
            }
        }
    }

    /// The event still open, for good (no more lines are coming for it).
    pub fn flush(&mut self) -> Option<FlinkLine> {
        self.pending.take()
    }

    pub fn is_pending(&self) -> bool {
        self.pending.is_some()
    }
}

/// Folds `lines` (complete lines, each ending in a newline, found at
/// `base` in their log) into events, each with where in the log it started.
/// `held` is where the event the folder holds started, and is moved on as
/// each new one starts.
fn fold_lines(
    folder: &mut Folder,
    held: &mut u64,
    base: u64,
    lines: &[u8],
) -> Vec<(u64, FlinkLine)> {
    let mut events = Vec::new();
    let mut at = 0;
    for raw in lines.split(|&b| b == b'\n') {
        if at >= lines.len() {
            break;
        }
        let line = String::from_utf8_lossy(raw);
        let line = line.trim_end_matches('\r');
        let starts = parse_header(line).is_some();
        if let Some(done) = folder.push(line) {
            events.push((*held, done));
        }
        if starts {
            *held = base + at as u64;
        }
        at += raw.len() + 1;
    }
    events
}

/// An event for an application's log, as `Catalogue::log_lines` takes it:
/// time (ms), level, logger, message.
type LogLine = (i64, LogLevel, String, String);

/// A Python process's output as events: a line at INFO, as the driver
/// logged it; a traceback at ERROR, so that a log kept at WARN or ERROR
/// still says why the application failed.
fn python_event(timestamp: i64, item: PythonOutput) -> LogLine {
    let (level, text) = match item {
        PythonOutput::Line(line) => (LogLevel::Info, line),
        PythonOutput::Traceback { text, .. } => (LogLevel::Error, text),
    };
    (
        timestamp,
        level,
        PYTHON_DRIVER_LOGGER.to_string(),
        format!("[python] {text}"),
    )
}

/// Where one log file has been read to.
#[derive(Debug, Default)]
struct Cursor {
    /// Whose file it is, and which process writes it.
    app: String,
    source: String,
    inode: u64,
    /// Bytes consumed: complete lines, each shipped or held (in `folder`
    /// or `python`).
    offset: u64,
    /// Where the event held in `folder` started: every event before it
    /// that is not Python output has been shipped.
    held_from: u64,
    folder: Folder,
    /// The Python process's output (a Job Manager's), each line tagged with
    /// where its event started and when it was logged: a traceback is held
    /// here while other events go on being shipped.
    python: PythonGrouper<(u64, i64)>,
    /// Events before this that are not Python output were shipped already:
    /// a restarted Weir reads again from the start of a held traceback,
    /// for the traceback's sake only.
    shipped_to: u64,
}

fn offset_file(log: &Path) -> PathBuf {
    let mut name = log.as_os_str().to_owned();
    name.push(".weir-offset");
    PathBuf::from(name)
}

/// Where a log file was read to, as stored: "inode offset", where a
/// restart reads again from, and, when a Python traceback was held, a third
/// number, the cursor's `shipped_to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stored {
    inode: u64,
    offset: u64,
    shipped_to: u64,
}

fn load_offset(log: &Path) -> Option<Stored> {
    let text = std::fs::read_to_string(offset_file(log)).ok()?;
    let mut numbers = text.split_whitespace().map(str::parse::<u64>);
    let inode = numbers.next()?.ok()?;
    let offset = numbers.next()?.ok()?;
    let shipped_to = match numbers.next() {
        Some(n) => n.ok()?.max(offset),
        None => offset,
    };
    Some(Stored {
        inode,
        offset,
        shipped_to,
    })
}

fn save_offset(log: &Path, stored: Stored) {
    let Stored {
        inode,
        offset,
        shipped_to,
    } = stored;
    // Two numbers unless a traceback is held: what every Weir before this
    // one wrote, and reads.
    let text = if shipped_to > offset {
        format!("{inode} {offset} {shipped_to}\n")
    } else {
        format!("{inode} {offset}\n")
    };
    let path = offset_file(log);
    let tmp = path.with_extension("tmp");
    if std::fs::write(&tmp, text).is_ok() {
        let _ = std::fs::rename(&tmp, &path);
    }
}

impl Cursor {
    fn open(log: &Path, inode: u64, app: &str, source: &str) -> Cursor {
        let (offset, shipped_to) = match load_offset(log) {
            Some(s) if s.inode == inode => (s.offset, s.shipped_to),
            _ => (0, 0),
        };
        Cursor {
            app: app.to_string(),
            source: source.to_string(),
            inode,
            offset,
            held_from: offset,
            shipped_to,
            ..Cursor::default()
        }
    }

    /// What to store once the events read so far are committed: a restart
    /// reads again from the first event still held (by the folder or as a
    /// Python traceback).
    fn stored(&self) -> Stored {
        let python = self.python.held().map_or(self.held_from, |&(at, _)| at);
        let offset = self.held_from.min(python);
        Stored {
            inode: self.inode,
            offset,
            shipped_to: self.held_from.max(self.shipped_to),
        }
    }

    /// Reads what the file gained; returns the events completed, as they
    /// go into the application's log (every level: the caller keeps those
    /// at its LogLevel). `last`: the file will not grow any more, so what
    /// is held is complete too.
    fn read(&mut self, log: &Path, last: bool) -> std::io::Result<Vec<LogLine>> {
        let (mut events, read) = self.fold(log)?;
        // Nothing new for a round: the held event is complete.
        let quiet = !read || last;
        if quiet {
            events.extend(self.folder.flush().map(|e| (self.held_from, e)));
            self.held_from = self.offset;
        }
        Ok(self.sort(events, quiet))
    }

    /// The events that the file's new complete lines completed, each with
    /// where it started, and whether anything was read.
    fn fold(&mut self, log: &Path) -> std::io::Result<(Vec<(u64, FlinkLine)>, bool)> {
        let mut file = std::fs::File::open(log)?;
        let meta = file.metadata()?;
        if meta.ino() != self.inode || meta.len() < self.offset {
            // Rotated or truncated: a new file, from its start.
            *self = Cursor {
                app: std::mem::take(&mut self.app),
                source: std::mem::take(&mut self.source),
                inode: meta.ino(),
                ..Cursor::default()
            };
        }
        if meta.len() == self.offset {
            return Ok((Vec::new(), false));
        }
        file.seek(SeekFrom::Start(self.offset))?;
        let mut buf = Vec::new();
        file.take(MAX_READ_BYTES).read_to_end(&mut buf)?;
        // Only complete lines; a partial last line is read again next round.
        let Some(end) = buf.iter().rposition(|&b| b == b'\n') else {
            return Ok((Vec::new(), false));
        };
        let events = fold_lines(
            &mut self.folder,
            &mut self.held_from,
            self.offset,
            &buf[..=end],
        );
        self.offset += end as u64 + 1;
        if !self.folder.is_pending() {
            self.held_from = self.offset;
        }
        Ok((events, true))
    }

    /// Turns completed events into the application's log's: Flink's as
    /// they are (but those a Weir before this one shipped), the Python
    /// process's output through `python`. `quiet`: nothing was read.
    fn sort(&mut self, events: Vec<(u64, FlinkLine)>, quiet: bool) -> Vec<LogLine> {
        let mut out = Vec::new();
        let mut python_lines = 0;
        for (start, e) in events {
            if is_python_output(&e) {
                python_lines += 1;
                let items = self.python.push((start, e.timestamp), &e.message);
                out.extend(items.into_iter().map(|((_, t), i)| python_event(t, i)));
            } else if start >= self.shipped_to {
                let message = format!("[{}] {}", self.source, e.message);
                out.push((e.timestamp, e.level, e.logger, message));
            }
        }
        // Python prints a traceback in one burst: a round that brought no
        // more of its output (none read, none in the event the folder
        // holds) ends the one held, as a quiet round ends the folder's.
        let more = python_lines > 0 || self.folder.pending.as_ref().is_some_and(is_python_output);
        if quiet || !more {
            let items = self.python.flush();
            out.extend(items.into_iter().map(|((_, t), i)| python_event(t, i)));
        }
        out
    }
}

/// The log shipper's memory: a cursor per file.
pub struct LogShipper {
    cursors: HashMap<PathBuf, Cursor>,
    /// Where each shared cluster's log, read over REST, was read to: by
    /// `<REST URL> <source>`.
    remote: HashMap<String, RemoteCursor>,
    /// Where those positions are kept across restarts, if anywhere.
    state_dir: Option<PathBuf>,
    /// Rounds so far: shared clusters are read every [`REMOTE_EVERY`].
    rounds: u64,
    /// When this shipper started (ms). Without a `state_dir`, a shared
    /// cluster's log is shipped from here on after a restart of Weir: what
    /// it said before was shipped by the Weir before (or is lost with its
    /// downtime), never shipped twice.
    started_ms: i64,
}

impl LogShipper {
    pub fn new(state_dir: Option<PathBuf>) -> Self {
        Self {
            cursors: HashMap::new(),
            remote: HashMap::new(),
            state_dir,
            rounds: 0,
            started_ms: chrono::Utc::now().timestamp_millis(),
        }
    }
}

/// A shared cluster's logs come whole over REST (Flink serves no ranges):
/// read every 5th round, not every round.
const REMOTE_EVERY: u64 = 5;
/// A log larger than this is not fetched again each time: only its growth
/// would be worth it, and Flink cannot send only that.
const MAX_REMOTE_LOG_BYTES: usize = 64 * 1024 * 1024;
/// How much of a log's beginning identifies it: Flink's first lines carry
/// the process's start time to the millisecond, so a restarted Job Manager's
/// new log never matches its old one.
const HEAD_BYTES: usize = 512;

/// Where a log served over REST was read to.
#[derive(Debug, Default)]
struct RemoteCursor {
    /// Bytes consumed: complete lines, each shipped or in `folder`.
    offset: usize,
    /// Where the event held in `folder` started (what a restart re-reads).
    held_from: usize,
    /// The log's first bytes (up to [`HEAD_BYTES`]): the same log, or a new one.
    head: String,
    /// Events older than this are not shipped (a log first seen with no
    /// record of an earlier read, and no `state_dir` to have kept one).
    floor_ms: i64,
    folder: Folder,
}

/// What is kept of a [`RemoteCursor`] across restarts.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct RemoteState {
    key: String,
    offset: usize,
    head: String,
}

/// The first bytes of `text` (cut at a character boundary).
fn head_of(text: &str) -> &str {
    let mut end = text.len().min(HEAD_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

fn remote_state_file(dir: &Path, key: &str) -> PathBuf {
    let name: String = key
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    dir.join(format!("{name}.json"))
}

impl RemoteCursor {
    /// The cursor for a log seen for the first time since Weir started:
    /// where the Weir before left it, if this is the same log; its start
    /// if not (a new log: every line of it is news).
    fn resume(state_dir: Option<&Path>, key: &str, text: &str, started_ms: i64) -> RemoteCursor {
        let Some(dir) = state_dir else {
            return RemoteCursor {
                floor_ms: started_ms,
                ..RemoteCursor::default()
            };
        };
        let kept = std::fs::read(remote_state_file(dir, key))
            .ok()
            .and_then(|b| serde_json::from_slice::<RemoteState>(&b).ok())
            .filter(|k| k.key == key && k.offset <= text.len() && text.starts_with(&k.head));
        let offset = kept.map_or(0, |k| k.offset);
        RemoteCursor {
            offset,
            held_from: offset,
            ..RemoteCursor::default()
        }
    }

    /// Whether `text` is the log this cursor has been reading.
    fn same_log(&self, text: &str) -> bool {
        text.len() >= self.offset && text.starts_with(&self.head)
    }

    /// Reads what `text` gained since the last call: the completed events.
    fn read(&mut self, text: &str) -> Vec<FlinkLine> {
        if !self.same_log(text) {
            // Rotated, or the process restarted: the new log from its start.
            *self = RemoteCursor {
                floor_ms: self.floor_ms,
                ..RemoteCursor::default()
            };
        }
        if self.head.len() < HEAD_BYTES {
            self.head = head_of(text).to_string();
        }
        let fresh = &text.as_bytes()[self.offset..];
        let end = fresh.iter().rposition(|&b| b == b'\n').map_or(0, |e| e + 1);
        let mut held = self.held_from as u64;
        let mut events: Vec<FlinkLine> = fold_lines(
            &mut self.folder,
            &mut held,
            self.offset as u64,
            &fresh[..end],
        )
        .into_iter()
        .map(|(_, e)| e)
        .collect();
        self.held_from = held as usize;
        if end == 0 {
            // Nothing new for a round: the held event is complete.
            events.extend(self.folder.flush());
        }
        self.offset += end;
        if !self.folder.is_pending() {
            self.held_from = self.offset;
        }
        let floor = self.floor_ms;
        events.retain(|e| e.timestamp >= floor);
        events
    }

    /// Keeps where this log was read to (after its events were committed;
    /// a crash in between ships at most one round again).
    fn save(&self, dir: &Path, key: &str) {
        let state = RemoteState {
            key: key.to_string(),
            offset: self.held_from,
            head: self.head.clone(),
        };
        let path = remote_state_file(dir, key);
        let tmp = path.with_extension("tmp");
        let written = std::fs::create_dir_all(dir).is_ok()
            && serde_json::to_vec(&state)
                .ok()
                .is_some_and(|b| std::fs::write(&tmp, b).is_ok());
        if written {
            let _ = std::fs::rename(&tmp, &path);
        }
    }
}

/// An application on a shared cluster: its job, and the level it logs at.
struct Tenant {
    app: String,
    job: String,
    at: LogLevel,
}

impl<R: Runtime> Supervisor<R> {
    /// Ships the Flink logs of every application with a cluster every
    /// `interval`, until `stop` is cancelled.
    pub async fn run_log_shipping(
        self: Arc<Self>,
        interval: Duration,
        stop: tokio_util::sync::CancellationToken,
    ) {
        // A round cut short commits nothing more; the next Weir reads on
        // from the last saved offsets, as after a crash.
        crate::repeat(interval, &stop, || self.ship_logs()).await
    }

    /// One round over every application.
    pub async fn ship_logs(&self) {
        let mut shipper = self.shipper.lock().await;
        let shipper = &mut *shipper;
        shipper.rounds += 1;
        let remote_round = shipper.rounds % REMOTE_EVERY == 1;
        let mut seen = Vec::new();
        let mut shared: HashMap<String, Vec<Tenant>> = HashMap::new();
        for entry in self.catalogue.entries() {
            let app = &entry.app;
            let Some(view) = self.runtime.view(&app.name).await else {
                continue;
            };
            let (_, at) = app.config.flink.monitoring.effective();
            if view.processes.iter().all(|p| p.log_file.is_none()) {
                // A registered cluster: its logs are read over REST, and
                // the lines of this application's job routed to it.
                if let Some(job) = entry.job.job_id.clone() {
                    shared
                        .entry(view.rest_url.clone())
                        .or_default()
                        .push(Tenant {
                            app: app.name.clone(),
                            job,
                            at,
                        });
                }
                continue;
            }
            let files = log_files(&view);
            seen.extend(files.iter().map(|(_, f)| f.clone()));
            self.ship_files(shipper, &app.name, at, files, false).await;
        }
        // Clusters gone since the last round (stopped, failed, replaced):
        // their files are still on disk, and their last lines (often the
        // reason a job failed) are shipped before they are forgotten.
        let mut gone: HashMap<String, Vec<(String, PathBuf)>> = HashMap::new();
        for (file, cursor) in &shipper.cursors {
            if !seen.contains(file) {
                gone.entry(cursor.app.clone())
                    .or_default()
                    .push((cursor.source.clone(), file.clone()));
            }
        }
        for (app, files) in gone {
            // A deleted application's log went with it.
            if let Some(entry) = self.catalogue.entry_of(&app) {
                let (_, at) = entry.app.config.flink.monitoring.effective();
                self.ship_files(shipper, &app, at, files.clone(), true)
                    .await;
            }
            for (_, file) in files {
                shipper.cursors.remove(&file);
            }
        }
        if remote_round {
            for (url, tenants) in shared {
                self.ship_shared(shipper, &url, &tenants).await;
            }
        }
    }

    /// Reads a shared cluster's Job Manager and Task Manager logs, which
    /// its Flink serves over REST (`Runtime::served_logs`), and gives each
    /// application the lines of its own job (those Flink tags with the
    /// job's id, or that name it). Other jobs' lines on the cluster never
    /// reach an application's log.
    async fn ship_shared(&self, shipper: &mut LogShipper, url: &str, tenants: &[Tenant]) {
        // Every tenant is on the same cluster: any one of them names it.
        let Some(first) = tenants.first() else {
            return;
        };
        let logs = self.runtime.served_logs(&first.app).await;
        let mut lines: HashMap<&str, Vec<(i64, LogLevel, String, String)>> = HashMap::new();
        let mut read = Vec::new();
        for ServedLog { process, text } in logs {
            let source = source_of(&process);
            let key = format!("{url} {source}");
            if text.len() > MAX_REMOTE_LOG_BYTES {
                continue;
            }
            let text = String::from_utf8_lossy(&text);
            let (state_dir, started_ms) = (shipper.state_dir.clone(), shipper.started_ms);
            let cursor = shipper.remote.entry(key.clone()).or_insert_with(|| {
                RemoteCursor::resume(state_dir.as_deref(), &key, &text, started_ms)
            });
            for e in cursor.read(&text) {
                for t in tenants {
                    if (e.context.contains(&t.job) || e.message.contains(&t.job))
                        && passes(e.level, t.at)
                    {
                        lines.entry(&t.app).or_default().push((
                            e.timestamp,
                            e.level,
                            e.logger.clone(),
                            format!("[{source}] {}", e.message),
                        ));
                    }
                }
            }
            read.push(key);
        }
        for (app, lines) in lines {
            let catalogue = self.catalogue.clone();
            let name = app.to_string();
            let _ = tokio::task::spawn_blocking(move || catalogue.log_lines(&name, lines)).await;
        }
        if let Some(dir) = &shipper.state_dir {
            for key in read {
                if let Some(cursor) = shipper.remote.get(&key) {
                    cursor.save(dir, &key);
                }
            }
        }
    }

    /// Ships the last lines of a cluster that was just stopped or killed
    /// (the shipping round may never have seen it: a job that fails at once).
    pub(crate) async fn ship_last(&self, app: &str, view: &ClusterView) {
        let Some(entry) = self.catalogue.entry_of(app) else {
            return;
        };
        let (_, at) = entry.app.config.flink.monitoring.effective();
        let files = log_files(view);
        let mut shipper = self.shipper.lock().await;
        self.ship_files(&mut shipper, app, at, files.clone(), true)
            .await;
        for (_, file) in files {
            shipper.cursors.remove(&file);
        }
    }

    /// Ships what `files` of application `app` gained; `last`: they will
    /// not grow any more, so the event held back is complete too.
    async fn ship_files(
        &self,
        shipper: &mut LogShipper,
        app: &str,
        at: LogLevel,
        files: Vec<(String, PathBuf)>,
        last: bool,
    ) {
        // File reads are small and bounded, but still off the async threads:
        // the cursors go to the blocking pool and come back.
        let mut cursors = std::mem::take(&mut shipper.cursors);
        let name = app.to_string();
        let round = tokio::task::spawn_blocking(move || {
            let mut lines = Vec::new();
            let mut done = Vec::new();
            for (source, file) in &files {
                let Ok(meta) = std::fs::metadata(file) else {
                    continue;
                };
                let cursor = cursors
                    .entry(file.clone())
                    .or_insert_with(|| Cursor::open(file, meta.ino(), &name, source));
                let Ok(events) = cursor.read(file, last) else {
                    continue;
                };
                lines.extend(events.into_iter().filter(|e| passes(e.1, at)));
                done.push((file.clone(), cursor.stored()));
            }
            (cursors, lines, done)
        })
        .await;
        let Ok((cursors, lines, done)) = round else {
            return;
        };
        shipper.cursors = cursors;
        if !lines.is_empty() {
            let catalogue = self.catalogue.clone();
            let name = app.to_string();
            let _ = tokio::task::spawn_blocking(move || catalogue.log_lines(&name, lines)).await;
        }
        for (file, stored) in done {
            save_offset(&file, stored);
        }
    }
}

/// Who writes a log, as its lines say: `jobmanager`, `taskmanager <id>`.
fn source_of(process: &ProcessKind) -> String {
    match process {
        ProcessKind::JobManager => "jobmanager".to_string(),
        ProcessKind::TaskManager { id } => format!("taskmanager {id}"),
    }
}

/// The log files of a cluster's processes: (who writes it, where).
fn log_files(view: &ClusterView) -> Vec<(String, PathBuf)> {
    view.processes
        .iter()
        .filter_map(|p| Some((source_of(&p.role), p.log_file.clone()?)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continuation_lines_join_their_event() {
        let mut f = Folder::default();
        assert_eq!(f.push("stray tail of an earlier event"), None);
        assert_eq!(
            f.push("2026-11-26 10:42:00,419 ERROR org.Foo [] - failed"),
            None
        );
        assert_eq!(f.push("java.lang.RuntimeException: boom"), None);
        assert_eq!(f.push("\tat org.Foo.run(Foo.java:3)"), None);
        let done = f
            .push("2026-11-26 10:42:01,000 INFO  org.Bar [] - next")
            .unwrap();
        assert_eq!(
            done.message,
            "failed\njava.lang.RuntimeException: boom\n\tat org.Foo.run(Foo.java:3)"
        );
        assert_eq!(f.flush().unwrap().message, "next");
        assert_eq!(f.flush(), None);
    }

    #[test]
    fn huge_events_are_cut() {
        let mut f = Folder::default();
        f.push("2026-11-26 10:42:00,419 ERROR org.Foo [] - failed");
        for _ in 0..10_000 {
            f.push("\tat org.apache.flink.SomeVeryLongClassName.method(SomeVeryLongClassName.java:123)");
        }
        let e = f.flush().unwrap();
        assert!(e.message.len() <= MAX_MESSAGE_BYTES + 8);
        assert!(e.message.ends_with("[…]"));
    }

    #[test]
    fn levels_pass_at_or_above_the_configured_one() {
        use LogLevel::*;
        for (level, at, ok) in [
            (Debug, Debug, true),
            (Info, Debug, true),
            (Debug, Info, false),
            (Info, Info, true),
            (Warn, Info, true),
            (Info, Warn, false),
            (Error, Warn, true),
            (Warn, Error, false),
            (Error, Error, true),
        ] {
            assert_eq!(passes(level, at), ok, "{level:?} at {at:?}");
        }
    }

    fn texts(lines: &[LogLine]) -> Vec<&str> {
        lines.iter().map(|l| l.3.as_str()).collect()
    }

    #[test]
    fn a_file_is_read_in_complete_lines_and_resumed_after_a_restart() {
        use std::io::Write;
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("jobmanager.log");
        let mut file = std::fs::File::create(&log).unwrap();
        write!(
            file,
            "2026-11-26 10:00:00,000 INFO  org.A [] - one\n2026-11-26 10:00:01,000 WARN  org.B [] - two\ncontinued\n2026-11-26 10:00:02,000 INFO  org.C [] - thr"
        )
        .unwrap();
        let inode = std::fs::metadata(&log).unwrap().ino();
        let mut c = Cursor::open(&log, inode, "a", "jobmanager");
        let events = c.read(&log, false).unwrap();
        assert_eq!(texts(&events), ["[jobmanager] one"]);
        // "two" is held (a continuation may follow); the partial line waits.
        save_offset(&log, c.stored());

        // A restarted Weir starts again at the held event.
        let mut again = Cursor::open(&log, inode, "a", "jobmanager");
        writeln!(file, "ee").unwrap();
        let events = again.read(&log, false).unwrap();
        assert_eq!(texts(&events), ["[jobmanager] two\ncontinued"]);
        assert_eq!(events[0].1, LogLevel::Warn);
        // A round with nothing new: the held event is complete.
        let events = again.read(&log, false).unwrap();
        assert_eq!(texts(&events), ["[jobmanager] three"]);

        // Truncation starts over.
        std::fs::write(&log, "2026-11-26 11:00:00,000 INFO  org.D [] - fresh\n").unwrap();
        assert!(again.read(&log, false).unwrap().is_empty());
        assert_eq!(
            texts(&again.read(&log, false).unwrap()),
            ["[jobmanager] fresh"]
        );
    }

    /// A Job Manager log line in Flink's layout, on 2026-12-07.
    fn jm(time: &str, level: &str, logger: &str, message: &str) -> String {
        format!("2026-12-07 {time} {level:<5} {logger:<60} [] - {message}\n")
    }

    /// A line of the Python process's output, as the driver logs it.
    fn py(time: &str, message: &str) -> String {
        jm(time, "INFO", PYTHON_DRIVER_LOGGER, message)
    }

    const STARTED: &str =
        "--------------------------- Python Process Started --------------------------";
    const EXITED: &str =
        "--------------------------- Python Process Exited ---------------------------";

    /// A Python application that fails, its traceback cut by the end of a
    /// read, with other loggers' lines (a WARN with a stack trace) in the
    /// middle of it: the two parts of the log.
    fn failing_run() -> (String, String) {
        let first = [
            jm(
                "17:31:03,000",
                "INFO",
                "org.apache.flink.runtime.dispatcher.StandaloneDispatcher",
                "Received JobGraph submission",
            ),
            py("17:31:03,921", STARTED),
            py("17:31:04,225", "main.py starting /tmp/venv120/bin/python"),
            py("17:31:08,246", "Traceback (most recent call last):"),
            py(
                "17:31:08,246",
                "  File \"/tmp/pyexp/app/main.py\", line 20, in <module>",
            ),
            jm(
                "17:31:08,246",
                "WARN",
                "org.apache.flink.runtime.blob.BlobServer",
                "A blob went missing",
            ),
            "java.io.FileNotFoundException: /tmp/blob\n".to_string(),
            "\tat org.apache.flink.runtime.blob.BlobServer.get(BlobServer.java:1)\n".to_string(),
            py("17:31:08,247", "    main()"),
            py(
                "17:31:08,247",
                "  File \"/tmp/pyexp/app/main.py\", line 17, in main",
            ),
        ]
        .concat();
        let second = [
            py("17:31:08,247", "    raise ValueError(\"boom\")"),
            py("17:31:08,247", "ValueError: boom"),
            py("17:31:08,248", ""),
            py("17:31:08,432", EXITED),
            jm(
                "17:31:08,432",
                "ERROR",
                PYTHON_DRIVER_LOGGER,
                "Run python process failed",
            ),
            "java.lang.RuntimeException: Python process exits with code: 1\n".to_string(),
        ]
        .concat();
        (first, second)
    }

    const TRACEBACK: &str = "[python] Traceback (most recent call last):\n  File \"/tmp/pyexp/app/main.py\", line 20, in <module>\n    main()\n  File \"/tmp/pyexp/app/main.py\", line 17, in main\n    raise ValueError(\"boom\")\nValueError: boom";

    /// A traceback cut by the end of a read is held, whole, for the next
    /// round (other loggers' lines go on being shipped), and a restart in
    /// between reads it again from its first line without shipping the
    /// other lines twice.
    #[test]
    fn python_output_is_shipped_as_lines_and_one_event_per_traceback_across_rounds() {
        use std::io::Write;
        let (first, second) = failing_run();
        for restart in [false, true] {
            let dir = tempfile::tempdir().unwrap();
            let log = dir.path().join("jobmanager.log");
            let mut file = std::fs::File::create(&log).unwrap();
            file.write_all(first.as_bytes()).unwrap();
            let inode = std::fs::metadata(&log).unwrap().ino();
            let mut c = Cursor::open(&log, inode, "a", "jobmanager");
            let mut shipped = c.read(&log, false).unwrap();
            assert_eq!(
                texts(&shipped),
                [
                    "[jobmanager] Received JobGraph submission",
                    &format!("[python] {STARTED}"),
                    "[python] main.py starting /tmp/venv120/bin/python",
                    "[jobmanager] A blob went missing\njava.io.FileNotFoundException: /tmp/blob\n\tat org.apache.flink.runtime.blob.BlobServer.get(BlobServer.java:1)",
                ],
                "restart: {restart}"
            );
            // Stored: read again from the traceback's first line; what
            // follows it, not Python's, was shipped up to the event held.
            let stored = c.stored();
            let traceback_at = first.find("2026-12-07 17:31:08,246 INFO").unwrap() as u64;
            let last_at = first.rfind("2026-12-07").unwrap() as u64;
            assert_eq!((stored.offset, stored.shipped_to), (traceback_at, last_at));
            save_offset(&log, stored);
            assert_eq!(load_offset(&log), Some(stored));

            if restart {
                c = Cursor::open(&log, inode, "a", "jobmanager");
            }
            file.write_all(second.as_bytes()).unwrap();
            let more = c.read(&log, false).unwrap();
            assert_eq!(
                texts(&more),
                [TRACEBACK, "[python] ", &format!("[python] {EXITED}")],
                "restart: {restart}"
            );
            let when = parse_header(&py("17:31:08,246", "")).unwrap().timestamp;
            assert_eq!(
                (more[0].0, more[0].1, more[0].2.as_str()),
                (when, LogLevel::Error, PYTHON_DRIVER_LOGGER)
            );
            shipped.extend(more);
            // The driver's own error is the driver's, not Python's.
            let last = c.read(&log, false).unwrap();
            assert_eq!(
                texts(&last),
                ["[jobmanager] Run python process failed\njava.lang.RuntimeException: Python process exits with code: 1"]
            );
            assert_eq!(last[0].1, LogLevel::Error);
            shipped.extend(last);
            assert_eq!(shipped.len(), 8, "restart: {restart}");
            let stored = c.stored();
            assert_eq!(stored.offset, (first.len() + second.len()) as u64);
            save_offset(&log, stored);
            let text = std::fs::read_to_string(offset_file(&log)).unwrap();
            assert_eq!(text, format!("{inode} {}\n", stored.offset), "as before");
        }
    }

    /// Python's silence ends a held traceback: a Job Manager that goes on
    /// logging does not keep it back.
    #[test]
    fn a_held_traceback_is_shipped_once_python_falls_silent() {
        use std::io::Write;
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("jobmanager.log");
        let mut file = std::fs::File::create(&log).unwrap();
        let other = |t: &str| {
            jm(
                t,
                "INFO",
                "org.apache.flink.runtime.checkpoint.CheckpointCoordinator",
                "Completed checkpoint",
            )
        };
        let mut lines = vec![
            py("17:31:08,246", "Traceback (most recent call last):"),
            py(
                "17:31:08,246",
                "  File \"/tmp/pyexp/app/main.py\", line 20, in <module>",
            ),
            py("17:31:08,246", "    main()"),
            py(
                "17:31:08,246",
                "  File \"/tmp/pyexp/app/main.py\", line 17, in main",
            ),
            py("17:31:08,247", "    raise ValueError(\"boom\")"),
            py("17:31:08,247", "ValueError: boom"),
        ];
        lines.push(other("17:31:09,000"));
        file.write_all(lines.concat().as_bytes()).unwrap();
        let inode = std::fs::metadata(&log).unwrap().ino();
        let mut c = Cursor::open(&log, inode, "a", "jobmanager");
        // Python's lines came this round: what follows may be its.
        assert!(c.read(&log, false).unwrap().is_empty());
        assert!(c.python.is_holding());
        file.write_all(other("17:31:10,000").as_bytes()).unwrap();
        assert_eq!(
            texts(&c.read(&log, false).unwrap()),
            ["[jobmanager] Completed checkpoint", TRACEBACK]
        );
        assert!(!c.python.is_holding());
        assert_eq!(c.stored().offset, c.held_from);
    }

    /// Python's lines are INFO, as the driver logs them; a traceback is
    /// ERROR, so that a log kept at WARN or ERROR says why Python failed.
    #[test]
    fn python_lines_pass_as_info_and_tracebacks_as_error() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("jobmanager.log");
        let (first, second) = failing_run();
        std::fs::write(&log, first + &second).unwrap();
        let inode = std::fs::metadata(&log).unwrap().ino();
        let mut c = Cursor::open(&log, inode, "a", "jobmanager");
        let events = c.read(&log, true).unwrap();
        for (at, want) in [
            (LogLevel::Debug, 8),
            (LogLevel::Info, 8),
            (LogLevel::Warn, 3),
            (LogLevel::Error, 2),
        ] {
            let kept: Vec<_> = events.iter().filter(|e| passes(e.1, at)).cloned().collect();
            assert_eq!(kept.len(), want, "at {at:?}: {:?}", texts(&kept));
            assert!(texts(&kept).contains(&TRACEBACK), "at {at:?}");
            assert!(kept.iter().all(|e| passes(e.1, at)));
        }
        let levels: Vec<_> = events
            .iter()
            .filter(|e| e.3.starts_with("[python] "))
            .map(|e| e.1)
            .collect();
        use LogLevel::{Error, Info};
        assert_eq!(levels, [Info, Info, Error, Info, Info]);
    }

    fn messages(events: &[FlinkLine]) -> Vec<&str> {
        events.iter().map(|e| e.message.as_str()).collect()
    }

    /// A registered cluster's log, read whole each round: a restarted Weir
    /// goes on where the one before stopped (the held event again, nothing
    /// twice); a new log of the same process is read from its start; with
    /// nowhere to keep positions, only what is logged after the start.
    #[test]
    fn remote_logs_resume_across_restarts_and_restart_with_a_new_log() {
        let dir = tempfile::tempdir().unwrap();
        let key = "http://10.0.0.2:8081 jobmanager";
        let mut log = String::from(
            "2026-11-26 10:00:00,000 INFO  org.A [] - started\n\
             2026-11-26 10:00:01,000 INFO  org.A [j1] - one\n\
             2026-11-26 10:00:02,000 WARN  org.B [j1] - two\n",
        );
        let mut c = RemoteCursor::resume(Some(dir.path()), key, &log, 0);
        assert_eq!(messages(&c.read(&log)), ["started", "one"]);
        c.save(dir.path(), key);

        // Weir down: the cluster logs on, with a continuation of "two".
        log.push_str("\tat x.y(Z.java:1)\n2026-11-26 10:00:03,000 INFO  org.A [j1] - three\n");
        let mut again = RemoteCursor::resume(Some(dir.path()), key, &log, i64::MAX);
        assert_eq!(messages(&again.read(&log)), ["two\n\tat x.y(Z.java:1)"]);
        assert_eq!(messages(&again.read(&log)), ["three"]);
        assert!(again.read(&log).is_empty());

        // The Job Manager restarted: a new log, longer than the old offset.
        let new_log = format!(
            "2026-11-26 11:00:00,000 INFO  org.A [] - started again\n{}",
            "2026-11-26 11:00:01,000 INFO  org.A [j1] - later\n".repeat(10)
        );
        assert!(new_log.len() > again.offset);
        let events = again.read(&new_log);
        assert_eq!(events[0].message, "started again");
        assert_eq!(events.len(), 10, "the last held: {events:?}");
        again.save(dir.path(), key);
        let fresh = RemoteCursor::resume(Some(dir.path()), key, &log, 0);
        assert_eq!(fresh.offset, 0, "the kept position is the new log's");

        // Nowhere to keep positions: what was logged before the start is
        // not shipped.
        let floor = parse_header("2026-11-26 10:00:02,000 WARN  org.B [j1] - two")
            .unwrap()
            .timestamp;
        let mut blind = RemoteCursor::resume(None, key, &log, floor);
        let mut got = blind.read(&log);
        got.extend(blind.read(&log));
        assert_eq!(messages(&got), ["two\n\tat x.y(Z.java:1)", "three"]);
    }
}
