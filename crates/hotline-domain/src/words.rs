//! Frequent words (高频词): which words appeals' titles use, per day, so the center sees what
//! the city talks about this week and what it talks about more than last. An appeal counts
//! each word of its title once, on the day it was taken in, like the intake count; the words
//! are cut by the caller (jieba lives outside the domain).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};

use crate::calendar::Calendar;
use crate::ticket::TicketState;

/// Words that say nothing about what is asked (咨询 is in every third title).
pub const STOP_WORDS: [&str; 44] = [
    "咨询",
    "请问",
    "反映",
    "投诉",
    "市民",
    "问题",
    "关于",
    "如何",
    "怎么",
    "怎样",
    "什么",
    "哪里",
    "是否",
    "可以",
    "需要",
    "我们",
    "你们",
    "他们",
    "一下",
    "这个",
    "那个",
    "已经",
    "还是",
    "情况",
    "要求",
    "希望",
    "处理",
    "进行",
    "没有",
    "现在",
    "请求",
    "为何",
    "何时",
    "解决",
    "为什么",
    "能否",
    "能不能",
    "有关",
    "相关",
    "建议",
    "一直",
    "目前",
    "无法",
    "不能",
];

/// The longest word kept (a run of letters longer than this is noise, not a word).
pub const MAX_WORD_CHARS: usize = 16;
/// At most this many words of one title are counted.
pub const MAX_WORDS_PER_TITLE: usize = 12;

/// Whether a cut piece of text is a word worth searching for: two characters or more, not a
/// stop word, not only punctuation.
#[must_use]
pub fn is_telling(word: &str) -> bool {
    let chars = word.chars().count();
    (2..=MAX_WORD_CHARS).contains(&chars)
        && !STOP_WORDS.contains(&word)
        && !word.chars().all(|c| c.is_ascii_punctuation())
        && !word.chars().any(char::is_whitespace)
}

/// One word of one appeal's title, on the day it was taken in.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct WordFact {
    pub day: NaiveDate,
    pub word: String,
}

/// The words an appeal counts: none for a draft or an assisting unit's copy; otherwise each
/// telling word of `cut` (its title, cut into words) once, lower-cased, at most
/// [`MAX_WORDS_PER_TITLE`].
#[must_use]
pub fn word_facts<'a>(
    state: TicketState,
    is_child: bool,
    created_at: DateTime<Utc>,
    cut: impl IntoIterator<Item = &'a str>,
    calendar: &Calendar,
) -> Vec<WordFact> {
    if is_child || state == TicketState::Draft {
        return Vec::new();
    }
    let day = calendar.local_date(created_at);
    let mut words = BTreeSet::new();
    for piece in cut {
        let word = piece.trim().to_lowercase();
        // A number (a house number, a date) or a short code (A7 of "A7栋") is no topic.
        let code = word.chars().all(|c| c.is_ascii_digit())
            || (word.is_ascii() && word.chars().count() < 3)
            || (word.is_ascii() && word.chars().any(|c| c.is_ascii_digit()));
        if is_telling(&word) && !code && words.len() < MAX_WORDS_PER_TITLE {
            words.insert(word);
        }
    }
    words.into_iter().map(|word| WordFact { day, word }).collect()
}

/// How the daily word counts move when `before` becomes `after`; unchanged keys left out.
#[must_use]
pub fn word_delta(before: &[WordFact], after: &[WordFact]) -> Vec<(WordFact, i64)> {
    let mut change: BTreeMap<&WordFact, i64> = BTreeMap::new();
    for fact in before {
        *change.entry(fact).or_default() -= 1;
    }
    for fact in after {
        *change.entry(fact).or_default() += 1;
    }
    change.into_iter().filter(|(_, n)| *n != 0).map(|(f, n)| (f.clone(), n)).collect()
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone as _;

    use super::*;

    #[test]
    fn a_title_counts_each_telling_word_once_on_its_local_day() {
        let beijing = chrono::FixedOffset::east_opt(8 * 3600).expect("an offset");
        let calendar = Calendar::new(Vec::new(), Vec::new(), Default::default(), beijing);
        // 17:00 UTC is 01:00 the next day in Beijing.
        let at = Utc.with_ymd_and_hms(2026, 11, 24, 17, 0, 0).single().expect("a time");
        let cut =
            ["咨询", "小区", "电梯", "故障", "，", "电梯", "12", "Wifi", "a", "a7", "b12x", "为何"];
        let facts = word_facts(TicketState::Dispatched, false, at, cut, &calendar);
        let words: Vec<&str> = facts.iter().map(|f| f.word.as_str()).collect();
        assert_eq!(words, ["wifi", "小区", "故障", "电梯"]);
        assert!(facts.iter().all(|f| f.day.to_string() == "2026-11-25"), "{facts:?}");
        assert!(word_facts(TicketState::Draft, false, at, cut, &calendar).is_empty());
        assert!(word_facts(TicketState::Dispatched, true, at, cut, &calendar).is_empty());
    }

    #[test]
    fn the_delta_moves_only_what_changed() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 24).expect("a day");
        let fact = |w: &str| WordFact { day, word: w.to_owned() };
        let delta = word_delta(&[fact("电梯"), fact("噪音")], &[fact("电梯"), fact("停水")]);
        assert_eq!(delta, vec![(fact("停水"), 1), (fact("噪音"), -1)]);
    }
}
