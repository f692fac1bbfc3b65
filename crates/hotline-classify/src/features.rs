//! TF-IDF vectors over a vocabulary learnt from the training documents.
//!
//! A fitted vocabulary (not feature hashing) keeps the model small enough to serialise as JSON
//! and lets a weight be traced back to its n-gram when someone asks why a message went where.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::text::{self, TokenConfig};

/// Feature index and value, sorted by index, L2-normalised.
pub type SparseVec = Vec<(u32, f32)>;

/// How text becomes a vector; saved with the model.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(try_from = "VectorizerFile", into = "VectorizerFile")]
pub struct Vectorizer {
    tokens: TokenConfig,
    title_weight: f32,
    terms: Vec<String>,
    idf: Vec<f32>,
    index: HashMap<String, u32>,
}

/// The stored form: terms in sorted order, so the same training gives the same bytes.
#[derive(Serialize, Deserialize)]
struct VectorizerFile {
    tokens: TokenConfig,
    title_weight: f32,
    terms: Vec<String>,
    idf: Vec<f32>,
}

impl From<Vectorizer> for VectorizerFile {
    fn from(v: Vectorizer) -> Self {
        Self { tokens: v.tokens, title_weight: v.title_weight, terms: v.terms, idf: v.idf }
    }
}

impl TryFrom<VectorizerFile> for Vectorizer {
    type Error = String;
    fn try_from(f: VectorizerFile) -> Result<Self, String> {
        if f.terms.len() != f.idf.len() {
            return Err(format!("{} terms but {} idf values", f.terms.len(), f.idf.len()));
        }
        let index = f.terms.iter().enumerate().map(|(i, t)| (t.clone(), i as u32)).collect();
        Ok(Self {
            tokens: f.tokens,
            title_weight: f.title_weight,
            terms: f.terms,
            idf: f.idf,
            index,
        })
    }
}

/// One training document's text: a title counts `title_weight` times, as it is the citizen's
/// own one-line summary.
#[derive(Debug, Clone, Copy)]
pub struct DocText<'a> {
    pub title: &'a str,
    pub body: &'a str,
}

/// Raw (weighted) term counts of a document.
pub type Counts = HashMap<String, f32>;

/// Counts the terms of a document: tokenising is most of the cost of training, so it is done
/// once per document even when several models are fitted (calibration folds).
pub fn counts(doc: DocText<'_>, tokens: &TokenConfig, title_weight: f32) -> HashMap<String, f32> {
    let mut out: HashMap<String, f32> = HashMap::new();
    for (part, weight) in [(doc.title, title_weight), (doc.body, 1.0)] {
        if weight <= 0.0 || part.is_empty() {
            continue;
        }
        text::tokens(&text::normalise(part), tokens, |t| {
            if let Some(v) = out.get_mut(t) {
                *v += weight;
            } else {
                out.insert(t.to_owned(), weight);
            }
        });
    }
    out
}

/// Sublinear term frequency: the tenth mention of 噪音 says less than the first.
fn sublinear(tf: f32) -> f32 {
    if tf > 1.0 { 1.0 + tf.ln() } else { tf }
}

fn l2_normalise(v: &mut SparseVec) {
    let norm = v.iter().map(|&(_, x)| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        for (_, x) in v.iter_mut() {
            *x /= norm;
        }
    }
}

impl Vectorizer {
    /// Learns the vocabulary (terms in at least `min_df` documents) and smoothed idf from
    /// documents' [`counts`] (made with the same `tokens` and `title_weight`), and returns their
    /// vectors too.
    pub fn fit(
        all: &[&Counts],
        tokens: &TokenConfig,
        title_weight: f32,
        min_df: u32,
    ) -> (Self, Vec<SparseVec>) {
        let mut df: HashMap<&str, u32> = HashMap::new();
        for c in all {
            for t in c.keys() {
                *df.entry(t.as_str()).or_insert(0) += 1;
            }
        }
        let mut terms: Vec<&str> =
            df.iter().filter(|&(_, &n)| n >= min_df.max(1)).map(|(&t, _)| t).collect();
        terms.sort_unstable();
        let n = all.len() as f32;
        let idf = terms.iter().map(|t| ((1.0 + n) / (1.0 + df[t] as f32)).ln() + 1.0).collect();
        let terms: Vec<String> = terms.into_iter().map(str::to_owned).collect();
        let index = terms.iter().enumerate().map(|(i, t)| (t.clone(), i as u32)).collect();
        let v = Self { tokens: tokens.clone(), title_weight, terms, idf, index };
        let vectors = all.iter().map(|c| v.weigh(c)).collect();
        (v, vectors)
    }

    /// The vector of a new document; unknown terms are dropped.
    #[cfg(test)]
    pub fn transform(&self, doc: DocText<'_>) -> SparseVec {
        self.weigh(&self.count(doc))
    }

    /// The [`counts`] of a document as this vectorizer tokenises.
    pub fn count(&self, doc: DocText<'_>) -> Counts {
        counts(doc, &self.tokens, self.title_weight)
    }

    /// The vector of counted terms; unknown terms are dropped.
    pub fn weigh(&self, counts: &HashMap<String, f32>) -> SparseVec {
        let mut v: SparseVec = counts
            .iter()
            .filter_map(|(t, &tf)| {
                let &i = self.index.get(t)?;
                Some((i, sublinear(tf) * self.idf[i as usize]))
            })
            .collect();
        v.sort_unstable_by_key(|&(i, _)| i);
        l2_normalise(&mut v);
        v
    }

    /// Number of features.
    pub fn dim(&self) -> usize {
        self.terms.len()
    }

    /// The term behind a feature index, for explanations.
    pub fn term(&self, i: u32) -> Option<&str> {
        self.terms.get(i as usize).map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(body: &str) -> DocText<'_> {
        DocText { title: "", body }
    }

    fn fit(docs: &[DocText<'_>], cfg: &TokenConfig, min_df: u32) -> (Vectorizer, Vec<SparseVec>) {
        let all: Vec<Counts> = docs.iter().map(|d| counts(*d, cfg, 2.0)).collect();
        let refs: Vec<&Counts> = all.iter().collect();
        Vectorizer::fit(&refs, cfg, 2.0, min_df)
    }

    #[test]
    fn vectors_are_unit_length_and_sorted() {
        let cfg = TokenConfig { char_min: 1, char_max: 2, words: false };
        let (v, xs) = fit(&[doc("噪音扰民"), doc("噪音污染")], &cfg, 1);
        for x in &xs {
            let norm: f32 = x.iter().map(|&(_, a)| a * a).sum();
            assert!((norm - 1.0).abs() < 1e-5);
            assert!(x.windows(2).all(|w| w[0].0 < w[1].0));
        }
        // 噪 is in both documents, so it weighs less than 扰 in the first.
        let x = v.transform(doc("噪扰"));
        let w = |t: &str| x.iter().find(|&&(i, _)| v.term(i) == Some(t)).map(|&(_, a)| a);
        assert!(w("c:噪").unwrap() < w("c:扰").unwrap());
        assert!(v.transform(doc("完全无关")).is_empty());
    }

    #[test]
    fn min_df_prunes_rare_terms() {
        let cfg = TokenConfig { char_min: 1, char_max: 1, words: false };
        let (v, _) = fit(&[doc("甲乙"), doc("甲丙")], &cfg, 2);
        assert_eq!(v.dim(), 1);
        assert_eq!(v.term(0), Some("c:甲"));
    }

    #[test]
    fn round_trips_through_json() {
        let cfg = TokenConfig::default();
        let (v, _) = fit(&[doc("小区噪音扰民"), doc("社保卡补办")], &cfg, 1);
        let json = serde_json::to_string(&v).unwrap();
        let back: Vectorizer = serde_json::from_str(&json).unwrap();
        let d = DocText { title: "噪音", body: "社保卡" };
        assert_eq!(v.transform(d), back.transform(d));
        assert_eq!(json, serde_json::to_string(&back).unwrap());
    }
}
