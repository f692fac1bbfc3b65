//! The one error type of the application. Every variant has a stable snake_case code that
//! clients (and the console's translations) rely on; the HTTP layer maps it to a status.

use chrono::{DateTime, Utc};
use hotline_domain::conflict::Conflict;
use hotline_domain::{FieldError, FieldErrors};
use sea_orm::DbErr;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// One or more fields are wrong; nothing was changed.
    #[error("validation failed")]
    Validation(FieldErrors),
    /// A unique value (username, org code) is taken.
    #[error("already exists")]
    AlreadyExists(FieldError),
    #[error("not signed in")]
    Unauthenticated,
    #[error("session expired")]
    SessionExpired,
    #[error("wrong username or password")]
    InvalidCredentials,
    #[error("a one-time code is required")]
    TotpRequired,
    #[error("wrong or reused one-time code")]
    InvalidTotp,
    #[error("account locked")]
    AccountLocked { until: DateTime<Utc> },
    #[error("account disabled")]
    AccountDisabled,
    /// Too many requests (a session's or token's rate) or failed sign-ins from one place.
    #[error("too many requests")]
    TooManyRequests { retry_after_secs: u64 },
    #[error("password change required")]
    PasswordChangeRequired,
    #[error("second factor enrolment required")]
    TotpEnrollmentRequired,
    #[error("forbidden")]
    Forbidden,
    /// A signed request (a federation peer's event) whose signature does not verify.
    #[error("bad signature")]
    BadSignature,
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The request is valid but the current state does not allow it.
    #[error("conflict: {code}")]
    Conflict { code: Conflict, fields: Vec<FieldError> },
    #[error("service unavailable")]
    Unavailable,
    /// The search index is being built; search answers once it is ready.
    #[error("search index rebuilding ({done}/{total})")]
    IndexRebuilding { done: u64, total: u64 },
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl Error {
    /// The stable code clients see.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::Validation(_) => "validation_failed",
            Self::AlreadyExists(_) => "already_exists",
            Self::Unauthenticated => "unauthenticated",
            Self::SessionExpired => "session_expired",
            Self::InvalidCredentials => "invalid_credentials",
            Self::TotpRequired => "totp_required",
            Self::InvalidTotp => "invalid_totp",
            Self::AccountLocked { .. } => "account_locked",
            Self::AccountDisabled => "account_disabled",
            Self::TooManyRequests { .. } => "too_many_requests",
            Self::PasswordChangeRequired => "password_change_required",
            Self::TotpEnrollmentRequired => "totp_enrollment_required",
            Self::Forbidden => "forbidden",
            Self::BadSignature => "bad_signature",
            Self::NotFound(_) => "not_found",
            Self::Conflict { code, .. } => code.as_str(),
            Self::Unavailable => "unavailable",
            Self::IndexRebuilding { .. } => "index_rebuilding",
            Self::Internal(_) => "internal",
        }
    }

    /// Field-level detail, when there is any.
    #[must_use]
    pub fn fields(&self) -> &[FieldError] {
        match self {
            Self::Validation(errors) => errors.as_slice(),
            Self::AlreadyExists(field) => std::slice::from_ref(field),
            Self::Conflict { fields, .. } => fields,
            _ => &[],
        }
    }

    /// For a wait measured on our clock: whole seconds, at least one.
    #[must_use]
    pub fn too_many_requests(wait: chrono::Duration) -> Self {
        let secs = wait.num_seconds() + i64::from(wait.subsec_nanos() > 0);
        Self::TooManyRequests { retry_after_secs: u64::try_from(secs.max(1)).unwrap_or(1) }
    }

    #[must_use]
    pub fn conflict(code: Conflict) -> Self {
        Self::Conflict { code, fields: Vec::new() }
    }
}

impl From<FieldErrors> for Error {
    fn from(errors: FieldErrors) -> Self {
        Self::Validation(errors)
    }
}

impl From<FieldError> for Error {
    fn from(error: FieldError) -> Self {
        Self::Validation(error.into())
    }
}

impl From<DbErr> for Error {
    fn from(err: DbErr) -> Self {
        match err {
            DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => Self::Unavailable,
            // Updates are guarded by the version that was read: no row updated means someone
            // saved (or removed) the record meanwhile.
            DbErr::RecordNotUpdated => Self::conflict(Conflict::ConcurrentUpdate),
            other => Self::Internal(other.into()),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
