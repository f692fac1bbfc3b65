//! Suggestions at intake: the categories an appeal is probably about, the units that handle
//! them, the articles that answer it, and tickets it may repeat — so the agent types less and
//! the dispatcher guesses less.
//!
//! The category model (`hotline-classify`) is the one `hotline classifier train` left in the
//! data directory, or, without one, a model trained at first use from the built-in category
//! tree and labelled messages.

use std::path::PathBuf;
use std::sync::Arc;

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use hotline_classify::{Classifier, Example, Taxonomy, TrainConfig};
use hotline_domain::org::TreePath;
use hotline_domain::phone::PhoneNumber;
use hotline_domain::role::Permission;
use hotline_domain::ticket::TicketState;
use hotline_domain::validation::bounded_text;
use hotline_domain::{FieldError, FieldErrors, FieldIssue, OrgId};
use serde::{Deserialize, Serialize};
use tokio::sync::RwLock;
use uuid::Uuid;

use crate::config::Config;
use crate::kb::ArticleQuery;
use crate::reference::routing::SuggestQuery;
use crate::{App, Ctx, Error, Result};

/// Where `hotline classifier train` keeps the model and the server finds it.
#[must_use]
pub fn model_path(config: &Config) -> PathBuf {
    config.data_dir.join("classifier.json")
}

/// The category tree every installation starts with, as the classifier reads it.
#[must_use]
pub fn builtin_taxonomy() -> Taxonomy {
    Taxonomy {
        paths: crate::reference::seed::category_triples().into_iter().map(Vec::from).collect(),
    }
}

/// The labelled messages shipped with the platform.
fn builtin_examples() -> Vec<Example> {
    let mut reader = csv::Reader::from_reader(crate::demo::MESSAGES_CSV.as_bytes());
    reader
        .deserialize::<std::collections::HashMap<String, String>>()
        .filter_map(std::result::Result::ok)
        .filter_map(|mut r| {
            Some(Example {
                title: r.remove("title")?,
                body: r.remove("body")?,
                label: r.remove("category_level1")?,
            })
        })
        .collect()
}

/// Handled tickets the retraining learns from, at most (the newest).
const MAX_HANDLED_EXAMPLES: u64 = 20_000;

/// Real citizen appeals (title, text), for benchmarks of what intake is offered.
#[must_use]
pub fn sample_appeals() -> Vec<(String, String)> {
    builtin_examples().into_iter().map(|e| (e.title, e.body)).collect()
}

/// The model in use, and how many handled tickets it learnt from (so the retraining job knows
/// whether anything new has been handled since).
#[derive(Clone, Debug, Default)]
pub(crate) struct ModelSlot(Arc<RwLock<Option<Trained>>>);

/// A model and the number of handled tickets it learnt from.
type Trained = (Arc<Classifier>, usize);

/// Who closed most tickets of a category lately, per category, with when it was counted: the
/// count reads every such ticket (tens of thousands at a million), and the answer moves slowly.
#[derive(Clone, Debug, Default)]
pub(crate) struct HandlerCache(Arc<std::sync::Mutex<HashMap<Uuid, Counted>>>);

/// The units that closed most tickets of a category, with their counts, and when counted.
type Counted = (DateTime<Utc>, Vec<(Uuid, i64)>);

/// How long a category's handlers are reused.
const HANDLERS_FOR_MINUTES: i64 = 10;

#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SuggestionRequest {
    pub title: String,
    pub content: String,
    pub address: Option<String>,
    pub caller_phone: Option<String>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct CategorySuggestion {
    pub id: Uuid,
    pub path: String,
    pub score: f32,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct UnitSuggestion {
    pub org_id: Uuid,
    pub name: String,
    pub score: f32,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ArticleSuggestion {
    pub id: Uuid,
    pub title: String,
    pub reply_template: Option<String>,
    pub score: f32,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct SimilarTicket {
    pub id: Uuid,
    pub number: String,
    pub title: String,
    pub state: TicketState,
    pub score: f32,
    pub same_caller: bool,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Suggestions {
    pub categories: Vec<CategorySuggestion>,
    pub units: Vec<UnitSuggestion>,
    pub articles: Vec<ArticleSuggestion>,
    pub similar_tickets: Vec<SimilarTicket>,
}

/// States in which a look-alike can still take a repeat call in (并单).
const OPEN: [TicketState; 7] = [
    TicketState::Registered,
    TicketState::Dispatched,
    TicketState::InProgress,
    TicketState::ReplySubmitted,
    TicketState::AwaitingCallback,
    TicketState::ReturnRequested,
    TicketState::ExtensionRequested,
];

impl App {
    async fn classifier(&self) -> Result<Arc<Classifier>> {
        if let Some((model, _)) = self.classifier.0.read().await.as_ref() {
            return Ok(Arc::clone(model));
        }
        let mut slot = self.classifier.0.write().await;
        if let Some((model, _)) = slot.as_ref() {
            return Ok(Arc::clone(model));
        }
        let path = model_path(&self.config);
        let model = tokio::task::spawn_blocking(move || -> Result<Classifier> {
            if path.exists() {
                return Ok(Classifier::load(&path).map_err(anyhow::Error::from)?);
            }
            Ok(Classifier::train(&builtin_examples(), &builtin_taxonomy(), &TrainConfig::default())
                .map_err(anyhow::Error::from)?)
        })
        .await
        .map_err(anyhow::Error::from)??;
        let model = Arc::new(model);
        *slot = Some((Arc::clone(&model), 0));
        Ok(model)
    }

    /// Retrains the category model on the built-in data and the platform's own handled tickets
    /// (labelled by the first level of their category), when tickets were handled since the
    /// last training; keeps it in the data directory for the next start. Run by the
    /// `classifier.retrain` job; answers how many handled tickets the new model learnt from.
    pub async fn retrain_classifier(&self) -> Result<u64> {
        let handled = hotline_store::tickets::handled_with_category(
            self.store.reader(),
            MAX_HANDLED_EXAMPLES,
        )
        .await?;
        let learnt = self.classifier.0.read().await.as_ref().map_or(0, |(_, n)| *n);
        if handled.len() <= learnt {
            return Ok(0);
        }
        let reference = self.reference().await?;
        let mut examples = builtin_examples();
        examples.extend(handled.iter().filter_map(|(title, content, category)| {
            let label = crate::reference::categories::path_names(&reference, *category)?
                .into_iter()
                .next()?;
            Some(Example { title: title.clone(), body: content.clone(), label })
        }));
        let path = model_path(&self.config);
        let model = tokio::task::spawn_blocking(move || -> Result<Classifier> {
            let model = Classifier::train(&examples, &builtin_taxonomy(), &TrainConfig::default())
                .map_err(anyhow::Error::from)?;
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(anyhow::Error::from)?;
            }
            model.save(&path).map_err(anyhow::Error::from)?;
            Ok(model)
        })
        .await
        .map_err(anyhow::Error::from)??;
        *self.classifier.0.write().await = Some((Arc::new(model), handled.len()));
        Ok(u64::try_from(handled.len()).unwrap_or(u64::MAX))
    }

    /// What intake is offered for an appeal as the agent types it.
    pub async fn suggest(&self, ctx: &Ctx, input: SuggestionRequest) -> Result<Suggestions> {
        let (principal, _) = self.authorize(ctx, Permission::TicketCreate, None).await?;
        let mut errors = FieldErrors::new();
        let title = errors.take(bounded_text("title", input.title.trim(), 0, 200));
        let content = errors.take(crate::tickets::bounded_text_multiline(
            "content",
            input.content.trim(),
            0,
            10_000,
        ));
        let address = input.address.as_deref().map(str::trim).filter(|a| !a.is_empty());
        if address.is_some_and(|a| a.chars().count() > 255) {
            errors.push(FieldError::new("address", FieldIssue::TooLong).with_limit(255));
        }
        let phone =
            input.caller_phone.as_deref().map(str::trim).filter(|p| !p.is_empty()).and_then(|p| {
                errors.take(PhoneNumber::parse(p, &self.config.tickets.default_area_code))
            });
        errors.into_result()?;
        let (title, content) = (title.unwrap_or_default(), content.unwrap_or_default());
        if title.is_empty() && content.is_empty() {
            return Ok(Suggestions {
                categories: vec![],
                units: vec![],
                articles: vec![],
                similar_tickets: vec![],
            });
        }
        let reference = self.reference().await?;
        let region = address.and_then(|a| reference.region_in(a)).map(|o| OrgId::from_uuid(o.id));
        let categories = self.suggest_categories(&title, &content).await?;
        let units = self.suggest_units(ctx, categories.first(), region).await?;
        let articles = if principal.scope_for(Permission::KbRead).is_some() {
            let q: String = format!("{title} {}", content.chars().take(60).collect::<String>());
            let found = self
                .list_articles(
                    ctx,
                    ArticleQuery {
                        q: Some(q.chars().take(100).collect()),
                        per_page: Some(5),
                        ..ArticleQuery::default()
                    },
                )
                .await?;
            let n = found.items.len().max(1) as f32;
            found
                .items
                .into_iter()
                .enumerate()
                .map(|(i, a)| ArticleSuggestion {
                    id: a.id,
                    title: a.title,
                    reply_template: a.reply_template,
                    score: 1.0 - i as f32 / n,
                })
                .collect()
        } else {
            Vec::new()
        };
        let similar = self
            .similar_tickets(
                &format!("{title} {content}"),
                phone.as_ref(),
                categories.first(),
                region,
            )
            .await?;
        Ok(Suggestions { categories, units, articles, similar_tickets: similar })
    }

    /// The model's first-level classes, each narrowed to the leaves whose name or search words
    /// the text mentions; a class with no such leaf is offered as itself.
    async fn suggest_categories(
        &self,
        title: &str,
        content: &str,
    ) -> Result<Vec<CategorySuggestion>> {
        let model = self.classifier().await?;
        let reference = self.reference().await?;
        let text = format!("{title}\n{content}");
        let mut out: Vec<CategorySuggestion> = Vec::new();
        for (label, p) in model.predict_message(title, content, 3) {
            let Some(top) =
                reference.categories.values().find(|c| c.level == 1 && c.active && c.name == label)
            else {
                continue;
            };
            let mut leaves: Vec<(usize, &hotline_store::reference::CategoryRow)> = reference
                .categories
                .values()
                .filter(|c| c.active && c.level == 3 && c.path.starts_with(&top.path))
                .filter_map(|c| {
                    let words = c.keywords.as_deref().unwrap_or("");
                    let hits = usize::from(text.contains(c.name.as_str())) * 2
                        + words.split(',').filter(|w| !w.is_empty() && text.contains(w)).count()
                            * 2;
                    (hits > 0).then_some((hits, c))
                })
                .collect();
            leaves.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.code.cmp(&b.1.code)));
            if leaves.is_empty() {
                out.push(self.category_suggestion(&reference, top.id, p));
            }
            for (hits, leaf) in leaves.into_iter().take(3) {
                let share = hits as f32 / (hits as f32 + 1.0);
                out.push(self.category_suggestion(&reference, leaf.id, p * share));
            }
        }
        out.sort_by(|a, b| b.score.total_cmp(&a.score));
        out.truncate(5);
        Ok(out)
    }

    fn category_suggestion(
        &self,
        reference: &crate::reference::ReferenceData,
        id: Uuid,
        score: f32,
    ) -> CategorySuggestion {
        let path =
            crate::reference::categories::path_names(reference, id).unwrap_or_default().join(" / ");
        CategorySuggestion { id, path, score: (score * 1000.0).round() / 1000.0 }
    }

    /// The units that closed most tickets of `category` in the last 90 days, counted at most
    /// every few minutes.
    async fn handlers_of(&self, category: Uuid) -> Result<Vec<(Uuid, i64)>> {
        let now = self.now();
        let cached = {
            let cache = self.handlers.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            cache.get(&category).cloned()
        };
        if let Some((at, handlers)) = cached
            && now - at < Duration::minutes(HANDLERS_FOR_MINUTES)
        {
            return Ok(handlers);
        }
        let since = now - Duration::days(90);
        let handlers =
            hotline_store::tickets::handlers_of_category(self.store.reader(), category, since)
                .await?;
        self.handlers
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(category, (now, handlers.clone()));
        Ok(handlers)
    }

    /// The routing catalogue's unit for the likeliest category and the region, then the units
    /// that closed most tickets of that category in the last 90 days.
    async fn suggest_units(
        &self,
        ctx: &Ctx,
        category: Option<&CategorySuggestion>,
        region: Option<OrgId>,
    ) -> Result<Vec<UnitSuggestion>> {
        let Some(category) = category else { return Ok(Vec::new()) };
        let reference = self.reference().await?;
        let mut units: Vec<UnitSuggestion> = Vec::new();
        if let Some(org) = self
            .suggest_unit(ctx, SuggestQuery { category_id: category.id, region_org_id: region })
            .await?
            .org
        {
            units.push(UnitSuggestion { org_id: org.id.as_uuid(), name: org.name, score: 0.9 });
        }
        let handlers = self.handlers_of(category.id).await?;
        let total: i64 = handlers.iter().map(|(_, n)| n).sum();
        for (org, n) in handlers {
            if units.iter().any(|u| u.org_id == org) {
                continue;
            }
            if let Some(o) = reference.orgs.get(&org).filter(|o| o.active) {
                units.push(UnitSuggestion {
                    org_id: org,
                    name: o.name.clone(),
                    score: 0.8 * n as f32 / total.max(1) as f32,
                });
            }
        }
        units.truncate(3);
        Ok(units)
    }

    /// The same caller's recent tickets, then recent open tickets of the same first-level
    /// category and district whose text is close to this one, from the search index (both
    /// windows are settings). While the index is rebuilt, only the caller's own are offered.
    async fn similar_tickets(
        &self,
        text: &str,
        phone: Option<&PhoneNumber>,
        category: Option<&CategorySuggestion>,
        region: Option<OrgId>,
    ) -> Result<Vec<SimilarTicket>> {
        let db = self.store.reader();
        let now = self.now();
        let mut out: Vec<SimilarTicket> = Vec::new();
        if let Some(phone) = phone {
            let idx = self.data_key.blind_index(phone.as_e164());
            for t in hotline_store::tickets::by_caller_since(
                db,
                &idx,
                now - Duration::days(self.config.search.similar_same_caller_days),
                5,
            )
            .await?
            {
                out.push(SimilarTicket {
                    id: t.id,
                    number: t.number,
                    title: t.title,
                    state: t.state,
                    score: 1.0,
                    same_caller: true,
                });
            }
        }
        if let Ok(index) = self.ready_index() {
            let reference = self.reference().await?;
            let under = |path: &str| -> Vec<Uuid> {
                reference.orgs.values().filter(|o| o.path.starts_with(path)).map(|o| o.id).collect()
            };
            let root_category = category
                .and_then(|c| reference.categories.get(&c.id))
                .and_then(|c| TreePath::from_stored(c.path.clone()).ids::<Uuid>().next())
                .and_then(|root| reference.categories.get(&root));
            // The district the address is in, with its streets and communities.
            let district = region.and_then(|r| reference.orgs.get(&r.as_uuid())).and_then(|r| {
                TreePath::from_stored(r.path.clone())
                    .ids::<Uuid>()
                    .filter_map(|id| reference.orgs.get(&id))
                    .find(|o| o.kind.is_region())
            });
            let filters = hotline_search::Filters {
                states: OPEN.iter().map(|s| s.as_str().to_owned()).collect(),
                categories: root_category.map(|root| {
                    reference
                        .categories
                        .values()
                        .filter(|c| c.path.starts_with(&root.path))
                        .map(|c| c.id)
                        .collect()
                }),
                regions: district.map(|d| under(&d.path)),
                created_from: Some(now - Duration::days(self.config.search.similar_text_days)),
                ..hotline_search::Filters::default()
            };
            let text: String = text.chars().take(300).collect();
            let found = tokio::task::spawn_blocking(move || index.similar(&text, &filters, 10))
                .await
                .map_err(|e| Error::Internal(e.into()))?
                .map_err(crate::search::index::search_error)?;
            let best = found.first().map_or(1.0, |f| f.1).max(f32::EPSILON);
            let ids: Vec<Uuid> = found.iter().map(|f| f.0).collect();
            let rows = hotline_store::search::tickets_by_id(db, &ids).await?;
            for (id, score) in found {
                let Some(t) = rows.iter().find(|r| r.id == id) else { continue };
                if out.iter().any(|s| s.id == id) {
                    continue;
                }
                out.push(SimilarTicket {
                    id,
                    number: t.number.clone(),
                    title: t.title.clone(),
                    state: t.state,
                    score: 0.9 * score / best,
                    same_caller: false,
                });
            }
        }
        out.sort_by(|a, b| b.same_caller.cmp(&a.same_caller).then(b.score.total_cmp(&a.score)));
        out.truncate(8);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_training_data_is_all_there() {
        assert_eq!(builtin_examples().len(), 305);
        assert_eq!(builtin_taxonomy().paths.len(), 517);
    }
}
