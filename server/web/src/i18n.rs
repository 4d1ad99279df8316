//! User-facing text by locale. Each catalogue is a flat TOML table of keys; English is complete
//! and every other locale falls back to it key by key.

use std::collections::HashMap;
use tessera_domain::Locale;

const SOURCES: [(Locale, &str); 4] = [
    (Locale::En, include_str!("../locales/en.toml")),
    (Locale::Pl, include_str!("../locales/pl.toml")),
    (Locale::Hu, include_str!("../locales/hu.toml")),
    (Locale::It, include_str!("../locales/it.toml")),
];

/// Every catalogue, parsed once.
#[derive(Debug)]
pub struct Catalogues {
    by_locale: HashMap<Locale, HashMap<String, String>>,
}

impl Catalogues {
    /// Parses the embedded catalogues; a broken catalogue is a build defect, caught by tests.
    pub fn load() -> Result<Self, String> {
        let mut by_locale = HashMap::new();
        for (locale, src) in SOURCES {
            let table: toml::Table = src.parse().map_err(|e| format!("locale {locale}: {e}"))?;
            let mut flat = HashMap::new();
            flatten("", &toml::Value::Table(table), &mut flat);
            by_locale.insert(locale, flat);
        }
        Ok(Self { by_locale })
    }

    /// The text for `key` in `locale`, else in English, else the key itself (visible in tests).
    pub fn text<'a>(&'a self, locale: Locale, key: &'a str) -> &'a str {
        self.by_locale
            .get(&locale)
            .and_then(|m| m.get(key))
            .or_else(|| self.by_locale.get(&Locale::En).and_then(|m| m.get(key)))
            .map(String::as_str)
            .unwrap_or(key)
    }

    /// Every key of `locale`'s own catalogue with its text (no fallback), for checks.
    pub fn texts(&self, locale: Locale) -> &HashMap<String, String> {
        &self.by_locale[&locale]
    }

    /// Keys present in English but missing in `locale`.
    pub fn missing(&self, locale: Locale) -> Vec<String> {
        let en = &self.by_locale[&Locale::En];
        let other = &self.by_locale[&locale];
        let mut keys: Vec<_> = en.keys().filter(|k| !other.contains_key(*k)).cloned().collect();
        keys.sort();
        keys
    }
}

fn flatten(prefix: &str, v: &toml::Value, out: &mut HashMap<String, String>) {
    match v {
        toml::Value::Table(t) => {
            for (k, v) in t {
                let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                flatten(&key, v, out);
            }
        }
        toml::Value::String(s) => {
            out.insert(prefix.to_owned(), s.clone());
        }
        other => {
            out.insert(prefix.to_owned(), other.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogues_parse_and_fall_back_to_english() {
        let c = Catalogues::load().unwrap();
        assert_eq!(c.text(Locale::En, "login.title"), "Sign in");
        assert_ne!(c.text(Locale::Pl, "login.title"), "Sign in");
        assert_eq!(c.text(Locale::Pl, "no.such.key"), "no.such.key");
    }

    #[test]
    fn verifier_download_notification_and_api_pages_are_translated() {
        let c = Catalogues::load().unwrap();
        let groups = [
            "verifier.nav.",
            "verifier.download.",
            "verifier.downloads.",
            "verifier.templates.",
            "verifier.fields.",
            "verifier.notifications.",
            "verifier.api.",
        ];
        for locale in [Locale::Pl, Locale::Hu, Locale::It] {
            let missing: Vec<String> =
                c.missing(locale).into_iter().filter(|k| groups.iter().any(|g| k.starts_with(g))).collect();
            assert!(missing.is_empty(), "{locale}: {missing:?}");
        }
        assert_eq!(
            c.text(Locale::Pl, "verifier.notifications.weekly"),
            "Cotygodniowe podsumowanie, wysyłane w poniedziałki"
        );
    }

    #[test]
    fn polish_hungarian_and_italian_catalogues_are_complete() {
        let c = Catalogues::load().unwrap();
        for locale in [Locale::Pl, Locale::Hu, Locale::It] {
            let missing = c.missing(locale);
            assert!(missing.is_empty(), "{locale} lacks {} keys: {missing:?}", missing.len());
        }
        assert_eq!(c.text(Locale::Pl, "coe.title"), "Potwierdzenie rejestracji (Confirmation of Entry)");
        assert_ne!(c.text(Locale::Hu, "centre.new_session"), c.text(Locale::En, "centre.new_session"));
        assert_ne!(c.text(Locale::It, "entry.title"), c.text(Locale::En, "entry.title"));
    }

    #[test]
    fn every_status_kind_and_reason_has_a_label_in_every_language() {
        let c = Catalogues::load().unwrap();
        for (group, code, key) in tessera_domain::labels::all() {
            for locale in Locale::ALL {
                assert!(c.by_locale[&locale].contains_key(&key), "{locale} has no label for {group} `{code}` ({key})");
            }
        }
        for key in ["format.date", "format.datetime", "format.weekday"] {
            assert!(c.by_locale[&Locale::En].contains_key(key), "{key}");
        }
    }

    #[test]
    fn translations_keep_the_placeholders_of_english() {
        let c = Catalogues::load().unwrap();
        let placeholders = |s: &str| {
            let mut v: Vec<String> =
                s.split('{').skip(1).filter_map(|rest| rest.split_once('}').map(|(name, _)| name.to_owned())).collect();
            v.sort();
            v
        };
        let en = &c.by_locale[&Locale::En];
        for locale in [Locale::Pl, Locale::Hu, Locale::It] {
            for (key, text) in &c.by_locale[&locale] {
                if let Some(english) = en.get(key) {
                    assert_eq!(placeholders(text), placeholders(english), "{locale} {key}: {text}");
                }
            }
        }
    }
}
