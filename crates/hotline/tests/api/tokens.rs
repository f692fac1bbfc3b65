use serde_json::json;

use crate::harness::{Backend, TestApp, both_backends};

both_backends!(machine_clients_use_scoped_revocable_tokens);

async fn machine_clients_use_scoped_revocable_tokens(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let admin = t.login("admin").await;
    let dongcheng = t.org_id("DONGCHENG").await;
    let res = admin
        .post(
            "/api/v1/api-tokens",
            json!({"name": "东城区OA", "org_id": dongcheng, "roles": ["unit_handler"]}),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.body);
    let secret = res.body["secret"].as_str().expect("secret").to_owned();
    let id = res.body["id"].as_str().expect("id").to_owned();
    assert!(secret.starts_with("hlt_") && secret.len() > 40);

    // Privileged roles never go to machines.
    let res = admin
        .post("/api/v1/api-tokens", json!({"name": "x", "org_id": dongcheng, "roles": ["admin"]}))
        .await;
    assert_eq!(res.field_code("roles"), "not_allowed");

    let client = reqwest::Client::new();
    let call = |path: &str| client.get(format!("{}{path}", t.base)).bearer_auth(&secret).send();
    let res = call("/api/v1/users").await.expect("send");
    assert_eq!(res.status(), 200);
    let body: serde_json::Value = res.json().await.expect("json");
    assert!(
        body["items"].as_array().expect("items").iter().all(|u| u["username"] != "agent"),
        "scoped to 东城区"
    );
    let xicheng = t.org_id("XICHENG").await;
    assert_eq!(call(&format!("/api/v1/orgs/{xicheng}")).await.expect("send").status(), 403);

    // Listed without the secret, with its last use.
    let list = admin.get("/api/v1/api-tokens").await;
    let listed = &list.body["items"][0];
    assert!(listed.get("secret").is_none() && listed["last_used_at"].is_string(), "{listed}");
    let stored = format!(
        "{:?}",
        hotline_store::tokens::list(
            t.app.store.reader(),
            None,
            hotline_store::PageRequest { page: 1, per_page: 10 }
        )
        .await
        .expect("list")
        .items
    );
    assert!(!stored.contains(&secret), "only a hash is stored");

    let res = admin.post(&format!("/api/v1/api-tokens/{id}/revoke"), json!({})).await;
    assert!(res.body["revoked_at"].is_string());
    assert_eq!(call("/api/v1/users").await.expect("send").status(), 401);
    assert_eq!(t.audit_count("api_token.create").await, 1);
    assert_eq!(t.audit_count("api_token.revoke").await, 1);
}
