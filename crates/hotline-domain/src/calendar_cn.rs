//! The State Council's official holiday schedules (国务院办公厅 关于部分节假日安排的通知), as seed
//! data for the calendar table. Admins add next year's schedule when it is published each
//! November; a test cross-checks these against the `chinese_holiday` crate.
//!
//! Sources: 2025 — 国办发明电〔2024〕12号 (www.gov.cn/zhengce/content/202411/content_6986382.htm);
//! 2026 — www.gov.cn/zhengce/content/202511/content_7047090.htm.

use chrono::NaiveDate;

use crate::calendar::DayKind;

#[derive(Clone, Copy, Debug)]
pub struct OfficialDay {
    pub y: i32,
    pub m: u32,
    pub d: u32,
    pub kind: DayKind,
    pub name: &'static str,
}

impl OfficialDay {
    #[must_use]
    pub fn date(&self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.y, self.m, self.d).unwrap_or_default()
    }
}

/// Years fully covered below.
pub const YEARS: [i32; 2] = [2025, 2026];

const fn off(y: i32, m: u32, d: u32, name: &'static str) -> OfficialDay {
    OfficialDay { y, m, d, kind: DayKind::Holiday, name }
}

const fn work(y: i32, m: u32, d: u32, name: &'static str) -> OfficialDay {
    OfficialDay { y, m, d, kind: DayKind::MakeupWorkday, name }
}

pub const OFFICIAL: &[OfficialDay] = &[
    // 2025
    off(2025, 1, 1, "元旦"),
    work(2025, 1, 26, "春节调休"),
    off(2025, 1, 28, "春节"),
    off(2025, 1, 29, "春节"),
    off(2025, 1, 30, "春节"),
    off(2025, 1, 31, "春节"),
    off(2025, 2, 1, "春节"),
    off(2025, 2, 2, "春节"),
    off(2025, 2, 3, "春节"),
    off(2025, 2, 4, "春节"),
    work(2025, 2, 8, "春节调休"),
    off(2025, 4, 4, "清明节"),
    off(2025, 4, 5, "清明节"),
    off(2025, 4, 6, "清明节"),
    work(2025, 4, 27, "劳动节调休"),
    off(2025, 5, 1, "劳动节"),
    off(2025, 5, 2, "劳动节"),
    off(2025, 5, 3, "劳动节"),
    off(2025, 5, 4, "劳动节"),
    off(2025, 5, 5, "劳动节"),
    off(2025, 5, 31, "端午节"),
    off(2025, 6, 1, "端午节"),
    off(2025, 6, 2, "端午节"),
    work(2025, 9, 28, "国庆节调休"),
    off(2025, 10, 1, "国庆节、中秋节"),
    off(2025, 10, 2, "国庆节、中秋节"),
    off(2025, 10, 3, "国庆节、中秋节"),
    off(2025, 10, 4, "国庆节、中秋节"),
    off(2025, 10, 5, "国庆节、中秋节"),
    off(2025, 10, 6, "国庆节、中秋节"),
    off(2025, 10, 7, "国庆节、中秋节"),
    off(2025, 10, 8, "国庆节、中秋节"),
    work(2025, 10, 11, "国庆节调休"),
    // 2026
    off(2026, 1, 1, "元旦"),
    off(2026, 1, 2, "元旦"),
    off(2026, 1, 3, "元旦"),
    work(2026, 1, 4, "元旦调休"),
    work(2026, 2, 14, "春节调休"),
    off(2026, 2, 15, "春节"),
    off(2026, 2, 16, "春节"),
    off(2026, 2, 17, "春节"),
    off(2026, 2, 18, "春节"),
    off(2026, 2, 19, "春节"),
    off(2026, 2, 20, "春节"),
    off(2026, 2, 21, "春节"),
    off(2026, 2, 22, "春节"),
    off(2026, 2, 23, "春节"),
    work(2026, 2, 28, "春节调休"),
    off(2026, 4, 4, "清明节"),
    off(2026, 4, 5, "清明节"),
    off(2026, 4, 6, "清明节"),
    off(2026, 5, 1, "劳动节"),
    off(2026, 5, 2, "劳动节"),
    off(2026, 5, 3, "劳动节"),
    off(2026, 5, 4, "劳动节"),
    off(2026, 5, 5, "劳动节"),
    work(2026, 5, 9, "劳动节调休"),
    off(2026, 6, 19, "端午节"),
    off(2026, 6, 20, "端午节"),
    off(2026, 6, 21, "端午节"),
    work(2026, 9, 20, "国庆节调休"),
    off(2026, 9, 25, "中秋节"),
    off(2026, 9, 26, "中秋节"),
    off(2026, 9, 27, "中秋节"),
    off(2026, 10, 1, "国庆节"),
    off(2026, 10, 2, "国庆节"),
    off(2026, 10, 3, "国庆节"),
    off(2026, 10, 4, "国庆节"),
    off(2026, 10, 5, "国庆节"),
    off(2026, 10, 6, "国庆节"),
    off(2026, 10, 7, "国庆节"),
    work(2026, 10, 10, "国庆节调休"),
];

#[cfg(test)]
mod tests {
    use chrono::{Datelike as _, Duration, NaiveDate, Weekday};

    use super::*;

    /// Every day of both years agrees with an independently maintained schedule.
    #[test]
    fn the_seed_agrees_with_chinese_holiday() {
        let mut date = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
        let last = NaiveDate::from_ymd_opt(2026, 12, 25).unwrap();
        while date <= last {
            let ours = OFFICIAL
                .iter()
                .find(|d| d.date() == date)
                .map(|d| d.kind.is_workday())
                .unwrap_or(!matches!(date.weekday(), Weekday::Sat | Weekday::Sun));
            let key = (
                u16::try_from(date.year()).unwrap(),
                u8::try_from(date.month()).unwrap(),
                u8::try_from(date.day()).unwrap(),
            );
            let theirs = chinese_holiday::chinese_holiday(key).is_workday();
            assert_eq!(ours, theirs, "{date}");
            date += Duration::days(1);
        }
    }
}
