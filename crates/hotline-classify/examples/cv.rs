//! `cargo run -p hotline-classify --example cv -- [--folds 5] [--seeds 1,2,3] [--config '{"c":1.0}']`
//!
//! Stratified, repeated k-fold cross-validation on the repository's labelled messages and
//! category tree, with timings: how the default configuration (or a JSON override of it) does
//! on messages each fold's model never saw.

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use hotline_classify::{Classifier, Taxonomy, TrainConfig, cross_validate, read_messages};

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let mut folds = 5;
    let mut seeds: Vec<u64> = vec![1, 2, 3];
    let mut config = TrainConfig::default();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let v = args.next().ok_or("missing value")?;
        match a.as_str() {
            "--folds" => folds = v.parse()?,
            "--seeds" => seeds = v.split(',').map(str::parse).collect::<Result<_, _>>()?,
            "--config" => {
                let mut base = serde_json::to_value(&config)?;
                let over: serde_json::Value = serde_json::from_str(&v)?;
                if let (Some(b), Some(o)) = (base.as_object_mut(), over.as_object()) {
                    for (k, val) in o {
                        b.insert(k.clone(), val.clone());
                    }
                }
                config = serde_json::from_value(base)?;
            }
            _ => return Err(format!("unknown argument {a}").into()),
        }
    }
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../hotline-app/data");
    let examples = read_messages(&data.join("messages_train.csv"), "category_level1")?;
    let tree = Taxonomy::from_csv(&data.join("categories.csv"))?;
    eprintln!("config {}", serde_json::to_string(&config)?);

    // The jieba dictionary loads once per process, on first use: time it apart.
    let t = Instant::now();
    let warm = Taxonomy { paths: vec![vec!["热身".to_owned(), "分词词典".to_owned()]] };
    Classifier::train(&[], &warm, &TrainConfig { calibration_folds: 0, ..config.clone() })?;
    println!("jieba dictionary load {:?}", t.elapsed());
    let t = Instant::now();
    let uncalibrated = Classifier::train(
        &examples,
        &tree,
        &TrainConfig { calibration_folds: 0, ..config.clone() },
    )?;
    println!(
        "train without calibration {:?} ({} labels)",
        t.elapsed(),
        uncalibrated.labels().len()
    );
    let t = Instant::now();
    let model = Classifier::train(&examples, &tree, &config)?;
    let train_time = t.elapsed();
    let t = Instant::now();
    let n = examples.len();
    for e in &examples {
        std::hint::black_box(model.predict_message(&e.title, &e.body, 3));
    }
    let predict_time = t.elapsed() / n as u32;
    let json = model.to_json()?;
    println!(
        "full model: {} messages + {} tree paths, {} features, temperature {:.2}, train {:?}, predict {:?}/message, json {} KiB",
        n,
        tree.paths.len(),
        model.features(),
        model.temperature(),
        train_time,
        predict_time,
        json.len() / 1024
    );

    let t = Instant::now();
    let cv = cross_validate(&examples, &tree, &config, folds, &seeds)?;
    println!("{cv}");
    println!("cv time {:?}", t.elapsed());
    Ok(())
}
