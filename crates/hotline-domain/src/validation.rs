//! Field-level validation results shared by every rule that checks user input.

use serde::Serialize;

/// What is wrong with one field. Stable snake_case codes; the HTTP layer translates them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FieldIssue {
    Required,
    TooShort,
    TooLong,
    InvalidFormat,
    InvalidValue,
    UnknownField,
    WrongType,
    AlreadyExists,
    NotFound,
    /// An org cannot move under itself or one of its descendants.
    CreatesCycle,
    PasswordTooShort,
    PasswordTooLong,
    PasswordTooFewClasses,
    PasswordContainsUsername,
    PasswordTooCommon,
    PasswordReused,
    Inactive,
    NotAllowed,
}

impl FieldIssue {
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::Required => "required",
            Self::TooShort => "too_short",
            Self::TooLong => "too_long",
            Self::InvalidFormat => "invalid_format",
            Self::InvalidValue => "invalid_value",
            Self::UnknownField => "unknown_field",
            Self::WrongType => "wrong_type",
            Self::AlreadyExists => "already_exists",
            Self::NotFound => "not_found",
            Self::CreatesCycle => "creates_cycle",
            Self::PasswordTooShort => "password_too_short",
            Self::PasswordTooLong => "password_too_long",
            Self::PasswordTooFewClasses => "password_too_few_classes",
            Self::PasswordContainsUsername => "password_contains_username",
            Self::PasswordTooCommon => "password_too_common",
            Self::PasswordReused => "password_reused",
            Self::Inactive => "inactive",
            Self::NotAllowed => "not_allowed",
        }
    }
}

/// One field and what is wrong with it. `limit` carries the bound for length rules so the
/// message can name it ("at most 100 characters").
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    pub field: String,
    pub issue: FieldIssue,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<usize>,
    /// Extra detail that is not translated (e.g. a parser's message for a wrong type).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl FieldError {
    #[must_use]
    pub fn new(field: impl Into<String>, issue: FieldIssue) -> Self {
        Self { field: field.into(), issue, limit: None, detail: None }
    }

    #[must_use]
    pub fn with_limit(mut self, limit: usize) -> Self {
        self.limit = Some(limit);
        self
    }

    #[must_use]
    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    /// The same error reported against another field (a shared parser used for this one).
    #[must_use]
    pub fn renamed(mut self, field: impl Into<String>) -> Self {
        self.field = field.into();
        self
    }
}

/// Collects field errors so a request reports every bad field at once, not only the first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FieldErrors(Vec<FieldError>);

impl FieldErrors {
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, error: FieldError) {
        self.0.push(error);
    }

    /// Runs a parser and keeps its value, or records its error and returns `None`.
    pub fn take<T>(&mut self, result: Result<T, FieldError>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(error) => {
                self.0.push(error);
                None
            }
        }
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(())` when nothing was recorded.
    pub fn into_result(self) -> Result<(), Self> {
        if self.0.is_empty() { Ok(()) } else { Err(self) }
    }

    #[must_use]
    pub fn into_vec(self) -> Vec<FieldError> {
        self.0
    }

    #[must_use]
    pub fn as_slice(&self) -> &[FieldError] {
        &self.0
    }
}

impl From<FieldError> for FieldErrors {
    fn from(error: FieldError) -> Self {
        Self(vec![error])
    }
}

impl FromIterator<FieldError> for FieldErrors {
    fn from_iter<I: IntoIterator<Item = FieldError>>(iter: I) -> Self {
        Self(iter.into_iter().collect())
    }
}

/// Trims `raw` and checks its length in characters (not bytes: names are Chinese).
pub fn bounded_text(field: &str, raw: &str, min: usize, max: usize) -> Result<String, FieldError> {
    let value = raw.trim();
    let len = value.chars().count();
    if len == 0 && min > 0 {
        return Err(FieldError::new(field, FieldIssue::Required));
    }
    if len < min {
        return Err(FieldError::new(field, FieldIssue::TooShort).with_limit(min));
    }
    if len > max {
        return Err(FieldError::new(field, FieldIssue::TooLong).with_limit(max));
    }
    if value.chars().any(char::is_control) {
        return Err(FieldError::new(field, FieldIssue::InvalidFormat));
    }
    Ok(value.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_text_counts_characters_not_bytes() {
        assert_eq!(bounded_text("name", " 东城区 ", 1, 3).as_deref(), Ok("东城区"));
        let err = bounded_text("name", "东城区街道", 1, 3).unwrap_err();
        assert_eq!((err.issue, err.limit), (FieldIssue::TooLong, Some(3)));
        assert_eq!(bounded_text("name", "  ", 1, 3).unwrap_err().issue, FieldIssue::Required);
        assert_eq!(
            bounded_text("name", "a\u{0}b", 1, 3).unwrap_err().issue,
            FieldIssue::InvalidFormat
        );
    }
}
