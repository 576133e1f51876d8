//! The web console's sign-in: the access key pair, checked once, traded for
//! a session cookie that the console's API calls carry instead of a SigV4
//! signature (a browser cannot sign SigV4 without holding the secret in
//! script, and on plain HTTP away from localhost it has no WebCrypto).
//!
//! - `GET /console/session` → `{"AuthRequired", "SignedIn", "AccessKeyId"}`
//! - `POST /console/session` `{"AccessKeyId", "SecretAccessKey"}` → the cookie
//! - `DELETE /console/session` → the cookie cleared
//!
//! The cookie is HttpOnly (no script reads it) and SameSite=Strict (no other
//! site's page sends it); an API call is taken on the cookie only with the
//! `X-Weir-Console` header too, which a cross-site form cannot set.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::error::{ApiError, ErrorKind};
use crate::router::ApiState;
use crate::tokens::{self, Purpose, TokenError};

/// The console's session cookie.
pub const COOKIE: &str = "weir_console";
/// The header that marks an API call as the console's.
pub const HEADER: &str = "x-weir-console";
/// A console session lasts a working day.
const SESSION_SECS: i64 = 12 * 3600;
/// A wrong key pair is answered this much later, so that guessing is slow.
const REFUSAL_DELAY: Duration = Duration::from_millis(250);

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// The access key id of the console session the request carries. Without
/// authentication every request is a session of [`tokens::ANONYMOUS`].
pub fn identity(state: &ApiState, headers: &HeaderMap) -> Result<String, ApiError> {
    if state.verifier.is_none() {
        return Ok(tokens::ANONYMOUS.to_string());
    }
    let Some(token) = tokens::cookie(headers, COOKIE) else {
        return Err(ApiError::new(
            ErrorKind::MissingAuthenticationToken,
            "Sign in to the console: this call carries no console session",
        ));
    };
    state
        .tokens
        .check(Purpose::Console, "", token, now())
        .map_err(|e| {
            let kind = match e {
                TokenError::UnknownKey => ErrorKind::UnrecognizedClient,
                _ => ErrorKind::InvalidSignature,
            };
            ApiError::new(
                kind,
                format!("The console session is not valid ({e}): sign in again"),
            )
        })
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Status {
    auth_required: bool,
    signed_in: bool,
    access_key_id: Option<String>,
}

pub async fn status(State(state): State<Arc<ApiState>>, headers: HeaderMap) -> Response {
    let who = identity(&state, &headers).ok();
    json(&Status {
        auth_required: state.verifier.is_some(),
        signed_in: who.is_some(),
        access_key_id: who.filter(|k| k != tokens::ANONYMOUS),
    })
}

pub async fn sign_in(State(state): State<Arc<ApiState>>, body: Bytes) -> Response {
    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct Request {
        access_key_id: String,
        secret_access_key: String,
    }
    let Ok(req) = serde_json::from_slice::<Request>(&body) else {
        return ApiError::serialization(
            "Expected {\"AccessKeyId\": \"...\", \"SecretAccessKey\": \"...\"}",
        )
        .into_response();
    };
    if state.verifier.is_none() {
        return session_response(&state, tokens::ANONYMOUS);
    }
    if !state
        .tokens
        .check_secret(&req.access_key_id, &req.secret_access_key)
    {
        tokio::time::sleep(REFUSAL_DELAY).await;
        // One answer for an unknown key and a wrong secret: the form does
        // not tell a guesser which half was wrong.
        return ApiError::new(
            ErrorKind::UnrecognizedClient,
            "The access key id or the secret access key is wrong",
        )
        .into_response();
    }
    session_response(&state, &req.access_key_id)
}

fn session_response(state: &ApiState, key_id: &str) -> Response {
    let Some(token) = state
        .tokens
        .issue(Purpose::Console, "", key_id, now() + SESSION_SECS)
    else {
        return ApiError::new(ErrorKind::UnrecognizedClient, "Unknown access key id")
            .into_response();
    };
    let cookie =
        format!("{COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={SESSION_SECS}");
    let mut response = json(&serde_json::json!({ "AccessKeyId": key_id }));
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, v);
    }
    response
}

pub async fn sign_out() -> Response {
    let mut response = json(&serde_json::json!({}));
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static("weir_console=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"),
    );
    response
}

fn json<T: Serialize>(body: &T) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => ([(header::CONTENT_TYPE, "application/json")], bytes).into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}
