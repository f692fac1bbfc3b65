use serde_json::{Value, json};

use crate::harness::{Backend, TestApp};

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// The document is pinned: an API change shows up in review as a change of
/// `snapshots/api__openapi__the_document_is_pinned.snap` (`cargo insta review` to accept it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_document_is_pinned() {
    let t = TestApp::spawn(Backend::Sqlite).await;
    let res = t.client().get("/api/openapi.json").await;
    assert_eq!(res.status, 200);
    assert_eq!(res.body["openapi"], "3.1.0");
    let pretty = serde_json::to_string_pretty(&res.body).expect("json");
    insta::assert_snapshot!(pretty);
}

/// Every operation says how it fails, and the envelope it documents is the one the API sends.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_are_documented_as_sent() {
    let t = TestApp::spawn(Backend::Sqlite).await;
    let doc = t.client().get("/api/openapi.json").await.body;
    let mut operations = 0;
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in METHODS.iter().filter(|m| item.get(**m).is_some()) {
            operations += 1;
            let responses = &item[*method]["responses"];
            assert_eq!(
                responses["default"]["content"]["application/json"]["schema"]["$ref"],
                "#/components/schemas/ErrorEnvelope",
                "{method} {path}"
            );
            assert!(item[*method]["operationId"].is_string(), "{method} {path}");
        }
    }
    // Every route of the router, and nothing else (the console and Open311 are not JSON API).
    assert_eq!(operations, 62);

    let admin = t.login("admin").await;
    let res = admin.post("/api/v1/orgs", json!({"name": "", "kind": "street"})).await;
    assert_eq!(res.status, 422);
    let schemas = &doc["components"]["schemas"];
    let keys = |v: &Value| v.as_object().expect("object").keys().cloned().collect::<Vec<_>>();
    let documented = keys(&schemas["ErrorBody"]["properties"]);
    for key in keys(&res.body["error"]) {
        assert!(documented.contains(&key), "`{key}` is sent but not documented");
    }
    let documented = keys(&schemas["FieldErrorBody"]["properties"]);
    for field in res.body["error"]["fields"].as_array().expect("fields") {
        for key in keys(field) {
            assert!(documented.contains(&key), "`fields[].{key}` is sent but not documented");
        }
    }
}

/// The login answers anonymous callers; the rest need a session or a token, as documented.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn security_matches_the_extractors() {
    let t = TestApp::spawn(Backend::Sqlite).await;
    let doc = t.client().get("/api/openapi.json").await.body;
    assert_eq!(doc["security"], json!([{"session": []}, {"token": []}]));
    let anonymous = &doc["paths"]["/api/v1/auth/login"]["post"]["security"];
    assert_eq!(anonymous, &json!([{}]));
    let res = t.client().get("/api/v1/tickets").await;
    assert_eq!(res.status, 401);
    assert!(doc["paths"]["/api/v1/tickets"]["get"].get("security").is_none());
}
