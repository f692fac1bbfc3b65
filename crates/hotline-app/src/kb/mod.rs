//! The knowledge base (知识库): units write the answers they own, the center reviews and
//! publishes, agents answer from the published versions. Every save is a version; agents'
//! feedback and hits are counted per article; a job expires articles past their valid-to.

mod render;
mod transfer;

use chrono::{DateTime, NaiveDate, Utc};
use hotline_domain::audit::AuditAction;
use hotline_domain::conflict::Conflict;
use hotline_domain::kb::{
    ArticleStatus, FeedbackKind, ReviewAction, after_edit, has_unsafe_markup, in_use, review,
};
use hotline_domain::org::TreePath;
use hotline_domain::role::{Permission, Principal, Scope};
use hotline_domain::validation::bounded_text;
use hotline_domain::{FieldError, FieldErrors, FieldIssue, OrgId};
use hotline_store::kb::{
    ArticleFilter, ArticleRow, ArticleVersionRow, FeedbackRow, KbAttachmentRow,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use crate::paging::{PageOf, Paging};
use crate::tickets::attachments::{AttachmentInput, FileContent, check_attachments};
use crate::tickets::views::{OrgRef, org_ref};
use crate::{App, AuditEntry, Ctx, Error, Result};

pub use render::render_markdown;
pub use transfer::{ArticleRowData, ImportResult};

const MAX_BODY_CHARS: usize = 50_000;
const MAX_CATEGORIES: usize = 20;
/// A search ranks at most this many matches (a knowledge base holds thousands, not millions).
const SEARCH_CANDIDATES: u64 = 500;

#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewArticle {
    pub title: String,
    /// Markdown; markup a browser would run is refused.
    pub body: String,
    /// 答复口径: the wording agents answer the citizen with.
    pub reply_template: Option<String>,
    #[serde(default)]
    pub keywords: Vec<String>,
    #[serde(default)]
    pub category_ids: Vec<Uuid>,
    /// The owning unit; the writer's own org when not given.
    pub owner_org_id: Option<OrgId>,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
    #[serde(default)]
    pub attachments: Vec<AttachmentInput>,
}

/// A new working copy; what is left out stays. `version` is the one the editor read.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ArticleChanges {
    pub version: i32,
    pub title: Option<String>,
    pub body: Option<String>,
    /// An empty text removes it.
    pub reply_template: Option<String>,
    pub keywords: Option<Vec<String>>,
    pub category_ids: Option<Vec<Uuid>>,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
    /// What this edit is about, kept with the version.
    pub note: Option<String>,
    #[serde(default)]
    pub attachments: Vec<AttachmentInput>,
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ArticleQuery {
    /// Words in the title, search words or body.
    pub q: Option<String>,
    /// This category and its descendants.
    pub category_id: Option<Uuid>,
    /// `draft`, `in_review`, `published`, `expired`, `withdrawn`: the working copies editors
    /// see; without it, the articles agents are offered today.
    #[param(value_type = Option<ArticleStatus>)]
    pub status: Option<String>,
    /// Articles of this unit (and those below it).
    pub owner_org_id: Option<OrgId>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewInput {
    pub action: ReviewAction,
    /// Why (required to reject or withdraw).
    pub opinion: Option<String>,
}

#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeedbackInput {
    pub kind: FeedbackKind,
    pub comment: Option<String>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct CategoryPath {
    pub id: Uuid,
    /// `城乡建设 / 城市建设和市政管理 / 自来水供应`.
    pub path: String,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct KbAttachmentView {
    pub id: Uuid,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
}

/// An article as its reader may see it: agents read the published version; the owner and
/// reviewers the working copy.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ArticleView {
    pub id: Uuid,
    pub title: String,
    pub body: String,
    /// The body rendered and sanitised.
    pub body_html: String,
    pub reply_template: Option<String>,
    pub keywords: Vec<String>,
    pub categories: Vec<CategoryPath>,
    pub owner_org: Option<OrgRef>,
    pub status: ArticleStatus,
    /// The version shown.
    pub version: i32,
    /// The working copy's version (editors).
    pub working_version: i32,
    pub published_version: Option<i32>,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
    /// Agents are offered it today.
    pub in_use: bool,
    pub hits: i64,
    pub helpful: i32,
    pub outdated: i32,
    pub attachments: Vec<KbAttachmentView>,
    /// The caller may edit it (its owner's writers, the center's editors).
    pub editable: bool,
    /// The caller may publish or reject it.
    pub reviewable: bool,
    pub updated_at: DateTime<Utc>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ArticleSummary {
    pub id: Uuid,
    pub title: String,
    /// The text around the words searched for, or the start of the body.
    pub snippet: String,
    /// `[from, to)` character ranges of `snippet` where the words are.
    pub snippet_marks: Vec<[usize; 2]>,
    pub reply_template: Option<String>,
    pub status: ArticleStatus,
    pub in_use: bool,
    pub owner_org: Option<OrgRef>,
    pub categories: Vec<CategoryPath>,
    pub hits: i64,
    pub updated_at: DateTime<Utc>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct VersionView {
    pub version: i32,
    pub title: String,
    pub edited_by: Option<String>,
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
    /// A unified diff from the version before (of title, 答复口径 and body).
    pub diff: String,
    pub published: bool,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct FeedbackView {
    pub kind: FeedbackKind,
    pub comment: Option<String>,
    pub by: Option<String>,
    pub at: DateTime<Utc>,
}

fn category_path(reference: &crate::reference::ReferenceData, id: Uuid) -> Option<CategoryPath> {
    let names = crate::reference::categories::path_names(reference, id)?;
    Some(CategoryPath { id, path: names.join(" / ") })
}

fn keywords_of(stored: Option<&str>) -> Vec<String> {
    stored.map(|s| s.split(',').map(str::to_owned).collect()).unwrap_or_default()
}

/// What one save changes, checked.
pub(crate) struct Content {
    pub(crate) title: String,
    pub(crate) body: String,
    pub(crate) reply_template: Option<String>,
    pub(crate) keywords: Option<String>,
    pub(crate) categories: Vec<Uuid>,
    pub(crate) valid_from: Option<NaiveDate>,
    pub(crate) valid_to: Option<NaiveDate>,
}

/// The rows of a new article: a draft at version 1, its categories and its first version.
/// Written by the editor, the import and the demo alike.
pub(crate) struct NewArticleRows {
    article: ArticleRow,
    categories: Vec<Uuid>,
    version: ArticleVersionRow,
}

impl NewArticleRows {
    pub(crate) fn draft(
        content: Content,
        owner: Uuid,
        created_by: Option<Uuid>,
        note: Option<String>,
        now: DateTime<Utc>,
    ) -> Self {
        let article = ArticleRow {
            id: Uuid::now_v7(),
            title: content.title,
            body: content.body,
            reply_template: content.reply_template,
            keywords: content.keywords,
            owner_org_id: owner,
            status: ArticleStatus::Draft,
            valid_from: content.valid_from,
            valid_to: content.valid_to,
            version: 1,
            published_version: None,
            hits: 0,
            helpful: 0,
            outdated: 0,
            expiry_notice_sent: false,
            created_by,
            created_at: now,
            updated_at: now,
        };
        let version = version_row(&article, &content.categories, created_by, note, now);
        Self { article, categories: content.categories, version }
    }

    /// Published as written (demo data, which nobody needs to review).
    pub(crate) fn published(mut self) -> Self {
        self.article.status = ArticleStatus::Published;
        self.article.published_version = Some(self.article.version);
        self
    }

    pub(crate) fn id(&self) -> Uuid {
        self.article.id
    }

    pub(crate) async fn insert(self, db: &impl sea_orm::ConnectionTrait) -> Result<ArticleRow> {
        let row = hotline_store::kb::insert(db, self.article).await?;
        hotline_store::kb::set_categories(db, row.id, &self.categories).await?;
        hotline_store::kb::insert_version(db, self.version).await?;
        Ok(row)
    }
}

impl App {
    fn check_content(
        &self,
        errors: &mut FieldErrors,
        content: Content,
        categories_known: &dyn Fn(Uuid) -> bool,
    ) -> Option<Content> {
        let title = errors.take(bounded_text("title", &content.title, 2, 200));
        let body = errors.take(crate::tickets::bounded_text_multiline(
            "body",
            &content.body,
            1,
            MAX_BODY_CHARS,
        ));
        if has_unsafe_markup(&content.body) {
            errors.push(
                FieldError::new("body", FieldIssue::NotAllowed)
                    .with_detail("scripts and active content are not allowed"),
            );
        }
        let reply_template = match content.reply_template.as_deref().map(str::trim) {
            Some("") | None => Some(None),
            Some(t) => errors
                .take(crate::tickets::bounded_text_multiline("reply_template", t, 1, 5_000))
                .map(Some),
        };
        if content.reply_template.as_deref().is_some_and(has_unsafe_markup) {
            errors.push(FieldError::new("reply_template", FieldIssue::NotAllowed));
        }
        if content.categories.len() > MAX_CATEGORIES {
            errors.push(
                FieldError::new("category_ids", FieldIssue::TooLong).with_limit(MAX_CATEGORIES),
            );
        }
        for (i, c) in content.categories.iter().enumerate() {
            if !categories_known(*c) {
                errors.push(FieldError::new(format!("category_ids[{i}]"), FieldIssue::NotFound));
            }
        }
        if let (Some(from), Some(to)) = (content.valid_from, content.valid_to)
            && to < from
        {
            errors.push(
                FieldError::new("valid_to", FieldIssue::InvalidValue)
                    .with_detail("before valid_from"),
            );
        }
        let mut categories = content.categories;
        categories.dedup();
        Some(Content {
            title: title?,
            body: body?,
            reply_template: reply_template?,
            keywords: content.keywords,
            categories,
            valid_from: content.valid_from,
            valid_to: content.valid_to,
        })
    }

    /// The caller's reach for writing articles, or a refusal.
    async fn kb_writer(&self, ctx: &Ctx) -> Result<(Principal, Scope)> {
        self.authorize(ctx, Permission::KbEdit, None).await
    }

    fn owner_path(
        &self,
        reference: &crate::reference::ReferenceData,
        owner: Uuid,
    ) -> Option<TreePath> {
        reference.orgs.get(&owner).map(|o| TreePath::from_stored(o.path.clone()))
    }

    fn may_edit(&self, principal: &Principal, owner_path: Option<&TreePath>) -> bool {
        match (principal.scope_for(Permission::KbEdit), owner_path) {
            (Some(scope), Some(path)) => scope.contains(path),
            (Some(Scope::City), None) => true,
            _ => false,
        }
    }

    pub async fn create_article(&self, ctx: &Ctx, input: NewArticle) -> Result<ArticleView> {
        let (principal, scope) = self.kb_writer(ctx).await?;
        let reference = self.reference().await?;
        let mut errors = FieldErrors::new();
        let owner = input.owner_org_id.unwrap_or(principal.org_id).as_uuid();
        match self.owner_path(&reference, owner) {
            None => errors.push(FieldError::new("owner_org_id", FieldIssue::NotFound)),
            Some(path) if !scope.contains(&path) => {
                return Err(self.deny(ctx, json!({"kb_owner": owner})).await);
            }
            Some(_) => {}
        }
        let keywords =
            crate::reference::categories::checked_keywords(&mut errors, &input.keywords).flatten();
        check_attachments(&mut errors, "attachments", &input.attachments);
        let content = self.check_content(
            &mut errors,
            Content {
                title: input.title,
                body: input.body,
                reply_template: input.reply_template,
                keywords,
                categories: input.category_ids,
                valid_from: input.valid_from,
                valid_to: input.valid_to,
            },
            &|c| reference.categories.contains_key(&c),
        );
        errors.into_result()?;
        let content =
            content.ok_or_else(|| Error::Internal(anyhow::anyhow!("validated article missing")))?;
        let now = self.now();
        let user = principal.user_id().map(|u| u.as_uuid());
        let rows = NewArticleRows::draft(content, owner, user, None, now);
        let attachments = kb_attachment_rows(&input.attachments, rows.id(), now);
        let audit = ctx.record(
            AuditEntry::new(AuditAction::KbCreate)
                .subject("kb_article", rows.id())
                .detail(json!({"title": rows.article.title, "owner_org_id": owner})),
            now,
        );
        let row = self
            .store
            .write(move |tx| {
                Box::pin(async move {
                    let row = rows.insert(tx).await?;
                    hotline_store::kb::insert_attachments(tx, attachments).await?;
                    tx.audit([audit]);
                    Ok::<_, Error>(row)
                })
            })
            .await?;
        self.article_view(&principal, row).await
    }

    pub async fn update_article(
        &self,
        ctx: &Ctx,
        id: Uuid,
        input: ArticleChanges,
    ) -> Result<ArticleView> {
        let principal = ctx.principal.clone().ok_or(Error::Unauthenticated)?;
        let before = hotline_store::kb::find(self.store.reader(), id)
            .await?
            .ok_or(Error::NotFound("article"))?;
        let reference = self.reference().await?;
        if !self.may_edit(&principal, self.owner_path(&reference, before.owner_org_id).as_ref()) {
            return Err(self.deny(ctx, json!({"kb_article": id, "edit": true})).await);
        }
        if input.version != before.version {
            return Err(Error::conflict(Conflict::ConcurrentUpdate));
        }
        let db = self.store.reader();
        let current_categories =
            hotline_store::kb::categories_of(db, &[id]).await?.remove(&id).unwrap_or_default();
        let mut errors = FieldErrors::new();
        let keywords = match &input.keywords {
            Some(words) => {
                crate::reference::categories::checked_keywords(&mut errors, words).flatten()
            }
            None => before.keywords.clone(),
        };
        check_attachments(&mut errors, "attachments", &input.attachments);
        let content = self.check_content(
            &mut errors,
            Content {
                title: input.title.clone().unwrap_or_else(|| before.title.clone()),
                body: input.body.clone().unwrap_or_else(|| before.body.clone()),
                reply_template: input
                    .reply_template
                    .clone()
                    .or_else(|| before.reply_template.clone()),
                keywords,
                categories: input.category_ids.clone().unwrap_or(current_categories),
                valid_from: input.valid_from.or(before.valid_from),
                valid_to: input.valid_to.or(before.valid_to),
            },
            &|c| reference.categories.contains_key(&c),
        );
        let note = match input.note.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
            Some(n) => errors.take(bounded_text("note", n, 1, 500)),
            None => None,
        };
        errors.into_result()?;
        let content =
            content.ok_or_else(|| Error::Internal(anyhow::anyhow!("validated article missing")))?;
        let now = self.now();
        let user = principal.user_id().map(|u| u.as_uuid());
        let mut after = before.clone();
        after.title = content.title;
        after.body = content.body;
        after.reply_template = content.reply_template;
        after.keywords = content.keywords;
        after.valid_from = content.valid_from;
        after.valid_to = content.valid_to;
        after.version = before.version + 1;
        after.status = after_edit(before.status);
        after.expiry_notice_sent = before.expiry_notice_sent && after.valid_to == before.valid_to;
        after.updated_at = now;
        let version = version_row(&after, &content.categories, user, note, now);
        let attachments = kb_attachment_rows(&input.attachments, id, now);
        let audit = ctx.record(
            AuditEntry::new(AuditAction::KbUpdate)
                .subject("kb_article", id)
                .detail(json!({"version": after.version, "status": after.status})),
            now,
        );
        let categories = content.categories;
        let expected = before.version;
        let row = self
            .store
            .write(move |tx| {
                Box::pin(async move {
                    let row = hotline_store::kb::update(tx, after, expected).await?;
                    hotline_store::kb::set_categories(tx, id, &categories).await?;
                    hotline_store::kb::insert_version(tx, version).await?;
                    hotline_store::kb::insert_attachments(tx, attachments).await?;
                    tx.audit([audit]);
                    Ok::<_, Error>(row)
                })
            })
            .await?;
        self.article_view(&principal, row).await
    }

    /// Submit (owner), publish or reject (the center), withdraw (either).
    pub async fn review_article(
        &self,
        ctx: &Ctx,
        id: Uuid,
        input: ReviewInput,
    ) -> Result<ArticleView> {
        let principal = ctx.principal.clone().ok_or(Error::Unauthenticated)?;
        let before = hotline_store::kb::find(self.store.reader(), id)
            .await?
            .ok_or(Error::NotFound("article"))?;
        let reference = self.reference().await?;
        let owner =
            self.may_edit(&principal, self.owner_path(&reference, before.owner_org_id).as_ref());
        let reviewer = principal.scope_for(Permission::KbPublish).is_some();
        let allowed = match input.action {
            ReviewAction::Submit => owner,
            ReviewAction::Publish | ReviewAction::Reject => reviewer,
            ReviewAction::Withdraw => owner || reviewer,
        };
        if !allowed {
            return Err(self.deny(ctx, json!({"kb_article": id, "review": input.action})).await);
        }
        let status = review(before.status, input.action).map_err(Error::conflict)?;
        let opinion = match (input.action, input.opinion.as_deref().map(str::trim)) {
            (ReviewAction::Reject | ReviewAction::Withdraw, o) => {
                Some(bounded_text("opinion", o.unwrap_or(""), 2, 500)?)
            }
            (_, Some(o)) if !o.is_empty() => Some(bounded_text("opinion", o, 1, 500)?),
            _ => None,
        };
        let now = self.now();
        let mut after = before.clone();
        after.status = status;
        after.updated_at = now;
        if input.action == ReviewAction::Publish {
            // What agents read from now on is the working copy as reviewed.
            after.published_version = Some(before.version);
            after.expiry_notice_sent = false;
        }
        let audit = ctx.record(
            AuditEntry::new(AuditAction::KbReview)
                .subject("kb_article", id)
                .detail(json!({"action": input.action, "from": before.status, "to": status, "opinion": opinion, "version": before.version})),
            now,
        );
        // The review moves the status, not the text: the working copy keeps its version, which
        // still guards against an edit saved meanwhile.
        let expected = before.version;
        let row = self
            .store
            .write(move |tx| {
                Box::pin(async move {
                    let row = hotline_store::kb::update(tx, after, expected).await?;
                    tx.audit([audit]);
                    Ok::<_, Error>(row)
                })
            })
            .await?;
        self.article_view(&principal, row).await
    }

    /// Opens an article: agents get the published version (and count a hit), editors the
    /// working copy.
    pub async fn get_article(&self, ctx: &Ctx, id: Uuid) -> Result<ArticleView> {
        let (_, view) = self.visible_article(ctx, id).await?;
        if !view.editable && !view.reviewable {
            let txn = self.store.begin().await?;
            hotline_store::kb::count_hit(&txn, id).await?;
            txn.commit().await?;
        }
        Ok(view)
    }

    /// The article as the caller sees it; one that is not in use does not exist for those who
    /// neither edit nor review it.
    async fn visible_article(&self, ctx: &Ctx, id: Uuid) -> Result<(Principal, ArticleView)> {
        let (principal, _) = self.authorize(ctx, Permission::KbRead, None).await?;
        let row = hotline_store::kb::find(self.store.reader(), id)
            .await?
            .ok_or(Error::NotFound("article"))?;
        let view = self.article_view(&principal, row).await?;
        if !(view.in_use || view.editable || view.reviewable) {
            return Err(Error::NotFound("article"));
        }
        Ok((principal, view))
    }

    pub(crate) async fn article_view(
        &self,
        principal: &Principal,
        row: ArticleRow,
    ) -> Result<ArticleView> {
        let db = self.store.reader();
        let reference = self.reference().await?;
        let owner_path = self.owner_path(&reference, row.owner_org_id);
        let editable = self.may_edit(principal, owner_path.as_ref());
        let reviewable = principal.scope_for(Permission::KbPublish).is_some();
        let today = self.calendar().local_date(self.now());
        let in_use = in_use(
            row.status,
            row.published_version.is_some(),
            row.valid_from,
            row.valid_to,
            today,
        );
        // Agents read what was published; editors the working copy.
        let shown = match (editable || reviewable, row.published_version) {
            (false, Some(v)) => hotline_store::kb::version(db, row.id, v).await?,
            _ => None,
        };
        let (title, body, reply_template, keywords, categories, version) = match shown {
            Some(v) => {
                let categories: Vec<Uuid> =
                    serde_json::from_str(&v.category_ids).unwrap_or_default();
                (v.title, v.body, v.reply_template, v.keywords, categories, v.version)
            }
            None => {
                let categories = hotline_store::kb::categories_of(db, &[row.id])
                    .await?
                    .remove(&row.id)
                    .unwrap_or_default();
                (
                    row.title.clone(),
                    row.body.clone(),
                    row.reply_template.clone(),
                    row.keywords.clone(),
                    categories,
                    row.version,
                )
            }
        };
        let attachments = hotline_store::kb::attachments(db, row.id)
            .await?
            .into_iter()
            .map(|a| KbAttachmentView {
                id: a.id,
                file_name: a.file_name,
                content_type: a.content_type,
                size_bytes: a.size_bytes,
            })
            .collect();
        Ok(ArticleView {
            id: row.id,
            body_html: render_markdown(&body),
            title,
            body,
            reply_template,
            keywords: keywords_of(keywords.as_deref()),
            categories: categories
                .into_iter()
                .filter_map(|id| category_path(&reference, id))
                .collect(),
            owner_org: reference.orgs.get(&row.owner_org_id).map(org_ref),
            status: row.status,
            version,
            working_version: row.version,
            published_version: row.published_version,
            valid_from: row.valid_from,
            valid_to: row.valid_to,
            in_use,
            hits: row.hits,
            helpful: row.helpful,
            outdated: row.outdated,
            attachments,
            editable,
            reviewable,
            updated_at: row.updated_at,
        })
    }

    /// Articles: without a status, those agents are offered today; with one, the working copies
    /// of that status the caller edits or reviews.
    pub async fn list_articles(
        &self,
        ctx: &Ctx,
        query: ArticleQuery,
    ) -> Result<PageOf<ArticleSummary>> {
        let (principal, _) = self.authorize(ctx, Permission::KbRead, None).await?;
        let mut errors = FieldErrors::new();
        let page = errors.take(Paging { page: query.page, per_page: query.per_page }.validate());
        let status = query.status.as_deref().map(|s| {
            ArticleStatus::parse(s)
                .ok_or_else(|| FieldError::new("status", FieldIssue::InvalidValue))
        });
        let status = status.and_then(|r| errors.take(r));
        let text = query.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
        if text.is_some_and(|t| t.chars().count() > 100) {
            errors.push(FieldError::new("q", FieldIssue::TooLong).with_limit(100));
        }
        let words = text.map(crate::search::query_words).unwrap_or_default();
        // Only stop words or punctuation typed: nothing to look for, so nothing matches.
        let nothing = text.is_some() && words.is_empty();
        let reference = self.reference().await?;
        let mut filter = ArticleFilter::default();
        if let Some(category) = query.category_id {
            match reference.categories.get(&category) {
                None => errors.push(FieldError::new("category_id", FieldIssue::NotFound)),
                Some(c) => {
                    filter.categories = reference
                        .categories
                        .values()
                        .filter(|d| d.path.starts_with(&c.path))
                        .map(|d| d.id)
                        .collect();
                }
            }
        }
        if let Some(owner) = query.owner_org_id {
            match self.owner_path(&reference, owner.as_uuid()) {
                None => errors.push(FieldError::new("owner_org_id", FieldIssue::NotFound)),
                Some(path) => {
                    filter.owners = reference
                        .orgs
                        .values()
                        .filter(|o| path.contains(&TreePath::from_stored(o.path.clone())))
                        .map(|o| o.id)
                        .collect();
                }
            }
        }
        errors.into_result()?;
        let page = page.ok_or_else(|| Error::Internal(anyhow::anyhow!("paging missing")))?;
        if nothing {
            return Ok(PageOf::new(Vec::new(), 0, page));
        }
        let today = self.calendar().local_date(self.now());
        match status {
            None => filter.in_use_on = Some(today),
            Some(status) => {
                filter.statuses = vec![status];
                // Working copies: everyone's for reviewers and city-wide writers, one's own
                // subtree's for a unit.
                match (
                    principal.scope_for(Permission::KbPublish),
                    principal.scope_for(Permission::KbEdit),
                ) {
                    (Some(_), _) | (None, Some(Scope::City)) => {}
                    (None, Some(Scope::Subtree(path))) => {
                        let mine: Vec<Uuid> = reference
                            .orgs
                            .values()
                            .filter(|o| path.contains(&TreePath::from_stored(o.path.clone())))
                            .map(|o| o.id)
                            .collect();
                        filter.owners = if filter.owners.is_empty() {
                            mine
                        } else {
                            filter.owners.into_iter().filter(|o| mine.contains(o)).collect()
                        };
                        if filter.owners.is_empty() {
                            // Asked for another unit's: nothing, rather than everything.
                            filter.owners = vec![Uuid::nil()];
                        }
                    }
                    (None, None) => return Err(self.deny(ctx, json!({"kb_status": status})).await),
                }
            }
        }
        self.article_summaries(filter, &words, page, today, &reference).await
    }

    async fn article_summaries(
        &self,
        mut filter: ArticleFilter,
        words: &[String],
        page: hotline_store::PageRequest,
        today: NaiveDate,
        reference: &crate::reference::ReferenceData,
    ) -> Result<PageOf<ArticleSummary>> {
        let db = self.store.reader();
        // A search takes the index's best candidates, keeps those the filters allow, in the
        // index's order (BM25: titles and search words first), then pages; a plain list pages
        // in the database.
        let index = if words.is_empty() { None } else { Some(self.article_index().await?) };
        let result = match &index {
            None => hotline_store::kb::list(db, &filter, page).await?,
            Some(index) => {
                let ranked = {
                    let (index, words) = (index.clone(), words.to_vec());
                    let limit = usize::try_from(SEARCH_CANDIDATES).unwrap_or(500);
                    tokio::task::spawn_blocking(move || index.search(&words, limit))
                        .await
                        .map_err(|e| Error::Internal(e.into()))?
                        .map_err(crate::search::index::search_error)?
                };
                let order: Vec<Uuid> = ranked.iter().map(|r| r.0).collect();
                filter.ids = Some(order.clone());
                let all = hotline_store::kb::list(
                    db,
                    &filter,
                    hotline_store::PageRequest { page: 1, per_page: SEARCH_CANDIDATES },
                )
                .await?;
                let mut items: Vec<ArticleRow> = all.items;
                items.sort_by_key(|a| order.iter().position(|id| *id == a.id));
                let total = items.len() as u64;
                let items = items
                    .into_iter()
                    .skip(usize::try_from(page.offset()).unwrap_or(usize::MAX))
                    .take(usize::try_from(page.per_page).unwrap_or(usize::MAX))
                    .collect();
                hotline_store::Page { items, total }
            }
        };
        let ids: Vec<Uuid> = result.items.iter().map(|a| a.id).collect();
        let mut categories = hotline_store::kb::categories_of(db, &ids).await?;
        // Lists of what agents are offered show the published text.
        let published = if filter.in_use_on.is_some() {
            hotline_store::kb::published_versions(db, &result.items).await?
        } else {
            std::collections::HashMap::new()
        };
        let items = result
            .items
            .into_iter()
            .map(|a| {
                let shown = published.get(&a.id);
                let body = shown.map_or(a.body.as_str(), |v| v.body.as_str());
                let marked = index.as_ref().and_then(|i| i.snippet(words, &render::plain(body)));
                let (snippet, snippet_marks) = match marked {
                    Some(h) => (h.fragment, h.ranges.into_iter().map(|(a, b)| [a, b]).collect()),
                    None => (render::snippet(body, words), Vec::new()),
                };
                ArticleSummary {
                    id: a.id,
                    title: shown.map_or_else(|| a.title.clone(), |v| v.title.clone()),
                    snippet,
                    snippet_marks,
                    reply_template: shown
                        .map_or_else(|| a.reply_template.clone(), |v| v.reply_template.clone()),
                    status: a.status,
                    in_use: in_use(
                        a.status,
                        a.published_version.is_some(),
                        a.valid_from,
                        a.valid_to,
                        today,
                    ),
                    owner_org: reference.orgs.get(&a.owner_org_id).map(org_ref),
                    categories: categories
                        .remove(&a.id)
                        .unwrap_or_default()
                        .into_iter()
                        .filter_map(|id| category_path(reference, id))
                        .collect(),
                    hits: a.hits,
                    updated_at: a.updated_at,
                }
            })
            .collect();
        Ok(PageOf::new(items, result.total, page))
    }

    /// Every version, newest first, each with its diff from the one before.
    pub async fn article_versions(&self, ctx: &Ctx, id: Uuid) -> Result<Vec<VersionView>> {
        let principal = ctx.principal.clone().ok_or(Error::Unauthenticated)?;
        let row = hotline_store::kb::find(self.store.reader(), id)
            .await?
            .ok_or(Error::NotFound("article"))?;
        let reference = self.reference().await?;
        let editor = self
            .may_edit(&principal, self.owner_path(&reference, row.owner_org_id).as_ref())
            || principal.scope_for(Permission::KbPublish).is_some();
        if !editor {
            return Err(self.deny(ctx, json!({"kb_article": id, "versions": true})).await);
        }
        let versions = hotline_store::kb::versions(self.store.reader(), id).await?;
        let editors: Vec<Uuid> = versions.iter().filter_map(|v| v.edited_by).collect();
        let names = hotline_store::users::display_names(self.store.reader(), &editors).await?;
        Ok(versions
            .iter()
            .enumerate()
            .map(|(i, v)| VersionView {
                version: v.version,
                title: v.title.clone(),
                edited_by: v.edited_by.and_then(|u| names.get(&u).cloned()),
                note: v.note.clone(),
                created_at: v.created_at,
                diff: render::diff(versions.get(i + 1), v),
                published: row.published_version == Some(v.version),
            })
            .collect())
    }

    /// An agent's word on an article: helpful, or out of date (which its owner sees).
    pub async fn article_feedback(&self, ctx: &Ctx, id: Uuid, input: FeedbackInput) -> Result<()> {
        let (principal, _) = self.visible_article(ctx, id).await?;
        let comment = match input.comment.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
            Some(c) => Some(bounded_text("comment", c, 1, 500)?),
            None if input.kind == FeedbackKind::Outdated => {
                return Err(FieldError::new("comment", FieldIssue::Required).into());
            }
            None => None,
        };
        let now = self.now();
        let row = FeedbackRow {
            id: Uuid::now_v7(),
            article_id: id,
            user_id: principal.user_id().map(|u| u.as_uuid()),
            kind: input.kind,
            comment,
            created_at: now,
        };
        let audit = ctx.record(
            AuditEntry::new(AuditAction::KbFeedback)
                .subject("kb_article", id)
                .detail(json!({"kind": input.kind})),
            now,
        );
        self.store
            .write(move |tx| {
                Box::pin(async move {
                    hotline_store::kb::insert_feedback(tx, row).await?;
                    tx.audit([audit]);
                    Ok::<_, Error>(())
                })
            })
            .await
    }

    /// The feedback an article got, for its owner and reviewers.
    pub async fn list_article_feedback(&self, ctx: &Ctx, id: Uuid) -> Result<Vec<FeedbackView>> {
        let principal = ctx.principal.clone().ok_or(Error::Unauthenticated)?;
        let row = hotline_store::kb::find(self.store.reader(), id)
            .await?
            .ok_or(Error::NotFound("article"))?;
        let reference = self.reference().await?;
        let editor = self
            .may_edit(&principal, self.owner_path(&reference, row.owner_org_id).as_ref())
            || principal.scope_for(Permission::KbPublish).is_some();
        if !editor {
            return Err(self.deny(ctx, json!({"kb_article": id, "feedback": true})).await);
        }
        let rows = hotline_store::kb::feedback(self.store.reader(), id).await?;
        let users: Vec<Uuid> = rows.iter().filter_map(|f| f.user_id).collect();
        let names = hotline_store::users::display_names(self.store.reader(), &users).await?;
        Ok(rows
            .into_iter()
            .map(|f| FeedbackView {
                kind: f.kind,
                comment: f.comment,
                by: f.user_id.and_then(|u| names.get(&u).cloned()),
                at: f.created_at,
            })
            .collect())
    }

    /// A file of an article, for whoever may read the article.
    pub async fn article_attachment(
        &self,
        ctx: &Ctx,
        id: Uuid,
        attachment: Uuid,
    ) -> Result<FileContent> {
        self.visible_article(ctx, id).await?;
        let found = hotline_store::kb::find_attachment(self.store.reader(), attachment)
            .await?
            .filter(|a| a.article_id == id)
            .ok_or(Error::NotFound("attachment"))?;
        self.file_content(&found.sha256, found.file_name).await
    }

    /// Expires articles past their last valid day and tells owners of those about to expire
    /// (an outbox event to the owning org). Run by the `kb.expiry` job.
    pub async fn run_kb_expiry(&self) -> Result<u64> {
        let today = self.calendar().local_date(self.now());
        let db = self.store.reader();
        let expired = hotline_store::kb::expired_by(db, today).await?;
        let soon = hotline_store::kb::expiring_by(
            db,
            today + chrono::Duration::days(hotline_domain::kb::EXPIRY_NOTICE_DAYS),
        )
        .await?;
        let soon: Vec<ArticleRow> =
            soon.into_iter().filter(|a| !expired.iter().any(|e| e.id == a.id)).collect();
        let done = u64::try_from(expired.len() + soon.len()).unwrap_or(u64::MAX);
        if done == 0 {
            return Ok(0);
        }
        let now = self.now();
        let ctx = Ctx::system();
        let audits: Vec<_> = expired
            .iter()
            .map(|a| {
                ctx.record(
                    AuditEntry::new(AuditAction::KbExpire)
                        .subject("kb_article", a.id)
                        .detail(json!({"title": a.title, "valid_to": a.valid_to})),
                    now,
                )
            })
            .collect();
        self.store
            .write(move |tx| {
                Box::pin(async move {
                    for a in &expired {
                        hotline_store::kb::set_status(tx, a.id, ArticleStatus::Expired, true)
                            .await?;
                        hotline_store::tickets::insert_outbox(tx, kb_event("kb.expired", a, now))
                            .await?;
                    }
                    for a in &soon {
                        hotline_store::kb::set_status(tx, a.id, a.status, true).await?;
                        hotline_store::tickets::insert_outbox(tx, kb_event("kb.expiring", a, now))
                            .await?;
                    }
                    tx.audit(audits);
                    Ok::<_, Error>(())
                })
            })
            .await?;
        Ok(done)
    }
}

/// An event for the article's owner (webhooks deliver it to the owning org).
fn kb_event(
    topic: &str,
    article: &ArticleRow,
    now: DateTime<Utc>,
) -> hotline_store::tickets::OutboxRow {
    let payload = json!({
        "article_id": article.id, "title": article.title, "valid_to": article.valid_to,
        "orgs": [article.owner_org_id.to_string()],
    });
    hotline_store::tickets::outbox_row(topic, None, payload.to_string(), now)
}

fn version_row(
    row: &ArticleRow,
    categories: &[Uuid],
    edited_by: Option<Uuid>,
    note: Option<String>,
    now: DateTime<Utc>,
) -> ArticleVersionRow {
    ArticleVersionRow {
        id: Uuid::now_v7(),
        article_id: row.id,
        version: row.version,
        title: row.title.clone(),
        body: row.body.clone(),
        reply_template: row.reply_template.clone(),
        keywords: row.keywords.clone(),
        category_ids: serde_json::to_string(categories).unwrap_or_else(|_| "[]".to_owned()),
        valid_from: row.valid_from,
        valid_to: row.valid_to,
        edited_by,
        note,
        created_at: now,
    }
}

fn kb_attachment_rows(
    list: &[AttachmentInput],
    article: Uuid,
    now: DateTime<Utc>,
) -> Vec<KbAttachmentRow> {
    list.iter()
        .filter_map(|a| {
            Some(KbAttachmentRow {
                id: Uuid::now_v7(),
                article_id: article,
                file_name: a.file_name.trim().to_owned(),
                content_type: a.content_type.trim().to_owned(),
                size_bytes: a.size_bytes,
                sha256: a.sha256.as_ref()?.to_ascii_lowercase(),
                created_at: now,
            })
        })
        .collect()
}
