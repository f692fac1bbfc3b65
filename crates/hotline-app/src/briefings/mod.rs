//! The leaders' daily briefing (要情摘报). Agents excerpt (拟摘) the appeals leaders should
//! know of; supervisors compile a day's briefing from those excerpts (each item one ticket, in
//! their words), then publish it; a published briefing is frozen and read by the leaders, who
//! instruct (批示) on an item: that is the ticket action `instruct` with the briefing named,
//! so it lands on the ticket's timeline and tells the units holding it.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use hotline_domain::audit::AuditAction;
use hotline_domain::briefing::{
    BriefingState, MAX_BODY, MAX_FOREWORD, MAX_HEADLINE, MAX_ITEMS, MAX_TITLE, default_title,
    excerpt_window,
};
use hotline_domain::conflict::Conflict;
use hotline_domain::role::{Permission, Principal};
use hotline_domain::ticket::TicketState;
use hotline_domain::validation::bounded_text;
use hotline_domain::{FieldError, FieldErrors, FieldIssue};
use hotline_store::briefings::{BriefingItemRow, BriefingRow};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use crate::events::LiveEvent;
use crate::paging::{PageOf, Paging};
use crate::reference::categories::path_names;
use crate::stats::parse_day;
use crate::tickets::bounded_text_multiline;
use crate::{App, AuditEntry, Ctx, Error, Result};

/// `POST /briefings`.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewBriefing {
    /// `YYYY-MM-DD`: the day it reports on.
    pub day: String,
    /// `要情摘报 YYYY-MM-DD` when left out.
    pub title: Option<String>,
}

/// `PUT /briefings/{id}`: the draft's whole contents, items in reading order.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BriefingDraft {
    pub title: String,
    /// 按语, the compilers' words ahead of the items (may be empty).
    #[serde(default)]
    pub foreword: String,
    /// The version this edit started from: a save over a newer one is refused.
    pub version: i32,
    pub items: Vec<BriefingItemInput>,
}

#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BriefingItemInput {
    pub ticket_id: Uuid,
    pub headline: String,
    pub body: String,
}

/// `GET /briefings?state=`.
#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct BriefingQuery {
    /// `draft` or `published`; both by default (leaders only ever see published ones).
    pub state: Option<String>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

/// `GET /briefings/excerpts?from=&to=`.
#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ExcerptQuery {
    /// First day, `YYYY-MM-DD`, by the day the appeal was registered; default six days
    /// before `to`.
    pub from: Option<String>,
    /// Last day, inclusive; default today.
    pub to: Option<String>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct BriefingSummary {
    pub id: Uuid,
    pub title: String,
    #[schema(value_type = String, format = Date)]
    pub day: NaiveDate,
    pub state: BriefingState,
    pub item_count: usize,
    /// Leaders' instructions on its items so far.
    pub instruction_count: usize,
    pub created_by_name: Option<String>,
    pub created_at: DateTime<Utc>,
    pub published_at: Option<DateTime<Utc>>,
    pub published_by_name: Option<String>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct BriefingView {
    #[serde(flatten)]
    pub summary: BriefingSummary,
    pub foreword: String,
    pub version: i32,
    pub items: Vec<BriefingItemView>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct BriefingItemView {
    pub id: Uuid,
    pub position: i32,
    pub ticket_id: Uuid,
    pub ticket_number: Option<String>,
    pub ticket_title: Option<String>,
    pub ticket_state: Option<TicketState>,
    pub headline: String,
    pub body: String,
    /// The leaders' instructions on this item, oldest first.
    pub instructions: Vec<InstructionView>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct InstructionView {
    pub at: DateTime<Utc>,
    pub author_name: Option<String>,
    pub content: String,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Excerpt {
    pub ticket_id: Uuid,
    pub number: String,
    pub title: String,
    pub excerpt: String,
    pub state: TicketState,
    /// The category's path, `城乡建设 / 住房保障`.
    pub category_path: Option<String>,
    pub created_at: DateTime<Utc>,
    /// A briefing that already carries it.
    pub briefing_id: Option<Uuid>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Excerpts {
    #[schema(value_type = String, format = Date)]
    pub from: NaiveDate,
    #[schema(value_type = String, format = Date)]
    pub to: NaiveDate,
    pub items: Vec<Excerpt>,
}

/// Whether the caller compiles briefings (and so sees drafts).
fn compiles(principal: &Principal) -> bool {
    principal.scope_for(Permission::BriefingCompile).is_some()
}

impl App {
    /// Briefings for the caller, the latest day first: leaders see the published ones only.
    pub async fn list_briefings(
        &self,
        ctx: &Ctx,
        query: &BriefingQuery,
    ) -> Result<PageOf<BriefingSummary>> {
        let (principal, _) = self.authorize(ctx, Permission::BriefingRead, None).await?;
        let asked = match query.state.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(raw) => Some(BriefingState::parse(raw).ok_or_else(|| {
                FieldError::new("state", FieldIssue::InvalidValue).with_detail("draft,published")
            })?),
        };
        let page = Paging { page: query.page, per_page: query.per_page }.validate()?;
        let state = if compiles(&principal) { asked } else { Some(BriefingState::Published) };
        if asked == Some(BriefingState::Draft) && state != asked {
            return Ok(PageOf::new(Vec::new(), 0, page));
        }
        let (rows, total) = hotline_store::briefings::list(
            self.store.reader(),
            state,
            page.offset(),
            page.per_page,
        )
        .await?;
        let views = self.briefing_views(rows).await?;
        Ok(PageOf::new(views.into_iter().map(|v| v.summary).collect(), total, page))
    }

    /// A new, empty draft for `day`.
    pub async fn create_briefing(&self, ctx: &Ctx, input: &NewBriefing) -> Result<BriefingView> {
        let (principal, _) = self.authorize(ctx, Permission::BriefingCompile, None).await?;
        let user = principal.user_id().ok_or(Error::Forbidden)?;
        // Each value stands only when no field was refused.
        let mut errors = FieldErrors::new();
        let day = errors.take(parse_day("day", &input.day)).unwrap_or_default();
        let title = match input.title.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            Some(title) => errors.take(bounded_text("title", title, 1, MAX_TITLE)),
            None => Some(default_title(day)),
        };
        errors.into_result()?;
        let title = title.unwrap_or_default();
        let now = self.now();
        let row = BriefingRow {
            id: Uuid::now_v7(),
            day: day.format("%Y-%m-%d").to_string(),
            title,
            foreword: String::new(),
            state: BriefingState::Draft,
            version: 0,
            created_by: user.as_uuid(),
            created_at: now,
            updated_at: now,
            published_by: None,
            published_at: None,
        };
        let record = ctx.record(
            AuditEntry::new(AuditAction::BriefingCreate)
                .subject("briefing", row.id)
                .detail(json!({"day": row.day})),
            now,
        );
        let saved = row.clone();
        self.store
            .write(move |tx| {
                Box::pin(async move {
                    hotline_store::briefings::insert(&**tx, saved).await?;
                    tx.audit([record]);
                    Ok::<_, Error>(())
                })
            })
            .await?;
        Ok(self.briefing_views(vec![row]).await?.remove(0))
    }

    /// One briefing; a draft is not there for those who only read.
    pub async fn briefing(&self, ctx: &Ctx, id: Uuid) -> Result<BriefingView> {
        let (principal, _) = self.authorize(ctx, Permission::BriefingRead, None).await?;
        let row = hotline_store::briefings::find(self.store.reader(), id)
            .await?
            .filter(|b| b.state == BriefingState::Published || compiles(&principal))
            .ok_or(Error::NotFound("briefing"))?;
        Ok(self.briefing_views(vec![row]).await?.remove(0))
    }

    /// Saves a draft's title, foreword and items over the version the editor started from.
    pub async fn save_briefing(
        &self,
        ctx: &Ctx,
        id: Uuid,
        input: &BriefingDraft,
    ) -> Result<BriefingView> {
        self.authorize(ctx, Permission::BriefingCompile, None).await?;
        let current = self.draft(id).await?;
        // Each value stands only when no field was refused.
        let mut errors = FieldErrors::new();
        let title = errors
            .take(bounded_text("title", input.title.trim(), 1, MAX_TITLE))
            .unwrap_or_default();
        let foreword = match input.foreword.trim() {
            "" => String::new(),
            text => errors
                .take(bounded_text_multiline("foreword", text, 1, MAX_FOREWORD))
                .unwrap_or_default(),
        };
        if input.items.len() > MAX_ITEMS {
            errors.push(FieldError::new("items", FieldIssue::TooLong).with_limit(MAX_ITEMS));
        }
        let ids: Vec<Uuid> = input.items.iter().map(|i| i.ticket_id).collect();
        let known: HashSet<Uuid> = hotline_store::search::tickets_by_id(self.store.reader(), &ids)
            .await?
            .into_iter()
            .map(|t| t.id)
            .collect();
        let mut seen = HashSet::new();
        let now = self.now();
        let mut items = Vec::with_capacity(input.items.len());
        for (i, item) in input.items.iter().enumerate() {
            let field = |name: &str| format!("items[{i}].{name}");
            if !known.contains(&item.ticket_id) {
                errors.push(FieldError::new(field("ticket_id"), FieldIssue::NotFound));
            } else if !seen.insert(item.ticket_id) {
                errors.push(
                    FieldError::new(field("ticket_id"), FieldIssue::InvalidValue)
                        .with_detail("listed twice"),
                );
            }
            let headline = errors.take(bounded_text(
                &field("headline"),
                item.headline.trim(),
                1,
                MAX_HEADLINE,
            ));
            let body = errors.take(bounded_text_multiline(&field("body"), &item.body, 1, MAX_BODY));
            if let (Some(headline), Some(body)) = (headline, body) {
                items.push(BriefingItemRow {
                    id: Uuid::now_v7(),
                    briefing_id: id,
                    position: i32::try_from(i).unwrap_or(i32::MAX),
                    ticket_id: item.ticket_id,
                    headline,
                    body,
                });
            }
        }
        errors.into_result()?;
        let row = BriefingRow { title, foreword, updated_at: now, ..current };
        let record = ctx.record(
            AuditEntry::new(AuditAction::BriefingUpdate)
                .subject("briefing", id)
                .detail(json!({"version": input.version, "ticket_ids": ids})),
            now,
        );
        let (saved, version) = (row.clone(), input.version);
        self.store
            .write(move |tx| {
                Box::pin(async move {
                    if !hotline_store::briefings::save_draft(&**tx, &saved, version, items).await? {
                        return Err(Error::conflict(Conflict::ConcurrentUpdate));
                    }
                    tx.audit([record]);
                    Ok(())
                })
            })
            .await?;
        self.briefing(ctx, id).await
    }

    /// Publishes a draft with at least one item: from now on it reads as it was published.
    pub async fn publish_briefing(&self, ctx: &Ctx, id: Uuid) -> Result<BriefingView> {
        let (principal, _) = self.authorize(ctx, Permission::BriefingCompile, None).await?;
        let user = principal.user_id().ok_or(Error::Forbidden)?;
        self.draft(id).await?;
        if hotline_store::briefings::items(self.store.reader(), &[id]).await?.is_empty() {
            return Err(FieldError::new("items", FieldIssue::Required).into());
        }
        let now = self.now();
        let record =
            ctx.record(AuditEntry::new(AuditAction::BriefingPublish).subject("briefing", id), now);
        self.store
            .write(move |tx| {
                Box::pin(async move {
                    if !hotline_store::briefings::publish(&**tx, id, user.as_uuid(), now).await? {
                        return Err(Error::conflict(Conflict::AlreadyPublished));
                    }
                    tx.audit([record]);
                    Ok(())
                })
            })
            .await?;
        self.publish(LiveEvent::briefing());
        self.briefing(ctx, id).await
    }

    /// Throws a draft away; a published briefing stays.
    pub async fn delete_briefing(&self, ctx: &Ctx, id: Uuid) -> Result<()> {
        self.authorize(ctx, Permission::BriefingCompile, None).await?;
        self.draft(id).await?;
        let record = ctx.record(
            AuditEntry::new(AuditAction::BriefingDelete).subject("briefing", id),
            self.now(),
        );
        self.store
            .write(move |tx| {
                Box::pin(async move {
                    if !hotline_store::briefings::delete_draft(&**tx, id).await? {
                        return Err(Error::conflict(Conflict::AlreadyPublished));
                    }
                    tx.audit([record]);
                    Ok(())
                })
            })
            .await
    }

    /// The agents' excerpts of a period, for the editor to take items from.
    pub async fn briefing_excerpts(&self, ctx: &Ctx, query: &ExcerptQuery) -> Result<Excerpts> {
        self.authorize(ctx, Permission::BriefingCompile, None).await?;
        let mut errors = FieldErrors::new();
        let to = match query.to.as_deref() {
            Some(raw) => errors.take(parse_day("to", raw)).unwrap_or_default(),
            None => self.today(),
        };
        let from = match query.from.as_deref() {
            Some(raw) => errors.take(parse_day("from", raw)).unwrap_or_default(),
            None => excerpt_window(to).0,
        };
        errors.into_result()?;
        if to < from {
            return Err(FieldError::new("to", FieldIssue::InvalidValue)
                .with_detail("before from")
                .into());
        }
        if (to - from).num_days() > 92 {
            return Err(FieldError::new("to", FieldIssue::InvalidValue)
                .with_detail("at most 93 days")
                .with_limit(93)
                .into());
        }
        let calendar = self.calendar();
        let db = self.store.reader();
        let rows = hotline_store::briefings::excerpted(
            db,
            calendar.day_start(from),
            calendar.day_start(to + chrono::Days::new(1)),
        )
        .await?;
        let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
        let carried: HashMap<Uuid, Uuid> =
            hotline_store::briefings::carrying(db, &ids).await?.into_iter().collect();
        let reference = self.reference().await?;
        let items = rows
            .into_iter()
            .filter_map(|row| {
                Some(Excerpt {
                    ticket_id: row.id,
                    category_path: row
                        .category_id
                        .and_then(|c| path_names(&reference, c))
                        .map(|names| names.join(" / ")),
                    briefing_id: carried.get(&row.id).copied(),
                    excerpt: row.excerpt?,
                    number: row.number,
                    title: row.title,
                    state: row.state,
                    created_at: row.created_at,
                })
            })
            .collect();
        Ok(Excerpts { from, to, items })
    }

    /// The draft `id`; 409 `already_published` when it is published, 404 when there is none.
    async fn draft(&self, id: Uuid) -> Result<BriefingRow> {
        let row = hotline_store::briefings::find(self.store.reader(), id)
            .await?
            .ok_or(Error::NotFound("briefing"))?;
        match row.state {
            BriefingState::Draft => Ok(row),
            BriefingState::Published => Err(Error::conflict(Conflict::AlreadyPublished)),
        }
    }

    /// Briefings with their items, the items' tickets and the instructions on them.
    async fn briefing_views(&self, rows: Vec<BriefingRow>) -> Result<Vec<BriefingView>> {
        let db = self.store.reader();
        let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
        let items = hotline_store::briefings::items(db, &ids).await?;
        let ticket_ids: Vec<Uuid> = items.iter().map(|i| i.ticket_id).collect();
        let tickets: HashMap<Uuid, _> = hotline_store::search::tickets_by_id(db, &ticket_ids)
            .await?
            .into_iter()
            .map(|t| (t.id, t))
            .collect();
        let instructions = hotline_store::briefings::instructions(db, &ticket_ids).await?;
        let mut people: Vec<Uuid> = rows
            .iter()
            .flat_map(|r| [Some(r.created_by), r.published_by])
            .chain(instructions.iter().map(|e| e.actor_id.as_deref().and_then(|a| a.parse().ok())))
            .flatten()
            .collect();
        people.sort_unstable();
        people.dedup();
        let names = hotline_store::users::display_names(db, &people).await?;
        let name = |id: Uuid| names.get(&id).cloned();
        Ok(rows
            .into_iter()
            .map(|row| {
                let items: Vec<BriefingItemView> = items
                    .iter()
                    .filter(|i| i.briefing_id == row.id)
                    .map(|item| {
                        let ticket = tickets.get(&item.ticket_id);
                        BriefingItemView {
                            id: item.id,
                            position: item.position,
                            ticket_id: item.ticket_id,
                            ticket_number: ticket.map(|t| t.number.clone()),
                            ticket_title: ticket.map(|t| t.title.clone()),
                            ticket_state: ticket.map(|t| t.state),
                            headline: item.headline.clone(),
                            body: item.body.clone(),
                            instructions: instructions
                                .iter()
                                .filter(|e| {
                                    e.ticket_id == item.ticket_id
                                        && instructed_on(&e.detail) == Some(row.id)
                                })
                                .map(|e| InstructionView {
                                    at: e.at,
                                    author_name: e
                                        .actor_id
                                        .as_deref()
                                        .and_then(|a| a.parse().ok())
                                        .and_then(name)
                                        .or_else(|| e.actor_name.clone()),
                                    content: e.opinion.clone().unwrap_or_default(),
                                })
                                .collect(),
                        }
                    })
                    .collect();
                BriefingView {
                    summary: BriefingSummary {
                        id: row.id,
                        title: row.title,
                        day: NaiveDate::parse_from_str(&row.day, "%Y-%m-%d").unwrap_or_default(),
                        state: row.state,
                        item_count: items.len(),
                        instruction_count: items.iter().map(|i| i.instructions.len()).sum(),
                        created_by_name: name(row.created_by),
                        created_at: row.created_at,
                        published_at: row.published_at,
                        published_by_name: row.published_by.and_then(name),
                    },
                    foreword: row.foreword,
                    version: row.version,
                    items,
                }
            })
            .collect())
    }
}

/// The briefing an instruction's timeline entry names.
fn instructed_on(detail: &str) -> Option<Uuid> {
    serde_json::from_str::<serde_json::Value>(detail)
        .ok()?
        .get("briefing_id")?
        .as_str()?
        .parse()
        .ok()
}
