//! Call records (one per inbound call, with its offers) and the floor's wallboard (现场监控).

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use hotline_domain::audit::AuditAction;
use hotline_domain::callcenter::acd::Need;
use hotline_domain::callcenter::agent::AgentStatus;
use hotline_domain::callcenter::{Disposition, SERVICE_LEVEL_SECONDS, agents_needed};
use hotline_domain::phone::PhoneNumber;
use hotline_domain::role::Permission;
use hotline_domain::{FieldError, FieldIssue};
use hotline_store::callcenter::CallRow;
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use super::cti::{Offer, offers_of};
use super::{Changes, Floor};
use crate::paging::{PageOf, Paging};
use crate::{App, AuditEntry, Ctx, Error, Result};

/// `GET /calls`.
#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CallQuery {
    /// First local day (default today).
    pub from: Option<NaiveDate>,
    /// Last local day (default `from`).
    pub to: Option<NaiveDate>,
    /// One agent's calls (an agent sees only their own).
    pub agent_id: Option<Uuid>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct CallView {
    pub id: Uuid,
    pub sip_call_id: String,
    /// The caller's number, masked.
    pub caller: Option<String>,
    pub dnis: String,
    pub queue_id: Option<Uuid>,
    pub queue_name: Option<String>,
    pub lang: Option<String>,
    pub agent_id: Option<Uuid>,
    pub agent_name: Option<String>,
    /// Unset while the call goes on.
    pub disposition: Option<Disposition>,
    pub offered_at: DateTime<Utc>,
    pub answered_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    /// From the offer to the answer.
    pub queue_wait_s: Option<i32>,
    pub talk_s: Option<i32>,
    /// Answered within 15 seconds.
    pub within_sl: bool,
    pub ticket_id: Option<Uuid>,
    pub offers: Vec<Offer>,
}

/// `POST /calls/{id}/ticket`: the ticket the call led to.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkInput {
    pub ticket_id: Uuid,
}

/// The floor's figures over a stretch of time.
#[derive(Clone, Debug, Default, Serialize, utoipa::ToSchema)]
pub struct WindowFigures {
    /// Calls offered to people (short abandons left out).
    pub offered: u64,
    pub answered: u64,
    /// Hung up before an answer (short abandons left out).
    pub abandoned: u64,
    pub short_abandons: u64,
    /// Turned away: no agent, the line closed, a failure.
    pub rejected: u64,
    pub answered_within_15s: u64,
    /// 人工接通率: answered / offered.
    pub answer_rate: Option<f64>,
    /// 15秒接通率: answered within 15 s / offered.
    pub service_level: Option<f64>,
    /// Average speed of answer, seconds.
    pub asa_s: Option<f64>,
    /// Average handling (talk) time, seconds.
    pub aht_s: Option<f64>,
}

/// One queue on the wallboard.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct QueueBoard {
    pub queue_id: Uuid,
    pub name: String,
    pub numbers: Vec<String>,
    pub lang: Option<String>,
    /// Calls in progress not answered yet.
    pub waiting: u64,
    pub longest_wait_s: i64,
    /// Agents able to take the queue's calls, by state.
    pub agents: BTreeMap<AgentStatus, u64>,
    pub today: WindowFigures,
    pub last_15_min: WindowFigures,
    pub last_30_min: WindowFigures,
    pub last_60_min: WindowFigures,
}

/// `GET /callcenter/wallboard`.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Wallboard {
    pub at: DateTime<Utc>,
    pub queues: Vec<QueueBoard>,
    /// Every agent logged in, by state (and not-ready by reason).
    pub agents: BTreeMap<AgentStatus, u64>,
    pub not_ready_reasons: BTreeMap<String, u64>,
    pub today: WindowFigures,
    pub last_60_min: WindowFigures,
    /// Talking or wrapping up over logged-in agents not on a break.
    pub occupancy: Option<f64>,
    /// Erlang C: agents needed for the last hour's calls to meet 80% in 15 s, beside those
    /// logged in.
    pub agents_required: Option<u32>,
    pub agents_staffed: u64,
}

fn figures<'a>(calls: impl Iterator<Item = &'a CallRow>) -> WindowFigures {
    let mut f = WindowFigures::default();
    let (mut wait, mut talk, mut talked) = (0i64, 0i64, 0u64);
    for call in calls {
        let disposition = call.disposition.as_deref().and_then(Disposition::parse);
        match disposition {
            Some(Disposition::Answered) => {
                f.answered += 1;
                f.answered_within_15s += u64::from(call.within_sl);
                wait += i64::from(call.queue_wait_s.unwrap_or(0));
                if let Some(t) = call.talk_s {
                    talk += i64::from(t);
                    talked += 1;
                }
            }
            Some(Disposition::AbandonedQueue | Disposition::AbandonedRinging) => f.abandoned += 1,
            Some(Disposition::ShortAbandon) => f.short_abandons += 1,
            Some(Disposition::RejectedNoAgent | Disposition::Failed) => f.rejected += 1,
            None => {}
        }
        if disposition.is_some_and(Disposition::counts_as_offered) {
            f.offered += 1;
        }
    }
    let share = |n: u64, d: u64| (d > 0).then(|| n as f64 / d as f64);
    f.answer_rate = share(f.answered, f.offered);
    f.service_level = share(f.answered_within_15s, f.offered);
    f.asa_s = (f.answered > 0).then(|| wait as f64 / f.answered as f64);
    f.aht_s = (talked > 0).then(|| talk as f64 / talked as f64);
    f
}

fn view(floor: &Floor, call: &CallRow, caller: Option<String>) -> CallView {
    let agent = call.agent_id.map(hotline_domain::UserId::from_uuid);
    CallView {
        id: call.id,
        sip_call_id: call.sip_call_id.clone(),
        caller,
        dnis: call.dnis.clone(),
        queue_id: call.queue_id,
        queue_name: floor
            .queues
            .iter()
            .find(|q| Some(q.id) == call.queue_id)
            .map(|q| q.settings.name.clone()),
        lang: call.lang.clone(),
        agent_id: call.agent_id,
        agent_name: agent.and_then(|a| floor.agents.get(&a)).map(|a| a.name.clone()),
        disposition: call.disposition.as_deref().and_then(Disposition::parse),
        offered_at: call.offered_at,
        answered_at: call.answered_at,
        ended_at: call.ended_at,
        queue_wait_s: call.queue_wait_s,
        talk_s: call.talk_s,
        within_sl: call.within_sl,
        ticket_id: call.ticket_id,
        offers: offers_of(call),
    }
}

impl App {
    fn masked_caller(&self, call: &CallRow) -> Option<String> {
        let plain = self.data_key.decrypt(call.ani_enc.as_deref()?).ok()?;
        Some(
            PhoneNumber::parse(&plain, &self.config.tickets.default_area_code)
                .map_or_else(|_| "***".to_owned(), |p| p.masked()),
        )
    }

    /// Call records, newest first: a supervisor's of everyone, an agent's of their own.
    /// Audited (they carry callers' masked numbers).
    pub async fn list_calls(&self, ctx: &Ctx, query: &CallQuery) -> Result<PageOf<CallView>> {
        let principal = ctx.principal.as_ref().ok_or(Error::Unauthenticated)?;
        let agent = if principal.scope_for(Permission::CallSupervise).is_some() {
            query.agent_id
        } else {
            let (principal, _) = self.authorize(ctx, Permission::CallTake, None).await?;
            let me = principal.user_id().ok_or(Error::Forbidden)?.as_uuid();
            if query.agent_id.is_some_and(|a| a != me) {
                return Err(self.deny(ctx, json!({"calls_of": query.agent_id})).await);
            }
            Some(me)
        };
        let page = Paging { page: query.page, per_page: query.per_page }.validate()?;
        let calendar = self.calendar();
        let today = calendar.local_date(self.now());
        let from = query.from.unwrap_or(today);
        let to = query.to.unwrap_or(from);
        if to < from {
            return Err(FieldError::new("to", FieldIssue::InvalidValue).into());
        }
        if (to - from).num_days() > 366 {
            return Err(FieldError::new("to", FieldIssue::InvalidValue)
                .with_detail("at most a year")
                .into());
        }
        let (rows, total) = hotline_store::callcenter::calls(
            self.store.reader(),
            calendar.day_start(from),
            calendar.day_start(to.succ_opt().unwrap_or(to)),
            agent,
            page.offset(),
            page.per_page,
        )
        .await?;
        let now = self.now();
        self.audit_now(vec![
            ctx.record(
                AuditEntry::new(AuditAction::CallList)
                    .detail(json!({"from": from, "to": to, "agent_id": agent, "rows": rows.len()})),
                now,
            ),
        ])
        .await?;
        let floor = self.floor().await?;
        let items = rows.iter().map(|c| view(&floor, c, self.masked_caller(c))).collect();
        Ok(PageOf::new(items, total, page))
    }

    /// Links a call to the ticket it led to: the agent who took it, or a supervisor.
    pub async fn link_call(&self, ctx: &Ctx, id: Uuid, input: &LinkInput) -> Result<CallView> {
        let (principal, _) = self.authorize(ctx, Permission::CallTake, None).await?;
        let supervisor = principal.scope_for(Permission::CallSupervise).is_some();
        let db = self.store.reader();
        let call =
            hotline_store::callcenter::find_call(db, id).await?.ok_or(Error::NotFound("call"))?;
        let me = principal.user_id().map(|u| u.as_uuid());
        if !supervisor && call.agent_id != me {
            return Err(Error::NotFound("call"));
        }
        hotline_store::tickets::find(db, input.ticket_id)
            .await?
            .ok_or_else(|| FieldError::new("ticket_id", FieldIssue::InvalidValue))?;
        let now = self.now();
        let mut floor = self.floor().await?;
        // The floor's copy (a call in progress) is the one that is written on.
        let mut call = floor.open.get(&call.sip_call_id).cloned().unwrap_or(call);
        call.ticket_id = Some(input.ticket_id);
        if let Some(open) = floor.open.get_mut(&call.sip_call_id) {
            open.ticket_id = call.ticket_id;
        }
        if let Some(ended) = floor.ended.iter_mut().find(|c| c.id == call.id) {
            ended.ticket_id = call.ticket_id;
        }
        let mut changes = Changes::default();
        changes.call(&call);
        let audit = ctx.record(
            AuditEntry::new(AuditAction::CallLink)
                .subject("ticket", input.ticket_id)
                .detail(json!({"call_id": call.id})),
            now,
        );
        self.commit_floor(&floor, changes, vec![audit]).await?;
        Ok(view(&floor, &call, self.masked_caller(&call)))
    }

    /// The floor now: per queue the calls waiting and agents by state, and the day's and the
    /// last quarter, half and whole hour's figures.
    pub async fn wallboard(&self, ctx: &Ctx) -> Result<Wallboard> {
        self.authorize(ctx, Permission::CallSupervise, None).await?;
        let now = self.now();
        let floor = self.settled_floor().await?;
        let since = |minutes: i64| now - Duration::minutes(minutes);
        let window = |queue: Option<Uuid>, from: Option<DateTime<Utc>>| {
            figures(floor.ended.iter().filter(|c| {
                queue.is_none_or(|q| c.queue_id == Some(q))
                    && from.is_none_or(|f| c.offered_at >= f)
            }))
        };
        let logged_in =
            || floor.agents.values().filter(|a| a.state.status != AgentStatus::LoggedOut);
        let queues = floor
            .queues
            .iter()
            .filter(|q| q.settings.active)
            .map(|q| {
                let waiting: Vec<&CallRow> = floor
                    .open
                    .values()
                    .filter(|c| c.queue_id == Some(q.id) && c.answered_at.is_none())
                    .collect();
                let mut skills = q.settings.skills.clone();
                if let Some(lang) = &q.settings.lang {
                    skills.push(format!("lang:{lang}"));
                }
                let need = Need { skills: &skills, min_level: q.settings.min_level };
                let mut agents = BTreeMap::new();
                for agent in logged_in().filter(|a| need.fit(&a.skills).is_some()) {
                    *agents.entry(agent.state.status).or_insert(0) += 1;
                }
                QueueBoard {
                    queue_id: q.id,
                    name: q.settings.name.clone(),
                    numbers: q.settings.numbers.clone(),
                    lang: q.settings.lang.clone(),
                    waiting: waiting.len() as u64,
                    longest_wait_s: waiting
                        .iter()
                        .map(|c| (now - c.offered_at).num_seconds())
                        .max()
                        .unwrap_or(0),
                    agents,
                    today: window(Some(q.id), None),
                    last_15_min: window(Some(q.id), Some(since(15))),
                    last_30_min: window(Some(q.id), Some(since(30))),
                    last_60_min: window(Some(q.id), Some(since(60))),
                }
            })
            .collect();
        let mut agents = BTreeMap::new();
        let mut reasons = BTreeMap::new();
        for agent in logged_in() {
            *agents.entry(agent.state.status).or_insert(0) += 1;
            if let Some(reason) = &agent.state.reason {
                *reasons.entry(reason.clone()).or_insert(0) += 1;
            }
        }
        let count = |s: AgentStatus| agents.get(&s).copied().unwrap_or(0);
        let busy = count(AgentStatus::OnCall)
            + count(AgentStatus::Hold)
            + count(AgentStatus::WrapUp)
            + count(AgentStatus::Reserved)
            + count(AgentStatus::Alerting);
        let available = busy + count(AgentStatus::Ready);
        let hour = window(None, Some(since(60)));
        let required = hour.aht_s.and_then(|aht| {
            agents_needed(hour.offered as f64, aht, SERVICE_LEVEL_SECONDS as f64, 0.8)
        });
        Ok(Wallboard {
            at: now,
            queues,
            agents_staffed: agents.values().sum(),
            agents,
            not_ready_reasons: reasons,
            today: window(None, None),
            last_60_min: hour,
            occupancy: (available > 0).then(|| busy as f64 / available as f64),
            agents_required: required,
        })
    }
}
