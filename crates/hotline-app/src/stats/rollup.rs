//! Keeping the rollups: the `stats.rollup` job follows the outbox and recomputes each event's
//! ticket's facts as the ticket stands; `hotline stats rebuild` recomputes every ticket's.
//! Either way one write replaces a ticket's facts and moves the daily sums by the difference,
//! so the sums equal a recount from the tickets whatever order events come in.

use std::collections::{HashMap, HashSet};

use hotline_domain::calendar::Calendar;
use hotline_domain::stats::{Fact, FactKey, Measures, StatEvent, StatTicket, delta, facts};
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
        self.store
            .write(move |tx| {
                Box::pin(async move {
                    refresh(&**tx, &ids, &calendar, center).await?;
                    hotline_store::outbox::mark_done(&**tx, Consumer::Stats.name(), &done).await?;
                    Ok(())
                })
            })
            .await
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
        if hotline_store::stats::any_facts(db).await?
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

    /// The daily sums a recount from the tickets gives now, by key, zero rows left out: what
    /// the rollups must equal (`hotline stats verify`, and the tests).
    pub async fn recount_stats(&self) -> Result<Vec<(FactKey, Measures)>> {
        let (calendar, center) = (self.calendar(), self.center_id().await?);
        let db = self.store.reader();
        let mut sums: HashMap<FactKey, Measures> = HashMap::new();
        let mut after = None;
        loop {
            let ids = hotline_store::search::ticket_ids_after(db, after, REBUILD_BATCH).await?;
            let Some(last) = ids.last().copied() else { break };
            after = Some(last);
            for (_, fact) in facts_now(db, &ids, &calendar, center).await? {
                sums.entry(fact.key).or_insert_with(Measures::zero).add(&fact.measures);
            }
        }
        let mut out: Vec<_> = sums.into_iter().filter(|(_, m)| !m.is_zero()).collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(out)
    }
}

/// A sum that differs from the recount.
#[derive(Clone, Debug)]
pub struct StatsDifference {
    pub day: chrono::NaiveDate,
    pub org_id: Uuid,
    /// The row's category and channel, or `None` for the unit's sum of the day.
    pub of: Option<(Option<Uuid>, hotline_domain::ticket::Channel)>,
    pub stored: Measures,
    pub recount: Measures,
}

/// The keys of `stored` and `recount` whose measures differ (a missing row is all zeros).
fn differences<K: Ord + Clone + std::hash::Hash>(
    stored: &HashMap<K, Measures>,
    recount: &HashMap<K, Measures>,
) -> Vec<(K, Measures, Measures)> {
    let mut keys: Vec<&K> = stored.keys().chain(recount.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter_map(|key| {
            let (a, b) = (stored.get(key), recount.get(key));
            (a != b).then(|| {
                let zero = Measures::zero;
                (key.clone(), a.cloned().unwrap_or_else(zero), b.cloned().unwrap_or_else(zero))
            })
        })
        .collect()
}

impl App {
    /// The sums (per day × org × category × channel, and per day × org) that differ from a
    /// recount from the tickets; none when the rollups are right. Run it while nothing changes
    /// tickets: events not yet rolled up differ too.
    pub async fn verify_stats(&self) -> Result<Vec<StatsDifference>> {
        let db = self.store.reader();
        let stored: HashMap<FactKey, Measures> =
            hotline_store::stats::daily(db).await?.into_iter().collect();
        let stored_units: HashMap<(chrono::NaiveDate, Uuid), Measures> =
            hotline_store::stats::unit_daily(db).await?.into_iter().collect();
        let recount: HashMap<FactKey, Measures> = self.recount_stats().await?.into_iter().collect();
        let mut recount_units: HashMap<(chrono::NaiveDate, Uuid), Measures> = HashMap::new();
        for (key, m) in &recount {
            recount_units.entry((key.day, key.org_id)).or_insert_with(Measures::zero).add(m);
        }
        recount_units.retain(|_, m| !m.is_zero());
        let mut out: Vec<StatsDifference> = differences(&stored, &recount)
            .into_iter()
            .map(|(key, stored, recount)| StatsDifference {
                day: key.day,
                org_id: key.org_id,
                of: Some((key.category_id, key.channel)),
                stored,
                recount,
            })
            .collect();
        out.extend(differences(&stored_units, &recount_units).into_iter().map(
            |((day, org_id), stored, recount)| StatsDifference {
                day,
                org_id,
                of: None,
                stored,
                recount,
            },
        ));
        Ok(out)
    }
}

/// What `ids` count now, from their rows and timelines.
async fn facts_now(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
    calendar: &Calendar,
    center: Uuid,
) -> Result<Vec<(Uuid, Fact)>> {
    let rows = hotline_store::search::tickets_by_id(db, ids).await?;
    let mut timelines: HashMap<Uuid, Vec<StatEvent>> = HashMap::new();
    for (ticket, at, action, from_state, org_id) in hotline_store::stats::timelines(db, ids).await?
    {
        timelines.entry(ticket).or_default().push(StatEvent { at, action, from_state, org_id });
    }
    Ok(rows
        .iter()
        .flat_map(|row| {
            let events = timelines.get(&row.id).map_or(&[][..], Vec::as_slice);
            facts(&stat_ticket(row), events, calendar, center).into_iter().map(|f| (row.id, f))
        })
        .collect())
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
    let after = facts_now(db, ids, calendar, center).await?;
    let before = hotline_store::stats::facts_of(db, ids).await?;
    let strip = |list: &[(Uuid, Fact)]| list.iter().map(|(_, f)| f.clone()).collect::<Vec<_>>();
    let change = delta(&strip(&before), &strip(&after));
    hotline_store::stats::replace_facts(db, ids, &after).await?;
    hotline_store::stats::add_to_daily(db, &change).await?;
    Ok(())
}

fn stat_ticket(row: &TicketRow) -> StatTicket {
    StatTicket {
        state: row.state,
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
        satisfaction: row.satisfaction,
        resolved: row.resolved,
    }
}
