//! Satchel's domain, pure: values, rules and validation. No I/O, no SQL, no clock.
//!
//! Everything that decides whether a command is allowed lives here, so that the desktop
//! services, the CLI and (later) the firm server apply the same rules.
#![forbid(unsafe_code)]

pub mod accounts;
pub mod audit;
pub mod billing;
pub mod conflict;
pub mod contact;
pub mod dates;
pub mod document;
pub mod expense;
pub mod firm;
pub mod gdpr;
pub mod keydate;
pub mod matter;
pub mod money;
pub mod reconciliation;
pub mod rotation;
pub mod time;
pub mod vcard;

pub use money::Money;

/// A rule of the domain that an input broke, in words a person can act on.
///
/// Displayed as a sentence: the field's label, then the message ("Client name is required").
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} {message}", label(field))]
pub struct Invalid {
    /// The input that was wrong (e.g. `client_name`).
    pub field: &'static str,
    /// What was wrong and what to do, as the rest of a sentence after the field's label.
    pub message: String,
}

/// How a field is named to a person.
pub fn label(field: &str) -> String {
    match field {
        "opened" => "Opening date".to_owned(),
        "user_name" => "Your name".to_owned(),
        other => {
            let spaced = other.replace('_', " ");
            let mut chars = spaced.chars();
            chars
                .next()
                .map(|c| c.to_uppercase().chain(chars).collect())
                .unwrap_or_default()
        }
    }
}

impl Invalid {
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        Self {
            field,
            message: message.into(),
        }
    }
}

/// Trim a free-text input and check its length in characters.
pub fn required_text(
    field: &'static str,
    value: &str,
    max_chars: usize,
) -> Result<String, Invalid> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(Invalid::new(field, "is required"));
    }
    let chars = trimmed.chars().count();
    if chars > max_chars {
        return Err(Invalid::new(
            field,
            format!("is {chars} characters long; the most allowed is {max_chars}"),
        ));
    }
    if trimmed.chars().any(|c| c.is_control()) {
        return Err(Invalid::new(field, "contains control characters"));
    }
    Ok(trimmed.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_text_trims_and_rejects_blank() {
        assert_eq!(required_text("x", "  Smith  ", 10).unwrap(), "Smith");
        assert_eq!(
            required_text("x", "   ", 10).unwrap_err().message,
            "is required"
        );
    }

    #[test]
    fn required_text_counts_characters_not_bytes() {
        assert!(required_text("x", "Zoë", 3).is_ok());
        let err = required_text("x", "Zoëy", 3).unwrap_err();
        assert!(err.message.contains("4 characters"), "{err}");
    }

    #[test]
    fn invalid_reads_as_a_sentence() {
        assert_eq!(
            required_text("client_name", "", 5).unwrap_err().to_string(),
            "Client name is required"
        );
        assert_eq!(Invalid::new("opened", "x").to_string(), "Opening date x");
    }

    #[test]
    fn required_text_rejects_control_characters() {
        assert!(required_text("x", "a\u{7}b", 10).is_err());
    }
}
