//! Open311 GeoReport v2: discovery, services and requests in XML and JSON, the error documents,
//! and requests filed through the normal intake.

use serde_json::{Value, json};

use crate::harness::{Backend, TestApp, both_backends};

/// Form fields in order.
type Form = Vec<(String, String)>;

both_backends!(
    discovery_and_services_speak_xml_and_json,
    requests_are_filed_through_intake_and_read_back,
    bad_posts_are_refused_and_change_nothing,
);

/// A 1×1 PNG.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0A, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00, 0x01, 0x00, 0x00,
    0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE,
    0x42, 0x60, 0x82,
];

struct Raw {
    status: u16,
    content_type: String,
    text: String,
}

impl Raw {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("{e}: {}", self.text))
    }

    fn xml(&self) -> roxmltree::Document<'_> {
        roxmltree::Document::parse(&self.text).unwrap_or_else(|e| panic!("{e}: {}", self.text))
    }
}

async fn send(request: reqwest::RequestBuilder) -> Raw {
    let res = request.send().await.expect("send");
    let status = res.status().as_u16();
    let content_type = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    Raw { status, content_type, text: res.text().await.expect("body") }
}

fn get(t: &TestApp, path: &str) -> reqwest::RequestBuilder {
    reqwest::Client::new().get(format!("{}/open311/v2/{path}", t.base))
}

fn post(t: &TestApp, path: &str) -> reqwest::RequestBuilder {
    reqwest::Client::new().post(format!("{}/open311/v2/{path}", t.base))
}

/// Text of the first `<name>` under `node`.
fn text<'a>(node: roxmltree::Node<'a, '_>, name: &str) -> Option<&'a str> {
    node.descendants().find(|n| n.has_tag_name(name)).and_then(|n| n.text())
}

/// An `intake_app` key, as a public app would be given.
async fn api_key(t: &TestApp) -> String {
    let admin = t.login("admin").await;
    let center = t.org_id("CENTER").await;
    let res = admin
        .post(
            "/api/v1/api-tokens",
            json!({"name": "市民App", "org_id": center, "roles": ["intake_app"]}),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.body);
    res.body["secret"].as_str().expect("secret").to_owned()
}

/// A leaf service code from the catalogue.
async fn a_service(t: &TestApp) -> (String, String) {
    let services = send(get(t, "services.json")).await.json();
    let s = &services[0];
    (
        s["service_code"].as_str().expect("code").to_owned(),
        s["service_name"].as_str().expect("name").to_owned(),
    )
}

async fn open311_tickets(t: &TestApp) -> u64 {
    let agent = t.login("agent").await;
    let res = agent.get("/api/v1/tickets?channel=open311&per_page=1").await;
    res.body["total"].as_u64().expect("total")
}

async fn discovery_and_services_speak_xml_and_json(backend: Backend) {
    let t = TestApp::spawn(backend).await;

    // Discovery: exact content types (validators compare them), one endpoint, both formats.
    let d = send(get(&t, "discovery.json")).await;
    assert_eq!((d.status, d.content_type.as_str()), (200, "application/json"));
    let d = d.json();
    assert!(d["contact"].is_string() && d["key_service"].is_string() && d["changeset"].is_string());
    let endpoint = &d["endpoints"][0];
    assert_eq!(endpoint["specification"], "http://wiki.open311.org/GeoReport_v2");
    assert_eq!(endpoint["url"], format!("{}/open311/v2", t.base));
    assert_eq!(endpoint["formats"], json!(["text/xml", "application/json"]));
    let d = send(get(&t, "discovery.xml")).await;
    assert_eq!((d.status, d.content_type.as_str()), (200, "text/xml"));
    assert!(
        d.text.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?><discovery>"),
        "{}",
        d.text
    );
    assert_eq!(d.xml().descendants().filter(|n| n.has_tag_name("format")).count(), 2);

    // Services: the leaf categories, string codes, grouped by the first level.
    let json_list = send(get(&t, "services.json")).await;
    assert_eq!(json_list.content_type, "application/json; charset=utf-8");
    let services = json_list.json();
    let services = services.as_array().expect("array");
    assert!(services.len() > 50, "the whole catalogue: {}", services.len());
    let mut codes: Vec<&str> =
        services.iter().map(|s| s["service_code"].as_str().expect("string")).collect();
    let count = codes.len();
    codes.dedup();
    assert_eq!(codes.len(), count, "codes are unique");
    for s in services {
        assert_eq!(s["type"], "realtime");
        assert_eq!(s["metadata"], true);
        assert!(s["group"].as_str().is_some_and(|g| !g.is_empty()), "{s}");
    }
    let xml_list = send(get(&t, "services.xml?jurisdiction_id=")).await;
    assert_eq!(xml_list.content_type, "text/xml; charset=utf-8");
    let doc = xml_list.xml();
    assert_eq!(doc.root_element().tag_name().name(), "services");
    assert_eq!(doc.root_element().children().filter(|n| n.has_tag_name("service")).count(), count);

    // A definition, under the plural path and the singular alias one client uses.
    let code = codes[0];
    let def = send(get(&t, &format!("services/{code}.xml"))).await;
    assert_eq!(def.status, 200, "{}", def.text);
    let doc = def.xml();
    assert_eq!(doc.root_element().tag_name().name(), "service_definition");
    assert_eq!(text(doc.root_element(), "service_code"), Some(code));
    let appeal = doc
        .descendants()
        .find(|n| n.has_tag_name("attribute") && text(*n, "code") == Some("appeal_type"))
        .expect("appeal_type attribute");
    assert_eq!(text(appeal, "datatype"), Some("singlevaluelist"));
    assert!(appeal.descendants().filter(|n| n.has_tag_name("value")).count() >= 5);
    let def = send(get(&t, &format!("service/{code}.json"))).await.json();
    assert_eq!(def["service_code"], code);
    let notice = def["attributes"]
        .as_array()
        .expect("attributes")
        .iter()
        .find(|a| a["variable"] == false)
        .expect("an informational attribute");
    assert!(notice["description"].as_str().expect("text").contains("工作日"), "{notice}");

    // Errors: Open311 documents, in the format asked for.
    let missing = send(get(&t, "services/999999.json")).await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.json()[0]["code"], 404);
    let missing = send(get(&t, "services/999999.xml")).await;
    assert_eq!(missing.status, 404);
    assert_eq!(text(missing.xml().root_element(), "code"), Some("404"));
    let html = send(get(&t, "services.html")).await;
    assert_eq!(html.status, 400);
    assert_eq!(html.xml().root_element().tag_name().name(), "errors");
    let english = send(get(&t, "requests/1.json").header("accept-language", "en")).await;
    assert_eq!(english.status, 404);
    assert!(english.json()[0]["description"].as_str().expect("text").contains("not found"));
}

async fn requests_are_filed_through_intake_and_read_back(backend: Backend) {
    let t = TestApp::spawn(backend).await;
    let key = api_key(&t).await;
    let (code, name) = a_service(&t).await;

    // A form post, as the spec has it: location by coordinates, an attribute, the submitter.
    let created = send(post(&t, "requests.json").form(&[
        ("api_key", key.as_str()),
        ("jurisdiction_id", ""),
        ("service_code", code.as_str()),
        ("lat", "39.9163"),
        ("long", "116.3972"),
        ("address_string", "东城区东华门大街1号"),
        ("description", "小区门口路灯不亮已经一周\n晚上出行很不方便"),
        ("first_name", "小明"),
        ("last_name", "王"),
        ("phone", "13912345678"),
        ("email", "wang@example.com"),
        ("attribute[appeal_type]", "complaint"),
        ("attribute[occurred_at]", "2026-11-20T19:30:00+08:00"),
    ]))
    .await;
    assert_eq!(created.status, 200, "{}", created.text);
    let created = created.json();
    let id = created[0]["service_request_id"].as_str().expect("id").to_owned();
    assert!(created[0]["service_notice"].as_str().is_some_and(|n| n.contains("工作日")));
    assert!(created[0].get("token").is_none(), "realtime: an id, never both");

    // Read back in JSON: open, waiting for dispatch, and no personal data.
    let one = send(get(&t, &format!("requests/{id}.json"))).await;
    assert_eq!(one.status, 200, "{}", one.text);
    assert!(
        !one.text.contains("13912345678")
            && !one.text.contains("王小明")
            && !one.text.contains("example.com")
    );
    let r = &one.json()[0];
    assert_eq!(r["status"], "open");
    assert_eq!(r["service_code"], code.as_str());
    assert_eq!(r["service_name"], name.as_str());
    assert_eq!(r["lat"], 39.9163);
    assert!(r["expected_datetime"].is_null(), "no deadline before dispatch: {r}");
    assert!(r["requested_datetime"].as_str().expect("time").ends_with("+08:00"));
    assert!(r["status_notes"].as_str().expect("notes").contains("受理"));

    // Staff see a normal intake ticket on the open311 channel, with the caller's details.
    let agent = t.login("agent").await;
    let staff = agent.get(&format!("/api/v1/tickets?number={id}")).await;
    let summary = &staff.body["items"][0];
    assert_eq!(summary["channel"], "open311", "{}", staff.body);
    assert_eq!(summary["appeal_type"], "complaint");
    assert_eq!(summary["title"], "小区门口路灯不亮已经一周");
    let ticket_id = summary["id"].as_str().expect("id").to_owned();
    let full = agent.get(&format!("/api/v1/tickets/{ticket_id}")).await;
    assert_eq!(full.body["caller"]["name"], "王小明", "{}", full.body["caller"]);
    assert_eq!(t.audit_count("ticket.create").await, 1);

    // Dispatched: the unit answers for it and a deadline is promised.
    let dispatcher = t.login("dispatcher").await;
    let unit = t.org_id("DONGCHENG").await;
    let res = dispatcher
        .post(&format!("/api/v1/tickets/{ticket_id}/actions/dispatch"), json!({"org_id": unit}))
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    let xml = send(get(&t, &format!("requests/{id}.xml"))).await;
    let doc = xml.xml();
    assert_eq!(doc.root_element().tag_name().name(), "service_requests");
    let request = doc.root_element().first_element_child().expect("request");
    assert_eq!(request.tag_name().name(), "request");
    assert_eq!(text(request, "agency_responsible"), Some("东城区"));
    assert!(text(request, "expected_datetime").is_some_and(|d| d.ends_with("+08:00")));
    assert_eq!(text(request, "status_notes"), Some("已转交东城区办理"));

    // Multipart with a photo, XML answer; an Idempotency-Key retry files nothing new.
    let form = || {
        reqwest::multipart::Form::new()
            .text("api_key", key.clone())
            .text("service_code", code.clone())
            .text("address_string", "西城区西单北大街120号")
            .text("description", "人行道上的井盖缺失")
            .part(
                "media",
                reqwest::multipart::Part::bytes(PNG.to_vec())
                    .file_name("photo.png")
                    .mime_str("image/png")
                    .expect("mime"),
            )
    };
    let first =
        send(post(&t, "requests.xml").header("idempotency-key", "app-42").multipart(form())).await;
    assert_eq!(first.status, 200, "{}", first.text);
    let second_id = text(first.xml().root_element(), "service_request_id").expect("id").to_owned();
    let again =
        send(post(&t, "requests.xml").header("idempotency-key", "app-42").multipart(form())).await;
    assert_eq!(text(again.xml().root_element(), "service_request_id"), Some(second_id.as_str()));
    assert_eq!(open311_tickets(&t).await, 2);

    let photo = send(get(&t, &format!("requests/{second_id}.json"))).await.json();
    let media_url = photo[0]["media_url"].as_str().expect("media_url").to_owned();
    let fetched = reqwest::get(&media_url).await.expect("media");
    assert_eq!(fetched.headers()["content-type"], "image/png");
    assert_eq!(fetched.bytes().await.expect("bytes").as_ref(), PNG);

    // Lists: filters by id, status, dates and service, with the spec's limits.
    let both =
        send(get(&t, &format!("requests.json?service_request_id={id},{second_id}"))).await.json();
    assert_eq!(both.as_array().map(Vec::len), Some(2));
    let open = send(get(&t, "requests.json?status=open")).await.json();
    assert_eq!(open.as_array().map(Vec::len), Some(2));
    let closed = send(get(&t, "requests.xml?status=closed")).await;
    assert_eq!(closed.xml().root_element().children().filter(|n| n.is_element()).count(), 0);
    let by_service =
        send(get(&t, &format!("requests.json?service_code={code}&page_size=1"))).await.json();
    assert_eq!(by_service.as_array().map(Vec::len), Some(1));
    let window = send(get(
        &t,
        "requests.json?start_date=2026-11-01T00:00:00Z&end_date=2026-11-30T00:00:00Z",
    ))
    .await;
    assert_eq!(window.json().as_array().map(Vec::len), Some(2), "{}", window.text);
    let too_long = send(get(
        &t,
        "requests.json?start_date=2026-01-01T00:00:00Z&end_date=2026-11-30T00:00:00Z",
    ))
    .await;
    assert_eq!(too_long.status, 400);
    let bad_date = send(get(&t, "requests.json?start_date=yesterday")).await;
    assert_eq!(bad_date.status, 400);
    assert!(bad_date.json()[0]["description"].as_str().expect("text").starts_with("start_date"));
    let bad_status = send(get(&t, "requests.json?status=pending")).await;
    assert_eq!(bad_status.status, 400);

    // Tickets from other channels stay private, even by number.
    let phone = agent
        .post(
            "/api/v1/tickets",
            json!({"caller_phone": "13800001111", "title": "噪音扰民", "content": "夜间施工噪音",
                   "category_id": full.body["category"]["id"],
                   "appeal_type": "complaint", "urgency": "normal", "channel": "phone"}),
        )
        .await;
    let number = phone.body["number"].as_str().unwrap_or_else(|| panic!("{}", phone.body));
    assert_eq!(send(get(&t, &format!("requests/{number}.json"))).await.status, 404);
    assert_eq!(
        send(get(&t, &format!("tokens/{}.json", phone.body["id"].as_str().expect("id"))))
            .await
            .status,
        404
    );
    let token = send(get(&t, &format!("tokens/{ticket_id}.json"))).await.json();
    assert_eq!(token[0]["service_request_id"], id.as_str());
}

async fn bad_posts_are_refused_and_change_nothing(backend: Backend) {
    let t = TestApp::spawn_with(backend, |c| c.open311.max_media_bytes = 2048).await;
    let key = api_key(&t).await;
    let (code, _) = a_service(&t).await;
    let valid = |k: &str| -> Form {
        vec![
            ("api_key".to_owned(), k.to_owned()),
            ("service_code".to_owned(), code.clone()),
            ("address_string".to_owned(), "东城区东四北大街".to_owned()),
            ("description".to_owned(), "垃圾清运不及时".to_owned()),
        ]
    };
    let without =
        |name: &str| -> Form { valid(&key).into_iter().filter(|(k, _)| k != name).collect() };
    // Sets `name` (replacing any value it had).
    let with = |name: &str, value: &str| -> Form {
        let mut form = without(name);
        form.push((name.to_owned(), value.to_owned()));
        form
    };

    // The key: missing, wrong, or one that may not file appeals.
    for form in [without("api_key"), valid("hlt_wrong"), valid("")] {
        let res = send(post(&t, "requests.json").form(&form)).await;
        assert_eq!(res.status, 403, "{}", res.text);
        assert_eq!(res.json()[0]["code"], 403);
    }
    let admin = t.login("admin").await;
    let reader = admin
        .post(
            "/api/v1/api-tokens",
            json!({"name": "只读", "org_id": t.org_id("DONGCHENG").await, "roles": ["unit_handler"]}),
        )
        .await;
    let reader = reader.body["secret"].as_str().expect("secret");
    assert_eq!(send(post(&t, "requests.json").form(&valid(reader))).await.status, 403);

    // Arguments: each refused with a description naming it.
    let no_address = |extra: &[(&str, &str)]| -> Form {
        let mut form = without("address_string");
        form.extend(extra.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
        form
    };
    let cases: Vec<(Form, u16, &str)> = vec![
        (without("service_code"), 400, "service_code"),
        (with("service_code", "999999"), 404, "service_code"),
        (without("description"), 400, "description"),
        (with("description", &"长".repeat(4001)), 400, "description"),
        (without("address_string"), 400, "address_string"),
        (no_address(&[("lat", "39.9")]), 400, "long"),
        (no_address(&[("lat", "north"), ("long", "116.4")]), 400, "lat"),
        (with("attribute[appeal_type]", "gossip"), 400, "attribute[appeal_type]"),
        (with("attribute[colour]", "red"), 400, "attribute[colour]"),
        (with("attribute[occurred_at]", "last week"), 400, "attribute[occurred_at]"),
        (with("phone", "12"), 400, "phone"),
        (with("email", "not-an-email"), 400, "email"),
        (with("email", "a b@example.com"), 400, "email"),
        (with("media_url", "javascript:alert(1)"), 400, "media_url"),
        (with("jurisdiction_id", "elsewhere.gov"), 200, ""),
    ];
    for (form, status, field) in cases {
        let res = send(post(&t, "requests.json").form(&form)).await;
        assert_eq!(res.status, status, "{field}: {}", res.text);
        if status != 200 {
            let first = res.json()[0]["description"].as_str().expect("description").to_owned();
            assert!(first.starts_with(field), "{field}: {first}");
        }
    }
    assert_eq!(open311_tickets(&t).await, 1, "only the valid post (jurisdiction ignored) filed");

    // Bodies: wrong content type, a fake photo, an oversized one.
    let json_body = send(post(&t, "requests.json").json(&json!({"api_key": key}))).await;
    assert_eq!(json_body.status, 400);
    let part = |bytes: Vec<u8>| {
        reqwest::multipart::Form::new()
            .text("api_key", key.clone())
            .text("service_code", code.clone())
            .text("address_string", "东城区")
            .text("description", "照片")
            .part("media", reqwest::multipart::Part::bytes(bytes).file_name("x.png"))
    };
    let fake =
        send(post(&t, "requests.json").multipart(part(b"<script>alert(1)</script>".to_vec())))
            .await;
    assert_eq!(fake.status, 400, "{}", fake.text);
    assert!(fake.json()[0]["description"].as_str().expect("text").starts_with("media"));
    let mut big = PNG.to_vec();
    big.resize(4096, 0);
    let big = send(post(&t, "requests.xml").multipart(part(big))).await;
    assert_eq!(big.status, 413, "{}", big.text);
    assert!(text(big.xml().root_element(), "description").expect("text").starts_with("media"));
    // Form fields over the body limit (1 MiB here) are too large too, not malformed.
    let mut huge = valid(&key);
    huge.push(("address_id".to_owned(), "x".repeat(2 * 1024 * 1024)));
    let huge = send(post(&t, "requests.json").form(&huge)).await;
    assert_eq!((huge.status, &huge.json()[0]["code"]), (413, &json!(413)), "{}", huge.text);
    assert_eq!(open311_tickets(&t).await, 1);

    // Methods the spec does not have answer with its error document, in the path's format.
    let client = reqwest::Client::new();
    let put =
        send(client.put(format!("{}/open311/v2/requests.json", t.base)).form(&valid(&key))).await;
    assert_eq!((put.status, &put.json()[0]["code"]), (405, &json!(405)), "{}", put.text);
    let delete = send(client.delete(format!("{}/open311/v2/services.xml", t.base))).await;
    assert_eq!(delete.status, 405);
    assert!(delete.content_type.contains("xml"), "{}", delete.content_type);
    assert_eq!(text(delete.xml().root_element(), "code"), Some("405"));

    // A configured jurisdiction is enforced.
    let t =
        TestApp::spawn_with(backend, |c| c.open311.jurisdiction_id = Some("beijing.gov.cn".into()))
            .await;
    assert_eq!(send(get(&t, "services.json?jurisdiction_id=shanghai.gov.cn")).await.status, 404);
    assert_eq!(send(get(&t, "services.json?jurisdiction_id=beijing.gov.cn")).await.status, 200);
    assert_eq!(send(get(&t, "services.json")).await.status, 200);
}
