//! What a person types, made into tantivy's query language. Chinese is written without spaces,
//! and tantivy's parser reads a run of text as one phrase: `居住证办理` would only find those
//! words side by side. So outside quotes a Chinese run becomes its words (each required), and
//! inside quotes the spaces between Chinese characters go (a pasted `东华门 街道` is one
//! phrase). Everything else — `AND`, `OR`, `-word`, `title:…`, `"…"` — is tantivy's syntax.

use crate::tokenizer::{Mode, Segmenter};

/// The query text tantivy parses for `raw`.
#[must_use]
pub fn prepare(raw: &str, segmenter: &Segmenter) -> String {
    let mut out = String::with_capacity(raw.len() * 2);
    let mut quoted = false;
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        if run.is_empty() {
            return;
        }
        let words: Vec<String> =
            segmenter.tokens(run, Mode::Query).into_iter().map(|t| t.text).collect();
        if !out.is_empty() && !out.ends_with([' ', ':', '(', '-', '+']) {
            out.push(' ');
        }
        out.push_str(&words.join(" "));
        out.push(' ');
        run.clear();
    };
    let chars: Vec<char> = raw.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if c == '"' {
            flush(&mut run, &mut out);
            quoted = !quoted;
            out.push(c);
            continue;
        }
        if quoted {
            let between_han = c.is_whitespace()
                && out.chars().last().is_some_and(is_han)
                && chars[i + 1..].iter().find(|c| !c.is_whitespace()).is_some_and(|&n| is_han(n));
            if !between_han {
                out.push(c);
            }
        } else if is_han(c) {
            run.push(c);
        } else if is_cjk_punctuation(c) {
            flush(&mut run, &mut out);
            out.push(' ');
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn is_han(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '\u{F900}'..='\u{FAFF}')
}

/// Full-width punctuation: a separator, never part of a word or of tantivy's syntax.
fn is_cjk_punctuation(c: char) -> bool {
    matches!(
        c,
        '\u{3000}'..='\u{303F}' | '\u{FF0C}' | '\u{FF01}' | '\u{FF1F}' | '\u{FF1B}' | '\u{FF1A}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_runs_become_words_and_quoted_phrases_lose_their_spaces() {
        let s = Segmenter::new(["东华门街道"]);
        assert_eq!(prepare("居住证办理", &s), "居住证 办理");
        assert_eq!(prepare("\"东华门 街道\" 噪音", &s), "\"东华门街道\" 噪音");
        assert_eq!(prepare("title:噪音 -施工", &s), "title:噪音 -施工");
        assert_eq!(prepare("噪音，扰民？", &s), "噪音 扰民");
        assert_eq!(prepare("2026112300001", &s), "2026112300001");
        assert_eq!(prepare("  ", &s), "");
        // Unbalanced syntax is left for tantivy to refuse.
        assert_eq!(prepare("(噪音", &s), "(噪音");
    }
}
