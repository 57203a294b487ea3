use satchel_api::{ApiError, ErrorKind};
use satchel_core::Invalid;
use satchel_store::{StoreError, envelope::EnvelopeError};

/// Everything that can go wrong in a service call, each with a message a person can act on.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    Invalid(#[from] Invalid),
    #[error("the recovery passphrase is wrong; check it and try again (nothing was changed)")]
    WrongPassphrase,
    #[error("Satchel is not set up in {0}; run first-time setup")]
    NotSetUp(String),
    #[error("Satchel is already set up in {0}; nothing was changed")]
    AlreadySetUp(String),
    #[error("{0}")]
    Locked(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("{0}")]
    Envelope(EnvelopeError),
    /// A file being imported is not what it should be; the message names the line.
    #[error("{0}")]
    Import(String),
    #[error("a document could not be read or written: {0}")]
    Document(String),
    /// Two matters with one number: a block leased twice, or a record from elsewhere.
    #[error(
        "matter number {0} is already used by another matter on this device; nothing was changed"
    )]
    DuplicateNumber(String),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// A backup that cannot be written, read or restored; the store is unchanged.
    #[error("{0}")]
    Backup(String),
}

impl From<EnvelopeError> for AppError {
    fn from(e: EnvelopeError) -> Self {
        match e {
            EnvelopeError::WrongPassphrase => AppError::WrongPassphrase,
            other => AppError::Envelope(other),
        }
    }
}

impl From<satchel_core::vcard::VcardError> for AppError {
    fn from(e: satchel_core::vcard::VcardError) -> Self {
        AppError::Import(e.to_string())
    }
}

impl From<satchel_store::rusqlite::Error> for AppError {
    fn from(e: satchel_store::rusqlite::Error) -> Self {
        AppError::Store(StoreError::from_sql(e))
    }
}

impl From<automerge::AutomergeError> for AppError {
    fn from(e: automerge::AutomergeError) -> Self {
        AppError::Document(e.to_string())
    }
}

impl From<autosurgeon::ReconcileError> for AppError {
    fn from(e: autosurgeon::ReconcileError) -> Self {
        AppError::Document(e.to_string())
    }
}

impl From<autosurgeon::HydrateError> for AppError {
    fn from(e: autosurgeon::HydrateError) -> Self {
        AppError::Document(e.to_string())
    }
}

impl AppError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            AppError::Invalid(_) | AppError::Import(_) | AppError::DuplicateNumber(_) => {
                ErrorKind::Invalid
            }
            AppError::WrongPassphrase => ErrorKind::WrongPassphrase,
            AppError::NotSetUp(_) => ErrorKind::NotSetUp,
            AppError::AlreadySetUp(_) => ErrorKind::AlreadySetUp,
            AppError::Locked(_) => ErrorKind::Locked,
            AppError::Forbidden(_) => ErrorKind::Forbidden,
            AppError::Envelope(EnvelopeError::WeakPassphrase) => ErrorKind::Invalid,
            AppError::Store(_) | AppError::Envelope(_) | AppError::Io(_) | AppError::Backup(_) => {
                ErrorKind::Storage
            }
            AppError::Document(_) => ErrorKind::Internal,
        }
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        let field = match &e {
            AppError::Invalid(i) => Some(i.field.to_owned()),
            AppError::Envelope(EnvelopeError::WeakPassphrase) => Some("passphrase".to_owned()),
            _ => None,
        };
        ApiError {
            kind: e.kind(),
            message: sentence(&e.to_string()),
            field,
        }
    }
}

/// A message as a sentence for the window: capital first letter, full stop at the end.
fn sentence(message: &str) -> String {
    let mut chars = message.chars();
    let mut out: String = match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => return String::new(),
    };
    if !out.ends_with(['.', '!', '?', ')']) {
        out.push('.');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_messages_are_sentences() {
        let e: ApiError = AppError::WrongPassphrase.into();
        assert_eq!(
            e.message,
            "The recovery passphrase is wrong; check it and try again (nothing was changed)"
        );
        let e: ApiError = AppError::Locked("enter the recovery passphrase".into()).into();
        assert_eq!(e.message, "Enter the recovery passphrase.");
    }
}
