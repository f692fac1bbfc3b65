//! Training data: labelled messages and the category tree, read from CSV.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::Error;

/// A labelled citizen message. The label is a string so the same code serves any level of the
/// tree (`城乡建设`, or `城乡建设/安全生产` later).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Example {
    pub title: String,
    pub body: String,
    pub label: String,
}

/// The category tree as its paths from the root, one per leaf (a row of `categories.csv`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Taxonomy {
    pub paths: Vec<Vec<String>>,
}

/// Separator between the levels of a deeper label.
pub const LEVEL_SEPARATOR: &str = "/";

impl Taxonomy {
    /// The label of a path at `level` (1 = first level): its first `level` names joined by `/`,
    /// or `None` when the path is shallower.
    pub fn label(path: &[String], level: usize) -> Option<String> {
        (level >= 1 && path.len() >= level).then(|| path[..level].join(LEVEL_SEPARATOR))
    }

    /// Reads a CSV whose columns are the levels from the root (`level1,level2,level3`); empty
    /// cells end a path early.
    pub fn from_csv(path: &Path) -> Result<Self, Error> {
        let mut reader = csv::Reader::from_path(path)?;
        let mut paths = Vec::new();
        for row in reader.records() {
            let row = row?;
            let names: Vec<String> = row
                .iter()
                .map(str::trim)
                .take_while(|s| !s.is_empty())
                .map(str::to_owned)
                .collect();
            if !names.is_empty() {
                paths.push(names);
            }
        }
        Ok(Self { paths })
    }
}

/// Reads labelled messages from a CSV with a header naming `title`, `body` and `label_column`
/// (for the first level `category_level1`); other columns are ignored. Rows without a label
/// are skipped: they teach nothing.
pub fn read_messages(path: &Path, label_column: &str) -> Result<Vec<Example>, Error> {
    let mut reader = csv::Reader::from_path(path)?;
    let headers = reader.headers()?.clone();
    let col = |name: &str| {
        headers.iter().position(|h| h.trim() == name).ok_or_else(|| Error::MissingColumn {
            file: path.display().to_string(),
            column: name.to_owned(),
        })
    };
    let (title, body, label) = (col("title")?, col("body")?, col(label_column)?);
    let mut out = Vec::new();
    for row in reader.records() {
        let row = row?;
        let get = |i: usize| row.get(i).unwrap_or("").trim().to_owned();
        let example = Example { title: get(title), body: get(body), label: get(label) };
        if !example.label.is_empty() {
            out.push(example);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_at_each_level() {
        let path: Vec<String> = ["城乡建设", "安全生产", "事故处理"].map(String::from).to_vec();
        assert_eq!(Taxonomy::label(&path, 1).as_deref(), Some("城乡建设"));
        assert_eq!(Taxonomy::label(&path, 2).as_deref(), Some("城乡建设/安全生产"));
        assert_eq!(Taxonomy::label(&path, 4), None);
        assert_eq!(Taxonomy::label(&path, 0), None);
    }

    #[test]
    fn reads_quoted_multiline_bodies_and_reports_missing_columns() {
        let dir = std::env::temp_dir().join(format!("hotline-classify-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("m.csv");
        std::fs::write(
            &file,
            "id,title,body,category_level1\n1,标题,\"第一行\n第二行\",环境保护\n2,无标签,内容,\n",
        )
        .unwrap();
        let rows = read_messages(&file, "category_level1").unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].body, "第一行\n第二行");
        assert!(matches!(
            read_messages(&file, "category_level2"),
            Err(Error::MissingColumn { .. })
        ));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
