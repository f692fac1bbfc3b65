//! An agent's own state — logging in at a seat, ready, not ready with a reason, logging out —
//! and a supervisor forcing an agent off the line.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use hotline_domain::audit::AuditAction;
use hotline_domain::callcenter::agent::{AfterCall, AgentInput, AgentStatus};
use hotline_domain::conflict::Conflict;
use hotline_domain::role::Permission;
use hotline_domain::{FieldError, FieldIssue, UserId};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use super::{Changes, Floor, refused};
use crate::config::NotReadyReason;
use crate::{App, AuditEntry, Ctx, Error, Result};

/// An agent as the floor sees them.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct AgentView {
    pub user_id: Uuid,
    pub name: String,
    pub skills: BTreeMap<String, u8>,
    pub seat_id: Option<Uuid>,
    pub extension: Option<String>,
    pub status: AgentStatus,
    pub reason: Option<String>,
    pub since: DateTime<Utc>,
    /// Seconds in the current state.
    pub in_state_s: i64,
    /// The SIP Call-ID of the call the agent is on.
    pub call_id: Option<String>,
    pub wrap_up_until: Option<DateTime<Utc>>,
    /// What the agent asked for once the call is over.
    pub after_call: Option<AfterCall>,
    pub talk_today_s: i64,
}

/// `POST /callcenter/me/login`.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginInput {
    /// The seat's extension.
    pub extension: String,
}

/// `POST /callcenter/me/state` (and a supervisor's `POST /callcenter/agents/{id}/force`).
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgentStateInput {
    /// `ready`, `not_ready` (with a reason) or `logged_out`. During a call, not ready and
    /// logged out take effect when it ends.
    pub status: AgentStatus,
    /// One of the configured reasons (`GET /callcenter/reasons`), for `not_ready`.
    #[serde(default)]
    pub reason: Option<String>,
}

pub(crate) fn view(floor: &Floor, user: UserId, now: DateTime<Utc>) -> AgentView {
    let agent = &floor.agents[&user];
    let seat = agent.seat.and_then(|s| floor.seats.get(&s));
    AgentView {
        user_id: user.as_uuid(),
        name: agent.name.clone(),
        skills: agent.skills.clone(),
        seat_id: agent.seat,
        extension: seat.map(|s| s.extension.clone()),
        status: agent.state.status,
        reason: agent.state.reason.clone(),
        since: agent.state.since,
        in_state_s: (now - agent.state.since).num_seconds().max(0),
        call_id: agent.state.call.clone(),
        wrap_up_until: agent.state.wrap_up_until,
        after_call: agent.state.after_call.clone(),
        talk_today_s: agent.talk_today,
    }
}

impl App {
    /// The reasons an agent may give for not being ready.
    pub fn not_ready_reasons(&self) -> Vec<NotReadyReason> {
        self.config.callcenter.not_ready_reasons.clone()
    }

    /// The signed-in agent, who must have been set up as one.
    async fn me_as_agent(&self, ctx: &Ctx) -> Result<UserId> {
        let (principal, _) = self.authorize(ctx, Permission::CallTake, None).await?;
        principal.user_id().ok_or(Error::Forbidden)
    }

    pub async fn my_agent(&self, ctx: &Ctx) -> Result<AgentView> {
        let user = self.me_as_agent(ctx).await?;
        let now = self.now();
        let floor = self.settled_floor().await?;
        if !floor.agents.contains_key(&user) {
            return Err(Error::NotFound("agent"));
        }
        Ok(view(&floor, user, now))
    }

    /// Logs the agent in at the seat with `extension`: not ready until they say ready.
    pub async fn agent_login(&self, ctx: &Ctx, input: &LoginInput) -> Result<AgentView> {
        let user = self.me_as_agent(ctx).await?;
        let now = self.now();
        let mut floor = self.floor().await?;
        if !floor.agents.contains_key(&user) {
            return Err(Error::NotFound("agent"));
        }
        let seat = floor
            .seats
            .values()
            .find(|s| s.extension == input.extension.trim())
            .map(|s| s.id)
            .ok_or_else(|| FieldError::new("extension", FieldIssue::InvalidValue))?;
        let holder = floor.agents.iter().find(|(_, a)| a.seat == Some(seat)).map(|(id, _)| *id);
        if holder.is_some_and(|h| h != user) {
            return Err(Error::conflict(Conflict::SeatTaken));
        }
        let mut changes = Changes::default();
        floor.move_agent(&mut changes, user, &AgentInput::Login, now).map_err(|r| refused(&r))?;
        if let Some(agent) = floor.agents.get_mut(&user) {
            agent.seat = Some(seat);
        }
        self.commit_floor(&floor, changes, Vec::new()).await?;
        Ok(view(&floor, user, now))
    }

    /// The agent's own ready, not ready or log out.
    pub async fn agent_set_state(&self, ctx: &Ctx, input: &AgentStateInput) -> Result<AgentView> {
        let user = self.me_as_agent(ctx).await?;
        let action = self.state_input(input)?;
        let now = self.now();
        let mut floor = self.floor().await?;
        if !floor.agents.contains_key(&user) {
            return Err(Error::NotFound("agent"));
        }
        let mut changes = Changes::default();
        floor.settle(&mut changes, now);
        floor.move_agent(&mut changes, user, &action, now).map_err(|r| refused(&r))?;
        self.commit_floor(&floor, changes, Vec::new()).await?;
        Ok(view(&floor, user, now))
    }

    fn state_input(&self, input: &AgentStateInput) -> Result<AgentInput> {
        let reasons = &self.config.callcenter.not_ready_reasons;
        match (input.status, &input.reason) {
            (AgentStatus::Ready, None) => Ok(AgentInput::Ready),
            (AgentStatus::LoggedOut, None) => Ok(AgentInput::Logout),
            (AgentStatus::NotReady, Some(reason)) if reasons.iter().any(|r| &r.code == reason) => {
                Ok(AgentInput::NotReady { reason: reason.clone() })
            }
            (AgentStatus::NotReady, None) => {
                Err(FieldError::new("reason", FieldIssue::Required).into())
            }
            (AgentStatus::NotReady, Some(_)) => {
                Err(FieldError::new("reason", FieldIssue::InvalidValue).into())
            }
            (AgentStatus::Ready | AgentStatus::LoggedOut, Some(_)) => {
                Err(FieldError::new("reason", FieldIssue::InvalidValue)
                    .with_detail("only with not_ready")
                    .into())
            }
            (
                AgentStatus::Reserved
                | AgentStatus::Alerting
                | AgentStatus::OnCall
                | AgentStatus::Hold
                | AgentStatus::WrapUp,
                _,
            ) => Err(FieldError::new("status", FieldIssue::InvalidValue)
                .with_detail("ready, not_ready or logged_out")
                .into()),
        }
    }

    /// Every agent and their state, for supervisors.
    pub async fn list_agents(&self, ctx: &Ctx) -> Result<Vec<AgentView>> {
        self.authorize(ctx, Permission::CallSupervise, None).await?;
        let now = self.now();
        let floor = self.settled_floor().await?;
        Ok(floor.agents.keys().map(|id| view(&floor, *id, now)).collect())
    }

    /// A supervisor takes an agent off the line: not ready (forced) or logged out, at once or
    /// when their call ends. Audited.
    pub async fn force_agent(
        &self,
        ctx: &Ctx,
        user: Uuid,
        input: &AgentStateInput,
    ) -> Result<AgentView> {
        self.authorize(ctx, Permission::CallSupervise, None).await?;
        let action = match (input.status, &input.reason) {
            (AgentStatus::NotReady, None) => AgentInput::ForceNotReady,
            (AgentStatus::LoggedOut, None) => AgentInput::ForceLogout,
            _ => {
                return Err(FieldError::new("status", FieldIssue::InvalidValue)
                    .with_detail("not_ready or logged_out, without a reason")
                    .into());
            }
        };
        let id = UserId::from_uuid(user);
        let now = self.now();
        let mut floor = self.floor().await?;
        if !floor.agents.contains_key(&id) {
            return Err(Error::NotFound("agent"));
        }
        let mut changes = Changes::default();
        floor.settle(&mut changes, now);
        floor.move_agent(&mut changes, id, &action, now).map_err(|r| refused(&r))?;
        let audit = ctx.record(
            AuditEntry::new(AuditAction::AgentForce)
                .subject("agent", user)
                .detail(json!({"to": input.status})),
            now,
        );
        self.commit_floor(&floor, changes, vec![audit]).await?;
        Ok(view(&floor, id, now))
    }
}
