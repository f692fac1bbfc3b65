//! The work-order desk as its users work (issue #18): exports, regions from addresses, the
//! callback requirement and a contact number, attachments, category search words, common
//! phrases and a person's preferences.

use serde_json::{Value, json};

use crate::harness::{
    Api, Backend, TestApp, act, both_backends, category, new_ticket, ok, sheet, ticket_body,
};

both_backends!(
    work_lists_download_as_spreadsheets,
    the_region_comes_from_the_address,
    no_callback_closes_at_approval_and_a_contact_number_is_kept_apart,
    attachments_upload_attach_and_download_by_ticket_access,
    categories_are_found_by_the_words_callers_use,
    phrases_are_personal_or_shared,
    preferences_follow_the_person,
    corrections_keep_versions_and_drafts_are_their_authors,
);

async fn work_lists_download_as_spreadsheets(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let agent = t.login("agent").await;
    let dispatcher = t.login("dispatcher").await;
    let first = new_ticket(&agent, "楼道灯坏了").await;
    new_ticket(&agent, "自来水浑浊").await;
    let number = agent.get(&format!("/api/v1/tickets/{first}")).await.body["number"].clone();

    let (headers, rows) =
        sheet(&dispatcher, "/api/v1/tickets?view=to_dispatch&format=xlsx", "zh-CN").await;
    assert_eq!(
        headers["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let disposition = headers["content-disposition"].to_str().expect("ascii");
    assert!(
        disposition.starts_with("attachment;") && disposition.contains(".xlsx"),
        "{disposition}"
    );
    assert_eq!(rows[0][..3], ["工单编号", "标题", "状态"]);
    assert_eq!(rows.len(), 3, "a header and both tickets: {rows:?}");
    let row = rows.iter().find(|r| r[0] == number).expect("the first ticket's row");
    assert_eq!((row[1].as_str(), row[2].as_str()), ("楼道灯坏了", "待派单"));
    // The filters apply: a title search exports one row; English headers on request.
    let (_, rows) =
        sheet(&dispatcher, "/api/v1/tickets?q=%E8%87%AA%E6%9D%A5%E6%B0%B4&format=xlsx", "en").await;
    assert_eq!((rows.len(), rows[0][0].as_str(), rows[1][1].as_str()), (2, "Number", "自来水浑浊"));
    // Exports are audited apart from reads, with what was asked.
    assert_eq!(t.audit_count("ticket.export").await, 2);
    // A unit exports only what it sees, with numbers masked.
    ok(&dispatcher, &first, "dispatch", json!({"org_id": t.org_id("DONGCHENG").await})).await;
    let district = t.login("district_a").await;
    let (_, rows) = sheet(&district, "/api/v1/tickets?format=xlsx", "zh-CN").await;
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[1][7], "138****8000");
    // A bad format is a field error, not a JSON page.
    let res = dispatcher.get("/api/v1/tickets?format=pdf").await;
    assert_eq!((res.status, res.field_code("format")), (422, "invalid_value"), "{}", res.body);
    // The audit trail exports too, for its readers only.
    let auditor = t.login("auditor").await;
    let (_, rows) = sheet(&auditor, "/api/v1/audit?action=ticket&format=xlsx", "zh-CN").await;
    assert_eq!(rows[0][..5], ["序号", "时间", "操作人", "账号", "单位"]);
    let by_agent = rows.iter().find(|r| r[3] == "agent").expect("a row of the agent's");
    assert_eq!((by_agent[2].as_str(), by_agent[4].as_str()), ("话务员王芳", "市12345热线中心"));
    assert!(rows.len() > 2, "{rows:?}");
    assert_eq!(agent.get("/api/v1/audit?format=xlsx").await.status, 403);
}

async fn the_region_comes_from_the_address(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let agent = t.login("agent").await;
    let street = t.org_id("DONGCHENG-DHM").await;
    let res = agent.get("/api/v1/regions/match?address=%E4%B8%9C%E5%9F%8E%E5%8C%BA%E4%B8%9C%E5%8D%8E%E9%97%A8%E5%A4%A7%E8%A1%971%E5%8F%B7").await;
    assert_eq!(
        (res.status, res.body["region"]["id"].as_str()),
        (200, Some(street.as_str())),
        "{}",
        res.body
    );
    let res = agent.get("/api/v1/regions/match?address=%E6%9C%9D%E9%98%B3%E5%8C%BA").await;
    assert_eq!(res.body["region"], Value::Null, "朝阳区 is not in this city's tree");

    // Registered without a region, the ticket takes the one its address names…
    let id = new_ticket(&agent, "路灯").await;
    let view = agent.get(&format!("/api/v1/tickets/{id}")).await.body;
    assert_eq!(view["region_org_id"].as_str(), Some(street.as_str()), "{view}");
    assert_eq!(view["region_org"]["name"], "东华门街道办事处");
    // …while a region given is kept as given, and a bad one is a field error.
    let mut body = ticket_body(&agent, "路灯").await;
    body["region_org_id"] = json!(t.org_id("XICHENG").await);
    let res = agent.post("/api/v1/tickets", body.clone()).await;
    assert_eq!(res.body["region_org_id"].as_str(), Some(t.org_id("XICHENG").await.as_str()));
    body["region_org_id"] = json!(uuid::Uuid::nil());
    let res = agent.post("/api/v1/tickets", body).await;
    assert_eq!((res.status, res.field_code("region_org_id")), (422, "not_found"));
}

async fn no_callback_closes_at_approval_and_a_contact_number_is_kept_apart(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let agent = t.login("agent").await;
    let dispatcher = t.login("dispatcher").await;
    let bureau = t.login("bureau_a").await;
    let supervisor = t.login("supervisor").await;
    let mut body = ticket_body(&agent, "咨询办理进度").await;
    body["callback_requirement"] = json!("无需回访");
    body["contact_phone"] = json!("139 1234 5678");
    let res = agent.post("/api/v1/tickets", body.clone()).await;
    assert_eq!(res.status, 201, "{}", res.body);
    assert_eq!(res.body["callback_requirement"], "not_required");
    assert_eq!(res.body["caller"]["contact_phone"], "13912345678");
    assert_eq!(res.body["caller"]["phone"], "13800138000");
    let id = res.body["id"].as_str().expect("id").to_owned();
    ok(&dispatcher, &id, "dispatch", json!({"org_id": t.org_id("ZJW").await})).await;
    // The unit sees both numbers masked, and reveals both with a reason.
    let seen = bureau.get(&format!("/api/v1/tickets/{id}")).await.body;
    assert_eq!(seen["caller"]["contact_phone"], "139****5678");
    let revealed = bureau
        .post(
            &format!("/api/v1/tickets/{id}/actions/reveal_contact"),
            json!({"reason": "联系市民"}),
        )
        .await;
    assert_eq!(revealed.body["contact_phone"], "13912345678", "{}", revealed.body);
    ok(&bureau, &id, "accept", json!({})).await;
    ok(&bureau, &id, "reply", json!({"content": "已答复市民办理进度"})).await;
    let v = ok(&supervisor, &id, "approve_reply", json!({})).await;
    assert_eq!(
        (v["state"].as_str(), v["close_reason"].as_str()),
        (Some("closed"), Some("no_callback")),
        "{v}"
    );

    // Bad values are field errors and register nothing.
    let before = agent.get("/api/v1/tickets").await.body["total"].clone();
    body["callback_requirement"] = json!("maybe");
    body["contact_phone"] = json!("call me");
    let res = agent.post("/api/v1/tickets", body).await;
    assert_eq!(
        (res.status, res.field_code("callback_requirement"), res.field_code("contact_phone")),
        (422, "invalid_value", "invalid_format"),
        "{}",
        res.body
    );
    assert_eq!(agent.get("/api/v1/tickets").await.body["total"], before);
    // Without a requirement the callback is required, as before.
    let id = new_ticket(&agent, "默认回访").await;
    assert_eq!(
        agent.get(&format!("/api/v1/tickets/{id}")).await.body["callback_requirement"],
        "required"
    );
}

/// The smallest PNG: a 1×1 transparent pixel.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00, 0x01, 0x00, 0x00,
    0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE,
    0x42, 0x60, 0x82,
];

fn urlencoding(raw: &str) -> String {
    raw.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b == b'.' {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

async fn upload(api: &Api, name: &str, bytes: &'static [u8]) -> crate::harness::Resp {
    api.raw(
        api.client
            .post(api.url(&format!("/api/v1/files?file_name={}", urlencoding(name))))
            .header("content-type", "application/octet-stream")
            .body(bytes),
    )
    .await
}

async fn attachments_upload_attach_and_download_by_ticket_access(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let agent = t.login("agent").await;
    let dispatcher = t.login("dispatcher").await;
    let district = t.login("district_a").await;

    let res = upload(&agent, "现场.png", PNG).await;
    assert_eq!(
        (res.status, res.body["content_type"].as_str()),
        (201, Some("image/png")),
        "{}",
        res.body
    );
    let photo = res.body.clone();
    // What a browser would run is refused, whatever it is called.
    let res = upload(&agent, "photo.png", b"<html><script>alert(1)</script></html>").await;
    assert_eq!((res.status, res.field_code("file")), (422, "invalid_value"), "{}", res.body);
    let res = upload(&agent, "empty.png", b"").await;
    assert_eq!((res.status, res.field_code("file")), (422, "required"));
    assert_eq!(
        Api::new(&agent.base)
            .raw(
                Api::new(&agent.base)
                    .client
                    .post(agent.url("/api/v1/files?file_name=a.png"))
                    .body(PNG)
            )
            .await
            .status,
        401
    );

    // Attached at intake…
    let mut body = ticket_body(&agent, "井盖缺失").await;
    body["attachments"] = json!([photo]);
    let id = agent.post("/api/v1/tickets", body).await.body["id"].as_str().expect("id").to_owned();
    ok(&dispatcher, &id, "dispatch", json!({"org_id": t.org_id("DONGCHENG").await})).await;
    ok(&district, &id, "accept", json!({})).await;
    // …and with a reply, tied to its timeline entry.
    let after = upload(&district, "整改后.png", PNG).await.body;
    let v =
        ok(&district, &id, "reply", json!({"content": "已补装井盖", "attachments": [after]})).await;
    let attachments = v["attachments"].as_array().expect("attachments");
    assert_eq!(attachments.len(), 2, "{v}");
    let reply_event = v["timeline"]
        .as_array()
        .expect("timeline")
        .iter()
        .find(|e| e["action"] == "reply")
        .expect("reply");
    let with_reply =
        attachments.iter().find(|a| a["event_id"] == reply_event["id"]).expect("the reply's photo");
    assert_eq!(
        (with_reply["file_name"].as_str(), with_reply["downloadable"].as_bool()),
        (Some("整改后.png"), Some(true))
    );

    // Read back by whoever may open the ticket, audited; refused to a unit outside it.
    let path =
        format!("/api/v1/tickets/{id}/attachments/{}", with_reply["id"].as_str().expect("id"));
    let res = district.client.get(district.url(&path)).send().await.expect("get");
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(res.headers()["content-type"], "image/png");
    assert!(res.headers()["content-disposition"].to_str().expect("ascii").starts_with("inline"));
    assert_eq!(res.bytes().await.expect("bytes").as_ref(), PNG);
    assert_eq!(t.audit_count("ticket.attachment_read").await, 1);
    let bureau = t.login("bureau_a").await;
    assert_eq!(bureau.get(&path).await.status, 403);
    // An attachment is found only through its own ticket.
    let other = new_ticket(&agent, "别的工单").await;
    let wrong =
        format!("/api/v1/tickets/{other}/attachments/{}", with_reply["id"].as_str().expect("id"));
    assert_eq!(agent.get(&wrong).await.status, 404);
    // A bad attachment on an action is a field error and the action does not happen.
    let res = act(&district, &id, "contact_citizen", json!({"content": "已电话联系", "attachments": [{"file_name": "", "content_type": "image/png", "size_bytes": -1}]})).await;
    assert_eq!(
        (
            res.status,
            res.field_code("attachments[0].file_name"),
            res.field_code("attachments[0].size_bytes")
        ),
        (422, "required", "invalid_value"),
        "{}",
        res.body
    );
}

async fn categories_are_found_by_the_words_callers_use(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let admin = t.login("admin").await;
    let agent = t.login("agent").await;
    let lifts = category(&agent, "特种设备管理").await;
    let tree = agent.get("/api/v1/categories").await.body;
    let node = find(&tree, &lifts).expect("the category");
    assert!(node["keywords"].as_array().expect("keywords").contains(&json!("电梯")), "{node}");
    assert_eq!(node["pinyin"], "tzsbgl");
    // Admins keep the words; a word with a comma or too long is a field error.
    let path = format!("/api/v1/categories/{lifts}");
    let res = admin.patch(&path, json!({"keywords": ["电梯", "扶梯", "电梯", " 困人 "]})).await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.body["keywords"], json!(["电梯", "扶梯", "困人"]));
    let res = admin.patch(&path, json!({"keywords": ["a,b", "长".repeat(21)]})).await;
    assert_eq!(
        (res.status, res.field_code("keywords[0]"), res.field_code("keywords[1]")),
        (422, "invalid_format", "too_long"),
        "{}",
        res.body
    );
    assert_eq!(agent.patch(&path, json!({"keywords": []})).await.status, 403);
    let node = find(&agent.get("/api/v1/categories").await.body, &lifts).cloned().expect("again");
    assert_eq!(node["keywords"], json!(["电梯", "扶梯", "困人"]));
}

fn find<'a>(nodes: &'a Value, id: &str) -> Option<&'a Value> {
    nodes
        .as_array()?
        .iter()
        .find_map(|n| if n["id"] == id { Some(n) } else { find(&n["children"], id) })
}

async fn phrases_are_personal_or_shared(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let agent = t.login("agent").await;
    let supervisor = t.login("supervisor").await;
    let res = agent
        .post(
            "/api/v1/phrases",
            json!({"content": "您好，您反映的问题已转相关单位办理。", "purpose": "reply"}),
        )
        .await;
    assert_eq!((res.status, res.body["shared"].as_bool()), (201, Some(false)), "{}", res.body);
    let mine = res.body["id"].as_str().expect("id").to_owned();
    // Only those who keep the shared list add to it; the refusal is audited.
    let denied = t.audit_count("access.denied").await;
    assert_eq!(
        agent.post("/api/v1/phrases", json!({"content": "共享", "shared": true})).await.status,
        403
    );
    assert!(t.audit_count("access.denied").await > denied);
    let res = supervisor.post("/api/v1/phrases", json!({"content": "请于三个工作日内办结并答复市民。", "purpose": "opinion", "shared": true})).await;
    assert_eq!(res.status, 201, "{}", res.body);
    let shared = res.body["id"].as_str().expect("id").to_owned();
    // The agent sees their own, then the shared one they cannot change.
    let list = agent.get("/api/v1/phrases").await.body;
    let ids: Vec<&str> =
        list.as_array().expect("list").iter().filter_map(|p| p["id"].as_str()).collect();
    assert_eq!(ids, [mine.as_str(), shared.as_str()]);
    assert_eq!(list[1]["editable"], false);
    assert_eq!(
        agent.patch(&format!("/api/v1/phrases/{shared}"), json!({"content": "改"})).await.status,
        403
    );
    // Someone else's own phrase does not exist for the supervisor.
    assert_eq!(supervisor.delete(&format!("/api/v1/phrases/{mine}")).await.status, 404);
    let res = agent.patch(&format!("/api/v1/phrases/{mine}"), json!({"content": "  "})).await;
    assert_eq!((res.status, res.field_code("content")), (422, "required"));
    assert_eq!(agent.delete(&format!("/api/v1/phrases/{mine}")).await.status, 204);
    assert_eq!(agent.get("/api/v1/phrases").await.body.as_array().map(Vec::len), Some(1));
    assert_eq!(t.audit_count("phrase.create").await, 2);
}

async fn preferences_follow_the_person(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let agent = t.login("agent").await;
    let res = agent.get("/api/v1/me/preferences").await;
    assert_eq!(
        res.body,
        json!({"language": "zh-CN", "notify_new_work": false, "notify_sound": false})
    );
    let chosen = json!({"language": "en", "notify_new_work": true, "notify_sound": false});
    assert_eq!(agent.put("/api/v1/me/preferences", chosen.clone()).await.body, chosen);
    // Signed in again elsewhere, the choices are there.
    let again = t.login("agent").await;
    assert_eq!(again.get("/api/v1/me/preferences").await.body, chosen);
    let res = agent
        .put(
            "/api/v1/me/preferences",
            json!({"language": "fr", "notify_new_work": true, "notify_sound": false}),
        )
        .await;
    assert_eq!(res.status, 422, "{}", res.body);
    assert_eq!(again.get("/api/v1/me/preferences").await.body, chosen);
    assert_eq!(t.audit_count("user.preferences").await, 1);
}

async fn corrections_keep_versions_and_drafts_are_their_authors(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let agent = t.login("agent").await;
    let dispatcher = t.login("dispatcher").await;
    let id = new_ticket(&agent, "自来水管爆裂").await;
    let path = format!("/api/v1/tickets/{id}");
    let v = agent.get(&path).await.body;
    let version = v["version"].clone();
    // A registered ticket is corrected with a reason…
    let res = dispatcher.patch(&path, json!({"version": version, "urgency": "urgent"})).await;
    assert_eq!((res.status, res.field_code("reason")), (422, "required"), "{}", res.body);
    let res = dispatcher
        .patch(
            &path,
            json!({"version": version, "reason": "市民补充：已影响整栋楼用水", "urgency": "紧急",
                   "address": "西城区新街口外大街8号", "caller_phone": "13900001111", "demand": ""}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    let v = res.body;
    assert_eq!((v["urgency"].as_str(), v["demand"].as_str()), (Some("urgent"), None));
    assert_eq!(v["region_org"]["name"], "新街口街道办事处", "the region follows the address");
    assert_eq!(v["caller"]["phone"], "13900001111");
    // …and the timeline keeps what the fields were, personal ones only as changed.
    let entry = v["timeline"]
        .as_array()
        .expect("timeline")
        .iter()
        .find(|e| e["action"] == "correct")
        .expect("a correction");
    assert_eq!(entry["opinion"], "市民补充：已影响整栋楼用水");
    assert_eq!(entry["detail"]["version"], 2, "registered is the first version");
    let changes = &entry["detail"]["changes"];
    assert_eq!(changes["urgency"], json!({"before": "normal", "after": "urgent"}));
    assert_eq!(changes["demand"]["before"], "尽快派人维修");
    assert_eq!(changes["caller_phone"], json!({"changed": true}));
    assert!(
        !entry.to_string().contains("13900001111") && !entry.to_string().contains("13800138000")
    );
    assert_eq!(t.audit_count("ticket.correct").await, 1);
    // An edit from an old version is refused and changes nothing.
    let res = dispatcher
        .patch(&path, json!({"version": version, "reason": "再改", "title": "旧版本"}))
        .await;
    assert_eq!((res.status, res.code()), (409, "concurrent_update"), "{}", res.body);
    assert_eq!(agent.get(&path).await.body["title"], "自来水管爆裂");
    // Units do not correct, and nobody deletes a registered ticket.
    ok(&dispatcher, &id, "dispatch", json!({"org_id": t.org_id("DONGCHENG").await})).await;
    let district = t.login("district_a").await;
    let now = agent.get(&path).await.body["version"].clone();
    assert_eq!(
        district
            .patch(&path, json!({"version": now, "reason": "改一下", "title": "x"}))
            .await
            .status,
        403
    );
    assert_eq!(agent.delete(&path).await.status, 409);

    // A draft is its author's to edit without a reason, and to delete.
    let mut body = ticket_body(&agent, "草稿").await;
    body["draft"] = json!(true);
    let draft = agent.post("/api/v1/tickets", body).await.body;
    let draft_path = format!("/api/v1/tickets/{}", draft["id"].as_str().expect("id"));
    let res = agent
        .patch(&draft_path, json!({"version": draft["version"], "title": "草稿（已补充）"}))
        .await;
    assert_eq!(
        (res.status, res.body["title"].as_str()),
        (200, Some("草稿（已补充）")),
        "{}",
        res.body
    );
    assert_eq!(dispatcher.delete(&draft_path).await.status, 403, "not the author's");
    assert_eq!(agent.delete(&draft_path).await.status, 204);
    assert_eq!(agent.get(&draft_path).await.status, 404);
    assert_eq!(t.audit_count("ticket.draft_delete").await, 1);
}
