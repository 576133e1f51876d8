//! `weir-service`: the catalogue's operations.

/// The service layer's errors: what went wrong, in Weir's terms.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    InUse(String),
    #[error("{member}: {message}")]
    InvalidArgument { member: String, message: String },
    #[error("{0}")]
    ConcurrentModification(String),
    #[error("{0}")]
    CodeValidation(String),
    #[error("{0}")]
    LimitExceeded(String),
    #[error("{0}")]
    TooManyTags(String),
    #[error("{0}")]
    Unsupported(String),
    #[error("internal error: {0}")]
    Internal(String),
}
