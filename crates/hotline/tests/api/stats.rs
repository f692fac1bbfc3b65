//! Statistics: unit figures from the rollups, the tickets behind each count, the export, and
//! the rollups against a recount after random sequences of actions.

use serde_json::{Value, json};

use crate::harness::{
    Api, Backend, TestApp, act, both_backends, new_ticket, ok, sheet, ticket_body, workbook,
};

both_backends!(
    units_are_scored_and_ranked_on_their_figures,
    every_count_drills_down_to_as_many_tickets,
    unit_figures_refuse_bad_periods_and_strangers,
    rollups_equal_a_recount_after_random_actions,
    a_published_month_stands_whatever_happens_after,
    an_approved_appeal_takes_the_ticket_out_of_the_units_figures,
    the_leaders_overview_counts_from_the_rollups,
    the_monthly_report_is_one_workbook_of_the_months_figures,
    group_schemes_and_the_centers_adjustments_move_scores,
    on_duty_figures_count_what_each_member_of_staff_took_in,
    repeat_callers_are_listed_by_masked_number,
    frequent_words_count_each_appeal_once_and_drill_down,
);

const NOVEMBER: &str = "from=2026-11-01&to=2026-11-30";

fn unit<'a>(report: &'a Value, code: &str) -> &'a Value {
    report["items"]
        .as_array()
        .and_then(|items| items.iter().find(|u| u["code"] == code))
        .unwrap_or_else(|| panic!("no unit {code} in {report}"))
}

/// A ticket through a unit to a callback with `satisfaction`; the unit calls the citizen
/// first only when `contact` says so.
pub(crate) async fn handled(
    t: &TestApp,
    unit_login: &str,
    unit_code: &str,
    contact: bool,
    satisfaction: &str,
) -> String {
    let agent = t.login("agent").await;
    let dispatcher = t.login("dispatcher").await;
    let supervisor = t.login("supervisor").await;
    let unit = t.login(unit_login).await;
    let id = new_ticket(&agent, "小区自来水管爆裂").await;
    ok(&dispatcher, &id, "dispatch", json!({"org_id": t.org_id(unit_code).await})).await;
    ok(&unit, &id, "accept", json!({})).await;
    if contact {
        ok(&unit, &id, "contact_citizen", json!({"content": "已电话联系市民"})).await;
    }
    ok(&unit, &id, "reply", json!({"content": "已抢修完毕"})).await;
    ok(&supervisor, &id, "approve_reply", json!({})).await;
    let v = ok(
        &agent,
        &id,
        "callback",
        json!({"reachable": true, "resolved": true, "satisfaction": satisfaction}),
    )
    .await;
    assert_eq!(v["state"], "closed");
    id
}

async fn units_are_scored_and_ranked_on_their_figures(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    handled(&t, "bureau_a", "ZJW", true, "satisfied").await;
    handled(&t, "district_a", "DONGCHENG", false, "basically_satisfied").await;
    t.app.run_job_named("stats.rollup").await.expect("rollup");

    let leader = t.login("leader").await;
    let res = leader.get(&format!("/api/v1/stats/units?{NOVEMBER}")).await;
    assert_eq!(res.status, 200, "{}", res.body);
    let bureau = unit(&res.body, "ZJW");
    assert_eq!(
        (
            bureau["dispatched"].as_i64(),
            bureau["finished"].as_i64(),
            bureau["response_rate"].as_f64(),
            bureau["satisfaction_rate"].as_f64(),
            bureau["resolution_rate"].as_f64(),
            bureau["on_time_rate"].as_f64(),
            bureau["score"].as_f64(),
            bureau["rank"].as_i64(),
        ),
        (Some(1), Some(1), Some(1.0), Some(1.0), Some(1.0), Some(1.0), Some(100.0), Some(1))
    );
    // No call before the reply: no response in time. 基本满意 counts fully by default. The
    // score weighs 响应 20, 解决 30, 满意 30, 按时 20.
    let district = unit(&res.body, "DONGCHENG");
    assert_eq!(
        (district["response_rate"].as_f64(), district["satisfaction_rate"].as_f64()),
        (Some(0.0), Some(1.0))
    );
    assert_eq!(district["score"].as_f64(), Some(80.0));
    assert_eq!(district["rank"].as_i64(), Some(1), "districts rank among districts");
    // A unit with nothing due has rates of null, no score and no rank.
    let idle = unit(&res.body, "JTW");
    assert_eq!(
        (idle["dispatched"].as_i64(), idle["response_rate"].is_null(), idle["rank"].is_null()),
        (Some(0), true, true)
    );
    // Nothing in October.
    let october = leader.get("/api/v1/stats/units?from=2026-10-01&to=2026-10-31").await;
    assert_eq!(unit(&october.body, "ZJW")["dispatched"], 0);

    // Weights for 基本满意 are the city's to set.
    let half = TestApp::spawn_with(backend, |c| c.stats.basically_satisfied_weight = 0.5).await;
    handled(&half, "district_a", "DONGCHENG", true, "basically_satisfied").await;
    half.app.run_job_named("stats.rollup").await.expect("rollup");
    let res = half.login("leader").await.get(&format!("/api/v1/stats/units?{NOVEMBER}")).await;
    assert_eq!(unit(&res.body, "DONGCHENG")["satisfaction_rate"].as_f64(), Some(0.5));

    // The same figures as a workbook, headed in the caller's language.
    let (headers, rows) =
        sheet(&leader, &format!("/api/v1/stats/units?{NOVEMBER}&format=xlsx"), "en").await;
    assert_eq!(
        headers.get("content-type").and_then(|v| v.to_str().ok()),
        Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    );
    assert_eq!(rows[0][..4], ["Group", "Rank", "Unit", "Score"]);
    let bureau_row =
        rows.iter().find(|r| r[2] == bureau["name"].as_str().unwrap_or("")).expect("row");
    assert_eq!(
        (bureau_row[1].as_str(), bureau_row[3].as_str(), bureau_row[6].as_str()),
        ("1", "100", "100")
    );
    assert_eq!(t.audit_count("stats.export").await, 1);
    // And as CSV: a byte-order mark for Excel, the same header and rows.
    let csv = leader
        .raw(
            leader
                .client
                .get(leader.url(&format!("/api/v1/stats/units?{NOVEMBER}&format=csv")))
                .header("accept-language", "zh-CN"),
        )
        .await;
    assert_eq!(csv.status, 200);
    let text = csv.body.as_str().unwrap_or_default();
    assert!(text.starts_with('\u{feff}'), "a BOM first");
    let lines: Vec<&str> = text.trim_start_matches('\u{feff}').lines().collect();
    assert!(lines[0].starts_with("类别,排名,单位,得分,派单量"), "{}", lines[0]);
    assert_eq!(lines.len(), rows.len(), "a line per row of the workbook");
    assert!(
        lines
            .iter()
            .any(|l| l.contains(&format!(",{},100,1,1,", bureau["name"].as_str().unwrap_or("")))),
        "{lines:?}"
    );
    assert_eq!(t.audit_count("stats.export").await, 2);
    t.app.verify_stats().await.map(|d| assert!(d.is_empty(), "{d:?}")).expect("verify");
}

async fn every_count_drills_down_to_as_many_tickets(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let first = handled(&t, "bureau_a", "ZJW", true, "satisfied").await;
    let second = handled(&t, "bureau_a", "ZJW", false, "unsatisfied").await;
    t.app.run_job_named("stats.rollup").await.expect("rollup");
    let leader = t.login("leader").await;
    let report = leader.get(&format!("/api/v1/stats/units?{NOVEMBER}")).await.body;
    let bureau = unit(&report, "ZJW");
    let org = bureau["org_id"].as_str().expect("id");
    let counts = bureau["counts"].as_object().expect("counts");
    assert!(counts.len() > 20, "every measure: {counts:?}");
    for (measure, count) in counts {
        if measure == "finish_minutes" || measure == "intake" || measure == "answered_directly" {
            continue; // minutes, and the center's own counts
        }
        let res = leader
            .get(&format!("/api/v1/stats/units/{org}/tickets?measure={measure}&{NOVEMBER}"))
            .await;
        assert_eq!(res.status, 200, "{measure}: {}", res.body);
        assert_eq!(&res.body["total"], count, "{measure}");
        assert_eq!(res.body["items"].as_array().map(Vec::len), count.as_u64().map(|n| n as usize));
    }
    let ids = |body: &Value| -> Vec<String> {
        body["items"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|i| i["id"].as_str())
            .map(str::to_owned)
            .collect()
    };
    let satisfied = leader
        .get(&format!("/api/v1/stats/units/{org}/tickets?measure=satisfied&{NOVEMBER}"))
        .await;
    assert_eq!(ids(&satisfied.body), vec![first.clone()]);
    let responded = leader
        .get(&format!("/api/v1/stats/units/{org}/tickets?measure=responded_on_time&{NOVEMBER}"))
        .await;
    assert_eq!(ids(&responded.body), vec![first]);
    let unsatisfied = leader
        .get(&format!("/api/v1/stats/units/{org}/tickets?measure=unsatisfied&{NOVEMBER}"))
        .await;
    assert_eq!(ids(&unsatisfied.body), vec![second]);
    // The district's manager reads its own subtree only.
    let manager = t.login("district_a_manager").await;
    let res = manager.get(&format!("/api/v1/stats/units/{org}/tickets?measure=assigned")).await;
    assert_eq!(res.status, 403, "{}", res.body);
}

async fn unit_figures_refuse_bad_periods_and_strangers(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let leader = t.login("leader").await;
    let field = |res: &crate::harness::Resp, name: &str| res.field_code(name).to_owned();
    let res = leader.get("/api/v1/stats/units?from=2026-13-01&to=2026-11-31").await;
    assert_eq!(res.status, 422, "{}", res.body);
    assert_eq!(
        (field(&res, "from"), field(&res, "to")),
        ("invalid_format".into(), "invalid_format".into())
    );
    let res = leader.get("/api/v1/stats/units?from=2026-11-10&to=2026-11-01").await;
    assert_eq!((res.status, field(&res, "to")), (422, "invalid_value".into()));
    let res = leader.get("/api/v1/stats/units?from=2024-01-01&to=2026-11-01").await;
    assert_eq!((res.status, field(&res, "to")), (422, "invalid_value".into()));
    let res = leader.get("/api/v1/stats/units?color=red").await;
    assert!(matches!(res.status, 400 | 422), "{}", res.body);
    let org = t.org_id("ZJW").await;
    let res = leader.get(&format!("/api/v1/stats/units/{org}/tickets?measure=happiness")).await;
    assert_eq!((res.status, field(&res, "measure")), (422, "invalid_value".into()));
    let res = leader
        .get("/api/v1/stats/units/0190a8a0-0000-7000-8000-000000000000/tickets?measure=finished")
        .await;
    assert_eq!(res.status, 404, "{}", res.body);

    // Agents have no figures; a district's manager sees its own subtree only.
    assert_eq!(t.login("agent").await.get("/api/v1/stats/units").await.status, 403);
    let manager = t.login("district_a_manager").await;
    let res = manager.get("/api/v1/stats/units").await;
    assert_eq!(res.status, 200, "{}", res.body);
    let codes: Vec<&str> = res.body["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|u| u["code"].as_str())
        .collect();
    assert!(
        codes.contains(&"DONGCHENG") && codes.iter().all(|c| c.starts_with("DONGCHENG")),
        "{codes:?}"
    );
}

/// A small deterministic generator (xorshift), so a failing sequence is named by its seed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        usize::try_from(self.0 % n as u64).unwrap_or(0)
    }
}

/// Random actions by the roles that may take them, on a handful of tickets, with the rollup
/// job run at random points (so a ticket's events land in different batches) and the clock
/// moved past deadlines now and then: the daily sums must equal a recount from the tickets.
async fn rollups_equal_a_recount_after_random_actions(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let logins = ["agent", "dispatcher", "supervisor", "bureau_a", "district_a", "street_a1"];
    let mut apis: Vec<Api> = Vec::new();
    for login in logins {
        apis.push(t.login(login).await);
    }
    let units =
        [t.org_id("ZJW").await, t.org_id("DONGCHENG").await, t.org_id("DONGCHENG-DHM").await];
    let mut manager = t.login("district_a_manager").await;
    let district_units = [&units[1], &units[2]];
    let mut tickets: Vec<String> = Vec::new();
    let mut taken: std::collections::BTreeMap<String, u32> = std::collections::BTreeMap::new();
    for seed in 1..=4_u64 {
        let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        for _ in 0..3 {
            tickets.push(new_ticket(&apis[0], "随机动作").await);
        }
        // Appeals draw from a generator of their own: the ticket moves stay those of the seed.
        let mut side = Rng(seed.wrapping_mul(0x2545_F491_4F6C_DD1D));
        for _ in 0..80 {
            // Now and then the district appeals against a ticket counting for it or its street
            // (refused unless it was dispatched there), and the center decides a pending one.
            if side.below(6) == 0 {
                let id = &tickets[side.below(tickets.len())];
                let org = district_units[side.below(2)];
                let res = manager
                    .post(
                        &format!("/api/v1/tickets/{id}/assessment-appeals"),
                        json!({"org_id": org, "reason": "beyond_duty", "evidence": "非本单位职责"}),
                    )
                    .await;
                assert!(matches!(res.status, 201 | 404 | 409), "appeal: {}", res.body);
                if res.status == 201 {
                    *taken.entry("appeal".to_owned()).or_default() += 1;
                }
                let pending = apis[2].get("/api/v1/stats/appeals?state=pending").await.body;
                if let Some(appeal) = pending["items"].as_array().and_then(|a| a.first()) {
                    let verdict = ["approve", "approve", "reject"][side.below(3)];
                    let res = apis[2]
                        .post(
                            &format!(
                                "/api/v1/stats/appeals/{}/{verdict}",
                                appeal["id"].as_str().unwrap_or("")
                            ),
                            json!({"note": "经核实"}),
                        )
                        .await;
                    assert_eq!(res.status, 200, "{verdict}: {}", res.body);
                    *taken.entry(format!("appeal_{verdict}")).or_default() += 1;
                }
            }
            let id = tickets[rng.below(tickets.len())].clone();
            let other = tickets[rng.below(tickets.len())].clone();
            // A move some role may take now, picked at random.
            let mut moves: Vec<(usize, String)> = Vec::new();
            for (i, api) in apis.iter().enumerate() {
                let view = api.get(&format!("/api/v1/tickets/{id}")).await.body;
                for action in view["allowed_actions"].as_array().into_iter().flatten() {
                    moves.extend(action.as_str().map(|a| (i, a.to_owned())));
                }
            }
            // Each action once (by the first role allowed), and the ones that end a ticket at
            // intake seldom, so tickets live long enough to go through units.
            let mut seen = std::collections::BTreeSet::new();
            moves.retain(|(_, a)| seen.insert(a.clone()));
            let seldom = [
                "answer",
                "liaise",
                "dismiss",
                "merge",
                "archive",
                "excerpt",
                "urge",
                "supervise",
                "emergency",
            ];
            if rng.below(6) != 0 {
                moves.retain(|(_, a)| !seldom.contains(&a.as_str()));
            }
            if moves.is_empty() {
                tickets.push(new_ticket(&apis[0], "随机动作").await);
                continue;
            }
            // Extensions are one move among many from 办理中: give them a fair chance.
            let pick = match moves.iter().position(|(_, a)| a.ends_with("extension")) {
                Some(i) if rng.below(3) == 0 => i,
                _ => rng.below(moves.len()),
            };
            let (who, action) = moves.swap_remove(pick);
            let satisfaction = ["satisfied", "basically_satisfied", "unsatisfied"][rng.below(3)];
            let body = match action.as_str() {
                "dispatch" | "assign" | "transfer" | "emergency" => {
                    json!({"org_id": units[rng.below(3)]})
                }
                "merge" => json!({"master_id": other}),
                "callback" => json!({
                    "reachable": rng.below(4) != 0,
                    "resolved": rng.below(2) == 0,
                    "satisfaction": satisfaction,
                }),
                "request_extension" => json!({"days": 3, "reason": "需协调施工"}),
                "answer" | "liaise" | "contact_citizen" | "reply" => json!({"content": "已处理"}),
                _ => json!({"reason": "理由", "opinion": "意见"}),
            };
            let res = act(&apis[who], &id, &action, body).await;
            assert!(res.status < 500, "{action}: {}", res.body);
            if res.status == 200 {
                *taken.entry(action).or_default() += 1;
            }
            match rng.below(10) {
                0 => {
                    t.app.run_job_named("stats.rollup").await.expect("rollup");
                }
                1 => {
                    // Past deadlines; sessions expire on the way, so everyone signs in again.
                    t.advance(chrono::Duration::hours(30));
                    t.app.run_job_named("tickets.timers").await.expect("timers");
                    for (api, login) in apis.iter_mut().zip(logins) {
                        *api = t.login(login).await;
                    }
                    manager = t.login("district_a_manager").await;
                }
                _ => {}
            }
        }
        t.app.run_job_named("stats.rollup").await.expect("rollup");
        let differences = t.app.verify_stats().await.expect("verify");
        assert!(differences.is_empty(), "seed {seed}: {differences:#?}\n{taken:?}");
    }
    let moves = [
        "dispatch",
        "accept",
        "return",
        "approve_return",
        "overrule_return",
        "request_extension",
        "approve_extension",
        "reply",
        "send_back",
        "approve_reply",
        "callback",
        "reopen",
        "merge",
        "appeal",
        "appeal_approve",
        "appeal_reject",
    ];
    for action in moves {
        assert!(taken.get(action).is_some_and(|n| *n > 0), "{action} never taken: {taken:?}");
    }
    // A rebuild from nothing gives the same sums the job kept.
    let kept = t.app.recount_stats().await.expect("recount");
    t.app.rebuild_stats(|_, _| {}).await.expect("rebuild");
    assert!(t.app.verify_stats().await.expect("verify").is_empty());
    assert!(!kept.sums.is_empty() && !kept.now.is_empty() && !kept.duty.is_empty());
}

async fn a_published_month_stands_whatever_happens_after(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let closed = handled(&t, "bureau_a", "ZJW", true, "satisfied").await;
    handled(&t, "district_a", "DONGCHENG", false, "basically_satisfied").await;
    handled(&t, "district_b", "XICHENG", true, "unsatisfied").await;
    t.app.run_job_named("stats.rollup").await.expect("rollup");

    // November is not over yet.
    let supervisor = t.login("supervisor").await;
    let res = supervisor.post("/api/v1/stats/bulletins", json!({"month": "2026-11"})).await;
    assert_eq!((res.status, res.field_code("month")), (422, "invalid_value"), "{}", res.body);
    let res = supervisor.post("/api/v1/stats/bulletins", json!({"month": "November"})).await;
    assert_eq!((res.status, res.field_code("month")), (422, "invalid_format"));

    t.advance(chrono::Duration::days(10));
    let supervisor = t.login("supervisor").await;
    let leader = t.login("leader").await;
    assert_eq!(
        leader.post("/api/v1/stats/bulletins", json!({"month": "2026-11"})).await.status,
        403
    );
    let res = supervisor.post("/api/v1/stats/bulletins", json!({"month": "2026-11"})).await;
    assert_eq!(res.status, 201, "{}", res.body);
    let published = res.body.clone();
    assert_eq!(published["month"], "2026-11");
    // Two districts with scores: the better on the red list, the worse on the black.
    let names = |list: &str| -> Vec<String> {
        published[list]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|u| u["kind"] == "district")
            .filter_map(|u| u["name"].as_str().map(str::to_owned))
            .collect()
    };
    assert_eq!(
        (names("red"), names("black")),
        (vec!["东城区".to_owned()], vec!["西城区".to_owned()])
    );
    let res = supervisor.post("/api/v1/stats/bulletins", json!({"month": "2026-11"})).await;
    assert_eq!((res.status, res.code()), (409, "already_published"));
    assert_eq!(t.audit_count("stats.publish").await, 1);

    // A November ticket reopened and called back unhappy changes November's running figures…
    ok(&supervisor, &closed, "reopen", json!({"reason": "市民反映仍未修好"})).await;
    let bureau = t.login("bureau_a").await;
    ok(&bureau, &closed, "reply", json!({"content": "再次维修"})).await;
    ok(&supervisor, &closed, "approve_reply", json!({})).await;
    ok(
        &supervisor,
        &closed,
        "callback",
        json!({"reachable": true, "resolved": false, "satisfaction": "unsatisfied"}),
    )
    .await;
    t.app.run_job_named("stats.rollup").await.expect("rollup");
    let now = leader.get(&format!("/api/v1/stats/units?{NOVEMBER}")).await.body;
    assert_eq!(unit(&now, "ZJW")["satisfaction_rate"].as_f64(), Some(0.0));
    // …never the published month, which every reader of figures sees as it was.
    let manager = t.login("district_a_manager").await;
    let res = manager.get("/api/v1/stats/bulletins/2026-11").await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(unit(&res.body["report"], "ZJW")["satisfaction_rate"].as_f64(), Some(1.0));
    assert_eq!(res.body["report"], published["report"]);
    let list = manager.get("/api/v1/stats/bulletins").await.body;
    assert_eq!(list.as_array().map(Vec::len), Some(1));
    assert_eq!(list[0]["month"], "2026-11");
    assert_eq!(manager.get("/api/v1/stats/bulletins/2026-10").await.status, 404);
    let (_, rows) = sheet(&manager, "/api/v1/stats/bulletins/2026-11?format=xlsx", "zh-CN").await;
    assert_eq!(rows[0][..3], ["类别", "排名", "单位"]);
}

async fn an_approved_appeal_takes_the_ticket_out_of_the_units_figures(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let id = handled(&t, "district_a", "DONGCHENG", true, "unsatisfied").await;
    let bureau_ticket = handled(&t, "bureau_a", "ZJW", true, "satisfied").await;
    t.app.run_job_named("stats.rollup").await.expect("rollup");
    let leader = t.login("leader").await;
    let figures = |report: &Value| {
        let d = unit(report, "DONGCHENG");
        (d["dispatched"].as_i64(), d["counts"]["unsatisfied"].as_i64())
    };
    let before = leader.get(&format!("/api/v1/stats/units?{NOVEMBER}")).await.body;
    assert_eq!(figures(&before), (Some(1), Some(1)));

    let manager = t.login("district_a_manager").await;
    let path = format!("/api/v1/tickets/{id}/assessment-appeals");
    // Evidence is required; a handler may not appeal; a ticket never dispatched to the
    // district is not there for it.
    let res = manager.post(&path, json!({"reason": "beyond_duty", "evidence": "  "})).await;
    assert_eq!((res.status, res.field_code("evidence")), (422, "required"), "{}", res.body);
    let res = manager
        .post(&path, json!({"reason": "beyond_duty", "evidence": "x", "attachment_ids": [id]}))
        .await;
    assert_eq!((res.status, res.field_code("attachment_ids")), (422, "invalid_value"));
    let res = t
        .login("district_a")
        .await
        .post(&path, json!({"reason": "beyond_duty", "evidence": "非本单位职责"}))
        .await;
    assert_eq!(res.status, 403, "{}", res.body);
    let res = manager
        .post(
            &format!("/api/v1/tickets/{bureau_ticket}/assessment-appeals"),
            json!({"reason": "beyond_duty", "evidence": "非本单位职责"}),
        )
        .await;
    assert_eq!(res.status, 404, "{}", res.body);
    assert_eq!(t.audit_count("stats.appeal").await, 0, "refusals change nothing");

    let evidence = "该路段供水管网属自来水集团维护，不属街道职责";
    let res = manager.post(&path, json!({"reason": "beyond_duty", "evidence": evidence})).await;
    assert_eq!(res.status, 201, "{}", res.body);
    let appeal = res.body["id"].as_str().expect("id").to_owned();
    assert_eq!(
        (res.body["state"].as_str(), res.body["org"]["code"].as_str()),
        (Some("pending"), Some("DONGCHENG"))
    );
    let again = manager.post(&path, json!({"reason": "other", "evidence": "再次申诉"})).await;
    assert_eq!((again.status, again.code()), (409, "appeal_exists"));

    // Pending, it still counts. The center must give a reason to reject.
    t.app.run_job_named("stats.rollup").await.expect("rollup");
    let res = leader.get(&format!("/api/v1/stats/units?{NOVEMBER}")).await;
    assert_eq!(figures(&res.body), (Some(1), Some(1)));
    let supervisor = t.login("supervisor").await;
    let decide = format!("/api/v1/stats/appeals/{appeal}");
    let res = supervisor.post(&format!("{decide}/reject"), json!({})).await;
    assert_eq!((res.status, res.field_code("note")), (422, "required"), "{}", res.body);
    assert_eq!(manager.post(&format!("{decide}/approve"), json!({})).await.status, 403);
    let res = supervisor.post(&format!("{decide}/approve"), json!({"note": "经核实属实"})).await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.body["state"], "approved");
    let res = supervisor.post(&format!("{decide}/reject"), json!({"note": "改判"})).await;
    assert_eq!((res.status, res.code()), (409, "appeal_decided"));

    // Approved: out of the district's figures (and its drill-down), the reason kept.
    t.app.run_job_named("stats.rollup").await.expect("rollup");
    let after = leader.get(&format!("/api/v1/stats/units?{NOVEMBER}")).await.body;
    assert_eq!(figures(&after), (Some(0), Some(0)));
    assert_eq!(unit(&after, "ZJW")["dispatched"], 1, "other units keep theirs");
    let org = t.org_id("DONGCHENG").await;
    let behind =
        leader.get(&format!("/api/v1/stats/units/{org}/tickets?measure=assigned&{NOVEMBER}")).await;
    assert_eq!(behind.body["total"], 0, "{}", behind.body);
    let listed = manager.get("/api/v1/stats/appeals?state=approved").await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    let item = &listed.body["items"][0];
    assert_eq!(
        (item["evidence"].as_str(), item["decision_note"].as_str(), item["reason"].as_str()),
        (Some(evidence), Some("经核实属实"), Some("beyond_duty"))
    );
    // Another district's reader sees none of it.
    let bureau = t.login("district_b").await.get("/api/v1/stats/appeals").await;
    assert_eq!(bureau.status, 403);
    assert_eq!(t.audit_count("stats.appeal").await, 1);
    assert_eq!(t.audit_count("stats.appeal_decide").await, 1);
    assert!(t.app.verify_stats().await.expect("verify").is_empty());
}

async fn the_leaders_overview_counts_from_the_rollups(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    handled(&t, "district_a", "DONGCHENG", true, "satisfied").await;
    let agent = t.login("agent").await;
    let dispatcher = t.login("dispatcher").await;
    let late = new_ticket(&agent, "路灯不亮").await;
    ok(&dispatcher, &late, "dispatch", json!({"org_id": t.org_id("DONGCHENG-DHM").await})).await;
    new_ticket(&agent, "噪音扰民").await; // waits at the center: counted, open, with nobody
    t.app.run_job_named("stats.rollup").await.expect("rollup");

    let leader = t.login("leader").await;
    let res = leader.get("/api/v1/stats/overview?days=7").await;
    assert_eq!(res.status, 200, "{}", res.body);
    let o = &res.body;
    assert_eq!(
        (o["total"].as_i64(), o["open"].as_i64(), o["overdue"].as_i64()),
        (Some(3), Some(2), Some(0))
    );
    assert_eq!(
        (o["by_state"]["closed"].as_i64(), o["satisfaction"]["satisfied"].as_i64()),
        (Some(1), Some(1))
    );
    let trend = o["trend"].as_array().expect("trend");
    assert_eq!(trend.len(), 7, "a day for each of 7 days");
    assert_eq!(trend.iter().map(|d| d["intake"].as_i64().unwrap_or(0)).sum::<i64>(), 3);
    let mix: i64 = o["categories"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| c["count"].as_i64().unwrap_or(0))
        .sum();
    assert_eq!(mix, 3, "every appeal is in the mix once");
    let region = |o: &Value, code: &str| {
        o["regions"]
            .as_array()
            .and_then(|r| r.iter().find(|r| r["org"]["code"] == code))
            .cloned()
            .unwrap_or_default()
    };
    let dongcheng = region(o, "DONGCHENG");
    assert_eq!(
        (dongcheng["dispatched"].as_i64(), dongcheng["open"].as_i64()),
        (Some(2), Some(1)),
        "{dongcheng}"
    );
    assert!(o["ranking"].as_array().is_some_and(|r| !r.is_empty()));

    // Past the finishing deadline: the street's ticket is overdue, and so is its district.
    t.advance(chrono::Duration::days(30));
    t.app.run_job_named("tickets.timers").await.expect("timers");
    t.app.run_job_named("stats.rollup").await.expect("rollup");
    let leader = t.login("leader").await;
    let o = leader.get("/api/v1/stats/overview").await.body;
    assert_eq!(o["overdue"].as_i64(), Some(1), "{o}");
    assert_eq!(o["overdue_by_unit"][0]["org"]["code"], "DONGCHENG-DHM");
    assert_eq!(region(&o, "DONGCHENG")["overdue"].as_i64(), Some(1));
    assert!(t.app.verify_stats().await.expect("verify").is_empty());

    // Bad input is named; units have no overview.
    let res = leader.get("/api/v1/stats/overview?days=0").await;
    assert_eq!((res.status, res.field_code("days")), (422, "invalid_value"));
    assert_eq!(t.login("district_a").await.get("/api/v1/stats/overview").await.status, 403);
}

async fn the_monthly_report_is_one_workbook_of_the_months_figures(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    handled(&t, "bureau_a", "ZJW", true, "satisfied").await;
    handled(&t, "district_a", "DONGCHENG", false, "unsatisfied").await;
    t.app.run_job_named("stats.rollup").await.expect("rollup");
    let leader = t.login("leader").await;
    let res = leader.get("/api/v1/stats/monthly/2026-11").await;
    assert_eq!(res.status, 200, "{}", res.body);
    let r = &res.body;
    assert_eq!(
        (r["intake"].as_i64(), r["dispatched"].as_i64(), r["finished"].as_i64()),
        (Some(2), Some(2), Some(2))
    );
    assert_eq!(r["indicators"]["satisfaction_rate"].as_f64(), Some(0.5));
    // November so far: the test clock stands on the 24th.
    assert_eq!(r["days"].as_array().map(Vec::len), Some(24));
    assert_eq!(r["channels"][0]["count"], 2);
    assert_eq!(unit(&r["units"], "ZJW")["rank"], 1);

    let (_, sheets) = workbook(&leader, "/api/v1/stats/monthly/2026-11?format=xlsx", "zh-CN").await;
    let names: Vec<&str> = sheets.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["概况", "每日受理", "渠道", "分类", "单位考核", "预警热点"]);
    let summary = &sheets[0].1;
    assert_eq!(summary[2], ["受理量", "2"]);
    assert_eq!(summary[8], ["满意率(%)", "50"]);
    assert_eq!(sheets[1].1.len(), 25, "a header and a row per day");
    assert!(sheets[4].1.iter().any(|row| row.get(2).is_some_and(|n| n.contains("住"))));
    assert_eq!(t.audit_count("stats.export").await, 1);

    // Bad months are named; units have no city report.
    let res = leader.get("/api/v1/stats/monthly/2026-13").await;
    assert_eq!((res.status, res.field_code("month")), (422, "invalid_format"));
    let res = leader.get("/api/v1/stats/monthly/2027-01").await;
    assert_eq!((res.status, res.field_code("month")), (422, "invalid_value"));
    let res = leader.get("/api/v1/stats/monthly/2026-11?format=csv").await;
    assert_eq!((res.status, res.field_code("format")), (422, "invalid_value"));
    let manager = t.login("district_a_manager").await;
    assert_eq!(manager.get("/api/v1/stats/monthly/2026-11").await.status, 403);
}

async fn group_schemes_and_the_centers_adjustments_move_scores(backend: Backend) {
    use hotline_domain::org::OrgKind;
    use hotline_domain::stats::Scheme;
    // Districts are scored on satisfaction alone here; bureaus by the default scheme.
    let t = TestApp::spawn_with(backend, |c| {
        let only_satisfaction = Scheme {
            response: 0.0,
            resolution: 0.0,
            satisfaction: 100.0,
            on_time: 0.0,
            ..Scheme::default()
        };
        c.stats.groups.insert(OrgKind::District, only_satisfaction);
    })
    .await;
    handled(&t, "district_a", "DONGCHENG", false, "satisfied").await;
    handled(&t, "bureau_a", "ZJW", false, "satisfied").await;
    t.app.run_job_named("stats.rollup").await.expect("rollup");
    let leader = t.login("leader").await;
    let score = |report: &Value, code: &str| unit(report, code)["score"].as_f64();
    let report = leader.get(&format!("/api/v1/stats/units?{NOVEMBER}")).await.body;
    // No call before the reply: the response rate is 0, which only the bureau's scheme weighs.
    assert_eq!((score(&report, "DONGCHENG"), score(&report, "ZJW")), (Some(100.0), Some(80.0)));

    let supervisor = t.login("supervisor").await;
    let bureau = t.org_id("ZJW").await;
    let add = |body: Value| {
        let supervisor = &supervisor;
        async move { supervisor.post("/api/v1/stats/adjustments", body).await }
    };
    for (body, field) in [
        (json!({"org_id": bureau, "day": "2026-11-20", "points": 0, "reason": "x"}), "points"),
        (json!({"org_id": bureau, "day": "2026-11-20", "points": 150, "reason": "x"}), "points"),
        (json!({"org_id": bureau, "day": "20 Nov", "points": -1, "reason": "x"}), "day"),
        (json!({"org_id": bureau, "day": "2026-11-20", "points": -1, "reason": " "}), "reason"),
        (
            json!({"org_id": t.org_id("CENTER").await, "day": "2026-11-20", "points": 1, "reason": "x"}),
            "org_id",
        ),
    ] {
        let res = add(body).await;
        assert_eq!(
            (res.status, res.field_code(field)),
            (
                422,
                if field == "reason" {
                    "required"
                } else if field == "day" {
                    "invalid_format"
                } else {
                    "invalid_value"
                }
            ),
            "{}",
            res.body
        );
    }
    let manager = t.login("district_a_manager").await;
    let refused = manager
        .post(
            "/api/v1/stats/adjustments",
            json!({"org_id": bureau, "day": "2026-11-20", "points": 5, "reason": "表扬"}),
        )
        .await;
    assert_eq!(refused.status, 403);
    assert_eq!(t.audit_count("stats.adjust").await, 0, "refusals change nothing");

    let res = add(json!({"org_id": bureau, "day": "2026-11-20", "points": -5.5, "reason": "未按要求报送办理情况"})).await;
    assert_eq!(res.status, 201, "{}", res.body);
    let id = res.body["id"].as_str().expect("id").to_owned();
    let report = leader.get(&format!("/api/v1/stats/units?{NOVEMBER}")).await.body;
    assert_eq!(score(&report, "ZJW"), Some(74.5));
    assert_eq!(unit(&report, "ZJW")["adjustment"].as_f64(), Some(-5.5));
    // A period without the day does not carry it.
    let later = leader.get("/api/v1/stats/units?from=2026-11-21&to=2026-11-30").await.body;
    assert_eq!(score(&later, "ZJW"), Some(80.0));
    // The center lists it; the district's manager sees none outside its subtree.
    let listed = leader.get(&format!("/api/v1/stats/adjustments?{NOVEMBER}")).await.body;
    assert_eq!(listed[0]["reason"], "未按要求报送办理情况");
    let theirs = manager.get(&format!("/api/v1/stats/adjustments?{NOVEMBER}")).await.body;
    assert_eq!(theirs.as_array().map(Vec::len), Some(0));

    let res = supervisor.delete(&format!("/api/v1/stats/adjustments/{id}")).await;
    assert_eq!(res.status, 204, "{}", res.body);
    assert_eq!(supervisor.delete(&format!("/api/v1/stats/adjustments/{id}")).await.status, 404);
    let report = leader.get(&format!("/api/v1/stats/units?{NOVEMBER}")).await.body;
    assert_eq!(score(&report, "ZJW"), Some(80.0));
    assert_eq!(t.audit_count("stats.adjust").await, 2);
}

async fn on_duty_figures_count_what_each_member_of_staff_took_in(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let (agent, dispatcher) = (t.login("agent").await, t.login("dispatcher").await);
    let mut answered = ticket_body(&agent, "咨询停水时间").await;
    answered["handling"] = json!({"action": "answer", "content": "预计今晚恢复供水。"});
    assert_eq!(agent.post("/api/v1/tickets", answered).await.status, 201);
    let sent = new_ticket(&agent, "小区自来水管爆裂").await;
    new_ticket(&dispatcher, "路灯不亮").await;
    ok(&dispatcher, &sent, "dispatch", json!({"org_id": t.org_id("DONGCHENG").await})).await;
    let unit = t.login("district_a").await;
    ok(&unit, &sent, "return", json!({"reason": "非本单位职责，应由自来水集团处理"})).await;
    t.app.run_job_named("stats.rollup").await.expect("rollup");

    let supervisor = t.login("supervisor").await;
    let res = supervisor.get("/api/v1/stats/duty?from=2026-11-24&to=2026-11-24").await;
    assert_eq!(res.status, 200, "{}", res.body);
    let report = &res.body;
    let staff = |name: &str| {
        report["items"]
            .as_array()
            .and_then(|items| items.iter().find(|a| a["name"] == name))
            .unwrap_or_else(|| panic!("no {name} in {report}"))
            .clone()
    };
    let wang = staff("话务员王芳");
    let counts = |a: &Value| {
        ["contacts", "registered", "answered", "dispatched", "returned"].map(|k| a[k].as_i64())
    };
    assert_eq!(counts(&wang), [Some(2), Some(2), Some(1), Some(1), Some(1)], "{wang}");
    assert_eq!(
        (
            wang["answered_rate"].as_f64(),
            wang["return_rate"].as_f64(),
            wang["active_hours"].as_i64()
        ),
        (Some(0.5), Some(0.5), Some(1))
    );
    assert_eq!(counts(&staff("派单员李强")), [Some(1), Some(1), Some(0), Some(0), Some(0)]);
    assert_eq!(report["total"]["registered"], 3);
    // 01:30 UTC is 09:30 in the calendar's zone: the day shift, hour 9.
    let hour = |h: usize| report["hours"][h]["registered"].as_i64();
    assert_eq!(
        (hour(9), hour(1), report["hours"].as_array().map(Vec::len)),
        (Some(3), Some(0), Some(24))
    );
    let shift = |name: &str| {
        report["shifts"]
            .as_array()
            .and_then(|s| s.iter().find(|s| s["name"] == name))
            .map(|s| (s["registered"].as_i64(), s["agents"].as_u64()))
    };
    assert_eq!(shift("早班"), Some((Some(3), Some(2))));
    assert_eq!(shift("夜班"), Some((Some(0), Some(0))));

    let night = supervisor.get("/api/v1/stats/duty?from=2026-11-24&to=2026-11-24&shift=夜班").await;
    assert_eq!(
        (night.body["total"]["registered"].as_i64(), night.body["items"].as_array().map(Vec::len)),
        (Some(0), Some(0))
    );
    let bad = supervisor.get("/api/v1/stats/duty?shift=午班").await;
    assert_eq!((bad.status, bad.field_code("shift")), (422, "invalid_value"), "{}", bad.body);
    assert_eq!(t.login("district_a_manager").await.get("/api/v1/stats/duty").await.status, 403);
    assert_eq!(agent.get("/api/v1/stats/duty").await.status, 403);

    let (_, rows) =
        sheet(&supervisor, "/api/v1/stats/duty?from=2026-11-24&to=2026-11-24&format=xlsx", "zh-CN")
            .await;
    assert_eq!(rows[0][..3], ["人员", "接待量", "登记量"]);
    assert!(rows.iter().any(|r| r[0] == "话务员王芳" && r[2] == "2"), "{rows:?}");
    assert_eq!(t.audit_count("stats.export").await, 1);
    assert!(t.app.verify_stats().await.expect("verify").is_empty());
}

async fn repeat_callers_are_listed_by_masked_number(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let agent = t.login("agent").await;
    let mut repeated = Vec::new();
    for title in ["楼下自来水管爆裂", "自来水管还在漏", "自来水管第三次反映"]
    {
        repeated.push(new_ticket(&agent, title).await);
    }
    // A fourth from the same number, finished: counted, but not open.
    repeated.push(handled(&t, "bureau_a", "ZJW", true, "satisfied").await);
    let mut other = ticket_body(&agent, "路灯不亮").await;
    other["caller_phone"] = json!("139 0000 1111");
    assert_eq!(agent.post("/api/v1/tickets", other).await.status, 201);

    let leader = t.login("leader").await;
    let listed_before = t.audit_count("ticket.list").await;
    let res = leader.get(&format!("/api/v1/stats/callers?{NOVEMBER}")).await;
    assert_eq!(res.status, 200, "{}", res.body);
    let callers = &res.body["callers"];
    assert_eq!(callers["total"], 1, "{}", res.body);
    let caller = &callers["items"][0];
    assert_eq!(
        (caller["caller"].as_str(), caller["appeals"].as_i64(), caller["open"].as_i64()),
        (Some("138****8000"), Some(4), Some(3))
    );
    let listed: Vec<&str> = caller["tickets"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t["id"].as_str())
        .collect();
    assert_eq!(
        listed,
        repeated.iter().rev().map(String::as_str).collect::<Vec<_>>(),
        "newest first"
    );
    assert!(!res.body.to_string().contains("13800138000"), "never the number");
    assert_eq!(t.audit_count("ticket.list").await, listed_before + 1, "the read is audited");

    let more = leader.get(&format!("/api/v1/stats/callers?{NOVEMBER}&min=5")).await;
    assert_eq!(more.body["callers"]["total"], 0);
    let october = leader.get("/api/v1/stats/callers?from=2026-10-01&to=2026-10-31").await;
    assert_eq!(october.body["callers"]["total"], 0);
    let res = leader.get("/api/v1/stats/callers?min=1").await;
    assert_eq!((res.status, res.field_code("min")), (422, "invalid_value"));
    // The city's callers are the center's to see.
    assert_eq!(t.login("district_a_manager").await.get("/api/v1/stats/callers").await.status, 403);
    assert_eq!(agent.get("/api/v1/stats/callers").await.status, 403);
}

async fn frequent_words_count_each_appeal_once_and_drill_down(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let agent = t.login("agent").await;
    for title in ["小区电梯故障电梯停运", "电梯噪音扰民", "小区电梯故障", "路灯不亮"]
    {
        new_ticket(&agent, title).await;
    }
    t.app.run_job_named("stats.rollup").await.expect("rollup");
    let leader = t.login("leader").await;
    let res = leader.get(&format!("/api/v1/stats/words?{NOVEMBER}")).await;
    assert_eq!(res.status, 200, "{}", res.body);
    let count = |word: &str| {
        res.body["items"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|w| w["word"] == word)
            .and_then(|w| w["appeals"].as_i64())
    };
    // Twice in one title is one appeal; 咨询-like words and single characters are not words.
    assert_eq!(count("电梯"), Some(3), "{}", res.body);
    assert_eq!(count("小区"), Some(2), "{}", res.body);
    assert_eq!(res.body["items"][0]["word"], "电梯", "most used first");
    assert_eq!(res.body["items"][0]["previous"], 0);
    assert!(res.body["items"][0]["change"].is_null());
    let behind = leader.get(&format!("/api/v1/stats/words/tickets?word=电梯&{NOVEMBER}")).await;
    assert_eq!(behind.status, 200, "{}", behind.body);
    assert_eq!(behind.body["total"], 3);
    assert_eq!(behind.body["items"].as_array().map(Vec::len), Some(3));
    let october = leader.get("/api/v1/stats/words?from=2026-10-01&to=2026-10-31").await;
    assert_eq!(october.body["items"], json!([]));
    t.app.verify_stats().await.map(|d| assert!(d.is_empty(), "{d:?}")).expect("verify");

    let res = leader.get("/api/v1/stats/words?limit=0").await;
    assert_eq!((res.status, res.field_code("limit")), (422, "invalid_value"));
    let res = leader.get("/api/v1/stats/words/tickets?word=%20").await;
    assert_eq!((res.status, res.field_code("word")), (422, "required"));
    assert_eq!(t.login("district_a_manager").await.get("/api/v1/stats/words").await.status, 403);
}
