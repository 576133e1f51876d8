//! What the local and the remote runtime do the same way, because both
//! speak to a Flink Job Manager over its REST API: reading a job into an
//! [`JobObservation`], the job-level configuration of the service's
//! defaults, running an application's jar, savepoints, load figures, and
//! noticing a Job Manager that stopped answering.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use weir_control::model::Application;
use weir_control::operation::{JobState, JobStatus};
use weir_control::spec::{ENTRY_CLASS, PROGRAM_ARGS, RUN_OPTIONS_GROUP};

use crate::{FlinkRest, JobId, RestError, RunJar};

use super::{JobObservation, Load, Restore, RuntimeFailure, SavepointProgress};

/// Flink's per-subtask load metrics (ms per second).
const BUSY_METRIC: &str = "busyTimeMsPerSecond";
const BACKPRESSURE_METRIC: &str = "backPressuredTimeMsPerSecond";

/// How long one look waits for the Job Manager's REST API.
pub(crate) const OBSERVE_TIMEOUT: Duration = Duration::from_secs(10);

/// A Job Manager that has not answered for this long is reported in the
/// application's log (hung, cut off, in a long GC pause).
pub const HUNG_AFTER: Duration = Duration::from_secs(20);

/// Weir's own reason a step cannot be done.
pub(crate) fn refused(why: impl Into<String>) -> RuntimeFailure {
    RuntimeFailure::Refused(why.into())
}

/// Job `id` as Flink reports it; `None` when Flink does not know it.
pub(crate) async fn observe_job(
    rest: &FlinkRest,
    id: JobId,
    recorded: &JobState,
) -> Result<Option<JobObservation>, RestError> {
    let details = match rest.job(&id).await {
        Ok(d) => d,
        Err(e) if e.is_not_found() => return Ok(None),
        Err(e) => return Err(e),
    };
    let Some(status) = JobStatus::parse(details.state.as_str()) else {
        return Ok(None);
    };
    let tasks = details.tasks();
    let mut all_tasks_running = tasks.total > 0 && tasks.running + tasks.finished == tasks.total;
    if status == JobStatus::Running && !all_tasks_running {
        // Job details come from a cache Flink refreshes every
        // `web.refresh-interval` (3 s by default; Weir's own clusters use
        // 100 ms, a registered cluster is configured by its operator). The
        // jobs overview asks the running jobs themselves: whether every task
        // runs is known at once.
        if let Ok(jobs) = rest.jobs_overview().await {
            if let Some(live) = jobs.iter().find(|j| j.id == id) {
                let t = &live.tasks;
                all_tasks_running = live.state == crate::JobState::Running
                    && t.total > 0
                    && t.running + t.finished == t.total;
            }
        }
    }
    let entered = details
        .timestamps
        .iter()
        .filter_map(|(s, t)| JobStatus::parse(s).map(|s| (s, *t)))
        .collect();
    let failure = if matches!(
        status,
        JobStatus::Failed | JobStatus::Failing | JobStatus::Restarting
    ) || recorded.status != Some(status)
    {
        rest.job_exceptions(&id).await.ok().flatten()
    } else {
        None
    };
    Ok(Some(JobObservation {
        id: id.0.clone(),
        name: details.name.clone(),
        status,
        // Finished subtasks (a bounded source, an idle reader) count as done.
        all_tasks_running,
        parallelism: details
            .vertices
            .iter()
            .map(|v| v.parallelism)
            .max()
            .unwrap_or(0),
        entered,
        failure,
        fresh: true,
    }))
}

/// The job as last recorded, for a look at which Flink did not answer:
/// reported rather than absent, so nothing is submitted twice.
pub(crate) fn as_recorded(job: &JobState) -> Option<JobObservation> {
    job.job_id.clone().map(|id| JobObservation {
        id,
        name: job.job_name.clone().unwrap_or_default(),
        status: job.status.unwrap_or(JobStatus::Created),
        all_tasks_running: false,
        parallelism: 0,
        entered: Vec::new(),
        failure: None,
        fresh: false,
    })
}

/// The service's defaults for a job, as Flink configuration: its restart
/// strategy, checkpointing and where checkpoints and savepoints go.
pub(crate) fn job_config(
    app: &Application,
    checkpoints_dir: &Path,
    savepoints_dir: &Path,
) -> Vec<(String, String)> {
    let c = app.config.flink.checkpoint.effective();
    let checkpoints = format!("file://{}", checkpoints_dir.display());
    let savepoints = format!("file://{}", savepoints_dir.display());
    let mut cfg = vec![
        // The service's restart strategy: fixed delay, 10 s, unbounded.
        ("restart-strategy.type", "fixed-delay".to_string()),
        (
            "restart-strategy.fixed-delay.attempts",
            i32::MAX.to_string(),
        ),
        ("restart-strategy.fixed-delay.delay", "10 s".to_string()),
        (
            "parallelism.default",
            app.config.flink.parallelism.current_parallelism.to_string(),
        ),
        // Both spellings: 1.x reads state.*, 2.x execution.checkpointing.*.
        ("state.checkpoints.dir", checkpoints.clone()),
        ("execution.checkpointing.dir", checkpoints),
        ("state.savepoints.dir", savepoints.clone()),
        ("execution.checkpointing.savepoint-dir", savepoints),
    ];
    if c.enabled {
        cfg.push((
            "execution.checkpointing.interval",
            format!("{} ms", c.interval_ms),
        ));
        cfg.push((
            "execution.checkpointing.min-pause",
            format!("{} ms", c.min_pause_ms),
        ));
    }
    cfg.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

/// The application's properties as the service's JSON array.
pub(crate) fn properties_json(app: &Application) -> String {
    let groups: Vec<serde_json::Value> = app
        .config
        .environment_properties
        .iter()
        .flatten()
        .map(|g| {
            let map: serde_json::Map<String, serde_json::Value> = g
                .properties
                .iter()
                .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
                .collect();
            serde_json::json!({ "PropertyGroupId": g.id, "PropertyMap": map })
        })
        .collect();
    serde_json::Value::Array(groups).to_string()
}

fn run_option(app: &Application, key: &str) -> Option<String> {
    app.config
        .environment_properties
        .iter()
        .flatten()
        .find(|g| g.id == RUN_OPTIONS_GROUP)?
        .properties
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.clone())
}

/// How to run `app`'s jar: its entry class and program arguments (with
/// `extra_args` after them; the run options `weir_control::spec` accepts),
/// its parallelism, the restore and `config`.
pub(crate) fn run_jar(
    app: &Application,
    restore: Option<&Restore>,
    config: Vec<(String, String)>,
    job_id: Option<String>,
    extra_args: &[String],
) -> RunJar {
    let mut program_args: Vec<String> = run_option(app, PROGRAM_ARGS)
        .map(|a| a.split_whitespace().map(str::to_string).collect())
        .unwrap_or_default();
    program_args.extend(extra_args.iter().cloned());
    RunJar {
        entry_class: run_option(app, ENTRY_CLASS),
        program_args,
        parallelism: Some(app.config.flink.parallelism.current_parallelism),
        savepoint_path: restore.map(|r| r.path.clone()),
        allow_non_restored_state: restore.is_some_and(|r| r.allow_non_restored_state),
        flink_config: config,
        job_id,
    }
}

/// The job id for a submission. A Weir killed while Flink ran the jar's
/// main() leaves a submission that may still become a job after the next
/// Weir looked for it; reusing its id (recorded before that run) while
/// Flink does not know it lets at most one of the two become a job: Flink
/// refuses a second job of one id. A fresh id once Flink knows the old one.
pub(crate) async fn submission_id(rest: &FlinkRest, pending: Option<&str>) -> String {
    if let Some(id) = pending {
        if unknown_to_flink(&rest.job(&JobId(id.to_string())).await) {
            return id.to_string();
        }
    }
    fresh_job_id()
}

/// Whether Flink's answer to a job lookup says it has no such job.
pub(crate) fn unknown_to_flink<T>(lookup: &Result<T, RestError>) -> bool {
    matches!(lookup, Err(RestError::Status { code: 404, .. }))
}

pub(crate) fn fresh_job_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// Runs the jar as job `id` (from [`submission_id`]). When the run fails
/// but a job of that id exists, the earlier, in-flight submission won the
/// race: that job is this submission's.
pub(crate) async fn run_as(
    rest: &FlinkRest,
    jar_id: &str,
    run: &RunJar,
    id: &str,
) -> Result<JobId, RestError> {
    match rest.run_jar(jar_id, run).await {
        Ok(job) => Ok(job),
        Err(e) => match rest.job(&JobId(id.to_string())).await {
            Ok(d) if !d.state.is_globally_terminal() => Ok(d.id),
            _ => Err(e),
        },
    }
}

/// Copies the application's stored jar at `code` to `jar` (Flink's upload
/// wants a file name ending in `.jar`).
pub(crate) fn copy_code(code: &Path, jar: &Path) -> Result<(), RuntimeFailure> {
    std::fs::copy(code, jar)
        .map(drop)
        .map_err(RuntimeFailure::io("copying the code"))
}

/// Asks Flink for a savepoint of `job_id` into `target_dir` (created
/// first), stopping the job with it if `stop`.
pub(crate) async fn savepoint(
    rest: &FlinkRest,
    job_id: &str,
    target_dir: &Path,
    stop: bool,
) -> Result<String, RuntimeFailure> {
    std::fs::create_dir_all(target_dir).map_err(RuntimeFailure::io(format!(
        "creating {}",
        target_dir.display()
    )))?;
    let target = target_dir.to_string_lossy();
    let id = JobId(job_id.to_string());
    let trigger = if stop {
        rest.stop_with_savepoint(&id, Some(&target), false).await
    } else {
        rest.trigger_savepoint(&id, Some(&target), false).await
    };
    trigger
        .map(|t| t.0)
        .map_err(|source| RuntimeFailure::Flink {
            doing: Some("Flink refused the savepoint".into()),
            source,
        })
}

pub(crate) async fn savepoint_status(
    rest: &FlinkRest,
    job_id: &str,
    trigger: &str,
) -> Result<SavepointProgress, RuntimeFailure> {
    let status = rest
        .savepoint_status(
            &JobId(job_id.to_string()),
            &crate::TriggerId(trigger.to_string()),
        )
        .await;
    match status {
        Ok(crate::SavepointStatus::InProgress) => Ok(SavepointProgress::InProgress),
        Ok(crate::SavepointStatus::Completed { location }) => {
            Ok(SavepointProgress::Completed { location })
        }
        Ok(crate::SavepointStatus::Failed { cause }) => Ok(SavepointProgress::Failed {
            cause: crate::summarize_java_error(&cause),
        }),
        Err(e) if e.is_not_found() => Ok(SavepointProgress::Failed {
            cause: "Flink no longer knows the savepoint request (its Job Manager restarted or the job is gone)".into(),
        }),
        Err(e) => Err(RuntimeFailure::flink(e)),
    }
}

pub(crate) async fn last_savepoint(rest: &FlinkRest, job_id: &str) -> Option<String> {
    let stats = rest.checkpoints(&JobId(job_id.to_string())).await.ok()?;
    stats.latest_savepoint?.external_path
}

/// The newest completed checkpoint of job `job_id` under `checkpoints`:
/// `<checkpoints>/<job id>/chk-<n>/_metadata`, the highest n whose metadata
/// was written (Flink writes it last, when the checkpoint completes).
pub(crate) fn newest_checkpoint(checkpoints: &Path, job_id: &str) -> Option<String> {
    let dir = checkpoints.join(job_id);
    let newest: (u64, PathBuf) = std::fs::read_dir(&dir)
        .ok()?
        .flatten()
        .filter_map(|e| {
            let n: u64 = e.file_name().to_str()?.strip_prefix("chk-")?.parse().ok()?;
            e.path()
                .join("_metadata")
                .is_file()
                .then_some((n, e.path()))
        })
        .max_by_key(|(n, _)| *n)?;
    Some(newest.1.display().to_string())
}

/// Adds the job's busy and back-pressure fractions (the worst vertex) and
/// its smallest max parallelism to `load`.
pub(crate) async fn job_load(rest: &FlinkRest, job_id: &str, load: &mut Load) -> Option<()> {
    let id = JobId(job_id.to_string());
    let details = rest.job(&id).await.ok()?;
    for v in &details.vertices {
        if v.max_parallelism > 0 {
            load.max_parallelism = Some(
                load.max_parallelism
                    .map_or(v.max_parallelism, |m| m.min(v.max_parallelism)),
            );
        }
        let Ok(metrics) = rest
            .vertex_metrics_avg(&id, &v.id, &[BUSY_METRIC, BACKPRESSURE_METRIC])
            .await
        else {
            continue;
        };
        for (name, avg) in metrics {
            let fraction = (avg / 1000.0).clamp(0.0, 1.0);
            let slot = if name == BUSY_METRIC {
                &mut load.busy
            } else {
                &mut load.backpressure
            };
            *slot = Some(slot.map_or(fraction, |x: f64| x.max(fraction)));
        }
    }
    Some(())
}

/// Since when each application's Job Manager has not answered, and whether
/// that was reported: silence is reported once, after [`HUNG_AFTER`], and
/// its end once, if it was.
#[derive(Default)]
pub(crate) struct Silence {
    since: std::sync::Mutex<HashMap<String, (Instant, bool)>>,
}

impl Silence {
    /// Notes that `app`'s Job Manager, asked at `asked`, did not answer;
    /// how long it has been silent, when that is now to be reported.
    pub(crate) fn unanswered(&self, app: &str, asked: Instant) -> Option<Duration> {
        let mut map = self.since.lock().unwrap_or_else(|p| p.into_inner());
        let (since, reported) = map.entry(app.to_string()).or_insert((asked, false));
        let silent = since.elapsed();
        (!*reported && silent >= HUNG_AFTER).then(|| {
            *reported = true;
            silent
        })
    }

    /// Notes that `app`'s Job Manager answered; how long it had been
    /// silent, when its silence was reported.
    pub(crate) fn answered(&self, app: &str) -> Option<Duration> {
        let was = self
            .since
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(app);
        match was {
            Some((since, true)) => Some(since.elapsed()),
            _ => None,
        }
    }
}
