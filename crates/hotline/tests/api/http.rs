use serde_json::json;

use crate::harness::{Backend, TestApp, both_backends};

both_backends!(errors_share_one_envelope, health_and_readiness);

async fn errors_share_one_envelope(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let admin = t.login("admin").await;
    let http = reqwest::Client::new();

    let res = admin.get("/api/v1/nowhere").await;
    assert_eq!((res.status, res.code()), (404, "not_found"));
    let res = admin.raw(admin.client.put(admin.url("/api/v1/orgs"))).await;
    assert_eq!((res.status, res.code()), (405, "method_not_allowed"));
    let res = admin
        .raw(
            admin
                .client
                .post(admin.url("/api/v1/orgs"))
                .header("content-type", "text/plain")
                .body("hi"),
        )
        .await;
    assert_eq!((res.status, res.code()), (415, "unsupported_media_type"));
    let res = admin
        .raw(
            admin
                .client
                .post(admin.url("/api/v1/orgs"))
                .header("content-type", "application/json")
                .body("{not json"),
        )
        .await;
    assert_eq!((res.status, res.code()), (400, "invalid_json"));
    // The server answers 413 before reading the body and closes the connection; a client still
    // writing may see the close (a reset) before the answer. Whatever answer arrives is 413.
    let huge = format!("{{\"name\": \"{}\"}}", "a".repeat(2 * 1024 * 1024));
    let mut answered = None;
    for _ in 0..5 {
        let sent = admin
            .client
            .post(admin.url("/api/v1/orgs"))
            .header("content-type", "application/json")
            .body(huge.clone())
            .send()
            .await;
        let Ok(res) = sent else { continue };
        let status = res.status().as_u16();
        if let Ok(body) = res.json::<serde_json::Value>().await {
            answered = Some((status, body["error"]["code"].as_str().map(str::to_owned)));
            break;
        }
    }
    assert_eq!(answered, Some((413, Some("payload_too_large".to_owned()))));

    // Messages follow Accept-Language; codes do not.
    let zh = http
        .get(admin.url("/api/v1/me"))
        .send()
        .await
        .expect("send")
        .json::<serde_json::Value>()
        .await
        .expect("json");
    let en = http
        .get(admin.url("/api/v1/me"))
        .header("accept-language", "en-US,en;q=0.9")
        .send()
        .await
        .expect("send")
        .json::<serde_json::Value>()
        .await
        .expect("json");
    assert_eq!(zh["error"]["code"], en["error"]["code"]);
    assert_eq!(zh["error"]["message"], "请先登录。");
    assert_eq!(en["error"]["message"], "Please sign in.");
    let res = admin
        .raw(
            admin
                .client
                .post(admin.url("/api/v1/orgs"))
                .header("accept-language", "en")
                .json(&json!({"code": "", "name": "x", "kind": "street"})),
        )
        .await;
    assert_eq!(res.field("code").and_then(|f| f["message"].as_str()), Some("is required"));

    // Request ids: generated, or kept when the caller sends a sane one, and echoed in errors.
    let res = admin
        .raw(admin.client.get(admin.url("/api/v1/nowhere")).header("x-request-id", "trace-123"))
        .await;
    assert_eq!(res.headers["x-request-id"], "trace-123");
    assert_eq!(res.body["error"]["request_id"], "trace-123");
    let res = admin
        .raw(admin.client.get(admin.url("/api/v1/nowhere")).header("x-request-id", "x".repeat(500)))
        .await;
    assert_ne!(res.headers["x-request-id"], "x".repeat(500).as_str());

    // A cross-site form post is refused even with a valid session.
    let res = admin
        .raw(
            admin
                .client
                .post(admin.url("/api/v1/orgs"))
                .header("origin", "http://evil.example")
                .json(&json!({})),
        )
        .await;
    assert_eq!((res.status, res.code()), (403, "forbidden_origin"));
    // Security headers.
    let res = admin.get("/api/v1/me").await;
    assert_eq!(res.headers["cache-control"], "no-store");
    assert_eq!(res.headers["x-content-type-options"], "nosniff");
}

async fn health_and_readiness(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let api = t.client();
    assert_eq!(api.get("/healthz").await.body["status"], "ok");
    assert_eq!(api.get("/readyz").await.body["status"], "ready");
}
