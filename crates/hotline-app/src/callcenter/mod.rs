//! The call center (呼叫中心): the floor as the ACD sees it — seats, queues, agents and the
//! calls in progress — kept in memory for fast decisions and written through to the database
//! with every change, so a restart rebuilds it as it stood (a call in progress included).
//!
//! setup: seats, queues and agents' skills (admins); agents: an agent's own state and a
//! supervisor's force; cti: the softswitch's decisions (route, reroute) and events; calls:
//! the call records and the wallboard.

mod agents;
mod calls;
mod cti;
mod setup;

pub use agents::{AgentStateInput, AgentView, LoginInput};
pub use calls::{CallQuery, CallView, LinkInput, QueueBoard, Wallboard, WindowFigures};
pub use cti::{CtiAck, CtiEvent, Offer, RerouteRequest, RouteDecision, RouteRequest, SipRoute};
pub use setup::{AgentSkillsInput, QueueInput, QueueView, SeatInput, SeatView};

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use hotline_domain::UserId;
use hotline_domain::callcenter::agent::{AgentInput, AgentState, Refused};
use hotline_domain::conflict::Conflict;
use hotline_store::callcenter::{AgentEventRow, AgentRow, CallRow, QueueRow, SeatRow};
use tokio::sync::{MappedMutexGuard, Mutex, MutexGuard};
use uuid::Uuid;

use crate::{App, Error, Result};

/// An agent as the ACD holds them.
#[derive(Clone, Debug)]
pub(crate) struct Agent {
    pub name: String,
    pub skills: BTreeMap<String, u8>,
    pub seat: Option<Uuid>,
    pub state: AgentState,
    /// Seconds talked today (least-talk-time).
    pub talk_today: i64,
    /// The last offer (round-robin).
    pub last_offer: Option<DateTime<Utc>>,
}

impl Agent {
    fn row(&self, user: UserId, now: DateTime<Utc>) -> Result<AgentRow> {
        Ok(AgentRow {
            user_id: user.as_uuid(),
            skills: serde_json::to_string(&self.skills).map_err(|e| Error::Internal(e.into()))?,
            seat_id: self.seat,
            state: serde_json::to_string(&self.state).map_err(|e| Error::Internal(e.into()))?,
            updated_at: now,
        })
    }
}

/// A queue with its settings read.
#[derive(Clone, Debug)]
pub(crate) struct Queue {
    pub id: Uuid,
    pub settings: QueueInput,
}

/// The floor: everything the ACD decides on.
#[derive(Debug)]
pub(crate) struct Floor {
    /// The local day the day's figures are for.
    pub day: NaiveDate,
    pub queues: Vec<Queue>,
    pub seats: BTreeMap<Uuid, SeatRow>,
    pub agents: BTreeMap<UserId, Agent>,
    /// Calls not ended, by SIP Call-ID.
    pub open: HashMap<String, CallRow>,
    /// Today's calls that ended, for the wallboard.
    pub ended: Vec<CallRow>,
    /// Offers go to `sip:<extension>@<sip_domain>`.
    pub sip_domain: String,
}

/// What one change of the floor writes: agents' rows and their state changes, calls' rows.
#[derive(Default)]
pub(crate) struct Changes {
    agents: BTreeMap<UserId, AgentRow>,
    events: Vec<AgentEventRow>,
    calls: Vec<CallRow>,
}

impl Floor {
    /// Moves an agent by `input`, noting the change; a refusal leaves them as they were.
    pub(crate) fn move_agent(
        &mut self,
        changes: &mut Changes,
        user: UserId,
        input: &AgentInput,
        now: DateTime<Utc>,
    ) -> std::result::Result<(), Refused> {
        let Some(agent) = self.agents.get_mut(&user) else {
            return Err(Refused {
                from: hotline_domain::callcenter::agent::AgentStatus::LoggedOut,
                input: input.name(),
            });
        };
        let before = agent.state.clone();
        let after = before.apply(input, now)?;
        if after == before {
            return Ok(());
        }
        if after.status == hotline_domain::callcenter::agent::AgentStatus::LoggedOut {
            agent.seat = None;
        }
        if matches!(input, AgentInput::Reserve { .. }) {
            agent.last_offer = Some(now);
        }
        changes.events.push(AgentEventRow {
            id: Uuid::now_v7(),
            user_id: user.as_uuid(),
            at: after.since,
            input: input.name().to_owned(),
            from_status: before.status.as_str().to_owned(),
            to_status: after.status.as_str().to_owned(),
            reason: after.reason.clone(),
            call_id: after.call.clone().or(before.call),
        });
        agent.state = after;
        changes.touch(user);
        Ok(())
    }

    /// Ends timed wrap-ups that are due.
    pub(crate) fn settle(&mut self, changes: &mut Changes, now: DateTime<Utc>) {
        let due: Vec<UserId> = self
            .agents
            .iter()
            .filter(|(_, a)| a.state.wrap_up_until.is_some_and(|t| t <= now))
            .map(|(id, _)| *id)
            .collect();
        for user in due {
            let until = self.agents[&user].state.wrap_up_until.unwrap_or(now);
            // The change is dated when the wrap-up ended, not when it was noticed.
            let _ = self.move_agent(changes, user, &AgentInput::WrapUpExpired, until);
        }
    }

    pub(crate) fn queue_of_number(&self, dnis: &str) -> Option<&Queue> {
        self.queues
            .iter()
            .find(|q| q.settings.active && q.settings.numbers.iter().any(|n| n == dnis))
    }

    pub(crate) fn agent_at_extension(&self, extension: &str) -> Option<UserId> {
        let seat = self.seats.values().find(|s| s.extension == extension)?.id;
        self.agents.iter().find(|(_, a)| a.seat == Some(seat)).map(|(id, _)| *id)
    }
}

impl Changes {
    fn touch(&mut self, user: UserId) {
        // The row is written from the floor when the change commits.
        self.agents.entry(user).or_insert_with(|| AgentRow {
            user_id: user.as_uuid(),
            skills: String::new(),
            seat_id: None,
            state: String::new(),
            updated_at: DateTime::<Utc>::MIN_UTC,
        });
    }

    pub(crate) fn call(&mut self, row: &CallRow) {
        self.calls.retain(|c| c.id != row.id);
        self.calls.push(row.clone());
    }
}

/// The floor, loaded on first use.
#[derive(Debug, Default)]
pub struct FloorSlot(Mutex<Option<Floor>>);

pub(crate) type FloorGuard<'a> = MappedMutexGuard<'a, Floor>;

fn refused(refusal: &Refused) -> Error {
    Error::Conflict {
        code: Conflict::AgentState,
        fields: vec![
            hotline_domain::FieldError::new("state", hotline_domain::FieldIssue::InvalidValue)
                .with_detail(refusal.to_string()),
        ],
    }
}

fn json_of<T: serde::de::DeserializeOwned>(what: &str, id: Uuid, raw: &str) -> Result<T> {
    serde_json::from_str(raw).map_err(|e| Error::Internal(anyhow::anyhow!("{what} {id}: {e}")))
}

impl App {
    /// The floor, loaded from the database on first use and again on a new day.
    pub(crate) async fn floor(&self) -> Result<FloorGuard<'_>> {
        let mut slot = self.floor.0.lock().await;
        let today = self.calendar().local_date(self.now());
        if slot.as_ref().is_none_or(|f| f.day != today) {
            *slot = Some(self.load_floor(today).await?);
        }
        MutexGuard::try_map(slot, Option::as_mut)
            .map_err(|_| Error::Internal(anyhow::anyhow!("the floor was not loaded")))
    }

    /// The floor with due wrap-ups ended and written: what readers show.
    pub(crate) async fn settled_floor(&self) -> Result<FloorGuard<'_>> {
        let mut floor = self.floor().await?;
        let mut changes = Changes::default();
        floor.settle(&mut changes, self.now());
        self.commit_floor(&floor, changes, Vec::new()).await?;
        Ok(floor)
    }

    /// Forgets the floor, so the next use reads it again (after seats or queues change).
    pub(crate) async fn reload_floor(&self) {
        *self.floor.0.lock().await = None;
    }

    async fn load_floor(&self, day: NaiveDate) -> Result<Floor> {
        let db = self.store.reader();
        let calendar = self.calendar();
        let midnight = calendar.day_start(day);
        let queues = hotline_store::callcenter::queues(db)
            .await?
            .into_iter()
            .map(|row: QueueRow| {
                let mut settings: QueueInput = json_of("queue", row.id, &row.settings)?;
                settings.name = row.name;
                settings.active = row.active;
                Ok(Queue { id: row.id, settings })
            })
            .collect::<Result<Vec<_>>>()?;
        let seats =
            hotline_store::callcenter::seats(db).await?.into_iter().map(|s| (s.id, s)).collect();
        let rows = hotline_store::callcenter::agents(db).await?;
        let ids: Vec<Uuid> = rows.iter().map(|r| r.user_id).collect();
        let names = hotline_store::users::display_names(db, &ids).await?;
        let calls = hotline_store::callcenter::calls_since(db, midnight).await?;
        let mut talk: HashMap<Uuid, i64> = HashMap::new();
        for call in &calls {
            if let (Some(agent), Some(talk_s)) = (call.agent_id, call.talk_s) {
                *talk.entry(agent).or_default() += i64::from(talk_s);
            }
        }
        let mut agents = BTreeMap::new();
        for row in rows {
            agents.insert(
                UserId::from_uuid(row.user_id),
                Agent {
                    name: names.get(&row.user_id).cloned().unwrap_or_default(),
                    skills: json_of("agent skills", row.user_id, &row.skills)?,
                    seat: row.seat_id,
                    state: json_of("agent state", row.user_id, &row.state)?,
                    talk_today: talk.get(&row.user_id).copied().unwrap_or(0),
                    last_offer: None,
                },
            );
        }
        let open = hotline_store::callcenter::open_calls(db)
            .await?
            .into_iter()
            .map(|c| (c.sip_call_id.clone(), c))
            .collect();
        let ended = calls.into_iter().filter(|c| c.ended_at.is_some()).collect();
        let sip_domain = self.config.callcenter.sip_domain.clone();
        Ok(Floor { day, queues, seats, agents, open, ended, sip_domain })
    }

    /// Writes what changed on the floor, with `audit`, in one transaction. Called with the
    /// floor still locked, so the database and memory agree.
    pub(crate) async fn commit_floor(
        &self,
        floor: &Floor,
        changes: Changes,
        audit: Vec<hotline_domain::audit::AuditRecord>,
    ) -> Result<()> {
        if changes.agents.is_empty() && changes.calls.is_empty() && audit.is_empty() {
            return Ok(());
        }
        let now = self.now();
        let agents = changes
            .agents
            .keys()
            .filter_map(|id| floor.agents.get(id).map(|a| a.row(*id, now)))
            .collect::<Result<Vec<_>>>()?;
        let events = changes.events;
        let calls = changes.calls;
        self.store
            .write(move |tx| {
                Box::pin(async move {
                    for row in agents {
                        hotline_store::callcenter::save_agent(&**tx, row).await?;
                    }
                    hotline_store::callcenter::insert_agent_events(&**tx, events).await?;
                    for row in calls {
                        hotline_store::callcenter::save_call(&**tx, row).await?;
                    }
                    tx.audit(audit);
                    Ok::<_, Error>(())
                })
            })
            .await
    }
}
