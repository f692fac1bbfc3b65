//! The three-level category tree (诉求分类): read by everyone at intake, edited by admins.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use hotline_domain::audit::AuditAction;
use hotline_domain::org::TreePath;
use hotline_domain::role::Permission;
use hotline_domain::validation::bounded_text;
use hotline_domain::{FieldError, FieldErrors, FieldIssue};
use hotline_store::reference::CategoryRow;
use hotline_store::unique_violation;
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use crate::reference::ReferenceData;
use crate::{App, AuditEntry, Ctx, Error, Result};

/// The tree has three levels (一级/二级/三级分类).
pub const MAX_LEVEL: i16 = 3;

#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CategoryQuery {
    pub include_inactive: Option<bool>,
}

#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCategory {
    pub name: String,
    pub parent_id: Option<Uuid>,
    /// Optional; derived from the parent's code when absent.
    pub code: Option<String>,
    /// Words callers use for it (电梯, 噪音), found by the category search.
    #[serde(default)]
    pub keywords: Vec<String>,
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CategoryChanges {
    pub name: Option<String>,
    pub parent_id: Option<Uuid>,
    pub active: Option<bool>,
    /// Replaces the search words.
    pub keywords: Option<Vec<String>>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct CategoryNode {
    pub id: Uuid,
    pub code: String,
    pub name: String,
    pub level: i16,
    pub parent_id: Option<Uuid>,
    pub active: bool,
    pub keywords: Vec<String>,
    /// The initials of the name in pinyin (特种设备管理 → tzsbgl), for typing without a
    /// Chinese input method.
    pub pinyin: String,
    #[schema(no_recursion)]
    pub children: Vec<CategoryNode>,
}

/// A category as tickets show it: `城乡建设 / 城市建设和市政管理 / 自来水供应`.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct CategoryRef {
    pub id: Uuid,
    pub code: String,
    pub name: String,
    pub path_names: Vec<String>,
}

fn build_tree(
    rows: &[CategoryRow],
    parent: Option<Uuid>,
    include_inactive: bool,
) -> Vec<CategoryNode> {
    rows.iter()
        .filter(|r| r.parent_id == parent && (include_inactive || r.active))
        .map(|r| node(r, build_tree(rows, Some(r.id), include_inactive)))
        .collect()
}

fn node(r: &CategoryRow, children: Vec<CategoryNode>) -> CategoryNode {
    CategoryNode {
        id: r.id,
        code: r.code.clone(),
        name: r.name.clone(),
        level: r.level,
        parent_id: r.parent_id,
        active: r.active,
        keywords: stored_keywords(r.keywords.as_deref()),
        pinyin: pinyin_initials(&r.name),
        children,
    }
}

fn audit_view(row: &CategoryRow) -> serde_json::Value {
    json!({"code": row.code, "name": row.name, "parent_id": row.parent_id, "active": row.active, "level": row.level, "keywords": row.keywords})
}

/// A category's names from the root down (城乡建设, …, 自来水供应).
pub(crate) fn path_names(reference: &ReferenceData, id: Uuid) -> Option<Vec<String>> {
    let row = reference.categories.get(&id)?;
    Some(
        TreePath::from_stored(row.path.clone())
            .ids::<Uuid>()
            .filter_map(|a| reference.categories.get(&a).map(|c| c.name.clone()))
            .collect(),
    )
}

/// At most this many search words per category, each at most this many characters.
const MAX_KEYWORDS: usize = 30;
const MAX_KEYWORD_CHARS: usize = 20;

/// Search words as stored: trimmed, without duplicates, comma-separated (a comma cannot be
/// part of a word). `None` for none.
pub(crate) fn checked_keywords(
    errors: &mut FieldErrors,
    words: &[String],
) -> Option<Option<String>> {
    if words.len() > MAX_KEYWORDS {
        errors.push(FieldError::new("keywords", FieldIssue::TooLong).with_limit(MAX_KEYWORDS));
        return None;
    }
    let mut kept: Vec<String> = Vec::new();
    let mut fine = true;
    for (i, word) in words.iter().enumerate() {
        let field = format!("keywords[{i}]");
        match bounded_text(&field, word, 1, MAX_KEYWORD_CHARS) {
            Ok(word) if word.contains([',', '，']) => {
                errors.push(FieldError::new(field, FieldIssue::InvalidFormat));
                fine = false;
            }
            Ok(word) => {
                if !kept.contains(&word) {
                    kept.push(word);
                }
            }
            Err(e) => {
                errors.push(e);
                fine = false;
            }
        }
    }
    fine.then(|| (!kept.is_empty()).then(|| kept.join(",")))
}

fn stored_keywords(stored: Option<&str>) -> Vec<String> {
    stored.map(|s| s.split(',').map(str::to_owned).collect()).unwrap_or_default()
}

/// Pinyin initials of the Chinese characters, other letters and digits as they are.
fn pinyin_initials(name: &str) -> String {
    use pinyin::ToPinyin as _;
    name.chars()
        .filter_map(|c| match c.to_pinyin() {
            Some(p) => p.first_letter().chars().next(),
            None => c.is_ascii_alphanumeric().then(|| c.to_ascii_lowercase()),
        })
        .collect()
}

/// The category rows of a tree, built from `(level1, level2, level3)` names.
pub(crate) fn rows_from_triples<'a>(
    triples: impl IntoIterator<Item = [&'a str; 3]>,
    now: DateTime<Utc>,
) -> Vec<CategoryRow> {
    let mut rows: Vec<CategoryRow> = Vec::new();
    let mut index: HashMap<(Option<Uuid>, String), usize> = HashMap::new();
    for triple in triples {
        let mut parent: Option<usize> = None;
        for (depth, name) in triple.iter().enumerate() {
            let parent_id = parent.map(|p| rows[p].id);
            let key = (parent_id, (*name).to_owned());
            let at = if let Some(at) = index.get(&key) {
                *at
            } else {
                let siblings = rows.iter().filter(|r| r.parent_id == parent_id).count();
                let id = Uuid::now_v7();
                let (code, path) = match parent {
                    Some(p) => {
                        let width = if depth == 2 { 3 } else { 2 };
                        (
                            format!("{}{:0width$}", rows[p].code, siblings + 1),
                            TreePath::child(&TreePath::from_stored(rows[p].path.clone()), id),
                        )
                    }
                    None => (format!("{:02}", siblings + 1), TreePath::root(id)),
                };
                rows.push(CategoryRow {
                    id,
                    code,
                    name: (*name).to_owned(),
                    parent_id,
                    level: i16::try_from(depth + 1).unwrap_or(MAX_LEVEL),
                    path: path.as_str().to_owned(),
                    active: true,
                    sort_order: i32::try_from(siblings + 1).unwrap_or(0),
                    keywords: None,
                    created_at: now,
                    updated_at: now,
                });
                index.insert(key, rows.len() - 1);
                rows.len() - 1
            };
            parent = Some(at);
        }
    }
    rows
}

impl App {
    pub async fn list_categories(
        &self,
        ctx: &Ctx,
        query: CategoryQuery,
    ) -> Result<Vec<CategoryNode>> {
        self.authorize_reference_read(ctx).await?;
        let rows = hotline_store::reference::categories(self.store.reader()).await?;
        Ok(build_tree(&rows, None, query.include_inactive.unwrap_or(false)))
    }

    /// A category with the names of its ancestors.
    pub(crate) async fn category_ref(&self, id: Uuid) -> Result<Option<CategoryRef>> {
        let reference = self.reference().await?;
        let Some(row) = reference.categories.get(&id) else { return Ok(None) };
        let names = path_names(&reference, id).unwrap_or_default();
        Ok(Some(CategoryRef {
            id: row.id,
            code: row.code.clone(),
            name: row.name.clone(),
            path_names: names,
        }))
    }

    pub async fn create_category(&self, ctx: &Ctx, input: NewCategory) -> Result<CategoryNode> {
        self.authorize(ctx, Permission::ReferenceManage, None).await?;
        let db = self.store.reader();
        let mut errors = FieldErrors::new();
        let name = errors.take(bounded_text("name", &input.name, 1, 100));
        let keywords = checked_keywords(&mut errors, &input.keywords).flatten();
        let parent = match input.parent_id {
            Some(id) => match hotline_store::reference::find_category(db, id).await? {
                Some(p) if p.level >= MAX_LEVEL => {
                    errors.push(
                        FieldError::new("parent_id", FieldIssue::NotAllowed)
                            .with_detail("the tree has three levels"),
                    );
                    None
                }
                Some(p) if !p.active => {
                    errors.push(FieldError::new("parent_id", FieldIssue::Inactive));
                    None
                }
                Some(p) => Some(p),
                None => {
                    errors.push(FieldError::new("parent_id", FieldIssue::NotFound));
                    None
                }
            },
            None => None,
        };
        let code = match &input.code {
            Some(code) => errors.take(bounded_text("code", code, 1, 16).and_then(|c| {
                if c.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '-') {
                    Ok(c)
                } else {
                    Err(FieldError::new("code", FieldIssue::InvalidFormat))
                }
            })),
            None => None,
        };
        errors.into_result()?;
        let name =
            name.ok_or_else(|| Error::Internal(anyhow::anyhow!("validated name missing")))?;
        let rows = hotline_store::reference::categories(db).await?;
        let siblings = rows.iter().filter(|r| r.parent_id == parent.as_ref().map(|p| p.id)).count();
        let id = Uuid::now_v7();
        let level = parent.as_ref().map_or(1, |p| p.level + 1);
        let code = code.unwrap_or_else(|| {
            let width = if level == MAX_LEVEL { 3 } else { 2 };
            let prefix = parent.as_ref().map_or("", |p| p.code.as_str());
            let mut n = siblings + 1;
            loop {
                let candidate = format!("{prefix}{n:0width$}");
                if !rows.iter().any(|r| r.code == candidate) {
                    break candidate;
                }
                n += 1;
            }
        });
        let path = match &parent {
            Some(p) => TreePath::child(&TreePath::from_stored(p.path.clone()), id),
            None => TreePath::root(id),
        };
        let now = self.now();
        let row = CategoryRow {
            id,
            code,
            name,
            parent_id: parent.as_ref().map(|p| p.id),
            level,
            path: path.as_str().to_owned(),
            active: true,
            sort_order: i32::try_from(siblings + 1).unwrap_or(0),
            keywords,
            created_at: now,
            updated_at: now,
        };
        let ctx = ctx.clone();
        let row = self
            .store
            .write(move |tx| {
                Box::pin(async move {
                    if let Err(e) =
                        hotline_store::reference::insert_categories(tx, vec![row.clone()]).await
                    {
                        return Err(if unique_violation(&e).is_some() {
                            Error::AlreadyExists(FieldError::new("code", FieldIssue::AlreadyExists))
                        } else {
                            e.into()
                        });
                    }
                    let audit = ctx.record(
                        AuditEntry::new(AuditAction::CategoryCreate)
                            .subject("category", row.id)
                            .detail(json!({"after": audit_view(&row)})),
                        now,
                    );
                    tx.audit([audit]);
                    Ok::<_, Error>(row)
                })
            })
            .await?;
        self.invalidate_reference();
        Ok(node(&row, Vec::new()))
    }

    /// Rename, move (keeping the tree at three levels) or (de)activate a category.
    pub async fn update_category(
        &self,
        ctx: &Ctx,
        id: Uuid,
        changes: CategoryChanges,
    ) -> Result<CategoryNode> {
        self.authorize(ctx, Permission::ReferenceManage, None).await?;
        let rows = hotline_store::reference::categories(self.store.reader()).await?;
        let before =
            rows.iter().find(|r| r.id == id).cloned().ok_or(Error::NotFound("category"))?;
        let old_path = TreePath::from_stored(before.path.clone());
        let mut errors = FieldErrors::new();
        let name = changes
            .name
            .as_deref()
            .map(|n| bounded_text("name", n, 1, 100))
            .and_then(|r| errors.take(r));
        let keywords =
            changes.keywords.as_deref().and_then(|words| checked_keywords(&mut errors, words));
        let subtree: Vec<&CategoryRow> = rows
            .iter()
            .filter(|r| old_path.contains(&TreePath::from_stored(r.path.clone())))
            .collect();
        let new_parent = match changes.parent_id {
            Some(pid) if Some(pid) != before.parent_id => match rows.iter().find(|r| r.id == pid) {
                None => {
                    errors.push(FieldError::new("parent_id", FieldIssue::NotFound));
                    None
                }
                Some(p) if old_path.contains(&TreePath::from_stored(p.path.clone())) => {
                    errors.push(FieldError::new("parent_id", FieldIssue::CreatesCycle));
                    None
                }
                Some(p) => {
                    let depth_below =
                        subtree.iter().map(|r| r.level - before.level).max().unwrap_or(0);
                    if p.level + 1 + depth_below > MAX_LEVEL {
                        errors.push(
                            FieldError::new("parent_id", FieldIssue::NotAllowed)
                                .with_detail("the tree has three levels"),
                        );
                    }
                    Some(p.clone())
                }
            },
            _ => None,
        };
        errors.into_result()?;
        let now = self.now();
        let mut after = before.clone();
        if let Some(name) = name {
            after.name = name;
        }
        if let Some(active) = changes.active {
            after.active = active;
        }
        if let Some(keywords) = keywords {
            after.keywords = keywords;
        }
        let mut moved = Vec::new();
        if let Some(parent) = &new_parent {
            let new_path = TreePath::child(&TreePath::from_stored(parent.path.clone()), id);
            let shift = parent.level + 1 - before.level;
            for row in subtree.iter().filter(|r| r.id != id) {
                let mut row = (*row).clone();
                row.path = TreePath::from_stored(row.path.clone())
                    .rebase(&old_path, &new_path)
                    .as_str()
                    .to_owned();
                row.level += shift;
                row.updated_at = now;
                moved.push(row);
            }
            after.parent_id = Some(parent.id);
            after.path = new_path.as_str().to_owned();
            after.level = parent.level + 1;
        }
        if after == before {
            return build_tree(&rows, before.parent_id, true)
                .into_iter()
                .find(|n| n.id == id)
                .ok_or(Error::NotFound("category"));
        }
        after.updated_at = now;
        let audit = ctx.record(
            AuditEntry::new(AuditAction::CategoryUpdate)
                .subject("category", id)
                .detail(json!({"before": audit_view(&before), "after": audit_view(&after)})),
            now,
        );
        let after = self
            .store
            .write(move |tx| {
                Box::pin(async move {
                    for row in moved {
                        hotline_store::reference::update_category(tx, row).await?;
                    }
                    let after = hotline_store::reference::update_category(tx, after).await?;
                    tx.audit([audit]);
                    Ok::<_, Error>(after)
                })
            })
            .await?;
        self.invalidate_reference();
        let rows = hotline_store::reference::categories(self.store.reader()).await?;
        build_tree(&rows, after.parent_id, true)
            .into_iter()
            .find(|n| n.id == id)
            .ok_or(Error::NotFound("category"))
    }
}
