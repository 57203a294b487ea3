//! The firm, its people and their roles.

use crate::{Invalid, required_text};
use serde::{Deserialize, Serialize};

/// What a user of the firm may do, broadly. Per-matter grants refine this (later issue).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Runs the firm server and users; sees no client data by role alone.
    Admin,
    /// A partner; the COFA and COLP are partners.
    Partner,
    /// Solicitors and trainees.
    FeeEarner,
    /// Accounts staff: client and office money.
    Cashier,
    /// May read what they are granted, change nothing.
    ReadOnly,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Admin,
        Role::Partner,
        Role::FeeEarner,
        Role::Cashier,
        Role::ReadOnly,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Partner => "partner",
            Role::FeeEarner => "fee_earner",
            Role::Cashier => "cashier",
            Role::ReadOnly => "read_only",
        }
    }

    pub fn parse(text: &str) -> Result<Role, Invalid> {
        let wanted = text.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == wanted)
            .ok_or_else(|| {
                Invalid::new(
                    "role",
                    format!(
                        "must be one of: {} ('{text}' is not)",
                        Role::ALL.map(Role::as_str).join(", ")
                    ),
                )
            })
    }

    /// May this role see the firm's accounts (cash books, client balances, statements,
    /// reconciliations, the registers)? Everyone but read-only users.
    pub fn may_see_accounts(self) -> bool {
        !matches!(self, Role::ReadOnly)
    }

    /// May this role open matters and record work on them?
    pub fn may_edit_matters(self) -> bool {
        matches!(
            self,
            Role::Partner | Role::FeeEarner | Role::Cashier | Role::Admin
        )
    }
}

/// A person's initials as the firm knows them ("JS", "AKM"): 2 to 4 letters, upper case.
pub fn initials(text: &str) -> Result<String, Invalid> {
    let t = text.trim().to_uppercase();
    let n = t.chars().count();
    if !(2..=4).contains(&n) || !t.chars().all(|c| c.is_alphabetic()) {
        return Err(Invalid::new("initials", "must be 2 to 4 letters, e.g. JS"));
    }
    Ok(t)
}

/// The firm's name as it appears on letters and bills.
pub fn firm_name(text: &str) -> Result<String, Invalid> {
    required_text("firm_name", text, 200)
}

/// A person's full name.
pub fn person_name(field: &'static str, text: &str) -> Result<String, Invalid> {
    required_text(field, text, 200)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_parse_from_words_a_person_types() {
        assert_eq!(Role::parse("Fee earner").unwrap(), Role::FeeEarner);
        assert_eq!(Role::parse("read-only").unwrap(), Role::ReadOnly);
        let err = Role::parse("boss").unwrap_err();
        assert!(err.message.contains("partner"), "{err}");
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()).unwrap(), r);
        }
    }

    #[test]
    fn read_only_may_not_edit_matters() {
        assert!(!Role::ReadOnly.may_edit_matters());
        assert!(!Role::ReadOnly.may_see_accounts());
        assert!(Role::Cashier.may_see_accounts() && Role::FeeEarner.may_see_accounts());
        assert!(Role::FeeEarner.may_edit_matters());
    }

    #[test]
    fn initials_are_two_to_four_letters() {
        assert_eq!(initials(" js ").unwrap(), "JS");
        assert!(initials("J").is_err());
        assert!(initials("J5").is_err());
        assert!(initials("ABCDE").is_err());
    }
}
