//! Upstream (the city): an org marked remote gets an API token and a webhook subscription for
//! the downstream instance it works in.

use hotline_domain::audit::AuditAction;
use hotline_domain::org::OrgKind;
use hotline_domain::role::{Permission, Role};
use hotline_domain::{FieldError, FieldErrors, FieldIssue, OrgId};
use hotline_store::federation::OrgRemote;
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use crate::identity::orgs::path_of;
use crate::{App, AuditEntry, Ctx, Error, Result};

use super::base_url;

/// The upstream events a downstream copy follows.
const EVENT_TYPES: &[&str] = &[
    "ticket.dispatch",
    "ticket.urge",
    "ticket.supervise",
    "ticket.send_back",
    "ticket.reopen",
    "ticket.approve_return",
    "ticket.overrule_return",
    "ticket.approve_extension",
    "ticket.deny_extension",
    "ticket.approve_reply",
    "ticket.callback",
    "ticket.close",
];

#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RemoteOrgInput {
    /// The base URL of the instance the org works in.
    pub url: String,
}

/// What the downstream's administrator needs, shown this once.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct RemoteOrgSetup {
    pub org_id: OrgId,
    pub remote_url: String,
    /// The API token the downstream acts with, as the org.
    pub token: String,
    /// The secret this instance signs the org's events with.
    pub webhook_secret: String,
    pub webhook_id: Uuid,
}

impl App {
    /// Upstream: marks `org_id` as working in the instance at `url`.
    pub async fn make_org_remote(
        &self,
        ctx: &Ctx,
        org_id: OrgId,
        input: RemoteOrgInput,
    ) -> Result<RemoteOrgSetup> {
        let db = self.store.reader();
        let org =
            hotline_store::orgs::find(db, org_id.as_uuid()).await?.ok_or(Error::NotFound("org"))?;
        let (principal, _) =
            self.authorize(ctx, Permission::OrgManage, Some(&path_of(&org))).await?;
        let mut errors = FieldErrors::new();
        let url = errors.take(base_url("url", &input.url));
        if org.kind == OrgKind::Center || !org.active {
            errors.push(
                FieldError::new("org_id", FieldIssue::NotAllowed)
                    .with_detail("only an active unit can work in another instance"),
            );
        }
        errors.into_result()?;
        let Some(url) = url else {
            return Err(Error::Internal(anyhow::anyhow!("validated url missing")));
        };
        let now = self.now();
        let name = format!("联网：{}", org.name);
        let (token_row, token) = crate::identity::tokens::new_token(
            name.clone(),
            org.id,
            &mut [Role::UnitHandler],
            &principal,
            now,
        );
        let secret = crate::integrations::webhooks::new_secret();
        let subscription = self.new_subscription(
            name,
            org.id,
            format!("{url}/api/v1/federation/events"),
            EVENT_TYPES.join(","),
            &secret,
            &principal,
            now,
        )?;
        let (ctx, remote_url) = (ctx.clone(), url.clone());
        let subscription = self
            .store
            .write(move |tx| {
                Box::pin(async move {
                // Set up again (a new URL, lost secrets): what the last setup handed out stops working.
                // Read under lock, so two setups at once cannot both retire the same pair and leave
                // the other's live and untracked.
                let org = hotline_store::orgs::find_for_update(tx, org.id)
                    .await?
                    .ok_or(Error::NotFound("org"))?;
                if let Some(old) = org.remote_token_id {
                    hotline_store::tokens::revoke(tx, old, now).await?;
                }
                if let Some(old) = org.remote_webhook_id {
                    hotline_store::webhooks::retire_subscription(tx, old, now).await?;
                }
                let token_id = token_row.id;
                crate::identity::tokens::insert_token(tx, &ctx, token_row, now).await?;
                let subscription =
                    crate::integrations::webhooks::insert_subscription(tx, &ctx, subscription, now)
                        .await?;
                let remote = OrgRemote { url: remote_url.clone(), token_id, webhook_id: subscription.id };
                hotline_store::federation::set_org_remote(tx, org.id, Some(remote), now).await?;
                let audit = ctx.record(
                    AuditEntry::new(AuditAction::OrgUpdate).subject("org", org.id).detail(json!({
                        "remote_url": remote_url, "webhook_id": subscription.id, "api_token_id": token_id,
                        "retired_api_token_id": org.remote_token_id, "retired_webhook_id": org.remote_webhook_id,
                    })),
                    now,
                );
                tx.audit([audit]);
                    Ok::<_, Error>(subscription)
                })
            })
            .await?;
        self.invalidate_reference();
        Ok(RemoteOrgSetup {
            org_id,
            remote_url: url,
            token,
            webhook_secret: secret,
            webhook_id: subscription.id,
        })
    }
}
