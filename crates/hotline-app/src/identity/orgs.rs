//! Managing the org tree: create, rename, move, deactivate. Orgs are never deleted: tickets,
//! users and statistics keep pointing at them.

use chrono::{DateTime, Utc};
use hotline_domain::audit::AuditAction;
use hotline_domain::conflict::Conflict;
use hotline_domain::org::{self, OrgCode, OrgKind, OrgName, OrgPath};
use hotline_domain::role::{Permission, Scope};
use hotline_domain::{FieldError, FieldErrors, FieldIssue, OrgId};
use hotline_store::orgs::{OrgFilter, OrgRow};
use hotline_store::{PageRequest, unique_violation};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::paging::{PageOf, Paging};
use crate::{App, AuditEntry, Ctx, Error, Result};

#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOrg {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub parent_id: Option<OrgId>,
    /// Review the replies of the sub-units it re-dispatches to before they go up (default on).
    pub reviews_replies: Option<bool>,
}

/// A partial update: rename, move (new parent) and (de)activate, in any combination.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrgChanges {
    pub name: Option<String>,
    pub parent_id: Option<OrgId>,
    pub active: Option<bool>,
    pub reviews_replies: Option<bool>,
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct OrgQuery {
    /// Only this org and its descendants.
    pub subtree_of: Option<OrgId>,
    pub parent_id: Option<OrgId>,
    pub kind: Option<String>,
    pub active: Option<bool>,
    /// Part of the name or code.
    pub q: Option<String>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct OrgView {
    pub id: OrgId,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub parent_id: Option<OrgId>,
    pub depth: usize,
    pub active: bool,
    /// Reviews the replies of the sub-units it re-dispatches to before they go up (审核下级答复).
    pub reviews_replies: bool,
    /// The hotline instance the org works in, when not this one.
    pub remote_url: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<OrgRow> for OrgView {
    fn from(row: OrgRow) -> Self {
        Self {
            id: OrgId::from_uuid(row.id),
            depth: OrgPath::from_stored(row.path).depth(),
            code: row.code,
            name: row.name,
            kind: row.kind.as_str().to_owned(),
            parent_id: row.parent_id.map(OrgId::from_uuid),
            active: row.active,
            reviews_replies: row.reviews_replies,
            remote_url: row.remote_url,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

fn audit_view(row: &OrgRow) -> serde_json::Value {
    json!({
        "code": row.code,
        "name": row.name,
        "kind": row.kind,
        "parent_id": row.parent_id,
        "active": row.active,
        "reviews_replies": row.reviews_replies,
    })
}

pub(crate) fn path_of(row: &OrgRow) -> OrgPath {
    OrgPath::from_stored(row.path.clone())
}

impl App {
    /// The org with `code` (the command line names orgs by code).
    pub async fn org_id_by_code(&self, code: &str) -> Result<Option<OrgId>> {
        let found = hotline_store::orgs::find_by_code(
            self.store.reader(),
            &code.trim().to_ascii_uppercase(),
        )
        .await?;
        Ok(found.map(|o| OrgId::from_uuid(o.id)))
    }

    pub(crate) async fn load_org(&self, id: OrgId) -> Result<OrgRow> {
        hotline_store::orgs::find(self.store.reader(), id.as_uuid())
            .await?
            .ok_or(Error::NotFound("org"))
    }

    pub async fn create_org(&self, ctx: &Ctx, input: NewOrg) -> Result<OrgView> {
        let mut errors = FieldErrors::new();
        let code = errors.take(OrgCode::parse(&input.code));
        let name = errors.take(OrgName::parse(&input.name));
        let kind = errors.take(input.kind.parse::<OrgKind>());
        let parent = match input.parent_id {
            Some(id) => match hotline_store::orgs::find(self.store.reader(), id.as_uuid()).await? {
                Some(row) => Some(row),
                None => {
                    errors.push(FieldError::new("parent_id", FieldIssue::NotFound));
                    None
                }
            },
            None => None,
        };
        let parent_path = parent.as_ref().map(path_of);
        self.authorize(ctx, Permission::OrgManage, parent_path.as_ref()).await?;
        // A parent that does not exist is already reported; placement is checked otherwise.
        if let Some(kind) = kind
            && (input.parent_id.is_none() || parent.is_some())
        {
            let placement =
                parent_path.as_ref().zip(parent.as_ref()).map(|(p, row)| (p, row.active));
            errors.take(org::check_placement(kind, placement));
        }
        errors.into_result()?;
        let (Some(code), Some(name), Some(kind)) = (code, name, kind) else {
            return Err(Error::Internal(anyhow::anyhow!("validated fields missing")));
        };

        let id = OrgId::from_uuid(uuid::Uuid::now_v7());
        let path = match &parent_path {
            Some(parent) => OrgPath::child(parent, id),
            None => OrgPath::root(id),
        };
        let now = self.now();
        let row = OrgRow {
            id: id.as_uuid(),
            code: code.as_str().to_owned(),
            name: name.as_str().to_owned(),
            kind,
            parent_id: parent.as_ref().map(|p| p.id),
            path: path.as_str().to_owned(),
            active: true,
            reviews_replies: input.reviews_replies.unwrap_or(true),
            remote_url: None,
            remote_token_id: None,
            remote_webhook_id: None,
            created_at: now,
            updated_at: now,
        };
        let ctx = ctx.clone();
        let row = self
            .store
            .write(move |tx| {
                Box::pin(async move {
                    if kind == OrgKind::Center {
                        let centers = hotline_store::orgs::list(
                            tx,
                            &OrgFilter {
                                kind: Some(OrgKind::Center.as_str().to_owned()),
                                ..OrgFilter::default()
                            },
                            PageRequest { page: 1, per_page: 1 },
                        )
                        .await?;
                        if centers.total > 0 {
                            return Err(Error::AlreadyExists(FieldError::new(
                                "kind",
                                FieldIssue::AlreadyExists,
                            )));
                        }
                    }
                    let row = match hotline_store::orgs::insert(tx, row).await {
                        Ok(row) => row,
                        Err(e) if unique_violation(&e).is_some() => {
                            return Err(Error::AlreadyExists(FieldError::new(
                                "code",
                                FieldIssue::AlreadyExists,
                            )));
                        }
                        Err(e) => return Err(e.into()),
                    };
                    let audit = ctx.record(
                        AuditEntry::new(AuditAction::OrgCreate)
                            .subject("org", row.id)
                            .detail(json!({ "after": audit_view(&row) })),
                        now,
                    );
                    tx.audit([audit]);
                    Ok::<_, Error>(row)
                })
            })
            .await?;
        self.invalidate_reference();
        Ok(row.into())
    }

    pub async fn update_org(&self, ctx: &Ctx, id: OrgId, changes: OrgChanges) -> Result<OrgView> {
        let before = self.load_org(id).await?;
        let old_path = path_of(&before);
        self.authorize(ctx, Permission::OrgManage, Some(&old_path)).await?;

        let mut errors = FieldErrors::new();
        let name = changes.name.as_deref().map(OrgName::parse).and_then(|r| errors.take(r));
        let new_parent = match changes.parent_id {
            Some(pid) if Some(pid.as_uuid()) != before.parent_id => {
                match hotline_store::orgs::find(self.store.reader(), pid.as_uuid()).await? {
                    Some(parent) => Some(parent),
                    None => {
                        errors.push(FieldError::new("parent_id", FieldIssue::NotFound));
                        None
                    }
                }
            }
            _ => None,
        };
        if let Some(parent) = &new_parent {
            let parent_path = path_of(parent);
            self.authorize(ctx, Permission::OrgManage, Some(&parent_path)).await?;
            if before.parent_id.is_none() {
                errors.push(FieldError::new("parent_id", FieldIssue::NotAllowed));
            } else if !parent.active {
                errors.push(FieldError::new("parent_id", FieldIssue::Inactive));
            } else {
                errors.take(org::check_move(&old_path, &parent_path));
            }
        }
        errors.into_result()?;

        let now = self.now();
        let ctx = ctx.clone();
        let after = self
            .store
            .write(move |tx| {
                Box::pin(async move {
                let mut after = before.clone();
                if let Some(name) = name {
                    after.name = name.as_str().to_owned();
                }
                if let Some(reviews) = changes.reviews_replies {
                    after.reviews_replies = reviews;
                }
                let moved = if let Some(parent) = &new_parent {
                    let new_path = OrgPath::child(&path_of(parent), id);
                    let subtree = hotline_store::orgs::subtree(tx, old_path.as_str()).await?;
                    hotline_store::orgs::rebase(tx, subtree, &old_path, &new_path).await?;
                    after.parent_id = Some(parent.id);
                    after.path = new_path.as_str().to_owned();
                    true
                } else {
                    false
                };
                match changes.active {
                    Some(false) if before.active => {
                        let (children, users) =
                            hotline_store::orgs::active_dependants(tx, before.id).await?;
                        if children > 0 || users > 0 {
                            return Err(Error::Conflict {
                                code: Conflict::OrgInUse,
                                fields: vec![
                                    FieldError::new("active", FieldIssue::NotAllowed).with_detail(format!(
                                        "{children} active child orgs and {users} active users"
                                    )),
                                ],
                            });
                        }
                        after.active = false;
                    }
                    Some(true) if !before.active => {
                        if let Some(pid) = after.parent_id {
                            let parent = hotline_store::orgs::find(tx, pid).await?;
                            if !parent.is_some_and(|p| p.active) {
                                return Err(Error::Validation(
                                    FieldError::new("active", FieldIssue::Inactive)
                                        .with_detail("the parent org is inactive")
                                        .into(),
                                ));
                            }
                        }
                        after.active = true;
                    }
                    _ => {}
                }
                if after == before {
                    return Ok(before);
                }
                after.updated_at = now;
                let after = hotline_store::orgs::update(tx, after).await?;
                let action = if moved { AuditAction::OrgMove } else { AuditAction::OrgUpdate };
                let audit = ctx.record(
                    AuditEntry::new(action)
                        .subject("org", after.id)
                        .detail(json!({ "before": audit_view(&before), "after": audit_view(&after) })),
                    now,
                );
                tx.audit([audit]);
                    Ok::<_, Error>(after)
                })
            })
            .await?;
        self.invalidate_reference();
        Ok(after.into())
    }

    pub async fn get_org(&self, ctx: &Ctx, id: OrgId) -> Result<OrgView> {
        let row = self.load_org(id).await?;
        self.authorize(ctx, Permission::OrgRead, Some(&path_of(&row))).await?;
        Ok(row.into())
    }

    pub async fn list_orgs(&self, ctx: &Ctx, query: OrgQuery) -> Result<PageOf<OrgView>> {
        let mut errors = FieldErrors::new();
        let page = errors.take(Paging { page: query.page, per_page: query.per_page }.validate());
        let kind = query.kind.as_deref().map(str::parse::<OrgKind>).and_then(|r| errors.take(r));
        errors.into_result()?;
        let page = page.ok_or(Error::Internal(anyhow::anyhow!("paging missing")))?;

        let subtree = match query.subtree_of {
            Some(root) => Some(path_of(&self.load_org(root).await?)),
            None => None,
        };
        let (_, scope) = self.authorize(ctx, Permission::OrgRead, subtree.as_ref()).await?;
        let path_prefix = match (subtree, scope) {
            (Some(path), _) => Some(path.as_str().to_owned()),
            (None, Scope::Subtree(path)) => Some(path.as_str().to_owned()),
            (None, Scope::City) => None,
        };
        let filter = OrgFilter {
            path_prefix,
            parent_id: query.parent_id.map(|id| id.as_uuid()),
            kind: kind.map(|k| k.as_str().to_owned()),
            active: query.active,
            q: query.q.filter(|q| !q.trim().is_empty()).map(|q| q.trim().to_owned()),
        };
        let result = hotline_store::orgs::list(self.store.reader(), &filter, page).await?;
        Ok(PageOf::new(result.items.into_iter().map(OrgView::from).collect(), result.total, page))
    }
}
