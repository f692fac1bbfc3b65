//! Category-tree keywords as evidence per label.
//!
//! The tree names very specific things (直销, 商标管理, 独生子女父母奖励政策, 景区管理) that a few
//! hundred messages never mention. As n-gram training documents they are one short, down-weighted
//! text among many; here each keyword instead votes for the labels whose branches name it, and the
//! SVM learns from the messages how far to trust those votes: a handful of weights, so the tree's
//! knowledge reaches words no labelled message contains.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use crate::data::Taxonomy;
use crate::text;

/// Keyword → evidence for each label (by label index).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(try_from = "LexiconFile", into = "LexiconFile")]
pub struct Lexicon {
    keywords: BTreeMap<String, Vec<(u32, f32)>>,
    index: HashMap<String, usize>,
    entries: Vec<Vec<(u32, f32)>>,
    max_chars: usize,
}

#[derive(Serialize, Deserialize)]
struct LexiconFile {
    keywords: BTreeMap<String, Vec<(u32, f32)>>,
}

impl From<Lexicon> for LexiconFile {
    fn from(l: Lexicon) -> Self {
        Self { keywords: l.keywords }
    }
}

impl From<LexiconFile> for Lexicon {
    fn from(f: LexiconFile) -> Self {
        Lexicon::from_keywords(f.keywords)
    }
}

/// Words of the tree that name no topic.
const GENERIC: &[&str] = &["其他", "管理", "问题", "工作", "建设", "服务", "政策", "监管", "相关"];

impl Lexicon {
    fn from_keywords(keywords: BTreeMap<String, Vec<(u32, f32)>>) -> Self {
        let mut index = HashMap::new();
        let mut entries = Vec::new();
        let mut max_chars = 0;
        for (k, v) in &keywords {
            index.insert(k.clone(), entries.len());
            entries.push(v.clone());
            max_chars = max_chars.max(k.chars().count());
        }
        Self { keywords, index, entries, max_chars }
    }

    /// Keywords are the tree's names and their jieba words (two characters or more) below and
    /// at `level`'s ancestors; each votes for label `c` with the share of the tree's paths
    /// containing it that fall under `c` (so 管理, everywhere, votes for nothing much). Paths
    /// under labels the model does not predict still count in the shares.
    pub fn build(taxonomy: &Taxonomy, level: usize, labels: &[String]) -> Self {
        let label_index: HashMap<&str, u32> =
            labels.iter().enumerate().map(|(i, l)| (l.as_str(), i as u32)).collect();
        // keyword → (paths in total, paths per known label)
        let mut seen: BTreeMap<String, (f32, BTreeMap<u32, f32>)> = BTreeMap::new();
        for path in &taxonomy.paths {
            let Some(label) = Taxonomy::label(path, level) else { continue };
            let target = label_index.get(label.as_str()).copied();
            let mut words: Vec<String> = Vec::new();
            for name in path {
                let name = text::normalise(name);
                if name.chars().count() >= 2 {
                    words.push(name.clone());
                }
                text::words(&name, |w| words.push(w.to_owned()));
            }
            words.sort_unstable();
            words.dedup();
            for w in words {
                if GENERIC.contains(&w.as_str()) {
                    continue;
                }
                let entry = seen.entry(w).or_default();
                entry.0 += 1.0;
                if let Some(t) = target {
                    *entry.1.entry(t).or_insert(0.0) += 1.0;
                }
            }
        }
        let keywords = seen
            .into_iter()
            .filter_map(|(k, (total, per))| {
                let votes: Vec<(u32, f32)> = per
                    .into_iter()
                    .map(|(l, n)| (l, n / total))
                    .filter(|&(_, share)| share >= 0.5)
                    .collect();
                (!votes.is_empty()).then_some((k, votes))
            })
            .collect();
        Self::from_keywords(keywords)
    }

    /// Evidence per label (`n_labels` long) from the keywords found in a normalised text, each
    /// keyword counted once; `log(1 + votes)` so ten matches do not shout down a good n-gram.
    pub fn evidence(&self, normalised: &str, n_labels: usize) -> Vec<f32> {
        let mut found = vec![false; self.entries.len()];
        let chars: Vec<(usize, char)> = normalised.char_indices().collect();
        for start in 0..chars.len() {
            for len in 2..=self.max_chars.min(chars.len() - start) {
                let from = chars[start].0;
                let to = chars.get(start + len).map_or(normalised.len(), |&(i, _)| i);
                if let Some(&e) = self.index.get(&normalised[from..to]) {
                    found[e] = true;
                }
            }
        }
        let mut out = vec![0.0f32; n_labels];
        for (e, _) in found.iter().enumerate().filter(|&(_, &f)| f) {
            for &(l, v) in &self.entries[e] {
                if let Some(o) = out.get_mut(l as usize) {
                    *o += v;
                }
            }
        }
        for o in &mut out {
            *o = o.ln_1p();
        }
        out
    }

    /// Number of keywords kept.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.entries.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree() -> Taxonomy {
        let rows = [
            ["商贸旅游", "市场监管", "直销"],
            ["商贸旅游", "旅游管理", "景区管理"],
            ["环境保护", "环境污染", "噪音污染"],
            ["环境保护", "环保管理", "其他"],
            ["政法", "社会治安", "噪音扰民"],
        ];
        Taxonomy {
            paths: rows.iter().map(|r| r.iter().map(|s| (*s).to_owned()).collect()).collect(),
        }
    }

    #[test]
    fn keywords_vote_for_their_branch() {
        let labels = vec!["商贸旅游".to_owned(), "环境保护".to_owned()];
        let lex = Lexicon::build(&tree(), 1, &labels);
        let e = lex.evidence("村里来了直销的骗老人", 2);
        assert!(e[0] > 0.0 && e[1] == 0.0, "{e:?}");
        let e = lex.evidence("景区噪音污染", 2);
        assert!(e[0] > 0.0 && e[1] > 0.0, "{e:?}");
        // 管理 and 其他 name nothing.
        assert_eq!(lex.evidence("管理其他", 2), vec![0.0, 0.0]);
        assert!(lex.evidence("", 2).iter().all(|&v| v == 0.0));
    }

    #[test]
    fn shared_words_vote_by_share() {
        // 噪音 is under 环境保护 once and under 政法 (not predicted) once: a half share, kept.
        let labels = vec!["商贸旅游".to_owned(), "环境保护".to_owned()];
        let lex = Lexicon::build(&tree(), 1, &labels);
        let e = lex.evidence("噪音", 2);
        assert!((e[1] - 1.5f32.ln()).abs() < 1e-6, "{e:?}");
    }

    #[test]
    fn round_trips_through_json() {
        let labels = vec!["商贸旅游".to_owned(), "环境保护".to_owned()];
        let lex = Lexicon::build(&tree(), 1, &labels);
        let back: Lexicon = serde_json::from_str(&serde_json::to_string(&lex).unwrap()).unwrap();
        assert_eq!(back.len(), lex.len());
        assert_eq!(back.evidence("直销景区", 2), lex.evidence("直销景区", 2));
    }
}
