//! The knowledge base (知识库): the rules of an article's life. Units write the answers they own;
//! the center reviews and publishes; an article stops being offered when it expires (valid-to)
//! or is withdrawn. Agents always read the last published version, even while a newer draft of
//! it is under review.

use chrono::NaiveDate;

use crate::conflict::Conflict;

crate::code_enum! {
    /// Where the working copy of an article is.
    pub enum ArticleStatus {
        Draft = "draft",
        /// Submitted; waits for the center.
        InReview = "in_review",
        Published = "published",
        /// Past its valid-to date.
        Expired = "expired",
        Withdrawn = "withdrawn",
    }
}

crate::code_enum! {
    /// The moves of an article's review.
    pub enum ReviewAction {
        /// The owner sends the working copy for review.
        Submit = "submit",
        /// The center publishes the working copy.
        Publish = "publish",
        /// The center sends it back to its owner.
        Reject = "reject",
        /// Taken out of use by its owner or the center.
        Withdraw = "withdraw",
    }
}

crate::code_enum! {
    /// What an agent says about an article.
    pub enum FeedbackKind {
        Helpful = "helpful",
        Outdated = "outdated",
    }
}

/// The status after `action`, or why it is not possible now.
pub fn review(status: ArticleStatus, action: ReviewAction) -> Result<ArticleStatus, Conflict> {
    use ArticleStatus as S;
    match (action, status) {
        (ReviewAction::Submit, S::Draft | S::Expired | S::Withdrawn) => Ok(S::InReview),
        (ReviewAction::Publish, S::InReview) => Ok(S::Published),
        (ReviewAction::Reject, S::InReview) => Ok(S::Draft),
        (ReviewAction::Withdraw, S::Draft | S::InReview | S::Published | S::Expired) => {
            Ok(S::Withdrawn)
        }
        (ReviewAction::Submit, S::InReview | S::Published)
        | (
            ReviewAction::Publish | ReviewAction::Reject,
            S::Draft | S::Published | S::Expired | S::Withdrawn,
        )
        | (ReviewAction::Withdraw, S::Withdrawn) => Err(Conflict::InvalidTransition),
    }
}

/// The status after an edit of the working copy: a published article goes back to review (its
/// published version stays in use meanwhile); anything else keeps its status.
#[must_use]
pub const fn after_edit(status: ArticleStatus) -> ArticleStatus {
    match status {
        ArticleStatus::Published => ArticleStatus::InReview,
        ArticleStatus::Draft
        | ArticleStatus::InReview
        | ArticleStatus::Expired
        | ArticleStatus::Withdrawn => status,
    }
}

/// Whether agents are offered the article today: it has a published version, is neither
/// withdrawn nor expired, and today lies within its validity.
#[must_use]
pub fn in_use(
    status: ArticleStatus,
    published: bool,
    valid_from: Option<NaiveDate>,
    valid_to: Option<NaiveDate>,
    today: NaiveDate,
) -> bool {
    published
        && !matches!(status, ArticleStatus::Expired | ArticleStatus::Withdrawn)
        && valid_from.is_none_or(|from| from <= today)
        && valid_to.is_none_or(|to| today <= to)
}

/// Owners are reminded this many days before an article expires.
pub const EXPIRY_NOTICE_DAYS: i64 = 14;

/// Whether an article has expired: its last valid day is behind us.
#[must_use]
pub fn has_expired(valid_to: Option<NaiveDate>, today: NaiveDate) -> bool {
    valid_to.is_some_and(|to| to < today)
}

/// Bodies are Markdown; what a browser would run has no place in them.
const UNSAFE: [&str; 9] = [
    "<script",
    "<iframe",
    "<object",
    "<embed",
    "<style",
    "<form",
    "javascript:",
    "vbscript:",
    "data:text/html",
];

/// Whether a Markdown body carries markup a browser would run (checked before anything is
/// stored; rendering sanitises again).
#[must_use]
pub fn has_unsafe_markup(body: &str) -> bool {
    let lower = body.to_lowercase();
    UNSAFE.iter().any(|u| lower.contains(u))
        || lower.match_indices(" on").any(|(i, _)| {
            let rest = &lower[i + 3..];
            let name: String = rest.chars().take_while(char::is_ascii_alphabetic).collect();
            !name.is_empty()
                && rest[name.len()..].trim_start().starts_with('=')
                && lower[..i].contains('<')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, d).unwrap_or_default()
    }

    #[test]
    fn an_article_is_submitted_published_rejected_and_withdrawn() {
        use ArticleStatus as S;
        assert_eq!(review(S::Draft, ReviewAction::Submit), Ok(S::InReview));
        assert_eq!(review(S::InReview, ReviewAction::Publish), Ok(S::Published));
        assert_eq!(review(S::InReview, ReviewAction::Reject), Ok(S::Draft));
        assert_eq!(review(S::Published, ReviewAction::Withdraw), Ok(S::Withdrawn));
        assert_eq!(review(S::Withdrawn, ReviewAction::Submit), Ok(S::InReview));
        assert_eq!(review(S::Draft, ReviewAction::Publish), Err(Conflict::InvalidTransition));
        assert_eq!(review(S::Published, ReviewAction::Submit), Err(Conflict::InvalidTransition));
        assert_eq!(after_edit(S::Published), S::InReview);
        assert_eq!(after_edit(S::Draft), S::Draft);
    }

    #[test]
    fn agents_are_offered_what_is_published_and_valid_today() {
        use ArticleStatus as S;
        assert!(in_use(S::Published, true, None, None, day(7)));
        assert!(
            in_use(S::InReview, true, Some(day(1)), Some(day(7)), day(7)),
            "the published version serves meanwhile"
        );
        assert!(!in_use(S::InReview, false, None, None, day(7)), "never published");
        assert!(!in_use(S::Published, true, Some(day(8)), None, day(7)), "not yet valid");
        assert!(!in_use(S::Published, true, None, Some(day(6)), day(7)), "no longer valid");
        assert!(!in_use(S::Withdrawn, true, None, None, day(7)));
        assert!(has_expired(Some(day(6)), day(7)));
        assert!(!has_expired(Some(day(7)), day(7)), "valid-to is the last valid day");
    }

    #[test]
    fn markup_a_browser_would_run_is_found() {
        assert!(has_unsafe_markup("答复口径<script>alert(1)</script>"));
        assert!(has_unsafe_markup("[点我](JavaScript:alert(1))"));
        assert!(has_unsafe_markup("<img src=x onerror=alert(1)>"));
        assert!(has_unsafe_markup("<a href=\"#\" onclick = \"x\">"));
        assert!(!has_unsafe_markup("**办理地点**：各区政务服务中心 on weekdays"));
        assert!(!has_unsafe_markup("电话 12345，网址 https://example.gov.cn"));
    }
}
