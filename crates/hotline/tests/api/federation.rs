//! Two real `hotline` processes, each with its own database and port, federated: the city
//! dispatches to a district that works in its own instance, and the district's instance is
//! stopped and restarted while events are on their way.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use serde_json::{Value, json};
use tokio::process::{Child, Command};

use crate::harness::{Api, eventually, free_port, ok};

/// One `hotline demo` process.
struct Instance {
    name: &'static str,
    dir: PathBuf,
    port: u16,
    child: Option<Child>,
}

impl Instance {
    async fn start(name: &'static str, root: &Path) -> Self {
        let mut instance = Self { name, dir: root.join(name), port: free_port(), child: None };
        instance.run().await;
        instance
    }

    fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    async fn run(&mut self) {
        std::fs::create_dir_all(&self.dir).expect("data dir");
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join("server.log"))
            .expect("log");
        let child = Command::new(env!("CARGO_BIN_EXE_hotline"))
            .args(["demo", "--without-tickets", "--data-dir"])
            .arg(&self.dir)
            .args(["--listen", &format!("127.0.0.1:{}", self.port)])
            .env("HOTLINE_METRICS_ENABLED", "false")
            .env("HOTLINE_LOG", "info")
            // Quick retries, so a restart is noticed within the test's patience.
            .env("HOTLINE_WEBHOOKS__INTERVAL_MS", "100")
            .env("HOTLINE_WEBHOOKS__FIRST_RETRY_SECS", "1")
            .env("HOTLINE_WEBHOOKS__MAX_RETRY_SECS", "2")
            .stdout(Stdio::null())
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .expect("start hotline");
        self.child = Some(child);
        let client = reqwest::Client::new();
        let ready = format!("{}/readyz", self.base());
        eventually(&format!("{} to start", self.name), || {
            let request = client.get(&ready).send();
            async move { request.await.ok().filter(|r| r.status().is_success()).map(|_| ()) }
        })
        .await;
    }

    async fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().await.expect("kill");
        }
    }

    /// A client signed in as a demo account of this instance.
    async fn login(&self, username: &str) -> Api {
        Api::sign_in(&self.base(), username).await
    }
}

/// A failing test shows what each server said last.
impl Drop for Instance {
    fn drop(&mut self) {
        if std::thread::panicking() {
            let log = std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default();
            let lines: Vec<&str> = log.lines().collect();
            let tail = lines[lines.len().saturating_sub(40)..].join("\n");
            eprintln!("--- {} server.log (last 40 lines) ---\n{tail}", self.name);
        }
    }
}

/// The id of an org by its code, as an admin of that instance sees it.
async fn org_id(api: &Api, code: &str) -> String {
    let orgs = api.get("/api/v1/orgs?per_page=200").await.body;
    orgs["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|o| o["code"] == code)
        .and_then(|o| o["id"].as_str())
        .expect("org")
        .to_owned()
}

/// The first category without children, depth first.
fn first_leaf(nodes: &Value) -> Option<String> {
    nodes.as_array()?.iter().find_map(|n| match n["children"].as_array() {
        Some(children) if !children.is_empty() => first_leaf(&n["children"]),
        _ => n["id"].as_str().map(str::to_owned),
    })
}

fn actions(view: &Value) -> Vec<String> {
    view["timeline"]
        .as_array()
        .expect("timeline")
        .iter()
        .filter_map(|e| e["action"].as_str().map(str::to_owned))
        .collect()
}

/// How often the copy's timeline notes an upstream event of this type.
fn upstream(view: &Value, topic: &str) -> usize {
    view["timeline"]
        .as_array()
        .expect("timeline")
        .iter()
        .filter(|e| e["action"] == "upstream_event" && e["detail"]["type"] == topic)
        .count()
}

fn count(actions: &[String], name: &str) -> usize {
    actions.iter().filter(|a| *a == name).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ticket_lives_its_whole_life_across_two_instances() {
    let root = tempfile::tempdir().expect("temp dir");
    let city = Instance::start("city", root.path()).await;
    let mut district = Instance::start("district", root.path()).await;

    // The city marks 东城区 remote; the district registers the city with what it was given.
    let city_admin = city.login("admin").await;
    let dongcheng = org_id(&city_admin, "DONGCHENG").await;
    let res = city_admin
        .post(&format!("/api/v1/orgs/{dongcheng}/remote"), json!({"url": district.base()}))
        .await;
    assert_eq!(res.status, 201, "{}", res.body);
    let setup = res.body;
    let district_admin = district.login("admin").await;
    let landing = org_id(&district_admin, "CENTER").await;
    let mut peer = json!({
        "name": "市12345中心", "url": city.base(), "org_id": landing,
        "token": setup["token"], "webhook_secret": setup["webhook_secret"],
    });
    peer["token"] = json!("hlt_not_a_real_token");
    let refused = district_admin.post("/api/v1/federation/peers", peer.clone()).await;
    assert_eq!((refused.status, refused.field("token").is_some()), (422, true), "{}", refused.body);
    peer["token"] = setup["token"].clone();
    let res = district_admin.post("/api/v1/federation/peers", peer).await;
    assert_eq!(res.status, 201, "{}", res.body);

    // A forged event is refused.
    let forged = reqwest::Client::new()
        .post(format!("{}/api/v1/federation/events", district.base()))
        .header("x-hotline-timestamp", chrono::Utc::now().timestamp().to_string())
        .header("x-hotline-signature", format!("sha256={}", "0".repeat(64)))
        .body(json!({"id": uuid::Uuid::now_v7(), "type": "ticket.dispatch", "ticket": {"id": uuid::Uuid::now_v7()}}).to_string())
        .send()
        .await
        .expect("send");
    assert_eq!(forged.status(), 401);

    // The city registers an appeal and dispatches it to 东城区.
    let agent = city.login("agent").await;
    let dispatcher = city.login("dispatcher").await;
    let water = first_leaf(&agent.get("/api/v1/categories").await.body).expect("a category");
    let created = agent
        .post(
            "/api/v1/tickets",
            json!({"caller_phone": "13800138000", "caller_name": "张三", "title": "东华门大街水管爆裂",
                   "content": "东华门大街路口水管爆裂，路面积水严重。", "category_id": water,
                   "appeal_type": "help", "urgency": "normal", "address": "东城区东华门大街", "channel": "phone"}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let created = created.body;
    let ticket = created["id"].as_str().expect("id").to_owned();
    let number = created["number"].as_str().expect("number").to_owned();
    ok(&dispatcher, &ticket, "dispatch", json!({"org_id": dongcheng})).await;

    // The district has its copy, filed through its own intake.
    let district_agent = district.login("agent").await;
    let copy = eventually("the district's copy", || async {
        let list = district_agent.get("/api/v1/tickets?channel=api").await.body;
        list["items"][0]["id"].as_str().map(str::to_owned)
    })
    .await;
    let view = district_agent.get(&format!("/api/v1/tickets/{copy}")).await.body;
    assert_eq!(view["title"], "东华门大街水管爆裂");
    assert!(view["notes"].as_str().expect("notes").contains(&number), "{}", view["notes"]);
    assert_eq!(view["state"], "registered");

    // The district goes down; the city urges meanwhile; the urge arrives after the restart
    // (on a copy not yet dispatched there, so as a note on its timeline).
    district.stop().await;
    ok(&dispatcher, &ticket, "urge", json!({"opinion": "请尽快处理"})).await;
    let webhook = setup["webhook_id"].as_str().expect("webhook id").to_owned();
    eventually("a failed delivery while the district is down", || async {
        let log = city_admin
            .get(&format!("/api/v1/webhooks/{webhook}/deliveries?status=pending"))
            .await
            .body;
        log["items"][0]["last_error"].as_str().map(|_| ())
    })
    .await;
    district.run().await;
    let district_agent = district.login("agent").await;
    eventually("the urge on the copy", || async {
        let view = district_agent.get(&format!("/api/v1/tickets/{copy}")).await.body;
        (upstream(&view, "ticket.urge") > 0).then_some(())
    })
    .await;

    // The district dispatches within its own tree: the city sees 东城区 accept.
    let district_dispatcher = district.login("dispatcher").await;
    let local_dongcheng = org_id(&district_dispatcher, "DONGCHENG").await;
    ok(&district_dispatcher, &copy, "dispatch", json!({"org_id": local_dongcheng})).await;
    eventually("the city ticket accepted", || async {
        let view = agent.get(&format!("/api/v1/tickets/{ticket}")).await.body;
        (view["state"] == "in_progress").then_some(())
    })
    .await;

    // Handled and approved in the district: the city receives the reply.
    let handler = district.login("district_a").await;
    ok(&handler, &copy, "accept", json!({})).await;
    ok(&handler, &copy, "contact_citizen", json!({"content": "已电话联系市民"})).await;

    // The unit needs more time: the district grants it and asks the city, which agrees.
    ok(&handler, &copy, "request_extension", json!({"days": 2, "reason": "需协调管网公司"})).await;
    ok(&district_dispatcher, &copy, "approve_extension", json!({})).await;
    eventually("the extension asked in the city", || async {
        let view = agent.get(&format!("/api/v1/tickets/{ticket}")).await.body;
        (view["state"] == "extension_requested").then_some(())
    })
    .await;
    ok(&dispatcher, &ticket, "approve_extension", json!({})).await;
    eventually("the city's decision on the copy", || async {
        let view = district_agent.get(&format!("/api/v1/tickets/{copy}")).await.body;
        (upstream(&view, "ticket.approve_extension") > 0).then_some(())
    })
    .await;
    ok(&handler, &copy, "reply", json!({"content": "已关阀抢修，供水已恢复"})).await;
    let district_supervisor = district.login("supervisor").await;
    ok(&district_supervisor, &copy, "approve_reply", json!({})).await;
    let city_view = eventually("the reply in the city", || async {
        let view = agent.get(&format!("/api/v1/tickets/{ticket}")).await.body;
        (view["state"] == "reply_submitted").then_some(view)
    })
    .await;
    assert_eq!(city_view["reply_content"], "已关阀抢修，供水已恢复");

    // The city reviews, calls back and closes, while the district is down again.
    district.stop().await;
    let supervisor = city.login("supervisor").await;
    ok(&supervisor, &ticket, "approve_reply", json!({})).await;
    let closed = ok(
        &supervisor,
        &ticket,
        "callback",
        json!({"reachable": true, "resolved": true, "satisfaction": "satisfied"}),
    )
    .await;
    assert_eq!(closed["state"], "closed");
    district.run().await;
    let district_agent = district.login("agent").await;
    // Deliveries are not ordered among themselves: wait for both.
    let copy_view = eventually("the review and the callback noted on the copy", || async {
        let view = district_agent.get(&format!("/api/v1/tickets/{copy}")).await.body;
        (upstream(&view, "ticket.approve_reply") > 0 && upstream(&view, "ticket.callback") > 0)
            .then_some(view)
    })
    .await;

    // Both timelines tell the same story, each step once.
    let city_view = agent.get(&format!("/api/v1/tickets/{ticket}")).await.body;
    let city_steps = actions(&city_view);
    for step in [
        "dispatch",
        "urge",
        "accept",
        "contact_citizen",
        "request_extension",
        "approve_extension",
        "reply",
        "approve_reply",
        "callback",
    ] {
        assert_eq!(count(&city_steps, step), 1, "city {step}: {city_steps:?}");
    }
    let copy_steps = actions(&copy_view);
    for step in [
        "create",
        "dispatch",
        "accept",
        "request_extension",
        "approve_extension",
        "reply",
        "approve_reply",
    ] {
        assert_eq!(count(&copy_steps, step), 1, "district {step}: {copy_steps:?}");
    }
    for topic in
        ["ticket.urge", "ticket.approve_extension", "ticket.approve_reply", "ticket.callback"]
    {
        assert_eq!(upstream(&copy_view, topic), 1, "district notes of {topic}: {copy_steps:?}");
    }

    // A redelivered dispatch is recognised: still one copy.
    let log =
        city_admin.get(&format!("/api/v1/webhooks/{webhook}/deliveries?per_page=50")).await.body;
    let first = log["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|d| d["topic"] == "ticket.dispatch")
        .and_then(|d| d["id"].as_str())
        .expect("the dispatch delivery")
        .to_owned();
    let res = city_admin
        .post(&format!("/api/v1/webhooks/{webhook}/deliveries/{first}/redeliver"), json!({}))
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    eventually("the redelivery", || async {
        let log = city_admin
            .get(&format!("/api/v1/webhooks/{webhook}/deliveries?status=pending"))
            .await
            .body;
        (log["total"] == 0).then_some(())
    })
    .await;
    let copies = district_agent.get("/api/v1/tickets?channel=api").await.body;
    assert_eq!(copies["total"], 1, "{copies}");
    district.stop().await;
}
