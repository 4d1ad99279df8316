//! The one error type of the domain layer.

/// A rule of the domain was broken by an input. The message is written for the person who gave
/// the input; `field` names the input when there is one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct DomainError {
    /// The input that broke the rule (a form field, a CLI flag, a config key), if any.
    pub field: Option<String>,
    /// What was wrong and what was expected.
    pub message: String,
}

/// At most this many characters of an input are quoted back in a message.
pub const QUOTED_CHARS: usize = 40;

/// `value` in backticks for a message, cut to [`QUOTED_CHARS`] characters with an ellipsis: a
/// refusal never echoes a whole hostile input (a 5 MB cell, a script) back to its sender.
pub fn quote(value: &str) -> String {
    let mut chars = value.chars();
    let head: String = chars.by_ref().take(QUOTED_CHARS).collect();
    if chars.next().is_some() { format!("`{head}…`") } else { format!("`{head}`") }
}

impl DomainError {
    /// An error about one named input.
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: Some(field.into()), message: message.into() }
    }

    /// An error that is not about one input.
    pub fn rule(message: impl Into<String>) -> Self {
        Self { field: None, message: message.into() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_bounds_what_is_echoed() {
        assert_eq!(quote("ZZ"), "`ZZ`");
        assert_eq!(quote(&"é".repeat(40)), format!("`{}`", "é".repeat(40)));
        assert_eq!(quote(&"x".repeat(5_000_000)), format!("`{}…`", "x".repeat(40)));
    }
}
