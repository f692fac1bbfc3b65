//! Demo knowledge-base articles: a few published answers of the kind a 12345 floor uses every
//! day, so the knowledge base, its search and intake's suggestions have something to show.

use chrono::Duration;

use crate::kb::{Content, NewArticleRows};
use crate::{App, Error, Result};

/// `(owner org code, title, leaf category, search words, 答复口径, body)`.
const ARTICLES: &[(&str, &str, &str, &str, &str, &str)] = &[
    (
        "DONGCHENG",
        "东城区停水信息查询",
        "自来水供应",
        "停水,没水,水压",
        "您好，计划停水信息可在区政府网站“停水公告”栏目查询，也可拨打供水服务热线96116；突发停水请告诉我们详细地址，我们转供水部门处理。",
        "## 计划停水\n\n区政府网站“停水公告”栏目提前24小时公布。\n\n## 突发停水\n\n1. 记录市民详细地址和停水时间；\n2. 直接答复查询渠道，或转**供水部门**处置。",
    ),
    (
        "ZJW",
        "冬季供暖时间与室温标准",
        "冬季采暖",
        "暖气,供暖,不热,取暖",
        "您好，本市供暖期为每年11月15日至次年3月15日，供暖期间卧室、起居室室温不低于18℃。室温不达标可先联系供热单位，我们也可以为您转办。",
        "| 项目 | 标准 |\n| --- | --- |\n| 供暖期 | 11月15日—次年3月15日 |\n| 室温 | 不低于18℃ |\n\n室温不达标的，记录地址、房号和测温情况后转住建委。",
    ),
    (
        "SCJGJ",
        "电梯困人如何处置",
        "特种设备管理",
        "电梯,困人,扶梯",
        "您好，请不要强行扒门，按电梯内的紧急呼叫按钮或拨打电梯内张贴的应急电话；我们同时通知维保单位到场，紧急情况请拨打119。",
        "**先保人身安全**：安抚被困人员，不要扒门。\n\n按 **紧急处理** 转市场监管局，同时通知维保单位；超过30分钟未到场的督办。",
    ),
    (
        "JTW",
        "违章停车举报渠道",
        "交通安全管理",
        "停车,违停,乱停车",
        "您好，违章停车可以通过交管部门的“随手拍”举报，也可以由我们转交通管理部门处理，请提供具体位置、时间和车牌号。",
        "受理时记录：**位置**、**时间**、**车牌号**、是否堵塞消防通道。\n\n堵塞消防通道的按紧急件处理。",
    ),
    (
        "DONGCHENG",
        "夜间施工噪音扰民",
        "噪音污染",
        "施工噪音,扰民,夜间施工,噪音",
        "您好，夜间22时至次日6时禁止产生环境噪声污染的建筑施工作业（抢修、抢险除外）。我们将转属地部门核查处理。",
        "核查要点：是否有夜间施工许可；许可外施工的，转属地街道和城管执法。",
    ),
    (
        "DONGCHENG",
        "居住证办理",
        "户籍管理",
        "居住证,暂住证,居住登记",
        "您好，居住证可到居住地社区服务站办理，需携带身份证和居住证明（租赁合同或房产证明）。",
        "## 办理地点\n\n居住地**社区服务站**，工作日9:00—17:00。\n\n## 材料\n\n- 身份证\n- 居住证明（租赁合同、房产证明等）",
    ),
];

impl App {
    /// Seeds the demo articles, published, into a knowledge base without any; returns how many.
    pub async fn seed_demo_articles(&self) -> Result<usize> {
        let db = self.store.reader();
        let any = hotline_store::kb::list(
            db,
            &hotline_store::kb::ArticleFilter::default(),
            hotline_store::PageRequest { page: 1, per_page: 1 },
        )
        .await?;
        if any.total > 0 {
            return Ok(0);
        }
        let reference = self.reference().await?;
        let when = self.now() - Duration::days(30);
        let mut articles = Vec::new();
        for (owner, title, category, words, template, body) in ARTICLES {
            let Some(owner) = reference.orgs.values().find(|o| o.code == *owner) else { continue };
            let categories = reference
                .categories
                .values()
                .filter(|c| c.level == 3 && c.name == *category)
                .map(|c| c.id)
                .take(1)
                .collect();
            let content = Content {
                title: (*title).to_owned(),
                body: (*body).to_owned(),
                reply_template: Some((*template).to_owned()),
                keywords: Some((*words).to_owned()),
                categories,
                valid_from: None,
                valid_to: None,
            };
            articles.push(NewArticleRows::draft(content, owner.id, None, None, when).published());
        }
        let count = articles.len();
        self.store
            .write(move |tx| {
                Box::pin(async move {
                    for rows in articles {
                        rows.insert(tx).await?;
                    }
                    Ok::<_, Error>(())
                })
            })
            .await?;
        Ok(count)
    }
}
