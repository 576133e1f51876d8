//! `weir-control`: the application model and its lifecycle.
//!
//! **Architecture invariant:** this crate does no IO — no files, no clock, no
//! randomness, no network. Callers pass in time and tokens ([`spec::Stamp`]);
//! everything here is a pure function of its inputs, so it is tested by tables.

pub mod autoscale;
pub mod enhanced;
pub mod lifecycle;
pub mod model;
pub mod operation;
pub mod placement;
pub mod reconcile;
pub mod snapshot;
pub mod spec;
pub mod telemetry;

/// Where applications live: the region and account that appear in their ARNs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Realm {
    pub region: String,
    pub account_id: String,
}

impl Realm {
    /// `arn:aws:kinesisanalytics:REGION:ACCOUNT:application/NAME`
    pub fn application_arn(&self, name: &str) -> String {
        format!(
            "arn:aws:kinesisanalytics:{}:{}:application/{}",
            self.region, self.account_id, name
        )
    }

    /// `arn:aws:kinesisanalytics:REGION:ACCOUNT:snapshot/NAME`: an enhanced
    /// snapshot, which belongs to the account rather than to an application.
    pub fn snapshot_arn(&self, name: &str) -> String {
        format!(
            "arn:aws:kinesisanalytics:{}:{}:snapshot/{}",
            self.region, self.account_id, name
        )
    }

    /// The enhanced snapshot name an ARN of this realm names, if it names one.
    pub fn snapshot_name<'a>(&self, arn: &'a str) -> Option<&'a str> {
        let prefix = format!(
            "arn:aws:kinesisanalytics:{}:{}:snapshot/",
            self.region, self.account_id
        );
        arn.strip_prefix(prefix.as_str())
            .filter(|name| !name.is_empty() && !name.contains('/'))
    }

    /// The application name an ARN of this realm names, if it names one.
    pub fn application_name<'a>(&self, arn: &'a str) -> Option<&'a str> {
        let prefix = format!(
            "arn:aws:kinesisanalytics:{}:{}:application/",
            self.region, self.account_id
        );
        arn.strip_prefix(prefix.as_str())
            .filter(|name| !name.is_empty() && !name.contains('/'))
    }
}

/// What failed, all the way down: `e` and its causes (`source()`), outermost first, joined by `: `. A cause
/// whose text the message already holds (an error that prints its source,
/// as `{context}: {source}` does) is not repeated.
pub fn cause_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let text = c.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        cause = c.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns_round_trip_and_foreign_ones_are_rejected() {
        let realm = Realm {
            region: "us-east-1".into(),
            account_id: "000000000000".into(),
        };
        let arn = realm.application_arn("my-app");
        assert_eq!(
            arn,
            "arn:aws:kinesisanalytics:us-east-1:000000000000:application/my-app"
        );
        assert_eq!(realm.application_name(&arn), Some("my-app"));
        for foreign in [
            "arn:aws:kinesisanalytics:eu-west-1:000000000000:application/my-app",
            "arn:aws:kinesisanalytics:us-east-1:111111111111:application/my-app",
            "arn:aws:kinesisanalytics:us-east-1:000000000000:application/",
            "arn:aws:s3:::bucket",
        ] {
            assert_eq!(realm.application_name(foreign), None, "{foreign}");
        }
        let snap = realm.snapshot_arn("s-1");
        assert_eq!(
            snap,
            "arn:aws:kinesisanalytics:us-east-1:000000000000:snapshot/s-1"
        );
        assert_eq!(realm.snapshot_name(&snap), Some("s-1"));
        assert_eq!(realm.application_name(&snap), None);
        assert_eq!(realm.snapshot_name(&arn), None);
    }
}
