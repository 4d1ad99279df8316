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
