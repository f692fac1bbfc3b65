//! What outside probes found, each as a test that failed before its fix: a masked number
//! recoverable by guessing, a page number that panicked, self-service password resets, bodies
//! and origins that slipped through, calendar dates past what RFC 3339 can write.

use serde_json::json;

use crate::harness::new_ticket;
use crate::harness::{Backend, TestApp, both_backends};

both_backends!(
    units_cannot_filter_by_a_number_they_see_masked,
    page_numbers_past_any_list_are_refused,
    admins_cannot_reset_their_own_password_there,
    bodies_must_be_objects,
    origins_must_be_this_host_over_a_web_scheme,
    calendar_dates_are_bounded,
);

async fn units_cannot_filter_by_a_number_they_see_masked(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let agent = t.login("agent").await;
    let dispatcher = t.login("dispatcher").await;
    let id = new_ticket(&agent, "东城区的水管").await;
    let res = dispatcher
        .post(
            &format!("/api/v1/tickets/{id}/actions/dispatch"),
            json!({"org_id": t.org_id("DONGCHENG").await}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);

    // The center sees numbers in clear and may look them up.
    let found = agent.get("/api/v1/tickets?caller_phone=13800138000").await;
    assert_eq!(found.status, 200, "{}", found.body);
    assert!(found.body["total"].as_u64().is_some_and(|n| n >= 1));

    // The district holds the ticket but sees 138****8000: a right guess and a wrong one are
    // refused alike, and each refusal is audited.
    let district = t.login("district_a").await;
    let before = t.audit_count("access.denied").await;
    for guess in ["13800138000", "13800139999"] {
        let res = district.get(&format!("/api/v1/tickets?caller_phone={guess}")).await;
        assert_eq!((res.status, res.code()), (403, "forbidden"), "{guess}: {}", res.body);
    }
    assert_eq!(t.audit_count("access.denied").await, before + 2);
    let view = district.get(&format!("/api/v1/tickets/{id}")).await;
    assert_eq!(view.body["caller"]["phone"], "138****8000", "{}", view.body);
}

async fn page_numbers_past_any_list_are_refused(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let admin = t.login("admin").await;
    let auditor = t.login("auditor").await;
    let agent = t.login("agent").await;
    for (api, path) in [
        (&agent, "/api/v1/tickets"),
        (&admin, "/api/v1/users"),
        (&admin, "/api/v1/orgs"),
        (&admin, "/api/v1/api-tokens"),
        (&auditor, "/api/v1/audit"),
    ] {
        for page in ["9223372036854775807", "1000001", "0"] {
            let res = api.get(&format!("{path}?page={page}")).await;
            assert_eq!(
                (res.status, res.field_code("page")),
                (422, "invalid_value"),
                "{path}?page={page}"
            );
        }
        let res = api.get(&format!("{path}?page=1000000&per_page=200")).await;
        assert_eq!(res.status, 200, "{path}: the last page allowed answers, empty: {}", res.body);
    }
}

async fn admins_cannot_reset_their_own_password_there(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let admin = t.login("admin").await;
    let me = t.user_id("admin").await;
    let res = admin
        .post(&format!("/api/v1/users/{me}/reset-password"), json!({"password": "Another#2026pw"}))
        .await;
    assert_eq!((res.status, res.code()), (403, "forbidden"), "{}", res.body);
    // Nothing changed: the old password still signs in, the session still works.
    assert_eq!(admin.get("/api/v1/me").await.status, 200);
    t.login("admin").await;
    // Another user's reset still works.
    let qa = t.user_id("qa").await;
    let res = admin
        .post(&format!("/api/v1/users/{qa}/reset-password"), json!({"password": "Another#2026pw"}))
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
}

async fn bodies_must_be_objects(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let admin = t.login("admin").await;
    let rules = admin.get("/api/v1/routing-rules").await;
    let rule = rules.body[0]["id"].as_str().expect("a seeded routing rule").to_owned();
    for body in [json!([null, null]), json!([]), json!("x"), json!(1)] {
        let res = admin.patch(&format!("/api/v1/routing-rules/{rule}"), body.clone()).await;
        assert_eq!((res.status, res.code()), (422, "validation_failed"), "{body}: {}", res.body);
    }
    let after = admin.get("/api/v1/routing-rules").await;
    assert_eq!(after.body, rules.body, "nothing changed");
}

async fn origins_must_be_this_host_over_a_web_scheme(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let host = t.base.trim_start_matches("http://").to_owned();
    let client = reqwest::Client::new();
    let login = |origin: String| {
        client
            .post(format!("{}/api/v1/auth/login", t.base))
            .header("origin", origin)
            .json(&json!({"username": "agent", "password": crate::harness::PASSWORD}))
            .send()
    };
    for origin in [format!("evil://{host}"), format!("file://{host}"), "null".to_owned()] {
        let res = login(origin.clone()).await.expect("send");
        assert_eq!(res.status(), 403, "{origin}");
    }
    for origin in [format!("http://{host}"), format!("https://{host}")] {
        assert_eq!(login(origin.clone()).await.expect("send").status(), 200, "{origin}");
    }
    let res = client.get(format!("{}/healthz", t.base)).send().await.expect("send");
    assert!(res.headers().get("strict-transport-security").is_none(), "plain HTTP: no HSTS");

    // With secure cookies the console is HTTPS only: HSTS on, plain-HTTP origins refused.
    let secure = TestApp::spawn_with(backend, |c| c.security.cookie_secure = true).await;
    let host = secure.base.trim_start_matches("http://").to_owned();
    let res = client.get(format!("{}/healthz", secure.base)).send().await.expect("send");
    assert_eq!(
        res.headers().get("strict-transport-security").and_then(|v| v.to_str().ok()),
        Some("max-age=31536000")
    );
    let post = |origin: String| {
        client
            .post(format!("{}/api/v1/auth/login", secure.base))
            .header("origin", origin)
            .json(&json!({"username": "agent", "password": crate::harness::PASSWORD}))
            .send()
    };
    assert_eq!(post(format!("http://{host}")).await.expect("send").status(), 403);
    assert_eq!(post(format!("https://{host}")).await.expect("send").status(), 200);
}

async fn calendar_dates_are_bounded(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let admin = t.login("admin").await;
    for from in ["9999-12-31T00:00:00Z", "1999-12-31T00:00:00Z"] {
        let res = admin.get(&format!("/api/v1/calendar/deadline?from={from}&working_days=5")).await;
        assert_eq!(
            (res.status, res.field_code("from")),
            (422, "invalid_value"),
            "{from}: {}",
            res.body
        );
    }
    let res =
        admin.get("/api/v1/calendar/deadline?from=2100-12-31T00:00:00Z&working_days=120").await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert!(res.body["due"].as_str().is_some_and(|d| d.starts_with("2101-")), "{}", res.body);
    for day in ["0000-01-01", "2101-01-01", "1999-12-31"] {
        let res = admin
            .put(&format!("/api/v1/calendar/days/{day}"), json!({"kind": "holiday", "name": "x"}))
            .await;
        assert_eq!(
            (res.status, res.field_code("date")),
            (422, "invalid_value"),
            "{day}: {}",
            res.body
        );
    }
    for year in ["1999", "2101", "99999999999"] {
        assert_eq!(admin.get(&format!("/api/v1/calendar?year={year}")).await.status, 422, "{year}");
    }
}
