//! ~300 demo work orders built from real citizen messages and official replies, spread over
//! the last 60 days and over every state. They are made by replaying the real use cases as the
//! demo users on a clock that walks through those 60 days, so every timeline, deadline, timer
//! and audit row is what the live system would have produced.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Timelike as _, Utc};
use hotline_domain::TicketId;
use serde_json::{Value, json};

use crate::tickets::{ActionInput, NewTicket};
use crate::{App, Clock, Ctx, Error, Result};

const REPLIES_CSV: &str = include_str!("../../data/replies.csv");

pub const DEMO_TICKETS: usize = 300;
const SURNAMES: [&str; 12] =
    ["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙"];
const GIVEN: [&str; 12] = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "洋", "艳", "勇", "军"];

/// A small deterministic generator: the demo is the same on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 =
            self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

struct Message {
    title: String,
    body: String,
    level1: Option<String>,
    reply: Option<String>,
}

fn load_messages() -> Vec<Message> {
    let mut out = Vec::new();
    let mut reader = csv::Reader::from_reader(super::MESSAGES_CSV.as_bytes());
    for r in reader.records().filter_map(std::result::Result::ok) {
        out.push(Message {
            title: r.get(1).unwrap_or_default().trim().to_owned(),
            body: r.get(3).unwrap_or_default().trim().to_owned(),
            level1: r.get(4).map(|s| s.trim().to_owned()),
            reply: None,
        });
    }
    let mut reader = csv::Reader::from_reader(REPLIES_CSV.as_bytes());
    for r in reader.records().filter_map(std::result::Result::ok) {
        out.push(Message {
            title: r.get(1).unwrap_or_default().trim().to_owned(),
            body: r.get(3).unwrap_or_default().trim().to_owned(),
            level1: None,
            reply: r.get(4).map(|s| s.trim().to_owned()),
        });
    }
    out.retain(|m| !m.title.is_empty() && !m.body.is_empty());
    out
}

fn clip(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

/// Where a ticket's story ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Story {
    Draft,
    Registered,
    Answered,
    Liaised,
    Dismissed,
    Merged,
    Emergency,
    Dispatched,
    InProgress,
    ReturnRequested,
    ReturnedAndOverruled,
    ExtensionRequested,
    Extended,
    ReplySubmitted,
    AwaitingCallback,
    Closed,
    Reopened,
    Archived,
    LeadAndAssist,
}

/// The stories of the newest tickets, newest first.
const RECENT_STORIES: [Story; 36] = [
    Story::Draft,
    Story::Registered,
    Story::Registered,
    Story::Dispatched,
    Story::InProgress,
    Story::ReplySubmitted,
    Story::ReturnRequested,
    Story::ExtensionRequested,
    Story::AwaitingCallback,
    Story::Emergency,
    Story::Answered,
    Story::Registered,
    Story::Dispatched,
    Story::InProgress,
    Story::ReplySubmitted,
    Story::ReturnRequested,
    Story::Draft,
    Story::Dispatched,
    Story::InProgress,
    Story::ReplySubmitted,
    Story::AwaitingCallback,
    Story::ExtensionRequested,
    Story::Liaised,
    Story::Registered,
    Story::InProgress,
    Story::ReplySubmitted,
    Story::ReturnRequested,
    Story::AwaitingCallback,
    Story::Dispatched,
    Story::LeadAndAssist,
    Story::Merged,
    Story::InProgress,
    Story::ReplySubmitted,
    Story::AwaitingCallback,
    Story::Dismissed,
    Story::ExtensionRequested,
];

fn story_for(rng: &mut Rng, age_days: i64) -> Story {
    let recent = age_days <= 4;
    let roll = rng.below(100);
    if recent {
        match roll {
            0..=7 => Story::Draft,
            8..=22 => Story::Registered,
            23..=37 => Story::Dispatched,
            38..=55 => Story::InProgress,
            56..=63 => Story::ReplySubmitted,
            64..=71 => Story::ExtensionRequested,
            72..=79 => Story::ReturnRequested,
            80..=89 => Story::Answered,
            90..=94 => Story::Emergency,
            _ => Story::AwaitingCallback,
        }
    } else {
        match roll {
            0..=31 => Story::Closed,
            32..=41 => Story::Archived,
            42..=49 => Story::Answered,
            50..=53 => Story::Liaised,
            54..=56 => Story::Dismissed,
            57..=60 => Story::Merged,
            61..=66 => Story::AwaitingCallback,
            67..=71 => Story::Reopened,
            72..=76 => Story::ReturnedAndOverruled,
            77..=81 => Story::Extended,
            82..=84 => Story::LeadAndAssist,
            85..=92 => Story::InProgress,
            93..=95 => Story::Dispatched,
            _ => Story::ExtensionRequested,
        }
    }
}

/// One step of a story: who does what, how long after the previous step.
struct Step {
    after: Duration,
    who: &'static str,
    action: &'static str,
    input: Value,
}

fn step(after_hours: i64, who: &'static str, action: &'static str, input: Value) -> Step {
    Step { after: Duration::hours(after_hours), who, action, input }
}

impl App {
    /// Seeds the demo work orders into a database without tickets; returns how many.
    pub async fn seed_demo_tickets(&self) -> Result<usize> {
        let existing = hotline_store::tickets::list(
            self.store.reader(),
            &hotline_store::tickets::TicketFilter::default(),
            hotline_store::tickets::TicketSort::Newest,
            hotline_store::PageRequest { page: 1, per_page: 1 },
        )
        .await?;
        if existing.total > 0 {
            return Ok(0);
        }
        let messages = load_messages();
        let categories = hotline_store::reference::categories(self.store.reader()).await?;
        let orgs: HashMap<String, uuid::Uuid> =
            self.reference().await?.orgs.values().map(|o| (o.code.clone(), o.id)).collect();
        let org = |code: &str| {
            orgs.get(code)
                .copied()
                .ok_or_else(|| Error::Internal(anyhow::anyhow!("demo org {code} missing")))
        };
        let mut people: HashMap<&'static str, Ctx> = HashMap::new();
        for name in [
            "agent",
            "dispatcher",
            "supervisor",
            "district_a",
            "street_a1",
            "bureau_a",
            "district_b",
            "bureau_jtw",
            "bureau_scjg",
        ] {
            people.insert(name, self.demo_ctx(name).await?);
        }

        let end = self.now();
        let start = end - Duration::days(60);
        let demo = self.with_clock(Clock::manual(start));
        let mut rng = Rng(0x12345);
        let mut plans = Vec::with_capacity(DEMO_TICKETS);
        for i in 0..DEMO_TICKETS {
            let spread = Duration::minutes(
                i64::try_from(i).unwrap_or(0) * 60 * 24 * 59
                    / i64::try_from(DEMO_TICKETS).unwrap_or(1),
            );
            let mut at =
                start + spread + Duration::minutes(i64::try_from(rng.below(600)).unwrap_or(0));
            // Appeals arrive in the daytime (Beijing time) more than at night.
            let hour = (at + Duration::hours(8)).hour();
            if !(8..22).contains(&hour) {
                at += Duration::hours(10);
            }
            plans.push((at.min(end - Duration::hours(2)), i));
        }
        plans.sort();

        // All steps of all tickets, replayed in time order.
        let mut queue: Vec<(DateTime<Utc>, usize, usize)> = Vec::new();
        let mut stories: Vec<(TicketId, Vec<Step>)> = Vec::with_capacity(DEMO_TICKETS);
        for (n, (at, i)) in plans.iter().enumerate() {
            let message = &messages[*i % messages.len()];
            let level1 = message.level1.clone().unwrap_or_else(|| "城乡建设".to_owned());
            let leaves: Vec<_> = categories
                .iter()
                .filter(|c| c.level == 3)
                .filter(|c| {
                    categories
                        .iter()
                        .any(|p| p.level == 1 && p.name == level1 && c.path.starts_with(&p.path))
                })
                .collect();
            let category = leaves
                .get(usize::try_from(rng.below(leaves.len() as u64)).unwrap_or(0))
                .map(|c| c.id);
            let repeat = n > 10 && rng.below(8) == 0;
            let phone_seed = if repeat {
                rng.below(u64::try_from(n).unwrap_or(1))
            } else {
                u64::try_from(n).unwrap_or(0) + 1000
            };
            let name = format!(
                "{}{}",
                SURNAMES[usize::try_from(phone_seed % 12).unwrap_or(0)],
                GIVEN[usize::try_from((phone_seed / 12) % 12).unwrap_or(0)]
            );
            let input = NewTicket {
                caller_phone: Some(format!(
                    "13{}{:08}",
                    5 + phone_seed % 5,
                    10_000_000 + phone_seed * 7919 % 89_999_999
                )),
                caller_name: Some(name),
                title: clip(&message.title, 200),
                content: clip(&message.body, 10_000),
                demand: None,
                occurred_at: None,
                address: None,
                latitude: None,
                longitude: None,
                region_org_id: None,
                contact_phone: None,
                callback_requirement: None,
                category_id: category,
                appeal_type: ["complaint", "help", "consultation", "suggestion", "report"]
                    [usize::try_from(rng.below(5)).unwrap_or(0)]
                .to_owned(),
                urgency: "normal".to_owned(),
                channel: ["phone", "phone", "phone", "web", "wechat", "app"]
                    [usize::try_from(rng.below(6)).unwrap_or(0)]
                .to_owned(),
                confidential: rng.below(20) == 0,
                notes: None,
                attachments: Vec::new(),
                draft: false,
                handling: None,
            };
            let age = (end - *at).num_days();
            // The newest tickets walk through every open state, so each work list has something.
            let story = match RECENT_STORIES.get(DEMO_TICKETS - 1 - n) {
                Some(story) => *story,
                None => story_for(&mut rng, age),
            };
            let reply = message.reply.clone().unwrap_or_else(|| {
                let donor = &messages[(*i * 7 + 3) % messages.len()];
                donor.reply.clone().unwrap_or_else(|| {
                    "经核实，相关单位已安排人员现场处理，问题已解决，并已向市民反馈。".to_owned()
                })
            });
            let reply = clip(&reply, 10_000);
            let (unit, handler, via_district) = match level1.as_str() {
                "城乡建设" if rng.below(2) == 0 => (org("ZJW")?, "bureau_a", false),
                "交通运输" => (org("JTW")?, "bureau_jtw", false),
                "商贸旅游" => (org("SCJGJ")?, "bureau_scjg", false),
                "教育文体" | "卫生计生" | "环境保护" => {
                    (org("XICHENG")?, "district_b", false)
                }
                _ => (org("DONGCHENG")?, "street_a1", true),
            };
            let steps =
                self.story_steps(story, unit, handler, via_district, &reply, &stories, &org)?;
            let created = demo.demo_create(&people, *at, input, story == Story::Draft).await?;
            let index = stories.len();
            let mut when = *at;
            for (k, s) in steps.iter().enumerate() {
                when += s.after;
                if when < end {
                    queue.push((when, index, k));
                }
            }
            stories.push((created, steps));
            // Catch up on steps that are due before the next ticket comes in.
            let next_at = plans.get(n + 1).map_or(end, |(t, _)| *t);
            queue.sort();
            while let Some((when, ticket, k)) = queue.first().copied() {
                if when > next_at {
                    break;
                }
                queue.remove(0);
                demo.demo_step(&people, when, &stories[ticket].0, &stories[ticket].1[k]).await?;
            }
        }
        queue.sort();
        for (when, ticket, k) in queue {
            demo.demo_step(&people, when, &stories[ticket].0, &stories[ticket].1[k]).await?;
        }
        if let Clock::Manual(t) = &demo.clock {
            *t.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = end;
        }
        demo.run_due_timers().await?;
        Ok(stories.len())
    }

    /// A context acting as `username`, for tools that run use cases without a session.
    pub async fn ctx_for_user(&self, username: &str) -> Result<Ctx> {
        self.demo_ctx(username).await
    }

    async fn demo_ctx(&self, username: &str) -> Result<Ctx> {
        let user = hotline_store::users::find_by_username(self.store.reader(), username)
            .await?
            .ok_or_else(|| Error::Internal(anyhow::anyhow!("demo user {username} missing")))?;
        let (principal, _, _) = self.principal_for(&user).await?;
        Ok(Ctx {
            principal: Some(principal),
            source_ip: Some("demo-seed".to_owned()),
            request_id: None,
        })
    }

    fn set_time(&self, at: DateTime<Utc>) {
        if let Clock::Manual(t) = &self.clock {
            let mut now = t.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            if at > *now {
                *now = at;
            }
        }
    }

    async fn demo_create(
        &self,
        people: &HashMap<&'static str, Ctx>,
        at: DateTime<Utc>,
        mut input: NewTicket,
        draft: bool,
    ) -> Result<TicketId> {
        self.set_time(at);
        self.run_due_timers().await?;
        input.draft = draft;
        let ctx = &people["agent"];
        let (view, _) = self.create_ticket(ctx, input, None).await?;
        Ok(TicketId::from_uuid(view.id))
    }

    async fn demo_step(
        &self,
        people: &HashMap<&'static str, Ctx>,
        at: DateTime<Utc>,
        id: &TicketId,
        step: &Step,
    ) -> Result<()> {
        self.set_time(at);
        self.run_due_timers().await?;
        let input: ActionInput =
            serde_json::from_value(step.input.clone()).map_err(|e| Error::Internal(e.into()))?;
        match self.perform_action(&people[step.who], *id, step.action, input, None).await {
            Ok(_) => Ok(()),
            // A timer or an earlier step may have moved the ticket on; the story stops there.
            Err(Error::Conflict { code, .. }) => {
                tracing::debug!(action = step.action, code = code.as_str(), "demo step skipped");
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    #[expect(clippy::too_many_arguments, reason = "a story needs its cast")]
    fn story_steps(
        &self,
        story: Story,
        unit: uuid::Uuid,
        handler: &'static str,
        via_district: bool,
        reply: &str,
        earlier: &[(TicketId, Vec<Step>)],
        org: &dyn Fn(&str) -> Result<uuid::Uuid>,
    ) -> Result<Vec<Step>> {
        let mut steps = Vec::new();
        let dispatch = |steps: &mut Vec<Step>| -> Result<()> {
            steps.push(step(
                1,
                "dispatcher",
                "dispatch",
                json!({"org_id": unit, "opinion": "请按职责办理"}),
            ));
            if via_district {
                steps.push(step(
                    2,
                    "district_a",
                    "dispatch",
                    json!({"org_id": org("DONGCHENG-DHM")?, "opinion": "请属地街道办理"}),
                ));
            }
            Ok(())
        };
        let handle = |steps: &mut Vec<Step>| {
            steps.push(step(3, handler, "accept", json!({})));
            steps.push(step(
                5,
                handler,
                "contact_citizen",
                json!({"content": "已电话联系市民，了解具体情况"}),
            ));
        };
        let reply_step = |steps: &mut Vec<Step>| {
            steps.push(step(30, handler, "reply", json!({"content": reply})))
        };
        let review = |steps: &mut Vec<Step>| {
            // A street's reply goes up through the district that re-dispatched it.
            if via_district {
                steps.push(step(3, "district_a", "approve_reply", json!({"opinion": "同意上报"})));
            }
            steps.push(step(6, "supervisor", "approve_reply", json!({"opinion": "答复内容完整"})))
        };
        let callback = |steps: &mut Vec<Step>, satisfaction: &str| {
            steps.push(step(20, "agent", "callback", json!({"reachable": true, "resolved": satisfaction != "unsatisfied", "satisfaction": satisfaction, "content": "回访市民"})));
        };
        match story {
            Story::Draft | Story::Registered => {}
            Story::Answered => {
                steps.push(step(0, "agent", "answer", json!({"content": clip(reply, 600)})))
            }
            Story::Liaised => steps.push(step(
                0,
                "agent",
                "liaise",
                json!({"org_id": unit, "content": format!("经三方通话，承办单位答复：{}", clip(reply, 500))}),
            )),
            Story::Dismissed => {
                steps.push(step(0, "agent", "dismiss", json!({"reason": "重复来电，无新诉求"})))
            }
            Story::Merged => {
                if let Some((master, _)) = earlier.last() {
                    steps.push(step(
                        1,
                        "dispatcher",
                        "merge",
                        json!({"master_id": master, "opinion": "同一事项，并单处理"}),
                    ));
                }
            }
            Story::Emergency => {
                steps.push(step(
                    0,
                    "agent",
                    "emergency",
                    json!({"org_id": org("DONGCHENG-DHM")?, "content": "涉及人身安全，已联动110"}),
                ));
                steps.push(step(0, "street_a1", "accept", json!({})));
            }
            Story::Dispatched => dispatch(&mut steps)?,
            Story::InProgress => {
                dispatch(&mut steps)?;
                handle(&mut steps);
            }
            Story::ReturnRequested => {
                dispatch(&mut steps)?;
                steps.push(step(
                    4,
                    handler,
                    "return",
                    json!({"reason": "该事项不属于本单位职责范围"}),
                ));
            }
            Story::ReturnedAndOverruled => {
                dispatch(&mut steps)?;
                steps.push(step(4, handler, "return", json!({"reason": "权属不清"})));
                let ruler = if via_district { "district_a" } else { "dispatcher" };
                steps.push(step(
                    3,
                    ruler,
                    "overrule_return",
                    json!({"reason": "经核实属于该单位职责，请继续办理"}),
                ));
                handle(&mut steps);
            }
            Story::ExtensionRequested | Story::Extended => {
                dispatch(&mut steps)?;
                handle(&mut steps);
                steps.push(step(
                    20,
                    handler,
                    "request_extension",
                    json!({"days": 3, "reason": "需协调多个部门，申请延期3个工作日"}),
                ));
                if story == Story::Extended {
                    steps.push(step(
                        2,
                        "dispatcher",
                        "approve_extension",
                        json!({"opinion": "同意延期"}),
                    ));
                    reply_step(&mut steps);
                    review(&mut steps);
                    callback(&mut steps, "basically_satisfied");
                }
            }
            Story::ReplySubmitted
            | Story::AwaitingCallback
            | Story::Closed
            | Story::Archived
            | Story::Reopened => {
                dispatch(&mut steps)?;
                handle(&mut steps);
                reply_step(&mut steps);
                if story != Story::ReplySubmitted {
                    review(&mut steps);
                }
                match story {
                    Story::Closed => callback(&mut steps, "satisfied"),
                    Story::Archived => {
                        callback(&mut steps, "satisfied");
                        steps.push(step(48, "supervisor", "archive", json!({})));
                    }
                    Story::Reopened => {
                        steps.push(step(20, "agent", "callback", json!({"reachable": true, "resolved": false, "satisfaction": "unsatisfied", "unit_at_fault": true, "content": "市民表示问题未解决"})));
                    }
                    _ => {}
                }
            }
            Story::LeadAndAssist => {
                steps.push(step(1, "dispatcher", "dispatch", json!({"org_id": org("DONGCHENG")?, "assist_org_ids": [org("ZJW")?], "opinion": "东城区主办，住建委协办"})));
                steps.push(step(3, "district_a", "accept", json!({})));
            }
        }
        Ok(steps)
    }
}
