//! A region on loopback, started and stopped by this test: a `pg_auto_failover` monitor, a
//! PostgreSQL primary and a synchronous standby, three `tessera serve` nodes (the binary this
//! build made) and HAProxy with `packaging/region/haproxy.cfg`. A bounded workload (shares and
//! their withdrawals, results imports, sign-ins, searches) runs through HAProxy while one node is killed with
//! SIGKILL and then the primary is stopped, so that the standby is promoted. Checked: every
//! write answered 2xx is there afterwards, no request got a 500 and every 503 carried
//! Retry-After, SOR lookups spread over the three nodes are limited as one, every node's search
//! returns the same results after the last write, and the killed node, restarted, catches up.
//! The failover figures are printed, not asserted.
//!
//! It needs `pg_autoctl` (Debian: postgresql-15-auto-failover, pg-auto-failover-cli) and
//! `haproxy`; the test script installs them. Without them the test says so and passes.

use crate::support::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The demo data set's password, candidate and verifier.
const DEMO_PASSWORD: &str = tessera_daemon::demo::DEMO_PASSWORD;
const CANDIDATE: &str = "PL078000001";
const VERIFIER: &str = "primary@unimi.example";

/// Everything the region runs; dropping it stops every process and removes every file.
struct Region {
    dir: PathBuf,
    pg_bin: PathBuf,
    as_root: bool,
    monitor_port: u16,
    pg_ports: [u16; 2],
    node_ports: [u16; 3],
    haproxy_port: u16,
    database_url: String,
    keepers: Vec<Child>,
    nodes: [Option<Child>; 3],
    haproxy: Option<Child>,
    _tmp: tempfile::TempDir,
}

impl Region {
    fn new(pg_bin: PathBuf) -> Self {
        let tmp = tempfile::Builder::new().prefix("tessera-region").tempdir().unwrap();
        let dir = tmp.path().to_path_buf();
        let as_root = Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0\n"));
        if as_root {
            // pg_autoctl refuses to run as root: PostgreSQL runs as the postgres user.
            assert!(Command::new("chown").args(["postgres:postgres"]).arg(&dir).status().unwrap().success());
        }
        let pg_ports = [free_port(), free_port()];
        let database_url = format!(
            "postgres://postgres@127.0.0.1:{},127.0.0.1:{}/tessera?target_session_attrs=read-write&connect_timeout=2",
            pg_ports[0], pg_ports[1]
        );
        Self {
            dir,
            pg_bin,
            as_root,
            monitor_port: free_port(),
            pg_ports,
            node_ports: [free_port(), free_port(), free_port()],
            haproxy_port: free_port(),
            database_url,
            keepers: Vec::new(),
            nodes: [None, None, None],
            haproxy: None,
            _tmp: tmp,
        }
    }

    /// `pg_autoctl ARGS`, as the postgres user when the test runs as root.
    fn autoctl(&self, args: &[&str]) -> Command {
        let path = format!("{}:{}", self.pg_bin.display(), std::env::var("PATH").unwrap_or_default());
        let vars = [
            format!("PATH={path}"),
            format!("XDG_CONFIG_HOME={}", self.dir.join("xdg-config").display()),
            format!("XDG_DATA_HOME={}", self.dir.join("xdg-data").display()),
            format!("XDG_RUNTIME_DIR={}", self.dir.join("xdg-run").display()),
        ];
        let mut cmd = if self.as_root {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--", "env"]);
            c
        } else {
            Command::new("env")
        };
        cmd.args(&vars).arg("pg_autoctl").args(args).current_dir(&self.dir);
        cmd
    }

    fn log(&self, name: &str) -> std::fs::File {
        std::fs::File::create(self.dir.join(format!("{name}.log"))).unwrap()
    }

    fn pgdata(&self, name: &str) -> String {
        self.dir.join(name).display().to_string()
    }

    /// Starts the monitor, the primary and the standby; returns once the standby is in sync.
    fn start_database(&mut self) {
        let (mon_port, p0, p1) =
            (self.monitor_port.to_string(), self.pg_ports[0].to_string(), self.pg_ports[1].to_string());
        let common = ["--hostname", "127.0.0.1", "--auth", "trust", "--no-ssl", "--run"];
        let monitor = self
            .autoctl(&["create", "monitor", "--pgdata", &self.pgdata("monitor"), "--pgport", &mon_port])
            .args(common)
            .stdout(Stdio::null())
            .stderr(self.log("monitor"))
            .spawn()
            .unwrap();
        self.keepers.push(monitor);
        let monitor_url = format!("postgres://postgres@127.0.0.1:{mon_port}/pg_auto_failover");
        let mut mon = wait_for_pg(&monitor_url, Duration::from_secs(60), &self.dir);
        // Fail over within seconds rather than the defaults' half a minute: health checks
        // every second, a node unhealthy after three, and no long wait for a stopped primary
        // to demote itself (it is gone; in production keep the default, see docs/src/operators/region.md).
        use diesel::connection::SimpleConnection;
        for setting in [
            "health_check_period = 1000",
            "health_check_timeout = 1000",
            "health_check_max_retries = 1",
            "health_check_retry_delay = 500",
            "node_considered_unhealthy_timeout = 3000",
            "primary_demote_timeout = 5000",
        ] {
            mon.batch_execute(&format!("ALTER SYSTEM SET pgautofailover.{setting}")).unwrap();
        }
        mon.batch_execute("SELECT pg_reload_conf()").unwrap();
        let monitor_uri = format!("postgres://autoctl_node@127.0.0.1:{mon_port}/pg_auto_failover?sslmode=prefer");
        for (name, port) in [("pg1", &p0), ("pg2", &p1)] {
            let keeper = self
                .autoctl(&["create", "postgres", "--pgdata", &self.pgdata(name), "--pgport", port])
                .args(["--monitor", &monitor_uri, "--dbname", "tessera", "--name", name])
                .args(common)
                .stdout(Stdio::null())
                .stderr(self.log(name))
                .spawn()
                .unwrap();
            self.keepers.push(keeper);
            if name == "pg1" {
                self.wait_for_states(&[("pg1", "single")], Duration::from_secs(90));
            }
        }
        // The standby's base backup waits for a checkpoint, spread over minutes by default:
        // ask the primary for one now, until the standby is in sync.
        let started = Instant::now();
        loop {
            if self.states().iter().any(|(n, s)| n == "pg2" && s == "secondary") {
                break;
            }
            assert!(started.elapsed() < Duration::from_secs(150), "the standby never caught up: {:?}", self.states());
            if let Ok(mut c) = <diesel::PgConnection as diesel::Connection>::establish(&format!(
                "postgres://postgres@127.0.0.1:{p0}/postgres"
            )) {
                let _ = c.batch_execute("CHECKPOINT");
            }
            std::thread::sleep(Duration::from_secs(1));
        }
        self.wait_for_states(&[("pg1", "primary"), ("pg2", "secondary")], Duration::from_secs(60));
    }

    /// (node name, reported state) of each PostgreSQL node, from the monitor.
    fn states(&self) -> Vec<(String, String)> {
        let out = self.autoctl(&["show", "state", "--pgdata", &self.pgdata("monitor")]).output().unwrap();
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| {
                let cols: Vec<&str> = l.split('|').map(str::trim).collect();
                (cols.len() == 7 && cols[0].starts_with("pg")).then(|| (cols[0].to_owned(), cols[5].to_owned()))
            })
            .collect()
    }

    fn wait_for_states(&self, want: &[(&str, &str)], within: Duration) {
        let started = Instant::now();
        loop {
            let states = self.states();
            if want.iter().all(|(n, s)| states.iter().any(|(n2, s2)| n2 == n && s2 == s)) {
                return;
            }
            assert!(started.elapsed() < within, "PostgreSQL nodes {states:?}, waiting for {want:?}");
            std::thread::sleep(Duration::from_millis(500));
        }
    }

    fn node_dir(&self, i: usize) -> PathBuf {
        self.dir.join(format!("node{}", i + 1))
    }

    fn tessera(&self, i: usize) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_tessera"));
        cmd.env_remove("TESSERA_CONFIG")
            .env("TESSERA_DATA_DIR", self.node_dir(i))
            .env("TESSERA_DATABASE__URL", &self.database_url)
            .env("TESSERA_DATABASE__WAIT_SECONDS", "3")
            .env("TESSERA_SERVER__LISTEN", format!("127.0.0.1:{}", self.node_ports[i]))
            .env("TESSERA_MAIL__TRANSPORT", "file")
            .env("TESSERA_LOG__LEVEL", "info");
        cmd
    }

    /// Starts node `i` (0-based) and waits until it answers /healthz.
    fn start_node(&mut self, i: usize) {
        let dir = self.node_dir(i);
        let plugins = dir.join("plugins");
        std::fs::create_dir_all(&plugins).unwrap();
        if let Ok(dist) = std::env::var("TESSERA_PLUGINS_DIST") {
            for entry in std::fs::read_dir(dist).unwrap() {
                let p = entry.unwrap().path();
                std::fs::copy(&p, plugins.join(p.file_name().unwrap())).unwrap();
            }
        }
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join(format!("node{}.log", i + 1)))
            .unwrap();
        let child = self.tessera(i).arg("serve").stdout(Stdio::null()).stderr(log).spawn().unwrap();
        self.nodes[i] = Some(child);
        wait_for_200(&format!("http://127.0.0.1:{}/healthz", self.node_ports[i]), Duration::from_secs(60), &self.dir);
    }

    fn kill_node(&mut self, i: usize) {
        if let Some(mut child) = self.nodes[i].take() {
            let _ = child.kill(); // SIGKILL
            let _ = child.wait();
        }
    }

    fn start_haproxy(&mut self) {
        let cfg = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../packaging/region/haproxy.cfg");
        let addr = |p: u16| format!("127.0.0.1:{p}");
        let child = Command::new("haproxy")
            .args(["-db", "-f"])
            .arg(cfg)
            .env("TESSERA_LISTEN", addr(self.haproxy_port))
            .env("TESSERA_NODE1", addr(self.node_ports[0]))
            .env("TESSERA_NODE2", addr(self.node_ports[1]))
            .env("TESSERA_NODE3", addr(self.node_ports[2]))
            .env("TESSERA_STATS", addr(free_port()))
            .stdout(self.log("haproxy"))
            .stderr(self.log("haproxy-errors"))
            .spawn()
            .unwrap();
        self.haproxy = Some(child);
        wait_for_200(&format!("{}/healthz", self.base()), Duration::from_secs(30), &self.dir);
    }

    /// HAProxy's address.
    fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.haproxy_port)
    }

    fn node_base(&self, i: usize) -> String {
        format!("http://127.0.0.1:{}", self.node_ports[i])
    }

    /// Stops the primary's keeper and PostgreSQL, as when its machine goes down; returns once
    /// its port takes no connection.
    fn stop_primary(&self) {
        let out = self.autoctl(&["stop", "--pgdata", &self.pgdata("pg1"), "--immediate"]).output().unwrap();
        assert!(out.status.success(), "pg_autoctl stop: {}", String::from_utf8_lossy(&out.stderr));
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", self.pg_ports[0])).is_ok() {
            assert!(started.elapsed() < Duration::from_secs(30), "the primary did not stop");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Region {
    fn drop(&mut self) {
        if let Some(mut h) = self.haproxy.take() {
            let _ = h.kill();
            let _ = h.wait();
        }
        for i in 0..3 {
            self.kill_node(i);
        }
        for name in ["pg1", "pg2", "monitor"] {
            if self.dir.join(name).exists() {
                let _ = self.autoctl(&["stop", "--pgdata", &self.pgdata(name), "--immediate"]).output();
            }
        }
        for mut k in self.keepers.drain(..) {
            for _ in 0..50 {
                if k.try_wait().ok().flatten().is_some() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            let _ = k.kill();
            let _ = k.wait();
        }
        if std::thread::panicking() {
            for log in ["node1", "node2", "node3", "haproxy-errors", "pg1", "pg2", "monitor"] {
                let text = std::fs::read_to_string(self.dir.join(format!("{log}.log"))).unwrap_or_default();
                let tail: Vec<&str> = text.lines().rev().take(25).collect();
                eprintln!("--- {log}.log (last lines, newest first)\n{}", tail.join("\n"));
            }
        }
    }
}

fn wait_for_pg(url: &str, within: Duration, dir: &Path) -> diesel::PgConnection {
    let started = Instant::now();
    loop {
        if let Ok(c) = <diesel::PgConnection as diesel::Connection>::establish(url) {
            return c;
        }
        assert!(started.elapsed() < within, "{url} never answered (logs in {})", dir.display());
        std::thread::sleep(Duration::from_millis(300));
    }
}

fn wait_for_200(url: &str, within: Duration, dir: &Path) {
    let started = Instant::now();
    loop {
        let ok = Command::new("curl")
            .args(["-sf", "--max-time", "2", url])
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if ok {
            return;
        }
        assert!(started.elapsed() < within, "{url} never answered 200 (logs in {})", dir.display());
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// What the workload saw.
#[derive(Default)]
struct Tally {
    ok: AtomicU64,
    refused: AtomicU64,
    cut: AtomicU64,
    errors: Mutex<Vec<String>>,
    /// Shares the server acknowledged, and whether their withdrawal was acknowledged too.
    shares: Mutex<Vec<(String, bool)>>,
    /// Results imports acknowledged, and cut by the killed node (maybe done, maybe not).
    imports: AtomicU64,
    imports_cut: AtomicU64,
    /// Signed-in clients the server acknowledged (their sessions must survive).
    sessions: Mutex<Vec<reqwest::Client>>,
    /// When the primary was told to stop, when it no longer took connections, the requests
    /// refused from then on until a write (sent after the primary was down) succeeded again,
    /// and how long after the stop that was.
    primary_stopped: Mutex<Option<Instant>>,
    primary_down: Mutex<Option<Instant>>,
    /// When node 2 was killed.
    killed: Mutex<Option<Instant>>,
    refused_during_failover: AtomicU64,
    writes_back: Mutex<Option<Duration>>,
}

impl Tally {
    /// Counts a response; `false` unless it was a 2xx (or an expected 4xx).
    fn count(&self, what: &str, res: &Result<reqwest::Response, reqwest::Error>, write: bool, sent: Instant) -> bool {
        match res {
            Ok(r) if r.status().is_success() => {
                self.ok.fetch_add(1, Ordering::Relaxed);
                let down = *self.primary_down.lock().unwrap();
                if write
                    && down.is_some_and(|d| sent >= d)
                    && let Some(stopped) = *self.primary_stopped.lock().unwrap()
                {
                    self.writes_back.lock().unwrap().get_or_insert(stopped.elapsed());
                }
                true
            }
            Ok(r) if r.status() == StatusCode::SERVICE_UNAVAILABLE => {
                self.refused.fetch_add(1, Ordering::Relaxed);
                if self.primary_stopped.lock().unwrap().is_some() && self.writes_back.lock().unwrap().is_none() {
                    self.refused_during_failover.fetch_add(1, Ordering::Relaxed);
                }
                if !r.headers().contains_key("retry-after") {
                    self.errors.lock().unwrap().push(format!("{what}: 503 without Retry-After"));
                }
                false
            }
            // A request in flight on the node killed with SIGKILL: HAProxy answers 502 (a write
            // is never sent twice). It was not acknowledged.
            Ok(r) if r.status() == StatusCode::BAD_GATEWAY => {
                self.cut.fetch_add(1, Ordering::Relaxed);
                false
            }
            Ok(r) => {
                self.errors.lock().unwrap().push(format!("{what}: {}", r.status()));
                false
            }
            // Sent to the node as it was killed, or in the two seconds before HAProxy's checks
            // take it out (a kept-alive connection to it is reset): HAProxy may close the
            // client's connection instead of answering 502. Not acknowledged either.
            Err(e)
                if !e.is_timeout()
                    && self.killed.lock().unwrap().is_some_and(|k| {
                        sent <= k + Duration::from_secs(3) && k.elapsed() < Duration::from_secs(8)
                    }) =>
            {
                self.cut.fetch_add(1, Ordering::Relaxed);
                false
            }
            Err(e) => {
                let since = |t: &Mutex<Option<Instant>>| {
                    t.lock().unwrap().map(|t| format!("{:.1} s", t.elapsed().as_secs_f64()))
                };
                self.errors.lock().unwrap().push(format!(
                    "{what}: {e} (since the kill: {:?}, since the primary's stop: {:?})",
                    since(&self.killed),
                    since(&self.primary_stopped)
                ));
                false
            }
        }
    }
}

/// The header of the board's results file for B2 First.
const RESULTS_HEADER: &str =
    "candidate_number,status,overall_score,grade,cefr,Reading,Use of English,Writing,Listening,Speaking\n";

/// A new FCE session of the demo centre with one entry, dated around today (the nodes run on
/// the real clock): (signed-in manager, CSRF token, session id, entry id, candidate number).
async fn results_session(base: &str) -> (reqwest::Client, String, String, String, String) {
    let (http, csrf) = sign_in(base, "pl078", "manager@pl078.example").await.expect("the centre manager signs in");
    let today = chrono::Utc::now().date_naive();
    let day = |n: i64| (today + chrono::Duration::days(n)).to_string();
    let session = json!({
        "exam_code": "FCE", "written_date": day(20), "time_of_day": "AM", "delivery": "PB",
        "fee_minor": 81000, "late_fee_minor": 15000, "currency": "PLN",
        "registration_opens": day(-10), "registration_closes": day(5), "late_entry_deadline": day(10),
        "capacity": 20, "minimum_candidates": 1,
        "release_at": format!("{} 09:00", day(60)), "release_timezone": "Europe/London",
        "speaking_window_start": day(15), "speaking_window_end": day(21), "venue": "Katowice",
        "timetable": [
            {"component": "Reading", "day": day(20), "starts_at": "09:00", "venue": "Main building", "room": "101"},
            {"component": "Writing", "day": day(20), "starts_at": "10:30", "venue": "Main building", "room": "101"},
            {"component": "Speaking", "day": day(15), "starts_at": "14:00", "venue": "Main building", "room": "12"}
        ]
    });
    let post =
        |path: &str, body: Value| http.post(format!("{base}{path}")).header("x-csrf-token", &csrf).json(&body).send();
    let res = post("/api/v1/sessions", session).await.unwrap();
    assert_eq!(res.status(), StatusCode::CREATED, "session: {}", res.text().await.unwrap());
    let session_id = res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    let entry = json!({"session_id": session_id, "first_name": "Region", "family_name": "Failover",
        "date_of_birth": "1999-05-04", "email": "region@mail.example", "phone": "+48 600 100 200",
        "nationality": "PL", "id_document_type": "national_id_card", "id_document_number": "ABC123456"});
    let res = post("/api/v1/entries", entry).await.unwrap();
    assert_eq!(res.status(), StatusCode::CREATED, "entry: {}", res.text().await.unwrap());
    let entry_id = res.json::<Value>().await.unwrap()["entry_id"].as_str().unwrap().to_owned();
    let details: Value =
        http.get(format!("{base}/api/v1/entries/{entry_id}/details")).send().await.unwrap().json().await.unwrap();
    let number = details["entry"]["candidate_number"]
        .as_str()
        .unwrap_or_else(|| panic!("the entry has a candidate number: {details}"))
        .to_owned();
    (http, csrf, session_id, entry_id, number)
}

/// A client signed in through `base`, with its CSRF token.
async fn sign_in(base: &str, tenant: &str, login: &str) -> Option<(reqwest::Client, String)> {
    let http = client();
    let res = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"tenant": tenant, "login": login, "password": DEMO_PASSWORD}))
        .send()
        .await
        .ok()?;
    if !res.status().is_success() {
        return None;
    }
    let body: Value = res.json().await.ok()?;
    Some((http, body["csrf_token"].as_str()?.to_owned()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_region_survives_a_killed_node_and_a_failover() {
    let tools = ["pg_autoctl", "haproxy", "curl"].iter().all(|t| {
        Command::new("sh")
            .args(["-c", &format!("command -v {t}")])
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    });
    let pg_bin = std::fs::read_dir("/usr/lib/postgresql")
        .ok()
        .and_then(|d| d.filter_map(|e| e.ok().map(|e| e.path().join("bin"))).filter(|p| p.is_dir()).max());
    let (true, Some(pg_bin)) = (tools, pg_bin) else {
        eprintln!(
            "skipped: the region test needs pg_autoctl, haproxy, curl and PostgreSQL (tests/run.sh installs them)"
        );
        return;
    };
    let started = Instant::now();
    let mut region = tokio::task::spawn_blocking(move || {
        let mut r = Region::new(pg_bin);
        r.start_database();
        let out = r.tessera(0).arg("demo").output().unwrap();
        assert!(out.status.success(), "tessera demo: {}", String::from_utf8_lossy(&out.stderr));
        for i in 0..3 {
            r.start_node(i);
        }
        r.start_haproxy();
        r
    })
    .await
    .unwrap();
    println!("figure: region up in {:.1} s", started.elapsed().as_secs_f64());
    let base = region.base();

    // Set-up through HAProxy: the candidate's entries and the verifier's id.
    let (cand, cand_csrf) = sign_in(&base, "pl078", CANDIDATE).await.expect("the candidate signs in");
    let results: Value =
        cand.get(format!("{base}/api/v1/candidate/results")).send().await.unwrap().json().await.unwrap();
    let entries: Vec<String> = results
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["released"] == true)
        .filter_map(|r| r["entry_id"].as_str().map(str::to_owned))
        .collect();
    let dir: Value =
        cand.get(format!("{base}/api/v1/candidate/verifiers?q=Milano")).send().await.unwrap().json().await.unwrap();
    let verifier_id = dir[0]["id"].as_str().expect("unimi is in the directory").to_owned();
    // The entry to share: the first the server accepts.
    let mut entry = None;
    for e in &entries {
        let res = cand
            .post(format!("{base}/api/v1/candidate/shares"))
            .header("x-csrf-token", &cand_csrf)
            .json(&json!({"verifier": verifier_id, "entry_ids": [e]}))
            .send()
            .await
            .unwrap();
        if res.status() == StatusCode::CREATED {
            let made: Value = res.json().await.unwrap();
            let id = made[0]["id"].as_str().unwrap().to_owned();
            let res = cand
                .post(format!("{base}/api/v1/candidate/shares/{id}/withdraw"))
                .header("x-csrf-token", &cand_csrf)
                .send()
                .await
                .unwrap();
            assert!(res.status().is_success());
            entry = Some(e.clone());
            break;
        }
    }
    let entry = entry.expect("one of the candidate's results can be shared");
    let (verifier, _) = sign_in(&base, "unimi", VERIFIER).await.expect("the verifier signs in");
    let (centre, centre_csrf, session, results_entry, candidate_number) = results_session(&base).await;

    // The workload: a writer sharing and withdrawing, sign-ins, searches; until `stop`.
    let tally = Arc::new(Tally::default());
    let stop = Arc::new(AtomicBool::new(false));
    let mut tasks = Vec::new();
    {
        let (tally, stop, base, cand, csrf, verifier_id, entry) = (
            tally.clone(),
            stop.clone(),
            base.clone(),
            cand.clone(),
            cand_csrf.clone(),
            verifier_id.clone(),
            entry.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut live: Option<String> = None;
            while !stop.load(Ordering::Relaxed) {
                match live.clone() {
                    None => {
                        let sent = Instant::now();
                        let res = cand
                            .post(format!("{base}/api/v1/candidate/shares"))
                            .header("x-csrf-token", &csrf)
                            .json(&json!({"verifier": verifier_id, "entry_ids": [entry]}))
                            .send()
                            .await;
                        if tally.count("share", &res, true, sent) {
                            let made: Value = res.unwrap().json().await.unwrap();
                            let id = made[0]["id"].as_str().unwrap().to_owned();
                            tally.shares.lock().unwrap().push((id.clone(), false));
                            live = Some(id);
                        }
                    }
                    Some(id) => {
                        let sent = Instant::now();
                        let res = cand
                            .post(format!("{base}/api/v1/candidate/shares/{id}/withdraw"))
                            .header("x-csrf-token", &csrf)
                            .send()
                            .await;
                        if tally.count("withdraw", &res, true, sent) {
                            for s in tally.shares.lock().unwrap().iter_mut().filter(|s| s.0 == id) {
                                s.1 = true;
                            }
                            live = None;
                        } else if let Ok(r) = res
                            && r.status() == StatusCode::BAD_GATEWAY
                        {
                            // Cut by the killed node: the withdrawal may or may not have
                            // happened; the next share attempt tells.
                            live = None;
                        }
                    }
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            // The last write leaves the result shared, for the search check.
            if let Some(id) = live {
                return id;
            }
            loop {
                let sent = Instant::now();
                let res = cand
                    .post(format!("{base}/api/v1/candidate/shares"))
                    .header("x-csrf-token", &csrf)
                    .json(&json!({"verifier": verifier_id, "entry_ids": [entry]}))
                    .send()
                    .await;
                if tally.count("share", &res, true, sent) {
                    let made: Value = res.unwrap().json().await.unwrap();
                    let id = made[0]["id"].as_str().unwrap().to_owned();
                    tally.shares.lock().unwrap().push((id.clone(), false));
                    return id;
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }));
    }
    let mut others = Vec::new();
    {
        let (tally, stop, base) = (tally.clone(), stop.clone(), base.clone());
        others.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let http = client();
                let sent = Instant::now();
                let res = http
                    .post(format!("{base}/api/v1/auth/login"))
                    .json(&json!({"tenant": "unimi", "login": "admin@unimi.example", "password": DEMO_PASSWORD}))
                    .send()
                    .await;
                if tally.count("sign-in", &res, true, sent) {
                    tally.sessions.lock().unwrap().push(http);
                }
                tokio::time::sleep(Duration::from_millis(150)).await;
            }
        }));
    }
    {
        let (tally, stop, base, verifier) = (tally.clone(), stop.clone(), base.clone(), verifier.clone());
        others.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let sent = Instant::now();
                let res = verifier.get(format!("{base}/api/v1/verifier/search?id_number={CANDIDATE}")).send().await;
                tally.count("search", &res, false, sent);
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }));
    }

    {
        let (tally, stop, base, centre, csrf, session, number) = (
            tally.clone(),
            stop.clone(),
            base.clone(),
            centre.clone(),
            centre_csrf.clone(),
            session.clone(),
            candidate_number.clone(),
        );
        others.push(tokio::spawn(async move {
            // The board's file for the session, imported again and again: each import that
            // is answered 2xx adds one result version, each refused one adds none.
            let csv = format!("{RESULTS_HEADER}{number},graded,176,B,B2,170,175,180,172,183\n");
            while !stop.load(Ordering::Relaxed) {
                let sent = Instant::now();
                let res = centre
                    .post(format!("{base}/api/v1/sessions/{session}/results"))
                    .header("x-csrf-token", &csrf)
                    .header("content-type", "text/csv")
                    .body(csv.clone())
                    .send()
                    .await;
                if tally.count("results import", &res, true, sent) {
                    tally.imports.fetch_add(1, Ordering::Relaxed);
                } else if res.is_ok_and(|r| r.status() == StatusCode::BAD_GATEWAY) {
                    tally.imports_cut.fetch_add(1, Ordering::Relaxed);
                }
                tokio::time::sleep(Duration::from_millis(300)).await;
            }
        }));
    }

    // Node 2 dies; then the primary stops and the standby is promoted.
    tokio::time::sleep(Duration::from_secs(4)).await;
    *tally.killed.lock().unwrap() = Some(Instant::now());
    region.kill_node(1);
    println!("node 2 killed with SIGKILL");
    tokio::time::sleep(Duration::from_secs(4)).await;
    *tally.primary_stopped.lock().unwrap() = Some(Instant::now());
    let region = tokio::task::spawn_blocking(move || {
        region.stop_primary();
        region
    })
    .await
    .unwrap();
    *tally.primary_down.lock().unwrap() = Some(Instant::now());
    println!("primary stopped");
    let waited = Instant::now();
    while tally.writes_back.lock().unwrap().is_none() {
        assert!(
            waited.elapsed() < Duration::from_secs(120),
            "no write succeeded within two minutes of the primary's stop"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    stop.store(true, Ordering::Relaxed);
    let last_share = tasks.pop().unwrap().await.unwrap();
    let last_write = Instant::now();
    for t in others {
        t.await.unwrap();
    }

    // Every live node's search finds the last write; the killed node, restarted, catches up.
    let node_bases: Vec<String> = (0..3).map(|i| region.node_base(i)).collect();
    let found_on = |i: usize| {
        let (url, verifier, last_share) = (
            format!("{}/api/v1/verifier/search?id_number={CANDIDATE}", node_bases[i]),
            verifier.clone(),
            last_share.clone(),
        );
        async move {
            let waited = Instant::now();
            loop {
                let body: Value = verifier.get(&url).send().await.unwrap().json().await.unwrap_or(Value::Null);
                if body["results"].as_array().is_some_and(|r| r.iter().any(|x| x["share_id"] == last_share.as_str())) {
                    return;
                }
                assert!(waited.elapsed() < Duration::from_secs(30), "{url} never found the last share: {body}");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    };
    let mut converged = Vec::new();
    for i in [0, 2] {
        found_on(i).await;
        converged.push(format!("node {}: {:.2} s", i + 1, last_write.elapsed().as_secs_f64()));
    }
    let restarted = Instant::now();
    let region = tokio::task::spawn_blocking(move || {
        let mut region = region;
        region.start_node(1);
        region
    })
    .await
    .unwrap();
    found_on(1).await;
    converged.push(format!("node 2 (restarted): {:.2} s after its start", restarted.elapsed().as_secs_f64()));
    let answers: Vec<Value> = {
        let mut v = Vec::new();
        for i in 0..3 {
            let url = format!("{}/api/v1/verifier/search?id_number={CANDIDATE}", region.node_base(i));
            v.push(verifier.get(&url).send().await.unwrap().json::<Value>().await.unwrap()["results"].clone());
        }
        v
    };
    assert!(answers.iter().all(|a| a == &answers[0]), "every node's search returns the same results: {answers:?}");

    // Zero acknowledged writes lost: every acknowledged share is there, withdrawn if that was
    // acknowledged; every acknowledged sign-in's session still works.
    let listed: Value = cand.get(format!("{base}/api/v1/candidate/shares")).send().await.unwrap().json().await.unwrap();
    let listed = listed.as_array().unwrap();
    let acked = tally.shares.lock().unwrap().clone();
    let mut lost: u64 = 0;
    for (id, withdrawn) in &acked {
        match listed.iter().find(|s| s["id"] == id.as_str()) {
            None => lost += 1,
            Some(s) if *withdrawn && s["active"] == true => lost += 1,
            Some(_) => {}
        }
    }
    let sessions = tally.sessions.lock().unwrap().clone();
    for http in &sessions {
        let res = http.get(format!("{base}/api/v1/me")).send().await.unwrap();
        if res.status() != StatusCode::OK {
            lost += 1;
        }
    }

    let details: Value = centre
        .get(format!("{base}/api/v1/entries/{results_entry}/details"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let versions = details["result_versions"].as_array().map_or(0, Vec::len) as u64;
    let (imports, imports_cut) = (tally.imports.load(Ordering::Relaxed), tally.imports_cut.load(Ordering::Relaxed));
    if versions < imports {
        lost += imports - versions;
    }
    assert!(versions <= imports + imports_cut, "{versions} result versions from {imports} acknowledged imports");

    // The SOR-lookup budget (ten per user per ten minutes) holds over the three nodes at once.
    let (looker, looker_csrf) = sign_in(&region.node_base(0), "unimi", VERIFIER).await.unwrap();
    let mut statuses = Vec::new();
    for i in 0..12 {
        let res = looker
            .post(format!("{}/api/v1/verifier/lookup", region.node_base(i % 3)))
            .header("x-csrf-token", &looker_csrf)
            .json(&json!({"sor_number": "SOR-0000-00000", "date_of_birth": "2000-01-01"}))
            .send()
            .await
            .unwrap();
        statuses.push(res.status().as_u16());
    }

    let errors = tally.errors.lock().unwrap().clone();
    println!(
        "figure: failover: writes through HAProxy succeeded again {:.1} s after the primary stopped; \
         {} requests refused (503 with Retry-After) meanwhile; acknowledged writes lost: {lost} \
         (of {} shares or withdrawals, {imports} results imports and {} sign-ins)",
        tally.writes_back.lock().unwrap().unwrap().as_secs_f64(),
        tally.refused_during_failover.load(Ordering::Relaxed),
        acked.len() + acked.iter().filter(|s| s.1).count(),
        sessions.len(),
    );
    println!(
        "figure: workload: {} answered 2xx, {} refused 503, {} cut by the SIGKILL (502 or a closed connection); the last write found by \
         search: {:?}",
        tally.ok.load(Ordering::Relaxed),
        tally.refused.load(Ordering::Relaxed),
        tally.cut.load(Ordering::Relaxed),
        converged,
    );
    assert!(errors.is_empty(), "no 500, no other error, no hang: {errors:?}");
    assert_eq!(lost, 0, "acknowledged writes lost");
    assert_eq!(statuses.iter().filter(|s| **s != 429).count(), 10, "lookups over three nodes: {statuses:?}");
    assert_eq!(&statuses[10..], &[429, 429], "{statuses:?}");
    let region = tokio::task::spawn_blocking(move || drop(region));
    region.await.unwrap();
}
