//! Enhanced snapshots: savepoints that belong to the account rather than to
//! an application (the service's newest snapshot API).
//!
//! An enhanced snapshot has a name unique in the account and an ARN
//! (`…:snapshot/NAME`), outlives the application it was taken of, and can be
//! made by importing a Flink savepoint from S3, exported back, and restored
//! by any compatible application. Every change to one is tracked as a
//! snapshot operation (`SnapshotOperationId`), IN_PROGRESS until it is
//! SUCCESSFUL or FAILED, written before anything is done: a Weir killed
//! mid-way finds the operation and finishes or fails it.

use serde::{Deserialize, Serialize};

use crate::model::{EpochMillis, RuntimeEnvironment, SnapshotMode, Tag};
use crate::snapshot::SnapshotStatus;
use crate::spec::Invalid;

/// Names beginning with this, in any case, are the service's own.
pub const RESERVED_PREFIX: &str = "SYSTEMSNAPSHOT";

/// Who made the snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Initiator {
    User,
    System,
}

impl Initiator {
    pub const ALL: [Initiator; 2] = [Self::User, Self::System];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "USER",
            Self::System => "SYSTEM",
        }
    }
}

/// The operations that change enhanced snapshots.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SnapshotOperationKind {
    CreateSnapshot,
    DeleteSnapshot,
    ImportSnapshot,
    ExportSnapshot,
    SystemCreateSnapshot,
}

impl SnapshotOperationKind {
    pub const ALL: [SnapshotOperationKind; 5] = [
        Self::CreateSnapshot,
        Self::DeleteSnapshot,
        Self::ImportSnapshot,
        Self::ExportSnapshot,
        Self::SystemCreateSnapshot,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::CreateSnapshot => "CreateSnapshot",
            Self::DeleteSnapshot => "DeleteSnapshot",
            Self::ImportSnapshot => "ImportSnapshot",
            Self::ExportSnapshot => "ExportSnapshot",
            Self::SystemCreateSnapshot => "SystemCreateSnapshot",
        }
    }

    /// Whether it is one of the operations that make a snapshot (its
    /// `SnapshotInitiatorOperation`).
    pub fn makes_snapshot(self) -> bool {
        matches!(
            self,
            Self::CreateSnapshot | Self::ImportSnapshot | Self::SystemCreateSnapshot
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SnapshotOperationStatus {
    InProgress,
    Successful,
    Failed,
    Cancelled,
}

impl SnapshotOperationStatus {
    pub const ALL: [SnapshotOperationStatus; 4] = [
        Self::InProgress,
        Self::Successful,
        Self::Failed,
        Self::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::InProgress => "IN_PROGRESS",
            Self::Successful => "SUCCESSFUL",
            Self::Failed => "FAILED",
            Self::Cancelled => "CANCELLED",
        }
    }
}

/// An S3 location by prefix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct S3Prefix {
    pub bucket_arn: String,
    pub key_prefix: String,
}

/// How a snapshot's data is (said to be) encrypted. Weir keeps what it was
/// told and reports it back; the files are plain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Encryption {
    /// `AWS_OWNED_KEY` or `CUSTOMER_MANAGED_KEY`.
    pub key_type: String,
    pub key_id: Option<String>,
}

/// Where an enhanced snapshot's state came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Source {
    /// Taken of a running application.
    Application {
        name: String,
        creation_timestamp: EpochMillis,
        version_id: u64,
    },
    /// Imported from an S3 prefix holding a Flink savepoint.
    Import(S3Prefix),
}

/// One enhanced snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnhancedSnapshot {
    pub name: String,
    pub status: SnapshotStatus,
    pub created: EpochMillis,
    pub initiator: Initiator,
    /// The operation that made it (CreateSnapshot, ImportSnapshot or
    /// SystemCreateSnapshot).
    pub made_by: SnapshotOperationKind,
    pub description: Option<String>,
    pub source: Source,
    /// The runtime of the application it was taken of (none for an import).
    pub runtime: Option<RuntimeEnvironment>,
    /// Bytes of its savepoint, once READY (0 before).
    pub size_bytes: u64,
    /// The savepoint's directory, once READY.
    pub location: Option<String>,
    pub encryption: Option<Encryption>,
    pub tags: Vec<Tag>,
    /// Why it FAILED.
    pub failure: Option<String>,
}

impl EnhancedSnapshot {
    /// The application it was taken of, if it was.
    pub fn source_application(&self) -> Option<&str> {
        match &self.source {
            Source::Application { name, .. } => Some(name),
            Source::Import(_) => None,
        }
    }
}

/// One operation on an enhanced snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotOperationRecord {
    pub id: String,
    pub snapshot: String,
    pub kind: SnapshotOperationKind,
    pub status: SnapshotOperationStatus,
    pub start: EpochMillis,
    pub end: Option<EpochMillis>,
    /// ImportSnapshot: where the savepoint is read from.
    pub source: Option<S3Prefix>,
    /// ExportSnapshot: the prefix asked for, and the one written under it.
    pub destination: Option<S3Prefix>,
    pub exported_prefix: Option<String>,
    pub source_encryption: Option<Encryption>,
    pub destination_encryption: Option<Encryption>,
    /// SystemCreateSnapshot: the application operation it was taken for.
    pub application_operation: Option<(String, String)>,
    /// Why it FAILED: (code, text).
    pub failure: Option<(String, String)>,
}

impl SnapshotOperationRecord {
    pub fn new(
        id: String,
        snapshot: &str,
        kind: SnapshotOperationKind,
        start: EpochMillis,
    ) -> Self {
        Self {
            id,
            snapshot: snapshot.to_string(),
            kind,
            status: SnapshotOperationStatus::InProgress,
            start,
            end: None,
            source: None,
            destination: None,
            exported_prefix: None,
            source_encryption: None,
            destination_encryption: None,
            application_operation: None,
            failure: None,
        }
    }

    pub fn in_progress(&self) -> bool {
        self.status == SnapshotOperationStatus::InProgress
    }

    /// The operation, ended at `now` as `status` (with `failure` if FAILED).
    pub fn ended(
        &self,
        status: SnapshotOperationStatus,
        now: EpochMillis,
        failure: Option<(String, String)>,
    ) -> Self {
        let mut next = self.clone();
        next.status = status;
        next.end = Some(now);
        next.failure = failure;
        next
    }
}

/// Checks a new snapshot's name: the model's `SnapshotV2Name` (1 to 100 of
/// `[a-zA-Z0-9_.-]`), not a directory name, not the reserved prefix.
pub fn check_new_name(member: &str, name: &str) -> Result<(), Invalid> {
    check_name(member, name)?;
    if name
        .get(..RESERVED_PREFIX.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(RESERVED_PREFIX))
    {
        return Err(Invalid::Argument {
            member: member.to_string(),
            message: format!(
                "{name:?} begins with {RESERVED_PREFIX}, which is reserved for the snapshots the service takes itself"
            ),
        });
    }
    Ok(())
}

/// Checks the name of an existing snapshot (system names included): the
/// model's `SnapshotV2Name`, 1 to 100 characters.
pub fn check_name(member: &str, name: &str) -> Result<(), Invalid> {
    crate::snapshot::check_name_of_at_most(member, name, 100)
}

/// Whether an application of `runtime` may use enhanced snapshots: Flink
/// 1.20 and later, as the service documents.
pub fn runtime_supports(runtime: RuntimeEnvironment) -> bool {
    matches!(
        runtime,
        RuntimeEnvironment::Flink1_20 | RuntimeEnvironment::Flink2_2 | RuntimeEnvironment::Flink2_3
    )
}

/// Whether `mode` means enhanced snapshots (unset is the legacy mode).
pub fn is_enhanced(mode: Option<SnapshotMode>) -> bool {
    mode == Some(SnapshotMode::Enhanced)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_model_and_the_reserved_prefix_is_refused_in_any_case() {
        for ok in ["a", "my-snap_1.0", &"x".repeat(100), "SYSTEMSNAPSHO"] {
            assert!(check_new_name("SnapshotName", ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            &"x".repeat(101),
            "a/b",
            "a b",
            ".",
            "..",
            "SYSTEMSNAPSHOT",
            "systemSnapshot-1",
            "SystemSnapshotX",
        ] {
            assert!(check_new_name("SnapshotName", bad).is_err(), "{bad}");
        }
        // An existing system snapshot may be named (to describe or delete it).
        assert!(check_name("SnapshotName", "SYSTEMSNAPSHOT-1").is_ok());
    }

    #[test]
    fn enhanced_snapshots_need_flink_1_20_or_later() {
        use RuntimeEnvironment::*;
        for r in RuntimeEnvironment::ALL {
            let want = matches!(r, Flink1_20 | Flink2_2 | Flink2_3);
            assert_eq!(runtime_supports(r), want, "{r:?}");
        }
    }

    #[test]
    fn an_ended_operation_keeps_what_it_was_and_says_how_it_ended() {
        let op = SnapshotOperationRecord::new(
            "op1".into(),
            "s",
            SnapshotOperationKind::ExportSnapshot,
            10,
        );
        assert!(op.in_progress());
        let failed = op.ended(
            SnapshotOperationStatus::Failed,
            20,
            Some(("NotASavepoint".into(), "no _metadata".into())),
        );
        assert_eq!(failed.end, Some(20));
        assert_eq!(failed.kind, SnapshotOperationKind::ExportSnapshot);
        assert!(!failed.in_progress());
        assert!(SnapshotOperationKind::ImportSnapshot.makes_snapshot());
        assert!(!SnapshotOperationKind::ExportSnapshot.makes_snapshot());
    }
}
