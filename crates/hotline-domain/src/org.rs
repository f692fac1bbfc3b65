//! The government org tree: city center → districts and bureaus → street offices → communities.
//!
//! Each org stores a materialised path of ancestor ids (`/root/…/self/`), so "this org's subtree"
//! is a prefix match in either database and a move rewrites the paths of the moved subtree.

use std::str::FromStr;

use serde::Serialize;

use crate::validation::{FieldError, FieldIssue, bounded_text};

crate::code_enum! {
    pub enum OrgKind {
        /// The city hotline center (市12345热线中心); the root of the tree.
        Center = "center",
        District = "district",
        Bureau = "bureau",
        Street = "street",
        Community = "community",
    }
}

impl FromStr for OrgKind {
    type Err = FieldError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s).ok_or_else(|| FieldError::new("kind", FieldIssue::InvalidValue))
    }
}

/// An org's unique code, e.g. `DC` or `DC-JD01`: what other systems (OA, district instances)
/// use to name the org. Codes never change once created.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
#[serde(transparent)]
pub struct OrgCode(String);

impl OrgCode {
    pub const MAX_LEN: usize = 32;

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let value = bounded_text("code", raw, 1, Self::MAX_LEN)?;
        let valid = value.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !valid {
            return Err(FieldError::new("code", FieldIssue::InvalidFormat));
        }
        Ok(Self(value.to_ascii_uppercase()))
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The org's display name, e.g. `东城区`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(transparent)]
pub struct OrgName(String);

impl OrgName {
    pub const MAX_LEN: usize = 100;

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        bounded_text("name", raw, 1, Self::MAX_LEN).map(Self)
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Materialised path in a tree (orgs, categories): `/<root id>/…/<own id>/`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
#[serde(transparent)]
pub struct TreePath(String);

/// The path of an org.
pub type OrgPath = TreePath;

impl TreePath {
    /// The path of a root node.
    #[must_use]
    pub fn root(id: impl std::fmt::Display) -> Self {
        Self(format!("/{id}/"))
    }

    /// The path of `id` placed under `parent`.
    #[must_use]
    pub fn child(parent: &Self, id: impl std::fmt::Display) -> Self {
        Self(format!("{}{id}/", parent.0))
    }

    /// Trusts a path read back from storage.
    #[must_use]
    pub fn from_stored(path: String) -> Self {
        Self(path)
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True when `other` is this org or lies below it.
    #[must_use]
    pub fn contains(&self, other: &Self) -> bool {
        other.0.starts_with(&self.0)
    }

    /// Number of ancestors (a root has depth 0).
    #[must_use]
    pub fn depth(&self) -> usize {
        self.0.matches('/').count().saturating_sub(2)
    }

    /// The ids on the path, root first.
    pub fn ids<T: FromStr>(&self) -> impl Iterator<Item = T> + '_ {
        self.0.split('/').filter(|s| !s.is_empty()).filter_map(|s| s.parse().ok())
    }

    /// The new path of a descendant when its ancestor moves from `old_prefix` to `new_prefix`.
    #[must_use]
    pub fn rebase(&self, old_prefix: &Self, new_prefix: &Self) -> Self {
        match self.0.strip_prefix(&old_prefix.0) {
            Some(rest) => Self(format!("{}{rest}", new_prefix.0)),
            None => self.clone(),
        }
    }
}

/// Where an org may sit. The center is the one root; every other org needs a parent. Kinds say
/// nothing about depth: a bureau may have sub-bureaus and a street office communities.
pub fn check_placement(kind: OrgKind, parent: Option<(&OrgPath, bool)>) -> Result<(), FieldError> {
    match (kind, parent) {
        (OrgKind::Center, None) => Ok(()),
        (OrgKind::Center, Some(_)) => Err(FieldError::new("parent_id", FieldIssue::NotAllowed)),
        (_, None) => Err(FieldError::new("parent_id", FieldIssue::Required)),
        (_, Some((_, false))) => Err(FieldError::new("parent_id", FieldIssue::Inactive)),
        (_, Some((_, true))) => Ok(()),
    }
}

/// An org cannot move under itself or any of its descendants.
pub fn check_move(moved: &OrgPath, new_parent: &OrgPath) -> Result<(), FieldError> {
    if moved.contains(new_parent) {
        return Err(FieldError::new("parent_id", FieldIssue::CreatesCycle));
    }
    Ok(())
}

impl OrgKind {
    /// Kinds that stand for a place (区, 街道, 社区) rather than a line of work.
    #[must_use]
    pub const fn is_region(self) -> bool {
        match self {
            Self::District | Self::Street | Self::Community => true,
            Self::Center | Self::Bureau => false,
        }
    }
}

/// A region the address matcher may pick: its name and the path from the root to it.
#[derive(Clone, Debug)]
pub struct Place<'a> {
    pub name: &'a str,
    pub path: &'a TreePath,
}

/// How people write a region's name in an address: 东华门街道办事处 is 东华门街道 or 东华门.
const NAME_ENDINGS: [&str; 8] =
    ["街道办事处", "办事处", "社区居委会", "居委会", "街道", "社区", "区", "镇"];

/// The forms of a region's name an address may contain: the full name, and the name without
/// its administrative ending when at least two characters are left (区 alone says nothing).
fn name_forms(name: &str) -> Vec<&str> {
    let mut forms = vec![name];
    for ending in NAME_ENDINGS {
        if let Some(stem) = name.strip_suffix(ending)
            && stem.chars().count() >= 2
        {
            forms.push(stem);
            if let Some(shorter) = NAME_ENDINGS.iter().find_map(|e| stem.strip_suffix(e))
                && shorter.chars().count() >= 2
            {
                forms.push(shorter);
            }
        }
    }
    forms
}

/// The region an address names (所属区域 from 地址): of the regions whose name appears in the
/// address, the one whose own line of ancestors is named most (东城区 … 东华门 beats a 东华门
/// elsewhere), then the deepest, then the longest match. `None` when no name appears.
#[must_use]
pub fn region_in_address(address: &str, places: &[Place<'_>]) -> Option<usize> {
    let named: Vec<Option<usize>> = places
        .iter()
        .map(|p| name_forms(p.name).into_iter().filter(|f| address.contains(f)).map(str::len).max())
        .collect();
    let named_ids: Vec<&str> = places
        .iter()
        .zip(&named)
        .filter(|(_, n)| n.is_some())
        .filter_map(|(p, _)| p.path.as_str().rsplit('/').find(|s| !s.is_empty()))
        .collect();
    places
        .iter()
        .zip(&named)
        .enumerate()
        .filter_map(|(i, (p, n))| n.map(|len| (i, p, len)))
        .max_by_key(|(_, p, len)| {
            let line = p.path.as_str().split('/').filter(|s| named_ids.contains(s)).count();
            (line, p.path.depth(), *len)
        })
        .map(|(i, _, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::OrgId;
    use proptest::prelude::*;

    #[test]
    fn the_region_an_address_names_is_the_deepest_on_a_named_line() {
        let city = TreePath::root("c");
        let dongcheng = TreePath::child(&city, "d1");
        let xicheng = TreePath::child(&city, "d2");
        let dhm = TreePath::child(&dongcheng, "s1");
        let js = TreePath::child(&dongcheng, "s2");
        // A street of the same short name in another district.
        let dhm_west = TreePath::child(&xicheng, "s3");
        let places = [
            Place { name: "东城区", path: &dongcheng },
            Place { name: "西城区", path: &xicheng },
            Place { name: "东华门街道办事处", path: &dhm },
            Place { name: "景山街道办事处", path: &js },
            Place { name: "东华门社区", path: &dhm_west },
        ];
        assert_eq!(region_in_address("东城区东华门大街12号", &places), Some(2));
        assert_eq!(region_in_address("北京市东城区景山前街4号", &places), Some(3));
        assert_eq!(region_in_address("西城区某小区", &places), Some(1));
        assert_eq!(region_in_address("东城某胡同", &places), Some(0));
        assert_eq!(region_in_address("朝阳区建国路", &places), None);
        assert_eq!(region_in_address("", &places), None);
    }

    #[test]
    fn an_administrative_ending_alone_names_nothing() {
        assert_eq!(name_forms("东城区"), vec!["东城区", "东城"]);
        assert_eq!(name_forms("某区"), vec!["某区"]);
        assert!(name_forms("东华门街道办事处").contains(&"东华门"));
    }

    #[test]
    fn codes_are_normalised_and_checked() {
        assert_eq!(OrgCode::parse(" dc-jd01 ").map(|c| c.0), Ok("DC-JD01".to_owned()));
        assert_eq!(OrgCode::parse("东城").unwrap_err().issue, FieldIssue::InvalidFormat);
        assert_eq!(OrgCode::parse(&"A".repeat(33)).unwrap_err().issue, FieldIssue::TooLong);
    }

    #[test]
    fn a_move_under_a_descendant_is_a_cycle() {
        let (a, b, c) = (
            OrgId::from_uuid(uuid::Uuid::now_v7()),
            OrgId::from_uuid(uuid::Uuid::now_v7()),
            OrgId::from_uuid(uuid::Uuid::now_v7()),
        );
        let pa = OrgPath::root(a);
        let pb = OrgPath::child(&pa, b);
        let pc = OrgPath::child(&pb, c);
        assert_eq!(check_move(&pb, &pc).unwrap_err().issue, FieldIssue::CreatesCycle);
        assert_eq!(check_move(&pb, &pb).unwrap_err().issue, FieldIssue::CreatesCycle);
        assert!(check_move(&pc, &pa).is_ok());
        assert_eq!(pc.depth(), 2);
        assert_eq!(pc.ids::<OrgId>().collect::<Vec<_>>(), vec![a, b, c]);
    }

    #[test]
    fn only_the_center_is_a_root() {
        let p = OrgPath::root(OrgId::from_uuid(uuid::Uuid::now_v7()));
        assert!(check_placement(OrgKind::Center, None).is_ok());
        assert!(check_placement(OrgKind::Center, Some((&p, true))).is_err());
        assert_eq!(check_placement(OrgKind::Street, None).unwrap_err().issue, FieldIssue::Required);
        assert_eq!(
            check_placement(OrgKind::Street, Some((&p, false))).unwrap_err().issue,
            FieldIssue::Inactive
        );
    }

    proptest! {
        #[test]
        fn rebase_keeps_the_tail(depth in 1usize..6, cut in 0usize..5) {
            let ids: Vec<OrgId> = (0..depth).map(|_| OrgId::from_uuid(uuid::Uuid::now_v7())).collect();
            let mut path = OrgPath::root(ids[0]);
            let mut prefix = path.clone();
            for (i, id) in ids.iter().enumerate().skip(1) {
                path = OrgPath::child(&path, *id);
                if i <= cut { prefix = path.clone(); }
            }
            let new_root = OrgPath::root(OrgId::from_uuid(uuid::Uuid::now_v7()));
            let rebased = path.rebase(&prefix, &new_root);
            prop_assert!(new_root.contains(&rebased));
            prop_assert_eq!(rebased.depth(), path.depth() - prefix.depth());
            prop_assert!(rebased.as_str().ends_with(path.as_str().strip_prefix(prefix.as_str()).unwrap_or_default()));
        }
    }
}
