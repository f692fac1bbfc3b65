//! The rules that raise alerts. Surges are looked for on a timer over the last window of
//! appeals; hotspots, repeat callers and watch-list words as each appeal comes in (the
//! `alerts` outbox consumer).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use hotline_domain::alerts::{AlertKind, Cell, Held, deadline_trouble, sensitive_words, surges};
use hotline_domain::ticket::TicketState;
use hotline_store::tickets::OutboxRow;
use serde_json::json;
use uuid::Uuid;

use super::Raised;
use crate::integrations::outbox::Consumer;
use crate::reference::ReferenceData;
use crate::{App, Result};

/// The level-1 category a category belongs to (its path's first id).
pub(super) fn level_one(reference: &ReferenceData, category: Uuid) -> Option<Uuid> {
    let path = &reference.categories.get(&category)?.path;
    path.split('/').find(|s| !s.is_empty()).and_then(|s| s.parse().ok())
}

/// The district a region (district, street, community) lies in.
fn district_of(reference: &ReferenceData, region: Uuid) -> Option<Uuid> {
    let mut org = reference.orgs.get(&region)?;
    for _ in 0..16 {
        if org.kind == hotline_domain::org::OrgKind::District {
            return Some(org.id);
        }
        org = reference.orgs.get(&org.parent_id?)?;
    }
    None
}

/// Appeals as cells (level-1 category × district), in time order, with their ids.
pub(super) fn cells(
    reference: &ReferenceData,
    appeals: Vec<hotline_store::alerts::Appeal>,
) -> (Vec<(DateTime<Utc>, Cell)>, Vec<Uuid>) {
    let mut out = Vec::with_capacity(appeals.len());
    let mut ids = Vec::with_capacity(appeals.len());
    for (id, at, category, region) in appeals {
        if let (Some(category), Some(region)) =
            (level_one(reference, category), district_of(reference, region))
        {
            out.push((at, Cell { category, region }));
            ids.push(id);
        }
    }
    (out, ids)
}

impl App {
    /// The `alerts.surges` job: the window that ends now, per level-1 category × district.
    pub(crate) async fn check_surges(&self) -> Result<u64> {
        let settings = self.config.alerts.surge();
        let now = self.now();
        let window = Duration::minutes(settings.window_minutes);
        let from = now - window - Duration::days(settings.baseline_days);
        let rows = hotline_store::alerts::appeals_since(self.store.reader(), from).await?;
        let reference = self.reference().await?;
        let (appeals, ids) = cells(&reference, rows);
        let quiet_since = now - Duration::hours(settings.quiet_hours);
        let mut quiet: HashMap<Cell, DateTime<Utc>> = HashMap::new();
        for alert in
            hotline_store::alerts::recent(self.store.reader(), AlertKind::Surge, quiet_since)
                .await?
        {
            if let (Some(category), Some(region)) = (alert.category_id, alert.region_id) {
                quiet.insert(Cell { category, region }, alert.updated_at);
            }
        }
        let found = surges(&appeals, now, now, &settings, &mut quiet);
        let mut raised = Vec::with_capacity(found.len());
        for surge in &found {
            let name = |id: Uuid| reference.orgs.get(&id).map(|o| o.name.clone());
            let district = name(surge.cell.region).unwrap_or_default();
            let category = reference
                .categories
                .get(&surge.cell.category)
                .map(|c| c.name.clone())
                .unwrap_or_default();
            let tickets: Vec<Uuid> = appeals
                .iter()
                .zip(&ids)
                .rev()
                .take_while(|((at, _), _)| *at > now - window)
                .filter(|((_, cell), _)| *cell == surge.cell)
                .map(|(_, id)| *id)
                .collect();
            raised.push(Raised {
                kind: AlertKind::Surge,
                key: Some(format!("surge:{}:{}", surge.cell.category, surge.cell.region)),
                title: format!(
                    "{district}{category}类诉求激增：近{}分钟{}件，通常约{:.1}件",
                    settings.window_minutes, surge.count, surge.expected
                ),
                detail: json!({
                    "count": surge.count, "expected": (surge.expected * 10.0).round() / 10.0,
                    "p": surge.p, "window_minutes": settings.window_minutes, "at": surge.at,
                }),
                tickets,
                region: Some(surge.cell.region),
                category: Some(surge.cell.category),
            });
        }
        self.raise_alerts(raised, None).await?;
        Ok(found.len() as u64)
    }

    /// The `alerts.deadlines` job: units with many of their work orders overdue, from the
    /// overview's now-counts. One open alert per unit, its counts kept current.
    pub(crate) async fn check_deadlines(&self) -> Result<u64> {
        let settings = &self.config.alerts;
        let db = self.store.reader();
        let mut held: HashMap<Uuid, Held> = HashMap::new();
        for (key, n) in hotline_store::stats::now_counts(db).await? {
            let (Some(org), true) = (key.holder, key.state.is_with_unit()) else { continue };
            let entry = held.entry(org).or_insert(Held { org, open: 0, overdue: 0 });
            entry.open += n;
            if key.overdue_with().is_some() {
                entry.overdue += n;
            }
        }
        let held: Vec<Held> = held.into_values().collect();
        let found = deadline_trouble(
            &held,
            settings.deadline_overdue_count,
            settings.deadline_overdue_share,
        );
        let reference = self.reference().await?;
        let mut raised = Vec::with_capacity(found.len());
        for unit in &found {
            let name = reference.orgs.get(&unit.org).map(|o| o.name.clone()).unwrap_or_default();
            raised.push(Raised {
                kind: AlertKind::DeadlineTrouble,
                key: Some(format!("deadline:{}", unit.org)),
                title: format!("{name}超期积压：在办{}件中{}件已超期", unit.open, unit.overdue),
                detail: json!({"open": unit.open, "overdue": unit.overdue}),
                tickets: hotline_store::alerts::overdue_held_by(db, unit.org, 200).await?,
                region: Some(unit.org),
                category: None,
            });
        }
        self.raise_alerts(raised, None).await?;
        Ok(found.len() as u64)
    }

    /// The `alerts` consumer's work: each new appeal against the watch list, its place and its
    /// caller's history.
    pub(crate) async fn watch_appeals(&self, events: Vec<OutboxRow>) -> Result<()> {
        let ids: Vec<Uuid> = events
            .iter()
            .filter(|e| matches!(e.topic.as_str(), "ticket.created" | "ticket.register"))
            .filter_map(|e| e.ticket_id)
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let rows = hotline_store::search::tickets_by_id(self.store.reader(), &ids).await?;
        let settings = &self.config.alerts;
        let now = self.now();
        let reference = self.reference().await?;
        let mut raised = Vec::new();
        for row in rows.iter().filter(|r| r.state != TicketState::Draft && r.parent_id.is_none()) {
            let words = sensitive_words(
                &format!("{} {}", row.title, row.content),
                &settings.sensitive_words,
            );
            if !words.is_empty() {
                raised.push(Raised {
                    kind: AlertKind::SensitiveWords,
                    key: Some(format!("words:{}", row.id)),
                    title: format!("敏感词「{}」：{} {}", words.join("、"), row.number, row.title),
                    detail: json!({"words": words, "number": row.number}),
                    tickets: vec![row.id],
                    region: row.region_org_id,
                    category: row.category_id,
                });
            }
            if let (Some(address), Some(category)) = (row.address.as_deref(), row.category_id) {
                let since = now - Duration::days(settings.hotspot_days);
                let tickets = hotline_store::alerts::at_place(
                    self.store.reader(),
                    address,
                    category,
                    since,
                    200,
                )
                .await?;
                if tickets.len() as u64 >= settings.hotspot_count {
                    let name = reference
                        .categories
                        .get(&category)
                        .map(|c| c.name.clone())
                        .unwrap_or_default();
                    raised.push(Raised {
                        kind: AlertKind::Hotspot,
                        key: Some(format!("hotspot:{category}:{address}")),
                        title: format!(
                            "热点：{address}「{name}」{}天内{}件",
                            settings.hotspot_days,
                            tickets.len()
                        ),
                        detail: json!({"address": address, "count": tickets.len(), "days": settings.hotspot_days}),
                        tickets,
                        region: row.region_org_id,
                        category: Some(category),
                    });
                }
            }
            if let Some(phone) = row.caller_phone_idx.as_deref() {
                let since = now - Duration::days(settings.repeat_caller_days);
                let tickets =
                    hotline_store::alerts::of_caller(self.store.reader(), phone, since, 200)
                        .await?;
                if tickets.len() as u64 >= settings.repeat_caller_count {
                    let masked = row.caller_phone_masked.clone().unwrap_or_default();
                    raised.push(Raised {
                        kind: AlertKind::RepeatCaller,
                        key: Some(format!("caller:{phone}")),
                        title: format!(
                            "重复来电：{masked} {}天内{}次",
                            settings.repeat_caller_days,
                            tickets.len()
                        ),
                        detail: json!({"caller": masked, "count": tickets.len(), "days": settings.repeat_caller_days}),
                        tickets,
                        region: row.region_org_id,
                        category: row.category_id,
                    });
                }
            }
        }
        // The alerts and the marks in one write: each event's alerts happen once.
        let done: Vec<Uuid> = events.iter().map(|e| e.id).collect();
        self.raise_alerts(raised, Some((Consumer::Alerts, done))).await
    }
}
