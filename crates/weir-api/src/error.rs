//! The API layer's one error type: every refusal Weir sends, as the AWS JSON 1.1
//! protocol spells it. The official clients decode `__type` into the exception
//! the operation declares, so the names here are part of the wire contract.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use weir_service::ServiceError;

/// One AWS error: its shape name (`__type`), HTTP status and message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind:?}: {message}")]
pub struct ApiError {
    pub kind: ErrorKind,
    pub message: String,
}

/// The error shapes Weir answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    // Kinesis Analytics V2 model errors.
    CodeValidation,
    ConcurrentModification,
    InvalidApplicationConfiguration,
    InvalidArgument,
    InvalidRequest,
    LimitExceeded,
    ResourceInUse,
    ResourceNotFound,
    ResourceProvisionedThroughputExceeded,
    ServiceUnavailable,
    TooManyTags,
    UnableToDetectSchema,
    UnsupportedOperation,
    // CloudWatch Logs model errors (ResourceNotFound and ServiceUnavailable
    // are spelled as in Kinesis Analytics V2).
    InvalidParameter,
    // Protocol-level errors every AWS JSON service shares.
    UnknownOperation,
    Serialization,
    MissingAuthenticationToken,
    InvalidSignature,
    UnrecognizedClient,
    IncompleteSignature,
    /// A body above the request limit (`router::MAX_BODY_BYTES`); HTTP 413,
    /// as the service's front end answers.
    RequestEntityTooLarge,
    InternalFailure,
}

impl ErrorKind {
    /// The `__type` value.
    pub fn type_name(self) -> &'static str {
        match self {
            Self::CodeValidation => "CodeValidationException",
            Self::ConcurrentModification => "ConcurrentModificationException",
            Self::InvalidApplicationConfiguration => "InvalidApplicationConfigurationException",
            Self::InvalidArgument => "InvalidArgumentException",
            Self::InvalidRequest => "InvalidRequestException",
            Self::LimitExceeded => "LimitExceededException",
            Self::ResourceInUse => "ResourceInUseException",
            Self::ResourceNotFound => "ResourceNotFoundException",
            Self::ResourceProvisionedThroughputExceeded => {
                "ResourceProvisionedThroughputExceededException"
            }
            Self::ServiceUnavailable => "ServiceUnavailableException",
            Self::TooManyTags => "TooManyTagsException",
            Self::UnableToDetectSchema => "UnableToDetectSchemaException",
            Self::UnsupportedOperation => "UnsupportedOperationException",
            Self::InvalidParameter => "InvalidParameterException",
            Self::UnknownOperation => "UnknownOperationException",
            Self::Serialization => "SerializationException",
            Self::MissingAuthenticationToken => "MissingAuthenticationTokenException",
            Self::InvalidSignature => "InvalidSignatureException",
            Self::UnrecognizedClient => "UnrecognizedClientException",
            Self::IncompleteSignature => "IncompleteSignatureException",
            Self::RequestEntityTooLarge => "RequestEntityTooLargeException",
            Self::InternalFailure => "InternalFailure",
        }
    }

    /// The HTTP status the service uses for it.
    pub fn status(self) -> StatusCode {
        match self {
            Self::MissingAuthenticationToken
            | Self::InvalidSignature
            | Self::UnrecognizedClient
            | Self::IncompleteSignature => StatusCode::FORBIDDEN,
            Self::ServiceUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::RequestEntityTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::InternalFailure => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::BAD_REQUEST,
        }
    }
}

impl ApiError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }

    /// `InvalidArgumentException` naming the member (a dotted path from the
    /// request's top level, e.g. `ApplicationConfiguration.EnvironmentProperties`).
    pub fn invalid_argument(member: &str, problem: impl std::fmt::Display) -> Self {
        Self::new(ErrorKind::InvalidArgument, format!("{member}: {problem}"))
    }

    /// The CloudWatch Logs API's refusal of a request member:
    /// `InvalidParameterException` naming it.
    pub fn invalid_parameter(member: &str, problem: impl std::fmt::Display) -> Self {
        Self::new(ErrorKind::InvalidParameter, format!("{member}: {problem}"))
    }

    pub fn serialization(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Serialization, message)
    }
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        let kind = match &e {
            ServiceError::NotFound(_) => ErrorKind::ResourceNotFound,
            ServiceError::InUse(_) => ErrorKind::ResourceInUse,
            ServiceError::InvalidArgument { .. } => ErrorKind::InvalidArgument,
            ServiceError::ConcurrentModification(_) => ErrorKind::ConcurrentModification,
            ServiceError::CodeValidation(_) => ErrorKind::CodeValidation,
            ServiceError::LimitExceeded(_) => ErrorKind::LimitExceeded,
            ServiceError::TooManyTags(_) => ErrorKind::TooManyTags,
            ServiceError::Unsupported(_) => ErrorKind::UnsupportedOperation,
            ServiceError::InvalidConfiguration(_) => ErrorKind::InvalidApplicationConfiguration,
            ServiceError::InvalidRequest(_) => ErrorKind::InvalidRequest,
            ServiceError::Store(_)
            | ServiceError::Io { .. }
            | ServiceError::MissingVersion { .. } => ErrorKind::InternalFailure,
        };
        if kind == ErrorKind::InternalFailure {
            let chain = cause_chain(&e);
            tracing::error!(error = %chain, "internal failure");
            return ApiError::new(kind, format!("internal error: {chain}"));
        }
        ApiError::new(kind, e.to_string())
    }
}

pub use weir_control::cause_chain;

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({
            "__type": self.kind.type_name(),
            "message": self.message,
        });
        (
            self.kind.status(),
            [
                ("content-type", "application/x-amz-json-1.1"),
                ("x-amzn-errortype", self.kind.type_name()),
            ],
            body.to_string(),
        )
            .into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An error that does not print its cause.
    #[derive(Debug, thiserror::Error)]
    #[error("outer")]
    struct Outer(#[source] std::io::Error);

    #[test]
    fn internal_failures_keep_their_wire_shape_and_say_their_cause() {
        let io = std::io::Error::new(std::io::ErrorKind::PermissionDenied, "no access");
        let e = ApiError::from(ServiceError::Io {
            context: "removing snapshot files /d".into(),
            source: io,
        });
        assert_eq!(e.kind, ErrorKind::InternalFailure);
        assert_eq!(e.kind.type_name(), "InternalFailure");
        assert_eq!(e.kind.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(
            e.message,
            "internal error: removing snapshot files /d: no access"
        );
        let e = ApiError::from(ServiceError::MissingVersion {
            application: "a".into(),
            version: 3,
        });
        assert_eq!(e.kind, ErrorKind::InternalFailure);
    }

    #[test]
    fn the_cause_chain_is_walked_without_repeats() {
        let e = Outer(std::io::Error::other("disk on fire"));
        assert_eq!(cause_chain(&e), "outer: disk on fire");
        let wrapped = std::io::Error::other(Outer(std::io::Error::other("deep")));
        assert_eq!(cause_chain(&wrapped), "outer: deep");
    }
}
