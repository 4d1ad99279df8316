//! A plugin's settings as a form, field by field: the fields drawn from the manifest's
//! `[settings]` schema in the admin's language, the posted fields turned into the typed JSON
//! configuration (each field checked against the schema first, every refusal naming its field by
//! the plugin's label), and the assignment (the plugin has the last word, as before).
//! A plugin without a schema keeps the JSON box.

use crate::actor::Actor;
use crate::error::AppError;
use crate::state::AppState;
use serde::Serialize;
use serde_json::{Map, Value};
use tessera_domain::error::bounded;
use tessera_domain::{DomainError, ErrorCode, Locale, Role};
use tessera_plugin_sdk::manifest::overlay_config;
use tessera_plugin_sdk::settings::{Setting, SettingType, Settings};

/// The name (and element id) of a setting's form control.
pub fn control(key: &str) -> String {
    format!("config.{key}")
}

/// One choice of a `text` or `list` setting, as the form shows it.
#[derive(Debug, Serialize)]
pub struct ChoiceField {
    /// The value sent.
    pub value: String,
    /// What the admin reads.
    pub label: String,
    /// Whether it is selected.
    pub checked: bool,
    /// The control's id (the first choice's is the setting's own, for the error summary's link).
    pub id: String,
}

/// One labelled control of the settings form.
#[derive(Debug, Serialize)]
pub struct SettingField {
    /// The control's name and id (`config.<key>`).
    pub name: String,
    /// `integer`, `percent`, `boolean`, `text` or `list`.
    pub kind: &'static str,
    /// The plugin's label in the admin's language.
    pub label: String,
    /// The plugin's hint in the admin's language.
    pub hint: String,
    /// The bounds of a number, in the unit typed (a percentage for `percent`).
    pub min: Option<String>,
    /// See `min`.
    pub max: Option<String>,
    /// The value as typed: a number, a text, or a list one item a line.
    pub value: String,
    /// A `boolean` that is on.
    pub checked: bool,
    /// A `text` or `list` with fixed choices (radios or checkboxes).
    pub choices: Vec<ChoiceField>,
    /// May be left empty.
    pub optional: bool,
    /// The refusal of this field, in the admin's language.
    pub error: Option<String>,
}

/// The fields as posted: `(name, value)` pairs in order (a list's checkboxes repeat the name).
pub type Posted = [(String, String)];

/// Basis points written as a percentage (`6000` -> `60`, `1250` -> `12.5`).
pub fn percent(bp: i64) -> String {
    let sign = if bp < 0 { "-" } else { "" };
    let (whole, frac) = (bp.abs() / 100, bp.abs() % 100);
    match frac {
        0 => format!("{sign}{whole}"),
        f if f % 10 == 0 => format!("{sign}{whole}.{}", f / 10),
        f => format!("{sign}{whole}.{f:02}"),
    }
}

/// A percentage typed by a person (`60`, `12.5`, `12,5`, `60 %`) in basis points.
fn parse_percent(s: &str) -> Option<i64> {
    let s = s.trim().trim_end_matches('%').trim();
    let (neg, s) = s.strip_prefix('-').map_or((false, s), |r| (true, r));
    let (whole, frac) = s.split_once(['.', ',']).unwrap_or((s, ""));
    let digits = |d: &str| !d.is_empty() && d.len() <= 9 && d.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || frac.len() > 2 || (!frac.is_empty() && !digits(frac)) {
        return None;
    }
    let frac: i64 = format!("{frac:0<2}").parse().ok()?;
    let bp = whole.parse::<i64>().ok()? * 100 + frac;
    Some(if neg { -bp } else { bp })
}

fn parse_integer(s: &str) -> Option<i64> {
    let s = s.trim();
    let body = s.strip_prefix('-').unwrap_or(s);
    if body.is_empty() || body.len() > 15 || !body.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// A bound in the unit typed.
fn shown(setting: &Setting, n: i64) -> String {
    if setting.kind == SettingType::Percent { percent(n) } else { n.to_string() }
}

fn values<'a>(posted: &'a Posted, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    posted.iter().filter(move |(n, _)| n == name).map(|(_, v)| v.as_str())
}

/// The form of `settings` filled from the configuration `config` (the plugin's defaults with the
/// tenant's settings overlaid), labelled in `locale`.
pub fn fields_from_config(settings: &Settings, config: &Value, locale: Locale) -> Vec<SettingField> {
    settings
        .iter()
        .map(|(key, s)| {
            let v = config.get(key).unwrap_or(&Value::Null);
            let value = match (s.kind, v) {
                (SettingType::Percent, Value::Number(n)) => n.as_i64().map(percent).unwrap_or_default(),
                (SettingType::List, Value::Array(items)) if s.choices.is_empty() => {
                    items.iter().filter_map(Value::as_str).collect::<Vec<_>>().join("\n")
                }
                (_, Value::Number(n)) => n.to_string(),
                (_, Value::String(t)) => t.clone(),
                _ => String::new(),
            };
            let selected: Vec<&str> = match v {
                Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
                Value::String(t) => vec![t.as_str()],
                _ => vec![],
            };
            field(key, s, value, v.as_bool() == Some(true), &selected, None, locale)
        })
        .collect()
}

/// The form of `settings` as the admin posted it, each refusal beside its field.
pub fn fields_from_posted(
    settings: &Settings,
    posted: &Posted,
    errors: &[DomainError],
    locale: Locale,
) -> Vec<SettingField> {
    settings
        .iter()
        .map(|(key, s)| {
            let name = control(key);
            let all: Vec<&str> = values(posted, &name).collect();
            let value = all.first().map(|v| (*v).to_owned()).unwrap_or_default();
            let error = errors.iter().find(|e| e.field.as_deref() == Some(&name)).map(|e| e.message(locale));
            field(key, s, value, !all.is_empty(), &all, error, locale)
        })
        .collect()
}

fn field(
    key: &str,
    s: &Setting,
    value: String,
    checked: bool,
    selected: &[&str],
    error: Option<String>,
    locale: Locale,
) -> SettingField {
    let lang = locale.as_str();
    let name = control(key);
    let (min, max) = s.bounds();
    let choices = s
        .choices
        .iter()
        .enumerate()
        .map(|(i, c)| ChoiceField {
            value: c.value.clone(),
            label: c.label.get(lang).to_owned(),
            checked: selected.contains(&c.value.as_str()),
            id: if i == 0 { name.clone() } else { format!("{name}-{i}") },
        })
        .collect();
    SettingField {
        kind: s.kind.as_str(),
        label: s.label.get(lang).to_owned(),
        hint: s.hint.get(lang).to_owned(),
        min: min.map(|n| shown(s, n)),
        max: max.map(|n| shown(s, n)),
        value,
        checked,
        choices,
        optional: s.optional,
        error,
        name,
    }
}

/// The posted fields as the plugin's typed configuration, each field checked against its
/// setting; every refusal names its field by the plugin's label in `locale`. A setting left
/// empty that may be is left out (the plugin's own rule applies).
pub fn config_from_posted(settings: &Settings, posted: &Posted, locale: Locale) -> Result<Value, Vec<DomainError>> {
    let lang = locale.as_str();
    let mut config = Map::new();
    let mut errors = Vec::new();
    for (key, s) in settings.iter() {
        let name = control(key);
        let refuse = |code: ErrorCode| DomainError::new(code).on(name.clone()).labelled(s.label.get(lang));
        let first = values(posted, &name).next().unwrap_or("").trim();
        let value: Result<Option<Value>, DomainError> = match s.kind {
            SettingType::Boolean => Ok(Some(Value::Bool(values(posted, &name).next().is_some()))),
            SettingType::Integer | SettingType::Percent if first.is_empty() => {
                if s.optional {
                    Ok(None)
                } else {
                    Err(refuse(ErrorCode::Required))
                }
            }
            SettingType::Integer | SettingType::Percent => {
                let (parsed, code) = if s.kind == SettingType::Percent {
                    (parse_percent(first), ErrorCode::InvalidPercentage)
                } else {
                    (parse_integer(first), ErrorCode::InvalidNumber)
                };
                match (parsed, s.bounds()) {
                    (None, _) => Err(refuse(code).arg("value", bounded(first))),
                    (Some(n), (Some(min), Some(max))) if n < min || n > max => {
                        Err(refuse(ErrorCode::OutOfRange).arg("min", shown(s, min)).arg("max", shown(s, max)))
                    }
                    (Some(n), _) => Ok(Some(Value::from(n))),
                }
            }
            SettingType::Text if first.is_empty() => {
                if s.optional {
                    Ok(None)
                } else {
                    Err(refuse(ErrorCode::Required))
                }
            }
            SettingType::Text => check_item(s, first, &refuse, lang).map(|()| Some(Value::from(first))),
            SettingType::List => {
                let items: Vec<&str> = if s.choices.is_empty() {
                    first.lines().map(str::trim).filter(|l| !l.is_empty()).collect()
                } else {
                    values(posted, &name).map(str::trim).filter(|v| !v.is_empty()).collect()
                };
                let mut seen: Vec<&str> = Vec::new();
                let mut refused = None;
                for item in &items {
                    if let Err(e) = check_item(s, item, &refuse, lang) {
                        refused = Some(e);
                        break;
                    }
                    if seen.contains(item) {
                        refused = Some(refuse(ErrorCode::Duplicate).arg("value", bounded(item)));
                        break;
                    }
                    seen.push(item);
                }
                match refused {
                    Some(e) => Err(e),
                    None => Ok(Some(Value::from(seen.into_iter().map(str::to_owned).collect::<Vec<_>>()))),
                }
            }
        };
        match value {
            Ok(Some(v)) => {
                config.insert(key.to_owned(), v);
            }
            Ok(None) => {}
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() { Ok(Value::Object(config)) } else { Err(errors) }
}

fn check_item(
    s: &Setting,
    item: &str,
    refuse: &dyn Fn(ErrorCode) -> DomainError,
    lang: &str,
) -> Result<(), DomainError> {
    if !s.choices.is_empty() && s.choice(item).is_none() {
        let choices: Vec<&str> = s.choices.iter().map(|c| c.label.get(lang)).collect();
        return Err(refuse(ErrorCode::InvalidChoice).arg("value", bounded(item)).arg("choices", choices.join(", ")));
    }
    if item.chars().count() > s.max_length() as usize {
        return Err(refuse(ErrorCode::TooLong).arg("max", s.max_length()));
    }
    Ok(())
}

/// The second step of assigning a plugin: the plugin chosen for a kind, and its settings form
/// (or, for a plugin without a schema, the JSON box's text).
#[derive(Debug, Serialize)]
pub struct SettingsForm {
    /// The kind's code.
    pub kind: String,
    /// The plugin's name.
    pub plugin: String,
    /// The plugin's version.
    pub version: String,
    /// The plugin's one line for the admin.
    pub description: String,
    /// One field per setting; empty when the plugin has no schema.
    pub fields: Vec<SettingField>,
    /// The settings as JSON, for a plugin without a schema (the tenant's, when this plugin
    /// decides the kind already).
    pub json: String,
}

impl SettingsForm {
    /// Whether the plugin has a schema (the form is field by field).
    pub fn has_schema(&self) -> bool {
        !self.fields.is_empty()
    }
}

/// The settings form of `plugin` for `kind` of the tenant `slug`, filled with the tenant's
/// settings when this plugin decides the kind already, else with the plugin's defaults.
pub async fn form(
    state: &AppState,
    user: &Actor,
    slug: String,
    kind: &str,
    plugin: &str,
) -> Result<SettingsForm, AppError> {
    user.require(&[Role::InstallationAdmin])?;
    let kind = crate::plugins::kind(kind)?;
    let info = crate::policy::plugin_deciding(&state.policies, kind, plugin)?;
    let tenant = state.db.call(move |c| tessera_storage::repo::tenants::by_slug(c, &slug)).await?;
    let stored = state
        .db
        .call(move |c| tessera_storage::repo::policy::get(c, tenant.id, kind.as_str()))
        .await?
        .filter(|a| a.plugin == info.name)
        .and_then(|a| serde_json::from_str::<Value>(&a.config).ok())
        .filter(|v| v.is_object());
    let defaults = state.policies.defaults(&info.name).unwrap_or(Value::Object(Map::new()));
    let merged = stored.as_ref().map_or_else(|| defaults.clone(), |s| overlay_config(&defaults, s));
    let fields = fields_from_config(&info.settings, &merged, user.tenant.locale);
    let json = stored
        .filter(|v| v.as_object().is_some_and(|o| !o.is_empty()))
        .map(|v| serde_json::to_string_pretty(&v).unwrap_or_default())
        .unwrap_or_default();
    Ok(SettingsForm {
        kind: kind.as_str().to_owned(),
        plugin: info.name,
        version: info.version,
        description: info
            .summary
            .as_ref()
            .map_or(info.description.clone(), |t| t.get(user.tenant.locale.as_str()).to_owned()),
        fields,
        json,
    })
}

/// Why a settings form was not stored: the refusals, each about one field where it can be.
#[derive(Debug)]
pub struct SettingsRefused {
    /// The refusals, in the form's order.
    pub errors: Vec<DomainError>,
}

/// Assigns `plugin` to decide `kind` for the tenant `slug` with the settings posted field by
/// field: each field is checked against the plugin's schema, then the plugin judges the whole
/// configuration before anything is stored (a refusal it pins on one key is shown beside that
/// field). `Ok(Err(..))` is a refusal to show on the form again.
pub async fn assign(
    state: &AppState,
    user: &Actor,
    slug: String,
    kind: &str,
    plugin: &str,
    posted: &Posted,
) -> Result<Result<(), SettingsRefused>, AppError> {
    user.require(&[Role::InstallationAdmin])?;
    let locale = user.tenant.locale;
    let kind_code = crate::plugins::kind(kind)?;
    let info = crate::policy::plugin_deciding(&state.policies, kind_code, plugin)?;
    let config = match config_from_posted(&info.settings, posted, locale) {
        Ok(config) => config,
        Err(errors) => return Ok(Err(SettingsRefused { errors })),
    };
    match crate::plugins::assign(state, user, slug, kind, info.name.clone(), config).await {
        Ok(()) => Ok(Ok(())),
        Err(e) if e.code() == ErrorCode::InvalidInput && e.field().is_some_and(|f| f.starts_with("config")) => {
            // The plugin's own words are for the log; the admin reads which field it refused.
            tracing::info!(plugin = %info.name, refusal = %e, "a plugin refused the settings form");
            let key = e.field().and_then(|f| f.strip_prefix("config.")).unwrap_or("");
            let error = match info.settings.get(key) {
                Some(s) => {
                    DomainError::new(ErrorCode::SettingRefused).on(control(key)).labelled(s.label.get(locale.as_str()))
                }
                None => DomainError::new(ErrorCode::SettingsRefused).arg("plugin", &info.name),
            };
            Ok(Err(SettingsRefused { errors: vec![error] }))
        }
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_read_and_write_as_people_type_them() {
        assert_eq!(parse_percent("60"), Some(6000));
        assert_eq!(parse_percent(" 12,5 % "), Some(1250));
        assert_eq!(parse_percent("0.01"), Some(1));
        assert_eq!(parse_percent("1.234"), None);
        assert_eq!(parse_percent("abc"), None);
        assert_eq!(parse_percent(""), None);
        assert_eq!(
            (percent(6000), percent(1250), percent(1), percent(0)),
            ("60".into(), "12.5".into(), "0.01".into(), "0".into())
        );
        assert_eq!(parse_integer(" 14 "), Some(14));
        assert_eq!(parse_integer("1e3"), None);
    }
}
