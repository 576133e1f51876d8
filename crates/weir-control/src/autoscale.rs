//! Autoscaling decisions as a pure function of the load history.
//!
//! Two policies:
//!
//! - **`Cpu`, the service's rule, faithfully**: double the parallelism when
//!   the application's CPU utilization has been at or above 75 % for the
//!   whole of a 15-minute window; halve it (never below the configured
//!   Parallelism) when it has been below 10 % for 6 hours. CPU is the mean
//!   over the application's Task Managers, each measured against the one
//!   vCPU of its KPU.
//! - **`Busy`, from Flink's own signals** (the approach of the Flink
//!   Kubernetes Operator's autoscaler): a vertex whose subtasks are busy
//!   (`busyTimeMsPerSecond`, time spent processing, whether burning CPU or
//!   waiting on an external system) for a fraction `b` of the time at
//!   parallelism `p` would be busy `b·p/p'` at `p'`; the parallelism that
//!   brings the busiest vertex to the target utilization is `ceil(p·b/t)`.
//!   A job that is back-pressured by a slow, not CPU-bound operator scales,
//!   which the CPU rule never does, and its windows are minutes, not hours.
//!
//! Every threshold and window is configuration, so tests use seconds. A
//! decision needs history covering the whole window (a supervisor that just
//! started, or just scaled, waits a full window before deciding again).

use crate::model::EpochMillis;

/// One look at an application's load.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LoadSample {
    pub at: EpochMillis,
    /// Mean CPU utilization of the Task Managers, 0..=1 of one vCPU each;
    /// `None` where Weir cannot read it (a registered cluster's JVMs).
    pub cpu: Option<f64>,
    /// The busiest vertex's busy fraction (busyTimeMsPerSecond / 1000),
    /// when Flink reported it.
    pub busy: Option<f64>,
    /// The most back-pressured vertex's fraction of time back-pressured.
    pub backpressure: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    Cpu,
    Busy,
}

impl Policy {
    pub fn parse(s: &str) -> Option<Policy> {
        match s.to_ascii_lowercase().as_str() {
            "cpu" => Some(Policy::Cpu),
            "busy" => Some(Policy::Busy),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Policy::Cpu => "cpu",
            Policy::Busy => "busy",
        }
    }
}

/// Thresholds and windows (fractions 0..=1, milliseconds).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AutoscaleConfig {
    pub policy: Policy,
    pub cpu_up_threshold: f64,
    pub cpu_up_window_ms: i64,
    pub cpu_down_threshold: f64,
    pub cpu_down_window_ms: i64,
    /// The busy fraction the Busy policy sizes the busiest vertex for.
    pub busy_target: f64,
    /// Scale up when the busiest vertex averages at least this...
    pub busy_up_threshold: f64,
    pub busy_up_window_ms: i64,
    /// ...and down when it stays below this for the down window.
    pub busy_down_threshold: f64,
    pub busy_down_window_ms: i64,
    /// The most KPUs autoscaling gives an application (the service's 64).
    pub max_kpus: u32,
}

impl AutoscaleConfig {
    /// The service's documented rule and limit.
    pub fn service_default() -> Self {
        Self {
            policy: Policy::Cpu,
            cpu_up_threshold: 0.75,
            cpu_up_window_ms: 15 * 60_000,
            cpu_down_threshold: 0.10,
            cpu_down_window_ms: 6 * 3_600_000,
            busy_target: 0.7,
            busy_up_threshold: 0.85,
            busy_up_window_ms: 2 * 60_000,
            busy_down_threshold: 0.3,
            busy_down_window_ms: 10 * 60_000,
            max_kpus: 64,
        }
    }
}

/// What bounds a new parallelism.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounds {
    pub current: u32,
    /// The configured Parallelism: autoscaling never goes below it.
    pub configured: u32,
    pub per_kpu: u32,
    /// The job's max parallelism (key groups): never above it.
    pub max_parallelism: u32,
}

impl Bounds {
    fn clamp(&self, cfg: &AutoscaleConfig, p: u32) -> u32 {
        let ceiling = (cfg.max_kpus.max(1) * self.per_kpu.max(1))
            .min(self.max_parallelism.max(1))
            .max(self.configured);
        p.clamp(self.configured.max(1), ceiling)
    }
}

/// A scaling, with the figures that triggered it (for the log).
#[derive(Debug, Clone, PartialEq)]
pub struct Scale {
    pub to: u32,
    pub reason: String,
}

/// The samples of the last `window` ms, if the history covers all of it.
fn window(samples: &[LoadSample], now: EpochMillis, window: i64) -> Option<Vec<&LoadSample>> {
    let start = now - window;
    let covered = samples.first().is_some_and(|s| s.at <= start);
    let inside: Vec<&LoadSample> = samples.iter().filter(|s| s.at >= start).collect();
    (covered && !inside.is_empty()).then_some(inside)
}

fn pct(x: f64) -> String {
    format!("{:.0} %", x * 100.0)
}

/// The next parallelism, if the load calls for one. `samples` oldest first.
pub fn decide(
    cfg: &AutoscaleConfig,
    samples: &[LoadSample],
    now: EpochMillis,
    b: Bounds,
) -> Option<Scale> {
    let decision = match cfg.policy {
        Policy::Cpu => decide_cpu(cfg, samples, now, b),
        Policy::Busy => decide_busy(cfg, samples, now, b),
    }?;
    (decision.to != b.current).then_some(decision)
}

fn decide_cpu(
    cfg: &AutoscaleConfig,
    samples: &[LoadSample],
    now: EpochMillis,
    b: Bounds,
) -> Option<Scale> {
    if let Some(w) = window(samples, now, cfg.cpu_up_window_ms) {
        // A window with an unread sample proves nothing either way.
        if w.iter()
            .all(|s| s.cpu.is_some_and(|c| c >= cfg.cpu_up_threshold))
        {
            let low = w.iter().filter_map(|s| s.cpu).fold(f64::INFINITY, f64::min);
            let to = b.clamp(cfg, b.current.saturating_mul(2));
            return Some(Scale {
                to,
                reason: format!(
                    "CPU utilization at or above {} for {} s (lowest {}): parallelism {} → {to}",
                    pct(cfg.cpu_up_threshold),
                    cfg.cpu_up_window_ms / 1000,
                    pct(low),
                    b.current
                ),
            });
        }
    }
    if let Some(w) = window(samples, now, cfg.cpu_down_window_ms) {
        if w.iter()
            .all(|s| s.cpu.is_some_and(|c| c < cfg.cpu_down_threshold))
        {
            let high = w.iter().filter_map(|s| s.cpu).fold(0.0, f64::max);
            let to = b.clamp(cfg, b.current / 2);
            return Some(Scale {
                to,
                reason: format!(
                    "CPU utilization below {} for {} s (highest {}): parallelism {} → {to}",
                    pct(cfg.cpu_down_threshold),
                    cfg.cpu_down_window_ms / 1000,
                    pct(high),
                    b.current
                ),
            });
        }
    }
    None
}

fn decide_busy(
    cfg: &AutoscaleConfig,
    samples: &[LoadSample],
    now: EpochMillis,
    b: Bounds,
) -> Option<Scale> {
    let mean = |w: &[&LoadSample], f: fn(&LoadSample) -> Option<f64>| {
        let xs: Vec<f64> = w.iter().filter_map(|s| f(s)).collect();
        (!xs.is_empty()).then(|| xs.iter().sum::<f64>() / xs.len() as f64)
    };
    // The parallelism that brings the busiest vertex to the target.
    let needed = |busy: f64| ((b.current as f64) * busy / cfg.busy_target.max(0.01)).ceil() as u32;
    if let Some(w) = window(samples, now, cfg.busy_up_window_ms) {
        if let Some(busy) = mean(&w, |s| s.busy) {
            if busy >= cfg.busy_up_threshold {
                let bp = mean(&w, |s| s.backpressure).unwrap_or(0.0);
                let to = b.clamp(cfg, needed(busy).max(b.current + 1));
                return Some(Scale {
                    to,
                    reason: format!(
                        "the busiest vertex was busy {} of the time over {} s (back-pressure {}); sized for {} busy: parallelism {} → {to}",
                        pct(busy),
                        cfg.busy_up_window_ms / 1000,
                        pct(bp),
                        pct(cfg.busy_target),
                        b.current
                    ),
                });
            }
        }
    }
    if let Some(w) = window(samples, now, cfg.busy_down_window_ms) {
        let highest = w
            .iter()
            .filter_map(|s| s.busy)
            .fold(None, |m: Option<f64>, x| Some(m.map_or(x, |m| m.max(x))));
        if let Some(high) = highest.filter(|h| *h < cfg.busy_down_threshold) {
            let to = b.clamp(cfg, needed(high).min(b.current.saturating_sub(1)));
            return Some(Scale {
                to,
                reason: format!(
                    "the busiest vertex stayed below {} busy for {} s (highest {}): parallelism {} → {to}",
                    pct(cfg.busy_down_threshold),
                    cfg.busy_down_window_ms / 1000,
                    pct(high),
                    b.current
                ),
            });
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(policy: Policy) -> AutoscaleConfig {
        AutoscaleConfig {
            policy,
            cpu_up_window_ms: 10_000,
            cpu_down_window_ms: 30_000,
            busy_up_window_ms: 10_000,
            busy_down_window_ms: 30_000,
            ..AutoscaleConfig::service_default()
        }
    }

    /// One sample a second from t=0 to t=`secs`, with `f(t)` as (cpu, busy).
    fn history(secs: i64, f: impl Fn(i64) -> (f64, Option<f64>)) -> Vec<LoadSample> {
        (0..=secs)
            .map(|t| {
                let (cpu, busy) = f(t);
                LoadSample {
                    at: t * 1000,
                    cpu: Some(cpu),
                    busy,
                    backpressure: Some(0.0),
                }
            })
            .collect()
    }

    fn bounds(current: u32) -> Bounds {
        Bounds {
            current,
            configured: 1,
            per_kpu: 1,
            max_parallelism: 128,
        }
    }

    #[test]
    fn cpu_rule_table() {
        let c = cfg(Policy::Cpu);
        let to = |h: &[LoadSample], now: i64, b: Bounds| decide(&c, h, now * 1000, b).map(|s| s.to);
        let hot = history(20, |_| (0.9, None));
        let idle = history(40, |_| (0.02, None));
        // Hot for the whole window: double.
        assert_eq!(to(&hot, 20, bounds(1)), Some(2));
        assert_eq!(to(&hot, 20, bounds(3)), Some(6));
        // Not yet a whole window of history: wait.
        assert_eq!(to(&hot[..8], 7, bounds(1)), None);
        // One cool sample inside the window: no.
        let dip = history(20, |t| (if t == 15 { 0.5 } else { 0.9 }, None));
        assert_eq!(to(&dip, 20, bounds(1)), None);
        // Exactly the threshold counts as "at or above".
        let edge = history(20, |_| (0.75, None));
        assert_eq!(to(&edge, 20, bounds(1)), Some(2));
        // Bounded by the KPU limit and the job's max parallelism.
        let limited = Bounds {
            max_parallelism: 128,
            ..bounds(40)
        };
        assert_eq!(to(&hot, 20, limited), Some(64));
        assert_eq!(to(&hot, 20, bounds(64)), None, "already at the limit");
        let small_max = Bounds {
            max_parallelism: 3,
            ..bounds(2)
        };
        assert_eq!(to(&hot, 20, small_max), Some(3));
        let c2 = AutoscaleConfig { max_kpus: 2, ..c };
        assert_eq!(decide(&c2, &hot, 20_000, bounds(2)), None);
        // Idle for the down window: halve, never below the configured parallelism.
        assert_eq!(to(&idle, 40, bounds(8)), Some(4));
        assert_eq!(
            to(
                &idle,
                40,
                Bounds {
                    configured: 6,
                    ..bounds(8)
                }
            ),
            Some(6)
        );
        assert_eq!(to(&idle, 40, bounds(1)), None);
        // Idle but not for long enough.
        assert_eq!(to(&idle[..20], 19, bounds(8)), None);
        // In between: nothing.
        let mid = history(40, |_| (0.4, None));
        assert_eq!(to(&mid, 40, bounds(2)), None);
    }

    #[test]
    fn busy_rule_table() {
        let c = cfg(Policy::Busy);
        let to = |h: &[LoadSample], now: i64, b: Bounds| decide(&c, h, now * 1000, b).map(|s| s.to);
        // Back-pressured by a slow operator: busy 100 % at CPU 5 %. The CPU
        // rule does nothing; the busy rule sizes for 70 %: ceil(1·1.0/0.7) = 2.
        let slow = history(20, |_| (0.05, Some(1.0)));
        assert_eq!(decide(&cfg(Policy::Cpu), &slow, 20_000, bounds(1)), None);
        assert_eq!(to(&slow, 20, bounds(1)), Some(2));
        assert_eq!(to(&slow, 20, bounds(4)), Some(6));
        // Busy 90 % at parallelism 2: ceil(2·0.9/0.7) = 3.
        let busy = history(20, |_| (0.5, Some(0.9)));
        assert_eq!(to(&busy, 20, bounds(2)), Some(3));
        // Below the up threshold: no scale-up.
        let fine = history(20, |_| (0.5, Some(0.6)));
        assert_eq!(to(&fine, 20, bounds(2)), None);
        // Idle for the down window: down to what the load needs, not below
        // the configured parallelism.
        let idle = history(40, |_| (0.01, Some(0.05)));
        assert_eq!(to(&idle, 40, bounds(4)), Some(1));
        assert_eq!(
            to(
                &idle,
                40,
                Bounds {
                    configured: 2,
                    ..bounds(4)
                }
            ),
            Some(2)
        );
        // No busy figures (Flink did not report them): no decision.
        let blind = history(40, |_| (0.99, None));
        assert_eq!(to(&blind, 40, bounds(2)), None);
        let reason = decide(&c, &slow, 20_000, bounds(1)).unwrap().reason;
        assert!(reason.contains("busy 100 %"), "{reason}");
    }

    /// A registered cluster's JVMs give no CPU reading: the busy rule
    /// decides as before; the CPU rule (even with one unread sample in the
    /// window) never does.
    #[test]
    fn unread_cpu_table() {
        let unread = |h: Vec<LoadSample>| -> Vec<LoadSample> {
            h.into_iter()
                .map(|s| LoadSample { cpu: None, ..s })
                .collect()
        };
        let slow = unread(history(20, |_| (0.0, Some(1.0))));
        assert_eq!(
            decide(&cfg(Policy::Busy), &slow, 20_000, bounds(1)).map(|s| s.to),
            Some(2)
        );
        let idle = unread(history(40, |_| (0.0, Some(0.05))));
        assert_eq!(
            decide(&cfg(Policy::Busy), &idle, 40_000, bounds(4)).map(|s| s.to),
            Some(1)
        );
        assert_eq!(decide(&cfg(Policy::Cpu), &slow, 20_000, bounds(1)), None);
        assert_eq!(decide(&cfg(Policy::Cpu), &idle, 40_000, bounds(4)), None);
        let mut hot = history(20, |_| (0.9, None));
        hot[15].cpu = None;
        assert_eq!(decide(&cfg(Policy::Cpu), &hot, 20_000, bounds(1)), None);
        let mut cold = history(40, |_| (0.02, None));
        cold[30].cpu = None;
        assert_eq!(decide(&cfg(Policy::Cpu), &cold, 40_000, bounds(4)), None);
    }

    #[test]
    fn policies_parse() {
        assert_eq!(Policy::parse("CPU"), Some(Policy::Cpu));
        assert_eq!(Policy::parse("busy"), Some(Policy::Busy));
        assert_eq!(Policy::parse("other"), None);
    }
}
