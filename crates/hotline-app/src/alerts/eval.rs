//! `hotline alerts eval`: the surge rule replayed over generated history, window by window, as
//! the running server would have met it, against the surges `hotline gen --inject-surge`
//! planted. Reports how long each planted surge took to be found and how many alarms fell
//! outside them.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use hotline_domain::alerts::{Cell, Surge, surges};

use super::rules::{cells, level_one};
use crate::demo::generate::{PLANTED_FILE, PlantedSurge};
use crate::{App, Error, Result};

/// A planted surge and when the rule found it.
#[derive(Clone, Debug)]
pub struct Detection {
    pub planted: PlantedSurge,
    /// Minutes from the surge's start to its first alarm; `None`: never found.
    pub delay_minutes: Option<i64>,
    /// The alarm's count and expectation.
    pub count: Option<u64>,
    pub expected: Option<f64>,
}

#[derive(Clone, Debug)]
pub struct EvalReport {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub windows: u64,
    pub cells: usize,
    pub detections: Vec<Detection>,
    /// Alarms in no planted surge's cell and time.
    pub false_alarms: Vec<Surge>,
}

impl EvalReport {
    #[must_use]
    #[expect(clippy::cast_precision_loss, reason = "small counts")]
    pub fn false_alarms_per_day(&self) -> f64 {
        let days = (self.to - self.from).num_minutes() as f64 / 1440.0;
        if days > 0.0 { self.false_alarms.len() as f64 / days } else { 0.0 }
    }
}

impl App {
    /// Replays the last `days` days (the generated month) through the surge rule.
    pub async fn evaluate_alerts(&self, days: i64) -> Result<EvalReport> {
        let settings = self.config.alerts.surge();
        let to = self.now();
        let from = to - Duration::days(days);
        let file = self.config.data_dir.join(PLANTED_FILE);
        let planted: Vec<PlantedSurge> = match std::fs::read(&file) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map_err(|e| Error::Internal(anyhow::anyhow!("{}: {e}", file.display())))?,
            Err(_) => Vec::new(),
        };
        let since = from
            - Duration::days(settings.baseline_days)
            - Duration::minutes(settings.window_minutes);
        let rows = hotline_store::alerts::appeals_since(self.store.reader(), since).await?;
        let reference = self.reference().await?;
        let (appeals, _) = cells(&reference, rows);
        let cell_count =
            appeals.iter().map(|(_, c)| *c).collect::<std::collections::HashSet<_>>().len();
        let mut quiet: HashMap<Cell, DateTime<Utc>> = HashMap::new();
        let found = surges(&appeals, from, to, &settings, &mut quiet);
        let window = Duration::minutes(settings.window_minutes);
        let cell_of = |p: &PlantedSurge| {
            level_one(&reference, p.category_id)
                .map(|category| Cell { category, region: p.region_id })
        };
        let during = |p: &PlantedSurge, s: &Surge| {
            cell_of(p) == Some(s.cell)
                && s.at > p.start
                && s.at <= p.start + Duration::hours(p.hours) + window
        };
        let detections = planted
            .iter()
            .map(|p| {
                let first = found.iter().find(|s| during(p, s));
                Detection {
                    planted: p.clone(),
                    delay_minutes: first.map(|s| (s.at - p.start).num_minutes()),
                    count: first.map(|s| s.count),
                    expected: first.map(|s| s.expected),
                }
            })
            .collect();
        let false_alarms =
            found.iter().filter(|s| !planted.iter().any(|p| during(p, s))).cloned().collect();
        let step = settings.step_minutes.max(1);
        Ok(EvalReport {
            from,
            to,
            windows: u64::try_from((to - from).num_minutes() / step).unwrap_or(0),
            cells: cell_count,
            detections,
            false_alarms,
        })
    }
}
