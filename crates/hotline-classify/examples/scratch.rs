use std::path::Path;
use hotline_classify::{Classifier, Taxonomy, TrainConfig, read_messages};
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../hotline-app/data");
    let ex = read_messages(&data.join("messages_train.csv"), "category_level1")?;
    let tree = Taxonomy::from_csv(&data.join("categories.csv"))?;
    for tw in [0.3f32, 0.6, 1.0] {
        let config = TrainConfig { calibration_folds: 0, min_df: 2, c: 0.3, taxonomy_weight: tw, ..TrainConfig::default() };
        let m = Classifier::train(&ex[..200], &tree, &config)?;
        println!("{tw} {:?}", m.predict("景区门票价格太贵", 3));
    }
    Ok(())
}
