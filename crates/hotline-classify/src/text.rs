//! Text normalisation and tokens: character n-grams and jieba words.
//!
//! Citizen messages are short, informal Chinese with anonymised places ("A市", "A3区"), full-width
//! punctuation and numbers. Character n-grams need no dictionary and survive typos; jieba words add
//! the longer terms (社保卡, 物业费) that a trigram only half sees.

use std::sync::OnceLock;

use jieba_rs::Jieba;

/// Which tokens a document yields; part of the trained model, so prediction tokenises alike.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TokenConfig {
    /// Shortest character n-gram.
    pub char_min: usize,
    /// Longest character n-gram.
    pub char_max: usize,
    /// Add jieba words of two characters or more (single characters are already unigrams).
    pub words: bool,
}

impl Default for TokenConfig {
    fn default() -> Self {
        Self { char_min: 1, char_max: 3, words: true }
    }
}

/// The segmenter, built once per process: loading its dictionary takes a noticeable fraction of
/// a second and a good deal of memory, so whoever else segments Chinese in the process shares it.
pub fn jieba() -> &'static Jieba {
    static JIEBA: OnceLock<Jieba> = OnceLock::new();
    JIEBA.get_or_init(Jieba::new)
}

/// Full-width forms to ASCII, ASCII lowercased, every digit to `0`: the numbers in a message
/// (dates, amounts, house numbers) say little about its category, their presence a bit.
pub fn normalise(text: &str) -> String {
    // Spreadsheet exports write a carriage return as `_x000D_`.
    let text =
        if text.contains("_x000D_") { text.replace("_x000D_", "\n") } else { text.to_owned() };
    text.chars()
        .map(|c| {
            let c = match c {
                '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
                '\u{3000}' => ' ',
                _ => c,
            };
            if c.is_ascii_digit() { '0' } else { c.to_ascii_lowercase() }
        })
        .collect()
}

/// Runs of letters and digits (CJK included); punctuation and spaces end a run, so n-grams
/// never straddle a sentence break.
fn segments(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !c.is_alphanumeric()).filter(|s| !s.is_empty())
}

/// Calls `emit` with every token of `text` (already normalised), prefixed by its kind so a
/// character bigram and a two-character word are different features.
pub fn tokens(text: &str, config: &TokenConfig, mut emit: impl FnMut(&str)) {
    let mut buf = String::new();
    for seg in segments(text) {
        let chars: Vec<(usize, char)> = seg.char_indices().collect();
        for n in config.char_min.max(1)..=config.char_max {
            if n > chars.len() {
                break;
            }
            for start in 0..=chars.len() - n {
                let from = chars[start].0;
                let to = chars.get(start + n).map_or(seg.len(), |&(i, _)| i);
                buf.clear();
                buf.push_str("c:");
                buf.push_str(&seg[from..to]);
                emit(&buf);
            }
        }
        if config.words && chars.len() >= 2 {
            words(seg, |w| {
                buf.clear();
                buf.push_str("w:");
                buf.push_str(w);
                emit(&buf);
            });
        }
    }
}

/// Calls `emit` with each jieba word of two characters or more in `text`.
pub fn words(text: &str, mut emit: impl FnMut(&str)) {
    for seg in segments(text) {
        if seg.chars().nth(1).is_none() {
            continue;
        }
        for word in jieba().cut(seg, true) {
            if word.word.chars().nth(1).is_some() {
                emit(word.word);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(text: &str, config: &TokenConfig) -> Vec<String> {
        let mut out = Vec::new();
        tokens(&normalise(text), config, |t| out.push(t.to_owned()));
        out
    }

    #[test]
    fn normalise_folds_width_case_and_digits() {
        assert_eq!(normalise("ＡＢ１２３ 市A3区"), "ab000 市a0区");
        assert_eq!(normalise("你好_x000D_ 谢谢"), "你好\n 谢谢");
    }

    #[test]
    fn char_grams_stay_inside_segments() {
        let config = TokenConfig { char_min: 1, char_max: 2, words: false };
        assert_eq!(
            all("噪音，扰民", &config),
            ["c:噪", "c:音", "c:噪音", "c:扰", "c:民", "c:扰民"]
        );
    }

    #[test]
    fn words_come_from_jieba() {
        let config = TokenConfig { char_min: 1, char_max: 1, words: true };
        let toks = all("社保卡无法使用", &config);
        assert!(toks.iter().any(|t| t == "w:社保卡" || t == "w:社保"), "{toks:?}");
        assert!(toks.iter().all(|t| !t.starts_with("w:") || t.chars().count() >= 4));
    }

    #[test]
    fn empty_and_garbage_give_no_or_few_tokens() {
        let config = TokenConfig::default();
        assert!(all("", &config).is_empty());
        assert!(all("！！！……   \n\t", &config).is_empty());
        assert!(!all("\u{1F600}\u{0}abc\u{FFFD}", &config).is_empty());
    }
}
