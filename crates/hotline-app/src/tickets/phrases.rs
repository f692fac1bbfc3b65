//! Common phrases (常用语) for opinions and replies: each person keeps their own; supervisors
//! and admins keep the shared ones everyone sees.

use hotline_domain::audit::AuditAction;
use hotline_domain::phrase::{MAX_PHRASE_CHARS, MAX_PHRASES, PhrasePurpose};
use hotline_domain::role::{Permission, Principal};
use hotline_domain::{FieldError, FieldIssue};
use hotline_store::phrases::PhraseRow;
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use super::bounded_text_multiline;
use crate::{App, AuditEntry, Ctx, Error, Result};

#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPhrase {
    pub content: String,
    /// `any` when not given.
    pub purpose: Option<PhrasePurpose>,
    /// For everyone (supervisors and admins only); the caller's own otherwise.
    #[serde(default)]
    pub shared: bool,
    pub sort_order: Option<i32>,
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PhraseChanges {
    pub content: Option<String>,
    pub purpose: Option<PhrasePurpose>,
    pub sort_order: Option<i32>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct PhraseView {
    pub id: Uuid,
    pub content: String,
    pub purpose: PhrasePurpose,
    pub shared: bool,
    /// The caller may change or delete it.
    pub editable: bool,
    pub sort_order: i32,
}

fn view(row: PhraseRow, may_share: bool) -> PhraseView {
    let shared = row.owner_id.is_none();
    PhraseView {
        id: row.id,
        content: row.content,
        purpose: row.purpose,
        shared,
        editable: !shared || may_share,
        sort_order: row.sort_order,
    }
}

/// Who keeps the shared list: those who also shape how work is handled.
fn may_share(principal: &Principal) -> bool {
    principal.scope_for(Permission::TicketSupervise).is_some()
        || principal.scope_for(Permission::ReferenceManage).is_some()
}

fn user_of(ctx: &Ctx) -> Result<(&Principal, Uuid)> {
    let principal = ctx.principal.as_ref().ok_or(Error::Unauthenticated)?;
    // Phrases belong to people; an API token has none.
    let user = principal.user_id().ok_or(Error::Forbidden)?;
    Ok((principal, user.as_uuid()))
}

impl App {
    pub async fn list_phrases(&self, ctx: &Ctx) -> Result<Vec<PhraseView>> {
        let (principal, user) = user_of(ctx)?;
        let share = may_share(principal);
        Ok(hotline_store::phrases::visible_to(self.store.reader(), user)
            .await?
            .into_iter()
            .map(|r| view(r, share))
            .collect())
    }

    pub async fn create_phrase(&self, ctx: &Ctx, input: NewPhrase) -> Result<PhraseView> {
        let (principal, user) = user_of(ctx)?;
        let share = may_share(principal);
        if input.shared && !share {
            return Err(self.deny(ctx, json!({"phrase": "shared"})).await);
        }
        let content = bounded_text_multiline("content", &input.content, 1, MAX_PHRASE_CHARS)?;
        let owner = (!input.shared).then_some(user);
        if hotline_store::phrases::count_of(self.store.reader(), owner).await? >= MAX_PHRASES {
            return Err(FieldError::new("content", FieldIssue::TooLong)
                .with_limit(usize::try_from(MAX_PHRASES).unwrap_or(usize::MAX))
                .with_detail("too many phrases")
                .into());
        }
        let now = self.now();
        let row = PhraseRow {
            id: Uuid::now_v7(),
            owner_id: owner,
            purpose: input.purpose.unwrap_or(PhrasePurpose::Any),
            content,
            sort_order: input.sort_order.unwrap_or(0),
            created_at: now,
            updated_at: now,
        };
        let audit = ctx.record(
            AuditEntry::new(AuditAction::PhraseCreate)
                .subject("phrase", row.id)
                .detail(json!({"shared": input.shared, "purpose": row.purpose})),
            now,
        );
        let row = self
            .store
            .write(move |tx| {
                Box::pin(async move {
                    let row = hotline_store::phrases::insert(tx, row).await?;
                    tx.audit([audit]);
                    Ok::<_, Error>(row)
                })
            })
            .await?;
        Ok(view(row, share))
    }

    pub async fn update_phrase(
        &self,
        ctx: &Ctx,
        id: Uuid,
        changes: PhraseChanges,
    ) -> Result<PhraseView> {
        let (share, mut row) = self.editable_phrase(ctx, id).await?;
        if let Some(content) = changes.content.as_deref() {
            row.content = bounded_text_multiline("content", content, 1, MAX_PHRASE_CHARS)?;
        }
        if let Some(purpose) = changes.purpose {
            row.purpose = purpose;
        }
        if let Some(order) = changes.sort_order {
            row.sort_order = order;
        }
        let now = self.now();
        row.updated_at = now;
        let audit =
            ctx.record(AuditEntry::new(AuditAction::PhraseUpdate).subject("phrase", id), now);
        let row = self
            .store
            .write(move |tx| {
                Box::pin(async move {
                    let row = hotline_store::phrases::update(tx, row).await?;
                    tx.audit([audit]);
                    Ok::<_, Error>(row)
                })
            })
            .await?;
        Ok(view(row, share))
    }

    pub async fn delete_phrase(&self, ctx: &Ctx, id: Uuid) -> Result<()> {
        self.editable_phrase(ctx, id).await?;
        let audit = ctx
            .record(AuditEntry::new(AuditAction::PhraseDelete).subject("phrase", id), self.now());
        self.store
            .write(move |tx| {
                Box::pin(async move {
                    hotline_store::phrases::delete(tx, id).await?;
                    tx.audit([audit]);
                    Ok::<_, Error>(())
                })
            })
            .await
    }

    /// A phrase the caller may change: their own, or a shared one for those who keep those.
    /// Someone else's is not found, as if it did not exist.
    async fn editable_phrase(&self, ctx: &Ctx, id: Uuid) -> Result<(bool, PhraseRow)> {
        let (principal, user) = user_of(ctx)?;
        let share = may_share(principal);
        let row = hotline_store::phrases::find(self.store.reader(), id)
            .await?
            .filter(|r| r.owner_id.is_none_or(|o| o == user))
            .ok_or(Error::NotFound("phrase"))?;
        if row.owner_id.is_none() && !share {
            return Err(self.deny(ctx, json!({"phrase": id})).await);
        }
        Ok((share, row))
    }
}
