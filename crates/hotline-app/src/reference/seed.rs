//! Reference data every installation starts with: the category tree, the official holiday
//! schedules and default SLA policies. Each is seeded once, into an empty table.

use chrono::Datelike as _;
use hotline_domain::audit::AuditAction;
use hotline_domain::sla::{Clocks, Limit};
use hotline_domain::ticket::Urgency;
use serde_json::json;

use crate::reference::categories::rows_from_triples;
use crate::reference::sla::policy_row;
use crate::{App, AuditEntry, Ctx, Error, Result};

const CATEGORIES_CSV: &str = include_str!("../../data/categories.csv");

/// Utilities get 24 hours (水电气暖), per the practice notes.
const UTILITIES: [&str; 4] = ["自来水供应", "电力供应", "燃气供应", "冬季采暖"];

/// What callers say for the categories they ask about most (the names are the government's:
/// nobody calls about 特种设备管理, they call about a lift). Admins add more.
const KEYWORDS: [(&str, &str); 12] = [
    ("特种设备管理", "电梯,扶梯,困人,锅炉,压力容器,起重机"),
    ("城市公共设施", "路灯,井盖,护栏,公厕,路牌,座椅"),
    ("噪音污染", "扰民,噪音,噪声,施工噪音,广场舞,夜间施工"),
    ("交通安全管理", "停车,违停,乱停车,红绿灯,信号灯"),
    ("城管执法", "占道经营,摆摊,游商,乱贴广告"),
    ("小区管理", "小区停车,门禁,小区道路"),
    ("物业服务", "物业,物业费,保洁"),
    ("环境卫生", "垃圾,清扫,异味,垃圾桶"),
    ("自来水供应", "停水,水压,水质,水管"),
    ("冬季采暖", "暖气,供暖,不热,取暖"),
    ("违章建筑", "违建,私搭乱建,加盖"),
    ("治安案件", "打架,偷盗,诈骗"),
];

pub(crate) fn category_triples() -> Vec<[String; 3]> {
    let mut reader = csv::Reader::from_reader(CATEGORIES_CSV.as_bytes());
    reader
        .records()
        .filter_map(std::result::Result::ok)
        .filter_map(|r| {
            Some([
                r.get(0)?.trim().to_owned(),
                r.get(1)?.trim().to_owned(),
                r.get(2)?.trim().to_owned(),
            ])
        })
        .collect()
}

impl App {
    pub(crate) async fn seed_reference(&self) -> Result<()> {
        let now = self.now();

        self.store
            .write(move |tx| {
                Box::pin(async move {
                    let mut seeded = Vec::new();
                    if hotline_store::reference::count_categories(tx).await? == 0 {
                        let triples = category_triples();
                        let mut rows = rows_from_triples(
                            triples.iter().map(|t| [t[0].as_str(), t[1].as_str(), t[2].as_str()]),
                            now,
                        );
                        for (name, words) in KEYWORDS {
                            if let Some(row) =
                                rows.iter_mut().find(|r| r.level == 3 && r.name == name)
                            {
                                row.keywords = Some(words.to_owned());
                            }
                        }
                        seeded.push(json!({"categories": rows.len()}));
                        let utilities: Vec<_> = rows
                            .iter()
                            .filter(|r| r.level == 3 && UTILITIES.contains(&r.name.as_str()))
                            .map(|r| r.id)
                            .collect();
                        hotline_store::reference::insert_categories(tx, rows).await?;
                        if hotline_store::reference::sla_policies(tx).await?.is_empty() {
                            let policies = [
                                (
                                    "一般诉求",
                                    None,
                                    Some(Urgency::Normal),
                                    Clocks {
                                        accept: Limit::working_days(1),
                                        response: Limit::working_days(1),
                                        finish: Limit::working_days(5),
                                    },
                                ),
                                (
                                    "紧急诉求",
                                    None,
                                    Some(Urgency::Urgent),
                                    Clocks {
                                        accept: Limit::hours(2),
                                        response: Limit::hours(4),
                                        finish: Limit::hours(24),
                                    },
                                ),
                                (
                                    "特急/紧急处理",
                                    None,
                                    Some(Urgency::Critical),
                                    Clocks {
                                        accept: Limit::minutes(15),
                                        response: Limit::minutes(30),
                                        finish: Limit::hours(2),
                                    },
                                ),
                            ];
                            let mut count = 0;
                            for (name, category, urgency, clocks) in policies {
                                hotline_store::reference::insert_sla_policy(
                                    tx,
                                    policy_row(name.to_owned(), category, urgency, clocks, now),
                                )
                                .await?;
                                count += 1;
                            }
                            for id in utilities {
                                let clocks = Clocks {
                                    accept: Limit::minutes(30),
                                    response: Limit::hours(2),
                                    finish: Limit::hours(24),
                                };
                                hotline_store::reference::insert_sla_policy(
                                    tx,
                                    policy_row(
                                        "水电气暖".to_owned(),
                                        Some(id),
                                        Some(Urgency::Normal),
                                        clocks,
                                        now,
                                    ),
                                )
                                .await?;
                                count += 1;
                            }
                            seeded.push(json!({"sla_policies": count}));
                        }
                    }
                    if hotline_store::reference::calendar_days(tx, None, None).await?.is_empty() {
                        let rows = crate::reference::calendar::official_rows(now);
                        seeded.push(json!({"calendar_days": rows.len()}));
                        let years: std::collections::BTreeMap<i32, String> =
                            rows.iter().map(|r| (r.day.year(), r.source.clone())).collect();
                        hotline_store::reference::upsert_calendar_days(tx, rows).await?;
                        for (year, source) in years {
                            let row = hotline_store::reference::CalendarYearRow {
                                year,
                                source,
                                confirmed_at: now,
                            };
                            hotline_store::reference::confirm_calendar_year(tx, row).await?;
                        }
                    }
                    if !seeded.is_empty() {
                        let audit = Ctx::system().record(
                            AuditEntry::new(AuditAction::SystemSeed)
                                .detail(json!({"kind": "reference", "seeded": seeded})),
                            now,
                        );
                        tx.audit([audit]);
                    }
                    Ok::<_, Error>(())
                })
            })
            .await?;
        Ok(())
    }
}
