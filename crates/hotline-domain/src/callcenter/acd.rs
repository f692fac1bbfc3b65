//! The ACD's choice (telephony §5.4): which of the ready agents holding a line's skills gets the
//! call. In memory and pure; the application feeds it the agents as they stand.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::ids::UserId;
use crate::validation::{FieldError, FieldIssue};

crate::code_enum! {
    /// How a queue picks among the agents who could take its call.
    pub enum Strategy {
        /// The agent waiting longest since their last call (the default).
        LongestIdle = "longest_idle",
        /// The agent with the least talk time today.
        LeastTalkTime = "least_talk_time",
        /// Each agent in turn: the one offered a call least recently.
        RoundRobin = "round_robin",
        /// Every agent at once; the first to answer takes it (small pools).
        RingAll = "ring_all",
    }
}

/// The highest skill level.
pub const MAX_LEVEL: u8 = 10;

/// A skill's name: `lang:en`, `line:12345`, `domain:housing` — lowercase letters, digits and
/// `:_-.`, at most 40 characters.
pub fn check_skill(field: &str, skill: &str) -> Result<(), FieldError> {
    let ok =
        skill.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || ":_-.".contains(c));
    if skill.is_empty() {
        Err(FieldError::new(field, FieldIssue::Required))
    } else if skill.len() > 40 {
        Err(FieldError::new(field, FieldIssue::TooLong))
    } else if ok {
        Ok(())
    } else {
        Err(FieldError::new(field, FieldIssue::InvalidValue))
    }
}

/// An agent the ACD may offer the call to: ready and not excluded.
#[derive(Clone, Debug)]
pub struct Candidate<'a> {
    pub agent: UserId,
    pub skills: &'a BTreeMap<String, u8>,
    pub ready_since: DateTime<Utc>,
    /// Seconds talked today.
    pub talk_seconds: i64,
    /// The last time the agent was offered a call.
    pub last_offer: Option<DateTime<Utc>>,
}

/// What a call needs: every one of `skills` at `min_level` or better.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Need<'a> {
    pub skills: &'a [String],
    pub min_level: u8,
}

impl Need<'_> {
    /// The agent's fit: the sum of their levels in the needed skills, or `None` when they
    /// lack one.
    #[must_use]
    pub fn fit(&self, skills: &BTreeMap<String, u8>) -> Option<u32> {
        self.skills.iter().try_fold(0u32, |sum, skill| {
            let level = *skills.get(skill)?;
            (level >= self.min_level.max(1)).then_some(sum + u32::from(level))
        })
    }
}

/// The agents to offer the call to, best first: everyone fit for `ring_all`, one agent
/// otherwise; none when nobody fits. Better skill comes first, then the strategy's order, then
/// the agent id so equal agents are picked the same way every time.
#[must_use]
pub fn choose(strategy: Strategy, need: &Need<'_>, candidates: &[Candidate<'_>]) -> Vec<UserId> {
    let mut fit: Vec<(u32, &Candidate<'_>)> =
        candidates.iter().filter_map(|c| Some((need.fit(c.skills)?, c))).collect();
    fit.sort_by(|(fa, a), (fb, b)| {
        let by_strategy = match strategy {
            Strategy::LongestIdle | Strategy::RingAll => a.ready_since.cmp(&b.ready_since),
            Strategy::LeastTalkTime => {
                a.talk_seconds.cmp(&b.talk_seconds).then(a.ready_since.cmp(&b.ready_since))
            }
            Strategy::RoundRobin => a.last_offer.cmp(&b.last_offer),
        };
        fb.cmp(fa).then(by_strategy).then(a.agent.cmp(&b.agent))
    });
    let take = match strategy {
        Strategy::RingAll => fit.len(),
        Strategy::LongestIdle | Strategy::LeastTalkTime | Strategy::RoundRobin => 1,
    };
    fit.into_iter().take(take).map(|(_, c)| c.agent).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone as _;

    fn at(s: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_795_000_000 + s, 0).single().expect("valid")
    }

    fn agent(n: u128) -> UserId {
        UserId::from_uuid(uuid::Uuid::from_u128(n))
    }

    fn skills(list: &[(&str, u8)]) -> BTreeMap<String, u8> {
        list.iter().map(|(s, l)| ((*s).to_owned(), *l)).collect()
    }

    #[test]
    fn longest_idle_among_those_who_speak_the_language() {
        let zh = skills(&[("lang:zh", 5)]);
        let both = skills(&[("lang:zh", 5), ("lang:en", 3)]);
        let pool = [
            Candidate {
                agent: agent(1),
                skills: &zh,
                ready_since: at(0),
                talk_seconds: 0,
                last_offer: None,
            },
            Candidate {
                agent: agent(2),
                skills: &both,
                ready_since: at(10),
                talk_seconds: 0,
                last_offer: None,
            },
        ];
        let zh_line = ["lang:zh".to_owned()];
        let en_line = ["lang:en".to_owned()];
        let need = |skills| Need { skills, min_level: 1 };
        assert_eq!(choose(Strategy::LongestIdle, &need(&zh_line), &pool), vec![agent(1)]);
        assert_eq!(choose(Strategy::LongestIdle, &need(&en_line), &pool), vec![agent(2)]);
        let strict = Need { skills: &en_line, min_level: 4 };
        assert!(choose(Strategy::LongestIdle, &strict, &pool).is_empty(), "level 3 < 4");
        assert_eq!(
            choose(Strategy::RingAll, &need(&zh_line), &pool),
            vec![agent(1), agent(2)],
            "everyone fit, longest idle first"
        );
    }

    #[test]
    fn better_skill_first_then_the_strategy() {
        let expert = skills(&[("lang:en", 9)]);
        let novice = skills(&[("lang:en", 2)]);
        let pool = [
            Candidate {
                agent: agent(1),
                skills: &novice,
                ready_since: at(0),
                talk_seconds: 10,
                last_offer: Some(at(5)),
            },
            Candidate {
                agent: agent(2),
                skills: &expert,
                ready_since: at(50),
                talk_seconds: 900,
                last_offer: Some(at(1)),
            },
            Candidate {
                agent: agent(3),
                skills: &expert,
                ready_since: at(40),
                talk_seconds: 100,
                last_offer: Some(at(3)),
            },
        ];
        let en = ["lang:en".to_owned()];
        let need = Need { skills: &en, min_level: 1 };
        assert_eq!(choose(Strategy::LongestIdle, &need, &pool), vec![agent(3)]);
        assert_eq!(choose(Strategy::LeastTalkTime, &need, &pool), vec![agent(3)]);
        assert_eq!(choose(Strategy::RoundRobin, &need, &pool), vec![agent(2)]);
        let anyone = Need { skills: &[], min_level: 1 };
        assert_eq!(choose(Strategy::LongestIdle, &anyone, &pool), vec![agent(1)]);
    }

    #[test]
    fn skill_names_are_checked() {
        assert!(check_skill("skills", "lang:en").is_ok());
        assert!(check_skill("skills", "line:12345").is_ok());
        assert!(check_skill("skills", "Lang EN").is_err());
        assert!(check_skill("skills", "").is_err());
    }
}
