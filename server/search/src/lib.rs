//! Full-text search of the results shared with verifier organisations.
//!
//! One tantivy index per verifier tenant, in `<root>/<tenant id>/`, opened on demand and kept in
//! a bounded cache (the least recently used index is closed when the cache is full). Scoping is
//! enforced here, not by callers: every call names the verifier's [`TenantId`], only that
//! tenant's directory is opened, and every query also requires the tenant's id stored in each
//! document, so a document written to the wrong directory by mistake is still never returned.
//!
//! The database is the truth: this crate only mirrors it. Documents are built by the caller
//! from storage ([`SharedResultDoc`]) and applied with [`SearchIndexes::apply`].

pub mod analysis;
mod query;

use chrono::{DateTime, NaiveDate, Utc};
use lru::LruCache;
use query::Typos;
use serde::{Deserialize, Serialize};
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use tantivy::collector::{Count, TopDocs};
use tantivy::indexer::NoMergePolicy;
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions, Value,
};
use tantivy::store::Compressor;
use tantivy::{Index, IndexReader, IndexSettings, IndexWriter, Order, ReloadPolicy, TantivyDocument, Term};
use tessera_domain::TenantId;

pub use query::{MAX_LIMIT, MAX_OFFSET, SearchQuery, Sort, typo_distance};

/// What can go wrong in search.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// The index could not be opened, read or written.
    #[error("search index: {0}")]
    Index(#[from] tantivy::TantivyError),
    /// The index folder could not be used.
    #[error("search index folder: {0}")]
    Io(#[from] std::io::Error),
    /// Something else holds this index's writer lock (the folder's owner lock keeps other
    /// Tessera processes out, so this is a process outside Tessera, or a lock file left behind).
    #[error("the search index of tenant {0} is locked by another writer")]
    Busy(TenantId),
    /// A query input is not acceptable.
    #[error("{0}")]
    BadQuery(String),
    /// Another process has the search folder open (a running server, or `tessera reindex`).
    #[error("the search folder {} is in use by another Tessera process", .0.display())]
    FolderInUse(PathBuf),
}

/// A result of a search call.
pub type SearchResult<T> = Result<T, SearchError>;

/// One shared result as it is searched and listed: what the verifier may see of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedResultDoc {
    /// The share (the handle the verifier uses for detail and downloads).
    pub share_id: String,
    /// The candidate's centre (the owner of the share).
    pub centre_tenant_id: String,
    /// The entry whose result is shared.
    pub entry_id: String,
    /// Candidate's first name.
    pub first_name: String,
    /// Candidate's family name.
    pub family_name: String,
    /// Candidate's date of birth.
    pub date_of_birth: NaiveDate,
    /// Candidate's ID number (Candidate Results Service).
    pub id_number: String,
    /// Candidate's email, if known.
    pub email: Option<String>,
    /// The exam's code (e.g. `FCE`).
    pub exam_code: String,
    /// The exam's name (e.g. `B2 First`).
    pub exam_name: String,
    /// The written date of the exam.
    pub exam_date: NaiveDate,
    /// The centre's name.
    pub centre_name: String,
    /// Where the candidate entered: the centre's country.
    pub place_of_entry: String,
    /// The Statement of Results number of the current result, if any.
    pub sor_number: Option<String>,
    /// When the candidate shared it.
    pub shared_at: DateTime<Utc>,
}

/// A page of search hits.
#[derive(Debug, Clone, Serialize)]
pub struct SearchPage {
    /// How many documents match in all.
    pub total: usize,
    /// The documents of this page, in order.
    pub hits: Vec<SharedResultDoc>,
}

/// A change to apply to one tenant's index.
#[derive(Debug, Clone)]
pub enum Change {
    /// Add or replace the document of this share.
    Upsert(Box<SharedResultDoc>),
    /// Remove the share's document (withdrawn, or gone).
    Delete(String),
}

#[derive(Clone, Copy)]
pub(crate) struct Fields {
    pub share_id: Field,
    pub verifier: Field,
    pub all: Field,
    pub other_prefix: Field,
    pub context: Field,
    pub name: Field,
    pub name_prefix: Field,
    pub centre: Field,
    pub place: Field,
    pub exam: Field,
    pub exam_name: Field,
    pub id_number: Field,
    pub email: Field,
    pub dob: Field,
    pub exam_date: Field,
    pub shared_at: Field,
    pub sort_name: Field,
    pub stored: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = |tokenizer: &str, opt: IndexRecordOption| {
        TextOptions::default()
            .set_indexing_options(TextFieldIndexing::default().set_tokenizer(tokenizer).set_index_option(opt))
    };
    let folded = text(analysis::FOLDED, IndexRecordOption::WithFreqs);
    let prefix = text(analysis::FOLDED_PREFIX, IndexRecordOption::Basic);
    let fields = Fields {
        share_id: b.add_text_field("share_id", STRING | STORED),
        verifier: b.add_text_field("verifier", STRING),
        all: b.add_text_field("all", folded.clone()),
        other_prefix: b.add_text_field("other_prefix", prefix.clone()),
        context: b.add_text_field("context", folded.clone()),
        name: b.add_text_field("name", folded.clone()),
        name_prefix: b.add_text_field("name_prefix", prefix),
        centre: b.add_text_field("centre", folded.clone()),
        place: b.add_text_field("place", folded.clone()),
        exam: b.add_text_field("exam", STRING),
        exam_name: b.add_text_field("exam_name", folded),
        id_number: b.add_text_field("id_number", STRING),
        email: b.add_text_field("email", STRING),
        dob: b.add_i64_field("dob", INDEXED),
        exam_date: b.add_i64_field("exam_date", INDEXED | FAST),
        shared_at: b.add_i64_field("shared_at", INDEXED | FAST),
        sort_name: b.add_text_field("sort_name", TextOptions::default().set_fast("raw")),
        stored: b.add_text_field("doc", STORED),
    };
    (b.build(), fields)
}

/// A date as the integer the index ranges over (`YYYYMMDD`).
pub(crate) fn day(d: NaiveDate) -> i64 {
    use chrono::Datelike;
    i64::from(d.year()) * 10_000 + i64::from(d.month()) * 100 + i64::from(d.day())
}

/// One tenant's open index.
struct TenantIndex {
    tenant: TenantId,
    /// The tenant's id as written into every document.
    tenant_text: String,
    index: Index,
    reader: IndexReader,
    fields: Fields,
    /// Opened on the first write and kept: opening a writer takes the directory's lock.
    writer: Mutex<Option<IndexWriter>>,
    /// The context field's words for the searcher generation that read them.
    context_words: Mutex<Option<(u64, ContextWords)>>,
}

/// The context field's distinct words, if few enough (see [`MAX_CONTEXT_WORDS`]).
type ContextWords = Option<Arc<Vec<String>>>;

/// Up to this many distinct exam, centre and country words, a typed word is compared with each
/// of them rather than looked up with an automaton.
const MAX_CONTEXT_WORDS: usize = 5_000;

/// Memory for the writer of a live index (small batches of changes).
const LIVE_WRITER_BYTES: usize = 15_000_000;
/// Memory for a full rebuild, split over its threads.
const REBUILD_WRITER_BYTES: usize = 256_000_000;

/// The on-disk format of an index (schema, analyzers, store settings). An index of another
/// format is deleted when opened and must be rebuilt: callers that remember their position
/// (the daemon's indexer) compare this number and rebuild every index when it changed.
pub const INDEX_FORMAT: u32 = 5;
/// The file in a tenant's index folder that names its format.
const FORMAT_FILE: &str = "tessera-format";

fn settings() -> IndexSettings {
    // Stored documents are JSON with the same keys and centre names over and over: LZ4 shrinks
    // the store (two thirds of the index) about fourfold, so less of it has to stay in memory.
    // A hit's stored document is read by decompressing its whole block: 4 KiB blocks (about ten
    // documents) instead of tantivy's 16 KiB make that a quarter of the work for each of a
    // page's hits, which land in different blocks, for a slightly larger store.
    IndexSettings { docstore_compression: Compressor::Lz4, docstore_blocksize: 4_096, ..IndexSettings::default() }
}

impl TenantIndex {
    fn open(dir: &Path, tenant: TenantId) -> SearchResult<Self> {
        let marker = dir.join(FORMAT_FILE);
        let current = std::fs::read_to_string(&marker).ok().and_then(|s| s.trim().parse::<u32>().ok());
        if current != Some(INDEX_FORMAT) && dir.exists() {
            // An index of an older format (or a half-written one): the database is the truth,
            // so it is dropped and rebuilt rather than read with the wrong schema.
            tracing::info!(%tenant, found = ?current, want = INDEX_FORMAT, "search index of another format removed");
            std::fs::remove_dir_all(dir)?;
        }
        std::fs::create_dir_all(dir)?;
        let (schema, fields) = schema();
        let directory = tantivy::directory::MmapDirectory::open(dir).map_err(tantivy::TantivyError::from)?;
        let index = Index::builder().schema(schema).settings(settings()).open_or_create(directory)?;
        if current != Some(INDEX_FORMAT) {
            std::fs::write(&marker, INDEX_FORMAT.to_string())?;
        }
        analysis::register(&index);
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        Ok(Self {
            tenant,
            tenant_text: tenant.to_string(),
            index,
            reader,
            fields,
            writer: Mutex::new(None),
            context_words: Mutex::new(None),
        })
    }

    fn with_writer<R>(&self, f: impl FnOnce(&mut IndexWriter, &Fields) -> SearchResult<R>) -> SearchResult<R> {
        let mut guard = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        if guard.is_none() {
            let w = self.index.writer_with_num_threads(1, LIVE_WRITER_BYTES).map_err(|e| match e {
                tantivy::TantivyError::LockFailure(..) => SearchError::Busy(self.tenant),
                other => SearchError::Index(other),
            })?;
            *guard = Some(w);
        }
        f(guard.as_mut().expect("writer opened above"), &self.fields)
    }

    fn document(&self, d: &SharedResultDoc) -> TantivyDocument {
        let f = &self.fields;
        let mut doc = TantivyDocument::default();
        doc.add_text(f.share_id, &d.share_id);
        doc.add_text(f.verifier, &self.tenant_text);
        let email = d.email.clone().unwrap_or_default();
        // What tells candidates apart (names, numbers, email), word by word and by prefix: the
        // names' prefixes are in the name field's prefixes; the others' are the numbers' and
        // the email's, less the words the names already give (jan.kowalski@...).
        let sor = d.sor_number.as_deref().unwrap_or("");
        let all = [d.first_name.as_str(), &d.family_name, &d.id_number, &email, sor].join(" ");
        doc.add_text(f.all, &all);
        let name = format!("{} {}", d.first_name, d.family_name);
        let name_words = analysis::words(&name);
        let mut others = analysis::words(&[d.id_number.as_str(), &email, sor].join(" "));
        others.retain(|w| !name_words.contains(w));
        others.sort_unstable();
        others.dedup();
        doc.add_text(f.other_prefix, others.join(" "));
        // ...and what many share (exam, centre, country): a handful of distinct words in all, so
        // their prefixes are found by walking this field's small dictionary at query time rather
        // than indexed again for every document.
        let context = [d.exam_code.as_str(), &d.exam_name, &d.centre_name, &d.place_of_entry].join(" ");
        doc.add_text(f.context, &context);
        doc.add_text(f.name, &name);
        doc.add_text(f.name_prefix, &name);
        doc.add_text(f.centre, &d.centre_name);
        doc.add_text(f.place, &d.place_of_entry);
        doc.add_text(f.exam, analysis::key(&d.exam_code));
        doc.add_text(f.exam_name, &d.exam_name);
        doc.add_text(f.id_number, analysis::key(&d.id_number));
        if !email.is_empty() {
            doc.add_text(f.email, email.trim().to_lowercase());
        }
        doc.add_i64(f.dob, day(d.date_of_birth));
        doc.add_i64(f.exam_date, day(d.exam_date));
        doc.add_i64(f.shared_at, d.shared_at.timestamp());
        doc.add_text(f.sort_name, format!("{} {}", analysis::key(&d.family_name), analysis::key(&d.first_name)));
        doc.add_text(f.stored, serde_json::to_string(d).expect("a document serialises"));
        doc
    }

    fn apply(&self, changes: &[Change]) -> SearchResult<()> {
        if changes.is_empty() {
            return Ok(());
        }
        self.with_writer(|w, f| {
            for c in changes {
                match c {
                    Change::Upsert(d) => {
                        w.delete_term(Term::from_field_text(f.share_id, &d.share_id));
                        w.add_document(self.document(d))?;
                    }
                    Change::Delete(id) => {
                        w.delete_term(Term::from_field_text(f.share_id, id));
                    }
                }
            }
            w.commit()?;
            Ok(())
        })?;
        self.reader.reload()?;
        Ok(())
    }

    /// The words of the context field (exam, centre, country), read once per index version;
    /// `None` when there are too many to compare one by one.
    fn context_words(&self, searcher: &tantivy::Searcher) -> SearchResult<ContextWords> {
        let generation = searcher.generation().generation_id();
        let mut cache = self.context_words.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((g, words)) = cache.as_ref()
            && *g == generation
        {
            return Ok(words.clone());
        }
        let mut words = std::collections::BTreeSet::new();
        for segment in searcher.segment_readers() {
            let dict = segment.inverted_index(self.fields.context)?;
            let mut terms = dict.terms().stream()?;
            while terms.advance() {
                words.insert(String::from_utf8_lossy(terms.key()).into_owned());
                if words.len() > MAX_CONTEXT_WORDS {
                    break;
                }
            }
        }
        let words = (words.len() <= MAX_CONTEXT_WORDS).then(|| Arc::new(words.into_iter().collect()));
        *cache = Some((generation, words.clone()));
        Ok(words)
    }

    fn search(&self, q: &SearchQuery) -> SearchResult<SearchPage> {
        let searcher = self.reader.searcher();
        let context = self.context_words(&searcher)?;
        let context = context.as_deref().map(Vec::as_slice);
        let held =
            |field: Field, word: &str| searcher.doc_freq(&Term::from_field_text(field, word)).is_ok_and(|n| n > 0);
        let (built, typos_skipped) = query::build(&self.fields, self.tenant, q, context, Typos::UnlessHeld(&held))?;
        let page = self.collect_page(&searcher, &built, q)?;
        if page.total == 0 && typos_skipped {
            // A word held as typed matched, but not together with the others: perhaps it is
            // another word's typo (Kowalsky for Kowalski, when someone is called Kowalsky).
            let (built, _) = query::build(&self.fields, self.tenant, q, context, Typos::Always)?;
            return self.collect_page(&searcher, &built, q);
        }
        Ok(page)
    }

    /// The page of `q`'s hits of `built` (`q`'s query).
    fn collect_page(
        &self,
        searcher: &tantivy::Searcher,
        built: &dyn tantivy::query::Query,
        q: &SearchQuery,
    ) -> SearchResult<SearchPage> {
        let limit = q.limit.clamp(1, query::MAX_LIMIT);
        let top = TopDocs::with_limit(limit).and_offset(q.offset);
        let shared = query::shared_range(q);
        let (total, addrs) = match (q.sort, q.has_text()) {
            (Sort::Relevance, true) => collect(searcher, built, shared, top.order_by_score())?,
            (Sort::Relevance | Sort::SharedNewest, _) => {
                collect(searcher, built, shared, top.order_by_fast_field::<i64>("shared_at", Order::Desc))?
            }
            (Sort::SharedOldest, _) => {
                collect(searcher, built, shared, top.order_by_fast_field::<i64>("shared_at", Order::Asc))?
            }
            (Sort::ExamDate, _) => {
                collect(searcher, built, shared, top.order_by_fast_field::<i64>("exam_date", Order::Desc))?
            }
            (Sort::FamilyName, _) => {
                collect(searcher, built, shared, top.order_by_string_fast_field("sort_name", Order::Asc))?
            }
        };
        let mut hits = Vec::with_capacity(addrs.len());
        for a in addrs {
            let doc: TantivyDocument = searcher.doc(a)?;
            let Some(json) = doc.get_first(self.fields.stored).and_then(|v| v.as_str()) else { continue };
            match serde_json::from_str(json) {
                Ok(d) => hits.push(d),
                Err(e) => tracing::warn!(error = %e, "unreadable stored search document skipped"),
            }
        }
        Ok(SearchPage { total, hits })
    }

    fn count(&self) -> u64 {
        self.reader.searcher().num_docs()
    }
}

/// The number of hits of `query` and the addresses of those `top` keeps, counting and keeping
/// only those shared within `shared` (seconds, inclusive) when given.
fn collect<C, K>(
    searcher: &tantivy::Searcher,
    query: &dyn tantivy::query::Query,
    shared: Option<(i64, i64)>,
    top: C,
) -> tantivy::Result<(usize, Vec<tantivy::DocAddress>)>
where
    C: tantivy::collector::Collector<Fruit = Vec<(K, tantivy::DocAddress)>> + Send + Sync,
{
    let both = (Count, top);
    let (n, docs) = match shared {
        None => searcher.search(query, &both)?,
        Some((from, to)) => {
            let within = move |at: i64| (from..=to).contains(&at);
            searcher.search(query, &tantivy::collector::FilterCollector::new("shared_at".into(), within, both))?
        }
    };
    Ok((n, docs.into_iter().map(|(_, a)| a).collect()))
}

/// Indexing fills pages of 1 MiB. glibc raises its mmap threshold the first time such a page is
/// freed and from then on keeps freed pages in its arenas, never handed back: after a rebuild of
/// 1,000,000 documents the server held about 500 MB it no longer used. A threshold fixed at the
/// page size keeps those pages mapped on their own and returned when freed. (Not lower: a query's
/// typo automaton and document bitset take a few hundred KiB, and mapping and unmapping them on
/// every query cost a third of the CPU of a search request in page faults.) Fixing it also fixes
/// the trim threshold at its 128 KiB start, so the heap's free top was handed back after nearly
/// every query and faulted in again by the next: 8 MiB are kept (page faults of a search
/// workload down by two thirds).
fn return_large_buffers_when_freed() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        static ONCE: std::sync::Once = std::sync::Once::new();
        // SAFETY: mallopt only tunes the allocator.
        ONCE.call_once(|| unsafe {
            libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
            libc::mallopt(libc::M_TRIM_THRESHOLD, 8 << 20);
        });
    }
}

/// Hands the heap's free pages back to the system once a rebuild is over: the writer's
/// documents and buffers below the mmap threshold were freed all over the heap, not at its top,
/// where the trim threshold would return them.
fn give_back_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free memory to the system.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// The search indexes of every verifier tenant under one folder.
pub struct SearchIndexes {
    root: PathBuf,
    open: Mutex<LruCache<TenantId, Arc<TenantIndex>>>,
    /// Held locked for as long as the indexes are open: one process owns the folder (its
    /// readers would otherwise miss another process's writes, and their writers would collide).
    _owner: std::fs::File,
}

/// The lock file of a search folder's owner.
const OWNER_LOCK: &str = ".tessera-owner.lock";

impl std::fmt::Debug for SearchIndexes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndexes").field("root", &self.root).finish()
    }
}

impl SearchIndexes {
    /// The indexes under `root` (created if missing), keeping at most `max_open` open at once.
    /// Fails with [`SearchError::FolderInUse`] while another process has them open.
    pub fn open(root: impl Into<PathBuf>, max_open: usize) -> SearchResult<Self> {
        return_large_buffers_when_freed();
        let root = root.into();
        std::fs::create_dir_all(&root)?;
        let owner = std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(root.join(OWNER_LOCK))?;
        match owner.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => return Err(SearchError::FolderInUse(root)),
            Err(std::fs::TryLockError::Error(e)) => return Err(e.into()),
        }
        let cap = NonZeroUsize::new(max_open.max(1)).expect("at least one");
        Ok(Self { root, open: Mutex::new(LruCache::new(cap)), _owner: owner })
    }

    /// The folder holding every index.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The folder of one tenant's index.
    pub fn dir(&self, tenant: TenantId) -> PathBuf {
        // A TenantId is a UUID: its text form is a safe folder name.
        self.root.join(tenant.to_string())
    }

    fn index(&self, tenant: TenantId) -> SearchResult<Arc<TenantIndex>> {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(ix) = open.get(&tenant) {
            return Ok(ix.clone());
        }
        let ix = Arc::new(TenantIndex::open(&self.dir(tenant), tenant)?);
        // Evicting drops the index (and its writer, releasing the lock) once no search holds it.
        open.put(tenant, ix.clone());
        Ok(ix)
    }

    /// Searches the results shared with `tenant`.
    pub fn search(&self, tenant: TenantId, q: &SearchQuery) -> SearchResult<SearchPage> {
        self.index(tenant)?.search(q)
    }

    /// Applies changes to `tenant`'s index and makes them visible to searches.
    pub fn apply(&self, tenant: TenantId, changes: &[Change]) -> SearchResult<()> {
        self.index(tenant)?.apply(changes)
    }

    /// How many documents `tenant`'s index holds.
    pub fn count(&self, tenant: TenantId) -> SearchResult<u64> {
        Ok(self.index(tenant)?.count())
    }

    /// Bytes on disk of `tenant`'s index.
    pub fn size_on_disk(&self, tenant: TenantId) -> u64 {
        fn walk(p: &Path) -> u64 {
            std::fs::read_dir(p)
                .map(|rd| {
                    rd.filter_map(|e| e.ok())
                        .map(|e| match e.metadata() {
                            Ok(m) if m.is_dir() => walk(&e.path()),
                            Ok(m) => m.len(),
                            Err(_) => 0,
                        })
                        .sum()
                })
                .unwrap_or(0)
        }
        walk(&self.dir(tenant))
    }

    /// Starts a full rebuild of `tenant`'s index: the old documents stay searchable until
    /// [`Rebuild::finish`] commits the new set in one step.
    pub fn rebuild(&self, tenant: TenantId) -> SearchResult<Rebuild> {
        let ix = self.index(tenant)?;
        // The live writer (if any) gives way to a larger one for the bulk load.
        let mut guard = ix.writer.lock().unwrap_or_else(|e| e.into_inner());
        *guard = None;
        drop(guard);
        let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).clamp(1, 4);
        let writer: IndexWriter =
            ix.index.writer_with_num_threads(threads, REBUILD_WRITER_BYTES).map_err(|e| match e {
                tantivy::TantivyError::LockFailure(..) => SearchError::Busy(tenant),
                other => SearchError::Index(other),
            })?;
        // No merging while loading: the segments are merged once, into one, at the end
        // (merging as segments appear rewrites the same documents several times over).
        writer.set_merge_policy(Box::new(NoMergePolicy));
        writer.delete_all_documents()?;
        Ok(Rebuild { ix, writer, added: 0 })
    }
}

/// A full rebuild in progress (see [`SearchIndexes::rebuild`]).
pub struct Rebuild {
    ix: Arc<TenantIndex>,
    writer: IndexWriter,
    added: u64,
}

impl Rebuild {
    /// Adds documents.
    pub fn add(&mut self, docs: &[SharedResultDoc]) -> SearchResult<()> {
        for d in docs {
            self.writer.add_document(self.ix.document(d))?;
            self.added += 1;
        }
        Ok(())
    }

    /// Commits the new set, merges it into as many segments as the machine has cores for (up to
    /// [`REBUILD_SEGMENTS`]; a query walks one term dictionary per segment, and a merge runs on
    /// one core), and makes it visible; returns the documents added.
    pub fn finish(self) -> SearchResult<u64> {
        let started = std::time::Instant::now();
        let mut writer = self.writer;
        writer.commit()?;
        let committed = started.elapsed();
        // Only ids and sizes are kept: a live segment meta keeps its files from being deleted.
        let sizes: Vec<_> = self.ix.index.searchable_segment_metas()?.iter().map(|m| (m.id(), m.num_docs())).collect();
        let segments = sizes.len();
        let parts = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, REBUILD_SEGMENTS);
        let groups = balanced_groups(sizes, parts);
        let merges: Vec<_> = groups.iter().filter(|g| g.len() > 1).map(|g| writer.merge(g)).collect();
        for m in merges {
            m.wait()?;
        }
        // The merged-away segments are deleted once no searcher holds them.
        self.ix.reader.reload()?;
        writer.garbage_collect_files().wait()?;
        writer.wait_merging_threads()?;
        give_back_free_memory();
        tracing::debug!(
            segments,
            into = groups.len(),
            commit_ms = committed.as_millis() as u64,
            merge_ms = (started.elapsed() - committed).as_millis() as u64,
            "search index rebuild finished"
        );
        Ok(self.added)
    }
}

/// A rebuilt index is merged into at most this many segments, each merge on its own core.
pub const REBUILD_SEGMENTS: usize = 2;

/// Splits segments (id, documents) into at most `parts` groups of about equal documents.
fn balanced_groups(
    mut segments: Vec<(tantivy::index::SegmentId, u32)>,
    parts: usize,
) -> Vec<Vec<tantivy::index::SegmentId>> {
    segments.sort_by_key(|&(_, docs)| std::cmp::Reverse(docs));
    let mut groups: Vec<(u64, Vec<tantivy::index::SegmentId>)> = vec![(0, Vec::new()); parts.min(segments.len())];
    for (id, docs) in segments {
        let lightest = groups.iter_mut().min_by_key(|(n, _)| *n).expect("at least one group");
        lightest.0 += u64::from(docs);
        lightest.1.push(id);
    }
    groups.into_iter().map(|(_, ids)| ids).collect()
}

#[cfg(test)]
mod tests;
