//! Early warning: alerts raised by the rules as appeals come in, the inbox the center works
//! them in, and the surge rule measured on generated history with planted surges.

use hotline_app::demo::generate::{GenOptions, SurgeSpec};
use serde_json::{Value, json};

use crate::harness::{Backend, TestApp, both_backends, category, new_ticket, ticket_body};

both_backends!(
    watch_words_places_and_callers_raise_alerts,
    the_center_works_an_alert_through_the_inbox,
    a_burst_of_one_kind_in_one_district_is_a_surge,
    a_unit_with_much_of_its_work_overdue_is_in_deadline_trouble,
);

fn of_kind<'a>(page: &'a Value, kind: &str) -> Vec<&'a Value> {
    page["items"].as_array().into_iter().flatten().filter(|a| a["kind"] == kind).collect()
}

async fn watch_words_places_and_callers_raise_alerts(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let agent = t.login("agent").await;
    let supervisor = t.login("supervisor").await;
    // The same caller about the same place and kind three times (the harness's appeal).
    let mut ids = Vec::new();
    for title in ["自来水管爆裂", "自来水管又爆裂", "自来水管第三次爆裂"] {
        ids.push(new_ticket(&agent, title).await);
    }
    // And one appeal with words on the watch list.
    let mut body = ticket_body(&agent, "小区业主准备集体上访").await;
    body["caller_phone"] = json!("139 0000 1111");
    body["address"] = json!("西城区月坛北街5号");
    body["content"] = json!("物业长期不作为，业主说要组织群体上访。");
    let res = agent.post("/api/v1/tickets", body).await;
    assert_eq!(res.status, 201, "{}", res.body);
    let watched = res.body["id"].as_str().expect("id").to_owned();
    t.app.run_job_named("outbox.alerts").await.expect("alerts");

    let page = supervisor.get("/api/v1/alerts").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let words = of_kind(&page.body, "sensitive_words");
    assert_eq!(words.len(), 1, "{}", page.body);
    assert_eq!(words[0]["ticket_ids"], json!([watched]));
    assert_eq!(words[0]["detail"]["words"], json!(["群体", "上访"]));
    let hotspot = of_kind(&page.body, "hotspot");
    assert_eq!(hotspot.len(), 1, "{}", page.body);
    assert_eq!(hotspot[0]["ticket_ids"].as_array().map(Vec::len), Some(3));
    let caller = of_kind(&page.body, "repeat_caller");
    assert_eq!(caller.len(), 1, "{}", page.body);
    // The caller is named masked, never in full.
    let text = caller[0].to_string();
    assert!(!text.contains("13800138000") && text.contains("****"), "{text}");

    // A fourth call joins the open alerts instead of raising new ones.
    ids.push(new_ticket(&agent, "自来水管第四次爆裂").await);
    t.app.run_job_named("outbox.alerts").await.expect("alerts");
    let page = supervisor.get("/api/v1/alerts?kind=repeat_caller").await.body;
    assert_eq!(page["total"], 1);
    assert_eq!(page["items"][0]["ticket_ids"][0], json!(ids[3]));
    assert_eq!(page["items"][0]["ticket_ids"].as_array().map(Vec::len), Some(4));
}

async fn the_center_works_an_alert_through_the_inbox(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let agent = t.login("agent").await;
    let supervisor = t.login("supervisor").await;
    let mut body = ticket_body(&agent, "有人扬言跳楼").await;
    body["content"] = json!("楼顶有人扬言跳楼，情况紧急。");
    assert_eq!(agent.post("/api/v1/tickets", body).await.status, 201);
    t.app.run_job_named("outbox.alerts").await.expect("alerts");
    let alert = supervisor.get("/api/v1/alerts?state=open").await.body["items"][0].clone();
    assert_eq!(
        (alert["kind"].as_str(), alert["state"].as_str()),
        (Some("sensitive_words"), Some("open"))
    );
    let id = alert["id"].as_str().expect("id");
    let go = |step: &str| format!("/api/v1/alerts/{id}/{step}");

    // Agents have no inbox; bad input changes nothing.
    assert_eq!(agent.get("/api/v1/alerts").await.status, 403);
    assert_eq!(agent.post(&go("acknowledge"), json!({})).await.status, 403);
    let res = supervisor.get("/api/v1/alerts?state=sleeping").await;
    assert_eq!((res.status, res.field_code("state")), (422, "invalid_value"));
    let res = supervisor.post(&go("close"), json!({"note": "  "})).await;
    assert_eq!((res.status, res.field_code("note")), (422, "required"));
    let agent_id = t.user_id("agent").await;
    let res = supervisor.post(&go("assign"), json!({"assignee_id": agent_id})).await;
    assert_eq!((res.status, res.field_code("assignee_id")), (422, "not_allowed"));
    assert_eq!(supervisor.post(&go("snooze"), json!({})).await.status / 100, 4);

    let res = supervisor.post(&go("acknowledge"), json!({})).await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.body["state"], "acknowledged");
    assert_eq!(res.body["assignee_id"], json!(t.user_id("supervisor").await));
    let leader = t.user_id("leader").await;
    let res = supervisor.post(&go("assign"), json!({"assignee_id": leader})).await;
    assert_eq!(
        (res.body["state"].as_str(), &res.body["assignee_id"]),
        (Some("assigned"), &json!(leader))
    );
    let res = supervisor.post(&go("close"), json!({"note": "已联系派出所和街道到场处置"})).await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.body["state"], "closed");
    assert!(res.body["closed_at"].is_string());
    let res = supervisor.post(&go("acknowledge"), json!({})).await;
    assert_eq!(res.status, 409, "a closed alert stays closed: {}", res.body);
    assert_eq!(t.audit_count("alert.handle").await, 3);
    assert_eq!(supervisor.get("/api/v1/alerts?state=open").await.body["total"], 0);
}

async fn a_burst_of_one_kind_in_one_district_is_a_surge(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    // Three weeks of ordinary appeals, a thousand a day, all over the city.
    let options =
        GenOptions { tickets: 21_000, days: 21, seed: 7, batch: 2_000, surges: Vec::new() };
    t.app.generate(options, |_| {}).await.expect("generate");
    t.app.run_job_named("alerts.surges").await.expect("surges");
    let supervisor = t.login("supervisor").await;
    assert_eq!(
        supervisor.get("/api/v1/alerts?kind=surge").await.body["total"],
        0,
        "ordinary days raise nothing"
    );
    // Then, within the hour, twenty calls about one kind of thing in 东城区.
    let agent = t.login("agent").await;
    let water = category(&agent, "自来水供应").await;
    let mut ids = Vec::new();
    for i in 0..20 {
        let mut body = ticket_body(&agent, "小区停水").await;
        body["caller_phone"] = json!(format!("1370000{i:04}"));
        body["category_id"] = json!(water);
        let res = agent.post("/api/v1/tickets", body).await;
        assert_eq!(res.status, 201, "{}", res.body);
        ids.push(res.body["id"].as_str().expect("id").to_owned());
    }
    t.app.run_job_named("alerts.surges").await.expect("surges");
    let page = supervisor.get("/api/v1/alerts?kind=surge").await.body;
    assert_eq!(page["total"], 1, "{page}");
    let surge = &page["items"][0];
    assert_eq!(surge["region"]["name"], "东城区", "{surge}");
    assert!(surge["detail"]["count"].as_u64().is_some_and(|n| n >= 20), "{surge}");
    let listed: Vec<&str> =
        surge["ticket_ids"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
    assert!(ids.iter().all(|id| listed.contains(&id.as_str())), "{surge}");
    // The same burst does not alarm again while the cell is quiet.
    t.app.run_job_named("alerts.surges").await.expect("surges");
    assert_eq!(
        supervisor.get("/api/v1/alerts?kind=surge").await.body["items"][0]["id"],
        surge["id"]
    );
    assert_eq!(supervisor.get("/api/v1/alerts?kind=surge").await.body["total"], 1);

    // The replay over generated history finds a planted surge and nothing else.
    let planted = TestApp::spawn(backend).await;
    let options = GenOptions {
        tickets: 40_000,
        days: 30,
        seed: 11,
        batch: 2_000,
        surges: vec!["城乡建设:东城区:3".parse::<SurgeSpec>().expect("spec")],
    };
    planted.app.generate(options, |_| {}).await.expect("generate");
    let report = planted.app.evaluate_alerts(14).await.expect("eval");
    assert_eq!(report.detections.len(), 1);
    let delay = report.detections[0].delay_minutes.expect("the planted surge is found");
    assert!(delay <= 60, "found after {delay} min");
    assert!(report.false_alarms_per_day() < 1.0, "{:?}", report.false_alarms);
}

async fn a_unit_with_much_of_its_work_overdue_is_in_deadline_trouble(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let agent = t.login("agent").await;
    let dispatcher = t.login("dispatcher").await;
    let street = t.org_id("DONGCHENG-DHM").await;
    let bureau = t.org_id("ZJW").await;
    let mut late = Vec::new();
    for i in 0..5 {
        let id = new_ticket(&agent, &format!("路灯不亮{i}")).await;
        let res = dispatcher
            .post(&format!("/api/v1/tickets/{id}/actions/dispatch"), json!({"org_id": street}))
            .await;
        assert_eq!(res.status, 200, "{}", res.body);
        late.push(id);
    }
    // Four late at the bureau: too few to count as trouble.
    for i in 0..4 {
        let id = new_ticket(&agent, &format!("施工噪音{i}")).await;
        let res = dispatcher
            .post(&format!("/api/v1/tickets/{id}/actions/dispatch"), json!({"org_id": bureau}))
            .await;
        assert_eq!(res.status, 200, "{}", res.body);
    }
    t.app.run_job_named("stats.rollup").await.expect("rollup");
    t.app.run_job_named("alerts.deadlines").await.expect("deadlines");
    let supervisor = t.login("supervisor").await;
    let none = supervisor.get("/api/v1/alerts?kind=deadline_trouble").await;
    assert_eq!(none.body["total"], 0, "nothing is late yet: {}", none.body);

    t.advance(chrono::Duration::days(30));
    t.app.run_job_named("tickets.timers").await.expect("timers");
    t.app.run_job_named("stats.rollup").await.expect("rollup");
    t.app.run_job_named("alerts.deadlines").await.expect("deadlines");
    // Twice: the same unit keeps one open alert.
    t.app.run_job_named("alerts.deadlines").await.expect("deadlines");
    let supervisor = t.login("supervisor").await;
    let res = supervisor.get("/api/v1/alerts?kind=deadline_trouble").await;
    assert_eq!(res.body["total"], 1, "{}", res.body);
    let alert = &res.body["items"][0];
    assert_eq!(alert["region"]["code"], "DONGCHENG-DHM");
    assert_eq!(
        (alert["detail"]["open"].as_i64(), alert["detail"]["overdue"].as_i64()),
        (Some(5), Some(5))
    );
    let mut tickets: Vec<String> = alert["ticket_ids"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();
    tickets.sort();
    late.sort();
    assert_eq!(tickets, late, "linked to exactly the overdue tickets");
}
