//! Satchel's domain, pure: values, rules and validation. No I/O, no SQL, no clock.
//!
//! Everything that decides whether a command is allowed lives here, so that the desktop
//! services, the CLI and (later) the firm server apply the same rules.
#![forbid(unsafe_code)]

pub mod audit;
pub mod dates;
pub mod firm;
pub mod matter;
pub mod money;

pub use money::Money;

/// A rule of the domain that an input broke, in words a person can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct Invalid {
    /// The input that was wrong (e.g. `client_name`).
    pub field: &'static str,
    /// What was wrong and what to do.
    pub message: String,
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
pub fn required_text(field: &'static str, value: &str, max_chars: usize) -> Result<String, Invalid> {
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
        assert_eq!(required_text("x", "   ", 10).unwrap_err().message, "is required");
    }

    #[test]
    fn required_text_counts_characters_not_bytes() {
        assert!(required_text("x", "Zoë", 3).is_ok());
        let err = required_text("x", "Zoëy", 3).unwrap_err();
        assert!(err.message.contains("4 characters"), "{err}");
    }

    #[test]
    fn required_text_rejects_control_characters() {
        assert!(required_text("x", "a\u{7}b", 10).is_err());
    }
}
