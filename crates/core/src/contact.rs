//! Contacts: the people and organisations the firm deals with, and the roles they play on
//! matters.

use crate::{Invalid, required_text};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContactKind {
    Person,
    Organisation,
}

impl ContactKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ContactKind::Person => "person",
            ContactKind::Organisation => "organisation",
        }
    }

    pub fn parse(text: &str) -> Result<Self, Invalid> {
        match text.trim().to_ascii_lowercase().as_str() {
            "person" | "individual" => Ok(ContactKind::Person),
            "organisation" | "organization" | "company" => Ok(ContactKind::Organisation),
            _ => Err(Invalid::new(
                "kind",
                format!("must be person or organisation ('{text}' is not)"),
            )),
        }
    }
}

/// The part a contact plays on a matter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartyRole {
    Client,
    OtherSide,
    OtherSideSolicitor,
    Court,
    Counsel,
    Expert,
    Witness,
    Other,
}

impl PartyRole {
    pub const ALL: [PartyRole; 8] = [
        PartyRole::Client,
        PartyRole::OtherSide,
        PartyRole::OtherSideSolicitor,
        PartyRole::Court,
        PartyRole::Counsel,
        PartyRole::Expert,
        PartyRole::Witness,
        PartyRole::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PartyRole::Client => "client",
            PartyRole::OtherSide => "other_side",
            PartyRole::OtherSideSolicitor => "other_side_solicitor",
            PartyRole::Court => "court",
            PartyRole::Counsel => "counsel",
            PartyRole::Expert => "expert",
            PartyRole::Witness => "witness",
            PartyRole::Other => "other",
        }
    }

    /// How the role reads in a sentence or a column.
    pub fn label(self) -> &'static str {
        match self {
            PartyRole::Client => "Client",
            PartyRole::OtherSide => "Other side",
            PartyRole::OtherSideSolicitor => "Other side's solicitor",
            PartyRole::Court => "Court",
            PartyRole::Counsel => "Counsel",
            PartyRole::Expert => "Expert",
            PartyRole::Witness => "Witness",
            PartyRole::Other => "Other",
        }
    }

    pub fn parse(text: &str) -> Result<Self, Invalid> {
        let wanted = text
            .trim()
            .to_ascii_lowercase()
            .replace(['’', '\''], "")
            .replace("sides ", "side ")
            .replace(['-', ' '], "_");
        PartyRole::ALL
            .into_iter()
            .find(|r| {
                r.as_str() == wanted || r.as_str().replace('_', "") == wanted.replace('_', "")
            })
            .ok_or_else(|| {
                Invalid::new(
                    "role",
                    format!(
                        "must be one of: {} ('{text}' is not)",
                        PartyRole::ALL.map(PartyRole::as_str).join(", ")
                    ),
                )
            })
    }
}

/// A contact as typed, before validation. Empty optional fields mean "not given".
#[derive(Debug, Clone, Default)]
pub struct NewContact<'a> {
    pub kind: &'a str,
    pub name: &'a str,
    pub email: &'a str,
    pub phone: &'a str,
    pub address: &'a str,
    pub postcode: &'a str,
    /// ISO date, people only.
    pub date_of_birth: &'a str,
    /// Companies House number, organisations only.
    pub company_number: &'a str,
}

/// A validated contact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidContact {
    pub kind: ContactKind,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub postcode: Option<String>,
    pub date_of_birth: Option<Date>,
    pub company_number: Option<String>,
}

fn optional(text: &str) -> Option<&str> {
    Some(text.trim()).filter(|t| !t.is_empty())
}

/// A plausible email address: one `@`, something before it, a dotted domain after it, no
/// spaces. (Deliverability is not knowable offline.)
pub fn email(text: &str) -> Result<String, Invalid> {
    let t = text.trim();
    let ok = match t.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !t.chars().any(char::is_whitespace)
        }
        None => false,
    };
    if !ok || t.chars().count() > 254 {
        return Err(Invalid::new(
            "email",
            format!("'{t}' is not an email address such as name@example.co.uk"),
        ));
    }
    Ok(t.to_owned())
}

/// A telephone number: digits with optional leading `+`, spaces, hyphens and brackets; 7 to
/// 15 digits (E.164 allows 15).
pub fn phone(text: &str) -> Result<String, Invalid> {
    let t = text.trim();
    let digits = t.chars().filter(char::is_ascii_digit).count();
    let allowed = t.chars().enumerate().all(|(i, c)| {
        c.is_ascii_digit() || matches!(c, ' ' | '-' | '(' | ')') || (c == '+' && i == 0)
    });
    if !allowed || !(7..=15).contains(&digits) {
        return Err(Invalid::new(
            "phone",
            format!("'{t}' is not a telephone number such as 020 7946 0000"),
        ));
    }
    Ok(t.to_owned())
}

/// A UK postcode, e.g. "SW1A 1AA", normalised to upper case with one space before the
/// inward code.
pub fn postcode(text: &str) -> Result<String, Invalid> {
    let compact: String = text
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_uppercase();
    let bad = || {
        Invalid::new(
            "postcode",
            format!("'{}' is not a UK postcode such as SW1A 1AA", text.trim()),
        )
    };
    if !(5..=7).contains(&compact.len()) || !compact.is_ascii() {
        return Err(bad());
    }
    let (outward, inward) = compact.split_at(compact.len() - 3);
    let inward_ok = {
        let b = inward.as_bytes();
        b[0].is_ascii_digit() && b[1].is_ascii_alphabetic() && b[2].is_ascii_alphabetic()
    };
    let outward_ok = outward
        .as_bytes()
        .first()
        .is_some_and(u8::is_ascii_alphabetic)
        && outward.chars().all(|c| c.is_ascii_alphanumeric())
        && outward.chars().any(|c| c.is_ascii_digit());
    if !inward_ok || !outward_ok {
        return Err(bad());
    }
    Ok(format!("{outward} {inward}"))
}

/// A Companies House number: 8 characters, either 8 digits or 2 letters (SC, NI, OC…) and
/// 6 digits. Shorter all-digit numbers are zero-padded, as Companies House prints them.
pub fn company_number(text: &str) -> Result<String, Invalid> {
    let t = text.trim().to_uppercase();
    let bad = || {
        Invalid::new(
            "company_number",
            format!("'{t}' is not a company number such as 01234567 or SC123456"),
        )
    };
    if t.chars().all(|c| c.is_ascii_digit()) && (1..=8).contains(&t.len()) {
        return Ok(format!("{t:0>8}"));
    }
    let b = t.as_bytes();
    if b.len() == 8
        && b[..2].iter().all(u8::is_ascii_alphabetic)
        && b[2..].iter().all(u8::is_ascii_digit)
    {
        return Ok(t);
    }
    Err(bad())
}

impl NewContact<'_> {
    pub fn validate(&self, today: Date) -> Result<ValidContact, Invalid> {
        let kind = ContactKind::parse(self.kind)?;
        let name = required_text("name", self.name, 200)?;
        let date_of_birth = crate::dates::parse_optional("date_of_birth", self.date_of_birth)?;
        if let Some(d) = date_of_birth {
            if d > today {
                return Err(Invalid::new(
                    "date_of_birth",
                    format!("cannot be in the future ({d})"),
                ));
            }
            if d.year() < 1900 {
                return Err(Invalid::new(
                    "date_of_birth",
                    format!("{d} is not plausible"),
                ));
            }
        }
        let company_number = optional(self.company_number)
            .map(company_number)
            .transpose()?;
        if kind == ContactKind::Person && company_number.is_some() {
            return Err(Invalid::new(
                "company_number",
                "is for organisations; this contact is a person",
            ));
        }
        if kind == ContactKind::Organisation && date_of_birth.is_some() {
            return Err(Invalid::new(
                "date_of_birth",
                "is for people; this contact is an organisation",
            ));
        }
        Ok(ValidContact {
            kind,
            name,
            email: optional(self.email).map(email).transpose()?,
            phone: optional(self.phone).map(phone).transpose()?,
            address: optional(self.address)
                .map(|a| required_text("address", a, 500))
                .transpose()?,
            postcode: optional(self.postcode).map(postcode).transpose()?,
            date_of_birth,
            company_number,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    const TODAY: Date = date(2026, 11, 25);

    #[test]
    fn postcodes_are_checked_and_normalised() {
        assert_eq!(postcode("sw1a1aa").unwrap(), "SW1A 1AA");
        assert_eq!(postcode(" M1 1AE ").unwrap(), "M1 1AE");
        assert_eq!(postcode("B33 8TH").unwrap(), "B33 8TH");
        for bad in ["12345", "SW1A", "SW1A 1A1", "ABC DEF", "SW1A 1AAA"] {
            assert!(postcode(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn company_numbers_are_padded_or_prefixed() {
        assert_eq!(company_number("1234567").unwrap(), "01234567");
        assert_eq!(company_number("sc123456").unwrap(), "SC123456");
        assert!(company_number("SC12345X").is_err());
        assert!(company_number("123456789").is_err());
    }

    #[test]
    fn emails_and_phones() {
        assert!(email("ann@example.co.uk").is_ok());
        for bad in ["ann", "ann@", "@x.com", "ann@x", "a b@x.com", "a@b@c.com"] {
            assert!(email(bad).is_err(), "{bad}");
        }
        assert!(phone("+44 (0)20 7946-0000").is_ok());
        assert!(phone("12").is_err());
        assert!(phone("020 7946 0000 ext 5").is_err());
    }

    #[test]
    fn contacts_validate_by_kind() {
        let ok = NewContact {
            kind: "person",
            name: " Zoë Smith ",
            date_of_birth: "1980-02-29",
            postcode: "m1 1ae",
            ..Default::default()
        }
        .validate(TODAY)
        .unwrap();
        assert_eq!(ok.name, "Zoë Smith");
        assert_eq!(ok.postcode.as_deref(), Some("M1 1AE"));
        assert_eq!(ok.date_of_birth, Some(date(1980, 2, 29)));
        let err = NewContact {
            kind: "person",
            name: "A",
            date_of_birth: "2026-02-30",
            ..Default::default()
        }
        .validate(TODAY)
        .unwrap_err();
        assert_eq!(err.field, "date_of_birth");
        let err = NewContact {
            kind: "person",
            name: "A",
            company_number: "01234567",
            ..Default::default()
        }
        .validate(TODAY)
        .unwrap_err();
        assert_eq!(err.field, "company_number");
        let err = NewContact {
            kind: "person",
            name: "A",
            date_of_birth: "2027-01-01",
            ..Default::default()
        }
        .validate(TODAY)
        .unwrap_err();
        assert!(err.to_string().contains("future"), "{err}");
    }

    #[test]
    fn roles_parse_from_words() {
        assert_eq!(
            PartyRole::parse("Other side").unwrap(),
            PartyRole::OtherSide
        );
        assert_eq!(
            PartyRole::parse("other side's solicitor").unwrap(),
            PartyRole::OtherSideSolicitor
        );
        assert!(PartyRole::parse("judge").is_err());
        for r in PartyRole::ALL {
            assert_eq!(PartyRole::parse(r.as_str()).unwrap(), r);
        }
    }
}
