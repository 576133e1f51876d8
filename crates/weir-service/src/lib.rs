//! `weir-service`: the catalogue's operations — create, describe, list, update,
//! delete, tags, versions — in Weir's own terms.
//!
//! Reads are served from an in-memory index (a `BTreeMap` by name of
//! `Arc<Application>`), so DescribeApplication and ListApplications never touch
//! the disk. Every mutation runs under one writer lock: read the current
//! version, let `weir-control` decide the next one, write it to the store (the
//! durable intent), and only then publish it to the index. A crash between the
//! store write and the publish loses nothing: the index is rebuilt from the
//! store at start-up.
//!
//! **Architecture invariant:** no AWS wire shapes here; the API layer converts.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{SystemTime, UNIX_EPOCH};

use weir_control::lifecycle::{self, Action};
use weir_control::model::LogLevel;
use weir_control::model::{Application, ApplicationStatus, CodeContent, EpochMillis, Tag};
use weir_control::operation::{JobState, OperationKind, OperationRecord, OperationStatus};
use weir_control::spec::{self, ApplicationUpdate, CodeSource, Invalid, NewApplication, Stamp};
use weir_control::Realm;
use weir_store::{BucketError, Store, StoreError};

/// The service layer's errors: what went wrong, in Weir's terms.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    InUse(String),
    #[error("{member}: {message}")]
    InvalidArgument { member: String, message: String },
    #[error("{0}")]
    ConcurrentModification(String),
    #[error("{0}")]
    CodeValidation(String),
    #[error("{0}")]
    LimitExceeded(String),
    #[error("{0}")]
    TooManyTags(String),
    #[error("{0}")]
    Unsupported(String),
    /// The application's configuration or state does not allow the request
    /// (snapshots disabled, the job is down, a snapshot is unreadable).
    #[error("{0}")]
    InvalidConfiguration(String),
    /// A well-formed request that cannot be acted on as things stand.
    #[error("{0}")]
    InvalidRequest(String),
    // Weir's own failures, not the caller's; each keeps its cause.
    /// The store failed, or holds a record it cannot read.
    #[error("store: {0}")]
    Store(#[from] StoreError),
    /// A file Weir manages (an application's snapshot files) could not be changed.
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    /// The store lacks a version the application's history names.
    #[error("version {version} of {application} is not in the store")]
    MissingVersion { application: String, version: u64 },
}

impl ServiceError {
    /// Whether this is Weir's failure rather than a refusal of the request.
    pub fn is_internal(&self) -> bool {
        matches!(
            self,
            Self::Store(_) | Self::Io { .. } | Self::MissingVersion { .. }
        )
    }
}

impl From<Invalid> for ServiceError {
    fn from(e: Invalid) -> Self {
        match e {
            Invalid::Argument { member, message } => {
                ServiceError::InvalidArgument { member, message }
            }
            Invalid::Unsupported(m) => ServiceError::Unsupported(m),
        }
    }
}

impl From<lifecycle::Refusal> for ServiceError {
    fn from(r: lifecycle::Refusal) -> Self {
        ServiceError::InUse(r.to_string())
    }
}

fn invalid(member: &str, message: impl Into<String>) -> ServiceError {
    ServiceError::InvalidArgument {
        member: member.to_string(),
        message: message.into(),
    }
}

/// The service's limit on user tags per application.
pub const MAX_TAGS: usize = 50;
/// The model's limit on `ZipFileContent`, which Weir also applies to S3 objects.
pub const MAX_CODE_BYTES: u64 = 50 * 1024 * 1024;

/// What a caller believed the application looked like; a mutation made on a
/// stale belief is refused rather than silently overwriting someone's change.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Expectation {
    pub version_id: Option<u64>,
    pub conditional_token: Option<String>,
}

/// One application in the index: the current version and its tags.
#[derive(Debug, Clone)]
pub struct Entry {
    pub app: Arc<Application>,
    pub tags: Arc<Vec<Tag>>,
    pub job: Arc<JobState>,
}

impl Entry {
    /// Where the application runs while it is not READY: a registered
    /// cluster's name, or `local`.
    pub fn placement(&self) -> Option<String> {
        placement::holds_capacity(self.app.status).then(|| {
            self.job
                .placement
                .clone()
                .unwrap_or_else(|| weir_control::placement::LOCAL.to_string())
        })
    }
}

/// A page of a listing and where the next page starts.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<String>,
}

/// Wakes the supervisor of the named application.
pub type Notifier = Box<dyn Fn(&str) + Send + Sync>;

pub struct Catalogue {
    store: Store,
    realm: Realm,
    default_maintenance_start: String,
    /// The current version of every application, by name. Readers clone `Arc`s
    /// out and never wait for a disk write.
    index: RwLock<BTreeMap<String, Entry>>,
    /// Serializes mutations so "read current, decide, write" is atomic.
    writer: Mutex<()>,
    /// Wakes an application's supervisor after its intent changed.
    notifier: std::sync::OnceLock<Notifier>,
    /// Wakes whoever carries out snapshot operations, after one was asked.
    snapshot_work: std::sync::OnceLock<Box<dyn Fn() + Send + Sync>>,
    /// The registered Flink clusters of the remote runtime, by name.
    clusters: RwLock<BTreeMap<String, weir_control::placement::ClusterRecord>>,
}

/// The application log's line for a placement decision: where it goes,
/// and where it leaves when it ran somewhere (`from`: `Some(None)` is the
/// local runtime).
pub(crate) fn placement_change(app: &str, from: Option<Option<&str>>, to: Option<&str>) -> String {
    let place = |c: Option<&str>| match c {
        Some(c) => format!("Flink cluster {c}"),
        None => "the local runtime".to_string(),
    };
    match from {
        Some(from) if from != to => {
            format!(
                "Application {app} moves from {} to {}",
                place(from),
                place(to)
            )
        }
        _ => format!("Application {app} is placed on {}", place(to)),
    }
}

/// The service's clock: operation and log times are in it.
pub fn now_millis() -> EpochMillis {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as EpochMillis)
        .unwrap_or(0)
}

fn new_stamp() -> Stamp {
    Stamp {
        now: now_millis(),
        conditional_token: uuid::Uuid::new_v4().simple().to_string(),
    }
}

/// Whether `given` names the creation time `actual`: clients that send whole
/// seconds (botocore's legacy timestamp precision) name the creation second;
/// others the exact millisecond.
pub(crate) fn names_creation_time(given: EpochMillis, actual: EpochMillis) -> bool {
    given == actual || (given % 1000 == 0 && given.div_euclid(1000) == actual.div_euclid(1000))
}

pub(crate) fn not_found(name: &str) -> ServiceError {
    ServiceError::NotFound(format!("Application {name} is not found"))
}

fn check_expectation(app: &Application, expect: &Expectation) -> Result<(), ServiceError> {
    if expect.version_id.is_none() && expect.conditional_token.is_none() {
        return Err(invalid(
            "CurrentApplicationVersionId",
            "either CurrentApplicationVersionId or ConditionalToken is required",
        ));
    }
    if let Some(v) = expect.version_id {
        if v != app.version_id {
            return Err(ServiceError::ConcurrentModification(format!(
                "Application {} has been updated: its current version is {}, not {v}; describe it again and retry",
                app.name, app.version_id
            )));
        }
    }
    if let Some(t) = &expect.conditional_token {
        if *t != app.conditional_token {
            return Err(ServiceError::ConcurrentModification(format!(
                "Application {} has been updated since that ConditionalToken was issued; describe it again and retry",
                app.name
            )));
        }
    }
    Ok(())
}

fn check_new_tags(tags: &[Tag], member: &str) -> Result<(), ServiceError> {
    let mut seen = std::collections::HashSet::new();
    for t in tags {
        if t.key.starts_with("aws:") {
            return Err(invalid(
                member,
                format!("tag key {:?}: the aws: prefix is reserved", t.key),
            ));
        }
        if !seen.insert(t.key.as_str()) {
            return Err(invalid(
                member,
                format!("tag key {:?} appears more than once", t.key),
            ));
        }
    }
    Ok(())
}

fn too_many_tags(count: usize) -> ServiceError {
    ServiceError::TooManyTags(format!(
        "an application can have at most {MAX_TAGS} tags; this request would leave it with {count}"
    ))
}

impl Catalogue {
    /// Opens the catalogue over `store`, loading every application into memory.
    pub fn open(
        store: Store,
        realm: Realm,
        default_maintenance_start: String,
    ) -> Result<Self, ServiceError> {
        let mut jobs: std::collections::HashMap<String, JobState> =
            store.job_states()?.into_iter().collect();
        let index = store
            .load_applications()?
            .into_iter()
            .map(|s| {
                let entry = Entry {
                    job: Arc::new(jobs.remove(&s.app.name).unwrap_or_default()),
                    app: Arc::new(s.app),
                    tags: Arc::new(s.tags),
                };
                (entry.app.name.clone(), entry)
            })
            .collect();
        let catalogue = Self {
            realm,
            default_maintenance_start,
            index: RwLock::new(index),
            writer: Mutex::new(()),
            notifier: std::sync::OnceLock::new(),
            snapshot_work: std::sync::OnceLock::new(),
            clusters: RwLock::new(
                store
                    .load_clusters()?
                    .into_iter()
                    .map(|c| (c.name.clone(), c))
                    .collect(),
            ),
            store,
        };
        catalogue.finish_snapshot_deletions()?;
        Ok(catalogue)
    }

    pub fn realm(&self) -> &Realm {
        &self.realm
    }

    pub fn default_maintenance_start(&self) -> &str {
        &self.default_maintenance_start
    }

    /// The store, for this crate's tests: every read and write goes through
    /// the catalogue's methods, which keep the index and the store in step.
    #[cfg(test)]
    pub(crate) fn store(&self) -> &Store {
        &self.store
    }

    /// Where the application's stored code (its JAR) is on disk; `None` when
    /// it has none (a SQL or text application, or no code given yet).
    pub fn code_path(&self, app: &Application) -> Option<std::path::PathBuf> {
        match app.config.code.as_ref().map(|c| &c.content) {
            Some(CodeContent::Zip(s)) | Some(CodeContent::S3 { stored: s, .. }) => {
                Some(self.store.code().path(s))
            }
            Some(CodeContent::Text(_)) | None => None,
        }
    }

    pub fn len(&self) -> usize {
        self.read_index().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn read_index(&self) -> std::sync::RwLockReadGuard<'_, BTreeMap<String, Entry>> {
        self.index.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write_lock(&self) -> std::sync::MutexGuard<'_, ()> {
        self.writer.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn publish(&self, entry: Entry) {
        let mut index = self.index.write().unwrap_or_else(|p| p.into_inner());
        index.insert(entry.app.name.clone(), entry);
    }

    fn entry(&self, name: &str) -> Result<Entry, ServiceError> {
        self.read_index()
            .get(name)
            .cloned()
            .ok_or_else(|| not_found(name))
    }

    /// The name of the application an ARN names, if it is one of ours.
    fn name_from_arn<'a>(&self, arn: &'a str) -> Result<&'a str, ServiceError> {
        self.realm.application_name(arn).ok_or_else(|| {
            ServiceError::NotFound(format!(
                "Resource {arn} is not found: Weir's resources are arn:aws:kinesisanalytics:{r}:{a}:application/NAME and arn:aws:kinesisanalytics:{r}:{a}:snapshot/NAME",
                r = self.realm.region,
                a = self.realm.account_id
            ))
        })
    }

    /// Changes an enhanced snapshot's tags with `edit`.
    fn retag_snapshot(
        &self,
        name: &str,
        edit: impl FnOnce(&mut Vec<Tag>),
    ) -> Result<(), ServiceError> {
        let _w = self.write_lock();
        let mut snap = self.describe_enhanced_snapshot(name)?;
        if snap.status == weir_control::snapshot::SnapshotStatus::Deleting {
            return Err(ServiceError::InUse(format!(
                "Snapshot {name} is being deleted"
            )));
        }
        edit(&mut snap.tags);
        if snap.tags.len() > MAX_TAGS {
            return Err(ServiceError::TooManyTags(format!(
                "a snapshot can have at most {MAX_TAGS} tags; this request would leave it with {}",
                snap.tags.len()
            )));
        }
        self.store.commit(weir_store::Change {
            enhanced: std::slice::from_ref(&snap),
            ..Default::default()
        })?;
        Ok(())
    }

    /// Stores code as the request carries it and says where it went.
    fn resolve_code(&self, source: CodeSource) -> Result<CodeContent, ServiceError> {
        let code = self.store.code();
        Ok(match source {
            CodeSource::Text(t) => CodeContent::Text(t),
            CodeSource::Zip(bytes) => CodeContent::Zip(code.put(&bytes)?),
            CodeSource::S3(location) => {
                let bucket = location
                    .bucket_arn
                    .strip_prefix("arn:aws:s3:::")
                    .ok_or_else(|| {
                        invalid(
                            "S3ContentLocation.BucketARN",
                            format!(
                                "{:?} is not an S3 bucket ARN (arn:aws:s3:::BUCKET)",
                                location.bucket_arn
                            ),
                        )
                    })?;
                let bytes = code
                    .read_object(bucket, &location.file_key, MAX_CODE_BYTES)
                    .map_err(|e| match e {
                        BucketError::Store(e) => ServiceError::from(e),
                        BucketError::BadBucket(_) => {
                            invalid("S3ContentLocation.BucketARN", e.to_string())
                        }
                        BucketError::BadKey(_) => {
                            invalid("S3ContentLocation.FileKey", e.to_string())
                        }
                        BucketError::Missing { .. } | BucketError::TooLarge { .. } => {
                            ServiceError::CodeValidation(e.to_string())
                        }
                    })?;
                let stored = code.put(&bytes)?;
                CodeContent::S3 { location, stored }
            }
        })
    }

    pub fn create_application(
        &self,
        req: NewApplication<CodeSource>,
        tags: Vec<Tag>,
    ) -> Result<Entry, ServiceError> {
        check_new_tags(&tags, "Tags")?;
        if tags.len() > MAX_TAGS {
            return Err(too_many_tags(tags.len()));
        }
        let _w = self.write_lock();
        if self.read_index().contains_key(&req.name) {
            return Err(ServiceError::InUse(format!(
                "Application {} already exists",
                req.name
            )));
        }
        // Validate what needs no IO before storing any code.
        spec::create(
            req.clone()
                .try_map_code(|_| Ok::<_, Invalid>(placeholder_code()))?,
            &new_stamp(),
        )?;
        let req = req.try_map_code(|c| self.resolve_code(c))?;
        let app = spec::create(req, &new_stamp())?;
        self.store.insert_application(&app, &tags)?;
        tracing::info!(app = %app.name, version = app.version_id, "application created");
        let entry = Entry {
            app: Arc::new(app),
            tags: Arc::new(tags),
            job: Arc::default(),
        };
        self.publish(entry.clone());
        Ok(entry)
    }

    pub fn describe_application(&self, name: &str) -> Result<Arc<Application>, ServiceError> {
        Ok(self.entry(name)?.app)
    }

    /// Applications in name order, starting at `start` (a name) if given.
    pub fn list_applications(&self, start: Option<&str>, limit: usize) -> Page<Arc<Application>> {
        self.list_applications_on(start, limit, None)
    }

    /// Applications in name order, starting at `start` (a name) if given,
    /// only those running on `on` (a registered cluster's name, or `local`)
    /// if given.
    pub fn list_applications_on(
        &self,
        start: Option<&str>,
        limit: usize,
        on: Option<&str>,
    ) -> Page<Arc<Application>> {
        let index = self.read_index();
        let iter = match start {
            Some(s) => {
                index.range::<str, _>((std::ops::Bound::Included(s), std::ops::Bound::Unbounded))
            }
            None => index.range::<str, _>(..),
        };
        let mut iter = iter.filter(|(_, e)| on.is_none_or(|c| e.placement().as_deref() == Some(c)));
        let items: Vec<_> = iter
            .by_ref()
            .take(limit)
            .map(|(_, e)| e.app.clone())
            .collect();
        let next = iter.next().map(|(name, _)| name.clone());
        Page { items, next }
    }

    /// UpdateApplication: the next version, as an UpdateApplication
    /// operation. A READY application's update completes here; a RUNNING
    /// one's is live: UPDATING, and the supervisor snapshots the old job and
    /// brings the new version up restored from it.
    pub fn update_application(
        &self,
        name: &str,
        expect: &Expectation,
        update: ApplicationUpdate<CodeSource>,
    ) -> Result<(Arc<Application>, OperationRecord), ServiceError> {
        let (entry, op) = self.begin(
            name,
            Action::Update,
            OperationKind::UpdateApplication,
            |entry, adv| {
                let current = &entry.app;
                check_expectation(current, expect)?;
                // Check the update's rules before storing any code it carries.
                spec::update(
                    current,
                    update
                        .clone()
                        .try_map_code(|_| Ok::<_, Invalid>(placeholder_code()))?,
                    &new_stamp(),
                )?;
                let update = update.try_map_code(|c| self.resolve_code(c))?;
                let mut next = spec::update(current, update, &new_stamp())?;
                next.status = adv.app.status;
                next.last_update_timestamp = adv.now;
                let live = adv.app.status == ApplicationStatus::Updating;
                if live {
                    // A running application is placed again for its new
                    // version: it stays where it is while it fits there.
                    let on = self.choose_placement(&next, entry.job.placement.as_deref())?;
                    if on != entry.job.placement {
                        adv.log(
                            LogLevel::Info,
                            LOGGER,
                            placement_change(
                                name,
                                Some(entry.job.placement.as_deref()),
                                on.as_deref(),
                            ),
                        );
                    }
                    adv.job.placement = on;
                }
                if let Some(op) = adv.operations.last_mut() {
                    op.version_from = Some(current.version_id);
                    op.version_to = Some(next.version_id);
                    if !live {
                        *op = op.ended(OperationStatus::Successful, None, adv.now);
                    }
                }
                if !live {
                    adv.job.operation_id = None;
                    adv.log(
                        LogLevel::Info,
                        LOGGER,
                        format!("Application {name} updated to version {}", next.version_id),
                    );
                }
                adv.app = next;
                Ok(())
            },
        )?;
        tracing::info!(app = %name, version = entry.app.version_id, status = %entry.app.status, "application updated");
        Ok((entry.app, op))
    }

    fn commit_version(
        &self,
        entry: Entry,
        next: Application,
    ) -> Result<Arc<Application>, ServiceError> {
        self.store.save_application(&next)?;
        tracing::info!(app = %next.name, version = next.version_id, status = %next.status, "application version saved");
        let app = Arc::new(next);
        self.publish(Entry {
            app: app.clone(),
            ..entry
        });
        Ok(app)
    }

    pub fn delete_application(
        &self,
        name: &str,
        create_timestamp: EpochMillis,
    ) -> Result<(), ServiceError> {
        let _w = self.write_lock();
        let entry = self.entry(name)?;
        if !names_creation_time(create_timestamp, entry.app.create_timestamp) {
            return Err(invalid(
                "CreateTimestamp",
                format!("does not match application {name}'s creation time; describe the application for its CreateTimestamp"),
            ));
        }
        let t = lifecycle::transition(entry.app.status, Action::Delete)?;
        if entry.app.status == ApplicationStatus::Ready {
            self.remove(name)?;
            drop(_w);
            // Its supervisor erases what the runtime kept of it (the cluster
            // directory, checkpoints) now, not at its next idle look: a
            // recreated application of the same name must start afresh.
            self.notify(name);
            return Ok(());
        }
        // A running application is halted first: DELETING is the durable
        // intent; its supervisor kills the cluster and then forgets it.
        let mut next = (*entry.app).clone();
        next.status = t.transient.unwrap_or(ApplicationStatus::Deleting);
        next.last_update_timestamp = now_millis();
        self.store.save_application(&next)?;
        self.publish(Entry {
            app: Arc::new(next),
            ..entry
        });
        drop(_w);
        self.notify(name);
        Ok(())
    }

    /// Forgets an application (the caller holds the writer lock).
    pub(crate) fn remove(&self, name: &str) -> Result<(), ServiceError> {
        self.store.delete_application(name)?;
        // Its snapshots' files go with their records (here, and in the
        // shared storage of every registered cluster it may have run on).
        let clusters = self.clusters();
        let dirs = std::iter::once(self.snapshots_dir(name))
            .chain(clusters.iter().map(|c| c.app_dir(name)));
        for dir in dirs {
            if let Err(e) = std::fs::remove_dir_all(&dir) {
                if e.kind() != std::io::ErrorKind::NotFound {
                    tracing::warn!(app = %name, dir = %dir.display(), error = %e, "removing a deleted application's files");
                }
            }
        }
        self.index
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .remove(name);
        tracing::info!(app = %name, "application deleted");
        Ok(())
    }

    pub fn list_versions(
        &self,
        name: &str,
        start: Option<u64>,
        limit: usize,
    ) -> Result<Page<(u64, ApplicationStatus)>, ServiceError> {
        self.entry(name)?;
        let mut items = self.store.versions(name, start, limit + 1)?;
        let next = (items.len() > limit)
            .then(|| items.pop().map(|(v, _)| v.to_string()))
            .flatten();
        Ok(Page { items, next })
    }

    pub fn describe_version(
        &self,
        name: &str,
        version_id: u64,
    ) -> Result<Application, ServiceError> {
        let entry = self.entry(name)?;
        if version_id == entry.app.version_id {
            return Ok((*entry.app).clone());
        }
        self.store.version(name, version_id)?.ok_or_else(|| {
            ServiceError::NotFound(format!("Application {name} has no version {version_id}"))
        })
    }

    pub fn add_logging_option(
        &self,
        name: &str,
        expect: &Expectation,
        log_stream_arn: String,
    ) -> Result<Arc<Application>, ServiceError> {
        let _w = self.write_lock();
        let entry = self.entry(name)?;
        check_expectation(&entry.app, expect)?;
        lifecycle::transition(entry.app.status, Action::Update)?;
        let next = spec::add_logging_option(&entry.app, log_stream_arn, &new_stamp())?;
        self.commit_version(entry, next)
    }

    pub fn delete_logging_option(
        &self,
        name: &str,
        expect: &Expectation,
        id: &str,
    ) -> Result<Arc<Application>, ServiceError> {
        let _w = self.write_lock();
        let entry = self.entry(name)?;
        check_expectation(&entry.app, expect)?;
        lifecycle::transition(entry.app.status, Action::Update)?;
        let next = spec::delete_logging_option(&entry.app, id, &new_stamp())?;
        self.commit_version(entry, next)
    }

    /// Moves the daily maintenance window. Not a new version: the service
    /// reports no version for it, and it changes nothing the job runs with.
    pub fn update_maintenance_window(
        &self,
        name: &str,
        start: &str,
    ) -> Result<Arc<Application>, ServiceError> {
        let _w = self.write_lock();
        let entry = self.entry(name)?;
        lifecycle::transition(entry.app.status, Action::Annotate)?;
        let mut next = (*entry.app).clone();
        next.maintenance = weir_control::model::MaintenanceWindow::starting_at(start);
        next.last_update_timestamp = now_millis();
        self.commit_version(entry, next)
    }

    pub fn list_tags(&self, arn: &str) -> Result<Arc<Vec<Tag>>, ServiceError> {
        if let Some(snapshot) = self.realm.snapshot_name(arn) {
            return Ok(Arc::new(self.describe_enhanced_snapshot(snapshot)?.tags));
        }
        Ok(self.entry(self.name_from_arn(arn)?)?.tags)
    }

    /// Adds tags, replacing the values of keys it already has.
    pub fn tag_resource(&self, arn: &str, tags: Vec<Tag>) -> Result<(), ServiceError> {
        check_new_tags(&tags, "Tags")?;
        if let Some(snapshot) = self.realm.snapshot_name(arn) {
            return self.retag_snapshot(snapshot, |merged| {
                for t in tags {
                    match merged.iter_mut().find(|m| m.key == t.key) {
                        Some(m) => m.value = t.value,
                        None => merged.push(t),
                    }
                }
            });
        }
        let name = self.name_from_arn(arn)?;
        let _w = self.write_lock();
        let entry = self.entry(name)?;
        lifecycle::transition(entry.app.status, Action::Annotate)?;
        let mut merged = (*entry.tags).clone();
        for t in tags {
            match merged.iter_mut().find(|m| m.key == t.key) {
                Some(m) => m.value = t.value,
                None => merged.push(t),
            }
        }
        if merged.len() > MAX_TAGS {
            return Err(too_many_tags(merged.len()));
        }
        self.store.set_tags(name, &merged)?;
        self.publish(Entry {
            tags: Arc::new(merged),
            ..entry
        });
        Ok(())
    }

    /// Removes the tags with these keys; keys it does not have are ignored, as
    /// the service does.
    pub fn untag_resource(&self, arn: &str, keys: &[String]) -> Result<(), ServiceError> {
        if let Some(snapshot) = self.realm.snapshot_name(arn) {
            return self.retag_snapshot(snapshot, |tags| tags.retain(|t| !keys.contains(&t.key)));
        }
        let name = self.name_from_arn(arn)?;
        let _w = self.write_lock();
        let entry = self.entry(name)?;
        lifecycle::transition(entry.app.status, Action::Annotate)?;
        let kept: Vec<Tag> = entry
            .tags
            .iter()
            .filter(|t| !keys.contains(&t.key))
            .cloned()
            .collect();
        self.store.set_tags(name, &kept)?;
        self.publish(Entry {
            tags: Arc::new(kept),
            ..entry
        });
        Ok(())
    }
}

/// Stands in for code while a request's other rules are checked, so that a
/// request refused for another reason stores nothing.
fn placeholder_code() -> CodeContent {
    CodeContent::Zip(weir_control::model::StoredCode {
        sha256: String::new(),
        md5: String::new(),
        size: 0,
    })
}

mod enhanced;
mod placement;
mod running;
mod snapshots;
pub mod telemetry;
pub use enhanced::{NewSnapshot, OperationFilter as SnapshotOperationFilter, SnapshotFilter};
pub use placement::ClusterUse;
pub use running::{Advance, OperationFilter, StartRequest, LOGGER};
pub use snapshots::location_path;
pub use telemetry::Board;

#[cfg(test)]
mod tests;
