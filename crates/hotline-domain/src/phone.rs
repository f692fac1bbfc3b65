//! Caller numbers: normalised to E.164 so that the same caller is recognised however the
//! switch or the agent wrote the number, and masked for people who need not see it.
//!
//! Chinese dialling adds its own prefixes: `+86`/`0086`/`86`, IP-call prefixes (`17951`,
//! `17911`, `12593`, `17909`), a trunk `0` before area codes and, from some switches, before
//! mobiles. Landlines without an area code get the configured local one.

use std::fmt;

use crate::validation::{FieldError, FieldIssue};

/// IP long-distance prefixes that switches leave in front of the real number.
const IP_PREFIXES: [&str; 5] = ["17951", "17911", "12593", "17909", "17908"];
/// Area codes with two digits (after the trunk 0); all others have three.
const TWO_DIGIT_AREAS: [&str; 9] = ["10", "20", "21", "22", "23", "24", "25", "27", "28"];

/// A normalised number: `+8613800000000` or `+861012345678`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PhoneNumber {
    e164: String,
    kind: PhoneKind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PhoneKind {
    Mobile,
    /// A landline; the area code has this many digits.
    Landline {
        area_digits: usize,
    },
    /// Service numbers such as 12345 or 95598, kept as dialled.
    Service,
}

impl PhoneNumber {
    /// Parses what a caller-id or an agent gives; `default_area` (without the trunk 0, e.g.
    /// `10` for Beijing) completes local landline numbers.
    pub fn parse(raw: &str, default_area: &str) -> Result<Self, FieldError> {
        let invalid = || FieldError::new("caller_phone", FieldIssue::InvalidFormat);
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(FieldError::new("caller_phone", FieldIssue::Required));
        }
        let plus = trimmed.starts_with('+');
        if !trimmed.chars().all(|c| c.is_ascii_digit() || " -()+.".contains(c)) {
            return Err(invalid());
        }
        let mut digits: String = trimmed.chars().filter(char::is_ascii_digit).collect();
        if digits.len() < 3 || digits.len() > 20 {
            return Err(invalid());
        }
        if let Some(rest) = IP_PREFIXES.iter().find_map(|p| digits.strip_prefix(p))
            && rest.len() >= 10
        {
            digits = rest.to_owned();
        }
        if let Some(rest) = digits.strip_prefix("0086") {
            digits = rest.to_owned();
        } else if plus {
            digits = digits.strip_prefix("86").ok_or_else(invalid)?.to_owned();
        } else if digits.len() == 13 && digits.starts_with("861") {
            digits = digits[2..].to_owned();
        }
        // Short service numbers (12345, 110, 95598) are kept as they are.
        if !plus && (3..=6).contains(&digits.len()) && !digits.starts_with('0') {
            return Ok(Self { e164: digits, kind: PhoneKind::Service });
        }
        if digits.len() == 12 && digits.starts_with("01") {
            digits.remove(0);
        }
        if digits.len() == 11 && digits.starts_with('1') {
            if !matches!(digits.as_bytes()[1], b'3'..=b'9') {
                return Err(invalid());
            }
            return Ok(Self { e164: format!("+86{digits}"), kind: PhoneKind::Mobile });
        }
        let national = match digits.strip_prefix('0') {
            Some(rest) => rest.to_owned(),
            None if (7..=8).contains(&digits.len()) => format!("{default_area}{digits}"),
            None => digits,
        };
        let area_digits =
            if TWO_DIGIT_AREAS.iter().any(|a| national.starts_with(a)) { 2 } else { 3 };
        let subscriber = national.len().saturating_sub(area_digits);
        let mobile_like = national.starts_with('1') && !national.starts_with("10");
        if !(7..=8).contains(&subscriber) || mobile_like || national.starts_with('0') {
            return Err(invalid());
        }
        Ok(Self { e164: format!("+86{national}"), kind: PhoneKind::Landline { area_digits } })
    }

    #[must_use]
    pub fn as_e164(&self) -> &str {
        &self.e164
    }

    #[must_use]
    pub const fn kind(&self) -> PhoneKind {
        self.kind
    }

    /// How a unit sees the number: `138****0000` for mobiles, `010****5678` for landlines.
    #[must_use]
    pub fn masked(&self) -> String {
        let national = self.e164.strip_prefix("+86").unwrap_or(&self.e164);
        match self.kind {
            PhoneKind::Mobile => {
                format!("{}****{}", &national[..3], &national[national.len() - 4..])
            }
            PhoneKind::Landline { area_digits } => {
                format!("0{}****{}", &national[..area_digits], &national[national.len() - 4..])
            }
            PhoneKind::Service => national.to_owned(),
        }
    }

    /// The number as people dial it inside China: `13800000000`, `010-12345678`.
    #[must_use]
    pub fn national(&self) -> String {
        let national = self.e164.strip_prefix("+86").unwrap_or(&self.e164);
        match self.kind {
            PhoneKind::Mobile | PhoneKind::Service => national.to_owned(),
            PhoneKind::Landline { area_digits } => {
                format!("0{}-{}", &national[..area_digits], &national[area_digits..])
            }
        }
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.e164)
    }
}

/// A caller's name as units see it: `张*`, `欧阳**`.
#[must_use]
pub fn mask_name(name: &str) -> String {
    let chars: Vec<char> = name.trim().chars().collect();
    match chars.len() {
        0 => String::new(),
        1 => "*".to_owned(),
        n => {
            let keep = if n >= 4 { 2 } else { 1 };
            let mut out: String = chars[..keep].iter().collect();
            out.extend(std::iter::repeat_n('*', n - keep));
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn e164(raw: &str) -> Result<String, FieldIssue> {
        PhoneNumber::parse(raw, "10").map(|p| p.e164).map_err(|e| e.issue)
    }

    #[test]
    fn every_way_of_writing_a_mobile_is_the_same_number() {
        for raw in [
            "13800000000",
            "138 0000 0000",
            "138-0000-0000",
            "+86 138 0000 0000",
            "+8613800000000",
            "008613800000000",
            "8613800000000",
            "013800000000",
            "1795113800000000",
            "12593 13800000000",
        ] {
            assert_eq!(e164(raw).as_deref(), Ok("+8613800000000"), "{raw}");
        }
    }

    #[test]
    fn landlines_get_area_codes() {
        assert_eq!(e164("010-12345678").as_deref(), Ok("+861012345678"));
        assert_eq!(e164("(010) 1234 5678").as_deref(), Ok("+861012345678"));
        assert_eq!(e164("12345678").as_deref(), Ok("+861012345678"), "local number");
        assert_eq!(e164("0571-87654321").as_deref(), Ok("+8657187654321"));
        assert_eq!(e164("+86 571 8765 4321").as_deref(), Ok("+8657187654321"));
        assert_eq!(e164("17951057187654321").as_deref(), Ok("+8657187654321"));
    }

    #[test]
    fn service_numbers_and_garbage() {
        assert_eq!(e164("12345").as_deref(), Ok("12345"));
        assert_eq!(e164("95598").as_deref(), Ok("95598"));
        assert_eq!(e164(""), Err(FieldIssue::Required));
        assert_eq!(e164("not a number"), Err(FieldIssue::InvalidFormat));
        assert_eq!(e164("12800000000"), Err(FieldIssue::InvalidFormat));
        assert_eq!(e164("+1 415 555 0100"), Err(FieldIssue::InvalidFormat));
        assert_eq!(e164("010-123"), Err(FieldIssue::InvalidFormat));
    }

    #[test]
    fn masks_hide_the_middle() {
        let m = PhoneNumber::parse("13812345678", "10").map(|p| (p.masked(), p.national()));
        assert_eq!(m, Ok(("138****5678".to_owned(), "13812345678".to_owned())));
        let l = PhoneNumber::parse("010-87654321", "10").map(|p| (p.masked(), p.national()));
        assert_eq!(l, Ok(("010****4321".to_owned(), "010-87654321".to_owned())));
        assert_eq!(mask_name("张三"), "张*");
        assert_eq!(mask_name("王小明"), "王**");
        assert_eq!(mask_name("欧阳文华"), "欧阳**");
    }

    proptest! {
        #[test]
        fn any_mobile_round_trips_through_its_national_form(n in 3u8..=9, rest in 0u64..1_000_000_000) {
            let raw = format!("1{n}{rest:09}");
            let parsed = PhoneNumber::parse(&raw, "10").map_err(|e| e.issue);
            prop_assert!(parsed.is_ok());
            let parsed = parsed.unwrap();
            prop_assert_eq!(parsed.national(), raw.clone());
            prop_assert_eq!(PhoneNumber::parse(&format!("+86{raw}"), "21").map(|p| p.e164).ok(), Some(parsed.e164.clone()));
            let masked = parsed.masked();
            prop_assert_eq!(&masked[3..7], "****");
            prop_assert_eq!(&masked[7..], &raw[7..]);
        }
    }
}
