//! The search indexer of one server process: it applies the database's search change log to this
//! process's own indexes and remembers how far it got in `<search dir>/indexer.json`.
//!
//! Applying a log row means "make the share's document match the database now": the document is
//! read again (or removed when the share is no longer active), so rows may be applied twice or
//! out of order and the index still ends at the truth. That is what makes crash recovery simple
//! (re-apply from the last saved position) and what lets two processes share one log.
//!
//! PostgreSQL hands out sequence numbers in order but transactions may commit out of order: a
//! row with a lower number can appear after a higher one was read. The indexer therefore keeps a
//! *watermark* (every row at or below it is applied) and only moves it past a missing number once
//! the number has been missing for [`GAP_GRACE`] (a rolled-back transaction leaves a hole that is
//! never filled). Rows above the watermark are re-read on every pass and skipped if applied.

use anyhow::Context;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tessera_domain::{TenantId, TenantKind};
use tessera_search::{Change, SearchIndexes, SharedResultDoc};
use tessera_storage::Db;
use tessera_storage::repo::search_log::{self, IndexRow};
use tessera_storage::repo::tenants;
use tokio::sync::watch;

/// How long a missing log number is waited for before the watermark moves past it.
pub const GAP_GRACE: Duration = Duration::from_secs(30);
/// Log rows read per pass.
const BATCH: i64 = 2_000;
/// When a process starts without a saved position it rebuilds every index from the database;
/// on PostgreSQL it then re-applies this many of the latest log rows, so a change that committed
/// during the rebuild but was numbered before its start is not lost. (SQLite numbers and commits
/// writes one at a time: what commits during the rebuild is numbered after its start.)
const REPLAY_AFTER_REBUILD: i64 = 10_000;

/// The saved position.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
struct Saved {
    watermark: i64,
    /// The index format the position belongs to ([`tessera_search::INDEX_FORMAT`]); a file
    /// written before formats were numbered reads as 0.
    #[serde(default)]
    format: u32,
}

/// Builds the search document of an index row (place of entry: the centre's country).
pub fn document(r: IndexRow) -> SharedResultDoc {
    let place = country_name(&r.centre_country).to_owned();
    SharedResultDoc {
        share_id: r.share_id,
        centre_tenant_id: r.centre_tenant_id,
        entry_id: r.entry_id,
        first_name: r.first_name,
        family_name: r.family_name,
        date_of_birth: r.date_of_birth,
        id_number: r.id_number,
        email: r.email,
        exam_code: r.exam_code,
        exam_name: r.exam_name,
        exam_date: r.exam_date,
        centre_name: r.centre_name,
        place_of_entry: format!("{place} ({})", r.centre_country),
        sor_number: r.sor_number,
        shared_at: r.shared_at.and_utc(),
    }
}

/// English names of the countries the seeds name; others show their code.
pub fn country_name(code: &str) -> &str {
    match code {
        "PL" => "Poland",
        "HU" => "Hungary",
        "IT" => "Italy",
        "GB" => "United Kingdom",
        "DE" => "Germany",
        "FR" => "France",
        "ES" => "Spain",
        other => other,
    }
}

/// Rebuilds `tenant`'s index from the database; `progress(done, total)` is called per batch.
pub fn rebuild(
    db: &Db,
    search: &SearchIndexes,
    tenant: TenantId,
    mut progress: impl FnMut(u64, u64),
) -> anyhow::Result<u64> {
    let started = Instant::now();
    let mut conn = db.conn()?;
    let total = search_log::active_count(&mut conn, tenant)? as u64;
    let mut build = search.rebuild(tenant)?;
    let mut after = String::new();
    let mut done = 0u64;
    let (mut reading, mut adding) = (Duration::ZERO, Duration::ZERO);
    progress(0, total);
    // Each row joins six tables: with SQLite's default 2 MiB page cache their indexes are read
    // from the file again and again.
    tessera_storage::conn::with_large_cache(&mut conn, 64, |conn| -> anyhow::Result<()> {
        loop {
            let t = Instant::now();
            let rows = search_log::page(conn, tenant, &after, 5_000)?;
            let Some(last) = rows.last() else { return Ok(()) };
            after = last.share_id.clone();
            let docs: Vec<SharedResultDoc> = rows.into_iter().map(document).collect();
            reading += t.elapsed();
            let t = Instant::now();
            done += docs.len() as u64;
            build.add(&docs)?;
            adding += t.elapsed();
            progress(done, total.max(done));
        }
    })?;
    let t = Instant::now();
    let n = build.finish()?;
    tracing::info!(
        %tenant,
        documents = n,
        seconds = started.elapsed().as_secs_f64(),
        reading_database = reading.as_secs_f64(),
        handing_to_the_writer = adding.as_secs_f64(),
        committing_and_merging = t.elapsed().as_secs_f64(),
        "search index rebuilt"
    );
    Ok(n)
}

/// A full rebuild asked of the running server by `tessera reindex`, which cannot open the
/// search folder while the server owns it. The command writes `<search folder>/reindex/<tenant
/// id>.json` in state `requested`; the server's indexer takes it on its next pass, rebuilds the
/// index (the old documents stay searchable meanwhile), and writes its progress and outcome to
/// the same file, which the command follows and removes.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RebuildRequest {
    /// Chosen by the command, so it knows the file is still its own.
    pub id: String,
    /// Where the rebuild stands.
    pub state: RequestState,
    /// Documents added so far.
    #[serde(default)]
    pub done: u64,
    /// Documents to add.
    #[serde(default)]
    pub total: u64,
    /// Why it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The states of a [`RebuildRequest`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestState {
    /// Written by the command, not taken yet.
    Requested,
    /// The server is rebuilding.
    Running,
    /// Rebuilt: `done` documents.
    Done,
    /// Not rebuilt: see `error`.
    Failed,
}

/// The folder of rebuild requests, in the search folder.
const REQUESTS: &str = "reindex";

/// The request file of `tenant`.
pub fn request_file(search_root: &std::path::Path, tenant: TenantId) -> PathBuf {
    search_root.join(REQUESTS).join(format!("{tenant}.json"))
}

/// Reads a request file (`None` when missing or unreadable: a half-written file is retried).
pub fn read_request(file: &std::path::Path) -> Option<RebuildRequest> {
    serde_json::from_slice(&std::fs::read(file).ok()?).ok()
}

/// Writes a request file in one step (a reader never sees half of it).
pub fn write_request(file: &std::path::Path, r: &RebuildRequest) -> std::io::Result<()> {
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = file.with_extension("json.tmp");
    std::fs::write(&tmp, serde_json::to_vec(r).map_err(std::io::Error::other)?)?;
    std::fs::rename(&tmp, file)
}

/// Takes the rebuild requests waiting in the search folder; returns how many it served.
fn serve_rebuild_requests(db: &Db, search: &SearchIndexes) -> anyhow::Result<usize> {
    let Ok(entries) = std::fs::read_dir(search.root().join(REQUESTS)) else { return Ok(0) };
    let mut served = 0;
    for entry in entries.flatten() {
        let file = entry.path();
        if file.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let Some(mut req) = read_request(&file) else { continue };
        if req.state != RequestState::Requested {
            continue;
        }
        served += 1;
        let tenant = file.file_stem().and_then(|s| s.to_str()).and_then(|s| s.parse::<TenantId>().ok());
        let verifier = match tenant {
            Some(t) => verifier_tenants(db)?.into_iter().find(|v| v.id == t),
            None => None,
        };
        let Some(verifier) = verifier else {
            req.state = RequestState::Failed;
            req.error = Some("no verifier organisation has this id".into());
            write_request(&file, &req)?;
            continue;
        };
        req.state = RequestState::Running;
        write_request(&file, &req)?;
        tracing::info!(tenant = %verifier.slug, "search index rebuild asked by `tessera reindex`");
        let outcome = rebuild(db, search, verifier.id, |done, total| {
            req.done = done;
            req.total = total;
            if let Err(e) = write_request(&file, &req) {
                tracing::warn!(error = %e, "cannot write the rebuild's progress");
            }
        });
        match outcome {
            Ok(n) => {
                req.state = RequestState::Done;
                req.done = n;
            }
            Err(e) => {
                req.state = RequestState::Failed;
                req.error = Some(format!("{e:#}"));
                tracing::warn!(tenant = %verifier.slug, error = %e, "search index rebuild failed");
            }
        }
        write_request(&file, &req)?;
    }
    Ok(served)
}

/// The verifier tenants (every index there is).
pub fn verifier_tenants(db: &Db) -> anyhow::Result<Vec<tenants::Tenant>> {
    let mut conn = db.conn()?;
    Ok(tenants::list(&mut conn)?.into_iter().filter(|t| t.kind == TenantKind::Verifier).collect())
}

/// The indexer of this process.
pub struct Indexer {
    db: Db,
    search: Arc<SearchIndexes>,
    /// Where the watermark is published for searches (see `AppState::search_watermark`).
    published: Arc<std::sync::atomic::AtomicI64>,
    state_file: PathBuf,
    watermark: i64,
    applied: BTreeSet<i64>,
    gaps: BTreeMap<i64, Instant>,
}

impl Indexer {
    /// Loads the saved position; without one (a new data folder, or a lost file), rebuilds every
    /// verifier's index first.
    pub fn start(
        db: Db,
        search: Arc<SearchIndexes>,
        published: Arc<std::sync::atomic::AtomicI64>,
    ) -> anyhow::Result<Self> {
        let state_file = search.root().join("indexer.json");
        let saved: Option<Saved> = match std::fs::read_to_string(&state_file) {
            Ok(text) => match serde_json::from_str(&text) {
                Ok(s) => Some(s),
                Err(e) => {
                    tracing::warn!(error = %e, file = %state_file.display(), "unreadable indexer position: rebuilding");
                    None
                }
            },
            Err(_) => None,
        };
        // A new index format opens as an empty index: everything is rebuilt.
        let saved = saved.filter(|s| {
            let same = s.format == tessera_search::INDEX_FORMAT;
            if !same {
                tracing::info!(
                    from = s.format,
                    to = tessera_search::INDEX_FORMAT,
                    "search index format changed: rebuilding"
                );
            }
            same
        });
        // The daily retention run prunes old log rows; a process that was down for longer has a
        // saved position before what is left and rebuilds, as if it had none.
        let oldest = search_log::min_seq(&mut *db.conn()?)?;
        let saved = match (saved, oldest) {
            (Some(s), Some(first)) if s.watermark + 1 < first => {
                tracing::warn!(
                    watermark = s.watermark,
                    oldest = first,
                    "the search change log was pruned past this index's position: rebuilding"
                );
                None
            }
            (saved, _) => saved,
        };
        let watermark = match saved {
            Some(s) => s.watermark,
            None => {
                let head = search_log::max_seq(&mut *db.conn()?)?;
                for t in verifier_tenants(&db)? {
                    rebuild(&db, &search, t.id, |_, _| {})
                        .with_context(|| format!("cannot rebuild the search index of {}", t.slug))?;
                }
                let replay = if db.is_sqlite() { 0 } else { REPLAY_AFTER_REBUILD };
                (head - replay).max(0)
            }
        };
        let me = Self { db, search, published, state_file, watermark, applied: BTreeSet::new(), gaps: BTreeMap::new() };
        me.save()?;
        Ok(me)
    }

    fn save(&self) -> anyhow::Result<()> {
        self.published.store(self.watermark, std::sync::atomic::Ordering::Release);
        let tmp = self.state_file.with_extension("json.tmp");
        let saved = Saved { watermark: self.watermark, format: tessera_search::INDEX_FORMAT };
        std::fs::write(&tmp, serde_json::to_vec(&saved)?)?;
        std::fs::rename(&tmp, &self.state_file)?;
        Ok(())
    }

    /// The position every row at or below which is applied.
    pub fn watermark(&self) -> i64 {
        self.watermark
    }

    /// One pass: reads the log after the watermark, applies what is new, moves the watermark.
    /// Returns the number of rows applied.
    pub fn step(&mut self) -> anyhow::Result<usize> {
        // A rebuild rereads the database: the log rows that arrive meanwhile are applied after
        // it (applying a row twice is harmless).
        let rebuilt = serve_rebuild_requests(&self.db, &self.search)?;
        let mut conn = self.db.conn()?;
        let rows = search_log::since(&mut conn, self.watermark, BATCH)?;
        let fresh: Vec<_> = rows.iter().filter(|r| !self.applied.contains(&r.seq)).collect();
        let mut by_tenant: HashMap<&str, Vec<&str>> = HashMap::new();
        for r in &fresh {
            by_tenant.entry(r.tenant_id.as_str()).or_default().push(r.share_id.as_str());
        }
        for (tenant, ids) in by_tenant {
            let Ok(tenant_id) = tenant.parse::<TenantId>() else {
                tracing::warn!(tenant, "search change for a malformed tenant id skipped");
                continue;
            };
            let mut ids: Vec<String> = ids.into_iter().map(str::to_owned).collect();
            ids.sort();
            ids.dedup();
            let found = search_log::documents(&mut conn, tenant_id, &ids)?;
            let active: BTreeSet<String> = found.iter().map(|r| r.share_id.clone()).collect();
            let mut changes: Vec<Change> = found.into_iter().map(|r| Change::Upsert(Box::new(document(r)))).collect();
            changes.extend(ids.into_iter().filter(|id| !active.contains(id)).map(Change::Delete));
            self.search.apply(tenant_id, &changes)?;
        }
        let applied_now = fresh.len();
        let seen_max = rows.last().map(|r| r.seq);
        let seen: BTreeSet<i64> = rows.iter().map(|r| r.seq).collect();
        self.applied.extend(seen.iter().copied());
        if let Some(max) = seen_max {
            let now = Instant::now();
            for n in self.watermark + 1..max {
                if !seen.contains(&n) && !self.applied.contains(&n) {
                    self.gaps.entry(n).or_insert(now);
                }
            }
        }
        let before = self.watermark;
        loop {
            let next = self.watermark + 1;
            if self.applied.remove(&next) {
                self.gaps.remove(&next);
                self.watermark = next;
            } else if self.gaps.get(&next).is_some_and(|t| t.elapsed() >= GAP_GRACE) {
                tracing::debug!(seq = next, "search change-log number never committed: moving past it");
                self.gaps.remove(&next);
                self.watermark = next;
            } else {
                break;
            }
        }
        if self.watermark != before {
            self.save()?;
        }
        Ok(applied_now + rebuilt)
    }

    /// Runs passes until `stop` turns true.
    pub async fn run(mut self, poll: Duration, mut stop: watch::Receiver<bool>) {
        loop {
            if *stop.borrow() {
                return;
            }
            let pass = tokio::task::spawn_blocking(move || {
                let r = self.step();
                (self, r)
            })
            .await;
            // Cancelled only when the runtime shuts down; a panic in a pass is a bug worth a log.
            let Ok((returned, outcome)) = pass else {
                tracing::warn!("search indexer stopped");
                return;
            };
            self = returned;
            let busy = match outcome {
                Ok(n) => n > 0,
                Err(e) => {
                    tracing::warn!(error = %e, "search indexer pass failed; retrying");
                    false
                }
            };
            if busy {
                continue;
            }
            tokio::select! {
                _ = stop.changed() => {}
                _ = tokio::time::sleep(poll) => {}
            }
        }
    }
}
