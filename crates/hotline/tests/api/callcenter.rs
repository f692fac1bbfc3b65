//! The call center over HTTP: agents on seats, the softswitch's decisions and events as
//! Kamailio sends them, call records and the wallboard. The demo seeds seats 8001–8003, the
//! 12345 line (zh) and the English line 123459, and makes `agent` (zh, en) and `supervisor`
//! (zh) agents.

use chrono::Duration;
use hotline_app::Ctx;
use hotline_app::callcenter::{CtiEvent, RouteRequest};
use hotline_domain::org::OrgPath;
use hotline_domain::role::{Actor, Principal, Role};
use hotline_domain::{OrgId, UserId};
use serde_json::{Value, json};

use crate::harness::{Api, Backend, Resp, TestApp, both_backends, new_ticket};

both_backends!(
    calls_reach_the_longest_idle_agent_and_leave_a_record,
    lines_route_by_language_and_declined_offers_wait_out_their_delay,
    bad_input_is_refused_and_changes_nothing,
    a_call_in_progress_survives_a_restart,
);

/// Kamailio, holding a `softswitch` token.
struct Switch {
    api: Api,
    base: String,
    token: String,
}

impl Switch {
    async fn new(t: &TestApp) -> Self {
        let admin = t.login("admin").await;
        let center = t.org_id("CENTER").await;
        let res = admin
            .post(
                "/api/v1/api-tokens",
                json!({"name": "kamailio", "org_id": center, "roles": ["softswitch"]}),
            )
            .await;
        assert_eq!(res.status, 201, "{}", res.body);
        let token = res.body["secret"].as_str().expect("secret").to_owned();
        Self { api: t.client(), base: t.base.clone(), token }
    }

    async fn post(&self, path: &str, body: Value) -> Resp {
        let request = reqwest::Client::new()
            .post(format!("{}/cti/v1{path}", self.base))
            .bearer_auth(&self.token)
            .json(&body);
        self.api.raw(request).await
    }

    async fn route(&self, call: &str, dnis: &str) -> Value {
        let res =
            self.post("/route", json!({"call_id": call, "ani": "13800138000", "dnis": dnis})).await;
        assert_eq!(res.status, 200, "{}", res.body);
        res.body
    }

    async fn reroute(&self, call: &str, code: u16) -> Value {
        let res = self.post("/reroute", json!({"call_id": call, "code": code})).await;
        assert_eq!(res.status, 200, "{}", res.body);
        res.body
    }

    async fn event(&self, event: &str, call: &str, agent: Option<&str>) -> bool {
        let res =
            self.post("/events", json!({"event": event, "call_id": call, "agent": agent})).await;
        assert_eq!(res.status, 200, "{event}: {}", res.body);
        res.body["applied"].as_bool().expect("applied")
    }
}

async fn seated(t: &TestApp, username: &str, extension: &str) -> Api {
    let api = t.login(username).await;
    let res = api.post("/api/v1/callcenter/me/login", json!({"extension": extension})).await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(
        (res.body["status"].as_str(), res.body["reason"].as_str()),
        (Some("not_ready"), Some("login"))
    );
    api
}

async fn set(api: &Api, status: &str, reason: Option<&str>) -> Resp {
    api.post("/api/v1/callcenter/me/state", json!({"status": status, "reason": reason})).await
}

async fn ready(api: &Api) {
    let res = set(api, "ready", None).await;
    assert_eq!(res.status, 200, "{}", res.body);
}

async fn status(api: &Api) -> (String, Option<String>) {
    let me = api.get("/api/v1/callcenter/me").await.body;
    (me["status"].as_str().expect("status").to_owned(), me["reason"].as_str().map(str::to_owned))
}

fn offered_to(decision: &Value) -> Vec<String> {
    assert_eq!(decision["action"], "route", "{decision}");
    decision["routes"]
        .as_array()
        .expect("routes")
        .iter()
        .map(|r| r["uri"].as_str().expect("uri").to_owned())
        .collect()
}

fn call<'a>(calls: &'a Value, sip_call_id: &str) -> &'a Value {
    calls["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|c| c["sip_call_id"] == sip_call_id)
        .unwrap_or_else(|| panic!("no call {sip_call_id} in {calls}"))
}

async fn calls_reach_the_longest_idle_agent_and_leave_a_record(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let switch = Switch::new(&t).await;
    let agent = seated(&t, "agent", "8001").await;
    let res = t
        .login("supervisor")
        .await
        .post("/api/v1/callcenter/me/login", json!({"extension": "8001"}))
        .await;
    assert_eq!((res.status, res.code()), (409, "seat_taken"), "{}", res.body);
    let supervisor = seated(&t, "supervisor", "8002").await;
    ready(&agent).await;
    t.advance(Duration::seconds(5));
    ready(&supervisor).await;

    // The agent waited longest: theirs is the call, and the same INVITE again changes nothing.
    let decision = switch.route("c1", "12345").await;
    assert_eq!(offered_to(&decision), ["sip:8001@127.0.0.1"]);
    assert_eq!(decision["routes"][0]["fr_inv_timer"], 15_000);
    assert_eq!(decision["routing"], "serial");
    assert_eq!(offered_to(&switch.route("c1", "12345").await), ["sip:8001@127.0.0.1"]);
    assert_eq!(status(&agent).await.0, "reserved");
    assert!(switch.event("agent_alerting", "c1", Some("sip:8001-0x55af@127.0.0.1:5074")).await);
    assert_eq!(status(&agent).await.0, "alerting");
    t.advance(Duration::seconds(4));
    assert!(switch.event("call_answered", "c1", None).await);
    assert!(!switch.event("call_answered", "c1", None).await, "a duplicate changes nothing");
    assert_eq!(status(&agent).await.0, "on_call");

    // The next call goes to the one still free; the caller gives up while it rings.
    assert_eq!(offered_to(&switch.route("c2", "12345").await), ["sip:8002@127.0.0.1"]);
    t.advance(Duration::seconds(10));
    assert!(switch.event("caller_abandoned", "c2", None).await);
    assert_eq!(status(&supervisor).await.0, "ready");

    t.advance(Duration::seconds(50));
    assert!(switch.event("call_ended", "c1", None).await);
    let me = agent.get("/api/v1/callcenter/me").await.body;
    assert_eq!(me["status"], "wrap_up", "{me}");

    // RONA: the phone rang out; the only other agent is wrapping up, so nobody is left.
    assert_eq!(offered_to(&switch.route("c3", "12345").await), ["sip:8002@127.0.0.1"]);
    let decision = switch.reroute("c3", 408).await;
    assert_eq!(
        (decision["action"].as_str(), decision["code"].as_u64()),
        (Some("reject"), Some(480))
    );
    assert_eq!(status(&supervisor).await, ("not_ready".to_owned(), Some("rona".to_owned())));
    t.advance(Duration::seconds(31));
    assert_eq!(status(&agent).await.0, "ready", "thirty seconds of wrap-up, then ready");

    // The records: everyone's for the supervisor, an agent's own for the agent.
    let calls = supervisor.get("/api/v1/calls").await;
    assert_eq!((calls.status, &calls.body["total"]), (200, &json!(3)), "{}", calls.body);
    let c1 = call(&calls.body, "c1");
    assert_eq!(c1["disposition"], "answered");
    assert_eq!(c1["agent_id"], t.user_id("agent").await);
    assert_eq!((c1["queue_wait_s"].as_i64(), c1["talk_s"].as_i64()), (Some(4), Some(60)));
    assert_eq!(c1["within_sl"], true);
    assert_eq!(c1["caller"], "138****8000");
    assert_eq!(c1["dnis"], "12345");
    assert_eq!(c1["lang"], "zh");
    assert_eq!(call(&calls.body, "c2")["disposition"], "abandoned_ringing");
    let c3 = call(&calls.body, "c3");
    assert_eq!(c3["disposition"], "rejected_no_agent");
    assert_eq!(c3["offers"][0]["result"], "no_answer");
    let own = agent.get("/api/v1/calls").await.body;
    assert_eq!(own["total"], 1, "{own}");
    let theirs = format!("/api/v1/calls?agent_id={}", t.user_id("supervisor").await);
    assert_eq!(agent.get(&theirs).await.status, 403);
    assert!(t.audit_count("call.list").await >= 2);

    // The ticket the call led to.
    let ticket = new_ticket(&agent, "来电：自来水管爆裂").await;
    let id = c1["id"].as_str().expect("id");
    let res = agent.post(&format!("/api/v1/calls/{id}/ticket"), json!({"ticket_id": ticket})).await;
    assert_eq!((res.status, &res.body["ticket_id"]), (200, &json!(ticket)), "{}", res.body);

    // The wallboard: the day's figures and who is where.
    let board = supervisor.get("/api/v1/callcenter/wallboard").await;
    assert_eq!(board.status, 200, "{}", board.body);
    let line = &board.body["queues"][0];
    assert_eq!(line["name"], "12345 市民热线", "{}", board.body);
    let today = &line["today"];
    assert_eq!(
        (&today["offered"], &today["answered"], &today["abandoned"], &today["rejected"]),
        (&json!(3), &json!(1), &json!(1), &json!(1)),
        "{today}"
    );
    assert_eq!(today["answered_within_15s"], 1);
    assert_eq!(board.body["agents"]["ready"], 1);
    assert_eq!(board.body["not_ready_reasons"]["rona"], 1);
    assert_eq!(agent.get("/api/v1/callcenter/wallboard").await.status, 403);
}

async fn lines_route_by_language_and_declined_offers_wait_out_their_delay(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let switch = Switch::new(&t).await;
    let supervisor = seated(&t, "supervisor", "8002").await;
    ready(&supervisor).await;
    t.advance(Duration::seconds(5));
    let agent = seated(&t, "agent", "8001").await;
    ready(&agent).await;

    // Only the agent speaks English, though the supervisor waited longer.
    let decision = switch.route("e1", "123459").await;
    assert_eq!(offered_to(&decision), ["sip:8001@127.0.0.1"]);
    assert_eq!(decision["routes"][0]["fr_inv_timer"], 20_000);
    // Busy: ready again, but not offered for the busy delay; nobody else speaks English.
    let decision = switch.reroute("e1", 486).await;
    assert_eq!(decision["code"], 480, "{decision}");
    assert_eq!(status(&agent).await.0, "ready");
    assert_eq!(offered_to(&switch.route("z1", "12345").await), ["sip:8002@127.0.0.1"]);
    let decision = switch.route("z2", "12345").await;
    assert_eq!(decision["code"], 480, "the agent's delay runs ten seconds: {decision}");
    t.advance(Duration::seconds(11));
    assert_eq!(offered_to(&switch.route("z3", "12345").await), ["sip:8001@127.0.0.1"]);

    // A number no queue takes, and a line outside its hours (the test clock reads 09:30).
    let unknown = switch.route("x1", "99999").await;
    assert_eq!((unknown["action"].as_str(), unknown["code"].as_u64()), (Some("reject"), Some(404)));
    let admin = t.login("admin").await;
    let queues = admin.get("/api/v1/callcenter/queues").await.body;
    let english = queues
        .as_array()
        .expect("queues")
        .iter()
        .find(|q| q["settings"]["numbers"] == json!(["123459"]))
        .expect("English line")
        .clone();
    let (id, mut hours) = (english["id"].clone(), english["settings"].clone());
    hours["open_from"] = json!("10:00");
    hours["open_to"] = json!("20:00");
    let res =
        admin.put(&format!("/api/v1/callcenter/queues/{}", id.as_str().expect("id")), hours).await;
    assert_eq!(res.status, 200, "{}", res.body);
    let closed = switch.route("e2", "123459").await;
    assert_eq!(
        (closed["code"].as_u64(), closed["reason"].as_str()),
        (Some(480), Some("line closed"))
    );

    // Ring-all for a small line: every ready agent at once, the first to answer takes it.
    let res = admin
        .post(
            "/api/v1/callcenter/queues",
            json!({"name": "12315 消费投诉", "numbers": ["12315"], "strategy": "ring_all"}),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.body);
    t.advance(Duration::seconds(1));
    // Both hang up before an answer: both agents are free again.
    assert!(switch.event("caller_abandoned", "z1", None).await);
    assert!(switch.event("caller_abandoned", "z3", None).await);
    let decision = switch.route("r1", "12315").await;
    assert_eq!(decision["routing"], "parallel");
    assert_eq!(offered_to(&decision).len(), 2, "{decision}");
    assert!(switch.event("call_answered", "r1", Some("sip:8002@127.0.0.1")).await);
    assert_eq!(status(&supervisor).await.0, "on_call");
    assert_eq!(status(&agent).await.0, "ready", "the other phone stops ringing");
    let calls = supervisor.get("/api/v1/calls").await.body;
    let r1 = call(&calls, "r1");
    assert_eq!(r1["agent_id"], t.user_id("supervisor").await);
    let results: Vec<&str> = r1["offers"]
        .as_array()
        .expect("offers")
        .iter()
        .filter_map(|o| o["result"].as_str())
        .collect();
    assert_eq!(results.len(), 2, "{r1}");
    assert!(results.contains(&"answered") && results.contains(&"abandoned"), "{r1}");
    assert_eq!(call(&calls, "e1")["offers"][0]["result"], "busy");
}

async fn bad_input_is_refused_and_changes_nothing(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let switch = Switch::new(&t).await;

    // Only the softswitch decides; only agents take calls; only supervisors watch the floor.
    let route = json!({"call_id": "c1", "dnis": "12345"});
    assert_eq!(t.login("district_a").await.post("/cti/v1/route", route.clone()).await.status, 403);
    assert_eq!(t.login("agent").await.post("/cti/v1/route", route).await.status, 403);
    assert_eq!(t.login("leader").await.get("/api/v1/callcenter/me").await.status, 403);
    let dispatcher = t.login("dispatcher").await;
    assert_eq!(dispatcher.get("/api/v1/callcenter/wallboard").await.status, 403);
    assert_eq!(dispatcher.get("/api/v1/calls").await.status, 403);

    let res = switch.post("/route", json!({"call_id": "", "dnis": "12345"})).await;
    assert_eq!((res.status, res.field_code("call_id")), (422, "required"), "{}", res.body);
    let res = switch.post("/events", json!({"event": "garbage", "call_id": "c1"})).await;
    assert_eq!((res.status, res.field_code("event")), (422, "invalid_value"), "{}", res.body);
    assert!(!switch.event("agent_alerting", "nobody-knows", None).await);
    assert!(!switch.event("call_ended", "nobody-knows", None).await);
    let unknown = switch.reroute("nobody-knows", 408).await;
    assert_eq!(unknown["code"], 481);

    // An agent's state: only what the machine allows, only the configured reasons.
    let agent = t.login("agent").await;
    let res = set(&agent, "ready", None).await;
    assert_eq!((res.status, res.code()), (409, "agent_state"), "{}", res.body);
    let res = agent.post("/api/v1/callcenter/me/login", json!({"extension": "9999"})).await;
    assert_eq!((res.status, res.field_code("extension")), (422, "invalid_value"));
    let agent = seated(&t, "agent", "8001").await;
    assert_eq!(set(&agent, "not_ready", None).await.field_code("reason"), "required");
    assert_eq!(set(&agent, "not_ready", Some("nap")).await.field_code("reason"), "invalid_value");
    assert_eq!(set(&agent, "on_call", None).await.field_code("status"), "invalid_value");
    let res = set(&agent, "not_ready", Some("meal")).await;
    assert_eq!((res.status, &res.body["reason"]), (200, &json!("meal")));
    let reasons = agent.get("/api/v1/callcenter/reasons").await.body;
    assert!(reasons.as_array().expect("reasons").iter().any(|r| r["label"] == "小休"));

    // Setup is checked field by field; a taken extension or number is refused.
    let admin = t.login("admin").await;
    let res =
        admin.post("/api/v1/callcenter/seats", json!({"extension": "abc", "name": "x"})).await;
    assert_eq!((res.status, res.field_code("extension")), (422, "invalid_format"));
    let res =
        admin.post("/api/v1/callcenter/seats", json!({"extension": "8001", "name": "x"})).await;
    assert_eq!(res.status, 409, "{}", res.body);
    let res = admin
        .post("/api/v1/callcenter/queues", json!({"name": "重复", "numbers": ["12345"]}))
        .await;
    assert_eq!((res.status, res.field_code("numbers[0]")), (409, "already_exists"), "{}", res.body);
    let res = admin
        .post(
            "/api/v1/callcenter/queues",
            json!({"name": "坏", "numbers": [], "ring_timeout_s": 1, "skills": ["Lang EN"],
                   "open_from": "8点"}),
        )
        .await;
    assert_eq!(res.status, 422, "{}", res.body);
    for field in ["numbers", "ring_timeout_s", "skills[0]", "open_from", "open_to"] {
        assert!(res.field(field).is_some(), "{field}: {}", res.body);
    }
    let user = t.user_id("dispatcher").await;
    let res = admin
        .put(&format!("/api/v1/callcenter/agents/{user}"), json!({"skills": {"lang:en": 11}}))
        .await;
    assert_eq!((res.status, res.field_code("skills.lang:en")), (422, "invalid_value"));
    assert_eq!(admin.get("/api/v1/callcenter/queues").await.body.as_array().map(Vec::len), Some(2));

    // A supervisor takes an agent off the line, audited.
    ready(&agent).await;
    let supervisor = t.login("supervisor").await;
    let id = t.user_id("agent").await;
    let res = supervisor
        .post(&format!("/api/v1/callcenter/agents/{id}/force"), json!({"status": "not_ready"}))
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(
        status(&agent).await,
        ("not_ready".to_owned(), Some("forced_by_supervisor".to_owned()))
    );
    assert_eq!(t.audit_count("callcenter.agent_force").await, 1);
    let agents = supervisor.get("/api/v1/callcenter/agents").await.body;
    assert_eq!(agents.as_array().map(Vec::len), Some(2), "{agents}");
}

fn acting(roles: Vec<Role>, user: Option<String>) -> Ctx {
    let actor =
        user.map_or(Actor::System, |u| Actor::User(UserId::from_uuid(u.parse().expect("id"))));
    Ctx {
        principal: Some(Principal {
            actor,
            name: "test".to_owned(),
            org_id: OrgId::from_uuid(uuid::Uuid::nil()),
            org_path: OrgPath::from_stored("/".to_owned()),
            roles,
        }),
        source_ip: None,
        request_id: None,
    }
}

async fn a_call_in_progress_survives_a_restart(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let switch = Switch::new(&t).await;
    let agent = seated(&t, "agent", "8001").await;
    ready(&agent).await;
    assert_eq!(offered_to(&switch.route("c1", "12345").await), ["sip:8001@127.0.0.1"]);
    assert!(switch.event("call_answered", "c1", None).await);

    // The server restarts mid-call: the floor is read back from the database.
    let app = t.restarted().await;
    let kamailio = acting(vec![Role::Softswitch], None);
    let supervisor = acting(vec![Role::Supervisor], Some(t.user_id("supervisor").await));
    let agents = app.list_agents(&supervisor).await.expect("agents");
    let on_call = agents.iter().find(|a| a.extension.as_deref() == Some("8001")).expect("seated");
    assert_eq!((on_call.status.as_str(), on_call.call_id.as_deref()), ("on_call", Some("c1")));
    t.advance(Duration::seconds(90));
    let ended = CtiEvent {
        event: "call_ended".to_owned(),
        call_id: Some("c1".to_owned()),
        agent: None,
        code: None,
        ani: None,
        dnis: None,
    };
    assert!(app.cti_event(&kamailio, &ended).await.expect("event").applied);
    let calls = app.list_calls(&supervisor, &Default::default()).await.expect("calls");
    assert_eq!(calls.total, 1);
    let record = &calls.items[0];
    assert_eq!(
        (record.disposition.map(|d| d.as_str()), record.talk_s),
        (Some("answered"), Some(90))
    );
    // A new call on the restarted floor finds nobody: the agent is wrapping up.
    let request =
        RouteRequest { call_id: "c2".to_owned(), ani: None, dnis: "12345".to_owned(), lang: None };
    assert_eq!(app.cti_route(&kamailio, &request).await.expect("route").code, Some(480));
}
