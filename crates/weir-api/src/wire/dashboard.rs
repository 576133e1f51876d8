//! CreateApplicationPresignedUrl on the wire.

use serde::{Deserialize, Serialize};

use super::check::Check;
use super::decode;
use super::requests::APPLICATION_NAME;
use crate::error::ApiError;

/// The session length when the request names none: twelve hours, as the
/// service documents.
pub const DEFAULT_SESSION_SECS: i64 = 43_200;
/// `SessionExpirationDurationInSeconds`: (min, max).
pub(super) const SESSION_EXPIRATION: (i64, i64) = (1800, 43_200);
/// `UrlType`.
pub(super) const URL_TYPES: &[&str] = &["FLINK_DASHBOARD_URL", "ZEPPELIN_UI_URL"];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateApplicationPresignedUrlRequest {
    pub application_name: String,
    pub session_secs: i64,
}

impl CreateApplicationPresignedUrlRequest {
    pub fn parse(body: &[u8]) -> Result<Self, ApiError> {
        #[derive(Deserialize)]
        #[serde(rename_all = "PascalCase")]
        struct Raw {
            application_name: Option<String>,
            url_type: Option<String>,
            session_expiration_duration_in_seconds: Option<i64>,
        }
        let raw: Raw = decode(body)?;
        let c = Check::root();
        let application_name =
            c.req_str("ApplicationName", raw.application_name, APPLICATION_NAME)?;
        let url_type = c.req_keyword("UrlType", raw.url_type, URL_TYPES)?;
        if url_type != "FLINK_DASHBOARD_URL" {
            return Err(c.fail(
                "UrlType",
                "ZEPPELIN_UI_URL is for Studio notebooks, which Weir does not run; use FLINK_DASHBOARD_URL",
            ));
        }
        let session_secs = c
            .int(
                "SessionExpirationDurationInSeconds",
                raw.session_expiration_duration_in_seconds,
                SESSION_EXPIRATION.0,
                SESSION_EXPIRATION.1,
            )?
            .unwrap_or(DEFAULT_SESSION_SECS);
        Ok(Self {
            application_name,
            session_secs,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateApplicationPresignedUrlResponse {
    pub authorized_url: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    #[test]
    fn presigned_url_requests_are_checked() {
        assert_eq!(
            CreateApplicationPresignedUrlRequest::parse(
                br#"{"ApplicationName":"a","UrlType":"FLINK_DASHBOARD_URL"}"#
            )
            .unwrap(),
            CreateApplicationPresignedUrlRequest {
                application_name: "a".into(),
                session_secs: DEFAULT_SESSION_SECS
            }
        );
        assert_eq!(
            CreateApplicationPresignedUrlRequest::parse(
                br#"{"ApplicationName":"a","UrlType":"FLINK_DASHBOARD_URL","SessionExpirationDurationInSeconds":1800}"#
            )
            .unwrap()
            .session_secs,
            1800
        );
        for (body, text) in [
            (
                r#"{"UrlType":"FLINK_DASHBOARD_URL"}"#,
                "ApplicationName: is required",
            ),
            (r#"{"ApplicationName":"a"}"#, "UrlType: is required"),
            (r#"{"ApplicationName":"a","UrlType":"GRAFANA"}"#, "UrlType:"),
            (
                r#"{"ApplicationName":"a","UrlType":"ZEPPELIN_UI_URL"}"#,
                "Studio notebooks",
            ),
            (
                r#"{"ApplicationName":"a","UrlType":"FLINK_DASHBOARD_URL","SessionExpirationDurationInSeconds":1799}"#,
                "between 1800 and 43200",
            ),
            (
                r#"{"ApplicationName":"a","UrlType":"FLINK_DASHBOARD_URL","SessionExpirationDurationInSeconds":43201}"#,
                "between 1800 and 43200",
            ),
        ] {
            let e = CreateApplicationPresignedUrlRequest::parse(body.as_bytes()).unwrap_err();
            assert_eq!(e.kind, ErrorKind::InvalidArgument, "{body}");
            assert!(e.message.contains(text), "{body}: {}", e.message);
        }
    }
}
