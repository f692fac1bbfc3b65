//! The knowledge base (issue #19): units write, the center reviews and publishes, agents read
//! the published version; versions, feedback, expiry, and what is refused.

use serde_json::{Value, json};

use crate::harness::{Api, Backend, TestApp, both_backends, category};

both_backends!(
    a_unit_writes_the_center_publishes_agents_read,
    editing_a_published_article_keeps_it_in_use_until_the_next_publication,
    bad_articles_are_refused_whole,
    feedback_reaches_the_owner_and_articles_expire,
    articles_go_out_and_come_in_as_spreadsheets,
);

async fn article(api: &Api, body: Value) -> Value {
    let res = api.post("/api/v1/kb/articles", body).await;
    assert_eq!(res.status, 201, "{}", res.body);
    res.body
}

async fn review(api: &Api, id: &str, action: &str) -> Value {
    let res = api
        .post(
            &format!("/api/v1/kb/articles/{id}/review"),
            json!({"action": action, "opinion": "同意"}),
        )
        .await;
    assert_eq!(res.status, 200, "{action}: {}", res.body);
    res.body
}

async fn a_unit_writes_the_center_publishes_agents_read(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let unit = t.login("district_a_manager").await;
    let supervisor = t.login("supervisor").await;
    let agent = t.login("agent").await;
    let water = category(&agent, "自来水供应").await;
    let a = article(
        &unit,
        json!({
            "title": "东城区停水通知查询",
            "body": "## 查询方式\n\n拨打 **96116** 或关注区政府网站。",
            "reply_template": "您好，停水信息可拨打96116查询。",
            "keywords": ["停水", "没水"],
            "category_ids": [water],
        }),
    )
    .await;
    let id = a["id"].as_str().expect("id").to_owned();
    assert_eq!((a["status"].as_str(), a["editable"].as_bool()), (Some("draft"), Some(true)));
    assert!(a["body_html"].as_str().expect("html").contains("<strong>96116</strong>"), "{a}");
    assert_eq!(a["categories"][0]["path"], "城乡建设 / 城市建设和市政管理 / 自来水供应");
    // Agents do not see drafts: not in their list, not by id.
    assert_eq!(agent.get("/api/v1/kb/articles?q=%E5%81%9C%E6%B0%B4").await.body["total"], 0);
    assert_eq!(agent.get(&format!("/api/v1/kb/articles/{id}")).await.status, 404);
    let feedback = format!("/api/v1/kb/articles/{id}/feedback");
    assert_eq!(agent.post(&feedback, json!({"kind": "helpful"})).await.status, 404, "nor feedback");
    // Only the center publishes; a unit submits.
    let res =
        unit.post(&format!("/api/v1/kb/articles/{id}/review"), json!({"action": "publish"})).await;
    assert_eq!(res.status, 403, "{}", res.body);
    review(&unit, &id, "submit").await;
    let in_review = supervisor.get("/api/v1/kb/articles?status=in_review").await.body;
    assert_eq!(in_review["items"][0]["id"], id.as_str(), "{in_review}");
    let published = review(&supervisor, &id, "publish").await;
    assert_eq!(
        (published["status"].as_str(), published["published_version"].as_i64()),
        (Some("published"), Some(1))
    );
    // Agents find it by its words and category, and each opening counts.
    let found = agent.get("/api/v1/kb/articles?q=%E5%81%9C%E6%B0%B4").await.body;
    assert_eq!(
        (found["total"].as_u64(), found["items"][0]["id"].as_str()),
        (Some(1), Some(id.as_str())),
        "{found}"
    );
    assert!(found["items"][0]["snippet"].as_str().expect("snippet").contains("96116"));
    let by_category = agent
        .get(&format!("/api/v1/kb/articles?category_id={}", category(&agent, "自来水供应").await))
        .await
        .body;
    assert_eq!(by_category["total"], 1);
    let read = agent.get(&format!("/api/v1/kb/articles/{id}")).await.body;
    assert_eq!(
        (read["editable"].as_bool(), read["reply_template"].as_str()),
        (Some(false), Some("您好，停水信息可拨打96116查询。"))
    );
    agent.get(&format!("/api/v1/kb/articles/{id}")).await;
    assert_eq!(supervisor.get(&format!("/api/v1/kb/articles/{id}")).await.body["hits"], 2);
    // Another district's unit reads it but cannot edit it.
    let other = t.login("district_b").await;
    let res = other
        .patch(&format!("/api/v1/kb/articles/{id}"), json!({"version": 1, "title": "改"}))
        .await;
    assert_eq!(res.status, 403, "{}", res.body);
    assert_eq!(t.audit_count("kb.review").await, 2);
}

async fn editing_a_published_article_keeps_it_in_use_until_the_next_publication(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let unit = t.login("district_a_manager").await;
    let supervisor = t.login("supervisor").await;
    let agent = t.login("agent").await;
    let a = article(&unit, json!({"title": "居住证办理", "body": "带身份证到派出所办理。"})).await;
    let id = a["id"].as_str().expect("id").to_owned();
    review(&unit, &id, "submit").await;
    review(&supervisor, &id, "publish").await;
    let path = format!("/api/v1/kb/articles/{id}");
    let res = unit.patch(&path, json!({"version": 1, "body": "带身份证和居住证明到社区服务站办理。", "note": "办理地点调整"})).await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(
        (res.body["status"].as_str(), res.body["working_version"].as_i64()),
        (Some("in_review"), Some(2))
    );
    // Agents still read version 1 while version 2 waits.
    let read = agent.get(&path).await.body;
    assert_eq!(
        (read["version"].as_i64(), read["body"].as_str()),
        (Some(1), Some("带身份证到派出所办理。"))
    );
    // An edit from an old version is refused.
    let res = unit.patch(&path, json!({"version": 1, "title": "旧"})).await;
    assert_eq!((res.status, res.code()), (409, "concurrent_update"), "{}", res.body);
    // The versions show who changed what.
    let versions = unit.get(&format!("{path}/versions")).await.body;
    let newest = &versions[0];
    assert_eq!(
        (newest["version"].as_i64(), newest["note"].as_str()),
        (Some(2), Some("办理地点调整"))
    );
    assert!(
        newest["diff"].as_str().expect("diff").contains("+带身份证和居住证明到社区服务站办理。"),
        "{newest}"
    );
    assert_eq!(newest["edited_by"], "东城区单位管理员陈静");
    assert_eq!(versions[1]["published"], true);
    assert_eq!(agent.get(&format!("{path}/versions")).await.status, 403);
    review(&supervisor, &id, "publish").await;
    assert_eq!(agent.get(&path).await.body["body"], "带身份证和居住证明到社区服务站办理。");
}

async fn bad_articles_are_refused_whole(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let unit = t.login("district_a_manager").await;
    let res = unit
        .post(
            "/api/v1/kb/articles",
            json!({"title": "x", "body": "答复<script>alert(1)</script>", "category_ids": [uuid::Uuid::nil()],
                   "keywords": ["a,b"], "valid_from": "2026-12-10", "valid_to": "2026-12-01"}),
        )
        .await;
    assert_eq!(res.status, 422, "{}", res.body);
    for (field, code) in [
        ("title", "too_short"),
        ("body", "not_allowed"),
        ("category_ids[0]", "not_found"),
        ("keywords[0]", "invalid_format"),
        ("valid_to", "invalid_value"),
    ] {
        assert_eq!(res.field_code(field), code, "{field}: {}", res.body);
    }
    // A unit cannot write in another unit's name; agents cannot write at all.
    let res = unit
        .post(
            "/api/v1/kb/articles",
            json!({"title": "西城区", "body": "正文", "owner_org_id": t.org_id("XICHENG").await}),
        )
        .await;
    assert_eq!(res.status, 403, "{}", res.body);
    let agent = t.login("agent").await;
    assert_eq!(
        agent.post("/api/v1/kb/articles", json!({"title": "知识", "body": "正文"})).await.status,
        403
    );
    assert_eq!(
        unit.get("/api/v1/kb/articles?status=nope").await.field_code("status"),
        "invalid_value"
    );
    let res = unit.get(&format!("/api/v1/kb/articles?q={}", "长".repeat(101))).await;
    assert_eq!(res.field_code("q"), "too_long");
    assert_eq!(t.audit_count("kb.create").await, 0);
}

async fn feedback_reaches_the_owner_and_articles_expire(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let unit = t.login("district_a_manager").await;
    let supervisor = t.login("supervisor").await;
    let agent = t.login("agent").await;
    // The test clock starts on 2026-11-24.
    let a = article(
        &unit,
        json!({"title": "冬季供暖时间", "body": "11月15日起供暖。", "valid_to": "2026-11-30"}),
    )
    .await;
    let id = a["id"].as_str().expect("id").to_owned();
    review(&unit, &id, "submit").await;
    review(&supervisor, &id, "publish").await;
    let fb = format!("/api/v1/kb/articles/{id}/feedback");
    let res = agent.post(&fb, json!({"kind": "outdated"})).await;
    assert_eq!((res.status, res.field_code("comment")), (422, "required"));
    assert_eq!(
        agent.post(&fb, json!({"kind": "outdated", "comment": "今年改为11月10日起"})).await.status,
        204
    );
    assert_eq!(agent.post(&fb, json!({"kind": "helpful"})).await.status, 204);
    let seen = unit.get(&fb).await.body;
    assert_eq!(seen[1]["comment"], "今年改为11月10日起", "{seen}");
    assert_eq!(seen[1]["by"], "话务员王芳");
    assert_eq!(agent.get(&fb).await.status, 403);
    let view = unit.get(&format!("/api/v1/kb/articles/{id}")).await.body;
    assert_eq!((view["helpful"].as_i64(), view["outdated"].as_i64()), (Some(1), Some(1)));
    // Within the notice window the owner is told; after its last day it expires.
    assert_eq!(t.app.run_kb_expiry().await.expect("expiry"), 1);
    assert_eq!(t.app.run_kb_expiry().await.expect("expiry"), 0, "told once");
    t.advance(chrono::Duration::days(7));
    assert_eq!(t.app.run_kb_expiry().await.expect("expiry"), 1);
    // A week on, everyone signs in again.
    let (unit, agent) = (t.login("district_a_manager").await, t.login("agent").await);
    let view = unit.get(&format!("/api/v1/kb/articles/{id}")).await.body;
    assert_eq!((view["status"].as_str(), view["in_use"].as_bool()), (Some("expired"), Some(false)));
    assert_eq!(agent.get("/api/v1/kb/articles").await.body["total"], 0);
    assert_eq!(t.audit_count("kb.expire").await, 1);
}

fn workbook(rows: &[[&str; 8]]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let header = ["标题", "正文", "答复口径", "检索词", "分类", "维护单位", "生效日期", "失效日期"];
    for (r, row) in std::iter::once(&header).chain(rows).enumerate() {
        for (c, cell) in row.iter().enumerate() {
            sheet
                .write_string(u32::try_from(r).expect("row"), u16::try_from(c).expect("col"), *cell)
                .expect("cell");
        }
    }
    book.save_to_buffer().expect("xlsx")
}

async fn import(api: &Api, bytes: Vec<u8>) -> crate::harness::Resp {
    api.raw(
        api.client
            .post(api.url("/api/v1/kb/articles/import"))
            .header("content-type", "application/octet-stream")
            .body(bytes),
    )
    .await
}

async fn articles_go_out_and_come_in_as_spreadsheets(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let supervisor = t.login("supervisor").await;
    let water = "城乡建设 / 城市建设和市政管理 / 自来水供应";
    // A file with one bad row imports nothing, and names every bad cell.
    let bad = workbook(&[
        [
            "停水查询",
            "拨打96116。",
            "您好，请拨打96116。",
            "停水,没水",
            water,
            "DONGCHENG",
            "2026-12-01",
            "",
        ],
        ["", "没有标题", "", "", "不存在的分类", "NOPE", "明天", ""],
    ]);
    let res = import(&supervisor, bad).await;
    assert_eq!(
        (res.status, res.field_code("rows[3].valid_from")),
        (422, "invalid_format"),
        "{}",
        res.body
    );
    let bad = workbook(&[
        [
            "停水查询",
            "拨打96116。",
            "您好，请拨打96116。",
            "停水,没水",
            water,
            "DONGCHENG",
            "2026-12-01",
            "",
        ],
        ["", "没有标题", "", "", "不存在的分类", "NOPE", "", ""],
    ]);
    let res = import(&supervisor, bad).await;
    assert_eq!(res.status, 422, "{}", res.body);
    for (field, code) in [
        ("rows[3].title", "required"),
        ("rows[3].categories[0]", "not_found"),
        ("rows[3].owner", "not_found"),
    ] {
        assert_eq!(res.field_code(field), code, "{field}: {}", res.body);
    }
    assert_eq!(
        supervisor.get("/api/v1/kb/articles?status=draft").await.body["total"],
        0,
        "nothing half-imported"
    );
    assert_eq!(
        import(&supervisor, b"not a workbook".to_vec()).await.field_code("file"),
        "invalid_format"
    );
    // A good file imports drafts for their owners.
    let good = workbook(&[
        [
            "停水查询",
            "拨打**96116**。",
            "您好，请拨打96116。",
            "停水,没水",
            water,
            "DONGCHENG",
            "2026-12-01",
            "",
        ],
        ["供暖时间", "11月15日起。", "", "", "", "", "", "2027-03-15"],
    ]);
    let res = import(&supervisor, good).await;
    assert_eq!((res.status, res.body["imported"].as_u64()), (200, Some(2)), "{}", res.body);
    let drafts = supervisor.get("/api/v1/kb/articles?status=draft").await.body;
    assert_eq!(drafts["total"], 2, "{drafts}");
    // The export reads back with the same columns.
    let res = supervisor
        .client
        .get(supervisor.url("/api/v1/kb/articles/export"))
        .send()
        .await
        .expect("get");
    assert_eq!(res.status().as_u16(), 200);
    let bytes = res.bytes().await.expect("bytes");
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).expect("xlsx");
    use calamine::Reader as _;
    let range = book.worksheet_range_at(0).expect("sheet").expect("read");
    let rows: Vec<Vec<String>> =
        range.rows().map(|r| r.iter().map(ToString::to_string).collect()).collect();
    assert_eq!(rows[0][..5], ["标题", "正文", "答复口径", "检索词", "分类"]);
    assert_eq!(t.audit_count("kb.export").await, 1);
    let water_row = rows.iter().find(|r| r[0] == "停水查询").expect("the imported article");
    assert_eq!(
        (water_row[3].as_str(), water_row[4].as_str(), water_row[5].as_str()),
        ("停水,没水", water, "DONGCHENG")
    );
    // Agents neither import nor export.
    let agent = t.login("agent").await;
    assert_eq!(import(&agent, workbook(&[])).await.status, 403);
    assert_eq!(agent.get("/api/v1/kb/articles/export").await.status, 403);
}
