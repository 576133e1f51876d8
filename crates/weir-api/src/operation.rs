//! Every operation of the Kinesis Analytics V2 model, parsed from
//! `X-Amz-Target`. One closed enum so that routing is total: an operation is
//! either handled, or refused by name as not (yet) supported.

use crate::error::{ApiError, ErrorKind};

/// The JSON 1.1 target prefix of the Kinesis Analytics V2 API.
pub const TARGET_PREFIX: &str = "KinesisAnalytics_20180523";

macro_rules! operations {
    ($($op:ident),* $(,)?) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Operation { $($op),* }

        impl Operation {
            pub const ALL: &'static [Operation] = &[$(Operation::$op),*];

            pub fn name(self) -> &'static str {
                match self { $(Operation::$op => stringify!($op)),* }
            }
        }
    };
}

operations! {
    AddApplicationCloudWatchLoggingOption,
    AddApplicationInput,
    AddApplicationInputProcessingConfiguration,
    AddApplicationOutput,
    AddApplicationReferenceDataSource,
    AddApplicationVpcConfiguration,
    CreateApplication,
    CreateApplicationPresignedUrl,
    CreateApplicationSnapshot,
    CreateSnapshot,
    DeleteApplication,
    DeleteApplicationCloudWatchLoggingOption,
    DeleteApplicationInputProcessingConfiguration,
    DeleteApplicationOutput,
    DeleteApplicationReferenceDataSource,
    DeleteApplicationSnapshot,
    DeleteApplicationVpcConfiguration,
    DeleteSnapshot,
    DescribeApplication,
    DescribeApplicationOperation,
    DescribeApplicationSnapshot,
    DescribeApplicationVersion,
    DescribeSnapshot,
    DescribeSnapshotOperation,
    DiscoverInputSchema,
    ExportSnapshot,
    ImportSnapshot,
    ListApplicationOperations,
    ListApplicationSnapshots,
    ListApplicationVersions,
    ListApplications,
    ListSnapshotOperations,
    ListSnapshots,
    ListTagsForResource,
    RollbackApplication,
    StartApplication,
    StopApplication,
    TagResource,
    UntagResource,
    UpdateApplication,
    UpdateApplicationMaintenanceConfiguration,
}

/// How Weir stands towards an operation it does not implement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Support {
    Implemented,
    /// Only meaningful for SQL-1_0 applications, which Weir will never run.
    SqlOnly,
    /// Needs a part of AWS Weir does not have yet (a VPC, a presigned console URL).
    NotApplicable,
}

impl Operation {
    /// Parses a full `X-Amz-Target` header value.
    pub fn from_target(target: &str) -> Result<Operation, ApiError> {
        let unknown = || {
            ApiError::new(
                ErrorKind::UnknownOperation,
                format!("Unknown operation {target:?}: expected {TARGET_PREFIX}.<Operation>"),
            )
        };
        let name = target
            .strip_prefix(TARGET_PREFIX)
            .and_then(|rest| rest.strip_prefix('.'))
            .ok_or_else(unknown)?;
        Operation::ALL
            .iter()
            .copied()
            .find(|op| op.name() == name)
            .ok_or_else(unknown)
    }

    pub fn support(self) -> Support {
        use Operation::*;
        match self {
            CreateApplication
            | DescribeApplication
            | ListApplications
            | UpdateApplication
            | DeleteApplication
            | TagResource
            | UntagResource
            | ListTagsForResource
            | ListApplicationVersions
            | DescribeApplicationVersion
            | AddApplicationCloudWatchLoggingOption
            | DeleteApplicationCloudWatchLoggingOption
            | UpdateApplicationMaintenanceConfiguration
            | StartApplication
            | StopApplication
            | DescribeApplicationOperation
            | ListApplicationOperations
            | CreateApplicationSnapshot
            | ListApplicationSnapshots
            | DescribeApplicationSnapshot
            | DeleteApplicationSnapshot
            | RollbackApplication
            | CreateApplicationPresignedUrl
            | CreateSnapshot
            | DescribeSnapshot
            | ListSnapshots
            | DeleteSnapshot
            | ExportSnapshot
            | ImportSnapshot
            | DescribeSnapshotOperation
            | ListSnapshotOperations => Support::Implemented,
            AddApplicationInput
            | AddApplicationInputProcessingConfiguration
            | AddApplicationOutput
            | AddApplicationReferenceDataSource
            | DeleteApplicationInputProcessingConfiguration
            | DeleteApplicationOutput
            | DeleteApplicationReferenceDataSource
            | DiscoverInputSchema => Support::SqlOnly,
            AddApplicationVpcConfiguration | DeleteApplicationVpcConfiguration => {
                Support::NotApplicable
            }
        }
    }

    /// The refusal for an operation Weir does not implement.
    pub fn unsupported(self) -> ApiError {
        let message = match self.support() {
            Support::Implemented => format!("{} is implemented", self.name()),
            Support::SqlOnly => format!(
                "{} is not supported: it applies only to SQL-1_0 (Kinesis Data Analytics for SQL) applications, which Weir does not run",
                self.name()
            ),
            Support::NotApplicable => format!(
                "{} is not implemented yet in Weir: applications run on the host's own network, without VPCs",
                self.name()
            ),
        };
        ApiError::new(ErrorKind::UnsupportedOperation, message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_parses_from_its_target() {
        assert_eq!(Operation::ALL.len(), 41);
        for op in Operation::ALL {
            let target = format!("{TARGET_PREFIX}.{}", op.name());
            assert_eq!(Operation::from_target(&target).unwrap(), *op);
        }
    }

    #[test]
    fn unknown_targets_are_refused() {
        for bad in [
            "",
            "KinesisAnalytics_20180523",
            "KinesisAnalytics_20180523.",
            "KinesisAnalytics_20180523.Nope",
            "KinesisAnalytics_20150814.CreateApplication",
            "Logs_20140328.GetLogEvents",
        ] {
            let err = Operation::from_target(bad).unwrap_err();
            assert_eq!(err.kind, ErrorKind::UnknownOperation, "{bad:?}");
        }
    }

    #[test]
    fn every_snapshot_operation_is_implemented() {
        use Operation::*;
        for op in [
            CreateApplicationSnapshot,
            ListApplicationSnapshots,
            DescribeApplicationSnapshot,
            DeleteApplicationSnapshot,
            RollbackApplication,
            CreateSnapshot,
            DeleteSnapshot,
            DescribeSnapshot,
            DescribeSnapshotOperation,
            ExportSnapshot,
            ImportSnapshot,
            ListSnapshotOperations,
            ListSnapshots,
        ] {
            assert_eq!(op.support(), Support::Implemented, "{op:?}");
        }
    }

    #[test]
    fn unsupported_messages_say_why() {
        assert!(Operation::AddApplicationInput
            .unsupported()
            .message
            .contains("SQL-1_0"));
        assert!(Operation::AddApplicationVpcConfiguration
            .unsupported()
            .message
            .contains("VPC"));
    }
}
