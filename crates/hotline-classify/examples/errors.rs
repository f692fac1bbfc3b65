//! Scratch: out-of-fold errors of one 5-fold split.
use std::path::Path;
use hotline_classify::{Classifier, Taxonomy, TrainConfig, read_messages, stratified_folds};
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../hotline-app/data");
    let ex = read_messages(&data.join("messages_train.csv"), "category_level1")?;
    let tree = Taxonomy::from_csv(&data.join("categories.csv"))?;
    let config = TrainConfig { calibration_folds: 0, min_df: 2, c: 0.3, ..TrainConfig::default() };
    let labels: Vec<&str> = ex.iter().map(|e| e.label.as_str()).collect();
    let folds = stratified_folds(&labels, 5, 1);
    for f in 0..5 {
        let train: Vec<_> = ex.iter().zip(&folds).filter(|&(_, &g)| g != f).map(|(e, _)| e.clone()).collect();
        let m = Classifier::train(&train, &tree, &config)?;
        for (e, _) in ex.iter().zip(&folds).filter(|&(_, &g)| g == f) {
            let p = m.predict_message(&e.title, &e.body, 2);
            if p[0].0 != e.label {
                let body: String = e.body.chars().take(60).collect::<String>().replace('\n', " ");
                println!("{} -> {} {:.2} | {} | {}", e.label, p[0].0, p[0].1, e.title, body);
            }
        }
    }
    Ok(())
}
