//! Results and their status codes (R-RESULT-CODES).

use crate::error::{bounded, quote};
use crate::{DomainError, ErrorCode};
use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// The state of a result: a graded result or one of the board's status codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ResultStatus {
    /// Graded: overall score, grade, CEFR level and component scores.
    Graded,
    /// `X`: absent from part of the exam.
    X,
    /// `Z`: absent from the whole exam.
    Z,
    /// Not yet available.
    Pending,
    /// Withheld, e.g. after a malpractice finding (R-MALPRACTICE).
    Withheld,
}

impl ResultStatus {
    /// The stored and printed code.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Graded => "graded",
            Self::X => "X",
            Self::Z => "Z",
            Self::Pending => "Pending",
            Self::Withheld => "Withheld",
        }
    }

    /// R-CREDENTIAL: a released result is a signed, verifiable credential when it states a result
    /// (graded, X or Z); a pending or withheld one states nothing to verify yet.
    pub fn r_credential(self) -> bool {
        matches!(self, Self::Graded | Self::X | Self::Z)
    }

    /// R-RESULT-CODES: no component profile is shown for X, Z or Pending (nor for a withheld result).
    pub fn shows_components(self) -> bool {
        matches!(self, Self::Graded)
    }
}

impl FromStr for ResultStatus {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "graded" => Ok(Self::Graded),
            "X" => Ok(Self::X),
            "Z" => Ok(Self::Z),
            "Pending" => Ok(Self::Pending),
            "Withheld" => Ok(Self::Withheld),
            _ => Err(DomainError::new(ErrorCode::InvalidChoice)
                .on("status")
                .arg("value", bounded(s))
                .arg("choices", "graded, X, Z, Pending, Withheld")),
        }
    }
}

/// The base of the Cambridge English Scale band an exam type reports and the index of its CEFR
/// level in `A1..C2`; `None` for an exam type not reported on the scale.
fn scale_band(exam_type: &str) -> Option<(i32, usize)> {
    match exam_type {
        "KET" => Some((100, 1)),
        "PET" | "BECP" => Some((120, 2)),
        "FCE" | "BECV" => Some((140, 3)),
        "CAE" | "BECH" => Some((160, 4)),
        "CPE" => Some((180, 5)),
        _ => None,
    }
}

/// The grade and CEFR level a Cambridge English Scale score gives in an exam of `exam_type`
/// (`KET`, `PET`, `FCE`, `CAE`, `CPE`, `BECP`, `BECV`, `BECH`). Each exam reports a band of
/// 60 points from its base: grade A from base + 40 (one level above the exam's), B from base + 33
/// and C from base + 20 (the exam's level), and a certificate at the level below from the base.
/// Returns `None` for an exam type without a scale or a score below the reported band.
pub fn grade_for(exam_type: &str, score: i32) -> Option<(&'static str, &'static str)> {
    const LEVELS: [&str; 6] = ["A1", "A2", "B1", "B2", "C1", "C2"];
    let (base, level) = scale_band(exam_type)?;
    let above = LEVELS.get(level + 1).copied().unwrap_or(LEVELS[level]);
    match score - base {
        d if !(0..=60).contains(&d) => None,
        d if d >= 40 => Some(("A", above)),
        d if d >= 33 => Some(("B", LEVELS[level])),
        d if d >= 20 => Some(("C", LEVELS[level])),
        _ => Some(("Level below", LEVELS[level - 1])),
    }
}

/// The CEFR levels, lowest first.
pub const CEFR_LEVELS: [&str; 7] = ["Pre A1", "A1", "A2", "B1", "B2", "C1", "C2"];

/// The lowest and highest Cambridge English Scale score a result file may carry.
pub const SCALE_RANGE: std::ops::RangeInclusive<i32> = 80..=230;

/// The grades of the exams whose results are not reported on the Cambridge English Scale (no
/// [`grade_for`] band): DELTA Module One's pass grades, TKT's bands and the Young Learners'
/// total of shields (three papers of one to five shields each).
pub fn named_grades(exam_type: &str) -> &'static [&'static str] {
    match exam_type {
        "DELTA1" => &["Pass with Distinction", "Pass with Merit", "Pass", "Fail"],
        "TKT" => &["Band 1", "Band 2", "Band 3", "Band 4"],
        "YLE" => &["3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15"],
        _ => &[],
    }
}

/// The exam a result line is checked against: its type as the scale knows it (`FCE` for both
/// B2 First and B2 First for Schools), its CEFR level (none for DELTA and TKT) and its
/// components in the catalogue's order.
#[derive(Debug, Clone, Copy)]
pub struct ResultExam<'a> {
    /// The exam type, e.g. `FCE`, `BECV`, `DELTA1`.
    pub exam_type: &'a str,
    /// The exam's CEFR level, e.g. `B2`; `None` for an exam without one.
    pub cefr: Option<&'a str>,
    /// The component names, e.g. `Reading`, `Use of English`.
    pub components: &'a [&'a str],
}

/// One line of the board's results file as text, column by column.
#[derive(Debug, Clone, Copy)]
pub struct ResultLine<'a> {
    /// The `status` column.
    pub status: &'a str,
    /// The `overall_score` column.
    pub overall_score: &'a str,
    /// The `grade` column.
    pub grade: &'a str,
    /// The `cefr` column.
    pub cefr: &'a str,
    /// The component columns, in the exam's order: (component, text).
    pub components: &'a [(&'a str, &'a str)],
}

/// A result line that passed [`check_result_line`]: what is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedResult {
    /// The status.
    pub status: ResultStatus,
    /// The Cambridge English Scale score (graded results only).
    pub overall_score: Option<i32>,
    /// The grade as the scale names it (graded results only).
    pub grade: Option<String>,
    /// The CEFR level as written in [`CEFR_LEVELS`] (graded results only).
    pub cefr: Option<String>,
    /// One score per component (graded results only).
    pub components: Vec<(String, i32)>,
}

/// DOMAIN.md section 8 and R-RESULT-CODES: a result is either graded (an overall Cambridge
/// English Scale score, a grade, a CEFR level and one score per component) or a status code (X,
/// Z, Pending, Withheld) with none of these. A graded line's grade and CEFR level must be those
/// its score gives in the exam ([`grade_for`]); for an exam without a scale band the grade is one
/// of [`named_grades`] and the CEFR level is the exam's own (empty for an exam without one).
/// Grades and levels are matched without regard to case and returned as the scale writes them.
///
/// Every broken rule is returned, each naming its column (`field`); values are quoted at most
/// [`crate::error::QUOTED_CHARS`] characters long.
pub fn check_result_line(exam: &ResultExam<'_>, line: &ResultLine<'_>) -> Result<CheckedResult, Vec<DomainError>> {
    let status: ResultStatus = line.status.parse().map_err(|e| vec![e])?;
    if status != ResultStatus::Graded {
        // R-RESULT-CODES: a status code carries no scores; refusing them beats dropping them.
        let given: Vec<&str> = [("overall_score", line.overall_score), ("grade", line.grade), ("cefr", line.cefr)]
            .into_iter()
            .chain(line.components.iter().copied())
            .filter(|(_, v)| !v.is_empty())
            .map(|(c, _)| c)
            .collect();
        if let Some(first) = given.first() {
            return Err(vec![
                DomainError::new(ErrorCode::ResultScoresOnStatusLine)
                    .on(*first)
                    .arg("status", status.as_str())
                    .arg("columns", given.join(", ")),
            ]);
        }
        return Ok(CheckedResult { status, overall_score: None, grade: None, cefr: None, components: vec![] });
    }
    let mut errors = Vec::new();
    let overall = match line.overall_score.parse::<i32>() {
        Ok(v) if SCALE_RANGE.contains(&v) => Some(v),
        _ => {
            errors.push(
                DomainError::new(ErrorCode::ResultScoreNotOnScale)
                    .on("overall_score")
                    .arg("value", quote(line.overall_score))
                    .arg("min", SCALE_RANGE.start())
                    .arg("max", SCALE_RANGE.end()),
            );
            None
        }
    };
    let mut components = Vec::with_capacity(line.components.len());
    for (name, text) in line.components {
        match text.parse::<i32>() {
            Ok(s) if (0..=*SCALE_RANGE.end()).contains(&s) => components.push(((*name).to_owned(), s)),
            _ => errors.push(
                DomainError::new(ErrorCode::ResultComponentScore)
                    .on(*name)
                    .arg("component", name)
                    .arg("value", quote(text))
                    .arg("max", SCALE_RANGE.end()),
            ),
        }
    }
    let canonical =
        |allowed: &[&'static str], given: &str| allowed.iter().find(|a| a.eq_ignore_ascii_case(given)).copied();
    let mut grade = None;
    let mut cefr = None;
    if scale_band(exam.exam_type).is_some() {
        // The score decides both; without a readable score there is nothing to compare with.
        if let Some(score) = overall {
            match grade_for(exam.exam_type, score) {
                None => errors.push(
                    DomainError::new(ErrorCode::ResultOutsideBand)
                        .on("overall_score")
                        .arg("score", score)
                        .arg("exam", exam.exam_type),
                ),
                Some((g, c)) => {
                    if line.grade.eq_ignore_ascii_case(g) {
                        grade = Some(g);
                    } else {
                        errors.push(
                            DomainError::new(ErrorCode::ResultGradeMismatch)
                                .on("grade")
                                .arg("value", quote(line.grade))
                                .arg("score", score)
                                .arg("expected", g),
                        );
                    }
                    if line.cefr.eq_ignore_ascii_case(c) {
                        cefr = Some(c);
                    } else {
                        errors.push(
                            DomainError::new(ErrorCode::ResultCefrMismatch)
                                .on("cefr")
                                .arg("value", quote(line.cefr))
                                .arg("score", score)
                                .arg("expected", c),
                        );
                    }
                }
            }
        }
    } else {
        let grades = named_grades(exam.exam_type);
        match canonical(grades, line.grade) {
            Some(g) => grade = Some(g),
            None if grades.is_empty() => {
                errors.push(DomainError::new(ErrorCode::ResultNoGradeScale).on("grade").arg("exam", exam.exam_type))
            }
            None => errors.push(
                DomainError::new(ErrorCode::ResultGradeUnknown)
                    .on("grade")
                    .arg("value", quote(line.grade))
                    .arg("expected", grades.join(", ")),
            ),
        }
        match (exam.cefr, line.cefr) {
            (None, "") => {}
            (None, other) => {
                errors.push(DomainError::new(ErrorCode::ResultNoCefr).on("cefr").arg("value", quote(other)))
            }
            (Some(level), given) => match canonical(&CEFR_LEVELS, level) {
                Some(c) if c.eq_ignore_ascii_case(given) => cefr = Some(c),
                _ => errors.push(
                    DomainError::new(ErrorCode::ResultCefrNotTheExams)
                        .on("cefr")
                        .arg("value", quote(given))
                        .arg("expected", level),
                ),
            },
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(CheckedResult {
        status,
        overall_score: overall,
        grade: grade.map(str::to_owned),
        cefr: cefr.map(str::to_owned),
        components,
    })
}

/// Whether a graded result passes its exam: grades A, B and C of an exam on the scale (`Level
/// below` is a certificate at the level below, not a pass of the exam), and DELTA Module One's
/// pass grades. `None` for an exam with no fail: TKT's bands and the Young Learners' shields.
pub fn passes(exam_type: &str, grade: &str) -> Option<bool> {
    if scale_band(exam_type).is_some() {
        return Some(["A", "B", "C"].iter().any(|g| g.eq_ignore_ascii_case(grade)));
    }
    match exam_type {
        "DELTA1" => Some(!grade.eq_ignore_ascii_case("Fail")),
        _ => None,
    }
}

/// R-SPECIAL-CONSIDERATION: a candidate given special consideration (an upheld case) whose
/// result is still a fail, graded below the exam's pass, is one the centre is told about, to
/// follow up with the candidate and the board. A result without a grade (X, Z, Pending,
/// Withheld) is not a fail, and an exam without a pass mark has none.
pub fn r_special_consideration_still_failed(
    consideration_upheld: bool,
    status: ResultStatus,
    exam_type: &str,
    grade: Option<&str>,
) -> bool {
    consideration_upheld && status == ResultStatus::Graded && grade.and_then(|g| passes(exam_type, g)) == Some(false)
}

/// R-RELEASE: a result is invisible to candidates and verifiers until its session's release
/// instant, and visible from that instant on.
pub fn r_release(release_at: chrono::DateTime<chrono::Utc>, now: chrono::DateTime<chrono::Utc>) -> bool {
    now >= release_at
}

/// R-RESULTS-WINDOW: by when the board typically releases a session's results: about 5 weeks
/// after the written paper for paper-based exams, about 2 weeks for computer-based ones. An entry
/// that sat the exam and still has no result after that day is for the centre to chase.
pub fn r_results_window(delivery: crate::labels::Delivery, written: chrono::NaiveDate) -> chrono::NaiveDate {
    let weeks = match delivery {
        crate::labels::Delivery::PaperBased => 5,
        crate::labels::Delivery::ComputerBased => 2,
    };
    written + chrono::Duration::weeks(weeks)
}

#[cfg(test)]
mod tests {
    #[test]
    fn r_results_window_five_weeks_on_paper_two_on_computer() {
        use crate::labels::Delivery;
        let written = chrono::NaiveDate::from_ymd_opt(2026, 6, 13).unwrap();
        assert_eq!(
            r_results_window(Delivery::PaperBased, written),
            chrono::NaiveDate::from_ymd_opt(2026, 7, 18).unwrap()
        );
        assert_eq!(
            r_results_window(Delivery::ComputerBased, written),
            chrono::NaiveDate::from_ymd_opt(2026, 6, 27).unwrap()
        );
    }

    #[test]
    fn r_special_consideration_still_failed_below_the_exams_pass() {
        use super::ResultStatus::*;
        let failed = |upheld, status, exam, grade| r_special_consideration_still_failed(upheld, status, exam, grade);
        assert!(failed(true, Graded, "FCE", Some("Level below")), "a certificate at the level below is no pass");
        assert!(!failed(true, Graded, "FCE", Some("C")), "C passes");
        assert!(!failed(false, Graded, "FCE", Some("Level below")), "no special consideration upheld");
        assert!(failed(true, Graded, "DELTA1", Some("fail")));
        assert!(!failed(true, Graded, "DELTA1", Some("Pass with Merit")));
        assert!(!failed(true, Graded, "TKT", Some("Band 1")), "TKT has no fail");
        for status in [X, Z, Pending, Withheld] {
            assert!(!failed(true, status, "FCE", None), "{status:?} is no grade");
        }
        assert_eq!(passes("CAE", "b"), Some(true));
        assert_eq!(passes("YLE", "3"), None);
    }

    #[test]
    fn r_credential_only_for_results_that_state_something() {
        use super::ResultStatus::*;
        let issued: Vec<_> = [Graded, X, Z, Pending, Withheld].into_iter().filter(|s| s.r_credential()).collect();
        assert_eq!(issued, vec![Graded, X, Z]);
    }

    use super::*;

    #[test]
    fn first_certificate_grades() {
        assert_eq!(grade_for("FCE", 185), Some(("A", "C1")));
        assert_eq!(grade_for("FCE", 175), Some(("B", "B2")));
        assert_eq!(grade_for("FCE", 160), Some(("C", "B2")));
        assert_eq!(grade_for("FCE", 150), Some(("Level below", "B1")));
        assert_eq!(grade_for("FCE", 120), None);
        assert_eq!(grade_for("CPE", 225), Some(("A", "C2")));
    }

    #[test]
    fn r_result_codes_hide_components() {
        assert!(ResultStatus::Graded.shows_components());
        for s in [ResultStatus::X, ResultStatus::Z, ResultStatus::Pending, ResultStatus::Withheld] {
            assert!(!s.shows_components());
        }
    }

    const FCE: ResultExam<'static> = ResultExam {
        exam_type: "FCE",
        cefr: Some("B2"),
        components: &["Reading", "Use of English", "Writing", "Listening", "Speaking"],
    };

    fn line<'a>(
        status: &'a str,
        score: &'a str,
        grade: &'a str,
        cefr: &'a str,
        comps: &'a [(&'a str, &'a str)],
    ) -> ResultLine<'a> {
        ResultLine { status, overall_score: score, grade, cefr, components: comps }
    }

    const SCORES: [(&str, &str); 5] =
        [("Reading", "170"), ("Use of English", "175"), ("Writing", "180"), ("Listening", "172"), ("Speaking", "183")];
    const EMPTY: [(&str, &str); 5] =
        [("Reading", ""), ("Use of English", ""), ("Writing", ""), ("Listening", ""), ("Speaking", "")];

    fn fields(r: Result<CheckedResult, Vec<DomainError>>) -> Vec<String> {
        r.unwrap_err().into_iter().map(|e| e.field.unwrap()).collect()
    }

    #[test]
    fn r_result_codes_graded_line_follows_its_score() {
        let ok = check_result_line(&FCE, &line("graded", "176", "b", "b2", &SCORES)).unwrap();
        assert_eq!((ok.overall_score, ok.grade.as_deref(), ok.cefr.as_deref()), (Some(176), Some("B"), Some("B2")));
        assert_eq!(ok.components.len(), 5);
        // A grade or level the score does not give, or text that is no grade at all.
        assert_eq!(fields(check_result_line(&FCE, &line("graded", "176", "A", "B2", &SCORES))), ["grade"]);
        assert_eq!(fields(check_result_line(&FCE, &line("graded", "176", "B", "C1", &SCORES))), ["cefr"]);
        assert_eq!(
            fields(check_result_line(&FCE, &line("graded", "176", "=1+1", "<script>", &SCORES))),
            ["grade", "cefr"]
        );
        assert_eq!(fields(check_result_line(&FCE, &line("graded", "176", "ZZ", "ZZ", &SCORES))), ["grade", "cefr"]);
        // A score outside the exam's band has no grade; a score that is no score is named.
        assert_eq!(fields(check_result_line(&FCE, &line("graded", "120", "C", "B1", &SCORES))), ["overall_score"]);
        assert_eq!(fields(check_result_line(&FCE, &line("graded", "999", "A", "C1", &SCORES))), ["overall_score"]);
        let mut bad = SCORES;
        bad[2].1 = "lots";
        assert_eq!(fields(check_result_line(&FCE, &line("graded", "176", "B", "B2", &bad))), ["Writing"]);
    }

    #[test]
    fn r_result_codes_status_lines_carry_no_scores() {
        for s in ["X", "Z", "Pending", "Withheld"] {
            let ok = check_result_line(&FCE, &line(s, "", "", "", &EMPTY)).unwrap();
            assert_eq!((ok.overall_score, ok.components.len()), (None, 0));
        }
        // Scores on an X line are refused, never dropped.
        let err = check_result_line(&FCE, &line("X", "", "", "", &SCORES)).unwrap_err();
        assert_eq!(err[0].field.as_deref(), Some("Reading"));
        assert!(
            err[0].message(crate::Locale::En).contains("Reading, Use of English, Writing, Listening, Speaking"),
            "{}",
            err[0].message(crate::Locale::En)
        );
        assert_eq!(fields(check_result_line(&FCE, &line("Z", "160", "", "", &EMPTY))), ["overall_score"]);
        assert_eq!(fields(check_result_line(&FCE, &line("Absent", "", "", "", &EMPTY))), ["status"]);
    }

    #[test]
    fn r_result_codes_exams_without_a_scale_band() {
        let delta = ResultExam { exam_type: "DELTA1", cefr: None, components: &[] };
        let ok = check_result_line(&delta, &line("graded", "180", "pass with merit", "", &[])).unwrap();
        assert_eq!(ok.grade.as_deref(), Some("Pass with Merit"));
        assert_eq!(fields(check_result_line(&delta, &line("graded", "180", "A", "", &[]))), ["grade"]);
        assert_eq!(fields(check_result_line(&delta, &line("graded", "180", "Pass", "C1", &[]))), ["cefr"]);
        let movers = ResultExam { exam_type: "YLE", cefr: Some("A1"), components: &[] };
        assert!(check_result_line(&movers, &line("graded", "120", "12", "A1", &[])).is_ok());
        assert_eq!(fields(check_result_line(&movers, &line("graded", "120", "12", "A2", &[]))), ["cefr"]);
    }

    #[test]
    fn a_refusal_quotes_at_most_forty_characters() {
        let huge = "9".repeat(5_000_000);
        let err = check_result_line(&FCE, &line("graded", &huge, "B", "B2", &SCORES)).unwrap_err();
        assert!(err[0].message(crate::Locale::En).len() < 200, "{}", err[0].message(crate::Locale::En).len());
        assert!(err[0].message(crate::Locale::En).contains('…'));
    }

    #[test]
    fn r_release_shows_results_from_the_release_instant_on() {
        let at: chrono::DateTime<chrono::Utc> = "2026-04-20T08:00:00Z".parse().unwrap();
        assert!(!r_release(at, at - chrono::Duration::seconds(1)));
        assert!(r_release(at, at));
        assert!(r_release(at, at + chrono::Duration::days(400)));
    }
}
