//! The supervisor's decisions as a pure function: given the status the
//! catalogue records (the intent) and what is observed of the cluster and its
//! job, what is the next step? Level-triggered: the answer depends only on the
//! present, never on how the application got here, so a supervisor that was
//! restarted (or crashed) mid-operation simply asks again and converges.

use crate::model::ApplicationStatus::{self, *};
use crate::operation::JobStatus;

/// What the supervisor saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Observed {
    /// A cluster for the application exists and answers.
    pub cluster_up: bool,
    pub job: Option<ObservedJob>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ObservedJob {
    pub status: JobStatus,
    /// Flink reports a job RUNNING while its tasks still wait for slots;
    /// "running" for Weir means every task is RUNNING (or already FINISHED).
    pub all_tasks_running: bool,
}

/// The next step towards what the status asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Nothing to do now; look again later.
    Wait,
    /// Provision a cluster (STARTING, or RUNNING whose cluster is gone).
    Launch,
    /// Run the job on the cluster.
    Submit,
    /// The job and all its tasks run: STARTING → RUNNING, operation successful.
    Started,
    /// The job failed while starting: release the cluster, READY, operation FAILED.
    FailStart,
    /// The bounded job finished: release the cluster, READY.
    Finished,
    /// STOPPING and the job still runs: stop it.
    StopJob,
    /// STOPPING and the job is gone: release the cluster, READY, operation successful.
    Release,
    /// FORCE_STOPPING: kill every process, READY.
    Kill,
    /// DELETING: kill every process and forget the application.
    Remove,
    /// READY, yet a cluster runs (Weir died mid-stop): release it.
    ReleaseOrphan,
}

pub fn decide(status: ApplicationStatus, seen: Observed) -> Step {
    let job = seen.job;
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
            Some(j) if j.status == JobStatus::Finished => Step::Finished,
            Some(j) if j.status.is_terminal() => Step::FailStart,
            Some(j) if j.status == JobStatus::Running && j.all_tasks_running => Step::Started,
            Some(_) => Step::Wait,
        },
        Running => match job {
            None => Step::Submit,
            Some(j) if j.status == JobStatus::Finished => Step::Finished,
            // A job that failed for good stays visible; the application stays
            // RUNNING, as the service leaves it, until the user acts.
            Some(_) => Step::Wait,
        },
        Stopping => match job {
            Some(j) if seen.cluster_up && !j.status.is_terminal() => Step::StopJob,
            _ => Step::Release,
        },
        ForceStopping => Step::Kill,
        Deleting => Step::Remove,
        // Updates, rollbacks, autoscaling and maintenance arrive with later work.
        Updating | Autoscaling | RollingBack | Maintenance => Step::Wait,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(status: JobStatus, all: bool) -> Option<ObservedJob> {
        Some(ObservedJob {
            status,
            all_tasks_running: all,
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
                job: *job,
            };
            assert_eq!(decide(*status, seen), *step, "{status} {seen:?}");
        }
    }
}
