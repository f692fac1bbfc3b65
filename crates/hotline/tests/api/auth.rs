use chrono::Duration;
use serde_json::json;

use crate::harness::{Backend, PASSWORD, TestApp, both_backends};

both_backends!(
    every_demo_account_signs_in,
    five_failures_lock_the_account,
    idle_sessions_expire,
    forced_password_change_blocks_everything_else,
    totp_is_required_where_configured,
    login_rotates_the_session_and_logout_ends_it,
    forged_and_missing_cookies_are_refused,
);

async fn every_demo_account_signs_in(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    for (username, _, org, roles) in hotline_app::demo::USERS {
        let api = t.client();
        let res = api
            .post("/api/v1/auth/login", json!({"username": username, "password": PASSWORD}))
            .await;
        assert_eq!(res.status, 200, "{username}: {}", res.body);
        let cookie =
            res.headers.get("set-cookie").and_then(|v| v.to_str().ok()).unwrap_or_default();
        assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
        let me = api.get("/api/v1/me").await;
        assert_eq!(me.status, 200);
        assert_eq!(me.body["user"]["username"], *username);
        assert_eq!(me.body["org"]["code"], *org);
        let want: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
        assert_eq!(me.body["user"]["roles"], json!(want));
    }
    assert_eq!(t.audit_count("auth.login").await, hotline_app::demo::USERS.len() as u64);
}

async fn five_failures_lock_the_account(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let api = t.client();
    for attempt in 1..=5 {
        let res = api
            .post("/api/v1/auth/login", json!({"username": "agent", "password": "Wrong@12345"}))
            .await;
        assert_eq!((res.status, res.code()), (401, "invalid_credentials"), "attempt {attempt}");
    }
    let res =
        api.post("/api/v1/auth/login", json!({"username": "agent", "password": PASSWORD})).await;
    assert_eq!((res.status, res.code()), (423, "account_locked"), "{}", res.body);
    assert!(res.body["error"]["locked_until"].is_string());
    assert_eq!(t.audit_count("auth.login_failed").await, 5);
    // One `auth.locked` when the fifth failure locked it, one for the refused sixth attempt.
    assert_eq!(t.audit_count("auth.locked").await, 2);

    // Another account is not affected; the lock lifts after 15 minutes.
    t.login("dispatcher").await;
    t.advance(Duration::minutes(14));
    let res =
        api.post("/api/v1/auth/login", json!({"username": "agent", "password": PASSWORD})).await;
    assert_eq!(res.code(), "account_locked");
    t.advance(Duration::minutes(1));
    let res =
        api.post("/api/v1/auth/login", json!({"username": "agent", "password": PASSWORD})).await;
    assert_eq!(res.status, 200, "{}", res.body);

    // An admin can unlock early.
    for _ in 0..5 {
        api.post("/api/v1/auth/login", json!({"username": "qa", "password": "nope"})).await;
    }
    let admin = t.login("admin").await;
    let qa = t.user_id("qa").await;
    assert_eq!(admin.get(&format!("/api/v1/users/{qa}")).await.body["locked"], true);
    let res = admin.post(&format!("/api/v1/users/{qa}/unlock"), json!({})).await;
    assert_eq!((res.status, &res.body["locked"]), (200, &json!(false)));
    t.login("qa").await;
}

async fn idle_sessions_expire(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let api = t.login("agent").await;
    t.advance(Duration::minutes(29));
    assert_eq!(api.get("/api/v1/me").await.status, 200, "activity keeps the session alive");
    t.advance(Duration::minutes(29));
    assert_eq!(api.get("/api/v1/me").await.status, 200);
    t.advance(Duration::minutes(30));
    let res = api.get("/api/v1/me").await;
    assert_eq!((res.status, res.code()), (401, "session_expired"));
    assert_eq!(
        api.get("/api/v1/me").await.code(),
        "unauthenticated",
        "the expired session is gone"
    );
    assert_eq!(t.audit_count("auth.session_expired").await, 1);
}

async fn forced_password_change_blocks_everything_else(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let admin = t.login("admin").await;
    let org = t.org_id("DONGCHENG-JS").await;
    let res = admin
        .post(
            "/api/v1/users",
            json!({"username": "js_handler", "display_name": "景山承办人", "org_id": org,
                   "roles": ["unit_handler"], "password": "Initial#2026x"}),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.body);
    assert_eq!(res.body["must_change_password"], true);

    let user = t.client();
    let res = user
        .post("/api/v1/auth/login", json!({"username": "js_handler", "password": "Initial#2026x"}))
        .await;
    assert_eq!(res.status, 200);
    assert_eq!(res.body["restriction"], "password_change_required");
    let res = user.get("/api/v1/orgs").await;
    assert_eq!((res.status, res.code()), (403, "password_change_required"));

    let weak = user
        .post(
            "/api/v1/auth/password",
            json!({"current_password": "Initial#2026x", "new_password": "woaini1314"}),
        )
        .await;
    assert_eq!((weak.status, weak.field_code("new_password")), (422, "password_too_few_classes"));
    let common = user
        .post(
            "/api/v1/auth/password",
            json!({"current_password": "Initial#2026x", "new_password": "Woaini@1314"}),
        )
        .await;
    assert_eq!(common.field_code("new_password"), "password_too_common");
    let wrong = user
        .post(
            "/api/v1/auth/password",
            json!({"current_password": "nope", "new_password": "Jingshan#77q"}),
        )
        .await;
    assert_eq!(wrong.field_code("current_password"), "invalid_value");
    let ok = user
        .post(
            "/api/v1/auth/password",
            json!({"current_password": "Initial#2026x", "new_password": "Jingshan#77q"}),
        )
        .await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(ok.body["restriction"], json!(null));
    assert_eq!(user.get("/api/v1/orgs").await.status, 200);

    // An admin reset forces the change again and ends the user's sessions.
    let id = t.user_id("js_handler").await;
    let res = admin
        .post(&format!("/api/v1/users/{id}/reset-password"), json!({"password": "Reset#2026abc"}))
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(user.get("/api/v1/me").await.status, 401);
    let res = user
        .post("/api/v1/auth/login", json!({"username": "js_handler", "password": "Reset#2026abc"}))
        .await;
    assert_eq!(res.body["restriction"], "password_change_required");
    assert_eq!(t.audit_count("auth.password_changed").await, 1);
    assert_eq!(t.audit_count("user.reset_password").await, 1);
}

fn totp_code(secret: &str, at: chrono::DateTime<chrono::Utc>) -> String {
    let bytes = totp_rs::Secret::Encoded(secret.to_owned()).to_bytes().expect("secret");
    let totp = totp_rs::TOTP::new(
        totp_rs::Algorithm::SHA1,
        6,
        1,
        30,
        bytes,
        Some("hotline".into()),
        "x".into(),
    )
    .expect("totp");
    totp.generate(u64::try_from(at.timestamp()).expect("time"))
}

async fn totp_is_required_where_configured(backend: Backend) {
    let t = TestApp::spawn_with(backend, |c| {
        c.security.totp_required_roles = vec![hotline_domain::role::Role::Admin]
    })
    .await;
    let admin = t.client();
    let res =
        admin.post("/api/v1/auth/login", json!({"username": "admin", "password": PASSWORD})).await;
    assert_eq!(res.body["restriction"], "totp_enrollment_required");
    assert_eq!(admin.get("/api/v1/users").await.code(), "totp_enrollment_required");

    let setup = admin.post("/api/v1/auth/totp/setup", json!({})).await;
    assert_eq!(setup.status, 200, "{}", setup.body);
    let secret = setup.body["secret"].as_str().expect("secret").to_owned();
    assert!(setup.body["otpauth_url"].as_str().is_some_and(|u| u.starts_with("otpauth://totp/")));
    let bad = admin.post("/api/v1/auth/totp/enable", json!({"code": "000000"})).await;
    assert_eq!((bad.status, bad.field_code("code")), (422, "invalid_value"));
    let code = totp_code(&secret, t.app.now());
    let ok = admin.post("/api/v1/auth/totp/enable", json!({"code": code})).await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(admin.get("/api/v1/users").await.status, 200);

    let fresh = t.client();
    let res =
        fresh.post("/api/v1/auth/login", json!({"username": "admin", "password": PASSWORD})).await;
    assert_eq!((res.status, res.code()), (401, "totp_required"));
    let res = fresh
        .post(
            "/api/v1/auth/login",
            json!({"username": "admin", "password": PASSWORD, "totp": code}),
        )
        .await;
    assert_eq!((res.status, res.code()), (401, "invalid_totp"), "a code is good for one use only");
    t.advance(Duration::seconds(30));
    let code = totp_code(&secret, t.app.now());
    let res = fresh
        .post(
            "/api/v1/auth/login",
            json!({"username": "admin", "password": PASSWORD, "totp": code}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    // The TOTP secret is not stored in plain text.
    let row =
        hotline_store::users::find_by_username(t.app.store.reader(), "admin").await.ok().flatten();
    assert!(row.and_then(|u| u.totp_secret).is_some_and(|s| !s.contains(&secret)));
}

async fn login_rotates_the_session_and_logout_ends_it(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let first = t.client();
    let res =
        first.post("/api/v1/auth/login", json!({"username": "agent", "password": PASSWORD})).await;
    let cookie_a = res.headers["set-cookie"]
        .to_str()
        .unwrap_or_default()
        .split(';')
        .next()
        .unwrap_or_default()
        .to_owned();
    // Signing in again from the same browser replaces the old session.
    let res =
        first.post("/api/v1/auth/login", json!({"username": "agent", "password": PASSWORD})).await;
    let cookie_b = res.headers["set-cookie"]
        .to_str()
        .unwrap_or_default()
        .split(';')
        .next()
        .unwrap_or_default()
        .to_owned();
    assert_ne!(cookie_a, cookie_b);
    let stranger = reqwest::Client::new();
    let old = stranger
        .get(first.url("/api/v1/me"))
        .header("cookie", &cookie_a)
        .send()
        .await
        .expect("send");
    assert_eq!(old.status(), 401);
    let current = stranger
        .get(first.url("/api/v1/me"))
        .header("cookie", &cookie_b)
        .send()
        .await
        .expect("send");
    assert_eq!(current.status(), 200);

    let res = first.post("/api/v1/auth/logout", json!({})).await;
    assert_eq!(res.status, 204);
    assert!(res.headers.get("clear-site-data").is_some());
    let after = stranger
        .get(first.url("/api/v1/me"))
        .header("cookie", &cookie_b)
        .send()
        .await
        .expect("send");
    assert_eq!(after.status(), 401);
    assert_eq!(t.audit_count("auth.logout").await, 1);
}

async fn forged_and_missing_cookies_are_refused(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let api = t.client();
    assert_eq!(api.get("/api/v1/me").await.code(), "unauthenticated");
    let forged = reqwest::Client::new()
        .get(api.url("/api/v1/orgs"))
        .header("cookie", "hotline_session=forged-value-that-was-never-issued")
        .send()
        .await
        .expect("send");
    assert_eq!(forged.status(), 401);
    let body: serde_json::Value = forged.json().await.expect("json");
    assert_eq!(body["error"]["code"], "unauthenticated");
    let res =
        api.post("/api/v1/auth/login", json!({"username": "ghost", "password": PASSWORD})).await;
    assert_eq!(res.code(), "invalid_credentials");
    let res = api.post("/api/v1/auth/login", json!({"username": "", "password": ""})).await;
    assert_eq!(
        (res.status, res.field_code("username"), res.field_code("password")),
        (422, "required", "required")
    );
}
