//! Moving articles in and out as spreadsheets (admins and reviewers): an export of every
//! working copy, and an import that takes a whole file or nothing — every bad row is named.

use chrono::NaiveDate;
use hotline_domain::audit::AuditAction;
use hotline_domain::kb::ArticleStatus;
use hotline_domain::role::Permission;
use hotline_domain::{FieldError, FieldErrors, FieldIssue};
use hotline_store::kb::{ArticleFilter, ArticleRow};
use serde::Serialize;
use serde_json::json;
use uuid::Uuid;

use super::{Content, NewArticleRows, category_path, keywords_of};
use crate::paging::MAX_EXPORT_ROWS;
use crate::{App, AuditEntry, Ctx, Error, Result};

/// One article as a spreadsheet row carries it.
#[derive(Clone, Debug, Default)]
pub struct ArticleRowData {
    pub title: String,
    pub body: String,
    pub reply_template: Option<String>,
    pub keywords: Vec<String>,
    /// Category paths (`城乡建设 / … / 自来水供应`).
    pub categories: Vec<String>,
    /// The owning org's code; the importer's own org when empty.
    pub owner: Option<String>,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
    pub status: Option<ArticleStatus>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ImportResult {
    /// Articles created, each a draft for its owner to submit.
    pub imported: usize,
}

impl App {
    /// Every article's working copy, for admins and reviewers.
    pub async fn export_articles(&self, ctx: &Ctx) -> Result<Vec<ArticleRowData>> {
        self.authorize(ctx, Permission::KbPublish, None).await?;
        let db = self.store.reader();
        let page = hotline_store::PageRequest { page: 1, per_page: MAX_EXPORT_ROWS + 1 };
        let rows = hotline_store::kb::list(db, &ArticleFilter::default(), page).await?.items;
        if rows.len() > usize::try_from(MAX_EXPORT_ROWS).unwrap_or(usize::MAX) {
            return Err(FieldError::new("format", FieldIssue::TooLong)
                .with_limit(usize::try_from(MAX_EXPORT_ROWS).unwrap_or(usize::MAX))
                .into());
        }
        let ids: Vec<Uuid> = rows.iter().map(|a| a.id).collect();
        let mut categories = hotline_store::kb::categories_of(db, &ids).await?;
        let reference = self.reference().await?;
        self.audit_now(vec![ctx.record(
            AuditEntry::new(AuditAction::KbExport).detail(json!({"returned": rows.len()})),
            self.now(),
        )])
        .await?;
        Ok(rows
            .into_iter()
            .map(|a: ArticleRow| ArticleRowData {
                keywords: keywords_of(a.keywords.as_deref()),
                categories: categories
                    .remove(&a.id)
                    .unwrap_or_default()
                    .into_iter()
                    .filter_map(|c| category_path(&reference, c).map(|p| p.path))
                    .collect(),
                owner: reference.orgs.get(&a.owner_org_id).map(|o| o.code.clone()),
                title: a.title,
                body: a.body,
                reply_template: a.reply_template,
                valid_from: a.valid_from,
                valid_to: a.valid_to,
                status: Some(a.status),
            })
            .collect())
    }

    /// Imports articles as drafts: every row is checked first, and one bad row imports
    /// nothing (`rows[3].title`, …).
    pub async fn import_articles(
        &self,
        ctx: &Ctx,
        rows: Vec<ArticleRowData>,
    ) -> Result<ImportResult> {
        let (principal, _) = self.authorize(ctx, Permission::KbPublish, None).await?;
        let reference = self.reference().await?;
        let by_path: std::collections::HashMap<String, Uuid> = reference
            .categories
            .keys()
            .filter_map(|id| category_path(&reference, *id).map(|p| (p.path, *id)))
            .collect();
        let mut errors = FieldErrors::new();
        if rows.is_empty() {
            errors
                .push(FieldError::new("file", FieldIssue::Required).with_detail("no article rows"));
        }
        let now = self.now();
        let user = principal.user_id().map(|u| u.as_uuid());
        let mut articles = Vec::new();
        for (i, row) in rows.into_iter().enumerate() {
            let mut row_errors = FieldErrors::new();
            let owner = match row.owner.as_deref().map(str::trim).filter(|o| !o.is_empty()) {
                None => Some(principal.org_id.as_uuid()),
                Some(code) => {
                    let found = reference
                        .orgs
                        .values()
                        .find(|o| o.code.eq_ignore_ascii_case(code))
                        .map(|o| o.id);
                    if found.is_none() {
                        row_errors.push(
                            FieldError::new("owner", FieldIssue::NotFound)
                                .with_detail(code.to_owned()),
                        );
                    }
                    found
                }
            };
            let mut categories = Vec::new();
            for (j, path) in row.categories.iter().enumerate() {
                match by_path.get(path.trim()) {
                    Some(id) => categories.push(*id),
                    None => row_errors.push(
                        FieldError::new(format!("categories[{j}]"), FieldIssue::NotFound)
                            .with_detail(path.clone()),
                    ),
                }
            }
            let keywords =
                crate::reference::categories::checked_keywords(&mut row_errors, &row.keywords)
                    .flatten();
            let content = self.check_content(
                &mut row_errors,
                Content {
                    title: row.title,
                    body: row.body,
                    reply_template: row.reply_template,
                    keywords,
                    categories,
                    valid_from: row.valid_from,
                    valid_to: row.valid_to,
                },
                &|_| true,
            );
            for e in row_errors.into_vec() {
                let field = format!("rows[{}].{}", i + 2, e.field);
                errors.push(e.renamed(field));
            }
            if let (Some(owner), Some(content)) = (owner, content) {
                articles.push(NewArticleRows::draft(
                    content,
                    owner,
                    user,
                    Some("导入".to_owned()),
                    now,
                ));
            }
        }
        errors.into_result()?;
        let imported = articles.len();
        let audit = ctx.record(
            AuditEntry::new(AuditAction::KbCreate).detail(json!({"import": imported})),
            now,
        );
        self.store
            .write(move |tx| {
                Box::pin(async move {
                    for rows in articles {
                        rows.insert(tx).await?;
                    }
                    tx.audit([audit]);
                    Ok::<_, Error>(())
                })
            })
            .await?;
        Ok(ImportResult { imported })
    }
}
