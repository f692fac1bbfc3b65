//! Marks a query's words in texts read from the database, without cutting the texts into words
//! again: the words are looked for as they were indexed (lowercased, full-width letters and
//! digits made ASCII), all at once, and the best window of a long text is kept.
//!
//! Cutting every hit's texts with jieba again, as tantivy's snippets do, was a quarter of a
//! search's CPU. A word is looked for as a substring, which matches what the index holds: a
//! document also carries the words inside its longer words (居住证 gives 居住). Latin words and
//! numbers must stand alone (`ab` is not marked inside `abc`).

use aho_corasick::{AhoCorasick, MatchKind};
use serde::Serialize;

/// Marked text for one field of one hit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Highlight {
    pub field: &'static str,
    pub fragment: String,
    /// Character ranges of `fragment` to mark (characters, as JavaScript and people count).
    pub ranges: Vec<(usize, usize)>,
}

/// The words of a query for one field, with their weights (rarer words weigh more), ready to
/// mark texts.
#[derive(Clone, Debug)]
pub struct Marker {
    words: AhoCorasick,
    weights: Vec<f32>,
    /// The words made only of ASCII letters and digits, which must not be part of a longer one.
    standalone: Vec<bool>,
    /// The longest fragment, in characters.
    max_chars: usize,
}

impl Marker {
    /// A marker for `words` (as indexed) with their weights; `None` without words.
    #[must_use]
    pub fn new(words: Vec<(String, f32)>, max_chars: usize) -> Option<Self> {
        let words: Vec<(String, f32)> = words.into_iter().filter(|(w, _)| !w.is_empty()).collect();
        if words.is_empty() {
            return None;
        }
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(words.iter().map(|(w, _)| w.as_str()))
            .ok()?;
        Some(Self {
            standalone: words
                .iter()
                .map(|(w, _)| w.bytes().all(|b| b.is_ascii_alphanumeric()))
                .collect(),
            weights: words.iter().map(|(_, weight)| *weight).collect(),
            words: automaton,
            max_chars: max_chars.max(1),
        })
    }

    /// The best window of `text` with the words in it marked; `None` when none is in it.
    #[must_use]
    pub fn mark(&self, field: &'static str, text: &str) -> Option<Highlight> {
        let (folded, chars) = fold(text);
        // Byte offset in `folded` → character index (one folded character per text character),
        // counted on from the last match: matches come in the text's order.
        let mut counted = (0, 0);
        let mut char_at = |byte: usize| {
            counted = (byte, counted.1 + folded[counted.0..byte].chars().count());
            counted.1
        };
        let mut found: Vec<(usize, usize, usize)> = Vec::new();
        for m in self.words.find_iter(&folded) {
            let word = m.pattern().as_usize();
            if self.standalone[word] {
                let before = folded[..m.start()].chars().next_back();
                let after = folded[m.end()..].chars().next();
                if before.is_some_and(|c| c.is_ascii_alphanumeric())
                    || after.is_some_and(|c| c.is_ascii_alphanumeric())
                {
                    continue;
                }
            }
            found.push((char_at(m.start()), char_at(m.end()), word));
        }
        if found.is_empty() {
            return None;
        }
        let (from, to) = self.window(&found, chars.len());
        Some(Highlight {
            field,
            fragment: chars[from..to].iter().collect(),
            ranges: found
                .iter()
                .filter(|(start, end, _)| *start >= from && *end <= to)
                .map(|(start, end, _)| (start - from, end - from))
                .collect(),
        })
    }

    /// The window of at most `max_chars` characters holding the most weight of distinct words,
    /// starting a few characters before its first word so the reader sees what leads to it.
    fn window(&self, found: &[(usize, usize, usize)], len: usize) -> (usize, usize) {
        const LEAD: usize = 8;
        if len <= self.max_chars {
            return (0, len);
        }
        let mut best = (f32::MIN, 0);
        for (i, (start, _, _)) in found.iter().enumerate() {
            let limit = start + self.max_chars;
            let mut seen: Vec<usize> = Vec::new();
            let mut weight = 0.0;
            for (_, end, word) in &found[i..] {
                if *end > limit {
                    break;
                }
                if !seen.contains(word) {
                    seen.push(*word);
                    weight += self.weights[*word];
                }
            }
            if weight > best.0 {
                best = (weight, *start);
            }
        }
        let from = best.1.saturating_sub(LEAD).min(len - self.max_chars);
        (from, from + self.max_chars)
    }
}

/// `text` as words are indexed, one character for each of its characters (so positions carry
/// over), and its characters.
fn fold(text: &str) -> (String, Vec<char>) {
    let chars: Vec<char> = text.chars().collect();
    let folded = chars
        .iter()
        .map(|&c| match c {
            'A'..='Z' => c.to_ascii_lowercase(),
            '\u{FF01}'..='\u{FF5E}' => {
                char::from_u32(c as u32 - 0xFEE0).map_or(c, |a| a.to_ascii_lowercase())
            }
            c if c.is_ascii() || matches!(c, '\u{3400}'..='\u{9FFF}') => c,
            c => {
                let mut lower = c.to_lowercase();
                match (lower.next(), lower.next()) {
                    (Some(l), None) => l,
                    _ => c,
                }
            }
        })
        .collect();
    (folded, chars)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marker(words: &[&str], max: usize) -> Marker {
        Marker::new(words.iter().map(|w| ((*w).to_owned(), 1.0)).collect(), max).expect("words")
    }

    fn marked(h: &Highlight) -> Vec<String> {
        let chars: Vec<char> = h.fragment.chars().collect();
        h.ranges.iter().map(|(a, b)| chars[*a..*b].iter().collect()).collect()
    }

    #[test]
    fn words_are_marked_where_they_are_in_the_text() {
        let m = marker(&["居住", "abc", "12"], 100);
        let h = m.mark("content", "办理居住证，ＡＢＣ小区12号，abcd 不算").expect("a mark");
        assert_eq!(marked(&h), vec!["居住", "ＡＢＣ", "12"]);
        assert_eq!(h.fragment, "办理居住证，ＡＢＣ小区12号，abcd 不算");
        assert!(m.mark("content", "没有这个词").is_none());
    }

    #[test]
    fn a_long_text_shows_the_window_with_most_words() {
        let text = format!(
            "{}路灯不亮{}噪音扰民，路灯也坏了{}",
            "前".repeat(300),
            "中".repeat(200),
            "后".repeat(300)
        );
        let m = marker(&["路灯", "噪音"], 40);
        let h = m.mark("content", &text).expect("a mark");
        assert_eq!(h.fragment.chars().count(), 40);
        assert_eq!(marked(&h), vec!["噪音", "路灯"]);
        assert!(h.fragment.starts_with("中中中"), "{}", h.fragment);
        // The window never runs past the end.
        let h = marker(&["后"], 40).mark("content", &text).expect("a mark");
        assert!(h.fragment.ends_with('后') && h.fragment.chars().count() == 40);
    }
}
