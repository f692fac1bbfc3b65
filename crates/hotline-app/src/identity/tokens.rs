//! API tokens for machine clients: created per org with a role set, shown once, stored hashed,
//! revocable.

use chrono::{DateTime, Utc};
use hotline_domain::audit::AuditAction;
use hotline_domain::role::{self, Permission, Role, Scope};
use hotline_domain::validation::bounded_text;
use hotline_domain::{ApiTokenId, FieldError, FieldErrors, FieldIssue, OrgId, UserId};
use hotline_store::WriteTx;
use hotline_store::tokens::TokenRow;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::crypto::{random_token, sha256_hex};
use crate::identity::auth::API_TOKEN_PREFIX;
use crate::identity::orgs::path_of;
use crate::paging::{PageOf, Paging};
use crate::{App, AuditEntry, Ctx, Error, Result};

#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewApiToken {
    pub name: String,
    pub org_id: OrgId,
    #[schema(value_type = Vec<hotline_domain::role::Role>)]
    pub roles: Vec<String>,
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct TokenQuery {
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ApiTokenView {
    pub id: ApiTokenId,
    pub name: String,
    pub org_id: OrgId,
    pub roles: Vec<Role>,
    /// The first characters of the token, to tell tokens apart.
    pub prefix: String,
    pub created_by: Option<UserId>,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A new token and its secret, which is never shown again.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct CreatedApiToken {
    #[serde(flatten)]
    pub token: ApiTokenView,
    pub secret: String,
}

impl From<TokenRow> for ApiTokenView {
    fn from(row: TokenRow) -> Self {
        Self {
            id: ApiTokenId::from_uuid(row.id),
            roles: row.roles.split(',').filter_map(|r| r.parse().ok()).collect(),
            name: row.name,
            org_id: OrgId::from_uuid(row.org_id),
            prefix: row.prefix,
            created_by: row.created_by.map(UserId::from_uuid),
            created_at: row.created_at,
            last_used_at: row.last_used_at,
            revoked_at: row.revoked_at,
        }
    }
}

/// A token row and its secret, which only the row's hash keeps.
pub(crate) fn new_token(
    name: String,
    org_id: uuid::Uuid,
    roles: &mut [Role],
    granter: &hotline_domain::role::Principal,
    now: DateTime<Utc>,
) -> (TokenRow, String) {
    roles.sort();
    let secret = format!("{API_TOKEN_PREFIX}{}", random_token(32));
    let row = TokenRow {
        id: uuid::Uuid::now_v7(),
        name,
        org_id,
        roles: roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(","),
        secret_hash: sha256_hex(&secret),
        prefix: secret.chars().take(10).collect(),
        created_by: granter.user_id().map(|id| id.as_uuid()),
        created_at: now,
        last_used_at: None,
        revoked_at: None,
    };
    (row, secret)
}

/// Saves a new token with its audit row, in the caller's write.
pub(crate) async fn insert_token(
    tx: &WriteTx<'_>,
    ctx: &Ctx,
    row: TokenRow,
    now: DateTime<Utc>,
) -> Result<TokenRow> {
    let row = hotline_store::tokens::insert(tx, row).await?;
    tx.audit([ctx.record(
        AuditEntry::new(AuditAction::ApiTokenCreate).subject("api_token", row.id).detail(json!({
            "name": row.name, "org_id": row.org_id, "roles": row.roles, "prefix": row.prefix,
        })),
        now,
    )]);
    Ok(row)
}

impl App {
    pub async fn create_api_token(&self, ctx: &Ctx, input: NewApiToken) -> Result<CreatedApiToken> {
        let org = hotline_store::orgs::find(self.store.reader(), input.org_id.as_uuid()).await?;
        let (principal, _) = self
            .authorize(ctx, Permission::ApiTokenManage, org.as_ref().map(path_of).as_ref())
            .await?;
        let mut errors = FieldErrors::new();
        let name = errors.take(bounded_text("name", &input.name, 1, 100));
        let mut roles = Vec::new();
        for raw in &input.roles {
            match raw.parse::<Role>() {
                Ok(role) if role.is_privileged() => errors.push(
                    FieldError::new("roles", FieldIssue::NotAllowed)
                        .with_detail(format!("{role} cannot be given to a machine client")),
                ),
                Ok(role) if !role::may_grant(&principal, role) => errors.push(
                    FieldError::new("roles", FieldIssue::NotAllowed)
                        .with_detail(format!("you may not grant {role}")),
                ),
                Ok(role) if !roles.contains(&role) => roles.push(role),
                Ok(_) => {}
                Err(e) => errors.push(e),
            }
        }
        match &org {
            None => errors.push(FieldError::new("org_id", FieldIssue::NotFound)),
            Some(org) if !org.active => {
                errors.push(FieldError::new("org_id", FieldIssue::Inactive))
            }
            Some(org) => {
                errors.take(role::check_roles_fit_org(&roles, org.kind));
            }
        }
        errors.into_result()?;
        let (Some(name), Some(org)) = (name, org) else {
            return Err(Error::Internal(anyhow::anyhow!("validated fields missing")));
        };
        let now = self.now();
        let (row, secret) = new_token(name, org.id, &mut roles, &principal, now);
        let ctx = ctx.clone();
        let row = self
            .store
            .write(move |tx| Box::pin(async move { insert_token(tx, &ctx, row, now).await }))
            .await?;
        Ok(CreatedApiToken { token: row.into(), secret })
    }

    pub async fn list_api_tokens(
        &self,
        ctx: &Ctx,
        query: TokenQuery,
    ) -> Result<PageOf<ApiTokenView>> {
        let page = Paging { page: query.page, per_page: query.per_page }.validate()?;
        let (_, scope) = self.authorize(ctx, Permission::ApiTokenManage, None).await?;
        let prefix = match &scope {
            Scope::City => None,
            Scope::Subtree(path) => Some(path.as_str()),
        };
        let result = hotline_store::tokens::list(self.store.reader(), prefix, page).await?;
        Ok(PageOf::new(
            result.items.into_iter().map(ApiTokenView::from).collect(),
            result.total,
            page,
        ))
    }

    pub async fn revoke_api_token(&self, ctx: &Ctx, id: ApiTokenId) -> Result<ApiTokenView> {
        let db = self.store.reader();
        let token = hotline_store::tokens::find(db, id.as_uuid())
            .await?
            .ok_or(Error::NotFound("api_token"))?;
        let org =
            hotline_store::orgs::find(db, token.org_id).await?.ok_or(Error::NotFound("org"))?;
        self.authorize(ctx, Permission::ApiTokenManage, Some(&path_of(&org))).await?;
        if token.revoked_at.is_some() {
            return Ok(token.into());
        }
        let now = self.now();
        let audit = ctx.record(
            AuditEntry::new(AuditAction::ApiTokenRevoke)
                .subject("api_token", token.id)
                .detail(json!({ "name": token.name, "prefix": token.prefix })),
            now,
        );
        let token_id = token.id;
        let revoked = self
            .store
            .write(move |tx| {
                Box::pin(async move {
                    let revoked = hotline_store::tokens::revoke(tx, token_id, now).await?;
                    // Revoked by someone else meanwhile: nothing happened here to record.
                    if revoked {
                        tx.audit([audit]);
                    }
                    Ok::<_, Error>(revoked)
                })
            })
            .await?;
        if !revoked {
            return hotline_store::tokens::find(db, token.id)
                .await?
                .map(Into::into)
                .ok_or(Error::NotFound("api_token"));
        }
        let mut view = ApiTokenView::from(token);
        view.revoked_at = Some(now);
        Ok(view)
    }
}
