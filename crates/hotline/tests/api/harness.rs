//! The test harness: a real server on a loopback port over a real database, one per test.
//!
//! SQLite tests get a fresh file in a temporary directory; PostgreSQL tests (when
//! `HOTLINE_TEST_PG_URL` is set) get a fresh schema in that database, dropped afterwards.

use std::net::SocketAddr;

use chrono::{TimeZone as _, Utc};
use hotline_app::{App, Clock, Config, Mode};
use hotline_store::{DbConfig, Store};
use reqwest::header::HeaderMap;
use sea_orm::ConnectionTrait as _;
use serde_json::{Value, json};
use tokio::net::TcpListener;

pub const PASSWORD: &str = "Demo@12345";
/// A fixed data key so the CLI can open the same database in tests.
pub const DATA_KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Generates `<name>::sqlite` and `<name>::postgres` tests from one async test body.
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::harness::Backend::Sqlite).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name($crate::harness::Backend::Postgres).await;
            }
        }
    )*};
}
pub(crate) use both_backends;

/// A fresh, empty database: a SQLite file in a temporary directory, or a PostgreSQL schema of
/// its own (dropped with it).
pub struct Database {
    pub url: String,
    pub dir: tempfile::TempDir,
    pg: Option<(String, String)>,
}

impl Database {
    pub async fn create(backend: Backend) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let (url, pg) = match backend {
            Backend::Sqlite => {
                (format!("sqlite://{}", dir.path().join("hotline.db").display()), None)
            }
            Backend::Postgres => {
                let base = pg_base_url();
                let schema = format!("t_{}", uuid::Uuid::now_v7().simple());
                let admin = Store::connect(&DbConfig::new(base.clone()))
                    .await
                    .expect("connect to PostgreSQL");
                admin
                    .reader()
                    .execute_unprepared(&format!("CREATE SCHEMA {schema}"))
                    .await
                    .expect("create test schema");
                admin.close().await.ok();
                (with_search_path(&base, &schema), Some((base, schema)))
            }
        };
        Self { url, dir, pg }
    }

    pub async fn connect(&self) -> Store {
        let mut db = DbConfig::new(self.url.clone());
        db.max_connections = 4;
        Store::connect(&db).await.expect("connect")
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        if let Some((base, schema)) = self.pg.take() {
            // Drop the schema from a thread of its own: Drop cannot await.
            let _ = std::thread::spawn(move || {
                let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build()
                else {
                    return;
                };
                rt.block_on(async move {
                    if let Ok(store) = Store::connect(&DbConfig::new(base)).await {
                        let _ = store
                            .reader()
                            .execute_unprepared(&format!("DROP SCHEMA {schema} CASCADE"))
                            .await;
                        let _ = store.close().await;
                    }
                });
            })
            .join();
        }
    }
}

pub struct TestApp {
    pub app: App,
    pub base: String,
    pub db_url: String,
    pub dir: std::path::PathBuf,
    db: Database,
    server: tokio::task::JoinHandle<()>,
}

pub fn pg_base_url() -> String {
    std::env::var("HOTLINE_TEST_PG_URL").unwrap_or_else(|_| {
        panic!("PostgreSQL tests need HOTLINE_TEST_PG_URL (e.g. postgres://postgres@127.0.0.1:5432/test)")
    })
}

fn with_search_path(base: &str, schema: &str) -> String {
    let sep = if base.contains('?') { '&' } else { '?' };
    format!("{base}{sep}options[search_path]={schema}")
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> Self {
        Self::spawn_with(backend, |_| {}).await
    }

    /// Like [`spawn`](Self::spawn), with a chance to adjust the configuration first.
    pub async fn spawn_with(backend: Backend, adjust: impl FnOnce(&mut Config)) -> Self {
        let db = Database::create(backend).await;
        let mut config = Config {
            data_dir: db.dir.path().to_path_buf(),
            database_url: Some(db.url.clone().into()),
            database_max_connections: 4,
            metrics_enabled: false,
            ..Config::default()
        };
        config.security.cookie_secure = false;
        config.security.totp_required_roles.clear();
        config.security.data_key = Some(DATA_KEY.into());
        // Cheap hashes: the cost parameters are not what these tests are about.
        config.security.argon2.memory_kib = 1024;
        config.security.argon2.iterations = 1;
        adjust(&mut config);

        let clock =
            Clock::manual(Utc.with_ymd_and_hms(2026, 11, 24, 1, 30, 0).single().expect("time"));
        let app = App::with_store(config, clock, Mode::Demo, db.connect().await).expect("app");
        app.prepare().await.expect("prepare");
        app.seed_demo().await.expect("seed");

        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr: SocketAddr = listener.local_addr().expect("addr");
        let state = hotline_http::AppState::new(app.clone());
        let server = tokio::spawn(async move {
            hotline_http::serve(state, listener, std::future::pending()).await.expect("serve");
        });
        let (db_url, dir) = (db.url.clone(), db.dir.path().to_path_buf());
        Self { app, base: format!("http://{addr}"), db_url, dir, db, server }
    }

    /// A client with its own cookie jar, not signed in.
    pub fn client(&self) -> Api {
        Api::new(&self.base)
    }

    /// A client signed in as one of the demo accounts.
    pub async fn login(&self, username: &str) -> Api {
        Api::sign_in(&self.base, username).await
    }

    /// Another application on this test's database, as after a restart of the server.
    pub async fn restarted(&self) -> App {
        let config = (*self.app.config).clone();
        let app =
            App::with_store(config, self.app.clock.clone(), Mode::Demo, self.db.connect().await)
                .expect("app");
        app.prepare().await.expect("prepare");
        app
    }

    pub fn advance(&self, by: chrono::Duration) {
        self.app.clock.advance(by);
    }

    /// Runs SQL behind the application's back (to tamper, or to inspect).
    pub async fn raw_sql(&self, sql: &str) -> Result<(), sea_orm::DbErr> {
        self.app.store.reader().execute_unprepared(sql).await.map(|_| ())
    }

    pub fn is_postgres(&self) -> bool {
        self.db.pg.is_some()
    }

    /// The id of an org by its code.
    pub async fn org_id(&self, code: &str) -> String {
        hotline_store::orgs::find_by_code(self.app.store.reader(), code)
            .await
            .expect("query")
            .unwrap_or_else(|| panic!("no org {code}"))
            .id
            .to_string()
    }

    /// The id of a user by name.
    pub async fn user_id(&self, username: &str) -> String {
        hotline_store::users::find_by_username(self.app.store.reader(), username)
            .await
            .expect("query")
            .unwrap_or_else(|| panic!("no user {username}"))
            .id
            .to_string()
    }

    /// How many audit rows carry `action`.
    pub async fn audit_count(&self, action: &str) -> u64 {
        let filter = hotline_store::audit::AuditFilter {
            action: Some(action.to_owned()),
            ..Default::default()
        };
        hotline_store::audit::list(
            self.app.store.reader(),
            &filter,
            hotline_store::PageRequest { page: 1, per_page: 1 },
        )
        .await
        .expect("audit query")
        .total
    }

    /// Environment for running the `hotline` binary against this test's database.
    pub fn cli_env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("HOTLINE_DATABASE_URL", self.db_url.clone()),
            ("HOTLINE_DATA_DIR", self.dir.display().to_string()),
            ("HOTLINE_SECURITY__DATA_KEY", DATA_KEY.to_owned()),
            ("HOTLINE_METRICS_ENABLED", "false".to_owned()),
        ]
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// A small JSON client.
pub struct Api {
    pub client: reqwest::Client,
    pub base: String,
}

#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Resp {
    /// The error code of an error response.
    pub fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }

    /// The field error on `field`, if any.
    pub fn field(&self, field: &str) -> Option<&Value> {
        self.body["error"]["fields"].as_array()?.iter().find(|f| f["field"] == field)
    }

    pub fn field_code(&self, field: &str) -> &str {
        self.field(field).and_then(|f| f["code"].as_str()).unwrap_or("")
    }
}

impl Api {
    /// A client of the server at `base` with its own cookie jar, not signed in.
    pub fn new(base: &str) -> Self {
        let client = reqwest::Client::builder().cookie_store(true).build().expect("client");
        Self { client, base: base.to_owned() }
    }

    /// A client signed in as one of the demo accounts of the server at `base`.
    pub async fn sign_in(base: &str, username: &str) -> Self {
        let api = Self::new(base);
        let res = api
            .post("/api/v1/auth/login", json!({"username": username, "password": PASSWORD}))
            .await;
        assert_eq!(res.status, 200, "login as {username} at {base}: {}", res.body);
        api
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> Resp {
        let res = request.send().await.expect("request");
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let text = res.text().await.expect("body");
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        Resp { status, headers, body }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&self, path: &str) -> Resp {
        self.send(self.client.get(self.url(path))).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Resp {
        self.send(self.client.post(self.url(path)).json(&body)).await
    }

    pub async fn patch(&self, path: &str, body: Value) -> Resp {
        self.send(self.client.patch(self.url(path)).json(&body)).await
    }

    pub async fn put(&self, path: &str, body: Value) -> Resp {
        self.send(self.client.put(self.url(path)).json(&body)).await
    }

    pub async fn delete(&self, path: &str) -> Resp {
        self.send(self.client.delete(self.url(path))).await
    }

    /// A request built by hand (headers, raw bodies).
    pub async fn raw(&self, request: reqwest::RequestBuilder) -> Resp {
        self.send(request).await
    }
}

/// The rows of a downloaded spreadsheet's first sheet, as text.
pub async fn sheet(
    api: &Api,
    path: &str,
    lang: &str,
) -> (reqwest::header::HeaderMap, Vec<Vec<String>>) {
    let (headers, mut sheets) = workbook(api, path, lang).await;
    (headers, sheets.remove(0).1)
}

/// Every sheet of a downloaded workbook by name, its rows as text.
pub async fn workbook(
    api: &Api,
    path: &str,
    lang: &str,
) -> (reqwest::header::HeaderMap, Vec<(String, Vec<Vec<String>>)>) {
    read_workbook(api.client.get(api.url(path)).header("accept-language", lang)).await
}

/// The first sheet of the workbook `request` downloads, its rows as text.
pub async fn sheet_of(request: reqwest::RequestBuilder) -> Vec<Vec<String>> {
    read_workbook(request).await.1.remove(0).1
}

async fn read_workbook(
    request: reqwest::RequestBuilder,
) -> (reqwest::header::HeaderMap, Vec<(String, Vec<Vec<String>>)>) {
    use calamine::Reader as _;
    let res = request.send().await.expect("request");
    assert_eq!(res.status().as_u16(), 200, "{}", res.url());
    let headers = res.headers().clone();
    let bytes = res.bytes().await.expect("body");
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).expect("an xlsx");
    let mut sheets = Vec::new();
    for name in book.sheet_names() {
        let range = book.worksheet_range(&name).expect("readable");
        let rows = range
            .rows()
            .map(|r| {
                r.iter()
                    .map(|c| match c {
                        calamine::Data::String(s) => s.clone(),
                        calamine::Data::Float(f) => f.to_string(),
                        calamine::Data::Int(i) => i.to_string(),
                        calamine::Data::Empty => String::new(),
                        other => other.to_string(),
                    })
                    .collect()
            })
            .collect();
        sheets.push((name, rows));
    }
    (headers, sheets)
}

/// A free loopback port for a server started by a test.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port()
}

/// Polls `probe` until it yields, for up to a minute.
pub async fn eventually<T, F, Fut>(what: &str, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        if let Some(value) = probe().await {
            return value;
        }
        assert!(std::time::Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

// Fixtures: what many tests do the same way.

/// A leaf category id by name.
pub async fn category(api: &Api, name: &str) -> String {
    let tree = api.get("/api/v1/categories").await.body;
    fn find(nodes: &Value, name: &str) -> Option<String> {
        nodes.as_array()?.iter().find_map(|n| {
            if n["name"] == name && n["children"].as_array().is_some_and(Vec::is_empty) {
                n["id"].as_str().map(str::to_owned)
            } else {
                find(&n["children"], name)
            }
        })
    }
    find(&tree, name).unwrap_or_else(|| panic!("no category {name}"))
}

/// A registered water-supply complaint, as an agent files it.
pub async fn new_ticket(api: &Api, title: &str) -> String {
    let res = api.post("/api/v1/tickets", ticket_body(api, title).await).await;
    assert_eq!(res.status, 201, "{}", res.body);
    res.body["id"].as_str().expect("id").to_owned()
}

/// The body of a complete ticket, for tests that vary it.
pub async fn ticket_body(api: &Api, title: &str) -> Value {
    json!({
        "caller_phone": "138 0013 8000",
        "caller_name": "张三",
        "title": title,
        "content": "小区楼下自来水管爆裂，水流到马路上，已经两个小时了。",
        "demand": "尽快派人维修",
        "category_id": category(api, "自来水供应").await,
        "appeal_type": "complaint",
        "urgency": "normal",
        "address": "东城区东华门大街1号",
        "channel": "phone",
    })
}

/// Takes an action on a ticket.
pub async fn act(api: &Api, id: &str, action: &str, body: Value) -> Resp {
    api.post(&format!("/api/v1/tickets/{id}/actions/{action}"), body).await
}

/// Takes an action that must succeed; the ticket's view.
pub async fn ok(api: &Api, id: &str, action: &str, body: Value) -> Value {
    let res = act(api, id, action, body).await;
    assert_eq!(res.status, 200, "{action}: {}", res.body);
    res.body
}
