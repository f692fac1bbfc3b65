//! Search: the ticket index (tantivy + jieba, `index`), searching it with the work lists'
//! scope and filters (`tickets`), the words admins add to its dictionary (`dictionary`), and
//! the words a short query stands for where a database `LIKE` is enough (the knowledge base,
//! suggestions), cut by the classifier's segmenter, which is loaded once and shared.

pub mod dictionary;
pub mod index;
pub mod tickets;

/// At most this many words of a query are searched for.
pub const MAX_QUERY_WORDS: usize = 8;

/// The words of a query worth searching for: segmented for search (居住证 also gives 居住),
/// single characters and stop words left out, each once, in order.
#[must_use]
pub fn query_words(q: &str) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    for word in hotline_classify::jieba().cut_for_search(q, true) {
        let word = word.word.trim().to_lowercase();
        if !hotline_domain::words::is_telling(&word) {
            continue;
        }
        if !words.contains(&word) {
            words.push(word);
        }
        if words.len() == MAX_QUERY_WORDS {
            break;
        }
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_question_becomes_the_words_it_is_about() {
        let words = query_words("咨询居住证在哪里办理");
        assert!(words.contains(&"居住证".to_owned()), "{words:?}");
        assert!(words.contains(&"办理".to_owned()), "{words:?}");
        assert!(!words.iter().any(|w| w == "咨询" || w == "哪里"), "{words:?}");
        assert!(query_words("  ").is_empty());
        assert!(query_words(&"电梯".repeat(50)).len() <= MAX_QUERY_WORDS);
    }
}
