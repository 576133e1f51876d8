//! Enhanced snapshots (CreateSnapshot, DescribeSnapshot, ListSnapshots,
//! DeleteSnapshot, ExportSnapshot, ImportSnapshot, DescribeSnapshotOperation,
//! ListSnapshotOperations): the account's savepoints, under
//! `<data-dir>/enhanced-snapshots/<name>/`.
//!
//! Every request writes its intent first: the snapshot record and an
//! IN_PROGRESS snapshot operation, in one transaction. Then:
//!
//! - **CreateSnapshot** also writes a snapshot record of kind `Enhanced` for
//!   the application, which its supervisor takes to READY or FAILED as it
//!   does any snapshot (the savepoint written into the enhanced snapshot's
//!   directory); [`Catalogue::put_snapshot`] turns the settled record into
//!   the enhanced snapshot's READY or FAILED, ending the operation, in the
//!   same transaction that forgets the application's record.
//! - **ImportSnapshot, ExportSnapshot, DeleteSnapshot** are carried out by
//!   [`Catalogue::run_snapshot_operations`], which the supervisor's
//!   snapshot duty calls over and over: level-triggered, so an operation a
//!   crash interrupted is simply done again (copies start afresh, a
//!   deletion deletes what is left).

use std::io::Read;
use std::path::{Path, PathBuf};

use weir_control::enhanced::{
    self, Encryption, EnhancedSnapshot, Initiator, S3Prefix, SnapshotOperationKind,
    SnapshotOperationRecord, SnapshotOperationStatus, Source,
};
use weir_control::model::{ApplicationStatus, EpochMillis, LogLevel, RestoreType, RunConfig, Tag};
use weir_control::snapshot::{RestoreError, SnapshotKind, SnapshotRecord, SnapshotStatus};
use weir_store::Change;

use crate::running::{Advance, LOGGER};
use crate::{
    check_new_tags, invalid, names_creation_time, now_millis, Catalogue, Page, ServiceError,
    MAX_TAGS,
};

/// The file that makes a directory a Flink savepoint.
const METADATA: &str = "_metadata";

/// The first four bytes of a Flink savepoint's `_metadata`
/// (`Checkpoints.HEADER_MAGIC_NUMBER`), then its format version.
const SAVEPOINT_MAGIC: u32 = 0x4960_672d;

/// The metadata format versions the runtimes Weir runs read (Flink 1.20
/// and 2.x write 4 and 5 and read back to 3).
const READABLE_FORMATS: std::ops::RangeInclusive<u32> = 3..=6;

/// One of ListSnapshots' filters (the service takes at most one).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum SnapshotFilter {
    #[default]
    All,
    SourceApplication(String),
    Initiator(Initiator),
    InitiatorOperation(SnapshotOperationKind),
    Status(SnapshotStatus),
}

/// One of ListSnapshotOperations' filters (the service takes at most one).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum OperationFilter {
    #[default]
    All,
    Kind(SnapshotOperationKind),
    Status(SnapshotOperationStatus),
}

/// What ImportSnapshot and CreateSnapshot give besides the name.
#[derive(Debug, Clone, Default)]
pub struct NewSnapshot {
    pub description: Option<String>,
    pub tags: Vec<Tag>,
    pub encryption: Option<Encryption>,
}

fn operation_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..12].to_string()
}

fn snapshot_not_found(name: &str) -> ServiceError {
    ServiceError::NotFound(format!("Snapshot {name} is not found"))
}

/// `arn:aws:s3:::BUCKET` → `BUCKET`.
fn bucket_of(member: &str, arn: &str) -> Result<String, ServiceError> {
    arn.strip_prefix("arn:aws:s3:::")
        .filter(|b| !b.is_empty() && !b.contains('/'))
        .map(str::to_string)
        .ok_or_else(|| {
            invalid(
                member,
                format!("{arn} is not an S3 bucket ARN (arn:aws:s3:::BUCKET)"),
            )
        })
}

impl Catalogue {
    /// Calls `wake` whenever an import, export or deletion is asked, so
    /// that it is carried out at once rather than at the next round.
    pub fn on_snapshot_work(&self, wake: Box<dyn Fn() + Send + Sync>) {
        let _ = self.snapshot_work.set(wake);
    }

    /// Commits a request's intent (the snapshot as it now is, if it
    /// changed, and its IN_PROGRESS operation), then wakes whoever carries
    /// the operation out.
    fn ask(
        &self,
        snapshot: Option<&EnhancedSnapshot>,
        op: &SnapshotOperationRecord,
    ) -> Result<(), ServiceError> {
        self.store.commit(Change {
            enhanced: snapshot.map(std::slice::from_ref).unwrap_or_default(),
            snapshot_operations: std::slice::from_ref(op),
            ..Change::default()
        })?;
        if let Some(wake) = self.snapshot_work.get() {
            wake();
        }
        Ok(())
    }

    /// Where enhanced snapshots keep their savepoints.
    pub fn enhanced_snapshots_dir(&self) -> PathBuf {
        self.store.data_dir().join("enhanced-snapshots")
    }

    /// Where Flink should write the savepoint of snapshot record `record`.
    pub fn savepoint_dir(&self, record: &SnapshotRecord) -> PathBuf {
        match record.kind {
            SnapshotKind::Enhanced => self.enhanced_snapshots_dir().join(&record.name),
            _ => self.snapshots_dir(&record.application),
        }
    }

    pub fn snapshot_arn(&self, name: &str) -> String {
        self.realm.snapshot_arn(name)
    }

    /// A new snapshot's name is free in the account: no enhanced snapshot
    /// has it, in any status, until it is deleted.
    fn check_name_free(&self, name: &str) -> Result<(), ServiceError> {
        if let Some(s) = self.store.enhanced_snapshot(name)? {
            return Err(ServiceError::InUse(format!(
                "A snapshot named {name} already exists ({}); delete it before reusing its name",
                s.status
            )));
        }
        Ok(())
    }

    fn check_new(&self, member: &str, name: &str, new: &NewSnapshot) -> Result<(), ServiceError> {
        enhanced::check_new_name(member, name)?;
        check_new_tags(&new.tags, "Tags")?;
        if new.tags.len() > MAX_TAGS {
            return Err(ServiceError::TooManyTags(format!(
                "a snapshot can have at most {MAX_TAGS} tags; this request gives {}",
                new.tags.len()
            )));
        }
        Ok(())
    }

    /// CreateSnapshot: an enhanced snapshot of a RUNNING application in the
    /// ENHANCED_SNAPSHOTS mode, CREATING until its supervisor has the
    /// savepoint.
    pub fn create_enhanced_snapshot(
        &self,
        app_name: &str,
        name: &str,
        new: NewSnapshot,
    ) -> Result<(EnhancedSnapshot, SnapshotOperationRecord), ServiceError> {
        self.check_new("SnapshotName", name, &new)?;
        let _w = self.write_lock();
        // CreateSnapshot declares no ResourceNotFoundException.
        let entry = self.entry(app_name).map_err(|_| {
            invalid(
                "ApplicationName",
                format!("there is no application named {app_name}"),
            )
        })?;
        let app = &entry.app;
        if !enhanced::runtime_supports(app.runtime) {
            return Err(ServiceError::InvalidConfiguration(format!(
                "Application {app_name} runs {}; enhanced snapshots need Apache Flink 1.20 or later",
                app.runtime.as_str()
            )));
        }
        if !enhanced::is_enhanced(app.config.snapshots.mode) {
            return Err(ServiceError::InvalidConfiguration(format!(
                "Application {app_name} uses the APPLICATION_SNAPSHOTS_LEGACY snapshot mode; set ApplicationSnapshotConfiguration.SnapshotMode to ENHANCED_SNAPSHOTS (UpdateApplication) to take enhanced snapshots, or use CreateApplicationSnapshot"
            )));
        }
        if app.status != ApplicationStatus::Running {
            return Err(ServiceError::InUse(format!(
                "Application {app_name} is {}; enhanced snapshots are taken of a RUNNING application",
                app.status
            )));
        }
        if let Some(cluster) = &entry.job.placement {
            return Err(ServiceError::Unsupported(format!(
                "Application {app_name} runs on the registered Flink cluster {cluster}; Weir takes enhanced snapshots of applications on its own clusters only"
            )));
        }
        let job_id = crate::snapshots::running_job(&entry)?;
        self.check_name_free(name)?;
        let theirs = self.store.snapshots(app_name)?;
        if let Some(busy) = theirs
            .iter()
            .find(|s| s.kind == SnapshotKind::Enhanced && s.status == SnapshotStatus::Creating)
        {
            return Err(ServiceError::InUse(format!(
                "Application {app_name} is already taking snapshot {}; an application takes one CreateSnapshot at a time",
                busy.name
            )));
        }
        if theirs.iter().any(|s| s.name == name) {
            return Err(ServiceError::InUse(format!(
                "Application {app_name} has an application snapshot named {name}; choose another name"
            )));
        }
        let now = now_millis();
        let snapshot = EnhancedSnapshot {
            name: name.to_string(),
            status: SnapshotStatus::Creating,
            created: now,
            initiator: Initiator::User,
            made_by: SnapshotOperationKind::CreateSnapshot,
            description: new.description,
            source: Source::Application {
                name: app_name.to_string(),
                creation_timestamp: app.create_timestamp,
                version_id: entry.job.version_id.unwrap_or(app.version_id),
            },
            runtime: Some(app.runtime),
            size_bytes: 0,
            location: None,
            encryption: new.encryption,
            tags: new.tags,
            failure: None,
        };
        let op = SnapshotOperationRecord::new(
            operation_id(),
            name,
            SnapshotOperationKind::CreateSnapshot,
            now,
        );
        let carrier = SnapshotRecord::requested(
            app_name,
            name,
            SnapshotKind::Enhanced,
            entry.job.version_id.unwrap_or(app.version_id),
            app.runtime,
            now,
            job_id,
        );
        let mut adv = Advance::from_entry(&entry, now);
        adv.log(
            LogLevel::Info,
            LOGGER,
            format!(
                "Enhanced snapshot {name} of application {app_name} requested (snapshot operation {})",
                op.id
            ),
        );
        adv.snapshots.push(carrier);
        adv.enhanced.push(snapshot.clone());
        adv.snapshot_operations.push(op.clone());
        self.commit_advance(entry, adv)?;
        drop(_w);
        self.notify(app_name);
        Ok((snapshot, op))
    }

    /// Within [`Catalogue::put_snapshot`]: the application's record of an
    /// enhanced snapshot in the making has settled; the enhanced snapshot
    /// and its operation end the same way and the record goes.
    pub(crate) fn settle_enhanced(
        &self,
        adv: &mut Advance,
        record: &SnapshotRecord,
    ) -> Result<(), ServiceError> {
        adv.forget_snapshots.push(record.name.clone());
        let Some(mut snap) = self.store.enhanced_snapshot(&record.name)? else {
            return Ok(());
        };
        if snap.status != SnapshotStatus::Creating {
            return Ok(());
        }
        let ops = self.store.snapshot_operations(&record.name)?;
        let op = ops
            .iter()
            .find(|o| o.in_progress() && o.kind.makes_snapshot());
        match record.status {
            SnapshotStatus::Ready => {
                let dir = record.location.as_deref().map(crate::location_path);
                snap.size_bytes = dir.as_deref().map_or(0, dir_size);
                snap.location = record.location.clone();
                snap.status = SnapshotStatus::Ready;
                if let Some(op) = op {
                    adv.snapshot_operations.push(op.ended(
                        SnapshotOperationStatus::Successful,
                        adv.now,
                        None,
                    ));
                }
                adv.log(
                    LogLevel::Info,
                    LOGGER,
                    format!(
                        "Enhanced snapshot {} is READY ({} bytes)",
                        snap.name, snap.size_bytes
                    ),
                );
            }
            _ => {
                let why = record
                    .failure
                    .clone()
                    .unwrap_or_else(|| "the savepoint failed".into());
                snap.status = SnapshotStatus::Failed;
                snap.failure = Some(why.clone());
                if let Some(op) = op {
                    adv.snapshot_operations.push(op.ended(
                        SnapshotOperationStatus::Failed,
                        adv.now,
                        Some(("SavepointFailed".into(), why.clone())),
                    ));
                }
                adv.log(
                    LogLevel::Warn,
                    LOGGER,
                    format!("Enhanced snapshot {} FAILED: {why}", snap.name),
                );
            }
        }
        adv.enhanced.push(snap);
        Ok(())
    }

    pub fn describe_enhanced_snapshot(&self, name: &str) -> Result<EnhancedSnapshot, ServiceError> {
        enhanced::check_name("SnapshotName", name)?;
        self.store
            .enhanced_snapshot(name)?
            .ok_or_else(|| snapshot_not_found(name))
    }

    /// ListSnapshots: newest first, one filter at most.
    pub fn list_enhanced_snapshots(
        &self,
        filter: &SnapshotFilter,
        start: usize,
        limit: usize,
    ) -> Result<Page<EnhancedSnapshot>, ServiceError> {
        let all: Vec<EnhancedSnapshot> = self
            .store
            .enhanced_snapshots()?
            .into_iter()
            .filter(|s| match filter {
                SnapshotFilter::All => true,
                SnapshotFilter::SourceApplication(a) => s.source_application() == Some(a),
                SnapshotFilter::Initiator(i) => s.initiator == *i,
                SnapshotFilter::InitiatorOperation(k) => s.made_by == *k,
                SnapshotFilter::Status(st) => s.status == *st,
            })
            .collect();
        Ok(page(all, start, limit))
    }

    /// DeleteSnapshot: DELETING and a DeleteSnapshot operation, which the
    /// snapshot duty carries out (after any export of it ends).
    pub fn delete_enhanced_snapshot(
        &self,
        name: &str,
        created: EpochMillis,
    ) -> Result<(EnhancedSnapshot, SnapshotOperationRecord), ServiceError> {
        enhanced::check_name("SnapshotName", name)?;
        let _w = self.write_lock();
        let mut snap = self
            .store
            .enhanced_snapshot(name)?
            .ok_or_else(|| snapshot_not_found(name))?;
        if !names_creation_time(created, snap.created) {
            return Err(invalid(
                "SnapshotCreationTimestamp",
                format!("does not match snapshot {name}'s creation time; describe the snapshot for its SnapshotCreationTimestamp"),
            ));
        }
        if !matches!(snap.status, SnapshotStatus::Ready | SnapshotStatus::Failed) {
            return Err(ServiceError::InUse(format!(
                "Snapshot {name} is {}; a snapshot is deleted once it is READY or FAILED",
                snap.status
            )));
        }
        let arn = self.snapshot_arn(name);
        if let Some(user) = self.entries().into_iter().find(|e| {
            let restoring = e.app.status == ApplicationStatus::Starting
                || weir_control::reconcile::is_restart(e.app.status);
            (restoring && restores_from(&e.app.config.run, &arn))
                || e.job.restore_from.as_deref() == Some(arn.as_str())
        }) {
            return Err(ServiceError::InUse(format!(
                "Snapshot {name} is the one application {} restores from; delete it once the application runs",
                user.app.name
            )));
        }
        let now = now_millis();
        snap.status = SnapshotStatus::Deleting;
        let op = SnapshotOperationRecord::new(
            operation_id(),
            name,
            SnapshotOperationKind::DeleteSnapshot,
            now,
        );
        self.ask(Some(&snap), &op)?;
        Ok((snap, op))
    }

    /// ExportSnapshot: an ExportSnapshot operation, which the snapshot duty
    /// carries out (the savepoint copied under the destination prefix).
    pub fn export_enhanced_snapshot(
        &self,
        name: &str,
        destination: S3Prefix,
        encryption: Option<Encryption>,
    ) -> Result<SnapshotOperationRecord, ServiceError> {
        enhanced::check_name("SnapshotName", name)?;
        bucket_of(
            "ExportDestinationConfiguration.DestinationS3PrefixLocation.BucketARN",
            &destination.bucket_arn,
        )?;
        let _w = self.write_lock();
        let snap = self
            .store
            .enhanced_snapshot(name)?
            .ok_or_else(|| snapshot_not_found(name))?;
        if snap.status != SnapshotStatus::Ready {
            return Err(ServiceError::InUse(format!(
                "Snapshot {name} is {}; only a READY snapshot can be exported",
                snap.status
            )));
        }
        let ops = self.store.snapshot_operations(name)?;
        if let Some(running) = ops
            .iter()
            .find(|o| o.in_progress() && o.kind == SnapshotOperationKind::ExportSnapshot)
        {
            return Err(ServiceError::LimitExceeded(format!(
                "Snapshot {name} is being exported already (snapshot operation {}); a snapshot has one export in progress at a time",
                running.id
            )));
        }
        let mut op = SnapshotOperationRecord::new(
            operation_id(),
            name,
            SnapshotOperationKind::ExportSnapshot,
            now_millis(),
        );
        op.destination = Some(destination);
        op.destination_encryption = encryption;
        self.ask(None, &op)?;
        Ok(op)
    }

    /// ImportSnapshot: a CREATING snapshot and an ImportSnapshot operation,
    /// which the snapshot duty carries out (the savepoint checked and copied
    /// in).
    pub fn import_enhanced_snapshot(
        &self,
        name: &str,
        source: S3Prefix,
        source_encryption: Option<Encryption>,
        new: NewSnapshot,
    ) -> Result<(EnhancedSnapshot, SnapshotOperationRecord), ServiceError> {
        self.check_new("SnapshotName", name, &new)?;
        bucket_of(
            "ImportSourceConfiguration.SourceS3PrefixLocation.BucketARN",
            &source.bucket_arn,
        )?;
        let _w = self.write_lock();
        self.check_name_free(name)?;
        let now = now_millis();
        let snapshot = EnhancedSnapshot {
            name: name.to_string(),
            status: SnapshotStatus::Creating,
            created: now,
            initiator: Initiator::User,
            made_by: SnapshotOperationKind::ImportSnapshot,
            description: new.description,
            source: Source::Import(source.clone()),
            runtime: None,
            size_bytes: 0,
            location: None,
            encryption: new.encryption.clone(),
            tags: new.tags,
            failure: None,
        };
        let mut op = SnapshotOperationRecord::new(
            operation_id(),
            name,
            SnapshotOperationKind::ImportSnapshot,
            now,
        );
        op.source = Some(source);
        op.source_encryption = source_encryption;
        op.destination_encryption = new.encryption;
        self.ask(Some(&snapshot), &op)?;
        Ok((snapshot, op))
    }

    pub fn describe_snapshot_operation(
        &self,
        name: &str,
        id: &str,
    ) -> Result<SnapshotOperationRecord, ServiceError> {
        enhanced::check_name("SnapshotName", name)?;
        self.store
            .snapshot_operations(name)?
            .into_iter()
            .find(|o| o.id == id)
            .ok_or_else(|| {
                ServiceError::NotFound(format!("Snapshot {name} has no snapshot operation {id}"))
            })
    }

    pub fn list_snapshot_operations(
        &self,
        name: &str,
        filter: &OperationFilter,
        start: usize,
        limit: usize,
    ) -> Result<Page<SnapshotOperationRecord>, ServiceError> {
        self.describe_enhanced_snapshot(name)?;
        let all: Vec<SnapshotOperationRecord> = self
            .store
            .snapshot_operations(name)?
            .into_iter()
            .filter(|o| match filter {
                OperationFilter::All => true,
                OperationFilter::Kind(k) => o.kind == *k,
                OperationFilter::Status(s) => o.status == *s,
            })
            .collect();
        Ok(page(all, start, limit))
    }

    /// The enhanced snapshot a start restores from, when its run
    /// configuration names one by `SnapshotArn`, checked (READY, its files
    /// in place), as a snapshot record the supervisor restores like any.
    pub(crate) fn enhanced_restore_point(
        &self,
        app: &str,
        arn: &str,
    ) -> Result<SnapshotRecord, RestoreError> {
        let name = self
            .realm
            .snapshot_name(arn)
            .ok_or_else(|| RestoreError::Missing(arn.to_string()))?;
        let snap = self
            .store
            .enhanced_snapshot(name)
            .map_err(|e| RestoreError::Unreadable(e.to_string()))?
            .ok_or_else(|| RestoreError::Missing(arn.to_string()))?;
        if snap.status != SnapshotStatus::Ready {
            return Err(RestoreError::NotReady(arn.to_string(), snap.status));
        }
        let location = snap.location.clone().ok_or_else(|| {
            RestoreError::Unreadable(format!("snapshot {name} has no savepoint location"))
        })?;
        let meta = crate::location_path(&location).join(METADATA);
        std::fs::File::open(&meta).map_err(|e| {
            RestoreError::Unreadable(format!(
                "snapshot {name}'s savepoint is missing or unreadable ({}: {e})",
                meta.display()
            ))
        })?;
        Ok(SnapshotRecord {
            application: app.to_string(),
            name: arn.to_string(),
            status: SnapshotStatus::Ready,
            kind: SnapshotKind::Enhanced,
            version_id: 0,
            runtime: snap
                .runtime
                .unwrap_or(weir_control::model::RuntimeEnvironment::Flink1_20),
            created: snap.created,
            operation_id: None,
            stop_job: false,
            job_id: None,
            trigger_id: None,
            location: Some(location),
            failure: None,
        })
    }

    /// Carries out, one after another, the import, export and delete
    /// operations in progress, and fails the creations whose application
    /// went away. Blocking (copies files); the snapshot duty calls it.
    /// Returns how many operations ended.
    pub fn run_snapshot_operations(&self) -> Result<usize, ServiceError> {
        let mut ended = 0;
        let mut ops = self.store.snapshot_operations_in_progress()?;
        // Deletions last: one waits for the exports of its snapshot.
        ops.sort_by_key(|o| o.kind == SnapshotOperationKind::DeleteSnapshot);
        for op in ops {
            let done = match op.kind {
                SnapshotOperationKind::ImportSnapshot => self.run_import(&op)?,
                SnapshotOperationKind::ExportSnapshot => self.run_export(&op)?,
                SnapshotOperationKind::DeleteSnapshot => self.run_delete(&op)?,
                SnapshotOperationKind::CreateSnapshot
                | SnapshotOperationKind::SystemCreateSnapshot => self.check_creation(&op)?,
            };
            ended += usize::from(done);
        }
        Ok(ended)
    }

    /// Ends `op` (and its snapshot's new state, if any) in one transaction.
    fn end(
        &self,
        op: &SnapshotOperationRecord,
        status: SnapshotOperationStatus,
        failure: Option<(String, String)>,
        snapshot: Option<&EnhancedSnapshot>,
        exported_prefix: Option<String>,
    ) -> Result<bool, ServiceError> {
        let _w = self.write_lock();
        let mut ended = op.ended(status, now_millis(), failure);
        if exported_prefix.is_some() {
            ended.exported_prefix = exported_prefix;
        }
        self.store.commit(Change {
            enhanced: snapshot.map(std::slice::from_ref).unwrap_or_default(),
            snapshot_operations: std::slice::from_ref(&ended),
            ..Change::default()
        })?;
        Ok(true)
    }

    fn run_import(&self, op: &SnapshotOperationRecord) -> Result<bool, ServiceError> {
        let Some(mut snap) = self.store.enhanced_snapshot(&op.snapshot)? else {
            return self.end(op, SnapshotOperationStatus::Cancelled, None, None, None);
        };
        let target = self.enhanced_snapshots_dir().join(&op.snapshot);
        let copied = op
            .source
            .as_ref()
            .ok_or_else(|| {
                (
                    "InvalidSource".to_string(),
                    "the operation names no source".to_string(),
                )
            })
            .and_then(|source| self.import_files(source, &target, &op.id));
        match copied {
            Ok((dir, size)) => {
                snap.status = SnapshotStatus::Ready;
                snap.location = Some(dir.display().to_string());
                snap.size_bytes = size;
                self.end(
                    op,
                    SnapshotOperationStatus::Successful,
                    None,
                    Some(&snap),
                    None,
                )
            }
            Err((code, why)) => {
                let _ = std::fs::remove_dir_all(&target);
                snap.status = SnapshotStatus::Failed;
                snap.failure = Some(why.clone());
                self.end(
                    op,
                    SnapshotOperationStatus::Failed,
                    Some((code, why)),
                    Some(&snap),
                    None,
                )
            }
        }
    }

    /// Checks that `source` holds a Flink savepoint this Weir can restore and
    /// copies it to `<target>/<id>`; its directory and size, or (error code,
    /// reason).
    fn import_files(
        &self,
        source: &S3Prefix,
        target: &Path,
        id: &str,
    ) -> Result<(PathBuf, u64), (String, String)> {
        let bucket = bucket_of("BucketARN", &source.bucket_arn)
            .map_err(|e| ("InvalidSource".to_string(), e.to_string()))?;
        let from = self
            .store
            .code()
            .prefix_path(&bucket, &source.key_prefix)
            .map_err(|e| ("InvalidSource".to_string(), e.to_string()))?;
        if !from.is_dir() {
            return Err((
                "SourceNotFound".into(),
                format!(
                    "s3://{bucket}/{} holds nothing (no objects under that prefix)",
                    source.key_prefix
                ),
            ));
        }
        check_savepoint(&from).map_err(|why| {
            (
                "NotASavepoint".to_string(),
                format!("s3://{bucket}/{}: {why}", source.key_prefix),
            )
        })?;
        let dir = target.join(id);
        copy_tree_fresh(&from, &dir).map_err(|e| {
            (
                "CopyFailed".to_string(),
                format!("copying the savepoint: {e}"),
            )
        })?;
        Ok((dir.clone(), dir_size(&dir)))
    }

    fn run_export(&self, op: &SnapshotOperationRecord) -> Result<bool, ServiceError> {
        let snap = self.store.enhanced_snapshot(&op.snapshot)?;
        let result = (|| {
            let snap = snap
                .as_ref()
                .filter(|s| s.status != SnapshotStatus::Failed)
                .ok_or_else(|| {
                    (
                        "SnapshotNotFound".to_string(),
                        "the snapshot is gone".to_string(),
                    )
                })?;
            let from = snap
                .location
                .as_deref()
                .map(crate::location_path)
                .ok_or_else(|| {
                    (
                        "SnapshotUnreadable".to_string(),
                        "the snapshot has no savepoint".to_string(),
                    )
                })?;
            let dest = op.destination.as_ref().ok_or_else(|| {
                (
                    "InvalidDestination".to_string(),
                    "the operation names no destination".to_string(),
                )
            })?;
            let bucket = bucket_of("BucketARN", &dest.bucket_arn)
                .map_err(|e| ("InvalidDestination".to_string(), e.to_string()))?;
            let bucket_dir = self
                .store
                .code()
                .prefix_path(&bucket, "")
                .map_err(|e| ("InvalidDestination".to_string(), e.to_string()))?;
            if !bucket_dir.is_dir() {
                return Err((
                    "NoSuchBucket".to_string(),
                    format!("the bucket {bucket} does not exist"),
                ));
            }
            // Under a prefix of its own, as the service writes: the one
            // asked for, then the operation's id.
            let prefix = exported_prefix(&dest.key_prefix, &op.id);
            let to = self
                .store
                .code()
                .prefix_path(&bucket, &prefix)
                .map_err(|e| ("InvalidDestination".to_string(), e.to_string()))?;
            copy_tree_fresh(&from, &to).map_err(|e| {
                (
                    "CopyFailed".to_string(),
                    format!("copying the savepoint: {e}"),
                )
            })?;
            Ok(prefix)
        })();
        match result {
            Ok(prefix) => self.end(
                op,
                SnapshotOperationStatus::Successful,
                None,
                None,
                Some(prefix),
            ),
            Err(failure) => self.end(
                op,
                SnapshotOperationStatus::Failed,
                Some(failure),
                None,
                None,
            ),
        }
    }

    fn run_delete(&self, op: &SnapshotOperationRecord) -> Result<bool, ServiceError> {
        // "waits for that operation to finish before it deletes the snapshot"
        let ops = self.store.snapshot_operations(&op.snapshot)?;
        if ops
            .iter()
            .any(|o| o.in_progress() && o.kind == SnapshotOperationKind::ExportSnapshot)
        {
            return Ok(false);
        }
        let dir = self.enhanced_snapshots_dir().join(&op.snapshot);
        match std::fs::remove_dir_all(&dir) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(source) => {
                return Err(ServiceError::Io {
                    context: format!("removing snapshot files {}", dir.display()),
                    source,
                })
            }
        }
        let _w = self.write_lock();
        // The record and its operations go together: the name is free again.
        self.store.delete_enhanced_snapshot(&op.snapshot)?;
        tracing::info!(snapshot = %op.snapshot, operation = %op.id, "enhanced snapshot deleted");
        Ok(true)
    }

    /// A creation whose application's record is gone (the application was
    /// deleted while its savepoint was being taken) fails.
    fn check_creation(&self, op: &SnapshotOperationRecord) -> Result<bool, ServiceError> {
        let Some(mut snap) = self.store.enhanced_snapshot(&op.snapshot)? else {
            return self.end(op, SnapshotOperationStatus::Cancelled, None, None, None);
        };
        let Some(app) = snap.source_application().map(str::to_string) else {
            return Ok(false);
        };
        if self.store.snapshot(&app, &op.snapshot)?.is_some() {
            return Ok(false);
        }
        // Settled meanwhile (the record goes in the same transaction).
        if snap.status != SnapshotStatus::Creating {
            return Ok(false);
        }
        let why = format!("application {app} was deleted before the savepoint was taken");
        snap.status = SnapshotStatus::Failed;
        snap.failure = Some(why.clone());
        self.end(
            op,
            SnapshotOperationStatus::Failed,
            Some(("ApplicationDeleted".into(), why)),
            Some(&snap),
            None,
        )
    }
}

/// Whether `run` restores from the enhanced snapshot `arn`.
pub(crate) fn restores_from(run: &RunConfig, arn: &str) -> bool {
    run.restore.restore_type == RestoreType::RestoreFromCustomSnapshot
        && run.restore.snapshot_arn.as_deref() == Some(arn)
}

/// `KeyPrefix` then the operation's id, one `/` between.
fn exported_prefix(key_prefix: &str, id: &str) -> String {
    format!("{}/{id}", key_prefix.trim_end_matches('/'))
}

fn page<T>(all: Vec<T>, start: usize, limit: usize) -> Page<T> {
    let total = all.len();
    let end = (start + limit).min(total);
    let next = (end < total).then(|| end.to_string());
    Page {
        items: all
            .into_iter()
            .skip(start)
            .take(end.saturating_sub(start))
            .collect(),
        next,
    }
}

/// Whether `dir` is a Flink savepoint a runtime Weir runs can read: a
/// `_metadata` that starts with Flink's magic number and a format version
/// it knows.
fn check_savepoint(dir: &Path) -> Result<(), String> {
    let meta = dir.join(METADATA);
    let mut head = [0u8; 8];
    let mut f = std::fs::File::open(&meta).map_err(|e| {
        format!("not a Flink savepoint: no readable {METADATA} file under the prefix ({e})")
    })?;
    f.read_exact(&mut head).map_err(|_| {
        format!("not a Flink savepoint: {METADATA} is shorter than a savepoint's header")
    })?;
    let magic = u32::from_be_bytes([head[0], head[1], head[2], head[3]]);
    if magic != SAVEPOINT_MAGIC {
        return Err(format!(
            "not a Flink savepoint: {METADATA} does not start with Flink's savepoint header (0x{SAVEPOINT_MAGIC:08x}; found 0x{magic:08x})"
        ));
    }
    let version = u32::from_be_bytes([head[4], head[5], head[6], head[7]]);
    if !READABLE_FORMATS.contains(&version) {
        return Err(format!(
            "a Flink savepoint of metadata format {version}, which the Flink versions Weir runs (1.20 and later) cannot read (they read formats {}–{})",
            READABLE_FORMATS.start(),
            READABLE_FORMATS.end()
        ));
    }
    Ok(())
}

/// Bytes of the files under `dir`.
fn dir_size(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() => dir_size(&e.path()),
            Ok(_) => e.metadata().map_or(0, |m| m.len()),
            Err(_) => 0,
        })
        .sum()
}

/// Copies the tree `from` to `to` (replacing whatever a crash left there):
/// into `<to>.tmp`, then renamed, so `to` is complete or absent. Files are
/// streamed, never held whole in memory.
fn copy_tree_fresh(from: &Path, to: &Path) -> std::io::Result<()> {
    let tmp = to.with_extension("tmp");
    for stale in [&tmp, to] {
        match std::fs::remove_dir_all(stale) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
    }
    copy_tree(from, &tmp)?;
    if let Some(parent) = to.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::rename(&tmp, to)
}

fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_tree(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)?;
            std::fs::File::open(&target)?.sync_all()?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn savepoints_are_told_from_other_files_by_their_header() {
        let dir = tempfile::tempdir().unwrap();
        let err = check_savepoint(dir.path()).unwrap_err();
        assert!(err.contains("no readable _metadata"), "{err}");
        std::fs::write(dir.path().join(METADATA), b"garbage!").unwrap();
        let err = check_savepoint(dir.path()).unwrap_err();
        assert!(
            err.contains("does not start with Flink's savepoint header"),
            "{err}"
        );
        let mut head = SAVEPOINT_MAGIC.to_be_bytes().to_vec();
        head.extend(99u32.to_be_bytes());
        std::fs::write(dir.path().join(METADATA), &head).unwrap();
        let err = check_savepoint(dir.path()).unwrap_err();
        assert!(err.contains("metadata format 99"), "{err}");
        let mut head = SAVEPOINT_MAGIC.to_be_bytes().to_vec();
        head.extend(4u32.to_be_bytes());
        std::fs::write(dir.path().join(METADATA), &head).unwrap();
        assert_eq!(check_savepoint(dir.path()), Ok(()));
    }

    #[test]
    fn a_copy_replaces_what_a_crash_left_and_is_whole_or_absent() {
        let dir = tempfile::tempdir().unwrap();
        let from = dir.path().join("from");
        std::fs::create_dir_all(from.join("sub")).unwrap();
        std::fs::write(from.join("_metadata"), b"m").unwrap();
        std::fs::write(from.join("sub/state"), b"state").unwrap();
        let to = dir.path().join("out/op1");
        std::fs::create_dir_all(to.with_extension("tmp")).unwrap();
        std::fs::create_dir_all(&to).unwrap();
        std::fs::write(to.join("stale"), b"x").unwrap();
        copy_tree_fresh(&from, &to).unwrap();
        assert!(!to.join("stale").exists());
        assert_eq!(std::fs::read(to.join("sub/state")).unwrap(), b"state");
        assert!(!to.with_extension("tmp").exists());
        assert_eq!(dir_size(&to), 6);
    }

    #[test]
    fn an_export_goes_under_the_prefix_then_the_operation_id() {
        assert_eq!(exported_prefix("exports", "abc"), "exports/abc");
        assert_eq!(exported_prefix("exports/", "abc"), "exports/abc");
    }
}
