//! The application lifecycle as data: which action is allowed from which
//! status, what transient status it passes through and where it ends.
//!
//! Every rule is in [`transition`]'s one table (DESIGN.md's status table), so
//! tests can walk all (status, action) pairs and nothing else in Weir decides
//! whether an action is allowed.

use crate::model::ApplicationStatus::{self, *};

/// Something a user or the service asks of an application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    Start,
    Stop,
    ForceStop,
    /// UpdateApplication and the other calls that make a new version
    /// (Add/DeleteApplicationCloudWatchLoggingOption).
    Update,
    Rollback,
    Delete,
    /// The service's own autoscaler changes parallelism.
    Autoscale,
    /// The service's maintenance restart.
    Maintenance,
    /// The application's bounded job reached FINISHED.
    JobFinished,
    /// Settings that do not make a version: tags, the maintenance window.
    Annotate,
}

impl Action {
    pub const ALL: [Action; 10] = [
        Action::Start,
        Action::Stop,
        Action::ForceStop,
        Action::Update,
        Action::Rollback,
        Action::Delete,
        Action::Autoscale,
        Action::Maintenance,
        Action::JobFinished,
        Action::Annotate,
    ];

    /// The operation a user calls for it, for error messages.
    pub fn operation_name(self) -> &'static str {
        match self {
            Action::Start => "StartApplication",
            Action::Stop => "StopApplication",
            Action::ForceStop => "StopApplication with Force",
            Action::Update => "UpdateApplication",
            Action::Rollback => "RollbackApplication",
            Action::Delete => "DeleteApplication",
            Action::Autoscale => "autoscaling",
            Action::Maintenance => "maintenance",
            Action::JobFinished => "job completion",
            Action::Annotate => "this operation",
        }
    }
}

/// What an allowed action does to the status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transition {
    /// The status held while the action is carried out; `None` when the action
    /// completes within the request.
    pub transient: Option<ApplicationStatus>,
    /// The status once the action has succeeded.
    pub ends_in: Option<ApplicationStatus>,
}

/// Why an action was refused: the status does not allow it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{operation} is not allowed while the application is {status}; it requires {}", allowed_list(.allowed))]
pub struct Refusal {
    pub operation: &'static str,
    pub status: ApplicationStatus,
    pub allowed: &'static [ApplicationStatus],
}

fn allowed_list(allowed: &[ApplicationStatus]) -> String {
    let names: Vec<&str> = allowed.iter().map(|s| s.as_str()).collect();
    match names.len() {
        0 => "a status it can never have".to_string(),
        1 => names[0].to_string(),
        _ => format!("one of {}", names.join(", ")),
    }
}

const fn step(transient: Option<ApplicationStatus>, ends_in: ApplicationStatus) -> Transition {
    Transition {
        transient,
        ends_in: Some(ends_in),
    }
}

/// The statuses from which a forced stop is accepted: every state in which
/// something may be stuck.
const FORCE_STOPPABLE: &[ApplicationStatus] = &[
    Starting,
    Updating,
    Stopping,
    Autoscaling,
    RollingBack,
    Maintenance,
    Running,
];

/// The lifecycle table. `Ok` says what happens; `Err` says what was required.
pub fn transition(status: ApplicationStatus, action: Action) -> Result<Transition, Refusal> {
    use Action as A;
    let allowed: &'static [ApplicationStatus] = match action {
        A::Start => &[Ready],
        A::Stop => &[Running],
        A::ForceStop => FORCE_STOPPABLE,
        A::Update => &[Ready, Running],
        A::Rollback => &[Running, Updating, Autoscaling],
        A::Delete => &[Ready, Running],
        A::Autoscale | A::Maintenance | A::JobFinished => &[Running],
        A::Annotate => &[
            Ready,
            Starting,
            Running,
            Updating,
            Stopping,
            ForceStopping,
            Autoscaling,
            RollingBack,
            Maintenance,
        ],
    };
    if !allowed.contains(&status) {
        return Err(Refusal {
            operation: action.operation_name(),
            status,
            allowed,
        });
    }
    Ok(match (action, status) {
        (A::Start, _) => step(Some(Starting), Running),
        (A::Stop, _) => step(Some(Stopping), Ready),
        (A::ForceStop, _) => step(Some(ForceStopping), Ready),
        (A::Update, Ready) => step(None, Ready),
        (A::Update, _) => step(Some(Updating), Running),
        (A::Rollback, _) => step(Some(RollingBack), Running),
        (A::Delete, _) => Transition {
            transient: Some(Deleting),
            ends_in: None,
        },
        (A::Autoscale, _) => step(Some(Autoscaling), Running),
        (A::Maintenance, _) => step(Some(Maintenance), Running),
        (A::JobFinished, _) => step(None, Ready),
        (A::Annotate, s) => step(None, s),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// DESIGN.md's status table, row by row: (action, from, transient, ends in).
    /// `None` for "ends in" means the application is gone.
    #[allow(clippy::type_complexity)]
    const TABLE: &[(
        Action,
        &[ApplicationStatus],
        Option<ApplicationStatus>,
        Option<ApplicationStatus>,
    )] = &[
        (Action::Start, &[Ready], Some(Starting), Some(Running)),
        (Action::Stop, &[Running], Some(Stopping), Some(Ready)),
        (
            Action::ForceStop,
            &[
                Starting,
                Updating,
                Stopping,
                Autoscaling,
                RollingBack,
                Maintenance,
                Running,
            ],
            Some(ForceStopping),
            Some(Ready),
        ),
        (Action::Update, &[Ready], None, Some(Ready)),
        (Action::Update, &[Running], Some(Updating), Some(Running)),
        (
            Action::Rollback,
            &[Running, Updating, Autoscaling],
            Some(RollingBack),
            Some(Running),
        ),
        (Action::Delete, &[Ready, Running], Some(Deleting), None),
        (
            Action::Autoscale,
            &[Running],
            Some(Autoscaling),
            Some(Running),
        ),
        (
            Action::Maintenance,
            &[Running],
            Some(Maintenance),
            Some(Running),
        ),
        (Action::JobFinished, &[Running], None, Some(Ready)),
    ];

    #[test]
    fn every_pair_follows_the_design_table() {
        for action in Action::ALL.into_iter().filter(|a| *a != Action::Annotate) {
            for status in ApplicationStatus::ALL {
                let row = TABLE
                    .iter()
                    .find(|(a, from, _, _)| *a == action && from.contains(&status));
                match (row, transition(status, action)) {
                    (Some((_, _, transient, ends)), Ok(t)) => {
                        assert_eq!(t.transient, *transient, "{action:?} from {status}");
                        assert_eq!(t.ends_in, *ends, "{action:?} from {status}");
                    }
                    (None, Err(refusal)) => {
                        assert_eq!(refusal.status, status);
                        assert!(!refusal.allowed.contains(&status));
                    }
                    (row, got) => panic!("{action:?} from {status}: table {row:?}, got {got:?}"),
                }
            }
        }
    }

    #[test]
    fn annotations_keep_the_status_and_refuse_only_the_ending_ones() {
        for status in ApplicationStatus::ALL {
            let got = transition(status, Action::Annotate);
            if matches!(status, Deleting | RolledBack) {
                assert!(got.is_err(), "{status}");
            } else {
                assert_eq!(got.unwrap().ends_in, Some(status));
            }
        }
    }

    #[test]
    fn refusal_names_the_operation_and_what_it_needs() {
        let r = transition(Starting, Action::Start).unwrap_err();
        assert_eq!(
            r.to_string(),
            "StartApplication is not allowed while the application is STARTING; it requires READY"
        );
        let r = transition(Ready, Action::Rollback).unwrap_err();
        assert!(r
            .to_string()
            .ends_with("one of RUNNING, UPDATING, AUTOSCALING"));
    }
}
