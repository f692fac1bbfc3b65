//! Scoring: per-class precision, recall and F1, macro-F1 and accuracy; a train/test evaluation
//! and stratified, repeated k-fold cross-validation, so figures come from messages the model
//! never saw and not from one lucky split.

use std::collections::BTreeSet;
use std::fmt;
use std::path::Path;

use serde::Serialize;

use crate::Error;
use crate::data::{Example, Taxonomy, read_messages};
use crate::model::{Classifier, TrainConfig, stratified_folds};

/// One label's figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClassScore {
    pub label: String,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    /// Test messages with this true label.
    pub support: usize,
}

/// What an evaluation found. Its `Display` ends with `macro_f1=… accuracy=… n=…`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub classes: Vec<ClassScore>,
    pub macro_f1: f64,
    pub accuracy: f64,
    pub n: usize,
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

impl Report {
    /// Scores predictions against the truth. Every label that occurs on either side counts in the
    /// macro average, so a test label the model never learnt drags it down (recall 0) instead of
    /// vanishing; a missing prediction (`None`) is simply wrong.
    pub fn from_pairs(truth: &[String], predicted: &[Option<String>]) -> Self {
        let labels: BTreeSet<&str> = truth
            .iter()
            .map(String::as_str)
            .chain(predicted.iter().filter_map(|p| p.as_deref()))
            .collect();
        let pairs: Vec<(&str, Option<&str>)> =
            truth.iter().map(String::as_str).zip(predicted.iter().map(Option::as_deref)).collect();
        let classes: Vec<ClassScore> = labels
            .iter()
            .map(|&l| {
                let tp = pairs.iter().filter(|&&(t, p)| t == l && p == Some(l)).count();
                let support = pairs.iter().filter(|&&(t, _)| t == l).count();
                let said = pairs.iter().filter(|&&(_, p)| p == Some(l)).count();
                let (precision, recall) = (ratio(tp, said), ratio(tp, support));
                let f1 = if precision + recall > 0.0 {
                    2.0 * precision * recall / (precision + recall)
                } else {
                    0.0
                };
                ClassScore { label: l.to_owned(), precision, recall, f1, support }
            })
            .collect();
        let correct = pairs.iter().filter(|&&(t, p)| p == Some(t)).count();
        let macro_f1 = if classes.is_empty() {
            0.0
        } else {
            classes.iter().map(|c| c.f1).sum::<f64>() / classes.len() as f64
        };
        Self { classes, macro_f1, accuracy: ratio(correct, pairs.len()), n: pairs.len() }
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{:<16} {:>9} {:>9} {:>9} {:>7}",
            "label", "precision", "recall", "f1", "support"
        )?;
        for c in &self.classes {
            // Chinese labels are two columns wide per character: pad by display width.
            let pad = 16usize
                .saturating_sub(c.label.chars().map(|ch| if ch.is_ascii() { 1 } else { 2 }).sum());
            writeln!(
                f,
                "{}{} {:>9.3} {:>9.3} {:>9.3} {:>7}",
                c.label,
                " ".repeat(pad),
                c.precision,
                c.recall,
                c.f1,
                c.support
            )?;
        }
        write!(f, "macro_f1={:.3} accuracy={:.3} n={}", self.macro_f1, self.accuracy, self.n)
    }
}

/// Trains a fresh model on `train` only and scores `test`.
pub fn evaluate_examples(
    train: &[Example],
    test: &[Example],
    taxonomy: &Taxonomy,
    config: &TrainConfig,
) -> Result<Report, Error> {
    let model = Classifier::train(train, taxonomy, config)?;
    let truth: Vec<String> = test.iter().map(|e| e.label.clone()).collect();
    let predicted: Vec<Option<String>> =
        test.iter().map(|e| model.predict_label(&e.title, &e.body)).collect();
    Ok(Report::from_pairs(&truth, &predicted))
}

/// The evaluation behind `hotline classifier eval`: first-level labels (`category_level1`), the
/// default configuration, a model trained on `train_csv` (plus the tree, when given) and scored
/// on `test_csv`.
pub fn evaluate(
    train_csv: &Path,
    test_csv: &Path,
    taxonomy_csv: Option<&Path>,
) -> Result<Report, Error> {
    let train = read_messages(train_csv, "category_level1")?;
    let test = read_messages(test_csv, "category_level1")?;
    let taxonomy = match taxonomy_csv {
        Some(p) => Taxonomy::from_csv(p)?,
        None => Taxonomy::default(),
    };
    evaluate_examples(&train, &test, &taxonomy, &TrainConfig::default())
}

/// Mean and standard deviation of a sample.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Spread {
    pub mean: f64,
    pub sd: f64,
    pub min: f64,
    pub max: f64,
}

impl Spread {
    fn of(xs: &[f64]) -> Self {
        let n = xs.len().max(1) as f64;
        let mean = xs.iter().sum::<f64>() / n;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
        let min = xs.iter().copied().fold(f64::INFINITY, f64::min);
        let max = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        Self { mean, sd: var.sqrt(), min, max }
    }
}

impl fmt::Display for Spread {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.3} ± {:.3} [{:.3}, {:.3}]", self.mean, self.sd, self.min, self.max)
    }
}

/// Cross-validation results.
#[derive(Debug, Clone, Serialize)]
pub struct CvSummary {
    pub folds: usize,
    pub seeds: Vec<u64>,
    /// Over every fold of every repetition.
    pub fold_macro_f1: Spread,
    pub fold_accuracy: Spread,
    /// Over repetitions, each scoring all its out-of-fold predictions together (less noisy than
    /// one small fold).
    pub pooled_macro_f1: Spread,
    pub pooled_accuracy: Spread,
    /// Pooled report of the first repetition.
    pub first: Report,
    /// How far the top score can be believed: over all out-of-fold predictions, by top score
    /// (below 0.5, 0.5 to 0.8, 0.8 and above), the number of predictions, their mean top score
    /// and the share that were right. Calibrated scores have the last two close.
    pub confidence: Vec<ConfidenceBin>,
}

/// Predictions whose top score fell in `from..to`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConfidenceBin {
    pub from: f64,
    pub to: f64,
    pub n: usize,
    pub mean_score: f64,
    pub accuracy: f64,
}

fn confidence_bins(scored: &[(f64, bool)]) -> Vec<ConfidenceBin> {
    [(0.0, 0.5), (0.5, 0.8), (0.8, 1.01)]
        .into_iter()
        .map(|(from, to)| {
            let bin: Vec<&(f64, bool)> =
                scored.iter().filter(|(s, _)| *s >= from && *s < to).collect();
            let n = bin.len();
            let mean_score =
                if n == 0 { 0.0 } else { bin.iter().map(|(s, _)| s).sum::<f64>() / n as f64 };
            ConfidenceBin {
                from,
                to,
                n,
                mean_score,
                accuracy: ratio(bin.iter().filter(|(_, ok)| *ok).count(), n),
            }
        })
        .collect()
}

impl fmt::Display for CvSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.first)?;
        writeln!(
            f,
            "{}-fold stratified CV, {} seeds {:?}",
            self.folds,
            self.seeds.len(),
            self.seeds
        )?;
        writeln!(
            f,
            "per fold:   macro_f1 {}  accuracy {}",
            self.fold_macro_f1, self.fold_accuracy
        )?;
        write!(
            f,
            "per repeat: macro_f1 {}  accuracy {}",
            self.pooled_macro_f1, self.pooled_accuracy
        )?;
        for b in &self.confidence {
            write!(
                f,
                "\ntop score {:.1}..{:.1}: n={} mean score {:.3}, right {:.3}",
                b.from,
                b.to.min(1.0),
                b.n,
                b.mean_score,
                b.accuracy
            )?;
        }
        Ok(())
    }
}

/// Stratified `k`-fold cross-validation repeated once per seed; each fold's model is trained on
/// the other folds' messages and the whole tree (the tree holds no test message).
pub fn cross_validate(
    examples: &[Example],
    taxonomy: &Taxonomy,
    config: &TrainConfig,
    k: usize,
    seeds: &[u64],
) -> Result<CvSummary, Error> {
    let labels: Vec<&str> = examples.iter().map(|e| e.label.as_str()).collect();
    let (mut fold_f1, mut fold_acc, mut pooled_f1, mut pooled_acc) =
        (vec![], vec![], vec![], vec![]);
    let mut first = None;
    let mut scored = Vec::new();
    for &seed in seeds {
        let fold_of = stratified_folds(&labels, k, seed);
        let mut truth = Vec::new();
        let mut predicted = Vec::new();
        for f in 0..k {
            let (test, train): (Vec<_>, Vec<_>) =
                examples.iter().zip(&fold_of).partition(|&(_, &g)| g == f);
            let train: Vec<Example> = train.into_iter().map(|(e, _)| e.clone()).collect();
            let test: Vec<Example> = test.into_iter().map(|(e, _)| e.clone()).collect();
            let model = Classifier::train(
                &train,
                taxonomy,
                &TrainConfig { seed: config.seed ^ seed, ..config.clone() },
            )?;
            let t: Vec<String> = test.iter().map(|e| e.label.clone()).collect();
            let top: Vec<Option<(String, f32)>> = test
                .iter()
                .map(|e| model.predict_message(&e.title, &e.body, 1).into_iter().next())
                .collect();
            scored.extend(
                top.iter()
                    .zip(&t)
                    .filter_map(|(p, t)| p.as_ref().map(|(l, s)| (f64::from(*s), l == t))),
            );
            let p: Vec<Option<String>> = top.into_iter().map(|p| p.map(|(l, _)| l)).collect();
            let r = Report::from_pairs(&t, &p);
            fold_f1.push(r.macro_f1);
            fold_acc.push(r.accuracy);
            truth.extend(t);
            predicted.extend(p);
        }
        let r = Report::from_pairs(&truth, &predicted);
        pooled_f1.push(r.macro_f1);
        pooled_acc.push(r.accuracy);
        first.get_or_insert(r);
    }
    Ok(CvSummary {
        folds: k,
        seeds: seeds.to_vec(),
        fold_macro_f1: Spread::of(&fold_f1),
        fold_accuracy: Spread::of(&fold_acc),
        pooled_macro_f1: Spread::of(&pooled_f1),
        pooled_accuracy: Spread::of(&pooled_acc),
        first: first.ok_or(Error::NoTrainingData)?,
        confidence: confidence_bins(&scored),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| (*x).to_owned()).collect()
    }

    #[test]
    fn scores_match_hand_counts() {
        let truth = s(&["a", "a", "b", "b"]);
        let pred = vec![Some("a".into()), Some("b".into()), Some("b".into()), Some("b".into())];
        let r = Report::from_pairs(&truth, &pred);
        assert_eq!(r.n, 4);
        assert!((r.accuracy - 0.75).abs() < 1e-12);
        let a = &r.classes[0];
        assert_eq!((a.precision, a.recall), (1.0, 0.5));
        let b = &r.classes[1];
        assert!((b.precision - 2.0 / 3.0).abs() < 1e-12 && b.recall == 1.0);
        assert!((r.macro_f1 - (2.0 / 3.0 + 0.8) / 2.0).abs() < 1e-12);
        assert!(r.to_string().ends_with("macro_f1=0.733 accuracy=0.750 n=4"));
    }

    #[test]
    fn unknown_and_missing_labels_count_against() {
        let truth = s(&["a", "new"]);
        let pred = vec![Some("a".into()), None];
        let r = Report::from_pairs(&truth, &pred);
        assert_eq!(r.classes.len(), 2);
        assert_eq!(r.classes[1].label, "new");
        assert_eq!(r.classes[1].f1, 0.0);
        assert!((r.macro_f1 - 0.5).abs() < 1e-12);
    }

    #[test]
    fn empty_report_is_zero() {
        let r = Report::from_pairs(&[], &[]);
        assert_eq!((r.n, r.macro_f1, r.accuracy), (0, 0.0, 0.0));
    }
}
