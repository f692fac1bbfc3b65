//! Reference data held in memory: orgs, categories and SLA policies are small, read on every
//! ticket view and rarely changed. Local changes drop the copy at once; changes made by another
//! instance show after at most `MAX_AGE`.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use hotline_domain::org::{Place, TreePath, region_in_address};
use hotline_store::orgs::{OrgFilter, OrgRow};
use hotline_store::reference::{CategoryRow, SlaPolicyRow};
use uuid::Uuid;

use crate::{App, Result};

const MAX_AGE: Duration = Duration::from_secs(10);

#[derive(Debug)]
pub(crate) struct ReferenceData {
    pub orgs: HashMap<Uuid, OrgRow>,
    pub categories: HashMap<Uuid, CategoryRow>,
    pub sla: Vec<SlaPolicyRow>,
    loaded: Instant,
}

impl ReferenceData {
    /// The active region (区, 街道, 社区) an address names, if any.
    pub fn region_in(&self, address: &str) -> Option<&OrgRow> {
        let regions: Vec<(&OrgRow, TreePath)> = self
            .orgs
            .values()
            .filter(|o| o.active && o.kind.is_region())
            .map(|o| (o, TreePath::from_stored(o.path.clone())))
            .collect();
        let places: Vec<Place<'_>> =
            regions.iter().map(|(o, path)| Place { name: &o.name, path }).collect();
        region_in_address(address, &places).and_then(|i| regions.get(i)).map(|(o, _)| *o)
    }
}

/// The slot the copy lives in, shared by all clones of the application.
#[derive(Debug, Default)]
pub(crate) struct ReferenceCache(RwLock<Option<Arc<ReferenceData>>>);

impl App {
    pub(crate) async fn reference(&self) -> Result<Arc<ReferenceData>> {
        let cached = self.reference_cache.0.read().ok().and_then(|slot| slot.clone());
        if let Some(data) = cached.filter(|d| d.loaded.elapsed() < MAX_AGE) {
            return Ok(data);
        }
        let db = self.store.reader();
        let orgs = hotline_store::orgs::list(
            db,
            &OrgFilter::default(),
            hotline_store::PageRequest { page: 1, per_page: u64::MAX >> 2 },
        )
        .await?
        .items;
        let categories = hotline_store::reference::categories(db).await?;
        let sla = hotline_store::reference::sla_policies(db).await?;
        let data = Arc::new(ReferenceData {
            orgs: orgs.into_iter().map(|o| (o.id, o)).collect(),
            categories: categories.into_iter().map(|c| (c.id, c)).collect(),
            sla,
            loaded: Instant::now(),
        });
        if let Ok(mut slot) = self.reference_cache.0.write() {
            *slot = Some(Arc::clone(&data));
        }
        Ok(data)
    }

    /// Called after any change to orgs, categories or SLA policies.
    pub(crate) fn invalidate_reference(&self) {
        if let Ok(mut slot) = self.reference_cache.0.write() {
            *slot = None;
        }
    }
}
