//! The exam-day and after-exam forms of an entry's page.

use super::{STAFF, entry_page, money};
use crate::auth::{CsrfForm, CsrfProtected, CurrentUser};
use crate::error::{AppError, AppResult, HttpError};
use crate::extract::Path;
use crate::state::SharedState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum_extra::extract::cookie::CookieJar;
use minijinja::context;
use serde::Deserialize;
use tessera_app::centre as ops;
use tessera_domain::{ErrorCode, Role};

/// Component scores typed as `Reading: 40, Writing 35` (a colon or a space between name and score).
fn component_scores(text: &str) -> Result<std::collections::BTreeMap<String, i32>, AppError> {
    let mut out = std::collections::BTreeMap::new();
    for part in text.split([',', ';', '\n']).map(str::trim).filter(|p| !p.is_empty()) {
        let (name, score) = part
            .rsplit_once([':', ' ', '='])
            .map(|(n, v)| (n.trim().trim_end_matches([':', '=']).trim(), v.trim()))
            .ok_or_else(|| AppError::at(ErrorCode::InvalidComponents, "components").arg("value", part))?;
        let score = score
            .parse::<i32>()
            .map_err(|_| AppError::at(ErrorCode::InvalidComponents, "components").arg("value", part))?;
        if name.is_empty() {
            return Err(AppError::at(ErrorCode::InvalidComponents, "components").arg("value", part));
        }
        out.insert(name.to_owned(), score);
    }
    Ok(out)
}

/// An action form of the entry page: its anti-forgery token and its fields.
#[derive(Deserialize)]
pub(crate) struct ActionForm {
    csrf: String,
    #[serde(flatten)]
    fields: std::collections::HashMap<String, String>,
}

impl CsrfProtected for ActionForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

impl ActionForm {
    fn get(&self, k: &str) -> String {
        self.fields.get(k).map(|v| v.trim().to_owned()).unwrap_or_default()
    }

    fn opt(&self, k: &str) -> Option<String> {
        Some(self.get(k)).filter(|v| !v.is_empty())
    }

    /// The result after a re-check, re-mark or appeal, as the outcome forms type it.
    fn remarked_result(&self) -> Result<tessera_app::after_exam::EnquiryOutcomeInput, AppError> {
        let overall_score = self.get("overall_score").parse::<i32>().map_err(|_| {
            AppError::at(ErrorCode::InvalidNumber, "overall_score").arg("value", self.get("overall_score"))
        })?;
        Ok(tessera_app::after_exam::EnquiryOutcomeInput {
            overall_score,
            grade: self.get("grade"),
            cefr: self.get("cefr"),
            components: component_scores(&self.get("components"))?,
        })
    }
}

/// `POST /centre/entries/{id}/{action}`: the exam-day and after-exam forms of the entry page
/// (attendance, case, enquiry, appeal, certificate collection, name correction). Success returns to the
/// entry page; a refusal shows it again with the reason.
pub(crate) async fn entry_action(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
    Path((id, action)): Path<(String, String)>,
    CsrfForm(f): CsrfForm<ActionForm>,
) -> AppResult<Response> {
    use tessera_app::after_exam as after;
    user.require(STAFF)?;
    let actor = user.user.id.clone();
    let t = &user.tenant;
    let (tpl, locale) = (&state.templates, t.locale);
    let say = |key: &str, args: &[(&str, &str)]| tpl.text_with(locale, &format!("notice.centre.{key}"), args);
    let outcome: Result<String, AppError> = match action.as_str() {
        "attendance" => {
            let input = after::AttendanceInput {
                component: f.get("component"),
                present: f.get("present") == "yes",
                id_document_shown: f.opt("id_document_shown"),
                devices: f.opt("devices"),
            };
            after::record_attendance(&state, t, &id, input, actor).await.map(|o| {
                if o.admitted {
                    say("admitted", &[])
                } else {
                    say("not_admitted", &[("reasons", &o.reasons.join(" "))])
                }
            })
        }
        "case" => after::open_case(
            &state,
            t,
            &id,
            after::CaseInput { kind: f.get("kind"), description: f.get("description") },
            actor,
        )
        .await
        .map(|c| say("case_opened", &[("kind", &tpl.label(locale, "case_kind", &c.kind))])),
        "enquiry" => {
            let fee = money("fee", &f.get("fee"));
            match (fee, f.get("stage").parse::<i32>()) {
                (Ok(fee_minor), Ok(stage)) => {
                    after::open_enquiry(&state, t, &id, after::EnquiryInput { stage, fee_minor }, actor)
                        .await
                        .map(|e| say("enquiry_opened", &[("stage", &e.stage.to_string())]))
                }
                (Err(e), _) => Err(e),
                (_, Err(_)) => Err(AppError::at(ErrorCode::InvalidChoice, "stage")
                    .arg("value", f.get("stage"))
                    .arg("choices", "1, 2")),
            }
        }
        "collection" => {
            let input = after::CollectionInput {
                by: f.get("by"),
                collector_name: f.opt("collector_name"),
                collector_id_document: f.opt("collector_id_document"),
                signature_recorded: f.get("signature_recorded") == "yes",
                courier_address: f.opt("courier_address"),
            };
            after::collect_certificate(&state, t, &id, input, actor).await.map(|_| say("collection_recorded", &[]))
        }
        "name" => after::correct_name(
            &state,
            t,
            &id,
            after::NameCorrectionInput { first_name: f.get("first_name"), family_name: f.get("family_name") },
            actor,
        )
        .await
        .map(|n| n.message),
        // R-NAME-SPELLING: where the correction is refused, a Certifying Statement for a fee.
        "certifying_statement" => match money("statement_fee", &f.get("statement_fee")) {
            Ok(fee_minor) => {
                let input = after::CertifyingStatementInput {
                    first_name: f.get("statement_first_name"),
                    family_name: f.get("statement_family_name"),
                    fee_minor,
                };
                after::issue_certifying_statement(&state, t, &id, input, actor)
                    .await
                    .map(|s| tpl.text_with(locale, "statement.charge", &[("fee", &s.fee)]))
                    .map_err(|mut e| {
                        // This form's controls are named apart from the name-correction form's.
                        let field = match e.error.field.as_deref() {
                            Some("first_name") => Some("statement_first_name"),
                            Some("family_name") => Some("statement_family_name"),
                            Some("fee_minor") => Some("statement_fee"),
                            _ => None,
                        };
                        if let Some(f) = field {
                            e.error.field = Some(f.to_owned());
                        }
                        e
                    })
            }
            Err(e) => Err(e),
        },
        "extra_time_report" => {
            let input = ops::ExtraTimeReportInput {
                made_on: f.get("made_on"),
                states_severity: f.get("states_severity") == "yes",
                names_diagnostic_tests: f.get("names_diagnostic_tests") == "yes",
                stamped_and_signed: f.get("stamped_and_signed") == "yes",
            };
            ops::record_extra_time_report(&state, t, &id, input, actor).await.map(|s| {
                let verdict = s.warnings.iter().find(|w| w.contains("R-PL-EXTRA-TIME")).cloned().unwrap_or_default();
                say("report_recorded", &[("verdict", &verdict)])
            })
        }
        "enquiry_outcome" => match f.remarked_result() {
            Ok(input) => after::complete_enquiry(&state, t, &f.get("enquiry_id"), input, actor).await.map(|e| {
                let outcome = tpl.label(locale, "enquiry_outcome", e.outcome.as_deref().unwrap_or_default());
                let done = say("enquiry_completed", &[("outcome", &outcome)]);
                if e.fee_refunded { format!("{done} {}", say("fee_refunded", &[])) } else { done }
            }),
            Err(e) => Err(e),
        },
        "appeal" => {
            user.require(&[Role::CentreManager])?;
            match money("appeal_fee", &f.get("appeal_fee")) {
                Ok(fee_minor) => after::lodge_appeal(
                    &state,
                    t,
                    &id,
                    after::AppealInput { ground: f.get("ground"), fee_minor },
                    actor,
                )
                .await
                .map(|a| say("appeal_lodged", &[("ground", &tpl.label(locale, "appeal_ground", &a.ground))])),
                Err(e) => Err(e),
            }
        }
        "appeal_decision" => {
            let decision = f.get("decision");
            let result = if decision == "upheld" { f.remarked_result().map(Some) } else { Ok(None) };
            match result {
                Ok(result) => {
                    let input = after::AppealDecisionInput { decision, result };
                    after::decide_appeal(&state, t, &f.get("appeal_id"), input, actor).await.map(|a| {
                        let mut done =
                            say("appeal_decided", &[("status", &tpl.label(locale, "appeal_status", &a.status))]);
                        if let Some(outcome) = &a.outcome {
                            done = format!("{done} {}.", tpl.label(locale, "appeal_outcome", outcome));
                        }
                        if a.fee_refunded { format!("{done} {}", say("fee_refunded", &[])) } else { done }
                    })
                }
                Err(e) => Err(e),
            }
        }
        "close_case" => {
            user.require(&[Role::CentreManager])?;
            match f.get("decision").as_str() {
                d @ ("uphold" | "dismiss") => after::close_case(&state, t, &f.get("case_id"), d == "uphold", actor)
                    .await
                    .map(|c| say("case_closed", &[("status", &tpl.label(locale, "case_status", &c.status))])),
                other => Err(AppError::at(ErrorCode::InvalidChoice, "decision")
                    .arg("value", other)
                    .arg("choices", "uphold, dismiss")),
            }
        }
        _ => return Err(HttpError::not_found()),
    };
    match outcome {
        Ok(notice) => entry_page(&state, user, jar, id, StatusCode::OK, context! { notice => notice }).await,
        Err(e) if e.is_refusal() => {
            entry_page(&state, user, jar, id, e.status, context! { error => e.for_page() }).await
        }
        Err(e) => Err(e.into()),
    }
}
