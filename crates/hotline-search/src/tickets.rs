//! The ticket index: one document per registered ticket, its texts cut into words for search
//! and its work-list fields indexed for filters, so a search is scoped and filtered inside the
//! index (a page costs the same whether the caller sees ten tickets or a million). Texts are
//! not stored: the page's tickets are read from the database, and highlights made from them.

use std::collections::HashMap;
use std::ops::Bound;
use std::path::Path;
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{
    AllQuery, BooleanQuery, ConstScoreQuery, Occur, Query, QueryParser, RangeQuery, TermQuery,
    TermSetQuery,
};
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STRING, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::{TextAnalyzer, TokenizerManager};
use tantivy::{
    DocAddress, Index, IndexReader, IndexWriter, Order, ReloadPolicy, TantivyDocument, Term,
};
use uuid::Uuid;

use crate::highlight::{Highlight, Marker};
use crate::tokenizer::{JiebaTokenizer, Mode, Segmenter};
use crate::{Error, Result};

/// Bumped whenever the schema or what goes into a document changes: an index of another
/// version is rebuilt.
pub const SCHEMA_VERSION: u32 = 3;

pub(crate) const TOKENIZER: &str = "jieba";
/// Written into `holder_org` / `dispatched_by` when there is none, so "none" is a term too.
const NONE: &str = "-";

/// One ticket as the index sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct TicketDoc {
    pub id: Uuid,
    pub number: String,
    pub title: String,
    pub content: String,
    pub address: Option<String>,
    /// Every reply units have written (a reopened ticket has several).
    pub replies: Vec<String>,
    pub state: String,
    pub holder_org: Option<Uuid>,
    pub category: Option<Uuid>,
    /// The district, street or community the address names.
    pub region: Option<Uuid>,
    pub channel: String,
    pub urgency: String,
    pub appeal_type: String,
    pub overdue: bool,
    pub confidential: bool,
    pub caller_phone_idx: Option<String>,
    pub created_by: Option<Uuid>,
    /// The unit that dispatched it to its holder; `None` when the center did.
    pub dispatched_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub finish_due: Option<DateTime<Utc>>,
}

impl TicketDoc {
    /// A digest of everything indexed, kept with the document: `verify` recomputes it from the
    /// database and names the tickets whose document says something else.
    #[must_use]
    pub fn stamp(&self) -> u64 {
        use sha2::Digest as _;
        let mut hash = sha2::Sha256::new();
        let opt = |u: Option<Uuid>| u.map(|u| u.to_string()).unwrap_or_default();
        for part in [
            self.number.as_str(),
            &self.title,
            &self.content,
            self.address.as_deref().unwrap_or(""),
            &self.replies.join("\u{1}"),
            &self.state,
            &opt(self.holder_org),
            &opt(self.category),
            &opt(self.region),
            &self.channel,
            &self.urgency,
            &self.appeal_type,
            if self.overdue { "1" } else { "0" },
            if self.confidential { "1" } else { "0" },
            self.caller_phone_idx.as_deref().unwrap_or(""),
            &opt(self.created_by),
            &opt(self.dispatched_by),
            &self.created_at.timestamp_micros().to_string(),
            &self.updated_at.timestamp_micros().to_string(),
            &self.finish_due.map(|d| d.timestamp_micros().to_string()).unwrap_or_default(),
        ] {
            hash.update(part.as_bytes());
            hash.update([0]);
        }
        let digest = hash.finalize();
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(&digest[..8]);
        u64::from_le_bytes(bytes)
    }
}

/// The fields of the schema.
#[derive(Clone, Copy, Debug)]
struct Fields {
    /// Indexed, to replace or remove a ticket's document.
    id: Field,
    /// The id again as two fast numbers: a hit's id is read from a column, not from the document
    /// store (which would decompress a block per hit).
    id_high: Field,
    id_low: Field,
    stamp: Field,
    number: Field,
    title: Field,
    content: Field,
    address: Field,
    replies: Field,
    state: Field,
    holder_org: Field,
    category: Field,
    region: Field,
    channel: Field,
    urgency: Field,
    appeal_type: Field,
    overdue: Field,
    confidential: Field,
    caller_phone_idx: Field,
    created_by: Field,
    dispatched_by: Field,
    created_at: Field,
    updated_at: Field,
    finish_due: Field,
}

impl Fields {
    fn schema() -> (Schema, Self) {
        let mut b = Schema::builder();
        let text = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(TOKENIZER)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        );
        let fields = Self {
            id: b.add_text_field("id", STRING),
            id_high: b.add_u64_field("id_high", FAST),
            id_low: b.add_u64_field("id_low", FAST),
            stamp: b.add_u64_field("stamp", FAST),
            number: b.add_text_field("number", STRING),
            title: b.add_text_field("title", text.clone()),
            content: b.add_text_field("content", text.clone()),
            address: b.add_text_field("address", text.clone()),
            replies: b.add_text_field("replies", text),
            state: b.add_text_field("state", STRING),
            holder_org: b.add_text_field("holder_org", STRING),
            category: b.add_text_field("category", STRING),
            region: b.add_text_field("region", STRING),
            channel: b.add_text_field("channel", STRING),
            urgency: b.add_text_field("urgency", STRING),
            appeal_type: b.add_text_field("appeal_type", STRING),
            overdue: b.add_text_field("overdue", STRING),
            confidential: b.add_text_field("confidential", STRING),
            caller_phone_idx: b.add_text_field("caller_phone_idx", STRING),
            created_by: b.add_text_field("created_by", STRING),
            dispatched_by: b.add_text_field("dispatched_by", STRING),
            created_at: b.add_i64_field("created_at", INDEXED | FAST),
            updated_at: b.add_i64_field("updated_at", FAST),
            finish_due: b.add_i64_field("finish_due", FAST),
        };
        (b.build(), fields)
    }

    /// The fields a query may name: the texts and the number.
    fn searchable(&self) -> [Field; 5] {
        [self.number, self.title, self.content, self.address, self.replies]
    }

    fn document(&self, d: &TicketDoc) -> TantivyDocument {
        let mut doc = TantivyDocument::default();
        let id = |u: Option<Uuid>| u.map_or_else(|| NONE.to_owned(), |u| u.to_string());
        doc.add_text(self.id, d.id.to_string());
        let (high, low) = d.id.as_u64_pair();
        doc.add_u64(self.id_high, high);
        doc.add_u64(self.id_low, low);
        doc.add_u64(self.stamp, d.stamp());
        doc.add_text(self.number, &d.number);
        doc.add_text(self.title, &d.title);
        doc.add_text(self.content, &d.content);
        if let Some(address) = &d.address {
            doc.add_text(self.address, address);
        }
        for reply in &d.replies {
            doc.add_text(self.replies, reply);
        }
        doc.add_text(self.state, &d.state);
        doc.add_text(self.holder_org, id(d.holder_org));
        doc.add_text(self.category, id(d.category));
        doc.add_text(self.region, id(d.region));
        doc.add_text(self.channel, &d.channel);
        doc.add_text(self.urgency, &d.urgency);
        doc.add_text(self.appeal_type, &d.appeal_type);
        doc.add_text(self.overdue, flag(d.overdue));
        doc.add_text(self.confidential, flag(d.confidential));
        doc.add_text(self.caller_phone_idx, d.caller_phone_idx.as_deref().unwrap_or(NONE));
        doc.add_text(self.created_by, id(d.created_by));
        doc.add_text(self.dispatched_by, id(d.dispatched_by));
        doc.add_i64(self.created_at, d.created_at.timestamp_micros());
        doc.add_i64(self.updated_at, d.updated_at.timestamp_micros());
        // No deadline sorts last when the soonest comes first.
        doc.add_i64(self.finish_due, d.finish_due.map_or(i64::MAX, |t| t.timestamp_micros()));
        doc
    }
}

/// Documents with any of `terms`, scoring nothing. Up to a few dozen terms (a category's
/// subtree, a district's streets) are read as a union, skipping along with the rest of the
/// query; a set builds a bitset of the whole index for each search and only pays off for many
/// terms (at 16 the category subtree still took the set: 64 cut the CPU per suggestion by a
/// quarter, measured).
fn any_of(terms: Vec<Term>) -> Box<dyn Query> {
    const UNION_UP_TO: usize = 64;
    let set: Box<dyn Query> = if terms.len() <= UNION_UP_TO {
        Box::new(BooleanQuery::union(
            terms
                .into_iter()
                .map(|t| Box::new(TermQuery::new(t, IndexRecordOption::Basic)) as Box<dyn Query>)
                .collect(),
        ))
    } else {
        Box::new(TermSetQuery::new(terms))
    };
    Box::new(ConstScoreQuery::new(set, 0.0))
}

const fn flag(v: bool) -> &'static str {
    if v { "true" } else { "false" }
}

/// What a search may be narrowed to: the work lists' filters, already resolved to ids (an org
/// subtree to its orgs, a category to it and its descendants). Every `Some` must hold.
#[derive(Clone, Debug, Default)]
pub struct Filters {
    pub states: Vec<String>,
    /// Held by one of these orgs (the caller's data scope, an org filter).
    pub holder_orgs_any: Vec<Vec<Uuid>>,
    pub holder_org: Option<Uuid>,
    pub categories: Option<Vec<Uuid>>,
    /// In one of these regions (a district and everything under it).
    pub regions: Option<Vec<Uuid>>,
    pub channel: Option<String>,
    pub urgency: Option<String>,
    pub appeal_type: Option<String>,
    pub overdue: Option<bool>,
    pub created_from: Option<DateTime<Utc>>,
    pub created_to: Option<DateTime<Utc>>,
    pub caller_phone_idx: Option<String>,
    pub created_by: Option<Uuid>,
    /// `Some(None)`: dispatched by the center.
    pub dispatched_by: Option<Option<Uuid>>,
    pub numbers: Vec<String>,
    pub confidential: Option<bool>,
}

/// The order of results.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sort {
    #[default]
    Relevance,
    Newest,
    Oldest,
    FinishDue,
    Updated,
}

/// One search.
#[derive(Clone, Debug)]
pub struct Search<'a> {
    /// Tantivy's query language (see [`crate::query::prepare`]); empty means every ticket.
    pub query: &'a str,
    pub filters: &'a Filters,
    pub sort: Sort,
    pub offset: usize,
    pub limit: usize,
}

/// A page of results: ids in order with their scores, and how many matched in all.
#[derive(Debug)]
pub struct Found {
    pub hits: Vec<(Uuid, f32)>,
    /// Exact up to [`COUNT_CAP`]; at the cap, "at least".
    pub total: u64,
    pub capped: bool,
    query: Box<dyn Query>,
}

/// Matches are counted exactly up to this many (as the work lists count): a common word matches
/// a third of a million tickets, and counting them all costs more than finding the best page.
pub const COUNT_CAP: usize = 10_000;

/// Counts matches, stopping at a cap in each segment.
struct CappedCount(usize);

impl tantivy::collector::Collector for CappedCount {
    type Fruit = usize;
    type Child = <Count as tantivy::collector::Collector>::Child;

    fn for_segment(
        &self,
        segment: tantivy::SegmentOrdinal,
        reader: &tantivy::SegmentReader,
    ) -> tantivy::Result<Self::Child> {
        Count.for_segment(segment, reader)
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, counts: Vec<usize>) -> tantivy::Result<usize> {
        Ok(counts.into_iter().sum::<usize>().min(self.0))
    }

    fn collect_segment(
        &self,
        weight: &dyn tantivy::query::Weight,
        _segment: u32,
        reader: &tantivy::SegmentReader,
    ) -> tantivy::Result<usize> {
        use tantivy::DocSet as _;
        let mut scorer = weight.scorer(reader, 1.0)?;
        let alive = reader.alive_bitset();
        let mut n = 0;
        let mut doc = scorer.doc();
        while doc != tantivy::TERMINATED && n < self.0 {
            if alive.is_none_or(|a| a.is_alive(doc)) {
                n += 1;
            }
            doc = scorer.advance();
        }
        Ok(n)
    }
}

/// Marks a page's texts; see [`TicketIndex::highlighter`].
pub struct Highlighter {
    markers: Vec<(&'static str, Marker)>,
}

impl Highlighter {
    /// Highlights of `texts` (field name → text, as the database has it now); fields without
    /// a match are left out.
    #[must_use]
    pub fn marks(&self, texts: &[(&'static str, &str)]) -> Vec<Highlight> {
        texts
            .iter()
            .filter_map(|(name, text)| {
                let (field, marker) = self.markers.iter().find(|(n, _)| n == name)?;
                marker.mark(field, text)
            })
            .collect()
    }
}

/// The ticket index of one directory.
pub struct TicketIndex {
    index: Index,
    reader: IndexReader,
    writer: Mutex<Option<IndexWriter>>,
    fields: Fields,
    /// Queries are cut without the inner words documents carry.
    parser: QueryParser,
    segmenter: Segmenter,
}

impl std::fmt::Debug for TicketIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TicketIndex").field("docs", &self.docs()).finish_non_exhaustive()
    }
}

/// Words of an appeal a look-alike is looked for by, at most.
const SIMILAR_WORDS: usize = 12;

/// Memory for the writer that follows changes (the rebuild takes more).
const FOLLOW_HEAP: usize = 32 << 20;

impl TicketIndex {
    /// A new, empty index in `dir` (created; must not hold an index).
    pub fn create(dir: &Path, segmenter: &Segmenter) -> Result<Self> {
        std::fs::create_dir_all(dir)?;
        let (schema, fields) = Fields::schema();
        let index = Index::builder()
            .schema(schema)
            .tokenizers(tokenizers(segmenter, Mode::Index))
            .create_in_dir(dir)?;
        Self::wrap(index, fields, segmenter)
    }

    /// The index in `dir`, made with this schema and these words, or why not.
    pub fn open(dir: &Path, segmenter: &Segmenter) -> Result<Self> {
        let mut index = Index::open_in_dir(dir)?;
        let (schema, fields) = Fields::schema();
        if index.schema() != schema {
            return Err(Error::Outdated("schema"));
        }
        index.set_tokenizers(tokenizers(segmenter, Mode::Index));
        Self::wrap(index, fields, segmenter)
    }

    fn wrap(index: Index, fields: Fields, segmenter: &Segmenter) -> Result<Self> {
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        let mut parser = QueryParser::new(
            index.schema(),
            fields.searchable().to_vec(),
            tokenizers(segmenter, Mode::Query),
        );
        parser.set_conjunction_by_default();
        parser.set_field_boost(fields.number, 5.0);
        parser.set_field_boost(fields.title, 2.0);
        Ok(Self {
            index,
            reader,
            writer: Mutex::new(None),
            fields,
            parser,
            segmenter: segmenter.clone(),
        })
    }

    #[must_use]
    pub fn segmenter(&self) -> &Segmenter {
        &self.segmenter
    }

    /// Documents searchable now.
    #[must_use]
    pub fn docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Replaces the documents of `docs` and removes those of `gone`; [`commit`](Self::commit)
    /// makes the change searchable. One writer per index. `Some(heap)` is a bulk load into a new
    /// index (the rebuild): the writer gets that much memory and two threads, and documents are
    /// only added, as each ticket comes once.
    pub fn apply(&self, docs: &[TicketDoc], gone: &[Uuid], heap: Option<usize>) -> Result<()> {
        let mut slot = self.writer.lock().map_err(|_| Error::Poisoned)?;
        if slot.is_none() {
            let threads = if heap.is_some() { 2 } else { 1 };
            *slot = Some(self.index.writer_with_num_threads(threads, heap.unwrap_or(FOLLOW_HEAP))?);
        }
        let Some(writer) = slot.as_mut() else { return Err(Error::Poisoned) };
        if heap.is_none() {
            for id in gone.iter().chain(docs.iter().map(|d| &d.id)) {
                writer.delete_term(Term::from_field_text(self.fields.id, &id.to_string()));
            }
        }
        for doc in docs {
            writer.add_document(self.fields.document(doc))?;
        }
        Ok(())
    }

    /// Commits what [`apply`](Self::apply) added and makes it searchable.
    pub fn commit(&self) -> Result<()> {
        let mut slot = self.writer.lock().map_err(|_| Error::Poisoned)?;
        if let Some(writer) = slot.as_mut() {
            writer.commit()?;
        }
        drop(slot);
        self.reader.reload()?;
        Ok(())
    }

    /// Lets go of the writer (and its memory and lock) once a bulk load is done, waiting for
    /// its merges.
    pub fn release_writer(&self) -> Result<()> {
        let writer = self.writer.lock().map_err(|_| Error::Poisoned)?.take();
        if let Some(writer) = writer {
            writer.wait_merging_threads()?;
        }
        Ok(())
    }

    /// Parses a prepared query; the errors are the person's, to be shown to them.
    pub fn parse(&self, query: &str) -> Result<Box<dyn Query>> {
        if query.trim().is_empty() {
            return Ok(Box::new(AllQuery));
        }
        let parsed = self.parser.parse_query(query).map_err(|e| Error::Query(e.to_string()))?;
        let searchable = self.fields.searchable();
        let mut other = None;
        parsed.query_terms(&mut |term, _| {
            if !searchable.contains(&term.field()) {
                other = Some(self.index.schema().get_field_name(term.field()).to_owned());
            }
        });
        match other {
            Some(field) => Err(Error::Query(format!("field {field} cannot be searched"))),
            None => Ok(parsed),
        }
    }

    /// One page of the tickets matching `search`.
    pub fn search(&self, search: &Search<'_>) -> Result<Found> {
        let text = self.parse(search.query)?;
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, text.box_clone())];
        clauses.extend(self.filter_clauses(search.filters).into_iter().map(|q| (Occur::Must, q)));
        let query = BooleanQuery::new(clauses);
        let searcher = self.reader.searcher();
        let top = TopDocs::with_limit(search.limit.max(1)).and_offset(search.offset);
        // Apart, so the best page is found with block-max pruning and the count stops at its cap.
        let addresses: Vec<(f32, DocAddress)> = match search.sort {
            Sort::Relevance => searcher.search(&query, &top.order_by_score())?,
            Sort::Newest | Sort::Oldest | Sort::FinishDue | Sort::Updated => {
                let (field, order) = match search.sort {
                    Sort::Oldest => ("created_at", Order::Asc),
                    Sort::FinishDue => ("finish_due", Order::Asc),
                    Sort::Updated => ("updated_at", Order::Desc),
                    Sort::Newest | Sort::Relevance => ("created_at", Order::Desc),
                };
                let docs =
                    searcher.search(&query, &top.order_by_fast_field::<i64>(field, order))?;
                docs.into_iter().map(|(_, a)| (0.0, a)).collect()
            }
        };
        let total = searcher.search(&query, &CappedCount(COUNT_CAP))?;
        let hits = ids_of(&searcher, addresses)?;
        Ok(Found { hits, total: total as u64, capped: total >= COUNT_CAP, query: text })
    }

    /// Tickets whose title or content shares telling words with `text` (its rarest words; more
    /// of them, and rarer, rank higher), within `filters`: the look-alikes intake offers to
    /// merge into.
    pub fn similar(&self, text: &str, filters: &Filters, limit: usize) -> Result<Vec<(Uuid, f32)>> {
        let searcher = self.reader.searcher();
        // Like "more like this": only the text's telling words, the rarest first. Words in a
        // twentieth of all tickets or more (小区, 反映) say little and cost most to read.
        let common = (searcher.num_docs() / 20).max(50);
        let mut seen = std::collections::HashSet::new();
        let mut telling: Vec<(u64, String)> = Vec::new();
        for token in self.segmenter.tokens(text, Mode::Query) {
            if token.text.chars().count() < 2 || !seen.insert(token.text.clone()) {
                continue;
            }
            let df = searcher.doc_freq(&Term::from_field_text(self.fields.content, &token.text))?;
            if (1..common).contains(&df) {
                telling.push((df, token.text));
            }
        }
        telling.sort();
        telling.truncate(SIMILAR_WORDS);
        let words: Vec<Box<dyn Query>> = telling
            .iter()
            .flat_map(|(_, word)| {
                [(self.fields.title, 2.0), (self.fields.content, 1.0)].map(|(field, boost)| {
                    Box::new(tantivy::query::BoostQuery::new(
                        Box::new(TermQuery::new(
                            Term::from_field_text(field, word),
                            IndexRecordOption::WithFreqs,
                        )),
                        boost,
                    )) as Box<dyn Query>
                })
            })
            .collect();
        if words.is_empty() {
            return Ok(Vec::new());
        }
        let mut clauses: Vec<(Occur, Box<dyn Query>)> =
            vec![(Occur::Must, Box::new(BooleanQuery::union(words)))];
        clauses.extend(self.filter_clauses(filters).into_iter().map(|q| (Occur::Must, q)));
        let top = searcher.search(
            &BooleanQuery::new(clauses),
            &TopDocs::with_limit(limit.max(1)).order_by_score(),
        )?;
        ids_of(&searcher, top)
    }

    fn filter_clauses(&self, f: &Filters) -> Vec<Box<dyn Query>> {
        let f_ = &self.fields;
        let mut out: Vec<Box<dyn Query>> = Vec::new();
        let any = |field: Field, values: &mut dyn Iterator<Item = String>| -> Box<dyn Query> {
            let terms: Vec<Term> = values.map(|v| Term::from_field_text(field, &v)).collect();
            any_of(terms)
        };
        let one = |field: Field, value: &str| any_of(vec![Term::from_field_text(field, value)]);
        if !f.states.is_empty() {
            out.push(any(f_.state, &mut f.states.iter().cloned()));
        }
        for orgs in &f.holder_orgs_any {
            out.push(any(f_.holder_org, &mut orgs.iter().map(Uuid::to_string)));
        }
        if let Some(org) = f.holder_org {
            out.push(one(f_.holder_org, &org.to_string()));
        }
        if let Some(categories) = &f.categories {
            out.push(any(f_.category, &mut categories.iter().map(Uuid::to_string)));
        }
        if let Some(regions) = &f.regions {
            out.push(any(f_.region, &mut regions.iter().map(Uuid::to_string)));
        }
        for (field, value) in [
            (f_.channel, &f.channel),
            (f_.urgency, &f.urgency),
            (f_.appeal_type, &f.appeal_type),
            (f_.caller_phone_idx, &f.caller_phone_idx),
        ] {
            if let Some(v) = value {
                out.push(one(field, v));
            }
        }
        if let Some(v) = f.overdue {
            out.push(one(f_.overdue, flag(v)));
        }
        if let Some(v) = f.confidential {
            out.push(one(f_.confidential, flag(v)));
        }
        if let Some(v) = f.created_by {
            out.push(one(f_.created_by, &v.to_string()));
        }
        if let Some(v) = f.dispatched_by {
            out.push(one(f_.dispatched_by, &v.map_or_else(|| NONE.to_owned(), |u| u.to_string())));
        }
        if !f.numbers.is_empty() {
            out.push(any(f_.number, &mut f.numbers.iter().cloned()));
        }
        if f.created_from.is_some() || f.created_to.is_some() {
            let term = |t: DateTime<Utc>| Term::from_field_i64(f_.created_at, t.timestamp_micros());
            out.push(Box::new(RangeQuery::new(
                f.created_from.map_or(Bound::Unbounded, |t| Bound::Included(term(t))),
                f.created_to.map_or(Bound::Unbounded, |t| Bound::Excluded(term(t))),
            )));
        }
        out
    }

    /// What marks the words of `found` in the texts of its hits (made once per page: each
    /// field's words weighed by how rare they are).
    #[must_use]
    pub fn highlighter(&self, found: &Found) -> Highlighter {
        let searcher = self.reader.searcher();
        let markers = ["title", "content", "address", "replies"]
            .into_iter()
            .filter_map(|name| {
                let field = self.field_named(name)?;
                let marker = Marker::new(
                    query_words(&searcher, &*found.query, field),
                    if name == "title" { 200 } else { 120 },
                )?;
                Some((name, marker))
            })
            .collect();
        Highlighter { markers }
    }

    fn field_named(&self, name: &str) -> Option<Field> {
        match name {
            "title" => Some(self.fields.title),
            "content" => Some(self.fields.content),
            "address" => Some(self.fields.address),
            "replies" => Some(self.fields.replies),
            _ => None,
        }
    }

    /// Every document's ticket id and stamp, for `verify`.
    pub fn stamps(&self) -> Result<HashMap<Uuid, u64>> {
        let searcher = self.reader.searcher();
        let mut out = HashMap::with_capacity(usize::try_from(searcher.num_docs()).unwrap_or(0));
        for segment in searcher.segment_readers() {
            let Some((high, low)) = id_columns(segment) else { continue };
            let stamps = segment.fast_fields().u64("stamp")?;
            for doc in segment.doc_ids_alive() {
                if let (Some(high), Some(low), Some(stamp)) =
                    (high.first(doc), low.first(doc), stamps.first(doc))
                {
                    out.insert(Uuid::from_u64_pair(high, low), stamp);
                }
            }
        }
        Ok(out)
    }
}

/// The ids (in the fast fields `id_high` and `id_low`) of scored hits, in their order.
pub(crate) fn ids_of(
    searcher: &tantivy::Searcher,
    hits: Vec<(f32, DocAddress)>,
) -> Result<Vec<(Uuid, f32)>> {
    let columns: Vec<Option<IdColumns>> =
        searcher.segment_readers().iter().map(id_columns).collect();
    hits.into_iter()
        .map(|(score, address)| {
            let doc = address.doc_id;
            let id = columns.get(address.segment_ord as usize).and_then(Option::as_ref).and_then(
                |(high, low)| Some(Uuid::from_u64_pair(high.first(doc)?, low.first(doc)?)),
            );
            Ok((id.ok_or(Error::Outdated("document without id"))?, score))
        })
        .collect()
}

/// A segment's id columns (the id as two numbers), if it has them.
type IdColumns = (tantivy::columnar::Column<u64>, tantivy::columnar::Column<u64>);

fn id_columns(segment: &tantivy::SegmentReader) -> Option<IdColumns> {
    let fast = segment.fast_fields();
    Some((fast.u64("id_high").ok()?, fast.u64("id_low").ok()?))
}

/// The words `query` looks for in `field`, each weighed as tantivy's snippets weigh them: the
/// rarer, the heavier.
pub(crate) fn query_words(
    searcher: &tantivy::Searcher,
    query: &dyn Query,
    field: Field,
) -> Vec<(String, f32)> {
    let mut words: Vec<(String, f32)> = Vec::new();
    query.query_terms(&mut |term, _| {
        if term.field() != field {
            return;
        }
        let value = term.value();
        let Some(text) = value.as_str() else { return };
        if words.iter().any(|(w, _)| w == text) {
            return;
        }
        let df = searcher.doc_freq(term).unwrap_or(0);
        words.push((text.to_owned(), 1.0 / (1.0 + df as f32)));
    });
    words
}

pub(crate) fn tokenizers(segmenter: &Segmenter, mode: Mode) -> TokenizerManager {
    let manager = TokenizerManager::default();
    manager.register(
        TOKENIZER,
        TextAnalyzer::builder(JiebaTokenizer::new(segmenter.clone(), mode)).build(),
    );
    manager
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(title: &str, content: &str, holder: Option<Uuid>) -> TicketDoc {
        let at = DateTime::from_timestamp(1_790_000_000, 0).unwrap_or_default();
        TicketDoc {
            id: Uuid::now_v7(),
            number: format!("20261123{:05}", title.len()),
            title: title.to_owned(),
            content: content.to_owned(),
            address: Some("东城区东华门街道".to_owned()),
            replies: vec![],
            state: "dispatched".to_owned(),
            holder_org: holder,
            category: None,
            region: None,
            channel: "phone".to_owned(),
            urgency: "normal".to_owned(),
            appeal_type: "complaint".to_owned(),
            overdue: false,
            confidential: false,
            caller_phone_idx: None,
            created_by: None,
            dispatched_by: None,
            created_at: at,
            updated_at: at,
            finish_due: None,
        }
    }

    fn ids(found: &Found) -> Vec<Uuid> {
        found.hits.iter().map(|h| h.0).collect()
    }

    #[test]
    fn finds_chinese_words_within_scope_and_marks_them() -> Result<()> {
        let dir = tempfile::tempdir()?;
        let segmenter = Segmenter::new(["东华门街道"]);
        let index = TicketIndex::create(dir.path(), &segmenter)?;
        let (unit_a, unit_b) = (Uuid::now_v7(), Uuid::now_v7());
        let noise = doc("小区夜间施工噪音扰民", "工地每晚十点后还在施工，噪音很大", Some(unit_a));
        let permit = doc("咨询居住证办理", "想了解办理居住证需要什么材料", Some(unit_b));
        index.apply(&[noise.clone(), permit.clone()], &[], None)?;
        index.commit()?;
        let everyone = Filters::default();
        let search = |q: &str, filters: &Filters| {
            let query = crate::query::prepare(q, &segmenter);
            index.search(&Search {
                query: &query,
                filters,
                sort: Sort::Relevance,
                offset: 0,
                limit: 10,
            })
        };
        assert_eq!(ids(&search("噪音", &everyone)?), vec![noise.id]);
        // A word inside a longer word, and words apart, are found; a phrase needs them together.
        assert_eq!(ids(&search("居住", &everyone)?), vec![permit.id]);
        assert_eq!(ids(&search("居住证材料", &everyone)?), vec![permit.id]);
        assert!(search("\"居住证材料\"", &everyone)?.hits.is_empty());
        assert_eq!(ids(&search("\"办理 居住证\"", &everyone)?), vec![permit.id]);
        assert_eq!(search("东华门街道", &everyone)?.total, 2);
        assert_eq!(ids(&search(&permit.number, &everyone)?), vec![permit.id]);
        // Scope: a unit's search never reaches another unit's tickets.
        let only_a = Filters { holder_orgs_any: vec![vec![unit_a]], ..Filters::default() };
        assert!(search("居住证", &only_a)?.hits.is_empty());
        assert_eq!(search("", &only_a)?.total, 1);
        // Bad syntax and filter fields are the person's error.
        assert!(matches!(search("(噪音", &everyone), Err(Error::Query(_))));
        assert!(matches!(search("holder_org:x", &everyone), Err(Error::Query(_))));
        let found = search("噪音", &everyone)?;
        let marks = index
            .highlighter(&found)
            .marks(&[("title", &noise.title), ("content", &noise.content)]);
        let title = marks.iter().find(|h| h.field == "title").ok_or(Error::Poisoned)?;
        let (from, to) = title.ranges[0];
        assert_eq!(title.fragment.chars().skip(from).take(to - from).collect::<String>(), "噪音");
        // Replacing a document keeps one; stamps follow the content.
        let mut moved = noise.clone();
        moved.holder_org = Some(unit_b);
        index.apply(&[moved.clone()], &[permit.id], None)?;
        index.commit()?;
        let stamps = index.stamps()?;
        assert_eq!(stamps.len(), 1);
        assert_eq!(stamps.get(&noise.id), Some(&moved.stamp()));
        assert_ne!(noise.stamp(), moved.stamp());
        Ok(())
    }

    #[test]
    fn highlights_survive_long_words_across_fragments() -> Result<()> {
        let dir = tempfile::tempdir()?;
        let segmenter = Segmenter::new([]);
        let index = TicketIndex::create(dir.path(), &segmenter)?;
        let text = "中华人民共和国国务院办公厅发布通知，".repeat(40);
        index.apply(&[doc("通知", &text, None)], &[], None)?;
        index.commit()?;
        let filters = Filters::default();
        let found = index.search(&Search {
            query: "国务院 通知",
            filters: &filters,
            sort: Sort::Relevance,
            offset: 0,
            limit: 5,
        })?;
        let marks = index.highlighter(&found).marks(&[("content", &text)]);
        assert!(!marks.is_empty() && !marks[0].ranges.is_empty(), "{marks:?}");
        Ok(())
    }

    #[test]
    fn counting_stops_at_the_cap() -> Result<()> {
        let dir = tempfile::tempdir()?;
        let segmenter = Segmenter::new([]);
        let index = TicketIndex::create(dir.path(), &segmenter)?;
        let docs: Vec<TicketDoc> = (0..30).map(|_| doc("路灯不亮", "路灯坏了", None)).collect();
        index.apply(&docs, &[], None)?;
        index.commit()?;
        let query = index.parse("路灯")?;
        let searcher = index.reader.searcher();
        assert_eq!(searcher.search(&*query, &CappedCount(10))?, 10);
        assert_eq!(searcher.search(&*query, &CappedCount(100))?, 30);
        let filters = Filters::default();
        let found = index.search(&Search {
            query: "路灯",
            filters: &filters,
            sort: Sort::Newest,
            offset: 0,
            limit: 5,
        })?;
        assert_eq!((found.hits.len(), found.total, found.capped), (5, 30, false));
        Ok(())
    }
}
