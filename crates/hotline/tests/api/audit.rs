use std::process::Command;

use serde_json::json;

use crate::harness::{Api, Backend, TestApp, both_backends, new_ticket};

both_backends!(
    concurrent_reads_are_each_audited_once,
    opening_a_ticket_is_an_access_and_its_live_reload_is_not,
    only_the_auditor_reads_the_trail,
    the_database_refuses_to_change_audit_rows,
    tampering_is_detected_and_named,
    writes_carry_before_and_after,
);

/// Reads from many clients at once are sealed onto the chain in shared batches: each is on the
/// trail exactly once, before its answer, and the chain still verifies.
async fn concurrent_reads_are_each_audited_once(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let agent = t.login("agent").await;
    let before = t.audit_count("ticket.list").await;
    let reads: Vec<_> = (0..40)
        .map(|_| {
            let api = Api { client: agent.client.clone(), base: agent.base.clone() };
            tokio::spawn(async move { api.get("/api/v1/tickets").await.status })
        })
        .collect();
    for read in reads {
        assert_eq!(read.await.expect("read"), 200);
    }
    assert_eq!(t.audit_count("ticket.list").await, before + 40);
    assert!(t.app.verify_audit().await.expect("verify").ok);
}

/// Every opening of a ticket is on the trail; the console's live reloads of an open ticket are
/// not, unless the reader's last audited read of it is half an hour old.
async fn opening_a_ticket_is_an_access_and_its_live_reload_is_not(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let agent = t.login("agent").await;
    let id = new_ticket(&agent, "噪声扰民").await;
    let reads = || t.audit_count("ticket.read");
    let start = reads().await;
    assert_eq!(agent.get(&format!("/api/v1/tickets/{id}")).await.status, 200);
    assert_eq!(reads().await, start + 1);
    for _ in 0..5 {
        let res = agent.get(&format!("/api/v1/tickets/{id}?refresh=true")).await;
        assert_eq!(res.status, 200, "{}", res.body);
    }
    assert_eq!(reads().await, start + 1, "five reloads in a row are not five accesses");
    assert_eq!(agent.get(&format!("/api/v1/tickets/{id}")).await.status, 200);
    assert_eq!(reads().await, start + 2, "opening again is");
    // Another reader's first read is audited even when it claims to be a reload.
    let supervisor = t.login("supervisor").await;
    supervisor.get(&format!("/api/v1/tickets/{id}?refresh=true")).await;
    assert_eq!(reads().await, start + 3);
    t.advance(chrono::Duration::minutes(31));
    let agent = t.login("agent").await;
    agent.get(&format!("/api/v1/tickets/{id}?refresh=true")).await;
    assert_eq!(reads().await, start + 4, "a reload half an hour on is audited again");
    let res = agent.get(&format!("/api/v1/tickets/{id}?refresh=maybe")).await;
    assert_eq!(res.status, 422, "{}", res.body);
}

async fn only_the_auditor_reads_the_trail(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    t.client().post("/api/v1/auth/login", json!({"username": "agent", "password": "bad"})).await;
    let auditor = t.login("auditor").await;
    let res = auditor.get("/api/v1/audit?action=auth&per_page=200").await;
    assert_eq!(res.status, 200, "{}", res.body);
    let items = res.body["items"].as_array().expect("items");
    let failed =
        items.iter().find(|e| e["action"] == "auth.login_failed").expect("failed login audited");
    assert_eq!(failed["source_ip"], "127.0.0.1");
    assert_eq!(failed["actor_name"], "agent");
    assert_eq!(failed["outcome"], "failure");
    assert_eq!(failed["detail"]["reason"], "wrong_password");
    let login = items.iter().find(|e| e["action"] == "auth.login").expect("login audited");
    assert_eq!(login["actor_name"], "auditor");
    // People are named as staff know them, with their unit.
    assert_eq!(
        (login["actor_display_name"].as_str(), login["actor_org_name"].as_str()),
        (Some("审计员"), Some("市12345热线中心"))
    );
    // Filters: by actor and by time window.
    let res = auditor.get("/api/v1/audit?actor=agent").await;
    assert!(
        res.body["items"].as_array().expect("items").iter().all(|e| e["actor_name"] == "agent")
    );
    let res = auditor.get("/api/v1/audit?from=2030-01-01T00:00:00Z").await;
    assert_eq!(res.body["total"], 0);
    let res = auditor.get("/api/v1/audit?from=yesterday").await;
    assert_eq!((res.status, res.field_code("from")), (422, "invalid_value"));
    let res = auditor.get("/api/v1/audit?action=nonsense").await;
    assert_eq!(res.field_code("action"), "invalid_value");
    // The auditor can do nothing else.
    assert_eq!(auditor.get("/api/v1/users").await.status, 403);
    assert_eq!(auditor.get("/api/v1/orgs").await.status, 403);
    // Nobody else reads the trail, the admin included.
    for who in ["admin", "supervisor", "district_a"] {
        let api = t.login(who).await;
        assert_eq!(api.get("/api/v1/audit").await.status, 403, "{who}");
        assert_eq!(api.get("/api/v1/audit/verify").await.status, 403, "{who}");
    }
    // Reading the trail is itself on the trail.
    assert_eq!(t.audit_count("audit.read").await, 3);
    let res = auditor.get("/api/v1/audit?action=access.denied").await;
    assert!(
        res.body["items"].as_array().expect("items").iter().any(|e| e["actor_name"] == "admin")
    );
}

async fn the_database_refuses_to_change_audit_rows(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    t.login("agent").await;
    assert!(t.raw_sql("UPDATE audit_event SET detail = '{}' WHERE seq = 1").await.is_err());
    assert!(t.raw_sql("DELETE FROM audit_event WHERE seq = 1").await.is_err());
    assert!(t.raw_sql("UPDATE audit_head SET seq = 0").await.is_err());
    assert!(t.raw_sql("DELETE FROM audit_head").await.is_err());
    if t.is_postgres() {
        assert!(t.raw_sql("TRUNCATE audit_event").await.is_err());
    }
    assert!(t.app.verify_audit().await.expect("verify").ok);
}

fn verify_cli(t: &TestApp) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_hotline"))
        .arg("verify-audit")
        .envs(t.cli_env())
        .current_dir(&t.dir)
        .output()
        .expect("run hotline verify-audit");
    let text =
        format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

async fn tampering_is_detected_and_named(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    for who in ["agent", "dispatcher", "qa"] {
        t.login(who).await;
    }
    let auditor = t.login("auditor").await;
    let res = auditor.get("/api/v1/audit/verify").await;
    assert_eq!((res.status, &res.body["ok"]), (200, &json!(true)), "{}", res.body);
    let (ok, out) = verify_cli(&t);
    assert!(ok, "{out}");
    assert!(out.contains("audit trail OK"), "{out}");

    // Bypass the guard and rewrite row 3 behind the application's back.
    let disable = if t.is_postgres() {
        "ALTER TABLE audit_event DISABLE TRIGGER audit_event_no_change"
    } else {
        "DROP TRIGGER audit_event_no_update"
    };
    t.raw_sql(disable).await.expect("disable the guard");
    t.raw_sql("UPDATE audit_event SET actor_name = 'someone_else' WHERE seq = 3")
        .await
        .expect("tamper");

    let (ok, out) = verify_cli(&t);
    assert!(!ok, "verification must fail: {out}");
    assert!(out.contains("BROKEN at row 3"), "{out}");
    let res = auditor.get("/api/v1/audit/verify").await;
    assert_eq!(
        (res.body["ok"].as_bool(), res.body["first_bad_seq"].as_i64()),
        (Some(false), Some(3)),
        "{}",
        res.body
    );
}

async fn writes_carry_before_and_after(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let admin = t.login("admin").await;
    let id = t.user_id("qa").await;
    admin.patch(&format!("/api/v1/users/{id}"), json!({"display_name": "质检员钱七"})).await;
    let auditor = t.login("auditor").await;
    let res = auditor.get(&format!("/api/v1/audit?action=user.update&subject_id={id}")).await;
    let row = &res.body["items"][0];
    assert_eq!(row["detail"]["before"]["display_name"], "质检员孙丽");
    assert_eq!(row["detail"]["after"]["display_name"], "质检员钱七");
    assert_eq!(row["actor_name"], "admin");
    assert_eq!(row["subject_type"], "user");
    assert!(row["request_id"].is_string());
    let text = res.body.to_string();
    assert!(
        !text.contains("password_hash") && !text.contains("$argon2"),
        "no secrets in the trail"
    );
}
