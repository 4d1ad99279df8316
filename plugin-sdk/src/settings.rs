//! The settings schema of a manifest: for each `[config]` key, what kind of value it holds, its
//! bounds or choices, and a label and a hint in every language Tessera speaks. The host turns it
//! into a form for the installation admin and checks each field before the plugin sees it.
//!
//! ```toml
//! [config]
//! medical_basis_points = 6000
//!
//! [settings.medical_basis_points]
//! type = "percent"
//! min = 0
//! max = 10000
//! label = { en = "Refund for illness", pl = "Zwrot przy chorobie", hu = "Visszatérítés betegség esetén", it = "Rimborso per malattia" }
//! hint = { en = "...", pl = "...", hu = "...", it = "..." }
//! ```

use serde::{Deserialize, Serialize};

/// The languages every label and hint must be written in.
pub const LANGUAGES: [&str; 4] = ["en", "pl", "hu", "it"];

/// What a setting holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SettingType {
    /// A whole number, within `min` and `max` when given.
    Integer,
    /// A share stored as basis points (10000 = 100 %) and shown as a percentage; `min` and `max`
    /// are basis points (0 to 10000 when not given).
    Percent,
    /// Yes or no.
    Boolean,
    /// One line of text, or one of `choices`.
    Text,
    /// A list of texts: any (one a line, at most `max_length` characters each) or some of `choices`.
    List,
}

impl SettingType {
    /// The name used in the manifest.
    pub fn as_str(self) -> &'static str {
        match self {
            SettingType::Integer => "integer",
            SettingType::Percent => "percent",
            SettingType::Boolean => "boolean",
            SettingType::Text => "text",
            SettingType::List => "list",
        }
    }
}

/// A text in each of Tessera's languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Texts {
    /// English.
    pub en: String,
    /// Polish.
    pub pl: String,
    /// Hungarian.
    pub hu: String,
    /// Italian.
    pub it: String,
}

impl Texts {
    /// The text in `language` (`en`, `pl`, `hu`, `it`); English for any other.
    pub fn get(&self, language: &str) -> &str {
        match language {
            "pl" => &self.pl,
            "hu" => &self.hu,
            "it" => &self.it,
            _ => &self.en,
        }
    }

    pub(crate) fn check(&self, what: &str) -> Result<(), String> {
        for lang in LANGUAGES {
            if self.get(lang).trim().is_empty() {
                return Err(format!("{what}.{lang} is empty"));
            }
        }
        Ok(())
    }
}

/// The label of a choice: one text for every language (a name such as "B2 First") or one per
/// language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ChoiceLabel {
    /// The same words in every language.
    Same(String),
    /// Words per language.
    Languages(Texts),
}

impl ChoiceLabel {
    /// The label in `language`.
    pub fn get(&self, language: &str) -> &str {
        match self {
            ChoiceLabel::Same(s) => s,
            ChoiceLabel::Languages(t) => t.get(language),
        }
    }
}

/// One allowed value of a `text` or `list` setting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    /// The value stored in the configuration.
    pub value: String,
    /// What the admin reads.
    pub label: ChoiceLabel,
}

/// How one `[config]` key is shown and checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Setting {
    /// What it holds.
    #[serde(rename = "type")]
    pub kind: SettingType,
    /// The smallest value (`integer`; `percent` in basis points).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<i64>,
    /// The largest value (`integer`; `percent` in basis points).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<i64>,
    /// The longest text (`text`, and each item of a `list` without choices); 200 when not given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<u32>,
    /// The values allowed (`text`: one of them; `list`: any of them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub choices: Vec<Choice>,
    /// May be left empty: the key is then left out of the configuration and the plugin's own
    /// rule applies (its `[config]` may leave it out too).
    #[serde(default)]
    pub optional: bool,
    /// What the form calls it.
    pub label: Texts,
    /// One sentence under the label: what it changes, in which unit.
    pub hint: Texts,
}

/// The longest text when a setting gives no `max_length`.
pub const DEFAULT_MAX_LENGTH: u32 = 200;

impl Setting {
    /// The longest text this setting accepts.
    pub fn max_length(&self) -> u32 {
        self.max_length.unwrap_or(DEFAULT_MAX_LENGTH)
    }

    /// The bounds of a number setting (`percent`: basis points, 0 to 10000 unless narrower).
    pub fn bounds(&self) -> (Option<i64>, Option<i64>) {
        match self.kind {
            SettingType::Percent => (Some(self.min.unwrap_or(0)), Some(self.max.unwrap_or(10_000))),
            _ => (self.min, self.max),
        }
    }

    /// The choice whose value is `value`.
    pub fn choice(&self, value: &str) -> Option<&Choice> {
        self.choices.iter().find(|c| c.value == value)
    }

    /// Whether `value` is a value this setting accepts; returns what is wrong.
    pub fn check_value(&self, value: &serde_json::Value) -> Result<(), String> {
        use serde_json::Value;
        match (self.kind, value) {
            (SettingType::Integer | SettingType::Percent, Value::Number(n)) => {
                let n = n.as_i64().ok_or_else(|| format!("{n} is not a whole number"))?;
                match self.bounds() {
                    (Some(min), _) if n < min => Err(format!("{n} is below the minimum {min}")),
                    (_, Some(max)) if n > max => Err(format!("{n} is above the maximum {max}")),
                    _ => Ok(()),
                }
            }
            (SettingType::Boolean, Value::Bool(_)) => Ok(()),
            (SettingType::Text, Value::String(s)) => self.check_text(s),
            (SettingType::List, Value::Array(items)) => items.iter().try_for_each(|item| match item {
                Value::String(s) => self.check_text(s),
                other => Err(format!("item {other} is not a text")),
            }),
            (kind, other) => Err(format!("{other} is not a value of type `{}`", kind.as_str())),
        }
    }

    fn check_text(&self, s: &str) -> Result<(), String> {
        if !self.choices.is_empty() && self.choice(s).is_none() {
            return Err(format!("`{s}` is not one of the choices"));
        }
        if s.chars().count() > self.max_length() as usize {
            return Err(format!("`{s}` is longer than {} characters", self.max_length()));
        }
        Ok(())
    }

    /// Checks the setting itself; returns what is wrong.
    fn check(&self) -> Result<(), String> {
        self.label.check("label")?;
        self.hint.check("hint")?;
        let numeric = matches!(self.kind, SettingType::Integer | SettingType::Percent);
        if !numeric && (self.min.is_some() || self.max.is_some()) {
            return Err(format!("min and max apply to integer and percent settings, not `{}`", self.kind.as_str()));
        }
        if self.kind == SettingType::Integer && self.min.is_some() != self.max.is_some() {
            return Err("give both min and max, or neither".into());
        }
        if let (Some(min), Some(max)) = self.bounds()
            && min > max
        {
            return Err(format!("min {min} is above max {max}"));
        }
        if self.kind == SettingType::Percent {
            let (min, max) = self.bounds();
            if min.is_some_and(|m| m < 0) || max.is_some_and(|m| m > 10_000) {
                return Err("a percent setting's min and max are basis points from 0 to 10000".into());
            }
        }
        let texty = matches!(self.kind, SettingType::Text | SettingType::List);
        if !texty && (!self.choices.is_empty() || self.max_length.is_some()) {
            return Err(format!(
                "choices and max_length apply to text and list settings, not `{}`",
                self.kind.as_str()
            ));
        }
        if self.max_length == Some(0) {
            return Err("max_length is 0".into());
        }
        for (i, c) in self.choices.iter().enumerate() {
            if c.value.is_empty() {
                return Err(format!("choice {} has an empty value", i + 1));
            }
            if self.choices[..i].iter().any(|o| o.value == c.value) {
                return Err(format!("choice `{}` appears twice", c.value));
            }
            match &c.label {
                ChoiceLabel::Same(s) if s.trim().is_empty() => {
                    return Err(format!("choice `{}` has an empty label", c.value));
                }
                ChoiceLabel::Languages(t) => t.check(&format!("choice `{}` label", c.value))?,
                ChoiceLabel::Same(_) => {}
            }
        }
        Ok(())
    }
}

/// The settings of a manifest, in the order the manifest lists them (the form's order).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settings(pub Vec<(String, Setting)>);

impl Settings {
    /// Whether the manifest has no schema (its form is a JSON box).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The setting of `key`.
    pub fn get(&self, key: &str) -> Option<&Setting> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, s)| s)
    }

    /// Every key with its setting, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Setting)> {
        self.0.iter().map(|(k, s)| (k.as_str(), s))
    }

    /// Checks the schema against the manifest's `[config]` defaults: every setting is well
    /// formed, names a key of `[config]` (unless `optional`), and its default is a value it
    /// accepts; every `[config]` key has a setting. No schema at all is allowed. Returns what is
    /// wrong, naming the key.
    pub fn check(&self, config: &serde_json::Value) -> Result<(), String> {
        if self.is_empty() {
            return Ok(());
        }
        let empty = serde_json::Map::new();
        let config = config.as_object().unwrap_or(&empty);
        for (key, setting) in self.iter() {
            let fail = |what: String| format!("settings.{key}: {what}");
            let key_ok = !key.is_empty()
                && key.len() <= 64
                && key.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
            if !key_ok {
                return Err(fail("a key is 1-64 of a-z, 0-9 and `_`".into()));
            }
            setting.check().map_err(fail)?;
            match config.get(key) {
                Some(default) => {
                    setting.check_value(default).map_err(|e| fail(format!("the [config] default: {e}")))?
                }
                None if setting.optional => {}
                None => return Err(fail("not a key of [config] (a setting without a default is `optional`)".into())),
            }
        }
        if let Some(key) = config.keys().find(|k| self.get(k).is_none()) {
            return Err(format!("config.{key}: the key has no [settings.{key}]: with a schema, every key needs one"));
        }
        Ok(())
    }
}

impl Serialize for Settings {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Settings {
    /// Read as a table, keeping the manifest's order.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Settings;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a table of settings, one per [config] key")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Settings, A::Error> {
                let mut out: Vec<(String, Setting)> = Vec::new();
                while let Some((key, value)) = map.next_entry::<String, Setting>()? {
                    if out.iter().any(|(k, _)| *k == key) {
                        return Err(serde::de::Error::custom(format!("setting `{key}` appears twice")));
                    }
                    out.push((key, value));
                }
                Ok(Settings(out))
            }
        }
        deserializer.deserialize_map(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn texts(s: &str) -> Texts {
        Texts { en: s.into(), pl: s.into(), hu: s.into(), it: s.into() }
    }

    fn setting(kind: SettingType) -> Setting {
        Setting {
            kind,
            min: None,
            max: None,
            max_length: None,
            choices: vec![],
            optional: false,
            label: texts("Label"),
            hint: texts("Hint"),
        }
    }

    #[test]
    fn a_schema_must_cover_the_config_and_accept_its_defaults() {
        let mut days = setting(SettingType::Integer);
        days.min = Some(1);
        days.max = Some(60);
        let s = Settings(vec![("days".into(), days.clone())]);
        assert!(s.check(&json!({"days": 14})).is_ok());
        assert!(s.check(&json!({"days": 90})).unwrap_err().contains("settings.days: the [config] default"));
        assert!(s.check(&json!({"days": 14, "other": 1})).unwrap_err().starts_with("config.other"));
        assert!(s.check(&json!({})).unwrap_err().contains("not a key of [config]"));
        let mut optional = days.clone();
        optional.optional = true;
        assert!(Settings(vec![("days".into(), optional)]).check(&json!({})).is_ok());
        let mut empty_label = days.clone();
        empty_label.label.hu = " ".into();
        assert!(
            Settings(vec![("days".into(), empty_label)]).check(&json!({"days": 1})).unwrap_err().contains("label.hu")
        );
        let mut flag = setting(SettingType::Boolean);
        flag.max = Some(1);
        assert!(Settings(vec![("f".into(), flag)]).check(&json!({"f": true})).is_err());
        assert!(Settings::default().check(&json!({"anything": 1})).is_ok());
    }

    #[test]
    fn values_are_checked_by_type_bounds_and_choices() {
        let pct = setting(SettingType::Percent);
        assert!(pct.check_value(&json!(10_000)).is_ok());
        assert!(pct.check_value(&json!(10_001)).is_err());
        let mut list = setting(SettingType::List);
        list.choices = vec![Choice { value: "fce".into(), label: ChoiceLabel::Same("B2 First".into()) }];
        assert!(list.check_value(&json!(["fce"])).is_ok());
        assert!(list.check_value(&json!(["cae"])).is_err());
        assert!(list.check_value(&json!("fce")).is_err());
    }

    #[test]
    fn settings_keep_the_manifest_order() {
        let m: crate::Manifest = toml::from_str(
            r#"
            name = "x"
            version = "1"
            abi = 1
            kinds = ["photo"]
            [config]
            zeta = true
            alpha = "a"
            [settings.zeta]
            type = "boolean"
            label = { en = "Z", pl = "Z", hu = "Z", it = "Z" }
            hint = { en = "Z", pl = "Z", hu = "Z", it = "Z" }
            [settings.alpha]
            type = "text"
            label = { en = "A", pl = "A", hu = "A", it = "A" }
            hint = { en = "A", pl = "A", hu = "A", it = "A" }
            "#,
        )
        .unwrap();
        let keys: Vec<_> = m.settings.iter().map(|(k, _)| k).collect();
        assert_eq!(keys, ["zeta", "alpha"]);
        assert!(m.validate().is_ok());
    }
}
