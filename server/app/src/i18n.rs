//! User-facing text by locale. Each catalogue is a flat TOML table of keys; English is complete
//! and every other locale falls back to it key by key.

use std::collections::HashMap;
use tessera_domain::Locale;
use tessera_domain::catalogue::TextCatalogue;

const SOURCES: [(Locale, &str); 4] = [
    (Locale::En, include_str!("../locales/en.toml")),
    (Locale::Pl, include_str!("../locales/pl.toml")),
    (Locale::Hu, include_str!("../locales/hu.toml")),
    (Locale::It, include_str!("../locales/it.toml")),
];

/// Every catalogue, parsed once.
#[derive(Debug)]
pub struct Catalogues {
    texts: TextCatalogue,
}

impl Catalogues {
    /// Parses the embedded catalogues; a broken catalogue is a build defect, caught by tests.
    pub fn load() -> Result<Self, String> {
        Ok(Self { texts: TextCatalogue::parse(&SOURCES)? })
    }

    /// The text for `key` in `locale`, else in English, else the key itself (visible in tests).
    pub fn text<'a>(&'a self, locale: Locale, key: &'a str) -> &'a str {
        self.texts.text(locale, key)
    }

    /// Every key of `locale`'s own catalogue with its text (no fallback), for checks.
    pub fn texts(&self, locale: Locale) -> &HashMap<String, String> {
        static EMPTY: std::sync::OnceLock<HashMap<String, String>> = std::sync::OnceLock::new();
        self.texts.texts(locale).unwrap_or_else(|| EMPTY.get_or_init(HashMap::new))
    }

    /// Keys present in English but missing in `locale`.
    pub fn missing(&self, locale: Locale) -> Vec<String> {
        self.texts.missing(locale)
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
                assert!(c.texts(locale).contains_key(&key), "{locale} has no label for {group} `{code}` ({key})");
            }
        }
        for key in ["format.date", "format.datetime", "format.weekday"] {
            assert!(c.texts(Locale::En).contains_key(key), "{key}");
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
        let en = c.texts(Locale::En);
        for locale in [Locale::Pl, Locale::Hu, Locale::It] {
            for (key, text) in c.texts(locale) {
                if let Some(english) = en.get(key) {
                    assert_eq!(placeholders(text), placeholders(english), "{locale} {key}: {text}");
                }
            }
        }
    }
}
