//! The password policy (MLPS level 3 defaults, all configurable).
//!
//! Length, character classes, no username inside, and not a common password. The common list
//! covers English top passwords and the pinyin favourites that English lists miss
//! (`woaini1314`, `zhangsan123`); a password whose letters are a listed word wrapped in digits or
//! symbols (`Woaini@2026`) counts as common too.

use std::collections::HashSet;
use std::sync::OnceLock;

use serde::Deserialize;

use crate::validation::{FieldError, FieldIssue};

#[derive(Clone, Debug, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct PasswordPolicy {
    pub min_length: usize,
    /// How many of lower case, upper case, digits and symbols must appear.
    pub min_classes: usize,
    /// Long enough for passphrases (ASVS 6.2.9); never truncated.
    pub max_length: usize,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        Self { min_length: 8, min_classes: 3, max_length: 128 }
    }
}

fn common_passwords() -> &'static HashSet<&'static str> {
    static LIST: OnceLock<HashSet<&'static str>> = OnceLock::new();
    LIST.get_or_init(|| {
        include_str!("common_passwords.txt")
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty() && !line.starts_with('#'))
            .collect()
    })
}

fn is_common(password: &str) -> bool {
    let lower = password.to_lowercase();
    let list = common_passwords();
    if list.contains(lower.as_str()) {
        return true;
    }
    let core = lower.trim_matches(|c: char| !c.is_alphabetic());
    !core.is_empty() && list.contains(core)
}

impl PasswordPolicy {
    /// Every rule the password breaks, reported on `field`.
    pub fn check(&self, field: &str, password: &str, username: &str) -> Result<(), FieldError> {
        let length = password.chars().count();
        if length < self.min_length {
            return Err(
                FieldError::new(field, FieldIssue::PasswordTooShort).with_limit(self.min_length)
            );
        }
        if length > self.max_length {
            return Err(
                FieldError::new(field, FieldIssue::PasswordTooLong).with_limit(self.max_length)
            );
        }
        let classes = [
            password.chars().any(|c| c.is_lowercase()),
            password.chars().any(|c| c.is_uppercase()),
            password.chars().any(|c| c.is_ascii_digit()),
            password.chars().any(|c| !c.is_alphanumeric()),
        ]
        .into_iter()
        .filter(|present| *present)
        .count();
        if classes < self.min_classes {
            return Err(FieldError::new(field, FieldIssue::PasswordTooFewClasses)
                .with_limit(self.min_classes));
        }
        let username = username.trim().to_lowercase();
        if username.chars().count() >= 3 && password.to_lowercase().contains(&username) {
            return Err(FieldError::new(field, FieldIssue::PasswordContainsUsername));
        }
        if is_common(password) {
            return Err(FieldError::new(field, FieldIssue::PasswordTooCommon));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn issue(password: &str, username: &str) -> Option<FieldIssue> {
        PasswordPolicy::default().check("password", password, username).err().map(|e| e.issue)
    }

    #[test]
    fn each_rule_is_enforced() {
        assert_eq!(issue("Ab1!", "x"), Some(FieldIssue::PasswordTooShort));
        assert_eq!(issue(&"Ab1!".repeat(40), "x"), Some(FieldIssue::PasswordTooLong));
        assert_eq!(issue("abcdefgh12", "x"), Some(FieldIssue::PasswordTooFewClasses));
        assert_eq!(issue("Xq9!street_a1", "street_a1"), Some(FieldIssue::PasswordContainsUsername));
        assert_eq!(issue("Rk7#vLp2q", "street_a1"), None);
    }

    #[test]
    fn pinyin_favourites_are_refused() {
        for password in
            ["woaini1314", "zhangsan123", "Aa123456", "Woaini@1314", "P@ssw0rd", "Zhangsan@2026!"]
        {
            let got = issue(password, "someone");
            assert!(
                matches!(
                    got,
                    Some(FieldIssue::PasswordTooCommon | FieldIssue::PasswordTooFewClasses)
                ),
                "{password} was accepted: {got:?}"
            );
        }
        assert_eq!(issue("Woaini@1314", "someone"), Some(FieldIssue::PasswordTooCommon));
        assert_eq!(issue("Aa123456", "someone"), Some(FieldIssue::PasswordTooCommon));
    }

    #[test]
    fn the_demo_password_passes() {
        assert_eq!(issue("Demo@12345", "agent"), None);
    }

    #[test]
    fn chinese_characters_count_as_symbols() {
        assert_eq!(issue("热线Abc12345", "x"), None);
    }
}
