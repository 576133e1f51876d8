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
//! Where a file was read up to is kept beside it (`<log>.weir-offset`,
//! written after the events are committed), so that a restarted Weir goes on
//! where it stopped; a crash between the two repeats at most one round.
//!
//! A registered cluster's logs are not files on this machine: the runtime
//! fetches them whole from its Flink (`Runtime::served_logs`) every
//! [`REMOTE_EVERY`]th round, and each application gets the lines of its own
//! job. What was shipped of each is decided here, with the position kept in
//! the state directory across restarts.

use std::collections::HashMap;
use std::io::{Read, Seek, SeekFrom};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use weir_control::model::LogLevel;

use weir_runtime::backend::{ClusterView, ProcessKind, Runtime, ServedLog};
use weir_runtime::flink_log::{parse_header, FlinkLine};

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

/// Folds `lines` (complete lines, each ending in a newline) into `events`;
/// where in `lines` the last event started, if one started there (the
/// event the folder now holds, unless nothing follows it).
fn fold_lines(folder: &mut Folder, lines: &[u8], events: &mut Vec<FlinkLine>) -> Option<usize> {
    let mut at = 0;
    let mut started = None;
    for raw in lines.split(|&b| b == b'\n') {
        if at >= lines.len() {
            break;
        }
        let line = String::from_utf8_lossy(raw);
        let line = line.trim_end_matches('\r');
        if parse_header(line).is_some() {
            started = Some(at);
        }
        events.extend(folder.push(line));
        at += raw.len() + 1;
    }
    started
}

/// Where one log file has been read to.
#[derive(Debug, Default)]
struct Cursor {
    /// Whose file it is, and which process writes it.
    app: String,
    source: String,
    inode: u64,
    /// Bytes consumed: complete lines, each shipped or in `folder`.
    offset: u64,
    /// Where the event held in `folder` started (what a restart re-reads).
    held_from: u64,
    folder: Folder,
}

fn offset_file(log: &Path) -> PathBuf {
    let mut name = log.as_os_str().to_owned();
    name.push(".weir-offset");
    PathBuf::from(name)
}

/// The stored "inode offset" of a log file.
fn load_offset(log: &Path) -> Option<(u64, u64)> {
    let text = std::fs::read_to_string(offset_file(log)).ok()?;
    let (inode, offset) = text.trim().split_once(' ')?;
    Some((inode.parse().ok()?, offset.parse().ok()?))
}

fn save_offset(log: &Path, inode: u64, offset: u64) {
    let path = offset_file(log);
    let tmp = path.with_extension("tmp");
    if std::fs::write(&tmp, format!("{inode} {offset}\n")).is_ok() {
        let _ = std::fs::rename(&tmp, &path);
    }
}

impl Cursor {
    fn open(log: &Path, inode: u64, app: &str, source: &str) -> Cursor {
        let offset = match load_offset(log) {
            Some((i, o)) if i == inode => o,
            _ => 0,
        };
        Cursor {
            app: app.to_string(),
            source: source.to_string(),
            inode,
            offset,
            held_from: offset,
            folder: Folder::default(),
        }
    }

    /// Reads what the file gained; returns the completed events and whether
    /// anything was read.
    fn read(&mut self, log: &Path) -> std::io::Result<(Vec<FlinkLine>, bool)> {
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
        let mut events = Vec::new();
        if meta.len() == self.offset {
            return Ok((events, false));
        }
        file.seek(SeekFrom::Start(self.offset))?;
        let mut buf = Vec::new();
        file.take(MAX_READ_BYTES).read_to_end(&mut buf)?;
        // Only complete lines; a partial last line is read again next round.
        let Some(end) = buf.iter().rposition(|&b| b == b'\n') else {
            return Ok((events, false));
        };
        if let Some(held) = fold_lines(&mut self.folder, &buf[..=end], &mut events) {
            self.held_from = self.offset + held as u64;
        }
        self.offset += end as u64 + 1;
        if !self.folder.is_pending() {
            self.held_from = self.offset;
        }
        Ok((events, true))
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
        let mut events = Vec::new();
        if let Some(held) = fold_lines(&mut self.folder, &fresh[..end], &mut events) {
            self.held_from = self.offset + held;
        }
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
                let Ok((mut events, read)) = cursor.read(file) else {
                    continue;
                };
                if !read || last {
                    // Nothing new for a round: the held event is complete.
                    events.extend(cursor.folder.flush());
                    cursor.held_from = cursor.offset;
                }
                lines.extend(events.into_iter().filter(|e| passes(e.level, at)).map(|e| {
                    (
                        e.timestamp,
                        e.level,
                        e.logger,
                        format!("[{source}] {}", e.message),
                    )
                }));
                done.push((file.clone(), cursor.inode, cursor.held_from));
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
        for (file, inode, offset) in done {
            save_offset(&file, inode, offset);
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
        let (events, read) = c.read(&log).unwrap();
        assert!(read);
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].message, "one");
        // "two" is held (a continuation may follow); the partial line waits.
        save_offset(&log, c.inode, c.held_from);

        // A restarted Weir starts again at the held event.
        let mut again = Cursor::open(&log, inode, "a", "jobmanager");
        writeln!(file, "ee").unwrap();
        let (events, _) = again.read(&log).unwrap();
        assert_eq!(
            events
                .iter()
                .map(|e| e.message.as_str())
                .collect::<Vec<_>>(),
            ["two\ncontinued"]
        );
        let (events, read) = again.read(&log).unwrap();
        assert!(!read && events.is_empty());
        assert_eq!(again.folder.flush().unwrap().message, "three");

        // Truncation starts over.
        std::fs::write(&log, "2026-11-26 11:00:00,000 INFO  org.D [] - fresh\n").unwrap();
        let (events, _) = again.read(&log).unwrap();
        assert!(events.is_empty());
        assert_eq!(again.folder.flush().unwrap().message, "fresh");
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
