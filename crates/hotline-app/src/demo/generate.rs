//! `hotline gen`: fills a database with many realistic work orders, fast, in batched
//! transactions — for benchmarks and capacity tests, not for the demo.
//!
//! Tickets follow the year's rhythm (busy weekdays, quiet nights and weekends, a few surge days
//! after storms or outages), categories follow a skewed distribution over the real taxonomy,
//! callers repeat, texts are varied from the real messages, and every ticket's state, deadlines
//! and timeline agree with the lifecycle. Generated history carries no audit rows and no timers:
//! it stands for the past, which the audit trail of this installation never saw.

use std::collections::HashMap;
use std::time::Instant;

use chrono::{DateTime, Datelike as _, Duration, NaiveDate, TimeZone as _, Utc, Weekday};
use hotline_domain::phone::{PhoneNumber, mask_name};
use hotline_domain::sla::Limit;
use hotline_domain::ticket::decisions::CloseReason;
use hotline_domain::ticket::{
    Action, AppealType, Channel, HandlingType, Satisfaction, TicketState, Urgency, ticket_number,
};
use hotline_store::tickets::{ContactRow, TicketEventRow, TicketRow};
use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng as _};
use serde_json::json;
use uuid::Uuid;

use crate::{App, Error, Result};

const PLACES: [&str; 12] = [
    "东华门",
    "景山",
    "西长安街",
    "新街口",
    "和平里",
    "交道口",
    "什刹海",
    "月坛",
    "德胜门",
    "展览路",
    "广安门",
    "天桥",
];
const THINGS: [&str; 10] =
    ["小区", "路口", "菜市场", "学校门口", "公交站", "地铁口", "工地", "商场", "医院", "公园"];

#[derive(Clone, Debug, Default)]
pub struct GenOptions {
    pub tickets: u64,
    /// Spread over this many days before now.
    pub days: u32,
    pub seed: u64,
    /// Tickets per transaction.
    pub batch: usize,
    /// Surges to plant (`hotline gen --inject-surge`), for `hotline alerts eval` to find.
    pub surges: Vec<SurgeSpec>,
}

/// A surge to plant: appeals of `category` (its name or code, any level) in the district
/// `region` (name or code) `factor` times as many as usual for six hours of a day in the last
/// month.
#[derive(Clone, Debug, PartialEq)]
pub struct SurgeSpec {
    pub category: String,
    pub region: String,
    pub factor: f64,
}

impl std::str::FromStr for SurgeSpec {
    type Err = String;

    /// `CATEGORY:REGION:FACTOR`, e.g. `城乡建设:东城区:3`.
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        let parts: Vec<&str> = s.split(':').map(str::trim).collect();
        let [category, region, factor] = parts[..] else {
            return Err("CATEGORY:REGION:FACTOR, e.g. 城乡建设:东城区:3".to_owned());
        };
        let factor: f64 =
            factor.parse().map_err(|_| format!("factor {factor:?} is not a number"))?;
        if !(1.0..=100.0).contains(&factor) || category.is_empty() || region.is_empty() {
            return Err("a category, a district and a factor from 1 to 100".to_owned());
        }
        Ok(Self { category: category.to_owned(), region: region.to_owned(), factor })
    }
}

/// A planted surge as it went into the data: what `hotline alerts eval` looks for.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PlantedSurge {
    pub category_id: Uuid,
    pub category: String,
    pub region_id: Uuid,
    pub region: String,
    pub factor: f64,
    pub start: DateTime<Utc>,
    pub hours: i64,
    /// Appeals the cell would have had in the window, and those added.
    pub usual: f64,
    pub added: u64,
}

/// How long a planted surge lasts.
const SURGE_HOURS: i64 = 6;

/// Where `hotline gen` leaves the surges it planted.
pub const PLANTED_FILE: &str = "planted-surges.json";

#[derive(Clone, Copy, Debug, Default)]
pub struct GenStats {
    pub tickets: u64,
    pub rows: u64,
    pub seconds: f64,
}

impl GenStats {
    #[must_use]
    pub fn rows_per_sec(&self) -> f64 {
        if self.seconds > 0.0 { self.rows as f64 / self.seconds } else { 0.0 }
    }
}

struct Unit {
    id: Uuid,
    handler: Option<Uuid>,
}

struct Pools {
    titles: Vec<String>,
    bodies: Vec<String>,
    /// Leaf categories with a skewed weight each.
    categories: Vec<(Uuid, f64)>,
    category_total: f64,
    units: Vec<Unit>,
    /// Districts, for the region of each appeal.
    districts: Vec<Uuid>,
    agent: Option<Uuid>,
}

/// What a generated ticket is made of when a planted surge chooses it.
#[derive(Clone, Copy, Default)]
struct Draw {
    category: Option<Uuid>,
    region: Option<Uuid>,
}

/// How many tickets each day gets: weekdays busier than weekends, a few surge days.
fn day_weights(days: u32, rng: &mut StdRng, first: NaiveDate) -> Vec<f64> {
    let mut weights: Vec<f64> = (0..days)
        .map(|d| match (first + Duration::days(i64::from(d))).weekday() {
            Weekday::Sat => 0.6,
            Weekday::Sun => 0.5,
            _ => 1.0,
        })
        .collect();
    for _ in 0..(days / 60).max(1) {
        let surge = rng.random_range(0..days as usize);
        weights[surge] *= 3.0;
    }
    weights
}

/// Minutes of the day, by hour: a morning and an afternoon peak, quiet nights.
const HOURLY: [f64; 24] = [
    0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.5, 1.2, 2.5, 3.5, 3.6, 3.0, 2.0, 2.4, 3.2, 3.3, 3.0, 2.6, 2.0,
    1.6, 1.3, 1.0, 0.7, 0.4,
];

fn pick_weighted(rng: &mut StdRng, weights: &[f64], total: f64) -> usize {
    let mut x = rng.random::<f64>() * total;
    for (i, w) in weights.iter().enumerate() {
        if x < *w {
            return i;
        }
        x -= w;
    }
    weights.len().saturating_sub(1)
}

fn vary(text: &str, rng: &mut StdRng) -> String {
    let place = PLACES[rng.random_range(0..PLACES.len())];
    let thing = THINGS[rng.random_range(0..THINGS.len())];
    text.replace("A市", "本市")
        .replace("A3区", place)
        .replace("A6区", place)
        .replace("A2区", place)
        .replace("A4区", thing)
}

impl App {
    async fn gen_pools(&self) -> Result<Pools> {
        let mut titles = Vec::new();
        let mut bodies = Vec::new();
        let mut reader = csv::Reader::from_reader(super::MESSAGES_CSV.as_bytes());
        for r in reader.records().filter_map(std::result::Result::ok) {
            titles.push(r.get(1).unwrap_or_default().chars().take(150).collect::<String>());
            bodies.push(r.get(3).unwrap_or_default().chars().take(1500).collect::<String>());
        }
        let categories = hotline_store::reference::categories(self.store.reader()).await?;
        let leaves: Vec<Uuid> =
            categories.iter().filter(|c| c.level == 3 && c.active).map(|c| c.id).collect();
        // Zipf-like: the k-th category is 1/(k+1)^0.9 as likely as the first.
        let weighted: Vec<(Uuid, f64)> = leaves
            .iter()
            .enumerate()
            .map(|(k, id)| (*id, 1.0 / ((k + 1) as f64).powf(0.9)))
            .collect();
        let total = weighted.iter().map(|(_, w)| w).sum();
        let reference = self.reference().await?;
        let orgs = &reference.orgs;
        let users = hotline_store::users::list(
            self.store.reader(),
            &hotline_store::users::UserFilter::default(),
            hotline_store::PageRequest { page: 1, per_page: 10_000 },
        )
        .await?
        .items;
        let units = orgs
            .values()
            .filter(|o| o.parent_id.is_some() && o.active)
            .map(|o| Unit {
                id: o.id,
                handler: users.iter().find(|u| u.org_id == o.id).map(|u| u.id),
            })
            .collect::<Vec<_>>();
        if units.is_empty() || weighted.is_empty() {
            return Err(Error::Internal(anyhow::anyhow!(
                "gen needs orgs and categories: run `hotline demo` once or create them"
            )));
        }
        let agent = users.iter().find(|u| u.username == "agent").map(|u| u.id);
        let mut districts: Vec<&hotline_store::orgs::OrgRow> = orgs
            .values()
            .filter(|o| o.active && o.kind == hotline_domain::org::OrgKind::District)
            .collect();
        districts.sort_by(|a, b| a.code.cmp(&b.code));
        let districts = districts.into_iter().map(|o| o.id).collect();
        Ok(Pools {
            titles,
            bodies,
            categories: weighted,
            category_total: total,
            units,
            districts,
            agent,
        })
    }

    /// Generates `options.tickets` tickets; `progress` is called after every batch.
    pub async fn generate(
        &self,
        options: GenOptions,
        mut progress: impl FnMut(GenStats),
    ) -> Result<GenStats> {
        let pools = self.gen_pools().await?;
        let mut rng = StdRng::seed_from_u64(options.seed);
        let now = self.now();
        let calendar = self.calendar();
        let first = calendar.local_date(now) - Duration::days(i64::from(options.days));
        let weights = day_weights(options.days, &mut rng, first);
        let weight_sum: f64 = weights.iter().sum();
        let callers = (options.tickets / 3).max(10);
        let started = Instant::now();
        let mut stats = GenStats::default();
        let mut counters: HashMap<String, i64> = hotline_store::tickets::counters_since(
            self.store.reader(),
            &first.format("%Y%m%d").to_string(),
        )
        .await?;
        let mut carry = 0.0;
        let mut batch: Vec<(TicketRow, ContactRow, Vec<TicketEventRow>)> =
            Vec::with_capacity(options.batch);
        let mut recent: Vec<Uuid> = Vec::new();
        for (d, w) in weights.iter().enumerate() {
            let date = first + Duration::days(i64::try_from(d).unwrap_or(0));
            let exact = options.tickets as f64 * w / weight_sum + carry;
            let mut today = exact.floor();
            carry = exact - today;
            if d + 1 == weights.len() {
                today = (options.tickets.saturating_sub(stats.tickets + batch.len() as u64)) as f64;
            }
            let mut minutes: Vec<u32> = (0..today as u64)
                .map(|_| {
                    let hour = pick_weighted(&mut rng, &HOURLY, HOURLY.iter().sum());
                    u32::try_from(hour).unwrap_or(0) * 60 + rng.random_range(0..60)
                })
                .collect();
            minutes.sort_unstable();
            let day_key = date.format("%Y%m%d").to_string();
            for minute in minutes {
                let local = date
                    .and_hms_opt(minute / 60, minute % 60, rng.random_range(0..60))
                    .unwrap_or_default();
                let created = calendar
                    .offset()
                    .from_local_datetime(&local)
                    .single()
                    .map_or(now, |t| t.with_timezone(&Utc))
                    .min(now);
                let seq = counters.entry(day_key.clone()).or_insert(0);
                *seq += 1;
                let number = ticket_number(date, *seq);
                let ticket = self.gen_ticket(
                    &pools,
                    &mut rng,
                    (number, created, Draw::default()),
                    now,
                    callers,
                    &recent,
                )?;
                if recent.len() < 64 {
                    recent.push(ticket.0.id);
                } else {
                    let slot = rng.random_range(0..recent.len());
                    recent[slot] = ticket.0.id;
                }
                batch.push(ticket);
                if batch.len() >= options.batch {
                    self.flush(&mut batch, &counters, &mut stats).await?;
                    stats.seconds = started.elapsed().as_secs_f64();
                    progress(stats);
                }
            }
        }
        self.flush(&mut batch, &counters, &mut stats).await?;
        if !options.surges.is_empty() {
            let planted = self
                .plant_surges(
                    &options,
                    &pools,
                    &mut rng,
                    (first, &weights, weight_sum),
                    &mut counters,
                    callers,
                )
                .await?;
            stats.tickets += planted.iter().map(|p| p.added).sum::<u64>();
            let file = self.config.data_dir.join(PLANTED_FILE);
            std::fs::write(
                &file,
                serde_json::to_vec_pretty(&planted).map_err(|e| Error::Internal(e.into()))?,
            )
            .map_err(|e| {
                Error::Internal(anyhow::anyhow!("cannot write {}: {e}", file.display()))
            })?;
        }
        self.store.analyze().await?;
        stats.seconds = started.elapsed().as_secs_f64();
        progress(stats);
        Ok(stats)
    }

    /// Adds the extra appeals of each planted surge: `factor - 1` times what the cell usually
    /// gets in six daytime hours of a day in the last month (at most `days` back), reckoned from
    /// the day's volume, the hours' share, the category's and the district's.
    async fn plant_surges(
        &self,
        options: &GenOptions,
        pools: &Pools,
        rng: &mut StdRng,
        (first, weights, weight_sum): (NaiveDate, &[f64], f64),
        counters: &mut HashMap<String, i64>,
        callers: u64,
    ) -> Result<Vec<PlantedSurge>> {
        let reference = self.reference().await?;
        let calendar = self.calendar();
        let now = self.now();
        let named = |name: &str, code: &str, wanted: &str| name == wanted || code == wanted;
        let mut planted = Vec::new();
        let mut batch = Vec::new();
        let mut stats = GenStats::default();
        let span = weights.len().min(30);
        for (n, spec) in options.surges.iter().enumerate() {
            let category = reference
                .categories
                .values()
                .find(|c| named(&c.name, &c.code, &spec.category))
                .ok_or_else(|| {
                    Error::Internal(anyhow::anyhow!("no category {:?}", spec.category))
                })?;
            let region = reference
                .orgs
                .values()
                .find(|o| {
                    o.kind == hotline_domain::org::OrgKind::District
                        && named(&o.name, &o.code, &spec.region)
                })
                .ok_or_else(|| Error::Internal(anyhow::anyhow!("no district {:?}", spec.region)))?;
            let leaves: Vec<(Uuid, f64)> = pools
                .categories
                .iter()
                .filter(|(id, _)| {
                    reference.categories.get(id).is_some_and(|c| c.path.starts_with(&category.path))
                })
                .copied()
                .collect();
            let leaf_weight: f64 = leaves.iter().map(|(_, w)| w).sum();
            if leaves.is_empty() {
                return Err(Error::Internal(anyhow::anyhow!(
                    "{} has no categories to draw",
                    spec.category
                )));
            }
            // Days apart, so surges do not overlap; from 9 to 14 o'clock local.
            let back = 2 + (n * 5 + rng.random_range(0..3)) % span.saturating_sub(2).max(1);
            let d = weights.len().saturating_sub(back);
            let date = first + Duration::days(i64::try_from(d).unwrap_or(0));
            let hour = rng.random_range(9..=14_u32);
            let start = calendar
                .offset()
                .from_local_datetime(&date.and_hms_opt(hour, 0, 0).unwrap_or_default())
                .single()
                .map_or(now, |t| t.with_timezone(&Utc));
            let day_total = options.tickets as f64 * weights[d] / weight_sum;
            let hours_share: f64 =
                (0..SURGE_HOURS).map(|h| HOURLY[(hour as usize + h as usize) % 24]).sum::<f64>()
                    / HOURLY.iter().sum::<f64>();
            let usual = day_total * hours_share * (leaf_weight / pools.category_total)
                / pools.districts.len().max(1) as f64;
            let added = ((spec.factor - 1.0) * usual).round() as u64;
            let day_key = date.format("%Y%m%d").to_string();
            for _ in 0..added {
                let created = start + Duration::seconds(rng.random_range(0..SURGE_HOURS * 3600));
                let seq = counters.entry(day_key.clone()).or_insert(0);
                *seq += 1;
                let number = ticket_number(date, *seq);
                let leaf = leaves[pick_weighted(
                    rng,
                    &leaves.iter().map(|(_, w)| *w).collect::<Vec<_>>(),
                    leaf_weight,
                )]
                .0;
                let draw = Draw { category: Some(leaf), region: Some(region.id) };
                batch.push(self.gen_ticket(
                    pools,
                    rng,
                    (number, created, draw),
                    now,
                    callers,
                    &[],
                )?);
                if batch.len() >= options.batch {
                    self.flush(&mut batch, counters, &mut stats).await?;
                }
            }
            planted.push(PlantedSurge {
                category_id: category.id,
                category: category.name.clone(),
                region_id: region.id,
                region: region.name.clone(),
                factor: spec.factor,
                start,
                hours: SURGE_HOURS,
                usual,
                added,
            });
        }
        self.flush(&mut batch, counters, &mut stats).await?;
        Ok(planted)
    }

    async fn flush(
        &self,
        batch: &mut Vec<(TicketRow, ContactRow, Vec<TicketEventRow>)>,
        counters: &HashMap<String, i64>,
        stats: &mut GenStats,
    ) -> Result<()> {
        if batch.is_empty() {
            return Ok(());
        }
        let rows: Vec<_> = std::mem::take(batch);
        let (mut tickets, mut contacts, mut events) = (Vec::new(), Vec::new(), Vec::new());
        for (t, c, e) in rows {
            tickets.push(t);
            contacts.push(c);
            events.extend(e);
        }
        stats.tickets += tickets.len() as u64;
        stats.rows += (tickets.len() + contacts.len() + events.len()) as u64;
        let txn = self.store.begin().await?;
        // Merged tickets point at masters in the same or an earlier batch: masters first.
        tickets.sort_by_key(|t| t.master_id.is_some());
        hotline_store::tickets::insert_bulk(&txn, tickets, contacts, events).await?;
        hotline_store::tickets::raise_counters(&txn, counters).await?;
        txn.commit().await?;
        Ok(())
    }

    /// One ticket: `number`, made at `created`, its category and district drawn unless `draw`
    /// fixes them.
    fn gen_ticket(
        &self,
        pools: &Pools,
        rng: &mut StdRng,
        (number, created, draw): (String, DateTime<Utc>, Draw),
        now: DateTime<Utc>,
        callers: u64,
        recent: &[Uuid],
    ) -> Result<(TicketRow, ContactRow, Vec<TicketEventRow>)> {
        let id = Uuid::now_v7();
        let m = rng.random_range(0..pools.titles.len());
        let other = rng.random_range(0..pools.bodies.len());
        let title = vary(&pools.titles[m], rng);
        let second: String = pools.bodies[other].chars().take(80).collect();
        let content = format!("{} {}", vary(&pools.bodies[m], rng), second);
        // A fifth of the calls come from a twentieth of the callers.
        let caller = if rng.random_bool(0.2) {
            rng.random_range(0..(callers / 20).max(1))
        } else {
            rng.random_range(0..callers)
        };
        let phone =
            PhoneNumber::parse(&format!("13{}{:08}", 5 + caller % 5, caller % 100_000_000), "10")
                .map_err(|e| Error::Internal(anyhow::anyhow!("{e:?}")))?;
        let name = format!(
            "{}先生",
            ["王", "李", "张", "刘", "陈", "杨", "赵", "黄"]
                [usize::try_from(caller % 8).unwrap_or(0)]
        );
        let category = draw.category.unwrap_or_else(|| {
            pools.categories[pick_weighted(
                rng,
                &pools.categories.iter().map(|(_, w)| *w).collect::<Vec<_>>(),
                pools.category_total,
            )]
            .0
        });
        let region = draw.region.or_else(|| {
            (!pools.districts.is_empty())
                .then(|| pools.districts[rng.random_range(0..pools.districts.len())])
        });
        let unit = &pools.units[rng.random_range(0..pools.units.len())];
        let age = (now - created).num_hours();
        let roll = rng.random_range(0..100);
        let state = if age < 48 {
            [
                TicketState::Registered,
                TicketState::Dispatched,
                TicketState::InProgress,
                TicketState::ReplySubmitted,
                TicketState::AwaitingCallback,
                TicketState::Answered,
                TicketState::ExtensionRequested,
                TicketState::ReturnRequested,
            ][roll % 8]
        } else {
            match roll {
                0..=54 => TicketState::Closed,
                55..=69 => TicketState::Archived,
                70..=80 => TicketState::Answered,
                81..=86 => TicketState::Liaised,
                87..=88 => TicketState::Dismissed,
                89..=90 if !recent.is_empty() => TicketState::Merged,
                91..=94 => TicketState::InProgress,
                95..=96 => TicketState::AwaitingCallback,
                _ => TicketState::Dispatched,
            }
        };
        let calendar = self.calendar();
        let path: &[Action] = match state {
            TicketState::Registered | TicketState::Draft => &[],
            TicketState::Answered => &[Action::Answer],
            TicketState::Liaised => &[Action::Liaise],
            TicketState::Dismissed => &[Action::Dismiss],
            TicketState::Merged => &[Action::Merge],
            TicketState::Dispatched => &[Action::Dispatch],
            TicketState::InProgress => &[Action::Dispatch, Action::Accept],
            TicketState::ReturnRequested => &[Action::Dispatch, Action::Return],
            TicketState::ExtensionRequested => {
                &[Action::Dispatch, Action::Accept, Action::RequestExtension]
            }
            TicketState::ReplySubmitted => &[Action::Dispatch, Action::Accept, Action::Reply],
            TicketState::AwaitingCallback => {
                &[Action::Dispatch, Action::Accept, Action::Reply, Action::ApproveReply]
            }
            TicketState::Closed => &[
                Action::Dispatch,
                Action::Accept,
                Action::Reply,
                Action::ApproveReply,
                Action::Callback,
            ],
            TicketState::Archived => &[
                Action::Dispatch,
                Action::Accept,
                Action::Reply,
                Action::ApproveReply,
                Action::Callback,
                Action::Archive,
            ],
        };
        let dispatched = path.contains(&Action::Dispatch);
        let dispatch_at = created + Duration::minutes(rng.random_range(5..90));
        let finish_due = dispatched.then(|| Limit::working_days(5).due(&calendar, dispatch_at).at);
        let mut at = created;
        let mut events = vec![gen_event(
            id,
            at,
            "create",
            None,
            Some(TicketState::Registered),
            None,
            pools.agent,
        )];
        let mut from = TicketState::Registered;
        let mut step_time = |i: usize, rng: &mut StdRng| {
            at = if i == 0 && dispatched {
                dispatch_at
            } else {
                at + Duration::minutes(rng.random_range(30..(60 * 30)))
            };
            at.min(now)
        };
        let mut closed_at = None;
        let mut replied_at = None;
        for (i, action) in path.iter().enumerate() {
            let when = step_time(i, rng);
            let to = match action {
                Action::Answer => TicketState::Answered,
                Action::Liaise => TicketState::Liaised,
                Action::Dismiss => TicketState::Dismissed,
                Action::Merge => TicketState::Merged,
                Action::Dispatch => TicketState::Dispatched,
                Action::Accept => TicketState::InProgress,
                Action::Return => TicketState::ReturnRequested,
                Action::RequestExtension => TicketState::ExtensionRequested,
                Action::Reply => TicketState::ReplySubmitted,
                Action::ApproveReply => TicketState::AwaitingCallback,
                Action::Callback | Action::Close => TicketState::Closed,
                _ => TicketState::Archived,
            };
            if matches!(
                action,
                Action::Answer
                    | Action::Liaise
                    | Action::Dismiss
                    | Action::Callback
                    | Action::Merge
            ) {
                closed_at = Some(when);
            }
            if *action == Action::Reply {
                replied_at = Some(when);
            }
            let actor = match action {
                Action::Accept | Action::Reply | Action::Return | Action::RequestExtension => {
                    unit.handler
                }
                _ => pools.agent,
            };
            events.push(gen_event(
                id,
                when,
                action.as_str(),
                Some(from),
                Some(to),
                dispatched.then_some(unit.id),
                actor,
            ));
            from = to;
        }
        let satisfaction =
            matches!(state, TicketState::Closed | TicketState::Archived).then(|| {
                match rng.random_range(0..100) {
                    0..=79 => Satisfaction::Satisfied,
                    80..=94 => Satisfaction::BasicallySatisfied,
                    _ => Satisfaction::Unsatisfied,
                }
            });
        let open_with_unit = state.is_with_unit();
        let row = TicketRow {
            id,
            number,
            parent_id: None,
            master_id: (state == TicketState::Merged)
                .then(|| recent[rng.random_range(0..recent.len())]),
            state,
            handling_type: Some(if dispatched {
                HandlingType::Assign
            } else if state == TicketState::Dismissed {
                HandlingType::Dismiss
            } else if state == TicketState::Liaised {
                HandlingType::Liaise
            } else {
                HandlingType::Answer
            })
            .filter(|_| state != TicketState::Registered),
            caller_name_enc: Some(self.data_key.encrypt(&name)?),
            caller_name_masked: Some(mask_name(&name)),
            caller_phone_enc: Some(self.data_key.encrypt(phone.as_e164())?),
            caller_phone_idx: Some(self.data_key.blind_index(phone.as_e164())),
            caller_phone_masked: Some(phone.masked()),
            title,
            content: content.clone(),
            demand: None,
            occurred_at: None,
            address: Some(format!(
                "{}{}号",
                PLACES[rng.random_range(0..PLACES.len())],
                rng.random_range(1..300)
            )),
            latitude: None,
            longitude: None,
            category_id: Some(category),
            appeal_type: [
                AppealType::Complaint,
                AppealType::Help,
                AppealType::Consultation,
                AppealType::Suggestion,
                AppealType::Report,
            ][rng.random_range(0..5)],
            urgency: if rng.random_bool(0.05) { Urgency::Urgent } else { Urgency::Normal },
            channel: [
                Channel::Phone,
                Channel::Phone,
                Channel::Phone,
                Channel::Web,
                Channel::Wechat,
                Channel::App,
                Channel::Sms,
            ][rng.random_range(0..7)],
            confidential: rng.random_bool(0.03),
            emergency: false,
            region_org_id: region,
            callback_requirement: hotline_domain::ticket::CallbackRequirement::Required,
            contact_phone_enc: None,
            contact_phone_masked: None,
            holder_org_id: dispatched.then_some(unit.id),
            dispatched_by_org_id: None,
            excerpt: None,
            notes: None,
            reply_content: replied_at
                .map(|_| "经核实，已安排人员处理完毕，并已向市民反馈。".to_owned()),
            close_reason: closed_at.map(|_| {
                if state == TicketState::Merged {
                    CloseReason::Merged
                } else {
                    CloseReason::Satisfied
                }
            }),
            accept_due: dispatched.then(|| Limit::working_days(1).due(&calendar, dispatch_at).at),
            response_due: dispatched.then(|| Limit::working_days(1).due(&calendar, dispatch_at).at),
            finish_due,
            original_finish_due: finish_due,
            dispatched_at: dispatched.then_some(dispatch_at),
            accepted_at: path.contains(&Action::Accept).then_some(dispatch_at + Duration::hours(1)),
            first_contact_at: path
                .contains(&Action::Accept)
                .then_some(dispatch_at + Duration::hours(2)),
            replied_at,
            closed_at,
            overdue: open_with_unit && finish_due.is_some_and(|d| d < now),
            accept_overdue: false,
            response_overdue: false,
            urged_count: i32::from(open_with_unit && finish_due.is_some_and(|d| d < now)),
            supervision_level: 0,
            instruction_count: 0,
            reopened_count: 0,
            returned_count: i32::from(state == TicketState::ReturnRequested),
            callback_attempts: i32::from(satisfaction.is_some()),
            satisfaction,
            resolved: matches!(state, TicketState::Closed | TicketState::Archived).then_some(true),
            created_by: pools.agent,
            created_at: created,
            updated_at: at.max(created),
            version: i32::try_from(path.len()).unwrap_or(0),
        };
        let contact = ContactRow {
            id: Uuid::now_v7(),
            ticket_id: Some(id),
            channel: row.channel,
            received_at: created,
            caller_phone_enc: row.caller_phone_enc.clone(),
            caller_phone_idx: row.caller_phone_idx.clone(),
            raw_text: content,
            created_by: pools.agent,
            created_at: created,
        };
        Ok((row, contact, events))
    }
}

fn gen_event(
    ticket: Uuid,
    at: DateTime<Utc>,
    action: &str,
    from: Option<TicketState>,
    to: Option<TicketState>,
    org: Option<Uuid>,
    actor: Option<Uuid>,
) -> TicketEventRow {
    TicketEventRow {
        id: Uuid::now_v7(),
        ticket_id: ticket,
        at,
        action: action.to_owned(),
        actor_id: actor.map(|a| a.to_string()),
        actor_name: Some("gen".to_owned()),
        actor_org_id: None,
        from_state: from,
        to_state: to,
        org_id: org,
        opinion: None,
        detail: json!({"generated": true}).to_string(),
    }
}
