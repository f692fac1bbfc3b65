//! The agent's state machine (telephony §5.3): what an agent on a seat may be doing, and which
//! inputs — the agent's clicks, the softswitch's events, the ACD's choice, a supervisor — move
//! them. Pure: the caller passes `now`, stores the new state and records the change.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

crate::code_enum! {
    /// Where an agent stands.
    pub enum AgentStatus {
        LoggedOut = "logged_out",
        NotReady = "not_ready",
        Ready = "ready",
        /// Chosen by the ACD for a call; the offer is on its way to the phone.
        Reserved = "reserved",
        /// The phone rings.
        Alerting = "alerting",
        OnCall = "on_call",
        Hold = "hold",
        /// After-call work (话后处理), timed or until the agent says ready.
        WrapUp = "wrap_up",
    }
}

impl AgentStatus {
    /// The states that belong to a call.
    #[must_use]
    pub const fn has_call(self) -> bool {
        match self {
            Self::Reserved | Self::Alerting | Self::OnCall | Self::Hold | Self::WrapUp => true,
            Self::LoggedOut | Self::NotReady | Self::Ready => false,
        }
    }
}

/// The reason an agent signed in is not ready until they say so.
pub const REASON_LOGIN: &str = "login";
/// Ring-out-no-answer: the phone rang and nobody took the call.
pub const REASON_RONA: &str = "rona";
/// The phone dropped its registration.
pub const REASON_DEVICE_UNREGISTERED: &str = "device_unregistered";
/// A supervisor took the agent off the line.
pub const REASON_FORCED: &str = "forced_by_supervisor";
/// Reasons only the platform sets; an agent picks from the configured ones.
pub const SYSTEM_REASONS: &[&str] =
    &[REASON_LOGIN, REASON_RONA, REASON_DEVICE_UNREGISTERED, REASON_FORCED];

/// What happens once the current call is over, asked for during it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "to", rename_all = "snake_case")]
pub enum AfterCall {
    NotReady { reason: String },
    LoggedOut,
}

/// An agent's state as kept between inputs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentState {
    pub status: AgentStatus,
    /// Why the agent is not ready; only in `NotReady`.
    pub reason: Option<String>,
    pub since: DateTime<Utc>,
    /// The SIP Call-ID of the call the agent is on, from reservation to the end of wrap-up.
    pub call: Option<String>,
    /// Since when the agent waits for a call; only in `Ready` (longest-idle orders by it).
    pub ready_since: Option<DateTime<Utc>>,
    /// A busy or rejecting phone is not offered another call before this.
    pub available_at: Option<DateTime<Utc>>,
    /// Timed wrap-up ends here; `None` in wrap-up waits for the agent.
    pub wrap_up_until: Option<DateTime<Utc>>,
    pub after_call: Option<AfterCall>,
}

/// What moves an agent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AgentInput {
    Login,
    Ready,
    NotReady {
        reason: String,
    },
    /// Deferred to the end of the call when there is one.
    Logout,
    /// The ACD chose the agent for `call`.
    Reserve {
        call: String,
    },
    Alerting,
    Answered,
    Hold,
    Resume,
    /// The ring timed out (RONA).
    NoAnswer,
    /// The phone was busy or rejected the call: ready again, but not offered before `until`.
    Declined {
        until: DateTime<Utc>,
    },
    /// The offer ended without the agent: the caller hung up, or the call went elsewhere.
    OfferWithdrawn,
    /// `wrap_up_until`: `None` for wrap-up until the agent says ready.
    CallEnded {
        wrap_up_until: Option<DateTime<Utc>>,
    },
    /// The wrap-up timer ran out.
    WrapUpExpired,
    DeviceUnregistered,
    ForceNotReady,
    ForceLogout,
}

impl AgentInput {
    /// A stable name for events and refusals.
    #[must_use]
    pub const fn name(&self) -> &'static str {
        match self {
            Self::Login => "login",
            Self::Ready => "ready",
            Self::NotReady { .. } => "not_ready",
            Self::Logout => "logout",
            Self::Reserve { .. } => "reserve",
            Self::Alerting => "alerting",
            Self::Answered => "answered",
            Self::Hold => "hold",
            Self::Resume => "resume",
            Self::NoAnswer => "no_answer",
            Self::Declined { .. } => "declined",
            Self::OfferWithdrawn => "offer_withdrawn",
            Self::CallEnded { .. } => "call_ended",
            Self::WrapUpExpired => "wrap_up_expired",
            Self::DeviceUnregistered => "device_unregistered",
            Self::ForceNotReady => "force_not_ready",
            Self::ForceLogout => "force_logout",
        }
    }
}

/// An input the state does not allow (a reservation of a busy agent, hold without a call).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{input} is not possible while {from}")]
pub struct Refused {
    pub from: AgentStatus,
    pub input: &'static str,
}

impl AgentState {
    #[must_use]
    pub const fn logged_out(at: DateTime<Utc>) -> Self {
        Self {
            status: AgentStatus::LoggedOut,
            reason: None,
            since: at,
            call: None,
            ready_since: None,
            available_at: None,
            wrap_up_until: None,
            after_call: None,
        }
    }

    /// Whether the ACD may offer this agent a call now.
    #[must_use]
    pub fn offerable(&self, now: DateTime<Utc>) -> bool {
        self.status == AgentStatus::Ready && self.available_at.is_none_or(|at| at <= now)
    }

    /// The state after `input` at `now`, or why not. Repeating the state one is in (ready
    /// when ready) is allowed and changes nothing but the reason.
    pub fn apply(&self, input: &AgentInput, now: DateTime<Utc>) -> Result<Self, Refused> {
        use AgentInput as I;
        use AgentStatus as S;
        let refused = Err(Refused { from: self.status, input: input.name() });
        let now = now.max(self.since);
        let next = match (self.status, input) {
            (S::LoggedOut, I::Login) => self.not_ready(REASON_LOGIN, now),
            (S::LoggedOut, _) => return refused,

            (S::NotReady | S::Ready | S::WrapUp, I::Logout | I::ForceLogout) => {
                Self::logged_out(now)
            }
            (S::NotReady | S::WrapUp, I::Ready) => self.ready(now),
            (S::Ready, I::Ready) => self.clone(),
            (S::NotReady | S::Ready | S::WrapUp, I::NotReady { reason }) => {
                self.not_ready(reason, now)
            }
            (S::NotReady | S::Ready | S::WrapUp, I::ForceNotReady) => {
                self.not_ready(REASON_FORCED, now)
            }
            (S::NotReady | S::Ready, I::DeviceUnregistered) => {
                self.not_ready(REASON_DEVICE_UNREGISTERED, now)
            }
            (S::Ready, I::Reserve { call }) if self.offerable(now) => Self {
                status: S::Reserved,
                call: Some(call.clone()),
                ready_since: None,
                available_at: None,
                ..self.moved(now)
            },
            (S::WrapUp, I::WrapUpExpired) if self.wrap_up_until.is_some_and(|t| t <= now) => {
                self.call_over(now)
            }

            // During a call: what the agent asks for waits for its end.
            (S::Reserved | S::Alerting | S::OnCall | S::Hold, I::NotReady { reason }) => {
                self.after(AfterCall::NotReady { reason: reason.clone() })
            }
            (S::Reserved | S::Alerting | S::OnCall | S::Hold, I::ForceNotReady) => {
                self.after(AfterCall::NotReady { reason: REASON_FORCED.to_owned() })
            }
            (S::Reserved | S::Alerting | S::OnCall | S::Hold, I::Logout | I::ForceLogout) => {
                self.after(AfterCall::LoggedOut)
            }
            (S::Reserved, I::Alerting) => Self { status: S::Alerting, ..self.moved(now) },
            (S::Alerting, I::Alerting) => self.clone(),
            (S::Reserved | S::Alerting, I::Answered) => {
                Self { status: S::OnCall, ..self.moved(now) }
            }
            (S::Reserved | S::Alerting, I::NoAnswer) => match &self.after_call {
                Some(AfterCall::LoggedOut) => Self::logged_out(now),
                _ => self.not_ready(REASON_RONA, now),
            },
            (S::Reserved | S::Alerting, I::Declined { until }) => {
                let mut next = self.call_over(now);
                if next.status == S::Ready {
                    next.available_at = Some(*until);
                }
                next
            }
            (S::Reserved | S::Alerting, I::OfferWithdrawn) => self.call_over(now),
            (S::Reserved | S::Alerting, I::DeviceUnregistered) => {
                self.not_ready(REASON_DEVICE_UNREGISTERED, now)
            }
            (S::OnCall | S::Hold, I::DeviceUnregistered) => {
                self.after(AfterCall::NotReady { reason: REASON_DEVICE_UNREGISTERED.to_owned() })
            }
            (S::OnCall, I::Hold) => Self { status: S::Hold, ..self.moved(now) },
            (S::Hold, I::Resume) => Self { status: S::OnCall, ..self.moved(now) },
            (S::OnCall | S::Hold, I::CallEnded { wrap_up_until }) => match wrap_up_until {
                Some(until) if *until <= now => self.call_over(now),
                until => Self { status: S::WrapUp, wrap_up_until: *until, ..self.moved(now) },
            },
            (
                S::NotReady
                | S::Ready
                | S::Reserved
                | S::Alerting
                | S::OnCall
                | S::Hold
                | S::WrapUp,
                _,
            ) => return refused,
        };
        Ok(next)
    }

    /// The same state, entered at `now`.
    fn moved(&self, now: DateTime<Utc>) -> Self {
        Self { since: now, ..self.clone() }
    }

    fn after(&self, after: AfterCall) -> Self {
        Self { after_call: Some(after), ..self.clone() }
    }

    fn not_ready(&self, reason: &str, now: DateTime<Utc>) -> Self {
        Self {
            status: AgentStatus::NotReady,
            reason: Some(reason.to_owned()),
            ..Self::logged_out(now)
        }
    }

    fn ready(&self, now: DateTime<Utc>) -> Self {
        Self {
            status: AgentStatus::Ready,
            ready_since: Some(now),
            available_at: self.available_at.filter(|at| *at > now),
            ..Self::logged_out(now)
        }
    }

    /// The call is over for the agent: what they asked for during it, or ready.
    fn call_over(&self, now: DateTime<Utc>) -> Self {
        match &self.after_call {
            Some(AfterCall::LoggedOut) => Self::logged_out(now),
            Some(AfterCall::NotReady { reason }) => self.not_ready(reason, now),
            None => self.ready(now),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone as _};
    use proptest::prelude::*;

    fn at(s: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_795_000_000 + s, 0).single().expect("valid")
    }

    fn run(inputs: &[AgentInput]) -> AgentState {
        inputs.iter().enumerate().fold(AgentState::logged_out(at(0)), |state, (i, input)| {
            state.apply(input, at(i as i64 + 1)).unwrap_or_else(|e| panic!("{e}"))
        })
    }

    #[test]
    fn a_call_runs_from_reservation_to_ready_after_wrap_up() {
        let call = AgentInput::Reserve { call: "c1".to_owned() };
        let wrap = AgentInput::CallEnded { wrap_up_until: Some(at(100)) };
        let state = run(&[AgentInput::Login, AgentInput::Ready, call, AgentInput::Alerting]);
        assert_eq!((state.status, state.call.as_deref()), (AgentStatus::Alerting, Some("c1")));
        let state = state.apply(&AgentInput::Answered, at(10)).expect("answer");
        let state = state.apply(&wrap, at(20)).expect("end");
        assert_eq!(state.status, AgentStatus::WrapUp);
        assert!(state.apply(&AgentInput::WrapUpExpired, at(99)).is_err(), "not yet");
        let state = state.apply(&AgentInput::WrapUpExpired, at(100)).expect("expired");
        assert_eq!((state.status, state.ready_since), (AgentStatus::Ready, Some(at(100))));
        assert_eq!(state.call, None);
    }

    #[test]
    fn rona_takes_the_agent_off_and_a_declined_offer_waits_out_its_delay() {
        let reserve = AgentInput::Reserve { call: "c1".to_owned() };
        let state = run(&[AgentInput::Login, AgentInput::Ready, reserve.clone()]);
        let rona = state.apply(&AgentInput::NoAnswer, at(20)).expect("rona");
        assert_eq!((rona.status, rona.reason.as_deref()), (AgentStatus::NotReady, Some("rona")));
        let busy = state.apply(&AgentInput::Declined { until: at(30) }, at(20)).expect("busy");
        assert_eq!(busy.status, AgentStatus::Ready);
        assert!(!busy.offerable(at(29)) && busy.offerable(at(30)));
        assert!(busy.apply(&reserve, at(29)).is_err(), "not offered during the delay");
    }

    #[test]
    fn logout_and_not_ready_during_a_call_wait_for_its_end() {
        let reserve = AgentInput::Reserve { call: "c1".to_owned() };
        let state = run(&[AgentInput::Login, AgentInput::Ready, reserve, AgentInput::Answered]);
        let state = state
            .apply(&AgentInput::NotReady { reason: "meal".to_owned() }, at(10))
            .expect("asked");
        assert_eq!(state.status, AgentStatus::OnCall, "the call goes on");
        let state =
            state.apply(&AgentInput::CallEnded { wrap_up_until: None }, at(20)).expect("ended");
        assert_eq!(state.status, AgentStatus::WrapUp, "manual wrap-up");
        let state = state.apply(&AgentInput::Logout, at(30)).expect("logout in wrap-up");
        assert_eq!(state.status, AgentStatus::LoggedOut);

        let reserve = AgentInput::Reserve { call: "c2".to_owned() };
        let state = run(&[AgentInput::Login, AgentInput::Ready, reserve, AgentInput::Answered]);
        let state = state.apply(&AgentInput::Logout, at(10)).expect("deferred");
        let ended = AgentInput::CallEnded { wrap_up_until: Some(at(10)) };
        assert_eq!(state.apply(&ended, at(20)).expect("ended").status, AgentStatus::LoggedOut);
    }

    #[test]
    fn inputs_out_of_place_are_refused() {
        let out = AgentState::logged_out(at(0));
        assert_eq!(
            out.apply(&AgentInput::Ready, at(1)),
            Err(Refused { from: AgentStatus::LoggedOut, input: "ready" })
        );
        let ready = run(&[AgentInput::Login, AgentInput::Ready]);
        assert!(ready.apply(&AgentInput::Hold, at(5)).is_err());
        assert!(ready.apply(&AgentInput::CallEnded { wrap_up_until: None }, at(5)).is_err());
        let not_ready = run(&[AgentInput::Login]);
        let reserve = AgentInput::Reserve { call: "c".to_owned() };
        assert!(not_ready.apply(&reserve, at(5)).is_err(), "only ready agents take calls");
    }

    fn input() -> impl Strategy<Value = AgentInput> {
        let reason = prop_oneof![Just("break"), Just("meal"), Just("training")];
        prop_oneof![
            Just(AgentInput::Login),
            Just(AgentInput::Ready),
            reason.prop_map(|r| AgentInput::NotReady { reason: r.to_owned() }),
            Just(AgentInput::Logout),
            (0u8..3).prop_map(|c| AgentInput::Reserve { call: format!("call-{c}") }),
            Just(AgentInput::Alerting),
            Just(AgentInput::Answered),
            Just(AgentInput::Hold),
            Just(AgentInput::Resume),
            Just(AgentInput::NoAnswer),
            (0i64..20).prop_map(|d| AgentInput::Declined { until: at(d) }),
            Just(AgentInput::OfferWithdrawn),
            proptest::option::of(0i64..40)
                .prop_map(|t| AgentInput::CallEnded { wrap_up_until: t.map(at) }),
            Just(AgentInput::WrapUpExpired),
            Just(AgentInput::DeviceUnregistered),
            Just(AgentInput::ForceNotReady),
            Just(AgentInput::ForceLogout),
        ]
    }

    proptest! {
        /// Whatever arrives in whatever order, the state stays coherent: a call belongs to the
        /// call states only, a reason to not-ready only, an idle clock to ready only; a refused
        /// input changes nothing; and a logout always ends logged out once the call is over.
        #[test]
        fn any_sequence_keeps_the_state_coherent(
            inputs in proptest::collection::vec((input(), 0i64..5), 0..60),
        ) {
            let mut state = AgentState::logged_out(at(0));
            let mut now = at(0);
            for (input, step) in inputs {
                now += Duration::seconds(step);
                match state.apply(&input, now) {
                    Ok(next) => {
                        prop_assert!(next.since >= state.since);
                        state = next;
                    }
                    Err(refused) => prop_assert_eq!(refused.from, state.status),
                }
                prop_assert_eq!(state.call.is_some(), state.status.has_call(), "{:?}", state);
                prop_assert_eq!(
                    state.reason.is_some(), state.status == AgentStatus::NotReady, "{:?}", state
                );
                prop_assert_eq!(
                    state.ready_since.is_some(), state.status == AgentStatus::Ready, "{:?}", state
                );
                prop_assert!(state.after_call.is_none() || state.status.has_call(), "{:?}", state);
                prop_assert!(state.wrap_up_until.is_none() || state.status == AgentStatus::WrapUp);
            }
            // Log out, then let whatever call there is end: logged out.
            let far = now + Duration::hours(1);
            let ending = [
                AgentInput::Logout,
                AgentInput::OfferWithdrawn,
                AgentInput::CallEnded { wrap_up_until: Some(far) },
                AgentInput::WrapUpExpired,
                AgentInput::Logout,
            ];
            for input in &ending {
                if let Ok(next) = state.apply(input, far) {
                    state = next;
                }
            }
            prop_assert_eq!(state.status, AgentStatus::LoggedOut);
        }
    }
}
