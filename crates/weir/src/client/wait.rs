//! `--wait`: poll DescribeApplication (and the operation the command
//! started, when the API gave its id) until the application settles, showing
//! progress on stderr — a spinner with the status and the time taken on a
//! terminal, one line per status change otherwise — then judge the outcome:
//! the expected status, or exit 6 with the error of the operation that
//! failed, or exit 7 at the timeout.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use aws_sdk_kinesisanalyticsv2::types::{
    ApplicationDetail, ApplicationOperationInfo, ApplicationOperationInfoDetails, OperationStatus,
};
use serde_json::Value;

use super::session::{all_pages, Capture, Session};
use super::{Exit, Failure};

/// Statuses an application passes through; any other is where it settles.
pub const TRANSIENT: &[&str] = &[
    "CREATING",
    "STARTING",
    "STOPPING",
    "FORCE_STOPPING",
    "UPDATING",
    "DELETING",
    "AUTOSCALING",
    "ROLLING_BACK",
    "MAINTENANCE",
];

const POLL: Duration = Duration::from_millis(1000);
/// The server may restart under a wait (its applications run on); give it
/// this long to come back before giving up.
const UNREACHABLE_GRACE: Duration = Duration::from_secs(30);

/// An application as DescribeApplication returned it, typed and raw.
pub struct Described {
    pub detail: ApplicationDetail,
    pub raw: Value,
}

pub async fn describe(s: &Session, name: &str) -> Result<Described, Failure> {
    describe_detailed(s, name, false).await
}

/// DescribeApplication, with `IncludeAdditionalDetails` if `additional`
/// (Weir then adds `WeirPlacement`, kept in the raw JSON).
pub async fn describe_detailed(
    s: &Session,
    name: &str,
    additional: bool,
) -> Result<Described, Failure> {
    let capture = Capture::default();
    let mut request = s.kda.describe_application().application_name(name);
    if additional {
        request = request.include_additional_details(true);
    }
    let out = request
        .customize()
        .interceptor(capture.clone())
        .send()
        .await
        .map_err(|e| s.fail(e))?;
    let detail = out
        .application_detail
        .ok_or_else(|| Failure::other("DescribeApplication answered without ApplicationDetail"))?;
    Ok(Described {
        detail,
        raw: capture.json(),
    })
}

/// What the wait is for.
pub enum Want {
    /// This status.
    Status(&'static str),
    /// The application no longer exists (a delete).
    Gone,
}

pub struct Target<'a> {
    pub app: &'a str,
    /// The operation the command started, if the API named it.
    pub operation_id: Option<String>,
    pub want: Want,
    pub timeout: Duration,
}

/// How a wait ended: the application as last seen (none once deleted) and,
/// if it did not end as wanted, why.
pub struct Outcome {
    pub last: Option<Described>,
    pub failure: Option<Failure>,
}

impl Outcome {
    pub fn into_result(self) -> Result<Option<Described>, Failure> {
        match self.failure {
            Some(f) => Err(f),
            None => Ok(self.last),
        }
    }
}

pub async fn application(s: &Session, target: Target<'_>) -> Result<Outcome, Failure> {
    let started = Instant::now();
    let since = unix_now().saturating_sub(5);
    let mut progress = Progress::new(target.app);
    let mut unreachable_since: Option<Instant> = None;
    let outcome = loop {
        let look = look(s, &target).await;
        let (described, op) = match look {
            Ok(Look::Gone) => match target.want {
                Want::Gone => {
                    progress.update("deleted");
                    break Outcome {
                        last: None,
                        failure: None,
                    };
                }
                Want::Status(_) => {
                    progress.finish();
                    return Err(Failure::new(
                        Exit::Unexpected,
                        format!("{} was deleted while waiting for it", target.app),
                    ));
                }
            },
            Ok(Look::Seen(described, op)) => {
                unreachable_since = None;
                (*described, op)
            }
            Err(f) if f.exit == Exit::Unreachable => {
                let first = *unreachable_since.get_or_insert_with(Instant::now);
                if first.elapsed() > UNREACHABLE_GRACE || started.elapsed() > target.timeout {
                    progress.finish();
                    return Err(f);
                }
                progress.update("(server unreachable, retrying)");
                progress.pause().await;
                continue;
            }
            Err(f) => {
                progress.finish();
                return Err(f);
            }
        };
        let status = described.detail.application_status().as_str().to_string();
        progress.update(&status);
        let op_running = op
            .as_ref()
            .is_some_and(|o| o.operation_status() == &OperationStatus::InProgress);
        if !TRANSIENT.contains(&status.as_str()) && !op_running {
            let failure = judge(s, &target, &status, op.as_ref(), since).await;
            break Outcome {
                last: Some(described),
                failure,
            };
        }
        if started.elapsed() > target.timeout {
            break Outcome {
                last: Some(described),
                failure: Some(Failure::new(
                    Exit::Timeout,
                    format!(
                        "{} is still {status} after {} s (--timeout)",
                        target.app,
                        target.timeout.as_secs()
                    ),
                )),
            };
        }
        progress.pause().await;
    };
    progress.finish();
    Ok(outcome)
}

enum Look {
    Seen(Box<Described>, Option<ApplicationOperationInfoDetails>),
    Gone,
}

async fn look(s: &Session, target: &Target<'_>) -> Result<Look, Failure> {
    let described = match describe(s, target.app).await {
        Ok(d) => d,
        Err(f) if f.exit == Exit::NotFound => return Ok(Look::Gone),
        Err(f) => return Err(f),
    };
    let op = match &target.operation_id {
        Some(id) => Some(operation(s, target.app, id).await?),
        None => None,
    };
    Ok(Look::Seen(Box::new(described), op))
}

pub async fn operation(
    s: &Session,
    app: &str,
    id: &str,
) -> Result<ApplicationOperationInfoDetails, Failure> {
    s.kda
        .describe_application_operation()
        .application_name(app)
        .operation_id(id)
        .send()
        .await
        .map_err(|e| s.fail(e))?
        .application_operation_info_details
        .ok_or_else(|| {
            Failure::other(
                "DescribeApplicationOperation answered without ApplicationOperationInfoDetails",
            )
        })
}

/// Every operation of `app` as the server lists them, raw and typed.
pub async fn list_operations(
    s: &Session,
    app: &str,
) -> Result<(Vec<Value>, Vec<ApplicationOperationInfo>), Failure> {
    all_pages(|token| async move {
        let capture = Capture::default();
        let page = s
            .kda
            .list_application_operations()
            .application_name(app)
            .limit(50)
            .set_next_token(token)
            .customize()
            .interceptor(capture.clone())
            .send()
            .await
            .map_err(|e| s.fail(e))?;
        Ok((
            capture.items("ApplicationOperationInfoList"),
            page.application_operation_info_list().to_vec(),
            page.next_token().map(str::to_string),
        ))
    })
    .await
}

/// Every operation of `app`, newest first.
pub async fn operations(s: &Session, app: &str) -> Result<Vec<ApplicationOperationInfo>, Failure> {
    let (_, mut all) = list_operations(s, app).await?;
    all.sort_by_key(|o| std::cmp::Reverse(o.start_time().map(|t| (t.secs(), t.subsec_nanos()))));
    Ok(all)
}

/// The application settled in `status`: is that what was wanted?
async fn judge(
    s: &Session,
    target: &Target<'_>,
    status: &str,
    op: Option<&ApplicationOperationInfoDetails>,
    since: i64,
) -> Option<Failure> {
    if let (Some(op), Some(id)) = (op, &target.operation_id) {
        if op.operation_status() == &OperationStatus::Failed {
            return Some(Failure::new(
                Exit::Unexpected,
                failed_operation(target.app, id, op, status),
            ));
        }
    }
    let wanted = match target.want {
        Want::Status(want) => want,
        Want::Gone => "deleted",
    };
    if status == wanted {
        return None;
    }
    let mut message = format!("{} ended {status}, not {wanted}", target.app);
    // Why: the newest operation that failed since the command began.
    if let Ok(ops) = operations(s, target.app).await {
        let failed = ops.iter().find(|o| {
            o.operation_status() == Some(&OperationStatus::Failed)
                && o.start_time().is_some_and(|t| t.secs() >= since)
        });
        if let Some(id) = failed.and_then(|o| o.operation_id()) {
            if let Ok(details) = operation(s, target.app, id).await {
                message = failed_operation(target.app, id, &details, status);
            }
        }
    }
    Some(Failure::new(Exit::Unexpected, message))
}

/// `orders: operation X (StartApplication) FAILED, the application is READY:`
/// and the operation's error, indented.
pub fn failed_operation(
    app: &str,
    id: &str,
    op: &ApplicationOperationInfoDetails,
    status: &str,
) -> String {
    let mut message = format!(
        "{app}: operation {id} ({}) FAILED; the application is {status}",
        op.operation()
    );
    if let Some(details) = op.operation_failure_details() {
        if let Some(rollback) = details.rollback_operation_id() {
            message.push_str(&format!(" (rolled back by operation {rollback})"));
        }
        if let Some(error) = details.error_info().and_then(|e| e.error_string()) {
            message.push(':');
            for line in error.lines() {
                message.push_str("\n    ");
                message.push_str(line);
            }
        }
    }
    message
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Progress on stderr: a spinner line redrawn in place on a terminal, a
/// line per change of state otherwise (logs, CI).
pub struct Progress {
    label: String,
    tty: bool,
    started: Instant,
    state: String,
    frame: usize,
    drawn: bool,
}

impl Progress {
    pub fn new(label: &str) -> Progress {
        Progress {
            label: label.to_string(),
            tty: std::io::stderr().is_terminal(),
            started: Instant::now(),
            state: String::new(),
            frame: 0,
            drawn: false,
        }
    }

    pub fn update(&mut self, state: &str) {
        if self.tty {
            self.state = state.to_string();
            self.draw();
        } else if state != self.state {
            self.state = state.to_string();
            eprintln!(
                "[{:>4}s] {}: {state}",
                self.started.elapsed().as_secs(),
                self.label
            );
        }
    }

    /// Waits until the next look, keeping the spinner turning.
    pub async fn pause(&mut self) {
        if !self.tty {
            tokio::time::sleep(POLL).await;
            return;
        }
        let step = Duration::from_millis(100);
        let mut waited = Duration::ZERO;
        while waited < POLL {
            tokio::time::sleep(step).await;
            waited += step;
            self.frame += 1;
            self.draw();
        }
    }

    fn draw(&mut self) {
        const FRAMES: [char; 10] = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
        let mut err = std::io::stderr().lock();
        let _ = write!(
            err,
            "\r\x1b[2K{} {}: {} ({})",
            FRAMES[self.frame % FRAMES.len()],
            self.label,
            self.state,
            super::output::duration_secs(self.started.elapsed().as_secs())
        );
        let _ = err.flush();
        self.drawn = true;
    }

    /// Clears the spinner line (a terminal) so the result stands alone.
    pub fn finish(&mut self) {
        if self.tty && self.drawn {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K");
            let _ = err.flush();
            self.drawn = false;
        }
    }

    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }
}
