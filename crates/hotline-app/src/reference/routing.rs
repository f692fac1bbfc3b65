//! The routing catalogue (派单目录): category × region → the unit to suggest at intake.

use hotline_domain::audit::AuditAction;
use hotline_domain::org::TreePath;
use hotline_domain::role::Permission;
use hotline_domain::{FieldError, FieldErrors, FieldIssue, OrgId};
use hotline_store::reference::RoutingRuleRow;
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use crate::identity::orgs::{OrgView, path_of};
use crate::{App, AuditEntry, Ctx, Error, Result};

#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRoutingRule {
    pub category_id: Uuid,
    pub region_org_id: Option<OrgId>,
    pub org_id: OrgId,
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoutingChanges {
    pub org_id: Option<OrgId>,
    pub active: Option<bool>,
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SuggestQuery {
    pub category_id: Uuid,
    pub region_org_id: Option<OrgId>,
}

#[derive(Clone, Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RegionQuery {
    /// The address as the caller gave it.
    pub address: String,
}

/// The region an address names, as intake fills it in (and as a ticket registered without a
/// region gets it).
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct RegionMatch {
    pub region: Option<OrgView>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct RoutingRuleView {
    pub id: Uuid,
    pub category_id: Uuid,
    pub region_org_id: Option<Uuid>,
    pub org_id: Uuid,
    pub active: bool,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Suggestion {
    pub rule_id: Option<Uuid>,
    /// The unit to dispatch to, when the catalogue knows one.
    pub org: Option<OrgView>,
}

fn view(row: RoutingRuleRow) -> RoutingRuleView {
    RoutingRuleView {
        id: row.id,
        category_id: row.category_id,
        region_org_id: row.region_org_id,
        org_id: row.org_id,
        active: row.active,
    }
}

impl App {
    pub async fn list_routing_rules(&self, ctx: &Ctx) -> Result<Vec<RoutingRuleView>> {
        self.authorize_reference_read(ctx).await?;
        Ok(hotline_store::reference::routing_rules(self.store.reader())
            .await?
            .into_iter()
            .map(view)
            .collect())
    }

    pub async fn create_routing_rule(
        &self,
        ctx: &Ctx,
        input: NewRoutingRule,
    ) -> Result<RoutingRuleView> {
        self.authorize(ctx, Permission::ReferenceManage, None).await?;
        let db = self.store.reader();
        let mut errors = FieldErrors::new();
        if hotline_store::reference::find_category(db, input.category_id).await?.is_none() {
            errors.push(FieldError::new("category_id", FieldIssue::NotFound));
        }
        if let Some(region) = input.region_org_id
            && hotline_store::orgs::find(db, region.as_uuid()).await?.is_none()
        {
            errors.push(FieldError::new("region_org_id", FieldIssue::NotFound));
        }
        match hotline_store::orgs::find(db, input.org_id.as_uuid()).await? {
            None => errors.push(FieldError::new("org_id", FieldIssue::NotFound)),
            Some(org) if !org.active => {
                errors.push(FieldError::new("org_id", FieldIssue::Inactive))
            }
            Some(org) if org.parent_id.is_none() => {
                errors.push(
                    FieldError::new("org_id", FieldIssue::NotAllowed)
                        .with_detail("dispatch goes to a unit, not the center"),
                );
            }
            Some(_) => {}
        }
        errors.into_result()?;
        let now = self.now();
        let row = RoutingRuleRow {
            id: Uuid::now_v7(),
            category_id: input.category_id,
            region_org_id: input.region_org_id.map(|o| o.as_uuid()),
            org_id: input.org_id.as_uuid(),
            active: true,
            created_at: now,
            updated_at: now,
        };
        let ctx = ctx.clone();
        let row = self
            .store
            .write(move |tx| {
                Box::pin(async move {
                    let row = hotline_store::reference::insert_routing_rule(tx, row).await?;
                    let audit = ctx.record(
                        AuditEntry::new(AuditAction::RoutingCreate)
                            .subject("routing_rule", row.id)
                            .detail(json!({"after": view(row.clone())})),
                        now,
                    );
                    tx.audit([audit]);
                    Ok::<_, Error>(row)
                })
            })
            .await?;
        Ok(view(row))
    }

    pub async fn update_routing_rule(
        &self,
        ctx: &Ctx,
        id: Uuid,
        changes: RoutingChanges,
    ) -> Result<RoutingRuleView> {
        self.authorize(ctx, Permission::ReferenceManage, None).await?;
        let db = self.store.reader();
        let before = hotline_store::reference::find_routing_rule(db, id)
            .await?
            .ok_or(Error::NotFound("routing_rule"))?;
        let mut after = before.clone();
        if let Some(org_id) = changes.org_id {
            match hotline_store::orgs::find(db, org_id.as_uuid()).await? {
                Some(org) if org.active && org.parent_id.is_some() => after.org_id = org.id,
                Some(_) => return Err(FieldError::new("org_id", FieldIssue::NotAllowed).into()),
                None => return Err(FieldError::new("org_id", FieldIssue::NotFound).into()),
            }
        }
        if let Some(active) = changes.active {
            after.active = active;
        }
        if after == before {
            return Ok(view(before));
        }
        let now = self.now();
        after.updated_at = now;
        let ctx = ctx.clone();
        let after = self
            .store
            .write(move |tx| {
                Box::pin(async move {
                    let after = hotline_store::reference::update_routing_rule(tx, after).await?;
                    let audit = ctx.record(
                        AuditEntry::new(AuditAction::RoutingUpdate)
                            .subject("routing_rule", id)
                            .detail(json!({"before": view(before), "after": view(after.clone())})),
                        now,
                    );
                    tx.audit([audit]);
                    Ok::<_, Error>(after)
                })
            })
            .await?;
        Ok(view(after))
    }

    pub async fn match_region(&self, ctx: &Ctx, query: RegionQuery) -> Result<RegionMatch> {
        self.authorize_reference_read(ctx).await?;
        if query.address.chars().count() > 255 {
            return Err(FieldError::new("address", FieldIssue::TooLong).with_limit(255).into());
        }
        let reference = self.reference().await?;
        Ok(RegionMatch {
            region: reference.region_in(query.address.trim()).cloned().map(OrgView::from),
        })
    }

    /// The unit the catalogue suggests: the most specific category (the category itself, then
    /// its ancestors) with the most specific region (the region, its ancestors, then anywhere).
    pub async fn suggest_unit(&self, ctx: &Ctx, query: SuggestQuery) -> Result<Suggestion> {
        self.authorize_reference_read(ctx).await?;
        let category_id = query.category_id;
        let db = self.store.reader();
        let category = hotline_store::reference::find_category(db, category_id)
            .await?
            .ok_or_else(|| Error::from(FieldError::new("category_id", FieldIssue::NotFound)))?;
        let lineage: Vec<Uuid> = TreePath::from_stored(category.path).ids::<Uuid>().collect();
        let regions: Vec<Uuid> = match query.region_org_id {
            Some(region) => match hotline_store::orgs::find(db, region.as_uuid()).await? {
                Some(org) => path_of(&org).ids::<Uuid>().collect(),
                None => return Err(FieldError::new("region_org_id", FieldIssue::NotFound).into()),
            },
            None => Vec::new(),
        };
        let rules = hotline_store::reference::routing_rules_for(db, &lineage).await?;
        let best = rules
            .iter()
            .filter_map(|r| {
                let c = lineage.iter().position(|id| *id == r.category_id)?;
                let g = match r.region_org_id {
                    None => 0,
                    Some(region) => regions.iter().position(|id| *id == region)? + 1,
                };
                Some(((c, g), r))
            })
            .max_by_key(|(rank, _)| *rank)
            .map(|(_, r)| r);
        let Some(rule) = best else { return Ok(Suggestion { rule_id: None, org: None }) };
        let org = hotline_store::orgs::find(db, rule.org_id)
            .await?
            .filter(|o| o.active)
            .map(OrgView::from);
        Ok(Suggestion { rule_id: Some(rule.id), org })
    }
}
