//! HTTP: one `POST /` endpoint that authenticates, parses `X-Amz-Target` and
//! dispatches by its prefix — `Logs_20140328` to the CloudWatch Logs
//! operations, `WeirAdmin_20261126` to Weir's operator API (`admin`),
//! anything else to the Kinesis Analytics V2 operations
//! (`KinesisAnalytics_20180523`), which refuse a target they do not know;
//! `GET /healthz` for readiness.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use weir_service::Catalogue;

use crate::admin::{self, AdminOperation};
use crate::error::{ApiError, ErrorKind};
use crate::logs::{self, LogsOperation};
use crate::operation::Operation;
use crate::sigv4::{AuthError, Verifier};

/// Bodies up to this size are read: a 50 MiB `ZipFileContent` grows by a third
/// in base64, plus the JSON around it.
pub const MAX_BODY_BYTES: usize = 72 * 1024 * 1024;

/// What every request handler shares.
pub struct ApiState {
    pub catalogue: Arc<Catalogue>,
    /// `None` only when the operator explicitly turned authentication off for
    /// a loopback listener.
    pub verifier: Option<Verifier>,
}

pub fn router(state: Arc<ApiState>) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/", post(handle))
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
    body: Bytes,
) -> Response {
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
    // caller learns nothing, not even which operations exist.
    if let Some(verifier) = &state.verifier {
        verifier.verify(method, uri, headers, &body, chrono::Utc::now())?;
    }
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
    crate::handlers::dispatch(state, op, body).await
}
