use serde_json::json;

use crate::harness::{Backend, TestApp, both_backends};

both_backends!(
    unit_users_are_confined_to_their_district,
    user_rules_are_enforced,
    unit_managers_manage_their_own_unit,
    deactivated_users_lose_their_sessions,
    a_session_acts_with_every_role_of_its_user,
);

async fn unit_users_are_confined_to_their_district(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let admin = t.login("admin").await;
    let xicheng = t.org_id("XICHENG").await;
    let res = admin
        .post(
            "/api/v1/users",
            json!({"username": "xicheng_clerk", "display_name": "西城区办事员", "org_id": xicheng,
                                        "roles": ["unit_handler"], "password": "Xicheng#2026q"}),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.body);
    let other = res.body["id"].as_str().expect("id").to_owned();

    let district = t.login("district_a").await;
    let res = district.get(&format!("/api/v1/users/{other}")).await;
    assert_eq!((res.status, res.code()), (403, "forbidden"));
    let res = district.get(&format!("/api/v1/users?org_id={xicheng}")).await;
    assert_eq!(res.status, 403);
    let res = district.get("/api/v1/users").await;
    let names: Vec<&str> = res.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|u| u["username"].as_str())
        .collect();
    assert_eq!(names, ["district_a", "district_a_manager", "street_a1"]);
    let own = t.user_id("street_a1").await;
    assert_eq!(district.get(&format!("/api/v1/users/{own}")).await.status, 200);
    // Reads of user records are audited; denials are too.
    assert!(t.audit_count("user.read").await >= 1);
    assert!(t.audit_count("user.list").await >= 1);
    assert!(t.audit_count("access.denied").await >= 2);
}

async fn user_rules_are_enforced(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let admin = t.login("admin").await;
    let center = t.org_id("CENTER").await;
    let street = t.org_id("DONGCHENG-DHM").await;
    let count = admin.get("/api/v1/users").await.body["total"].clone();
    let base = json!({"username": "newbie", "display_name": "新人", "org_id": center, "roles": ["agent"], "password": "Hotline#2026x"});
    let with = |k: &str, v: serde_json::Value| {
        let mut b = base.clone();
        b[k] = v;
        b
    };
    let cases = [
        (with("username", json!("agent")), 409, "username", "already_exists"),
        (with("username", json!("AGENT")), 409, "username", "already_exists"),
        (with("username", json!("x")), 422, "username", "too_short"),
        (with("password", json!("short1A")), 422, "password", "password_too_short"),
        (with("password", json!("zhangsan123")), 422, "password", "password_too_few_classes"),
        (with("password", json!("Aa123456")), 422, "password", "password_too_common"),
        (with("password", json!("Newbie#2026x")), 422, "password", "password_contains_username"),
        (with("roles", json!(["unit_handler"])), 422, "roles", "not_allowed"),
        (with("roles", json!(["janitor"])), 422, "roles", "invalid_value"),
        (with("roles", json!([])), 422, "roles", "required"),
        (with("org_id", json!(street)), 422, "roles", "not_allowed"),
        (with("display_name", json!(null)), 422, "display_name", "wrong_type"),
    ];
    for (body, status, field, code) in cases {
        let res = admin.post("/api/v1/users", body.clone()).await;
        assert_eq!((res.status, res.field_code(field)), (status, code), "{body} → {}", res.body);
    }
    assert_eq!(admin.get("/api/v1/users").await.body["total"], count, "nothing was created");

    // Separation of duties: nobody changes their own roles or deactivates themselves.
    let me = t.user_id("admin").await;
    let res =
        admin.patch(&format!("/api/v1/users/{me}"), json!({"roles": ["admin", "auditor"]})).await;
    assert_eq!(res.field_code("roles"), "not_allowed");
    let res = admin.delete(&format!("/api/v1/users/{me}")).await;
    assert_eq!(res.field_code("active"), "not_allowed");
    // Paging is validated.
    assert_eq!(
        admin.get("/api/v1/users?per_page=100000").await.field_code("per_page"),
        "invalid_value"
    );
    assert_eq!(admin.get("/api/v1/users?page=abc").await.field_code("page"), "invalid_value");
    assert_eq!(admin.get("/api/v1/users?role=janitor").await.field_code("role"), "invalid_value");
}

async fn unit_managers_manage_their_own_unit(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let manager = t.login("district_a_manager").await;
    let js = t.org_id("DONGCHENG-JS").await;
    let res = manager
        .post(
            "/api/v1/users",
            json!({"username": "js_clerk", "display_name": "景山办事员", "org_id": js,
                                        "roles": ["unit_handler"], "password": "Jingshan#2026"}),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.body);
    let res = manager
        .post(
            "/api/v1/users",
            json!({"username": "js_boss", "display_name": "x", "org_id": js,
                                        "roles": ["admin"], "password": "Jingshan#2026"}),
        )
        .await;
    assert_eq!(res.field_code("roles"), "not_allowed", "{}", res.body);
    let xicheng = t.org_id("XICHENG").await;
    let res = manager
        .post(
            "/api/v1/users",
            json!({"username": "xc_clerk", "display_name": "x", "org_id": xicheng,
                                        "roles": ["unit_handler"], "password": "Jingshan#2026"}),
        )
        .await;
    assert_eq!(res.status, 403);
    let clerk = res_id(&manager.get("/api/v1/users?q=js_clerk").await.body);
    let res = manager.patch(&format!("/api/v1/users/{clerk}"), json!({"org_id": xicheng})).await;
    assert_eq!(res.status, 403, "cannot move a user out of the subtree");
    let res = manager
        .patch(&format!("/api/v1/users/{clerk}"), json!({"display_name": "景山街道办事员"}))
        .await;
    assert_eq!((res.status, res.body["display_name"].as_str()), (200, Some("景山街道办事员")));
    let audit = t.audit_count("user.update").await;
    assert_eq!(audit, 1);
}

fn res_id(page: &serde_json::Value) -> String {
    page["items"][0]["id"].as_str().expect("id").to_owned()
}

async fn deactivated_users_lose_their_sessions(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let admin = t.login("admin").await;
    let agent = t.login("agent").await;
    let id = t.user_id("agent").await;
    let res = admin.delete(&format!("/api/v1/users/{id}")).await;
    assert_eq!((res.status, &res.body["active"]), (200, &json!(false)));
    assert_eq!(agent.get("/api/v1/me").await.status, 401);
    let res = t
        .client()
        .post(
            "/api/v1/auth/login",
            json!({"username": "agent", "password": crate::harness::PASSWORD}),
        )
        .await;
    assert_eq!((res.status, res.code()), (403, "account_disabled"));
    let res = admin.patch(&format!("/api/v1/users/{id}"), json!({"active": true})).await;
    assert_eq!(res.body["active"], true);
    t.login("agent").await;
}

/// A session carries all of its user's roles (they are read with the session in one query), and
/// only those.
async fn a_session_acts_with_every_role_of_its_user(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let admin = t.login("admin").await;
    let id = t.user_id("agent").await;
    let dispatch_to = json!({"org_id": t.org_id("ZJW").await});
    let res = admin
        .patch(&format!("/api/v1/users/{id}"), json!({"roles": ["agent", "dispatcher"]}))
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    let both = t.login("agent").await;
    let ticket = crate::harness::new_ticket(&both, "两个角色").await;
    let res = crate::harness::act(&both, &ticket, "dispatch", dispatch_to.clone()).await;
    assert_eq!(res.status, 200, "{}", res.body);

    let res = admin.patch(&format!("/api/v1/users/{id}"), json!({"roles": ["agent"]})).await;
    assert_eq!(res.status, 200, "{}", res.body);
    let one = t.login("agent").await;
    let ticket = crate::harness::new_ticket(&one, "一个角色").await;
    let res = crate::harness::act(&one, &ticket, "dispatch", dispatch_to).await;
    assert_eq!(res.status, 403, "{}", res.body);
}
