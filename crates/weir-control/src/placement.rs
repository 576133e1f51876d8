//! Where an application's job runs: on its own local cluster (the embedded
//! default) or on one of the existing Flink clusters an operator registered
//! (the remote runtime). Placement is decided when the application is
//! started, updated or autoscaled, inside the catalogue's writer lock, so two
//! starts can never both take the last free slots of a cluster.
//!
//! Capacity is Weir's own bookkeeping, not Flink's momentary free slots: a
//! job restarting after a failure briefly frees its slots, and they must not
//! be handed to another application meanwhile. A cluster offers the slots
//! Flink reported when it was registered or last looked at, and optionally a
//! number of KPUs the operator allows Weir to use on it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::{Application, RuntimeEnvironment};

/// The property group through which an application chooses where it runs,
/// and its key: `local`, `auto` (the default) or a registered cluster's name.
pub const PLACEMENT_GROUP: &str = "weir.placement";
pub const PLACEMENT_KEY: &str = "cluster";
/// The name that means "this machine's local runtime".
pub const LOCAL: &str = "local";

/// An existing Flink cluster registered with Weir.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterRecord {
    pub name: String,
    /// Flink's REST API, e.g. `http://10.0.0.2:8081`.
    pub rest_url: String,
    /// The runtime its applications must have (its Flink minor release).
    pub runtime: RuntimeEnvironment,
    /// The exact Flink version the cluster reported.
    pub flink_version: String,
    /// A directory Weir and the cluster both reach at this path: snapshots,
    /// checkpoints and the applications' properties files go here.
    pub savepoint_dir: String,
    /// The most KPUs Weir may place on the cluster; `None`: only slots count.
    pub capacity_kpus: Option<u32>,
    /// Task slots the cluster had when last looked at.
    pub total_slots: u32,
    pub registered_ms: i64,
}

impl ClusterRecord {
    /// The application's directory in the cluster's shared storage: its
    /// snapshots, checkpoints and properties file live under it.
    pub fn app_dir(&self, app: &str) -> std::path::PathBuf {
        std::path::Path::new(&self.savepoint_dir)
            .join("weir")
            .join(app)
    }
}

/// What an application takes of a cluster.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Need {
    /// Slots: the job's parallelism (Flink shares a slot among the
    /// operators of one subtask index).
    pub slots: u32,
    pub kpus: u32,
}

impl Need {
    /// What `app` needs at its current parallelism.
    pub fn of(app: &Application) -> Need {
        Need::at(app, app.config.flink.parallelism.current_parallelism)
    }

    /// What `app` would need at `parallelism`.
    pub fn at(app: &Application, parallelism: u32) -> Need {
        let per_kpu = app
            .config
            .flink
            .parallelism
            .effective()
            .parallelism_per_kpu
            .max(1);
        let parallelism = parallelism.max(1);
        Need {
            slots: parallelism,
            kpus: parallelism.div_ceil(per_kpu),
        }
    }

    fn add(&mut self, other: Need) {
        self.slots += other.slots;
        self.kpus += other.kpus;
    }
}

/// Where the application asked to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Preference {
    /// On a registered cluster of its runtime if there is one (the one it
    /// fits best), else locally.
    Auto,
    Local,
    Cluster(String),
}

impl Preference {
    pub fn of(app: &Application) -> Preference {
        let chosen = app
            .config
            .environment_properties
            .iter()
            .flatten()
            .find(|g| g.id == PLACEMENT_GROUP)
            .and_then(|g| g.properties.iter().find(|(k, _)| k == PLACEMENT_KEY))
            .map(|(_, v)| v.trim().to_string());
        match chosen.as_deref() {
            None | Some("") | Some("auto") => Preference::Auto,
            Some(LOCAL) => Preference::Local,
            Some(name) => Preference::Cluster(name.to_string()),
        }
    }
}

/// Why an application cannot be placed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlacementError {
    #[error("no Flink cluster named {0} is registered (weir clusters list)")]
    UnknownCluster(String),
    #[error("Flink cluster {cluster} runs {has}, the application needs {wants}")]
    WrongRuntime {
        cluster: String,
        has: String,
        wants: String,
    },
    /// No cluster has room: each candidate and what it has free.
    #[error("no registered Flink cluster of runtime {runtime} has room for {slots} slot(s) and {kpus} KPU(s): {detail}")]
    NoRoom {
        runtime: String,
        slots: u32,
        kpus: u32,
        detail: String,
    },
}

/// What each cluster has in use, from the applications placed on it.
pub fn usage<'a>(placed: impl IntoIterator<Item = (&'a str, Need)>) -> BTreeMap<String, Need> {
    let mut used: BTreeMap<String, Need> = BTreeMap::new();
    for (cluster, need) in placed {
        used.entry(cluster.to_string()).or_default().add(need);
    }
    used
}

fn free(c: &ClusterRecord, used: &BTreeMap<String, Need>) -> (i64, Option<i64>) {
    let u = used.get(&c.name).copied().unwrap_or_default();
    (
        i64::from(c.total_slots) - i64::from(u.slots),
        c.capacity_kpus.map(|k| i64::from(k) - i64::from(u.kpus)),
    )
}

fn fits(c: &ClusterRecord, need: Need, used: &BTreeMap<String, Need>) -> bool {
    let (slots, kpus) = free(c, used);
    slots >= i64::from(need.slots) && kpus.is_none_or(|k| k >= i64::from(need.kpus))
}

/// Where an application of `runtime` needing `need` goes: `None` is the
/// local runtime, `Some(name)` a registered cluster. `used` must not count
/// the application itself; `current` is the cluster it runs on now, which
/// it keeps while it fits there (a move is a restart, never a surprise).
/// Among clusters that fit, the one left with the fewest free slots (then
/// KPUs) wins: best-fit bin-packing, which keeps large holes for large jobs.
pub fn place(
    preference: &Preference,
    runtime: RuntimeEnvironment,
    need: Need,
    clusters: &[ClusterRecord],
    used: &BTreeMap<String, Need>,
    current: Option<&str>,
) -> Result<Option<String>, PlacementError> {
    let no_room = |candidates: &[&ClusterRecord]| {
        let detail = candidates
            .iter()
            .map(|c| {
                let (slots, kpus) = free(c, used);
                match kpus {
                    Some(k) => format!(
                        "{} has {} slot(s) and {} KPU(s) free",
                        c.name,
                        slots.max(0),
                        k.max(0)
                    ),
                    None => format!("{} has {} slot(s) free", c.name, slots.max(0)),
                }
            })
            .collect::<Vec<_>>()
            .join("; ");
        PlacementError::NoRoom {
            runtime: runtime.as_str().to_string(),
            slots: need.slots,
            kpus: need.kpus,
            detail,
        }
    };
    match preference {
        Preference::Local => Ok(None),
        Preference::Cluster(name) => {
            let c = clusters
                .iter()
                .find(|c| &c.name == name)
                .ok_or_else(|| PlacementError::UnknownCluster(name.clone()))?;
            if c.runtime != runtime {
                return Err(PlacementError::WrongRuntime {
                    cluster: c.name.clone(),
                    has: c.runtime.as_str().to_string(),
                    wants: runtime.as_str().to_string(),
                });
            }
            if fits(c, need, used) {
                Ok(Some(c.name.clone()))
            } else {
                Err(no_room(&[c]))
            }
        }
        Preference::Auto => {
            let candidates: Vec<&ClusterRecord> =
                clusters.iter().filter(|c| c.runtime == runtime).collect();
            if candidates.is_empty() {
                return Ok(None);
            }
            if let Some(c) = current.and_then(|n| candidates.iter().find(|c| c.name == n)) {
                if fits(c, need, used) {
                    return Ok(Some(c.name.clone()));
                }
            }
            candidates
                .iter()
                .filter(|c| fits(c, need, used))
                .min_by_key(|c| {
                    let (slots, kpus) = free(c, used);
                    (
                        slots - i64::from(need.slots),
                        kpus.unwrap_or(i64::MAX),
                        c.name.clone(),
                    )
                })
                .map(|c| Some(c.name.clone()))
                .ok_or_else(|| no_room(&candidates))
        }
    }
}

/// The largest parallelism up to `wanted` that `app` can have where it is
/// placed (`used` without the application itself): what autoscaling may
/// grow to on a remote cluster.
pub fn largest_fitting(
    app: &Application,
    cluster: &ClusterRecord,
    used: &BTreeMap<String, Need>,
    wanted: u32,
) -> u32 {
    (1..=wanted)
        .rev()
        .find(|p| fits(cluster, Need::at(app, *p), used))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use RuntimeEnvironment::{Flink1_20, Flink2_2};

    fn cluster(
        name: &str,
        runtime: RuntimeEnvironment,
        slots: u32,
        kpus: Option<u32>,
    ) -> ClusterRecord {
        ClusterRecord {
            name: name.into(),
            rest_url: format!("http://{name}:8081"),
            runtime,
            flink_version: "1.20.5".into(),
            savepoint_dir: "/shared".into(),
            capacity_kpus: kpus,
            total_slots: slots,
            registered_ms: 0,
        }
    }

    fn need(slots: u32, kpus: u32) -> Need {
        Need { slots, kpus }
    }

    #[test]
    fn placement_table() {
        let a = cluster("a", Flink1_20, 4, None);
        let b = cluster("b", Flink1_20, 8, Some(3));
        let c = cluster("c", Flink2_2, 16, None);
        let all = vec![a.clone(), b.clone(), c.clone()];
        let used = usage([("a", need(3, 3)), ("b", need(2, 2))]);
        let auto = Preference::Auto;
        let (pc, pz) = (
            Preference::Cluster("c".into()),
            Preference::Cluster("z".into()),
        );
        #[allow(clippy::type_complexity)]
        let table: Vec<(
            &Preference,
            RuntimeEnvironment,
            Need,
            &[ClusterRecord],
            Option<&str>,
            Result<Option<&str>, &str>,
        )> = vec![
            // No cluster of the runtime: local.
            (
                &auto,
                RuntimeEnvironment::Flink1_19,
                need(1, 1),
                &all,
                None,
                Ok(None),
            ),
            (&auto, Flink1_20, need(1, 1), &[], None, Ok(None)),
            (
                &Preference::Local,
                Flink1_20,
                need(1, 1),
                &all,
                None,
                Ok(None),
            ),
            // Best fit: a has 1 slot free, b 6 slots but 1 KPU free.
            (&auto, Flink1_20, need(1, 1), &all, None, Ok(Some("a"))),
            (&auto, Flink1_20, need(2, 1), &all, None, Ok(Some("b"))),
            // b's KPU cap refuses what its slots would take.
            (&auto, Flink1_20, need(2, 2), &all, None, Err("no room")),
            // It stays where it runs while it fits there.
            (&auto, Flink1_20, need(1, 1), &all, Some("b"), Ok(Some("b"))),
            (
                &auto,
                Flink1_20,
                need(4, 4),
                &all,
                Some("b"),
                Err("no room"),
            ),
            (&pc, Flink2_2, need(16, 16), &all, None, Ok(Some("c"))),
            (&pc, Flink2_2, need(17, 17), &all, None, Err("no room")),
            (&pc, Flink1_20, need(1, 1), &all, None, Err("runtime")),
            (&pz, Flink1_20, need(1, 1), &all, None, Err("unknown")),
        ];
        for (i, (pref, runtime, n, clusters, current, want)) in table.into_iter().enumerate() {
            let got = place(pref, runtime, n, clusters, &used, current);
            match (want, got) {
                (Ok(w), Ok(g)) => assert_eq!(g.as_deref(), w, "row {i}"),
                (Err("no room"), Err(PlacementError::NoRoom { .. }))
                | (Err("runtime"), Err(PlacementError::WrongRuntime { .. }))
                | (Err("unknown"), Err(PlacementError::UnknownCluster(_))) => {}
                (w, g) => panic!("row {i}: wanted {w:?}, got {g:?}"),
            }
        }
    }

    #[test]
    fn no_room_says_what_each_cluster_has_free() {
        let a = cluster("a", Flink1_20, 2, Some(2));
        let used = usage([("a", need(2, 2))]);
        let e = place(&Preference::Auto, Flink1_20, need(1, 1), &[a], &used, None).unwrap_err();
        assert_eq!(
            e.to_string(),
            "no registered Flink cluster of runtime FLINK-1_20 has room for 1 slot(s) and 1 KPU(s): a has 0 slot(s) and 0 KPU(s) free"
        );
    }

    #[test]
    fn usage_sums_per_cluster() {
        let used = usage([("a", need(1, 1)), ("a", need(2, 1)), ("b", need(4, 2))]);
        assert_eq!(used["a"], need(3, 2));
        assert_eq!(used["b"], need(4, 2));
    }
}
