//! The ticket index as the server keeps it: opened at start-up, or rebuilt in the background
//! when missing, broken or made with other words (search answers `index_rebuilding` with the
//! progress until it is ready); fed from the outbox by the `search.index` job; rebuilt on
//! demand; verified against the database.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, RwLock};

use chrono::{DateTime, Utc};
use hotline_domain::role::Permission;
use hotline_domain::ticket::TicketState;
use hotline_search::{ArticleDoc, ArticleIndex, SearchDir, Segmenter, TicketDoc, TicketIndex};
use hotline_store::tickets::{OutboxRow, TicketRow};
use serde::Serialize;
use uuid::Uuid;

use crate::integrations::outbox::Consumer;
use crate::{App, AuditEntry, Ctx, Error, Result};
use hotline_domain::audit::AuditAction;

/// Tickets read from the database per step of a rebuild or a verification.
const PAGE: u64 = 2000;

/// The index of this process and how its rebuild is going.
#[derive(Debug, Default)]
pub(crate) struct SearchState {
    index: RwLock<Option<Arc<TicketIndex>>>,
    rebuild: Mutex<Option<RebuildProgress>>,
    /// The segmenter of the current dictionary, built once (loading jieba takes a moment).
    segmenter: Mutex<Option<Segmenter>>,
    /// The knowledge base's index, in memory, with the articles' stamp it was built at.
    articles: Mutex<Option<(String, Arc<ArticleIndex>)>>,
}

impl SearchState {
    fn index(&self) -> Option<Arc<TicketIndex>> {
        self.index.read().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    fn set_index(&self, index: Arc<TicketIndex>) {
        *self.index.write().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(index);
    }

    fn progress(&self) -> Option<RebuildProgress> {
        self.rebuild.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    fn update(&self, change: impl FnOnce(&mut RebuildProgress)) {
        let mut slot = self.rebuild.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(progress) = slot.as_mut() {
            change(progress);
        }
    }

    fn rebuilding(&self) -> bool {
        self.progress().is_some_and(|p| p.finished_at.is_none())
    }
}

/// A rebuild, running or last finished.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct RebuildProgress {
    /// Why: `missing`, `outdated: dictionary`, `requested`, ….
    pub reason: String,
    pub done: u64,
    pub total: u64,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    /// Tickets per second over the whole rebuild, once finished.
    pub rate_per_sec: Option<f64>,
    pub error: Option<String>,
}

/// What admins see of the index.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct IndexStatus {
    /// Whether search answers now.
    pub ready: bool,
    pub documents: u64,
    /// The words added to jieba's dictionary: org, street and category names and admins' words.
    pub dictionary_words: usize,
    /// How long the oldest ticket change not yet searchable has waited, in seconds.
    pub lag_secs: Option<f64>,
    pub rebuild: Option<RebuildProgress>,
}

/// How the index and the database differ (`hotline verify-index`).
#[derive(Clone, Debug, Default, Serialize)]
pub struct IndexDiff {
    pub tickets: u64,
    pub documents: u64,
    /// Ticket numbers: in the database, not in the index.
    pub missing: Vec<String>,
    /// Ticket numbers: in the index as they were before a change.
    pub stale: Vec<String>,
    /// Ids: in the index, gone from the database (or drafts again).
    pub extra: Vec<Uuid>,
}

impl IndexDiff {
    #[must_use]
    pub fn is_clean(&self) -> bool {
        self.missing.is_empty() && self.stale.is_empty() && self.extra.is_empty()
    }
}

/// Reports progress of a long run (`done`, `total`) to whoever watches: the CLI's progress bar.
pub type OnProgress<'a> = &'a (dyn Fn(u64, u64) + Send + Sync);

impl App {
    /// The words the segmenter must keep whole: every org's name (and a street office's name
    /// without 办事处, as addresses write it), every category's name, and the words admins added.
    pub(crate) async fn dictionary_words(&self) -> Result<Vec<String>> {
        let reference = self.reference().await?;
        let mut words: Vec<String> = Vec::new();
        for org in reference.orgs.values() {
            words.push(org.name.clone());
            if let Some(short) = org.name.strip_suffix("办事处") {
                words.push(short.to_owned());
            }
        }
        words.extend(reference.categories.values().map(|c| c.name.clone()));
        words.extend(
            hotline_store::search::words(self.store.reader()).await?.into_iter().map(|w| w.word),
        );
        Ok(words)
    }

    /// The segmenter of today's dictionary: the one built before while the words are the same.
    async fn segmenter(&self) -> Result<Segmenter> {
        let words = self.dictionary_words().await?;
        let wanted = Segmenter::fingerprint_of(words.iter().map(String::as_str));
        let cached =
            self.search.segmenter.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
        if let Some(segmenter) = cached.filter(|s| s.fingerprint() == wanted) {
            return Ok(segmenter);
        }
        // Loading jieba's dictionary takes a moment of CPU.
        let segmenter =
            tokio::task::spawn_blocking(move || Segmenter::new(words.iter().map(String::as_str)))
                .await
                .map_err(|e| Error::Internal(e.into()))?;
        *self.search.segmenter.lock().unwrap_or_else(std::sync::PoisonError::into_inner) =
            Some(segmenter.clone());
        Ok(segmenter)
    }

    /// The knowledge base's index, built again when an article or the dictionary changed.
    pub(crate) async fn article_index(&self) -> Result<Arc<ArticleIndex>> {
        let segmenter = self.segmenter().await?;
        let stamp = format!(
            "{}/{}",
            hotline_store::kb::stamp(self.store.reader()).await?,
            segmenter.fingerprint()
        );
        let cached =
            self.search.articles.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
        if let Some((at, index)) = cached
            && at == stamp
        {
            return Ok(index);
        }
        let docs: Vec<ArticleDoc> = hotline_store::kb::all(self.store.reader())
            .await?
            .into_iter()
            .map(|a| ArticleDoc {
                id: a.id,
                title: a.title,
                keywords: a.keywords.unwrap_or_default(),
                body: a.body,
                reply_template: a.reply_template.unwrap_or_default(),
            })
            .collect();
        let index = tokio::task::spawn_blocking(move || ArticleIndex::build(&segmenter, &docs))
            .await
            .map_err(|e| Error::Internal(e.into()))?
            .map_err(search_error)?;
        let index = Arc::new(index);
        *self.search.articles.lock().unwrap_or_else(std::sync::PoisonError::into_inner) =
            Some((stamp, index.clone()));
        Ok(index)
    }

    fn search_dir(&self) -> SearchDir {
        SearchDir::new(self.config.data_dir.join("search"))
    }

    /// Opens the index for serving; when it is missing, broken or out of date, rebuilds it in
    /// the background instead. Never fails the start of the server over the index.
    pub async fn open_search(&self) -> Result<()> {
        let segmenter = self.segmenter().await?;
        let dir = self.search_dir();
        let opened = tokio::task::spawn_blocking(move || {
            let index = dir.open(&segmenter)?;
            // The follower's writer is taken now: it also tells `hotline reindex` that a
            // server has this index.
            index.apply(&[], &[], None)?;
            Ok::<_, hotline_search::Error>(index)
        })
        .await
        .map_err(|e| Error::Internal(e.into()))?;
        match opened {
            Ok(index) => {
                self.search.set_index(Arc::new(index));
                Ok(())
            }
            Err(e) => {
                // A first start has no index yet: that is no warning.
                if matches!(e, hotline_search::Error::Outdated(_)) {
                    tracing::info!(reason = %e, "building the search index in the background");
                } else {
                    tracing::warn!(reason = %e, "search index not usable; rebuilding it in the background");
                }
                self.start_rebuild(&e.to_string());
                Ok(())
            }
        }
    }

    /// Starts a rebuild in the background unless one is running; `false` if one was.
    pub fn start_rebuild(&self, reason: &str) -> bool {
        {
            let mut slot =
                self.search.rebuild.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            if slot.as_ref().is_some_and(|p| p.finished_at.is_none()) {
                return false;
            }
            *slot = Some(RebuildProgress {
                reason: reason.to_owned(),
                done: 0,
                total: 0,
                started_at: self.now(),
                finished_at: None,
                rate_per_sec: None,
                error: None,
            });
        }
        let app = self.clone();
        tokio::spawn(async move {
            let state = app.search.clone();
            let report = move |done, total| state.update(|p| (p.done, p.total) = (done, total));
            let outcome = app.rebuild_index(&report).await;
            // The follower's writer, small, taken now (it also tells `hotline reindex` that a
            // server has this index).
            if let Some(index) = app.search.index()
                && let Err(e) = tokio::task::spawn_blocking(move || index.apply(&[], &[], None))
                    .await
                    .map_err(|e| Error::Internal(e.into()))
                    .and_then(|r| r.map_err(search_error))
            {
                tracing::warn!(error = %e, "search index writer not taken");
            }
            let finished = app.now();
            if let Err(e) = &outcome {
                tracing::error!(error = %e, "search index rebuild failed");
            }
            app.search.update(|p| {
                p.finished_at = Some(finished);
                match &outcome {
                    Ok(count) => {
                        let secs = (finished - p.started_at).num_milliseconds().max(1) as f64;
                        p.rate_per_sec = Some(*count as f64 * 1000.0 / secs);
                    }
                    Err(e) => p.error = Some(e.to_string()),
                }
            });
        });
        true
    }

    /// Rebuilds the index from the database into a new generation, then puts it in use (the
    /// old one answers meanwhile, if there is one). Returns the tickets indexed.
    pub async fn rebuild_index(&self, on_progress: OnProgress<'_>) -> Result<u64> {
        let started = self.now();
        let segmenter = self.segmenter().await?;
        let dir = self.search_dir();
        let (generation, index) = {
            let (dir, segmenter) = (dir.clone(), segmenter.clone());
            tokio::task::spawn_blocking(move || dir.create(&segmenter))
                .await
                .map_err(|e| Error::Internal(e.into()))?
                .map_err(search_error)?
        };
        let index = Arc::new(index);
        let db = self.store.reader();
        let total = hotline_store::search::count_tickets(db).await?;
        on_progress(0, total);
        let heap = self.config.search.rebuild_heap_mib << 20;
        let mut after = None;
        let mut done = 0;
        loop {
            let rows = hotline_store::search::tickets_after(db, after, PAGE).await?;
            let Some(last) = rows.last() else { break };
            after = Some(last.id);
            let docs = self.ticket_docs(rows).await?;
            done += docs.len() as u64;
            let index = index.clone();
            tokio::task::spawn_blocking(move || index.apply(&docs, &[], Some(heap)))
                .await
                .map_err(|e| Error::Internal(e.into()))?
                .map_err(search_error)?;
            on_progress(done, total.max(done));
        }
        {
            let index = index.clone();
            tokio::task::spawn_blocking(move || {
                index.commit()?;
                index.release_writer()
            })
            .await
            .map_err(|e| Error::Internal(e.into()))?
            .map_err(search_error)?;
        }
        // Changes from shortly before the start on are taken in again by the follower.
        self.restart_consumer(Consumer::Search, started).await?;
        dir.switch(&generation, &segmenter).map_err(search_error)?;
        self.search.set_index(index);
        Ok(done)
    }

    /// The documents for `rows` (drafts have none).
    async fn ticket_docs(&self, rows: Vec<TicketRow>) -> Result<Vec<TicketDoc>> {
        let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
        let mut replies = hotline_store::search::replies(self.store.reader(), &ids).await?;
        Ok(rows
            .into_iter()
            .filter(|r| r.state != TicketState::Draft)
            .map(|r| {
                let replies = replies.remove(&r.id).unwrap_or_default();
                ticket_doc(r, replies)
            })
            .collect())
    }

    /// The `search.index` job's work for a batch of events: their tickets indexed again as they
    /// stand now (or removed), made searchable, then the events marked done.
    pub(crate) async fn index_events(&self, events: Vec<OutboxRow>) -> Result<()> {
        let index = self.search.index().ok_or(Error::Unavailable)?;
        let ids: Vec<Uuid> =
            events.iter().filter_map(|e| e.ticket_id).collect::<HashSet<_>>().into_iter().collect();
        let rows = hotline_store::search::tickets_by_id(self.store.reader(), &ids).await?;
        let found: HashSet<Uuid> =
            rows.iter().filter(|r| r.state != TicketState::Draft).map(|r| r.id).collect();
        let gone: Vec<Uuid> = ids.iter().filter(|id| !found.contains(id)).copied().collect();
        let docs = self.ticket_docs(rows).await?;
        tokio::task::spawn_blocking(move || {
            index.apply(&docs, &gone, None)?;
            index.commit()
        })
        .await
        .map_err(|e| Error::Internal(e.into()))?
        .map_err(search_error)?;
        let done: Vec<Uuid> = events.iter().map(|e| e.id).collect();
        self.store
            .write(move |tx| {
                Box::pin(async move {
                    hotline_store::outbox::mark_done(&**tx, Consumer::Search.name(), &done).await?;
                    Ok(())
                })
            })
            .await
    }

    /// One round of the `search.index` job; nothing while the index is being rebuilt (the
    /// rebuild restarts the follower where it began).
    pub(crate) async fn follow_outbox_into_index(&self) -> Result<crate::jobs::Progress> {
        if self.search.index().is_none() || self.search.rebuilding() {
            return Ok(crate::jobs::Progress::default());
        }
        let done = self.consume_outbox(Consumer::Search).await?;
        Ok(crate::jobs::Progress { items: done.events, lag: done.lag })
    }

    /// Lets go of the index (and its writer's lock), for another process to open it.
    pub fn close_search(&self) {
        *self.search.index.write().unwrap_or_else(std::sync::PoisonError::into_inner) = None;
    }

    /// The index to search, or why there is none.
    pub(crate) fn ready_index(&self) -> Result<Arc<TicketIndex>> {
        self.search.index().ok_or_else(|| {
            let progress = self.search.progress();
            Error::IndexRebuilding {
                done: progress.as_ref().map_or(0, |p| p.done),
                total: progress.as_ref().map_or(0, |p| p.total),
            }
        })
    }

    /// The index's state, for admins.
    pub async fn index_status(&self, ctx: &Ctx) -> Result<IndexStatus> {
        self.authorize(ctx, Permission::SystemRead, None).await?;
        let index = self.search.index();
        let lag = self
            .job_snapshot()
            .into_iter()
            .find(|j| j.name == "search.index")
            .and_then(|j| j.lag_secs);
        Ok(IndexStatus {
            ready: index.is_some(),
            documents: index.as_ref().map_or(0, |i| i.docs()),
            dictionary_words: self.dictionary_words().await?.len(),
            lag_secs: lag,
            rebuild: self.search.progress(),
        })
    }

    /// An admin's request to rebuild (after changing the dictionary, or to repair).
    pub async fn request_rebuild(&self, ctx: &Ctx) -> Result<IndexStatus> {
        self.authorize(ctx, Permission::ReferenceManage, None).await?;
        let started = self.start_rebuild("requested");
        self.audit_now(vec![
            ctx.record(
                AuditEntry::new(AuditAction::SearchReindex)
                    .detail(serde_json::json!({"started": started})),
                self.now(),
            ),
        ])
        .await?;
        self.index_status(ctx).await
    }

    /// Compares the index in use with the database: every ticket's document present and
    /// saying what the ticket says now, no document without its ticket.
    pub async fn verify_index(&self, on_progress: OnProgress<'_>) -> Result<IndexDiff> {
        let index = match self.search.index() {
            Some(index) => index,
            None => {
                let segmenter = self.segmenter().await?;
                let dir = self.search_dir();
                Arc::new(
                    tokio::task::spawn_blocking(move || dir.open(&segmenter))
                        .await
                        .map_err(|e| Error::Internal(e.into()))?
                        .map_err(search_error)?,
                )
            }
        };
        let mut stamps: HashMap<Uuid, u64> = {
            let index = index.clone();
            tokio::task::spawn_blocking(move || index.stamps())
                .await
                .map_err(|e| Error::Internal(e.into()))?
                .map_err(search_error)?
        };
        let db = self.store.reader();
        let total = hotline_store::search::count_tickets(db).await?;
        let mut diff = IndexDiff { documents: stamps.len() as u64, ..IndexDiff::default() };
        let mut after = None;
        loop {
            let rows = hotline_store::search::tickets_after(db, after, PAGE).await?;
            let Some(last) = rows.last() else { break };
            after = Some(last.id);
            for doc in self.ticket_docs(rows).await? {
                diff.tickets += 1;
                match stamps.remove(&doc.id) {
                    None => diff.missing.push(doc.number),
                    Some(stamp) if stamp != doc.stamp() => diff.stale.push(doc.number),
                    Some(_) => {}
                }
            }
            on_progress(diff.tickets, total.max(diff.tickets));
        }
        diff.extra = stamps.into_keys().collect();
        diff.extra.sort_unstable();
        Ok(diff)
    }

    /// Whether a server has the index open for writing (so `hotline reindex` must not swap it
    /// underneath).
    pub async fn index_in_use(&self) -> Result<bool> {
        let segmenter = self.segmenter().await?;
        let dir = self.search_dir();
        tokio::task::spawn_blocking(move || match dir.open(&segmenter) {
            Ok(index) => match index.apply(&[], &[], None) {
                Ok(()) => Ok(false),
                Err(e) if e.is_lock_busy() => Ok(true),
                Err(e) => Err(search_error(e)),
            },
            Err(_) => Ok(false),
        })
        .await
        .map_err(|e| Error::Internal(e.into()))?
    }
}

/// An index failure that is not the person's: the server's.
pub(crate) fn search_error(e: hotline_search::Error) -> Error {
    Error::Internal(anyhow::anyhow!("search index: {e}"))
}

/// What the index holds of a ticket.
fn ticket_doc(row: TicketRow, replies: Vec<String>) -> TicketDoc {
    TicketDoc {
        id: row.id,
        number: row.number,
        title: row.title,
        content: row.content,
        address: row.address,
        replies,
        state: row.state.as_str().to_owned(),
        holder_org: row.holder_org_id,
        category: row.category_id,
        region: row.region_org_id,
        channel: row.channel.as_str().to_owned(),
        urgency: row.urgency.as_str().to_owned(),
        appeal_type: row.appeal_type.as_str().to_owned(),
        overdue: row.overdue,
        confidential: row.confidential,
        caller_phone_idx: row.caller_phone_idx,
        created_by: row.created_by,
        dispatched_by: row.dispatched_by_org_id,
        created_at: row.created_at,
        updated_at: row.updated_at,
        finish_due: row.finish_due,
    }
}
