//! Metrics of running applications: what the collector gathers from an
//! application's Flink cluster each round, how detailed it is (the
//! application's `MetricsLevel`), and the samples kept as history.
//!
//! The quantities follow the service's CloudWatch metrics (`uptime`,
//! `numRestarts`, `cpuUtilization`, `heapMemoryUtilization`,
//! `oldGenerationGCCount`, `threadsCount`, `numRecordsInPerSecond`, ...), in
//! their units: milliseconds, bytes, percent, records per second. A figure
//! Flink did not report (an older Flink, a job that has not checkpointed yet,
//! a request that failed) is `None`, never a made-up zero.
//!
//! Pure: the collector (`weir-supervisor`) asks Flink and reads the clock;
//! everything here is arithmetic on what it found.

use std::collections::BTreeMap;

use crate::model::{EpochMillis, MetricsLevel, ParallelismConfig};
use crate::operation::JobStatus;

/// How far back the history of an application's samples goes.
pub const HISTORY_MS: EpochMillis = 3_600_000;

/// Everything collected of one application in one round.
#[derive(Debug, Clone, PartialEq)]
pub struct AppMetrics {
    /// When the figures were collected (ms since the epoch).
    pub collected_at: EpochMillis,
    /// The detail they were collected at.
    pub level: MetricsLevel,
    /// The last round could not reach Flink: these are the figures of an
    /// earlier round.
    pub stale: bool,
    pub job: Option<JobMetrics>,
    pub job_manager: Option<JvmMetrics>,
    /// In Flink's order (`GET /taskmanagers`).
    pub task_managers: Vec<TaskManagerMetrics>,
}

/// The job's figures. Job-wide rates are sums over its tasks; busy and
/// back-pressured time are the busiest task's average over its subtasks.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JobMetrics {
    pub job_id: String,
    pub status: Option<JobStatus>,
    /// Milliseconds the job has been RUNNING without interruption.
    pub uptime_ms: Option<f64>,
    /// Milliseconds of the current outage (failing, restarting); 0 while running.
    pub downtime_ms: Option<f64>,
    pub num_restarts: Option<f64>,
    /// Flink 1.x only (removed in 2.0; `numRestarts` replaces it).
    pub full_restarts: Option<f64>,
    pub last_checkpoint_duration_ms: Option<f64>,
    pub last_checkpoint_size_bytes: Option<f64>,
    pub failed_checkpoints: Option<f64>,
    pub records_in_per_second: Option<f64>,
    pub records_out_per_second: Option<f64>,
    pub busy_time_ms_per_second: Option<f64>,
    pub back_pressured_time_ms_per_second: Option<f64>,
    /// Flink's tasks (operator chains, "vertices"): kept from the TASK
    /// level up; empty at APPLICATION.
    pub tasks: Vec<TaskMetrics>,
}

/// One task (operator chain) of the job.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TaskMetrics {
    /// Flink's vertex id.
    pub id: String,
    /// Flink's name of the chain (`Source: datagen`), unique within the job.
    pub name: String,
    pub parallelism: u32,
    /// Summed over the subtasks.
    pub records_in_per_second: Option<f64>,
    pub records_out_per_second: Option<f64>,
    /// Averaged over the subtasks, and the largest.
    pub busy_time_ms_per_second: Option<f64>,
    pub max_busy_time_ms_per_second: Option<f64>,
    pub back_pressured_time_ms_per_second: Option<f64>,
    pub max_back_pressured_time_ms_per_second: Option<f64>,
    /// From the OPERATOR level up.
    pub operators: Vec<OperatorMetrics>,
    /// At the PARALLELISM level.
    pub subtasks: Vec<SubtaskMetrics>,
}

/// One operator of a chain, summed over its subtasks.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OperatorMetrics {
    /// As Flink's metrics spell it (`Sink__print-sink`).
    pub name: String,
    pub records_in_per_second: Option<f64>,
    pub records_out_per_second: Option<f64>,
}

/// One parallel instance of a task.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SubtaskMetrics {
    pub index: u32,
    /// The Task Manager it runs on (Flink's resource id).
    pub task_manager: Option<String>,
    pub records_in_per_second: Option<f64>,
    pub records_out_per_second: Option<f64>,
    pub busy_time_ms_per_second: Option<f64>,
    pub back_pressured_time_ms_per_second: Option<f64>,
}

/// A JVM's figures (the Job Manager's or a Task Manager's).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JvmMetrics {
    /// Percent of one vCPU (what a KPU has): can pass 100 when the JVM uses
    /// more than one core.
    pub cpu_utilization: Option<f64>,
    pub heap_used_bytes: Option<f64>,
    pub heap_max_bytes: Option<f64>,
    /// Collections and milliseconds collecting, every collector together.
    pub gc_count: Option<f64>,
    pub gc_time_ms: Option<f64>,
    /// Those of the old-generation collector alone (the service's
    /// `oldGenerationGCCount` / `oldGenerationGCTime`).
    pub old_gc_count: Option<f64>,
    pub old_gc_time_ms: Option<f64>,
    pub threads: Option<f64>,
}

impl JvmMetrics {
    /// Heap used as a percent of the heap's maximum.
    pub fn heap_utilization(&self) -> Option<f64> {
        match (self.heap_used_bytes, self.heap_max_bytes) {
            (Some(used), Some(max)) if max > 0.0 => Some(used / max * 100.0),
            _ => None,
        }
    }
}

/// One Task Manager.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TaskManagerMetrics {
    /// Flink's resource id.
    pub id: String,
    pub slots: Option<u32>,
    pub free_slots: Option<u32>,
    pub jvm: JvmMetrics,
    /// Summed over the subtasks it runs: known at the PARALLELISM level only
    /// (where subtasks are collected with the Task Manager they run on).
    pub records_in_per_second: Option<f64>,
    pub records_out_per_second: Option<f64>,
}

/// One point of an application's history.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Sample {
    pub at: EpochMillis,
    pub records_in_per_second: Option<f64>,
    pub records_out_per_second: Option<f64>,
    /// The mean over the Task Managers.
    pub cpu_utilization: Option<f64>,
    pub last_checkpoint_duration_ms: Option<f64>,
    pub last_checkpoint_size_bytes: Option<f64>,
}

impl AppMetrics {
    /// The point this round adds to the history.
    pub fn sample(&self) -> Sample {
        let job = self.job.as_ref();
        Sample {
            at: self.collected_at,
            records_in_per_second: job.and_then(|j| j.records_in_per_second),
            records_out_per_second: job.and_then(|j| j.records_out_per_second),
            cpu_utilization: mean(self.task_managers.iter().map(|t| t.jvm.cpu_utilization)),
            last_checkpoint_duration_ms: job.and_then(|j| j.last_checkpoint_duration_ms),
            last_checkpoint_size_bytes: job.and_then(|j| j.last_checkpoint_size_bytes),
        }
    }

    /// Completes what is derived (the job's figures from its tasks', each
    /// Task Manager's rates from its subtasks') and drops the detail
    /// `level` does not include.
    pub fn finish(mut self) -> AppMetrics {
        if let Some(job) = &mut self.job {
            job.summarize();
            if includes(self.level, MetricsLevel::Parallelism) {
                let rates = task_manager_rates(&job.tasks);
                for tm in &mut self.task_managers {
                    if let Some((records_in, records_out)) = rates.get(&tm.id) {
                        tm.records_in_per_second = *records_in;
                        tm.records_out_per_second = *records_out;
                    }
                }
            }
            job.keep_detail(self.level);
        }
        self
    }
}

impl JobMetrics {
    /// The job-wide figures from the tasks': rates summed, busy and
    /// back-pressured time of the busiest task (average over its subtasks).
    /// A figure no task reports stays as it is.
    pub fn summarize(&mut self) {
        if self.tasks.is_empty() {
            return;
        }
        let tasks = &self.tasks;
        self.records_in_per_second = sum(tasks.iter().map(|t| t.records_in_per_second));
        self.records_out_per_second = sum(tasks.iter().map(|t| t.records_out_per_second));
        self.busy_time_ms_per_second = max(tasks.iter().map(|t| t.busy_time_ms_per_second));
        self.back_pressured_time_ms_per_second =
            max(tasks.iter().map(|t| t.back_pressured_time_ms_per_second));
    }

    /// Drops the detail beyond `level`: tasks from TASK up, their operators
    /// from OPERATOR up, their subtasks at PARALLELISM.
    pub fn keep_detail(&mut self, level: MetricsLevel) {
        if !includes(level, MetricsLevel::Task) {
            self.tasks.clear();
        }
        for task in &mut self.tasks {
            if !includes(level, MetricsLevel::Operator) {
                task.operators.clear();
            }
            if !includes(level, MetricsLevel::Parallelism) {
                task.subtasks.clear();
            }
        }
    }
}

/// The service's levels are nested: APPLICATION < TASK < OPERATOR <
/// PARALLELISM; each includes the ones before it.
pub fn includes(level: MetricsLevel, wanted: MetricsLevel) -> bool {
    fn rank(l: MetricsLevel) -> u8 {
        match l {
            MetricsLevel::Application => 0,
            MetricsLevel::Task => 1,
            MetricsLevel::Operator => 2,
            MetricsLevel::Parallelism => 3,
        }
    }
    rank(level) >= rank(wanted)
}

/// Records in and out per second of each Task Manager: the sums over the
/// subtasks that run on it.
pub fn task_manager_rates(tasks: &[TaskMetrics]) -> BTreeMap<String, (Option<f64>, Option<f64>)> {
    let mut rates: BTreeMap<String, (Option<f64>, Option<f64>)> = BTreeMap::new();
    for subtask in tasks.iter().flat_map(|t| &t.subtasks) {
        let Some(tm) = &subtask.task_manager else {
            continue;
        };
        let entry = rates.entry(tm.clone()).or_default();
        entry.0 = sum([entry.0, subtask.records_in_per_second]);
        entry.1 = sum([entry.1, subtask.records_out_per_second]);
    }
    rates
}

/// KPUs an application uses now: one per Task Manager,
/// ceil(CurrentParallelism / ParallelismPerKPU).
pub fn kpus(parallelism: &ParallelismConfig) -> u32 {
    let per_kpu = parallelism.effective().parallelism_per_kpu.max(1);
    parallelism.current_parallelism.div_ceil(per_kpu).max(1)
}

/// A JVM's CPU use between two readings of the CPU seconds it had used,
/// `(seconds, read at ms)`, as percent of one core. `None` when the
/// readings are too close to say (under half a second) or the later one is
/// smaller (a new process behind the same pid).
pub fn cpu_percent(before: (f64, EpochMillis), now: (f64, EpochMillis)) -> Option<f64> {
    let wall_ms = now.1 - before.1;
    let used = now.0 - before.0;
    (wall_ms >= 500 && used >= 0.0).then(|| used / (wall_ms as f64 / 1000.0) * 100.0)
}

/// One garbage collector's counters as the JVM names it (`G1 Old
/// Generation`; Flink's metrics write `G1_Old_Generation`, also accepted),
/// or `All` for Flink's total over every collector (Flink ≥ 1.19).
#[derive(Debug, Clone, PartialEq)]
pub struct GcCounters {
    pub collector: String,
    pub count: Option<f64>,
    pub time_ms: Option<f64>,
}

/// Every collector together and the old-generation one alone:
/// (count, time ms, old count, old time ms).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct GcTotals {
    pub count: Option<f64>,
    pub time_ms: Option<f64>,
    pub old_count: Option<f64>,
    pub old_time_ms: Option<f64>,
}

/// The collectors that collect the old generation (full or mixed
/// collections): G1, Parallel, Serial, CMS and generational ZGC's.
const OLD_GENERATION_COLLECTORS: &[&str] = &[
    "G1 Old Generation",
    "PS MarkSweep",
    "MarkSweepCompact",
    "ConcurrentMarkSweep",
    "ZGC Major Cycles",
];

/// Totals of a JVM's collectors: Flink's `All` where it reports it, else
/// the sum of the collectors; the old generation's from the collector
/// that collects it (0 collections when the JVM has none of those: a young
/// collector alone never touched the old generation).
pub fn gc_totals(collectors: &[GcCounters]) -> GcTotals {
    let is_all = |c: &GcCounters| c.collector == "All";
    let named = |c: &GcCounters| c.collector.replace('_', " ");
    let (count, time_ms) = match collectors.iter().find(|c| is_all(c)) {
        Some(all) => (all.count, all.time_ms),
        None => (
            sum(collectors.iter().map(|c| c.count)),
            sum(collectors.iter().map(|c| c.time_ms)),
        ),
    };
    let old: Vec<&GcCounters> = collectors
        .iter()
        .filter(|c| OLD_GENERATION_COLLECTORS.contains(&named(c).as_str()))
        .collect();
    let known = collectors.iter().any(|c| !is_all(c));
    let (old_count, old_time_ms) = if old.is_empty() {
        let zero = known.then_some(0.0);
        (zero, zero)
    } else {
        (
            sum(old.iter().map(|c| c.count)),
            sum(old.iter().map(|c| c.time_ms)),
        )
    };
    GcTotals {
        count,
        time_ms,
        old_count,
        old_time_ms,
    }
}

/// Names made unique within a job by numbering repeats (`map`, `map #2`):
/// they become label values, which must not repeat.
pub fn unique_names<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut seen: BTreeMap<&str, u32> = BTreeMap::new();
    names
        .into_iter()
        .map(|n| {
            let k = seen.entry(n).or_insert(0);
            *k += 1;
            if *k == 1 {
                n.to_string()
            } else {
                format!("{n} #{k}")
            }
        })
        .collect()
}

/// The sum of the figures that are known; `None` when none is.
pub fn sum(values: impl IntoIterator<Item = Option<f64>>) -> Option<f64> {
    values
        .into_iter()
        .flatten()
        .fold(None, |acc, v| Some(acc.unwrap_or(0.0) + v))
}

/// The largest of the figures that are known.
pub fn max(values: impl IntoIterator<Item = Option<f64>>) -> Option<f64> {
    values
        .into_iter()
        .flatten()
        .fold(None, |acc: Option<f64>, v| {
            Some(acc.map_or(v, |a| a.max(v)))
        })
}

/// The mean of the figures that are known.
pub fn mean(values: impl IntoIterator<Item = Option<f64>>) -> Option<f64> {
    let known: Vec<f64> = values.into_iter().flatten().collect();
    (!known.is_empty()).then(|| known.iter().sum::<f64>() / known.len() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ConfigurationType;

    fn task(name: &str, rin: Option<f64>, rout: Option<f64>, busy: Option<f64>) -> TaskMetrics {
        TaskMetrics {
            id: format!("id-{name}"),
            name: name.into(),
            parallelism: 2,
            records_in_per_second: rin,
            records_out_per_second: rout,
            busy_time_ms_per_second: busy,
            back_pressured_time_ms_per_second: busy.map(|b| b / 2.0),
            operators: vec![OperatorMetrics {
                name: format!("{name}-op"),
                records_in_per_second: rin,
                records_out_per_second: rout,
            }],
            subtasks: vec![
                SubtaskMetrics {
                    index: 0,
                    task_manager: Some("tm-0".into()),
                    records_in_per_second: rin.map(|r| r / 2.0),
                    records_out_per_second: rout.map(|r| r / 2.0),
                    ..SubtaskMetrics::default()
                },
                SubtaskMetrics {
                    index: 1,
                    task_manager: Some("tm-1".into()),
                    records_in_per_second: rin.map(|r| r / 2.0),
                    records_out_per_second: rout.map(|r| r / 2.0),
                    ..SubtaskMetrics::default()
                },
            ],
            ..TaskMetrics::default()
        }
    }

    fn app(level: MetricsLevel) -> AppMetrics {
        AppMetrics {
            collected_at: 1_000,
            level,
            stale: false,
            job: Some(JobMetrics {
                job_id: "j".into(),
                status: Some(JobStatus::Running),
                uptime_ms: Some(5_000.0),
                tasks: vec![
                    task("Source: datagen", Some(0.0), Some(100.0), Some(10.0)),
                    task("count -> Sink", Some(100.0), None, Some(300.0)),
                ],
                ..JobMetrics::default()
            }),
            job_manager: None,
            task_managers: ["tm-0", "tm-1", "tm-2"]
                .into_iter()
                .map(|id| TaskManagerMetrics {
                    id: id.into(),
                    ..TaskManagerMetrics::default()
                })
                .collect(),
        }
    }

    #[test]
    fn the_level_decides_the_detail_kept() {
        // (level, tasks kept, operators kept, subtasks kept, per-TM rates)
        for (level, tasks, operators, subtasks, tm_rates) in [
            (MetricsLevel::Application, 0, 0, 0, false),
            (MetricsLevel::Task, 2, 0, 0, false),
            (MetricsLevel::Operator, 2, 2, 0, false),
            (MetricsLevel::Parallelism, 2, 2, 4, true),
        ] {
            let m = app(level).finish();
            let job = m.job.as_ref().unwrap();
            // The job-wide figures never depend on the level.
            assert_eq!(job.records_in_per_second, Some(100.0), "{level:?}");
            assert_eq!(job.records_out_per_second, Some(100.0), "{level:?}");
            assert_eq!(job.busy_time_ms_per_second, Some(300.0), "{level:?}");
            assert_eq!(job.back_pressured_time_ms_per_second, Some(150.0));
            assert_eq!(job.tasks.len(), tasks, "{level:?}");
            let ops: usize = job.tasks.iter().map(|t| t.operators.len()).sum();
            assert_eq!(ops, operators, "{level:?}");
            let subs: usize = job.tasks.iter().map(|t| t.subtasks.len()).sum();
            assert_eq!(subs, subtasks, "{level:?}");
            let tm0 = &m.task_managers[0];
            if tm_rates {
                assert_eq!(tm0.records_in_per_second, Some(50.0));
                assert_eq!(tm0.records_out_per_second, Some(50.0));
                // A Task Manager running no subtask has no rate.
                assert_eq!(m.task_managers[2].records_in_per_second, None);
            } else {
                assert_eq!(tm0.records_in_per_second, None, "{level:?}");
            }
        }
    }

    #[test]
    fn levels_are_nested() {
        use MetricsLevel::*;
        let all = [Application, Task, Operator, Parallelism];
        for (i, level) in all.iter().enumerate() {
            for (j, wanted) in all.iter().enumerate() {
                assert_eq!(includes(*level, *wanted), i >= j, "{level:?} {wanted:?}");
            }
        }
    }

    #[test]
    fn a_job_without_task_figures_keeps_its_own() {
        let mut job = JobMetrics {
            records_in_per_second: Some(7.0),
            ..JobMetrics::default()
        };
        job.summarize();
        assert_eq!(job.records_in_per_second, Some(7.0));
        // Tasks that report nothing make the figure unknown, not zero.
        job.tasks = vec![task("a", None, None, None)];
        job.summarize();
        assert_eq!(job.records_in_per_second, None);
        assert_eq!(job.busy_time_ms_per_second, None);
    }

    #[test]
    fn cpu_use_between_two_readings() {
        // (before, now, percent of one core)
        for (before, now, want) in [
            ((10.0, 0), (10.5, 1_000), Some(50.0)),
            ((10.0, 0), (12.0, 1_000), Some(200.0)),
            ((10.0, 0), (10.0, 10_000), Some(0.0)),
            ((10.0, 0), (10.1, 400), None),
            ((10.0, 0), (1.0, 10_000), None),
            ((10.0, 5_000), (11.0, 1_000), None),
        ] {
            assert_eq!(cpu_percent(before, now), want, "{before:?} {now:?}");
        }
    }

    fn gc(collector: &str, count: f64, time_ms: f64) -> GcCounters {
        GcCounters {
            collector: collector.into(),
            count: Some(count),
            time_ms: Some(time_ms),
        }
    }

    #[test]
    fn garbage_collector_totals() {
        let g1 = [
            gc("G1_Young_Generation", 10.0, 100.0),
            gc("G1_Old_Generation", 2.0, 50.0),
        ];
        let serial = [gc("Copy", 4.0, 8.0), gc("MarkSweepCompact", 1.0, 30.0)];
        let mut with_all = g1.to_vec();
        with_all.push(gc("All", 13.0, 160.0));
        let young_only = [gc("G1 Young Generation", 3.0, 9.0)];
        let partial = [
            GcCounters {
                collector: "PS_Scavenge".into(),
                count: Some(5.0),
                time_ms: None,
            },
            gc("PS_MarkSweep", 1.0, 20.0),
        ];
        let t = |c, t, oc, ot| GcTotals {
            count: c,
            time_ms: t,
            old_count: oc,
            old_time_ms: ot,
        };
        for (collectors, want) in [
            (&g1[..], t(Some(12.0), Some(150.0), Some(2.0), Some(50.0))),
            (&serial[..], t(Some(5.0), Some(38.0), Some(1.0), Some(30.0))),
            // Flink's `All` wins over the sum (it counts collectors Weir
            // does not know by name).
            (
                &with_all[..],
                t(Some(13.0), Some(160.0), Some(2.0), Some(50.0)),
            ),
            (
                &young_only[..],
                t(Some(3.0), Some(9.0), Some(0.0), Some(0.0)),
            ),
            (
                &partial[..],
                t(Some(6.0), Some(20.0), Some(1.0), Some(20.0)),
            ),
            (&[][..], t(None, None, None, None)),
        ] {
            assert_eq!(gc_totals(collectors), want, "{collectors:?}");
        }
    }

    #[test]
    fn a_sample_is_the_job_figures_and_the_mean_task_manager_cpu() {
        let mut m = app(MetricsLevel::Application).finish();
        m.task_managers[0].jvm.cpu_utilization = Some(30.0);
        m.task_managers[1].jvm.cpu_utilization = Some(50.0);
        m.job.as_mut().unwrap().last_checkpoint_size_bytes = Some(6558.0);
        let s = m.sample();
        assert_eq!(s.at, 1_000);
        assert_eq!(s.records_in_per_second, Some(100.0));
        assert_eq!(s.cpu_utilization, Some(40.0));
        assert_eq!(s.last_checkpoint_size_bytes, Some(6558.0));
        assert_eq!(s.last_checkpoint_duration_ms, None);
        m.job = None;
        assert_eq!(m.sample().records_in_per_second, None);
    }

    #[test]
    fn heap_utilization_needs_a_maximum() {
        let jvm = |used, max| JvmMetrics {
            heap_used_bytes: used,
            heap_max_bytes: max,
            ..JvmMetrics::default()
        };
        assert_eq!(jvm(Some(25.0), Some(100.0)).heap_utilization(), Some(25.0));
        assert_eq!(jvm(Some(25.0), Some(0.0)).heap_utilization(), None);
        assert_eq!(jvm(None, Some(100.0)).heap_utilization(), None);
    }

    #[test]
    fn kpus_follow_the_current_parallelism() {
        let p = |current, per_kpu| ParallelismConfig {
            configuration_type: ConfigurationType::Custom,
            parallelism: Some(1),
            parallelism_per_kpu: Some(per_kpu),
            auto_scaling_enabled: Some(true),
            current_parallelism: current,
        };
        assert_eq!(kpus(&p(1, 1)), 1);
        assert_eq!(kpus(&p(4, 1)), 4);
        assert_eq!(kpus(&p(5, 2)), 3);
        assert_eq!(kpus(&ParallelismConfig::service_default()), 1);
    }

    #[test]
    fn repeated_names_are_numbered() {
        assert_eq!(
            unique_names(["map", "Source: a", "map", "map"]),
            ["map", "Source: a", "map #2", "map #3"]
        );
    }

    #[test]
    fn sums_and_means_of_what_is_known() {
        assert_eq!(sum([Some(1.0), None, Some(2.5)]), Some(3.5));
        assert_eq!(sum([None, None]), None);
        assert_eq!(max([Some(1.0), None, Some(-2.0)]), Some(1.0));
        assert_eq!(mean([Some(1.0), None, Some(3.0)]), Some(2.0));
        assert_eq!(mean([None]), None);
    }
}
