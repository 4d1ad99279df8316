//! Texts by language from TOML catalogues: nested tables flatten to dotted keys
//! (`[error] not_found = ...` is `error.not_found`), and a key missing in a language falls back
//! to English, then to the key itself (visible in tests). The error messages here and the pages'
//! texts in `server/web` are both read through it.

use crate::Locale;
use std::collections::HashMap;

/// Every text of every language, by flat key.
#[derive(Debug, Default)]
pub struct TextCatalogue {
    by_locale: HashMap<Locale, HashMap<String, String>>,
}

impl TextCatalogue {
    /// Parses one TOML source per language.
    pub fn parse(sources: &[(Locale, &str)]) -> Result<Self, String> {
        let mut by_locale = HashMap::new();
        for (locale, src) in sources {
            let table: toml::Table = src.parse().map_err(|e| format!("catalogue {locale}: {e}"))?;
            let mut flat = HashMap::new();
            flatten("", &toml::Value::Table(table), &mut flat);
            by_locale.insert(*locale, flat);
        }
        Ok(Self { by_locale })
    }

    /// The text for `key` in `locale`, else in English, else the key itself.
    pub fn text<'a>(&'a self, locale: Locale, key: &'a str) -> &'a str {
        self.by_locale
            .get(&locale)
            .and_then(|m| m.get(key))
            .or_else(|| self.by_locale.get(&Locale::En).and_then(|m| m.get(key)))
            .map(String::as_str)
            .unwrap_or(key)
    }

    /// Whether `key` has a text in `locale` itself (no fallback).
    pub fn has(&self, locale: Locale, key: &str) -> bool {
        self.by_locale.get(&locale).is_some_and(|m| m.contains_key(key))
    }

    /// Every text of `locale`, by key.
    pub fn texts(&self, locale: Locale) -> Option<&HashMap<String, String>> {
        self.by_locale.get(&locale)
    }

    /// Keys present in English but missing in `locale`, sorted.
    pub fn missing(&self, locale: Locale) -> Vec<String> {
        let (Some(en), Some(other)) = (self.by_locale.get(&Locale::En), self.by_locale.get(&locale)) else {
            return Vec::new();
        };
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
    fn nested_tables_flatten_and_fall_back_to_english() {
        let c = TextCatalogue::parse(&[
            (Locale::En, "[a]\nb = \"one\"\nc = \"two\"\n[a.d]\ne = \"three\""),
            (Locale::Pl, "[a]\nb = \"jeden\""),
        ])
        .unwrap();
        assert_eq!(c.text(Locale::Pl, "a.b"), "jeden");
        assert_eq!(c.text(Locale::Pl, "a.c"), "two");
        assert_eq!(c.text(Locale::En, "a.d.e"), "three");
        assert_eq!(c.text(Locale::En, "x.y"), "x.y");
        assert!(c.has(Locale::Pl, "a.b") && !c.has(Locale::Pl, "a.c"));
        assert_eq!(c.missing(Locale::Pl), ["a.c", "a.d.e"]);
        assert!(TextCatalogue::parse(&[(Locale::En, "not = [toml")]).is_err());
    }
}
