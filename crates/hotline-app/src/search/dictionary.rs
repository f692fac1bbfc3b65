//! Words admins add to the search dictionary: names the city uses that jieba does not know
//! (a programme, a market, a slang word for a problem). A change is used once the index is
//! rebuilt with it: documents and queries must be cut the same way.

use chrono::{DateTime, Utc};
use hotline_domain::audit::AuditAction;
use hotline_domain::role::Permission;
use hotline_domain::{FieldError, FieldIssue};
use hotline_store::search::SearchWordRow;
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use crate::{App, AuditEntry, Ctx, Error, Result};

/// A word in the dictionary.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct SearchWord {
    pub word: String,
    pub added_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSearchWord {
    /// 2 to 32 characters, no spaces.
    pub word: String,
}

impl From<SearchWordRow> for SearchWord {
    fn from(r: SearchWordRow) -> Self {
        Self { word: r.word, added_by: r.added_by, created_at: r.created_at }
    }
}

impl App {
    pub async fn search_words(&self, ctx: &Ctx) -> Result<Vec<SearchWord>> {
        self.authorize(ctx, Permission::SystemRead, None).await?;
        let rows = hotline_store::search::words(self.store.reader()).await?;
        Ok(rows.into_iter().map(SearchWord::from).collect())
    }

    /// Adds a word; the index keeps using the old words until it is rebuilt.
    pub async fn add_search_word(&self, ctx: &Ctx, input: NewSearchWord) -> Result<SearchWord> {
        let (principal, _) = self.authorize(ctx, Permission::ReferenceManage, None).await?;
        let word = input.word.trim().to_owned();
        let length = word.chars().count();
        if !(2..=32).contains(&length) {
            let issue = if length < 2 { FieldIssue::TooShort } else { FieldIssue::TooLong };
            return Err(FieldError::new("word", issue)
                .with_limit(if length < 2 { 2 } else { 32 })
                .into());
        }
        if word.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(FieldError::new("word", FieldIssue::InvalidFormat)
                .with_detail("a word has no spaces")
                .into());
        }
        let row = SearchWordRow {
            word: word.clone(),
            added_by: principal.user_id().map(|u| u.as_uuid()),
            created_at: self.now(),
        };
        let audit = ctx.record(
            AuditEntry::new(AuditAction::SearchWordAdd).subject("search_word", &word),
            self.now(),
        );
        let saved = row.clone();
        let added = self
            .store
            .write(move |tx| {
                Box::pin(async move {
                    let added = hotline_store::search::add_word(&**tx, row).await?;
                    if added {
                        tx.audit([audit]);
                    }
                    Ok::<_, Error>(added)
                })
            })
            .await?;
        if !added {
            return Err(Error::AlreadyExists(FieldError::new("word", FieldIssue::AlreadyExists)));
        }
        Ok(saved.into())
    }

    pub async fn remove_search_word(&self, ctx: &Ctx, word: &str) -> Result<()> {
        self.authorize(ctx, Permission::ReferenceManage, None).await?;
        let word = word.to_owned();
        let audit = ctx.record(
            AuditEntry::new(AuditAction::SearchWordRemove)
                .subject("search_word", &word)
                .detail(json!({})),
            self.now(),
        );
        let removed = self
            .store
            .write(move |tx| {
                Box::pin(async move {
                    let removed = hotline_store::search::remove_word(&**tx, &word).await?;
                    if removed {
                        tx.audit([audit]);
                    }
                    Ok::<_, Error>(removed)
                })
            })
            .await?;
        if removed { Ok(()) } else { Err(Error::NotFound("search_word")) }
    }
}
