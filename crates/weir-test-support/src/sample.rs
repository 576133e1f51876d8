//! The sample application: a CreateApplication request (AWS JSON) for one
//! of the example jobs (`examples/`: `streaming-count`, `load-control`),
//! its jar inline, its settings in property groups the jobs read
//! (`SinkConfig.output.path`, `SourceConfig.records.per.second`, …), and
//! Weir's knobs of the Flink configuration (checkpoints, parallelism,
//! autoscaling). One builder so every benchmark sends the same shape and
//! says only what differs.

use serde_json::{json, Value};

/// A CreateApplication request being built; [`Sample::request`] makes it.
#[derive(Debug, Clone)]
pub struct Sample {
    name: String,
    runtime: String,
    role: String,
    code_base64: String,
    groups: Vec<(String, Vec<(String, String)>)>,
    /// (interval, minimum pause) in ms; none: the service's default.
    checkpoints: Option<(u64, u64)>,
    parallelism_per_kpu: u32,
    autoscaling: bool,
}

impl Sample {
    /// Application `name` on `runtime` (e.g. `FLINK-1_20`) running the jar
    /// `code_base64`, at parallelism 1, one per KPU, no autoscaling.
    pub fn new(name: &str, runtime: &str, code_base64: &str) -> Sample {
        Sample {
            name: name.to_string(),
            runtime: runtime.to_string(),
            role: "arn:aws:iam::000000000000:role/weir-bench".to_string(),
            code_base64: code_base64.to_string(),
            groups: Vec::new(),
            checkpoints: None,
            parallelism_per_kpu: 1,
            autoscaling: false,
        }
    }

    /// Adds the property group `id` with `pairs`.
    pub fn group(mut self, id: &str, pairs: &[(&str, &str)]) -> Sample {
        self.groups.push((
            id.to_string(),
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        ));
        self
    }

    /// Where the example jobs write their output (`SinkConfig.output.path`).
    pub fn sink(self, output: &std::path::Path) -> Sample {
        self.group(
            "SinkConfig",
            &[("output.path", &output.display().to_string())],
        )
    }

    /// How fast the example jobs' sources emit, and over how many keys
    /// (`SourceConfig`; no `keys`: the job's default).
    pub fn source(self, records_per_second: u32, keys: Option<u32>) -> Sample {
        let rate = records_per_second.to_string();
        match keys {
            Some(keys) => self.group(
                "SourceConfig",
                &[("records.per.second", &rate), ("keys", &keys.to_string())],
            ),
            None => self.group("SourceConfig", &[("records.per.second", &rate)]),
        }
    }

    /// Custom checkpointing: on, every `interval_ms`, at least `min_pause_ms` apart.
    pub fn checkpoints(mut self, interval_ms: u64, min_pause_ms: u64) -> Sample {
        self.checkpoints = Some((interval_ms, min_pause_ms));
        self
    }

    pub fn parallelism_per_kpu(mut self, n: u32) -> Sample {
        self.parallelism_per_kpu = n;
        self
    }

    pub fn autoscaling(mut self, on: bool) -> Sample {
        self.autoscaling = on;
        self
    }

    /// The CreateApplication body.
    pub fn request(&self) -> Value {
        let groups: Vec<Value> = self
            .groups
            .iter()
            .map(|(id, pairs)| {
                let map: serde_json::Map<String, Value> = pairs
                    .iter()
                    .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                    .collect();
                json!({ "PropertyGroupId": id, "PropertyMap": map })
            })
            .collect();
        let mut flink = json!({
            "ParallelismConfiguration": {
                "ConfigurationType": "CUSTOM",
                "Parallelism": 1,
                "ParallelismPerKPU": self.parallelism_per_kpu,
                "AutoScalingEnabled": self.autoscaling
            }
        });
        if let Some((interval, pause)) = self.checkpoints {
            flink["CheckpointConfiguration"] = json!({
                "ConfigurationType": "CUSTOM",
                "CheckpointingEnabled": true,
                "CheckpointInterval": interval,
                "MinPauseBetweenCheckpoints": pause
            });
        }
        json!({
            "ApplicationName": self.name,
            "RuntimeEnvironment": self.runtime,
            "ServiceExecutionRole": self.role,
            "ApplicationConfiguration": {
                "ApplicationCodeConfiguration": {
                    "CodeContentType": "ZIPFILE",
                    "CodeContent": { "ZipFileContent": self.code_base64 }
                },
                "EnvironmentProperties": { "PropertyGroups": groups },
                "FlinkApplicationConfiguration": flink
            }
        })
    }
}

/// Standard base64 with padding (RFC 4648), for `ZipFileContent`: jars,
/// and the fuzz client's zip bombs.
pub fn base64(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> shift & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Writes into `dir` what an imported savepoint must look like to Weir: a
/// `_metadata` that begins with Flink's header (its magic number
/// `0x4960672d`, format version 4) and `state_bytes` of state in files of at
/// most 64 MiB, written in 1 MiB chunks (never held whole). Not a savepoint
/// Flink could restore: for what Weir checks and copies.
pub fn savepoint_shaped_dir(dir: &std::path::Path, state_bytes: u64) -> std::io::Result<()> {
    use std::io::Write;
    const FILE_BYTES: u64 = 64 * 1024 * 1024;
    std::fs::create_dir_all(dir)?;
    let mut meta = 0x4960_672du32.to_be_bytes().to_vec();
    meta.extend(4u32.to_be_bytes());
    meta.extend(b"savepoint-shaped, for tests and benchmarks");
    std::fs::write(dir.join("_metadata"), meta)?;
    let chunk = vec![0x5au8; 1 << 20];
    let mut left = state_bytes;
    let mut i = 0;
    while left > 0 {
        let size = left.min(FILE_BYTES);
        let mut f = std::fs::File::create(dir.join(format!("state-{i}")))?;
        let mut written = 0;
        while written < size {
            let n = (size - written).min(chunk.len() as u64) as usize;
            f.write_all(&chunk[..n])?;
            written += n as u64;
        }
        left -= size;
        i += 1;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        for (plain, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(plain.as_bytes()), encoded, "{plain:?}");
        }
    }

    #[test]
    fn the_request_has_what_was_said_and_nothing_else() {
        let body = Sample::new("a", "FLINK-1_20", "UEs=")
            .group("SinkConfig", &[("output.path", "/tmp/out")])
            .checkpoints(2000, 500)
            .autoscaling(true)
            .request();
        let config = &body["ApplicationConfiguration"];
        assert_eq!(
            config["EnvironmentProperties"]["PropertyGroups"],
            json!([{"PropertyGroupId": "SinkConfig", "PropertyMap": {"output.path": "/tmp/out"}}])
        );
        let flink = &config["FlinkApplicationConfiguration"];
        assert_eq!(flink["CheckpointConfiguration"]["CheckpointInterval"], 2000);
        assert_eq!(
            flink["ParallelismConfiguration"]["AutoScalingEnabled"],
            true
        );
        let plain = Sample::new("a", "FLINK-1_20", "UEs=").request();
        assert!(
            plain["ApplicationConfiguration"]["FlinkApplicationConfiguration"]
                .get("CheckpointConfiguration")
                .is_none()
        );
    }
}
