//! The load probe: how much CPU processes other than the benchmark and the
//! processes under test use, from /proc/stat, so figures taken on a shared
//! machine can be flagged.

use std::time::{Duration, Instant};

use weir_test_support::process as procs;

/// Measures the CPU used by everything but this benchmark and "ours" (the
/// processes under test, whose CPU seconds the caller reads at both ends).
pub struct BusyMeter {
    started: Instant,
    machine: f64,
    own: f64,
    ours: f64,
}

impl BusyMeter {
    /// `ours`: CPU seconds the processes under test have used so far.
    pub fn start(ours: f64) -> BusyMeter {
        BusyMeter {
            started: Instant::now(),
            machine: procs::machine_busy_seconds(),
            own: procs::own_cpu_seconds(),
            ours,
        }
    }

    /// Cores' worth of CPU used by everything else since `start` (`ours`: the
    /// same reading as at the start, now); 0 for windows under a second,
    /// where the 10 ms accounting ticks make it noise.
    pub fn other_cores(&self, ours: f64) -> f64 {
        if self.started.elapsed() < Duration::from_secs(1) {
            return 0.0;
        }
        let machine = procs::machine_busy_seconds() - self.machine;
        let own = procs::own_cpu_seconds() - self.own;
        ((machine - own - (ours - self.ours)) / self.started.elapsed().as_secs_f64()).max(0.0)
    }
}
