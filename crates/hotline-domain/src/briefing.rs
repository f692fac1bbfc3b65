//! The leaders' daily briefing (要情摘报): compiled from agents' excerpts (拟摘), published once
//! and then read as it was published; leaders instruct (批示) on its items' tickets.

use chrono::NaiveDate;

crate::code_enum! {
    pub enum BriefingState {
        /// The compilers are still editing it; leaders do not see it.
        Draft = "draft",
        /// Out to the leaders and frozen.
        Published = "published",
    }
}

/// Limits on what a briefing holds.
pub const MAX_TITLE: usize = 200;
pub const MAX_FOREWORD: usize = 4_000;
pub const MAX_HEADLINE: usize = 200;
pub const MAX_BODY: usize = 4_000;
pub const MAX_ITEMS: usize = 100;

/// The title a new briefing gets when its compiler gives none.
#[must_use]
pub fn default_title(day: NaiveDate) -> String {
    format!("要情摘报 {}", day.format("%Y-%m-%d"))
}

/// The days whose excerpts an editor is shown for a briefing on `day`: the week up to it.
#[must_use]
pub fn excerpt_window(day: NaiveDate) -> (NaiveDate, NaiveDate) {
    (day - chrono::Days::new(6), day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_and_windows_follow_the_day() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
        assert_eq!(default_title(day), "要情摘报 2026-12-07");
        assert_eq!(excerpt_window(day), (NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(), day));
    }
}
