//! A tenant's settings for a policy plugin are checked by the plugin when they are assigned, by
//! the CLI (`tessera plugin assign --settings JSON | --settings-file FILE`) and by the API
//! (`PUT /api/v1/tenants/{tenant}/policies/{kind}`): a key the plugin does not know or a value of
//! the wrong type is refused with the key named, and nothing is stored (no assignment, no audit
//! row). The plugins are the real `.wasm` files built from `plugins/` (TESSERA_PLUGINS_DIST).

use crate::both_backends;
use crate::support::*;
use serde_json::{Value, json};
use tessera_domain::{Role, TenantKind};
use tessera_storage::repo::{audit, policy, tenants};

both_backends!(api_checks_plugin_settings_before_storing_them, cli_checks_plugin_settings_before_storing_them);

/// (assignment of `kind`, number of `policy.assign` audit rows) of tenant `pl078`.
fn stored(srv: &TestServer, kind: &str) -> (Option<policy::Assignment>, usize) {
    let mut c = srv.db().conn().unwrap();
    let t = tenants::by_slug(&mut c, "pl078").unwrap();
    let assignment = policy::get(&mut c, t.id, kind).unwrap();
    (assignment, audit::recent(&mut c, t.id, Some("policy.assign"), 50).unwrap().len())
}

async fn api_checks_plugin_settings_before_storing_them(backend: Backend) {
    let srv = TestServer::start_with_plugins(backend).await;
    let mut c = srv.db().conn().unwrap();
    let inst = tenants::installation(&mut c, start_instant()).unwrap();
    drop(c);
    srv.user(&inst, "admin@tessera.local", Role::InstallationAdmin);
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
