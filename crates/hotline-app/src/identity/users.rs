//! Managing staff users: create, change org/roles/name, (de)activate, reset password, unlock.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use hotline_domain::audit::AuditAction;
use hotline_domain::role::{self, Permission, Role, Scope};
use hotline_domain::user::{DisplayName, Username};
use hotline_domain::{FieldError, FieldErrors, FieldIssue, OrgId, UserId};
use hotline_store::orgs::OrgRow;
use hotline_store::unique_violation;
use hotline_store::users::{UserFilter, UserRow};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::identity::orgs::path_of;
use crate::paging::{PageOf, Paging};
use crate::{App, AuditEntry, Ctx, Error, Result};

#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub org_id: OrgId,
    #[schema(value_type = Vec<hotline_domain::role::Role>)]
    pub roles: Vec<String>,
    /// The initial password; the user must change it at first sign-in.
    pub password: String,
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserChanges {
    pub display_name: Option<String>,
    pub org_id: Option<OrgId>,
    #[schema(value_type = Option<Vec<hotline_domain::role::Role>>)]
    pub roles: Option<Vec<String>>,
    pub active: Option<bool>,
}

#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordReset {
    pub password: String,
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct UserQuery {
    pub org_id: Option<OrgId>,
    /// Users of this org and every org below it.
    pub subtree_of: Option<OrgId>,
    #[param(value_type = Option<hotline_domain::role::Role>)]
    pub role: Option<String>,
    pub active: Option<bool>,
    /// Part of the username or display name.
    pub q: Option<String>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct UserView {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub org_id: OrgId,
    pub roles: Vec<Role>,
    pub active: bool,
    pub locked: bool,
    pub locked_until: Option<DateTime<Utc>>,
    pub must_change_password: bool,
    pub totp_enabled: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl UserView {
    pub(crate) fn new(row: UserRow, roles: &[Role], now: DateTime<Utc>) -> Self {
        let locked = row.locked_until.is_some_and(|until| now < until);
        Self {
            id: UserId::from_uuid(row.id),
            username: row.username,
            display_name: row.display_name,
            org_id: OrgId::from_uuid(row.org_id),
            roles: roles.to_vec(),
            active: row.active,
            locked,
            locked_until: row.locked_until.filter(|_| locked),
            must_change_password: row.must_change_password,
            totp_enabled: row.totp_enabled,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

fn audit_view(row: &UserRow, roles: &[Role]) -> serde_json::Value {
    json!({
        "username": row.username,
        "display_name": row.display_name,
        "org_id": row.org_id,
        "roles": roles,
        "active": row.active,
    })
}

/// Parses role names, refusing unknown ones and duplicates.
fn parse_roles(raw: &[String]) -> Result<Vec<Role>, FieldError> {
    let mut roles = BTreeSet::new();
    for name in raw {
        let role: Role = name.parse()?;
        if role.is_machine_only() {
            return Err(FieldError::new("roles", FieldIssue::NotAllowed)
                .with_detail(format!("{name} is for API tokens, not for people")));
        }
        if !roles.insert(role) {
            return Err(FieldError::new("roles", FieldIssue::InvalidValue)
                .with_detail(format!("{name} is listed twice")));
        }
    }
    Ok(roles.into_iter().collect())
}

impl App {
    /// The account called `username` (the command line names accounts; the API uses ids).
    pub async fn user_id_by_username(&self, username: &str) -> Result<Option<UserId>> {
        let found = hotline_store::users::find_by_username(
            self.store.reader(),
            &username.trim().to_lowercase(),
        )
        .await?;
        Ok(found.map(|u| UserId::from_uuid(u.id)))
    }

    /// The user, their roles (in `Role` order, as `parse_roles` gives them) and their org.
    async fn load_user(&self, id: UserId) -> Result<(UserRow, Vec<Role>, OrgRow)> {
        let db = self.store.reader();
        let user =
            hotline_store::users::find(db, id.as_uuid()).await?.ok_or(Error::NotFound("user"))?;
        let mut roles = hotline_store::users::roles_of(db, user.id).await?;
        roles.sort();
        let org =
            hotline_store::orgs::find(db, user.org_id).await?.ok_or(Error::NotFound("org"))?;
        Ok((user, roles, org))
    }

    /// Checks that the caller may hand out every role in `roles`, to a user of `org`.
    fn check_grants(ctx: &Ctx, roles: &[Role], org: &OrgRow) -> Result<(), FieldError> {
        role::check_roles_fit_org(roles, org.kind)?;
        if let Some(principal) = &ctx.principal
            && let Some(role) = roles.iter().find(|r| !role::may_grant(principal, **r))
        {
            return Err(FieldError::new("roles", FieldIssue::NotAllowed)
                .with_detail(format!("you may not grant {role}")));
        }
        Ok(())
    }

    pub async fn create_user(&self, ctx: &Ctx, input: NewUser) -> Result<UserView> {
        let org = hotline_store::orgs::find(self.store.reader(), input.org_id.as_uuid()).await?;
        let org_path = org.as_ref().map(path_of);
        self.authorize(ctx, Permission::UserManage, org_path.as_ref()).await?;
        let mut errors = FieldErrors::new();
        let username = errors.take(Username::parse(&input.username));
        let display_name = errors.take(DisplayName::parse(&input.display_name));
        let roles = errors.take(parse_roles(&input.roles));
        match &org {
            None => errors.push(FieldError::new("org_id", FieldIssue::NotFound)),
            Some(org) if !org.active => {
                errors.push(FieldError::new("org_id", FieldIssue::Inactive))
            }
            Some(org) => {
                if let Some(roles) = &roles {
                    errors.take(Self::check_grants(ctx, roles, org));
                }
            }
        }
        if let Some(username) = &username {
            errors.take(self.config.security.password_policy().check(
                "password",
                &input.password,
                username.as_str(),
            ));
        }
        errors.into_result()?;
        let (Some(username), Some(display_name), Some(roles), Some(org)) =
            (username, display_name, roles, org)
        else {
            return Err(Error::Internal(anyhow::anyhow!("validated fields missing")));
        };

        let hash = self.hasher.hash(&input.password).await?;
        let now = self.now();
        let row = UserRow {
            id: uuid::Uuid::now_v7(),
            username: username.as_str().to_owned(),
            display_name: display_name.as_str().to_owned(),
            org_id: org.id,
            password_hash: hash,
            must_change_password: true,
            password_changed_at: now,
            failed_logins: 0,
            locked_until: None,
            totp_secret: None,
            totp_enabled: false,
            totp_last_step: None,
            active: true,
            preferences: None,
            created_at: now,
            updated_at: now,
        };
        let (ctx, stored) = (ctx.clone(), roles.clone());
        let row = self
            .store
            .write(move |tx| {
                Box::pin(async move {
                    let row = match hotline_store::users::insert(tx, row, &stored).await {
                        Ok(row) => row,
                        Err(e) if unique_violation(&e).is_some() => {
                            return Err(Error::AlreadyExists(FieldError::new(
                                "username",
                                FieldIssue::AlreadyExists,
                            )));
                        }
                        Err(e) => return Err(e.into()),
                    };
                    tx.audit([ctx.record(
                        AuditEntry::new(AuditAction::UserCreate)
                            .subject("user", row.id)
                            .detail(json!({ "after": audit_view(&row, &stored) })),
                        now,
                    )]);
                    Ok(row)
                })
            })
            .await?;
        Ok(UserView::new(row, &roles, now))
    }

    pub async fn update_user(
        &self,
        ctx: &Ctx,
        id: UserId,
        changes: UserChanges,
    ) -> Result<UserView> {
        let (before, before_roles, org) = self.load_user(id).await?;
        let (principal, _) =
            self.authorize(ctx, Permission::UserManage, Some(&path_of(&org))).await?;
        let is_self = principal.user_id() == Some(id);

        let mut errors = FieldErrors::new();
        let display_name =
            changes.display_name.as_deref().map(DisplayName::parse).and_then(|r| errors.take(r));
        let new_org = match changes.org_id {
            Some(org_id) if org_id.as_uuid() != before.org_id => {
                match hotline_store::orgs::find(self.store.reader(), org_id.as_uuid()).await? {
                    None => {
                        errors.push(FieldError::new("org_id", FieldIssue::NotFound));
                        None
                    }
                    Some(target) => {
                        self.authorize(ctx, Permission::UserManage, Some(&path_of(&target)))
                            .await?;
                        if !target.active {
                            errors.push(FieldError::new("org_id", FieldIssue::Inactive));
                        }
                        Some(target)
                    }
                }
            }
            _ => None,
        };
        let roles = changes.roles.as_deref().map(parse_roles).and_then(|r| errors.take(r));
        if is_self && roles.as_ref().is_some_and(|r| *r != before_roles) {
            // Separation of duties: nobody changes their own roles.
            errors.push(
                FieldError::new("roles", FieldIssue::NotAllowed)
                    .with_detail("you cannot change your own roles"),
            );
        }
        if is_self && changes.active == Some(false) {
            errors.push(
                FieldError::new("active", FieldIssue::NotAllowed)
                    .with_detail("you cannot deactivate yourself"),
            );
        }
        let effective_roles = roles.clone().unwrap_or_else(|| before_roles.clone());
        let effective_org = new_org.as_ref().unwrap_or(&org);
        if roles.is_some() || new_org.is_some() {
            errors.take(Self::check_grants(ctx, &effective_roles, effective_org));
        }
        errors.into_result()?;

        let now = self.now();
        let mut after = before.clone();
        if let Some(name) = display_name {
            after.display_name = name.as_str().to_owned();
        }
        if let Some(target) = &new_org {
            after.org_id = target.id;
        }
        if let Some(active) = changes.active {
            after.active = active;
        }
        let after_roles = effective_roles.clone();
        if after == before && after_roles == before_roles {
            return Ok(UserView::new(before, &before_roles, now));
        }
        after.updated_at = now;
        let (ctx, roles) = (ctx.clone(), after_roles.clone());
        let after = self
            .store
            .write(move |tx| {
                Box::pin(async move {
                    let after = hotline_store::users::update(tx, after).await?;
                    if roles != before_roles {
                        hotline_store::users::set_roles(tx, after.id, &roles).await?;
                    }
                    if !after.active || roles != before_roles || after.org_id != before.org_id {
                        // A changed account must sign in again to pick up its new rights
                        // (ASVS 7.4.2).
                        hotline_store::sessions::delete_for_user(tx, after.id).await?;
                    }
                    tx.audit([ctx.record(
                        AuditEntry::new(AuditAction::UserUpdate).subject("user", after.id).detail(
                            json!({
                                "before": audit_view(&before, &before_roles),
                                "after": audit_view(&after, &roles),
                            }),
                        ),
                        now,
                    )]);
                    Ok::<_, Error>(after)
                })
            })
            .await?;
        Ok(UserView::new(after, &after_roles, now))
    }

    /// Sets a new initial password, clears any lockout and ends the user's sessions; the user
    /// must choose their own password at the next sign-in.
    pub async fn reset_password(
        &self,
        ctx: &Ctx,
        id: UserId,
        input: PasswordReset,
    ) -> Result<UserView> {
        let (before, roles, org) = self.load_user(id).await?;
        let (principal, _) =
            self.authorize(ctx, Permission::UserManage, Some(&path_of(&org))).await?;
        // One's own password changes with the current one (`POST /auth/password`): a reset here
        // would let a stolen session take the account over.
        if principal.user_id() == Some(id) {
            return Err(self.deny(ctx, json!({ "reset_password": "own_account" })).await);
        }
        self.config.security.password_policy().check(
            "password",
            &input.password,
            &before.username,
        )?;
        let hash = self.hasher.hash(&input.password).await?;
        let now = self.now();
        let mut after = before.clone();
        after.password_hash = hash;
        after.must_change_password = true;
        after.password_changed_at = now;
        after.failed_logins = 0;
        after.locked_until = None;
        after.updated_at = now;
        let ctx = ctx.clone();
        let after = self
            .store
            .write(move |tx| {
                Box::pin(async move {
                    let after = hotline_store::users::update(tx, after).await?;
                    let ended = hotline_store::sessions::delete_for_user(tx, after.id).await?;
                    tx.audit([ctx.record(
                        AuditEntry::new(AuditAction::UserResetPassword)
                            .subject("user", after.id)
                            .detail(json!({ "username": after.username, "sessions_ended": ended })),
                        now,
                    )]);
                    Ok::<_, Error>(after)
                })
            })
            .await?;
        Ok(UserView::new(after, &roles, now))
    }

    pub async fn unlock_user(&self, ctx: &Ctx, id: UserId) -> Result<UserView> {
        let (before, roles, org) = self.load_user(id).await?;
        self.authorize(ctx, Permission::UserManage, Some(&path_of(&org))).await?;
        let now = self.now();
        let mut after = before.clone();
        after.failed_logins = 0;
        after.locked_until = None;
        after.updated_at = now;
        let audit = AuditEntry::new(AuditAction::UserUnlock)
            .subject("user", after.id)
            .detail(json!({"username": after.username, "was_locked_until": before.locked_until}));
        let audit = ctx.record(audit, now);
        let after = self
            .store
            .write(move |tx| {
                Box::pin(async move {
                    let after = hotline_store::users::update(tx, after).await?;
                    tx.audit([audit]);
                    Ok::<_, Error>(after)
                })
            })
            .await?;
        Ok(UserView::new(after, &roles, now))
    }

    /// Reads one user's record; the read is audited (staff names are personal data).
    pub async fn get_user(&self, ctx: &Ctx, id: UserId) -> Result<UserView> {
        let (user, roles, org) = self.load_user(id).await?;
        self.authorize(ctx, Permission::UserRead, Some(&path_of(&org))).await?;
        let now = self.now();
        self.audit_now(vec![
            ctx.record(AuditEntry::new(AuditAction::UserRead).subject("user", user.id), now),
        ])
        .await?;
        Ok(UserView::new(user, &roles, now))
    }

    pub async fn list_users(&self, ctx: &Ctx, query: UserQuery) -> Result<PageOf<UserView>> {
        let mut errors = FieldErrors::new();
        let page = errors.take(Paging { page: query.page, per_page: query.per_page }.validate());
        let role = query
            .role
            .as_deref()
            .map(|r| {
                r.parse::<Role>().map_err(|_| FieldError::new("role", FieldIssue::InvalidValue))
            })
            .and_then(|r| errors.take(r));
        errors.into_result()?;
        let page = page.ok_or(Error::Internal(anyhow::anyhow!("paging missing")))?;

        let target = match query.subtree_of.or(query.org_id) {
            Some(org_id) => Some(path_of(&self.load_org(org_id).await?)),
            None => None,
        };
        let (_, scope) = self.authorize(ctx, Permission::UserRead, target.as_ref()).await?;
        let org_path_prefix = match (query.subtree_of.and(target.clone()), scope) {
            (Some(path), _) | (None, Scope::Subtree(path)) => Some(path.as_str().to_owned()),
            (None, Scope::City) => None,
        };
        let filter = UserFilter {
            org_path_prefix,
            org_id: query.org_id.map(|id| id.as_uuid()),
            role,
            active: query.active,
            q: query.q.filter(|q| !q.trim().is_empty()).map(|q| q.trim().to_owned()),
        };
        let db = self.store.reader();
        let result = hotline_store::users::list(db, &filter, page).await?;
        let ids: Vec<_> = result.items.iter().map(|u| u.id).collect();
        let mut roles = hotline_store::users::roles_of_many(db, &ids).await?;
        let now = self.now();
        self.audit_now(vec![ctx.record(
            AuditEntry::new(AuditAction::UserList).detail(json!({
                "filter": {
                    "org_id": filter.org_id, "subtree_of": query.subtree_of, "role": filter.role,
                    "active": filter.active, "q": filter.q,
                },
                "page": page.page,
                "returned": ids.len(),
            })),
            now,
        )])
        .await?;
        let items = result
            .items
            .into_iter()
            .map(|u| {
                let r = roles.remove(&u.id).unwrap_or_default();
                UserView::new(u, &r, now)
            })
            .collect();
        Ok(PageOf::new(items, result.total, page))
    }
}
