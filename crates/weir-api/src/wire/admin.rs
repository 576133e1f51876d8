//! Weir's operator API on the wire (`WeirAdmin_20261126.<Op>`): shapes in
//! the style of the AWS model, checked the same way, with the same errors.

use serde::Deserialize;

use super::check::Check;
use super::decode;
use super::operations::OperationIdResponse;
use super::requests::APPLICATION_NAME;
use crate::error::ApiError;

/// StartApplicationMaintenance: `{"ApplicationName": "..."}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartApplicationMaintenanceRequest {
    pub application_name: String,
}

impl StartApplicationMaintenanceRequest {
    pub fn parse(body: &[u8]) -> Result<Self, ApiError> {
        #[derive(Deserialize)]
        #[serde(rename_all = "PascalCase")]
        struct Raw {
            application_name: Option<String>,
        }
        let raw: Raw = decode(body)?;
        Ok(Self {
            application_name: Check::root().req_str(
                "ApplicationName",
                raw.application_name,
                APPLICATION_NAME,
            )?,
        })
    }
}

/// `{"OperationId": "..."}`, as StartApplication answers.
pub type StartApplicationMaintenanceResponse<'a> = OperationIdResponse<'a>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    #[test]
    fn maintenance_requests_name_an_application() {
        assert_eq!(
            StartApplicationMaintenanceRequest::parse(br#"{"ApplicationName":"orders"}"#).unwrap(),
            StartApplicationMaintenanceRequest {
                application_name: "orders".into()
            }
        );
        for (body, kind, text) in [
            (
                "",
                ErrorKind::InvalidArgument,
                "ApplicationName: is required",
            ),
            (
                "{}",
                ErrorKind::InvalidArgument,
                "ApplicationName: is required",
            ),
            (
                r#"{"ApplicationName":"a b"}"#,
                ErrorKind::InvalidArgument,
                "ApplicationName: \"a b\" does not match",
            ),
            (
                r#"{"ApplicationName":7}"#,
                ErrorKind::Serialization,
                "member ApplicationName has the wrong type",
            ),
        ] {
            let err = StartApplicationMaintenanceRequest::parse(body.as_bytes()).unwrap_err();
            assert_eq!(err.kind, kind, "{body}: {err}");
            assert!(err.message.contains(text), "{body}: {err}");
        }
    }
}
