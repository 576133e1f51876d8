//! Registered Flink clusters, looked at on a schedule: the runtime probes
//! them (does each answer, with how many slots and which Flink) and does its
//! housekeeping there; what they answered is recorded through the
//! catalogue, whose placement counts on the slots (Task Managers come and
//! go).

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;
use weir_runtime::backend::Runtime;

use crate::Supervisor;

impl<R: Runtime> Supervisor<R> {
    /// Looks at the registered clusters every `every` until `stop` is
    /// cancelled.
    pub async fn run_cluster_looks(self: Arc<Self>, every: Duration, stop: CancellationToken) {
        crate::repeat(every, &stop, || self.look_at_clusters()).await
    }

    /// One look at every registered cluster.
    pub async fn look_at_clusters(&self) {
        let clusters = self.catalogue.clusters();
        for (name, answer) in self.runtime.look_at_clusters(&clusters).await {
            let Ok(probe) = answer else { continue };
            if let Err(e) =
                self.catalogue
                    .refresh_cluster(&name, probe.total_slots, &probe.flink_version)
            {
                tracing::warn!(cluster = %name, error = %e, "recording the cluster's slots");
            }
        }
    }
}
