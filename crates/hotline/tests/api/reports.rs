//! The report builder: cuts of the rollups that agree with the unit figures, every count
//! drilling down to as many tickets, the period before beside each row, spreadsheets, bad
//! definitions refused field by field, units kept to their own, and saved reports per user.

use serde_json::{Value, json};

use crate::harness::{Api, Backend, TestApp, both_backends, category, sheet_of};
use crate::stats::handled;

both_backends!(
    reports_agree_with_unit_figures_and_every_count_drills_down,
    reports_set_each_row_beside_the_period_before,
    reports_refuse_bad_definitions_and_keep_units_to_their_own,
    saved_reports_belong_to_their_owner,
);

const NOVEMBER: (&str, &str) = ("2026-11-01", "2026-11-30");

fn definition(dimensions: &[&str], figures: &[&str]) -> Value {
    json!({
        "range": "custom", "from": NOVEMBER.0, "to": NOVEMBER.1,
        "dimensions": dimensions, "figures": figures,
    })
}

async fn run(api: &Api, definition: &Value) -> Value {
    let res = api.post("/api/v1/reports/run", definition.clone()).await;
    assert_eq!(res.status, 200, "{definition}: {}", res.body);
    res.body
}

/// The row whose first key is labelled `label`.
fn row<'a>(table: &'a Value, label: &str) -> &'a Value {
    table["rows"]
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r["keys"][0]["label"] == label))
        .unwrap_or_else(|| panic!("no row {label} in {table}"))
}

fn org_name(units: &Value, code: &str) -> String {
    units["items"]
        .as_array()
        .and_then(|items| items.iter().find(|u| u["code"] == code))
        .and_then(|u| u["name"].as_str())
        .unwrap_or_else(|| panic!("no unit {code}"))
        .to_owned()
}

async fn reports_agree_with_unit_figures_and_every_count_drills_down(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    handled(&t, "bureau_a", "ZJW", true, "satisfied").await;
    handled(&t, "district_a", "DONGCHENG", false, "basically_satisfied").await;
    handled(&t, "district_a", "DONGCHENG", true, "unsatisfied").await;
    t.app.run_job_named("stats.rollup").await.expect("rollup");
    let leader = t.login("leader").await;
    let units = leader.get("/api/v1/stats/units?from=2026-11-01&to=2026-11-30").await.body;

    let figures =
        ["assigned", "finished", "satisfied", "response_rate", "satisfaction_rate", "intake"];
    let table = run(&leader, &definition(&["first_level_unit"], &figures)).await;
    assert_eq!(table["from"], NOVEMBER.0);
    assert_eq!(table["figures"], json!(figures));
    // Each first-level unit's counts with its streets' are the unit figures with sub-units.
    for code in ["ZJW", "DONGCHENG"] {
        let name = org_name(&units, code);
        let unit = units["items"]
            .as_array()
            .expect("present")
            .iter()
            .find(|u| u["code"] == code)
            .expect("present");
        let r = row(&table, &name);
        assert_eq!(r["keys"][0]["value"], unit["org_id"]);
        assert_eq!(r["values"][0].as_f64(), unit["dispatched"].as_f64(), "{code}");
        assert_eq!(r["values"][1].as_f64(), unit["finished"].as_f64(), "{code}");
        assert_eq!(r["values"][3].as_f64(), unit["response_rate"].as_f64(), "{code}");
        assert_eq!(r["values"][4].as_f64(), unit["satisfaction_rate"].as_f64(), "{code}");
    }
    let dongcheng = row(&table, &org_name(&units, "DONGCHENG"));
    assert_eq!(dongcheng["values"], json!([2.0, 2.0, 0.0, 0.5, 0.5, 0.0]));
    // The appeals were taken in by the center, which counts as its own first-level unit.
    let center = row(&table, "市12345热线中心");
    assert_eq!(center["keys"][0]["value"], t.org_id("CENTER").await);
    assert_eq!(center["values"][5], 3.0);
    // Totals are of every row; a rate over the summed counts, never an average of rates.
    assert_eq!(table["totals"]["values"][0], 3.0);
    assert_eq!(table["totals"]["values"][5], 3.0);
    assert_eq!(table["totals"]["values"][4].as_f64(), Some(2.0 / 3.0));
    assert_eq!(table["total_rows"], table["rows"].as_array().expect("present").len());

    // Every count of every row, and of the totals, is a work list of as many tickets.
    let definition_value = definition(&["first_level_unit"], &figures);
    let mut cells = 0;
    for r in table["rows"].as_array().expect("present").iter().chain([&table["totals"]]) {
        let keys: Vec<&Value> =
            r["keys"].as_array().expect("present").iter().map(|k| &k["value"]).collect();
        for (i, figure) in figures.iter().enumerate().filter(|(_, f)| !f.ends_with("_rate")) {
            let res = leader
                .post(
                    "/api/v1/reports/tickets",
                    json!({"definition": definition_value, "keys": keys, "figure": figure,
                           "per_page": 100}),
                )
                .await;
            assert_eq!(res.status, 200, "{figure} {keys:?}: {}", res.body);
            assert_eq!(res.body["total"].as_f64(), r["values"][i].as_f64(), "{figure} {keys:?}");
            assert_eq!(
                res.body["items"].as_array().map(Vec::len),
                r["values"][i].as_f64().map(|n| n as usize)
            );
            cells += 1;
        }
    }
    assert!(cells >= 12, "{cells} cells checked");
    // An indicator has no tickets of its own.
    let res = leader
        .post(
            "/api/v1/reports/tickets",
            json!({"definition": definition_value, "keys": [""], "figure": "response_rate"}),
        )
        .await;
    assert_eq!((res.status, res.field_code("figure")), (422, "invalid_value"));
    let res = leader
        .post(
            "/api/v1/reports/tickets",
            json!({"definition": definition_value, "keys": ["", ""], "figure": "assigned"}),
        )
        .await;
    assert_eq!((res.status, res.field_code("keys")), (422, "invalid_value"));

    // Two dimensions: by day and channel, in time order; the channel's key is its code.
    let table = run(&leader, &definition(&["day", "channel"], &["intake"])).await;
    let rows = table["rows"].as_array().expect("present");
    assert_eq!(rows.len(), 1, "{table}");
    assert_eq!(
        rows[0]["keys"],
        json!([{"value": "2026-11-24", "label": null},
                                       {"value": "phone", "label": null}])
    );
    assert_eq!(rows[0]["values"], json!([3.0]));
    let res = leader
        .post(
            "/api/v1/reports/tickets",
            json!({"definition": definition(&["day", "channel"], &["intake"]),
                   "keys": ["2026-11-24", "phone"], "figure": "intake"}),
        )
        .await;
    assert_eq!(res.body["total"], 3, "{}", res.body);
    let res = leader
        .post(
            "/api/v1/reports/tickets",
            json!({"definition": definition(&["day", "channel"], &["intake"]),
                   "keys": ["2026-11-25", "phone"], "figure": "intake"}),
        )
        .await;
    assert_eq!(res.body["total"], 0, "another day: {}", res.body);
    // Weeks and months are named as people read them; a category filter narrows the rows.
    let mut weekly = definition(&["week", "top_category"], &["intake"]);
    weekly["channels"] = json!(["phone"]);
    let table = run(&leader, &weekly).await;
    assert_eq!(table["rows"][0]["keys"][0]["value"], "2026-W48");
    assert!(table["rows"][0]["keys"][1]["label"].is_string(), "{table}");
    let mut elsewhere = weekly.clone();
    elsewhere["channels"] = json!(["wechat"]);
    assert_eq!(run(&leader, &elsewhere).await["rows"], json!([]));

    // As a workbook, headed in the reader's language, the totals last; and as CSV.
    let request = |lang: &str, format: &str| {
        leader
            .client
            .post(leader.url(&format!("/api/v1/reports/run?format={format}")))
            .header("accept-language", lang)
            .json(&definition(&["first_level_unit"], &["assigned", "satisfaction_rate"]))
    };
    let rows = sheet_of(request("en", "xlsx")).await;
    assert_eq!(rows[0], ["First-level unit", "Dispatched", "Satisfaction (%)"]);
    let last = rows.last().expect("present");
    assert_eq!((last[0].as_str(), last[1].as_str()), ("Total", "3"));
    let dongcheng = rows.iter().find(|r| r[0] == org_name(&units, "DONGCHENG")).expect("present");
    assert_eq!((dongcheng[1].as_str(), dongcheng[2].as_str()), ("2", "50"));
    let csv = leader.raw(request("zh-CN", "csv")).await;
    let text = csv.body.as_str().unwrap_or_default();
    assert!(text.starts_with("\u{feff}一级承办单位,派单量,满意率(%)"), "{text}");
    assert!(text.trim_end().ends_with("合计,3,66.67"), "{text}");
    assert_eq!(t.audit_count("stats.export").await, 2);
}

async fn reports_set_each_row_beside_the_period_before(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    handled(&t, "bureau_a", "ZJW", true, "satisfied").await;
    t.advance(chrono::Duration::days(7));
    handled(&t, "bureau_a", "ZJW", true, "satisfied").await;
    handled(&t, "district_b", "XICHENG", true, "satisfied").await;
    handled(&t, "district_a", "DONGCHENG", true, "satisfied").await;
    handled(&t, "district_a", "DONGCHENG", true, "satisfied").await;
    t.app.run_job_named("stats.rollup").await.expect("rollup");
    let leader = t.login("leader").await;
    let units = leader.get("/api/v1/stats/units").await.body;

    let mut this_week = json!({
        "range": "custom", "from": "2026-12-01", "to": "2026-12-07",
        "dimensions": ["first_level_unit"], "figures": ["assigned"], "compare": true,
        "sort_by_change": true,
    });
    let table = run(&leader, &this_week).await;
    assert_eq!(
        (table["previous_from"].as_str(), table["previous_to"].as_str()),
        (Some("2026-11-24"), Some("2026-11-30"))
    );
    let zjw = row(&table, &org_name(&units, "ZJW"));
    assert_eq!(
        (&zjw["values"], &zjw["previous"], &zjw["change"]),
        (&json!([1.0]), &json!([1.0]), &json!([0.0]))
    );
    let dongcheng = row(&table, &org_name(&units, "DONGCHENG"));
    assert_eq!(
        (&dongcheng["values"], &dongcheng["previous"], &dongcheng["change"]),
        (&json!([2.0]), &json!([0.0]), &json!([null])),
        "new this week: no change figure"
    );
    // Ordered by the change, largest first: something from nothing rises the most, the larger
    // first among those.
    let order: Vec<&Value> =
        table["rows"].as_array().into_iter().flatten().map(|r| &r["keys"][0]["label"]).collect();
    let names = ["DONGCHENG", "XICHENG", "ZJW"].map(|code| json!(org_name(&units, code)));
    assert_eq!(order, names.iter().collect::<Vec<_>>(), "{table}");
    // A rate moves by points, not by its own percentage.
    let mut rates = this_week.clone();
    rates["figures"] = json!(["assigned", "response_rate"]);
    let zjw_rates = run(&leader, &rates).await;
    assert_eq!(row(&zjw_rates, &org_name(&units, "ZJW"))["change"], json!([0.0, 0.0]));
    assert_eq!(table["totals"]["change"], json!([3.0]), "4 against 1");
    // The period before's count drills down too.
    let res = leader
        .post(
            "/api/v1/reports/tickets",
            json!({"definition": this_week, "keys": [zjw["keys"][0]["value"]],
                   "figure": "assigned", "previous": true}),
        )
        .await;
    assert_eq!(res.body["total"], 1, "{}", res.body);
    // A row that had counts only before stays, at zero now.
    this_week["from"] = json!("2026-12-08");
    this_week["to"] = json!("2026-12-14");
    let later = run(&leader, &this_week).await;
    let gone = row(&later, &org_name(&units, "DONGCHENG"));
    assert_eq!(
        (&gone["values"], &gone["previous"], &gone["change"]),
        (&json!([0.0]), &json!([2.0]), &json!([-1.0]))
    );

    // Named periods move with the day: today is 2026-12-01.
    let month = |range: &str| json!({"range": range, "dimensions": [], "figures": ["intake"]});
    assert_eq!(run(&leader, &month("last_month")).await["totals"]["values"], json!([1.0]));
    assert_eq!(run(&leader, &month("this_month")).await["totals"]["values"], json!([4.0]));
    assert_eq!(run(&leader, &month("last_30_days")).await["from"], "2026-11-02");
}

async fn reports_refuse_bad_definitions_and_keep_units_to_their_own(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    handled(&t, "bureau_a", "ZJW", true, "satisfied").await;
    handled(&t, "district_a", "DONGCHENG", true, "satisfied").await;
    t.app.run_job_named("stats.rollup").await.expect("rollup");
    let leader = t.login("leader").await;
    let refused = |body: Value, field: &'static str, code: &'static str| {
        let leader = &leader;
        async move {
            let res = leader.post("/api/v1/reports/run", body.clone()).await;
            assert_eq!((res.status, res.field_code(field)), (422, code), "{body}: {}", res.body);
        }
    };
    refused(definition(&[], &[]), "figures", "required").await;
    refused(definition(&["day", "unit", "channel"], &["intake"]), "dimensions", "too_long").await;
    refused(definition(&["unit", "unit"], &["intake"]), "dimensions", "invalid_value").await;
    let mut compared = definition(&["day"], &["intake"]);
    compared["compare"] = json!(true);
    refused(compared, "compare", "invalid_value").await;
    let relative = json!({"range": "this_month", "from": "2026-11-01", "figures": ["intake"]});
    refused(relative, "from", "invalid_value").await;
    let open = json!({"range": "custom", "from": "2026-11-01", "figures": ["intake"]});
    refused(open, "to", "required").await;
    let long = json!({"range": "custom", "from": "2025-01-01", "to": "2026-11-01",
                      "figures": ["intake"]});
    refused(long, "to", "invalid_value").await;
    let mut sorted = definition(&["unit"], &["intake"]);
    sorted["sort"] = json!("finished");
    refused(sorted, "sort", "invalid_value").await;
    let mut limited = definition(&["unit"], &["intake"]);
    limited["limit"] = json!(0);
    refused(limited, "limit", "invalid_value").await;
    let mut nowhere = definition(&["unit"], &["intake"]);
    nowhere["org_id"] = json!("0190a8a0-0000-7000-8000-000000000000");
    refused(nowhere, "org_id", "invalid_value").await;
    let res = leader.post("/api/v1/reports/run", definition(&["unit"], &["happiness"])).await;
    assert_eq!((res.status, res.field_code("figures[0]")), (422, "invalid_value"), "{}", res.body);

    // A period and category with nothing in them: no rows, zero counts, no rate (not a 500).
    let mut quiet = definition(&[], &["response_rate", "finished"]);
    quiet["category_id"] = json!(category(&leader, "特种设备管理").await);
    let res = leader.post("/api/v1/reports/run?format=csv", quiet.clone()).await;
    assert_eq!(res.status, 200, "{}", res.body);
    let table = run(&leader, &quiet).await;
    assert_eq!(table["rows"], json!([]), "{table}");
    assert_eq!(table["totals"]["values"], json!([null, 0.0]), "{table}");

    // Agents have no figures; a district's manager sees its own subtree and nothing else.
    let agent = t.login("agent").await;
    assert_eq!(agent.post("/api/v1/reports/run", definition(&[], &["intake"])).await.status, 403);
    let manager = t.login("district_a_manager").await;
    let table = run(&manager, &definition(&["unit"], &["assigned", "intake"])).await;
    let dongcheng = t.org_id("DONGCHENG").await;
    let rows = table["rows"].as_array().expect("present");
    assert_eq!(rows.len(), 1, "{table}");
    assert_eq!(rows[0]["keys"][0]["value"], dongcheng);
    assert_eq!(table["totals"]["values"], json!([1.0, 0.0]), "not the city's intake");
    let mut theirs = definition(&["unit"], &["assigned"]);
    theirs["org_id"] = json!(t.org_id("ZJW").await);
    assert_eq!(manager.post("/api/v1/reports/run", theirs.clone()).await.status, 403);
    let res = manager
        .post(
            "/api/v1/reports/tickets",
            json!({"definition": definition(&["unit"], &["assigned"]),
                   "keys": [t.org_id("ZJW").await], "figure": "assigned"}),
        )
        .await;
    assert_eq!((res.status, &res.body["total"]), (200, &json!(0)), "another unit's row is empty");
}

async fn saved_reports_belong_to_their_owner(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let supervisor = t.login("supervisor").await;
    let mut monthly = json!({"range": "last_month", "dimensions": ["first_level_unit"],
                             "figures": ["assigned", "satisfaction_rate"]});
    let res = supervisor
        .post("/api/v1/reports", json!({"name": " 上月各单位满意率 ", "definition": monthly}))
        .await;
    assert_eq!(res.status, 201, "{}", res.body);
    let id = res.body["id"].as_str().expect("present").to_owned();
    assert_eq!(res.body["name"], "上月各单位满意率");
    assert_eq!(res.body["definition"]["range"], "last_month");
    assert!(res.body["definition"].get("from").is_none(), "{}", res.body);

    // Names are the owner's to keep apart; a report that cannot run is not kept.
    let res = supervisor
        .post("/api/v1/reports", json!({"name": "上月各单位满意率", "definition": monthly}))
        .await;
    assert_eq!((res.status, res.field_code("name")), (409, "already_exists"), "{}", res.body);
    let mut broken = monthly.clone();
    broken["dimensions"] = json!(["day"]);
    broken["compare"] = json!(true);
    let res = supervisor.post("/api/v1/reports", json!({"name": "坏", "definition": broken})).await;
    assert_eq!((res.status, res.field_code("compare")), (422, "invalid_value"), "{}", res.body);
    let res = supervisor.post("/api/v1/reports", json!({"name": "", "definition": monthly})).await;
    assert_eq!((res.status, res.field_code("name")), (422, "required"), "{}", res.body);

    monthly["figures"] = json!(["assigned", "satisfaction_rate", "on_time_rate"]);
    let res = supervisor
        .put(&format!("/api/v1/reports/{id}"), json!({"name": "月度三率", "definition": monthly}))
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    let listed = supervisor.get("/api/v1/reports").await.body;
    assert_eq!(listed.as_array().map(Vec::len), Some(1));
    assert_eq!(listed[0]["name"], "月度三率");
    assert_eq!(listed[0]["definition"]["figures"][2], "on_time_rate");
    assert_eq!(supervisor.get(&format!("/api/v1/reports/{id}")).await.status, 200);

    // Another user sees none of it, not even that it exists.
    let leader = t.login("leader").await;
    assert_eq!(leader.get("/api/v1/reports").await.body, json!([]));
    assert_eq!(leader.get(&format!("/api/v1/reports/{id}")).await.status, 404);
    let res = leader
        .put(&format!("/api/v1/reports/{id}"), json!({"name": "x", "definition": monthly}))
        .await;
    assert_eq!(res.status, 404);
    assert_eq!(leader.delete(&format!("/api/v1/reports/{id}")).await.status, 404);
    assert_eq!(t.login("agent").await.get("/api/v1/reports").await.status, 403);

    assert_eq!(supervisor.delete(&format!("/api/v1/reports/{id}")).await.status, 204);
    assert_eq!(supervisor.get(&format!("/api/v1/reports/{id}")).await.status, 404);
    assert_eq!(t.audit_count("report.save").await, 2);
    assert_eq!(t.audit_count("report.delete").await, 1);
}
