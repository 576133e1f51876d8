//! The metrics collector: one background task that, every interval, visits
//! every application with a cluster (`Runtime::view`) and asks the runtime
//! for the figures `GET /metrics` and `DescribeApplicationMetrics` serve
//! (`Runtime::metrics`: how Flink is asked is the backend's,
//! `weir-runtime/src/backend/metrics.rs`), and puts them on the [`Board`].
//!
//! The applications are visited concurrently, each under a deadline (the
//! interval, between 5 and 30 s). An application whose Flink does not answer
//! keeps its last figures, marked stale, and holds up no other; one without
//! a cluster has none.

use std::sync::Arc;
use std::time::Duration;

use weir_service::{Board, Catalogue, Entry};

use weir_control::telemetry::AppMetrics;
use weir_runtime::backend::{ClusterView, Runtime, RuntimeFailure};

/// The collector of every application's metrics.
pub struct Collector<R: Runtime> {
    catalogue: Arc<Catalogue>,
    runtime: Arc<R>,
    board: Arc<Board>,
}

impl<R: Runtime> Collector<R> {
    /// A collector filling `board` every `board.interval()`.
    pub fn new(catalogue: Arc<Catalogue>, runtime: Arc<R>, board: Arc<Board>) -> Arc<Self> {
        Arc::new(Self {
            catalogue,
            runtime,
            board,
        })
    }

    /// Collects a round every interval until `stop` is cancelled.
    pub async fn run(self: Arc<Self>, stop: tokio_util::sync::CancellationToken) {
        let mut tick = tokio::time::interval(self.board.interval().max(Duration::from_secs(1)));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = stop.cancelled() => return,
            }
            // Metrics live in memory only: a round cut short loses nothing.
            tokio::select! {
                _ = self.round() => {}
                _ = stop.cancelled() => return,
            }
        }
    }

    /// One round: every application, concurrently, each within its deadline.
    pub async fn round(self: &Arc<Self>) {
        let entries = self.catalogue.entries();
        let names: std::collections::HashSet<String> =
            entries.iter().map(|e| e.app.name.clone()).collect();
        self.board.retain(|n| names.contains(n));
        let mut visits = tokio::task::JoinSet::new();
        for entry in entries {
            let me = self.clone();
            visits.spawn(async move { me.visit(entry).await });
        }
        while visits.join_next().await.is_some() {}
    }

    /// A round's time for one application: the interval, at least 5 s (a
    /// busy Job Manager), at most 30 s.
    fn deadline(&self) -> Duration {
        self.board
            .interval()
            .clamp(Duration::from_secs(5), Duration::from_secs(30))
    }

    async fn visit(&self, entry: Entry) {
        let name = entry.app.name.clone();
        let Some(view) = self.runtime.view(&name).await else {
            self.board.clear(&name);
            return;
        };
        let outcome = tokio::time::timeout(self.deadline(), self.collect(&entry, &view)).await;
        let why = match outcome {
            Ok(Ok(metrics)) => {
                self.board.publish(&name, metrics);
                return;
            }
            Ok(Err(e)) => e.to_string(),
            Err(_) => format!(
                "Flink did not answer within {} s",
                self.deadline().as_secs()
            ),
        };
        if self.board.mark_stale(&name) {
            tracing::info!(app = %name, reason = %why, "metrics: keeping the last figures, marked stale");
        } else {
            tracing::debug!(app = %name, reason = %why, "metrics: no figures this round");
        }
    }

    /// Everything of one application, at its metrics level.
    async fn collect(
        &self,
        entry: &Entry,
        view: &ClusterView,
    ) -> Result<AppMetrics, RuntimeFailure> {
        let (level, _) = entry.app.config.flink.monitoring.effective();
        let job_id = entry.job.job_id.as_deref();
        self.runtime
            .metrics(&entry.app.name, view, job_id, level)
            .await
    }
}

#[cfg(test)]
mod tests {
    //! The collector against a scripted runtime: figures go on the board,
    //! an application whose Flink does not answer keeps its figures, marked
    //! stale, without holding up the others, and one without a cluster has
    //! none. (The walk over Flink's REST API is tested in weir-runtime.)

    use std::collections::HashMap;
    use std::path::Path;
    use std::sync::Mutex as StdMutex;

    use weir_control::model::*;
    use weir_control::operation::JobState;
    use weir_control::telemetry::JobMetrics;
    use weir_control::Realm;
    use weir_store::Store;

    use super::*;
    use weir_runtime::backend::{
        Load, Observation, ProcessKind, ProcessView, Restore, SavepointProgress, Submission,
    };

    const JOB: &str = "0123456789abcdef0123456789abcdef";

    /// Clusters by application, and whether their Flink answers: only
    /// `view` and `metrics` are asked of it.
    #[derive(Default)]
    struct Views(StdMutex<HashMap<String, bool>>);

    impl Runtime for Views {
        async fn observe(&self, _: &Application, _: &JobState) -> Observation {
            Observation::default()
        }
        async fn launch(&self, _: &Application) -> Result<String, RuntimeFailure> {
            unreachable!()
        }
        async fn submit(
            &self,
            _: &Application,
            _: &std::path::Path,
            _: Option<&Restore>,
        ) -> Result<Submission, RuntimeFailure> {
            unreachable!()
        }
        async fn savepoint(
            &self,
            _: &str,
            _: &str,
            _: &Path,
            _: bool,
        ) -> Result<String, RuntimeFailure> {
            unreachable!()
        }
        async fn savepoint_status(
            &self,
            _: &str,
            _: &str,
            _: &str,
        ) -> Result<SavepointProgress, RuntimeFailure> {
            unreachable!()
        }
        async fn last_savepoint(&self, _: &str, _: &str) -> Option<String> {
            None
        }
        async fn latest_checkpoint(&self, _: &str, _: &str) -> Option<String> {
            None
        }
        async fn rescale(&self, _: &Application, _: &str, _: u32) -> Result<(), RuntimeFailure> {
            unreachable!()
        }
        async fn trim(&self, _: &Application) {}
        async fn reshape(&self, _: &Application) -> Result<(), RuntimeFailure> {
            unreachable!()
        }
        async fn load(&self, _: &str, _: &str) -> Option<Load> {
            None
        }
        async fn maintenance_due(&self, _: &Application) -> Option<String> {
            None
        }
        async fn view(&self, app: &str) -> Option<ClusterView> {
            self.0.lock().unwrap().get(app)?;
            Some(ClusterView {
                rest_url: format!("http://{app}:8081"),
                started_ms: 0,
                processes: vec![ProcessView {
                    role: ProcessKind::JobManager,
                    pid: None,
                    alive: true,
                    log_file: None,
                }],
            })
        }
        async fn metrics(
            &self,
            app: &str,
            view: &ClusterView,
            job_id: Option<&str>,
            level: MetricsLevel,
        ) -> Result<AppMetrics, RuntimeFailure> {
            assert_eq!(view.rest_url, format!("http://{app}:8081"));
            if !self.0.lock().unwrap().get(app).copied().unwrap_or(false) {
                return Err(RuntimeFailure::Refused(format!("{app} does not answer")));
            }
            Ok(AppMetrics {
                collected_at: weir_service::now_millis(),
                level,
                stale: false,
                job: job_id.map(|id| JobMetrics {
                    job_id: id.to_string(),
                    uptime_ms: Some(5000.0),
                    ..JobMetrics::default()
                }),
                job_manager: None,
                task_managers: Vec::new(),
            })
        }
        async fn stop_job(&self, _: &str, _: &str) -> Result<(), RuntimeFailure> {
            unreachable!()
        }
        async fn release(&self, _: &str, _: Duration) {}
        async fn kill(&self, _: &str) {}
        async fn erase(&self, _: &str) {}
    }

    fn catalogue(dir: &Path, apps: &[&str]) -> Arc<Catalogue> {
        let realm = Realm {
            region: "us-east-1".into(),
            account_id: "000000000000".into(),
        };
        let c = Catalogue::open(Store::open(dir).unwrap(), realm.clone(), "06:00".into()).unwrap();
        for name in apps {
            c.create_application(crate::tests::new_app(&realm, name), vec![])
                .unwrap();
            c.advance(name, ApplicationStatus::Ready, |adv| {
                adv.job.job_id = Some(JOB.into());
            })
            .unwrap();
        }
        Arc::new(c)
    }

    #[tokio::test]
    async fn a_round_fills_the_board_and_a_silent_flink_goes_stale_alone() {
        let dir = tempfile::tempdir().unwrap();
        let c = catalogue(dir.path(), &["a", "b", "idle"]);
        let views = Arc::new(Views::default());
        views.0.lock().unwrap().insert("a".into(), true);
        views.0.lock().unwrap().insert("b".into(), true);
        let board = Arc::new(Board::new(Duration::from_secs(10)));
        let collector = Collector::new(c.clone(), views.clone(), board.clone());
        collector.round().await;

        let a = board.latest("a").expect("figures of a");
        assert!(!a.stale);
        assert_eq!(a.level, MetricsLevel::Application);
        let job = a.job.as_ref().expect("job figures");
        assert_eq!(job.job_id, JOB, "the job the catalogue recorded");
        assert!(board.latest("idle").is_none(), "no cluster, no figures");
        assert_eq!(board.history("a", 0).len(), 1);

        // b's Flink stops answering: b keeps its figures, stale; a goes on.
        views.0.lock().unwrap().insert("b".into(), false);
        collector.round().await;
        let b = board.latest("b").expect("b's last figures");
        assert!(b.stale);
        assert_eq!(b.job.as_ref().unwrap().uptime_ms, Some(5000.0));
        assert!(!board.latest("a").unwrap().stale);
        assert_eq!(board.history("a", 0).len(), 2);
        assert_eq!(
            board.history("b", 0).len(),
            1,
            "a stale round adds no sample"
        );

        // a's cluster goes: no current figures, the history stays.
        views.0.lock().unwrap().remove("a");
        collector.round().await;
        assert!(board.latest("a").is_none());
        assert_eq!(board.history("a", 0).len(), 2);
    }
}
