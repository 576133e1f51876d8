//! The registered Flink clusters of the remote runtime, and where each
//! application is placed. Registering, refreshing and deregistering a
//! cluster, and choosing a placement, all happen under the catalogue's
//! writer lock, so capacity is never promised twice.

use std::collections::BTreeMap;

use weir_control::model::{Application, ApplicationStatus};
use weir_control::placement::{self, ClusterRecord, Need, PlacementError, Preference};

use crate::{Catalogue, ServiceError};

/// A cluster and what Weir has placed on it.
#[derive(Debug, Clone)]
pub struct ClusterUse {
    pub cluster: ClusterRecord,
    pub used: Need,
    /// The applications placed on it that are not READY, by name.
    pub applications: Vec<String>,
}

impl From<PlacementError> for ServiceError {
    fn from(e: PlacementError) -> Self {
        match e {
            PlacementError::NoRoom { .. } => ServiceError::LimitExceeded(e.to_string()),
            PlacementError::UnknownCluster(_) | PlacementError::WrongRuntime { .. } => {
                ServiceError::InvalidConfiguration(e.to_string())
            }
        }
    }
}

/// An application holds its placement's capacity from its start until it
/// is READY again (stopping and deleting jobs still occupy their slots).
pub(crate) fn holds_capacity(status: ApplicationStatus) -> bool {
    !matches!(
        status,
        ApplicationStatus::Ready | ApplicationStatus::RolledBack
    )
}

impl Catalogue {
    pub(crate) fn clusters_read(
        &self,
    ) -> std::sync::RwLockReadGuard<'_, BTreeMap<String, ClusterRecord>> {
        self.clusters.read().unwrap_or_else(|p| p.into_inner())
    }

    /// Every registered cluster.
    pub fn clusters(&self) -> Vec<ClusterRecord> {
        self.clusters_read().values().cloned().collect()
    }

    pub fn cluster(&self, name: &str) -> Option<ClusterRecord> {
        self.clusters_read().get(name).cloned()
    }

    /// Every registered cluster with what is placed on it.
    pub fn cluster_usage(&self) -> Vec<ClusterUse> {
        let mut uses: BTreeMap<String, ClusterUse> = self
            .clusters()
            .into_iter()
            .map(|c| {
                (
                    c.name.clone(),
                    ClusterUse {
                        cluster: c,
                        used: Need::default(),
                        applications: Vec::new(),
                    },
                )
            })
            .collect();
        for e in self.entries() {
            let Some(on) = e.job.placement.as_deref() else {
                continue;
            };
            if let Some(u) = uses.get_mut(on).filter(|_| holds_capacity(e.app.status)) {
                let n = Need::of(&e.app);
                u.used.slots += n.slots;
                u.used.kpus += n.kpus;
                u.applications.push(e.app.name.clone());
            }
        }
        uses.into_values().collect()
    }

    /// Registers an existing Flink cluster (already probed by the caller).
    pub fn register_cluster(&self, cluster: ClusterRecord) -> Result<ClusterRecord, ServiceError> {
        let _w = self.write_lock();
        if cluster.name == placement::LOCAL || cluster.name == "auto" {
            return Err(ServiceError::InvalidArgument {
                member: "Name".into(),
                message: format!("{:?} is reserved (it is a placement choice)", cluster.name),
            });
        }
        if let Some(old) = self.clusters_read().get(&cluster.name) {
            return Err(ServiceError::InUse(format!(
                "a Flink cluster named {} is already registered ({}); remove it first",
                old.name, old.rest_url
            )));
        }
        self.store.save_cluster(&cluster)?;
        self.clusters
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(cluster.name.clone(), cluster.clone());
        tracing::info!(cluster = %cluster.name, url = %cluster.rest_url, "Flink cluster registered");
        Ok(cluster)
    }

    /// Records what a look at a registered cluster found: its version (it
    /// may be upgraded) and its slots, which only grow here. A Task Manager
    /// host lost for a while (or not yet back after the Job Manager was)
    /// does not shrink the capacity applications were placed against:
    /// their jobs wait for it, which Flink and the application log report,
    /// and new applications are not refused for a passing dip.
    pub fn refresh_cluster(
        &self,
        name: &str,
        total_slots: u32,
        flink_version: &str,
    ) -> Result<(), ServiceError> {
        let _w = self.write_lock();
        let Some(mut c) = self.cluster(name) else {
            return Ok(());
        };
        if c.total_slots >= total_slots && c.flink_version == flink_version {
            return Ok(());
        }
        c.total_slots = c.total_slots.max(total_slots);
        c.flink_version = flink_version.to_string();
        self.store.save_cluster(&c)?;
        self.clusters
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(name.to_string(), c);
        Ok(())
    }

    /// Forgets a cluster; refused while applications that are not READY are
    /// placed on it (move them with an update, or stop them, first).
    pub fn deregister_cluster(&self, name: &str) -> Result<ClusterRecord, ServiceError> {
        let _w = self.write_lock();
        let Some(c) = self.cluster(name) else {
            return Err(ServiceError::NotFound(format!(
                "no Flink cluster named {name} is registered"
            )));
        };
        let on: Vec<String> = self
            .entries()
            .into_iter()
            .filter(|e| e.job.placement.as_deref() == Some(name) && holds_capacity(e.app.status))
            .map(|e| format!("{} ({})", e.app.name, e.app.status))
            .collect();
        if !on.is_empty() {
            return Err(ServiceError::InUse(format!(
                "Flink cluster {name} still runs applications: {}; stop them or move them elsewhere (UpdateApplication with property group {} key {}) first",
                on.join(", "),
                placement::PLACEMENT_GROUP,
                placement::PLACEMENT_KEY
            )));
        }
        self.store.delete_cluster(name)?;
        self.clusters
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .remove(name);
        tracing::info!(cluster = %name, "Flink cluster deregistered");
        Ok(c)
    }

    /// What every cluster has in use, without application `except`.
    fn used_without(&self, except: &str) -> BTreeMap<String, Need> {
        let entries = self.entries();
        placement::usage(entries.iter().filter_map(|e| {
            let on = e.job.placement.as_deref()?;
            (e.app.name != except && holds_capacity(e.app.status)).then(|| (on, Need::of(&e.app)))
        }))
    }

    /// Where `app` (about to run this version) goes: `current` is where it
    /// runs now, if it runs. Called inside an edit, under the writer lock.
    pub(crate) fn choose_placement(
        &self,
        app: &Application,
        current: Option<&str>,
    ) -> Result<Option<String>, ServiceError> {
        let clusters = self.clusters();
        let used = self.used_without(&app.name);
        Ok(placement::place(
            &Preference::of(app),
            app.runtime,
            Need::of(app),
            &clusters,
            &used,
            current,
        )?)
    }

    /// The largest parallelism up to `wanted` that `app` can grow to where
    /// it is placed (`wanted` itself on the local runtime).
    pub(crate) fn room_to_grow(&self, app: &Application, on: Option<&str>, wanted: u32) -> u32 {
        let Some(cluster) = on.and_then(|n| self.cluster(n)) else {
            return wanted;
        };
        let used = self.used_without(&app.name);
        placement::largest_fitting(app, &cluster, &used, wanted)
    }
}
