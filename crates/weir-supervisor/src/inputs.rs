//! What the runtime's backends are given of the catalogue: lines for an
//! application's log, and a read-only view of where applications should
//! run. The backends know only the two narrow traits
//! ([`AppLog`], [`Placements`]); this is the one place they meet the
//! catalogue, given to them when they are made.

use std::sync::Arc;

use weir_control::model::LogLevel;
use weir_control::placement::ClusterRecord;
use weir_runtime::backend::{AppLog, Placements};
use weir_service::{Catalogue, LOGGER};

/// The catalogue, seen by a backend.
pub struct CatalogueView(pub Arc<Catalogue>);

impl AppLog for CatalogueView {
    fn log(&self, app: &str, level: LogLevel, line: String) {
        self.0.log(app, level, LOGGER, line);
    }
}

impl Placements for CatalogueView {
    fn desired(&self, app: &str) -> Option<String> {
        self.0.entry_of(app).and_then(|e| e.job.placement.clone())
    }

    fn cluster(&self, name: &str) -> Option<ClusterRecord> {
        self.0.cluster(name)
    }
}
