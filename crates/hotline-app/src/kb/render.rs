//! How an article reads: Markdown to sanitised HTML, a snippet around what was searched, and
//! the difference between two versions.

use hotline_store::kb::ArticleVersionRow;
use pulldown_cmark::{Options, Parser, html};

/// The body as HTML a browser may show: rendered, then cleaned of anything that could run.
#[must_use]
pub fn render_markdown(body: &str) -> String {
    let mut out = String::new();
    html::push_html(
        &mut out,
        Parser::new_ext(body, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH),
    );
    ammonia::clean(&out)
}

const SNIPPET_CHARS: usize = 80;

/// The body as plain text on one line: Markdown's marks and line breaks gone.
pub(super) fn plain(body: &str) -> String {
    let text: String = body
        .chars()
        .filter(|c| !matches!(c, '#' | '*' | '`' | '>' | '|'))
        .map(|c| if c.is_whitespace() { ' ' } else { c })
        .collect();
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// About eighty characters of plain text: around the first place one of the words appears, or
/// from the start (where the search index marks nothing).
pub(super) fn snippet(body: &str, words: &[String]) -> String {
    let plain = plain(body);
    let text: Vec<char> = plain.chars().collect();
    let at = words
        .iter()
        .filter_map(|w| plain.find(w.as_str()))
        .min()
        .map_or(0, |byte| plain[..byte].chars().count().saturating_sub(SNIPPET_CHARS / 4));
    let mut out: String = text.iter().skip(at).take(SNIPPET_CHARS).collect();
    if at > 0 {
        out.insert(0, '…');
    }
    if at + SNIPPET_CHARS < text.len() {
        out.push('…');
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A unified diff of title, 答复口径 and body from `before` (none for the first version).
pub(super) fn diff(before: Option<&ArticleVersionRow>, after: &ArticleVersionRow) -> String {
    let text = |v: &ArticleVersionRow| {
        format!(
            "# {}\n\n{}\n\n---\n{}\n",
            v.title,
            v.reply_template.as_deref().unwrap_or(""),
            v.body
        )
    };
    let old = before.map(text).unwrap_or_default();
    let new = text(after);
    similar::TextDiff::from_lines(&old, &new)
        .unified_diff()
        .context_radius(2)
        .header(
            &before.map_or_else(|| "—".to_owned(), |b| format!("v{}", b.version)),
            &format!("v{}", after.version),
        )
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_renders_and_nothing_runs() {
        let html = render_markdown(
            "**办理地点**：政务服务中心\n\n<img src=x onerror=alert(1)>\n\n[a](javascript:alert(1))",
        );
        assert!(html.contains("<strong>办理地点</strong>"), "{html}");
        assert!(!html.contains("onerror") && !html.contains("javascript:"), "{html}");
    }

    #[test]
    fn snippets_start_near_the_match() {
        let body = format!("{}居住证办理需要带身份证。", "前言".repeat(60));
        let s = snippet(&body, &["居住证".to_owned()]);
        assert!(s.starts_with('…') && s.contains("居住证办理"), "{s}");
        assert_eq!(snippet("短文", &[]), "短文");
    }
}
