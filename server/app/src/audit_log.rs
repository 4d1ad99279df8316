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
    /// The record's details as labelled values in the reader's language.
    pub details: Vec<DetailItem>,
}

/// One of a record's details: what it is and its value, both in words.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct DetailItem {
    /// The detail's label (`audit.detail.<key>`).
    pub label: String,
    /// The value: a date in the reader's zone, a code through its label, a number, a name.
    pub value: String,
}

/// Keys whose text values are names, addresses or free text typed by someone (shown as they are),
/// never codes.
const FREE_TEXT: &[&str] = &[
    "address",
    "centre",
    "email",
    "filename",
    "help_email",
    "help_phone",
    "iban",
    "list",
    "name",
    "original",
    "phone",
    "plugin",
    "reason",
    "school",
    "tenant",
    "verifier",
];

/// Writes audit details in words for a reader: each known key by its label, each value as a
/// person reads it. A key without a label, or a code without one, is left out rather than shown
/// raw.
pub struct DetailPresenter<'a> {
    /// The catalogues.
    pub templates: &'a crate::templates::Templates,
    /// The plugins (a plugin assignment's settings are named by the plugin's labels).
    pub policies: &'a tessera_policy::PolicyRegistry,
    /// The reader's language.
    pub locale: tessera_domain::Locale,
    /// The reader's time zone.
    pub zone: chrono_tz::Tz,
}

impl DetailPresenter<'_> {
    /// The details (a JSON object as stored) of a record of `action`, in words.
    pub fn present(&self, action: &str, details: &str) -> Vec<DetailItem> {
        let Ok(serde_json::Value::Object(map)) = serde_json::from_str::<serde_json::Value>(details) else {
            return Vec::new();
        };
        let currency = map.get("currency").and_then(|c| c.as_str());
        let plugin = map.get("plugin").and_then(|p| p.as_str()).and_then(|p| self.policies.info(p));
        map.iter()
            .filter(|(key, _)| key.as_str() != "currency" || !map.keys().any(|k| k.ends_with("_minor")))
            .filter_map(|(key, value)| {
                let label_key = format!("audit.detail.{key}");
                if !self.templates.has(&label_key) {
                    tracing::debug!(action, key, "an audit detail without a label is not shown");
                    return None;
                }
                let value = match (key.as_str(), &plugin) {
                    ("config", Some(info)) if action.starts_with("policy.") => self.settings(info, value),
                    _ => self.value(key, value, currency),
                }?;
                Some(DetailItem { label: self.templates.text(self.locale, &label_key), value })
            })
            .collect()
    }

    fn yes_no(&self, b: bool) -> String {
        self.templates.text(self.locale, if b { "admin.audit.yes" } else { "admin.audit.no" })
    }

    /// A plugin's settings by the plugin's own labels (only a plugin with a settings schema).
    fn settings(&self, info: &tessera_policy::PluginInfo, config: &serde_json::Value) -> Option<String> {
        use tessera_plugin_sdk::settings::SettingType;
        let lang = self.locale.as_str();
        let map = config.as_object()?;
        if map.is_empty() {
            return Some(self.templates.text(self.locale, "admin.audit.defaults"));
        }
        let parts: Vec<String> = info
            .settings
            .iter()
            .filter_map(|(key, s)| {
                let v = map.get(key)?;
                let shown = match (s.kind, v) {
                    (SettingType::Percent, serde_json::Value::Number(n)) => {
                        format!("{} %", crate::plugin_settings::percent(n.as_i64()?))
                    }
                    (SettingType::Boolean, serde_json::Value::Bool(b)) => self.yes_no(*b),
                    (_, serde_json::Value::Array(items)) => items
                        .iter()
                        .filter_map(|i| i.as_str())
                        .map(|i| s.choice(i).map_or(i, |c| c.label.get(lang)).to_owned())
                        .collect::<Vec<_>>()
                        .join(", "),
                    (_, serde_json::Value::String(t)) => {
                        s.choice(t).map_or(t.as_str(), |c| c.label.get(lang)).to_owned()
                    }
                    (_, other) => other.to_string(),
                };
                Some(format!("{}: {shown}", s.label.get(lang)))
            })
            .collect();
        (!parts.is_empty()).then(|| parts.join("; "))
    }

    fn value(&self, key: &str, value: &serde_json::Value, currency: Option<&str>) -> Option<String> {
        use serde_json::Value;
        match value {
            Value::Null => None,
            Value::Bool(b) => Some(self.yes_no(*b)),
            Value::Number(n) if key.ends_with("_minor") => {
                use tessera_domain::money::{Currency, Money};
                let minor = n.as_i64()?;
                match currency.and_then(|c| Currency::parse(c).ok()) {
                    Some(c) => Some(Money::new(minor, c).in_locale(self.locale)),
                    // No currency recorded: the amount alone, as the language writes it.
                    None => {
                        let major = format!("{}.{:02}", minor / 100, (minor % 100).abs());
                        Some(if self.locale == tessera_domain::Locale::En { major } else { major.replace('.', ",") })
                    }
                }
            }
            Value::Number(n) if key == "basis_points" => {
                Some(format!("{} %", crate::plugin_settings::percent(n.as_i64()?)))
            }
            Value::Number(n) => Some(match n.as_u64() {
                Some(whole) => tessera_domain::money::whole_number(whole, self.locale),
                None => n.to_string(),
            }),
            Value::String(text) => self.text(key, text),
            Value::Array(items) => {
                let parts: Vec<String> = items.iter().filter_map(|i| self.value(key, i, currency)).collect();
                (!parts.is_empty()).then(|| parts.join(", "))
            }
            Value::Object(map) => {
                let parts: Vec<String> = map
                    .iter()
                    .filter_map(|(k, v)| {
                        let label = format!("audit.detail.{k}");
                        if !self.templates.has(&label) {
                            return None;
                        }
                        Some(format!("{}: {}", self.templates.text(self.locale, &label), self.value(k, v, currency)?))
                    })
                    .collect();
                (!parts.is_empty()).then(|| parts.join("; "))
            }
        }
    }

    fn text(&self, key: &str, text: &str) -> Option<String> {
        if let Ok(at) = chrono::DateTime::parse_from_rfc3339(text) {
            return Some(self.templates.datetime(self.locale, self.zone, at.with_timezone(&chrono::Utc)));
        }
        if let Ok(day) = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            return Some(self.templates.date(self.locale, day));
        }
        if FREE_TEXT.contains(&key) {
            return Some(text.to_owned());
        }
        // A rule id is stated in words.
        if text.starts_with("R-") && self.templates.has(&format!("rule.{text}")) {
            return Some(self.templates.text(self.locale, &format!("rule.{text}")));
        }
        let code_like = !text.is_empty() && text.bytes().all(|b| b.is_ascii_lowercase() || b == b'_' || b == b'.');
        if !code_like {
            // Ids, candidate numbers and other values written by people or counters.
            return Some(text.to_owned());
        }
        if key == "kind" && self.templates.has(&format!("plugin.kind.{text}")) {
            return Some(self.templates.text(self.locale, &format!("plugin.kind.{text}")));
        }
        // A code: through the label of a group named after its key (`role`, `entry_status`...).
        let group = tessera_domain::labels::all()
            .into_iter()
            .find(|(g, code, _)| *code == text && (*g == key || g.starts_with(key) || g.ends_with(key)));
        match group {
            Some((g, code, _)) => Some(self.templates.label(self.locale, g, code)),
            None => {
                tracing::debug!(key, "an audit detail's code without a label is not shown");
                None
            }
        }
    }
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
    let presenter = DetailPresenter {
        templates: &state.templates,
        policies: &state.policies,
        locale: user.tenant.locale,
        zone: user.tenant.timezone,
    };
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
                details: presenter.present(&r.action, &r.details),
                action: r.action,
                target: r.target,
            }
        })
        .collect();
    Ok(AuditPage { rows, total, page, pages: ((total + PER_PAGE - 1) / PER_PAGE).max(1) })
}
