//! Every page and email is a minijinja template, embedded in the binary, rendered in the
//! tenant's language through the `t` function. People never see a code: statuses and kinds go
//! through the `label` filter, dates and times through `date`, `datetime` and `weekday`, in the
//! tenant's time zone (the `timezone` variable) and the page's language.

use crate::error::PageError;
use crate::i18n::Catalogues;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use minijinja::value::Kwargs;
use minijinja::{Environment, State, Value};
use std::sync::Arc;
use tessera_domain::Locale;

/// Templates embedded in the binary: `(name, source)` pairs read from a crate's `templates/`.
#[macro_export]
macro_rules! embedded_templates {
    ($($name:literal),* $(,)?) => {
        [$(($name, include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/templates/", $name)))),*]
    };
}
use embedded_templates as embedded;

/// The emails and documents; the HTTP layer adds its pages (see [`Templates::with_pages`]).
const TEMPLATES: &[(&str, &str)] = &embedded!(
    "email/password_reset.txt",
    "documents/statement_of_results.txt",
    "documents/confirmation_of_entry.txt",
    "documents/certifying_statement.txt",
    "documents/centre.txt",
    "email/entry_received.txt",
    "email/entry_cancelled.txt",
    "email/certificate_arrived.txt",
    "email/entry_voided.txt",
    "email/session_fault.txt",
    "email/coe.txt",
    "email/candidate_signup.txt",
    "email/results_released.txt",
    "email/email_changed.txt",
    "email/org_approved.txt",
    "email/org_rejected.txt",
    "email/org_user_added.txt",
    "email/user_invited.txt",
    "email/api_access_approved.txt",
    "email/api_access_rejected.txt",
    "email/api_token_expiring.txt",
    "email/org_join_approved.txt",
    "email/org_join_rejected.txt",
    "email/org_signup_received.txt",
    "email/notify_each.txt",
    "email/notify_digest.txt",
    "email/webhook_disabled.txt",
);

/// The locale a template is rendered in.
fn page_locale(state: &State) -> Locale {
    state.lookup("locale").and_then(|v| v.as_str().and_then(|s| s.parse::<Locale>().ok())).unwrap_or(Locale::En)
}

/// A day, or an instant in the tenant's time zone, ready to be written in a language.
enum Shown {
    Day(NaiveDate),
    Instant(DateTime<chrono_tz::Tz>),
}

impl Shown {
    /// `None` when `pattern` does not fit (a catalogue defect): the caller shows the value as is.
    fn format(&self, pattern: &str, locale: Locale) -> Option<String> {
        use std::fmt::Write;
        let l = match locale {
            Locale::En => chrono::Locale::en_GB,
            Locale::Pl => chrono::Locale::pl_PL,
            Locale::Hu => chrono::Locale::hu_HU,
            Locale::It => chrono::Locale::it_IT,
        };
        let mut out = String::new();
        let written = match self {
            Shown::Day(d) => write!(out, "{}", d.format_localized(pattern, l)),
            Shown::Instant(t) => write!(out, "{}", t.format_localized(pattern, l)),
        };
        written.ok().map(|_| out)
    }
}

/// The words for `code` in the labelled group `group`; the code itself (and a warning in the
/// log) for a code the group does not have, so that a page still renders.
fn label_text(cats: &Catalogues, locale: Locale, group: &str, code: &str) -> String {
    match tessera_domain::labels::label_key(group, code) {
        Some(key) => cats.text(locale, &key).to_owned(),
        None => {
            tracing::warn!(group, code, "no label for this code");
            code.to_owned()
        }
    }
}

/// A policy's reason or a workflow's warning, stored as `R-RULE-ID: what happened` in English, in
/// `locale`: English keeps the plugin's own words (they name dates and items); another language
/// states the rule from the catalogue (`rule.<id>`), and falls back to the stored words only for a
/// rule it does not know.
pub fn reason_text(cats: &Catalogues, locale: Locale, text: &str) -> String {
    let rule = text.split_once(": ").map(|(r, _)| r).filter(|r| {
        r.starts_with("R-")
            && r.len() > 2
            && r.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-')
    });
    match rule {
        Some(rule) if locale != Locale::En => {
            let key = format!("rule.{rule}");
            if cats.texts(locale).contains_key(&key) { cats.text(locale, &key).to_owned() } else { text.to_owned() }
        }
        _ => text.to_owned(),
    }
}

/// Reads what templates are given as dates: a day (`2026-03-14`), an instant with an offset
/// (RFC 3339), or an instant without one, which storage keeps in UTC. A day asked for as a day
/// stays that day; an instant is moved to `zone` first.
fn shown_time(value: &Value, day_wanted: bool, zone: chrono_tz::Tz) -> Option<Shown> {
    let text = value.as_str().map(str::to_owned).unwrap_or_else(|| value.to_string());
    let text = text.trim().trim_end_matches("(UTC)").trim();
    let instant = if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        Some(t.with_timezone(&Utc))
    } else {
        ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
            .iter()
            .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
            .map(|n| n.and_utc())
    };
    match instant {
        Some(t) if day_wanted => Some(Shown::Day(t.with_timezone(&zone).date_naive())),
        Some(t) => Some(Shown::Instant(t.with_timezone(&zone))),
        None => NaiveDate::parse_from_str(text, "%Y-%m-%d").ok().map(Shown::Day),
    }
}

/// The template environment.
#[derive(Clone)]
pub struct Templates {
    env: Arc<Environment<'static>>,
    catalogues: Arc<Catalogues>,
}

impl Templates {
    /// The emails and documents alone (for the CLI and the worker); fails on a template that does
    /// not parse.
    pub fn load() -> Result<Self, String> {
        Self::with_pages(&[])
    }

    /// The emails and documents with the pages `pages` (`(name, source)` pairs, see
    /// [`embedded_templates`]); fails on a template that does not parse.
    pub fn with_pages(pages: &[(&'static str, &'static str)]) -> Result<Self, String> {
        let catalogues = Arc::new(Catalogues::load()?);
        let mut env = Environment::new();
        env.set_auto_escape_callback(|name| {
            if name.ends_with(".html") { minijinja::AutoEscape::Html } else { minijinja::AutoEscape::None }
        });
        for (name, src) in TEMPLATES.iter().chain(pages) {
            env.add_template(name, src).map_err(|e| format!("template {name}: {e}"))?;
        }
        let cats = catalogues.clone();
        env.add_function("t", move |state: &State, key: String, kwargs: Kwargs| -> Result<String, minijinja::Error> {
            let locale = state
                .lookup("locale")
                .and_then(|v| v.as_str().and_then(|s| s.parse::<Locale>().ok()))
                .unwrap_or(Locale::En);
            let mut text = cats.text(locale, &key).to_owned();
            for arg in kwargs.args() {
                let v: Value = kwargs.get(arg)?;
                text = text.replace(&format!("{{{arg}}}"), &v.to_string());
            }
            Ok(text)
        });
        let cats = catalogues.clone();
        env.add_filter("label", move |state: &State, code: Value, group: String| -> String {
            if code.is_undefined() || code.is_none() {
                return String::new();
            }
            label_text(&cats, page_locale(state), &group, &code.to_string())
        });
        let cats = catalogues.clone();
        env.add_filter("reason", move |state: &State, text: Value| -> String {
            reason_text(&cats, page_locale(state), &text.to_string())
        });
        // `{{ minor|money(currency) }}`, or `{{ m|money }}` of a `Money`: the amount as the
        // page's language writes it.
        env.add_filter("money", |state: &State, value: Value, currency: Option<String>| -> String {
            let (minor, currency) = match currency {
                Some(c) => (value.as_i64(), c),
                None => (
                    value.get_attr("minor").ok().and_then(|v| v.as_i64()),
                    value.get_attr("currency").ok().map(|c| c.to_string()).unwrap_or_default(),
                ),
            };
            match (minor, tessera_domain::Currency::parse(&currency)) {
                (Some(minor), Ok(c)) => tessera_domain::Money::new(minor, c).in_locale(page_locale(state)),
                _ => String::new(),
            }
        });
        // `{{ n|number }}`: a whole number with the page's language's digit grouping.
        env.add_filter("number", |state: &State, value: Value| -> String {
            match value.as_i64() {
                Some(n) if n < 0 => {
                    format!("-{}", tessera_domain::money::whole_number(n.unsigned_abs(), page_locale(state)))
                }
                Some(n) => tessera_domain::money::whole_number(n as u64, page_locale(state)),
                None => value.to_string(),
            }
        });
        for (name, pattern) in [
            ("date", "format.date"),
            ("datetime", "format.datetime"),
            ("weekday", "format.weekday"),
            ("month", "format.month"),
        ] {
            let cats = catalogues.clone();
            env.add_filter(name, move |state: &State, value: Value| -> String {
                let locale = page_locale(state);
                let zone = state
                    .lookup("timezone")
                    .and_then(|v| v.as_str().and_then(|s| s.parse::<chrono_tz::Tz>().ok()))
                    .unwrap_or(chrono_tz::UTC);
                shown_time(&value, pattern != "format.datetime", zone)
                    .and_then(|t| {
                        // A bare day asked for with its time is written as the day.
                        let pattern = if matches!(t, Shown::Day(_)) && pattern == "format.datetime" {
                            "format.date"
                        } else {
                            pattern
                        };
                        t.format(cats.text(locale, pattern), locale)
                    })
                    .unwrap_or_else(|| {
                        if value.is_undefined() || value.is_none() { String::new() } else { value.to_string() }
                    })
            });
        }
        Ok(Self { env: Arc::new(env), catalogues })
    }

    /// Renders `name` in `locale` with `ctx` (a serializable map).
    pub fn render(&self, name: &str, locale: Locale, ctx: Value) -> Result<String, minijinja::Error> {
        // A refusal handed over by a page (`AppError::for_page`) is written in the page's language.
        let error = ctx.get_attr("error").ok().and_then(|e| {
            e.downcast_object_ref::<crate::error::Refusal>()
                .map(|r| Value::from_serialize(PageError::new(&r.0, locale)))
        });
        let ctx = match error {
            Some(error) => minijinja::context! { locale => locale.as_str(), error => error, ..ctx },
            None => minijinja::context! { locale => locale.as_str(), ..ctx },
        };
        self.env.get_template(name)?.render(ctx)
    }

    /// Renders an email template whose first line is `Subject: ...`; returns (subject, body).
    pub fn render_email(&self, name: &str, locale: Locale, ctx: Value) -> Result<(String, String), minijinja::Error> {
        let text = self.render(name, locale, ctx)?;
        let (first, rest) = text.split_once('\n').unwrap_or((&text, ""));
        let subject = first.strip_prefix("Subject:").unwrap_or(first).trim().to_owned();
        Ok((subject, rest.trim_start_matches('\n').to_owned()))
    }

    /// An instant written as the `datetime` filter writes it: in `zone`, in `locale`'s words.
    pub fn datetime(&self, locale: Locale, zone: chrono_tz::Tz, at: DateTime<Utc>) -> String {
        Shown::Instant(at.with_timezone(&zone))
            .format(self.catalogues.text(locale, "format.datetime"), locale)
            .unwrap_or_else(|| at.to_rfc3339())
    }

    /// A day written as the `date` filter writes it, in `locale`'s words.
    pub fn date(&self, locale: Locale, day: NaiveDate) -> String {
        Shown::Day(day).format(self.catalogues.text(locale, "format.date"), locale).unwrap_or_else(|| day.to_string())
    }

    /// Whether the catalogue has `key` (in English at least).
    pub fn has(&self, key: &str) -> bool {
        self.catalogues.text(Locale::En, key) != key
    }

    /// A catalogue text outside templates (flash messages, errors).
    pub fn text(&self, locale: Locale, key: &str) -> String {
        self.catalogues.text(locale, key).to_owned()
    }

    /// A catalogue text with its `{name}` placeholders filled in (notices written by handlers).
    pub fn text_with(&self, locale: Locale, key: &str, args: &[(&str, &str)]) -> String {
        let mut text = self.catalogues.text(locale, key).to_owned();
        for (name, value) in args {
            text = text.replace(&format!("{{{name}}}"), value);
        }
        text
    }

    /// The words for `code` of the labelled group `group` (as the `label` filter writes them);
    /// the code itself when the group has no such code.
    pub fn label(&self, locale: Locale, group: &str, code: &str) -> String {
        label_text(&self.catalogues, locale, group, code)
    }

    /// The catalogues, for checks.
    pub fn catalogues(&self) -> &Catalogues {
        &self.catalogues
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use minijinja::context;

    fn render(t: &Templates, locale: Locale, src: &str, ctx: Value) -> String {
        let mut env = (*t.env).clone();
        env.add_template_owned("probe.txt", src.to_owned()).unwrap();
        env.get_template("probe.txt").unwrap().render(context! { locale => locale.as_str(), ..ctx }).unwrap()
    }

    #[test]
    fn instants_are_written_in_the_tenants_time_zone_and_language() {
        let t = Templates::load().unwrap();
        let ctx = || context! { at => "2026-11-29T17:40:32.311821412Z", timezone => "Europe/Warsaw" };
        let src = "{{ at|datetime }} | {{ at|date }} | {{ at|weekday }}";
        assert_eq!(render(&t, Locale::Pl, src, ctx()), "29 listopada 2026, 18:40 CET | 29 listopada 2026 | niedziela");
        assert_eq!(render(&t, Locale::Hu, src, ctx()), "2026. november 29. 18:40 CET | 2026. november 29. | vasárnap");
        assert_eq!(render(&t, Locale::It, src, ctx()), "29 novembre 2026, 18:40 CET | 29 novembre 2026 | domenica");
        assert_eq!(render(&t, Locale::En, src, ctx()), "29 November 2026, 18:40 CET | 29 November 2026 | Sunday");
        // Times are labelled with their zone: summer time, and another zone.
        let summer = context! { at => "2026-07-01T10:00:00Z", timezone => "Europe/Warsaw" };
        assert_eq!(render(&t, Locale::Pl, "{{ at|datetime }}", summer), "1 lipca 2026, 12:00 CEST");
        let london = context! { at => "2026-07-01T10:00:00Z", timezone => "Europe/London" };
        assert_eq!(render(&t, Locale::En, "{{ at|datetime }}", london), "1 July 2026, 11:00 BST");
        // Storage's UTC instants without an offset, and the day an instant falls on locally.
        let late = context! { at => "2026-11-29 23:30:00", timezone => "Europe/Budapest" };
        assert_eq!(render(&t, Locale::Hu, "{{ at|date }}", late), "2026. november 30.");
        // A bare day stays that day, whatever the time zone; nothing is shown for nothing.
        let day = context! { d => "2026-03-14", timezone => "America/New_York", none => () };
        assert_eq!(
            render(&t, Locale::Pl, "{{ d|datetime }} ({{ d|weekday }}){{ none|date }}", day),
            "14 marca 2026 (sobota)"
        );
    }

    #[test]
    fn codes_are_shown_as_words() {
        let t = Templates::load().unwrap();
        let src = r#"{{ s|label("entry_status") }} / {{ k|label("document") }} / {{ r|label("refund_reason") }}"#;
        let ctx = context! { s => "confirmed", k => "refund_request_form", r => "illness" };
        assert_eq!(render(&t, Locale::Pl, src, ctx), "Potwierdzone / Wniosek o zwrot opłaty / Choroba");
        assert_eq!(t.label(Locale::It, "case_status", "upheld"), "Accolta");
        assert_eq!(t.text_with(Locale::En, "notice.centre.results_imported", &[("count", "3")]), "3 results imported.");
    }

    #[test]
    fn the_statement_of_results_names_the_status_and_the_session_in_words() {
        let t = Templates::load().unwrap();
        let sheet = serde_json::json!({
            "candidate": {"first_name": "Anna", "family_name": "Nowak", "date_of_birth": "2001-05-04", "id_number": "PL078000001"},
            "entry": {"candidate_number": "0001"},
            "exam": {"name": "B2 First", "code": "FCE"},
            "session": {"written_date": "2026-03-14", "time_of_day": "AM", "delivery": "PB"},
            "result": {"status": "X", "sor_number": "PL12345678", "version": 1},
            "components": [],
        });
        let centre = serde_json::json!({"name": "PL078 Katowice", "code": "pl078", "address": "ul. Jagiellońska 5, 40-032 Katowice", "help_phone": "+48 32 258 00 00"});
        let ctx = context! { sheet => sheet, centre => centre, timezone => "Europe/Warsaw" };
        let text = t.render("documents/statement_of_results.txt", Locale::Pl, ctx).unwrap();
        assert!(text.contains("4 maja 2001") && text.contains("14 marca 2026, Rano (Wersja papierowa)"), "{text}");
        assert!(text.contains("Nieobecność na części egzaminu (X)") && !text.contains("2026-03-14"), "{text}");
        assert!(
            text.contains("## Twój ośrodek egzaminacyjny\nNazwa | PL078 Katowice\nNumer ośrodka | pl078\n"),
            "{text}"
        );
        assert!(text.contains("Adres | ul. Jagiellońska 5, 40-032 Katowice\nInfolinia | +48 32 258 00 00\n"), "{text}");
    }
}
