//! Printable PDF documents for Satchel: client invoices and credit notes ([`invoice`]), and
//! plain reports of headed sections with paragraphs and tables ([`report`]) for the
//! accountant's report, the bill register, audit logs and subject access exports.
//!
//! The crate takes plain data (amounts as pence, dates and names as strings) and depends on
//! nothing of Satchel's. Pages are A4 with 20 mm side margins; long tables break across pages
//! with their header repeated, long cell text wraps within its column, and every page's
//! footer says "Page N of M". Text is real text in an embedded, subset TrueType font (DejaVu
//! Sans and DejaVu Sans Bold, vendored in `fonts/` with their licence), so £ signs and names
//! such as Zoë, Łukasz or Müßig print correctly and can be selected, searched and copied.
//!
//! # Why krilla
//!
//! Three libraries were weighed:
//!
//! - **krilla** (chosen): the PDF writer under typst, actively maintained. It embeds and
//!   subsets OpenType/TrueType fonts itself (CID fonts with a `ToUnicode` map, so text
//!   extracts), forbids unsafe code, and is pure Rust with no system libraries or build
//!   scripts, so the workspace still builds offline from the registry cache. It does no page
//!   layout, which is the small part this crate does: shaping through rustybuzz (the shaper
//!   krilla itself uses, so nothing new is compiled), greedy line wrapping, tables and page
//!   breaks. Version 0.7 is used as the newest release whose minimum Rust version (1.89)
//!   fits the workspace's 1.90. Cost: about 55 crates, some three minutes of a cold build on
//!   two cores (two versions of the skrifa font reader among them, until krilla 0.8 can be
//!   taken with a newer minimum Rust), nothing on incremental builds.
//! - **printpdf**: maintained, but its API was rewritten in 0.8 and has moved on every
//!   minor release since (0.12 now); its text layout comes with the azul HTML/CSS engine
//!   and font-config stack, a far larger build for what two documents need.
//! - **genpdf**: has the layout we want (paragraphs, tables, page decorators), but its
//!   last release (0.2.0) is from 2021 on printpdf 0.3 and rusttype, both superseded; not a
//!   base to build on for years.
//!
//! # Example
//!
//! ```
//! use satchel_pdf::{report, Align, Column, Report, Section, Table};
//!
//! let pdf = report(&Report {
//!     title: "Bill register".into(),
//!     subtitle: vec!["1 April 2024 to 31 March 2025".into()],
//!     sections: vec![Section {
//!         heading: "Bills delivered".into(),
//!         paragraphs: vec![],
//!         table: Some(Table {
//!             columns: vec![
//!                 Column { header: "Bill".into(), align: Align::Left, weight: 1 },
//!                 Column { header: "Total".into(), align: Align::Right, weight: 1 },
//!             ],
//!             rows: vec![vec!["B000123".into(), satchel_pdf::format_pence(123_456)]],
//!             footer: None,
//!         }),
//!     }],
//! })?;
//! assert!(pdf.starts_with(b"%PDF-"));
//! # Ok::<(), satchel_pdf::PdfError>(())
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod layout;
mod text;

use layout::{
    Doc, Footer, INK, LEADING, LEFT, MUTED, RIGHT, Style, TOP, WIDTH, baseline, lines_height,
};
use text::Weight;

/// Why a document could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    /// One of the fonts built into this crate could not be read (a broken build).
    #[error("the built-in font {0} could not be read")]
    Font(&'static str),
    /// A table's shape does not add up: a row with the wrong number of cells, a column
    /// without width, no columns at all.
    #[error("the table in {context}: {problem}")]
    Table {
        /// Where the table is: the section heading, or the invoice.
        context: String,
        /// What is wrong with it.
        problem: String,
    },
    /// A page geometry that PDF cannot express (a bug in this crate).
    #[error("laying out the PDF failed: {0} is invalid")]
    Layout(&'static str),
    /// The PDF writer refused the document.
    #[error("writing the PDF failed: {0}")]
    Write(String),
}

/// An invoice or a credit note.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Invoice {
    /// The firm's name, at the head of the invoice and in the footer.
    pub firm_name: String,
    /// The firm's address, one line each.
    pub firm_address: Vec<String>,
    /// The firm's VAT registration number, if it has one.
    pub vat_number: Option<String>,
    /// The firm's SRA number, printed in the footer's regulatory statement.
    pub sra_number: Option<String>,
    /// "Invoice" or "Credit note".
    pub title: String,
    /// The bill number, e.g. "B000123".
    pub number: String,
    /// The date of the bill, as it should print.
    pub date: String,
    /// Who the bill is addressed to.
    pub client_name: String,
    /// The client's address, one line each.
    pub client_address: Vec<String>,
    /// The matter, e.g. "M00042 — Purchase of 12 Acacia Avenue".
    pub matter: String,
    /// The charges and disbursements billed.
    pub lines: Vec<InvoiceLine>,
    /// The totals block, in order; the last one (the total due) is drawn bold.
    pub totals: Vec<(String, i64)>,
    /// Notes under the totals: payment terms, bank details. `\n` breaks a line.
    pub notes: Vec<String>,
}

/// One line of an invoice.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InvoiceLine {
    /// The date of the work or the payment, as it should print.
    pub date: String,
    /// What was done or paid for; long text wraps.
    pub description: String,
    /// The amount before VAT, in pence.
    pub net_pence: i64,
    /// The VAT on it, in pence.
    pub vat_pence: i64,
}

/// A report: a title, subtitle lines, and sections.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// The report's title, at the head of the first page and in every page's footer.
    pub title: String,
    /// Lines under the title: the firm, the period, when it was made.
    pub subtitle: Vec<String>,
    /// The body.
    pub sections: Vec<Section>,
}

/// A headed section of a report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Section {
    /// The section's heading (left out when empty).
    pub heading: String,
    /// Paragraphs of text before the table; `\n` breaks a line.
    pub paragraphs: Vec<String>,
    /// A table after the paragraphs.
    pub table: Option<Table>,
}

/// A table: it breaks across pages with its header repeated, and cell text wraps within
/// its column.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Table {
    /// The columns; each row has one cell per column.
    pub columns: Vec<Column>,
    /// The rows of cells, already formatted (see [`format_pence`]).
    pub rows: Vec<Vec<String>>,
    /// A totals row, drawn bold under a rule.
    pub footer: Option<Vec<String>>,
}

/// A table column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// The header text.
    pub header: String,
    /// How the column's text is aligned: amounts to the right.
    pub align: Align,
    /// The column's share of the table's width, relative to the others (not 0).
    pub weight: u16,
}

/// Horizontal alignment in a column.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Align {
    /// Text starts at the column's left edge.
    #[default]
    Left,
    /// Text ends at the column's right edge (amounts).
    Right,
}

/// Formats pence as pounds with thousands separators: `123456` is "£1,234.56", `-1200` is
/// "-£12.00".
pub fn format_pence(pence: i64) -> String {
    let sign = if pence < 0 { "-" } else { "" };
    let abs = pence.unsigned_abs();
    let pounds = (abs / 100).to_string();
    let mut grouped = String::with_capacity(pounds.len() + pounds.len() / 3);
    for (i, digit) in pounds.chars().enumerate() {
        if i > 0 && (pounds.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    format!("{sign}£{grouped}.{:02}", abs % 100)
}

const TITLE: Style = Style::new(17.0, Weight::Bold, INK);
const FIRM: Style = Style::new(15.0, Weight::Bold, INK);
const HEADING: Style = Style::new(11.5, Weight::Bold, INK);
const BODY: Style = Style::new(9.5, Weight::Regular, INK);
const BODY_BOLD: Style = Style::new(9.5, Weight::Bold, INK);
const SMALL: Style = Style::new(8.5, Weight::Regular, MUTED);
const LABEL: Style = Style::new(7.5, Weight::Bold, MUTED);

/// Draws lines of text at `x` from `top`, each at `style`, and returns the bottom.
fn lines_at(doc: &mut Doc, x: f32, top: f32, style: Style, lines: &[String]) -> f32 {
    let mut y = top;
    for line in lines {
        doc.text(x, baseline(y, style.size), style, line);
        y += lines_height(1, style.size);
    }
    y
}

/// Makes an invoice or credit note as a PDF.
pub fn invoice(inv: &Invoice) -> Result<Vec<u8>, PdfError> {
    let (doc, title, footer) = lay_out_invoice(inv)?;
    doc.finish(&title, &footer)
}

fn lay_out_invoice(inv: &Invoice) -> Result<(Doc, String, Footer), PdfError> {
    let mut doc = Doc::new()?;

    // Letterhead: the firm on the left; the title, number and date on the right.
    let right_w = 190.0;
    let right_x = RIGHT - right_w;
    let mut left_y = TOP;
    for line in doc.wrap(&inv.firm_name, FIRM, right_x - LEFT - 20.0) {
        doc.text(LEFT, baseline(left_y, FIRM.size), FIRM, &line);
        left_y += lines_height(1, FIRM.size);
    }
    left_y += 3.0;
    let address: Vec<String> = inv
        .firm_address
        .iter()
        .flat_map(|l| doc.wrap(l, SMALL, right_x - LEFT - 20.0))
        .collect();
    left_y = lines_at(&mut doc, LEFT, left_y, SMALL, &address);

    let mut right_y = TOP;
    doc.text_right(RIGHT, baseline(right_y, TITLE.size), TITLE, &inv.title);
    right_y += lines_height(1, TITLE.size) + 4.0;
    let number_label = format!("{} no.", inv.title);
    let mut meta: Vec<(&str, &str)> = vec![(&number_label, &inv.number), ("Date", &inv.date)];
    if let Some(vat) = &inv.vat_number {
        meta.push(("VAT reg. no.", vat));
    }
    for (label, value) in meta {
        let y = baseline(right_y, BODY.size);
        doc.text(right_x, y, SMALL, label);
        doc.text_right(RIGHT, y, BODY_BOLD, value);
        right_y += lines_height(1, BODY.size) + 1.0;
    }

    doc.y = left_y.max(right_y) + 12.0;
    doc.rule(LEFT, RIGHT, doc.y, 0.8, INK);
    doc.y += 14.0;

    // The client on the left, the matter on the right.
    let top = doc.y;
    doc.text(LEFT, baseline(top, LABEL.size), LABEL, "CLIENT");
    let mut left_y = top + lines_height(1, LABEL.size) + 2.0;
    let client_w = right_x - LEFT - 20.0;
    let name = doc.wrap(&inv.client_name, BODY_BOLD, client_w);
    left_y = lines_at(&mut doc, LEFT, left_y, BODY_BOLD, &name);
    let client_address: Vec<String> = inv
        .client_address
        .iter()
        .flat_map(|l| doc.wrap(l, BODY, client_w))
        .collect();
    left_y = lines_at(&mut doc, LEFT, left_y, BODY, &client_address);

    doc.text(right_x, baseline(top, LABEL.size), LABEL, "MATTER");
    let right_y = top + lines_height(1, LABEL.size) + 2.0;
    let matter = doc.wrap(&inv.matter, BODY, right_w);
    let right_y = lines_at(&mut doc, right_x, right_y, BODY, &matter);
    doc.y = left_y.max(right_y) + 18.0;

    // The lines.
    let table = Table {
        columns: vec![
            Column {
                header: "Date".to_owned(),
                align: Align::Left,
                weight: 15,
            },
            Column {
                header: "Description".to_owned(),
                align: Align::Left,
                weight: 55,
            },
            Column {
                header: "Net".to_owned(),
                align: Align::Right,
                weight: 15,
            },
            Column {
                header: "VAT".to_owned(),
                align: Align::Right,
                weight: 15,
            },
        ],
        rows: inv
            .lines
            .iter()
            .map(|l| {
                vec![
                    l.date.clone(),
                    l.description.clone(),
                    format_pence(l.net_pence),
                    format_pence(l.vat_pence),
                ]
            })
            .collect(),
        footer: None,
    };
    doc.table(&table, "the invoice")?;

    // Totals, kept together, aligned to the amounts' right edge.
    if !inv.totals.is_empty() {
        doc.y += 10.0;
        let label_x = RIGHT - 250.0;
        let label_w = 160.0;
        let amount_right = RIGHT - 4.0;
        let mut rows = Vec::new();
        let mut height = 0.0;
        for (i, (label, pence)) in inv.totals.iter().enumerate() {
            let last = i + 1 == inv.totals.len();
            let style = if last { BODY_BOLD } else { BODY };
            let lines = doc.wrap(label, style, label_w);
            let h = lines_height(lines.len(), style.size) + if last { 10.0 } else { 2.0 };
            height += h;
            rows.push((lines, format_pence(*pence), style, last, h));
        }
        doc.ensure(height);
        for (lines, amount, style, last, h) in rows {
            let mut top = doc.y;
            if last {
                doc.rule(label_x, RIGHT, top + 2.0, 0.8, INK);
                top += 6.0;
            }
            lines_at(&mut doc, label_x + 4.0, top, style, &lines);
            doc.text_right(amount_right, baseline(top, style.size), style, &amount);
            doc.y += h;
            if last {
                doc.rule(label_x, RIGHT, doc.y, 0.8, INK);
                doc.rule(label_x, RIGHT, doc.y + 2.0, 0.8, INK);
            }
        }
    }

    // Notes: payment terms, bank details.
    if !inv.notes.is_empty() {
        doc.y += 22.0;
        doc.ensure(lines_height(3, BODY.size));
        let note = Style::new(8.5, Weight::Regular, INK);
        for text in &inv.notes {
            doc.paragraph(LEFT, WIDTH, note, text);
            doc.y += 4.0;
        }
    }

    let mut footer = Footer {
        lines: vec![format!("{} · {} {}", inv.firm_name, inv.title, inv.number)],
    };
    if let Some(sra) = &inv.sra_number {
        footer.lines.push(format!(
            "Authorised and regulated by the Solicitors Regulation Authority, SRA number {sra}."
        ));
    }
    let title = format!("{} {}", inv.title, inv.number);
    Ok((doc, title, footer))
}

/// Makes a report as a PDF.
pub fn report(r: &Report) -> Result<Vec<u8>, PdfError> {
    let (doc, footer) = lay_out_report(r)?;
    doc.finish(&r.title, &footer)
}

fn lay_out_report(r: &Report) -> Result<(Doc, Footer), PdfError> {
    let mut doc = Doc::new()?;
    doc.paragraph(LEFT, WIDTH, TITLE, &r.title);
    doc.y += 2.0;
    let subtitle = Style::new(9.5, Weight::Regular, MUTED);
    for line in &r.subtitle {
        doc.paragraph(LEFT, WIDTH, subtitle, line);
    }
    doc.y += 8.0;
    doc.rule(LEFT, RIGHT, doc.y, 0.8, INK);
    doc.y += 8.0;

    for section in &r.sections {
        doc.y += 10.0;
        if !section.heading.is_empty() {
            // Keep the heading with the start of what follows it.
            let after = if section.table.is_some() { 4.0 } else { 2.0 };
            doc.ensure(lines_height(1, HEADING.size) + after * lines_height(1, BODY.size));
            doc.paragraph(LEFT, WIDTH, HEADING, &section.heading);
            doc.y += 3.0;
        }
        for text in &section.paragraphs {
            doc.paragraph(LEFT, WIDTH, BODY, text);
            doc.y += BODY.size * (LEADING - 1.0) * 2.0;
        }
        if let Some(table) = &section.table {
            doc.y += 2.0;
            let context = if section.heading.is_empty() {
                "an untitled section".to_owned()
            } else {
                format!("section {:?}", section.heading)
            };
            doc.table(table, &context)?;
        }
    }

    let footer = Footer {
        lines: vec![r.title.clone()],
    };
    Ok((doc, footer))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(header: &str, align: Align, weight: u16) -> Column {
        Column {
            header: header.into(),
            align,
            weight,
        }
    }

    fn long_text(words: usize) -> String {
        (0..words)
            .map(|i| format!("word{i}"))
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn reports_stay_inside_the_page_body() {
        let columns = vec![
            col("Date", Align::Left, 3),
            col("A very long column header that wraps", Align::Left, 4),
            col("Notes", Align::Left, 10),
            col("Net", Align::Right, 3),
            col("VAT", Align::Right, 2),
            col("Gross total including VAT", Align::Right, 3),
        ];
        let rows: Vec<Vec<String>> = (0..300)
            .map(|i| {
                let notes = match i % 50 {
                    0 => long_text(900), // longer than a page
                    n if n % 7 == 0 => long_text(60),
                    _ => "Posted".to_owned(),
                };
                vec![
                    "01/05/2025".into(),
                    "Zoë Łukasiewicz".into(),
                    notes,
                    format_pence(123_456_789_012),
                    format_pence(-9_999_999),
                    format_pence(123_466_789_011),
                ]
            })
            .collect();
        let r = Report {
            title: long_text(40),
            subtitle: vec![long_text(30), "May 2025".into()],
            sections: vec![
                Section {
                    heading: long_text(25),
                    paragraphs: vec![long_text(400), "\n\nBreaks\nkept".into()],
                    table: None,
                },
                Section {
                    heading: "Entries".into(),
                    paragraphs: vec![],
                    table: Some(Table {
                        columns,
                        rows,
                        footer: Some(vec![
                            "Total".into(),
                            String::new(),
                            "300 entries".into(),
                            format_pence(i64::MAX),
                            format_pence(i64::MIN),
                            format_pence(i64::MAX),
                        ]),
                    }),
                },
                Section {
                    heading: String::new(),
                    paragraphs: vec![],
                    table: Some(Table {
                        columns: vec![col("Only", Align::Left, 1)],
                        rows: vec![],
                        footer: None,
                    }),
                },
            ],
        };
        let (doc, _) = lay_out_report(&r).unwrap();
        assert!(doc.page_count() > 10, "{} pages", doc.page_count());
        assert_eq!(doc.out_of_bounds(), None);
    }

    #[test]
    fn invoices_stay_inside_the_page_body() {
        let inv = Invoice {
            firm_name: long_text(12),
            firm_address: vec![long_text(30), "Exeter".into()],
            vat_number: Some("GB 123 4567 89".into()),
            sra_number: Some("612345".into()),
            title: "Credit note".into(),
            number: "C000001".into(),
            date: "1 January 2025".into(),
            client_name: long_text(15),
            client_address: vec![long_text(20)],
            matter: long_text(30),
            lines: (0..80)
                .map(|i| InvoiceLine {
                    date: "01/01/2025".into(),
                    description: if i % 9 == 0 {
                        long_text(80)
                    } else {
                        "Letter".into()
                    },
                    net_pence: -123_456_789_012,
                    vat_pence: -24_691_357_802,
                })
                .collect(),
            totals: vec![
                (long_text(12), -123_456_789_012),
                ("Total credited".into(), i64::MIN),
            ],
            notes: vec![long_text(200); 3],
        };
        let (doc, _, _) = lay_out_invoice(&inv).unwrap();
        assert!(doc.page_count() > 2);
        assert_eq!(doc.out_of_bounds(), None);
    }

    #[test]
    fn pence_format_as_pounds() {
        assert_eq!(format_pence(0), "£0.00");
        assert_eq!(format_pence(5), "£0.05");
        assert_eq!(format_pence(100), "£1.00");
        assert_eq!(format_pence(99_999), "£999.99");
        assert_eq!(format_pence(123_456), "£1,234.56");
        assert_eq!(format_pence(100_000_000), "£1,000,000.00");
        assert_eq!(format_pence(-1200), "-£12.00");
        assert_eq!(format_pence(-123_456_789), "-£1,234,567.89");
        assert_eq!(format_pence(i64::MIN), "-£92,233,720,368,547,758.08");
    }

    #[test]
    fn errors_say_what_is_wrong() {
        let table = Table {
            columns: vec![Column {
                header: "A".into(),
                align: Align::Left,
                weight: 1,
            }],
            rows: vec![vec!["1".into()], vec!["2".into(), "3".into()]],
            footer: None,
        };
        let r = Report {
            title: "T".into(),
            subtitle: vec![],
            sections: vec![Section {
                heading: "Audit log".into(),
                paragraphs: vec![],
                table: Some(table),
            }],
        };
        let err = report(&r).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the table in section \"Audit log\": row 2 has 2 cells but the table has 1 column"
        );
    }
}
