//! The leaders' daily briefing: compiled from agents' excerpts, published and frozen, read by
//! the leaders, who instruct on its items; an instruction lands on the ticket's timeline and
//! tells the units holding it.

use serde_json::{Value, json};

use crate::harness::{Backend, TestApp, act, both_backends, new_ticket, ok};

both_backends!(
    a_briefing_is_compiled_from_excerpts_published_and_instructed_on,
    drafts_refuse_bad_items_and_stale_saves,
);

const EXCERPT: &str = "东华门大街供水管爆裂，周边三个小区停水，市民反映强烈。";

async fn a_briefing_is_compiled_from_excerpts_published_and_instructed_on(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let (agent, dispatcher) = (t.login("agent").await, t.login("dispatcher").await);
    let (supervisor, leader) = (t.login("supervisor").await, t.login("leader").await);
    let id = new_ticket(&agent, "东华门大街水管爆裂").await;
    let plain = new_ticket(&agent, "咨询社保卡补办").await;
    ok(&agent, &id, "excerpt", json!({"content": EXCERPT})).await;
    let (dongcheng, zjw) = (t.org_id("DONGCHENG").await, t.org_id("ZJW").await);
    ok(&dispatcher, &id, "dispatch", json!({"org_id": dongcheng, "assist_org_ids": [zjw]})).await;

    // The editor lists the excerpts of the week, and only those.
    let excerpts = supervisor.get("/api/v1/briefings/excerpts").await;
    assert_eq!(excerpts.status, 200, "{}", excerpts.body);
    let items = excerpts.body["items"].as_array().expect("items");
    assert_eq!(items.len(), 1, "{}", excerpts.body);
    assert_eq!(
        (items[0]["ticket_id"].as_str(), items[0]["excerpt"].as_str()),
        (Some(&*id), Some(EXCERPT))
    );
    assert!(items[0]["briefing_id"].is_null());
    assert_eq!(
        (excerpts.body["from"].as_str(), excerpts.body["to"].as_str()),
        (Some("2026-11-18"), Some("2026-11-24"))
    );
    assert_eq!(leader.get("/api/v1/briefings/excerpts").await.status, 403);
    assert_eq!(leader.post("/api/v1/briefings", json!({"day": "2026-11-24"})).await.status, 403);

    let res = supervisor.post("/api/v1/briefings", json!({"day": "2026-11-24"})).await;
    assert_eq!(res.status, 201, "{}", res.body);
    let briefing = res.body["id"].as_str().expect("id").to_owned();
    assert_eq!(
        (res.body["title"].as_str(), res.body["state"].as_str(), res.body["version"].as_i64()),
        (Some("要情摘报 2026-11-24"), Some("draft"), Some(0))
    );
    // A draft is not the leaders' to see.
    assert_eq!(leader.get("/api/v1/briefings").await.body["total"], 0);
    assert_eq!(leader.get(&format!("/api/v1/briefings/{briefing}")).await.status, 404);
    assert_eq!(supervisor.get("/api/v1/briefings?state=draft").await.body["total"], 1);

    let path = format!("/api/v1/briefings/{briefing}");
    let draft = json!({
        "title": "要情摘报（第1期）",
        "foreword": "请各单位高度重视。",
        "version": 0,
        "items": [{"ticket_id": id, "headline": "东城区供水管爆裂致三小区停水", "body": EXCERPT}],
    });
    let res = supervisor.put(&path, draft.clone()).await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!((res.body["version"].as_i64(), res.body["item_count"].as_i64()), (Some(1), Some(1)));
    let excerpts = supervisor.get("/api/v1/briefings/excerpts").await.body;
    assert_eq!(excerpts["items"][0]["briefing_id"].as_str(), Some(&*briefing));

    // Nothing to publish in an empty briefing; a draft may be thrown away.
    let empty =
        supervisor.post("/api/v1/briefings", json!({"day": "2026-11-23", "title": "备用"})).await;
    let empty = empty.body["id"].as_str().expect("id").to_owned();
    let res = supervisor.post(&format!("/api/v1/briefings/{empty}/publish"), json!({})).await;
    assert_eq!((res.status, res.field_code("items")), (422, "required"), "{}", res.body);
    assert_eq!(supervisor.delete(&format!("/api/v1/briefings/{empty}")).await.status, 204);
    assert_eq!(supervisor.get(&format!("/api/v1/briefings/{empty}")).await.status, 404);

    // An instruction may only name a published briefing that carries the ticket.
    let res =
        act(&leader, &id, "instruct", json!({"content": "请抓紧", "briefing_id": briefing})).await;
    assert_eq!((res.status, res.field_code("briefing_id")), (422, "invalid_value"), "{}", res.body);

    let res = supervisor.post(&format!("{path}/publish"), json!({})).await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.body["state"], "published");
    assert_eq!(res.body["published_by_name"], "班长赵敏");
    // Published, it stands.
    let mut late = draft.clone();
    late["version"] = json!(2);
    let res = supervisor.put(&path, late).await;
    assert_eq!((res.status, res.code()), (409, "already_published"), "{}", res.body);
    let res = supervisor.delete(&path).await;
    assert_eq!((res.status, res.code()), (409, "already_published"));
    let res = supervisor.post(&format!("{path}/publish"), json!({})).await;
    assert_eq!((res.status, res.code()), (409, "already_published"));

    // The leader reads it and instructs on the item; the units holding the ticket are told.
    let listed = leader.get("/api/v1/briefings").await.body;
    assert_eq!(listed["total"], 1, "{listed}");
    let read = leader.get(&path).await;
    assert_eq!(read.status, 200, "{}", read.body);
    let item = &read.body["items"][0];
    assert_eq!(
        (item["headline"].as_str(), item["ticket_state"].as_str(), read.body["foreword"].as_str()),
        (Some("东城区供水管爆裂致三小区停水"), Some("dispatched"), Some("请各单位高度重视。"))
    );
    assert!(item["ticket_number"].as_str().is_some_and(|n| !n.is_empty()));
    let res =
        act(&leader, &id, "instruct", json!({"content": "  ", "briefing_id": briefing})).await;
    assert_eq!((res.status, res.field_code("content")), (422, "required"));
    let res = act(&supervisor, &id, "instruct", json!({"content": "请抓紧"})).await;
    assert_eq!(res.status, 403, "only leaders instruct");

    let mut live = t.app.subscribe();
    let words = "请东城区会同住建委今日内恢复供水，并做好群众解释工作。";
    let view =
        ok(&leader, &id, "instruct", json!({"content": words, "briefing_id": briefing})).await;
    assert_eq!(view["counters"]["instructions"], 1, "{view}");
    assert_eq!(view["state"], "dispatched", "an instruction moves nothing");
    let mut told = Vec::new();
    while let Ok(event) = live.try_recv() {
        if event.kind == "instruction" {
            told.push(event.holder_org_id.map(|o| o.to_string()));
        }
    }
    told.sort();
    let mut expected = vec![Some(dongcheng.clone()), Some(zjw.clone())];
    expected.sort();
    assert_eq!(told, expected, "the lead unit and the assisting unit are both told");
    let event = hotline_app::events::LiveEvent {
        kind: "instruction",
        ticket_id: id.parse().expect("uuid"),
        action: "instruct".to_owned(),
        holder_org_id: Some(dongcheng.parse().expect("uuid")),
    };
    for (user, sees) in [("district_a", true), ("street_a1", false), ("district_b", false)] {
        let ctx = t.app.ctx_for_user(user).await.expect("ctx");
        let principal = ctx.principal.expect("principal");
        assert_eq!(t.app.visible_to(&principal, &event).await.expect("visible"), sees, "{user}");
    }

    // On the timeline, in the unit's work list, and under the briefing's item.
    let ticket = leader.get(&format!("/api/v1/tickets/{id}")).await.body;
    let entry = ticket["timeline"]
        .as_array()
        .and_then(|e| e.iter().find(|e| e["action"] == "instruct"))
        .unwrap_or_else(|| panic!("no instruction on the timeline: {ticket}"));
    assert_eq!(
        (entry["opinion"].as_str(), entry["detail"]["briefing_id"].as_str()),
        (Some(words), Some(&*briefing))
    );
    let unit = t.login("district_a").await.get("/api/v1/tickets?view=inbox").await.body;
    let row = unit["items"]
        .as_array()
        .and_then(|items| items.iter().find(|r| r["id"] == *id))
        .unwrap_or_else(|| panic!("not in the unit's inbox: {unit}"));
    assert_eq!(row["instruction_count"], 1);
    let read = leader.get(&path).await.body;
    let instructions = &read["items"][0]["instructions"];
    assert_eq!(
        (instructions[0]["content"].as_str(), instructions[0]["author_name"].as_str()),
        (Some(words), Some("中心主任周建国")),
        "{read}"
    );
    assert_eq!(read["instruction_count"], 1);

    // An instruction outside any briefing, on an appeal no unit holds yet, is on the record.
    let view = ok(&leader, &plain, "instruct", json!({"content": "请关注此类咨询"})).await;
    assert_eq!(view["counters"]["instructions"], 1);
    assert_eq!(t.audit_count("ticket.instruct").await, 2);
    assert_eq!(t.audit_count("briefing.create").await, 2);
    assert_eq!(t.audit_count("briefing.update").await, 1);
    assert_eq!(t.audit_count("briefing.publish").await, 1);
    assert_eq!(t.audit_count("briefing.delete").await, 1);
}

async fn drafts_refuse_bad_items_and_stale_saves(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let (agent, supervisor) = (t.login("agent").await, t.login("supervisor").await);
    let id = new_ticket(&agent, "东华门大街水管爆裂").await;
    ok(&agent, &id, "excerpt", json!({"content": EXCERPT})).await;

    for (body, field, code) in [
        (json!({"day": "2026-13-01"}), "day", "invalid_format"),
        (json!({"day": "2026-11-24", "title": "x".repeat(201)}), "title", "too_long"),
    ] {
        let res = supervisor.post("/api/v1/briefings", body).await;
        assert_eq!((res.status, res.field_code(field)), (422, code), "{}", res.body);
    }
    let res = supervisor.post("/api/v1/briefings", json!({"day": "2026-11-24"})).await;
    let path = format!("/api/v1/briefings/{}", res.body["id"].as_str().expect("id"));
    let item = |ticket: &str, headline: &str| json!({"ticket_id": ticket, "headline": headline, "body": EXCERPT});
    let unknown = "00000000-0000-7000-8000-000000000000";
    let res = supervisor
        .put(
            &path,
            json!({"title": "", "version": 0, "items": [item(&id, " "), item(&id, "再次"), item(unknown, "无此件")]}),
        )
        .await;
    assert_eq!(res.status, 422, "{}", res.body);
    for (field, code) in [
        ("title", "required"),
        ("items[0].headline", "required"),
        ("items[1].ticket_id", "invalid_value"),
        ("items[2].ticket_id", "not_found"),
    ] {
        assert_eq!(res.field_code(field), code, "{field}: {}", res.body);
    }
    let unchanged: Value = supervisor.get(&path).await.body;
    assert_eq!(
        (unchanged["version"].as_i64(), unchanged["item_count"].as_i64()),
        (Some(0), Some(0))
    );

    // Two editors: the second save, from the version both started at, is refused.
    let body = json!({"title": "要情摘报", "version": 0, "items": [item(&id, "供水管爆裂")]});
    assert_eq!(supervisor.put(&path, body.clone()).await.status, 200);
    let res = supervisor.put(&path, body).await;
    assert_eq!((res.status, res.code()), (409, "concurrent_update"), "{}", res.body);
    let res = supervisor.get("/api/v1/briefings?state=nonsense").await;
    assert_eq!((res.status, res.field_code("state")), (422, "invalid_value"));
    let res = supervisor.get("/api/v1/briefings/excerpts?from=2026-11-24&to=2026-11-01").await;
    assert_eq!((res.status, res.field_code("to")), (422, "invalid_value"));
    assert_eq!(t.audit_count("briefing.update").await, 1, "refused saves change nothing");
}
