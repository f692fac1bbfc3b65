//! Full-text search over tickets (issue #19 item 2): Chinese words, the work lists' scope and
//! filters, highlights, the index fed from the outbox, rebuilt and verified.

use std::process::Command;

use serde_json::{Value, json};

use crate::harness::{Api, Backend, TestApp, both_backends, eventually, ok, ticket_body};

both_backends!(
    tickets_are_found_in_chinese_within_the_callers_scope,
    the_index_is_derived_data_rebuilt_and_verified,
    admins_keep_the_dictionary
);

/// Searches and returns the answer.
async fn search(api: &Api, query: &str) -> crate::harness::Resp {
    let url = reqwest::Url::parse_with_params("http://x/api/v1/search/tickets", [("q", query)])
        .expect("url");
    api.get(&format!("{}?{}", url.path(), url.query().unwrap_or_default())).await
}

fn numbers(body: &Value) -> Vec<String> {
    body["items"]
        .as_array()
        .map(|items| {
            items.iter().filter_map(|h| h["ticket"]["number"].as_str().map(str::to_owned)).collect()
        })
        .unwrap_or_default()
}

/// The marked text of a hit's `field`.
fn marked(hit: &Value, field: &str) -> Vec<String> {
    let Some(h) =
        hit["highlights"].as_array().and_then(|hs| hs.iter().find(|h| h["field"] == field))
    else {
        return Vec::new();
    };
    let chars: Vec<char> = h["fragment"].as_str().unwrap_or_default().chars().collect();
    h["ranges"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| {
            let (a, b) = (r[0].as_u64().unwrap_or(0) as usize, r[1].as_u64().unwrap_or(0) as usize);
            chars[a.min(chars.len())..b.min(chars.len())].iter().collect()
        })
        .collect()
}

async fn register(agent: &Api, title: &str, content: &str, confidential: bool) -> Value {
    let mut body = ticket_body(agent, title).await;
    body["content"] = json!(content);
    body["confidential"] = json!(confidential);
    let res = agent.post("/api/v1/tickets", body).await;
    assert_eq!(res.status, 201, "{}", res.body);
    res.body
}

async fn ready(t: &TestApp, api: &Api) {
    t.app.run_job_named("search.index").await.expect("index job");
    eventually("the index is ready", || async {
        (search(api, "").await.status == 200).then_some(())
    })
    .await;
}

async fn tickets_are_found_in_chinese_within_the_callers_scope(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let agent = t.login("agent").await;
    let dispatcher = t.login("dispatcher").await;
    let district_a = t.login("district_a").await;
    let district_b = t.login("district_b").await;

    // Before the index is open search says so, with progress, and nothing else breaks.
    let res = search(&agent, "噪音").await;
    assert_eq!((res.status, res.code()), (503, "index_rebuilding"), "{}", res.body);
    assert!(
        res.body["error"]["progress"]["total"].is_u64() && res.headers.contains_key("retry-after")
    );
    t.app.open_search().await.expect("open search");
    ready(&t, &agent).await;

    let noise = register(
        &agent,
        "小区夜间施工噪音扰民",
        "工地每晚十点后还在施工，噪音很大，孩子无法入睡。",
        false,
    )
    .await;
    let permit =
        register(&agent, "咨询居住证办理", "想了解办理居住证需要准备什么材料，在哪里办。", true)
            .await;
    let (noise_id, permit_id) =
        (noise["id"].as_str().expect("id"), permit["id"].as_str().expect("id"));
    ok(&dispatcher, noise_id, "dispatch", json!({"org_id": t.org_id("DONGCHENG").await})).await;
    ok(&dispatcher, permit_id, "dispatch", json!({"org_id": t.org_id("XICHENG").await})).await;
    // Searchable once the job has taken the events in.
    assert!(numbers(&search(&agent, "噪音").await.body).is_empty(), "not before the job runs");
    let progress = t.app.run_job_named("search.index").await.expect("index job");
    assert!(progress.items >= 4, "{progress:?}");

    let res = search(&agent, "噪音").await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(numbers(&res.body), vec![noise["number"].as_str().expect("n").to_owned()]);
    let hit = &res.body["items"][0];
    assert_eq!(marked(hit, "title"), vec!["噪音"], "{hit}");
    assert!(marked(hit, "content").contains(&"噪音".to_owned()), "{hit}");
    assert!(hit["score"].as_f64().is_some_and(|s| s > 0.0));
    // Words apart, a word inside a word, the number, an exact phrase.
    for q in ["居住证材料", "居住", permit["number"].as_str().expect("n"), "\"办理居住证\""]
    {
        assert_eq!(
            numbers(&search(&agent, q).await.body),
            vec![permit["number"].as_str().expect("n")],
            "{q}"
        );
    }
    assert!(
        numbers(&search(&agent, "\"居住证材料\"").await.body).is_empty(),
        "a phrase is adjacent"
    );
    assert!(numbers(&search(&agent, "噪音 -施工").await.body).is_empty());
    assert_eq!(search(&agent, "东华门大街").await.body["total"], 2, "the address is searched");

    // A unit finds only what its lists show, and never the caller of a confidential ticket.
    assert!(numbers(&search(&district_a, "居住证").await.body).is_empty());
    assert!(numbers(&search(&district_b, "噪音").await.body).is_empty());
    let res = search(&district_b, "居住证").await;
    assert_eq!(numbers(&res.body).len(), 1, "{}", res.body);
    assert!(res.body["items"][0]["ticket"]["caller_phone"].is_null(), "{}", res.body);
    let res = search(&district_a, "噪音").await;
    assert!(
        res.body["items"][0]["ticket"]["caller_phone"].as_str().is_some_and(|p| p.contains('*'))
    );
    // The work lists' filters hold.
    let noise_with = |filter: String| {
        let api = Api { client: agent.client.clone(), base: agent.base.clone() };
        async move {
            api.get(&format!("/api/v1/search/tickets?q=%E5%99%AA%E9%9F%B3&{filter}")).await.body
        }
    };
    assert_eq!(noise_with("state=dispatched".into()).await["total"], 1);
    assert_eq!(noise_with("state=closed".into()).await["total"], 0);
    let xicheng = t.org_id("XICHENG").await;
    assert_eq!(noise_with(format!("org_id={xicheng}")).await["total"], 0);
    assert_eq!(noise_with("sort=newest".into()).await["items"][0]["score"], 0.0);

    // Replies are searched; a correction is found by its new words, not the old ones.
    ok(&district_a, noise_id, "accept", json!({})).await;
    ok(
        &district_a,
        noise_id,
        "reply",
        json!({"content": "已责令施工单位夜间停工并安装隔音屏障。"}),
    )
    .await;
    let view = agent.get(&format!("/api/v1/tickets/{permit_id}")).await.body;
    let res = agent
        .patch(
            &format!("/api/v1/tickets/{permit_id}"),
            json!({"version": view["version"], "reason": "市民更正", "title": "咨询暂住证换领"}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    t.app.run_job_named("search.index").await.expect("index job");
    let res = search(&agent, "隔音屏障").await;
    assert_eq!(numbers(&res.body), vec![noise["number"].as_str().expect("n")]);
    assert_eq!(marked(&res.body["items"][0], "replies").concat(), "隔音屏障", "{}", res.body);
    assert_eq!(numbers(&search(&agent, "暂住证").await.body).len(), 1);
    assert!(numbers(&search(&agent, "title:居住证").await.body).is_empty());

    // Bad input: a clear field error, nothing else.
    let res = search(&agent, "(噪音").await;
    assert_eq!((res.status, res.field_code("q")), (422, "invalid_format"), "{}", res.body);
    let res = search(&agent, "holder_org:x").await;
    assert_eq!(res.field_code("q"), "invalid_format", "filter fields are not for the query");
    assert_eq!(search(&agent, &"a".repeat(10_000)).await.field_code("q"), "too_long");
    assert_eq!(search(&agent, &"噪".repeat(201)).await.field_code("q"), "too_long");
    let res = agent.get("/api/v1/search/tickets?q=a&colour=red").await;
    assert_eq!(res.status, 422, "{}", res.body);
    let res = agent.get("/api/v1/search/tickets?q=a&sort=loudest").await;
    assert_eq!(res.field_code("sort"), "invalid_value");
    assert_eq!(t.client().get("/api/v1/search/tickets?q=a").await.status, 401);
    assert!(t.audit_count("ticket.search").await >= 10);
}

async fn the_index_is_derived_data_rebuilt_and_verified(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let agent = t.login("agent").await;
    let admin = t.login("admin").await;
    let first = register(&agent, "路灯不亮", "东华门大街路灯连续三晚不亮。", false).await;
    register(&agent, "共享单车乱停放", "地铁口共享单车堆满人行道。", false).await;

    // No server has the index: the command line builds it, with its progress, and checks it.
    let hotline = env!("CARGO_BIN_EXE_hotline");
    let run = |args: &[&str]| {
        let out = Command::new(hotline).args(args).envs(t.cli_env()).output().expect("run hotline");
        (out.status.code(), String::from_utf8_lossy(&out.stdout).into_owned())
    };
    let (code, out) = run(&["reindex"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("indexed 2 tickets"), "{out}");
    let (code, out) = run(&["verify-index"]);
    assert_eq!((code, out.contains("search index OK")), (Some(0), true), "{out}");

    // The server opens what the command line built, and holds it: the command line now refuses.
    t.app.open_search().await.expect("open");
    let status = admin.get("/api/v1/search/index").await;
    assert_eq!(
        (status.body["ready"].as_bool(), status.body["documents"].as_u64()),
        (Some(true), Some(2))
    );
    assert!(status.body["rebuild"].is_null(), "nothing to rebuild: {}", status.body);
    let (code, _) = run(&["reindex"]);
    assert_eq!(code, Some(1), "a running server's index is not swapped underneath it");

    // A change behind the application's back is named by number.
    t.raw_sql(&format!(
        "UPDATE ticket SET title = '路灯全坏' WHERE number = '{}'",
        first["number"].as_str().expect("number")
    ))
    .await
    .expect("tamper");
    let diff = t.app.verify_index(&|_, _| {}).await.expect("verify");
    assert_eq!(diff.stale, vec![first["number"].as_str().expect("n").to_owned()], "{diff:?}");
    let (code, out) = run(&["verify-index"]);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains(first["number"].as_str().expect("n")), "{out}");

    // Admins rebuild from the console; search keeps answering from the old index meanwhile.
    assert_eq!(agent.post("/api/v1/search/index/rebuild", json!({})).await.status, 403);
    let res = admin.post("/api/v1/search/index/rebuild", json!({})).await;
    assert_eq!(res.status, 202, "{}", res.body);
    assert_eq!(search(&agent, "单车").await.status, 200);
    eventually("the rebuild finishes", || async {
        let s = admin.get("/api/v1/search/index").await.body;
        s["rebuild"]["finished_at"].is_string().then_some(())
    })
    .await;
    let s = admin.get("/api/v1/search/index").await.body;
    assert_eq!(
        (s["rebuild"]["done"].as_u64(), s["rebuild"]["error"].is_null()),
        (Some(2), true),
        "{s}"
    );
    assert!(t.app.verify_index(&|_, _| {}).await.expect("verify").is_clean());
    assert_eq!(numbers(&search(&agent, "全坏").await.body).len(), 1);
    assert_eq!(t.audit_count("search.reindex").await, 1);

    // A broken index never stops the server: it is rebuilt, and search says so until then.
    let current: Value =
        serde_json::from_slice(&std::fs::read(t.dir.join("search/current.json")).expect("pointer"))
            .expect("json");
    let generation = t.dir.join("search").join(current["generation"].as_str().expect("generation"));
    std::fs::write(generation.join("meta.json"), b"{broken").expect("corrupt");
    let fresh = hotline_app::App::with_store(
        (*t.app.config).clone(),
        t.app.clock.clone(),
        hotline_app::Mode::Demo,
        t.app.store.clone(),
    )
    .expect("app");
    fresh.open_search().await.expect("a broken index is not an error");
    eventually("the broken index is rebuilt", || async {
        fresh.verify_index(&|_, _| {}).await.ok().filter(|d| d.is_clean() && d.tickets == 2)
    })
    .await;
}

async fn admins_keep_the_dictionary(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let admin = t.login("admin").await;
    let agent = t.login("agent").await;
    t.app.open_search().await.expect("open");
    ready(&t, &agent).await;
    let before =
        admin.get("/api/v1/search/index").await.body["dictionary_words"].as_u64().expect("n");
    assert!(before > 20, "org and category names are words: {before}");

    let res = admin.post("/api/v1/search/words", json!({"word": "接诉即办"})).await;
    assert_eq!(res.status, 201, "{}", res.body);
    assert_eq!(admin.post("/api/v1/search/words", json!({"word": "接诉即办"})).await.status, 409);
    let res = admin.post("/api/v1/search/words", json!({"word": "办"})).await;
    assert_eq!(res.field_code("word"), "too_short");
    let res = admin.post("/api/v1/search/words", json!({"word": "接诉 即办"})).await;
    assert_eq!(res.field_code("word"), "invalid_format");
    assert_eq!(agent.post("/api/v1/search/words", json!({"word": "好词"})).await.status, 403);
    let words = admin.get("/api/v1/search/words").await.body;
    assert_eq!(words.as_array().map(Vec::len), Some(1), "{words}");
    assert_eq!(
        admin.get("/api/v1/search/index").await.body["dictionary_words"].as_u64(),
        Some(before + 1)
    );
    assert_eq!(
        admin.delete("/api/v1/search/words/%E6%8E%A5%E8%AF%89%E5%8D%B3%E5%8A%9E").await.status,
        204
    );
    assert_eq!(
        admin.delete("/api/v1/search/words/%E6%8E%A5%E8%AF%89%E5%8D%B3%E5%8A%9E").await.status,
        404
    );
    assert_eq!(t.audit_count("search.word_add").await, 1);
    assert_eq!(t.audit_count("search.word_remove").await, 1);
}
