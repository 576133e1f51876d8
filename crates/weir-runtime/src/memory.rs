//! Flink's memory model, computed here instead of by Flink's scripts.
//!
//! Flink's `bin/taskmanager.sh` runs a JVM (`BashJavaUtils`) to turn
//! `taskmanager.memory.process.size` into every memory component and the
//! matching `-Xmx/-Xms/-XX:MaxDirectMemorySize/-XX:MaxMetaspaceSize` flags.
//! Weir launches the JVMs directly, so it does the same arithmetic (Flink's
//! defaults: framework heap and off-heap 128 MiB, metaspace 256 MiB, JVM
//! overhead 10 % within [192 MiB, 1 GiB], network 10 % within [64 MiB, 1 GiB],
//! managed memory 40 % of total Flink memory) and writes *every* component
//! into the configuration, exactly as the scripts pass them as `-D` options:
//! Flink then only checks that they add up and the JVM flags cannot disagree
//! with what Flink believes. The unit tests pin the results to what
//! `BashJavaUtils` prints for the same sizes.

const MIB: u64 = 1 << 20;
const GIB: u64 = 1 << 30;

/// Float options in Flink are `float`s widened to `double` and multiplied as
/// `BigDecimal.valueOf(double)`: i.e. the shortest decimal of the widened
/// value, then truncated. Reproduced exactly so sizes match to the byte.
fn multiply(bytes: u64, fraction: f32) -> u64 {
    let decimal = format!("{}", fraction as f64);
    let (int, frac) = decimal.split_once('.').unwrap_or((decimal.as_str(), ""));
    let digits: u128 = format!("{int}{frac}").parse().unwrap_or(0);
    let scale = 10u128.pow(frac.len() as u32);
    (bytes as u128 * digits / scale) as u64
}

fn clamp_fraction(total: u64, fraction: f32, min: u64, max: u64) -> u64 {
    multiply(total, fraction).clamp(min, max)
}

/// How managed memory is sized (`taskmanager.memory.managed.*`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Managed {
    Fraction(f32),
    Size(u64),
}

impl Default for Managed {
    fn default() -> Self {
        Managed::Fraction(0.4)
    }
}

/// Every component of a Task Manager's memory, in bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskManagerMemory {
    pub framework_heap: u64,
    pub task_heap: u64,
    pub framework_off_heap: u64,
    pub task_off_heap: u64,
    pub managed: u64,
    pub network: u64,
    pub metaspace: u64,
    pub overhead: u64,
}

impl TaskManagerMemory {
    pub fn from_process_size(process: u64, managed: Managed) -> Result<Self, String> {
        let metaspace = 256 * MIB;
        let overhead = clamp_fraction(process, 0.1, 192 * MIB, GIB);
        let total_flink = process
            .checked_sub(metaspace + overhead)
            .filter(|t| *t > 0)
            .ok_or_else(|| {
                format!(
                    "a Task Manager of {} MiB is too small: JVM metaspace and overhead alone take {} MiB",
                    process / MIB,
                    (metaspace + overhead) / MIB
                )
            })?;
        let framework_heap = 128 * MIB;
        let framework_off_heap = 128 * MIB;
        let task_off_heap = 0;
        let network = clamp_fraction(total_flink, 0.1, 64 * MIB, GIB);
        let managed = match managed {
            Managed::Fraction(f) => multiply(total_flink, f),
            Managed::Size(bytes) => bytes,
        };
        let fixed = framework_heap + framework_off_heap + task_off_heap + network + managed;
        let task_heap = total_flink.checked_sub(fixed).ok_or_else(|| {
            format!(
                "a Task Manager of {} MiB is too small: framework, network and managed memory \
                 ({} MiB) exceed its total Flink memory ({} MiB)",
                process / MIB,
                fixed / MIB,
                total_flink / MIB
            )
        })?;
        Ok(TaskManagerMemory {
            framework_heap,
            task_heap,
            framework_off_heap,
            task_off_heap,
            managed,
            network,
            metaspace,
            overhead,
        })
    }

    pub fn jvm_flags(&self) -> Vec<String> {
        let heap = self.framework_heap + self.task_heap;
        let direct = self.framework_off_heap + self.task_off_heap + self.network;
        vec![
            format!("-Xmx{heap}"),
            format!("-Xms{heap}"),
            format!("-XX:MaxDirectMemorySize={direct}"),
            format!("-XX:MaxMetaspaceSize={}", self.metaspace),
        ]
    }

    pub fn config(&self) -> Vec<(String, String)> {
        [
            (
                "taskmanager.memory.framework.heap.size",
                self.framework_heap,
            ),
            ("taskmanager.memory.task.heap.size", self.task_heap),
            (
                "taskmanager.memory.framework.off-heap.size",
                self.framework_off_heap,
            ),
            ("taskmanager.memory.task.off-heap.size", self.task_off_heap),
            ("taskmanager.memory.managed.size", self.managed),
            ("taskmanager.memory.network.min", self.network),
            ("taskmanager.memory.network.max", self.network),
            ("taskmanager.memory.jvm-metaspace.size", self.metaspace),
            ("taskmanager.memory.jvm-overhead.min", self.overhead),
            ("taskmanager.memory.jvm-overhead.max", self.overhead),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), format!("{v}b")))
        .collect()
    }
}

/// Every component of the Job Manager's memory, in bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobManagerMemory {
    pub heap: u64,
    pub off_heap: u64,
    pub metaspace: u64,
    pub overhead: u64,
}

impl JobManagerMemory {
    pub fn from_process_size(process: u64) -> Result<Self, String> {
        let metaspace = 256 * MIB;
        let off_heap = 128 * MIB;
        let overhead = clamp_fraction(process, 0.1, 192 * MIB, GIB);
        let heap = process
            .checked_sub(metaspace + off_heap + overhead)
            .filter(|h| *h >= 128 * MIB)
            .ok_or_else(|| {
                format!(
                    "a Job Manager of {} MiB is too small: it needs at least {} MiB",
                    process / MIB,
                    (metaspace + off_heap + overhead + 128 * MIB).div_ceil(MIB)
                )
            })?;
        Ok(JobManagerMemory {
            heap,
            off_heap,
            metaspace,
            overhead,
        })
    }

    /// Flink limits the Job Manager's direct memory only when
    /// `jobmanager.memory.enable-jvm-direct-memory-limit` is set; Weir does not.
    pub fn jvm_flags(&self) -> Vec<String> {
        vec![
            format!("-Xmx{}", self.heap),
            format!("-Xms{}", self.heap),
            format!("-XX:MaxMetaspaceSize={}", self.metaspace),
        ]
    }

    pub fn config(&self) -> Vec<(String, String)> {
        [
            ("jobmanager.memory.heap.size", self.heap),
            ("jobmanager.memory.off-heap.size", self.off_heap),
            ("jobmanager.memory.jvm-metaspace.size", self.metaspace),
            ("jobmanager.memory.jvm-overhead.min", self.overhead),
            ("jobmanager.memory.jvm-overhead.max", self.overhead),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), format!("{v}b")))
        .collect()
    }
}

/// Parses a Flink `MemorySize` (`1024`, `64m`, `1 gb`, `512kb`, `100b`).
pub fn parse_memory_size(text: &str) -> Option<u64> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let number: u64 = text[..split].parse().ok()?;
    let unit = text[split..].trim().to_ascii_lowercase();
    let factor = match unit.as_str() {
        "" | "b" | "bytes" => 1,
        "k" | "kb" | "kibibytes" => 1 << 10,
        "m" | "mb" | "mebibytes" => MIB,
        "g" | "gb" | "gibibytes" => GIB,
        "t" | "tb" | "tebibytes" => 1 << 40,
        _ => return None,
    };
    number.checked_mul(factor)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Expected figures: Flink 1.18.1 and 2.2.1's
    // `BashJavaUtils GET_TM_RESOURCE_PARAMS / GET_JM_RESOURCE_PARAMS` with
    // `-D taskmanager.memory.process.size=…` on this machine.
    #[test]
    fn task_manager_1024m_matches_flink() {
        let m = TaskManagerMemory::from_process_size(1024 * MIB, Managed::default()).unwrap();
        assert_eq!(m.task_heap, 26843542);
        assert_eq!(m.managed, 241591914);
        assert_eq!(m.network, 67108864);
        assert_eq!(m.overhead, 201326592);
        assert_eq!(
            m.jvm_flags(),
            [
                "-Xmx161061270",
                "-Xms161061270",
                "-XX:MaxDirectMemorySize=201326592",
                "-XX:MaxMetaspaceSize=268435456"
            ]
        );
    }

    #[test]
    fn task_manager_2048m_matches_flink() {
        let m = TaskManagerMemory::from_process_size(2048 * MIB, Managed::default()).unwrap();
        assert_eq!(m.task_heap, 563714445);
        assert_eq!(m.managed, 665719939);
        assert_eq!(m.network, 166429984);
        assert_eq!(m.overhead, 214748368);
        assert_eq!(m.jvm_flags()[0], "-Xmx697932173");
        assert_eq!(m.jvm_flags()[2], "-XX:MaxDirectMemorySize=300647712");
        let total: u64 = m.framework_heap
            + m.task_heap
            + m.framework_off_heap
            + m.task_off_heap
            + m.managed
            + m.network
            + m.metaspace
            + m.overhead;
        assert_eq!(total, 2048 * MIB);
    }

    #[test]
    fn task_manager_too_small_is_refused_like_flink_refuses_it() {
        let err = TaskManagerMemory::from_process_size(768 * MIB, Managed::default()).unwrap_err();
        assert!(err.contains("too small"), "{err}");
        // Less managed memory makes smaller Task Managers workable.
        assert!(TaskManagerMemory::from_process_size(896 * MIB, Managed::default()).is_err());
        let m = TaskManagerMemory::from_process_size(896 * MIB, Managed::Fraction(0.1)).unwrap();
        assert!(m.task_heap > 0);
        let m = TaskManagerMemory::from_process_size(1024 * MIB, Managed::Size(64 * MIB)).unwrap();
        assert_eq!(m.managed, 64 * MIB);
        assert_eq!(m.task_heap, 576 * MIB - 256 * MIB - 64 * MIB - 64 * MIB);
    }

    #[test]
    fn job_manager_matches_flink() {
        let m = JobManagerMemory::from_process_size(1024 * MIB).unwrap();
        assert_eq!(m.heap, 469762048);
        assert_eq!(
            m.jvm_flags(),
            [
                "-Xmx469762048",
                "-Xms469762048",
                "-XX:MaxMetaspaceSize=268435456"
            ]
        );
        assert_eq!(
            JobManagerMemory::from_process_size(768 * MIB).unwrap().heap,
            201326592
        );
        assert_eq!(
            JobManagerMemory::from_process_size(2048 * MIB)
                .unwrap()
                .heap,
            1530082096
        );
        assert!(JobManagerMemory::from_process_size(512 * MIB).is_err());
    }

    #[test]
    fn memory_sizes_parse_like_flink() {
        assert_eq!(parse_memory_size("1024"), Some(1024));
        assert_eq!(parse_memory_size("64m"), Some(64 * MIB));
        assert_eq!(parse_memory_size("1 gb"), Some(GIB));
        assert_eq!(parse_memory_size("241591914b"), Some(241591914));
        assert_eq!(parse_memory_size("12 parsecs"), None);
        assert_eq!(parse_memory_size(""), None);
    }
}
