//! The supervisor's decisions as a pure function: given the status the
//! catalogue records (the intent) and what is observed of the cluster and its
//! job, what is the next step? Level-triggered: the answer depends only on the
//! present, never on how the application got here, so a supervisor that was
//! restarted (or crashed) mid-operation simply asks again and converges.

use crate::model::ApplicationStatus::{self, *};
use crate::operation::JobStatus;
use crate::snapshot::SnapshotStatus;

/// How a running cluster compares with the shape an application's current
/// version needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Fit {
    /// The same Flink minor release, Task Managers and slots: reuse it.
    #[default]
    Fits,
    /// Only more Task Managers are needed: add them (before the old job is
    /// stopped, so their start-up is not downtime).
    Grow,
    /// Only fewer Task Managers are needed: stop some once the old job is gone.
    Shrink,
    /// Another runtime or slot count (or maintenance): a new cluster.
    Replace,
}

/// What the supervisor saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Observed {
    /// A cluster for the application exists and answers.
    pub cluster_up: bool,
    /// How the cluster compares with the shape the current version needs.
    pub fit: Fit,
    pub job: Option<ObservedJob>,
    /// The snapshot taken for the operation in progress, if one was asked for.
    pub op_snapshot: Option<SnapshotStatus>,
    /// The application takes a snapshot when its job is stopped
    /// (`SnapshotsEnabled`).
    pub snapshots_enabled: bool,
    /// The running job can be rescaled in place (adaptive scheduler).
    pub in_place: bool,
    /// The parallelism the application's current version asks for.
    pub target_parallelism: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ObservedJob {
    pub status: JobStatus,
    /// Flink reports a job RUNNING while its tasks still wait for slots;
    /// "running" for Weir means every task is RUNNING (or already FINISHED).
    pub all_tasks_running: bool,
    /// Submitted by the operation in progress. During a restart (update,
    /// rollback, maintenance, autoscaling) any other job is the old one.
    pub current: bool,
    /// The largest parallelism of its vertices now.
    pub parallelism: u32,
}

/// The next step towards what the status asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Nothing to do now; look again later.
    Wait,
    /// Provision a cluster (STARTING, a restart, or RUNNING whose cluster is gone).
    Launch,
    /// Run the job on the cluster.
    Submit,
    /// The job and all its tasks run: → RUNNING, operation successful.
    Started,
    /// The job failed while (re)starting: operation FAILED; READY, or a
    /// system rollback after a failed update.
    FailStart,
    /// The bounded job finished: release the cluster, READY.
    Finished,
    /// Take the operation's snapshot, stopping the job with it
    /// (stop-with-savepoint).
    Snapshot,
    /// Take the operation's snapshot and let the job run on (before an
    /// in-place rescale).
    Savepoint,
    /// Rescale the running job in place to the target parallelism.
    Rescale,
    /// Add or remove Task Managers so the cluster fits the new version.
    Reshape,
    /// Stop the job without a snapshot (cancel).
    StopJob,
    /// STOPPING and the job is gone: release the cluster, READY, operation successful.
    Release,
    /// A restart needs a cluster of another shape: release this one.
    Recycle,
    /// FORCE_STOPPING: kill every process, READY.
    Kill,
    /// DELETING: kill every process and forget the application.
    Remove,
    /// READY, yet a cluster runs (Weir died mid-stop): release it.
    ReleaseOrphan,
}

/// Statuses in which the running job is replaced by a new one.
pub fn is_restart(status: ApplicationStatus) -> bool {
    matches!(status, Updating | RollingBack | Maintenance | Autoscaling)
}

pub fn decide(status: ApplicationStatus, seen: Observed) -> Step {
    let job = seen.job;
    let snapshot_pending = seen.op_snapshot == Some(SnapshotStatus::Creating);
    match status {
        Ready | RolledBack => {
            if seen.cluster_up {
                Step::ReleaseOrphan
            } else {
                Step::Wait
            }
        }
        Starting | Running if !seen.cluster_up => Step::Launch,
        Starting => match job {
            None => Step::Submit,
            Some(j) => new_job(j),
        },
        Running => match job {
            None => Step::Submit,
            Some(j) if j.status == JobStatus::Finished => Step::Finished,
            // A job that failed for good stays visible; the application stays
            // RUNNING, as the service leaves it, until the user acts.
            Some(_) => Step::Wait,
        },
        Stopping => match job {
            Some(j) if seen.cluster_up && !j.status.is_terminal() => drain(j, seen),
            // READY only once the snapshot is catalogued (or has failed).
            _ if snapshot_pending => Step::Wait,
            _ => Step::Release,
        },
        // In place only to grow: scaling down in place would leave Flink to
        // choose which Task Manager keeps the job, and stopping the one it
        // chose fails the job. Shrinking goes through the restart sequence,
        // which frees the Task Managers first (as fast: no JVM starts).
        Autoscaling if seen.in_place && seen.fit != Fit::Shrink && in_place_job(seen).is_some() => {
            let j = in_place_job(seen).expect("checked");
            if j.parallelism == seen.target_parallelism && j.all_tasks_running {
                Step::Started
            } else if seen.op_snapshot.is_none()
                && seen.snapshots_enabled
                && j.parallelism != seen.target_parallelism
                && j.all_tasks_running
            {
                Step::Savepoint
            } else if snapshot_pending {
                Step::Wait
            } else {
                Step::Rescale
            }
        }
        s if is_restart(s) => match job {
            Some(j) if !j.current && seen.cluster_up && !j.status.is_terminal() => {
                if seen.fit == Fit::Grow {
                    Step::Reshape
                } else {
                    drain(j, seen)
                }
            }
            _ if snapshot_pending => Step::Wait,
            Some(j) if j.current && seen.cluster_up => new_job(j),
            _ if !seen.cluster_up => Step::Launch,
            _ => match seen.fit {
                Fit::Fits => Step::Submit,
                Fit::Grow | Fit::Shrink => Step::Reshape,
                Fit::Replace => Step::Recycle,
            },
        },
        ForceStopping => Step::Kill,
        Deleting => Step::Remove,
        _ => Step::Wait,
    }
}

/// The job an in-place rescale works on: the one that runs (not one this
/// operation submitted after falling back to a restart), on a live cluster.
fn in_place_job(seen: Observed) -> Option<ObservedJob> {
    seen.job
        .filter(|j| seen.cluster_up && !j.current && !j.status.is_terminal())
}

/// The job of a start or restart, on its way to RUNNING.
fn new_job(j: ObservedJob) -> Step {
    match j.status {
        JobStatus::Finished => Step::Finished,
        s if s.is_terminal() => Step::FailStart,
        JobStatus::Running if j.all_tasks_running => Step::Started,
        _ => Step::Wait,
    }
}

/// A job to stop: with a snapshot when the application keeps them and the
/// job can take one (a savepoint needs every task running), else cancelled.
fn drain(j: ObservedJob, seen: Observed) -> Step {
    match seen.op_snapshot {
        Some(SnapshotStatus::Creating) => Step::Wait,
        None if seen.snapshots_enabled && j.status == JobStatus::Running && j.all_tasks_running => {
            Step::Snapshot
        }
        _ => Step::StopJob,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(status: JobStatus, all: bool) -> Option<ObservedJob> {
        Some(ObservedJob {
            status,
            all_tasks_running: all,
            current: true,
            parallelism: 1,
        })
    }

    fn old(status: JobStatus, all: bool) -> Option<ObservedJob> {
        job(status, all).map(|j| ObservedJob {
            current: false,
            ..j
        })
    }

    #[test]
    fn decision_table() {
        use JobStatus as J;
        let up = true;
        let down = false;
        let table: &[(ApplicationStatus, bool, Option<ObservedJob>, Step)] = &[
            (Ready, down, None, Step::Wait),
            (Ready, up, None, Step::ReleaseOrphan),
            (Ready, up, job(J::Running, true), Step::ReleaseOrphan),
            (Starting, down, None, Step::Launch),
            (Starting, up, None, Step::Submit),
            (Starting, up, job(J::Created, false), Step::Wait),
            (Starting, up, job(J::Running, false), Step::Wait),
            (Starting, up, job(J::Running, true), Step::Started),
            (Starting, up, job(J::Restarting, false), Step::Wait),
            (Starting, up, job(J::Failed, false), Step::FailStart),
            (Starting, up, job(J::Canceled, false), Step::FailStart),
            (Starting, up, job(J::Finished, false), Step::Finished),
            (Running, down, None, Step::Launch),
            (Running, down, job(J::Running, true), Step::Launch),
            (Running, up, None, Step::Submit),
            (Running, up, job(J::Running, true), Step::Wait),
            (Running, up, job(J::Restarting, false), Step::Wait),
            (Running, up, job(J::Failed, false), Step::Wait),
            (Running, up, job(J::Finished, false), Step::Finished),
            (Stopping, up, job(J::Running, true), Step::StopJob),
            (Stopping, up, job(J::Restarting, false), Step::StopJob),
            (Stopping, up, job(J::Canceled, false), Step::Release),
            (Stopping, up, None, Step::Release),
            (Stopping, down, job(J::Running, true), Step::Release),
            (ForceStopping, up, job(J::Running, true), Step::Kill),
            (ForceStopping, down, None, Step::Kill),
            (Deleting, up, job(J::Running, true), Step::Remove),
            (Deleting, down, None, Step::Remove),
        ];
        for (status, cluster_up, job, step) in table {
            let seen = Observed {
                cluster_up: *cluster_up,
                fit: Fit::Fits,
                job: *job,
                ..Observed::default()
            };
            assert_eq!(decide(*status, seen), *step, "{status} {seen:?}");
        }
    }

    /// Stops and restarts with snapshots on: (status, cluster up, cluster
    /// fits, job, the operation's snapshot, step).
    #[test]
    #[allow(clippy::type_complexity)]
    fn snapshot_and_restart_table() {
        use JobStatus as J;
        use SnapshotStatus as S;
        let table: &[(
            ApplicationStatus,
            bool,
            bool,
            Option<ObservedJob>,
            Option<SnapshotStatus>,
            Step,
        )] = &[
            // Stop: snapshot first, READY only once it is settled.
            (
                Stopping,
                true,
                true,
                job(J::Running, true),
                None,
                Step::Snapshot,
            ),
            (
                Stopping,
                true,
                true,
                job(J::Running, false),
                None,
                Step::StopJob,
            ),
            (
                Stopping,
                true,
                true,
                job(J::Restarting, false),
                None,
                Step::StopJob,
            ),
            (
                Stopping,
                true,
                true,
                job(J::Running, true),
                Some(S::Creating),
                Step::Wait,
            ),
            (
                Stopping,
                true,
                true,
                job(J::Finished, false),
                Some(S::Creating),
                Step::Wait,
            ),
            (
                Stopping,
                true,
                true,
                job(J::Finished, false),
                Some(S::Ready),
                Step::Release,
            ),
            (
                Stopping,
                true,
                true,
                job(J::Running, true),
                Some(S::Failed),
                Step::StopJob,
            ),
            (
                Stopping,
                true,
                true,
                job(J::Canceled, false),
                Some(S::Failed),
                Step::Release,
            ),
            // Update (every restart status alike): drain the old job...
            (
                Updating,
                true,
                true,
                old(J::Running, true),
                None,
                Step::Snapshot,
            ),
            (
                Updating,
                true,
                true,
                old(J::Restarting, false),
                None,
                Step::StopJob,
            ),
            (
                Updating,
                true,
                true,
                old(J::Running, true),
                Some(S::Creating),
                Step::Wait,
            ),
            (
                Updating,
                true,
                true,
                old(J::Finished, false),
                Some(S::Creating),
                Step::Wait,
            ),
            (
                Updating,
                true,
                true,
                old(J::Running, true),
                Some(S::Failed),
                Step::StopJob,
            ),
            // ... then reuse the cluster if it fits, else replace it ...
            (
                Updating,
                true,
                true,
                old(J::Finished, false),
                Some(S::Ready),
                Step::Submit,
            ),
            (Updating, true, true, None, Some(S::Ready), Step::Submit),
            (
                Updating,
                true,
                false,
                old(J::Finished, false),
                Some(S::Ready),
                Step::Recycle,
            ),
            (Updating, false, false, None, Some(S::Ready), Step::Launch),
            (
                Updating,
                false,
                false,
                old(J::Running, true),
                None,
                Step::Launch,
            ),
            // ... and watch the new job come up.
            (
                Updating,
                true,
                true,
                job(J::Created, false),
                Some(S::Ready),
                Step::Wait,
            ),
            (
                Updating,
                true,
                true,
                job(J::Running, true),
                Some(S::Ready),
                Step::Started,
            ),
            (
                Updating,
                true,
                true,
                job(J::Failed, false),
                Some(S::Ready),
                Step::FailStart,
            ),
            (
                Updating,
                true,
                true,
                job(J::Finished, false),
                None,
                Step::Finished,
            ),
            (
                Updating,
                false,
                true,
                job(J::Running, true),
                None,
                Step::Launch,
            ),
            (
                RollingBack,
                true,
                true,
                old(J::Restarting, false),
                None,
                Step::StopJob,
            ),
            (
                RollingBack,
                true,
                true,
                job(J::Running, true),
                None,
                Step::Started,
            ),
            (
                Maintenance,
                true,
                true,
                old(J::Running, true),
                None,
                Step::Snapshot,
            ),
            (
                Maintenance,
                true,
                false,
                old(J::Finished, false),
                Some(S::Ready),
                Step::Recycle,
            ),
            (
                Autoscaling,
                true,
                true,
                old(J::Running, true),
                None,
                Step::Snapshot,
            ),
        ];
        for (status, cluster_up, cluster_fits, job, snap, step) in table {
            let seen = Observed {
                cluster_up: *cluster_up,
                fit: if *cluster_fits {
                    Fit::Fits
                } else {
                    Fit::Replace
                },
                job: *job,
                op_snapshot: *snap,
                snapshots_enabled: true,
                in_place: false,
                target_parallelism: 1,
            };
            assert_eq!(decide(*status, seen), *step, "{status} {seen:?}");
        }
        // Without snapshots, a stop or restart cancels the job.
        let seen = |job| Observed {
            cluster_up: true,
            fit: Fit::Fits,
            job,
            op_snapshot: None,
            snapshots_enabled: false,
            in_place: false,
            target_parallelism: 1,
        };
        assert_eq!(decide(Stopping, seen(job(J::Running, true))), Step::StopJob);
        assert_eq!(decide(Updating, seen(old(J::Running, true))), Step::StopJob);
        assert_eq!(
            decide(Updating, seen(old(J::Canceled, false))),
            Step::Submit
        );
    }

    #[test]
    fn in_place_rescale_table() {
        use JobStatus as J;
        use SnapshotStatus as S;
        let at = |status: JobStatus, all: bool, p: u32| {
            Some(ObservedJob {
                status,
                all_tasks_running: all,
                current: false,
                parallelism: p,
            })
        };
        let seen = |job, snap, in_place| Observed {
            cluster_up: true,
            fit: Fit::Grow,
            job,
            op_snapshot: snap,
            snapshots_enabled: true,
            in_place,
            target_parallelism: 2,
        };
        let table: &[(Option<ObservedJob>, Option<SnapshotStatus>, Step)] = &[
            // A savepoint first (the job keeps running), then the rescale.
            (at(J::Running, true, 1), None, Step::Savepoint),
            (at(J::Running, true, 1), Some(S::Creating), Step::Wait),
            (at(J::Running, true, 1), Some(S::Ready), Step::Rescale),
            (at(J::Running, true, 1), Some(S::Failed), Step::Rescale),
            // Rescaling: Flink restarts it from its checkpoint at the new size.
            (at(J::Restarting, false, 1), Some(S::Ready), Step::Rescale),
            (at(J::Running, false, 2), Some(S::Ready), Step::Rescale),
            (at(J::Running, true, 2), Some(S::Ready), Step::Started),
            // A job that cannot take a savepoint is rescaled without one.
            (at(J::Restarting, false, 1), None, Step::Rescale),
        ];
        for (job, snap, step) in table {
            assert_eq!(
                decide(Autoscaling, seen(*job, *snap, true)),
                *step,
                "{job:?} {snap:?}"
            );
        }
        // Without in-place support, the restart sequence (which grows the
        // cluster before it stops the job).
        assert_eq!(
            decide(Autoscaling, seen(at(J::Running, true, 1), None, false)),
            Step::Reshape
        );
        // Shrinking: the restart sequence, Task Managers removed once the
        // old job is gone.
        let shrink = |job, snap| Observed {
            fit: Fit::Shrink,
            target_parallelism: 1,
            ..seen(job, snap, true)
        };
        assert_eq!(
            decide(Autoscaling, shrink(at(J::Running, true, 2), None)),
            Step::Snapshot
        );
        assert_eq!(
            decide(
                Autoscaling,
                shrink(at(J::Finished, false, 2), Some(S::Ready))
            ),
            Step::Reshape
        );
        // A job that ended: the restart sequence too.
        assert_eq!(
            decide(Autoscaling, seen(at(J::Failed, false, 1), None, true)),
            Step::Reshape
        );
    }

    #[test]
    fn a_cluster_that_only_needs_task_managers_is_reshaped() {
        use JobStatus as J;
        use SnapshotStatus as S;
        let seen = |fit, job: Option<ObservedJob>, snap| Observed {
            cluster_up: true,
            fit,
            job: job.map(|j| ObservedJob {
                current: false,
                ..j
            }),
            op_snapshot: snap,
            snapshots_enabled: true,
            ..Observed::default()
        };
        let running = job(J::Running, true);
        let finished = job(J::Finished, false);
        // Growing: Task Managers first, while the old job still runs.
        assert_eq!(
            decide(Updating, seen(Fit::Grow, running, None)),
            Step::Reshape
        );
        assert_eq!(
            decide(Updating, seen(Fit::Fits, running, None)),
            Step::Snapshot
        );
        // Shrinking: once the old job is gone.
        assert_eq!(
            decide(Updating, seen(Fit::Shrink, running, None)),
            Step::Snapshot
        );
        assert_eq!(
            decide(Updating, seen(Fit::Shrink, finished, Some(S::Ready))),
            Step::Reshape
        );
        assert_eq!(
            decide(Updating, seen(Fit::Fits, finished, Some(S::Ready))),
            Step::Submit
        );
        assert_eq!(
            decide(Updating, seen(Fit::Replace, finished, Some(S::Ready))),
            Step::Recycle
        );
        assert_eq!(
            decide(RollingBack, seen(Fit::Shrink, None, None)),
            Step::Reshape
        );
    }
}
