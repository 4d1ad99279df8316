//! The HTTP edge under hostile input: bodies over the limit, the framework's own refusals, sign-in
//! probing for logins, page security headers, and ids of other tenants or of nothing on every
//! route that takes one.

use crate::both_backends;
use crate::support::*;
use chrono::Duration;
use diesel::prelude::*;
use diesel::sql_types::Text;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use tessera_daemon::demo::DEMO_PASSWORD;
use tessera_domain::{Role, TenantKind};

both_backends!(every_route_answers_413_above_its_body_limit, sign_in_answers_alike_for_unknown_and_locked_logins);
both_backends!(every_route_with_an_id_answers_404_for_foreign_and_made_up_ids);

const LIMIT: usize = 64 * 1024;

/// A body a little over the limit (small enough for the socket's buffers: the server answers
/// without reading it, and a client still writing would see the connection closed).
fn oversized() -> Vec<u8> {
    vec![b'x'; LIMIT + 4096]
}

/// A browser-like client that opens a connection per request: the server closes a connection
/// whose body it refused unread, and a pooled one could be reused just as it closes.
fn unpooled_client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(0)
        .build()
        .unwrap()
}

async fn error_of(res: reqwest::Response) -> Value {
    let ct = res.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    let text = res.text().await.unwrap();
    assert!(ct.starts_with("application/json"), "an API error is JSON, got `{ct}`: {text}");
    let body: Value = serde_json::from_str(&text).unwrap_or_else(|_| panic!("JSON error body: {text}"));
    assert!(body["error"]["code"].is_string() && body["error"]["message"].is_string(), "error shape: {body}");
    body["error"].clone()
}

async fn assert_html_error(res: reqwest::Response, status: u16, what: &str) {
    assert_eq!(res.status(), status, "{what}");
    let ct = res.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    assert!(ct.starts_with("text/html"), "{what}: an error page, got `{ct}`");
    let html = res.text().await.unwrap();
    assert!(html.contains("<main id=\"main\"") && html.contains("class=\"error\""), "{what}: the error page:\n{html}");
}

fn upload(field: &str, bytes: Vec<u8>, extra: &[(&str, &str)]) -> reqwest::multipart::Form {
    let mut form = reqwest::multipart::Form::new();
    for (k, v) in extra {
        form = form.text(k.to_string(), v.to_string());
    }
    form.part(
        field.to_owned(),
        reqwest::multipart::Part::bytes(bytes).file_name("big.png").mime_str("image/png").unwrap(),
    )
}

/// Any id of `table` in the tenant `slug` (set-up through SQL, the same on both backends).
fn some_id(url: &str, table: &str, slug: &str) -> Option<String> {
    #[derive(QueryableByName)]
    struct Id {
        #[diesel(sql_type = Text)]
        id: String,
    }
    let sql =
        format!("SELECT {table}.id AS id FROM {table} JOIN tenants t ON t.id = {table}.tenant_id WHERE t.slug = $1");
    let rows: Vec<Id> = match url.strip_prefix("sqlite://") {
        Some(path) => diesel::sql_query(sql.replace("$1", "?"))
            .bind::<Text, _>(slug)
            .load(&mut SqliteConnection::establish(path).unwrap())
            .unwrap(),
        None => diesel::sql_query(sql).bind::<Text, _>(slug).load(&mut PgConnection::establish(url).unwrap()).unwrap(),
    };
    rows.into_iter().next().map(|r| r.id)
}

/// How many rows each table holds: nothing may be written by a refused request (sessions record
/// when they were last used; everything else must stay as it was).
fn row_counts(url: &str) -> BTreeMap<String, i64> {
    let db = tessera_storage::Db::open(url, 1).unwrap();
    let mut counts = tessera_storage::transfer::row_counts(&mut db.conn().unwrap()).unwrap();
    counts.remove("auth_sessions");
    counts
}

async fn every_route_answers_413_above_its_body_limit(backend: Backend) {
    let srv = TestServer::start_with(backend, |c| c.server.body_limit_bytes = LIMIT).await;
    srv.demo();
    let session = some_id(&srv.database_url, "exam_sessions", "pl078").unwrap();
    let entry = some_id(&srv.database_url, "entries", "pl078").unwrap();

    // The API: JSON, multipart and raw bodies, in the error shape.
    let api = unpooled_client();
    let token = api_login(&api, &srv, "pl078", "manager@pl078.example", DEMO_PASSWORD).await;
    let res = api
        .post(srv.url("/api/v1/auth/login"))
        .header("content-type", "application/json")
        .body(oversized())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 413, "JSON body over the limit");
    assert_eq!(error_of(res).await["code"], "payload_too_large");
    for (path, form) in [
        (format!("/api/v1/entries/{entry}/documents"), upload("file", oversized(), &[("kind", "id_copy")])),
        (format!("/api/v1/entries/{entry}/photo"), upload("file", oversized(), &[])),
    ] {
        let res = api.post(srv.url(&path)).header("x-csrf-token", &token).multipart(form).send().await.unwrap();
        assert_eq!(res.status(), 413, "multipart body over the limit on {path}");
        assert_eq!(error_of(res).await["code"], "payload_too_large", "{path}");
    }
    let res = api
        .post(srv.url(&format!("/api/v1/sessions/{session}/results")))
        .header("x-csrf-token", &token)
        .header("content-type", "text/csv")
        .body(oversized())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 413, "a results file over the limit");
    assert_eq!(error_of(res).await["code"], "payload_too_large");
    let res = api
        .post(srv.url(&format!("/api/v1/sessions/{session}/cancel")))
        .header("x-csrf-token", &token)
        .body(oversized())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 413, "a route that reads no body refuses one over the limit too");
    assert_eq!(error_of(res).await["code"], "payload_too_large");

    // Pages: forms and uploads, as an error page.
    let page = unpooled_client();
    let csrf = csrf_of(&page.get(srv.url("/t/pl078/login")).send().await.unwrap().text().await.unwrap());
    let big = "x".repeat(LIMIT + 4096);
    let res = page
        .post(srv.url("/t/pl078/login"))
        .form(&[("csrf", csrf.as_str()), ("login", big.as_str()), ("password", "x")])
        .send()
        .await
        .unwrap();
    assert_html_error(res, 413, "a sign-in form over the limit").await;
    let res = login(&page, &srv, "pl078", "manager@pl078.example", DEMO_PASSWORD).await;
    assert_eq!(res.status(), 303);
    let csrf = csrf_of(&page.get(srv.url("/centre")).send().await.unwrap().text().await.unwrap());
    for path in [format!("/centre/entries/{entry}/documents"), format!("/centre/sessions/{session}/results")] {
        let form = upload("file", oversized(), &[("csrf", csrf.as_str()), ("kind", "id_copy")]);
        let res = page.post(srv.url(&path)).multipart(form).send().await.unwrap();
        assert_html_error(res, 413, &format!("an upload over the limit on {path}")).await;
    }
    let res = page
        .post(srv.url(&format!("/centre/entries/{entry}/payments")))
        .form(&[("csrf", csrf.as_str()), ("amount", big.as_str())])
        .send()
        .await
        .unwrap();
    assert_html_error(res, 413, "a centre form over the limit").await;
    let res = page.post(srv.url("/logout")).body(oversized()).send().await.unwrap();
    assert_html_error(res, 413, "sign-out with a body over the limit").await;
    srv.stop().await;
}

/// axum's own refusals (bad JSON, wrong content type, a query that does not parse, an unknown
/// route, a method a route does not have) use the error shape, naming the field where known.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn framework_rejections_use_the_error_shape() {
    let srv = TestServer::start(Backend::Sqlite).await;
    let centre = srv.tenant("pl078", TenantKind::Centre);
    srv.user(&centre, "manager@pl078.example", Role::CentreManager);
    let http = client();
    let post = |body: &'static str, ct: &'static str| {
        http.post(srv.url("/api/v1/auth/login")).header("content-type", ct).body(body).send()
    };
    let res = post("{\"tenant\": ", "application/json").await.unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(error_of(res).await["code"], "invalid_json");
    let res = post("tenant=pl078", "text/plain").await.unwrap();
    assert_eq!(res.status(), 415);
    assert_eq!(error_of(res).await["code"], "unsupported_media_type");
    let res = post("{\"tenant\": \"pl078\", \"login\": \"x\"}", "application/json").await.unwrap();
    assert_eq!(res.status(), 400, "the status follows from the code");
    let err = error_of(res).await;
    assert_eq!((err["code"].as_str(), err["field"].as_str()), (Some("invalid_input"), Some("password")), "{err}");
    let res = post("{\"tenant\": 7, \"login\": \"x\", \"password\": \"y\"}", "application/json").await.unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(error_of(res).await["field"], "tenant");

    let token = api_login(&http, &srv, "pl078", "manager@pl078.example", PASSWORD).await;
    let res = http.get(srv.url("/api/v1/candidates?limit=many")).send().await.unwrap();
    assert_eq!(res.status(), 400);
    let err = error_of(res).await;
    assert_eq!((err["code"].as_str(), err["field"].as_str()), (Some("invalid_input"), Some("limit")), "{err}");
    let res = http
        .post(srv.url("/api/v1/entries/e1/documents"))
        .header("x-csrf-token", &token)
        .json(&json!({"kind": "id_copy"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400, "JSON where a multipart form is expected");
    assert_eq!(error_of(res).await["code"], "invalid_input");
    let res = http.get(srv.url("/api/v1/no/such/route")).send().await.unwrap();
    assert_eq!(res.status(), 404);
    assert_eq!(error_of(res).await["code"], "not_found");
    let res = http.delete(srv.url("/api/v1/me")).header("x-csrf-token", &token).send().await.unwrap();
    assert_eq!(res.status(), 405);
    assert!(res.headers().contains_key("allow"));
    assert_eq!(error_of(res).await["code"], "method_not_allowed");

    // Pages answer the same refusals with a page.
    let page = client();
    let res = page.post(srv.url("/t/pl078/login")).header("content-type", "application/json").body("{}").send().await;
    assert_html_error(res.unwrap(), 415, "a sign-in form posted as JSON").await;
    let res = page.get(srv.url("/no/such/page")).send().await.unwrap();
    assert_html_error(res, 404, "an unknown page").await;
    srv.stop().await;
}

/// Every answer of a sign-in attempt, with what differs between two logins (the login typed, the
/// anti-forgery token) blanked out.
async fn answer(res: reqwest::Response, login_name: &str) -> (u16, Option<String>, String) {
    let status = res.status().as_u16();
    let code = res.headers().get("x-error-code").map(|v| v.to_str().unwrap().to_owned());
    let mut body = res.text().await.unwrap().replace(login_name, "LOGIN");
    if let Some(at) = body.find("name=\"csrf\" value=\"") {
        let start = at + "name=\"csrf\" value=\"".len();
        body.replace_range(start..start + 32, "CSRF");
    }
    (status, code, body)
}

async fn sign_in_answers_alike_for_unknown_and_locked_logins(backend: Backend) {
    let srv = TestServer::start_with(backend, |c| c.auth.login_failures_per_address = 1000).await;
    let centre = srv.tenant("pl078", TenantKind::Centre);
    srv.user(&centre, "staff@pl078.example", Role::CentreStaff);
    srv.user(&centre, "clerk@pl078.example", Role::CentreStaff);

    // The API: five wrong passwords, the right one, then the same after the lock has run out.
    let api_attempts = |login_name: &'static str| {
        let srv = &srv;
        async move {
            let http = client();
            let mut answers = Vec::new();
            let mut try_password = async |password: &str| {
                let res = http
                    .post(srv.url("/api/v1/auth/login"))
                    .json(&json!({"tenant": "pl078", "login": login_name, "password": password}))
                    .send()
                    .await
                    .unwrap();
                answers.push(answer(res, login_name).await);
            };
            for _ in 0..5 {
                try_password("wrong guess 12").await;
            }
            try_password(PASSWORD).await;
            answers
        }
    };
    let existing = api_attempts("staff@pl078.example").await;
    let unknown = api_attempts("ghost@pl078.example").await;
    assert_eq!(existing[3].0, 423, "R-LOCKOUT still locks the account on the fourth wrong password");
    assert_eq!(existing[5].0, 423, "and the right password is refused while it is locked");
    assert_eq!(existing, unknown, "the API answers alike for an existing and an unknown login");

    // Pages: the same, with the form.
    let page_attempts = |login_name: &'static str| {
        let srv = &srv;
        async move {
            let http = client();
            let mut answers = Vec::new();
            for password in ["wrong guess 12", "wrong guess 12", "wrong guess 12", "wrong guess 12", PASSWORD] {
                answers.push(answer(login(&http, srv, "pl078", login_name, password).await, login_name).await);
            }
            answers
        }
    };
    let existing = page_attempts("clerk@pl078.example").await;
    let unknown = page_attempts("nobody@pl078.example").await;
    assert_eq!(existing[3].0, 423);
    assert_eq!(existing, unknown, "the sign-in page answers alike for an existing and an unknown login");

    // After 30 minutes both are "unlocked" and the count starts again.
    srv.advance(Duration::minutes(31));
    let existing = api_attempts("staff@pl078.example").await;
    let unknown = api_attempts("ghost@pl078.example").await;
    assert_eq!(existing[0].0, 401);
    assert_eq!(existing[3].0, 423);
    assert_eq!(existing, unknown, "after the lock has run out too");
    srv.stop().await;
}

/// Every page carries a strict Content-Security-Policy and needs nothing inline to work.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_send_a_strict_content_security_policy() {
    let srv = TestServer::start(Backend::Sqlite).await;
    srv.demo();
    let http = client();
    let check = async |path: &str, res: reqwest::Response| {
        let h = res.headers().clone();
        let csp = h.get("content-security-policy").unwrap_or_else(|| panic!("{path}: no CSP")).to_str().unwrap();
        for directive in [
            "default-src 'self'",
            "script-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
            "form-action 'self'",
        ] {
            assert!(csp.contains(directive), "{path}: `{directive}` in `{csp}`");
        }
        assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"), "{path}: {csp}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert!(h.contains_key("referrer-policy"), "{path}");
        let html = res.text().await.unwrap();
        assert!(!html.contains("<script") && !html.contains("<style") && !html.contains(" style="), "{path}: inline");
        assert!(html.contains("<link rel=\"stylesheet\" href=\"/static/tessera.css\">"), "{path}");
    };
    for path in ["/", "/t/pl078/login", "/t/nope/login", "/t/pl078/enter", "/organisations/signup"] {
        check(path, http.get(srv.url(path)).send().await.unwrap()).await;
    }
    assert_eq!(login(&http, &srv, "unimi", "primary@unimi.example", DEMO_PASSWORD).await.status(), 303);
    for path in ["/verifier", "/verifier/shared", "/verifier/download-templates", "/verifier/notifications"] {
        check(path, http.get(srv.url(path)).send().await.unwrap()).await;
    }
    let css = http.get(srv.url("/static/tessera.css")).send().await.unwrap();
    assert_eq!(css.status(), 200);
    assert!(css.headers()["content-type"].to_str().unwrap().starts_with("text/css"));
    assert!(css.text().await.unwrap().contains("tr.new"), "the styles that were inline are in the file");
    srv.stop().await;
}

/// A value for a request body described by `schema` in the OpenAPI document `doc`.
fn sample(doc: &Value, schema: &Value) -> Value {
    if let Some(r) = schema["$ref"].as_str() {
        let name = r.rsplit('/').next().unwrap();
        return sample(doc, &doc["components"]["schemas"][name]);
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        if let Some(first) = schema[key].as_array().and_then(|a| a.iter().find(|s| s["type"] != "null")) {
            return sample(doc, first);
        }
    }
    if !schema["example"].is_null() {
        return schema["example"].clone();
    }
    if let Some(first) = schema["enum"].as_array().and_then(|e| e.first()) {
        return first.clone();
    }
    let ty = match &schema["type"] {
        Value::Array(types) => types.iter().find(|t| *t != "null").cloned().unwrap_or(Value::Null),
        t => t.clone(),
    };
    match ty.as_str().unwrap_or("object") {
        "object" => {
            // The required properties, and optional ones with an example: an optional value is
            // better left out than made up.
            let props = schema["properties"].as_object().cloned().unwrap_or_default();
            let required: Vec<&str> =
                schema["required"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
            let wanted = |k: &str, s: &Value| required.contains(&k) || !s["example"].is_null();
            Value::Object(
                props.iter().filter(|(k, s)| wanted(k, s)).map(|(k, s)| (k.clone(), sample(doc, s))).collect(),
            )
        }
        "array" => json!([sample(doc, &schema["items"])]),
        "integer" => json!(1),
        "number" => json!(1.0),
        "boolean" => json!(false),
        _ => match schema["format"].as_str() {
            Some("date") => json!("2027-03-01"),
            Some("date-time") => json!("2027-03-01T10:00:00Z"),
            _ => json!("x"),
        },
    }
}

/// The smallest PNG a sniffing upload check accepts.
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";

async fn every_route_with_an_id_answers_404_for_foreign_and_made_up_ids(backend: Backend) {
    let srv = TestServer::start(backend).await;
    srv.demo();
    let url = srv.database_url.clone();
    // Who may call each area: then a 404 is about the id, not about the caller.
    let signed_in = async |slug: &str, login_name: &str| {
        let http = client();
        let token = api_login(&http, &srv, slug, login_name, DEMO_PASSWORD).await;
        (http, token)
    };
    let centre = signed_in("pl078", "manager@pl078.example").await;
    let candidate = signed_in("pl078", "PL078000001").await;
    let verifier = signed_in("unimi", "primary@unimi.example").await;
    let admin = signed_in("installation", "admin@tessera.local").await;
    let anonymous = (client(), String::new());

    let doc: Value = client().get(srv.url("/api/openapi.json")).send().await.unwrap().json().await.unwrap();
    // Ids of the other centre, for the resources a centre's routes name.
    let foreign_table = |path: &str| match path.trim_start_matches("/v1/").split('/').next().unwrap() {
        "sessions" => Some("exam_sessions"),
        "entries" => Some("entries"),
        "candidates" => Some("candidates"),
        "results" => Some("results"),
        "users" => Some("users"),
        "documents" => Some("entry_documents"),
        "cases" => Some("entry_cases"),
        "enquiries" => Some("enquiries"),
        "appeals" => Some("appeals"),
        "refunds" => Some("refund_requests"),
        "candidate" if path.starts_with("/v1/candidate/results/") => Some("entries"),
        "candidate" if path.starts_with("/v1/candidate/entries/") => Some("entries"),
        "candidate" if path.starts_with("/v1/candidate/shares/") => Some("result_shares"),
        _ => None,
    };
    let before = row_counts(&url);
    let (mut walked, mut wrong) = (0, Vec::new());
    for (path, ops) in doc["paths"].as_object().unwrap() {
        if !path.contains('{') {
            continue;
        }
        let made_up = uuid::Uuid::new_v4().to_string();
        let mut ids = vec![("made-up", made_up)];
        if let Some(id) = foreign_table(path).and_then(|t| some_id(&url, t, "hu012")) {
            ids.push(("hu012's", id));
        }
        for (method, op) in ops.as_object().unwrap() {
            let (http, token) = match path.trim_start_matches("/v1/").split('/').next().unwrap() {
                "candidate" => &candidate,
                "verifier" => &verifier,
                "tenants" => &admin,
                "public" => &anonymous,
                _ => &centre,
            };
            for (whose, id) in &ids {
                let mut concrete = path.clone();
                for p in op["parameters"].as_array().into_iter().flatten().filter(|p| p["in"] == "path") {
                    let name = p["name"].as_str().unwrap();
                    let value = match name {
                        "decision" => "uphold",
                        "step" => "confirm",
                        "kind" => "refund",
                        "tenant" => "no-such-tenant",
                        _ => id.as_str(),
                    };
                    concrete = concrete.replace(&format!("{{{name}}}"), value);
                }
                let target = srv.url(&format!("/api{concrete}"));
                let mut req = http
                    .request(method.to_uppercase().parse().unwrap(), &target)
                    .header("x-csrf-token", token.as_str());
                let content = &op["requestBody"]["content"];
                if let Some(s) = content.get("application/json") {
                    req = req.json(&sample(&doc, &s["schema"]));
                } else if let Some(s) = content.get("multipart/form-data") {
                    let mut form = reqwest::multipart::Form::new();
                    let body = sample(&doc, &s["schema"]);
                    let schema = &doc["components"]["schemas"]
                        [s["schema"]["$ref"].as_str().unwrap().rsplit('/').next().unwrap()];
                    for (k, v) in body.as_object().unwrap() {
                        form = if schema["properties"][k]["format"] == "binary" {
                            form.part(
                                k.clone(),
                                reqwest::multipart::Part::bytes(PNG).file_name("a.png").mime_str("image/png").unwrap(),
                            )
                        } else {
                            form.text(k.clone(), v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string()))
                        };
                    }
                    req = req.multipart(form);
                } else if content.get("text/csv").is_some() {
                    req = req.header("content-type", "text/csv").body("candidate_number,grade\n0001,A\n");
                }
                let res = req.send().await.unwrap();
                let status = res.status().as_u16();
                let body = res.text().await.unwrap();
                let code = serde_json::from_str::<Value>(&body).ok().map(|e| e["error"]["code"].clone());
                if !(status == 405 || (status == 404 && code == Some(json!("not_found")))) {
                    wrong.push(format!("{} {concrete} with {whose} id: {status} {body}", method.to_uppercase()));
                }
                walked += 1;
            }
        }
    }
    assert!(wrong.is_empty(), "every route with an id answers 404 for ids not the caller's:\n{}", wrong.join("\n"));
    assert!(walked > 60, "every route with an id was walked ({walked} calls)");
    assert_eq!(row_counts(&url), before, "refused requests write nothing (not even an audit row)");
    srv.stop().await;
}
