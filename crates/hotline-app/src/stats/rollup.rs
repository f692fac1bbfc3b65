//! Keeping the rollups: the `stats.rollup` job follows the outbox and recomputes each event's
//! ticket's facts as the ticket stands; `hotline stats rebuild` recomputes every ticket's.
//! Either way one write replaces a ticket's facts and moves the daily sums by the difference,
//! so the sums equal a recount from the tickets whatever order events come in.

use std::collections::{HashMap, HashSet};

use hotline_domain::calendar::Calendar;
use hotline_domain::duty::{
    DutyContact, DutyFact, DutyKey, DutyMeasures, DutyTicket, duty_delta, duty_facts,
};
use hotline_domain::stats::{
    Fact, FactKey, Measures, NowKey, StatEvent, StatTicket, delta, facts, now_delta,
};
use hotline_domain::words::{WordFact, word_delta, word_facts};
use hotline_store::tickets::{OutboxRow, TicketRow};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use crate::integrations::outbox::Consumer;
use crate::{App, Result};

/// Tickets recomputed in one write by a rebuild.
const REBUILD_BATCH: u64 = 500;

impl App {
    /// The `stats.rollup` job's work for a batch of events.
    pub(crate) async fn roll_up_events(&self, events: Vec<OutboxRow>) -> Result<()> {
        let ids: Vec<Uuid> =
            events.iter().filter_map(|e| e.ticket_id).collect::<HashSet<_>>().into_iter().collect();
        let done: Vec<Uuid> = events.iter().map(|e| e.id).collect();
        let (calendar, center) = (self.calendar(), self.center_id().await?);
        let counted = !ids.is_empty();
        self.store
            .write(move |tx| {
                Box::pin(async move {
                    refresh(&**tx, &ids, &calendar, center).await?;
                    hotline_store::outbox::mark_done(&**tx, Consumer::Stats.name(), &done).await?;
                    Ok::<_, crate::Error>(())
                })
            })
            .await?;
        if counted {
            self.publish(crate::events::LiveEvent::stats());
        }
        Ok(())
    }

    /// Recomputes every ticket's facts and the daily sums from nothing; `progress` hears
    /// `(done, total)` after each batch. The rollup job carries on from where this began.
    pub async fn rebuild_stats(&self, progress: impl Fn(u64, u64)) -> Result<u64> {
        let started = self.now();
        let total = hotline_store::search::count_tickets(self.store.reader()).await?;
        self.store
            .write(|tx| {
                Box::pin(async move {
                    hotline_store::stats::take_turn(&**tx).await?;
                    hotline_store::stats::clear(&**tx).await?;
                    hotline_store::duty::clear(&**tx).await?;
                    hotline_store::words::clear(&**tx).await?;
                    Ok::<_, crate::Error>(())
                })
            })
            .await?;
        let (calendar, center) = (self.calendar(), self.center_id().await?);
        let (mut after, mut done) = (None, 0);
        loop {
            let ids =
                hotline_store::search::ticket_ids_after(self.store.reader(), after, REBUILD_BATCH)
                    .await?;
            let Some(last) = ids.last().copied() else { break };
            after = Some(last);
            done += ids.len() as u64;
            let calendar = calendar.clone();
            self.store
                .write(move |tx| {
                    Box::pin(async move { refresh(&**tx, &ids, &calendar, center).await })
                })
                .await?;
            progress(done, total);
        }
        self.restart_consumer(Consumer::Stats, started).await?;
        Ok(done)
    }

    /// At start: tickets without any facts (a new installation of the statistics, or tickets
    /// bulk-loaded by `hotline gen`) are counted by a rebuild in the background.
    pub async fn catch_up_stats(&self) -> Result<()> {
        let db = self.store.reader();
        if hotline_store::stats::any_counted(db).await?
            || hotline_store::search::ticket_ids_after(db, None, 1).await?.is_empty()
        {
            return Ok(());
        }
        let app = self.clone();
        tokio::spawn(async move {
            tracing::info!("counting every ticket into the statistics in the background");
            match app.rebuild_stats(|_, _| {}).await {
                Ok(count) => tracing::info!(count, "statistics rebuilt"),
                Err(e) => tracing::error!(error = %e, "statistics rebuild failed"),
            }
        });
        Ok(())
    }

    /// One round of the `stats.rollup` job.
    pub(crate) async fn follow_outbox_into_stats(&self) -> Result<crate::jobs::Progress> {
        let done = self.consume_outbox(Consumer::Stats).await?;
        Ok(crate::jobs::Progress { items: done.events, lag: done.lag })
    }

    /// The sums a recount from the tickets gives now, zero rows left out: what the rollups
    /// must equal (`hotline stats verify`, and the tests).
    pub async fn recount_stats(&self) -> Result<Recount> {
        let (calendar, center) = (self.calendar(), self.center_id().await?);
        let db = self.store.reader();
        let mut sums: HashMap<FactKey, Measures> = HashMap::new();
        let mut now: HashMap<NowKey, i64> = HashMap::new();
        let mut duty: HashMap<DutyKey, DutyMeasures> = HashMap::new();
        let mut words: HashMap<WordFact, i64> = HashMap::new();
        let mut after = None;
        loop {
            let ids = hotline_store::search::ticket_ids_after(db, after, REBUILD_BATCH).await?;
            let Some(last) = ids.last().copied() else { break };
            after = Some(last);
            let counted = count_now(db, &ids, &calendar, center).await?;
            for (_, fact) in counted.facts {
                sums.entry(fact.key).or_insert_with(Measures::zero).add(&fact.measures);
            }
            for (_, key) in counted.now {
                *now.entry(key).or_default() += 1;
            }
            for (_, fact) in counted.duty {
                duty.entry(fact.key).or_default().add(&fact.measures);
            }
            for (_, fact) in counted.words {
                *words.entry(fact).or_default() += 1;
            }
        }
        let mut sums: Vec<_> = sums.into_iter().filter(|(_, m)| !m.is_zero()).collect();
        sums.sort_by(|a, b| a.0.cmp(&b.0));
        let mut now: Vec<_> = now.into_iter().collect();
        now.sort();
        let mut duty: Vec<_> = duty.into_iter().filter(|(_, m)| !m.is_zero()).collect();
        duty.sort_by(|a, b| a.0.cmp(&b.0));
        let mut words: Vec<_> = words.into_iter().collect();
        words.sort();
        Ok(Recount { sums, now, duty, words })
    }
}

/// What a recount from the tickets gives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recount {
    /// Per day × org × category × channel.
    pub sums: Vec<(FactKey, Measures)>,
    /// How many work orders stand where (the overview's counts).
    pub now: Vec<(NowKey, i64)>,
    /// Per day × hour × agent × channel (the on-duty figures).
    pub duty: Vec<(DutyKey, DutyMeasures)>,
    /// Appeals per day × title word (the frequent words).
    pub words: Vec<(WordFact, i64)>,
}

/// A sum that differs from the recount.
#[derive(Clone, Debug)]
pub enum StatsDifference {
    Sum {
        day: chrono::NaiveDate,
        org_id: Uuid,
        /// The row's category and channel, or `None` for the unit's sum of the day.
        of: Option<(Option<Uuid>, hotline_domain::ticket::Channel)>,
        stored: Measures,
        recount: Measures,
    },
    /// How many work orders stand at `key` now.
    Now { key: NowKey, stored: i64, recount: i64 },
    /// What the staff did at `key` (day, hour, agent, channel).
    Duty { key: DutyKey, stored: DutyMeasures, recount: DutyMeasures },
    /// How many appeals used `word` on `day`.
    Word { day: chrono::NaiveDate, word: String, stored: i64, recount: i64 },
}

/// The keys of `stored` and `recount` whose values differ (a missing row is zero).
fn differences<K: Ord + Clone + std::hash::Hash, V: Clone + PartialEq>(
    stored: &HashMap<K, V>,
    recount: &HashMap<K, V>,
    zero: impl Fn() -> V,
) -> Vec<(K, V, V)> {
    let mut keys: Vec<&K> = stored.keys().chain(recount.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter_map(|key| {
            let (a, b) = (stored.get(key), recount.get(key));
            (a != b).then(|| {
                (key.clone(), a.cloned().unwrap_or_else(&zero), b.cloned().unwrap_or_else(&zero))
            })
        })
        .collect()
}

impl App {
    /// The sums (per day × org × category × channel, per day × org, and the now-counts) that
    /// differ from a recount from the tickets; none when the rollups are right. Run it while
    /// nothing changes tickets: events not yet rolled up differ too.
    pub async fn verify_stats(&self) -> Result<Vec<StatsDifference>> {
        let db = self.store.reader();
        let stored: HashMap<FactKey, Measures> =
            hotline_store::stats::daily(db).await?.into_iter().collect();
        let stored_units: HashMap<(chrono::NaiveDate, Uuid), Measures> =
            hotline_store::stats::unit_daily(db).await?.into_iter().collect();
        let stored_now: HashMap<NowKey, i64> =
            hotline_store::stats::now_counts(db).await?.into_iter().collect();
        let stored_duty: HashMap<DutyKey, DutyMeasures> =
            hotline_store::duty::hourly(db, None).await?.into_iter().collect();
        let stored_words: HashMap<WordFact, i64> =
            hotline_store::words::daily(db).await?.into_iter().collect();
        let Recount { sums, now, duty, words } = self.recount_stats().await?;
        let recount_words: HashMap<WordFact, i64> = words.into_iter().collect();
        let recount_duty: HashMap<DutyKey, DutyMeasures> = duty.into_iter().collect();
        let recount: HashMap<FactKey, Measures> = sums.into_iter().collect();
        let recount_now: HashMap<NowKey, i64> = now.into_iter().collect();
        let mut recount_units: HashMap<(chrono::NaiveDate, Uuid), Measures> = HashMap::new();
        for (key, m) in &recount {
            recount_units.entry((key.day, key.org_id)).or_insert_with(Measures::zero).add(m);
        }
        recount_units.retain(|_, m| !m.is_zero());
        let mut out: Vec<StatsDifference> = differences(&stored, &recount, Measures::zero)
            .into_iter()
            .map(|(key, stored, recount)| StatsDifference::Sum {
                day: key.day,
                org_id: key.org_id,
                of: Some((key.category_id, key.channel)),
                stored,
                recount,
            })
            .collect();
        out.extend(differences(&stored_units, &recount_units, Measures::zero).into_iter().map(
            |((day, org_id), stored, recount)| StatsDifference::Sum {
                day,
                org_id,
                of: None,
                stored,
                recount,
            },
        ));
        out.extend(
            differences(&stored_now, &recount_now, || 0)
                .into_iter()
                .map(|(key, stored, recount)| StatsDifference::Now { key, stored, recount }),
        );
        out.extend(
            differences(&stored_duty, &recount_duty, DutyMeasures::default)
                .into_iter()
                .map(|(key, stored, recount)| StatsDifference::Duty { key, stored, recount }),
        );
        out.extend(differences(&stored_words, &recount_words, || 0).into_iter().map(
            |(fact, stored, recount)| StatsDifference::Word {
                day: fact.day,
                word: fact.word,
                stored,
                recount,
            },
        ));
        Ok(out)
    }
}

/// What tickets count now: their facts per org, where each work order stands, what the
/// staff who took them did, and the words of their titles.
#[derive(Default)]
struct Counted {
    facts: Vec<(Uuid, Fact)>,
    now: Vec<(Uuid, NowKey)>,
    duty: Vec<(Uuid, DutyFact)>,
    words: Vec<(Uuid, WordFact)>,
}

/// What `ids` count now, from their rows, timelines, contacts and approved assessment appeals.
async fn count_now(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
    calendar: &Calendar,
    center: Uuid,
) -> Result<Counted> {
    let rows = hotline_store::search::tickets_by_id(db, ids).await?;
    let mut timelines: HashMap<Uuid, Vec<StatEvent>> = HashMap::new();
    for (ticket, at, action, from_state, org_id) in hotline_store::stats::timelines(db, ids).await?
    {
        timelines.entry(ticket).or_default().push(StatEvent { at, action, from_state, org_id });
    }
    let mut excluded: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for (ticket, org) in hotline_store::stats::excluded(db, ids).await? {
        excluded.entry(ticket).or_default().push(org);
    }
    let mut contacts: HashMap<Uuid, Vec<DutyContact>> = HashMap::new();
    for c in hotline_store::duty::contacts_of(db, ids).await? {
        contacts.entry(c.ticket_id).or_default().push(DutyContact {
            created_by: c.created_by,
            received_at: c.received_at,
            channel: c.channel,
        });
    }
    let mut counted = Counted::default();
    for row in &rows {
        let mut ticket = stat_ticket(row);
        ticket.excluded = excluded.remove(&row.id).unwrap_or_default();
        let events = timelines.get(&row.id).map_or(&[][..], Vec::as_slice);
        counted
            .facts
            .extend(facts(&ticket, events, calendar, center).into_iter().map(|f| (row.id, f)));
        counted.now.extend(NowKey::of(&ticket).map(|key| (row.id, key)));
        let taken = contacts.get(&row.id).map_or(&[][..], Vec::as_slice);
        counted.duty.extend(
            duty_facts(&duty_ticket(row), taken, calendar.offset())
                .into_iter()
                .map(|f| (row.id, f)),
        );
        let cut = hotline_classify::jieba().cut(&row.title, true);
        counted.words.extend(
            word_facts(
                row.state,
                row.parent_id.is_some(),
                row.created_at,
                cut.iter().map(|w| w.word),
                calendar,
            )
            .into_iter()
            .map(|f| (row.id, f)),
        );
    }
    Ok(counted)
}

/// Replaces the facts of `ids` with what they count now and moves the sums by the change.
async fn refresh(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
    calendar: &Calendar,
    center: Uuid,
) -> Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    hotline_store::stats::take_turn(db).await?;
    let after = count_now(db, ids, calendar, center).await?;
    let before = hotline_store::stats::facts_of(db, ids).await?;
    let strip = |list: &[(Uuid, Fact)]| list.iter().map(|(_, f)| f.clone()).collect::<Vec<_>>();
    let change = delta(&strip(&before), &strip(&after.facts));
    hotline_store::stats::replace_facts(db, ids, &after.facts).await?;
    hotline_store::stats::add_to_daily(db, &change).await?;

    let keys = |list: &[(Uuid, NowKey)]| list.iter().map(|(_, k)| k.clone()).collect::<Vec<_>>();
    let before = hotline_store::stats::now_of(db, ids).await?;
    let change = now_delta(&keys(&before), &keys(&after.now));
    hotline_store::stats::replace_now(db, ids, &after.now).await?;
    hotline_store::stats::add_to_now(db, &change).await?;

    let strip = |list: &[(Uuid, DutyFact)]| list.iter().map(|(_, f)| f.clone()).collect::<Vec<_>>();
    let before = hotline_store::duty::facts_of(db, ids).await?;
    let change = duty_delta(&strip(&before), &strip(&after.duty));
    hotline_store::duty::replace_facts(db, ids, &after.duty).await?;
    hotline_store::duty::add_to_hourly(db, &change).await?;

    let strip = |list: &[(Uuid, WordFact)]| list.iter().map(|(_, f)| f.clone()).collect::<Vec<_>>();
    let before = hotline_store::words::facts_of(db, ids).await?;
    let change = word_delta(&strip(&before), &strip(&after.words));
    hotline_store::words::replace_facts(db, ids, &after.words).await?;
    hotline_store::words::add_to_daily(db, &change).await?;
    Ok(())
}

fn duty_ticket(row: &TicketRow) -> DutyTicket {
    DutyTicket {
        state: row.state,
        is_child: row.parent_id.is_some(),
        created_by: row.created_by,
        created_at: row.created_at,
        channel: row.channel,
        handling_type: row.handling_type,
        dispatched: row.dispatched_at.is_some(),
        reopened: row.reopened_count > 0,
        returned: row.returned_count > 0,
    }
}

fn stat_ticket(row: &TicketRow) -> StatTicket {
    StatTicket {
        state: row.state,
        holder_org_id: row.holder_org_id,
        is_child: row.parent_id.is_some(),
        channel: row.channel,
        category_id: row.category_id,
        handling_type: row.handling_type,
        callback_requirement: row.callback_requirement,
        created_at: row.created_at,
        accepted_at: row.accepted_at,
        accept_overdue: row.accept_overdue,
        first_contact_at: row.first_contact_at,
        response_overdue: row.response_overdue,
        replied_at: row.replied_at,
        overdue: row.overdue,
        finish_due: row.finish_due,
        original_finish_due: row.original_finish_due,
        urged_count: row.urged_count,
        supervision_level: row.supervision_level,
        reopened_count: row.reopened_count,
        excluded: Vec::new(),
        satisfaction: row.satisfaction,
        resolved: row.resolved,
    }
}
