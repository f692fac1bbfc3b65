//! SLA policies: which clocks apply to a ticket, by category and urgency.

use chrono::{DateTime, Utc};
use hotline_domain::audit::AuditAction;
use hotline_domain::org::TreePath;
use hotline_domain::role::Permission;
use hotline_domain::sla::{Clocks, Limit, LimitUnit};
use hotline_domain::ticket::{Labelled as _, Urgency};
use hotline_domain::validation::bounded_text;
use hotline_domain::{FieldError, FieldErrors, FieldIssue};
use hotline_store::reference::{CategoryRow, SlaPolicyRow};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use super::ReferenceData;
use crate::{App, AuditEntry, Ctx, Error, Result};

/// The clocks used when no policy matches at all.
pub const FALLBACK: Clocks = Clocks {
    accept: Limit::working_days(1),
    response: Limit::working_days(1),
    finish: Limit::working_days(5),
};

#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LimitInput {
    pub amount: u32,
    #[schema(value_type = hotline_domain::sla::LimitUnit)]
    pub unit: String,
}

#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSlaPolicy {
    pub name: String,
    pub category_id: Option<Uuid>,
    #[schema(value_type = Option<hotline_domain::ticket::Urgency>)]
    pub urgency: Option<String>,
    pub accept: LimitInput,
    pub response: LimitInput,
    pub finish: LimitInput,
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SlaChanges {
    pub name: Option<String>,
    pub accept: Option<LimitInput>,
    pub response: Option<LimitInput>,
    pub finish: Option<LimitInput>,
    pub active: Option<bool>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct SlaPolicyView {
    pub id: Uuid,
    pub name: String,
    pub category_id: Option<Uuid>,
    pub urgency: Option<Urgency>,
    pub accept: Limit,
    pub response: Limit,
    pub finish: Limit,
    pub active: bool,
}

fn limit_of(amount: i32, unit: LimitUnit) -> Limit {
    Limit { amount: u32::try_from(amount).unwrap_or(1), unit }
}

pub(crate) fn clocks_of(row: &SlaPolicyRow) -> Clocks {
    Clocks {
        accept: limit_of(row.accept_amount, row.accept_unit),
        response: limit_of(row.response_amount, row.response_unit),
        finish: limit_of(row.finish_amount, row.finish_unit),
    }
}

fn view(row: SlaPolicyRow) -> SlaPolicyView {
    let clocks = clocks_of(&row);
    SlaPolicyView {
        id: row.id,
        name: row.name,
        category_id: row.category_id,
        urgency: row.urgency,
        accept: clocks.accept,
        response: clocks.response,
        finish: clocks.finish,
        active: row.active,
    }
}

fn parse_limit(field: &str, input: &LimitInput) -> Result<Limit, FieldError> {
    let unit = LimitUnit::parse(&input.unit)
        .ok_or_else(|| FieldError::new(format!("{field}.unit"), FieldIssue::InvalidValue))?;
    Limit { amount: input.amount, unit }.validate(&format!("{field}.amount"))
}

/// The most specific active policy: the deepest matching category first, then an exact urgency
/// over "any urgency".
pub(crate) fn pick<'a>(
    policies: &'a [SlaPolicyRow],
    category: Option<&CategoryRow>,
    urgency: Urgency,
) -> Option<&'a SlaPolicyRow> {
    let lineage: Vec<Uuid> = category
        .map(|c| TreePath::from_stored(c.path.clone()).ids::<Uuid>().collect())
        .unwrap_or_default();
    policies
        .iter()
        .filter(|p| p.active)
        .filter_map(|p| {
            let category_rank = match p.category_id {
                None => Some(0),
                Some(id) => lineage.iter().position(|c| *c == id).map(|depth| depth + 1),
            }?;
            let urgency_rank = match p.urgency {
                None => Some(0),
                Some(u) if u == urgency => Some(1),
                Some(_) => None,
            }?;
            Some(((category_rank, urgency_rank), p))
        })
        .max_by_key(|(rank, _)| *rank)
        .map(|(_, p)| p)
}

/// `GET /tickets/deadline-preview?category_id=…&urgency=…`.
#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PreviewQuery {
    pub category_id: Option<Uuid>,
    #[param(value_type = Option<hotline_domain::ticket::Urgency>)]
    pub urgency: Option<String>,
}

/// What intake shows before registering: the policy and the deadlines if dispatched now.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct DeadlinePreview {
    pub policy_id: Option<Uuid>,
    pub policy_name: Option<String>,
    pub accept: Limit,
    pub response: Limit,
    pub finish: Limit,
    pub accept_due: String,
    pub response_due: String,
    pub finish_due: String,
}

impl App {
    pub async fn deadline_preview(
        &self,
        ctx: &Ctx,
        query: PreviewQuery,
    ) -> Result<DeadlinePreview> {
        self.authorize_reference_read(ctx).await?;
        let urgency = match query.urgency.as_deref() {
            Some(u) => Urgency::parse_input(u)?,
            None => Urgency::Normal,
        };
        if let Some(id) = query.category_id
            && hotline_store::reference::find_category(self.store.reader(), id).await?.is_none()
        {
            return Err(FieldError::new("category_id", FieldIssue::NotFound).into());
        }
        let (clocks, policy) = self.clocks_for(query.category_id, urgency).await?;
        let calendar = self.calendar();
        let now = self.now();
        let local =
            |l: Limit| l.due(&calendar, now).at.with_timezone(&calendar.offset()).to_rfc3339();
        Ok(DeadlinePreview {
            policy_id: policy.as_ref().map(|p| p.id),
            policy_name: policy.map(|p| p.name),
            accept: clocks.accept,
            response: clocks.response,
            finish: clocks.finish,
            accept_due: local(clocks.accept),
            response_due: local(clocks.response),
            finish_due: local(clocks.finish),
        })
    }

    pub async fn list_sla_policies(&self, ctx: &Ctx) -> Result<Vec<SlaPolicyView>> {
        self.authorize_reference_read(ctx).await?;
        Ok(hotline_store::reference::sla_policies(self.store.reader())
            .await?
            .into_iter()
            .map(view)
            .collect())
    }

    /// The clocks for a category and urgency, and the policy they come from.
    pub(crate) async fn clocks_for(
        &self,
        category_id: Option<Uuid>,
        urgency: Urgency,
    ) -> Result<(Clocks, Option<SlaPolicyRow>)> {
        let reference = self.reference().await?;
        let (clocks, policy) = reference.clocks(category_id, urgency);
        Ok((clocks, policy.cloned()))
    }

    pub async fn create_sla_policy(&self, ctx: &Ctx, input: NewSlaPolicy) -> Result<SlaPolicyView> {
        self.authorize(ctx, Permission::ReferenceManage, None).await?;
        let mut errors = FieldErrors::new();
        let name = errors.take(bounded_text("name", &input.name, 1, 100));
        let urgency =
            input.urgency.as_deref().map(Urgency::parse_input).and_then(|r| errors.take(r));
        let accept = errors.take(parse_limit("accept", &input.accept));
        let response = errors.take(parse_limit("response", &input.response));
        let finish = errors.take(parse_limit("finish", &input.finish));
        if let Some(id) = input.category_id
            && hotline_store::reference::find_category(self.store.reader(), id).await?.is_none()
        {
            errors.push(FieldError::new("category_id", FieldIssue::NotFound));
        }
        let policies = hotline_store::reference::sla_policies(self.store.reader()).await?;
        if policies
            .iter()
            .any(|p| p.active && p.category_id == input.category_id && p.urgency == urgency)
        {
            errors.push(
                FieldError::new("category_id", FieldIssue::AlreadyExists)
                    .with_detail("an active policy already covers this category and urgency"),
            );
        }
        errors.into_result()?;
        let (Some(name), Some(accept), Some(response), Some(finish)) =
            (name, accept, response, finish)
        else {
            return Err(Error::Internal(anyhow::anyhow!("validated fields missing")));
        };
        let now = self.now();
        let row =
            policy_row(name, input.category_id, urgency, Clocks { accept, response, finish }, now);
        let ctx = ctx.clone();
        let row = self
            .store
            .write(move |tx| {
                Box::pin(async move {
                    let row = hotline_store::reference::insert_sla_policy(tx, row).await?;
                    let audit = ctx.record(
                        AuditEntry::new(AuditAction::SlaCreate)
                            .subject("sla_policy", row.id)
                            .detail(json!({"after": view(row.clone())})),
                        now,
                    );
                    tx.audit([audit]);
                    Ok::<_, Error>(row)
                })
            })
            .await?;
        self.invalidate_reference();
        Ok(view(row))
    }

    pub async fn update_sla_policy(
        &self,
        ctx: &Ctx,
        id: Uuid,
        changes: SlaChanges,
    ) -> Result<SlaPolicyView> {
        self.authorize(ctx, Permission::ReferenceManage, None).await?;
        let before = hotline_store::reference::find_sla_policy(self.store.reader(), id)
            .await?
            .ok_or(Error::NotFound("sla_policy"))?;
        let mut errors = FieldErrors::new();
        let name = changes
            .name
            .as_deref()
            .map(|n| bounded_text("name", n, 1, 100))
            .and_then(|r| errors.take(r));
        let accept =
            changes.accept.as_ref().map(|l| parse_limit("accept", l)).and_then(|r| errors.take(r));
        let response = changes
            .response
            .as_ref()
            .map(|l| parse_limit("response", l))
            .and_then(|r| errors.take(r));
        let finish =
            changes.finish.as_ref().map(|l| parse_limit("finish", l)).and_then(|r| errors.take(r));
        errors.into_result()?;
        let mut after = before.clone();
        if let Some(name) = name {
            after.name = name;
        }
        for (limit, amount, unit) in [
            (accept, &mut after.accept_amount, &mut after.accept_unit),
            (response, &mut after.response_amount, &mut after.response_unit),
            (finish, &mut after.finish_amount, &mut after.finish_unit),
        ] {
            if let Some(l) = limit {
                *amount = i32::try_from(l.amount).unwrap_or(i32::MAX);
                *unit = l.unit;
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
                    let after = hotline_store::reference::update_sla_policy(tx, after).await?;
                    let audit = ctx.record(
                        AuditEntry::new(AuditAction::SlaUpdate)
                            .subject("sla_policy", id)
                            .detail(json!({"before": view(before), "after": view(after.clone())})),
                        now,
                    );
                    tx.audit([audit]);
                    Ok::<_, Error>(after)
                })
            })
            .await?;
        self.invalidate_reference();
        Ok(view(after))
    }
}

pub(crate) fn policy_row(
    name: String,
    category_id: Option<Uuid>,
    urgency: Option<Urgency>,
    clocks: Clocks,
    now: DateTime<Utc>,
) -> SlaPolicyRow {
    let amount = |l: Limit| i32::try_from(l.amount).unwrap_or(i32::MAX);
    SlaPolicyRow {
        id: Uuid::now_v7(),
        name,
        category_id,
        urgency,
        accept_amount: amount(clocks.accept),
        accept_unit: clocks.accept.unit,
        response_amount: amount(clocks.response),
        response_unit: clocks.response.unit,
        finish_amount: amount(clocks.finish),
        finish_unit: clocks.finish.unit,
        active: true,
        created_at: now,
        updated_at: now,
    }
}

impl ReferenceData {
    /// The clocks for a category and urgency, and the policy they come from (none: the
    /// fallback).
    pub(crate) fn clocks(
        &self,
        category_id: Option<Uuid>,
        urgency: Urgency,
    ) -> (Clocks, Option<&SlaPolicyRow>) {
        let category = category_id.and_then(|id| self.categories.get(&id));
        match pick(&self.sla, category, urgency) {
            Some(p) => (clocks_of(p), Some(p)),
            None => (FALLBACK, None),
        }
    }
}
