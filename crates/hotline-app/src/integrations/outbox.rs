//! The outbox's consumers. Each reads every event once, at its own place (a cursor with a
//! lease, so one instance at a time consumes it, on SQLite and PostgreSQL alike), and marks
//! what it handled in the transaction that acts on it: a slow or failing consumer holds back
//! nobody else: webhook fan-out, federation reports, search indexing, the statistics rollups
//! and early warning.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use hotline_domain::ids::first_v7_at;
use hotline_domain::org::OrgPath;
use hotline_domain::webhook;
use hotline_store::orgs::OrgRow;
use hotline_store::tickets::OutboxRow;
use hotline_store::webhooks::{DeliveryRow, DeliveryStatus, SubscriptionRow};
use serde_json::{Value, json};
use uuid::Uuid;

use super::webhooks::split_types;
use crate::reference::ReferenceData;
use crate::tickets::outbox::EventFacts;
use crate::{App, Result};

/// Who reads the outbox.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Consumer {
    /// One delivery per interested subscription.
    Webhooks,
    /// Reports to the upstream instance about its tickets' local copies.
    Federation,
    /// The search index: each event's ticket is indexed again as it stands.
    Search,
    /// The statistics rollups: each event's ticket's facts recomputed as it stands.
    Stats,
    /// Early warning: each new appeal against the watch list, its place and its caller.
    Alerts,
}

impl Consumer {
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Webhooks => "webhooks",
            Self::Federation => "federation",
            Self::Search => "search",
            Self::Stats => "stats",
            Self::Alerts => "alerts",
        }
    }
}

/// Events handled in one write.
const BATCH: u64 = 200;
/// A lease outlives a round comfortably; a crashed instance's lease runs out in this time.
const LEASE_SECS: i64 = 30;
/// Longer than any transaction takes from making its event's id to committing (ids are made
/// inside the write transaction, and requests time out after 30 s): a consumer's floor stays
/// this far behind, so a late commit is still seen. Each round scans this window once.
const SETTLE_SECS: i64 = 60;

/// What a round did.
#[derive(Clone, Copy, Debug, Default)]
pub struct Consumed {
    pub events: u64,
    /// How far behind the consumer is: the longest an event handled in this round had waited,
    /// or the oldest event still waiting has, whichever is longer.
    pub lag: Option<Duration>,
}

impl App {
    /// Restarts `consumer` at `at`, less the settling window: what it would have done up to
    /// then was rebuilt from the data (a rebuilt search index); later events are handled again.
    pub(crate) async fn restart_consumer(
        &self,
        consumer: Consumer,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let floor = first_v7_at(at - Duration::seconds(SETTLE_SECS));
        let txn = self.store.begin().await?;
        hotline_store::outbox::restart(&txn, consumer.name(), floor).await?;
        txn.commit().await?;
        Ok(())
    }

    /// One round of `consumer`: what waits, in batches, then its floor moves up. Nothing when
    /// nothing waits, or when another instance holds the lease.
    pub async fn consume_outbox(&self, consumer: Consumer) -> Result<Consumed> {
        let now = self.now();
        let horizon = first_v7_at(now - Duration::seconds(SETTLE_SECS));
        let db = self.store.reader();
        // A look first, without writing: an idle consumer costs the single writer nothing.
        if let Some(cursor) = hotline_store::outbox::cursor(db, consumer.name()).await? {
            let waiting =
                hotline_store::outbox::pending(db, consumer.name(), cursor.floor, 1).await?;
            let floor_is_recent =
                cursor.floor >= first_v7_at(now - Duration::seconds(2 * SETTLE_SECS));
            if waiting.is_empty() && floor_is_recent {
                return Ok(Consumed { events: 0, lag: Some(Duration::zero()) });
            }
        }
        let txn = self.store.begin().await?;
        // Both consumers follow every event from the first.
        let leased = hotline_store::outbox::lease(
            &txn,
            consumer.name(),
            self.instance,
            Uuid::nil(),
            now,
            now + Duration::seconds(LEASE_SECS),
        )
        .await?;
        txn.commit().await?;
        let Some(cursor) = leased else { return Ok(Consumed::default()) };
        let mut handled = 0;
        let mut waited = Duration::zero();
        // The first batch looks from the floor (late commits included); the next ones from
        // where the last batch ended, so a busy round does not rescan the window per batch.
        let mut from = cursor.floor;
        loop {
            let events = hotline_store::outbox::pending(db, consumer.name(), from, BATCH).await?;
            let count = events.len() as u64;
            let Some(last) = events.last().map(|e| e.id) else { break };
            from = last;
            if let Some(first) = events.iter().map(|e| e.created_at).min() {
                waited = waited.max(self.now() - first);
            }
            match consumer {
                Consumer::Webhooks => self.fan_out_to_webhooks(events).await?,
                Consumer::Federation => self.queue_federation_reports(events).await?,
                Consumer::Search => self.index_events(events).await?,
                Consumer::Stats => self.roll_up_events(events).await?,
                Consumer::Alerts => self.watch_appeals(events).await?,
            }
            handled += count;
            if count < BATCH {
                break;
            }
        }
        let txn = self.store.begin().await?;
        let oldest = hotline_store::outbox::advance(&txn, &cursor, horizon).await?;
        txn.commit().await?;
        let waiting = oldest.map_or(Duration::zero(), |at| self.now() - at);
        Ok(Consumed { events: handled, lag: Some(waited.max(waiting).max(Duration::zero())) })
    }

    /// Turns events into webhook deliveries. One write: on SQLite it joins the group commit of
    /// the ticket writes instead of taking the write connection and an fsync per event.
    async fn fan_out_to_webhooks(&self, events: Vec<OutboxRow>) -> Result<()> {
        // Paused subscriptions get their deliveries too, sent once they resume.
        let subscriptions =
            hotline_store::webhooks::subscriptions(self.store.reader(), None).await?;
        let reference = self.reference().await?;
        let deliveries = deliveries_for(&events, &subscriptions, &reference, self.now());
        let done: Vec<Uuid> = events.iter().map(|e| e.id).collect();
        self.store
            .write(move |tx| {
                Box::pin(async move {
                    hotline_store::webhooks::insert_deliveries(&**tx, deliveries).await?;
                    hotline_store::outbox::mark_done(&**tx, Consumer::Webhooks.name(), &done)
                        .await?;
                    Ok(())
                })
            })
            .await
    }

    /// Queues the reports the upstream instance must hear about its tickets' local copies.
    async fn queue_federation_reports(&self, events: Vec<OutboxRow>) -> Result<()> {
        let now = self.now();
        self.store
            .write(move |tx| {
                Box::pin(async move {
                    // Read inside the write: a copy's link is saved just after the copy.
                    let followed: Vec<Uuid> = events
                        .iter()
                        .filter(|e| !hotline_domain::federation::upstream(&e.topic).is_empty())
                        .filter_map(|e| e.ticket_id)
                        .collect();
                    let links =
                        hotline_store::federation::links_of_local_many(&**tx, &followed).await?;
                    let mut reports = Vec::new();
                    for event in &events {
                        let facts = EventFacts::read(event);
                        if let Some((ticket, link)) =
                            facts.ticket.as_ref().and_then(|t| Some((t, links.get(&t.id)?)))
                        {
                            reports.extend(super::federation::upstream_reports(
                                event,
                                ticket,
                                link,
                                &facts.payload,
                                now,
                            ));
                        }
                    }
                    hotline_store::federation::insert_outbound(&**tx, reports).await?;
                    let done: Vec<Uuid> = events.iter().map(|e| e.id).collect();
                    hotline_store::outbox::mark_done(&**tx, Consumer::Federation.name(), &done)
                        .await?;
                    Ok(())
                })
            })
            .await
    }
}

/// The deliveries for `events`: each goes to the subscriptions of the orgs it concerned when
/// it happened (holder, the unit dispatched to, the unit a ticket came back from) and of their
/// ancestors, never by where the ticket is now.
fn deliveries_for(
    events: &[OutboxRow],
    subscriptions: &[SubscriptionRow],
    reference: &ReferenceData,
    now: DateTime<Utc>,
) -> Vec<DeliveryRow> {
    let mut deliveries = Vec::new();
    for event in events {
        let facts = EventFacts::read(event);
        let paths: Vec<OrgPath> = facts
            .orgs
            .iter()
            .filter_map(|id| reference.orgs.get(id))
            .map(|o| OrgPath::from_stored(o.path.clone()))
            .collect();
        for s in subscriptions {
            let Some(org) = reference.orgs.get(&s.org_id) else { continue };
            let org_path = OrgPath::from_stored(org.path.clone());
            if !webhook::wants(&split_types(&s.event_types), &event.topic)
                || !paths.iter().any(|p| org_path.contains(p))
            {
                continue;
            }
            deliveries.push(DeliveryRow {
                id: Uuid::now_v7(),
                subscription_id: s.id,
                event_id: event.id,
                topic: event.topic.clone(),
                ticket_id: event.ticket_id,
                body: delivery_body(event, &facts, &reference.orgs).to_string(),
                status: DeliveryStatus::Pending,
                attempts: 0,
                next_attempt_at: Some(now),
                last_attempt_at: None,
                last_status: None,
                last_error: None,
                created_at: now,
                delivered_at: None,
            });
        }
    }
    deliveries
}

/// What a receiver gets: the event, its per-ticket sequence, and the ticket as it stood when
/// the event happened (no caller details; the receiver reads those through the API, where the
/// read is audited).
fn delivery_body(event: &OutboxRow, facts: &EventFacts, orgs: &HashMap<Uuid, OrgRow>) -> Value {
    let ticket = facts.ticket.as_ref().map(|t| {
        let holder = t.holder_org_id.and_then(|id| orgs.get(&id));
        json!({
            "id": t.id,
            "number": t.number,
            "state": t.state,
            "title": t.title,
            "holder_org": holder.map(|o| json!({"id": o.id, "code": o.code, "name": o.name})),
            "accept_due": t.accept_due,
            "finish_due": t.finish_due,
            "updated_at": t.updated_at,
        })
    });
    let mut data = facts.payload.clone();
    if let Value::Object(map) = &mut data {
        // Carried for routing and reports; the body says them once, above.
        for key in ["ticket", "orgs", "sequence"] {
            map.remove(key);
        }
    }
    json!({
        "id": event.id,
        "type": event.topic,
        "created_at": event.created_at,
        "sequence": facts.sequence,
        "ticket": ticket,
        "data": data,
    })
}
