//! [`Board`]: the latest metrics of every application with a cluster, and
//! each application's history over the last hour, in memory.
//!
//! The collector (`weir-supervisor`) is the one writer, once per round;
//! `GET /metrics` and `DescribeApplicationMetrics` read. A read clones an
//! `Arc` (the latest figures) or copies at most an hour of samples, under a
//! read lock held for nothing else. Nothing here is persisted: a restarted
//! Weir starts with an empty history, as the figures themselves are
//! Flink's, which restart with the job anyway.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use weir_control::model::EpochMillis;
use weir_control::telemetry::{AppMetrics, Sample, HISTORY_MS};

/// The board of every application's metrics.
pub struct Board {
    interval: Duration,
    apps: RwLock<HashMap<String, Slot>>,
}

#[derive(Default)]
struct Slot {
    /// `None` while the application has no cluster.
    latest: Option<Arc<AppMetrics>>,
    /// Oldest first, none older than [`HISTORY_MS`] before the newest.
    history: VecDeque<Sample>,
}

impl Board {
    /// A board filled every `interval` (what readers are told).
    pub fn new(interval: Duration) -> Board {
        Board {
            interval,
            apps: RwLock::new(HashMap::new()),
        }
    }

    /// How often the collector fills the board.
    pub fn interval(&self) -> Duration {
        self.interval
    }

    /// Most samples one application keeps: an hour of rounds, and a few
    /// more for rounds that ran late.
    fn capacity(&self) -> usize {
        let secs = self.interval.as_secs_f64().max(1.0);
        (HISTORY_MS as f64 / 1000.0 / secs).ceil() as usize + 2
    }

    /// This round's figures of `app`; they join its history.
    pub fn publish(&self, app: &str, metrics: AppMetrics) {
        let sample = metrics.sample();
        let capacity = self.capacity();
        let mut apps = self.write();
        let slot = apps.entry(app.to_string()).or_default();
        slot.latest = Some(Arc::new(metrics));
        slot.history.push_back(sample);
        let oldest = sample.at - HISTORY_MS;
        while slot.history.len() > capacity || slot.history.front().is_some_and(|s| s.at < oldest) {
            slot.history.pop_front();
        }
    }

    /// This round could not reach `app`'s Flink: its last figures stay,
    /// marked stale. True when they were fresh until now.
    pub fn mark_stale(&self, app: &str) -> bool {
        let mut apps = self.write();
        match apps.get_mut(app).and_then(|s| s.latest.as_mut()) {
            Some(latest) if !latest.stale => {
                let mut stale = (**latest).clone();
                stale.stale = true;
                *latest = Arc::new(stale);
                true
            }
            _ => false,
        }
    }

    /// `app` has no cluster (any more): no current figures; its history
    /// stays for the hour it covers.
    pub fn clear(&self, app: &str) {
        if let Some(slot) = self.write().get_mut(app) {
            slot.latest = None;
        }
    }

    /// Forgets every application `keep` says no to (deleted ones).
    pub fn retain(&self, keep: impl Fn(&str) -> bool) {
        self.write().retain(|name, _| keep(name));
    }

    /// The latest figures of `app`, if it has a cluster and they were
    /// collected at least once.
    pub fn latest(&self, app: &str) -> Option<Arc<AppMetrics>> {
        self.read().get(app).and_then(|s| s.latest.clone())
    }

    /// `app`'s samples taken at or after `since` (ms), oldest first.
    pub fn history(&self, app: &str, since: EpochMillis) -> Vec<Sample> {
        self.read()
            .get(app)
            .map(|s| {
                s.history
                    .iter()
                    .filter(|x| x.at >= since)
                    .copied()
                    .collect()
            })
            .unwrap_or_default()
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, HashMap<String, Slot>> {
        self.apps.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<String, Slot>> {
        self.apps.write().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use weir_control::model::MetricsLevel;
    use weir_control::telemetry::JobMetrics;

    fn metrics(at: EpochMillis, records: f64) -> AppMetrics {
        AppMetrics {
            collected_at: at,
            level: MetricsLevel::Application,
            stale: false,
            job: Some(JobMetrics {
                records_in_per_second: Some(records),
                ..JobMetrics::default()
            }),
            job_manager: None,
            task_managers: Vec::new(),
        }
    }

    #[test]
    fn the_history_covers_the_last_hour() {
        let board = Board::new(Duration::from_secs(600));
        for i in 0..20 {
            board.publish("a", metrics(i * 600_000, i as f64));
        }
        let all = board.history("a", 0);
        // 13 rounds of 10 minutes: now and the hour before it.
        assert!(all.len() <= board.capacity(), "{}", all.len());
        assert_eq!(all.first().unwrap().at, 13 * 600_000);
        assert_eq!(all.last().unwrap().at, 19 * 600_000);
        assert!(all.windows(2).all(|w| w[0].at < w[1].at));
        assert_eq!(board.history("a", 18 * 600_000).len(), 2);
        assert!(board.history("b", 0).is_empty());
    }

    #[test]
    fn stale_figures_stay_until_the_cluster_is_gone() {
        let board = Board::new(Duration::from_secs(10));
        assert!(board.latest("a").is_none());
        assert!(!board.mark_stale("a"));
        assert!(board.latest("a").is_none());
        board.publish("a", metrics(1_000, 5.0));
        assert!(!board.latest("a").unwrap().stale);
        assert!(board.mark_stale("a"));
        assert!(!board.mark_stale("a"));
        let stale = board.latest("a").unwrap();
        assert!(stale.stale);
        assert_eq!(stale.collected_at, 1_000);
        board.publish("a", metrics(2_000, 6.0));
        assert!(!board.latest("a").unwrap().stale);
        board.clear("a");
        assert!(board.latest("a").is_none());
        assert_eq!(board.history("a", 0).len(), 2);
        board.retain(|name| name != "a");
        assert!(board.history("a", 0).is_empty());
    }
}
