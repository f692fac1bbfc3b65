//! Demo data: a small city with its hotline center, two districts with street offices, three
//! bureaus, and one account per role. Seeded once into an empty database.

mod articles;
mod callcenter;
pub mod generate;
mod tickets;

/// Real citizen messages (`../shared/data`): the demo's history and `hotline gen` both draw on them.
pub(crate) const MESSAGES_CSV: &str = include_str!("../../data/messages_train.csv");

use hotline_domain::OrgId;
use hotline_domain::audit::AuditAction;
use hotline_domain::org::{OrgKind, OrgPath};
use hotline_domain::role::Role;
use hotline_store::orgs::OrgRow;
use hotline_store::users::UserRow;
use serde_json::json;

use crate::{App, AuditEntry, Ctx, Error, Result};

/// The password of every demo account.
pub const DEMO_PASSWORD: &str = "Demo@12345";

/// `(code, name, kind, parent code)`, parents first.
const ORGS: &[(&str, &str, OrgKind, Option<&str>)] = &[
    ("CENTER", "市12345热线中心", OrgKind::Center, None),
    ("DONGCHENG", "东城区", OrgKind::District, Some("CENTER")),
    ("DONGCHENG-DHM", "东华门街道办事处", OrgKind::Street, Some("DONGCHENG")),
    ("DONGCHENG-JS", "景山街道办事处", OrgKind::Street, Some("DONGCHENG")),
    ("XICHENG", "西城区", OrgKind::District, Some("CENTER")),
    ("XICHENG-XCA", "西长安街街道办事处", OrgKind::Street, Some("XICHENG")),
    ("XICHENG-XJK", "新街口街道办事处", OrgKind::Street, Some("XICHENG")),
    ("ZJW", "住建委", OrgKind::Bureau, Some("CENTER")),
    ("JTW", "交通委", OrgKind::Bureau, Some("CENTER")),
    ("SCJGJ", "市场监管局", OrgKind::Bureau, Some("CENTER")),
];

/// The demo routing catalogue: `(first-level category, region org code, unit code)`.
const ROUTING: &[(&str, Option<&str>, &str)] = &[
    ("城乡建设", None, "ZJW"),
    ("城乡建设", Some("DONGCHENG"), "DONGCHENG"),
    ("交通运输", None, "JTW"),
    ("商贸旅游", None, "SCJGJ"),
    ("劳动和社会保障", Some("DONGCHENG"), "DONGCHENG"),
    ("环境保护", Some("XICHENG"), "XICHENG"),
];

/// `(username, display name, org code, roles)`.
pub const USERS: &[(&str, &str, &str, &[Role])] = &[
    ("admin", "系统管理员", "CENTER", &[Role::Admin]),
    ("auditor", "审计员", "CENTER", &[Role::Auditor]),
    ("agent", "话务员王芳", "CENTER", &[Role::Agent]),
    ("dispatcher", "派单员李强", "CENTER", &[Role::Dispatcher]),
    ("supervisor", "班长赵敏", "CENTER", &[Role::Supervisor]),
    ("qa", "质检员孙丽", "CENTER", &[Role::Qa]),
    ("leader", "中心主任周建国", "CENTER", &[Role::Leader]),
    ("district_a", "东城区承办人刘洋", "DONGCHENG", &[Role::UnitHandler]),
    ("district_a_manager", "东城区单位管理员陈静", "DONGCHENG", &[Role::UnitManager]),
    ("street_a1", "东华门街道承办人张伟", "DONGCHENG-DHM", &[Role::UnitHandler]),
    ("bureau_a", "住建委承办人吴磊", "ZJW", &[Role::UnitHandler]),
    ("district_b", "西城区承办人郑爽", "XICHENG", &[Role::UnitHandler]),
    ("bureau_jtw", "交通委承办人冯涛", "JTW", &[Role::UnitHandler]),
    ("bureau_scjg", "市场监管局承办人何琳", "SCJGJ", &[Role::UnitHandler]),
];

impl App {
    /// Seeds the demo data into an empty database; returns false when data already exists.
    pub async fn seed_demo(&self) -> Result<bool> {
        if hotline_store::orgs::count(self.store.reader()).await? > 0 {
            return Ok(false);
        }
        let mut hashes = Vec::with_capacity(USERS.len());
        for _ in USERS {
            hashes.push(self.hasher.hash(DEMO_PASSWORD).await?);
        }
        let now = self.now();

        self
            .store
            .write(move |tx| {
                Box::pin(async move {
                let mut placed: Vec<(&str, OrgRow)> = Vec::new();
                for (code, name, kind, parent) in ORGS {
                    let id = OrgId::from_uuid(uuid::Uuid::now_v7());
                    let parent_row =
                        parent.and_then(|p| placed.iter().find(|(c, _)| *c == p)).map(|(_, row)| row);
                    let path = match parent_row {
                        Some(p) => OrgPath::child(&OrgPath::from_stored(p.path.clone()), id),
                        None => OrgPath::root(id),
                    };
                    let row = hotline_store::orgs::insert(
                        tx,
                        OrgRow {
                            id: id.as_uuid(),
                            code: (*code).to_owned(),
                            name: (*name).to_owned(),
                            kind: *kind,
                            parent_id: parent_row.map(|p| p.id),
                            path: path.as_str().to_owned(),
                            active: true,
                            reviews_replies: true,
                            remote_url: None,
                            remote_token_id: None,
                            remote_webhook_id: None,
                            created_at: now,
                            updated_at: now,
                        },
                    )
                    .await?;
                    placed.push((code, row));
                }
                for ((username, display_name, org_code, roles), hash) in USERS.iter().zip(hashes) {
                    let org = placed
                        .iter()
                        .find(|(c, _)| c == org_code)
                        .map(|(_, row)| row.id)
                        .ok_or_else(|| anyhow::anyhow!("demo org {org_code} missing"))?;
                    hotline_store::users::insert(
                        tx,
                        UserRow {
                            id: uuid::Uuid::now_v7(),
                            username: (*username).to_owned(),
                            display_name: (*display_name).to_owned(),
                            org_id: org,
                            password_hash: hash,
                            // Demo accounts are exempt from the forced first change, in demo mode only.
                            must_change_password: false,
                            password_changed_at: now,
                            failed_logins: 0,
                            locked_until: None,
                            totp_secret: None,
                            totp_enabled: false,
                            totp_last_step: None,
                            active: true,
                            preferences: None,
                            created_at: now,
                            updated_at: now,
                        },
                        roles,
                    )
                    .await?;
                }
                let categories = hotline_store::reference::categories(tx).await?;
                let mut rules = 0;
                for (category, region, unit) in ROUTING {
                    let category = categories.iter().find(|c| c.level == 1 && c.name == *category);
                    let org = |code: &str| placed.iter().find(|(c, _)| *c == code).map(|(_, row)| row.id);
                    if let (Some(category), Some(unit)) = (category, org(unit)) {
                        hotline_store::reference::insert_routing_rule(
                            tx,
                            hotline_store::reference::RoutingRuleRow {
                                id: uuid::Uuid::now_v7(),
                                category_id: category.id,
                                region_org_id: region.and_then(org),
                                org_id: unit,
                                active: true,
                                created_at: now,
                                updated_at: now,
                            },
                        )
                        .await?;
                        rules += 1;
                    }
                }
                let audit = Ctx::system().record(
                    AuditEntry::new(AuditAction::SystemSeed).detail(
                        json!({ "orgs": ORGS.len(), "users": USERS.len(), "routing_rules": rules, "kind": "demo" }),
                    ),
                    now,
                );
                tx.audit([audit]);
                    Ok::<_, Error>(())
                })
            })
            .await?;
        self.invalidate_reference();
        self.seed_demo_callcenter().await?;
        Ok(true)
    }
}
