//! The job runner and the outbox's consumers: admins see every job's figures; each consumer
//! reads every event once at its own place, and one instance at a time holds a consumer.

use chrono::Duration;
use hotline_app::{App, Mode};
use hotline_store::{DbConfig, Store};
use serde_json::{Value, json};

use crate::harness::{Backend, Database, TestApp, both_backends};
use crate::harness::{act, new_ticket};

both_backends!(
    admins_see_every_job_and_how_it_went,
    outbox_consumers_keep_their_own_place,
    the_cursor_migration_starts_where_the_old_marks_stood,
    admins_see_who_is_online_the_apis_calls_and_the_storage,
);

fn job<'a>(list: &'a Value, name: &str) -> &'a Value {
    list.as_array()
        .and_then(|l| l.iter().find(|j| j["name"] == name))
        .unwrap_or_else(|| panic!("no job {name} in {list}"))
}

async fn admins_see_every_job_and_how_it_went(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let admin = t.login("admin").await;
    let res = admin.get("/api/v1/jobs").await;
    assert_eq!(res.status, 200, "{}", res.body);
    let names: Vec<&str> =
        res.body.as_array().expect("list").iter().filter_map(|j| j["name"].as_str()).collect();
    assert_eq!(
        names,
        vec![
            "alerts.deadlines",
            "alerts.surges",
            "classifier.retrain",
            "federation.report",
            "kb.expiry",
            "outbox.alerts",
            "outbox.federation",
            "outbox.webhooks",
            "search.index",
            "sessions.purge",
            "stats.rollup",
            "tickets.timers",
            "webhooks.deliver"
        ]
    );
    assert_eq!(job(&res.body, "outbox.webhooks")["runs"], 0);
    assert_eq!(t.login("agent").await.get("/api/v1/jobs").await.status, 403);

    let agent = t.login("agent").await;
    new_ticket(&agent, "东城区的水管").await;
    let done = t.app.run_job_named("outbox.webhooks").await.expect("job");
    assert_eq!(done.items, 1, "the new ticket's one event");
    let list = admin.get("/api/v1/jobs").await.body;
    let webhooks = job(&list, "outbox.webhooks");
    assert_eq!(
        (&webhooks["runs"], &webhooks["items_total"], &webhooks["failures"]),
        (&json!(1), &json!(1), &json!(0))
    );
    assert!(
        webhooks["last_success_at"].is_string() && webhooks["last_error"].is_null(),
        "{webhooks}"
    );
    assert_eq!(job(&list, "outbox.federation")["runs"], 0, "consumers run on their own");
}

async fn outbox_consumers_keep_their_own_place(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let agent = t.login("agent").await;
    let dispatcher = t.login("dispatcher").await;
    let dongcheng = t.org_id("DONGCHENG").await;
    let dispatch = async |title: &str| {
        let id = new_ticket(&agent, title).await;
        assert_eq!(
            act(&dispatcher, &id, "dispatch", json!({"org_id": dongcheng})).await.status,
            200
        );
    };
    dispatch("第一件").await;
    let run = async |app: &App, name: &str| app.run_job_named(name).await.expect("job").items;
    assert_eq!(run(&t.app, "outbox.webhooks").await, 2, "created and dispatched");
    assert_eq!(run(&t.app, "outbox.webhooks").await, 0, "each event once");
    // The other consumer was not held back and has not lost its place.
    assert_eq!(run(&t.app, "outbox.federation").await, 2);
    assert_eq!(run(&t.app, "outbox.federation").await, 0);

    // A second instance on the same database waits while the first holds the lease.
    let config = (*t.app.config).clone();
    let store = Store::connect(&DbConfig::new(t.db_url.clone())).await.expect("connect");
    let other = App::with_store(config, t.app.clock.clone(), Mode::Demo, store).expect("app");
    dispatch("第二件").await;
    assert_eq!(run(&other, "outbox.webhooks").await, 0, "the first instance holds the lease");
    t.advance(Duration::seconds(31));
    assert_eq!(run(&other, "outbox.webhooks").await, 2, "its lease ran out: the second takes over");
    dispatch("第三件").await;
    assert_eq!(run(&t.app, "outbox.webhooks").await, 0, "now the second holds it");
    assert_eq!(run(&other, "outbox.webhooks").await, 2, "and handles what came meanwhile");
    // The first's lease on the other consumer ran out as well.
    assert_eq!(run(&other, "outbox.federation").await, 4, "the second and third tickets");
    assert_eq!(run(&t.app, "outbox.federation").await, 0);
}

/// A database whose single consumer had marked some events processed: after the migration to
/// cursors, both consumers start where it stood (nothing handled twice, nothing lost).
async fn the_cursor_migration_starts_where_the_old_marks_stood(backend: Backend) {
    use sea_orm::ConnectionTrait as _;
    let db = Database::create(backend).await;
    let store = db.connect().await;
    store.migrate_steps(8).await.expect("migrations before the cursors");
    let event = |n: u8, processed: bool| {
        let id = uuid::Uuid::from_bytes([1, 2, 3, 4, 5, 6, 0x70, 0, 0x80, 0, 0, 0, 0, 0, 0, n]);
        let at = if processed { "'2026-11-24 01:30:00+00:00'" } else { "NULL" };
        let (id, created) = match backend {
            Backend::Sqlite => (format!("X'{}'", id.simple()), "'2026-11-24 01:30:00+00:00'"),
            Backend::Postgres => (format!("'{id}'"), "'2026-11-24 01:30:00+00:00'"),
        };
        format!(
            "INSERT INTO outbox_event (id, topic, ticket_id, payload, created_at, processed_at, attempts, last_error) \
             VALUES ({id}, 'ticket.urge', NULL, '{{}}', {created}, {at}, 0, NULL)"
        )
    };
    // Handled, handled, waiting, handled (a later commit the old worker had already seen).
    for (n, processed) in [(1, true), (2, true), (3, false), (4, true)] {
        store.reader().execute_unprepared(&event(n, processed)).await.expect("insert event");
    }
    store.migrate().await.expect("the cursor migration");

    let config = hotline_app::Config {
        data_dir: db.dir.path().to_path_buf(),
        database_url: Some(db.url.clone().into()),
        metrics_enabled: false,
        ..hotline_app::Config::default()
    };
    let clock = hotline_app::Clock::manual(chrono::Utc::now());
    let mut config = config;
    config.security.data_key = Some(crate::harness::DATA_KEY.into());
    let app = App::with_store(config, clock, Mode::Demo, store).expect("app");
    app.prepare().await.expect("prepare");
    for consumer in ["outbox.webhooks", "outbox.federation"] {
        assert_eq!(
            app.run_job_named(consumer).await.expect(consumer).items,
            1,
            "{consumer}: only the waiting one"
        );
        assert_eq!(app.run_job_named(consumer).await.expect(consumer).items, 0, "{consumer}: once");
    }
}

async fn admins_see_who_is_online_the_apis_calls_and_the_storage(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let (admin, agent) = (t.login("admin").await, t.login("agent").await);
    new_ticket(&agent, "小区自来水管爆裂").await;
    assert_eq!(agent.get("/api/v1/tickets/not-a-ticket").await.status, 404);
    assert_eq!(agent.get("/api/v1/system/overview").await.status, 403, "admins only");

    let res = admin.get("/api/v1/system/overview").await;
    assert_eq!(res.status, 200, "{}", res.body);
    let o = &res.body;
    assert_eq!((o["users_online"].as_u64(), o["sessions_active"].as_u64()), (Some(2), Some(2)));
    let routes = o["requests"]["routes"].as_array().expect("routes");
    let route = |method: &str, path: &str| {
        routes
            .iter()
            .find(|r| r["method"] == method && r["route"] == path)
            .unwrap_or_else(|| panic!("no {method} {path} in {routes:?}"))
    };
    assert_eq!(route("POST", "/api/v1/tickets")["requests"], 1);
    assert_eq!(route("GET", "/api/v1/tickets/{id}")["client_errors"], 1);
    assert_eq!(route("GET", "/api/v1/system/overview")["client_errors"], 1, "the refusal");
    assert!(o["requests"]["client_errors"].as_u64() >= Some(2), "{o}");
    assert_eq!(o["requests"]["server_errors"], 0);
    let requests = o["requests"]["requests"].as_u64().expect("requests");
    let counted: u64 = routes.iter().filter_map(|r| r["requests"].as_u64()).sum();
    assert!(requests >= counted && counted > 0, "{o}");
    assert!(o["storage"]["database_bytes"].as_u64() > Some(0), "{o}");
    assert!(o["storage"]["data_dir_total_bytes"].as_u64() > Some(0), "{o}");
    job(&o["jobs"], "stats.rollup");

    // Fifteen minutes on, nobody has been seen: nobody is online.
    t.advance(Duration::minutes(16));
    let admin = t.login("admin").await;
    let later = admin.get("/api/v1/system/overview").await.body;
    assert_eq!(later["users_online"], 1, "only the admin who just signed in: {later}");
}
