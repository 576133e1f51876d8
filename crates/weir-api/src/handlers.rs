//! One function per implemented operation: decode and check the request
//! (`wire`), call the catalogue (`weir-service`), encode the answer.
//!
//! Reads of the in-memory index run inline: they only clone an `Arc` out of
//! it. Mutations commit an fsync'd SQLite transaction, so they run on the
//! blocking pool and never stall the threads serving reads; so do reads of
//! what only the store keeps (operation records, snapshots, the log), which
//! wait for the store's one connection while a writer holds it.

use std::sync::Arc;

use axum::body::Bytes;
use axum::response::{IntoResponse, Response};
use weir_service::{Catalogue, Expectation, OperationFilter, StartRequest};

use crate::error::{ApiError, ErrorKind};
use crate::operation::{Operation, Support};
use crate::router::ApiState;
use crate::wire::WireEnum;
use crate::wire::{self, *};

/// The List operations' page size when `Limit` is absent.
const DEFAULT_PAGE: usize = 50;

pub(crate) fn ok<T: serde::Serialize>(body: &T) -> Result<Response, ApiError> {
    let bytes = wire::encode(body)?;
    Ok(([("content-type", "application/x-amz-json-1.1")], bytes).into_response())
}

/// Runs a mutation (or a read of the store) on the blocking pool.
pub(crate) async fn blocking<T: Send + 'static>(
    catalogue: &Arc<Catalogue>,
    f: impl FnOnce(&Catalogue) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let catalogue = catalogue.clone();
    tokio::task::spawn_blocking(move || f(&catalogue))
        .await
        .map_err(|e| {
            ApiError::new(
                ErrorKind::InternalFailure,
                format!("request task failed: {e}"),
            )
        })?
}

fn expectation(version_id: Option<u64>, conditional_token: Option<String>) -> Expectation {
    Expectation {
        version_id,
        conditional_token,
    }
}

pub async fn dispatch(state: &ApiState, op: Operation, body: Bytes) -> Result<Response, ApiError> {
    let catalogue = &state.catalogue;
    if op.support() != Support::Implemented {
        return Err(op.unsupported());
    }
    match op {
        Operation::DescribeApplication => {
            let req = DescribeApplicationRequest::parse(&body)?;
            let entry = catalogue.require(&req.application_name)?;
            let mut response = DescribeApplicationResponse::new(&entry.app);
            if req.include_additional_details {
                response.application_detail.weir_placement = entry
                    .placement()
                    .map(|cluster| wire::WeirPlacement { cluster });
            }
            ok(&response)
        }
        Operation::ListApplications => {
            // The model declares only InvalidRequestException here; the SDKs
            // cannot decode anything else into a typed error.
            let req = ListApplicationsRequest::parse(&body).map_err(|e| match e.kind {
                ErrorKind::InvalidArgument => ApiError::new(ErrorKind::InvalidRequest, e.message),
                _ => e,
            })?;
            let limit = req.limit.map_or(DEFAULT_PAGE, |l| l as usize);
            let page = catalogue.list_applications_on(
                req.next_token.as_deref(),
                limit,
                req.weir_cluster.as_deref(),
            );
            ok(&ListApplicationsResponse::new(
                page.items.iter().map(|a| &**a),
                page.next,
            ))
        }
        Operation::CreateApplication => {
            let req: CreateApplicationRequest = wire::decode(&body)?;
            let (new, tags) =
                req.into_domain(catalogue.realm(), catalogue.default_maintenance_start())?;
            let entry = blocking(catalogue, move |c| Ok(c.create_application(new, tags)?)).await?;
            ok(&CreateApplicationResponse::new(&entry.app))
        }
        Operation::UpdateApplication => {
            let req: UpdateApplicationRequest = wire::decode(&body)?;
            let mut input = req.into_domain()?;
            if input.s3_location_update.is_some() {
                // A partial S3 location is completed from the version the
                // caller expects to update; if that is stale, the catalogue's
                // version/token check refuses the update anyway.
                let current = catalogue.describe_application(&input.name)?;
                input.complete_code_location(&current)?;
            }
            let expect = expectation(input.current_version_id, input.conditional_token.clone());
            let (app, op) = blocking(catalogue, move |c| {
                Ok(c.update_application(&input.name, &expect, input.update)?)
            })
            .await?;
            ok(&UpdateApplicationResponse::new(&app, Some(op.id.as_str())))
        }
        Operation::DeleteApplication => {
            let req = DeleteApplicationRequest::parse(&body)?;
            blocking(catalogue, move |c| {
                Ok(c.delete_application(&req.application_name, req.create_timestamp_ms)?)
            })
            .await?;
            ok(&DeleteApplicationResponse::default())
        }
        Operation::ListApplicationVersions => {
            let req = ListApplicationVersionsRequest::parse(&body)?;
            let start = match &req.next_token {
                None => None,
                Some(t) => Some(t.parse::<u64>().map_err(|_| {
                    ApiError::invalid_argument("NextToken", "is not a token this operation issued")
                })?),
            };
            let limit = req.limit.map_or(DEFAULT_PAGE, |l| l as usize);
            let page = catalogue.list_versions(&req.application_name, start, limit)?;
            ok(&ListApplicationVersionsResponse {
                application_version_summaries: page
                    .items
                    .iter()
                    .map(|(v, s)| ApplicationVersionSummary {
                        application_version_id: *v,
                        application_status: s.wire(),
                    })
                    .collect(),
                next_token: page.next,
            })
        }
        Operation::DescribeApplicationVersion => {
            let req = DescribeApplicationVersionRequest::parse(&body)?;
            let version =
                catalogue.describe_version(&req.application_name, req.application_version_id)?;
            ok(&DescribeApplicationVersionResponse::new(&version))
        }
        Operation::TagResource => {
            let req = TagResourceRequest::parse(&body)?;
            blocking(catalogue, move |c| {
                Ok(c.tag_resource(&req.resource_arn, req.tags)?)
            })
            .await?;
            ok(&TagResourceResponse::default())
        }
        Operation::UntagResource => {
            let req = UntagResourceRequest::parse(&body)?;
            blocking(catalogue, move |c| {
                Ok(c.untag_resource(&req.resource_arn, &req.tag_keys)?)
            })
            .await?;
            ok(&UntagResourceResponse::default())
        }
        Operation::ListTagsForResource => {
            let req = ListTagsForResourceRequest::parse(&body)?;
            let tags = catalogue.list_tags(&req.resource_arn)?;
            ok(&ListTagsForResourceResponse::new(&tags))
        }
        Operation::AddApplicationCloudWatchLoggingOption => {
            let req = AddApplicationCloudWatchLoggingOptionRequest::parse(&body)?;
            let expect = expectation(req.current_version_id, req.conditional_token.clone());
            let app = blocking(catalogue, move |c| {
                Ok(c.add_logging_option(&req.application_name, &expect, req.log_stream_arn)?)
            })
            .await?;
            ok(&AddApplicationCloudWatchLoggingOptionResponse::new(
                &app, None,
            ))
        }
        Operation::DeleteApplicationCloudWatchLoggingOption => {
            let req = DeleteApplicationCloudWatchLoggingOptionRequest::parse(&body)?;
            let expect = expectation(req.current_version_id, req.conditional_token.clone());
            let app = blocking(catalogue, move |c| {
                Ok(c.delete_logging_option(
                    &req.application_name,
                    &expect,
                    &req.cloud_watch_logging_option_id,
                )?)
            })
            .await?;
            ok(&DeleteApplicationCloudWatchLoggingOptionResponse::new(
                &app, None,
            ))
        }
        Operation::UpdateApplicationMaintenanceConfiguration => {
            let req = UpdateApplicationMaintenanceConfigurationRequest::parse(&body)?;
            let app = blocking(catalogue, move |c| {
                Ok(c.update_maintenance_window(
                    &req.application_name,
                    &req.maintenance_window_start,
                )?)
            })
            .await?;
            ok(&UpdateApplicationMaintenanceConfigurationResponse::new(
                &app,
            ))
        }
        Operation::StartApplication => {
            let req = StartApplicationRequest::parse(&body)?;
            let op = blocking(catalogue, move |c| {
                let run = StartRequest {
                    restore: req.restore,
                    allow_non_restored_state: req.allow_non_restored_state,
                };
                Ok(c.start_application(&req.application_name, run)?)
            })
            .await?;
            ok(&StartApplicationResponse {
                operation_id: &op.id,
            })
        }
        Operation::StopApplication => {
            let req = StopApplicationRequest::parse(&body)?;
            let op = blocking(catalogue, move |c| {
                Ok(c.stop_application(&req.application_name, req.force)?)
            })
            .await?;
            ok(&StopApplicationResponse {
                operation_id: &op.id,
            })
        }
        Operation::DescribeApplicationOperation => {
            let req = DescribeApplicationOperationRequest::parse(&body)?;
            let op = blocking(catalogue, move |c| {
                Ok(c.describe_operation(&req.application_name, &req.operation_id)?)
            })
            .await?;
            let now = chrono::Utc::now().timestamp_millis();
            ok(&DescribeApplicationOperationResponse::new(&op, now))
        }
        Operation::ListApplicationOperations => {
            let req = ListApplicationOperationsRequest::parse(&body)?;
            let limit = req.limit.map_or(DEFAULT_PAGE, |l| l as usize);
            let filter = OperationFilter {
                kind: req.operation,
                status: req.operation_status,
            };
            let page = blocking(catalogue, move |c| {
                Ok(c.list_operations(&req.application_name, &filter, req.start, limit)?)
            })
            .await?;
            ok(&ListApplicationOperationsResponse::new(
                &page.items,
                page.next,
            ))
        }
        Operation::RollbackApplication => {
            let req = RollbackApplicationRequest::parse(&body)?;
            let (entry, op) = blocking(catalogue, move |c| {
                Ok(c.rollback_application(&req.application_name, req.current_version_id)?)
            })
            .await?;
            ok(&RollbackApplicationResponse::new(&entry.app, &op.id))
        }
        Operation::CreateApplicationSnapshot => {
            let req = CreateApplicationSnapshotRequest::parse(&body)?;
            blocking(catalogue, move |c| {
                Ok(c.create_snapshot(&req.application_name, &req.snapshot_name)?)
            })
            .await?;
            ok(&CreateApplicationSnapshotResponse::default())
        }
        Operation::ListApplicationSnapshots => {
            let req = ListApplicationSnapshotsRequest::parse(&body)?;
            let limit = req.limit.map_or(DEFAULT_PAGE, |l| l as usize);
            let page = blocking(catalogue, move |c| {
                Ok(c.list_snapshots(&req.application_name, req.start, limit)?)
            })
            .await?;
            ok(&ListApplicationSnapshotsResponse::new(
                &page.items,
                page.next,
            ))
        }
        Operation::DescribeApplicationSnapshot => {
            let req = DescribeApplicationSnapshotRequest::parse(&body)?;
            let snapshot = blocking(catalogue, move |c| {
                Ok(c.describe_snapshot(&req.application_name, &req.snapshot_name)?)
            })
            .await?;
            ok(&DescribeApplicationSnapshotResponse::new(&snapshot))
        }
        Operation::DeleteApplicationSnapshot => {
            let req = DeleteApplicationSnapshotRequest::parse(&body)?;
            blocking(catalogue, move |c| {
                Ok(c.delete_snapshot(
                    &req.application_name,
                    &req.snapshot_name,
                    req.snapshot_creation_timestamp_ms,
                )?)
            })
            .await?;
            ok(&DeleteApplicationSnapshotResponse::default())
        }
        Operation::CreateSnapshot => {
            let req = CreateSnapshotRequest::parse(&body)?;
            let (arn, snap, op) = blocking(catalogue, move |c| {
                let (s, op) =
                    c.create_enhanced_snapshot(&req.application_name, &req.snapshot_name, req.new)?;
                Ok((c.snapshot_arn(&s.name), s, op))
            })
            .await?;
            ok(&SnapshotChangeResponse::new(arn, &snap, &op))
        }
        Operation::DescribeSnapshot => {
            let req = SnapshotNameRequest::parse(&body)?;
            let (arn, snap) = blocking(catalogue, move |c| {
                let s = c.describe_enhanced_snapshot(&req.snapshot_name)?;
                Ok((c.snapshot_arn(&s.name), s))
            })
            .await?;
            ok(&DescribeSnapshotResponse::new(arn, &snap))
        }
        Operation::ListSnapshots => {
            let req = ListSnapshotsRequest::parse(&body)?;
            let limit = req.limit.map_or(DEFAULT_PAGE, |l| l as usize);
            let page = blocking(catalogue, move |c| {
                Ok(c.list_enhanced_snapshots(&req.filter, req.start, limit)?)
            })
            .await?;
            ok(&ListSnapshotsResponse::new(
                |name| catalogue.snapshot_arn(name),
                &page.items,
                page.next,
            ))
        }
        Operation::DeleteSnapshot => {
            let req = DeleteSnapshotRequest::parse(&body)?;
            let (arn, snap, op) = blocking(catalogue, move |c| {
                let (s, op) = c.delete_enhanced_snapshot(&req.snapshot_name, req.created_ms)?;
                Ok((c.snapshot_arn(&s.name), s, op))
            })
            .await?;
            ok(&SnapshotChangeResponse::new(arn, &snap, &op))
        }
        Operation::ExportSnapshot => {
            let req = ExportSnapshotRequest::parse(&body)?;
            let op =
                blocking(catalogue, move |c| {
                    Ok(c.export_enhanced_snapshot(
                        &req.snapshot_name,
                        req.destination,
                        req.encryption,
                    )?)
                })
                .await?;
            ok(&ExportSnapshotResponse::new(&op))
        }
        Operation::ImportSnapshot => {
            let req = ImportSnapshotRequest::parse(&body)?;
            let (arn, snap, op) = blocking(catalogue, move |c| {
                let (s, op) = c.import_enhanced_snapshot(
                    &req.snapshot_name,
                    req.source,
                    req.source_encryption,
                    req.new,
                )?;
                Ok((c.snapshot_arn(&s.name), s, op))
            })
            .await?;
            ok(&SnapshotChangeResponse::new(arn, &snap, &op))
        }
        Operation::DescribeSnapshotOperation => {
            let req = DescribeSnapshotOperationRequest::parse(&body)?;
            let (arn, op) = blocking(catalogue, move |c| {
                let op = c.describe_snapshot_operation(&req.snapshot_name, &req.operation_id)?;
                Ok((c.snapshot_arn(&op.snapshot), op))
            })
            .await?;
            ok(&DescribeSnapshotOperationResponse::new(arn, &op))
        }
        Operation::ListSnapshotOperations => {
            let req = ListSnapshotOperationsRequest::parse(&body)?;
            let limit = req.limit.map_or(DEFAULT_PAGE, |l| l as usize);
            let page = blocking(catalogue, move |c| {
                Ok(c.list_snapshot_operations(&req.snapshot_name, &req.filter, req.start, limit)?)
            })
            .await?;
            ok(&ListSnapshotOperationsResponse::new(&page.items, page.next))
        }
        other => Err(other.unsupported()),
    }
}
