//! The application model: what an application *is*, independent of how it is
//! spelled on the wire (that is `weir-api`'s business) or stored (`weir-store`).
//!
//! The types derive serde only so that the store can persist them as a private,
//! snake_case document; no AWS member name appears here.

use serde::{Deserialize, Serialize};

/// Milliseconds since the Unix epoch. The wire speaks epoch seconds with a
/// fraction; milliseconds keep `DeleteApplication`'s exact-timestamp check exact.
pub type EpochMillis = i64;

/// Every status the service documents for an application (and, for
/// `RolledBack`, for a version that was rolled back from).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApplicationStatus {
    Ready,
    Starting,
    Running,
    Updating,
    Stopping,
    ForceStopping,
    Autoscaling,
    RollingBack,
    Maintenance,
    Deleting,
    RolledBack,
}

impl ApplicationStatus {
    pub const ALL: [ApplicationStatus; 11] = [
        Self::Ready,
        Self::Starting,
        Self::Running,
        Self::Updating,
        Self::Stopping,
        Self::ForceStopping,
        Self::Autoscaling,
        Self::RollingBack,
        Self::Maintenance,
        Self::Deleting,
        Self::RolledBack,
    ];

    /// The service's spelling, used in log lines and error messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ready => "READY",
            Self::Starting => "STARTING",
            Self::Running => "RUNNING",
            Self::Updating => "UPDATING",
            Self::Stopping => "STOPPING",
            Self::ForceStopping => "FORCE_STOPPING",
            Self::Autoscaling => "AUTOSCALING",
            Self::RollingBack => "ROLLING_BACK",
            Self::Maintenance => "MAINTENANCE",
            Self::Deleting => "DELETING",
            Self::RolledBack => "ROLLED_BACK",
        }
    }
}

impl std::fmt::Display for ApplicationStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A runtime environment the model names. Weir runs the Flink ones; SQL and
/// Zeppelin are recognised only so that they can be refused by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RuntimeEnvironment {
    Sql1_0,
    Flink1_6,
    Flink1_8,
    Flink1_11,
    Flink1_13,
    Flink1_15,
    Flink1_18,
    Flink1_19,
    Flink1_20,
    Flink2_2,
    Flink2_3,
    ZeppelinFlink1_0,
    ZeppelinFlink2_0,
    ZeppelinFlink3_0,
}

impl RuntimeEnvironment {
    pub const ALL: [RuntimeEnvironment; 14] = [
        Self::Sql1_0,
        Self::Flink1_6,
        Self::Flink1_8,
        Self::Flink1_11,
        Self::Flink1_13,
        Self::Flink1_15,
        Self::Flink1_18,
        Self::Flink1_19,
        Self::Flink1_20,
        Self::Flink2_2,
        Self::Flink2_3,
        Self::ZeppelinFlink1_0,
        Self::ZeppelinFlink2_0,
        Self::ZeppelinFlink3_0,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sql1_0 => "SQL-1_0",
            Self::Flink1_6 => "FLINK-1_6",
            Self::Flink1_8 => "FLINK-1_8",
            Self::Flink1_11 => "FLINK-1_11",
            Self::Flink1_13 => "FLINK-1_13",
            Self::Flink1_15 => "FLINK-1_15",
            Self::Flink1_18 => "FLINK-1_18",
            Self::Flink1_19 => "FLINK-1_19",
            Self::Flink1_20 => "FLINK-1_20",
            Self::Flink2_2 => "FLINK-2_2",
            Self::Flink2_3 => "FLINK-2_3",
            Self::ZeppelinFlink1_0 => "ZEPPELIN-FLINK-1_0",
            Self::ZeppelinFlink2_0 => "ZEPPELIN-FLINK-2_0",
            Self::ZeppelinFlink3_0 => "ZEPPELIN-FLINK-3_0",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// The kind of application this runtime makes, which decides what Weir
    /// can do with it.
    pub fn kind(self) -> RuntimeKind {
        match self {
            Self::Sql1_0 => RuntimeKind::Sql,
            Self::ZeppelinFlink1_0 | Self::ZeppelinFlink2_0 | Self::ZeppelinFlink3_0 => {
                RuntimeKind::Zeppelin
            }
            _ => RuntimeKind::Flink,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuntimeKind {
    Flink,
    Sql,
    Zeppelin,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ApplicationMode {
    Streaming,
    Interactive,
}

/// A whole application version: everything DescribeApplication and
/// DescribeApplicationVersion report. One value per version is kept forever.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Application {
    pub name: String,
    pub arn: String,
    pub description: Option<String>,
    pub runtime: RuntimeEnvironment,
    pub service_execution_role: String,
    pub status: ApplicationStatus,
    pub version_id: u64,
    pub create_timestamp: EpochMillis,
    pub last_update_timestamp: EpochMillis,
    pub version_create_timestamp: EpochMillis,
    pub version_updated_from: Option<u64>,
    pub version_rolled_back_from: Option<u64>,
    pub version_rolled_back_to: Option<u64>,
    pub config: ApplicationConfig,
    pub logging_options: Vec<LoggingOption>,
    pub maintenance: MaintenanceWindow,
    /// Opaque token that changes with every version; a caller that read it can
    /// make its next mutation conditional on nobody having changed anything since.
    pub conditional_token: String,
    pub mode: ApplicationMode,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApplicationConfig {
    pub code: Option<CodeConfig>,
    pub flink: FlinkConfig,
    /// `None` until the application has been given properties; DescribeApplication
    /// then omits the section, as the service does.
    pub environment_properties: Option<Vec<PropertyGroup>>,
    pub snapshots: SnapshotConfig,
    pub system_rollback_enabled: bool,
    pub vpc_configurations: Vec<VpcConfiguration>,
    pub run: RunConfig,
    pub encryption: Option<EncryptionConfig>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CodeConfig {
    pub content_type: CodeContentType,
    pub content: CodeContent,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CodeContentType {
    Plaintext,
    Zipfile,
}

/// Where an application's code lives. Zip and S3 code are both copied into the
/// content-addressed code store when a version is made, so every version keeps
/// the exact bytes it was created with even if the object changes later.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum CodeContent {
    Text(String),
    Zip(StoredCode),
    S3 {
        location: S3Location,
        stored: StoredCode,
    },
}

/// A blob in the code store, named by its SHA-256.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredCode {
    pub sha256: String,
    pub md5: String,
    pub size: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct S3Location {
    pub bucket_arn: String,
    pub file_key: String,
    pub object_version: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ConfigurationType {
    Default,
    Custom,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlinkConfig {
    pub checkpoint: CheckpointConfig,
    pub monitoring: MonitoringConfig,
    pub parallelism: ParallelismConfig,
}

/// The checkpoint settings as the user gave them. With `Default`, the service's
/// values apply whatever the other fields say; `effective()` says what runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckpointConfig {
    pub configuration_type: ConfigurationType,
    pub checkpointing_enabled: Option<bool>,
    pub checkpoint_interval_ms: Option<i64>,
    pub min_pause_between_checkpoints_ms: Option<i64>,
}

/// Checkpoint values a job actually gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EffectiveCheckpoint {
    pub enabled: bool,
    pub interval_ms: i64,
    pub min_pause_ms: i64,
}

impl CheckpointConfig {
    pub const DEFAULT_INTERVAL_MS: i64 = 60_000;
    pub const DEFAULT_MIN_PAUSE_MS: i64 = 5_000;

    pub fn service_default() -> Self {
        Self {
            configuration_type: ConfigurationType::Default,
            checkpointing_enabled: None,
            checkpoint_interval_ms: None,
            min_pause_between_checkpoints_ms: None,
        }
    }

    pub fn effective(&self) -> EffectiveCheckpoint {
        match self.configuration_type {
            ConfigurationType::Default => EffectiveCheckpoint {
                enabled: true,
                interval_ms: Self::DEFAULT_INTERVAL_MS,
                min_pause_ms: Self::DEFAULT_MIN_PAUSE_MS,
            },
            ConfigurationType::Custom => EffectiveCheckpoint {
                enabled: self.checkpointing_enabled.unwrap_or(true),
                interval_ms: self
                    .checkpoint_interval_ms
                    .unwrap_or(Self::DEFAULT_INTERVAL_MS),
                min_pause_ms: self
                    .min_pause_between_checkpoints_ms
                    .unwrap_or(Self::DEFAULT_MIN_PAUSE_MS),
            },
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MetricsLevel {
    Application,
    Task,
    Operator,
    Parallelism,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum LogLevel {
    Info,
    Warn,
    Error,
    Debug,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonitoringConfig {
    pub configuration_type: ConfigurationType,
    pub metrics_level: Option<MetricsLevel>,
    pub log_level: Option<LogLevel>,
}

impl MonitoringConfig {
    pub fn service_default() -> Self {
        Self {
            configuration_type: ConfigurationType::Default,
            metrics_level: None,
            log_level: None,
        }
    }

    /// (metrics level, log level) that apply: the service's APPLICATION / INFO
    /// for DEFAULT, the given values (defaulting the same way) for CUSTOM.
    pub fn effective(&self) -> (MetricsLevel, LogLevel) {
        match self.configuration_type {
            ConfigurationType::Default => (MetricsLevel::Application, LogLevel::Info),
            ConfigurationType::Custom => (
                self.metrics_level.unwrap_or(MetricsLevel::Application),
                self.log_level.unwrap_or(LogLevel::Info),
            ),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParallelismConfig {
    pub configuration_type: ConfigurationType,
    pub parallelism: Option<u32>,
    pub parallelism_per_kpu: Option<u32>,
    pub auto_scaling_enabled: Option<bool>,
    /// What the job runs with now; differs from `parallelism` after autoscaling.
    pub current_parallelism: u32,
}

/// Parallelism values that apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EffectiveParallelism {
    pub parallelism: u32,
    pub parallelism_per_kpu: u32,
    pub auto_scaling_enabled: bool,
}

impl EffectiveParallelism {
    /// KPUs = ceil(Parallelism / ParallelismPerKPU): one Task Manager each.
    pub fn kpus(&self) -> u32 {
        self.parallelism.div_ceil(self.parallelism_per_kpu.max(1))
    }
}

impl ParallelismConfig {
    pub fn service_default() -> Self {
        Self {
            configuration_type: ConfigurationType::Default,
            parallelism: None,
            parallelism_per_kpu: None,
            auto_scaling_enabled: None,
            current_parallelism: 1,
        }
    }

    pub fn effective(&self) -> EffectiveParallelism {
        match self.configuration_type {
            ConfigurationType::Default => EffectiveParallelism {
                parallelism: 1,
                parallelism_per_kpu: 1,
                auto_scaling_enabled: true,
            },
            ConfigurationType::Custom => EffectiveParallelism {
                parallelism: self.parallelism.unwrap_or(1),
                parallelism_per_kpu: self.parallelism_per_kpu.unwrap_or(1),
                auto_scaling_enabled: self.auto_scaling_enabled.unwrap_or(false),
            },
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PropertyGroup {
    pub id: String,
    /// Kept sorted by key so that equal maps compare and print equal.
    pub properties: Vec<(String, String)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SnapshotMode {
    Legacy,
    Enhanced,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotConfig {
    pub enabled: bool,
    pub mode: Option<SnapshotMode>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VpcConfiguration {
    pub id: String,
    pub vpc_id: String,
    pub subnet_ids: Vec<String>,
    pub security_group_ids: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RestoreType {
    SkipRestoreFromSnapshot,
    RestoreFromLatestSnapshot,
    RestoreFromCustomSnapshot,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RestoreConfig {
    pub restore_type: RestoreType,
    pub snapshot_name: Option<String>,
    /// An enhanced snapshot (by ARN) to restore from, for an application in
    /// the ENHANCED_SNAPSHOTS mode.
    #[serde(default)]
    pub snapshot_arn: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunConfig {
    pub restore: RestoreConfig,
    pub allow_non_restored_state: bool,
}

impl RunConfig {
    pub fn service_default() -> Self {
        Self {
            restore: RestoreConfig {
                restore_type: RestoreType::RestoreFromLatestSnapshot,
                snapshot_name: None,
                snapshot_arn: None,
            },
            allow_non_restored_state: false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum KeyType {
    AwsOwnedKey,
    CustomerManagedKey,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EncryptionConfig {
    pub key_type: KeyType,
    pub key_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoggingOption {
    pub id: String,
    pub log_stream_arn: String,
    pub role_arn: Option<String>,
}

/// A daily maintenance window, "HH:MM" UTC; the service makes it 8 hours long.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaintenanceWindow {
    pub start: String,
    pub end: String,
}

impl MaintenanceWindow {
    pub const LENGTH_HOURS: u32 = 8;

    /// Whether `now` (ms since the epoch, UTC) falls inside the window,
    /// which may run past midnight.
    pub fn contains(&self, now: EpochMillis) -> bool {
        let minute_of_day = |hhmm: &str| -> Option<i64> {
            let (h, m) = hhmm.split_once(':')?;
            Some(h.parse::<i64>().ok()? * 60 + m.parse::<i64>().ok()?)
        };
        let Some(start) = minute_of_day(&self.start) else {
            return false;
        };
        let now_minute = now.div_euclid(60_000).rem_euclid(24 * 60);
        let since_start = (now_minute - start).rem_euclid(24 * 60);
        since_start < i64::from(Self::LENGTH_HOURS) * 60
    }

    /// The window starting at `start` ("HH:MM", already validated).
    pub fn starting_at(start: &str) -> Self {
        let (h, m) = start.split_once(':').unwrap_or(("0", "0"));
        let h: u32 = h.parse().unwrap_or(0);
        let end = format!("{:02}:{}", (h + Self::LENGTH_HOURS) % 24, m);
        Self {
            start: start.to_string(),
            end,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tag {
    pub key: String,
    pub value: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maintenance_window_membership() {
        let at = |h: i64, m: i64| (19_000 * 86_400 + h * 3600 + m * 60) * 1000;
        let w = MaintenanceWindow::starting_at("06:00");
        assert_eq!(w.end, "14:00");
        for (h, m, inside) in [
            (5, 59, false),
            (6, 0, true),
            (10, 0, true),
            (13, 59, true),
            (14, 0, false),
            (23, 0, false),
        ] {
            assert_eq!(w.contains(at(h, m)), inside, "{h}:{m}");
        }
        // A window across midnight.
        let w = MaintenanceWindow::starting_at("20:30");
        for (h, m, inside) in [
            (20, 29, false),
            (20, 30, true),
            (23, 59, true),
            (0, 0, true),
            (4, 29, true),
            (4, 30, false),
            (12, 0, false),
        ] {
            assert_eq!(w.contains(at(h, m)), inside, "{h}:{m}");
        }
    }

    #[test]
    fn runtime_names_round_trip() {
        for r in RuntimeEnvironment::ALL {
            assert_eq!(RuntimeEnvironment::parse(r.as_str()), Some(r));
        }
        assert_eq!(RuntimeEnvironment::parse("FLINK-9_9"), None);
    }

    #[test]
    fn kpus_round_up() {
        let table = [(1, 1, 1), (4, 1, 4), (5, 2, 3), (64, 4, 16), (3, 8, 1)];
        for (p, per, kpus) in table {
            let e = EffectiveParallelism {
                parallelism: p,
                parallelism_per_kpu: per,
                auto_scaling_enabled: false,
            };
            assert_eq!(e.kpus(), kpus, "parallelism {p} per KPU {per}");
        }
    }

    #[test]
    fn maintenance_window_is_eight_hours_and_wraps() {
        assert_eq!(MaintenanceWindow::starting_at("06:00").end, "14:00");
        assert_eq!(MaintenanceWindow::starting_at("20:30").end, "04:30");
    }

    #[test]
    fn defaults_match_the_service() {
        let c = CheckpointConfig::service_default().effective();
        assert_eq!(
            (c.enabled, c.interval_ms, c.min_pause_ms),
            (true, 60_000, 5_000)
        );
        let p = ParallelismConfig::service_default().effective();
        assert_eq!(
            (p.parallelism, p.parallelism_per_kpu, p.auto_scaling_enabled),
            (1, 1, true)
        );
        assert_eq!(
            MonitoringConfig::service_default().effective(),
            (MetricsLevel::Application, LogLevel::Info)
        );
    }
}
