//! The knowledge base's index: few documents (hundreds, a few thousand), kept in memory and
//! built again whenever an article changes. An agent's question is matched word by word (any
//! word counts, more words and rarer ones count more), titles and search words first.

use tantivy::collector::TopDocs;
use tantivy::query::QueryParser;
use tantivy::schema::{FAST, Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions};
use tantivy::{Index, IndexReader, TantivyDocument};
use uuid::Uuid;

use crate::Result;
use crate::highlight::{Highlight, Marker};
use crate::tokenizer::{Mode, Segmenter};

/// One article as the index sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArticleDoc {
    pub id: Uuid,
    pub title: String,
    pub keywords: String,
    pub body: String,
    pub reply_template: String,
}

/// The articles' index, in memory.
pub struct ArticleIndex {
    reader: IndexReader,
    parser: QueryParser,
    body: Field,
    segmenter: Segmenter,
}

impl std::fmt::Debug for ArticleIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ArticleIndex").field("docs", &self.reader.searcher().num_docs()).finish()
    }
}

impl ArticleIndex {
    pub fn build(segmenter: &Segmenter, docs: &[ArticleDoc]) -> Result<Self> {
        let mut b = Schema::builder();
        let text = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(crate::tickets::TOKENIZER)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        );
        // The id as the ticket index keeps it, so hits are read the same way.
        let id_high = b.add_u64_field("id_high", FAST);
        let id_low = b.add_u64_field("id_low", FAST);
        let title = b.add_text_field("title", text.clone());
        let keywords = b.add_text_field("keywords", text.clone());
        let body = b.add_text_field("body", text.clone());
        let template = b.add_text_field("reply_template", text);
        let index = Index::builder()
            .schema(b.build())
            .tokenizers(crate::tickets::tokenizers(segmenter, Mode::Index))
            .create_in_ram()?;
        let mut writer = index.writer_with_num_threads(1, 15_000_000)?;
        for d in docs {
            let mut doc = TantivyDocument::default();
            let (high, low) = d.id.as_u64_pair();
            doc.add_u64(id_high, high);
            doc.add_u64(id_low, low);
            doc.add_text(title, &d.title);
            doc.add_text(keywords, &d.keywords);
            doc.add_text(body, &d.body);
            doc.add_text(template, &d.reply_template);
            writer.add_document(doc)?;
        }
        writer.commit()?;
        let reader = index.reader()?;
        let mut parser = QueryParser::new(
            index.schema(),
            vec![title, keywords, body, template],
            crate::tickets::tokenizers(segmenter, Mode::Query),
        );
        parser.set_field_boost(title, 3.0);
        parser.set_field_boost(keywords, 3.0);
        Ok(Self { reader, parser, body, segmenter: segmenter.clone() })
    }

    /// The best `limit` articles for `words` (the words of an agent's question), best first.
    pub fn search(&self, words: &[String], limit: usize) -> Result<Vec<(Uuid, f32)>> {
        let Some(query) = self.query(words) else { return Ok(Vec::new()) };
        let searcher = self.reader.searcher();
        let top = searcher.search(&*query, &TopDocs::with_limit(limit.max(1)).order_by_score())?;
        crate::tickets::ids_of(&searcher, top)
    }

    /// Any of the words, each cut as queries are (a word is never a phrase here).
    fn query(&self, words: &[String]) -> Option<Box<dyn tantivy::query::Query>> {
        let text: Vec<String> = words
            .iter()
            .flat_map(|w| self.segmenter.tokens(w, Mode::Query))
            .map(|t| t.text)
            .filter(|t| t.chars().all(char::is_alphanumeric))
            .collect();
        if text.is_empty() {
            return None;
        }
        Some(self.parser.parse_query_lenient(&text.join(" ")).0)
    }

    /// A snippet of `body` (as the reader sees it) with `words` marked, if any is in it.
    #[must_use]
    pub fn snippet(&self, words: &[String], body: &str) -> Option<Highlight> {
        let query = self.query(words)?;
        let searcher = self.reader.searcher();
        Marker::new(crate::tickets::query_words(&searcher, &*query, self.body), 120)?
            .mark("body", body)
    }
}
