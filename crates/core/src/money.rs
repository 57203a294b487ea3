//! Money as integer pence. Never floats.

use serde::{Deserialize, Serialize};
use std::fmt;

/// An amount of sterling in pence. Negative amounts are debits where a sign matters.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Money(i64);

/// Why a text could not be read as an amount of money.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyParseError {
    #[error("enter an amount such as 1250.00 (pounds and pence)")]
    Malformed,
    #[error("an amount has at most two decimal places (pence)")]
    TooPrecise,
    #[error("the amount is too large")]
    Overflow,
}

impl Money {
    pub const ZERO: Money = Money(0);

    pub const fn from_pence(pence: i64) -> Self {
        Money(pence)
    }

    pub const fn pence(self) -> i64 {
        self.0
    }

    pub fn checked_add(self, other: Money) -> Option<Money> {
        self.0.checked_add(other.0).map(Money)
    }

    pub fn checked_sub(self, other: Money) -> Option<Money> {
        self.0.checked_sub(other.0).map(Money)
    }

    /// [`Money::parse`], refused in the words of a form's field.
    pub fn parse_field(field: &'static str, text: &str) -> Result<Money, crate::Invalid> {
        Money::parse(text).map_err(|e| crate::Invalid::new(field, e.to_string()))
    }

    /// Parse "1,234.56", "£12", "-3.5" into pence. Exact: no floating point is involved.
    pub fn parse(text: &str) -> Result<Money, MoneyParseError> {
        let mut s: String = text.trim().chars().filter(|c| *c != ',').collect();
        let negative = s.starts_with('-');
        if negative {
            s.remove(0);
        }
        let s = s.strip_prefix('£').unwrap_or(&s);
        let (pounds, pence) = match s.split_once('.') {
            Some((p, d)) => (p, d),
            None => (s, ""),
        };
        if pounds.is_empty() && pence.is_empty() {
            return Err(MoneyParseError::Malformed);
        }
        if !pounds.chars().all(|c| c.is_ascii_digit()) || !pence.chars().all(|c| c.is_ascii_digit())
        {
            return Err(MoneyParseError::Malformed);
        }
        if pence.len() > 2 {
            return Err(MoneyParseError::TooPrecise);
        }
        let pounds: i64 = if pounds.is_empty() {
            0
        } else {
            pounds.parse().map_err(|_| MoneyParseError::Overflow)?
        };
        let pence_part: i64 = match pence.len() {
            0 => 0,
            1 => {
                pence
                    .parse::<i64>()
                    .map_err(|_| MoneyParseError::Malformed)?
                    * 10
            }
            _ => pence.parse().map_err(|_| MoneyParseError::Malformed)?,
        };
        let total = pounds
            .checked_mul(100)
            .and_then(|p| p.checked_add(pence_part))
            .ok_or(MoneyParseError::Overflow)?;
        Ok(Money(if negative { -total } else { total }))
    }
}

impl fmt::Display for Money {
    /// "£1,234.56", "-£0.05".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let pounds = (abs / 100).to_string();
        let mut grouped = String::new();
        for (i, c) in pounds.chars().enumerate() {
            if i > 0 && (pounds.len() - i).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(c);
        }
        write!(f, "{sign}£{grouped}.{:02}", abs % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_pounds_and_pence_exactly() {
        assert_eq!(Money::parse("1,234.56").unwrap().pence(), 123_456);
        assert_eq!(Money::parse("£12").unwrap().pence(), 1_200);
        assert_eq!(Money::parse("0.1").unwrap().pence(), 10);
        assert_eq!(Money::parse("-3.05").unwrap().pence(), -305);
        // 0.1 + 0.2 style float errors cannot happen.
        let sum = Money::parse("0.10")
            .unwrap()
            .checked_add(Money::parse("0.20").unwrap());
        assert_eq!(sum, Some(Money::from_pence(30)));
    }

    #[test]
    fn rejects_malformed_amounts() {
        assert_eq!(Money::parse("12.345"), Err(MoneyParseError::TooPrecise));
        assert_eq!(Money::parse("abc"), Err(MoneyParseError::Malformed));
        assert_eq!(Money::parse(""), Err(MoneyParseError::Malformed));
        assert_eq!(Money::parse("1e5"), Err(MoneyParseError::Malformed));
        assert_eq!(
            Money::parse("99999999999999999999"),
            Err(MoneyParseError::Overflow)
        );
    }

    #[test]
    fn displays_grouped_sterling() {
        assert_eq!(Money::from_pence(123_456_789).to_string(), "£1,234,567.89");
        assert_eq!(Money::from_pence(-5).to_string(), "-£0.05");
        assert_eq!(Money::ZERO.to_string(), "£0.00");
    }
}
