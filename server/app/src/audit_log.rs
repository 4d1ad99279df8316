//! The audit log of every tenant for the installation admin: filtered by tenant, action, who
//! did it and a range of days, newest first, a page at a time.

use crate::actor::Actor;
use crate::error::AppError;
use crate::state::AppState;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use tessera_domain::{DomainError, ErrorCode, Role};
use tessera_storage::repo::audit::{self, AuditFilter};
use tessera_storage::repo::{tenants, users};

/// Records on one page.
pub const PER_PAGE: i64 = 50;

/// The filters as typed (query string of the page); empty means any.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct AuditQuery {
    /// A tenant's code.
    #[serde(default)]
    pub tenant: String,
    /// An action code.
    #[serde(default)]
    pub action: String,
    /// Who did it: a login or email address.
    #[serde(default)]
    pub actor: String,
    /// The first day (YYYY-MM-DD, in the installation's time zone).
    #[serde(default)]
    pub from: String,
    /// The last day (YYYY-MM-DD, in the installation's time zone), included.
    #[serde(default)]
    pub to: String,
    /// The page, from 1.
    #[serde(default)]
    pub page: Option<i64>,
}

/// One record as the page shows it.
#[derive(Debug, Serialize)]
pub struct AuditRow {
    /// When (UTC, RFC 3339; the page writes it in the time zone).
    pub at: String,
    /// The tenant's code and name.
    pub tenant: String,
    /// The tenant's name.
    pub tenant_name: String,
    /// Who: name and login, when a user did it.
    pub actor: Option<String>,
    /// The action's code (shown through its label).
    pub action: String,
    /// To what (an id or code).
    pub target: Option<String>,
}

/// One page of records and where it is.
#[derive(Debug, Serialize)]
pub struct AuditPage {
    /// The records.
    pub rows: Vec<AuditRow>,
    /// Records matching in all.
    pub total: i64,
    /// This page, from 1.
    pub page: i64,
    /// Pages in all (at least 1).
    pub pages: i64,
}

fn day(field: &str, text: &str) -> Result<Option<chrono::NaiveDate>, DomainError> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .map(Some)
        .map_err(|_| DomainError::new(ErrorCode::InvalidDate).on(field).arg("value", t))
}

/// The records matching `q`, newest first: a refusal names the filter at fault (an unknown
/// tenant or action, a day that is not a date, a range that ends before it starts).
pub async fn search(state: &AppState, user: &Actor, q: &AuditQuery) -> Result<AuditPage, AppError> {
    user.require(&[Role::InstallationAdmin])?;
    let action = Some(q.action.trim().to_owned()).filter(|a| !a.is_empty());
    if let Some(a) = &action
        && !tessera_domain::audit::ACTIONS.contains(&a.as_str())
    {
        return Err(AppError::at(ErrorCode::InvalidChoice, "action")
            .arg("value", a)
            .arg("choices", tessera_domain::audit::ACTIONS.join(", ")));
    }
    let (from, to) = (day("from", &q.from)?, day("to", &q.to)?);
    if let (Some(f), Some(t)) = (from, to)
        && t < f
    {
        return Err(DomainError::new(ErrorCode::DateOrder).on("to").arg_field("other", "from").into());
    }
    let page = q.page.unwrap_or(1);
    if !(1..=100_000).contains(&page) {
        return Err(AppError::at(ErrorCode::OutOfRange, "page").arg("min", 1).arg("max", 100_000));
    }
    // Days start at midnight in the installation's time zone.
    let zone = user.tenant.timezone;
    let start = |d: chrono::NaiveDate| {
        d.and_hms_opt(0, 0, 0)
            .and_then(|t| t.and_local_timezone(zone).earliest())
            .map(|t| t.with_timezone(&chrono::Utc))
    };
    let (from, until) = (from.and_then(start), to.and_then(|d| d.succ_opt()).and_then(start));
    let slug = Some(q.tenant.trim().to_owned()).filter(|s| !s.is_empty());
    let actor = Some(q.actor.trim().to_lowercase()).filter(|s| !s.is_empty());
    let (rows, total, names, actors) = state
        .db
        .call(move |c| {
            let all = tenants::list(c)?;
            let tenant = match &slug {
                Some(s) => match all.iter().find(|t| &t.slug == s) {
                    Some(t) => Some(t.id),
                    None => {
                        let codes: Vec<&str> = all.iter().map(|t| t.slug.as_str()).collect();
                        return Ok(Err(AppError::at(ErrorCode::InvalidChoice, "tenant")
                            .arg("value", s)
                            .arg("choices", codes.join(", "))));
                    }
                },
                None => None,
            };
            let actors = match &actor {
                Some(login) => Some(users::with_login_anywhere(c, login, tenant)?.into_iter().map(|u| u.id).collect()),
                None => None,
            };
            let filter = AuditFilter { tenant, action, actors, from, until };
            let (rows, total) = audit::search(c, &filter, (page - 1) * PER_PAGE, PER_PAGE)?;
            let ids: Vec<String> = rows.iter().filter_map(|r| r.actor.clone()).collect();
            let who: HashMap<String, String> = users::by_ids_anywhere(c, &ids)?
                .into_iter()
                .map(|u| (u.id.clone(), format!("{} ({})", u.display_name, u.login)))
                .collect();
            let names: HashMap<String, (String, String)> =
                all.into_iter().map(|t| (t.id.to_string(), (t.slug, t.name))).collect();
            Ok(Ok((rows, total, names, who)))
        })
        .await??;
    let rows = rows
        .into_iter()
        .map(|r| {
            let (tenant, tenant_name) = names.get(&r.tenant_id).cloned().unwrap_or_default();
            AuditRow {
                at: r.at.and_utc().to_rfc3339(),
                tenant,
                tenant_name,
                actor: r.actor.map(|id| actors.get(&id).cloned().unwrap_or(id)),
                action: r.action,
                target: r.target,
            }
        })
        .collect();
    Ok(AuditPage { rows, total, page, pages: ((total + PER_PAGE - 1) / PER_PAGE).max(1) })
}
