//! Staff user accounts.

use serde::Serialize;

use crate::validation::{FieldError, FieldIssue, bounded_text};

/// A login name: 3–32 characters of `a-z 0-9 _ . -`, stored in lower case so that `Agent` and
/// `agent` cannot both exist.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
#[serde(transparent)]
pub struct Username(String);

impl Username {
    pub const MIN_LEN: usize = 3;
    pub const MAX_LEN: usize = 32;

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let value = bounded_text("username", raw, Self::MIN_LEN, Self::MAX_LEN)?.to_lowercase();
        let valid = value
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '.' | '-'));
        if !valid || !value.starts_with(|c: char| c.is_ascii_alphanumeric()) {
            return Err(FieldError::new("username", FieldIssue::InvalidFormat));
        }
        Ok(Self(value))
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The name shown to colleagues, e.g. `王芳`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(transparent)]
pub struct DisplayName(String);

impl DisplayName {
    pub const MAX_LEN: usize = 50;

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        bounded_text("display_name", raw, 1, Self::MAX_LEN).map(Self)
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_lower_case_and_plain() {
        assert_eq!(Username::parse(" Street_A1 ").map(|u| u.0), Ok("street_a1".to_owned()));
        assert_eq!(Username::parse("ab").unwrap_err().issue, FieldIssue::TooShort);
        assert_eq!(Username::parse("王小芳").unwrap_err().issue, FieldIssue::InvalidFormat);
        assert_eq!(Username::parse("_admin").unwrap_err().issue, FieldIssue::InvalidFormat);
        assert_eq!(Username::parse("a b c").unwrap_err().issue, FieldIssue::InvalidFormat);
    }
}
