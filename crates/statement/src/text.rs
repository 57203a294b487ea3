//! What the OFX and CSV readers share: bytes to text, line numbers, amounts, whitespace.

use satchel_core::Money;
use satchel_core::accounts::MAX_AMOUNT_PENCE;

/// The bytes of a statement file as text.
///
/// A byte-order mark decides (UTF-8, UTF-16LE or UTF-16BE). Without one, the bytes are read
/// as UTF-8 if they are valid UTF-8 and otherwise as Windows-1252, which is what UK banks'
/// older exports use (a `£` is the single byte `0xA3` there). Decoding never fails: a byte
/// that means nothing in the chosen encoding becomes U+FFFD, and the text around it is read
/// as usual.
pub(crate) fn decode(bytes: &[u8]) -> String {
    if let Some((encoding, bom_len)) = encoding_rs::Encoding::for_bom(bytes) {
        let body = bytes.get(bom_len..).unwrap_or_default();
        return encoding.decode_without_bom_handling(body).0.into_owned();
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        Err(_) => encoding_rs::WINDOWS_1252
            .decode_without_bom_handling(bytes)
            .0
            .into_owned(),
    }
}

/// Where each line of a text starts, to turn byte offsets into 1-based line numbers.
///
/// A line ends at `\n`, at `\r\n`, or at a lone `\r` (old Mac files).
pub(crate) struct Lines {
    starts: Vec<usize>,
    /// The line of the last character that is not whitespace (1 for a blank text).
    last: usize,
}

impl Lines {
    pub(crate) fn new(text: &str) -> Self {
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        for (i, &b) in bytes.iter().enumerate() {
            let ends_line = b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n'));
            if ends_line {
                starts.push(i + 1);
            }
        }
        let mut lines = Lines { starts, last: 1 };
        let content_end = text.trim_end().len();
        lines.last = lines.line_of(content_end.saturating_sub(1));
        lines
    }

    /// The 1-based line holding the byte at `offset`.
    pub(crate) fn line_of(&self, offset: usize) -> usize {
        match self.starts.binary_search(&offset) {
            Ok(i) => i + 1,
            Err(i) => i,
        }
    }

    /// The line of the last character that is not whitespace: where a cut-short file ends.
    pub(crate) fn last_line(&self) -> usize {
        self.last
    }
}

/// Why a text is not an amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AmountProblem {
    Malformed,
    FractionOfPenny,
    TooLarge,
}

impl AmountProblem {
    /// The rest of a sentence that starts with the field and the text quoted, e.g.
    /// `TRNAMT '12.345'` + ` has a fraction of a penny`.
    pub(crate) fn describe(self, field: &str, text: &str, how: &str) -> String {
        match self {
            AmountProblem::Malformed => format!("{field} '{text}' is not an amount ({how})"),
            AmountProblem::FractionOfPenny => {
                format!("{field} '{text}' has a fraction of a penny")
            }
            AmountProblem::TooLarge => format!(
                "{field} '{text}' is more than {}, the largest amount Satchel accepts",
                Money::from_pence(MAX_AMOUNT_PENCE)
            ),
        }
    }
}

/// Digits with an optional `.` and decimal places, no sign: "12", "12.5", "0.05", ".50".
///
/// Decimal places beyond the second must be zeros ("12.500" is £12.50); any other third
/// place is a fraction of a penny and refused rather than rounded. More than
/// £1,000,000,000.00 is refused.
fn unsigned_pence(text: &str) -> Result<i64, AmountProblem> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if whole.is_empty() && fraction.is_empty() {
        return Err(AmountProblem::Malformed);
    }
    if !whole.bytes().all(|b| b.is_ascii_digit()) || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return Err(AmountProblem::Malformed);
    }
    let (pence_digits, beyond) = fraction.split_at(fraction.len().min(2));
    if beyond.bytes().any(|b| b != b'0') {
        return Err(AmountProblem::FractionOfPenny);
    }
    let significant = whole.trim_start_matches('0');
    // Twelve digits of pounds is already a hundred times the limit: refuse before
    // parsing, so that no length of input can overflow.
    if significant.len() > 12 {
        return Err(AmountProblem::TooLarge);
    }
    let pounds: i64 = if significant.is_empty() {
        0
    } else {
        significant.parse().map_err(|_| AmountProblem::Malformed)?
    };
    let mut pence: i64 = 0;
    for (place, digit) in pence_digits.bytes().enumerate() {
        let value = i64::from(digit - b'0');
        pence += if place == 0 { value * 10 } else { value };
    }
    let total = pounds * 100 + pence;
    if total > MAX_AMOUNT_PENCE {
        return Err(AmountProblem::TooLarge);
    }
    Ok(total)
}

/// An OFX amount: an optional `+` or `-`, digits, and a `.` before the decimal places
/// ("-12.50", "+3", "1500.00"). No thousands separators, no currency sign.
pub(crate) fn parse_ofx_amount(text: &str) -> Result<Money, AmountProblem> {
    let t = text.trim();
    let (negative, digits) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let pence = unsigned_pence(digits)?;
    Ok(Money::from_pence(if negative { -pence } else { pence }))
}

/// A CSV amount as banks write them: "1,234.56", "-12.50", "+3", "£12.50", "-£12.50",
/// "£-12.50", and "(12.50)" for a negative amount. Commas must group thousands ("12,50"
/// is refused rather than read as £1,250 or £12.50).
pub(crate) fn parse_csv_amount(text: &str) -> Result<Money, AmountProblem> {
    let mut t = text.trim();
    let mut negative = false;
    let bracketed = t.len() >= 2 && t.starts_with('(') && t.ends_with(')');
    if bracketed {
        negative = true;
        t = t.get(1..t.len() - 1).unwrap_or_default().trim();
    }
    let mut signed = false;
    let mut pound = false;
    loop {
        if !signed && (t.starts_with('-') || t.starts_with('+')) {
            if bracketed {
                return Err(AmountProblem::Malformed);
            }
            negative = t.starts_with('-');
            signed = true;
            t = t.get(1..).unwrap_or_default().trim_start();
        } else if let Some(rest) = t.strip_prefix('£').filter(|_| !pound) {
            pound = true;
            t = rest.trim_start();
        } else {
            break;
        }
    }
    let (whole, fraction) = match t.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (t, None),
    };
    let mut joined = ungroup(whole)?;
    if let Some(f) = fraction {
        joined.push('.');
        joined.push_str(f);
    }
    let pence = unsigned_pence(&joined)?;
    Ok(Money::from_pence(if negative { -pence } else { pence }))
}

/// "1,234,567" to "1234567"; digits without commas are left alone. Every group after the
/// first has exactly three digits, and the first one to three.
fn ungroup(whole: &str) -> Result<String, AmountProblem> {
    if !whole.contains(',') {
        return Ok(whole.to_owned());
    }
    let mut out = String::with_capacity(whole.len());
    for (i, group) in whole.split(',').enumerate() {
        let ok_len = if i == 0 {
            (1..=3).contains(&group.len())
        } else {
            group.len() == 3
        };
        if !ok_len || !group.bytes().all(|b| b.is_ascii_digit()) {
            return Err(AmountProblem::Malformed);
        }
        out.push_str(group);
    }
    Ok(out)
}

/// Runs of whitespace (spaces, tabs, line breaks) as one space, and none at either end.
pub(crate) fn collapse_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A value quoted in an error message: at most 40 characters, so that a line of binary
/// junk does not become a wall of text.
pub(crate) fn quoted(text: &str) -> String {
    const MOST: usize = 40;
    if text.chars().count() <= MOST {
        text.to_owned()
    } else {
        let mut short: String = text.chars().take(MOST).collect();
        short.push('…');
        short
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ofx(text: &str) -> Result<i64, AmountProblem> {
        parse_ofx_amount(text).map(Money::pence)
    }

    fn csv(text: &str) -> Result<i64, AmountProblem> {
        parse_csv_amount(text).map(Money::pence)
    }

    #[test]
    fn ofx_amounts_are_exact_pence() {
        assert_eq!(ofx("-12.50"), Ok(-1250));
        assert_eq!(ofx("+3"), Ok(300));
        assert_eq!(ofx("1500.00"), Ok(150_000));
        assert_eq!(ofx("0.05"), Ok(5));
        assert_eq!(ofx(".5"), Ok(50));
        assert_eq!(ofx("12.500"), Ok(1250));
        assert_eq!(ofx(" 7.1 "), Ok(710));
    }

    #[test]
    fn ofx_amounts_refuse_what_is_not_plain_decimal() {
        assert_eq!(ofx("12.345"), Err(AmountProblem::FractionOfPenny));
        assert_eq!(ofx("12.001"), Err(AmountProblem::FractionOfPenny));
        assert_eq!(ofx("12,50"), Err(AmountProblem::Malformed));
        assert_eq!(ofx("£12.50"), Err(AmountProblem::Malformed));
        assert_eq!(ofx("1,234.56"), Err(AmountProblem::Malformed));
        assert_eq!(ofx(""), Err(AmountProblem::Malformed));
        assert_eq!(ofx("-"), Err(AmountProblem::Malformed));
        assert_eq!(ofx("."), Err(AmountProblem::Malformed));
        assert_eq!(ofx("--1"), Err(AmountProblem::Malformed));
        assert_eq!(ofx("1e5"), Err(AmountProblem::Malformed));
        assert_eq!(ofx("1.2.3"), Err(AmountProblem::Malformed));
    }

    #[test]
    fn amounts_above_a_billion_pounds_are_refused() {
        assert_eq!(ofx("1000000000.00"), Ok(MAX_AMOUNT_PENCE));
        assert_eq!(ofx("-1000000000.00"), Ok(-MAX_AMOUNT_PENCE));
        assert_eq!(ofx("1000000000.01"), Err(AmountProblem::TooLarge));
        assert_eq!(
            ofx("99999999999999999999999999"),
            Err(AmountProblem::TooLarge)
        );
        assert_eq!(ofx("0000000000000000000012.50"), Ok(1250));
        assert_eq!(csv("£1,000,000,000.01"), Err(AmountProblem::TooLarge));
    }

    #[test]
    fn csv_amounts_accept_what_banks_write() {
        assert_eq!(csv("1,234.56"), Ok(123_456));
        assert_eq!(csv("-12.50"), Ok(-1250));
        assert_eq!(csv("£12.50"), Ok(1250));
        assert_eq!(csv("-£12.50"), Ok(-1250));
        assert_eq!(csv("£-12.50"), Ok(-1250));
        assert_eq!(csv("(12.50)"), Ok(-1250));
        assert_eq!(csv("(£1,000.00)"), Ok(-100_000));
        assert_eq!(csv("+3"), Ok(300));
        assert_eq!(csv("£ 4.00"), Ok(400));
    }

    #[test]
    fn csv_amounts_refuse_the_ambiguous() {
        assert_eq!(csv("12,50"), Err(AmountProblem::Malformed));
        assert_eq!(csv("1,23,456.00"), Err(AmountProblem::Malformed));
        assert_eq!(csv(",123"), Err(AmountProblem::Malformed));
        assert_eq!(csv("(-12.50)"), Err(AmountProblem::Malformed));
        assert_eq!(csv("££1"), Err(AmountProblem::Malformed));
        assert_eq!(csv("--1"), Err(AmountProblem::Malformed));
        assert_eq!(csv("()"), Err(AmountProblem::Malformed));
        assert_eq!(csv("12.345"), Err(AmountProblem::FractionOfPenny));
        assert_eq!(csv("abc"), Err(AmountProblem::Malformed));
    }

    #[test]
    fn line_numbers_count_lf_crlf_and_lone_cr() {
        let lines = Lines::new("a\nb\r\nc\rd\n\n");
        assert_eq!(lines.line_of(0), 1);
        assert_eq!(lines.line_of(2), 2);
        assert_eq!(lines.line_of(3), 2); // the \r of \r\n
        assert_eq!(lines.line_of(5), 3);
        assert_eq!(lines.line_of(7), 4);
        assert_eq!(lines.last_line(), 4);
        assert_eq!(Lines::new("").last_line(), 1);
    }

    #[test]
    fn decoding_falls_back_to_windows_1252() {
        assert_eq!(decode(b"\xa312.50"), "£12.50");
        assert_eq!(decode("£12.50".as_bytes()), "£12.50");
        assert_eq!(decode(b"\xef\xbb\xbfA"), "A");
        assert_eq!(decode(b"\xff\xfeA\x00"), "A");
    }
}
