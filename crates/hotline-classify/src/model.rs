//! The classifier: TF-IDF features, one linear SVM per label (one-vs-rest) with complement naive
//! Bayes blended into its weights, the tree's keywords added to the margins, and a softmax whose
//! temperature is fitted on held-out margins so the scores read as rough probabilities.
//!
//! The defaults were chosen by 5-fold stratified cross-validation on the 305 shared messages
//! (seeds 1–3) and checked on ten other seeds: see `examples/cv.rs` and the crate's tests.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::Error;
use crate::data::{Example, Taxonomy};
use crate::features::{self, Counts, DocText, SparseVec, Vectorizer};
use crate::lexicon::Lexicon;
use crate::nb;
use crate::rng::Rng;
use crate::svm::{self, Hyperplane, SvmOptions};
use crate::text::{self, TokenConfig};

/// How the category tree enters training.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaxonomyDocs {
    /// Not at all.
    None,
    /// One short document per path (its names), labelled with the path's label at the level.
    PerPath,
    /// One document per label holding every name below it.
    PerLabel,
}

/// Everything that decides a trained model; stored with it so a retrain can repeat it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TrainConfig {
    /// Depth of the labels (1 = first level). Messages carry labels at this depth.
    pub level: usize,
    pub tokens: TokenConfig,
    /// A title counts this many times its body words.
    pub title_weight: f32,
    /// Terms must appear in at least this many training documents.
    pub min_df: u32,
    pub taxonomy_docs: TaxonomyDocs,
    /// A taxonomy document's cost relative to a message's: names are clean but not how citizens write.
    pub taxonomy_weight: f32,
    /// Also predict labels that only the taxonomy knows (no labelled message). Off by default:
    /// with nothing but names to learn from they would be guessed badly and steal good answers.
    pub taxonomy_only_labels: bool,
    /// Scale of the tree-keyword evidence features (module `lexicon`); 0 leaves them out.
    pub lexicon_weight: f32,
    /// Tree-keyword evidence added straight to each label's margin, times this; 0 for none.
    pub lexicon_boost: f32,
    /// Blend of complement naive Bayes weights into the SVM's (module `nb`); 0 for none.
    pub nb_weight: f32,
    /// SVM cost.
    pub c: f32,
    /// Weigh classes inversely to their message counts, so small classes are not drowned.
    pub balanced: bool,
    /// Internal folds to fit the score temperature; below 2 uses `temperature`.
    pub calibration_folds: usize,
    /// Softmax temperature when not fitted.
    pub temperature: f32,
    pub seed: u64,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            level: 1,
            tokens: TokenConfig::default(),
            title_weight: 2.0,
            min_df: 2,
            taxonomy_docs: TaxonomyDocs::PerPath,
            taxonomy_weight: 0.3,
            taxonomy_only_labels: false,
            lexicon_weight: 0.0,
            lexicon_boost: 0.2,
            nb_weight: 0.1,
            c: 0.3,
            balanced: true,
            calibration_folds: 3,
            temperature: 3.0,
            seed: 19,
        }
    }
}

/// A trained model, ready for [`Classifier::predict`]; serialise it with serde to hand a
/// retrained model to the server.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Classifier {
    config: TrainConfig,
    labels: Vec<String>,
    vectorizer: Vectorizer,
    /// Tree keywords, when `lexicon_weight` or `lexicon_boost` is above 0: their evidence
    /// follows the n-gram features and/or is added to the margins.
    lexicon: Option<Lexicon>,
    /// Per label: weights over the vectorizer's features, then the lexicon's (one per label).
    weights: Vec<Vec<f32>>,
    biases: Vec<f32>,
    /// Softmax temperature applied to the SVM margins.
    temperature: f32,
}

/// A training document, its terms counted once (most of the cost of training), with its label
/// index and relative cost.
struct Doc {
    counts: Counts,
    /// Tree-keyword evidence, for messages when the model uses the lexicon.
    evidence: Option<Vec<f32>>,
    label: usize,
    weight: f32,
    /// A labelled message (not a tree document).
    message: bool,
}

/// Builds the training documents: messages whose label is known, then taxonomy documents.
fn documents(
    examples: &[Example],
    taxonomy: &Taxonomy,
    config: &TrainConfig,
    labels: &[String],
) -> Vec<Doc> {
    let index: BTreeMap<&str, usize> =
        labels.iter().enumerate().map(|(i, l)| (l.as_str(), i)).collect();
    let count = |title: &str, body: &str| {
        features::counts(DocText { title, body }, &config.tokens, config.title_weight)
    };
    let mut docs: Vec<Doc> = examples
        .iter()
        .filter_map(|e| {
            let &label = index.get(e.label.as_str())?;
            Some(Doc {
                counts: count(&e.title, &e.body),
                evidence: None,
                label,
                weight: 1.0,
                message: true,
            })
        })
        .collect();
    let labelled = taxonomy.paths.iter().filter_map(|p| {
        let label = Taxonomy::label(p, config.level)?;
        let &i = index.get(label.as_str())?;
        Some((i, p.join(" ")))
    });
    match config.taxonomy_docs {
        TaxonomyDocs::None => {}
        TaxonomyDocs::PerPath => docs.extend(labelled.map(|(label, body)| Doc {
            counts: count("", &body),
            evidence: None,
            label,
            weight: config.taxonomy_weight,
            message: false,
        })),
        TaxonomyDocs::PerLabel => {
            let mut per: BTreeMap<usize, BTreeSet<String>> = BTreeMap::new();
            for (label, body) in labelled {
                per.entry(label).or_default().extend(body.split(' ').map(str::to_owned));
            }
            docs.extend(per.into_iter().map(|(label, names)| Doc {
                counts: count("", &names.into_iter().collect::<Vec<_>>().join(" ")),
                evidence: None,
                label,
                weight: config.taxonomy_weight,
                message: false,
            }));
        }
    }
    docs
}

/// The label set: every message label, plus the taxonomy's when asked; sorted, so indices are stable.
fn label_set(examples: &[Example], taxonomy: &Taxonomy, config: &TrainConfig) -> Vec<String> {
    let mut labels: BTreeSet<String> = examples.iter().map(|e| e.label.clone()).collect();
    if config.taxonomy_only_labels || examples.is_empty() {
        labels.extend(taxonomy.paths.iter().filter_map(|p| Taxonomy::label(p, config.level)));
    }
    labels.into_iter().collect()
}

/// The fitted parts before calibration.
struct Core {
    vectorizer: Vectorizer,
    planes: Vec<Hyperplane>,
}

/// Tree-keyword evidence per label of a message (title or body, whichever says more).
fn evidence(lexicon: &Lexicon, doc: DocText<'_>, n_labels: usize) -> Vec<f32> {
    let mut ev = lexicon.evidence(&text::normalise(doc.body), n_labels);
    if !doc.title.is_empty() {
        for (e, t) in ev.iter_mut().zip(lexicon.evidence(&text::normalise(doc.title), n_labels)) {
            *e = e.max(t);
        }
    }
    ev
}

/// Appends evidence after the n-gram features (indices `dim..`).
fn add_evidence(x: &mut SparseVec, ev: &[f32], dim: usize, scale: f32) {
    if scale > 0.0 {
        x.extend(
            ev.iter()
                .enumerate()
                .filter(|&(_, &v)| v > 0.0)
                .map(|(l, &v)| ((dim + l) as u32, v * scale)),
        );
    }
}

fn fit_core(docs: &[&Doc], n_labels: usize, config: &TrainConfig, seed: u64) -> Core {
    let counts: Vec<&Counts> = docs.iter().map(|d| &d.counts).collect();
    let (vectorizer, mut x) =
        Vectorizer::fit(&counts, &config.tokens, config.title_weight, config.min_df);
    let dim = vectorizer.dim();
    // Only messages carry evidence: the tree's own documents would teach that keywords never miss.
    for (xi, d) in x.iter_mut().zip(docs) {
        if let Some(ev) = &d.evidence {
            add_evidence(xi, ev, dim, config.lexicon_weight);
        }
    }
    // Balanced class weights from the messages alone.
    let mut counts = vec![0.0f32; n_labels];
    for d in docs.iter().filter(|d| d.message) {
        counts[d.label] += 1.0;
    }
    let present = counts.iter().filter(|&&c| c > 0.0).count().max(1) as f32;
    let total: f32 = counts.iter().sum();
    let class_weight: Vec<f32> = counts
        .iter()
        .map(|&c| if config.balanced && c > 0.0 { total / (present * c) } else { 1.0 })
        .collect();
    let cost: Vec<f32> = docs.iter().map(|d| config.c * d.weight * class_weight[d.label]).collect();
    let mut rng = Rng::new(seed);
    let mut planes: Vec<Hyperplane> = (0..n_labels)
        .map(|k| {
            let y: Vec<bool> = docs.iter().map(|d| d.label == k).collect();
            svm::train(&x, &y, &cost, dim + n_labels, SvmOptions::default(), &mut rng)
        })
        .collect();
    if config.nb_weight > 0.0 {
        let labels: Vec<usize> = docs.iter().map(|d| d.label).collect();
        let sample: Vec<f32> = docs.iter().map(|d| d.weight * class_weight[d.label]).collect();
        let nb = nb::train(&x, &labels, &sample, n_labels, dim, 0.1);
        for (plane, w) in planes.iter_mut().zip(nb) {
            for (p, v) in plane.w.iter_mut().zip(w) {
                *p += config.nb_weight * v;
            }
        }
    }
    Core { vectorizer, planes }
}

/// Margins of a message for every label: the planes over n-grams and evidence features, plus
/// the evidence boost.
fn margins(
    vectorizer: &Vectorizer,
    planes: &[(&[f32], f32)],
    config: &TrainConfig,
    counts: &Counts,
    ev: Option<&[f32]>,
) -> Vec<f32> {
    let mut x = vectorizer.weigh(counts);
    if let Some(ev) = ev {
        add_evidence(&mut x, ev, vectorizer.dim(), config.lexicon_weight);
    }
    planes
        .iter()
        .enumerate()
        .map(|(k, &(w, b))| {
            let boost = ev.and_then(|ev| ev.get(k)).map_or(0.0, |e| config.lexicon_boost * e);
            x.iter().map(|&(j, v)| w.get(j as usize).copied().unwrap_or(0.0) * v).sum::<f32>()
                + b
                + boost
        })
        .collect()
}

/// Softmax of `t * margins`, computed stably.
fn softmax(margins: &[f32], t: f32) -> Vec<f32> {
    let max = margins.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let exp: Vec<f32> = margins.iter().map(|&m| ((m - max) * t).exp()).collect();
    let sum: f32 = exp.iter().sum();
    exp.iter().map(|&e| e / sum).collect()
}

/// Mean negative log-likelihood of the true labels under temperature `t`.
fn nll(held_out: &[(Vec<f32>, usize)], t: f32) -> f64 {
    let sum: f64 = held_out.iter().map(|(m, y)| -f64::from(softmax(m, t)[*y].max(1e-9)).ln()).sum();
    sum / held_out.len().max(1) as f64
}

/// The temperature that best explains held-out margins: golden-section search on log t.
fn fit_temperature(held_out: &[(Vec<f32>, usize)]) -> f32 {
    let (mut lo, mut hi) = (0.05f32.ln(), 100f32.ln());
    let phi = 0.618_034f32;
    for _ in 0..40 {
        let a = hi - phi * (hi - lo);
        let b = lo + phi * (hi - lo);
        if nll(held_out, a.exp()) < nll(held_out, b.exp()) {
            hi = b;
        } else {
            lo = a;
        }
    }
    ((lo + hi) / 2.0).exp()
}

/// Fold number (0..k) of each item, stratified: each label's items are shuffled and dealt round
/// the folds in turn, so every fold holds about the same mix.
pub fn stratified_folds(labels: &[&str], k: usize, seed: u64) -> Vec<usize> {
    let k = k.max(1);
    let mut by_label: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, l) in labels.iter().enumerate() {
        by_label.entry(l).or_default().push(i);
    }
    let mut rng = Rng::new(seed);
    let mut fold = vec![0; labels.len()];
    // Carry the dealing position across labels so small classes do not all start at fold 0.
    let mut next = 0;
    for items in by_label.values_mut() {
        rng.shuffle(items);
        for &i in items.iter() {
            fold[i] = next % k;
            next += 1;
        }
    }
    fold
}

impl Classifier {
    /// Trains on labelled messages and the category tree. Labels come from the messages (see
    /// [`TrainConfig::taxonomy_only_labels`]); with no messages at all, from the tree alone.
    pub fn train(
        examples: &[Example],
        taxonomy: &Taxonomy,
        config: &TrainConfig,
    ) -> Result<Self, Error> {
        let labels = label_set(examples, taxonomy, config);
        if labels.is_empty() {
            return Err(Error::NoTrainingData);
        }
        let mut docs = documents(examples, taxonomy, config, &labels);
        if docs.is_empty() {
            return Err(Error::NoTrainingData);
        }
        let lexicon = (config.lexicon_weight > 0.0 || config.lexicon_boost > 0.0)
            .then(|| Lexicon::build(taxonomy, config.level, &labels));
        if let Some(lex) = &lexicon {
            // `documents` keeps the messages with a known label first, in order.
            let messages = examples.iter().filter(|e| labels.binary_search(&e.label).is_ok());
            for (d, e) in docs.iter_mut().filter(|d| d.message).zip(messages) {
                let doc = DocText { title: &e.title, body: &e.body };
                d.evidence = Some(evidence(lex, doc, labels.len()));
            }
        }
        let all: Vec<&Doc> = docs.iter().collect();
        let core = fit_core(&all, labels.len(), config, config.seed);
        let temperature =
            Self::calibrate(&docs, labels.len(), config).unwrap_or(config.temperature);
        let (weights, biases) = core.planes.into_iter().map(|p| (p.w, p.b)).unzip();
        Ok(Self {
            config: config.clone(),
            labels,
            vectorizer: core.vectorizer,
            lexicon,
            weights,
            biases,
            temperature,
        })
    }

    /// Fits the temperature on margins of messages each scored by a model that did not see them.
    /// `None` when there are too few messages to hold any out.
    fn calibrate(docs: &[Doc], n_labels: usize, config: &TrainConfig) -> Option<f32> {
        let k = config.calibration_folds;
        let messages: Vec<usize> = (0..docs.len()).filter(|&i| docs[i].message).collect();
        if k < 2 || messages.len() < 2 * k {
            return None;
        }
        let label_names: Vec<String> =
            messages.iter().map(|&i| docs[i].label.to_string()).collect();
        let label_refs: Vec<&str> = label_names.iter().map(String::as_str).collect();
        let fold_of = stratified_folds(&label_refs, k, config.seed ^ 0xCA1B);
        let mut held_out = Vec::with_capacity(messages.len());
        for f in 0..k {
            let mut in_fold = vec![false; docs.len()];
            for (j, &i) in messages.iter().enumerate() {
                in_fold[i] = fold_of[j] == f;
            }
            let train: Vec<&Doc> =
                docs.iter().zip(&in_fold).filter(|&(_, &held)| !held).map(|(d, _)| d).collect();
            let core = fit_core(&train, n_labels, config, config.seed.wrapping_add(f as u64 + 1));
            let planes: Vec<(&[f32], f32)> =
                core.planes.iter().map(|p| (p.w.as_slice(), p.b)).collect();
            for (d, _) in docs.iter().zip(&in_fold).filter(|&(_, &held)| held) {
                let m =
                    margins(&core.vectorizer, &planes, config, &d.counts, d.evidence.as_deref());
                held_out.push((m, d.label));
            }
        }
        Some(fit_temperature(&held_out))
    }

    /// Scores of every label for a message with a title and a body, best first, at most `k`.
    /// Scores are softmax probabilities (sum to 1 over all labels). A text with no known term
    /// still gets scores (close to the class priors), never an error.
    pub fn predict_message(&self, title: &str, body: &str, k: usize) -> Vec<(String, f32)> {
        let planes: Vec<(&[f32], f32)> =
            self.weights.iter().map(Vec::as_slice).zip(self.biases.iter().copied()).collect();
        let doc = DocText { title, body };
        let ev = self.lexicon.as_ref().map(|lex| evidence(lex, doc, self.labels.len()));
        let counts = self.vectorizer.count(doc);
        let margins = margins(&self.vectorizer, &planes, &self.config, &counts, ev.as_deref());
        let probs = softmax(&margins, self.temperature);
        let mut ranked: Vec<(String, f32)> = self.labels.iter().cloned().zip(probs).collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        ranked.truncate(k);
        ranked
    }

    /// Scores for a free text (treated as a body with no title), best first, at most `k`.
    pub fn predict(&self, text: &str, k: usize) -> Vec<(String, f32)> {
        self.predict_message("", text, k)
    }

    /// The single best label of a message.
    pub fn predict_label(&self, title: &str, body: &str) -> Option<String> {
        self.predict_message(title, body, 1).into_iter().next().map(|(l, _)| l)
    }

    /// Labels the model can answer, sorted.
    pub fn labels(&self) -> &[String] {
        &self.labels
    }

    /// The configuration it was trained with.
    pub fn config(&self) -> &TrainConfig {
        &self.config
    }

    /// The fitted softmax temperature.
    pub fn temperature(&self) -> f32 {
        self.temperature
    }

    /// Number of features (distinct n-grams and words kept).
    pub fn features(&self) -> usize {
        self.vectorizer.dim()
    }

    /// The terms that push most towards `label`, for explanations and sanity checks.
    pub fn top_terms(&self, label: &str, n: usize) -> Vec<(String, f32)> {
        let Some(k) = self.labels.iter().position(|l| l == label) else { return Vec::new() };
        let mut terms: Vec<(u32, f32)> =
            self.weights[k].iter().enumerate().map(|(i, &w)| (i as u32, w)).collect();
        terms.sort_by(|a, b| b.1.total_cmp(&a.1));
        let dim = self.vectorizer.dim();
        terms
            .into_iter()
            .take(n)
            .filter_map(|(i, w)| {
                let term = match self.vectorizer.term(i) {
                    Some(t) => t.to_owned(),
                    None => format!("tree:{}", self.labels.get(i as usize - dim)?),
                };
                Some((term, w))
            })
            .collect()
    }

    /// Writes the model as JSON.
    pub fn save(&self, path: &Path) -> Result<(), Error> {
        let file = std::io::BufWriter::new(std::fs::File::create(path)?);
        serde_json::to_writer(file, self)?;
        Ok(())
    }

    /// Reads a model written by [`Classifier::save`].
    pub fn load(path: &Path) -> Result<Self, Error> {
        let file = std::io::BufReader::new(std::fs::File::open(path)?);
        let model: Self = serde_json::from_reader(file)?;
        model.check()?;
        Ok(model)
    }

    /// Shapes agree: a hand-edited or truncated file fails on load, not on the first prediction.
    fn check(&self) -> Result<(), Error> {
        let dim = self.vectorizer.dim();
        let ok = self.weights.len() == self.labels.len()
            && self.biases.len() == self.labels.len()
            && self.weights.iter().all(|w| w.len() == dim + self.labels.len())
            && !self.labels.is_empty();
        if ok {
            Ok(())
        } else {
            Err(Error::BadModel("weights do not match labels and features".into()))
        }
    }

    /// Parses a model from JSON text, checking its shapes.
    pub fn from_json(json: &str) -> Result<Self, Error> {
        let model: Self = serde_json::from_str(json)?;
        model.check()?;
        Ok(model)
    }

    /// The model as JSON text.
    pub fn to_json(&self) -> Result<String, Error> {
        Ok(serde_json::to_string(self)?)
    }
}
