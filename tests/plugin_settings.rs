//! A tenant's settings for a policy plugin are checked by the plugin when they are assigned, by
//! the CLI (`tessera plugin assign --settings JSON | --settings-file FILE`) and by the API
//! (`PUT /api/v1/tenants/{tenant}/policies/{kind}`): a key the plugin does not know or a value of
//! the wrong type is refused with the key named, and nothing is stored (no assignment, no audit
//! row). The plugins are the real `.wasm` files built from `plugins/` (TESSERA_PLUGINS_DIST).

use crate::both_backends;
use crate::support::*;
use serde_json::{Value, json};
use tessera_domain::{DomainError, ErrorCode, Locale, Role, TenantKind};
use tessera_storage::repo::{audit, policy, tenants};

both_backends!(
    api_checks_plugin_settings_before_storing_them,
    cli_checks_plugin_settings_before_storing_them,
    admin_sets_plugin_settings_field_by_field,
    audit_page_shows_details_in_the_readers_words
);

/// (assignment of `kind`, number of `policy.assign` audit rows) of tenant `pl078`.
fn stored(srv: &TestServer, kind: &str) -> (Option<policy::Assignment>, usize) {
    let mut c = srv.db().conn().unwrap();
    let t = tenants::by_slug(&mut c, "pl078").unwrap();
    let assignment = policy::get(&mut c, t.id, kind).unwrap();
    (assignment, audit::recent(&mut c, t.id, Some("policy.assign"), 50).unwrap().len())
}

/// A server with the shipped plugins and its installation admin.
async fn installation(backend: Backend) -> (TestServer, tenants::Tenant) {
    let srv = TestServer::start_with_plugins(backend).await;
    let inst = tenants::installation(&mut srv.db().conn().unwrap(), start_instant()).unwrap();
    srv.user(&inst, "admin@tessera.local", Role::InstallationAdmin);
    (srv, inst)
}

async fn api_checks_plugin_settings_before_storing_them(backend: Backend) {
    let (srv, _) = installation(backend).await;
    srv.tenant("pl078", TenantKind::Centre);
    let http = client();
    let csrf = api_login(&http, &srv, "installation", "admin@tessera.local", PASSWORD).await;
    let put = |kind: &'static str, body: Value| {
        let (http, csrf) = (http.clone(), csrf.clone());
        let url = srv.url(&format!("/api/v1/tenants/pl078/policies/{kind}"));
        async move {
            let res = http.put(url).header("x-csrf-token", csrf).json(&body).send().await.unwrap();
            (res.status().as_u16(), res.json::<Value>().await.unwrap_or(Value::Null))
        }
    };

    // The API: an unknown key and a value of the wrong type, each named in `field`.
    let (status, v) = put("refund", json!({"plugin": "pl", "config": {"medical_basis_pints": 7500}})).await;
    assert_eq!(status, 400, "{v}");
    assert_eq!(
        (v["error"]["code"].as_str(), v["error"]["field"].as_str()),
        (Some("invalid_input"), Some("config.medical_basis_pints"))
    );
    assert!(v["error"]["message"].as_str().unwrap().contains("medical_basis_pints"), "{v}");
    let (status, v) =
        put("photo", json!({"plugin": "it", "config": {"visible_to_verifiers": true, "photographed_exams": 7}})).await;
    assert_eq!(status, 400, "{v}");
    assert_eq!(v["error"]["field"], "config.photographed_exams", "{v}");
    let (status, v) = put("photo", json!({"plugin": "it", "config": {"photographed_exams": ["chemistry"]}})).await;
    assert_eq!((status, v["error"]["field"].as_str()), (400, Some("config.photographed_exams")), "{v}");
    // The manifest's settings schema holds here too: a share above 100 % is refused by name.
    let (status, v) = put("refund", json!({"plugin": "pl", "config": {"medical_basis_points": 15000}})).await;
    assert_eq!((status, v["error"]["field"].as_str()), (400, Some("config.medical_basis_points")), "{v}");
    assert!(v["error"]["message"].as_str().unwrap().contains("above the maximum 10000"), "{v}");
    let (status, v) = put("photo", json!({"plugin": "it", "config": "fce"})).await;
    assert_eq!((status, v["error"]["field"].as_str()), (400, Some("config")), "{v}");
    for kind in ["refund", "photo"] {
        let (assignment, audited) = stored(&srv, kind);
        assert!(assignment.is_none() && audited == 0, "nothing stored for {kind}: {assignment:?}, {audited}");
    }
    let (status, v) = put("refund", json!({"plugin": "pl", "config": {"medical_basis_points": 7500}})).await;
    assert_eq!(status, 204, "{v}");
    let (assignment, audited) = stored(&srv, "refund");
    assert_eq!((assignment.map(|a| a.plugin), audited), (Some("pl".to_owned()), 1));
    srv.stop().await;
}

async fn cli_checks_plugin_settings_before_storing_them(backend: Backend) {
    let srv = TestServer::start_with_plugins(backend).await;
    srv.tenant("pl078", TenantKind::Centre);
    // The CLI against the server's database and plugins.
    let plugins = srv.running.as_ref().unwrap().state.policies.dir().to_path_buf();
    let data = plugins.parent().unwrap().to_path_buf();
    let env = [("TESSERA_DATABASE__URL", srv.database_url.as_str()), ("TESSERA_DATA_DIR", data.to_str().unwrap())];
    let cli = |args: &[&str]| tessera(args, &env, None);
    fn with<'a>(extra: &[&'a str]) -> Vec<&'a str> {
        [&["plugin", "assign", "--tenant", "pl078", "--kind", "photo"][..], extra, &["it"]].concat()
    }

    // `--config` is the global flag naming Tessera's configuration file, wherever it is typed:
    // it no longer collides with the command's own (it panicked), and settings go elsewhere.
    let (code, _, err) = cli(&with(&["--config", r#"{"photographed_exams": ["fce"]}"#]));
    assert!(code == 3 && !err.contains("panicked"), "{code}: {err}");

    let (code, _, err) = cli(&with(&["--settings", r#"{"photographed_exams": 7}"#]));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--settings: key `photographed_exams`"), "{err}");
    let (code, _, err) = cli(&with(&["--settings", r#"{"photographed_exams": ["fce"], "visible": true}"#]));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("key `visible`") && err.contains("unknown field"), "{err}");
    let (code, _, err) = cli(&with(&["--settings", "[1]"]));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--settings: expected a JSON object"), "{err}");
    let (assignment, audited) = stored(&srv, "photo");
    assert!(assignment.is_none() && audited == 0, "nothing stored by the refused commands: {assignment:?}, {audited}");

    let (code, _, err) = cli(&with(&["--settings", "{}", "--settings-file", "x.json"]));
    assert_eq!(code, 2, "the two are exclusive: {err}");

    let file = data.join("it-settings.json");
    std::fs::write(&file, r#"{"photographed_exams": ["fce", "cae"]}"#).unwrap();
    let (code, out, err) = cli(&with(&["--settings-file", file.to_str().unwrap()]));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("`it` now decides photo for `pl078`"), "{out}");
    let (assignment, audited) = stored(&srv, "photo");
    let config: Value = serde_json::from_str(&assignment.unwrap().config).unwrap();
    assert_eq!((config, audited), (json!({"photographed_exams": ["fce", "cae"]}), 1));
    srv.stop().await;
}

/// `text` as the templates write it (HTML-escaped the way minijinja does).
fn esc(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#x27;")
        .replace('/', "&#x2f;")
}

/// The page's `<input>`/`<textarea>`/`<label>` markup around the control `name`, for asserts.
fn control<'a>(html: &'a str, name: &str) -> &'a str {
    let at = html.find(&format!(r#"id="{name}""#)).unwrap_or_else(|| panic!("no control {name}:\n{html}"));
    let start = html[..at].rfind('<').unwrap();
    &html[start..(at + 400).min(html.len())]
}

async fn get(http: &reqwest::Client, srv: &TestServer, path: &str) -> (u16, String) {
    let res = http.get(srv.url(path)).send().await.unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

/// The installation admin assigns a plugin in two steps (question and plugin, then its settings):
/// the settings page shows one control per setting of the plugin's `[settings]` schema, labelled
/// and explained by the plugin in the admin's language (Polish, Hungarian, Italian), filled with
/// the plugin's defaults; a bad value is refused beside its field, named by its label in the
/// admin's language, with the error summary linking to it, the typed values kept and nothing
/// stored; good values are stored as the typed configuration and change the plugin's decision.
async fn admin_sets_plugin_settings_field_by_field(backend: Backend) {
    let (srv, inst) = installation(backend).await;
    srv.tenant("pl078", TenantKind::Centre);
    let http = client();
    assert_eq!(login(&http, &srv, &inst.slug, "admin@tessera.local", PASSWORD).await.status(), 303);
    let settings =
        |kind: &str, plugin: &str| format!("/admin/tenants/pl078/plugins/settings?kind={kind}&plugin={plugin}");

    // Polish: the pl plugin's refund settings.
    crate::crawl::set_every_locale(&srv, Locale::Pl);
    let (status, html) = get(&http, &srv, "/admin/tenants/pl078/plugins").await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains(r#"action="/admin/tenants/pl078/plugins/settings""#) && html.contains("Dalej"), "{html}");
    let (status, html) = get(&http, &srv, &settings("refund", "pl")).await;
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains(r#"<label for="config.medical_basis_points">Zwrot przy nieobecności z powodu choroby</label>"#),
        "{html}"
    );
    assert!(html.contains("Część opłaty zwracana, gdy kandydat był chory"), "the hint: {html}");
    let medical = control(&html, "config.medical_basis_points");
    assert!(medical.contains(r#"type="number""#) && medical.contains(r#"value="60""#), "60% as typed: {medical}");
    assert!(
        medical.contains(r#"min="0" max="100""#)
            && medical.contains(r#"aria-describedby="config.medical_basis_points-hint""#),
        "{medical}"
    );
    let payout = control(&html, "config.payout_days");
    assert!(payout.contains(r#"value="14""#) && payout.contains(r#"min="1" max="90""#), "{payout}");
    assert!(html.contains(r#"<label for="config.payout_days">Termin wypłaty zwrotu (dni)</label>"#), "{html}");
    let nationalities = control(&html, "config.nationalities");
    assert!(nationalities.starts_with("<textarea") && nationalities.contains(">PL</textarea>"), "{nationalities}");
    let dyslexia = control(&html, "config.extra_time_conditions");
    assert!(
        dyslexia.contains(r#"type="checkbox""#) && dyslexia.contains(" checked") && dyslexia.contains("Dysleksja"),
        "{dyslexia}"
    );
    assert!(html.contains("Dyskalkulia") && !html.contains("dyscalculia\" checked"), "{html}");
    assert!(
        !html.contains("medical_basis_points =") && !html.contains("<textarea id=\"config\""),
        "no JSON box: {html}"
    );

    // Hungarian: the hu plugin's optional illness share is empty (the centre decides).
    crate::crawl::set_every_locale(&srv, Locale::Hu);
    let (_, html) = get(&http, &srv, &settings("refund", "hu")).await;
    assert!(html.contains("Visszatérítés betegség miatti távollét esetén (nem kötelező)"), "{html}");
    assert!(control(&html, "config.medical_basis_points").contains(r#"value="""#), "{html}");
    assert!(html.contains("Egyedi vizsgakörülmények kérése (héttel előtte)"), "{html}");

    // Italian: the it plugin's exams are checkboxes, its flag a checkbox.
    crate::crawl::set_every_locale(&srv, Locale::It);
    let (_, html) = get(&http, &srv, &settings("photo", "it")).await;
    assert!(html.contains(&format!("<legend>{}</legend>", esc("Esami con foto il giorno dell'esame"))), "{html}");
    assert!(html.contains("I verificatori vedono la foto") && html.contains("Assegna"), "{html}");
    let flag = control(&html, "config.visible_to_verifiers");
    assert!(flag.contains(r#"type="checkbox""#) && flag.contains(" checked"), "{flag}");

    // A bad submission in Italian: each field refused by its own label, nothing stored.
    let (_, page) = get(&http, &srv, &settings("refund", "pl")).await;
    let csrf = csrf_of(&page);
    let mut form: Vec<(String, String)> =
        vec![("csrf".into(), csrf.clone()), ("kind".into(), "refund".into()), ("plugin".into(), "pl".into())];
    let pl_values = [
        ("medical_basis_points", "150"),
        ("bereavement_basis_points", "60"),
        ("refund_documents_days", "14"),
        ("payout_days", "quattordici"),
        ("enquiry_days", "15"),
        ("coe_contact_days", "10"),
        ("conduct_complaint_days", "7"),
        ("special_arrangements_major_months", "2"),
        ("certificate_retention_years", "2"),
        ("nationalities", "PL\nPOL"),
        ("extra_time_conditions", "dyslexia"),
        ("extra_time_conditions", "dyscalculia"),
        ("extra_time_report_min_age", "13"),
    ];
    form.extend(pl_values.iter().map(|(k, v)| (format!("config.{k}"), (*v).to_owned())));
    let res = http.post(srv.url("/admin/tenants/pl078/plugins")).form(&form).send().await.unwrap();
    assert_eq!(res.status(), 400);
    let html = res.text().await.unwrap();
    let it = |e: tessera_domain::DomainError| e.message(Locale::It);
    let out_of_range = it(DomainError::new(ErrorCode::OutOfRange)
        .on("config.medical_basis_points")
        .labelled("Rimborso per assenza dovuta a malattia")
        .arg("min", "0")
        .arg("max", "100"));
    assert!(out_of_range.starts_with("Rimborso per assenza dovuta a malattia: "), "{out_of_range}");
    let not_a_number = it(DomainError::new(ErrorCode::InvalidNumber)
        .on("config.payout_days")
        .labelled("Giorni per pagare un rimborso")
        .arg("value", "quattordici"));
    let too_long = it(DomainError::new(ErrorCode::TooLong)
        .on("config.nationalities")
        .labelled("Cittadinanze interessate")
        .arg("max", 2));
    for (field, message) in [
        ("config.medical_basis_points", &out_of_range),
        ("config.payout_days", &not_a_number),
        ("config.nationalities", &too_long),
    ] {
        let message = esc(message);
        assert!(
            html.contains(&format!(r##"<a href="#{field}">{message}</a>"##)),
            "summary links to {field}: {message}\n{html}"
        );
        assert!(html.contains(&format!(r#"<p class="field-error" id="{field}-error">{message}</p>"#)), "{html}");
        assert!(control(&html, field).contains(r#"aria-invalid="true""#), "{html}");
    }
    assert!(control(&html, "config.medical_basis_points").contains(r#"value="150""#), "typed values stay: {html}");
    assert!(control(&html, "config.payout_days").contains(r#"value="quattordici""#), "{html}");
    assert!(control(&html, "config.nationalities").contains("PL\nPOL</textarea>"), "{html}");
    assert!(html.contains(r#"value="dyscalculia" checked"#), "{html}");
    let (assignment, audited) = stored(&srv, "refund");
    assert!(assignment.is_none() && audited == 0, "nothing stored: {assignment:?}, {audited}");

    // Good values: stored as the typed configuration.
    let good: Vec<(String, String)> = form
        .iter()
        .map(|(k, v)| match k.as_str() {
            "config.medical_basis_points" => (k.clone(), "75".to_owned()),
            "config.payout_days" => (k.clone(), "21".to_owned()),
            "config.nationalities" => (k.clone(), "PL\n\n UA \n".to_owned()),
            _ => (k.clone(), v.clone()),
        })
        .collect();
    let res = http.post(srv.url("/admin/tenants/pl078/plugins")).form(&good).send().await.unwrap();
    assert_eq!(location(&res), "/admin/tenants/pl078/plugins?done=assigned");
    let (assignment, audited) = stored(&srv, "refund");
    let config: Value = serde_json::from_str(&assignment.unwrap().config).unwrap();
    assert_eq!(audited, 1);
    assert_eq!(
        config,
        json!({
            "medical_basis_points": 7500, "bereavement_basis_points": 6000, "refund_documents_days": 14,
            "payout_days": 21, "enquiry_days": 15, "coe_contact_days": 10, "conduct_complaint_days": 7,
            "special_arrangements_major_months": 2, "certificate_retention_years": 2,
            "nationalities": ["PL", "UA"], "extra_time_conditions": ["dyslexia", "dyscalculia"],
            "extra_time_report_min_age": 13
        })
    );
    // "Change" opens the settings again, filled with the tenant's.
    let (_, html) = get(&http, &srv, &settings("refund", "pl")).await;
    assert!(control(&html, "config.medical_basis_points").contains(r#"value="75""#), "{html}");

    // The it plugin through the form changes its decision: FCE is no longer photographed.
    let mut photo: Vec<(String, String)> = vec![
        ("csrf".into(), csrf.clone()),
        ("kind".into(), "photo".into()),
        ("plugin".into(), "it".into()),
        ("config.photographed_exams".into(), "cae".into()),
    ];
    let res = http.post(srv.url("/admin/tenants/pl078/plugins")).form(&photo).send().await.unwrap();
    assert_eq!(location(&res), "/admin/tenants/pl078/plugins?done=assigned");
    let (assignment, _) = stored(&srv, "photo");
    let config: Value = serde_json::from_str(&assignment.unwrap().config).unwrap();
    assert_eq!(
        config,
        json!({"photographed_exams": ["cae"], "visible_to_verifiers": false}),
        "an unticked box is false"
    );
    let api = client();
    let token = api_login(&api, &srv, &inst.slug, "admin@tessera.local", PASSWORD).await;
    let facts = json!({"exam": "fce", "candidate_date_of_birth": "1995-01-01", "registration_date": "2026-04-10"});
    let res = api
        .post(srv.url("/api/v1/tenants/pl078/decisions/photo"))
        .header("x-csrf-token", token)
        .json(&facts)
        .send()
        .await
        .unwrap();
    let d: Value = res.json().await.unwrap();
    assert_eq!((d["plugin"].as_str(), &d["output"]["required"]), (Some("it"), &json!(false)), "{d}");

    // A choice the plugin does not offer (a forged form) is refused by the setting's label.
    photo[3].1 = "chemistry".into();
    let res = http.post(srv.url("/admin/tenants/pl078/plugins")).form(&photo).send().await.unwrap();
    assert_eq!(res.status(), 400);
    let html = res.text().await.unwrap();
    assert!(html.contains(r##"<a href="#config.photographed_exams">Esami con foto il giorno dell"##), "{html}");

    // The plugin has the last word: a schema looser than the plugin (an age from -5) lets -1
    // through the form, the plugin refuses it, and the page names the field it refused.
    let running = &srv.running.as_ref().unwrap().state.policies;
    let dist = std::path::PathBuf::from(std::env::var("TESSERA_PLUGINS_DIST").unwrap());
    std::fs::copy(dist.join("pl.wasm"), running.dir().join("loose.wasm")).unwrap();
    let manifest = std::fs::read_to_string(dist.join("pl.toml")).unwrap().replace("name = \"pl\"", "name = \"loose\"");
    let at = manifest.find("[settings.extra_time_report_min_age]").unwrap();
    let loose = format!("{}{}", &manifest[..at], manifest[at..].replacen("min = 0", "min = -5", 1));
    std::fs::write(running.dir().join("loose.toml"), loose).unwrap();
    assert!(running.reload().failed.is_empty());
    let looser: Vec<(String, String)> = good
        .iter()
        .map(|(k, v)| match k.as_str() {
            "plugin" => (k.clone(), "loose".to_owned()),
            "config.extra_time_report_min_age" => (k.clone(), "-1".to_owned()),
            _ => (k.clone(), v.clone()),
        })
        .collect();
    let res = http.post(srv.url("/admin/tenants/pl078/plugins")).form(&looser).send().await.unwrap();
    assert_eq!(res.status(), 400);
    let html = res.text().await.unwrap();
    let refused = it(DomainError::new(ErrorCode::SettingRefused)
        .on("config.extra_time_report_min_age")
        .labelled("Età minima alla relazione (anni)"));
    assert!(
        html.contains(&format!(r##"<a href="#config.extra_time_report_min_age">{}</a>"##, esc(&refused))),
        "{html}"
    );
    let (assignment, _) = stored(&srv, "refund");
    assert_eq!(assignment.unwrap().plugin, "pl", "the refused settings were not stored");
    srv.stop().await;
}

/// `tessera plugin check` reads the `[settings]` schema: a shipped plugin's form is listed, a
/// manifest without a schema is accepted with a note (its page is the JSON box), and a schema
/// that does not parse, names a key missing from `[config]`, or refuses its own default is
/// refused as `invalid_settings`, naming the key.
#[test]
fn plugin_check_refuses_a_broken_settings_schema() {
    let dist = std::path::PathBuf::from(std::env::var("TESSERA_PLUGINS_DIST").expect("TESSERA_PLUGINS_DIST"));
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let env = [("TESSERA_DATA_DIR", d.to_str().unwrap())];
    let check = |manifest: &str| {
        let sub = tempfile::tempdir_in(d).unwrap();
        std::fs::copy(dist.join("pl.wasm"), sub.path().join("pl.wasm")).unwrap();
        std::fs::write(sub.path().join("pl.toml"), manifest).unwrap();
        tessera(&["plugin", "check", sub.path().join("pl.toml").to_str().unwrap()], &env, None)
    };
    let manifest = std::fs::read_to_string(dist.join("pl.toml")).unwrap();
    let (code, out, err) = check(&manifest);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("settings form: medical_basis_points, bereavement_basis_points,"), "{out}");

    let plain = &manifest[..manifest.find("\n[settings.").unwrap()];
    let (code, out, err) = check(plain);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("no [settings] schema"), "{out}");

    let labels = r#"label = { en = "X", pl = "X", hu = "X", it = "X" }
hint = { en = "X", pl = "X", hu = "X", it = "X" }"#;
    let broken = [
        (format!("{manifest}\n[settings.colour]\ntype = \"colour\"\n{labels}\n"), "settings"),
        (format!("{manifest}\n[settings.payout_weeks]\ntype = \"integer\"\n{labels}\n"), "settings.payout_weeks"),
        (manifest.replace("payout_days = 14", "payout_days = 400"), "settings.payout_days"),
        (manifest.replacen("label = { en = \"Refund for absence through illness\", ", "label = { ", 1), "settings"),
        (manifest.replace("[settings.enquiry_days]", "[settings.enquiry_dayz]"), "enquiry_day"),
    ];
    for (text, named) in broken {
        let (code, out, err) = check(&text);
        assert_eq!(code, 2, "refused: {out}{err}");
        assert!(err.contains("[invalid_settings]") && err.contains(named), "{named}: {err}");
    }
}

/// The audit log page shows each record's details as labelled values in the reader's language
/// (Italian here): a plugin assignment's settings by the plugin's own labels and choices, a role
/// through its label, an instant in the installation's time zone, a yes-or-no in words; never
/// JSON, a key or a code (a detail without a label is left out).
async fn audit_page_shows_details_in_the_readers_words(backend: Backend) {
    let (srv, inst) = installation(backend).await;
    let centre = srv.tenant("pl078", TenantKind::Centre);
    crate::crawl::set_every_locale(&srv, Locale::It);
    let http = client();
    assert_eq!(login(&http, &srv, &inst.slug, "admin@tessera.local", PASSWORD).await.status(), 303);
    let (_, page) = get(&http, &srv, "/admin/tenants/pl078/plugins/settings?kind=photo&plugin=it").await;
    let form = [
        ("csrf", csrf_of(&page)),
        ("kind", "photo".into()),
        ("plugin", "it".into()),
        ("config.photographed_exams", "cae".into()),
        ("config.photographed_exams", "cpe".into()),
    ];
    let res = http.post(srv.url("/admin/tenants/pl078/plugins")).form(&form).send().await.unwrap();
    assert_eq!(location(&res), "/admin/tenants/pl078/plugins?done=assigned");
    let mut c = srv.db().conn().unwrap();
    let ev = audit::AuditEvent {
        actor: None,
        action: "user.create",
        target: Some("someone"),
        details: json!({"role": "centre_manager", "due": "2026-06-01T10:00:00Z", "cancel_entry": true, "mystery_key": "x"}),
        request_id: None,
    };
    audit::append(&mut c, centre.id, &ev, start_instant()).unwrap();
    drop(c);

    let (status, html) = get(&http, &srv, "/admin/audit?tenant=pl078").await;
    assert_eq!(status, 200, "{html}");
    let settings =
        "Esami con foto il giorno dell&#x27;esame: C1 Advanced, C2 Proficiency; I verificatori vedono la foto: No";
    assert!(html.contains(&format!("<dt>Impostazioni</dt><dd>{settings}</dd>")), "the plugin's labels: {html}");
    assert!(html.contains("<dt>Plugin</dt><dd>it</dd>") && html.contains("<dt>Versione</dt><dd>1.0.0</dd>"), "{html}");
    assert!(html.contains("<dt>Ruolo</dt><dd>Responsabile del centro</dd>"), "a code through its label: {html}");
    assert!(html.contains("<dt>Scadenza</dt><dd>1 giugno 2026, 11:00 BST</dd>"), "in the zone, in words: {html}");
    assert!(html.contains("<dt>Iscrizione annullata</dt><dd>Sì</dd>"), "{html}");
    for raw in
        ["photographed_exams", "visible_to_verifiers", "centre_manager", "2026-06-01T", "mystery", "{&quot;", "{\""]
    {
        assert!(!html.contains(raw), "no raw detail `{raw}` on the page: {html}");
    }
    srv.stop().await;
}
