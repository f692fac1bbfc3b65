use serde_json::json;

use crate::harness::{Backend, TestApp, both_backends};

both_backends!(
    admins_build_and_reshape_the_tree,
    bad_org_input_changes_nothing,
    deactivation_waits_for_dependants,
    unit_users_see_only_their_subtree_of_orgs,
);

async fn admins_build_and_reshape_the_tree(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let admin = t.login("admin").await;
    let dongcheng = t.org_id("DONGCHENG").await;
    let xicheng = t.org_id("XICHENG").await;

    let res = admin
        .post("/api/v1/orgs", json!({"code": "dc-dhm-c1", "name": "东华门社区", "kind": "community", "parent_id": t.org_id("DONGCHENG-DHM").await}))
        .await;
    assert_eq!(res.status, 201, "{}", res.body);
    assert_eq!(
        (res.body["code"].as_str(), res.body["depth"].as_u64()),
        (Some("DC-DHM-C1"), Some(3))
    );
    let community = res.body["id"].as_str().expect("id").to_owned();

    // Rename.
    let res =
        admin.patch(&format!("/api/v1/orgs/{community}"), json!({"name": "东华门第一社区"})).await;
    assert_eq!((res.status, res.body["name"].as_str()), (200, Some("东华门第一社区")));

    // Move a street office (with its community) from 东城区 to 西城区.
    let street = t.org_id("DONGCHENG-DHM").await;
    let res = admin.patch(&format!("/api/v1/orgs/{street}"), json!({"parent_id": xicheng})).await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.body["parent_id"], json!(xicheng));
    let under_xicheng = admin.get(&format!("/api/v1/orgs?subtree_of={xicheng}")).await;
    let codes: Vec<&str> = under_xicheng.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|o| o["code"].as_str())
        .collect();
    assert!(codes.contains(&"DONGCHENG-DHM") && codes.contains(&"DC-DHM-C1"), "{codes:?}");
    let under_dongcheng = admin.get(&format!("/api/v1/orgs?subtree_of={dongcheng}")).await;
    assert_eq!(under_dongcheng.body["total"], 2, "东城区 and its remaining street office");

    // The move moved the people too: street_a1 is now in 西城区's subtree.
    let users = admin.get(&format!("/api/v1/users?subtree_of={xicheng}")).await;
    assert!(
        users.body["items"].as_array().expect("items").iter().any(|u| u["username"] == "street_a1")
    );

    assert_eq!(t.audit_count("org.create").await, 1);
    assert_eq!(t.audit_count("org.update").await, 1);
    assert_eq!(t.audit_count("org.move").await, 1);
}

async fn bad_org_input_changes_nothing(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let admin = t.login("admin").await;
    let center = t.org_id("CENTER").await;
    let dongcheng = t.org_id("DONGCHENG").await;
    let street = t.org_id("DONGCHENG-DHM").await;
    let before = admin.get("/api/v1/orgs?per_page=200").await.body;

    let cases = [
        (
            json!({"code": "X1", "name": "某区", "kind": "district", "parent_id": center, "color": "red"}),
            422,
            "color",
            "unknown_field",
        ),
        (
            json!({"code": "X1", "name": "某区", "kind": "district", "parent_id": 42}),
            422,
            "parent_id",
            "wrong_type",
        ),
        (
            json!({"code": "X1", "name": "区".repeat(101), "kind": "district", "parent_id": center}),
            422,
            "name",
            "too_long",
        ),
        (
            json!({"code": "X 1", "name": "某区", "kind": "district", "parent_id": center}),
            422,
            "code",
            "invalid_format",
        ),
        (
            json!({"code": "X1", "name": "某区", "kind": "province", "parent_id": center}),
            422,
            "kind",
            "invalid_value",
        ),
        (json!({"code": "X1", "name": "某区", "kind": "district"}), 422, "parent_id", "required"),
        (json!({"name": "某区", "kind": "district", "parent_id": center}), 422, "code", "required"),
        (
            json!({"code": "X1", "name": "第二中心", "kind": "center"}),
            409,
            "kind",
            "already_exists",
        ),
        (
            json!({"code": "dongcheng", "name": "重复", "kind": "district", "parent_id": center}),
            409,
            "code",
            "already_exists",
        ),
    ];
    for (body, status, field, code) in cases {
        let res = admin.post("/api/v1/orgs", body.clone()).await;
        assert_eq!((res.status, res.field_code(field)), (status, code), "{body} → {}", res.body);
        assert!(
            res.body["error"]["message"].is_string() && res.body["error"]["request_id"].is_string()
        );
    }
    // A cycle: 东城区 under its own street office.
    let res = admin.patch(&format!("/api/v1/orgs/{dongcheng}"), json!({"parent_id": street})).await;
    assert_eq!((res.status, res.field_code("parent_id")), (422, "creates_cycle"), "{}", res.body);
    let res =
        admin.patch(&format!("/api/v1/orgs/{dongcheng}"), json!({"parent_id": dongcheng})).await;
    assert_eq!(res.field_code("parent_id"), "creates_cycle");
    // The center cannot be moved at all.
    let res = admin.patch(&format!("/api/v1/orgs/{center}"), json!({"parent_id": dongcheng})).await;
    assert_eq!(res.status, 422);
    let res = admin.patch(&format!("/api/v1/orgs/{dongcheng}"), json!({"name": ""})).await;
    assert_eq!(res.field_code("name"), "required");
    assert_eq!(admin.get("/api/v1/orgs/not-a-uuid").await.status, 404);

    assert_eq!(admin.get("/api/v1/orgs?per_page=200").await.body["items"], before["items"]);
    assert_eq!(t.audit_count("org").await, 0);
}

async fn deactivation_waits_for_dependants(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let admin = t.login("admin").await;
    let dongcheng = t.org_id("DONGCHENG").await;
    let res = admin.delete(&format!("/api/v1/orgs/{dongcheng}")).await;
    assert_eq!((res.status, res.code()), (409, "org_in_use"), "{}", res.body);

    // An empty street office can go; its former users could not sign in anyway.
    let js = t.org_id("DONGCHENG-JS").await;
    let res = admin.delete(&format!("/api/v1/orgs/{js}")).await;
    assert_eq!((res.status, &res.body["active"]), (200, &json!(false)));
    let res = admin.get(&format!("/api/v1/orgs/{js}")).await;
    assert_eq!(res.body["active"], false, "deactivated, never deleted");
    let res = admin
        .post(
            "/api/v1/orgs",
            json!({"code": "JS-C1", "name": "景山社区", "kind": "community", "parent_id": js}),
        )
        .await;
    assert_eq!(res.field_code("parent_id"), "inactive");
    let res = admin.patch(&format!("/api/v1/orgs/{js}"), json!({"active": true})).await;
    assert_eq!(res.body["active"], true);
}

async fn unit_users_see_only_their_subtree_of_orgs(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let district = t.login("district_a").await;
    let res = district.get("/api/v1/orgs").await;
    let codes: Vec<&str> = res.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|o| o["code"].as_str())
        .collect();
    assert_eq!(codes.len(), 3, "{codes:?}");
    assert!(codes.iter().all(|c| c.starts_with("DONGCHENG")));
    let xicheng = t.org_id("XICHENG").await;
    assert_eq!(district.get(&format!("/api/v1/orgs/{xicheng}")).await.status, 403);
    let res = district.post("/api/v1/orgs", json!({"code": "Q", "name": "Q", "kind": "street", "parent_id": t.org_id("DONGCHENG").await})).await;
    assert_eq!((res.status, res.code()), (403, "forbidden"));
    assert!(t.audit_count("access.denied").await >= 2);
}
