//! The exam catalogue (DOMAIN.md section 2): the one list of exams a centre can hold. The
//! policy plugins' [`Exam`], the Cambridge English Scale band of [`crate::results`] and the
//! database's `exams` rows (a test in `server/storage` compares them) all follow from it.

pub use tessera_plugin_sdk::Exam;

/// One exam of the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CatalogueExam {
    /// The centre's code, e.g. `FCE`, stored with every session.
    pub code: &'static str,
    /// The name people see, e.g. `B2 First`.
    pub name: &'static str,
    /// The exam as the policy plugins know it.
    pub exam: Exam,
    /// The type results are graded by (`FCE` for B2 First and B2 First for Schools).
    pub exam_type: &'static str,
    /// The exam's CEFR level, if it has one.
    pub cefr: Option<&'static str>,
    /// The papers, in the results file's order.
    pub components: &'static [&'static str],
}

impl CatalogueExam {
    /// What a result of this exam is checked against (its type, level and papers).
    pub fn result_scale(&self) -> crate::results::ResultExam<'static> {
        crate::results::ResultExam { exam_type: self.exam_type, cefr: self.cefr, components: self.components }
    }
}

const FOUR_PAPERS: &[&str] = &["Reading", "Writing", "Listening", "Speaking"];
const FIVE_PAPERS: &[&str] = &["Reading", "Use of English", "Writing", "Listening", "Speaking"];
const YOUNG_LEARNERS: &[&str] = &["Listening", "Reading and Writing", "Speaking"];

const fn exam(
    code: &'static str,
    name: &'static str,
    exam: Exam,
    exam_type: &'static str,
    cefr: Option<&'static str>,
    components: &'static [&'static str],
) -> CatalogueExam {
    CatalogueExam { code, name, exam, exam_type, cefr, components }
}

/// Every exam, in the order of the database's seed.
pub const CATALOGUE: [CatalogueExam; 16] = [
    exam("KET", "A2 Key", Exam::Ket, "KET", Some("A2"), FOUR_PAPERS),
    exam("KETS", "A2 Key for Schools", Exam::KetForSchools, "KET", Some("A2"), FOUR_PAPERS),
    exam("PET", "B1 Preliminary", Exam::Pet, "PET", Some("B1"), FOUR_PAPERS),
    exam("PETS", "B1 Preliminary for Schools", Exam::PetForSchools, "PET", Some("B1"), FOUR_PAPERS),
    exam("FCE", "B2 First", Exam::Fce, "FCE", Some("B2"), FIVE_PAPERS),
    exam("FCES", "B2 First for Schools", Exam::FceForSchools, "FCE", Some("B2"), FIVE_PAPERS),
    exam("CAE", "C1 Advanced", Exam::Cae, "CAE", Some("C1"), FIVE_PAPERS),
    exam("CPE", "C2 Proficiency", Exam::Cpe, "CPE", Some("C2"), FIVE_PAPERS),
    exam("BECP", "B1 Business Preliminary", Exam::BecPreliminary, "BECP", Some("B1"), FOUR_PAPERS),
    exam("BECV", "B2 Business Vantage", Exam::BecVantage, "BECV", Some("B2"), FOUR_PAPERS),
    exam("BECH", "C1 Business Higher", Exam::BecHigher, "BECH", Some("C1"), FOUR_PAPERS),
    exam("DELTA1", "DELTA Module One", Exam::DeltaModuleOne, "DELTA1", None, &["Paper 1", "Paper 2"]),
    exam("TKT", "Teaching Knowledge Test", Exam::Tkt, "TKT", None, &["Module"]),
    exam("YLES", "Pre A1 Starters", Exam::Yle, "YLE", Some("Pre A1"), YOUNG_LEARNERS),
    exam("YLEM", "A1 Movers", Exam::Yle, "YLE", Some("A1"), YOUNG_LEARNERS),
    exam("YLEF", "A2 Flyers", Exam::Yle, "YLE", Some("A2"), YOUNG_LEARNERS),
];

/// The exam of the catalogue with this code.
pub fn by_code(code: &str) -> Option<&'static CatalogueExam> {
    CATALOGUE.iter().find(|e| e.code == code)
}

/// The exam as the policy plugins know it, for a session's exam code. Sessions can only hold
/// codes of the catalogue (the database's foreign key on `exams`); a code outside it is treated
/// as a Young Learners exam, the most restricted kind, rather than failing a decision.
pub fn policy_exam(code: &str) -> Exam {
    by_code(code).map_or(Exam::Yle, |e| e.exam)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r_hu_one_per_month_counts_schools_versions_as_their_exam_type() {
        // The catalogue's grading type and the plugins' "same type" agree for every exam.
        for e in CATALOGUE {
            let same_type = CATALOGUE.iter().filter(|o| o.exam.exam_type() == e.exam.exam_type());
            assert!(same_type.clone().all(|o| o.exam_type == e.exam_type), "{}", e.code);
        }
        assert_eq!(policy_exam("FCES").exam_type(), Exam::Fce);
    }

    #[test]
    fn every_exam_on_the_scale_has_a_band_and_codes_are_unique() {
        for e in CATALOGUE {
            assert_eq!(CATALOGUE.iter().filter(|o| o.code == e.code).count(), 1, "{}", e.code);
            let on_scale = crate::results::grade_for(e.exam_type, 170).is_some()
                || crate::results::grade_for(e.exam_type, 200).is_some()
                || crate::results::grade_for(e.exam_type, 120).is_some();
            assert_eq!(on_scale, e.cefr.is_some() && e.exam_type != "YLE", "{}", e.code);
        }
        assert_eq!(by_code("CAE").map(|e| e.components.len()), Some(5));
        assert!(by_code("XYZ").is_none());
    }
}
