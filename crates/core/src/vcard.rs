//! Contacts to and from vCard (`.vcf`) files: versions 3.0 and 4.0 read, 4.0 written.
//!
//! The `calcard` crate reads and writes the cards (unfolding, escapes, parameters, dates,
//! old encodings); this module only finds where each card starts, so that every error can
//! name a line, and maps a card's properties to a contact's fields and back. Validation is
//! not done here: the caller passes [`CardContact::as_new_contact`] to the same
//! [`NewContact::validate`] as a contact typed by hand.

use crate::contact::{ContactKind, NewContact};
use calcard::common::PartialDateTime;
use calcard::vcard::{
    VCard, VCardEntry, VCardKind, VCardParameterName, VCardProperty, VCardValue, VCardVersion,
};
use calcard::{Entry, Parser};

/// The property export writes a Companies House number in, and import reads it from.
pub const COMPANY_NUMBER_PROPERTY: &str = "X-SATCHEL-COMPANY-NUMBER";

/// A contact as one card gave it. Every field is text as found (trimmed); an empty field was
/// not in the card.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CardContact {
    /// `person` or `organisation`.
    pub kind: String,
    pub name: String,
    pub email: String,
    pub phone: String,
    /// The address on one line, without its postcode.
    pub address: String,
    pub postcode: String,
    /// `YYYY-MM-DD`, when the card gives a full date of birth.
    pub date_of_birth: String,
    pub company_number: String,
    /// The line of the card's `BEGIN:VCARD` (1 is the first line).
    pub line: usize,
}

impl CardContact {
    /// The contact as if typed into the form, for [`NewContact::validate`].
    pub fn as_new_contact(&self) -> NewContact<'_> {
        NewContact {
            kind: &self.kind,
            name: &self.name,
            email: &self.email,
            phone: &self.phone,
            address: &self.address,
            postcode: &self.postcode,
            date_of_birth: &self.date_of_birth,
            company_number: &self.company_number,
        }
    }
}

/// A file that is not a set of vCards, and the line where that shows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct VcardError {
    /// 1 is the first line.
    pub line: usize,
    pub message: String,
}

impl VcardError {
    fn new(line: usize, message: impl Into<String>) -> Self {
        Self {
            line,
            message: message.into(),
        }
    }
}

/// The contacts in a vCard file, in the file's order. Any card that cannot be read makes the
/// whole file an error, naming the line.
pub fn parse(text: &str) -> Result<Vec<CardContact>, VcardError> {
    let mut contacts = Vec::new();
    for span in cards(text)? {
        let card = read_card(text, &span)?;
        let mut contact = contact_from(&card, span.begin_line)?;
        if contact.date_of_birth.is_empty() {
            contact.date_of_birth = extended_birthday(&text[span.start..span.end])
                .map_err(|(offset, why)| VcardError::new(span.begin_line + offset, why))?
                .unwrap_or_default();
        }
        contacts.push(contact);
    }
    if contacts.is_empty() {
        return Err(VcardError::new(
            1,
            "no vCard found (a card starts with BEGIN:VCARD)",
        ));
    }
    Ok(contacts)
}

/// Contacts as vCard 4.0, one card each, with CRLF line endings and long lines folded.
/// [`parse`] reads the text back to the same contacts.
pub fn write(contacts: &[CardContact]) -> String {
    let mut out = String::new();
    for c in contacts {
        // Writing into a String cannot fail.
        let _ = card_from(c).write_to(&mut out, VCardVersion::V4_0);
    }
    out
}

/// A `BDAY` written as an extended-format date (`1985-04-12`), which vCard 4.0 readers
/// take as a reduced date but which 3.0-era exporters and people write in 4.0 cards too.
/// Read from the card's raw lines, so a full date of birth is not lost. Birthdays whose
/// year is a placeholder (Apple's `X-APPLE-OMIT-YEAR`) are not dates of birth.
/// An impossible date (`1985-02-30`) is an error: (line offset in the card, message).
fn extended_birthday(card_text: &str) -> Result<Option<String>, (usize, String)> {
    for (i, l) in card_text.lines().enumerate() {
        let Some((head, value)) = l.split_once(':') else {
            continue;
        };
        let name = head.split(';').next().unwrap_or_default().trim();
        if !name.eq_ignore_ascii_case("BDAY")
            || head.to_ascii_uppercase().contains("X-APPLE-OMIT-YEAR")
        {
            continue;
        }
        let v = value.trim();
        let Some(date) = v.get(..10).filter(|d| d.as_bytes().get(4) == Some(&b'-')) else {
            return Ok(None);
        };
        if v.len() > 10 && !v[10..].starts_with('T') {
            return Ok(None);
        }
        return match date.parse::<jiff::civil::Date>() {
            Ok(d) => Ok(Some(d.to_string())),
            Err(_) => Err((i, format!("BDAY {date} is not a real date"))),
        };
    }
    Ok(None)
}

/// Where one card is in the text: its lines and bytes, `BEGIN:VCARD` to `END:VCARD`.
struct CardSpan {
    begin_line: usize,
    /// Byte range of the card, from the start of `BEGIN` to the end of `END:VCARD`'s line.
    start: usize,
    end: usize,
}

/// A physical line of the text, its number and where it starts.
fn lines(text: &str) -> impl Iterator<Item = (usize, usize, &str)> {
    let mut offset = 0;
    text.split_inclusive('\n').enumerate().map(move |(i, raw)| {
        let start = offset;
        offset += raw.len();
        let content = raw.trim_end_matches(['\n', '\r']);
        let content = if i == 0 {
            content.trim_start_matches('\u{feff}')
        } else {
            content
        };
        (i + 1, start, content)
    })
}

fn is_marker(line: &str, marker: &str) -> bool {
    line.trim_end().eq_ignore_ascii_case(marker)
}

/// A line quoted in a message, shortened.
fn quoted(line: &str) -> String {
    let t = line.trim();
    let short: String = t.chars().take(60).collect();
    if short.len() < t.len() {
        format!("'{short}…'")
    } else {
        format!("'{short}'")
    }
}

/// Find each card's `BEGIN:VCARD` and `END:VCARD` lines. Text outside cards (other than blank
/// lines), a card inside a card and a card with no end are errors.
fn cards(text: &str) -> Result<Vec<CardSpan>, VcardError> {
    let mut spans = Vec::new();
    let mut open: Option<(usize, usize)> = None;
    for (number, start, line) in lines(text) {
        match open {
            None if is_marker(line, "BEGIN:VCARD") => open = Some((number, start)),
            None if line.trim().is_empty() => {}
            None => {
                return Err(VcardError::new(
                    number,
                    format!("expected BEGIN:VCARD, found {}", quoted(line)),
                ));
            }
            Some((begin_line, _)) if is_marker(line, "BEGIN:VCARD") => {
                return Err(VcardError::new(
                    number,
                    format!(
                        "a new card begins before the card that begins on line {begin_line} has ended (END:VCARD is missing)"
                    ),
                ));
            }
            Some((begin_line, card_start)) if is_marker(line, "END:VCARD") => {
                let end = start + line.len();
                spans.push(CardSpan {
                    begin_line,
                    start: card_start,
                    end,
                });
                open = None;
            }
            Some(_) => {}
        }
    }
    if let Some((begin_line, _)) = open {
        return Err(VcardError::new(
            begin_line,
            "the card that begins here has no END:VCARD",
        ));
    }
    Ok(spans)
}

/// The line within a card that the parser stopped at: the first that starts with `found`,
/// else the card's first line.
fn line_of(text: &str, span: &CardSpan, found: &str) -> usize {
    let found = found.trim();
    let card = text.get(span.start..span.end).unwrap_or_default();
    lines(card)
        .find(|(_, _, line)| !found.is_empty() && line.trim_start().starts_with(found))
        .map_or(span.begin_line, |(n, _, _)| span.begin_line + n - 1)
}

/// A `BEGIN:` or `END:` line inside a card (between its own `BEGIN:VCARD` and `END:VCARD`).
fn stray_marker(text: &str, span: &CardSpan) -> Option<VcardError> {
    let card = text.get(span.start..span.end).unwrap_or_default();
    let inner: Vec<_> = lines(card).collect();
    inner
        .get(1..inner.len().saturating_sub(1))?
        .iter()
        .find(|(_, _, line)| {
            // A folded line's continuation starts with a space or tab: it is not a marker.
            let head: String = line
                .chars()
                .take(6)
                .collect::<String>()
                .to_ascii_uppercase();
            head.starts_with("BEGIN:") || head.starts_with("END:")
        })
        .map(|(n, _, line)| {
            VcardError::new(
                span.begin_line + n - 1,
                format!(
                    "{} inside the card that begins on line {}",
                    quoted(line),
                    span.begin_line
                ),
            )
        })
}

/// Parse one card strictly: a line that is not a property is an error.
fn read_card(text: &str, span: &CardSpan) -> Result<VCard, VcardError> {
    let card_text = text.get(span.start..span.end).unwrap_or_default();
    let mut parser = Parser::new(card_text).strict();
    let unreadable = |found: Option<&str>| {
        if let Some(e) = stray_marker(text, span) {
            return e;
        }
        match found {
            Some(found) => VcardError::new(
                line_of(text, span, found),
                format!("not a vCard property (NAME:value): {}", quoted(found)),
            ),
            None => VcardError::new(
                span.begin_line,
                "the card that begins here could not be read",
            ),
        }
    };
    let card = match parser.entry() {
        Entry::VCard(card) => card,
        Entry::InvalidLine(found) => return Err(unreadable(Some(&found))),
        _ => return Err(unreadable(None)),
    };
    match parser.entry() {
        Entry::Eof => Ok(card),
        Entry::InvalidLine(found) => Err(unreadable(Some(&found))),
        _ => Err(unreadable(None)),
    }
}

fn entries<'a>(card: &'a VCard, name: &'a VCardProperty) -> impl Iterator<Item = &'a VCardEntry> {
    card.entries.iter().filter(move |e| &e.name == name)
}

fn other<'a>(card: &'a VCard, name: &'a str) -> impl Iterator<Item = &'a VCardEntry> {
    card.entries
        .iter()
        .filter(move |e| matches!(&e.name, VCardProperty::Other(n) if n.eq_ignore_ascii_case(name)))
}

/// One value as text: a list (`a,b`) joined with `join`.
fn value_text(value: &VCardValue, join: &str) -> String {
    match value {
        VCardValue::Text(t) => t.trim().to_owned(),
        VCardValue::Component(parts) => parts
            .iter()
            .map(|p| p.trim())
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join(join),
        _ => String::new(),
    }
}

/// The `n`th value of an entry as text ("" when absent).
fn nth(entry: &VCardEntry, n: usize, join: &str) -> String {
    entry
        .values
        .get(n)
        .map(|v| value_text(v, join))
        .unwrap_or_default()
}

/// The first entry's first value, without a URI scheme such as `mailto:` or `tel:`.
fn first_text(card: &VCard, name: &VCardProperty, scheme: &str) -> String {
    let text = entries(card, name)
        .map(|e| nth(e, 0, ","))
        .find(|t| !t.is_empty())
        .unwrap_or_default();
    match text.get(..scheme.len()) {
        Some(head) if head.eq_ignore_ascii_case(scheme) => text
            .get(scheme.len()..)
            .unwrap_or_default()
            .trim()
            .to_owned(),
        _ => text,
    }
}

/// A structured name (`N`: family; given; additional; prefixes; suffixes) as it is written:
/// "Dr Jane Q Doe".
fn structured_name(card: &VCard) -> String {
    entries(card, &VCardProperty::N)
        .next()
        .map(|n| {
            [3, 1, 2, 0, 4]
                .into_iter()
                .map(|i| nth(n, i, " "))
                .filter(|p| !p.is_empty())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default()
}

fn is_organisation(card: &VCard, formatted: &str, person_name: &str, org: &str) -> bool {
    let kind = entries(card, &VCardProperty::Kind)
        .flat_map(|e| e.values.first())
        .next();
    match kind {
        Some(VCardValue::Kind(VCardKind::Org)) => return true,
        Some(VCardValue::Kind(VCardKind::Individual)) => return false,
        Some(VCardValue::Text(t))
            if ["org", "organization", "organisation"]
                .iter()
                .any(|k| t.trim().eq_ignore_ascii_case(k)) =>
        {
            return true;
        }
        _ => {}
    }
    let apple_company =
        other(card, "X-ABShowAs").any(|e| nth(e, 0, ",").eq_ignore_ascii_case("COMPANY"));
    // A card with an organisation and no person's name is the organisation's (Outlook and
    // others put the organisation's name in FN too).
    let no_person =
        person_name.is_empty() && (formatted.is_empty() || formatted.eq_ignore_ascii_case(org));
    apple_company || (!org.is_empty() && no_person)
}

/// A full date (year, month and day); Apple's "year not known" placeholder year is not one.
fn full_date(entry: &VCardEntry) -> Option<String> {
    let omitted_year = entry.params.iter().any(
        |p| matches!(&p.name, VCardParameterName::Other(n) if n.eq_ignore_ascii_case("X-APPLE-OMIT-YEAR")),
    );
    match entry.values.first()? {
        VCardValue::PartialDateTime(PartialDateTime {
            year: Some(y),
            month: Some(m),
            day: Some(d),
            ..
        }) if !omitted_year => Some(format!("{y:04}-{m:02}-{d:02}")),
        _ => None,
    }
}

fn contact_from(card: &VCard, line: usize) -> Result<CardContact, VcardError> {
    let formatted = first_text(card, &VCardProperty::Fn, "");
    let person_name = structured_name(card);
    let org = entries(card, &VCardProperty::Org)
        .map(|e| nth(e, 0, ", "))
        .find(|o| !o.is_empty())
        .unwrap_or_default();
    let kind = if is_organisation(card, &formatted, &person_name, &org) {
        ContactKind::Organisation
    } else {
        ContactKind::Person
    };
    let name = [&formatted, &person_name, &org]
        .into_iter()
        .find(|n| !n.is_empty())
        .cloned()
        .ok_or_else(|| {
            VcardError::new(line, "the card that begins here has no name (FN, N or ORG)")
        })?;
    let adr = entries(card, &VCardProperty::Adr).next();
    let address = adr
        .map(|a| {
            // post office box; extended; street; locality; region; postal code; country
            [0, 1, 2, 3, 4, 6]
                .into_iter()
                .map(|i| nth(a, i, ", "))
                .flat_map(|p| {
                    p.lines()
                        .map(str::trim)
                        .filter(|l| !l.is_empty())
                        .map(str::to_owned)
                        .collect::<Vec<_>>()
                })
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default();
    let postcode = adr.map(|a| nth(a, 5, " ")).unwrap_or_default();
    let date_of_birth = entries(card, &VCardProperty::Bday)
        .next()
        .and_then(full_date)
        .unwrap_or_default();
    let company_number = other(card, COMPANY_NUMBER_PROPERTY)
        .map(|e| nth(e, 0, ","))
        .find(|n| !n.is_empty())
        .unwrap_or_default();
    Ok(CardContact {
        kind: kind.as_str().to_owned(),
        name,
        email: first_text(card, &VCardProperty::Email, "mailto:"),
        phone: first_text(card, &VCardProperty::Tel, "tel:"),
        address,
        postcode,
        date_of_birth,
        company_number,
        line,
    })
}

fn text_entry(name: VCardProperty, value: &str) -> VCardEntry {
    VCardEntry::new(name).with_value(value.to_owned())
}

fn card_from(c: &CardContact) -> VCard {
    let organisation = matches!(ContactKind::parse(&c.kind), Ok(ContactKind::Organisation));
    let mut card = VCard::default();
    let mut push = |entry: VCardEntry| card.entries.push(entry);
    push(
        VCardEntry::new(VCardProperty::Kind).with_value(if organisation {
            VCardKind::Org
        } else {
            VCardKind::Individual
        }),
    );
    push(text_entry(VCardProperty::Fn, &c.name));
    if organisation {
        push(text_entry(VCardProperty::Org, &c.name));
    }
    if !c.email.is_empty() {
        push(text_entry(VCardProperty::Email, &c.email));
    }
    if !c.phone.is_empty() {
        push(text_entry(VCardProperty::Tel, &c.phone));
    }
    if !c.address.is_empty() || !c.postcode.is_empty() {
        let parts = ["", "", &c.address, "", "", &c.postcode, ""];
        push(
            VCardEntry::new(VCardProperty::Adr).with_values(
                parts
                    .into_iter()
                    .map(|p| VCardValue::Text(p.to_owned()))
                    .collect(),
            ),
        );
    }
    if let Ok(d) = c.date_of_birth.parse::<jiff::civil::Date>() {
        let date = PartialDateTime {
            year: u16::try_from(d.year()).ok(),
            month: u8::try_from(d.month()).ok(),
            day: u8::try_from(d.day()).ok(),
            ..Default::default()
        };
        push(VCardEntry::new(VCardProperty::Bday).with_value(VCardValue::PartialDateTime(date)));
    }
    if !c.company_number.is_empty() {
        push(text_entry(
            VCardProperty::Other(COMPANY_NUMBER_PROPERTY.to_owned()),
            &c.company_number,
        ));
    }
    card
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> CardContact {
        let mut cards = parse(text).unwrap();
        assert_eq!(cards.len(), 1, "{cards:?}");
        cards.remove(0)
    }

    fn error(text: &str) -> VcardError {
        parse(text).unwrap_err()
    }

    const APPLE_3: &str = "BEGIN:VCARD\r\n\
        VERSION:3.0\r\n\
        PRODID:-//Apple Inc.//macOS 14.0//EN\r\n\
        N:O'Brien;Zoë;;Dr;\r\n\
        FN:Dr Zoë O'Brien\r\n\
        ORG:Acme Holdings Ltd;Legal\r\n\
        item1.EMAIL;type=INTERNET;type=pref:zoe@example.co.uk\r\n\
        item1.X-ABLabel:_$!<Other>!$_\r\n\
        EMAIL;type=INTERNET;type=WORK:zoe@acme.example\r\n\
        TEL;type=CELL;type=VOICE;type=pref:07700 900123\r\n\
        TEL;type=WORK:020 7946 0000\r\n\
        ADR;type=HOME;type=pref:;Flat 2;1 High Street\\nLittle Snoring;Norwich;Norfolk;nr21 0aa;United Kingdom\r\n\
        BDAY:1980-02-29\r\n\
        END:VCARD\r\n";

    #[test]
    fn a_3_0_card_gives_the_first_email_phone_and_address() {
        let c = one(APPLE_3);
        assert_eq!(
            c,
            CardContact {
                kind: "person".into(),
                name: "Dr Zoë O'Brien".into(),
                email: "zoe@example.co.uk".into(),
                phone: "07700 900123".into(),
                address: "Flat 2, 1 High Street, Little Snoring, Norwich, Norfolk, United Kingdom"
                    .into(),
                postcode: "nr21 0aa".into(),
                date_of_birth: "1980-02-29".into(),
                company_number: String::new(),
                line: 1,
            }
        );
        // The same rules as a contact typed in: the postcode is normalised there.
        let v = c
            .as_new_contact()
            .validate(jiff::civil::date(2026, 1, 1))
            .unwrap();
        assert_eq!(v.postcode.as_deref(), Some("NR21 0AA"));
    }

    #[test]
    fn a_4_0_card_with_uris_and_a_basic_date() {
        let c = one("BEGIN:VCARD\n\
            VERSION:4.0\n\
            KIND:individual\n\
            FN:Bob Green\n\
            TEL;VALUE=uri;TYPE=\"voice,cell\":tel:+44-7700-900123\n\
            EMAIL;PREF=1:mailto:bob@example.com\n\
            BDAY:19751231\n\
            END:VCARD\n");
        assert_eq!(c.kind, "person");
        assert_eq!(c.name, "Bob Green");
        assert_eq!(c.phone, "+44-7700-900123");
        assert_eq!(c.email, "bob@example.com");
        assert_eq!(c.date_of_birth, "1975-12-31");
    }

    #[test]
    fn the_name_is_fn_else_n_else_org() {
        let n = one("BEGIN:VCARD\nVERSION:3.0\nN:Doe;Jane;Q;Ms;KC\nEND:VCARD\n");
        assert_eq!(
            (n.kind.as_str(), n.name.as_str()),
            ("person", "Ms Jane Q Doe KC")
        );
        let org = one("BEGIN:VCARD\nVERSION:3.0\nN:;;;;\nORG:Acme\\, Ltd;Sales\nEND:VCARD\n");
        assert_eq!(
            (org.kind.as_str(), org.name.as_str()),
            ("organisation", "Acme, Ltd")
        );
        assert!(
            error("BEGIN:VCARD\nVERSION:3.0\nEMAIL:x@example.com\nEND:VCARD\n")
                .message
                .contains("no name")
        );
    }

    #[test]
    fn organisations_are_recognised_by_kind_apple_show_as_or_org_without_a_person() {
        let cases = [
            ("KIND:org\nFN:Hale LLP\n", "organisation"),
            ("KIND:individual\nFN:Hale LLP\nORG:Hale LLP\n", "person"),
            (
                "FN:Acme Ltd\nN:;;;;\nX-ABShowAs:COMPANY\nORG:Acme Ltd\n",
                "organisation",
            ),
            // Outlook writes the organisation's name as FN too.
            ("FN:Acme Ltd\nORG:Acme Ltd\n", "organisation"),
            ("ORG:Acme Ltd\n", "organisation"),
            // A person who works somewhere is still a person.
            ("FN:Jane Doe\nORG:Acme Ltd\n", "person"),
            ("N:Doe;Jane;;;\nORG:Acme Ltd\n", "person"),
            ("FN:Jane Doe\n", "person"),
        ];
        for (props, kind) in cases {
            let c = one(&format!("BEGIN:VCARD\nVERSION:4.0\n{props}END:VCARD\n"));
            assert_eq!(c.kind, kind, "{props}");
        }
        let c = one(
            "BEGIN:VCARD\nVERSION:4.0\nKIND:org\nFN:Acme Ltd\nX-SATCHEL-COMPANY-NUMBER:SC123456\nEND:VCARD\n",
        );
        assert_eq!(c.company_number, "SC123456");
    }

    #[test]
    fn folded_lines_are_unfolded() {
        let c = one("BEGIN:VCARD\r\n\
            VERSION:4.0\r\n\
            FN:Jane\r\n  Doe\r\n\
            ADR:;;1 High Street\\, Lit\r\n\ttle Snoring;;;NR21 0AA;\r\n\
            EMAIL:jane@exam\r\n ple.com\r\n\
            END:VCARD\r\n");
        assert_eq!(c.name, "Jane Doe");
        assert_eq!(c.address, "1 High Street, Little Snoring");
        assert_eq!(c.email, "jane@example.com");
    }

    #[test]
    fn only_a_full_birthday_is_a_date_of_birth() {
        let bday = |value: &str| {
            one(&format!(
                "BEGIN:VCARD\nVERSION:4.0\nFN:A\nBDAY{value}\nEND:VCARD\n"
            ))
            .date_of_birth
        };
        assert_eq!(bday(":19850412"), "1985-04-12");
        assert_eq!(bday(":19850412T101500Z"), "1985-04-12");
        // vCard 4.0 dates are ISO 8601 basic; calcard reads "1985-04-12" in a 4.0 card as
        // the reduced form "1985-04" (year and month), which is not a date of birth.
        assert_eq!(
            bday(":1985-04-12"),
            "1985-04-12",
            "the extended form is kept"
        );
        let err =
            parse("BEGIN:VCARD\nVERSION:4.0\nFN:A\nBDAY:1985-02-30\nEND:VCARD\n").unwrap_err();
        assert_eq!(err.line, 4, "{err}");
        assert!(err.message.contains("not a real date"), "{err}");
        assert_eq!(bday(":--0412"), "");
        assert_eq!(bday(":1985"), "");
        assert_eq!(bday(";VALUE=text:circa 1800"), "");
        // Apple's "year not known".
        assert_eq!(bday(";X-APPLE-OMIT-YEAR=1604:1604-04-12"), "");
        // vCard 3.0 allows both forms.
        for value in ["1985-04-12", "19850412", "1985-04-12T00:00:00Z"] {
            let old = one(&format!(
                "BEGIN:VCARD\nVERSION:3.0\nFN:A\nBDAY:{value}\nEND:VCARD\n"
            ));
            assert_eq!(old.date_of_birth, "1985-04-12", "{value}");
        }
    }

    #[test]
    fn several_cards_keep_their_lines() {
        let text = format!("\n{APPLE_3}\r\nBEGIN:VCARD\nVERSION:4.0\nFN:B\nEND:VCARD\n");
        let cards = parse(&text).unwrap();
        assert_eq!(cards.iter().map(|c| c.line).collect::<Vec<_>>(), [2, 17]);
    }

    #[test]
    fn malformed_cards_name_the_line() {
        let good = "BEGIN:VCARD\nVERSION:4.0\nFN:A\nEND:VCARD\n";
        let e = error(&format!(
            "{good}BEGIN:VCARD\nVERSION:3.0\nFN:B\nnot a property\nEND:VCARD\n"
        ));
        assert_eq!(e.line, 8, "{e}");
        assert!(e.to_string().starts_with("line 8: "), "{e}");
        assert!(e.message.contains("'not a property'"), "{e}");

        let e = error(&format!("{good}BEGIN:VCARD\nFN:B\n{good}"));
        assert_eq!(e.line, 7, "{e}");
        assert!(e.message.contains("line 5"), "{e}");

        let e = error(&format!("{good}\nBEGIN:VCARD\nFN:B\n"));
        assert_eq!(e.line, 6, "{e}");
        assert!(e.message.contains("no END:VCARD"), "{e}");

        let e = error(&format!("{good}stray text\n"));
        assert_eq!(e.line, 5, "{e}");

        let e = error("BEGIN:VCARD\nFN:A\nEND:VCALENDAR\nFN:B\nEND:VCARD\n");
        assert_eq!(e.line, 3, "{e}");
        let e = error("BEGIN:VCARD\nFN:A\nBEGIN:VCALENDAR\nEND:VCARD\n");
        assert_eq!(e.line, 3, "{e}");
    }

    #[test]
    fn no_cards_is_an_error() {
        for text in ["", "\r\n\n  \n", "\u{feff}"] {
            let e = error(text);
            assert!(e.message.contains("no vCard found"), "{e}");
            assert_eq!(e.line, 1);
        }
        assert!(
            error("BEGIN:VCALENDAR\nEND:VCALENDAR\n")
                .message
                .contains("expected BEGIN:VCARD")
        );
    }

    #[test]
    fn a_byte_order_mark_is_allowed() {
        assert_eq!(one("\u{feff}BEGIN:VCARD\nFN:A\nEND:VCARD").name, "A");
    }

    #[test]
    fn written_cards_are_4_0_with_crlf_and_read_back_the_same() {
        let contacts = vec![
            CardContact {
                kind: "person".into(),
                name: "Zoë O'Brien; Smith, Jones".into(),
                email: "zoe@example.co.uk".into(),
                phone: "+44 (0)20 7946-0000".into(),
                address: "Flat 2, 1 High Street, Little Snoring, Norwich, Norfolk, a long way from \\ anywhere".into(),
                postcode: "NR21 0AA".into(),
                date_of_birth: "1980-02-29".into(),
                company_number: String::new(),
                line: 1,
            },
            CardContact {
                kind: "organisation".into(),
                name: "Acme Holdings Limited".into(),
                company_number: "SC123456".into(),
                ..Default::default()
            },
            CardContact {
                kind: "person".into(),
                name: "Bob".into(),
                ..Default::default()
            },
        ];
        let text = write(&contacts);
        assert!(text.starts_with("BEGIN:VCARD\r\nVERSION:4.0\r\n"), "{text}");
        assert!(
            !text.replace("\r\n", "").contains('\n'),
            "bare LF in {text}"
        );
        assert!(text.lines().all(|l| l.len() <= 76), "unfolded: {text}");
        assert!(
            text.contains("X-SATCHEL-COMPANY-NUMBER:SC123456\r\n"),
            "{text}"
        );
        assert!(text.contains("BDAY:19800229\r\n"), "{text}");
        let mut back = parse(&text).unwrap();
        let lines: Vec<usize> = back.iter().map(|c| c.line).collect();
        assert_eq!(lines[0], 1);
        for (b, c) in back.iter_mut().zip(&contacts) {
            b.line = c.line;
        }
        let mut expected = contacts.clone();
        expected[1].line = 0;
        expected[2].line = 0;
        assert_eq!(back, expected);
        // And once more: writing what was read gives the same text.
        assert_eq!(write(&back), text);
    }
}
