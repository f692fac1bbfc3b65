//! Chinese words for tantivy: one jieba segmenter per process, wrapped in a tokenizer of our
//! own (a tokenizer is cloned per use; cloning an `Arc` is free, cloning a dictionary is not).

use std::sync::Arc;

use jieba_rs::Jieba;
use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

/// The segmenter: jieba's dictionary plus the words of this city (orgs, streets, categories)
/// and the words admins add, so 东华门街道 or 接诉即办 stay whole.
#[derive(Clone)]
pub struct Segmenter {
    jieba: Arc<Jieba>,
    /// Identifies the extra words; an index made with other words is rebuilt.
    fingerprint: String,
}

impl std::fmt::Debug for Segmenter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Segmenter").field("fingerprint", &self.fingerprint).finish()
    }
}

impl Segmenter {
    /// jieba's own dictionary with `words` added (blank ones and repeats ignored).
    #[must_use]
    pub fn new<'a>(words: impl IntoIterator<Item = &'a str>) -> Self {
        let added = distinct(words);
        let mut jieba = Jieba::new();
        for word in &added {
            jieba.add_word(word, None, None);
        }
        Self { jieba: Arc::new(jieba), fingerprint: fingerprint(&added) }
    }

    /// The fingerprint a segmenter of `words` would have, without building it.
    #[must_use]
    pub fn fingerprint_of<'a>(words: impl IntoIterator<Item = &'a str>) -> String {
        fingerprint(&distinct(words))
    }

    #[must_use]
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    #[must_use]
    pub fn jieba(&self) -> &Jieba {
        &self.jieba
    }

    /// The words of `text`, each at its position: the precise cut, and in `Index` mode also the
    /// dictionary words inside a longer word at that word's position (居住证 also gives 居住),
    /// so a query for the shorter word finds it and a phrase still needs its words adjacent.
    #[must_use]
    pub fn tokens(&self, text: &str, mode: Mode) -> Vec<Token> {
        let mut out = Vec::new();
        let mut position = 0;
        for word in self.jieba.cut(text, true) {
            let Some(normal) = normalise(word.word) else { continue };
            let chars: Vec<(usize, char)> = word.word.char_indices().collect();
            let first = out.len();
            if mode == Mode::Index && chars.len() > 2 {
                for len in [2, 3] {
                    for start in 0..chars.len().saturating_sub(len - 1) {
                        if start == 0 && len == chars.len() {
                            continue;
                        }
                        let from = chars[start].0;
                        let to = chars.get(start + len).map_or(word.word.len(), |c| c.0);
                        let gram = &word.word[from..to];
                        if self.jieba.has_word(gram)
                            && let Some(gram_normal) = normalise(gram)
                        {
                            out.push(Token {
                                offset_from: word.byte_start + from,
                                offset_to: word.byte_start + to,
                                position,
                                text: gram_normal,
                                position_length: 1,
                            });
                        }
                    }
                }
            }
            out.push(Token {
                offset_from: word.byte_start,
                offset_to: word.byte_end,
                position,
                text: normal,
                position_length: 1,
            });
            // In the order of the text: the highlighter starts a fragment at a token and
            // measures later tokens from there, so no token may start before an earlier one.
            out[first..].sort_by_key(|t| (t.offset_from, t.offset_to));
            position += 1;
        }
        out
    }
}

/// The words worth adding, once each, in order.
fn distinct<'a>(words: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let mut added: Vec<&str> =
        words.into_iter().map(str::trim).filter(|w| w.chars().count() >= 2).collect();
    added.sort_unstable();
    added.dedup();
    added
}

fn fingerprint(words: &[&str]) -> String {
    let digest = <sha2::Sha256 as sha2::Digest>::digest(words.join("\n").as_bytes());
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// A word as indexed: ASCII and other cased letters lowercased, full-width letters and digits
/// made ASCII; `None` for spaces and punctuation, which are not words (and would break phrases
/// across a space). Chinese characters have no case and are copied as they are: looking them
/// up in Unicode's case tables was the largest single cost of cutting text.
fn normalise(word: &str) -> Option<String> {
    let mut out = String::with_capacity(word.len());
    let mut wordy = false;
    for c in word.chars() {
        let c = match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        };
        if c.is_ascii() {
            wordy |= c.is_ascii_alphanumeric();
            out.push(c.to_ascii_lowercase());
        } else if matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}') {
            wordy = true;
            out.push(c);
        } else {
            wordy |= c.is_alphanumeric();
            out.extend(c.to_lowercase());
        }
    }
    wordy.then_some(out)
}

/// How a text is cut: documents with the words inside longer words, queries without.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Index,
    Query,
}

/// The tantivy tokenizer over the shared segmenter.
#[derive(Clone, Debug)]
pub struct JiebaTokenizer {
    segmenter: Segmenter,
    mode: Mode,
}

impl JiebaTokenizer {
    #[must_use]
    pub fn new(segmenter: Segmenter, mode: Mode) -> Self {
        Self { segmenter, mode }
    }
}

/// The tokens of one text, precomputed.
pub struct JiebaTokenStream {
    tokens: Vec<Token>,
    /// One past the current token; 0 before the first `advance`.
    next: usize,
    /// What `token` answers outside the tokens (tantivy does not ask, but must not panic).
    none: Token,
}

impl Tokenizer for JiebaTokenizer {
    type TokenStream<'a> = JiebaTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> JiebaTokenStream {
        JiebaTokenStream {
            tokens: self.segmenter.tokens(text, self.mode),
            next: 0,
            none: Token::default(),
        }
    }
}

impl TokenStream for JiebaTokenStream {
    fn advance(&mut self) -> bool {
        if self.next < self.tokens.len() {
            self.next += 1;
            true
        } else {
            false
        }
    }

    fn token(&self) -> &Token {
        self.next.checked_sub(1).and_then(|i| self.tokens.get(i)).unwrap_or(&self.none)
    }

    fn token_mut(&mut self) -> &mut Token {
        match self.next.checked_sub(1) {
            Some(i) if i < self.tokens.len() => &mut self.tokens[i],
            _ => &mut self.none,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(tokens: &[Token]) -> Vec<(usize, &str)> {
        tokens.iter().map(|t| (t.position, t.text.as_str())).collect()
    }

    #[test]
    fn added_words_stay_whole_and_spaces_are_not_words() {
        let plain = Segmenter::new([]);
        let city = Segmenter::new(["东华门街道", "接诉即办"]);
        assert_ne!(plain.fingerprint(), city.fingerprint());
        let tokens = city.tokens("东华门街道 接诉即办，ABC12", Mode::Query);
        assert_eq!(texts(&tokens), vec![(0, "东华门街道"), (1, "接诉即办"), (2, "abc12")]);
        let plain_tokens = plain.tokens("东华门街道", Mode::Query);
        assert!(!texts(&plain_tokens).contains(&(0, "东华门街道")));
    }

    #[test]
    fn documents_also_index_the_words_inside_a_word_at_its_position() {
        let segmenter = Segmenter::new([]);
        let tokens = segmenter.tokens("办理居住证", Mode::Index);
        let words = texts(&tokens);
        assert!(words.contains(&(1, "居住证")), "{words:?}");
        assert!(words.contains(&(1, "居住")), "{words:?}");
        let query_tokens = segmenter.tokens("办理居住证", Mode::Query);
        let query = texts(&query_tokens);
        assert!(!query.contains(&(1, "居住")), "{query:?}");
        // Offsets point into the text: the highlighter marks what was found.
        let text = "办理居住证";
        assert!(tokens.iter().all(|t| text[t.offset_from..t.offset_to].chars().count() >= 2));
        // …and come in the text's order, as the highlighter needs (a long word's inner words
        // once came first and made it subtract past zero).
        let long = segmenter.tokens("中华人民共和国国务院办公厅发布通知", Mode::Index);
        assert!(long.len() > 4);
        assert!(long.windows(2).all(|w| w[0].offset_from <= w[1].offset_from), "{long:?}");
    }
}
