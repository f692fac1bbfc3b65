//! `cargo run -p hotline-classify --example eval -- --train TRAIN.csv --test TEST.csv [--taxonomy categories.csv]`
//!
//! Stands in for `hotline classifier eval` until the binary wires it: trains on TRAIN only and
//! prints the per-class report on TEST.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let (mut train, mut test, mut taxonomy) = (None, None, None);
    while let Some(a) = args.next() {
        let slot = match a.as_str() {
            "--train" => &mut train,
            "--test" => &mut test,
            "--taxonomy" => &mut taxonomy,
            _ => {
                eprintln!("unknown argument {a}");
                return ExitCode::from(2);
            }
        };
        *slot = args.next().map(PathBuf::from);
    }
    let (Some(train), Some(test)) = (train, test) else {
        eprintln!("usage: eval --train TRAIN.csv --test TEST.csv [--taxonomy categories.csv]");
        return ExitCode::from(2);
    };
    match hotline_classify::evaluate(&train, &test, taxonomy.as_deref()) {
        Ok(report) => {
            println!("{report}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}
