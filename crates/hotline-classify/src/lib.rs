//! Category classifier for citizen appeals (工单分类), pure Rust and in-process.
//!
//! Trained from the category tree (its names are words too) and labelled messages; predicts the
//! first level today, any level later (labels are strings such as `城乡建设/安全生产`). Features
//! are TF-IDF character 1–3-grams plus jieba words, the title weighted above the body; one linear
//! SVM per label, blended with complement naive Bayes; the tree's keywords (直销, 独生子女…) add
//! evidence for their branch, which reaches words no labelled message contains; a softmax with a
//! fitted temperature turns margins into scores in 0..1. No model download and no network: the
//! jieba dictionary is compiled in. The model serialises with serde (JSON, about 2 MB), so a job
//! can retrain it and the server load it.
//!
//! ```no_run
//! use hotline_classify::{Classifier, Taxonomy, TrainConfig, read_messages};
//! # fn main() -> Result<(), hotline_classify::Error> {
//! let examples = read_messages("messages.csv".as_ref(), "category_level1")?;
//! let tree = Taxonomy::from_csv("categories.csv".as_ref())?;
//! let model = Classifier::train(&examples, &tree, &TrainConfig::default())?;
//! let top3 = model.predict("小区楼下烧烤店油烟噪音扰民", 3);
//! # Ok(()) }
//! ```

mod data;
mod eval;
mod features;
mod lexicon;
mod model;
mod nb;
mod rng;
mod svm;
mod text;

pub use data::{Example, LEVEL_SEPARATOR, Taxonomy, read_messages};
pub use eval::{
    ClassScore, ConfidenceBin, CvSummary, Report, Spread, cross_validate, evaluate,
    evaluate_examples,
};
pub use model::{Classifier, TaxonomyDocs, TrainConfig, stratified_folds};
pub use text::{TokenConfig, jieba};

/// What can go wrong reading data, training or loading a model.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("reading CSV: {0}")]
    Csv(#[from] csv::Error),
    #[error("{file}: no column {column:?}")]
    MissingColumn { file: String, column: String },
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
    #[error("model JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("invalid model: {0}")]
    BadModel(String),
    #[error("nothing to train on: no labelled message and no category at the requested level")]
    NoTrainingData,
}
