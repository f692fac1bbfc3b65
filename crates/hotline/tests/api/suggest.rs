//! Suggestions at intake and the classifier's command line (issue #19 item 3).

use std::process::Command;

use serde_json::json;

use crate::harness::{Backend, TestApp, both_backends, new_ticket, ticket_body};

both_backends!(
    intake_is_offered_categories_units_articles_and_repeats,
    look_alikes_come_from_the_index_in_the_same_district
);

async fn intake_is_offered_categories_units_articles_and_repeats(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let agent = t.login("agent").await;
    let first = new_ticket(&agent, "小区自来水管爆裂").await;
    let res = agent
        .post(
            "/api/v1/suggestions",
            json!({"title": "自来水管爆裂，楼里停水", "content": "小区自来水管爆裂，整栋楼停水两天了，物业不管。",
                   "address": "东城区东华门大街1号", "caller_phone": "138 0013 8000"}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    let s = res.body;
    let first_category = s["categories"][0]["path"].as_str().expect("a category");
    assert!(first_category.starts_with("城乡建设"), "{s}");
    assert!(
        s["categories"]
            .as_array()
            .expect("list")
            .iter()
            .any(|c| c["path"].as_str().is_some_and(|p| p.ends_with("自来水供应"))),
        "{s}"
    );
    let similar = s["similar_tickets"].as_array().expect("list");
    let repeat =
        similar.iter().find(|x| x["id"] == first.as_str()).expect("the caller's earlier ticket");
    assert_eq!(repeat["same_caller"], true);
    assert!(s["categories"].as_array().expect("list").len() <= 5 && similar.len() <= 8);
    // Nothing typed yet: nothing offered, no error.
    let res = agent.post("/api/v1/suggestions", json!({"title": "", "content": ""})).await;
    assert_eq!((res.status, res.body["categories"].as_array().map(Vec::len)), (200, Some(0)));
    // Bad input is a field error; units may not ask.
    let res = agent
        .post("/api/v1/suggestions", json!({"title": "x", "content": "y", "caller_phone": "abc"}))
        .await;
    assert_eq!(res.field_code("caller_phone"), "invalid_format", "{}", res.body);
    let res =
        agent.post("/api/v1/suggestions", json!({"title": "长".repeat(201), "content": "y"})).await;
    assert_eq!(res.field_code("title"), "too_long", "{}", res.body);
    let unit = t.login("district_a").await;
    assert_eq!(
        unit.post("/api/v1/suggestions", json!({"title": "x", "content": "y"})).await.status,
        403
    );

    // What the platform handles, the model learns: a ticket answered at intake is handled.
    let mut body = ticket_body(&agent, "停水多久恢复").await;
    body["handling"] = json!({"action": "answer", "content": "预计今晚恢复供水。"});
    assert_eq!(agent.post("/api/v1/tickets", body).await.status, 201);
    assert_eq!(t.app.retrain_classifier().await.expect("retrain"), 1);
    assert_eq!(t.app.retrain_classifier().await.expect("retrain"), 0, "nothing new handled");
    assert!(hotline_app::suggest::model_path(&t.app.config).exists(), "kept for the next start");
    let res =
        agent.post("/api/v1/suggestions", json!({"title": "停水", "content": "小区停水了"})).await;
    let top = res.body["categories"][0]["path"].as_str().unwrap_or_default();
    assert!(top.starts_with("城乡建设"), "{}", res.body);
}

/// `hotline classifier eval` trains on one file and scores another, ending with the line the
/// issue names; a model it cannot have seen scores below a perfect one.
#[test]
fn the_classifier_evaluates_from_the_command_line() {
    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../hotline-app/data");
    let dir = tempfile::tempdir().expect("dir");
    let rows = std::fs::read_to_string(data.join("messages_train.csv")).expect("messages");
    let mut reader = csv::Reader::from_reader(rows.as_bytes());
    let headers = reader.headers().expect("headers").clone();
    let (mut train, mut test) = (
        csv::Writer::from_path(dir.path().join("train.csv")).expect("w"),
        csv::Writer::from_path(dir.path().join("test.csv")).expect("w"),
    );
    train.write_record(&headers).expect("w");
    test.write_record(&headers).expect("w");
    for (i, row) in reader.records().enumerate() {
        let row = row.expect("row");
        if i % 4 == 0 { test.write_record(&row) } else { train.write_record(&row) }.expect("w");
    }
    train.flush().expect("w");
    test.flush().expect("w");
    let out = Command::new(env!("CARGO_BIN_EXE_hotline"))
        .args(["classifier", "eval", "--train"])
        .arg(dir.path().join("train.csv"))
        .arg("--test")
        .arg(dir.path().join("test.csv"))
        .arg("--taxonomy")
        .arg(data.join("categories.csv"))
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let last = stdout.lines().last().expect("a last line");
    let fields: std::collections::HashMap<&str, &str> =
        last.split(' ').filter_map(|kv| kv.split_once('=')).collect();
    let f1: f64 = fields["macro_f1"].parse().expect("macro_f1");
    assert_eq!(fields["n"], "77", "{last}");
    assert!((0.6..1.0).contains(&f1), "{last}");
    assert!(stdout.contains("城乡建设"), "per-class lines: {stdout}");
}

/// Open tickets of other callers whose text is close, in the same category and district, from
/// the search index; nothing of another district, nothing closed.
async fn look_alikes_come_from_the_index_in_the_same_district(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let agent = t.login("agent").await;
    let register =
        |phone: &'static str, address: &'static str, title: &'static str, content: &'static str| {
            let agent =
                crate::harness::Api { client: agent.client.clone(), base: agent.base.clone() };
            async move {
                let mut body = ticket_body(&agent, title).await;
                body["caller_phone"] = json!(phone);
                body["address"] = json!(address);
                body["content"] = json!(content);
                let res = agent.post("/api/v1/tickets", body).await;
                assert_eq!(res.status, 201, "{}", res.body);
                res.body["id"].as_str().expect("id").to_owned()
            }
        };
    let pipe = "小区楼下自来水管爆裂，水流到马路上，停水半天了。";
    let near =
        register("139 2222 0001", "东城区东华门大街5号", "东华门大街自来水管爆裂停水", pipe).await;
    let far = register("139 2222 0002", "西城区西单北大街1号", "西单自来水管爆裂停水", pipe).await;
    let unrelated = register(
        "139 2222 0003",
        "东城区东华门大街7号",
        "路灯不亮",
        "东华门大街路灯连续三晚不亮。",
    )
    .await;
    t.app.open_search().await.expect("open search");
    crate::harness::eventually("the index is built", || async {
        t.app.index_status(&hotline_app::Ctx::system()).await.ok().filter(|s| s.ready).map(|_| ())
    })
    .await;
    t.app.run_job_named("search.index").await.expect("index job");
    let res = agent
        .post(
            "/api/v1/suggestions",
            json!({"title": "自来水管爆裂", "content": "楼下自来水管爆裂，整栋楼停水。",
                   "address": "东城区东华门大街9号", "caller_phone": "137 0000 0000"}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    let similar = res.body["similar_tickets"].as_array().expect("list").clone();
    let ids: Vec<&str> = similar.iter().filter_map(|s| s["id"].as_str()).collect();
    assert!(ids.contains(&near.as_str()), "{similar:?}");
    assert!(!ids.contains(&far.as_str()), "another district: {similar:?}");
    assert!(!ids.contains(&unrelated.as_str()), "no shared words: {similar:?}");
    let hit = similar.iter().find(|s| s["id"] == near.as_str()).expect("near");
    assert_eq!(hit["same_caller"], false);
    assert!(hit["score"].as_f64().is_some_and(|s| s > 0.0 && s <= 1.0));
}
