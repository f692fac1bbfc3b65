//! Unit OA integration: signed webhooks from the outbox with retries and a delivery log, and
//! the REST round trip of an org-scoped token with idempotent retries.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use serde_json::{Value, json};
use tokio::sync::Mutex;

use crate::harness::{Backend, TestApp, both_backends};
use crate::harness::{act, new_ticket};

both_backends!(
    webhooks_are_signed_retried_and_logged,
    webhook_subscriptions_refuse_bad_input,
    an_oa_system_handles_its_inbox_with_idempotent_retries,
    setting_up_a_remote_org_again_retires_the_earlier_credentials,
    events_are_routed_and_described_as_they_happened,
);

/// What a receiver saw: the headers that matter and the body.
#[derive(Clone, Debug)]
struct Received {
    event_id: String,
    timestamp: String,
    signature: String,
    body: String,
}

/// A webhook receiver on a loopback port that fails the first `failures` deliveries.
struct Receiver {
    url: String,
    seen: Arc<Mutex<Vec<Received>>>,
}

#[derive(Clone)]
struct ReceiverState {
    seen: Arc<Mutex<Vec<Received>>>,
    failures: Arc<AtomicUsize>,
}

async fn receive(State(s): State<ReceiverState>, headers: HeaderMap, body: String) -> StatusCode {
    let header =
        |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    s.seen.lock().await.push(Received {
        event_id: header("x-hotline-event-id"),
        timestamp: header("x-hotline-timestamp"),
        signature: header("x-hotline-signature"),
        body,
    });
    let left = s.failures.load(Ordering::SeqCst);
    if left > 0 {
        s.failures.store(left - 1, Ordering::SeqCst);
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::NO_CONTENT
    }
}

impl Receiver {
    async fn start(failures: usize) -> Self {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let state = ReceiverState { seen: Arc::clone(&seen), failures: Arc::new(failures.into()) };
        let app = axum::Router::new().route("/hook", post(receive)).with_state(state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
        tokio::spawn(async move {
            axum::serve(listener, app).await.expect("receiver");
        });
        Self { url, seen }
    }

    async fn seen(&self) -> Vec<Received> {
        self.seen.lock().await.clone()
    }
}

/// Runs the jobs that turn events into deliveries and send them, once each, as the server's
/// loops do.
async fn work(t: &TestApp) {
    for job in ["outbox.webhooks", "webhooks.deliver", "outbox.federation", "federation.report"] {
        t.app.run_job_named(job).await.unwrap_or_else(|e| panic!("{job}: {e}"));
    }
}

/// Runs the webhook fan-out once.
async fn fan_out(t: &TestApp) {
    t.app.run_job_named("outbox.webhooks").await.expect("fan-out");
}

async fn subscribe(t: &TestApp, org: &str, url: &str, types: Value) -> (String, String) {
    let admin = t.login("admin").await;
    let res = admin
        .post(
            "/api/v1/webhooks",
            json!({"name": "东城区OA", "org_id": t.org_id(org).await, "url": url, "event_types": types}),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.body);
    let secret = res.body["secret"].as_str().expect("secret").to_owned();
    assert!(secret.starts_with("whsec_"));
    (res.body["id"].as_str().expect("id").to_owned(), secret)
}

async fn webhooks_are_signed_retried_and_logged(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let receiver = Receiver::start(2).await;
    let (hook, secret) = subscribe(
        &t,
        "DONGCHENG",
        &receiver.url,
        json!(["ticket.dispatch", "ticket.approve_return", "ticket.urge"]),
    )
    .await;
    let admin = t.login("admin").await;
    let listed = admin.get("/api/v1/webhooks").await;
    assert!(listed.body[0].get("secret").is_none() && !listed.body.to_string().contains(&secret));

    let agent = t.login("agent").await;
    let dispatcher = t.login("dispatcher").await;
    let ours = new_ticket(&agent, "东城区的水管").await;
    let theirs = new_ticket(&agent, "西城区的水管").await;
    let dongcheng = t.org_id("DONGCHENG").await;
    let res = act(&dispatcher, &ours, "dispatch", json!({"org_id": dongcheng})).await;
    assert_eq!(res.status, 200, "{}", res.body);
    let number = res.body["number"].as_str().expect("number").to_owned();
    let res =
        act(&dispatcher, &theirs, "dispatch", json!({"org_id": t.org_id("XICHENG").await})).await;
    assert_eq!(res.status, 200);

    // Only the dispatch to 东城区 concerns this subscription; the receiver fails twice.
    work(&t).await;
    let log = admin.get(&format!("/api/v1/webhooks/{hook}/deliveries")).await;
    assert_eq!(log.body["total"], 1, "{}", log.body);
    let delivery = &log.body["items"][0];
    assert_eq!(
        (&delivery["status"], &delivery["attempts"], &delivery["last_status"]),
        (&json!("pending"), &json!(1), &json!(503)),
        "{delivery}"
    );
    assert!(delivery["last_error"].as_str().is_some_and(|e| e.contains("503")));
    work(&t).await;
    assert_eq!(receiver.seen().await.len(), 1, "not due again yet");
    t.advance(chrono::Duration::seconds(31));
    work(&t).await;
    t.advance(chrono::Duration::seconds(61));
    work(&t).await;
    let log = admin.get(&format!("/api/v1/webhooks/{hook}/deliveries")).await;
    let delivery = &log.body["items"][0];
    assert_eq!((&delivery["status"], &delivery["attempts"]), (&json!("delivered"), &json!(3)));

    // Every attempt carried the same event and body, signed over its own timestamp.
    let seen = receiver.seen().await;
    assert_eq!(seen.len(), 3);
    assert!(seen.iter().all(|r| r.event_id == seen[0].event_id && r.body == seen[0].body));
    for r in &seen {
        let verified = hotline_domain::webhook::verify(
            secret.as_bytes(),
            &r.timestamp,
            r.body.as_bytes(),
            &r.signature,
            r.timestamp.parse().expect("timestamp"),
            chrono::Duration::minutes(5),
        );
        assert_eq!(verified, Ok(()), "{r:?}");
    }
    let tampered = seen[0].body.replace("dispatch", "close");
    assert!(
        hotline_domain::webhook::verify(
            secret.as_bytes(),
            &seen[0].timestamp,
            tampered.as_bytes(),
            &seen[0].signature,
            seen[0].timestamp.parse().expect("timestamp"),
            chrono::Duration::minutes(5),
        )
        .is_err()
    );
    let body: Value = serde_json::from_str(&seen[0].body).expect("json");
    assert_eq!(body["type"], "ticket.dispatch");
    assert_eq!(body["id"], seen[0].event_id.as_str());
    assert_eq!(body["ticket"]["number"], number.as_str());
    assert_eq!(body["ticket"]["holder_org"]["code"], "DONGCHENG");
    assert!(!seen[0].body.contains("13800138000"), "no caller details in webhooks");

    // A receiver that stays down: retried for a day, then given up, then sent by hand.
    let handler = t.login("district_a").await;
    let res = act(&handler, &ours, "return", json!({"reason": "不属于本单位职责"})).await;
    assert_eq!(res.status, 200, "{}", res.body);
    let res = admin
        .patch(&format!("/api/v1/webhooks/{hook}"), json!({"url": "http://127.0.0.1:9/hook"}))
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    let res = act(&dispatcher, &ours, "approve_return", json!({"opinion": "同意退回"})).await;
    assert_eq!(res.status, 200, "{}", res.body);
    work(&t).await;
    let pending = admin.get(&format!("/api/v1/webhooks/{hook}/deliveries?status=pending")).await;
    let returned = &pending.body["items"][0];
    assert_eq!(returned["topic"], "ticket.approve_return", "the unit hears the return was decided");
    assert!(returned["last_status"].is_null() && returned["last_error"].is_string());
    for _ in 0..40 {
        t.advance(chrono::Duration::hours(1));
        work(&t).await;
    }
    // A day and more later: sessions have long expired.
    let admin = t.login("admin").await;
    let dispatcher = t.login("dispatcher").await;
    let failed = admin.get(&format!("/api/v1/webhooks/{hook}/deliveries?status=failed")).await;
    assert_eq!(failed.body["total"], 1, "{}", failed.body);
    let failed = &failed.body["items"][0];
    assert!(failed["attempts"].as_i64().expect("attempts") > 20, "{failed}");
    admin.patch(&format!("/api/v1/webhooks/{hook}"), json!({"url": receiver.url})).await;
    let id = failed["id"].as_str().expect("id");
    let res =
        admin.post(&format!("/api/v1/webhooks/{hook}/deliveries/{id}/redeliver"), json!({})).await;
    assert_eq!(res.body["status"], "pending");
    work(&t).await;
    let last = receiver.seen().await.pop().expect("redelivered");
    assert_eq!(
        serde_json::from_str::<Value>(&last.body).expect("json")["type"],
        "ticket.approve_return"
    );
    assert_eq!(t.audit_count("webhook.redeliver").await, 1);

    // Paused subscriptions keep their deliveries for later.
    admin.patch(&format!("/api/v1/webhooks/{hook}"), json!({"active": false})).await;
    act(&dispatcher, &ours, "dispatch", json!({"org_id": dongcheng})).await;
    work(&t).await;
    assert_eq!(receiver.seen().await.len(), 4);
    admin.patch(&format!("/api/v1/webhooks/{hook}"), json!({"active": true})).await;
    t.advance(chrono::Duration::hours(2));
    work(&t).await;
    assert_eq!(receiver.seen().await.len(), 5);
}

async fn webhook_subscriptions_refuse_bad_input(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let admin = t.login("admin").await;
    let dongcheng = t.org_id("DONGCHENG").await;
    let body = |url: &str, types: Value| json!({"name": "OA", "org_id": dongcheng, "url": url, "event_types": types});
    let res = admin
        .post("/api/v1/webhooks", body("ftp://oa.example/hook", json!(["ticket.close"])))
        .await;
    assert_eq!(res.field_code("url"), "invalid_format");
    let res = admin
        .post("/api/v1/webhooks", body("https://oa.example/hook", json!(["ticket.explode"])))
        .await;
    assert_eq!(res.field_code("event_types"), "invalid_value");
    let res = admin.post("/api/v1/webhooks", body("https://oa.example/hook", json!([]))).await;
    assert_eq!(res.field_code("event_types"), "required");
    let types = admin.get("/api/v1/webhooks/event-types").await;
    assert!(types.body.as_array().expect("types").contains(&json!("ticket.approve_extension")));

    // A unit manager manages its own org's hooks, not another district's; handlers none.
    let manager = t.login("district_a_manager").await;
    let res = manager
        .post("/api/v1/webhooks", body("https://oa.example/hook", json!(["ticket.*"])))
        .await;
    assert_eq!(res.status, 201, "{}", res.body);
    let xicheng = json!({"name": "OA", "org_id": t.org_id("XICHENG").await, "url": "https://x.example/", "event_types": ["ticket.*"]});
    assert_eq!(manager.post("/api/v1/webhooks", xicheng).await.status, 403);
    let handler = t.login("district_a").await;
    assert_eq!(handler.get("/api/v1/webhooks").await.status, 403);
    let admin_hook = admin.post("/api/v1/webhooks", json!({"name": "全市", "org_id": t.org_id("CENTER").await, "url": "https://c.example/", "event_types": ["ticket.*"]})).await;
    let admin_hook = admin_hook.body["id"].as_str().expect("id");
    assert_eq!(manager.get(&format!("/api/v1/webhooks/{admin_hook}")).await.status, 403);
    assert_eq!(manager.get("/api/v1/webhooks").await.body.as_array().map(Vec::len), Some(1));
    assert_eq!(t.audit_count("webhook.create").await, 2);
}

async fn an_oa_system_handles_its_inbox_with_idempotent_retries(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let admin = t.login("admin").await;
    let dongcheng = t.org_id("DONGCHENG").await;
    let res = admin
        .post(
            "/api/v1/api-tokens",
            json!({"name": "东城区OA", "org_id": dongcheng, "roles": ["unit_handler"]}),
        )
        .await;
    let token = res.body["secret"].as_str().expect("secret").to_owned();
    let agent = t.login("agent").await;
    let dispatcher = t.login("dispatcher").await;
    let id = new_ticket(&agent, "OA办理的工单").await;
    act(&dispatcher, &id, "dispatch", json!({"org_id": dongcheng})).await;

    let oa = reqwest::Client::new();
    let call = |method: reqwest::Method, path: &str| {
        oa.request(method, format!("{}{path}", t.base)).bearer_auth(&token)
    };
    let inbox: Value = call(reqwest::Method::GET, "/api/v1/tickets?view=inbox_to_accept")
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert!(inbox["items"].as_array().expect("items").iter().any(|i| i["id"] == id.as_str()));

    let post = |action: &str, key: &str, body: Value| {
        call(reqwest::Method::POST, &format!("/api/v1/tickets/{id}/actions/{action}"))
            .header("idempotency-key", key)
            .json(&body)
            .send()
    };
    // The first accept and its retry (say, after a lost response) act once.
    for _ in 0..2 {
        let res = post("accept", "oa-accept-1", json!({})).await.expect("send");
        assert_eq!(res.status(), 200);
        let view: Value = res.json().await.expect("json");
        assert_eq!(view["state"], "in_progress");
    }
    let res = post("contact_citizen", "oa-contact-1", json!({"content": "已电话联系市民"}))
        .await
        .expect("send");
    assert_eq!(res.status(), 200);
    // The same key for another request is refused, and nothing happens.
    let res = post("reply", "oa-contact-1", json!({"content": "已维修"})).await.expect("send");
    assert_eq!(res.status(), 409);
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["error"]["code"], "idempotency_key_reused");
    for _ in 0..2 {
        let res = post("reply", "oa-reply-1", json!({"content": "已派人维修完毕，恢复供水"}))
            .await
            .expect("send");
        assert_eq!(res.status(), 200);
    }
    let view = agent.get(&format!("/api/v1/tickets/{id}")).await;
    assert_eq!(view.body["state"], "reply_submitted");
    let timeline: Vec<&str> = view.body["timeline"]
        .as_array()
        .expect("timeline")
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    for action in ["accept", "contact_citizen", "reply"] {
        assert_eq!(timeline.iter().filter(|a| **a == action).count(), 1, "{action}: {timeline:?}");
    }
    let bad = post("accept", "", json!({})).await.expect("send");
    assert_eq!(bad.status(), 422);
    assert_eq!(t.audit_count("ticket.accept").await, 1);
}

/// An org set up to work in another instance twice (a new URL, lost secrets): the first
/// setup's token stops authenticating and its subscription stops delivering.
async fn setting_up_a_remote_org_again_retires_the_earlier_credentials(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let admin = t.login("admin").await;
    let org = t.org_id("DONGCHENG").await;
    let path = format!("/api/v1/orgs/{org}/remote");
    let setup = |url: &'static str| admin.post(&path, json!({"url": url}));
    let first = setup("http://127.0.0.1:9").await;
    assert_eq!(first.status, 201, "{}", first.body);
    let inbox = |token: Value| {
        reqwest::Client::new()
            .get(format!("{}/api/v1/tickets?view=inbox", t.base))
            .bearer_auth(token.as_str().expect("token").to_owned())
            .send()
    };
    assert_eq!(inbox(first.body["token"].clone()).await.expect("send").status(), 200);
    // A dispatch to the org leaves a delivery pending for the first setup's subscription.
    let (agent, dispatcher) = (t.login("agent").await, t.login("dispatcher").await);
    let dispatch = || async {
        let id = new_ticket(&agent, "东城区的路灯").await;
        let res = act(&dispatcher, &id, "dispatch", json!({"org_id": org})).await;
        assert_eq!(res.status, 200, "{}", res.body);
        fan_out(&t).await;
    };
    dispatch().await;
    let deliveries = async |hook: &Value, status: &str| {
        let hook = hook.as_str().expect("webhook id");
        admin.get(&format!("/api/v1/webhooks/{hook}/deliveries?status={status}")).await
    };
    assert_eq!(deliveries(&first.body["webhook_id"], "pending").await.body["total"], 1);

    let second = setup("http://127.0.0.1:10").await;
    assert_eq!(second.status, 201, "{}", second.body);
    // Retired: its backlog given up, and nothing new for it.
    dispatch().await;
    assert_eq!(deliveries(&first.body["webhook_id"], "pending").await.body["total"], 0);
    assert_eq!(deliveries(&first.body["webhook_id"], "failed").await.body["total"], 1);
    assert_eq!(deliveries(&second.body["webhook_id"], "pending").await.body["total"], 1);
    assert_eq!(inbox(first.body["token"].clone()).await.expect("send").status(), 401);
    assert_eq!(inbox(second.body["token"].clone()).await.expect("send").status(), 200);
    let hooks = admin.get("/api/v1/webhooks").await.body;
    let active = |id: &Value| {
        hooks
            .as_array()
            .expect("webhooks")
            .iter()
            .find(|h| &h["id"] == id)
            .map(|h| h["active"].clone())
    };
    assert_eq!(active(&first.body["webhook_id"]), Some(json!(false)), "{hooks}");
    assert_eq!(active(&second.body["webhook_id"]), Some(json!(true)), "{hooks}");
    let tokens = admin.get("/api/v1/api-tokens?per_page=100").await.body;
    let federation: Vec<&Value> = tokens["items"]
        .as_array()
        .expect("tokens")
        .iter()
        .filter(|t| t["name"].as_str().is_some_and(|n| n.starts_with("联网：")))
        .collect();
    assert_eq!(federation.len(), 2, "{tokens}");
    assert_eq!(federation.iter().filter(|t| t["revoked_at"].is_null()).count(), 1, "{tokens}");
}

/// A ticket moves from 东城区 to 西城区 before the worker runs: 西城区 hears nothing of what
/// happened while 东城区 held it (the urge, 东城区's return and its reason), 东城区 hears all of
/// it, and each body tells the ticket as it was then, numbered in order.
async fn events_are_routed_and_described_as_they_happened(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let all = json!(["ticket.*"]);
    let (xicheng_hook, _) =
        subscribe(&t, "XICHENG", &Receiver::start(0).await.url, all.clone()).await;
    let (dongcheng_hook, _) = subscribe(&t, "DONGCHENG", &Receiver::start(0).await.url, all).await;
    let agent = t.login("agent").await;
    let dispatcher = t.login("dispatcher").await;
    let supervisor = t.login("supervisor").await;
    let district_a = t.login("district_a").await;
    let (dongcheng, xicheng) = (t.org_id("DONGCHENG").await, t.org_id("XICHENG").await);
    let id = new_ticket(&agent, "来回派的工单").await;
    for (api, action, body) in [
        (&dispatcher, "dispatch", json!({"org_id": dongcheng})),
        (&supervisor, "urge", json!({"opinion": "请尽快签收"})),
        (&district_a, "return", json!({"reason": "东城区认为不属于本区"})),
        (&dispatcher, "approve_return", json!({"opinion": "同意"})),
        (&dispatcher, "dispatch", json!({"org_id": xicheng})),
    ] {
        let res = act(api, &id, action, body).await;
        assert_eq!(res.status, 200, "{action}: {}", res.body);
    }
    fan_out(&t).await;

    let admin = t.login("admin").await;
    let types = |bodies: &[Value]| -> Vec<String> {
        bodies.iter().map(|b| b["type"].as_str().unwrap_or_default().to_owned()).collect()
    };

    let west = delivered_bodies(&t, &admin, &xicheng_hook).await;
    assert_eq!(types(&west), vec!["ticket.dispatch"], "{west:?}");
    assert!(!west.iter().any(|b| b.to_string().contains("东城区认为")), "no other unit's reason");
    assert_eq!(west[0]["ticket"]["holder_org"]["id"], xicheng.as_str());
    assert_eq!(west[0]["ticket"]["state"], "dispatched");

    let east = delivered_bodies(&t, &admin, &dongcheng_hook).await;
    assert_eq!(
        types(&east),
        vec!["ticket.dispatch", "ticket.urge", "ticket.return", "ticket.approve_return"],
        "{east:?}"
    );
    let sequences: Vec<i64> = east.iter().filter_map(|b| b["sequence"].as_i64()).collect();
    assert!(sequences.windows(2).all(|w| w[0] < w[1]), "{sequences:?}");
    // Each as it stood then: held by 东城区 until the return was approved.
    let states: Vec<&str> =
        east.iter().map(|b| b["ticket"]["state"].as_str().unwrap_or("")).collect();
    assert_eq!(states, vec!["dispatched", "dispatched", "return_requested", "registered"]);
    assert_eq!(east[2]["ticket"]["holder_org"]["id"], dongcheng.as_str());
    assert_eq!(east[2]["data"]["opinion"], "东城区认为不属于本区");
    assert!(east[3]["ticket"]["holder_org"].is_null());
}

/// The bodies of a subscription's deliveries, in the order of their per-ticket sequence.
async fn delivered_bodies(t: &TestApp, admin: &crate::harness::Api, hook: &str) -> Vec<Value> {
    let log = admin.get(&format!("/api/v1/webhooks/{hook}/deliveries?per_page=200")).await;
    let mut out = Vec::new();
    for item in log.body["items"].as_array().expect("items") {
        let id = uuid::Uuid::parse_str(item["id"].as_str().expect("id")).expect("uuid");
        let row = hotline_store::webhooks::find_delivery(t.app.store.reader(), id)
            .await
            .expect("query")
            .expect("row");
        out.push(serde_json::from_str::<Value>(&row.body).expect("json"));
    }
    out.sort_by_key(|b| b["sequence"].as_i64());
    out
}
