use serde_json::json;

use crate::harness::category;
use crate::harness::{Backend, TestApp, both_backends};

both_backends!(
    the_category_tree_is_seeded_and_editable,
    deadlines_follow_the_official_calendar,
    admins_edit_the_calendar,
    a_year_is_known_once_confirmed_not_by_one_day,
    sla_policies_pick_the_most_specific,
    the_routing_catalogue_suggests_a_unit,
);

async fn the_category_tree_is_seeded_and_editable(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let agent = t.login("agent").await;
    let tree = agent.get("/api/v1/categories").await.body;
    let top = tree.as_array().expect("tree");
    assert_eq!(top.len(), 15);
    let total_leaves: usize = top
        .iter()
        .flat_map(|l1| l1["children"].as_array().into_iter().flatten())
        .map(|l2| l2["children"].as_array().map_or(0, Vec::len))
        .sum();
    assert_eq!(total_leaves, 517);
    let urban = top.iter().find(|n| n["name"] == "城乡建设").expect("城乡建设");
    assert_eq!(urban["level"], 1);
    assert!(urban["children"][0]["children"][0]["level"] == 3);

    let admin = t.login("admin").await;
    assert_eq!(agent.post("/api/v1/categories", json!({"name": "新类"})).await.status, 403);
    let l1 = admin.post("/api/v1/categories", json!({"name": "应急管理"})).await;
    assert_eq!(l1.status, 201, "{}", l1.body);
    let l1_id = l1.body["id"].as_str().expect("id").to_owned();
    let l2 =
        admin.post("/api/v1/categories", json!({"name": "防汛", "parent_id": l1_id})).await.body;
    let l3 = admin
        .post("/api/v1/categories", json!({"name": "积水点", "parent_id": l2["id"]}))
        .await
        .body;
    let res =
        admin.post("/api/v1/categories", json!({"name": "第四级", "parent_id": l3["id"]})).await;
    assert_eq!(res.field_code("parent_id"), "not_allowed", "three levels only");
    let res = admin
        .patch(
            &format!("/api/v1/categories/{}", l3["id"].as_str().expect("id")),
            json!({"name": "城市积水点"}),
        )
        .await;
    assert_eq!(res.body["name"], "城市积水点");
    // Move the 防汛 branch under 城乡建设: still three levels.
    let urban_id = urban["id"].as_str().expect("id");
    let res = admin
        .patch(
            &format!("/api/v1/categories/{}", l2["id"].as_str().expect("id")),
            json!({"parent_id": urban_id}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    // A level-2 node with children cannot go under a level-2 node.
    let other_l2 = urban["children"][0]["id"].as_str().expect("id");
    let res = admin
        .patch(
            &format!("/api/v1/categories/{}", l2["id"].as_str().expect("id")),
            json!({"parent_id": other_l2}),
        )
        .await;
    assert_eq!(res.field_code("parent_id"), "not_allowed");
    let res =
        admin.patch(&format!("/api/v1/categories/{urban_id}"), json!({"parent_id": l1_id})).await;
    assert_eq!(
        res.field_code("parent_id"),
        "not_allowed",
        "a three-level branch cannot go one down"
    );
    let res = admin
        .patch(&format!("/api/v1/categories/{urban_id}"), json!({"parent_id": l2["id"]}))
        .await;
    assert_eq!(res.field_code("parent_id"), "creates_cycle");
    let res = admin
        .patch(
            &format!("/api/v1/categories/{}", l3["id"].as_str().expect("id")),
            json!({"active": false}),
        )
        .await;
    assert_eq!(res.body["active"], false);
    let leaf = category(&agent, "自来水供应").await;
    assert!(!leaf.is_empty());
    assert_eq!(t.audit_count("category").await, 6);
}

async fn deadlines_follow_the_official_calendar(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let agent = t.login("agent").await;
    let due = |from: &'static str, query: &'static str| {
        let api = &agent;
        async move {
            let from = from.replace('+', "%2B");
            let res = api.get(&format!("/api/v1/calendar/deadline?from={from}&{query}")).await;
            assert_eq!(res.status, 200, "{}", res.body);
            res.body["due"].as_str().expect("due").to_owned()
        }
    };
    // Spring Festival 2026: 15–23 Feb off, Sat 14 and Sat 28 worked.
    assert_eq!(
        due("2026-02-13T10:00:00+08:00", "working_days=1").await,
        "2026-02-14T17:30:00+08:00"
    );
    assert_eq!(
        due("2026-02-13T10:00:00+08:00", "working_days=3").await,
        "2026-02-25T17:30:00+08:00"
    );
    assert_eq!(
        due("2026-02-12T10:00:00+08:00", "working_days=5").await,
        "2026-02-26T17:30:00+08:00"
    );
    assert_eq!(
        due("2026-02-25T09:00:00+08:00", "working_days=3").await,
        "2026-02-28T17:30:00+08:00"
    );
    // National Day 2026: 1–7 Oct off, Sun 20 Sep and Sat 10 Oct worked; Mid-Autumn 25–27 Sep.
    assert_eq!(
        due("2026-09-18T10:00:00+08:00", "working_days=1").await,
        "2026-09-20T17:30:00+08:00"
    );
    assert_eq!(
        due("2026-09-24T10:00:00+08:00", "working_days=1").await,
        "2026-09-28T17:30:00+08:00"
    );
    assert_eq!(
        due("2026-09-30T10:00:00+08:00", "working_days=1").await,
        "2026-10-08T17:30:00+08:00"
    );
    assert_eq!(
        due("2026-09-30T10:00:00+08:00", "working_days=3").await,
        "2026-10-10T17:30:00+08:00"
    );
    // UTC input works the same; natural hours ignore the calendar.
    assert_eq!(due("2026-09-30T02:00:00Z", "working_days=1").await, "2026-10-08T17:30:00+08:00");
    assert_eq!(due("2026-10-01T10:00:00+08:00", "hours=24").await, "2026-10-02T10:00:00+08:00");
    let res = agent
        .get("/api/v1/calendar/deadline?from=2026-10-01T10:00:00Z&working_days=1&hours=2")
        .await;
    assert_eq!(res.field_code("working_days"), "not_allowed");
    let cal = agent.get("/api/v1/calendar?year=2026").await.body;
    assert_eq!(cal["known"], true);
    assert!(
        cal["days"]
            .as_array()
            .expect("days")
            .iter()
            .any(|d| d["date"] == "2026-02-14" && d["kind"] == "makeup_workday")
    );
    assert_eq!(agent.get("/api/v1/calendar?year=2027").await.body["known"], false);
}

async fn admins_edit_the_calendar(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let admin = t.login("admin").await;
    let agent = t.login("agent").await;
    let q = "/api/v1/calendar/deadline?from=2026-12-03T10:00:00%2B08:00&working_days=1";
    assert_eq!(agent.get(q).await.body["due"], "2026-12-04T17:30:00+08:00");
    assert_eq!(
        agent
            .put("/api/v1/calendar/days/2026-12-04", json!({"kind": "holiday", "name": "x"}))
            .await
            .status,
        403
    );
    let res = admin
        .put("/api/v1/calendar/days/2026-12-04", json!({"kind": "holiday", "name": "临时放假"}))
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(agent.get(q).await.body["due"], "2026-12-07T17:30:00+08:00");
    let res = admin
        .put("/api/v1/calendar/days/2026-12-05", json!({"kind": "makeup_workday", "name": "补班"}))
        .await;
    assert_eq!(res.status, 200);
    assert_eq!(agent.get(q).await.body["due"], "2026-12-05T17:30:00+08:00");
    assert_eq!(
        admin
            .put("/api/v1/calendar/days/2026-12-06", json!({"kind": "party", "name": "x"}))
            .await
            .field_code("kind"),
        "invalid_value"
    );
    assert_eq!(
        admin
            .put("/api/v1/calendar/days/2026-13-45", json!({"kind": "holiday", "name": "x"}))
            .await
            .status,
        404
    );
    assert_eq!(admin.delete("/api/v1/calendar/days/2026-12-05").await.status, 204);
    assert_eq!(admin.delete("/api/v1/calendar/days/2026-12-04").await.status, 204);
    assert_eq!(agent.get(q).await.body["due"], "2026-12-04T17:30:00+08:00");
    assert_eq!(t.audit_count("calendar.update").await, 4);
}

async fn sla_policies_pick_the_most_specific(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let agent = t.login("agent").await;
    let admin = t.login("admin").await;
    let water = category(&agent, "自来水供应").await;
    let parking = category(&agent, "小区管理").await;
    let preview = |c: String, u: &'static str| {
        let api = &agent;
        async move {
            api.get(&format!("/api/v1/tickets/deadline-preview?category_id={c}&urgency={u}"))
                .await
                .body
        }
    };
    let p = preview(water.clone(), "normal").await;
    assert_eq!(
        (p["policy_name"].as_str(), &p["finish"]),
        (Some("水电气暖"), &json!({"amount": 24, "unit": "hours"}))
    );
    let p = preview(parking.clone(), "normal").await;
    assert_eq!(
        (p["policy_name"].as_str(), &p["finish"]),
        (Some("一般诉求"), &json!({"amount": 5, "unit": "working_days"}))
    );
    assert_eq!(preview(parking.clone(), "特急").await["policy_name"], "特急/紧急处理");

    let policies = agent.get("/api/v1/sla-policies").await.body;
    assert!(policies.as_array().expect("list").len() >= 7);
    let res = admin
        .post("/api/v1/sla-policies", json!({"name": "小区管理", "category_id": parking, "urgency": "normal",
            "accept": {"amount": 1, "unit": "working_days"}, "response": {"amount": 1, "unit": "working_days"},
            "finish": {"amount": 7, "unit": "working_days"}}))
        .await;
    assert_eq!(res.status, 201, "{}", res.body);
    let id = res.body["id"].as_str().expect("id").to_owned();
    assert_eq!(preview(parking.clone(), "normal").await["policy_name"], "小区管理");
    let res = admin
        .post("/api/v1/sla-policies", json!({"name": "重复", "category_id": parking, "urgency": "normal",
            "accept": {"amount": 0, "unit": "working_days"}, "response": {"amount": 1, "unit": "fortnights"},
            "finish": {"amount": 7, "unit": "working_days"}}))
        .await;
    assert_eq!(
        (
            res.field_code("accept.amount"),
            res.field_code("response.unit"),
            res.field_code("category_id")
        ),
        ("invalid_value", "invalid_value", "already_exists")
    );
    let res = admin
        .patch(
            &format!("/api/v1/sla-policies/{id}"),
            json!({"finish": {"amount": 10, "unit": "working_days"}}),
        )
        .await;
    assert_eq!(res.body["finish"]["amount"], 10);
    admin.patch(&format!("/api/v1/sla-policies/{id}"), json!({"active": false})).await;
    assert_eq!(preview(parking, "normal").await["policy_name"], "一般诉求");
}

async fn the_routing_catalogue_suggests_a_unit(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let agent = t.login("agent").await;
    let water = category(&agent, "自来水供应").await;
    // Demo catalogue: 城乡建设 → 住建委 city-wide, → 东城区 within 东城区.
    let res = agent.get(&format!("/api/v1/routing/suggest?category_id={water}")).await;
    assert_eq!(res.body["org"]["code"], "ZJW", "{}", res.body);
    let street = t.org_id("DONGCHENG-DHM").await;
    let res = agent
        .get(&format!("/api/v1/routing/suggest?category_id={water}&region_org_id={street}"))
        .await;
    assert_eq!(res.body["org"]["code"], "DONGCHENG");
    let unknown = category(&agent, "党纪处分").await;
    assert_eq!(
        agent.get(&format!("/api/v1/routing/suggest?category_id={unknown}")).await.body["org"],
        serde_json::Value::Null
    );
    assert_eq!(agent.get("/api/v1/routing/suggest").await.field_code("category_id"), "required");

    let admin = t.login("admin").await;
    let res = admin.post("/api/v1/routing-rules", json!({"category_id": water, "region_org_id": t.org_id("XICHENG").await, "org_id": t.org_id("XICHENG").await})).await;
    assert_eq!(res.status, 201, "{}", res.body);
    let res = admin
        .post(
            "/api/v1/routing-rules",
            json!({"category_id": water, "org_id": t.org_id("CENTER").await}),
        )
        .await;
    assert_eq!(res.field_code("org_id"), "not_allowed");
    let xicheng_street = t.org_id("XICHENG-XJK").await;
    let res = agent
        .get(&format!("/api/v1/routing/suggest?category_id={water}&region_org_id={xicheng_street}"))
        .await;
    assert_eq!(res.body["org"]["code"], "XICHENG");
}

/// One entered day does not make a year known; an admin's confirmation of the whole year does,
/// and withdrawing it makes its deadlines assumed again.
async fn a_year_is_known_once_confirmed_not_by_one_day(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let admin = t.login("admin").await;
    let cal = admin.get("/api/v1/calendar?year=2026").await.body;
    assert_eq!(cal["known"], true, "seeded from the State Council notice: {cal}");
    assert!(cal["known_source"].as_str().is_some_and(|s| s.contains("国务院")), "{cal}");

    let res = admin
        .put("/api/v1/calendar/days/2027-01-01", json!({"kind": "holiday", "name": "元旦"}))
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    let deadline = "/api/v1/calendar/deadline?from=2026-12-30T10:00:00%2B08:00&working_days=5";
    let cal = admin.get("/api/v1/calendar?year=2027").await.body;
    assert_eq!((&cal["known"], &cal["days"][0]["date"]), (&json!(false), &json!("2027-01-01")));
    assert_eq!(admin.get(deadline).await.body["assumed_years"], true);

    let res = admin.put("/api/v1/calendar/years/2027", json!({})).await;
    assert_eq!((res.status, &res.body["known"]), (200, &json!(true)), "{}", res.body);
    assert!(res.body["known_source"].as_str().is_some_and(|s| s.contains("admin")));
    assert_eq!(admin.get(deadline).await.body["assumed_years"], false);
    // Confirming again changes nothing and records nothing new.
    let audits = t.audit_count("calendar.update").await;
    assert_eq!(admin.put("/api/v1/calendar/years/2027", json!({})).await.status, 200);
    assert_eq!(t.audit_count("calendar.update").await, audits);

    assert_eq!(admin.delete("/api/v1/calendar/years/2027").await.status, 204);
    assert_eq!(admin.get(deadline).await.body["assumed_years"], true);
    assert_eq!(admin.delete("/api/v1/calendar/years/2027").await.status, 404);
    assert_eq!(admin.put("/api/v1/calendar/years/2101", json!({})).await.status, 422);
    // Only reference admins confirm years.
    let agent = t.login("agent").await;
    assert_eq!(agent.put("/api/v1/calendar/years/2028", json!({})).await.status, 403);
}
