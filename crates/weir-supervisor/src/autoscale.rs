//! The autoscaler: while an application with `AutoScalingEnabled` runs, its
//! supervisor samples the load (each Task Manager's CPU, Flink's busy and
//! back-pressure time) every `sample_interval`, keeps the history of the
//! longest window in memory, and asks `weir_control::autoscale::decide`
//! whether to scale. A decision becomes an Autoscale operation (AUTOSCALING,
//! then the restart sequence: snapshot, the cluster of the new size,
//! restore, RUNNING); the log says which figures triggered it.
//!
//! The history is not persisted: a restarted Weir (or a fresh job) waits a
//! whole window before deciding, which errs on the side of not scaling.

use std::collections::{HashMap, VecDeque};
use std::time::Instant;

use weir_control::autoscale::{decide, AutoscaleConfig, Bounds, LoadSample, Policy};
use weir_control::model::{ApplicationStatus, LogLevel};
use weir_control::operation::JobStatus;
use weir_service::{Entry, LOGGER};

use weir_runtime::backend::Runtime;

use crate::Supervisor;

/// The property group through which an application picks its policy
/// (`policy` = `cpu` or `busy`), overriding the server's.
pub const AUTOSCALING_GROUP: &str = "weir.autoscaling";

/// One application's load history.
#[derive(Debug, Default)]
pub(crate) struct History {
    job_id: String,
    samples: VecDeque<LoadSample>,
    last: Option<Instant>,
}

impl<R: Runtime> Supervisor<R> {
    /// Samples the application's load when due and starts a scaling when
    /// the policy says so. Only for a RUNNING application with every task
    /// running and nothing else in progress.
    pub(crate) async fn autoscale(&self, entry: &Entry) {
        let app = &entry.app;
        let steady = app.status == ApplicationStatus::Running
            && entry.job.operation_id.is_none()
            && entry.job.status == Some(JobStatus::Running);
        let enabled = app
            .config
            .flink
            .parallelism
            .effective()
            .auto_scaling_enabled;
        let Some(job_id) = entry.job.job_id.clone().filter(|_| steady && enabled) else {
            self.histories().remove(&app.name);
            return;
        };
        {
            let mut histories = self.histories();
            let h = histories.entry(app.name.clone()).or_default();
            if h.job_id != job_id {
                *h = History {
                    job_id: job_id.clone(),
                    ..History::default()
                };
            }
            if h.last
                .is_some_and(|t| t.elapsed() < self.config.sample_interval)
            {
                return;
            }
            h.last = Some(Instant::now());
        }
        let Some(load) = self.runtime.load(&app.name, &job_id).await else {
            return;
        };
        // A registered cluster's Task Managers are not Weir's processes: no
        // CPU reading there, and the busy policy goes by Flink's figures.
        let cpu = (!load.task_manager_cpu.is_empty()).then(|| {
            load.task_manager_cpu
                .iter()
                .map(|c| c.min(1.0))
                .sum::<f64>()
                / load.task_manager_cpu.len() as f64
        });
        if cpu.is_none() && load.busy.is_none() {
            return;
        }
        let now = weir_service::now_millis();
        let sample = LoadSample {
            at: now,
            cpu,
            busy: load.busy,
            backpressure: load.backpressure,
        };
        let cfg = self.policy_for(entry);
        let keep = [
            cfg.cpu_up_window_ms,
            cfg.cpu_down_window_ms,
            cfg.busy_up_window_ms,
            cfg.busy_down_window_ms,
        ]
        .into_iter()
        .max()
        .unwrap_or(0);
        let samples: Vec<LoadSample> = {
            let mut histories = self.histories();
            let h = histories.entry(app.name.clone()).or_default();
            h.samples.push_back(sample);
            // Keep one sample older than the longest window: it proves the
            // history covers the whole window.
            while h.samples.len() > 2 && h.samples[1].at <= now - keep {
                h.samples.pop_front();
            }
            h.samples.iter().copied().collect()
        };
        let effective = app.config.flink.parallelism.effective();
        let bounds = Bounds {
            current: app.config.flink.parallelism.current_parallelism,
            configured: effective.parallelism,
            per_kpu: effective.parallelism_per_kpu,
            max_parallelism: load.max_parallelism.unwrap_or(128),
        };
        let Some(scale) = decide(&cfg, &samples, now, bounds) else {
            return;
        };
        self.histories().remove(&app.name);
        let reason = format!("{} policy: {}", cfg.policy.as_str(), scale.reason);
        match self.catalogue.start_autoscale(&app.name, scale.to, &reason) {
            Ok(op) => tracing::info!(app = %app.name, operation = %op.id, %reason, "autoscaling"),
            Err(e) => self.catalogue.log(
                &app.name,
                LogLevel::Warn,
                LOGGER,
                format!("Autoscaling to parallelism {} not started: {e}", scale.to),
            ),
        }
    }

    /// The server's autoscaling configuration with the application's choice
    /// of policy, if it made one (on a registered cluster: `busy`).
    fn policy_for(&self, entry: &Entry) -> AutoscaleConfig {
        let mut cfg = self.config.autoscale;
        let chosen = entry
            .app
            .config
            .environment_properties
            .iter()
            .flatten()
            .find(|g| g.id == AUTOSCALING_GROUP)
            .and_then(|g| g.properties.iter().find(|(k, _)| k == "policy"))
            .and_then(|(_, v)| Policy::parse(v));
        match chosen {
            Some(p) => cfg.policy = p,
            // A registered cluster's JVMs are not Weir's to measure (no
            // CPU reading): Flink's own busy time decides there.
            None if entry.job.placement.is_some() => cfg.policy = Policy::Busy,
            None => {}
        }
        cfg
    }

    fn histories(&self) -> std::sync::MutexGuard<'_, HashMap<String, History>> {
        self.histories.lock().unwrap_or_else(|p| p.into_inner())
    }
}
