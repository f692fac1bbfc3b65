use chrono::Duration;
use serde_json::{Value, json};

use crate::harness::{
    Api, Backend, TestApp, act, both_backends, category, new_ticket, ok, ticket_body,
};

both_backends!(
    the_scripted_lifecycle_runs_end_to_end,
    returns_are_approved_or_overruled_and_counted,
    extensions_move_the_finish_deadline,
    send_back_reopen_and_callbacks,
    duplicates_merge_and_share_the_result,
    intake_handling_types,
    lead_and_assisting_units,
    batch_assign_is_all_or_nothing,
    two_handlers_accept_at_once_and_one_wins,
    bad_ticket_input_changes_nothing,
    idempotent_creation,
    attachments_are_kept_with_the_ticket,
    personal_data_is_masked_and_encrypted,
    overdue_tickets_are_urged_and_escalated,
    an_emergency_counts_its_minutes_through_the_night,
    the_overview_counts_one_set_of_work_orders,
    a_holder_reveals_the_caller_with_a_reason,
    registering_and_handling_is_one_step,
    a_unit_that_does_not_review_passes_replies_up,
    work_lists_respect_views_and_scope,
    every_sort_pages_through_a_list_once,
);

fn actions_of(view: &Value) -> Vec<String> {
    each(view, "timeline", "action")
}

/// The ids of a list page's items, in order.
fn ids_on(page: &Value) -> Vec<String> {
    each(page, "items", "id")
}

/// `field` of every element of the array `list`.
fn each(value: &Value, list: &str, field: &str) -> Vec<String> {
    value[list]
        .as_array()
        .unwrap_or_else(|| panic!("no {list} in {value}"))
        .iter()
        .filter_map(|e| e[field].as_str().map(str::to_owned))
        .collect()
}

async fn the_scripted_lifecycle_runs_end_to_end(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let agent = t.login("agent").await;
    let dispatcher = t.login("dispatcher").await;
    let district = t.login("district_a").await;
    let street = t.login("street_a1").await;
    let supervisor = t.login("supervisor").await;

    let created =
        agent.post("/api/v1/tickets", ticket_body(&agent, "东华门大街水管爆裂").await).await;
    assert_eq!(created.status, 201, "{}", created.body);
    let id = created.body["id"].as_str().expect("id").to_owned();
    assert_eq!(created.body["state"], "registered");
    assert!(
        created.body["number"].as_str().is_some_and(|n| n.len() == 13 && n.starts_with("20261124")),
        "{}",
        created.body["number"]
    );
    assert!(
        created.body["allowed_actions"].as_array().expect("actions").contains(&json!("transfer"))
    );

    let v = ok(
        &dispatcher,
        &id,
        "dispatch",
        json!({"org_id": t.org_id("DONGCHENG").await, "opinion": "请东城区办理"}),
    )
    .await;
    assert_eq!(
        (v["state"].as_str(), v["holder_org"]["code"].as_str()),
        (Some("dispatched"), Some("DONGCHENG"))
    );
    assert!(v["deadlines"]["finish_due"].is_string() && v["deadlines"]["accept_due"].is_string());
    let finish_due = v["deadlines"]["finish_due"].clone();

    // The district passes it to its street office; the unit's finish deadline stays.
    assert!(
        district.get(&format!("/api/v1/tickets/{id}")).await.body["allowed_actions"]
            .as_array()
            .expect("a")
            .contains(&json!("dispatch"))
    );
    let v =
        ok(&district, &id, "dispatch", json!({"org_id": t.org_id("DONGCHENG-DHM").await})).await;
    assert_eq!(v["holder_org"]["code"], "DONGCHENG-DHM");
    assert_eq!(v["dispatched_by_org"]["code"], "DONGCHENG");
    assert_eq!(v["deadlines"]["finish_due"], finish_due);

    ok(&street, &id, "accept", json!({})).await;
    ok(&street, &id, "contact_citizen", json!({"content": "已电话联系市民，约定下午上门"})).await;
    let v = ok(&street, &id, "reply", json!({"content": "已联系自来水公司抢修完毕，路面已清理。"}))
        .await;
    assert_eq!(v["state"], "reply_submitted");
    assert!(v["first_contact_at"].is_string());

    // The district reviews its street's reply before the center sees it.
    let queue = |api: &Api| {
        let api = Api { client: api.client.clone(), base: api.base.clone() };
        async move { api.get("/api/v1/tickets?view=to_review").await.body["total"].as_i64() }
    };
    assert_eq!((queue(&district).await, queue(&supervisor).await), (Some(1), Some(0)));
    let res = act(&supervisor, &id, "approve_reply", json!({})).await;
    assert_eq!(res.status, 403, "the center waits for the district: {}", res.body);
    let v = ok(&district, &id, "send_back", json!({"opinion": "请补充维修单位名称"})).await;
    assert_eq!(
        (v["state"].as_str(), v["holder_org"]["code"].as_str()),
        (Some("in_progress"), Some("DONGCHENG-DHM"))
    );
    ok(
        &street,
        &id,
        "reply",
        json!({"content": "已联系自来水公司（东城分公司）抢修完毕，路面已清理。"}),
    )
    .await;
    let v = ok(&district, &id, "approve_reply", json!({"opinion": "同意上报"})).await;
    assert_eq!(
        (v["state"].as_str(), v["holder_org"]["code"].as_str(), v["dispatched_by_org"].is_null()),
        (Some("reply_submitted"), Some("DONGCHENG-DHM"), true)
    );
    assert_eq!((queue(&district).await, queue(&supervisor).await), (Some(0), Some(1)));

    let v = ok(&supervisor, &id, "approve_reply", json!({"opinion": "答复规范"})).await;
    assert_eq!(v["state"], "awaiting_callback");
    let v = ok(&supervisor, &id, "callback", json!({"reachable": true, "resolved": true, "satisfaction": "satisfied", "content": "市民表示满意"})).await;
    assert_eq!(
        (v["state"].as_str(), v["satisfaction"].as_str()),
        (Some("closed"), Some("satisfied"))
    );

    let actions = actions_of(&v);
    assert_eq!(
        actions,
        [
            "create",
            "dispatch",
            "dispatch",
            "accept",
            "contact_citizen",
            "reply",
            "send_back",
            "reply",
            "approve_reply",
            "approve_reply",
            "callback"
        ],
        "{}",
        v["timeline"]
    );
    let timeline = v["timeline"].as_array().expect("timeline");
    assert_eq!(timeline[2]["actor_name"], "district_a");
    assert_eq!(timeline[2]["actor_org"]["code"], "DONGCHENG");
    assert_eq!(timeline[1]["opinion"], "请东城区办理");
    assert!(timeline.iter().all(|e| e["at"].is_string() && e["actor_name"].is_string()));

    // And in the audit trail, with the reads.
    let auditor = t.login("auditor").await;
    let trail = auditor.get(&format!("/api/v1/audit?subject_id={id}&per_page=200")).await;
    let audited: Vec<&str> = trail.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    for action in [
        "ticket.create",
        "ticket.dispatch",
        "ticket.accept",
        "ticket.contact_citizen",
        "ticket.reply",
        "ticket.approve_reply",
        "ticket.callback",
        "ticket.read",
    ] {
        assert!(audited.contains(&action), "{action} missing from {audited:?}");
    }
    // Closed tickets take no more work actions.
    let res = act(&street, &id, "reply", json!({"content": "again"})).await;
    assert_eq!((res.status, res.code()), (409, "invalid_transition"));
    assert!(t.app.verify_audit().await.expect("verify").ok);
}

async fn returns_are_approved_or_overruled_and_counted(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let agent = t.login("agent").await;
    let dispatcher = t.login("dispatcher").await;
    let bureau = t.login("bureau_a").await;
    let id = new_ticket(&agent, "退单测试").await;
    let zjw = t.org_id("ZJW").await;
    ok(&dispatcher, &id, "dispatch", json!({"org_id": zjw})).await;

    let res = act(&bureau, &id, "return", json!({})).await;
    assert_eq!((res.status, res.field_code("reason")), (422, "required"));
    let v = ok(&bureau, &id, "return", json!({"reason": "不属于本单位职责"})).await;
    assert_eq!(v["state"], "return_requested");
    // The unit cannot rule on its own return.
    assert_eq!(act(&bureau, &id, "overrule_return", json!({"reason": "x"})).await.status, 403);
    let res = act(&dispatcher, &id, "overrule_return", json!({})).await;
    assert_eq!(res.field_code("reason"), "required");
    let v =
        ok(&dispatcher, &id, "overrule_return", json!({"reason": "属于住建委职责，请办理"})).await;
    assert_eq!(
        (v["state"].as_str(), v["holder_org"]["code"].as_str()),
        (Some("dispatched"), Some("ZJW"))
    );

    ok(&bureau, &id, "return", json!({"reason": "仍不属于本单位"})).await;
    let v = ok(&dispatcher, &id, "approve_return", json!({"opinion": "同意退回"})).await;
    assert_eq!(v["state"], "registered");
    assert_eq!(v["holder_org"], Value::Null);
    assert_eq!(v["counters"]["returned"], 2);
    assert_eq!(v["deadlines"]["finish_due"], Value::Null);
    // Return counts per unit, for the KPIs.
    let zjw_id = uuid::Uuid::parse_str(&zjw).expect("uuid");
    let db = t.app.store.reader();
    assert_eq!(hotline_store::tickets::count_events(db, zjw_id, "return").await.expect("count"), 2);
    assert_eq!(
        hotline_store::tickets::count_events(db, zjw_id, "overrule_return").await.expect("count"),
        1
    );

    // A street's return is ruled on by the district that sent it down.
    ok(&dispatcher, &id, "dispatch", json!({"org_id": t.org_id("DONGCHENG").await})).await;
    let district = t.login("district_a").await;
    let street = t.login("street_a1").await;
    ok(&district, &id, "dispatch", json!({"org_id": t.org_id("DONGCHENG-DHM").await})).await;
    ok(&street, &id, "return", json!({"reason": "不在辖区"})).await;
    assert_eq!(act(&dispatcher, &id, "approve_return", json!({})).await.status, 403);
    let v = ok(&district, &id, "approve_return", json!({})).await;
    assert_eq!(
        (v["state"].as_str(), v["holder_org"]["code"].as_str()),
        (Some("in_progress"), Some("DONGCHENG"))
    );
}

async fn extensions_move_the_finish_deadline(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let agent = t.login("agent").await;
    let dispatcher = t.login("dispatcher").await;
    let bureau = t.login("bureau_a").await;
    let id = new_ticket(&agent, "延期测试").await;
    let v = ok(&dispatcher, &id, "dispatch", json!({"org_id": t.org_id("ZJW").await})).await;
    let original = v["deadlines"]["finish_due"].clone();
    ok(&bureau, &id, "accept", json!({})).await;
    let res = act(&bureau, &id, "request_extension", json!({"days": 3})).await;
    assert_eq!(res.field_code("reason"), "required");
    let res = act(&bureau, &id, "request_extension", json!({"days": 99, "reason": "x"})).await;
    assert_eq!(res.field_code("days"), "invalid_value");
    ok(&bureau, &id, "request_extension", json!({"days": 3, "reason": "需协调供水集团"})).await;
    let v =
        ok(&dispatcher, &id, "approve_extension", json!({"opinion": "同意延期3个工作日"})).await;
    assert_eq!(v["state"], "in_progress");
    assert_eq!(v["deadlines"]["original_finish_due"], original);
    assert!(v["deadlines"]["finish_due"].as_str() > original.as_str(), "{}", v["deadlines"]);

    ok(&bureau, &id, "request_extension", json!({"days": 2, "reason": "再延"})).await;
    let v = ok(&dispatcher, &id, "deny_extension", json!({"reason": "不予延期"})).await;
    assert_eq!(v["state"], "in_progress");

    // Too late: past the deadline no extension may be asked.
    t.advance(Duration::days(30));
    let bureau = t.login("bureau_a").await;
    let res = act(&bureau, &id, "request_extension", json!({"days": 2, "reason": "太晚了"})).await;
    assert_eq!((res.status, res.code()), (409, "extension_too_late"));
}

async fn send_back_reopen_and_callbacks(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let agent = t.login("agent").await;
    let dispatcher = t.login("dispatcher").await;
    let bureau = t.login("bureau_a").await;
    let supervisor = t.login("supervisor").await;
    let id = new_ticket(&agent, "重办测试").await;
    ok(&dispatcher, &id, "dispatch", json!({"org_id": t.org_id("ZJW").await})).await;
    ok(&bureau, &id, "accept", json!({})).await;
    ok(&bureau, &id, "reply", json!({"content": "已处理"})).await;
    assert_eq!(
        act(&supervisor, &id, "send_back", json!({})).await.field_code("opinion"),
        "required"
    );
    let v =
        ok(&supervisor, &id, "send_back", json!({"opinion": "答复过于简单，请补充处理过程"})).await;
    assert_eq!(v["state"], "in_progress");
    ok(&bureau, &id, "reply", json!({"content": "已于周二上门维修，更换阀门，市民确认恢复供水。"}))
        .await;
    ok(&supervisor, &id, "approve_reply", json!({})).await;

    // Unreachable twice: still waiting; satisfaction needs the other fields.
    let v = ok(&agent, &id, "callback", json!({"reachable": false})).await;
    assert_eq!(
        (v["state"].as_str(), v["counters"]["callback_attempts"].as_i64()),
        (Some("awaiting_callback"), Some(1))
    );
    let res = act(&agent, &id, "callback", json!({"reachable": true})).await;
    assert_eq!(
        (res.field_code("satisfaction"), res.field_code("resolved")),
        ("required", "required")
    );
    let res = act(
        &agent,
        &id,
        "callback",
        json!({"reachable": true, "resolved": false, "satisfaction": "so-so"}),
    )
    .await;
    assert_eq!(res.field_code("satisfaction"), "invalid_value");

    // Unsatisfied through the unit's fault: 重办, counted.
    let v = ok(&agent, &id, "callback", json!({"reachable": true, "resolved": false, "satisfaction": "unsatisfied", "unit_at_fault": true})).await;
    assert_eq!(
        (v["state"].as_str(), v["counters"]["reopened"].as_i64()),
        (Some("in_progress"), Some(1))
    );
    ok(&bureau, &id, "reply", json!({"content": "重新处理完毕"})).await;
    ok(&supervisor, &id, "approve_reply", json!({})).await;
    let v = ok(
        &agent,
        &id,
        "callback",
        json!({"reachable": true, "resolved": true, "satisfaction": "基本满意"}),
    )
    .await;
    assert_eq!(
        (v["state"].as_str(), v["satisfaction"].as_str()),
        (Some("closed"), Some("basically_satisfied"))
    );
    // The center may reopen a closed ticket with a reason.
    assert_eq!(act(&supervisor, &id, "reopen", json!({})).await.field_code("reason"), "required");
    let v = ok(&supervisor, &id, "reopen", json!({"reason": "市民再次来电反映未解决"})).await;
    assert_eq!(
        (v["state"].as_str(), v["counters"]["reopened"].as_i64()),
        (Some("in_progress"), Some(2))
    );

    // Three unreachable callbacks close a ticket.
    let other = new_ticket(&agent, "回访不通").await;
    ok(&dispatcher, &other, "dispatch", json!({"org_id": t.org_id("ZJW").await})).await;
    ok(&bureau, &other, "accept", json!({})).await;
    ok(&bureau, &other, "reply", json!({"content": "已处理"})).await;
    ok(&supervisor, &other, "approve_reply", json!({})).await;
    for _ in 0..2 {
        ok(&agent, &other, "callback", json!({"reachable": false})).await;
    }
    let v = ok(&agent, &other, "callback", json!({"reachable": false})).await;
    assert_eq!(
        (v["state"].as_str(), v["close_reason"].as_str()),
        (Some("closed"), Some("unreachable"))
    );
    let v = ok(&supervisor, &other, "archive", json!({})).await;
    assert_eq!(v["state"], "archived");
}

async fn duplicates_merge_and_share_the_result(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let agent = t.login("agent").await;
    let dispatcher = t.login("dispatcher").await;
    let bureau = t.login("bureau_a").await;
    let supervisor = t.login("supervisor").await;
    let master = new_ticket(&agent, "同一水管爆裂（首报）").await;
    let dup = new_ticket(&agent, "同一水管爆裂（重复）").await;
    assert_eq!(
        act(&dispatcher, &dup, "merge", json!({"master_id": dup})).await.field_code("master_id"),
        "not_allowed"
    );
    assert_eq!(
        act(&dispatcher, &dup, "merge", json!({})).await.field_code("master_id"),
        "required"
    );
    ok(&dispatcher, &dup, "dispatch", json!({"org_id": t.org_id("ZJW").await})).await;
    // An agent folds a repeat in at intake (see below), not once it has gone to a unit.
    assert_eq!(act(&agent, &dup, "merge", json!({"master_id": master})).await.status, 403);
    let repeat = new_ticket(&agent, "同一水管爆裂（再次来电）").await;
    let v = ok(&agent, &repeat, "merge", json!({"master_id": master})).await;
    assert_eq!(v["state"], "merged");
    let v =
        ok(&dispatcher, &dup, "merge", json!({"master_id": master, "opinion": "同一事项"})).await;
    assert_eq!(
        (v["state"].as_str(), v["master"]["id"].as_str()),
        (Some("merged"), Some(master.as_str()))
    );
    let res = act(&bureau, &dup, "reply", json!({"content": "x"})).await;
    assert_eq!(res.status, 409, "a merged ticket takes no reply: {}", res.body);
    let m = agent.get(&format!("/api/v1/tickets/{master}")).await.body;
    assert_eq!(m["merged"][0]["id"], dup.as_str());

    ok(&dispatcher, &master, "dispatch", json!({"org_id": t.org_id("ZJW").await})).await;
    ok(&bureau, &master, "accept", json!({})).await;
    ok(&bureau, &master, "reply", json!({"content": "管道已修复"})).await;
    ok(&supervisor, &master, "approve_reply", json!({})).await;
    let d = agent.get(&format!("/api/v1/tickets/{dup}")).await.body;
    assert_eq!(d["reply_content"], "管道已修复", "the result reaches the merged citizen");
    assert!(actions_of(&d).contains(&"result_shared".to_owned()));
}

async fn intake_handling_types(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let agent = t.login("agent").await;
    let street = t.login("street_a1").await;

    let id = new_ticket(&agent, "咨询办事时间").await;
    assert_eq!(act(&agent, &id, "answer", json!({})).await.field_code("content"), "required");
    let v = ok(&agent, &id, "answer", json!({"content": "工作日上午9点至下午5点。"})).await;
    assert_eq!(
        (v["state"].as_str(), v["handling_type"].as_str()),
        (Some("answered"), Some("answer"))
    );

    let id = new_ticket(&agent, "骚扰电话").await;
    assert_eq!(act(&agent, &id, "dismiss", json!({})).await.field_code("reason"), "required");
    let v = ok(&agent, &id, "dismiss", json!({"reason": "无效来电"})).await;
    assert_eq!(v["state"], "dismissed");

    let id = new_ticket(&agent, "三方通话").await;
    let v = ok(
        &agent,
        &id,
        "liaise",
        json!({"org_id": t.org_id("ZJW").await, "content": "已三方通话，住建委答复将于明日处理"}),
    )
    .await;
    assert_eq!(
        (v["state"].as_str(), v["handling_type"].as_str()),
        (Some("liaised"), Some("liaise"))
    );

    let id = new_ticket(&agent, "拟摘要情").await;
    let v = ok(&agent, &id, "excerpt", json!({"content": "东华门地区集中反映供水问题"})).await;
    assert_eq!(
        (v["state"].as_str(), v["excerpt"].as_str()),
        (Some("registered"), Some("东华门地区集中反映供水问题"))
    );
    // The dispatcher's queue shows it was excerpted, not untouched.
    let queue = agent
        .get(&format!(
            "/api/v1/tickets?view=to_dispatch&number={}",
            v["number"].as_str().unwrap_or("")
        ))
        .await
        .body;
    assert_eq!(queue["items"][0]["excerpted"], true, "{queue}");
    let v = ok(&agent, &id, "transfer", json!({"org_id": t.org_id("DONGCHENG-DHM").await})).await;
    assert_eq!(
        (v["state"].as_str(), v["handling_type"].as_str()),
        (Some("dispatched"), Some("transfer"))
    );
    assert_eq!(v["holder_org"]["code"], "DONGCHENG-DHM", "direct dispatch past the district");

    let id = new_ticket(&agent, "燃气泄漏").await;
    let v = ok(
        &agent,
        &id,
        "emergency",
        json!({"org_id": t.org_id("DONGCHENG-DHM").await, "content": "已联动119"}),
    )
    .await;
    assert_eq!((v["emergency"].as_bool(), v["urgency"].as_str()), (Some(true), Some("critical")));
    let accept_due =
        chrono::DateTime::parse_from_rfc3339(v["deadlines"]["accept_due"].as_str().expect("due"))
            .expect("time");
    let finish_due =
        chrono::DateTime::parse_from_rfc3339(v["deadlines"]["finish_due"].as_str().expect("due"))
            .expect("time");
    assert_eq!(accept_due.with_timezone(&chrono::Utc) - t.app.now(), Duration::minutes(15));
    assert_eq!(finish_due.with_timezone(&chrono::Utc) - t.app.now(), Duration::hours(2));
    ok(&street, &id, "accept", json!({})).await;

    // Assign (交办) with a custom limit in working days; agents may not assign.
    let id = new_ticket(&agent, "交办").await;
    assert_eq!(
        act(&agent, &id, "assign", json!({"org_id": t.org_id("ZJW").await})).await.status,
        403
    );
    let dispatcher = t.login("dispatcher").await;
    let v =
        ok(&dispatcher, &id, "assign", json!({"org_id": t.org_id("ZJW").await, "days": 10})).await;
    assert_eq!(v["handling_type"], "assign");

    // Drafts register later.
    let mut body = ticket_body(&agent, "草稿").await;
    body["draft"] = json!(true);
    let draft = agent.post("/api/v1/tickets", body).await.body;
    assert_eq!(draft["state"], "draft");
    let v = ok(&agent, draft["id"].as_str().expect("id"), "register", json!({})).await;
    assert_eq!(v["state"], "registered");
}

async fn lead_and_assisting_units(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let agent = t.login("agent").await;
    let dispatcher = t.login("dispatcher").await;
    let district = t.login("district_a").await;
    let bureau = t.login("bureau_a").await;
    let supervisor = t.login("supervisor").await;
    let id = new_ticket(&agent, "多部门联办").await;
    let zjw = t.org_id("ZJW").await;
    let res =
        act(&dispatcher, &id, "dispatch", json!({"org_id": zjw, "assist_org_ids": [zjw]})).await;
    assert_eq!(res.field_code("assist_org_ids[0]"), "invalid_value");
    let v = ok(
        &dispatcher,
        &id,
        "dispatch",
        json!({"org_id": t.org_id("DONGCHENG").await, "assist_org_ids": [zjw]}),
    )
    .await;
    let child = v["children"][0]["id"].as_str().expect("child").to_owned();
    assert_eq!(v["children"][0]["holder_org"]["code"], "ZJW");
    assert!(v["children"][0]["number"].is_string());

    ok(&district, &id, "accept", json!({})).await;
    let res = act(&district, &id, "reply", json!({"content": "主办答复"})).await;
    assert_eq!((res.status, res.code()), (409, "children_not_replied"));
    // The assisting unit sees and works its child ticket, not the parent.
    assert_eq!(bureau.get(&format!("/api/v1/tickets/{id}")).await.status, 403);
    ok(&bureau, &child, "accept", json!({})).await;
    ok(&bureau, &child, "reply", json!({"content": "协办意见：已配合"})).await;
    ok(&district, &id, "reply", json!({"content": "主办答复，已会同住建委处理"})).await;
    ok(&supervisor, &id, "approve_reply", json!({})).await;
    ok(&supervisor, &id, "close", json!({"opinion": "无需回访"})).await;
    let c = bureau.get(&format!("/api/v1/tickets/{child}")).await.body;
    assert_eq!(c["state"], "closed", "children close with the parent");
}

async fn batch_assign_is_all_or_nothing(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let agent = t.login("agent").await;
    let dispatcher = t.login("dispatcher").await;
    let a = new_ticket(&agent, "批量一").await;
    let b = new_ticket(&agent, "批量二").await;
    let c = new_ticket(&agent, "批量三").await;
    ok(&agent, &c, "answer", json!({"content": "已答复"})).await;
    let zjw = t.org_id("ZJW").await;
    let res = dispatcher
        .post("/api/v1/tickets/batch-assign", json!({"ticket_ids": [a, b, c], "org_id": zjw}))
        .await;
    assert_eq!((res.status, res.code()), (409, "invalid_transition"), "{}", res.body);
    assert_eq!(res.field_code("ticket_ids[2]"), "not_allowed");
    assert_eq!(
        agent.get(&format!("/api/v1/tickets/{a}")).await.body["state"],
        "registered",
        "nothing changed"
    );
    assert_eq!(
        agent
            .post("/api/v1/tickets/batch-assign", json!({"ticket_ids": [a], "org_id": zjw}))
            .await
            .status,
        403
    );
    let res = dispatcher
        .post(
            "/api/v1/tickets/batch-assign",
            json!({"ticket_ids": [a, b], "org_id": zjw, "opinion": "集中交办"}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    let v = agent.get(&format!("/api/v1/tickets/{b}")).await.body;
    assert_eq!(
        (v["state"].as_str(), v["handling_type"].as_str()),
        (Some("dispatched"), Some("batch_assign"))
    );
}

async fn two_handlers_accept_at_once_and_one_wins(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let admin = t.login("admin").await;
    let res = admin
        .post("/api/v1/users", json!({"username": "bureau_b", "display_name": "住建委承办人二", "org_id": t.org_id("ZJW").await,
                                        "roles": ["unit_handler"], "password": "Zhujian#2026x"}))
        .await;
    assert_eq!(res.status, 201);
    let second = t.client();
    second
        .post("/api/v1/auth/login", json!({"username": "bureau_b", "password": "Zhujian#2026x"}))
        .await;
    second
        .post(
            "/api/v1/auth/password",
            json!({"current_password": "Zhujian#2026x", "new_password": "Zhujian#2027y"}),
        )
        .await;
    let first = t.login("bureau_a").await;
    let agent = t.login("agent").await;
    let dispatcher = t.login("dispatcher").await;
    for round in 0..5 {
        let id = new_ticket(&agent, &format!("并发签收{round}")).await;
        ok(&dispatcher, &id, "dispatch", json!({"org_id": t.org_id("ZJW").await})).await;
        let (a, b) = tokio::join!(
            act(&first, &id, "accept", json!({})),
            act(&second, &id, "accept", json!({}))
        );
        let mut statuses = [a.status, b.status];
        statuses.sort_unstable();
        assert_eq!(statuses, [200, 409], "round {round}: {} / {}", a.body, b.body);
        let loser = if a.status == 409 { a } else { b };
        assert!(
            matches!(loser.code(), "invalid_transition" | "concurrent_update"),
            "{}",
            loser.body
        );
        let v = agent.get(&format!("/api/v1/tickets/{id}")).await.body;
        assert_eq!(actions_of(&v).iter().filter(|a| *a == "accept").count(), 1);
    }
}

async fn bad_ticket_input_changes_nothing(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let agent = t.login("agent").await;
    let base = ticket_body(&agent, "坏输入").await;
    let with = |k: &str, v: Value| {
        let mut b = base.clone();
        b[k] = v;
        b
    };
    let cases = [
        (with("caller_phone", json!("12345abc")), "caller_phone", "invalid_format"),
        (with("caller_phone", json!(null)), "caller_phone", "required"),
        (with("appeal_type", json!("grumble")), "appeal_type", "invalid_value"),
        (with("urgency", json!("asap")), "urgency", "invalid_value"),
        (with("channel", json!("pigeon")), "channel", "invalid_value"),
        (with("title", json!("")), "title", "required"),
        (with("title", json!("长".repeat(201))), "title", "too_long"),
        (with("category_id", json!(uuid::Uuid::nil())), "category_id", "not_found"),
        (with("latitude", json!(95.0)), "longitude", "required"),
        (with("unknown", json!(1)), "unknown", "unknown_field"),
        (with("confidential", json!("yes")), "confidential", "wrong_type"),
    ];
    for (body, field, code) in cases {
        let res = agent.post("/api/v1/tickets", body.clone()).await;
        assert_eq!((res.status, res.field_code(field)), (422, code), "{body} → {}", res.body);
    }
    assert_eq!(agent.get("/api/v1/tickets").await.body["total"], 0, "no ticket was created");

    let id = new_ticket(&agent, "动作坏输入").await;
    let dispatcher = t.login("dispatcher").await;
    let res = act(&dispatcher, &id, "teleport", json!({})).await;
    assert_eq!(res.status, 404);
    let res = act(&dispatcher, &id, "accept", json!({})).await;
    assert_eq!((res.status, res.code()), (409, "invalid_transition"));
    let res = act(&dispatcher, &id, "dispatch", json!({})).await;
    assert_eq!(res.field_code("org_id"), "required");
    let res = act(&dispatcher, &id, "dispatch", json!({"org_id": t.org_id("CENTER").await})).await;
    assert_eq!(res.field_code("org_id"), "not_allowed");
    let res = act(&dispatcher, &id, "dispatch", json!({"org_id": "not-a-uuid"})).await;
    assert_eq!(res.field_code("org_id"), "invalid_value");
    let street = t.login("street_a1").await;
    assert_eq!(act(&street, &id, "accept", json!({})).await.status, 403, "foreign org");
    let v = agent.get(&format!("/api/v1/tickets/{id}")).await.body;
    assert_eq!(
        (v["state"].as_str(), actions_of(&v).len()),
        (Some("registered"), 1),
        "nothing changed"
    );

    // Deadline queries with bad dates.
    let res = agent.get("/api/v1/calendar/deadline?from=yesterday&working_days=3").await;
    assert_eq!((res.status, res.field_code("from")), (422, "invalid_format"));
    let res = agent.get("/api/v1/calendar/deadline?from=2026-02-13T10:00:00%2B08:00").await;
    assert_eq!(res.field_code("working_days"), "required");
    let res = agent
        .get("/api/v1/calendar/deadline?from=2026-02-13T10:00:00%2B08:00&working_days=-1")
        .await;
    assert_eq!(res.status, 422);
}

async fn idempotent_creation(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let agent = t.login("agent").await;
    let body = ticket_body(&agent, "幂等").await;
    let send = |key: &'static str, body: Value| {
        agent.raw(
            agent
                .client
                .post(agent.url("/api/v1/tickets"))
                .header("idempotency-key", key)
                .json(&body),
        )
    };
    let first = send("call-7f3a", body.clone()).await;
    let second = send("call-7f3a", body.clone()).await;
    assert_eq!((first.status, second.status), (201, 200));
    assert_eq!(first.body["id"], second.body["id"]);
    let (a, b) = tokio::join!(send("call-race", body.clone()), send("call-race", body.clone()));
    assert_eq!(a.body["id"], b.body["id"], "{} / {}", a.body, b.body);
    let mut other = body.clone();
    other["title"] = json!("另一件事");
    let res = send("call-7f3a", other).await;
    assert_eq!((res.status, res.code()), (409, "idempotency_key_reused"));
    // The key is checked by the write, after validation: a retry is still answered with its
    // ticket when the input would no longer pass (its category has been deactivated since).
    let admin = t.login("admin").await;
    let category = body["category_id"].as_str().expect("category");
    let res =
        admin.patch(&format!("/api/v1/categories/{category}"), json!({"active": false})).await;
    assert_eq!(res.status, 200, "{}", res.body);
    let retry = send("call-7f3a", body.clone()).await;
    assert_eq!((retry.status, &retry.body["id"]), (200, &first.body["id"]), "{}", retry.body);
    let res = send("call-new", body.clone()).await;
    assert_eq!(res.field_code("category_id"), "inactive", "{}", res.body);
    assert_eq!(agent.get("/api/v1/tickets").await.body["total"], 2);
}

/// A ticket's rows (the ticket, its contact, attachments, first timeline entry, outbox entry and
/// idempotency key) are written in one round trip; all of them must be there afterwards.
async fn attachments_are_kept_with_the_ticket(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let agent = t.login("agent").await;
    let mut body = ticket_body(&agent, "附件").await;
    body["attachments"] = json!([
        {"file_name": "现场照片.jpg", "content_type": "image/jpeg", "size_bytes": 48_213,
         "sha256": "a".repeat(64)},
        {"file_name": "录音.mp3", "content_type": "audio/mpeg", "size_bytes": 1_024},
    ]);
    let create = || {
        agent.raw(
            agent
                .client
                .post(agent.url("/api/v1/tickets"))
                .header("idempotency-key", "with-attachments")
                .json(&body),
        )
    };
    let created = create().await;
    assert_eq!(created.status, 201, "{}", created.body);
    let id = created.body["id"].as_str().expect("id");
    let shown = agent.get(&format!("/api/v1/tickets/{id}")).await.body;
    let names: Vec<&str> = shown["attachments"]
        .as_array()
        .expect("attachments")
        .iter()
        .filter_map(|a| a["file_name"].as_str())
        .collect();
    assert_eq!(names.len(), 2, "{shown}");
    assert!(names.contains(&"现场照片.jpg") && names.contains(&"录音.mp3"), "{names:?}");
    assert_eq!(shown["contacts"].as_array().map(Vec::len), Some(1), "{shown}");
    assert_eq!(shown["timeline"][0]["action"], "create", "{shown}");
    let again = create().await;
    assert_eq!((again.status, again.body["id"].as_str()), (200, Some(id)));
}

async fn personal_data_is_masked_and_encrypted(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let agent = t.login("agent").await;
    let dispatcher = t.login("dispatcher").await;
    let street = t.login("street_a1").await;
    let id = new_ticket(&agent, "个人信息").await;
    let v = agent.get(&format!("/api/v1/tickets/{id}")).await.body;
    assert_eq!(
        (v["caller"]["phone"].as_str(), v["caller"]["name"].as_str()),
        (Some("13800138000"), Some("张三"))
    );
    ok(&dispatcher, &id, "transfer", json!({"org_id": t.org_id("DONGCHENG-DHM").await})).await;
    let v = street.get(&format!("/api/v1/tickets/{id}")).await.body;
    assert_eq!(
        (
            v["caller"]["phone"].as_str(),
            v["caller"]["name"].as_str(),
            v["caller"]["access"].as_str()
        ),
        (Some("138****8000"), Some("张*"), Some("masked"))
    );

    let mut body = ticket_body(&agent, "举报人保密").await;
    body["confidential"] = json!(true);
    let secret =
        agent.post("/api/v1/tickets", body).await.body["id"].as_str().expect("id").to_owned();
    ok(&dispatcher, &secret, "transfer", json!({"org_id": t.org_id("DONGCHENG-DHM").await})).await;
    let v = street.get(&format!("/api/v1/tickets/{secret}")).await.body;
    assert_eq!(
        (v["caller"]["phone"].clone(), v["caller"]["access"].as_str()),
        (Value::Null, Some("hidden"))
    );
    let list = street.get("/api/v1/tickets").await.body;
    assert!(
        list["items"].as_array().expect("items").iter().all(|i| i["caller_phone"] != "13800138000")
    );

    // Nothing in the database in plain text.
    let row = hotline_store::tickets::find(
        t.app.store.reader(),
        uuid::Uuid::parse_str(&id).expect("uuid"),
    )
    .await
    .expect("q")
    .expect("row");
    let stored = format!("{row:?}");
    assert!(!stored.contains("13800138000") && !stored.contains("张三"), "{stored}");

    // Caller history by number, however it is written.
    let res = agent.post("/api/v1/callers/lookup", json!({"phone": "+86 138-0013-8000"})).await;
    assert_eq!(
        (res.status, res.body["total_tickets"].as_u64(), res.body["repeat_caller"].as_bool()),
        (200, Some(2), Some(true)),
        "{}",
        res.body
    );
    assert_eq!(
        street.post("/api/v1/callers/lookup", json!({"phone": "13800138000"})).await.status,
        403
    );
    let res = agent.get("/api/v1/tickets?caller_phone=13800138000").await;
    assert_eq!(res.body["total"], 2);
}

async fn overdue_tickets_are_urged_and_escalated(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let agent = t.login("agent").await;
    let dispatcher = t.login("dispatcher").await;
    let bureau = t.login("bureau_a").await;
    let id = new_ticket(&agent, "超期").await;
    ok(&dispatcher, &id, "dispatch", json!({"org_id": t.org_id("ZJW").await})).await;
    ok(&bureau, &id, "accept", json!({})).await;
    // Utilities: finish within 24 hours.
    t.advance(Duration::hours(20));
    t.app.run_due_timers().await.expect("timers");
    let agent = t.login("agent").await;
    let v = agent.get(&format!("/api/v1/tickets/{id}")).await.body;
    assert_eq!(v["deadlines"]["status"], "warning", "{}", v["deadlines"]);
    assert!(actions_of(&v).contains(&"deadline_warning".to_owned()));
    t.advance(Duration::hours(5));
    assert!(t.app.run_due_timers().await.expect("timers") >= 1);
    let agent = t.login("agent").await;
    let v = agent.get(&format!("/api/v1/tickets/{id}")).await.body;
    assert_eq!(
        (v["deadlines"]["overdue"].as_bool(), v["counters"]["urged"].as_i64()),
        (Some(true), Some(1))
    );
    assert_eq!(v["deadlines"]["status"], "overdue");
    // Timers fire once.
    t.app.run_due_timers().await.expect("timers");
    assert_eq!(agent.get(&format!("/api/v1/tickets/{id}")).await.body["counters"]["urged"], 1);
    // Still overdue after N working days: supervision.
    t.advance(Duration::days(5));
    t.app.run_due_timers().await.expect("timers");
    let agent = t.login("agent").await;
    let v = agent.get(&format!("/api/v1/tickets/{id}")).await.body;
    assert_eq!(v["counters"]["supervision_level"], 1);
    let actions = actions_of(&v);
    assert!(
        actions.contains(&"urge".to_owned()) && actions.contains(&"supervise".to_owned()),
        "{actions:?}"
    );
    let bureau = t.login("bureau_a").await;
    let overdue = bureau.get("/api/v1/tickets?view=inbox_overdue").await.body;
    assert_eq!(overdue["total"], 1);
}

/// An emergency's limits are minutes and hours: they run after office hours, and the badges
/// count elapsed minutes (not the zero working minutes of the night) and never "0 minutes late".
async fn an_emergency_counts_its_minutes_through_the_night(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    // 17:40 in Beijing, ten minutes after the office closed.
    t.advance(Duration::hours(8) + Duration::minutes(10));
    let agent = t.login("agent").await;
    let id = new_ticket(&agent, "燃气泄漏").await;
    ok(&agent, &id, "emergency", json!({"org_id": t.org_id("ZJW").await})).await;
    t.advance(Duration::minutes(2));
    let v = agent.get(&format!("/api/v1/tickets/{id}")).await.body;
    let d = &v["deadlines"];
    // The accept clock of 特急 is 15 minutes: 13 left, counted in elapsed time.
    assert_eq!(
        (d["minutes_left"].as_i64(), d["counting"].as_str(), d["working_minutes_left"].as_i64()),
        (Some(13), Some("elapsed"), Some(0)),
        "{d}"
    );
    // The timeline names staff as people know them.
    let created = &v["timeline"][0];
    assert_eq!(
        (created["actor_display_name"].as_str(), created["actor_name"].as_str()),
        (Some("话务员王芳"), Some("agent")),
        "{created}"
    );
    t.advance(Duration::minutes(20));
    let v = agent.get(&format!("/api/v1/tickets/{id}")).await.body;
    let d = &v["deadlines"];
    assert_eq!(
        (d["status"].as_str(), d["minutes_left"].as_i64()),
        (Some("overdue"), Some(-7)),
        "{d}"
    );
    let list = agent
        .get(&format!("/api/v1/tickets?number={}", v["number"].as_str().unwrap_or("")))
        .await
        .body;
    let row = &list["items"][0];
    assert_eq!(
        (row["deadline_status"].as_str(), row["minutes_left"].as_i64(), row["counting"].as_str()),
        (Some("overdue"), Some(-7), Some("elapsed")),
        "{row}"
    );
}

/// The dashboard's figures count the same tickets: work orders, an assisting unit's child ticket
/// being part of its parent — overdue included (it used to count the child as well).
async fn the_overview_counts_one_set_of_work_orders(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let agent = t.login("agent").await;
    let dispatcher = t.login("dispatcher").await;
    let id = new_ticket(&agent, "协办件超期").await;
    let (lead, assist) = (t.org_id("DONGCHENG").await, t.org_id("ZJW").await);
    ok(&dispatcher, &id, "dispatch", json!({"org_id": lead, "assist_org_ids": [assist]})).await;
    t.advance(Duration::days(20));
    t.app.run_due_timers().await.expect("timers");
    // The overview reads the rollups: count what happened first.
    t.app.run_job_named("stats.rollup").await.expect("rollup");
    let supervisor = t.login("supervisor").await;
    let o = supervisor.get("/api/v1/stats/overview").await.body;
    let by_state: i64 = o["by_state"]
        .as_object()
        .expect("by_state")
        .values()
        .filter_map(serde_json::Value::as_i64)
        .sum();
    let by_unit: i64 = o["overdue_by_unit"]
        .as_array()
        .expect("overdue_by_unit")
        .iter()
        .filter_map(|u| u["count"].as_i64())
        .sum();
    assert_eq!(
        (o["total"].as_i64(), by_state, o["overdue"].as_i64(), by_unit),
        (Some(1), 1, Some(1), 1),
        "{o}"
    );
}

/// 联系市民: the unit holding a ticket reveals the caller's number with a reason (audited); no
/// other unit can, nor anyone on a confidential ticket; supervisors see every access.
async fn a_holder_reveals_the_caller_with_a_reason(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let agent = t.login("agent").await;
    let dispatcher = t.login("dispatcher").await;
    let id = new_ticket(&agent, "路灯不亮").await;
    ok(&dispatcher, &id, "dispatch", json!({"org_id": t.org_id("DONGCHENG").await})).await;
    let district = t.login("district_a").await;
    let view = district.get(&format!("/api/v1/tickets/{id}")).await.body;
    assert_eq!(view["caller"]["phone"], "138****8000");
    let reveal = format!("/api/v1/tickets/{id}/actions/reveal_contact");
    let res = district.post(&reveal, json!({"reason": " "})).await;
    assert_eq!((res.status, res.field_code("reason")), (422, "required"), "{}", res.body);
    let res = district.post(&reveal, json!({"reason": "电话联系市民核实路灯位置"})).await;
    assert_eq!(
        (res.status, res.body["caller_phone"].as_str()),
        (200, Some("13800138000")),
        "{}",
        res.body
    );
    assert_eq!(t.audit_count("ticket.reveal_contact").await, 1);
    // Another unit cannot, and the refusal is audited.
    let denied = t.audit_count("access.denied").await;
    let bureau = t.login("bureau_a").await;
    assert_eq!(bureau.post(&reveal, json!({"reason": "看看"})).await.status, 403);
    assert!(t.audit_count("access.denied").await > denied);
    // Nobody in a unit sees the caller of a confidential ticket.
    let mut body = ticket_body(&agent, "举报").await;
    body["confidential"] = json!(true);
    let secret =
        agent.post("/api/v1/tickets", body).await.body["id"].as_str().expect("id").to_owned();
    ok(&dispatcher, &secret, "dispatch", json!({"org_id": t.org_id("DONGCHENG").await})).await;
    let res = district
        .post(
            &format!("/api/v1/tickets/{secret}/actions/reveal_contact"),
            json!({"reason": "联系举报人"}),
        )
        .await;
    assert_eq!(res.status, 403, "{}", res.body);
    assert_eq!(t.audit_count("ticket.reveal_contact").await, 1);
    // Supervisors see who opened the ticket and who revealed its caller, newest first.
    let supervisor = t.login("supervisor").await;
    let page = supervisor.get(&format!("/api/v1/tickets/{id}/accesses")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let items = page.body["items"].as_array().expect("items");
    let revealed = &items[0];
    assert_eq!(
        (
            revealed["kind"].as_str(),
            revealed["actor_display_name"].as_str(),
            revealed["reason"].as_str()
        ),
        (Some("reveal_contact"), Some("东城区承办人刘洋"), Some("电话联系市民核实路灯位置")),
        "{revealed}"
    );
    assert_eq!(revealed["actor_org"]["code"], "DONGCHENG");
    assert!(
        items.iter().any(|a| a["kind"] == "read" && a["personal_data"] == "masked"),
        "{items:?}"
    );
    assert_eq!(agent.get(&format!("/api/v1/tickets/{id}/accesses")).await.status, 403);
}

/// An agent answers at first contact: the ticket is registered and handled in one request, or
/// not at all when the handling is refused.
async fn registering_and_handling_is_one_step(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let agent = t.login("agent").await;
    let total = || async { agent.get("/api/v1/tickets?per_page=1").await.body["total"].as_i64() };
    let before = total().await;
    let mut body = ticket_body(&agent, "咨询公积金提取").await;
    body["handling"] = json!({"action": "answer", "content": "可登录公积金中心网站办理提取。"});
    let res = agent.post("/api/v1/tickets", body.clone()).await;
    assert_eq!(res.status, 201, "{}", res.body);
    assert_eq!(
        (res.body["state"].as_str(), res.body["handling_type"].as_str()),
        (Some("answered"), Some("answer"))
    );
    assert_eq!(actions_of(&res.body), ["create", "answer"]);
    assert!(
        !res.body["allowed_actions"].as_array().expect("actions").iter().any(|a| a == "dispatch")
    );

    // Routed at once: 转办 to a unit.
    body["title"] = json!("小区路灯不亮");
    body["handling"] =
        json!({"action": "transfer", "org_id": t.org_id("ZJW").await, "opinion": "请核实处理"});
    let res = agent.post("/api/v1/tickets", body.clone()).await;
    assert_eq!((res.status, res.body["state"].as_str()), (201, Some("dispatched")), "{}", res.body);
    assert_eq!(res.body["holder_org"]["code"], "ZJW");

    // Refused handling registers nothing: a missing answer, an action that is not intake, one
    // the agent may not take (交办 is the dispatcher's), a draft.
    let after_two = total().await;
    assert_eq!(after_two, before.map(|n| n + 2));
    body["handling"] = json!({"action": "answer"});
    let res = agent.post("/api/v1/tickets", body.clone()).await;
    assert_eq!((res.status, res.field_code("content")), (422, "required"), "{}", res.body);
    body["handling"] = json!({"action": "accept"});
    let res = agent.post("/api/v1/tickets", body.clone()).await;
    assert_eq!(
        (res.status, res.field_code("handling.action")),
        (422, "invalid_value"),
        "{}",
        res.body
    );
    body["handling"] = json!({"action": "assign", "org_id": t.org_id("ZJW").await});
    assert_eq!(agent.post("/api/v1/tickets", body.clone()).await.status, 403);
    body["handling"] = json!({"action": "answer", "content": "x", "nonsense": 1});
    assert_eq!(agent.post("/api/v1/tickets", body.clone()).await.status, 422);
    let mut draft = body.clone();
    draft["draft"] = json!(true);
    draft["handling"] = json!({"action": "answer", "content": "答复"});
    let res = agent.post("/api/v1/tickets", draft).await;
    assert_eq!((res.status, res.field_code("handling")), (422, "not_allowed"), "{}", res.body);
    assert_eq!(total().await, after_two, "nothing was registered by a refused handling");

    // A retry with the same key answers with the handled ticket, not a second one.
    body["handling"] = json!({"action": "answer", "content": "已告知办理流程。"});
    let key = uuid::Uuid::now_v7().to_string();
    let send = || {
        agent.raw(
            agent
                .client
                .post(agent.url("/api/v1/tickets"))
                .header("idempotency-key", &key)
                .json(&body),
        )
    };
    let first = send().await;
    let again = send().await;
    assert_eq!((first.status, again.status), (201, 200), "{}", again.body);
    assert_eq!(
        (first.body["id"].clone(), again.body["state"].as_str()),
        (again.body["id"].clone(), Some("answered"))
    );
    assert_eq!(total().await, after_two.map(|n| n + 1));
}

/// Review by the district is a setting of the org: a district that does not review lets its
/// streets' replies go straight up to the center.
async fn a_unit_that_does_not_review_passes_replies_up(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let admin = t.login("admin").await;
    let district_id = t.org_id("DONGCHENG").await;
    let res = admin
        .patch(&format!("/api/v1/orgs/{district_id}"), json!({"reviews_replies": false}))
        .await;
    assert_eq!((res.status, &res.body["reviews_replies"]), (200, &json!(false)), "{}", res.body);
    let agent = t.login("agent").await;
    let dispatcher = t.login("dispatcher").await;
    let district = t.login("district_a").await;
    let street = t.login("street_a1").await;
    let supervisor = t.login("supervisor").await;
    let id = new_ticket(&agent, "不审核的区").await;
    ok(&dispatcher, &id, "dispatch", json!({"org_id": district_id})).await;
    ok(&district, &id, "dispatch", json!({"org_id": t.org_id("DONGCHENG-DHM").await})).await;
    ok(&street, &id, "accept", json!({})).await;
    let v = ok(&street, &id, "reply", json!({"content": "已处理完毕"})).await;
    assert!(v["dispatched_by_org"].is_null(), "{}", v["dispatched_by_org"]);
    assert_eq!(act(&district, &id, "approve_reply", json!({})).await.status, 403);
    let v = ok(&supervisor, &id, "approve_reply", json!({})).await;
    assert_eq!(v["state"], "awaiting_callback");
}

async fn work_lists_respect_views_and_scope(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let agent = t.login("agent").await;
    let dispatcher = t.login("dispatcher").await;
    let district = t.login("district_a").await;
    let bureau = t.login("bureau_a").await;
    let a = new_ticket(&agent, "东城区的").await;
    let b = new_ticket(&agent, "住建委的").await;
    new_ticket(&agent, "待派单的").await;
    ok(&dispatcher, &a, "dispatch", json!({"org_id": t.org_id("DONGCHENG-DHM").await})).await;
    ok(&dispatcher, &b, "dispatch", json!({"org_id": t.org_id("ZJW").await})).await;

    assert_eq!(dispatcher.get("/api/v1/tickets?view=to_dispatch").await.body["total"], 1);
    assert_eq!(dispatcher.get("/api/v1/tickets").await.body["total"], 3);
    let mine = district.get("/api/v1/tickets").await.body;
    assert_eq!(mine["total"], 1, "the district sees its street's ticket");
    assert_eq!(mine["items"][0]["id"], a.as_str());
    assert_eq!(
        district.get("/api/v1/tickets?view=inbox_to_accept").await.body["total"],
        0,
        "the inbox is the org's own"
    );
    assert_eq!(bureau.get("/api/v1/tickets?view=inbox_to_accept").await.body["total"], 1);
    assert_eq!(district.get(&format!("/api/v1/tickets/{b}")).await.status, 403);
    assert_eq!(
        district.get(&format!("/api/v1/tickets?org_id={}", t.org_id("ZJW").await)).await.status,
        403
    );
    let page = dispatcher.get("/api/v1/tickets?per_page=2&sort=oldest").await.body;
    assert_eq!(
        (page["items"].as_array().map(Vec::len), page["total"].as_u64()),
        (Some(2), Some(3))
    );
    assert_eq!(page["items"][0]["id"], a.as_str());
    // The total rides on the page's rows; a page past the end counts on its own.
    for (page, items) in [(2, 1), (3, 0), (9, 0)] {
        let body = dispatcher
            .get(&format!("/api/v1/tickets?per_page=2&sort=oldest&page={page}"))
            .await
            .body;
        assert_eq!(
            (body["items"].as_array().map(Vec::len), body["total"].as_u64()),
            (Some(items), Some(3)),
            "page {page}"
        );
    }
    assert_eq!(dispatcher.get("/api/v1/tickets?q=住建委").await.body["total"], 1);
    assert_eq!(
        dispatcher.get("/api/v1/tickets?state=dispatched,registered").await.body["total"],
        3
    );
    assert_eq!(
        dispatcher.get("/api/v1/tickets?state=nonsense").await.field_code("state"),
        "invalid_value"
    );
    assert_eq!(
        dispatcher.get("/api/v1/tickets?view=nonsense").await.field_code("view"),
        "invalid_value"
    );
    let water = category(&dispatcher, "自来水供应").await;
    assert_eq!(
        dispatcher.get(&format!("/api/v1/tickets?category_id={water}")).await.body["total"],
        3
    );
    assert_eq!(
        dispatcher
            .get(&format!("/api/v1/tickets?org_id={}", t.org_id("DONGCHENG").await))
            .await
            .body["total"],
        1
    );
    let admin = t.login("admin").await;
    assert_eq!(admin.get("/api/v1/tickets").await.status, 403, "the admin reads no work orders");
    // An inbox is the caller's own org; an org filter still narrows it.
    let c = new_ticket(&agent, "东城区本级的").await;
    ok(&dispatcher, &c, "dispatch", json!({"org_id": t.org_id("DONGCHENG").await})).await;
    let inbox = district.get("/api/v1/tickets?view=inbox_to_accept").await.body;
    assert_eq!(
        (inbox["total"].as_u64(), inbox["items"][0]["id"].as_str()),
        (Some(1), Some(c.as_str()))
    );
    let street = t.org_id("DONGCHENG-DHM").await;
    assert_eq!(
        district.get(&format!("/api/v1/tickets?view=inbox_to_accept&org_id={street}")).await.body["total"],
        0
    );
}

/// A page is picked by ids and then read: every sort must still give each ticket once, in
/// order of its key and then of its id, however the list is cut into pages.
async fn every_sort_pages_through_a_list_once(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let agent = t.login("agent").await;
    let dispatcher = t.login("dispatcher").await;
    let mut ids = Vec::new();
    for i in 0..7 {
        // Tickets 2 and 3 come in at the same instant: their id breaks the tie.
        if i != 3 {
            t.advance(Duration::minutes(1));
        }
        ids.push(new_ticket(&agent, &format!("第{i}件")).await);
    }
    // Three get a finish deadline and a later update, in another order than they came in.
    for id in [&ids[4], &ids[1], &ids[5]] {
        t.advance(Duration::minutes(5));
        ok(&dispatcher, id, "dispatch", json!({"org_id": t.org_id("ZJW").await})).await;
    }
    let instant = |item: &Value, field: &str| {
        item[field].as_str().map(|s| chrono::DateTime::parse_from_rfc3339(s).expect("a time"))
    };
    for (sort, field, descending) in [
        ("newest", "created_at", true),
        ("oldest", "created_at", false),
        ("finish_due", "finish_due", false),
        ("updated", "updated_at", true),
    ] {
        let whole = dispatcher.get(&format!("/api/v1/tickets?sort={sort}&per_page=100")).await.body;
        assert_eq!(whole["total"], 7, "{sort}");
        let listed = ids_on(&whole);
        let mut expected = whole.clone();
        // Ids compare like their 16 bytes; without a deadline comes last (finish_due).
        expected["items"].as_array_mut().expect("items").sort_by(|a, b| {
            let (ka, kb) = (instant(a, field), instant(b, field));
            let (ia, ib) = (a["id"].as_str(), b["id"].as_str());
            match (ka, kb) {
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                _ if descending => (kb, ib).cmp(&(ka, ia)),
                _ => (ka, ia).cmp(&(kb, ib)),
            }
        });
        assert_eq!(listed, ids_on(&expected), "{sort} orders by {field}, then by id");
        let mut paged: Vec<String> = Vec::new();
        for page in 1..=3 {
            let body = dispatcher
                .get(&format!("/api/v1/tickets?sort={sort}&per_page=3&page={page}"))
                .await
                .body;
            assert_eq!(body["total"], 7, "{sort} page {page}");
            paged.extend(ids_on(&body));
        }
        assert_eq!(paged, listed, "{sort}: pages of three give the same list");
        let mut once = listed.clone();
        once.sort_unstable();
        let mut created = ids.clone();
        created.sort_unstable();
        assert_eq!(once, created, "{sort}: every ticket once");
    }
    // The keys differ from the order of intake, so a sort that ignored its key would show.
    let updated = dispatcher.get("/api/v1/tickets?sort=updated&per_page=3").await.body;
    assert_eq!(ids_on(&updated), [ids[5].clone(), ids[1].clone(), ids[4].clone()]);
}
