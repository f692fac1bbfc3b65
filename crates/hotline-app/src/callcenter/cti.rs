//! What the softswitch asks and tells (telephony §2.5, §5.2): where a new call goes
//! (`route`), where it goes after an offer failed (`reroute`), and the call's events. Decisions
//! are answered as rtjson documents Kamailio applies as they are. Events arrive over a second
//! channel in their own order (§4.4 gotcha 3): each is keyed by Call-ID and applied only where
//! it still means something, so duplicates and stragglers change nothing.

use chrono::{DateTime, Duration, Utc};
use hotline_domain::UserId;
use hotline_domain::callcenter::acd::{Candidate, Need, Strategy, choose};
use hotline_domain::callcenter::agent::AgentInput;
use hotline_domain::callcenter::{Disposition, OfferResult, unanswered, within_service_level};
use hotline_domain::phone::PhoneNumber;
use hotline_domain::role::Permission;
use hotline_domain::{FieldError, FieldErrors, FieldIssue};
use hotline_store::callcenter::CallRow;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{Changes, Floor, Queue};
use crate::{App, Ctx, Result};

/// `POST /cti/v1/route`: a new call on a hotline number.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
pub struct RouteRequest {
    /// The SIP Call-ID.
    pub call_id: String,
    /// The caller's number (From); absent or `anonymous` when withheld.
    #[serde(default)]
    pub ani: Option<String>,
    /// The number dialled (the Request-URI's user).
    pub dnis: String,
    /// A language an upstream switch already knows (`X-Lang`).
    #[serde(default)]
    pub lang: Option<String>,
}

/// `POST /cti/v1/reroute`: the last offer failed with `code`; where next.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
pub struct RerouteRequest {
    pub call_id: String,
    /// The SIP status the offer failed with: 408 rang out, 486 busy, 603 rejected, 487 the
    /// caller hung up.
    pub code: u16,
}

/// One target for Kamailio's rtjson.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct SipRoute {
    pub uri: String,
    /// How long the phone rings, in milliseconds.
    pub fr_inv_timer: u32,
}

/// The decision, as an rtjson document (`version`, `routing`, `routes`) with our `action`:
/// `route` to the agents in `routes`, or `reject` with `code` and `reason`.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct RouteDecision {
    pub action: &'static str,
    pub version: &'static str,
    /// `serial` (one agent), `parallel` (ring-all).
    pub routing: &'static str,
    pub routes: Vec<SipRoute>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'static str>,
    /// The agents offered the call.
    pub agents: Vec<Uuid>,
}

impl RouteDecision {
    fn reject(code: u16, reason: &'static str) -> Self {
        Self {
            action: "reject",
            version: "1.0",
            routing: "serial",
            routes: Vec::new(),
            code: Some(code),
            reason: Some(reason),
            agents: Vec::new(),
        }
    }
}

/// `POST /cti/v1/events`: one normalised call event.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
pub struct CtiEvent {
    /// `call_offered`, `agent_offering`, `agent_alerting`, `agent_failed`, `call_answered`,
    /// `caller_abandoned`, `call_failed`, `call_ended`, `device_registered`,
    /// `device_unregistered`.
    pub event: String,
    #[serde(default)]
    pub call_id: Option<String>,
    /// The agent's contact or extension (`sip:1001@…`, `1001`).
    #[serde(default)]
    pub agent: Option<String>,
    /// A SIP status (a failed offer, a failed call).
    #[serde(default)]
    pub code: Option<u16>,
    #[serde(default)]
    pub ani: Option<String>,
    #[serde(default)]
    pub dnis: Option<String>,
}

/// Whether the event changed anything (`false` for an unknown or finished call, a duplicate).
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct CtiAck {
    pub applied: bool,
}

/// One offer of a call to an agent, kept on the call's record.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct Offer {
    pub agent_id: Uuid,
    pub extension: String,
    pub at: DateTime<Utc>,
    pub result: Option<OfferResult>,
    pub ring_s: Option<i64>,
}

pub(crate) fn offers_of(call: &CallRow) -> Vec<Offer> {
    serde_json::from_str(&call.offers).unwrap_or_default()
}

fn set_offers(call: &mut CallRow, offers: &[Offer]) {
    call.offers = serde_json::to_string(offers).unwrap_or_else(|_| "[]".to_owned());
}

/// The extension in a contact (`sip:1001-0x55@host`, `1001@host`, `1001`).
fn extension_of(contact: &str) -> &str {
    let user = contact.strip_prefix("sip:").unwrap_or(contact);
    let user = user.split('@').next().unwrap_or(user);
    let end = user.find(|c: char| !c.is_ascii_digit()).unwrap_or(user.len());
    &user[..end]
}

impl Floor {
    /// Offers `call` to the best agents for it not offered it before, reserving them.
    fn decide(
        &mut self,
        changes: &mut Changes,
        call: &mut CallRow,
        now: DateTime<Utc>,
    ) -> RouteDecision {
        let Some(queue) =
            call.queue_id.and_then(|id| self.queues.iter().find(|q| q.id == id)).cloned()
        else {
            return RouteDecision::reject(404, "no such line");
        };
        let mut offers = offers_of(call);
        let wait = (now - call.offered_at).num_seconds();
        let s = &queue.settings;
        let overflow = s.overflow_after_s.is_some_and(|after| wait >= i64::from(after));
        let mut skills = if overflow { s.overflow_skills.clone() } else { s.skills.clone() };
        if let (false, Some(lang)) = (overflow, &call.lang) {
            let skill = format!("lang:{lang}");
            if !skills.contains(&skill) {
                skills.push(skill);
            }
        }
        let need = Need { skills: &skills, min_level: if overflow { 1 } else { s.min_level } };
        let candidates: Vec<Candidate<'_>> = self
            .agents
            .iter()
            .filter(|(id, a)| {
                a.seat.is_some()
                    && a.state.offerable(now)
                    && !offers.iter().any(|o| o.agent_id == id.as_uuid())
            })
            .filter_map(|(id, a)| {
                Some(Candidate {
                    agent: *id,
                    skills: &a.skills,
                    ready_since: a.state.ready_since?,
                    talk_seconds: a.talk_today,
                    last_offer: a.last_offer,
                })
            })
            .collect();
        let strategy = s.strategy.unwrap_or(Strategy::LongestIdle);
        let chosen = choose(strategy, &need, &candidates);
        let mut routes = Vec::new();
        let mut agents = Vec::new();
        for agent in chosen {
            let reserve = AgentInput::Reserve { call: call.sip_call_id.clone() };
            if self.move_agent(changes, agent, &reserve, now).is_err() {
                continue;
            }
            let extension = self.agents[&agent]
                .seat
                .and_then(|s| self.seats.get(&s))
                .map(|s| s.extension.clone())
                .unwrap_or_default();
            routes.push(SipRoute {
                uri: format!("sip:{extension}@{}", self.sip_domain),
                fr_inv_timer: s.ring_timeout_s * 1000,
            });
            agents.push(agent.as_uuid());
            offers.push(Offer {
                agent_id: agent.as_uuid(),
                extension,
                at: now,
                result: None,
                ring_s: None,
            });
        }
        set_offers(call, &offers);
        if routes.is_empty() {
            return RouteDecision::reject(480, "no agent available");
        }
        RouteDecision {
            action: "route",
            version: "1.0",
            routing: if strategy == Strategy::RingAll { "parallel" } else { "serial" },
            routes,
            code: None,
            reason: None,
            agents,
        }
    }

    /// Ends the pending offers of `call` (all, or `agent`'s) with `result`, moving the agents
    /// who still hold the call.
    fn end_offers(
        &mut self,
        changes: &mut Changes,
        call: &mut CallRow,
        agent: Option<UserId>,
        result: OfferResult,
        queue: Option<&Queue>,
        now: DateTime<Utc>,
    ) -> bool {
        let mut offers = offers_of(call);
        let mut any = false;
        for offer in offers.iter_mut().filter(|o| o.result.is_none()) {
            let id = UserId::from_uuid(offer.agent_id);
            if agent.is_some_and(|a| a != id) {
                continue;
            }
            offer.result = Some(result);
            offer.ring_s = Some((now - offer.at).num_seconds().max(0));
            any = true;
            let holds = self
                .agents
                .get(&id)
                .is_some_and(|a| a.state.call.as_deref() == Some(&call.sip_call_id));
            if !holds {
                continue;
            }
            let delay = |s: Option<u32>| now + Duration::seconds(i64::from(s.unwrap_or(0)));
            let input = match result {
                OfferResult::NoAnswer => AgentInput::NoAnswer,
                OfferResult::Busy => {
                    AgentInput::Declined { until: delay(queue.map(|q| q.settings.busy_delay_s)) }
                }
                OfferResult::Rejected => {
                    AgentInput::Declined { until: delay(queue.map(|q| q.settings.reject_delay_s)) }
                }
                OfferResult::Answered => AgentInput::Answered,
                OfferResult::Abandoned | OfferResult::Failed => AgentInput::OfferWithdrawn,
            };
            let _ = self.move_agent(changes, id, &input, now);
        }
        set_offers(call, &offers);
        any
    }

    /// Closes `call` with `disposition` (when it has none yet) and moves it to the day's ended.
    fn close(
        &mut self,
        changes: &mut Changes,
        mut call: CallRow,
        disposition: Disposition,
        code: Option<u16>,
        now: DateTime<Utc>,
    ) {
        call.ended_at = Some(now);
        if call.disposition.is_none() {
            call.disposition = Some(disposition.as_str().to_owned());
        }
        call.end_cause = call.end_cause.or(code.map(i32::from));
        changes.call(&call);
        self.open.remove(&call.sip_call_id);
        self.ended.push(call);
    }
}

impl Floor {
    /// Keeps `call` in progress, noting its change.
    fn keep(&mut self, changes: &mut Changes, call: CallRow) {
        changes.call(&call);
        self.open.insert(call.sip_call_id.clone(), call);
    }

    /// After a decision: a rejected call ends with `rejected`, a routed one goes on.
    fn conclude(
        &mut self,
        changes: &mut Changes,
        call: CallRow,
        decision: &RouteDecision,
        rejected: Disposition,
        now: DateTime<Utc>,
    ) {
        if decision.action == "reject" {
            self.close(changes, call, rejected, decision.code, now);
        } else {
            self.keep(changes, call);
        }
    }
}

impl App {
    /// A new call: its record, and the agents to offer it to (or a rejection).
    pub async fn cti_route(&self, ctx: &Ctx, request: &RouteRequest) -> Result<RouteDecision> {
        self.authorize(ctx, Permission::CallRoute, None).await?;
        let mut errors = FieldErrors::default();
        for (field, value, max) in [("call_id", &request.call_id, 200), ("dnis", &request.dnis, 32)]
        {
            if value.trim().is_empty() {
                errors.push(FieldError::new(field, FieldIssue::Required));
            } else if value.len() > max {
                errors.push(FieldError::new(field, FieldIssue::TooLong).with_limit(max));
            }
        }
        errors.into_result()?;
        let now = self.now();
        let mut floor = self.floor().await?;
        let mut changes = Changes::default();
        floor.settle(&mut changes, now);
        let mut call = match floor.open.get(&request.call_id) {
            Some(call) => call.clone(),
            None => {
                if hotline_store::callcenter::call_by_sip_id(self.store.reader(), &request.call_id)
                    .await?
                    .is_some()
                {
                    // A retransmission of a call already over.
                    return Ok(RouteDecision::reject(481, "call already ended"));
                }
                self.new_call(
                    &floor,
                    &request.call_id,
                    request.ani.as_deref(),
                    &request.dnis,
                    request.lang.as_deref(),
                    now,
                )
            }
        };
        // The same INVITE again: the offers already made stand.
        let pending: Vec<Offer> =
            offers_of(&call).into_iter().filter(|o| o.result.is_none()).collect();
        let decision = if pending.is_empty() {
            self.first_decision(&mut floor, &mut changes, &mut call, now)
        } else {
            let timer = floor
                .queues
                .iter()
                .find(|q| Some(q.id) == call.queue_id)
                .map_or(15, |q| q.settings.ring_timeout_s);
            RouteDecision {
                action: "route",
                version: "1.0",
                routing: if pending.len() > 1 { "parallel" } else { "serial" },
                routes: pending
                    .iter()
                    .map(|o| SipRoute {
                        uri: format!("sip:{}@{}", o.extension, floor.sip_domain),
                        fr_inv_timer: timer * 1000,
                    })
                    .collect(),
                code: None,
                reason: None,
                agents: pending.iter().map(|o| o.agent_id).collect(),
            }
        };
        let rejected = if decision.code == Some(480) {
            Disposition::RejectedNoAgent
        } else {
            Disposition::Failed
        };
        floor.conclude(&mut changes, call, &decision, rejected, now);
        self.commit_floor(&floor, changes, Vec::new()).await?;
        Ok(decision)
    }

    fn first_decision(
        &self,
        floor: &mut Floor,
        changes: &mut Changes,
        call: &mut CallRow,
        now: DateTime<Utc>,
    ) -> RouteDecision {
        let Some(queue) = call.queue_id.and_then(|id| floor.queues.iter().find(|q| q.id == id))
        else {
            return RouteDecision::reject(404, "no such line");
        };
        let local = now.with_timezone(&self.calendar().offset()).time();
        if !queue.settings.open_at(local) {
            return RouteDecision::reject(480, "line closed");
        }
        floor.decide(changes, call, now)
    }

    fn new_call(
        &self,
        floor: &Floor,
        call_id: &str,
        ani: Option<&str>,
        dnis: &str,
        lang: Option<&str>,
        now: DateTime<Utc>,
    ) -> CallRow {
        let queue = floor.queue_of_number(dnis);
        let phone =
            ani.and_then(|a| PhoneNumber::parse(a, &self.config.tickets.default_area_code).ok());
        let lang = lang
            .filter(|l| (2..=8).contains(&l.len()) && l.chars().all(|c| c.is_ascii_lowercase()))
            .map(str::to_owned)
            .or_else(|| queue.and_then(|q| q.settings.lang.clone()));
        CallRow {
            id: Uuid::now_v7(),
            sip_call_id: call_id.to_owned(),
            ani_enc: phone.as_ref().and_then(|p| self.data_key.encrypt(p.as_e164()).ok()),
            ani_idx: phone.as_ref().map(|p| self.data_key.blind_index(p.as_e164())),
            dnis: dnis.chars().take(32).collect(),
            queue_id: queue.map(|q| q.id),
            lang,
            offered_at: now,
            answered_at: None,
            ended_at: None,
            agent_id: None,
            disposition: None,
            end_cause: None,
            queue_wait_s: None,
            talk_s: None,
            within_sl: false,
            ticket_id: None,
            offers: "[]".to_owned(),
        }
    }

    /// The last offer failed: note why, move the agent, and offer the call to the next.
    pub async fn cti_reroute(&self, ctx: &Ctx, request: &RerouteRequest) -> Result<RouteDecision> {
        self.authorize(ctx, Permission::CallRoute, None).await?;
        let now = self.now();
        let mut floor = self.floor().await?;
        let mut changes = Changes::default();
        floor.settle(&mut changes, now);
        let Some(mut call) = floor.open.get(&request.call_id).cloned() else {
            tracing::info!(call_id = %request.call_id, "reroute for a call not in progress");
            return Ok(RouteDecision::reject(481, "no such call"));
        };
        let queue = floor.queues.iter().find(|q| Some(q.id) == call.queue_id).cloned();
        let result = OfferResult::of_sip_status(request.code);
        floor.end_offers(&mut changes, &mut call, None, result, queue.as_ref(), now);
        let decision = if result == OfferResult::Abandoned {
            RouteDecision::reject(487, "caller hung up")
        } else {
            floor.decide(&mut changes, &mut call, now)
        };
        let rejected = match result {
            OfferResult::Abandoned => {
                unanswered(call.offered_at, now, true, self.config.callcenter.short_abandon_seconds)
            }
            _ => Disposition::RejectedNoAgent,
        };
        floor.conclude(&mut changes, call, &decision, rejected, now);
        self.commit_floor(&floor, changes, Vec::new()).await?;
        Ok(decision)
    }

    /// Applies one event from the softswitch.
    pub async fn cti_event(&self, ctx: &Ctx, event: &CtiEvent) -> Result<CtiAck> {
        self.authorize(ctx, Permission::CallRoute, None).await?;
        const EVENTS: &[&str] = &[
            "call_offered",
            "agent_offering",
            "agent_alerting",
            "agent_failed",
            "call_answered",
            "caller_abandoned",
            "call_failed",
            "call_ended",
            "device_registered",
            "device_unregistered",
        ];
        if !EVENTS.contains(&event.event.as_str()) {
            return Err(FieldError::new("event", FieldIssue::InvalidValue).into());
        }
        let now = self.now();
        let mut floor = self.floor().await?;
        let mut changes = Changes::default();
        floor.settle(&mut changes, now);
        let agent = event
            .agent
            .as_deref()
            .map(extension_of)
            .filter(|e| !e.is_empty())
            .and_then(|e| floor.agent_at_extension(e));
        let applied = match event.event.as_str() {
            "device_registered" => false,
            "device_unregistered" => agent.is_some_and(|a| {
                floor.move_agent(&mut changes, a, &AgentInput::DeviceUnregistered, now).is_ok()
            }),
            name => {
                let Some(call_id) = event.call_id.as_deref().filter(|c| !c.is_empty()) else {
                    return Err(FieldError::new("call_id", FieldIssue::Required).into());
                };
                self.call_event(&mut floor, &mut changes, name, call_id, event, agent, now).await?
            }
        };
        if !applied {
            tracing::info!(event = %event.event, call_id = ?event.call_id, "call event changed nothing");
        }
        self.commit_floor(&floor, changes, Vec::new()).await?;
        Ok(CtiAck { applied })
    }

    #[expect(clippy::too_many_arguments, reason = "one event's parts, read once")]
    async fn call_event(
        &self,
        floor: &mut Floor,
        changes: &mut Changes,
        name: &str,
        call_id: &str,
        event: &CtiEvent,
        agent: Option<UserId>,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let Some(mut call) = floor.open.get(call_id).cloned() else {
            if name != "call_offered"
                || hotline_store::callcenter::call_by_sip_id(self.store.reader(), call_id)
                    .await?
                    .is_some()
            {
                return Ok(false);
            }
            // The event came before the decision: the record starts here.
            let dnis = event.dnis.as_deref().unwrap_or_default();
            let call = self.new_call(floor, call_id, event.ani.as_deref(), dnis, None, now);
            floor.keep(changes, call);
            return Ok(true);
        };
        let queue = floor.queues.iter().find(|q| Some(q.id) == call.queue_id).cloned();
        let short = self.config.callcenter.short_abandon_seconds;
        let applied = match name {
            "call_offered" | "agent_offering" => false,
            "agent_alerting" => {
                let holders: Vec<UserId> = offers_of(&call)
                    .iter()
                    .filter(|o| o.result.is_none())
                    .map(|o| UserId::from_uuid(o.agent_id))
                    .filter(|id| agent.is_none_or(|a| a == *id))
                    .collect();
                // Every holder moves; any one of them is a change.
                let moved = holders
                    .into_iter()
                    .filter(|id| floor.move_agent(changes, *id, &AgentInput::Alerting, now).is_ok())
                    .count();
                moved > 0
            }
            "agent_failed" => {
                let result = OfferResult::of_sip_status(event.code.unwrap_or(500));
                floor.end_offers(changes, &mut call, agent, result, queue.as_ref(), now)
            }
            "call_answered" if call.answered_at.is_none() => {
                let pending: Vec<UserId> = offers_of(&call)
                    .iter()
                    .filter(|o| o.result.is_none())
                    .map(|o| UserId::from_uuid(o.agent_id))
                    .collect();
                let Some(taker) =
                    agent.filter(|a| pending.contains(a)).or(pending.first().copied())
                else {
                    return Ok(false);
                };
                floor.end_offers(
                    changes,
                    &mut call,
                    Some(taker),
                    OfferResult::Answered,
                    queue.as_ref(),
                    now,
                );
                floor.end_offers(
                    changes,
                    &mut call,
                    None,
                    OfferResult::Abandoned,
                    queue.as_ref(),
                    now,
                );
                call.answered_at = Some(now);
                call.agent_id = Some(taker.as_uuid());
                call.queue_wait_s = i32::try_from((now - call.offered_at).num_seconds()).ok();
                call.within_sl = within_service_level(call.offered_at, now);
                true
            }
            "call_answered" => false,
            "call_ended" | "caller_abandoned" | "call_failed" => {
                if let Some(answered) = call.answered_at {
                    let talk = (now - answered).num_seconds().max(0);
                    call.talk_s = i32::try_from(talk).ok();
                    if let Some(agent) = call.agent_id.map(UserId::from_uuid) {
                        let wrap_up_until = queue.as_ref().map_or(Some(now), |q| {
                            q.settings.wrap_up_s.map(|s| now + Duration::seconds(i64::from(s)))
                        });
                        let _ = floor.move_agent(
                            changes,
                            agent,
                            &AgentInput::CallEnded { wrap_up_until },
                            now,
                        );
                        if let Some(a) = floor.agents.get_mut(&agent) {
                            a.talk_today += talk;
                        }
                    }
                    floor.close(changes, call, Disposition::Answered, event.code, now);
                } else {
                    let ringing = offers_of(&call).iter().any(|o| o.result.is_none());
                    let failed = name == "call_failed" && event.code != Some(487);
                    let result = if failed { OfferResult::Failed } else { OfferResult::Abandoned };
                    floor.end_offers(changes, &mut call, None, result, queue.as_ref(), now);
                    let disposition = if failed {
                        Disposition::Failed
                    } else {
                        unanswered(call.offered_at, now, ringing, short)
                    };
                    floor.close(changes, call, disposition, event.code, now);
                }
                return Ok(true);
            }
            _ => false,
        };
        if applied {
            floor.keep(changes, call);
        }
        Ok(applied)
    }
}
