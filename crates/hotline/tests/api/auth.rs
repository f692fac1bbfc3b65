use chrono::Duration;
use serde_json::json;

use crate::harness::{Backend, PASSWORD, TestApp, both_backends};

both_backends!(
    every_demo_account_signs_in,
    failures_lock_known_and_unknown_accounts_alike,
    sign_in_from_one_place_backs_off,
    sign_in_spraying_from_one_address_backs_off,
    a_stolen_session_cannot_guess_the_password,
    sessions_and_tokens_are_rate_limited,
    idle_expiry_follows_the_true_last_use,
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

async fn login(api: &crate::harness::Api, username: &str, password: &str) -> crate::harness::Resp {
    api.post("/api/v1/auth/login", json!({"username": username, "password": password})).await
}

/// The lockout itself, with the per-place throttle out of the way: known and unknown accounts
/// reach it alike.
async fn failures_lock_known_and_unknown_accounts_alike(backend: Backend) {
    let t = TestApp::spawn_with(backend, |c| {
        c.security.lockout.max_failures = 5;
        c.security.sign_in.per_account_address.free_failures = 100;
    })
    .await;
    let api = t.client();
    for attempt in 1..=5 {
        for username in ["agent", "no_such_user"] {
            let res = login(&api, username, "Wrong@12345").await;
            assert_eq!(
                (res.status, res.code()),
                (401, "invalid_credentials"),
                "{username}, attempt {attempt}"
            );
        }
    }
    let known = login(&api, "agent", PASSWORD).await;
    let unknown = login(&api, "no_such_user", PASSWORD).await;
    for res in [&known, &unknown] {
        assert_eq!((res.status, res.code()), (423, "account_locked"), "{}", res.body);
        assert!(res.body["error"]["locked_until"].is_string());
    }
    let keys = |r: &crate::harness::Resp| {
        let mut k: Vec<String> =
            r.body["error"].as_object().map(|o| o.keys().cloned().collect()).unwrap_or_default();
        k.sort();
        k
    };
    assert_eq!(keys(&known), keys(&unknown), "the answers have the same shape");
    assert_eq!(t.audit_count("auth.login_failed").await, 10);
    // One `auth.locked` when the fifth failure locked the account, one per refused attempt.
    assert_eq!(t.audit_count("auth.locked").await, 3);

    // Another account is not affected; the lock lifts after 15 minutes.
    t.login("dispatcher").await;
    t.advance(Duration::minutes(14));
    assert_eq!(login(&api, "agent", PASSWORD).await.code(), "account_locked");
    t.advance(Duration::minutes(1));
    let res = login(&api, "agent", PASSWORD).await;
    assert_eq!(res.status, 200, "{}", res.body);

    // An admin can unlock early.
    for _ in 0..5 {
        login(&api, "qa", "nope").await;
    }
    let admin = t.login("admin").await;
    let qa = t.user_id("qa").await;
    assert_eq!(admin.get(&format!("/api/v1/users/{qa}")).await.body["locked"], true);
    let res = admin.post(&format!("/api/v1/users/{qa}/unlock"), json!({})).await;
    assert_eq!((res.status, &res.body["locked"]), (200, &json!(false)));
    t.login("qa").await;
}

/// With the default settings, guessing from one address is slowed long before the account
/// locks, known and unknown accounts alike; the account stays usable from elsewhere.
async fn sign_in_from_one_place_backs_off(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let api = t.client();
    for username in ["agent", "ghost"] {
        for _ in 0..3 {
            assert_eq!(login(&api, username, "Wrong@12345").await.code(), "invalid_credentials");
        }
        // Even the right password waits now: the answer says nothing about it.
        let res = login(&api, username, PASSWORD).await;
        assert_eq!(
            (res.status, res.code()),
            (429, "too_many_requests"),
            "{username}: {}",
            res.body
        );
        assert_eq!(res.headers.get("retry-after").and_then(|v| v.to_str().ok()), Some("30"));
        assert_eq!(res.body["error"]["retry_after"], 30);
    }
    assert_eq!(t.audit_count("auth.throttled").await, 2, "the failure that starts a wait");
    // The throttled attempts did not count towards the account's lockout.
    let agent = t.user_id("agent").await;
    let admin = t.login("admin").await;
    assert_eq!(admin.get(&format!("/api/v1/users/{agent}")).await.body["locked"], false);

    t.advance(Duration::seconds(30));
    assert_eq!(login(&api, "agent", "Wrong@12345").await.code(), "invalid_credentials");
    let res = login(&api, "agent", PASSWORD).await;
    assert_eq!(
        (res.status, res.headers.get("retry-after").and_then(|v| v.to_str().ok())),
        (429, Some("60"))
    );
    t.advance(Duration::seconds(60));
    assert_eq!(
        login(&api, "agent", PASSWORD).await.status,
        200,
        "the right password after the wait"
    );
    assert_eq!(
        login(&api, "agent", "Wrong@12345").await.code(),
        "invalid_credentials",
        "a success starts afresh"
    );
}

/// The password change's current password backs off like a sign-in, so a stolen session is
/// no way to guess it.
async fn a_stolen_session_cannot_guess_the_password(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let api = t.login("agent").await;
    let change = |current: &str| {
        api.post(
            "/api/v1/auth/password",
            json!({"current_password": current, "new_password": "Brand#New2026pw"}),
        )
    };
    for _ in 0..3 {
        assert_eq!(change("Guess@12345").await.field_code("current_password"), "invalid_value");
    }
    let res = change(PASSWORD).await;
    assert_eq!((res.status, res.code()), (429, "too_many_requests"), "{}", res.body);
    t.advance(Duration::seconds(30));
    assert_eq!(change(PASSWORD).await.status, 200);
}

/// Spraying many accounts from one address is slowed for that address.
async fn sign_in_spraying_from_one_address_backs_off(backend: Backend) {
    let t =
        TestApp::spawn_with(backend, |c| c.security.sign_in.per_address.free_failures = 10).await;
    let api = t.client();
    for i in 0..10 {
        assert_eq!(login(&api, &format!("user{i}"), "Wrong@12345").await.status, 401);
    }
    let res = login(&api, "dispatcher", PASSWORD).await;
    assert_eq!((res.status, res.code()), (429, "too_many_requests"), "{}", res.body);
    t.advance(Duration::seconds(1));
    assert_eq!(login(&api, "dispatcher", PASSWORD).await.status, 200);
}

/// Sessions and API tokens have request rates of their own.
async fn sessions_and_tokens_are_rate_limited(backend: Backend) {
    let t = TestApp::spawn_with(backend, |c| {
        c.security.rate_limit.session_per_minute = 1;
        c.security.rate_limit.session_burst = 5;
        c.security.rate_limit.token_per_minute = 1;
        c.security.rate_limit.token_burst = 3;
    })
    .await;
    let agent = t.login("agent").await;
    for i in 0..5 {
        assert_eq!(agent.get("/api/v1/me").await.status, 200, "request {i}");
    }
    let res = agent.get("/api/v1/me").await;
    assert_eq!((res.status, res.code()), (429, "too_many_requests"), "{}", res.body);
    let wait: u64 = res
        .headers
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    assert!((1..=60).contains(&wait), "Retry-After {wait}");
    // Another session has its own allowance.
    assert_eq!(t.login("dispatcher").await.get("/api/v1/me").await.status, 200);

    let admin = t.login("admin").await;
    let res = admin
        .post(
            "/api/v1/api-tokens",
            json!({"name": "OA", "org_id": t.org_id("DONGCHENG").await, "roles": ["unit_handler"]}),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.body);
    let token = res.body["secret"].as_str().expect("secret").to_owned();
    let oa = reqwest::Client::new();
    let mut statuses = Vec::new();
    for _ in 0..4 {
        let r = oa
            .get(format!("{}/api/v1/tickets", t.base))
            .bearer_auth(&token)
            .send()
            .await
            .expect("request");
        statuses.push(r.status().as_u16());
    }
    assert_eq!(statuses, vec![200, 200, 200, 429]);
}

/// Idle expiry follows the configured time exactly, however seldom the database is told.
async fn idle_expiry_follows_the_true_last_use(backend: Backend) {
    let t = TestApp::spawn_with(backend, |c| c.security.session.idle_minutes = 1).await;
    let api = t.login("agent").await;
    for i in 0..12 {
        t.advance(Duration::seconds(10));
        assert_eq!(
            api.get("/api/v1/me").await.status,
            200,
            "used every 10 s, at {}s",
            (i + 1) * 10
        );
    }
    t.advance(Duration::seconds(59));
    assert_eq!(api.get("/api/v1/me").await.status, 200);
    t.advance(Duration::seconds(60));
    assert_eq!(api.get("/api/v1/me").await.code(), "session_expired");
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
