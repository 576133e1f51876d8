//! The chaos engine (issue 7): Weir SIGKILLed at a random moment inside an
//! operation, started again on the same data directory, and then checked.
//! Shared by the CI run and the long run of `flink_chaos.rs`
//! (`scripts/bench chaos`).
//!
//! One crash point: bring the target application to where the operation
//! applies (untimed, never killed), write down everything the API has
//! acknowledged so far (the [`Ledger`]: applications, versions, snapshots,
//! tags, operation records, and the Flink job id of every RUNNING
//! application), issue the operation, wait a random 0..`max_delay` ms
//! (seeded), SIGKILL the server, start it again, and then:
//!
//! - converged: every application READY or RUNNING (or gone after an
//!   acknowledged delete), no operation IN_PROGRESS, no snapshot CREATING,
//!   and no JVM left but those of RUNNING applications' clusters (below);
//!   the time from the restart to that is the recovery time;
//! - consistent: the status is the one the acknowledged request leads to
//!   (or, if its operation ended FAILED, the one before it);
//! - nothing lost: every acknowledged record is still there;
//! - adopted: an application whose job the operation must not restart
//!   (the bystander, the target of a snapshot) runs the same Flink job, and
//!   every RUNNING application has exactly one live job on its cluster;
//! - no stray JVM: every Flink JVM under the data directory is one of the
//!   processes a RUNNING application's cluster record names.
//!
//! Violations are collected in the [`Report`], not panicked on, so a long
//! run prints all its figures; a point that does not converge at all ends
//! the run.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::time::{Duration, Instant};

use aws_sdk_kinesisanalyticsv2::error::ProvideErrorMetadata;
use aws_sdk_kinesisanalyticsv2::types::{
    ApplicationConfigurationUpdate, ApplicationStatus, EnvironmentPropertyUpdates, OperationStatus,
    PropertyGroup, SnapshotStatus, Tag,
};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

use crate::flink_harness::*;
use weir_test_support::process::*;

/// The bound the issue sets on recovery; figures above it are reported.
pub const RECOVERY_TARGET: Duration = Duration::from_secs(30);
/// A recovery slower than this is a violation: the target with a margin of
/// 2× for slow or busy machines (the report counts those over the target).
pub const RECOVERY_LIMIT: Duration = Duration::from_secs(60);
/// How long a point may take to converge before the run is ended: far above
/// the target, so that a slow machine (a Flink JVM starting on 2 busy cores
/// after a killed Start) shows up in the figures rather than as a flake.
pub const CONVERGE_TIMEOUT: Duration = Duration::from_secs(240);

/// The operations a crash point interrupts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Op {
    /// StartApplication from READY.
    Start,
    /// StopApplication (with its snapshot).
    Stop,
    /// StopApplication with Force.
    ForceStop,
    /// A live UpdateApplication (a property) of a RUNNING application.
    Update,
    /// RollbackApplication after an update, with a snapshot READY.
    Rollback,
    /// CreateApplicationSnapshot of a RUNNING application.
    Snapshot,
    /// DeleteApplication of a RUNNING application.
    DeleteRunning,
    /// DeleteApplication of a READY application.
    DeleteStopped,
    /// An autoscaling decision (up or down, in place) of the third
    /// application, whose load is switched through its control file; the
    /// kill comes after the Autoscale operation is recorded. Only in a run
    /// with autoscaling on ([`Chaos::new`]).
    Autoscale,
}

impl Op {
    pub const ALL: [Op; 8] = [
        Op::Start,
        Op::Stop,
        Op::ForceStop,
        Op::Update,
        Op::Rollback,
        Op::Snapshot,
        Op::DeleteRunning,
        Op::DeleteStopped,
    ];

    fn needs_running(self) -> bool {
        !matches!(self, Op::Start | Op::DeleteStopped)
    }
}

/// What the API acknowledged about one application.
#[derive(Debug, Clone, Default)]
struct Ledger {
    version: i64,
    tags: BTreeMap<String, String>,
    snapshots: BTreeSet<String>,
    operations: BTreeSet<String>,
    /// The live Flink job, if the application was RUNNING.
    job: Option<String>,
    status: Option<ApplicationStatus>,
}

/// The figures of a run.
#[derive(Debug, Default)]
pub struct Report {
    pub seed: u64,
    pub points: BTreeMap<Op, u32>,
    pub apps_checked: u32,
    pub jobs_checked: u32,
    pub records_checked: u32,
    pub records_lost: u32,
    pub stray_processes: u32,
    /// Jobs that were running before the kill and are the same job after.
    pub adopted: u32,
    /// Jobs that should have been adopted and were restarted instead.
    pub restarted: u32,
    /// Operations interrupted by a kill that ended FAILED (not a violation).
    pub ops_failed: u32,
    pub ops_successful: u32,
    /// Points where the restarted Weir found work unfinished (an operation
    /// IN_PROGRESS, a transitional status or a snapshot CREATING).
    pub mid_way: u32,
    /// Points where the restarted Weir was killed again while recovering.
    pub double_kills: u32,
    pub recoveries: Vec<Duration>,
    pub violations: Vec<String>,
}

impl Report {
    pub fn render(&self) -> String {
        let mut out = String::new();
        let total: u32 = self.points.values().sum();
        let _ = writeln!(out, "chaos report (seed {})", self.seed);
        let by_op: Vec<String> = self
            .points
            .iter()
            .map(|(op, n)| format!("{op:?} {n}"))
            .collect();
        let _ = writeln!(
            out,
            "  crash points tried:          {total} ({})",
            by_op.join(", ")
        );
        let _ = writeln!(
            out,
            "  found mid-way on restart:    {} of {total}",
            self.mid_way
        );
        let _ = writeln!(
            out,
            "  killed again mid-recovery:   {} of {total}",
            self.double_kills
        );
        let _ = writeln!(out, "  applications checked:        {}", self.apps_checked);
        let _ = writeln!(out, "  jobs checked:                {}", self.jobs_checked);
        let _ = writeln!(
            out,
            "  records checked:             {}",
            self.records_checked
        );
        let _ = writeln!(
            out,
            "  records lost:                {} (must be 0)",
            self.records_lost
        );
        let _ = writeln!(
            out,
            "  stray processes:             {} (must be 0)",
            self.stray_processes
        );
        let _ = writeln!(
            out,
            "  restarts avoided by adoption: {} (jobs restarted instead: {})",
            self.adopted, self.restarted
        );
        let _ = writeln!(
            out,
            "  interrupted operations:      {} SUCCESSFUL, {} FAILED, 0 IN_PROGRESS",
            self.ops_successful, self.ops_failed
        );
        let mut sorted = self.recoveries.clone();
        sorted.sort();
        if !sorted.is_empty() {
            let median = sorted[sorted.len() / 2];
            let worst = *sorted.last().unwrap();
            let over = sorted.iter().filter(|d| **d > RECOVERY_TARGET).count();
            let _ = writeln!(
                out,
                "  recovery (restart → converged): median {:.1} s, worst {:.1} s, {over} of {} over {} s",
                median.as_secs_f64(),
                worst.as_secs_f64(),
                sorted.len(),
                RECOVERY_TARGET.as_secs()
            );
        }
        let _ = writeln!(
            out,
            "  violations:                  {}",
            self.violations.len()
        );
        for v in &self.violations {
            let _ = writeln!(out, "    - {v}");
        }
        out
    }

    /// The figures as JSON, for `scripts/bench robustness` (which reads
    /// them from the file `WEIR_CHAOS_SUMMARY` names): `planned` crash
    /// points, `completed` once the run has ended.
    pub fn to_json(&self, planned: u32, completed: bool) -> serde_json::Value {
        let points: serde_json::Map<String, serde_json::Value> = self
            .points
            .iter()
            .map(|(op, n)| (format!("{op:?}"), serde_json::json!(n)))
            .collect();
        let recoveries_ms: Vec<u64> = self
            .recoveries
            .iter()
            .map(|d| d.as_millis() as u64)
            .collect();
        serde_json::json!({
            "seed": self.seed,
            "planned": planned,
            "completed": completed,
            "points": points,
            "points_total": self.points.values().sum::<u32>(),
            "apps_checked": self.apps_checked,
            "jobs_checked": self.jobs_checked,
            "records_checked": self.records_checked,
            "records_lost": self.records_lost,
            "stray_processes": self.stray_processes,
            "adopted": self.adopted,
            "restarted": self.restarted,
            "ops_failed": self.ops_failed,
            "ops_successful": self.ops_successful,
            "mid_way": self.mid_way,
            "double_kills": self.double_kills,
            "recovery_target_ms": RECOVERY_TARGET.as_millis() as u64,
            "recoveries_ms": recoveries_ms,
            "violations": self.violations,
        })
    }

    /// Writes [`Report::to_json`] to the file `WEIR_CHAOS_SUMMARY` names, if
    /// set (whole, through a rename, so a reader never sees half of it).
    /// The long run writes it after every point, so that a run ended by a
    /// point that never converges still hands over what it found.
    pub fn write_summary(&self, planned: u32, completed: bool) {
        let Some(path) = std::env::var_os("WEIR_CHAOS_SUMMARY") else {
            return;
        };
        let path = std::path::PathBuf::from(path);
        let tmp = path.with_extension("tmp");
        let text = serde_json::to_string_pretty(&self.to_json(planned, completed)).unwrap();
        if let Err(e) = std::fs::write(&tmp, text).and_then(|()| std::fs::rename(&tmp, &path)) {
            eprintln!("chaos: cannot write the summary {}: {e}", path.display());
        }
    }

    pub fn assert_clean(&self) {
        assert!(
            self.violations.is_empty() && self.records_lost == 0 && self.stray_processes == 0,
            "chaos run found violations:\n{}",
            self.render()
        );
    }
}

/// A run: one server, a bystander application kept RUNNING throughout, and
/// a target application the operations are applied to (re-created, under a
/// new name, after it is deleted).
pub struct Chaos {
    pub f: Flink,
    rng: StdRng,
    /// The longest random delay between the acknowledgement and the kill.
    max_delay: Duration,
    bystander: &'static str,
    target: &'static str,
    /// The autoscaled application (load-control), if autoscaling is on.
    autoscaler: Option<&'static str>,
    generation: u32,
    /// What [`Chaos::random_op`] draws from.
    bag: Vec<Op>,
    /// Applications deleted by an acknowledged request.
    deleted: Vec<&'static str>,
    pub report: Report,
}

impl Chaos {
    /// Starts the server and both applications (RUNNING).
    /// With `autoscaling`, the server runs with [`AUTOSCALE_FAST`] and a
    /// third application (1 Task Manager, 2 while scaled up) is autoscaled.
    pub async fn new(seed: u64, max_delay: Duration, autoscaling: bool) -> Chaos {
        let args = if autoscaling { AUTOSCALE_FAST } else { &[] };
        let f = Flink::start_with_args(&[FLINK_1_20], args).await;
        let chaos = Chaos {
            f,
            rng: StdRng::seed_from_u64(seed),
            max_delay,
            bystander: "chaos-bystander",
            target: "chaos-target-1",
            autoscaler: autoscaling.then_some("chaos-autoscaled"),
            generation: 1,
            bag: Vec::new(),
            deleted: Vec::new(),
            report: Report {
                seed,
                ..Report::default()
            },
        };
        chaos.create(chaos.bystander).await;
        chaos.create(chaos.target).await;
        chaos.ensure_running(chaos.bystander).await;
        chaos.ensure_running(chaos.target).await;
        if let Some(app) = chaos.autoscaler {
            let control = chaos.control();
            let out = chaos.f.out_dir(app);
            // 100 records/s of 20 ms of CPU each: saturated when on.
            let spec = load_app(app, &out, &control, Some("cpu"));
            chaos.f.create(&spec).await;
            chaos.ensure_running(app).await;
        }
        chaos
    }

    /// The autoscaled application's control file.
    fn control(&self) -> std::path::PathBuf {
        self.f.weir.root().join("control/chaos-autoscaled")
    }

    /// The kinds of crash point of this run (`WEIR_CHAOS_OPS`, a comma
    /// list such as `Start,Autoscale`, keeps only those).
    pub fn ops(&self) -> Vec<Op> {
        let mut ops = Op::ALL.to_vec();
        if self.autoscaler.is_some() {
            ops.push(Op::Autoscale);
        }
        if let Ok(only) = std::env::var("WEIR_CHAOS_OPS") {
            let only: Vec<&str> = only.split(',').map(str::trim).collect();
            ops.retain(|op| only.contains(&format!("{op:?}").as_str()));
            assert!(
                !ops.is_empty(),
                "WEIR_CHAOS_OPS names no operation of this run"
            );
        }
        ops
    }

    async fn parallelism(&self, app: &str) -> i32 {
        current_parallelism(&self.f, app).await
    }

    /// Untimed: until `app` is RUNNING at `parallelism` with no operation
    /// in progress.
    async fn wait_scaled(&self, app: &str, parallelism: i32) {
        let deadline = Instant::now() + CONVERGE_TIMEOUT;
        loop {
            if self.f.status(app).await == s("RUNNING")
                && self.parallelism(app).await == parallelism
                && self
                    .operations(app)
                    .await
                    .values()
                    .all(|s| *s != OperationStatus::InProgress)
            {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{app} never RUNNING at parallelism {parallelism}\n{}",
                self.f.diagnosis(app).await
            );
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// A random operation (for the long run): every kind once, in a random
    /// order, then again, so that a run covers them evenly.
    pub fn random_op(&mut self) -> Op {
        if self.bag.is_empty() {
            self.bag = self.ops();
            self.bag.shuffle(&mut self.rng);
        }
        self.bag.pop().unwrap()
    }

    async fn create(&self, name: &'static str) {
        let out = self.f.out_dir(name);
        let app = App::new(name, FLINK_1_20, "streaming-count")
            .group("SinkConfig", &[("output.path", &out.display().to_string())])
            .group(
                "SourceConfig",
                &[("records.per.second", "20"), ("keys", "3")],
            )
            .group("CountConfig", &[("extra.operator", "false")]);
        self.f.create(&app).await;
    }

    async fn ensure_running(&self, app: &str) {
        if self.f.status(app).await != s("RUNNING") {
            let op = self.f.start_app(app).await;
            self.f.wait_running_after(app, &op).await;
        }
    }

    async fn ensure_ready(&self, app: &str) {
        if self.f.status(app).await != s("READY") {
            self.f.stop_app(app, false).await;
            self.f.wait_status(app, s("READY"), &[], STOP_TIMEOUT).await;
        }
    }

    /// An untimed live update of a property; waits for RUNNING.
    async fn update_now(&mut self, app: &str) {
        let id = self.update(app).await.0;
        self.f.wait_running_after(app, &id).await;
    }

    /// UpdateApplication of `SourceConfig` (a new rate) → (operation id, new version).
    async fn update(&mut self, app: &str) -> (String, i64) {
        let version = self.f.detail(app).await.application_version_id;
        let rate = self.rng.gen_range(10..40).to_string();
        let group = PropertyGroup::builder()
            .property_group_id("SourceConfig")
            .property_map("records.per.second", rate)
            .property_map("keys", "3")
            .build()
            .unwrap();
        let sink = PropertyGroup::builder()
            .property_group_id("SinkConfig")
            .property_map("output.path", self.f.out_dir(app).display().to_string())
            .build()
            .unwrap();
        let out = self
            .f
            .client
            .update_application()
            .application_name(app)
            .current_application_version_id(version)
            .application_configuration_update(
                ApplicationConfigurationUpdate::builder()
                    .environment_property_updates(
                        EnvironmentPropertyUpdates::builder()
                            .property_groups(group)
                            .property_groups(sink)
                            .build()
                            .unwrap(),
                    )
                    .build(),
            )
            .send()
            .await
            .unwrap_or_else(|e| panic!("UpdateApplication {app}: {e:?}"));
        let new_version = out
            .application_detail
            .expect("ApplicationDetail")
            .application_version_id;
        (out.operation_id.expect("OperationId"), new_version)
    }

    /// One crash point for `op`; a quarter of them (drawn from the seed)
    /// kill the restarted Weir once more while it recovers.
    pub async fn random_point(&mut self, op: Op) {
        let twice = self.rng.gen_bool(0.25);
        self.point(op, twice).await;
    }

    /// One crash point for `op`; with `twice`, the restarted Weir is killed
    /// again 0..1000 ms after it is ready (in the middle of its recovery).
    pub async fn point(&mut self, op: Op, twice: bool) {
        let target = self.prepare(op).await;
        let point_no: u32 = self.report.points.values().sum::<u32>() + 1;
        // An acknowledged tag on the target, then everything acknowledged.
        let arn = self.f.detail(target).await.application_arn;
        self.f
            .client
            .tag_resource()
            .resource_arn(&arn)
            .tags(
                Tag::builder()
                    .key(format!("chaos-point-{point_no}"))
                    .value(format!("{op:?}"))
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap_or_else(|e| panic!("TagResource {target}: {e:?}"));
        let mut before: BTreeMap<&'static str, Ledger> = BTreeMap::new();
        for app in self.live_apps() {
            before.insert(app, self.observe(app).await);
        }

        // The operation, acknowledged.
        // A third of the kills come within 150 ms of the acknowledgement
        // (most operations are at their first steps), a third within 1 s
        // (mid-way through most), a third anywhere up to `max_delay`
        // (mid-way through a start, or after the end).
        let max = self.max_delay.as_millis() as u64;
        let bound = [max.min(150), max.min(1000), max][self.rng.gen_range(0..3)];
        let delay = Duration::from_millis(self.rng.gen_range(0..=bound));
        let mut op_id: Option<String> = None;
        let mut expect_deleted = false;
        let mut direction = "";
        let (want, keep_job) = match op {
            Op::Start => {
                op_id = Some(self.f.start_app(target).await);
                (s("RUNNING"), false)
            }
            Op::Stop | Op::ForceStop => {
                op_id = Some(self.f.stop_app(target, op == Op::ForceStop).await);
                (s("READY"), false)
            }
            Op::Update => {
                let (id, version) = self.update(target).await;
                op_id = Some(id);
                before.get_mut(target).unwrap().version = version;
                (s("RUNNING"), false)
            }
            Op::Rollback => {
                let version = before[target].version;
                let out = self
                    .f
                    .client
                    .rollback_application()
                    .application_name(target)
                    .current_application_version_id(version)
                    .send()
                    .await
                    .unwrap_or_else(|e| panic!("RollbackApplication {target}: {e:?}"));
                op_id = out.operation_id;
                if let Some(d) = out.application_detail {
                    before.get_mut(target).unwrap().version = d.application_version_id;
                }
                (s("RUNNING"), false)
            }
            Op::Snapshot => {
                let name = format!("chaos-{point_no}");
                self.f
                    .client
                    .create_application_snapshot()
                    .application_name(target)
                    .snapshot_name(&name)
                    .send()
                    .await
                    .unwrap_or_else(|e| panic!("CreateApplicationSnapshot {target}: {e:?}"));
                before.get_mut(target).unwrap().snapshots.insert(name);
                (s("RUNNING"), true)
            }
            Op::Autoscale => {
                // Load on at 1 KPU, off at 2; acknowledged once the
                // decision is recorded as an Autoscale operation.
                let up = self.parallelism(target).await == 1;
                set_load(&self.control(), if up { "cpu" } else { "idle" });
                let known = before[target].operations.clone();
                let deadline = Instant::now() + CONVERGE_TIMEOUT;
                let id = loop {
                    let ops = self.operations(target).await;
                    if let Some(id) = ops.keys().find(|id| !known.contains(*id)) {
                        break id.clone();
                    }
                    assert!(
                        Instant::now() < deadline,
                        "no autoscaling decision for {target}\n{}",
                        self.f.diagnosis(target).await
                    );
                    tokio::time::sleep(Duration::from_millis(100)).await;
                };
                op_id = Some(id);
                // A scale-up grows the cluster and rescales the job in
                // place: the same job. A scale-down goes through the
                // restart sequence (by design, see weir-control's
                // reconcile): a new job.
                direction = if up { " up" } else { " down" };
                (s("RUNNING"), up)
            }
            Op::DeleteRunning | Op::DeleteStopped => {
                let created = self.f.detail(target).await.create_timestamp;
                self.f
                    .client
                    .delete_application()
                    .application_name(target)
                    .set_create_timestamp(created)
                    .send()
                    .await
                    .unwrap_or_else(|e| panic!("DeleteApplication {target}: {e:?}"));
                expect_deleted = true;
                self.deleted.push(target);
                (s("DELETING"), false)
            }
        };
        if let Some(id) = &op_id {
            before
                .get_mut(target)
                .unwrap()
                .operations
                .insert(id.clone());
        }
        tokio::time::sleep(delay).await;
        self.f.weir.crash();
        let mut restarted = Instant::now();
        self.f.weir.respawn();
        self.f.reconnect();
        let mut label = format!(
            "point {point_no} {op:?}{direction} on {target} (kill {} ms after the ack",
            delay.as_millis()
        );
        if twice {
            let again = Duration::from_millis(self.rng.gen_range(0..=1000));
            tokio::time::sleep(again).await;
            self.f.weir.crash();
            restarted = Instant::now();
            self.f.weir.respawn();
            self.f.reconnect();
            self.report.double_kills += 1;
            label.push_str(&format!(
                ", again {} ms into the recovery",
                again.as_millis()
            ));
        }
        label.push(')');
        *self.report.points.entry(op).or_default() += 1;
        eprintln!("chaos: {label}");

        // Converged?
        let converged = self
            .converge(&before, target, expect_deleted, restarted)
            .await;
        let Some((_, mid_way)) = converged else {
            let mut why = String::new();
            for app in before.keys() {
                why.push_str(&self.f.diagnosis(app).await);
            }
            panic!(
                "{label}: not converged within {} s\n{}\n{why}",
                CONVERGE_TIMEOUT.as_secs(),
                self.report.render()
            );
        };
        // Converged includes the JVMs: none left but a RUNNING
        // application's recorded cluster (a released cluster may take a
        // few seconds more to go than the status that says it is gone).
        self.check_processes(&label).await;
        let took = restarted.elapsed();
        self.report.recoveries.push(took);
        if took > RECOVERY_LIMIT {
            self.report.violations.push(format!(
                "{label}: recovery took {:.1} s (target {} s, limit with the margin {} s)",
                took.as_secs_f64(),
                RECOVERY_TARGET.as_secs(),
                RECOVERY_LIMIT.as_secs()
            ));
        }
        if mid_way {
            self.report.mid_way += 1;
        }
        eprintln!(
            "chaos: {label}: converged in {:.1} s{}",
            took.as_secs_f64(),
            if mid_way { " (found mid-way)" } else { "" }
        );

        // The interrupted operation's outcome and the status it leads to.
        let mut failed = false;
        if let Some(id) = &op_id {
            match self.f.operation(target, id).await.operation_status() {
                OperationStatus::Successful => self.report.ops_successful += 1,
                OperationStatus::Failed => {
                    self.report.ops_failed += 1;
                    failed = true;
                }
                other => self
                    .report
                    .violations
                    .push(format!("{label}: its operation is {other:?}")),
            }
        }
        if !expect_deleted {
            let status = self.f.status(target).await;
            let was = before[target].status.clone();
            if status != want && !(failed && Some(&status) == was.as_ref()) {
                self.report.violations.push(format!(
                    "{label}: {target} is {status:?}, the acknowledged request leads to {want:?}"
                ));
            }
        }

        // Nothing lost, jobs adopted, no stray JVM.
        for (app, ledger) in &before {
            if expect_deleted && *app == target {
                self.check_deleted(&label, app).await;
                continue;
            }
            let keep = keep_job || *app != target;
            self.check_app(&label, app, ledger, keep).await;
        }
        if op == Op::Autoscale {
            // Untimed: back to idle at 1 KPU, so that the load burns no CPU
            // and no decision comes during the other points.
            set_load(&self.control(), "idle");
            self.wait_scaled(target, 1).await;
        }
    }

    /// Brings the target to where `op` applies; returns its name.
    async fn prepare(&mut self, op: Op) -> &'static str {
        if op == Op::Autoscale {
            let app = self.autoscaler.expect("a run with autoscaling");
            self.ensure_running(app).await;
            if self.rng.gen_bool(0.5) {
                // The kill comes in the scale-down: scale up first.
                set_load(&self.control(), "cpu");
                self.wait_scaled(app, 2).await;
            }
            return app;
        }
        if self.deleted.contains(&self.target) {
            self.generation += 1;
            self.target = Box::leak(format!("chaos-target-{}", self.generation).into_boxed_str());
            self.create(self.target).await;
        }
        let target = self.target;
        self.ensure_running(self.bystander).await;
        if op.needs_running() {
            self.ensure_running(target).await;
        } else {
            self.ensure_ready(target).await;
        }
        if op == Op::Rollback {
            // A prior version to go back to, and a snapshot READY.
            self.update_now(target).await;
        }
        target
    }

    fn live_apps(&self) -> Vec<&'static str> {
        [Some(self.bystander), Some(self.target), self.autoscaler]
            .into_iter()
            .flatten()
            .filter(|a| !self.deleted.contains(a))
            .collect()
    }

    /// What the API says about `app` now.
    async fn observe(&self, app: &str) -> Ledger {
        let detail = self.f.detail(app).await;
        let tags = self
            .f
            .client
            .list_tags_for_resource()
            .resource_arn(&detail.application_arn)
            .send()
            .await
            .unwrap_or_else(|e| panic!("ListTagsForResource {app}: {e:?}"))
            .tags
            .unwrap_or_default()
            .into_iter()
            .map(|t| (t.key, t.value.unwrap_or_default()))
            .collect();
        let status = detail.application_status.clone();
        let job = if status == s("RUNNING") {
            let jobs = self.live_jobs(app).await;
            jobs.first().cloned()
        } else {
            None
        };
        Ledger {
            version: detail.application_version_id,
            tags,
            snapshots: self.snapshots(app).await.into_keys().collect(),
            operations: self.operations(app).await.into_keys().collect(),
            job,
            status: Some(status),
        }
    }

    async fn snapshots(&self, app: &str) -> BTreeMap<String, SnapshotStatus> {
        self.f
            .client
            .list_application_snapshots()
            .application_name(app)
            .limit(50)
            .send()
            .await
            .unwrap_or_else(|e| panic!("ListApplicationSnapshots {app}: {e:?}"))
            .snapshot_summaries()
            .iter()
            .map(|s| (s.snapshot_name().to_string(), s.snapshot_status().clone()))
            .collect()
    }

    async fn operations(&self, app: &str) -> BTreeMap<String, OperationStatus> {
        let mut all = BTreeMap::new();
        let mut token: Option<String> = None;
        loop {
            let page = self
                .f
                .client
                .list_application_operations()
                .application_name(app)
                .limit(50)
                .set_next_token(token.clone())
                .send()
                .await
                .unwrap_or_else(|e| panic!("ListApplicationOperations {app}: {e:?}"));
            for op in page.application_operation_info_list() {
                if let (Some(id), Some(status)) = (op.operation_id(), op.operation_status()) {
                    all.insert(id.to_string(), status.clone());
                }
            }
            token = page.next_token().map(str::to_string);
            if token.is_none() {
                return all;
            }
        }
    }

    /// The ids of the jobs on `app`'s cluster that are not over, from
    /// Flink's REST API at the cluster record's `rest_url`.
    async fn live_jobs(&self, app: &str) -> Vec<String> {
        let Some(record) = self.f.cluster_record(app) else {
            return Vec::new();
        };
        let Some(url) = record["rest_url"].as_str() else {
            return Vec::new();
        };
        let Ok(resp) = reqwest::get(format!("{url}/jobs")).await else {
            return Vec::new();
        };
        let Ok(body) = resp.json::<serde_json::Value>().await else {
            return Vec::new();
        };
        body["jobs"]
            .as_array()
            .map(|jobs| {
                jobs.iter()
                    .filter(|j| {
                        !matches!(
                            j["status"].as_str(),
                            Some("FINISHED" | "CANCELED" | "FAILED")
                        )
                    })
                    .filter_map(|j| j["id"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Polls until every application is steady; the time since `started`
    /// (the restart).
    async fn converge(
        &self,
        before: &BTreeMap<&'static str, Ledger>,
        target: &str,
        deleted: bool,
        started: Instant,
    ) -> Option<(Duration, bool)> {
        let mut first = true;
        let mut mid_way = false;
        loop {
            let mut steady = true;
            for app in before.keys() {
                if deleted && *app == target {
                    let gone = matches!(
                        self.f.client.describe_application().application_name(*app).send().await,
                        Err(e) if e.code() == Some("ResourceNotFoundException")
                    );
                    steady &= gone;
                    continue;
                }
                let status = self.f.status(app).await;
                steady &= status == s("READY") || status == s("RUNNING");
                steady &= self
                    .operations(app)
                    .await
                    .values()
                    .all(|s| *s != OperationStatus::InProgress);
                steady &= self
                    .snapshots(app)
                    .await
                    .values()
                    .all(|s| *s != SnapshotStatus::Creating);
                if !steady {
                    break;
                }
            }
            if steady {
                return Some((started.elapsed(), mid_way));
            }
            if first {
                mid_way = true;
            }
            first = false;
            if started.elapsed() > CONVERGE_TIMEOUT {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    async fn check_deleted(&mut self, label: &str, app: &str) {
        self.report.apps_checked += 1;
        if !self.f.jvms(app).is_empty() {
            // Counted by check_processes; say which application.
            self.report
                .violations
                .push(format!("{label}: deleted {app} still has JVMs"));
        }
    }

    async fn check_app(&mut self, label: &str, app: &str, before: &Ledger, keep_job: bool) {
        self.report.apps_checked += 1;
        let now = self.observe(app).await;
        let mut lost = Vec::new();
        if now.version < before.version {
            lost.push(format!("version {} (now {})", before.version, now.version));
        }
        for (k, v) in &before.tags {
            if now.tags.get(k) != Some(v) {
                lost.push(format!("tag {k}={v}"));
            }
        }
        for name in &before.snapshots {
            if !now.snapshots.contains(name) {
                lost.push(format!("snapshot {name}"));
            }
        }
        for id in &before.operations {
            if !now.operations.contains(id) {
                lost.push(format!("operation {id}"));
            }
        }
        self.report.records_checked +=
            1 + (before.tags.len() + before.snapshots.len() + before.operations.len()) as u32;
        if !lost.is_empty() {
            self.report.records_lost += lost.len() as u32;
            self.report
                .violations
                .push(format!("{label}: {app} lost {}", lost.join(", ")));
        }
        let running = now.status == Some(s("RUNNING"));
        if running {
            self.report.jobs_checked += 1;
            let jobs = self.live_jobs(app).await;
            if jobs.len() != 1 {
                self.report.violations.push(format!(
                    "{label}: {app} is RUNNING with {} live jobs on its cluster: {jobs:?}",
                    jobs.len()
                ));
            }
            if keep_job && before.job.is_some() {
                if jobs.first() == before.job.as_ref() {
                    self.report.adopted += 1;
                } else {
                    self.report.restarted += 1;
                    self.report.violations.push(format!(
                        "{label}: {app}'s job {:?} was restarted (now {jobs:?}), not adopted",
                        before.job
                    ));
                }
            }
        } else if keep_job && before.job.is_some() {
            self.report.violations.push(format!(
                "{label}: {app} was RUNNING and is now {:?}",
                now.status
            ));
        }
    }

    /// Every Flink JVM under the data directory belongs to a RUNNING
    /// application's recorded cluster (grace of 30 s for one being released).
    async fn check_processes(&mut self, label: &str) {
        let needle = format!("{}/clusters/", self.f.weir.data_dir().display());
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let mut stray = Vec::new();
            for p in processes_mentioning(&needle) {
                let rest = &p.cmdline[p.cmdline.find(&needle).unwrap() + needle.len()..];
                let app = rest.split('/').next().unwrap_or_default().to_string();
                let running = !self.deleted.iter().any(|d| *d == app)
                    && self.live_apps().iter().any(|a| *a == app)
                    && self.f.status(&app).await == s("RUNNING");
                let recorded = running
                    && self.f.cluster_record(&app).is_some_and(|_| {
                        let mut pids = self.f.task_manager_pids(&app);
                        pids.push(self.f.job_manager_pid(&app));
                        pids.contains(&p.pid)
                    });
                if !recorded {
                    stray.push(format!("{app}: {} {:.120}", p.pid, p.cmdline));
                }
            }
            if stray.is_empty() {
                return;
            }
            if Instant::now() > deadline {
                self.report.stray_processes += stray.len() as u32;
                self.report
                    .violations
                    .push(format!("{label}: stray JVMs {stray:#?}"));
                return;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }
}

/// The seed: `WEIR_CHAOS_SEED`, else `default` (None: the clock). CI uses a
/// fixed one, so that a run is the same crash points every time; the long
/// run explores new ones.
pub fn seed_or(default: Option<u64>) -> u64 {
    std::env::var("WEIR_CHAOS_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .or(default)
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
        })
}
