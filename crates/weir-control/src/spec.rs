//! Making versions: a new application from a create request, and the next
//! version from an update. Pure functions over the model, so every rule about
//! what a configuration may contain is table-testable without a server.
//!
//! Shape constraints of the wire (lengths, patterns, enum spellings) were
//! checked by `weir-api` before these are called; what is checked here is what
//! only makes sense for Weir's model of an application.

use crate::model::*;

/// Why a requested configuration cannot be accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Invalid {
    /// The request contradicts itself or the application (the member is named).
    #[error("{member}: {message}")]
    Argument { member: String, message: String },
    /// A valid request for something Weir does not do.
    #[error("{0}")]
    Unsupported(String),
}

fn arg(member: &str, message: impl Into<String>) -> Invalid {
    Invalid::Argument {
        member: member.to_string(),
        message: message.into(),
    }
}

/// Values the caller supplies because they come from outside the model: the
/// clock, fresh tokens, the deployment's region and account.
#[derive(Debug, Clone)]
pub struct Stamp {
    pub now: EpochMillis,
    pub conditional_token: String,
}

/// A create request. `C` is how code arrives: the API hands in a
/// [`CodeSource`] (bytes or a location); the service stores it and passes the
/// resulting [`CodeContent`] to [`create`].
#[derive(Debug, Clone, PartialEq)]
pub struct NewApplication<C = CodeContent> {
    pub name: String,
    pub arn: String,
    pub description: Option<String>,
    pub runtime: RuntimeEnvironment,
    pub service_execution_role: String,
    pub mode: Option<ApplicationMode>,
    pub code: Option<(CodeContentType, Option<C>)>,
    pub checkpoint: Option<CheckpointConfig>,
    pub monitoring: Option<MonitoringConfig>,
    pub parallelism: Option<ParallelismSpec>,
    pub environment_properties: Option<Vec<PropertyGroup>>,
    pub snapshots: Option<SnapshotConfig>,
    pub system_rollback_enabled: Option<bool>,
    pub has_vpc_configurations: bool,
    pub encryption: Option<EncryptionConfig>,
    pub log_stream_arns: Vec<String>,
    pub has_sql_configuration: bool,
    pub has_zeppelin_configuration: bool,
    pub maintenance_start: String,
}

impl<C> NewApplication<C> {
    /// A request with what the model requires (name, ARN, runtime, role)
    /// and every optional member absent, so the service's defaults apply;
    /// `maintenance_start` is the deployment's default window start.
    pub fn required(
        name: impl Into<String>,
        arn: impl Into<String>,
        runtime: RuntimeEnvironment,
        service_execution_role: impl Into<String>,
        maintenance_start: impl Into<String>,
    ) -> Self {
        Self {
            name: name.into(),
            arn: arn.into(),
            description: None,
            runtime,
            service_execution_role: service_execution_role.into(),
            mode: None,
            code: None,
            checkpoint: None,
            monitoring: None,
            parallelism: None,
            environment_properties: None,
            snapshots: None,
            system_rollback_enabled: None,
            has_vpc_configurations: false,
            encryption: None,
            log_stream_arns: vec![],
            has_sql_configuration: false,
            has_zeppelin_configuration: false,
            maintenance_start: maintenance_start.into(),
        }
    }
}

/// Parallelism as a request states it (the current parallelism is derived).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParallelismSpec {
    pub configuration_type: ConfigurationType,
    pub parallelism: Option<u32>,
    pub parallelism_per_kpu: Option<u32>,
    pub auto_scaling_enabled: Option<bool>,
}

/// Every field optional: `None` leaves the current value. `C` as in [`NewApplication`].
#[derive(Debug, Clone, PartialEq)]
pub struct ApplicationUpdate<C = CodeContent> {
    pub runtime: Option<RuntimeEnvironment>,
    pub service_execution_role: Option<String>,
    pub code_content_type: Option<CodeContentType>,
    pub code_content: Option<C>,
    pub checkpoint: Option<CheckpointUpdate>,
    pub monitoring: Option<MonitoringUpdate>,
    pub parallelism: Option<ParallelismUpdate>,
    pub environment_properties: Option<Vec<PropertyGroup>>,
    pub snapshots: Option<SnapshotConfig>,
    pub system_rollback_enabled: Option<bool>,
    pub has_vpc_updates: bool,
    pub encryption: Option<EncryptionConfig>,
    pub restore: Option<RestoreConfig>,
    pub allow_non_restored_state: Option<bool>,
    pub run_configuration_given: bool,
    pub logging_updates: Vec<LoggingOptionUpdate>,
    pub has_sql_update: bool,
    pub has_zeppelin_update: bool,
}

impl<C> Default for ApplicationUpdate<C> {
    fn default() -> Self {
        Self {
            runtime: None,
            service_execution_role: None,
            code_content_type: None,
            code_content: None,
            checkpoint: None,
            monitoring: None,
            parallelism: None,
            environment_properties: None,
            snapshots: None,
            system_rollback_enabled: None,
            has_vpc_updates: false,
            encryption: None,
            restore: None,
            allow_non_restored_state: None,
            run_configuration_given: false,
            logging_updates: Vec::new(),
            has_sql_update: false,
            has_zeppelin_update: false,
        }
    }
}

/// Code as a request carries it, before the service has stored it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeSource {
    Text(String),
    Zip(Vec<u8>),
    S3(S3Location),
}

impl<C> NewApplication<C> {
    /// The same request with its code resolved by `f` (which may fail).
    pub fn try_map_code<D, E>(
        self,
        f: impl FnOnce(C) -> Result<D, E>,
    ) -> Result<NewApplication<D>, E> {
        let code = match self.code {
            None => None,
            Some((t, None)) => Some((t, None)),
            Some((t, Some(c))) => Some((t, Some(f(c)?))),
        };
        Ok(NewApplication {
            code,
            name: self.name,
            arn: self.arn,
            description: self.description,
            runtime: self.runtime,
            service_execution_role: self.service_execution_role,
            mode: self.mode,
            checkpoint: self.checkpoint,
            monitoring: self.monitoring,
            parallelism: self.parallelism,
            environment_properties: self.environment_properties,
            snapshots: self.snapshots,
            system_rollback_enabled: self.system_rollback_enabled,
            has_vpc_configurations: self.has_vpc_configurations,
            encryption: self.encryption,
            log_stream_arns: self.log_stream_arns,
            has_sql_configuration: self.has_sql_configuration,
            has_zeppelin_configuration: self.has_zeppelin_configuration,
            maintenance_start: self.maintenance_start,
        })
    }
}

impl<C> ApplicationUpdate<C> {
    /// The same update with its code resolved by `f` (which may fail).
    pub fn try_map_code<D, E>(
        self,
        f: impl FnOnce(C) -> Result<D, E>,
    ) -> Result<ApplicationUpdate<D>, E> {
        let code_content = self.code_content.map(f).transpose()?;
        Ok(ApplicationUpdate {
            code_content,
            runtime: self.runtime,
            service_execution_role: self.service_execution_role,
            code_content_type: self.code_content_type,
            checkpoint: self.checkpoint,
            monitoring: self.monitoring,
            parallelism: self.parallelism,
            environment_properties: self.environment_properties,
            snapshots: self.snapshots,
            system_rollback_enabled: self.system_rollback_enabled,
            has_vpc_updates: self.has_vpc_updates,
            encryption: self.encryption,
            restore: self.restore,
            allow_non_restored_state: self.allow_non_restored_state,
            run_configuration_given: self.run_configuration_given,
            logging_updates: self.logging_updates,
            has_sql_update: self.has_sql_update,
            has_zeppelin_update: self.has_zeppelin_update,
        })
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CheckpointUpdate {
    pub configuration_type: Option<ConfigurationType>,
    pub checkpointing_enabled: Option<bool>,
    pub checkpoint_interval_ms: Option<i64>,
    pub min_pause_between_checkpoints_ms: Option<i64>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MonitoringUpdate {
    pub configuration_type: Option<ConfigurationType>,
    pub metrics_level: Option<MetricsLevel>,
    pub log_level: Option<LogLevel>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ParallelismUpdate {
    pub configuration_type: Option<ConfigurationType>,
    pub parallelism: Option<u32>,
    pub parallelism_per_kpu: Option<u32>,
    pub auto_scaling_enabled: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggingOptionUpdate {
    pub id: String,
    pub log_stream_arn: Option<String>,
}

/// The service's limit on log options per application.
pub const MAX_LOGGING_OPTIONS: usize = 1;

fn check_runtime(runtime: RuntimeEnvironment) -> Result<(), Invalid> {
    match runtime.kind() {
        RuntimeKind::Flink => Ok(()),
        RuntimeKind::Sql => Err(Invalid::Unsupported(format!(
            "{} (Kinesis Data Analytics for SQL) applications are not supported by Weir, and will not be: Weir runs Apache Flink applications",
            runtime.as_str()
        ))),
        RuntimeKind::Zeppelin => Err(Invalid::Unsupported(format!(
            "{} (Studio notebook) applications are not supported by Weir yet",
            runtime.as_str()
        ))),
    }
}

fn check_code(
    content_type: CodeContentType,
    content: Option<&CodeContent>,
    member: &str,
) -> Result<(), Invalid> {
    match (content_type, content) {
        (CodeContentType::Plaintext, _) => Err(arg(
            member,
            "Apache Flink applications take ZIPFILE code (a JAR or a ZIP of the application); PLAINTEXT is for SQL applications",
        )),
        (CodeContentType::Zipfile, Some(CodeContent::Text(_))) => Err(arg(
            member,
            "TextContent cannot be used with CodeContentType ZIPFILE; give ZipFileContent or S3ContentLocation",
        )),
        _ => Ok(()),
    }
}

fn check_checkpoint(c: &CheckpointConfig, member: &str) -> Result<(), Invalid> {
    if c.configuration_type == ConfigurationType::Default
        && (c.checkpointing_enabled.is_some()
            || c.checkpoint_interval_ms.is_some()
            || c.min_pause_between_checkpoints_ms.is_some())
    {
        // The service ignores these with DEFAULT; saying so beats silently dropping them.
        return Err(arg(
            member,
            "ConfigurationType must be CUSTOM to set CheckpointingEnabled, CheckpointInterval or MinPauseBetweenCheckpoints",
        ));
    }
    Ok(())
}

fn check_monitoring(c: &MonitoringConfig, member: &str) -> Result<(), Invalid> {
    if c.configuration_type == ConfigurationType::Default
        && (c.metrics_level.is_some() || c.log_level.is_some())
    {
        return Err(arg(
            member,
            "ConfigurationType must be CUSTOM to set MetricsLevel or LogLevel",
        ));
    }
    Ok(())
}

fn check_parallelism(p: &ParallelismSpec, member: &str) -> Result<(), Invalid> {
    if p.configuration_type == ConfigurationType::Default
        && (p.parallelism.is_some()
            || p.parallelism_per_kpu.is_some()
            || p.auto_scaling_enabled.is_some())
    {
        return Err(arg(
            member,
            "ConfigurationType must be CUSTOM to set Parallelism, ParallelismPerKPU or AutoScalingEnabled",
        ));
    }
    Ok(())
}

fn parallelism_config(p: ParallelismSpec) -> ParallelismConfig {
    let mut cfg = ParallelismConfig {
        configuration_type: p.configuration_type,
        parallelism: p.parallelism,
        parallelism_per_kpu: p.parallelism_per_kpu,
        auto_scaling_enabled: p.auto_scaling_enabled,
        current_parallelism: 1,
    };
    cfg.current_parallelism = cfg.effective().parallelism;
    cfg
}

fn check_encryption(e: &EncryptionConfig, member: &str) -> Result<(), Invalid> {
    match e.key_type {
        KeyType::AwsOwnedKey if e.key_id.is_some() => Err(arg(member, "KeyId is only allowed with KeyType CUSTOMER_MANAGED_KEY")),
        KeyType::AwsOwnedKey => Ok(()),
        KeyType::CustomerManagedKey => Err(Invalid::Unsupported(
            "CUSTOMER_MANAGED_KEY encryption is not supported: Weir has no key management service; application state stays on the host's disk".into(),
        )),
    }
}

fn vpc_unsupported() -> Invalid {
    Invalid::Unsupported(
        "VPC configurations are not supported: Weir runs applications on the host's own network"
            .into(),
    )
}

fn logging_option_id(version: u64, index: usize) -> String {
    format!("{version}.{}", index + 1)
}

/// Version 1 of a new application, or why the request cannot make one.
pub fn create(req: NewApplication, stamp: &Stamp) -> Result<Application, Invalid> {
    // "." and ".." pass the model's pattern, but an application's name
    // names its directories (`clusters/<app>`, `snapshots/<app>`): they
    // would be the data directory's own, and removing a cluster would
    // remove them.
    if req.name == "." || req.name == ".." {
        return Err(arg(
            "ApplicationName",
            format!(
                "{:?} cannot name an application: Weir names its directories after it",
                req.name
            ),
        ));
    }
    check_runtime(req.runtime)?;
    if req.mode == Some(ApplicationMode::Interactive) {
        return Err(Invalid::Unsupported(
            "ApplicationMode INTERACTIVE (Studio notebooks) is not supported by Weir yet".into(),
        ));
    }
    if req.has_sql_configuration {
        return Err(arg(
            "ApplicationConfiguration.SqlApplicationConfiguration",
            "is only for SQL-1_0 applications",
        ));
    }
    if req.has_zeppelin_configuration {
        return Err(arg(
            "ApplicationConfiguration.ZeppelinApplicationConfiguration",
            "is only for Studio notebook (ZEPPELIN-FLINK) applications",
        ));
    }
    if req.has_vpc_configurations {
        return Err(vpc_unsupported());
    }
    let code_member = "ApplicationConfiguration.ApplicationCodeConfiguration";
    let code = match req.code {
        None => None,
        Some((content_type, content)) => {
            check_code(content_type, content.as_ref(), code_member)?;
            match content {
                Some(content) => Some(CodeConfig {
                    content_type,
                    content,
                }),
                None => {
                    return Err(arg(
                        &format!("{code_member}.CodeContent"),
                        "is required for Apache Flink applications",
                    ))
                }
            }
        }
    };
    let checkpoint = req
        .checkpoint
        .unwrap_or_else(CheckpointConfig::service_default);
    check_checkpoint(
        &checkpoint,
        "ApplicationConfiguration.FlinkApplicationConfiguration.CheckpointConfiguration",
    )?;
    let monitoring = req
        .monitoring
        .unwrap_or_else(MonitoringConfig::service_default);
    check_monitoring(
        &monitoring,
        "ApplicationConfiguration.FlinkApplicationConfiguration.MonitoringConfiguration",
    )?;
    let parallelism = match req.parallelism {
        Some(p) => {
            check_parallelism(
                &p,
                "ApplicationConfiguration.FlinkApplicationConfiguration.ParallelismConfiguration",
            )?;
            parallelism_config(p)
        }
        None => ParallelismConfig::service_default(),
    };
    if let Some(e) = &req.encryption {
        check_encryption(
            e,
            "ApplicationConfiguration.ApplicationEncryptionConfiguration",
        )?;
    }
    if let Some(groups) = &req.environment_properties {
        check_property_groups(
            groups,
            "ApplicationConfiguration.EnvironmentProperties.PropertyGroups",
        )?;
    }
    if req.log_stream_arns.len() > MAX_LOGGING_OPTIONS {
        return Err(arg(
            "CloudWatchLoggingOptions",
            format!("at most {MAX_LOGGING_OPTIONS} logging option per application"),
        ));
    }
    let logging_options = req
        .log_stream_arns
        .into_iter()
        .enumerate()
        .map(|(i, arn)| LoggingOption {
            id: logging_option_id(1, i),
            log_stream_arn: arn,
            role_arn: None,
        })
        .collect();
    Ok(Application {
        name: req.name,
        arn: req.arn,
        description: req.description,
        runtime: req.runtime,
        service_execution_role: req.service_execution_role,
        status: ApplicationStatus::Ready,
        version_id: 1,
        create_timestamp: stamp.now,
        last_update_timestamp: stamp.now,
        version_create_timestamp: stamp.now,
        version_updated_from: None,
        version_rolled_back_from: None,
        version_rolled_back_to: None,
        config: ApplicationConfig {
            code,
            flink: FlinkConfig {
                checkpoint,
                monitoring,
                parallelism,
            },
            environment_properties: req.environment_properties,
            // The service turns snapshots on for Flink applications unless told otherwise.
            snapshots: req.snapshots.unwrap_or(SnapshotConfig {
                enabled: true,
                mode: None,
            }),
            system_rollback_enabled: req.system_rollback_enabled.unwrap_or(false),
            vpc_configurations: Vec::new(),
            run: RunConfig::service_default(),
            encryption: req.encryption,
        },
        logging_options,
        maintenance: MaintenanceWindow::starting_at(&req.maintenance_start),
        conditional_token: stamp.conditional_token.clone(),
        mode: ApplicationMode::Streaming,
    })
    .and_then(|app| {
        check_snapshot_mode(
            &app,
            None,
            "ApplicationConfiguration.ApplicationSnapshotConfiguration.SnapshotMode",
        )?;
        Ok(app)
    })
}

/// The service's rules for `SnapshotMode`: ENHANCED_SNAPSHOTS needs Flink
/// 1.20 or later, and UpdateApplication never goes back from it to
/// APPLICATION_SNAPSHOTS_LEGACY (`before`: the mode of the version updated).
fn check_snapshot_mode(
    next: &Application,
    before: Option<Option<SnapshotMode>>,
    member: &str,
) -> Result<(), Invalid> {
    let enhanced = crate::enhanced::is_enhanced(next.config.snapshots.mode);
    if enhanced && !crate::enhanced::runtime_supports(next.runtime) {
        return Err(arg(
            member,
            format!(
                "ENHANCED_SNAPSHOTS needs Apache Flink 1.20 or later; the application runs {}",
                next.runtime.as_str()
            ),
        ));
    }
    if let Some(before) = before {
        if crate::enhanced::is_enhanced(before) && !enhanced {
            return Err(arg(
                member,
                "an application using ENHANCED_SNAPSHOTS cannot be updated back to APPLICATION_SNAPSHOTS_LEGACY; RollbackApplication returns to a version that used it",
            ));
        }
    }
    Ok(())
}

/// RESTORE_FROM_CUSTOM_SNAPSHOT names a snapshot: by `SnapshotName` (the
/// application's own) or, in the ENHANCED_SNAPSHOTS mode, by `SnapshotArn`.
pub fn check_restore(
    r: &RestoreConfig,
    mode: Option<SnapshotMode>,
    member: &str,
) -> Result<(), Invalid> {
    if r.snapshot_arn.is_some() && !crate::enhanced::is_enhanced(mode) {
        return Err(arg(
            &format!("{member}.SnapshotArn"),
            "restores an enhanced snapshot, which an application uses in the ENHANCED_SNAPSHOTS snapshot mode only; give SnapshotName, or set ApplicationSnapshotConfiguration.SnapshotMode to ENHANCED_SNAPSHOTS",
        ));
    }
    if r.restore_type == RestoreType::RestoreFromCustomSnapshot
        && r.snapshot_name.is_none()
        && r.snapshot_arn.is_none()
    {
        return Err(arg(
            &format!("{member}.SnapshotName"),
            "is required with RESTORE_FROM_CUSTOM_SNAPSHOT (or SnapshotArn, in the ENHANCED_SNAPSHOTS mode)",
        ));
    }
    Ok(())
}

fn check_property_groups(groups: &[PropertyGroup], member: &str) -> Result<(), Invalid> {
    let mut seen = std::collections::HashSet::new();
    for g in groups {
        if !seen.insert(g.id.as_str()) {
            return Err(arg(
                member,
                format!("PropertyGroupId {:?} appears more than once", g.id),
            ));
        }
        if g.id == RUN_OPTIONS_GROUP {
            for (key, value) in &g.properties {
                check_run_option(key, value).map_err(|why| {
                    arg(
                        member,
                        format!("property group {RUN_OPTIONS_GROUP}, key {key}: {why}"),
                    )
                })?;
            }
            check_run_options_together(&g.properties).map_err(|(key, why)| {
                arg(
                    member,
                    format!("property group {RUN_OPTIONS_GROUP}, key {key}: {why}"),
                )
            })?;
        }
    }
    Ok(())
}

/// The property group through which the service lets a user say how the
/// job is run. Every key in it is honoured or refused when the version is
/// made: one that Weir ignored would be an application that runs
/// differently here than on the service, found out only when it is wrong.
pub const RUN_OPTIONS_GROUP: &str = "kinesis.analytics.flink.run.options";
/// The job's main class (else the jar manifest's `Main-Class`).
pub const ENTRY_CLASS: &str = "entryClass";
/// The job's program arguments, split at whitespace.
pub const PROGRAM_ARGS: &str = "programArgs";
/// A Python application's main program: a `.py` file inside its zip.
pub const PYTHON: &str = "python";
/// The one jar inside a Python application's zip with its Java code.
pub const JARFILE: &str = "jarfile";
/// Files or directories inside the zip put on the Python path (commas).
pub const PY_FILES: &str = "pyFiles";
/// Archives inside the zip extracted beside the Python workers (commas;
/// `archive.zip#dir` names the directory).
pub const PY_ARCHIVES: &str = "pyArchives";

/// Keys of Flink's Python command line that the service does not take.
const SERVICE_REFUSES: [&str; 3] = ["pyModule", "pyExecutable", "pyRequirements"];
const ACCEPTED: [&str; 6] = [
    ENTRY_CLASS,
    PROGRAM_ARGS,
    PYTHON,
    JARFILE,
    PY_FILES,
    PY_ARCHIVES,
];

/// A Python application's run options: what to run, inside its zip.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PythonProgram {
    /// The main file, relative to the zip's root (`main.py`, `App/main.py`).
    pub main: String,
    pub jarfile: Option<String>,
    pub py_files: Vec<String>,
    /// As given (`a.zip` or `a.zip#dir`).
    pub py_archives: Vec<String>,
}

impl PythonProgram {
    /// The program `app`'s run options describe, if it is a Python
    /// application (its run options name a `python` file).
    pub fn of(app: &Application) -> Option<PythonProgram> {
        let group = app
            .config
            .environment_properties
            .iter()
            .flatten()
            .find(|g| g.id == RUN_OPTIONS_GROUP)?;
        let get = |key: &str| {
            group
                .properties
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.trim().to_string())
        };
        let list = |key: &str| get(key).map(|v| comma_list(&v)).unwrap_or_default();
        Some(PythonProgram {
            main: get(PYTHON)?,
            jarfile: get(JARFILE),
            py_files: list(PY_FILES),
            py_archives: list(PY_ARCHIVES),
        })
    }

    /// Every path inside the zip the options name (archives without their
    /// `#dir`), for checking that the zip has them.
    pub fn paths(&self) -> Vec<&str> {
        let mut paths = vec![self.main.as_str()];
        paths.extend(self.jarfile.as_deref());
        paths.extend(self.py_files.iter().map(String::as_str));
        paths.extend(self.py_archives.iter().map(|a| archive_path(a)));
        paths
    }
}

fn comma_list(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect()
}

/// `a.zip#dir` → `a.zip`.
pub fn archive_path(archive: &str) -> &str {
    archive.split_once('#').map_or(archive, |(path, _)| path)
}

/// Why `path` cannot name a file inside the application's zip, if it
/// cannot: relative, no `..`, no backslashes.
fn check_zip_path(path: &str) -> Result<(), String> {
    if path.is_empty() {
        return Err("is empty: name a path inside the application's zip".into());
    }
    if path.starts_with('/') {
        return Err(format!(
            "{path:?} is absolute: name a path inside the application's zip, relative to its root (e.g. main.py or MyApplication/main.py)"
        ));
    }
    if path.contains('\\') {
        return Err(format!("{path:?}: separate directories with /, not \\"));
    }
    if path.split('/').any(|part| part == "..") {
        return Err(format!(
            "{path:?} leaves the application's zip (..): name a path inside it"
        ));
    }
    Ok(())
}

/// Why run option `key` cannot be `value`, if it cannot.
fn check_run_option(key: &str, value: &str) -> Result<(), String> {
    // Paths are taken trimmed (as `PythonProgram::of` reads them); a class
    // name is not, so that a stray space is pointed out.
    let path = value.trim();
    match key {
        ENTRY_CLASS => check_class_name(value),
        PROGRAM_ARGS if value.split_whitespace().next().is_none() => Err(
            "is empty: leave the key out to run the job without program arguments".into(),
        ),
        PROGRAM_ARGS => Ok(()),
        PYTHON => {
            check_zip_path(path)?;
            if path.ends_with(".py") {
                Ok(())
            } else {
                Err(format!(
                    "{path:?} is not a Python file: name the main .py file inside the zip (e.g. main.py)"
                ))
            }
        }
        JARFILE => {
            check_zip_path(path)?;
            if path.contains(',') {
                return Err("names one jar only: put every Java dependency into one jar (an uber jar) inside the zip".into());
            }
            if path.ends_with(".jar") {
                Ok(())
            } else {
                Err(format!("{path:?} is not a jar: name the .jar file inside the zip (e.g. lib/pyflink-dependencies.jar)"))
            }
        }
        PY_FILES | PY_ARCHIVES => {
            let list = comma_list(path);
            if list.is_empty() {
                return Err("is empty: leave the key out, or name paths inside the zip, separated by commas".into());
            }
            for item in &list {
                let path = if key == PY_ARCHIVES { archive_path(item) } else { item.as_str() };
                check_zip_path(path)?;
            }
            Ok(())
        }
        _ if SERVICE_REFUSES.contains(&key) => Err(
            "is not supported by Managed Service for Apache Flink, nor by Weir: all of the application's code, requirements and dependencies go in its zip file, and nothing is installed with pip".into(),
        ),
        _ => {
            let hint = ACCEPTED
                .iter()
                .find(|k| k.eq_ignore_ascii_case(key))
                .map(|k| format!(" (did you mean {k}?)"))
                .unwrap_or_default();
            Err(format!(
                "is not a run option{hint}; the accepted keys are {} (Java applications) and {} (Python applications)",
                [ENTRY_CLASS, PROGRAM_ARGS].join(", "),
                [PYTHON, JARFILE, PY_FILES, PY_ARCHIVES].join(", ")
            ))
        }
    }
}

/// Why the run options cannot go together, if they cannot: a Python
/// application is run by Flink's Python driver, so a Java entry class or
/// program arguments would be ignored; its other keys mean nothing without
/// the main file.
fn check_run_options_together(options: &[(String, String)]) -> Result<(), (&'static str, String)> {
    let has = |key: &str| options.iter().any(|(k, _)| k == key);
    let python_only: Vec<&str> = [JARFILE, PY_FILES, PY_ARCHIVES]
        .into_iter()
        .filter(|k| has(k))
        .collect();
    if has(PYTHON) {
        if let Some(java) = [ENTRY_CLASS, PROGRAM_ARGS].into_iter().find(|k| has(k)) {
            return Err((
                java,
                format!("is for Java applications; a Python application (key {PYTHON}) runs its main file through Flink's Python driver: leave {java} out"),
            ));
        }
    } else if let Some(first) = python_only.first() {
        return Err((
            first,
            format!("is for Python applications: name the main file inside the zip with key {PYTHON} too (e.g. {PYTHON} = main.py)"),
        ));
    }
    Ok(())
}

/// Whether `name` can be a Java class's binary name (`com.example.Job`,
/// `com.example.Outer$Inner`): identifiers joined by dots. Only what is
/// surely wrong is refused: Java identifiers take any non-ASCII letter, so
/// only ASCII characters are held to letters, digits, `_` and `$`.
fn check_class_name(name: &str) -> Result<(), String> {
    let not_a_class = |why: &str| Err(format!("{name:?} is not a Java class name: {why}"));
    if name.is_empty() {
        return not_a_class("it is empty");
    }
    if name.contains('/') {
        return not_a_class("packages are separated by dots (com.example.Job), not slashes");
    }
    if name.ends_with(".class") || name.ends_with(".java") {
        return not_a_class("name the class (com.example.Job), not its file");
    }
    for part in name.split('.') {
        let Some(first) = part.chars().next() else {
            return not_a_class("it has an empty part between dots");
        };
        if first.is_ascii_digit() {
            return not_a_class("a part starts with a digit");
        }
        if let Some(c) = part.chars().find(|c| {
            c.is_whitespace()
                || c.is_control()
                || (c.is_ascii() && !(c.is_ascii_alphanumeric() || *c == '_' || *c == '$'))
        }) {
            return not_a_class(&format!("{c:?} cannot be in a Java identifier"));
        }
    }
    Ok(())
}

/// The common bookkeeping of every new version.
fn next_version(current: &Application, stamp: &Stamp) -> Application {
    let mut next = current.clone();
    next.version_id = current.version_id + 1;
    next.version_updated_from = Some(current.version_id);
    next.version_rolled_back_from = None;
    next.version_rolled_back_to = None;
    next.last_update_timestamp = stamp.now;
    next.version_create_timestamp = stamp.now;
    next.conditional_token = stamp.conditional_token.clone();
    next
}

fn update_is_empty<C>(u: &ApplicationUpdate<C>) -> bool {
    u.runtime.is_none()
        && u.service_execution_role.is_none()
        && u.code_content_type.is_none()
        && u.code_content.is_none()
        && u.checkpoint.is_none()
        && u.monitoring.is_none()
        && u.parallelism.is_none()
        && u.environment_properties.is_none()
        && u.snapshots.is_none()
        && u.system_rollback_enabled.is_none()
        && !u.has_vpc_updates
        && u.encryption.is_none()
        && !u.run_configuration_given
        && u.logging_updates.is_empty()
        && !u.has_sql_update
        && !u.has_zeppelin_update
}

/// The version an UpdateApplication makes from `current`.
pub fn update(
    current: &Application,
    u: ApplicationUpdate,
    stamp: &Stamp,
) -> Result<Application, Invalid> {
    if update_is_empty(&u) {
        return Err(arg(
            "UpdateApplication",
            "nothing to update: give ApplicationConfigurationUpdate, ServiceExecutionRoleUpdate, RunConfigurationUpdate, CloudWatchLoggingOptionUpdates or RuntimeEnvironmentUpdate",
        ));
    }
    if u.has_sql_update {
        return Err(arg(
            "ApplicationConfigurationUpdate.SqlApplicationConfigurationUpdate",
            "is only for SQL-1_0 applications",
        ));
    }
    if u.has_zeppelin_update {
        return Err(arg(
            "ApplicationConfigurationUpdate.ZeppelinApplicationConfigurationUpdate",
            "is only for Studio notebook (ZEPPELIN-FLINK) applications",
        ));
    }
    if u.has_vpc_updates {
        return Err(vpc_unsupported());
    }
    let mut next = next_version(current, stamp);
    if let Some(runtime) = u.runtime {
        check_runtime(runtime)?;
        next.runtime = runtime;
    }
    if let Some(role) = u.service_execution_role {
        next.service_execution_role = role;
    }

    let code_member = "ApplicationConfigurationUpdate.ApplicationCodeConfigurationUpdate";
    if u.code_content_type.is_some() || u.code_content.is_some() {
        let content_type = u
            .code_content_type
            .or(current.config.code.as_ref().map(|c| c.content_type))
            .unwrap_or(CodeContentType::Zipfile);
        let content = u
            .code_content
            .or(current.config.code.as_ref().map(|c| c.content.clone()));
        check_code(content_type, content.as_ref(), code_member)?;
        match content {
            Some(content) => {
                next.config.code = Some(CodeConfig {
                    content_type,
                    content,
                })
            }
            None => {
                return Err(arg(
                    &format!("{code_member}.CodeContentUpdate"),
                    "is required: the application has no code yet",
                ))
            }
        }
    }

    let flink_member = "ApplicationConfigurationUpdate.FlinkApplicationConfigurationUpdate";
    if let Some(c) = u.checkpoint {
        let cur = &mut next.config.flink.checkpoint;
        if let Some(t) = c.configuration_type {
            cur.configuration_type = t;
            if t == ConfigurationType::Default {
                *cur = CheckpointConfig::service_default();
            }
        }
        if c.checkpointing_enabled.is_some() {
            cur.checkpointing_enabled = c.checkpointing_enabled;
        }
        if c.checkpoint_interval_ms.is_some() {
            cur.checkpoint_interval_ms = c.checkpoint_interval_ms;
        }
        if c.min_pause_between_checkpoints_ms.is_some() {
            cur.min_pause_between_checkpoints_ms = c.min_pause_between_checkpoints_ms;
        }
        check_checkpoint(
            cur,
            &format!("{flink_member}.CheckpointConfigurationUpdate"),
        )?;
    }
    if let Some(m) = u.monitoring {
        let cur = &mut next.config.flink.monitoring;
        if let Some(t) = m.configuration_type {
            cur.configuration_type = t;
            if t == ConfigurationType::Default {
                *cur = MonitoringConfig::service_default();
            }
        }
        if m.metrics_level.is_some() {
            cur.metrics_level = m.metrics_level;
        }
        if m.log_level.is_some() {
            cur.log_level = m.log_level;
        }
        check_monitoring(
            cur,
            &format!("{flink_member}.MonitoringConfigurationUpdate"),
        )?;
    }
    if let Some(p) = u.parallelism {
        let cur = next.config.flink.parallelism;
        let mut spec = ParallelismSpec {
            configuration_type: p.configuration_type.unwrap_or(cur.configuration_type),
            parallelism: p.parallelism.or(cur.parallelism),
            parallelism_per_kpu: p.parallelism_per_kpu.or(cur.parallelism_per_kpu),
            auto_scaling_enabled: p.auto_scaling_enabled.or(cur.auto_scaling_enabled),
        };
        if p.configuration_type == Some(ConfigurationType::Default) {
            spec = ParallelismSpec {
                configuration_type: ConfigurationType::Default,
                parallelism: None,
                parallelism_per_kpu: None,
                auto_scaling_enabled: None,
            };
        }
        check_parallelism(
            &spec,
            &format!("{flink_member}.ParallelismConfigurationUpdate"),
        )?;
        next.config.flink.parallelism = parallelism_config(spec);
    }
    if let Some(groups) = u.environment_properties {
        check_property_groups(
            &groups,
            "ApplicationConfigurationUpdate.EnvironmentPropertyUpdates.PropertyGroups",
        )?;
        next.config.environment_properties = Some(groups);
    }
    if let Some(s) = u.snapshots {
        next.config.snapshots = SnapshotConfig {
            enabled: s.enabled,
            mode: s.mode.or(current.config.snapshots.mode),
        };
    }
    if let Some(r) = u.system_rollback_enabled {
        next.config.system_rollback_enabled = r;
    }
    if let Some(e) = u.encryption {
        check_encryption(
            &e,
            "ApplicationConfigurationUpdate.ApplicationEncryptionConfigurationUpdate",
        )?;
        next.config.encryption = Some(e);
    }
    if let Some(r) = u.restore {
        check_restore(
            &r,
            next.config.snapshots.mode,
            "RunConfigurationUpdate.ApplicationRestoreConfiguration",
        )?;
        next.config.run.restore = r;
    }
    // The model: AllowNonRestoredState goes back to false on an update that does not set it.
    next.config.run.allow_non_restored_state = u.allow_non_restored_state.unwrap_or(false);

    for lu in u.logging_updates {
        let Some(opt) = next.logging_options.iter_mut().find(|o| o.id == lu.id) else {
            return Err(arg(
                "CloudWatchLoggingOptionUpdates.CloudWatchLoggingOptionId",
                format!(
                    "the application has no CloudWatch logging option {:?}",
                    lu.id
                ),
            ));
        };
        if let Some(arn) = lu.log_stream_arn {
            opt.log_stream_arn = arn;
        }
    }
    check_snapshot_mode(
        &next,
        Some(current.config.snapshots.mode),
        "ApplicationConfigurationUpdate.ApplicationSnapshotConfigurationUpdate.SnapshotModeUpdate",
    )?;
    Ok(next)
}

/// The version AddApplicationCloudWatchLoggingOption makes.
pub fn add_logging_option(
    current: &Application,
    log_stream_arn: String,
    stamp: &Stamp,
) -> Result<Application, Invalid> {
    if current
        .logging_options
        .iter()
        .any(|o| o.log_stream_arn == log_stream_arn)
    {
        return Err(arg(
            "CloudWatchLoggingOption.LogStreamARN",
            "the application already logs to this stream",
        ));
    }
    if current.logging_options.len() >= MAX_LOGGING_OPTIONS {
        return Err(arg(
            "CloudWatchLoggingOption",
            format!("an application has at most {MAX_LOGGING_OPTIONS} CloudWatch logging option; delete the existing one first"),
        ));
    }
    let mut next = next_version(current, stamp);
    let id = logging_option_id(next.version_id, next.logging_options.len());
    next.logging_options.push(LoggingOption {
        id,
        log_stream_arn,
        role_arn: None,
    });
    Ok(next)
}

/// The version DeleteApplicationCloudWatchLoggingOption makes.
pub fn delete_logging_option(
    current: &Application,
    id: &str,
    stamp: &Stamp,
) -> Result<Application, Invalid> {
    if !current.logging_options.iter().any(|o| o.id == id) {
        return Err(arg(
            "CloudWatchLoggingOptionId",
            format!("the application has no CloudWatch logging option {id:?}"),
        ));
    }
    let mut next = next_version(current, stamp);
    next.logging_options.retain(|o| o.id != id);
    Ok(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stamp(now: i64) -> Stamp {
        Stamp {
            now,
            conditional_token: format!("token{now}"),
        }
    }

    fn request() -> NewApplication {
        NewApplication::required(
            "app",
            "arn:aws:kinesisanalytics:us-east-1:000000000000:application/app",
            RuntimeEnvironment::Flink1_20,
            "arn:aws:iam::000000000000:role/r",
            "06:00",
        )
    }

    fn zip() -> CodeContent {
        CodeContent::Zip(StoredCode {
            sha256: "ab".into(),
            md5: "cd".into(),
            size: 3,
        })
    }

    #[test]
    fn create_fills_the_service_defaults() {
        let app = create(request(), &stamp(1000)).unwrap();
        assert_eq!(app.version_id, 1);
        assert_eq!(app.status, ApplicationStatus::Ready);
        assert_eq!(app.config.flink.parallelism.current_parallelism, 1);
        assert!(app.config.snapshots.enabled);
        assert!(!app.config.system_rollback_enabled);
        assert_eq!(
            app.config.run.restore.restore_type,
            RestoreType::RestoreFromLatestSnapshot
        );
        assert_eq!(app.maintenance.end, "14:00");
        assert_eq!(app.create_timestamp, 1000);
    }

    #[test]
    fn create_refusals_table() {
        type Edit = fn(&mut NewApplication);
        let table: &[(&str, Edit, &str)] = &[
            (
                "sql runtime",
                |r| r.runtime = RuntimeEnvironment::Sql1_0,
                "will not be",
            ),
            (
                "zeppelin runtime",
                |r| r.runtime = RuntimeEnvironment::ZeppelinFlink3_0,
                "Studio",
            ),
            (
                "interactive",
                |r| r.mode = Some(ApplicationMode::Interactive),
                "INTERACTIVE",
            ),
            (
                "plaintext code",
                |r| {
                    r.code = Some((
                        CodeContentType::Plaintext,
                        Some(CodeContent::Text("x".into())),
                    ))
                },
                "PLAINTEXT",
            ),
            (
                "zip without content",
                |r| r.code = Some((CodeContentType::Zipfile, None)),
                "CodeContent",
            ),
            (
                "text as zip",
                |r| {
                    r.code = Some((
                        CodeContentType::Zipfile,
                        Some(CodeContent::Text("x".into())),
                    ))
                },
                "TextContent",
            ),
            (
                "default checkpoint with values",
                |r| {
                    r.checkpoint = Some(CheckpointConfig {
                        checkpoint_interval_ms: Some(5),
                        ..CheckpointConfig::service_default()
                    })
                },
                "CUSTOM",
            ),
            (
                "default parallelism with values",
                |r| {
                    r.parallelism = Some(ParallelismSpec {
                        configuration_type: ConfigurationType::Default,
                        parallelism: Some(4),
                        parallelism_per_kpu: None,
                        auto_scaling_enabled: None,
                    })
                },
                "CUSTOM",
            ),
            ("vpc", |r| r.has_vpc_configurations = true, "VPC"),
            (
                "two log options",
                |r| r.log_stream_arns = vec!["arn:a".into(), "arn:b".into()],
                "at most",
            ),
            (
                "duplicate property group",
                |r| {
                    let g = PropertyGroup {
                        id: "g".into(),
                        properties: vec![],
                    };
                    r.environment_properties = Some(vec![g.clone(), g]);
                },
                "more than once",
            ),
            (
                "dot name",
                |r| r.name = ".".into(),
                "cannot name an application",
            ),
            (
                "dot-dot name",
                |r| r.name = "..".into(),
                "cannot name an application",
            ),
            (
                "customer managed key",
                |r| {
                    r.encryption = Some(EncryptionConfig {
                        key_type: KeyType::CustomerManagedKey,
                        key_id: Some("k".into()),
                    })
                },
                "CUSTOMER_MANAGED_KEY",
            ),
        ];
        for (name, edit, needle) in table {
            let mut r = request();
            edit(&mut r);
            let err = create(r, &stamp(1)).expect_err(name);
            assert!(err.to_string().contains(needle), "{name}: {err}");
        }
    }

    #[test]
    fn custom_parallelism_sets_current_and_kpus() {
        let mut r = request();
        r.parallelism = Some(ParallelismSpec {
            configuration_type: ConfigurationType::Custom,
            parallelism: Some(5),
            parallelism_per_kpu: Some(2),
            auto_scaling_enabled: Some(false),
        });
        let app = create(r, &stamp(1)).unwrap();
        assert_eq!(app.config.flink.parallelism.current_parallelism, 5);
        assert_eq!(app.config.flink.parallelism.effective().kpus(), 3);
    }

    #[test]
    fn update_makes_the_next_version_and_merges() {
        let v1 = create(request(), &stamp(1)).unwrap();
        let v2 = update(
            &v1,
            ApplicationUpdate {
                code_content: Some(zip()),
                parallelism: Some(ParallelismUpdate {
                    configuration_type: Some(ConfigurationType::Custom),
                    parallelism: Some(4),
                    ..Default::default()
                }),
                environment_properties: Some(vec![PropertyGroup {
                    id: "g".into(),
                    properties: vec![("k".into(), "v".into())],
                }]),
                allow_non_restored_state: Some(true),
                ..Default::default()
            },
            &stamp(2),
        )
        .unwrap();
        assert_eq!(v2.version_id, 2);
        assert_eq!(v2.version_updated_from, Some(1));
        assert_eq!(v2.conditional_token, "token2");
        assert_eq!(v2.create_timestamp, 1);
        assert_eq!(v2.last_update_timestamp, 2);
        assert_eq!(
            v2.config.code.as_ref().unwrap().content_type,
            CodeContentType::Zipfile
        );
        assert_eq!(v2.config.flink.parallelism.current_parallelism, 4);
        assert!(v2.config.run.allow_non_restored_state);

        // A later update that does not mention AllowNonRestoredState resets it.
        let v3 = update(
            &v2,
            ApplicationUpdate {
                system_rollback_enabled: Some(true),
                ..Default::default()
            },
            &stamp(3),
        )
        .unwrap();
        assert!(!v3.config.run.allow_non_restored_state);
        assert_eq!(
            v3.config.flink.parallelism.current_parallelism, 4,
            "untouched sections stay"
        );
        assert_eq!(
            v3.config.environment_properties,
            v2.config.environment_properties
        );
    }

    #[test]
    fn update_refusals_table() {
        let v1 = create(request(), &stamp(1)).unwrap();
        let table: Vec<(&str, ApplicationUpdate, &str)> = vec![
            ("empty", ApplicationUpdate::default(), "nothing to update"),
            (
                "to sql",
                ApplicationUpdate {
                    runtime: Some(RuntimeEnvironment::Sql1_0),
                    ..Default::default()
                },
                "SQL",
            ),
            (
                "code type without code",
                ApplicationUpdate {
                    code_content_type: Some(CodeContentType::Zipfile),
                    ..Default::default()
                },
                "no code yet",
            ),
            (
                "unknown log option",
                ApplicationUpdate {
                    logging_updates: vec![LoggingOptionUpdate {
                        id: "9.9".into(),
                        log_stream_arn: None,
                    }],
                    ..Default::default()
                },
                "no CloudWatch logging option",
            ),
            (
                "custom snapshot without name",
                ApplicationUpdate {
                    restore: Some(RestoreConfig {
                        restore_type: RestoreType::RestoreFromCustomSnapshot,
                        snapshot_name: None,
                        snapshot_arn: None,
                    }),
                    run_configuration_given: true,
                    ..Default::default()
                },
                "SnapshotName",
            ),
            (
                "default monitoring with a level",
                ApplicationUpdate {
                    monitoring: Some(MonitoringUpdate {
                        log_level: Some(LogLevel::Debug),
                        ..Default::default()
                    }),
                    ..Default::default()
                },
                "CUSTOM",
            ),
        ];
        for (name, u, needle) in table {
            let err = update(&v1, u, &stamp(2)).expect_err(name);
            assert!(err.to_string().contains(needle), "{name}: {err}");
        }
    }

    #[test]
    fn run_options_are_honoured_or_refused() {
        const WITHOUT_MAIN: Option<&str> =
            Some("name the main file inside the zip with key python");
        const SERVICE: Option<&str> = Some("not supported by Managed Service for Apache Flink");
        // (key, value, None if accepted else a part of the refusal)
        let table: &[(&str, &str, Option<&str>)] = &[
            ("entryClass", "com.example.Job", None),
            ("entryClass", "Job", None),
            ("entryClass", "com.example.Outer$Inner", None),
            ("entryClass", "com.example._Job2", None),
            ("entryClass", "com.exämple.Jöb", None),
            ("programArgs", "--rate 5 --keys 3", None),
            ("programArgs", "-x", None),
            ("entryClass", "", Some("it is empty")),
            ("entryClass", "com/example/Job", Some("not slashes")),
            ("entryClass", "com.example.Job.class", Some("not its file")),
            ("entryClass", "Job.java", Some("not its file")),
            ("entryClass", "com..Job", Some("empty part")),
            ("entryClass", ".Job", Some("empty part")),
            ("entryClass", "com.example.", Some("empty part")),
            (
                "entryClass",
                "com.1example.Job",
                Some("starts with a digit"),
            ),
            ("entryClass", "com.example.Job --rate 5", Some("' '")),
            ("entryClass", "com.example-app.Job", Some("'-'")),
            ("entryClass", "com.example.Job\n", Some("'\\n'")),
            ("programArgs", "", Some("is empty")),
            ("programArgs", " \t ", Some("is empty")),
            ("python", "main.py", None),
            ("python", "MyApplication/main.py", None),
            ("python", " main.py ", None),
            ("python", "main", Some("not a Python file")),
            ("python", "/opt/app/main.py", Some("is absolute")),
            ("python", "../main.py", Some("leaves the application's zip")),
            ("python", "", Some("is empty")),
            ("jarfile", "lib/udf.jar", WITHOUT_MAIN),
            ("pyFiles", "lib/util.py", WITHOUT_MAIN),
            ("pyArchives", "lib/a.zip", WITHOUT_MAIN),
            ("pyModule", "main", SERVICE),
            ("pyExecutable", "python3", SERVICE),
            (
                "pyRequirements",
                "req.txt",
                Some("nothing is installed with pip"),
            ),
            (
                "entryclass",
                "com.example.Job",
                Some("did you mean entryClass?"),
            ),
            ("ProgramArgs", "-x", Some("did you mean programArgs?")),
            ("pyfiles", "dep/", Some("did you mean pyFiles?")),
            (
                "parallelism",
                "4",
                Some("the accepted keys are entryClass, programArgs (Java applications) and python, jarfile, pyFiles, pyArchives"),
            ),
        ];
        let v1 = create(request(), &stamp(1)).unwrap();
        for (key, value, refusal) in table {
            let groups = vec![PropertyGroup {
                id: RUN_OPTIONS_GROUP.into(),
                properties: vec![(key.to_string(), value.to_string())],
            }];
            let mut r = request();
            r.environment_properties = Some(groups.clone());
            let created = create(r, &stamp(1)).map(drop);
            let u = ApplicationUpdate {
                environment_properties: Some(groups),
                ..Default::default()
            };
            let updated = update(&v1, u, &stamp(2)).map(drop);
            for (op, result) in [("create", created), ("update", updated)] {
                match (refusal, result) {
                    (None, Ok(())) => {}
                    (Some(needle), Err(Invalid::Argument { member, message })) => {
                        assert!(member.ends_with(".PropertyGroups"), "{op} {key}: {member}");
                        let whole = format!("{member}: {message}");
                        assert!(
                            message.contains(&format!("{RUN_OPTIONS_GROUP}, key {key}: "))
                                && message.contains(needle),
                            "{op} {key}={value:?}: {whole}"
                        );
                    }
                    (_, result) => panic!("{op} {key}={value:?}: {result:?}"),
                }
            }
        }
        // The same keys in another group are the application's own.
        let mut r = request();
        r.environment_properties = Some(vec![PropertyGroup {
            id: "MyConfig".into(),
            properties: vec![("python".into(), "3".into()), ("x".into(), "".into())],
        }]);
        assert!(create(r, &stamp(1)).is_ok());
    }

    #[test]
    fn a_python_applications_run_options_go_together() {
        let with = |options: &[(&str, &str)]| {
            let mut r = request();
            r.environment_properties = Some(vec![PropertyGroup {
                id: RUN_OPTIONS_GROUP.into(),
                properties: options
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            }]);
            create(r, &stamp(1))
        };
        let app = with(&[
            ("jarfile", "lib/pyflink-dependencies.jar"),
            ("pyArchives", "venv.zip#venv, data.zip"),
            ("pyFiles", "dep/, util.py"),
            ("python", "MyApplication/main.py"),
        ])
        .unwrap();
        let program = PythonProgram::of(&app).unwrap();
        assert_eq!(
            program,
            PythonProgram {
                main: "MyApplication/main.py".into(),
                jarfile: Some("lib/pyflink-dependencies.jar".into()),
                py_files: vec!["dep/".into(), "util.py".into()],
                py_archives: vec!["venv.zip#venv".into(), "data.zip".into()],
            }
        );
        assert_eq!(
            program.paths(),
            [
                "MyApplication/main.py",
                "lib/pyflink-dependencies.jar",
                "dep/",
                "util.py",
                "venv.zip",
                "data.zip"
            ]
        );
        assert_eq!(
            PythonProgram::of(&with(&[("entryClass", "a.B")]).unwrap()),
            None
        );
        for (options, needle) in [
            (
                &[("python", "main.py"), ("entryClass", "a.B")][..],
                "key entryClass: is for Java applications",
            ),
            (
                &[("python", "main.py"), ("programArgs", "-x")][..],
                "key programArgs: is for Java applications",
            ),
            (
                &[("python", "main.py"), ("jarfile", "a.jar,b.jar")][..],
                "names one jar only",
            ),
            (
                &[("python", "main.py"), ("pyFiles", "dep/,../x")][..],
                "leaves the application's zip",
            ),
            (
                &[("python", "main.py"), ("pyArchives", "/a.zip#x")][..],
                "is absolute",
            ),
            (&[("python", "main.py"), ("pyFiles", " , ")][..], "is empty"),
        ] {
            let err = with(options).unwrap_err().to_string();
            assert!(err.contains(needle), "{options:?}: {err}");
        }
    }

    #[test]
    fn logging_options_add_and_delete() {
        let v1 = create(request(), &stamp(1)).unwrap();
        let v2 = add_logging_option(
            &v1,
            "arn:aws:logs:us-east-1:0:log-group:g:log-stream:s".into(),
            &stamp(2),
        )
        .unwrap();
        assert_eq!(v2.version_id, 2);
        assert_eq!(v2.logging_options[0].id, "2.1");
        assert!(add_logging_option(&v2, "arn:other".into(), &stamp(3)).is_err());
        let v3 = delete_logging_option(&v2, "2.1", &stamp(3)).unwrap();
        assert!(v3.logging_options.is_empty());
        assert!(delete_logging_option(&v3, "2.1", &stamp(4)).is_err());
    }
}
