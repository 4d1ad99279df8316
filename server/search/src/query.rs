//! From what a verifier typed and chose (R-SEARCH-FIELDS) to a tantivy query.
//!
//! Free text: every typed word must match somewhere, as a whole folded word (best), as the
//! prefix of a word (as the user types), or within a few typing errors (one edit for words of
//! up to six letters, two for longer ones; none for words with digits, such as ID numbers). A
//! word that the index holds as typed, as a word or as the beginning of one, is taken as typed,
//! without typos: looking up its neighbours within one or two edits was most of an exact or
//! prefix search's time, and its own matches rank first anyway. Should nothing match that way, the search runs again with typos for every word
//! ([`Typos`]). Filters narrow without scoring. The tenant's scope is always the first clause.

use crate::{Fields, SearchError, SearchResult, analysis, day};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;
use std::ops::Bound;
use tantivy::Term;
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, FuzzyTermQuery, Occur, Query, RangeQuery, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tessera_domain::TenantId;

/// The largest page.
pub const MAX_LIMIT: usize = 200;
/// The deepest offset (deep paging costs as much as reading everything before it).
pub const MAX_OFFSET: usize = 10_000;
/// Words considered per query field; the rest are ignored.
const MAX_WORDS: usize = 8;

/// How hits are ordered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sort {
    /// Best match first (newest shared first when there is no free text).
    #[default]
    Relevance,
    /// Newest share first.
    SharedNewest,
    /// Oldest share first.
    SharedOldest,
    /// By family name, then first name.
    FamilyName,
    /// Most recent exam first.
    ExamDate,
}

/// A search of the results shared with one organisation (R-SEARCH-FIELDS).
#[derive(Debug, Clone, Default)]
pub struct SearchQuery {
    /// Free text over names, ID numbers, emails, exam, centre and place of entry.
    pub text: String,
    /// Candidate's name (any of their names).
    pub name: Option<String>,
    /// Candidate's date of birth.
    pub date_of_birth: Option<NaiveDate>,
    /// Candidate's ID number (exact, ignoring case and separators).
    pub id_number: Option<String>,
    /// Shared at or after.
    pub shared_from: Option<DateTime<Utc>>,
    /// Shared before or at.
    pub shared_to: Option<DateTime<Utc>>,
    /// Exam code or words of its name.
    pub exam: Option<String>,
    /// Place of entry (the centre's country).
    pub place_of_entry: Option<String>,
    /// Words of the centre's name.
    pub centre: Option<String>,
    /// Candidate's email (exact, ignoring case).
    pub email: Option<String>,
    /// Exam on or after.
    pub exam_date_from: Option<NaiveDate>,
    /// Exam on or before.
    pub exam_date_to: Option<NaiveDate>,
    /// Order of hits.
    pub sort: Sort,
    /// Hits to skip.
    pub offset: usize,
    /// Hits to return (at most [`MAX_LIMIT`]).
    pub limit: usize,
}

impl SearchQuery {
    /// Whether free text was given (it decides whether relevance means anything).
    pub fn has_text(&self) -> bool {
        !analysis::words(&self.text).is_empty()
    }
}

/// The edit distance tolerated for a typed word of `len` characters.
pub fn typo_distance(len: usize) -> u8 {
    match len {
        0..=2 => 0,
        3..=6 => 1,
        _ => 2,
    }
}

fn term_query(field: Field, text: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(Term::from_field_text(field, text), IndexRecordOption::Basic))
}

/// The field of few distinct words (exam, centre, country) a free-text word may also match, with
/// its words when they are few enough to be compared one by one.
#[derive(Clone, Copy)]
pub(crate) struct Context<'a> {
    pub field: Field,
    pub words: Option<&'a [String]>,
}

/// Whether `a` and `b` are at most `d` edits apart (insertions, deletions, substitutions and
/// swaps of neighbours, as the fuzzy query counts them).
fn within_edits(a: &str, b: &str, d: usize) -> bool {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    if a.len().abs_diff(b.len()) > d {
        return false;
    }
    let w = b.len() + 1;
    let mut m = vec![0usize; (a.len() + 1) * w];
    for i in 0..=a.len() {
        for j in 0..=b.len() {
            m[i * w + j] = if i == 0 {
                j
            } else if j == 0 {
                i
            } else {
                let cost = usize::from(a[i - 1] != b[j - 1]);
                let mut v = (m[(i - 1) * w + j] + 1).min(m[i * w + j - 1] + 1).min(m[(i - 1) * w + j - 1] + cost);
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    v = v.min(m[(i - 2) * w + j - 2] + 1);
                }
                v
            };
        }
    }
    m[a.len() * w + b.len()] <= d
}

/// When a typed word is also looked up within a few typing errors.
#[derive(Clone, Copy)]
pub(crate) enum Typos<'a> {
    /// Never (codes and country names, chosen rather than typed).
    Never,
    /// Only if the index does not hold the word as typed: `held` answers that for a field and a
    /// word.
    UnlessHeld(&'a dyn Fn(Field, &str) -> bool),
    /// Always (the second try, when nothing matched the first).
    Always,
}

/// Each word must match in `field` exactly, as a prefix (through `prefix_fields`, or `field`'s
/// dictionary for words longer than the prefixes indexed), or with typos;
/// or, when `context` is given, in that field of few distinct words (exactly, as a prefix, or
/// with typos: compared with each of its words when they are known, else by walking its
/// dictionary).
fn words_clause(
    field: Field,
    prefix_fields: &[Field],
    context: Option<Context<'_>>,
    text: &str,
    typos: Typos<'_>,
    typos_skipped: &mut bool,
) -> Option<Box<dyn Query>> {
    let words: Vec<String> = analysis::words(text).into_iter().take(MAX_WORDS).collect();
    if words.is_empty() {
        return None;
    }
    let per_word = words
        .iter()
        .map(|w| {
            let mut alts: Vec<(Occur, Box<dyn Query>)> =
                vec![(Occur::Should, Box::new(BoostQuery::new(term_query(field, w), 4.0)))];
            let chars = w.chars().count();
            let digits = w.bytes().any(|b| b.is_ascii_digit());
            let lengths = analysis::indexed_prefixes(w);
            if !prefix_fields.is_empty() && chars >= *lengths.start() {
                if chars > *lengths.end() {
                    // Not indexed as a prefix (see analysis): the whole words it begins, few
                    // for a word this long.
                    let q = FuzzyTermQuery::new_prefix(Term::from_field_text(field, w), 0, false);
                    alts.push((Occur::Should, Box::new(BoostQuery::new(Box::new(q), 2.0))));
                } else {
                    for &pf in prefix_fields {
                        alts.push((Occur::Should, Box::new(BoostQuery::new(term_query(pf, w), 2.0))));
                    }
                }
            }
            // Numbers (ID, SoR) are exact: one digit off is another candidate, not a typo.
            let d = if digits { 0 } else { typo_distance(chars) };
            let fuzzy = d > 0
                && match typos {
                    Typos::Never => false,
                    Typos::Always => true,
                    Typos::UnlessHeld(held) => {
                        // As a whole word, or as the indexed beginning of one (the word being typed).
                        let as_prefix = lengths.contains(&chars) && prefix_fields.iter().any(|&pf| held(pf, w));
                        let known = context.and_then(|c| c.words).is_some_and(|k| {
                            k.iter().any(|k| k == w || (chars >= analysis::MIN_PREFIX && k.starts_with(w.as_str())))
                        });
                        let as_typed =
                            as_prefix || known || held(field, w) || context.is_some_and(|c| held(c.field, w));
                        *typos_skipped |= as_typed;
                        !as_typed
                    }
                };
            if fuzzy {
                let q = FuzzyTermQuery::new(Term::from_field_text(field, w), d, true);
                alts.push((Occur::Should, Box::new(BoostQuery::new(Box::new(q), 1.0))));
            }
            match context {
                // Term queries for the few words that match: an automaton query would cost a
                // bitset of the whole index for each, usually to find nothing.
                Some(Context { field: cf, words: Some(known) }) => {
                    for k in known {
                        let boost = if k == w {
                            4.0
                        } else if chars >= analysis::MIN_PREFIX && k.starts_with(w.as_str()) {
                            2.0
                        } else if fuzzy && within_edits(k, w, usize::from(d)) {
                            1.0
                        } else {
                            continue;
                        };
                        alts.push((Occur::Should, Box::new(BoostQuery::new(term_query(cf, k), boost))));
                    }
                }
                Some(Context { field: cf, words: None }) => {
                    alts.push((Occur::Should, Box::new(BoostQuery::new(term_query(cf, w), 4.0))));
                    if chars >= analysis::MIN_PREFIX {
                        let q = FuzzyTermQuery::new_prefix(Term::from_field_text(cf, w), 0, false);
                        alts.push((Occur::Should, Box::new(BoostQuery::new(Box::new(q), 2.0))));
                    }
                    if fuzzy {
                        let q = FuzzyTermQuery::new(Term::from_field_text(cf, w), d, true);
                        alts.push((Occur::Should, Box::new(BoostQuery::new(Box::new(q), 1.0))));
                    }
                }
                None => {}
            }
            (Occur::Must, Box::new(BooleanQuery::new(alts)) as Box<dyn Query>)
        })
        .collect();
    Some(Box::new(BooleanQuery::new(per_word)))
}

fn range(field: Field, from: Option<i64>, to: Option<i64>) -> Box<dyn Query> {
    let lo = from.map_or(Bound::Unbounded, |v| Bound::Included(Term::from_field_i64(field, v)));
    let hi = to.map_or(Bound::Unbounded, |v| Bound::Included(Term::from_field_i64(field, v)));
    Box::new(RangeQuery::new(lo, hi))
}

fn filter(q: Box<dyn Query>) -> (Occur, Box<dyn Query>) {
    (Occur::Must, Box::new(ConstScoreQuery::new(q, 0.0)))
}

fn non_empty(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// The bounds of `q`'s shared-at filter (seconds), if it has one. It is applied to the hits of
/// the rest of the query as they are collected, not as a clause: as a clause, a range that most
/// documents fall in is walked over the whole column to intersect it with a few hits.
pub(crate) fn shared_range(q: &SearchQuery) -> Option<(i64, i64)> {
    (q.shared_from.is_some() || q.shared_to.is_some())
        .then(|| (q.shared_from.map_or(i64::MIN, |t| t.timestamp()), q.shared_to.map_or(i64::MAX, |t| t.timestamp())))
}

/// The query for `q` within `tenant`'s documents (without the shared-at filter: see
/// [`shared_range`]), and whether `typos` left out the typos of a word the index holds as typed
/// (if nothing matches, try again with [`Typos::Always`]).
pub(crate) fn build(
    f: &Fields,
    tenant: TenantId,
    q: &SearchQuery,
    context_words: Option<&[String]>,
    typos: Typos<'_>,
) -> SearchResult<(BooleanQuery, bool)> {
    if q.offset > MAX_OFFSET {
        return Err(SearchError::BadQuery(format!("offset: at most {MAX_OFFSET}")));
    }
    if q.text.len() > 500 {
        return Err(SearchError::BadQuery("text: at most 500 characters".into()));
    }
    let mut skipped = false;
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![filter(term_query(f.verifier, &tenant.to_string()))];
    match words_clause(
        f.all,
        &[f.name_prefix, f.other_prefix],
        Some(Context { field: f.context, words: context_words }),
        &q.text,
        typos,
        &mut skipped,
    ) {
        Some(text) => clauses.push((Occur::Must, text)),
        None => clauses.push(filter(Box::new(AllQuery))),
    }
    if let Some(name) = non_empty(&q.name)
        && let Some(c) = words_clause(f.name, &[f.name_prefix], None, name, typos, &mut skipped)
    {
        clauses.push(filter(c));
    }
    if let Some(d) = q.date_of_birth {
        clauses.push(filter(range(f.dob, Some(day(d)), Some(day(d)))));
    }
    if let Some(id) = non_empty(&q.id_number) {
        clauses.push(filter(term_query(f.id_number, &analysis::key(id))));
    }
    if let Some(exam) = non_empty(&q.exam) {
        let mut alts: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Should, term_query(f.exam, &analysis::key(exam)))];
        if let Some(c) = words_clause(f.exam_name, &[], None, exam, Typos::Never, &mut skipped) {
            alts.push((Occur::Should, c));
        }
        clauses.push(filter(Box::new(BooleanQuery::new(alts))));
    }
    if let Some(place) = non_empty(&q.place_of_entry)
        && let Some(c) = words_clause(f.place, &[], None, place, Typos::Never, &mut skipped)
    {
        clauses.push(filter(c));
    }
    if let Some(centre) = non_empty(&q.centre)
        && let Some(c) = words_clause(f.centre, &[], None, centre, typos, &mut skipped)
    {
        clauses.push(filter(c));
    }
    if let Some(email) = non_empty(&q.email) {
        clauses.push(filter(term_query(f.email, &email.to_lowercase())));
    }
    if q.exam_date_from.is_some() || q.exam_date_to.is_some() {
        clauses.push(filter(range(f.exam_date, q.exam_date_from.map(day), q.exam_date_to.map(day))));
    }
    Ok((BooleanQuery::new(clauses), skipped))
}

#[cfg(test)]
mod tests {
    use super::within_edits;

    #[test]
    fn edits_are_counted_like_the_fuzzy_query() {
        assert!(within_edits("milano", "milano", 0));
        assert!(within_edits("milano", "milan", 1));
        assert!(within_edits("milano", "mliano", 1), "a swap is one edit");
        assert!(within_edits("katowice", "katowize", 1));
        assert!(!within_edits("katowice", "kotowize", 1));
        assert!(within_edits("katowice", "kotowize", 2));
        assert!(!within_edits("poland", "hungary", 2));
    }
}
