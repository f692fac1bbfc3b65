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
                responses["default"]["$ref"], "#/components/responses/Error",
                "{method} {path}"
            );
            assert!(item[*method]["operationId"].is_string(), "{method} {path}");
        }
    }
    assert_eq!(
        doc["components"]["responses"]["Error"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/ErrorEnvelope"
    );
    // Every route of the router, and nothing else (the console and Open311 are not JSON API).
    assert_eq!(operations, 147);

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

/// Enums are documented in the codes the wire carries (a client generated from the document
/// sends `complaint`, not `Complaint`), and list bounds are the ones the server enforces.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enums_and_bounds_are_documented_as_enforced() {
    let t = TestApp::spawn(Backend::Sqlite).await;
    let doc = t.client().get("/api/openapi.json").await.body;
    let schemas = &doc["components"]["schemas"];
    let codes = |name: &str| -> Vec<String> {
        schemas[name]["enum"]
            .as_array()
            .unwrap_or_else(|| panic!("{name} has no enum: {}", schemas[name]))
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect()
    };
    let wire = |values: &[&str]| values.iter().map(|v| (*v).to_owned()).collect::<Vec<_>>();
    for (name, all) in [
        (
            "TicketState",
            hotline_domain::ticket::TicketState::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>(),
        ),
        ("Action", hotline_domain::ticket::Action::ALL.iter().map(|v| v.as_str()).collect()),
        (
            "AppealType",
            hotline_domain::ticket::AppealType::ALL.iter().map(|v| v.as_str()).collect(),
        ),
        ("Channel", hotline_domain::ticket::Channel::ALL.iter().map(|v| v.as_str()).collect()),
        ("Urgency", hotline_domain::ticket::Urgency::ALL.iter().map(|v| v.as_str()).collect()),
        ("Role", hotline_domain::role::Role::ALL.iter().map(|v| v.as_str()).collect()),
        ("Permission", hotline_domain::role::Permission::ALL.iter().map(|v| v.as_str()).collect()),
    ] {
        assert_eq!(codes(name), wire(&all), "{name}");
        let snake = |c: &String| {
            c.chars().all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_')
        };
        assert!(codes(name).iter().all(snake), "{name}: {:?}", codes(name));
    }
    // An action path parameter documented as its codes reaches the handler.
    let agent = t.login("agent").await;
    let res = agent
        .post("/api/v1/tickets/00000000-0000-0000-0000-000000000000/actions/accept", json!({}))
        .await;
    assert_eq!(res.code(), "not_found");
    assert_eq!(res.body["error"]["resource"], "ticket", "{}", res.body);

    let list = &doc["paths"]["/api/v1/tickets"]["get"]["parameters"];
    let param = |name: &str| {
        list.as_array()
            .and_then(|l| l.iter().find(|p| p["name"] == name))
            .map(|p| p["schema"].clone())
            .unwrap_or_default()
    };
    assert_eq!(
        (&param("page")["minimum"], &param("page")["maximum"]),
        (&json!(1), &json!(1_000_000))
    );
    assert_eq!(
        (&param("per_page")["minimum"], &param("per_page")["maximum"]),
        (&json!(1), &json!(200))
    );
    let suggest = &doc["paths"]["/api/v1/routing/suggest"]["get"]["parameters"];
    let category = suggest.as_array().and_then(|l| l.iter().find(|p| p["name"] == "category_id"));
    assert_eq!(category.map(|p| &p["required"]), Some(&json!(true)));
}
