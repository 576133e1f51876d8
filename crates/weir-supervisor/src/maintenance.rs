//! The maintenance scheduler: inside each application's daily window (the
//! one UpdateApplicationMaintenanceConfiguration sets, 8 hours), a RUNNING
//! application whose runtime wants maintenance (a newer patch release of its
//! Flink) goes through MAINTENANCE: snapshot, new JVMs, restore, RUNNING.
//! Outside its window nothing is touched; an operator can start one at any
//! time through the admin API.

use std::sync::Arc;
use std::time::Duration;

use weir_control::model::ApplicationStatus;

use weir_runtime::backend::Runtime;

use crate::Supervisor;

impl<R: Runtime> Supervisor<R> {
    /// Looks every `interval` for applications due for maintenance inside
    /// their window, until `stop` is cancelled.
    pub async fn run_maintenance(
        self: Arc<Self>,
        interval: Duration,
        stop: tokio_util::sync::CancellationToken,
    ) {
        crate::repeat(interval, &stop, || self.maintenance_round()).await
    }

    /// One pass over the catalogue.
    pub async fn maintenance_round(&self) {
        let now = weir_service::now_millis();
        for entry in self.catalogue.entries() {
            let app = &entry.app;
            let idle = app.status == ApplicationStatus::Running && entry.job.operation_id.is_none();
            if !idle || !app.maintenance.contains(now) {
                continue;
            }
            let Some(reason) = self.runtime.maintenance_due(app).await else {
                continue;
            };
            match self.catalogue.start_maintenance(&app.name, &reason) {
                Ok(op) => {
                    tracing::info!(app = %app.name, operation = %op.id, %reason, "maintenance started")
                }
                Err(e) => tracing::debug!(app = %app.name, error = %e, "maintenance not started"),
            }
        }
    }
}
