//! HTTP: one `POST /` endpoint that authenticates, parses `X-Amz-Target` and
//! dispatches by its prefix — `Logs_20140328` to the CloudWatch Logs
//! operations, `WeirAdmin_20261126` to Weir's operator API (`admin`),
//! anything else to the Kinesis Analytics V2 operations
//! (`KinesisAnalytics_20180523`), which refuse a target they do not know;
//! `GET /healthz` for readiness; `GET /metrics` for Prometheus (`metrics`).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use axum::Router;
use weir_service::Catalogue;

use crate::admin::{self, AdminOperation};
use crate::dashboard::{self, Clusters};
use crate::error::{ApiError, ErrorKind};
use crate::logs::{self, LogsOperation};
use crate::operation::Operation;
use crate::session;
use crate::sigv4::{AuthError, Verifier};
use crate::tokens::{self, Tokens};

/// Bodies up to this size are read: a 50 MiB `ZipFileContent` grows by a third
/// in base64, plus the JSON around it.
pub const MAX_BODY_BYTES: usize = 72 * 1024 * 1024;

/// What every request handler shares.
pub struct ApiState {
    pub catalogue: Arc<Catalogue>,
    /// `None` only when the operator explicitly turned authentication off for
    /// a loopback listener.
    pub verifier: Option<Verifier>,
    /// Signs the console's sessions and the Flink dashboard's URLs: under
    /// the verifier's key pairs, or a key of the process without them.
    pub tokens: Tokens,
    /// Where applications' Flink dashboards are (`None`: no runtime, as in
    /// tests of the API alone).
    pub clusters: Option<Arc<dyn Clusters>>,
    /// The dashboard proxy's client (a pool of connections to Job Managers).
    pub http: reqwest::Client,
    /// How soon a presigned dashboard URL must be opened (the service: 180 s).
    pub dashboard_url_validity_secs: i64,
    /// Every application's latest metrics and their last hour (`GET
    /// /metrics`, `DescribeApplicationMetrics`), filled by the collector.
    pub board: Arc<weir_service::Board>,
    /// Who may read `GET /metrics` (decided by the listener's address).
    pub metrics_access: crate::metrics::MetricsAccess,
}

pub fn router(state: Arc<ApiState>) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(crate::metrics::serve))
        .route("/", post(handle).get(crate::console::index))
        .merge(crate::console::routes())
        .route(
            "/console/session",
            get(session::status)
                .post(session::sign_in)
                .delete(session::sign_out),
        )
        .route("/dashboard/{app}", any(dashboard::redirect_to_slash))
        .route("/dashboard/{app}/", any(dashboard::proxy))
        .route("/dashboard/{app}/{*rest}", any(dashboard::proxy))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}

async fn healthz() -> &'static str {
    "ok\n"
}

async fn not_found(method: Method, uri: Uri) -> Response {
    (
        StatusCode::NOT_FOUND,
        format!("Weir serves the Kinesis Analytics V2 and CloudWatch Logs APIs at POST /; there is nothing at {method} {uri}\n"),
    )
        .into_response()
}

impl From<AuthError> for ApiError {
    fn from(e: AuthError) -> Self {
        let kind = match &e {
            AuthError::Missing(_) => ErrorKind::MissingAuthenticationToken,
            AuthError::Incomplete(_) => ErrorKind::IncompleteSignature,
            AuthError::UnknownKey(_) => ErrorKind::UnrecognizedClient,
            AuthError::BadSignature(_) | AuthError::Expired(_) | AuthError::WrongScope(_) => {
                ErrorKind::InvalidSignature
            }
        };
        ApiError::new(kind, e.to_string())
    }
}

async fn handle(
    State(state): State<Arc<ApiState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    // A body that cannot be read (above the limit, or cut off) is refused
    // as an AWS error too, not with axum's plain-text rejection.
    let body = match body {
        Ok(body) => body,
        Err(rejection) => {
            let kind = if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ErrorKind::RequestEntityTooLarge
            } else {
                ErrorKind::Serialization
            };
            let message = format!(
                "the request body could not be read: {} (the limit is {MAX_BODY_BYTES} bytes)",
                rejection.body_text()
            );
            return ApiError::new(kind, message).into_response();
        }
    };
    match serve(&state, &method, &uri, &headers, body).await {
        Ok(response) => response,
        Err(e) => {
            tracing::debug!(kind = e.kind.type_name(), message = %e.message, "request refused");
            e.into_response()
        }
    }
}

async fn serve(
    state: &Arc<ApiState>,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    // Authenticate before looking at anything else, as AWS does: an unsigned
    // caller learns nothing, not even which operations exist. The console's
    // calls carry its session cookie instead of a signature.
    let key_id = if headers.contains_key(session::HEADER) {
        session::identity(state, headers)?
    } else if let Some(verifier) = &state.verifier {
        verifier
            .verify(method, uri, headers, &body, chrono::Utc::now())?
            .access_key_id
    } else {
        tokens::ANONYMOUS.to_string()
    };
    let target = headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if target.starts_with(logs::TARGET_PREFIX) {
        let op = LogsOperation::from_target(target)?;
        return crate::logs::dispatch(state, op, body).await;
    }
    if target.starts_with(admin::TARGET_PREFIX) {
        let op = AdminOperation::from_target(target)?;
        return admin::dispatch(state, op, body).await;
    }
    let op = Operation::from_target(target)?;
    if op == Operation::CreateApplicationPresignedUrl {
        // Signed under the caller's own key: revoking it revokes the URL.
        return dashboard::presign(state, &key_id, headers, body).await;
    }
    crate::handlers::dispatch(state, op, body).await
}
