//! The Flink dashboard of a running application, through Weir.
//!
//! `CreateApplicationPresignedUrl` (UrlType `FLINK_DASHBOARD_URL`) answers
//! `http://<host>/dashboard/<app>/?weir-session=<secs>&weir-token=<token>`,
//! which, as the service documents, must be opened within three minutes.
//! Opening it trades the token for a session cookie scoped to
//! `/dashboard/<app>/` that lasts `SessionExpirationDurationInSeconds`, and
//! redirects to the dashboard itself. Every later request under that path
//! needs the cookie, and is proxied to the application's Job Manager, whose
//! ports stay on loopback: Flink's web UI uses relative URLs, so it works
//! under the prefix unchanged.
//!
//! Through Weir the dashboard is read-only (GET and HEAD): cancelling a job
//! or uploading a jar there would go around the API and its records.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use weir_control::model::ApplicationStatus;

use crate::error::{ApiError, ErrorKind};
use crate::handlers::ok;
use crate::router::ApiState;
use crate::tokens::{self, Purpose};
use crate::wire::{CreateApplicationPresignedUrlRequest, CreateApplicationPresignedUrlResponse};

/// Where dashboards are served.
pub const PREFIX: &str = "/dashboard";
const COOKIE: &str = "weir_dashboard";
const TOKEN_PARAM: &str = "weir-token";
const SESSION_PARAM: &str = "weir-session";
/// Flink answers its dashboard's requests quickly or not at all.
const UPSTREAM_TIMEOUT: Duration = Duration::from_secs(30);

/// Finds an application's Flink REST API (which also serves the dashboard).
/// Implemented over the runtime by the binary: the API layer knows no
/// clusters.
pub trait Clusters: Send + Sync + 'static {
    fn rest_url<'a>(
        &'a self,
        app: &'a str,
    ) -> Pin<Box<dyn Future<Output = Option<String>> + Send + 'a>>;

    /// Asks the Flink cluster at `rest_url` for its version, Task Managers
    /// and slots (before it is registered); `Err` says why it cannot.
    fn probe<'a>(
        &'a self,
        rest_url: &'a str,
    ) -> Pin<Box<dyn Future<Output = Result<crate::wire::ClusterHealth, String>> + Send + 'a>>;

    /// What the last look at registered cluster `name` found.
    fn health(&self, name: &str) -> Option<crate::wire::ClusterHealth>;
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// CreateApplicationPresignedUrl, for the caller who signed with `key_id`.
pub async fn presign(
    state: &ApiState,
    key_id: &str,
    headers: &HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let req = CreateApplicationPresignedUrlRequest::parse(&body)?;
    let app = state
        .catalogue
        .describe_application(&req.application_name)?;
    if matches!(
        app.status,
        ApplicationStatus::Ready | ApplicationStatus::Deleting
    ) {
        return Err(ApiError::new(
            ErrorKind::ResourceInUse,
            format!(
                "Application {} is {}: its Flink dashboard exists only while it runs",
                app.name,
                app.status.as_str()
            ),
        ));
    }
    let subject = url_subject(&app.name, req.session_secs);
    let token = state
        .tokens
        .issue(
            Purpose::DashboardUrl,
            &subject,
            key_id,
            now() + state.dashboard_url_validity_secs,
        )
        .ok_or_else(|| ApiError::new(ErrorKind::UnrecognizedClient, "Unknown access key id"))?;
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| !h.is_empty() && h.bytes().all(|b| b.is_ascii_graphic()))
        .unwrap_or("127.0.0.1");
    let scheme = match headers
        .get("x-forwarded-proto")
        .and_then(|h| h.to_str().ok())
    {
        Some("https") => "https",
        _ => "http",
    };
    ok(&CreateApplicationPresignedUrlResponse {
        authorized_url: format!(
            "{scheme}://{host}{PREFIX}/{}/?{SESSION_PARAM}={}&{TOKEN_PARAM}={token}",
            app.name, req.session_secs
        ),
    })
}

fn url_subject(app: &str, session_secs: i64) -> String {
    format!("{app}|{session_secs}")
}

fn refuse(status: StatusCode, text: impl Into<String>) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("{}\n", text.into()),
    )
        .into_response()
}

/// `/dashboard/<app>` → `/dashboard/<app>/`, keeping the query.
pub async fn redirect_to_slash(Path(app): Path<String>, uri: Uri) -> Response {
    let query = uri.query().map(|q| format!("?{q}")).unwrap_or_default();
    redirect(&format!("{PREFIX}/{app}/{query}"), None)
}

fn redirect(location: &str, cookie: Option<String>) -> Response {
    let mut r = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(location) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    if let Some(c) = cookie.and_then(|c| HeaderValue::from_str(&c).ok()) {
        r.headers_mut().insert(header::SET_COOKIE, c);
    }
    r
}

fn query_param<'a>(uri: &'a Uri, name: &str) -> Option<&'a str> {
    uri.query()?
        .split('&')
        .filter_map(|p| p.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// Everything under `/dashboard/<app>/`.
pub async fn proxy(
    State(state): State<Arc<ApiState>>,
    Path(params): Path<Vec<(String, String)>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let Some(app) = params
        .iter()
        .find(|(k, _)| k == "app")
        .map(|(_, v)| v.clone())
    else {
        return refuse(StatusCode::NOT_FOUND, "No application named");
    };
    let base = format!("{PREFIX}/{app}/");

    // Opening a presigned URL: the token becomes a session cookie.
    if let Some(token) = query_param(&uri, TOKEN_PARAM) {
        let secs = query_param(&uri, SESSION_PARAM)
            .and_then(|s| s.parse::<i64>().ok())
            .filter(|s| (1800..=43_200).contains(s));
        let Some(secs) = secs else {
            return refuse(StatusCode::FORBIDDEN, "This dashboard URL is malformed");
        };
        return match state.tokens.check(
            Purpose::DashboardUrl,
            &url_subject(&app, secs),
            token,
            now(),
        ) {
            Ok(key_id) => {
                let Some(session) = state.tokens.issue(
                    Purpose::DashboardSession,
                    &app,
                    &key_id,
                    now() + secs,
                ) else {
                    return refuse(StatusCode::FORBIDDEN, "Unknown access key id");
                };
                let cookie = format!(
                    "{COOKIE}={session}; Path={base}; HttpOnly; SameSite=Lax; Max-Age={secs}"
                );
                redirect(&base, Some(cookie))
            }
            Err(e) => refuse(
                StatusCode::FORBIDDEN,
                format!(
                    "This Flink dashboard URL is not valid ({e}). A presigned URL must be opened within {} s: ask for a new one with CreateApplicationPresignedUrl.",
                    state.dashboard_url_validity_secs
                ),
            ),
        };
    }

    let session = tokens::cookie(&headers, COOKIE).ok_or(tokens::TokenError::Malformed);
    if let Err(e) = session.and_then(|s| {
        state
            .tokens
            .check(Purpose::DashboardSession, &app, s, now())
    }) {
        return refuse(
            StatusCode::FORBIDDEN,
            format!(
                "No valid dashboard session for application {app} ({e}): open a URL from CreateApplicationPresignedUrl"
            ),
        );
    }
    if method != Method::GET && method != Method::HEAD {
        return refuse(
            StatusCode::METHOD_NOT_ALLOWED,
            "The Flink dashboard is read-only through Weir: change the application through the API",
        );
    }
    let Some(clusters) = &state.clusters else {
        return refuse(
            StatusCode::SERVICE_UNAVAILABLE,
            "This server runs no clusters",
        );
    };
    let Some(rest_url) = clusters.rest_url(&app).await else {
        return refuse(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("Application {app} has no running Flink cluster now"),
        );
    };
    // The raw (still percent-encoded) path after the prefix, and the query.
    let rest = uri.path().strip_prefix(&base).unwrap_or("");
    let target = match uri.query() {
        Some(q) => format!("{}/{rest}?{q}", rest_url.trim_end_matches('/')),
        None => format!("{}/{rest}", rest_url.trim_end_matches('/')),
    };
    forward(&state.http, method, &target, &headers).await
}

async fn forward(
    http: &reqwest::Client,
    method: Method,
    target: &str,
    headers: &HeaderMap,
) -> Response {
    let mut request = http.request(method, target).timeout(UPSTREAM_TIMEOUT);
    for name in [
        header::ACCEPT,
        header::IF_NONE_MATCH,
        header::IF_MODIFIED_SINCE,
    ] {
        if let Some(v) = headers.get(&name) {
            request = request.header(name, v);
        }
    }
    let upstream = match request.send().await {
        Ok(r) => r,
        Err(e) => {
            return refuse(
                StatusCode::BAD_GATEWAY,
                format!("The application's Flink Job Manager did not answer: {e}"),
            )
        }
    };
    let status = upstream.status();
    let mut out = Response::builder().status(status.as_u16());
    for name in [
        header::CONTENT_TYPE,
        header::CACHE_CONTROL,
        header::ETAG,
        header::LAST_MODIFIED,
    ] {
        if let Some(v) = upstream.headers().get(&name) {
            out = out.header(name, v);
        }
    }
    match upstream.bytes().await {
        Ok(body) => out
            .body(Body::from(body))
            .unwrap_or_else(|_| StatusCode::BAD_GATEWAY.into_response()),
        Err(e) => refuse(
            StatusCode::BAD_GATEWAY,
            format!("Reading the Flink Job Manager's answer failed: {e}"),
        ),
    }
}
