//! `weir apps …` and `weir snapshots …`: one Kinesis Analytics V2 call per
//! command (and a DescribeApplication where the API wants the current
//! version or the creation time), the result as a table or as the server's
//! JSON, and `--wait` where the command starts a transition.

use std::collections::BTreeMap;
use std::io::{BufRead, IsTerminal, Write};
use std::time::Duration;

use aws_sdk_kinesisanalyticsv2::primitives::Blob;
use aws_sdk_kinesisanalyticsv2::types::{
    ApplicationCodeConfiguration, ApplicationCodeConfigurationUpdate, ApplicationConfiguration,
    ApplicationConfigurationUpdate, ApplicationDetail, ApplicationRestoreConfiguration,
    ApplicationRestoreType, ApplicationSnapshotConfiguration,
    ApplicationSnapshotConfigurationUpdate, CodeContent, CodeContentType, CodeContentUpdate,
    ConfigurationType, EnvironmentProperties, EnvironmentPropertyUpdates,
    FlinkApplicationConfiguration, FlinkApplicationConfigurationUpdate, FlinkRunConfiguration,
    ParallelismConfiguration, ParallelismConfigurationUpdate, PropertyGroup, RunConfiguration,
    RuntimeEnvironment, SnapshotDetails, SnapshotStatus,
};
use serde_json::{json, Value};

use super::output::{self, fields, print_json, print_str, Table};
use super::python::{self, Listing};
use super::session::{all_pages, Capture, Session, KDA_TARGET_PREFIX};
use super::wait::{self, Described, Progress, Target, Want};
use super::{
    AppsCommand, ConfigArgs, CreateArgs, Exit, Failure, PythonArgs, SnapshotsCommand, StartArgs,
    UpdateArgs, WaitArgs,
};

/// The property group the service reads the entry class and program
/// arguments from (and a Python application's files: `python.rs`).
const RUN_OPTIONS: &str = "kinesis.analytics.flink.run.options";
/// Weir's property group and key for where an application runs: `auto`,
/// `local` or a registered Flink cluster's name.
const PLACEMENT: &str = "weir.placement";
const PLACEMENT_KEY: &str = "cluster";

pub async fn run(s: &Session, command: AppsCommand) -> Result<(), Failure> {
    match command {
        AppsCommand::List { cluster } => list(s, cluster.as_deref()).await,
        AppsCommand::Describe { name } => describe(s, &name).await,
        AppsCommand::Create(args) => create(s, *args).await,
        AppsCommand::Start(args) => start(s, args).await,
        AppsCommand::Stop { name, force, wait } => stop(s, &name, force, &wait).await,
        AppsCommand::Update(args) => update(s, *args).await,
        AppsCommand::Snapshot {
            name,
            snapshot_name,
            wait,
        } => snapshot(s, &name, snapshot_name, &wait).await,
        AppsCommand::Rollback { name, wait } => rollback(s, &name, &wait).await,
        AppsCommand::Delete { name, yes, wait } => delete(s, &name, yes, &wait).await,
        AppsCommand::Operations { name, operation_id } => {
            operations(s, &name, operation_id.as_deref()).await
        }
    }
}

pub async fn snapshots(s: &Session, command: SnapshotsCommand) -> Result<(), Failure> {
    use super::enhanced;
    match command {
        SnapshotsCommand::List {
            name: Some(name), ..
        } => list_snapshots(s, &name).await,
        SnapshotsCommand::List { name: None, source } => enhanced::list(s, source.as_deref()).await,
        SnapshotsCommand::Describe {
            first: name,
            second: Some(snapshot_name),
        } => {
            let (details, raw) = describe_snapshot(s, &name, &snapshot_name).await?;
            if s.json() {
                print_json(&raw);
            } else {
                print_str(&snapshot_fields(&name, &details));
            }
            Ok(())
        }
        SnapshotsCommand::Describe {
            first: snapshot,
            second: None,
        } => enhanced::describe(s, &snapshot).await,
        SnapshotsCommand::Delete {
            first: name,
            second: Some(snapshot_name),
            yes,
        } => delete_snapshot(s, &name, &snapshot_name, yes).await,
        SnapshotsCommand::Delete {
            first: snapshot,
            second: None,
            yes,
        } => enhanced::delete(s, &snapshot, yes).await,
        SnapshotsCommand::Create {
            name,
            snapshot_name,
            description,
            wait,
        } => enhanced::create(s, &name, &snapshot_name, description, &wait).await,
        SnapshotsCommand::Import {
            snapshot_name,
            from,
            description,
            wait,
        } => enhanced::import(s, &snapshot_name, &from, description, &wait).await,
        SnapshotsCommand::Export {
            snapshot_name,
            to,
            wait,
        } => enhanced::export(s, &snapshot_name, &to, &wait).await,
        SnapshotsCommand::Operations { snapshot_name } => {
            enhanced::operations(s, &snapshot_name).await
        }
    }
}

// ---------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------

async fn list(s: &Session, cluster: Option<&str>) -> Result<(), Failure> {
    let raw = match cluster {
        None => {
            let (raw, _) = all_pages(|token| async move {
                let capture = Capture::default();
                let page = s
                    .kda
                    .list_applications()
                    .limit(50)
                    .set_next_token(token)
                    .customize()
                    .interceptor(capture.clone())
                    .send()
                    .await
                    .map_err(|e| s.fail(e))?;
                Ok((
                    capture.items("ApplicationSummaries"),
                    Vec::<()>::new(),
                    page.next_token().map(str::to_string),
                ))
            })
            .await?;
            raw
        }
        // `WeirCluster` is Weir's own member, which the SDK cannot send.
        Some(cluster) => {
            let (raw, _) = all_pages(|token| async move {
                let mut body = json!({ "Limit": 50, "WeirCluster": cluster });
                if let Some(token) = token {
                    body["NextToken"] = json!(token);
                }
                let page = s
                    .signed_call(
                        &format!("{KDA_TARGET_PREFIX}.ListApplications"),
                        &body,
                        Duration::from_secs(60),
                    )
                    .await?;
                Ok((
                    page["ApplicationSummaries"]
                        .as_array()
                        .cloned()
                        .unwrap_or_default(),
                    Vec::<()>::new(),
                    page["NextToken"].as_str().map(str::to_string),
                ))
            })
            .await?;
            raw
        }
    };
    if s.json() {
        print_json(&json!({ "ApplicationSummaries": raw }));
        return Ok(());
    }
    if raw.is_empty() {
        match cluster {
            Some(c) => eprintln!(
                "No applications run on {c} (`weir clusters list` shows the registered clusters)."
            ),
            None => {
                eprintln!(
                    "No applications. Create one with: weir apps create NAME --jar JOB.jar \
                     (or --zip APP.zip for Python)"
                )
            }
        }
        return Ok(());
    }
    let text = |v: &Value| v.as_str().unwrap_or("-").to_string();
    let mut table = Table::new(&["NAME", "STATUS", "VERSION>", "RUNTIME", "MODE"]);
    for a in &raw {
        table.row(vec![
            text(&a["ApplicationName"]),
            text(&a["ApplicationStatus"]),
            a["ApplicationVersionId"]
                .as_i64()
                .map_or("-".to_string(), |v| v.to_string()),
            text(&a["RuntimeEnvironment"]),
            text(&a["ApplicationMode"]),
        ]);
    }
    table.print();
    Ok(())
}

async fn describe(s: &Session, name: &str) -> Result<(), Failure> {
    let described = wait::describe_detailed(s, name, true).await?;
    if s.json() {
        print_json(&described.raw);
        return Ok(());
    }
    let d = &described.detail;
    let mut rows = detail_rows(d);
    // Where it runs (Weir's own member, while it is not READY).
    if let Some(on) = described.raw["ApplicationDetail"]["WeirPlacement"]["Cluster"].as_str() {
        let at = rows
            .iter()
            .position(|(k, _)| *k == "Status")
            .map_or(0, |i| i + 1);
        let on = if on == "local" {
            "local (Weir's own Flink cluster)".to_string()
        } else {
            format!("{on} (registered Flink cluster)")
        };
        rows.insert(at, ("Runs on", on));
    }
    // The job, if the server's operator call tells (best effort: an older
    // server without it, or a stopped application, shows nothing).
    if d.application_status().as_str() != "READY" {
        if let Ok(metrics) = super::top::fetch(s, name, Duration::from_secs(5)).await {
            if let Some(line) = super::top::job_summary(&metrics) {
                let at = rows.iter().position(|(k, _)| *k == "Version").unwrap_or(0);
                rows.insert(at, ("Job", line));
            }
        }
    }
    let mut text = fields(&rows);
    let properties = properties_of(d);
    if !properties.is_empty() {
        text.push_str("\nProperties:\n");
        for (group, map) in &properties {
            for (k, v) in map {
                text.push_str(&format!("  {group}.{k} = {v}\n"));
            }
        }
    }
    let ops = wait::operations(s, name).await.unwrap_or_default();
    if !ops.is_empty() {
        text.push_str("\nRecent operations:\n");
        text.push_str(&operations_table(ops.iter().take(5)).render());
    }
    print_str(&text);
    Ok(())
}

fn detail_rows(d: &ApplicationDetail) -> Vec<(&'static str, String)> {
    let mut rows: Vec<(&'static str, String)> = vec![
        ("Name", d.application_name().to_string()),
        ("ARN", d.application_arn().to_string()),
    ];
    if let Some(desc) = d.application_description().filter(|s| !s.is_empty()) {
        rows.push(("Description", desc.to_string()));
    }
    rows.push(("Status", d.application_status().as_str().to_string()));
    let mut version = d.application_version_id().to_string();
    if let Some(from) = d.application_version_updated_from() {
        version.push_str(&format!(" (updated from {from})"));
    }
    if let Some(from) = d.application_version_rolled_back_from() {
        version.push_str(&format!(" (rolled back from {from})"));
    }
    rows.push(("Version", version));
    rows.push(("Runtime", d.runtime_environment().as_str().to_string()));
    rows.push(("Created", output::time(d.create_timestamp())));
    rows.push(("Updated", output::time(d.last_update_timestamp())));
    if let Some(role) = d.service_execution_role() {
        rows.push(("Role", role.to_string()));
    }
    let config = d.application_configuration_description();
    if let Some(code) = config.and_then(|c| c.application_code_configuration_description()) {
        let mut line = code.code_content_type().as_str().to_string();
        if let Some(content) = code.code_content_description() {
            if let Some(size) = content.code_size() {
                line.push_str(&format!(", {}", output::bytes(size as f64)));
            }
            if let Some(md5) = content.code_md5() {
                line.push_str(&format!(", md5 {md5}"));
            }
            if let Some(s3) = content.s3_application_code_location_description() {
                line.push_str(&format!(", {} {}", s3.bucket_arn(), s3.file_key()));
            }
        }
        rows.push(("Code", line));
    }
    if let Some(line) = properties_of(d)
        .get(RUN_OPTIONS)
        .and_then(python::describe_line)
    {
        rows.push(("Python", line));
    }
    let flink = config.and_then(|c| c.flink_application_configuration_description());
    if let Some(p) = flink.and_then(|f| f.parallelism_configuration_description()) {
        let per_kpu = p.parallelism_per_kpu().unwrap_or(1).max(1);
        let current = p.current_parallelism().or(p.parallelism()).unwrap_or(1);
        let kpus = (current + per_kpu - 1) / per_kpu;
        let mut line = format!(
            "{} ({} per KPU, {} KPU{}), autoscaling {}",
            current,
            per_kpu,
            kpus,
            if kpus == 1 { "" } else { "s" },
            if p.auto_scaling_enabled().unwrap_or(false) {
                "on"
            } else {
                "off"
            }
        );
        if let (Some(configured), Some(current)) = (p.parallelism(), p.current_parallelism()) {
            if configured != current {
                line.push_str(&format!(", configured {configured}"));
            }
        }
        if let Some(t) = p.configuration_type() {
            line.push_str(&format!(" [{}]", t.as_str()));
        }
        rows.push(("Parallelism", line));
    }
    if let Some(c) = flink.and_then(|f| f.checkpoint_configuration_description()) {
        let line = if c.checkpointing_enabled() == Some(false) {
            "off".to_string()
        } else {
            format!(
                "every {}, at least {} apart",
                opt_ms(c.checkpoint_interval()),
                opt_ms(c.min_pause_between_checkpoints())
            )
        };
        rows.push(("Checkpoints", line));
    }
    if let Some(snapshots) = config.and_then(|c| c.application_snapshot_configuration_description())
    {
        rows.push((
            "Snapshots",
            if snapshots.snapshots_enabled() {
                "enabled (taken on stop and update)".into()
            } else {
                "disabled".into()
            },
        ));
    }
    if let Some(rollback) =
        config.and_then(|c| c.application_system_rollback_configuration_description())
    {
        rows.push((
            "System rollback",
            if rollback.rollback_enabled() {
                "enabled".into()
            } else {
                "disabled".into()
            },
        ));
    }
    if let Some(restore) = config
        .and_then(|c| c.run_configuration_description())
        .and_then(|r| r.application_restore_configuration_description())
    {
        let mut line = restore.application_restore_type().as_str().to_string();
        if let Some(name) = restore.snapshot_name() {
            line.push_str(&format!(" {name}"));
        }
        rows.push(("Restore on start", line));
    }
    rows
}

fn opt_ms(ms: Option<i64>) -> String {
    match ms {
        Some(ms) if ms % 1000 == 0 => format!("{} s", ms / 1000),
        Some(ms) => format!("{ms} ms"),
        None => "-".into(),
    }
}

fn properties_of(d: &ApplicationDetail) -> BTreeMap<String, BTreeMap<String, String>> {
    let mut out: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let groups = d
        .application_configuration_description()
        .and_then(|c| c.environment_property_descriptions())
        .map(|e| e.property_group_descriptions())
        .unwrap_or_default();
    for g in groups {
        let map = out.entry(g.property_group_id().to_string()).or_default();
        for (k, v) in g.property_map() {
            map.insert(k.clone(), v.clone());
        }
    }
    out
}

fn operations_table<'a>(
    ops: impl Iterator<Item = &'a aws_sdk_kinesisanalyticsv2::types::ApplicationOperationInfo>,
) -> Table {
    let mut table = Table::new(&["OPERATION ID", "OPERATION", "STATUS", "STARTED", "ENDED"]);
    for o in ops {
        table.row(vec![
            o.operation_id().unwrap_or("-").to_string(),
            o.operation().unwrap_or("-").to_string(),
            o.operation_status()
                .map_or("-".to_string(), |s| s.as_str().to_string()),
            output::time(o.start_time()),
            output::time(o.end_time()),
        ]);
    }
    table
}

async fn operations(s: &Session, name: &str, id: Option<&str>) -> Result<(), Failure> {
    let Some(id) = id else {
        if s.json() {
            let (all, _) = wait::list_operations(s, name).await?;
            print_json(&json!({ "ApplicationOperationInfoList": all }));
        } else {
            let ops = wait::operations(s, name).await?;
            if ops.is_empty() {
                eprintln!("{name} has no operations yet.");
            } else {
                operations_table(ops.iter()).print();
            }
        }
        return Ok(());
    };
    let capture = Capture::default();
    let out = s
        .kda
        .describe_application_operation()
        .application_name(name)
        .operation_id(id)
        .customize()
        .interceptor(capture.clone())
        .send()
        .await
        .map_err(|e| s.fail(e))?;
    if s.json() {
        print_json(&capture.json());
        return Ok(());
    }
    let Some(op) = out.application_operation_info_details() else {
        return Err(Failure::other(
            "DescribeApplicationOperation answered nothing",
        ));
    };
    let mut rows: Vec<(&str, String)> = vec![
        ("Operation", format!("{} ({id})", op.operation())),
        ("Status", op.operation_status().as_str().to_string()),
        ("Started", output::time(Some(op.start_time()))),
        ("Ended", output::time(Some(op.end_time()))),
    ];
    if let Some(change) = op.application_version_change_details() {
        rows.push((
            "Version",
            format!(
                "{} → {}",
                change.application_version_updated_from(),
                change.application_version_updated_to()
            ),
        ));
    }
    if let Some(failure) = op.operation_failure_details() {
        if let Some(rollback) = failure.rollback_operation_id() {
            rows.push(("Rolled back by", rollback.to_string()));
        }
    }
    let mut text = fields(&rows);
    if let Some(error) = op
        .operation_failure_details()
        .and_then(|f| f.error_info())
        .and_then(|e| e.error_string())
    {
        text.push_str("\nError:\n");
        for line in error.lines() {
            text.push_str(&format!("  {line}\n"));
        }
    }
    print_str(&text);
    Ok(())
}

// ---------------------------------------------------------------------------
// Creating and changing
// ---------------------------------------------------------------------------

/// A `--property` argument: `GROUP.KEY=VALUE` split at the first dot, or
/// `GROUP:KEY=VALUE` (for groups with dots in their names); the service's
/// own group `kinesis.analytics.flink.run.options` is recognised either way.
pub fn parse_property(arg: &str) -> Result<(String, String, String), Failure> {
    let Some((path, value)) = arg.split_once('=') else {
        return Err(Failure::usage(format!(
            "--property takes GROUP.KEY=VALUE, not {arg:?}"
        )));
    };
    let (group, key) = parse_property_path(path, "--property")?;
    Ok((group, key, value.to_string()))
}

fn parse_property_path(path: &str, flag: &str) -> Result<(String, String), Failure> {
    let split = if let Some(key) = path.strip_prefix(&format!("{RUN_OPTIONS}.")) {
        Some((RUN_OPTIONS, key))
    } else if path.contains(':') {
        path.split_once(':')
    } else {
        path.split_once('.')
    };
    match split {
        Some((group, key)) if !group.is_empty() && !key.is_empty() => {
            Ok((group.to_string(), key.to_string()))
        }
        _ => Err(Failure::usage(format!(
            "{flag} takes GROUP.KEY (or GROUP:KEY), not {path:?}"
        ))),
    }
}

fn property_groups(
    groups: &BTreeMap<String, BTreeMap<String, String>>,
) -> Result<Vec<PropertyGroup>, Failure> {
    groups
        .iter()
        .map(|(id, map)| {
            let mut group = PropertyGroup::builder().property_group_id(id);
            for (k, v) in map {
                group = group.property_map(k, v);
            }
            group
                .build()
                .map_err(|e| Failure::other(format!("property group {id}: {e}")))
        })
        .collect()
}

/// The properties the flags set, on top of `base`.
fn apply_properties(
    base: &mut BTreeMap<String, BTreeMap<String, String>>,
    config: &ConfigArgs,
) -> Result<bool, Failure> {
    let mut changed = false;
    for arg in &config.properties {
        let (group, key, value) = parse_property(arg)?;
        base.entry(group).or_default().insert(key, value);
        changed = true;
    }
    if let Some(class) = &config.entry_class {
        base.entry(RUN_OPTIONS.to_string())
            .or_default()
            .insert("entryClass".into(), class.clone());
        changed = true;
    }
    if let Some(cluster) = &config.cluster {
        if cluster.trim().is_empty() {
            return Err(Failure::usage(
                "--cluster takes auto, local or a registered cluster's name",
            ));
        }
        base.entry(PLACEMENT.to_string())
            .or_default()
            .insert(PLACEMENT_KEY.into(), cluster.clone());
        changed = true;
    }
    Ok(changed)
}

/// The Python run options the flags set, on top of `base`.
fn apply_python(
    base: &mut BTreeMap<String, BTreeMap<String, String>>,
    args: &PythonArgs,
) -> Result<bool, Failure> {
    let options = python::options(args)?;
    if options.is_empty() {
        return Ok(false);
    }
    let run = base.entry(RUN_OPTIONS.to_string()).or_default();
    for (key, value) in options {
        run.insert(key.to_string(), value);
    }
    Ok(true)
}

/// A zip's listing, or a usage error: `--zip` means a Python application,
/// whose code must be a zip the run options can name files in.
fn listing(path: &std::path::Path, bytes: &[u8]) -> Result<Listing, Failure> {
    Listing::read(bytes).map_err(|e| {
        Failure::usage(format!(
            "--zip {}: not a zip archive ({e}); a Java application's jar goes with --jar",
            path.display()
        ))
    })
}

/// Create with `--zip`: the run options the flags left out, chosen from
/// the zip (said on stderr), and every one checked against it.
fn python_create(
    path: &std::path::Path,
    bytes: &[u8],
    groups: &mut BTreeMap<String, BTreeMap<String, String>>,
) -> Result<(), Failure> {
    let listing = listing(path, bytes)?;
    let zip = path.display().to_string();
    let run = groups.entry(RUN_OPTIONS.to_string()).or_default();
    let chosen = python::choose(&listing, &zip, run)?;
    python::check(&listing, &zip, run)?;
    if !chosen.is_empty() {
        eprintln!(
            "From {zip}: {} (give --python, --jarfile or --py-files to choose otherwise).",
            chosen.join(", ")
        );
    }
    Ok(())
}

/// Update with `--zip`: nothing is chosen (only what is given changes),
/// but the run options the application will have must name files in the
/// new zip, and a zip without run option `python` would not run at all.
fn python_update(
    app: &str,
    path: &std::path::Path,
    listing: &Listing,
    groups: &BTreeMap<String, BTreeMap<String, String>>,
) -> Result<(), Failure> {
    let zip = path.display().to_string();
    let empty = BTreeMap::new();
    let run = groups.get(RUN_OPTIONS).unwrap_or(&empty);
    if !run.contains_key(python::PYTHON) {
        // What create would have chosen, as the hint.
        let mut guess = run.clone();
        let hint = match python::choose(listing, &zip, &mut guess) {
            Ok(_) => format!("--python {}", guess[python::PYTHON]),
            Err(_) => "--python FILE".to_string(),
        };
        return Err(Failure::usage(format!(
            "{app} has no run option python, which Python code needs; give {hint} \
             (its path inside {zip})"
        )));
    }
    python::check(listing, &zip, run)
}

fn flag_pair(on: bool, off: bool) -> Option<bool> {
    match (on, off) {
        (true, _) => Some(true),
        (_, true) => Some(false),
        _ => None,
    }
}

/// A local jar or zip, read whole: it goes into the request.
fn read_code(path: &std::path::Path) -> Result<Vec<u8>, Failure> {
    std::fs::read(path).map_err(|e| Failure::other(format!("cannot read {}: {e}", path.display())))
}

pub(super) fn runtime(name: &str) -> Result<RuntimeEnvironment, Failure> {
    let known = RuntimeEnvironment::values();
    if known.contains(&name) {
        Ok(RuntimeEnvironment::from(name))
    } else {
        let flink: Vec<&str> = known
            .iter()
            .copied()
            .filter(|r| r.starts_with("FLINK-"))
            .collect();
        Err(Failure::usage(format!(
            "unknown runtime {name:?}; Flink runtimes: {}",
            flink.join(", ")
        )))
    }
}

async fn create(s: &Session, args: CreateArgs) -> Result<(), Failure> {
    let runtime = runtime(&args.runtime)?;
    // clap lets exactly one of them through.
    let Some(path) = args.zip.as_ref().or(args.jar.as_ref()) else {
        return Err(Failure::usage("give the code with --jar or --zip"));
    };
    let code = read_code(path)?;
    let mut groups = BTreeMap::new();
    apply_properties(&mut groups, &args.config)?;
    apply_python(&mut groups, &args.python)?;
    if let Some(zip) = &args.zip {
        python_create(zip, &code, &mut groups)?;
    }

    let mut flink = FlinkApplicationConfiguration::builder();
    let c = &args.config;
    let autoscaling = flag_pair(c.autoscaling, c.no_autoscaling);
    if c.parallelism.is_some() || c.parallelism_per_kpu.is_some() || autoscaling.is_some() {
        let p = ParallelismConfiguration::builder()
            .configuration_type(ConfigurationType::Custom)
            .set_parallelism(c.parallelism)
            .set_parallelism_per_kpu(c.parallelism_per_kpu)
            .set_auto_scaling_enabled(autoscaling)
            .build()
            .map_err(|e| Failure::other(e.to_string()))?;
        flink = flink.parallelism_configuration(p);
    }
    let mut config = ApplicationConfiguration::builder()
        .application_code_configuration(
            ApplicationCodeConfiguration::builder()
                .code_content_type(CodeContentType::Zipfile)
                .code_content(
                    CodeContent::builder()
                        .zip_file_content(Blob::new(code))
                        .build(),
                )
                .build()
                .map_err(|e| Failure::other(e.to_string()))?,
        )
        .flink_application_configuration(flink.build());
    if !groups.is_empty() {
        config = config.environment_properties(
            EnvironmentProperties::builder()
                .set_property_groups(Some(property_groups(&groups)?))
                .build()
                .map_err(|e| Failure::other(e.to_string()))?,
        );
    }
    if let Some(enabled) = flag_pair(c.snapshots, c.no_snapshots) {
        config = config.application_snapshot_configuration(
            ApplicationSnapshotConfiguration::builder()
                .snapshots_enabled(enabled)
                .build()
                .map_err(|e| Failure::other(e.to_string()))?,
        );
    }

    let capture = Capture::default();
    let created = s
        .kda
        .create_application()
        .application_name(&args.name)
        .runtime_environment(runtime)
        .service_execution_role(&args.role)
        .set_application_description(args.description.clone())
        .application_configuration(config.build())
        .customize()
        .interceptor(capture.clone())
        .send()
        .await
        .map_err(|e| s.fail(e))?;
    let mut raw = capture.json();
    let detail = created.application_detail();
    if !s.json() {
        match detail {
            Some(d) => println!(
                "Created {} (version {}, {}, {}).",
                d.application_name(),
                d.application_version_id(),
                d.runtime_environment().as_str(),
                d.application_status().as_str()
            ),
            None => println!("Created {}.", args.name),
        }
    }
    if !args.start {
        if s.json() {
            print_json(&raw);
        }
        return Ok(());
    }
    let operation_id = start_call(s, &args.name, None).await?;
    if !args.wait.wait {
        if s.json() {
            raw["OperationId"] = json!(operation_id);
            print_json(&raw);
        } else {
            println!(
                "Starting {} (operation {}); follow it with: weir apps describe {}",
                args.name,
                operation_id.as_deref().unwrap_or("-"),
                args.name
            );
        }
        return Ok(());
    }
    settle(
        s,
        &args.name,
        operation_id,
        Want::Status("RUNNING"),
        &args.wait,
    )
    .await
}

async fn start_call(
    s: &Session,
    name: &str,
    run: Option<RunConfiguration>,
) -> Result<Option<String>, Failure> {
    let out = s
        .kda
        .start_application()
        .application_name(name)
        .set_run_configuration(run)
        .send()
        .await
        .map_err(|e| s.fail(e))?;
    Ok(out.operation_id().map(str::to_string))
}

async fn start(s: &Session, args: StartArgs) -> Result<(), Failure> {
    let mut run = None;
    if args.restore.is_some() || args.allow_non_restored_state {
        let mut builder = RunConfiguration::builder();
        if let Some(restore) = &args.restore {
            let config = match restore.as_str() {
                "latest" => ApplicationRestoreConfiguration::builder()
                    .application_restore_type(ApplicationRestoreType::RestoreFromLatestSnapshot),
                "none" => ApplicationRestoreConfiguration::builder()
                    .application_restore_type(ApplicationRestoreType::SkipRestoreFromSnapshot),
                snapshot => ApplicationRestoreConfiguration::builder()
                    .application_restore_type(ApplicationRestoreType::RestoreFromCustomSnapshot)
                    .snapshot_name(snapshot),
            };
            builder = builder.application_restore_configuration(
                config.build().map_err(|e| Failure::other(e.to_string()))?,
            );
        }
        if args.allow_non_restored_state {
            builder = builder.flink_run_configuration(
                FlinkRunConfiguration::builder()
                    .allow_non_restored_state(true)
                    .build(),
            );
        }
        run = Some(builder.build());
    }
    let operation_id = match &args.snapshot {
        // The SDK pinned here has no SnapshotArn: the request goes as JSON.
        Some(snapshot) => {
            let arn = super::enhanced::arn(s, snapshot).await?;
            let mut run = json!({"ApplicationRestoreConfiguration": {
                "ApplicationRestoreType": "RESTORE_FROM_CUSTOM_SNAPSHOT",
                "SnapshotArn": arn,
            }});
            if args.allow_non_restored_state {
                run["FlinkRunConfiguration"] = json!({"AllowNonRestoredState": true});
            }
            let answer = s
                .signed_call(
                    &format!("{KDA_TARGET_PREFIX}.StartApplication"),
                    &json!({"ApplicationName": args.name, "RunConfiguration": run}),
                    Duration::from_secs(30),
                )
                .await?;
            answer["OperationId"].as_str().map(str::to_string)
        }
        None => start_call(s, &args.name, run).await?,
    };
    if args.wait.wait {
        return settle(
            s,
            &args.name,
            operation_id,
            Want::Status("RUNNING"),
            &args.wait,
        )
        .await;
    }
    started(s, "Starting", &args.name, operation_id);
    Ok(())
}

/// What a command that started an operation prints when it does not wait.
fn started(s: &Session, verb: &str, name: &str, operation_id: Option<String>) {
    if s.json() {
        print_json(&json!({ "OperationId": operation_id }));
    } else {
        println!(
            "{verb} {name} (operation {}); wait for it with --wait, or: weir apps describe {name}",
            operation_id.as_deref().unwrap_or("-")
        );
    }
}

async fn stop(s: &Session, name: &str, force: bool, wait: &WaitArgs) -> Result<(), Failure> {
    let out = s
        .kda
        .stop_application()
        .application_name(name)
        .force(force)
        .send()
        .await
        .map_err(|e| s.fail(e))?;
    let operation_id = out.operation_id().map(str::to_string);
    if wait.wait {
        return settle(s, name, operation_id, Want::Status("READY"), wait).await;
    }
    started(
        s,
        if force { "Force-stopping" } else { "Stopping" },
        name,
        operation_id,
    );
    Ok(())
}

/// `--wait`: wait, then print the application as it ended (or its JSON),
/// and fail as the wait says.
async fn settle(
    s: &Session,
    name: &str,
    operation_id: Option<String>,
    want: Want,
    args: &WaitArgs,
) -> Result<(), Failure> {
    let target = Target {
        app: name,
        operation_id,
        want,
        timeout: Duration::from_secs(args.timeout),
    };
    let started = std::time::Instant::now();
    let outcome = wait::application(s, target).await?;
    let took = output::duration_secs(started.elapsed().as_secs());
    match &outcome.last {
        Some(Described { detail, raw }) => {
            if s.json() {
                print_json(raw);
            } else if outcome.failure.is_none() {
                println!(
                    "{name} is {} (version {}) after {took}.",
                    detail.application_status().as_str(),
                    detail.application_version_id()
                );
            }
        }
        None => {
            if s.json() {
                print_json(&json!({}));
            } else if outcome.failure.is_none() {
                println!("{name} is deleted (after {took}).");
            }
        }
    }
    outcome.into_result().map(|_| ())
}

async fn update(s: &Session, args: UpdateArgs) -> Result<(), Failure> {
    let current = wait::describe(s, &args.name).await?.detail;
    let mut update = ApplicationConfigurationUpdate::builder();
    let mut anything = false;

    let code = match args.zip.as_ref().or(args.jar.as_ref()) {
        Some(path) => Some(read_code(path)?),
        None => None,
    };
    // Read before the bytes go into the request; checked once the run
    // options it must agree with are known.
    let new_zip = match (&args.zip, &code) {
        (Some(path), Some(code)) => Some((path, listing(path, code)?)),
        _ => None,
    };
    if let Some(code) = code {
        update = update.application_code_configuration_update(
            ApplicationCodeConfigurationUpdate::builder()
                .code_content_type_update(CodeContentType::Zipfile)
                .code_content_update(
                    CodeContentUpdate::builder()
                        .zip_file_content_update(Blob::new(code))
                        .build(),
                )
                .build(),
        );
        anything = true;
    }
    let c = &args.config;
    let autoscaling = flag_pair(c.autoscaling, c.no_autoscaling);
    if c.parallelism.is_some() || c.parallelism_per_kpu.is_some() || autoscaling.is_some() {
        update = update.flink_application_configuration_update(
            FlinkApplicationConfigurationUpdate::builder()
                .parallelism_configuration_update(
                    ParallelismConfigurationUpdate::builder()
                        .configuration_type_update(ConfigurationType::Custom)
                        .set_parallelism_update(c.parallelism)
                        .set_parallelism_per_kpu_update(c.parallelism_per_kpu)
                        .set_auto_scaling_enabled_update(autoscaling)
                        .build(),
                )
                .build(),
        );
        anything = true;
    }
    // The API replaces all property groups at once: start from the current ones.
    let mut groups = properties_of(&current);
    let mut properties_changed = apply_properties(&mut groups, c)?;
    properties_changed |= apply_python(&mut groups, &args.python)?;
    for path in &args.unset_properties {
        let (group, key) = parse_property_path(path, "--unset-property")?;
        let removed = groups.get_mut(&group).and_then(|g| g.remove(&key));
        if removed.is_none() {
            return Err(Failure::usage(format!(
                "{} has no property {group}.{key}",
                args.name
            )));
        }
        if groups.get(&group).is_some_and(BTreeMap::is_empty) {
            groups.remove(&group);
        }
        properties_changed = true;
    }
    if let Some((path, listing)) = &new_zip {
        python_update(&args.name, path, listing, &groups)?;
    }
    if properties_changed {
        update = update.environment_property_updates(
            EnvironmentPropertyUpdates::builder()
                .set_property_groups(Some(property_groups(&groups)?))
                .build()
                .map_err(|e| Failure::other(e.to_string()))?,
        );
        anything = true;
    }
    if let Some(enabled) = flag_pair(c.snapshots, c.no_snapshots) {
        update = update.application_snapshot_configuration_update(
            ApplicationSnapshotConfigurationUpdate::builder()
                .snapshots_enabled_update(enabled)
                .build()
                .map_err(|e| Failure::other(e.to_string()))?,
        );
        anything = true;
    }
    let runtime = args.runtime.as_deref().map(runtime).transpose()?;
    if !anything && runtime.is_none() {
        return Err(Failure::usage(
            "nothing to update: give --jar, --zip, --parallelism, --parallelism-per-kpu, \
             --autoscaling/--no-autoscaling, --property, --unset-property, --entry-class, \
             --cluster, --python, --jarfile, --py-files, --py-archives, \
             --snapshots/--no-snapshots or --runtime",
        ));
    }
    let mut request = s
        .kda
        .update_application()
        .application_name(&args.name)
        .current_application_version_id(current.application_version_id())
        .set_runtime_environment_update(runtime);
    if anything {
        request = request.application_configuration_update(update.build());
    }
    let capture = Capture::default();
    let out = request
        .customize()
        .interceptor(capture.clone())
        .send()
        .await
        .map_err(|e| s.fail(e))?;
    let operation_id = out.operation_id().map(str::to_string);
    let before = current.application_status().as_str().to_string();
    if args.wait.wait {
        let want = if before == "READY" {
            "READY"
        } else {
            "RUNNING"
        };
        return settle(s, &args.name, operation_id, Want::Status(want), &args.wait).await;
    }
    if s.json() {
        print_json(&capture.json());
    } else if let Some(d) = out.application_detail() {
        println!(
            "Updated {} to version {} ({}{}).",
            d.application_name(),
            d.application_version_id(),
            d.application_status().as_str(),
            operation_id
                .as_deref()
                .map(|id| format!(", operation {id}"))
                .unwrap_or_default()
        );
    }
    Ok(())
}

async fn rollback(s: &Session, name: &str, wait: &WaitArgs) -> Result<(), Failure> {
    let current = wait::describe(s, name).await?.detail;
    let capture = Capture::default();
    let out = s
        .kda
        .rollback_application()
        .application_name(name)
        .current_application_version_id(current.application_version_id())
        .customize()
        .interceptor(capture.clone())
        .send()
        .await
        .map_err(|e| s.fail(e))?;
    let operation_id = out.operation_id().map(str::to_string);
    if wait.wait {
        let want = if current.application_status().as_str() == "READY" {
            "READY"
        } else {
            "RUNNING"
        };
        return settle(s, name, operation_id, Want::Status(want), wait).await;
    }
    if s.json() {
        print_json(&capture.json());
    } else {
        println!(
            "Rolling back {name} from version {} (operation {}).",
            current.application_version_id(),
            operation_id.as_deref().unwrap_or("-")
        );
    }
    Ok(())
}

/// Asks on the terminal; anything but yes refuses. Without a terminal on
/// stdin (scripts), does not ask.
pub(super) fn confirm(question: &str) -> Result<(), Failure> {
    if !std::io::stdin().is_terminal() {
        return Ok(());
    }
    eprint!("{question} [y/N] ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    let _ = std::io::stdin().lock().read_line(&mut answer);
    if matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes") {
        Ok(())
    } else {
        Err(Failure::other("not confirmed; nothing was deleted"))
    }
}

async fn delete(s: &Session, name: &str, yes: bool, wait: &WaitArgs) -> Result<(), Failure> {
    let current = wait::describe(s, name).await?.detail;
    let status = current.application_status().as_str().to_string();
    if !yes {
        confirm(&format!("Delete application {name} ({status})?"))?;
    }
    let Some(created) = current.create_timestamp().cloned() else {
        return Err(Failure::other(
            "DescribeApplication gave no CreateTimestamp, which DeleteApplication needs",
        ));
    };
    let capture = Capture::default();
    s.kda
        .delete_application()
        .application_name(name)
        .create_timestamp(created)
        .customize()
        .interceptor(capture.clone())
        .send()
        .await
        .map_err(|e| s.fail(e))?;
    if wait.wait {
        return settle(s, name, None, Want::Gone, wait).await;
    }
    if s.json() {
        print_json(&capture.json());
    } else if status == "READY" {
        println!("Deleted {name}.");
    } else {
        println!("Deleting {name} (it was {status}: its cluster is being stopped).");
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Snapshots
// ---------------------------------------------------------------------------

fn default_snapshot_name() -> String {
    format!("weir-{}", chrono::Utc::now().format("%Y%m%d-%H%M%S"))
}

async fn describe_snapshot(
    s: &Session,
    app: &str,
    snapshot: &str,
) -> Result<(SnapshotDetails, Value), Failure> {
    let capture = Capture::default();
    let out = s
        .kda
        .describe_application_snapshot()
        .application_name(app)
        .snapshot_name(snapshot)
        .customize()
        .interceptor(capture.clone())
        .send()
        .await
        .map_err(|e| s.fail(e))?;
    let details = out.snapshot_details.ok_or_else(|| {
        Failure::other("DescribeApplicationSnapshot answered without SnapshotDetails")
    })?;
    Ok((details, capture.json()))
}

fn snapshot_fields(app: &str, d: &SnapshotDetails) -> String {
    fields(&[
        ("Application", app.to_string()),
        ("Snapshot", d.snapshot_name().to_string()),
        ("Status", d.snapshot_status().as_str().to_string()),
        ("Version", d.application_version_id().to_string()),
        (
            "Runtime",
            d.runtime_environment()
                .map_or("-".to_string(), |r| r.as_str().to_string()),
        ),
        ("Created", output::time(d.snapshot_creation_timestamp())),
    ])
}

async fn snapshot(
    s: &Session,
    app: &str,
    snapshot_name: Option<String>,
    wait: &WaitArgs,
) -> Result<(), Failure> {
    let snapshot = snapshot_name.unwrap_or_else(default_snapshot_name);
    s.kda
        .create_application_snapshot()
        .application_name(app)
        .snapshot_name(&snapshot)
        .send()
        .await
        .map_err(|e| s.fail(e))?;
    if !wait.wait {
        let (details, raw) = describe_snapshot(s, app, &snapshot).await?;
        if s.json() {
            print_json(&raw);
        } else {
            println!(
                "Snapshot {snapshot} of {app} is {}; wait for it with --wait, or: weir snapshots describe {app} {snapshot}",
                details.snapshot_status().as_str()
            );
        }
        return Ok(());
    }
    let mut progress = Progress::new(&format!("{app} snapshot {snapshot}"));
    let deadline = Duration::from_secs(wait.timeout);
    let (details, raw) = loop {
        let (details, raw) = match describe_snapshot(s, app, &snapshot).await {
            Ok(found) => found,
            Err(f) => {
                progress.finish();
                return Err(f);
            }
        };
        let status = details.snapshot_status().as_str().to_string();
        progress.update(&status);
        if details.snapshot_status() != &SnapshotStatus::Creating {
            break (details, raw);
        }
        if progress.elapsed() > deadline {
            progress.finish();
            if s.json() {
                print_json(&raw);
            }
            return Err(Failure::new(
                Exit::Timeout,
                format!(
                    "snapshot {snapshot} of {app} is still CREATING after {} s (--timeout)",
                    wait.timeout
                ),
            ));
        }
        progress.pause().await;
    };
    progress.finish();
    let took = output::duration_secs(progress.elapsed().as_secs());
    if s.json() {
        print_json(&raw);
    }
    if details.snapshot_status() == &SnapshotStatus::Ready {
        if !s.json() {
            println!("Snapshot {snapshot} of {app} is READY after {took}.");
        }
        return Ok(());
    }
    Err(Failure::new(
        Exit::Unexpected,
        format!(
            "snapshot {snapshot} of {app} ended {}; see: weir logs {app} --since 10m",
            details.snapshot_status().as_str()
        ),
    ))
}

async fn list_snapshots(s: &Session, app: &str) -> Result<(), Failure> {
    let (raw, mut all) = all_pages(|token| async move {
        let capture = Capture::default();
        let page = s
            .kda
            .list_application_snapshots()
            .application_name(app)
            .limit(50)
            .set_next_token(token)
            .customize()
            .interceptor(capture.clone())
            .send()
            .await
            .map_err(|e| s.fail(e))?;
        Ok((
            capture.items("SnapshotSummaries"),
            page.snapshot_summaries().to_vec(),
            page.next_token().map(str::to_string),
        ))
    })
    .await?;
    if s.json() {
        print_json(&json!({ "SnapshotSummaries": raw }));
        return Ok(());
    }
    if all.is_empty() {
        eprintln!("{app} has no snapshots. Take one with: weir apps snapshot {app}");
        return Ok(());
    }
    all.sort_by_key(|d| {
        std::cmp::Reverse(
            d.snapshot_creation_timestamp()
                .map(|t| (t.secs(), t.subsec_nanos())),
        )
    });
    let mut table = Table::new(&["SNAPSHOT", "STATUS", "VERSION>", "RUNTIME", "CREATED"]);
    for d in &all {
        table.row(vec![
            d.snapshot_name().to_string(),
            d.snapshot_status().as_str().to_string(),
            d.application_version_id().to_string(),
            d.runtime_environment()
                .map_or("-".to_string(), |r| r.as_str().to_string()),
            output::time(d.snapshot_creation_timestamp()),
        ]);
    }
    table.print();
    Ok(())
}

async fn delete_snapshot(s: &Session, app: &str, snapshot: &str, yes: bool) -> Result<(), Failure> {
    let (details, _) = describe_snapshot(s, app, snapshot).await?;
    if !yes {
        confirm(&format!("Delete snapshot {snapshot} of {app}?"))?;
    }
    let Some(created) = details.snapshot_creation_timestamp().cloned() else {
        return Err(Failure::other(
            "DescribeApplicationSnapshot gave no SnapshotCreationTimestamp, which the delete needs",
        ));
    };
    let capture = Capture::default();
    s.kda
        .delete_application_snapshot()
        .application_name(app)
        .snapshot_name(snapshot)
        .snapshot_creation_timestamp(created)
        .customize()
        .interceptor(capture.clone())
        .send()
        .await
        .map_err(|e| s.fail(e))?;
    if s.json() {
        print_json(&capture.json());
    } else {
        println!("Deleted snapshot {snapshot} of {app}.");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn properties_split_at_the_first_dot_or_a_colon() {
        let p = |s: &str| parse_property(s).map_err(|f| f.message);
        assert_eq!(
            p("SinkConfig.output.path=/tmp/a=b").unwrap(),
            ("SinkConfig".into(), "output.path".into(), "/tmp/a=b".into())
        );
        assert_eq!(
            p("my.group:key=v").unwrap(),
            ("my.group".into(), "key".into(), "v".into())
        );
        assert_eq!(
            p("kinesis.analytics.flink.run.options.programArgs=--rate 5").unwrap(),
            (RUN_OPTIONS.into(), "programArgs".into(), "--rate 5".into())
        );
        assert_eq!(p("G.k=").unwrap(), ("G".into(), "k".into(), String::new()));
        assert!(p("novalue").is_err());
        assert!(p("nodot=v").is_err());
        assert!(p(".k=v").is_err());
        assert_eq!(parse_property("x").unwrap_err().exit, Exit::Usage);
    }

    fn groups(of: &[(&str, &str, &str)]) -> BTreeMap<String, BTreeMap<String, String>> {
        let mut out: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
        for (group, key, value) in of {
            out.entry(group.to_string())
                .or_default()
                .insert(key.to_string(), value.to_string());
        }
        out
    }

    fn python_args(py_files: Option<&str>) -> PythonArgs {
        PythonArgs {
            python: None,
            jarfile: None,
            py_files: py_files.map(str::to_string),
            py_archives: None,
        }
    }

    #[test]
    fn python_flags_change_only_their_keys_of_the_run_options() {
        // An update's starting point: the application's current groups.
        let mut current = groups(&[
            (RUN_OPTIONS, "python", "main.py"),
            (RUN_OPTIONS, "jarfile", "lib/x.jar"),
            ("AppConfig", "rate", "5"),
        ]);
        assert!(!apply_python(&mut current, &python_args(None)).unwrap());
        assert!(apply_python(&mut current, &python_args(Some("dep/"))).unwrap());
        assert_eq!(
            current,
            groups(&[
                (RUN_OPTIONS, "python", "main.py"),
                (RUN_OPTIONS, "jarfile", "lib/x.jar"),
                (RUN_OPTIONS, "pyFiles", "dep/"),
                ("AppConfig", "rate", "5"),
            ])
        );
    }

    fn zip_of(names: &[&str]) -> Vec<u8> {
        use std::io::Write;
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let stored = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        for name in names {
            zip.start_file(*name, stored).unwrap();
            zip.write_all(b"x").unwrap();
        }
        zip.finish().unwrap().into_inner()
    }

    #[test]
    fn create_with_a_zip_fills_what_the_flags_left_out() {
        let path = std::path::Path::new("app.zip");
        let code = zip_of(&["main.py", "lib/a.jar", "lib/b.jar", "dep/x.py"]);
        // --property and the flags come first; the zip fills the rest.
        let mut g = groups(&[(RUN_OPTIONS, "jarfile", "lib/b.jar")]);
        python_create(path, &code, &mut g).unwrap();
        assert_eq!(
            g,
            groups(&[
                (RUN_OPTIONS, "python", "main.py"),
                (RUN_OPTIONS, "jarfile", "lib/b.jar"),
                (RUN_OPTIONS, "pyFiles", "dep/"),
            ])
        );
        // A named file the zip does not have.
        let mut g = groups(&[
            (RUN_OPTIONS, "python", "job.py"),
            (RUN_OPTIONS, "jarfile", "lib/a.jar"),
        ]);
        let e = python_create(path, &code, &mut g).unwrap_err();
        assert_eq!(e.exit, Exit::Usage);
        assert!(e.message.contains("app.zip has no job.py"), "{}", e.message);
        // Not a zip at all.
        let e = python_create(path, b"PK? no", &mut BTreeMap::new()).unwrap_err();
        assert_eq!(e.exit, Exit::Usage);
        assert!(e.message.contains("not a zip archive"), "{}", e.message);
    }

    #[test]
    fn update_with_a_zip_checks_the_run_options_it_will_run_with() {
        let path = std::path::Path::new("v2.zip");
        let listing = Listing::read(&zip_of(&["app/main.py", "app/lib/c.jar"])).unwrap();
        let ok = groups(&[
            (RUN_OPTIONS, "python", "app/main.py"),
            (RUN_OPTIONS, "jarfile", "app/lib/c.jar"),
        ]);
        python_update("clicks", path, &listing, &ok).unwrap();
        // The old jarfile is not in the new zip.
        let stale = groups(&[
            (RUN_OPTIONS, "python", "app/main.py"),
            (RUN_OPTIONS, "jarfile", "lib/old.jar"),
        ]);
        let e = python_update("clicks", path, &listing, &stale).unwrap_err();
        assert!(
            e.message.contains("v2.zip has no lib/old.jar"),
            "{}",
            e.message
        );
        // A Java application given a zip: say which --python would do.
        let e = python_update("clicks", path, &listing, &BTreeMap::new()).unwrap_err();
        assert_eq!(e.exit, Exit::Usage);
        assert!(
            e.message
                .contains("clicks has no run option python, which Python code needs; give --python app/main.py"),
            "{}",
            e.message
        );
    }
}
