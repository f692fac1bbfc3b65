//! Early warning (预警): the rules that raise alerts (`rules`: surges per category × district
//! on a timer; hotspots, repeat callers and watch-list words as each appeal comes in, from the
//! outbox), the inbox where the center acknowledges, assigns and closes them, and the replay
//! that measures the surge rule on generated history (`eval`).

mod eval;
mod rules;

use chrono::{DateTime, Utc};
use hotline_domain::alerts::{AlertKind, AlertState};
use hotline_domain::audit::AuditAction;
use hotline_domain::role::Permission;
use hotline_domain::{FieldError, FieldErrors, FieldIssue};
use hotline_store::alerts::{AlertFilter, AlertRow};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use uuid::Uuid;

pub use eval::{Detection, EvalReport};

use crate::events::LiveEvent;
use crate::integrations::outbox::Consumer;
use crate::paging::{PageOf, Paging};
use crate::tickets::views::OrgRef;
use crate::{App, AuditEntry, Ctx, Error, Result};

/// `GET /alerts?state=open&kind=surge`.
#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AlertQuery {
    /// `open`, `acknowledged`, `assigned`, `closed`; all by default.
    pub state: Option<String>,
    /// `surge`, `hotspot`, `repeat_caller`, `sensitive_words`.
    pub kind: Option<String>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

/// An alert as the inbox shows it.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct AlertView {
    pub id: Uuid,
    pub kind: AlertKind,
    pub state: AlertState,
    pub title: String,
    /// What the rule measured.
    #[schema(value_type = Object)]
    pub detail: Value,
    /// The tickets behind it, newest first.
    pub ticket_ids: Vec<Uuid>,
    pub region: Option<OrgRef>,
    pub category: Option<String>,
    pub assignee_id: Option<Uuid>,
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
}

/// `POST /alerts/{id}/{move}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AlertMove {
    Acknowledge,
    Assign,
    Close,
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AlertInput {
    /// Whom to assign it to (`assign`; a center user).
    pub assignee_id: Option<Uuid>,
    /// What was done (`close`, required there).
    pub note: Option<String>,
}

/// Tickets kept on one alert.
const MAX_TICKETS: usize = 200;

/// An alert's tickets, newest first.
pub(crate) fn ids_of(row: &AlertRow) -> Vec<Uuid> {
    serde_json::from_str(&row.ticket_ids).unwrap_or_default()
}

impl App {
    pub(crate) async fn alert_view(&self, row: AlertRow) -> Result<AlertView> {
        let reference = self.reference().await?;
        let region = row.region_id.and_then(|id| reference.orgs.get(&id)).map(|o| OrgRef {
            id: o.id,
            code: o.code.clone(),
            name: o.name.clone(),
        });
        let category =
            row.category_id.and_then(|id| reference.categories.get(&id)).map(|c| c.name.clone());
        Ok(AlertView {
            id: row.id,
            kind: row.kind,
            state: row.state,
            title: row.title.clone(),
            detail: serde_json::from_str(&row.detail).unwrap_or(Value::Null),
            ticket_ids: ids_of(&row),
            region,
            category,
            assignee_id: row.assignee_id,
            note: row.note,
            created_at: row.created_at,
            updated_at: row.updated_at,
            closed_at: row.closed_at,
        })
    }

    pub async fn list_alerts(&self, ctx: &Ctx, query: &AlertQuery) -> Result<PageOf<AlertView>> {
        self.authorize(ctx, Permission::AlertHandle, None).await?;
        let mut errors = FieldErrors::new();
        let mut code = |field: &str, raw: Option<&str>, parse: fn(&str) -> bool| {
            if raw.is_some_and(|s| !parse(s)) {
                errors.push(FieldError::new(field, FieldIssue::InvalidValue));
            }
        };
        code("state", query.state.as_deref(), |s| AlertState::parse(s).is_some());
        code("kind", query.kind.as_deref(), |s| AlertKind::parse(s).is_some());
        errors.into_result()?;
        let filter = AlertFilter {
            state: query.state.as_deref().and_then(AlertState::parse),
            kind: query.kind.as_deref().and_then(AlertKind::parse),
        };
        let page = Paging { page: query.page, per_page: query.per_page }.validate()?;
        let (rows, total) = hotline_store::alerts::list(self.store.reader(), &filter, page).await?;
        let mut items = Vec::with_capacity(rows.len());
        for row in rows {
            items.push(self.alert_view(row).await?);
        }
        Ok(PageOf::new(items, total, page))
    }

    /// Acknowledge, assign or close: each audited, each told to the inbox live.
    pub async fn handle_alert(
        &self,
        ctx: &Ctx,
        id: Uuid,
        step: AlertMove,
        input: AlertInput,
    ) -> Result<AlertView> {
        let (principal, _) = self.authorize(ctx, Permission::AlertHandle, None).await?;
        let now = self.now();
        let note =
            input.note.as_deref().map(str::trim).filter(|n| !n.is_empty()).map(str::to_owned);
        if note.as_ref().is_some_and(|n| n.chars().count() > 2_000) {
            return Err(FieldError::new("note", FieldIssue::TooLong).with_limit(2_000).into());
        }
        let assignee = match step {
            AlertMove::Assign => {
                let id = input
                    .assignee_id
                    .ok_or_else(|| FieldError::new("assignee_id", FieldIssue::Required))?;
                let user = hotline_store::users::find(self.store.reader(), id)
                    .await?
                    .filter(|u| u.active)
                    .ok_or_else(|| FieldError::new("assignee_id", FieldIssue::NotFound))?;
                let grants = hotline_store::users::roles_of(self.store.reader(), user.id).await?;
                let handles = grants.iter().any(|role| {
                    hotline_domain::role::grants(*role)
                        .iter()
                        .any(|(p, _)| *p == Permission::AlertHandle)
                });
                if !handles {
                    return Err(FieldError::new("assignee_id", FieldIssue::NotAllowed)
                        .with_detail("the assignee cannot handle alerts")
                        .into());
                }
                Some(user.id)
            }
            AlertMove::Acknowledge | AlertMove::Close => None,
        };
        if step == AlertMove::Close && note.is_none() {
            return Err(FieldError::new("note", FieldIssue::Required).into());
        }
        let actor = principal.user_id().map(|u| u.as_uuid());
        let audit_ctx = ctx.clone();
        let row = self
            .store
            .write(move |tx| {
                Box::pin(async move {
                    let mut row = hotline_store::alerts::find(&**tx, id)
                        .await?
                        .ok_or(Error::NotFound("alert"))?;
                    if row.state == AlertState::Closed {
                        return Err(Error::conflict(hotline_domain::conflict::Conflict::InvalidTransition));
                    }
                    row.state = match step {
                        AlertMove::Acknowledge if row.state == AlertState::Open => AlertState::Acknowledged,
                        AlertMove::Acknowledge => row.state,
                        AlertMove::Assign => AlertState::Assigned,
                        AlertMove::Close => AlertState::Closed,
                    };
                    match step {
                        AlertMove::Assign => row.assignee_id = assignee,
                        AlertMove::Acknowledge if row.assignee_id.is_none() => row.assignee_id = actor,
                        AlertMove::Acknowledge => {}
                        AlertMove::Close => {
                            row.note = note.clone();
                            row.closed_at = Some(now);
                        }
                    }
                    row.updated_at = now;
                    let row = hotline_store::alerts::update(&**tx, row).await?;
                    tx.audit([audit_ctx.record(
                        AuditEntry::new(AuditAction::AlertHandle).subject("alert", row.id).detail(
                            json!({"move": step, "kind": row.kind, "state": row.state, "assignee_id": row.assignee_id, "note": note}),
                        ),
                        now,
                    )]);
                    Ok(row)
                })
            })
            .await?;
        self.publish(LiveEvent::alert(&row));
        self.alert_view(row).await
    }

    /// Raises alerts, or adds their tickets to the ones still open for their keys, in one write
    /// with `done` (the outbox events they came from, marked handled by `consumer`).
    pub(crate) async fn raise_alerts(
        &self,
        raised: Vec<Raised>,
        done: Option<(Consumer, Vec<Uuid>)>,
    ) -> Result<()> {
        // Raises of one key in a batch become one: the newest words, every ticket.
        let mut merged: Vec<Raised> = Vec::new();
        for r in raised {
            match merged.iter_mut().find(|m| m.key.is_some() && m.key == r.key) {
                Some(m) => {
                    let older = std::mem::take(&mut m.tickets);
                    *m = Raised { tickets: merge_ids(&r.tickets, &older), ..r };
                }
                None => merged.push(r),
            }
        }
        if merged.is_empty() && done.as_ref().is_none_or(|(_, ids)| ids.is_empty()) {
            return Ok(());
        }
        let now = self.now();
        let rows = self
            .store
            .write(move |tx| {
                Box::pin(async move {
                    let mut rows = Vec::with_capacity(merged.len());
                    for raised in merged {
                        let open = match &raised.key {
                            Some(key) => hotline_store::alerts::open_for(&**tx, key).await?,
                            None => None,
                        };
                        let row = match open {
                            Some(mut row) => {
                                row.ticket_ids =
                                    json!(merge_ids(&raised.tickets, &ids_of(&row))).to_string();
                                row.detail = raised.detail.to_string();
                                row.title = raised.title;
                                row.updated_at = now;
                                hotline_store::alerts::update(&**tx, row).await?
                            }
                            None => {
                                let row = AlertRow {
                                    id: Uuid::now_v7(),
                                    kind: raised.kind,
                                    state: AlertState::Open,
                                    dedupe_key: raised.key,
                                    title: raised.title,
                                    detail: raised.detail.to_string(),
                                    ticket_ids: json!(merge_ids(&raised.tickets, &[])).to_string(),
                                    region_id: raised.region,
                                    category_id: raised.category,
                                    assignee_id: None,
                                    note: None,
                                    created_at: now,
                                    updated_at: now,
                                    closed_at: None,
                                };
                                hotline_store::alerts::insert(&**tx, row.clone()).await?;
                                row
                            }
                        };
                        rows.push(row);
                    }
                    if let Some((consumer, events)) = done {
                        hotline_store::outbox::mark_done(&**tx, consumer.name(), &events).await?;
                    }
                    Ok::<_, Error>(rows)
                })
            })
            .await?;
        for row in &rows {
            self.publish(LiveEvent::alert(row));
        }
        Ok(())
    }
}

/// `newer` then the rest of `older`, each id once, at most [`MAX_TICKETS`].
fn merge_ids(newer: &[Uuid], older: &[Uuid]) -> Vec<Uuid> {
    let mut ids: Vec<Uuid> = Vec::with_capacity(newer.len() + older.len());
    for id in newer.iter().chain(older) {
        if !ids.contains(id) {
            ids.push(*id);
        }
    }
    ids.truncate(MAX_TICKETS);
    ids
}

/// What a rule found.
#[derive(Clone, Debug)]
pub(crate) struct Raised {
    pub kind: AlertKind,
    /// One open alert per key; `None` always raises a new one.
    pub key: Option<String>,
    pub title: String,
    pub detail: Value,
    pub tickets: Vec<Uuid>,
    pub region: Option<Uuid>,
    pub category: Option<Uuid>,
}
