//! The PDFs are read back with lopdf: they parse, and their text (through the embedded fonts'
//! ToUnicode maps) is what was given, on the pages it should be on.

#![allow(clippy::expect_used)] // a PDF that does not parse should fail the test that made it

use lopdf::Document;
use satchel_pdf::{
    Align, Column, Invoice, InvoiceLine, PdfError, Report, Section, Table, format_pence, invoice,
    report,
};

/// Each page's text, with every run of whitespace made one space (wrapped lines join up).
fn pages_text(pdf: &[u8]) -> Vec<String> {
    assert!(pdf.starts_with(b"%PDF-"), "not a PDF");
    let doc = Document::load_mem(pdf).expect("the PDF parses");
    doc.get_pages()
        .keys()
        .map(|n| {
            let text = doc.extract_text(&[*n]).expect("text extracts");
            text.split_whitespace().collect::<Vec<_>>().join(" ")
        })
        .collect()
}

fn sample_invoice() -> Invoice {
    Invoice {
        firm_name: "Hartley Wrenn Solicitors LLP".into(),
        firm_address: vec!["3 Cathedral Yard".into(), "Exeter EX1 1HB".into()],
        vat_number: Some("GB 123 4567 89".into()),
        sra_number: Some("612345".into()),
        title: "Invoice".into(),
        number: "B000123".into(),
        date: "14 May 2025".into(),
        client_name: "Mrs Zoë Łukasiewicz-Müßig".into(),
        client_address: vec!["12 Acacia Avenue".into(), "Exeter EX3 0AA".into()],
        matter: "M00042 — Purchase of 12 Acacia Avenue".into(),
        lines: vec![
            InvoiceLine {
                date: "02/04/2025".into(),
                description: "Professional charges for acting on the purchase: taking \
                              instructions, investigating title, raising pre-contract \
                              enquiries and reporting to you on the title and searches"
                    .into(),
                net_pence: 45_000,
                vat_pence: 9_000,
            },
            InvoiceLine {
                date: "03/04/2025".into(),
                description: "Local authority search fee".into(),
                net_pence: 19_850,
                vat_pence: 3_970,
            },
            InvoiceLine {
                date: "28/04/2025".into(),
                description: "Stamp Duty Land Tax paid to HMRC (no VAT)".into(),
                net_pence: 1_234_500,
                vat_pence: 0,
            },
        ],
        totals: vec![
            ("Professional charges".into(), 64_850),
            ("VAT at 20%".into(), 12_970),
            ("Disbursements (no VAT)".into(), 1_234_500),
            ("Total due".into(), 1_312_320),
        ],
        notes: vec![
            "Payment is due within 14 days.".into(),
            "Sort code 12-34-56\nAccount 12345678".into(),
        ],
    }
}

#[test]
fn invoice_text_reads_back() {
    let inv = sample_invoice();
    let pages = pages_text(&invoice(&inv).unwrap());
    assert_eq!(pages.len(), 1);
    let text = &pages[0];
    for expected in [
        "Invoice",
        "B000123",
        "14 May 2025",
        "Mrs Zoë Łukasiewicz-Müßig",
        "M00042 — Purchase of 12 Acacia Avenue",
        "GB 123 4567 89",
        "SRA number 612345",
        "£450.00",
        "£90.00",
        "£198.50",
        "£12,345.00",
        "£648.50",
        "£129.70",
        "£12,345.00",
        "Total due £13,123.20",
        "Sort code 12-34-56 Account 12345678",
        "Page 1 of 1",
    ] {
        assert!(text.contains(expected), "{expected:?} missing from {text}");
    }
    for line in &inv.lines {
        let description = line
            .description
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        assert!(
            text.contains(&description),
            "{description:?} missing from {text}"
        );
    }
}

#[test]
fn credit_note_shows_negative_amounts() {
    let mut inv = sample_invoice();
    inv.title = "Credit note".into();
    inv.number = "C000007".into();
    inv.lines.truncate(1);
    inv.lines[0].net_pence = -45_000;
    inv.lines[0].vat_pence = -9_000;
    inv.totals = vec![("Total credited".into(), -54_000)];
    let text = &pages_text(&invoice(&inv).unwrap())[0];
    for expected in [
        "Credit note",
        "Credit note no. C000007",
        "-£450.00",
        "-£90.00",
    ] {
        assert!(text.contains(expected), "{expected:?} missing from {text}");
    }
    assert!(text.contains("Total credited -£540.00"), "{text}");
}

#[test]
fn long_invoice_breaks_pages_and_keeps_every_line() {
    let mut inv = sample_invoice();
    inv.lines = (1..=90)
        .map(|i| InvoiceLine {
            date: "01/05/2025".into(),
            description: format!("Letter number {i} to the other side"),
            net_pence: 2_400,
            vat_pence: 480,
        })
        .collect();
    let pages = pages_text(&invoice(&inv).unwrap());
    assert!(pages.len() >= 2, "{} pages", pages.len());
    let n = pages.len();
    for (i, page) in pages.iter().enumerate() {
        assert!(
            page.contains("Date Description Net VAT"),
            "no header on page {}",
            i + 1
        );
        assert!(
            page.contains(&format!("Page {} of {n}", i + 1)),
            "page {}",
            i + 1
        );
    }
    let all = pages.join(" ");
    for i in 1..=90 {
        assert!(all.contains(&format!("Letter number {i} to the other side £24.00 £4.80")));
    }
    // The totals come after the last line.
    let last = all.rfind("Letter number 90").unwrap();
    assert!(all[last..].contains("Total due £13,123.20"));
}

fn columns() -> Vec<Column> {
    vec![
        Column {
            header: "Date".into(),
            align: Align::Left,
            weight: 12,
        },
        Column {
            header: "Who".into(),
            align: Align::Left,
            weight: 18,
        },
        Column {
            header: "Event".into(),
            align: Align::Left,
            weight: 50,
        },
        Column {
            header: "Amount".into(),
            align: Align::Right,
            weight: 20,
        },
    ]
}

fn big_report(rows: usize) -> Report {
    Report {
        title: "Audit log".into(),
        subtitle: vec!["Hartley Wrenn Solicitors LLP".into(), "May 2025".into()],
        sections: vec![
            Section {
                heading: "About this log".into(),
                paragraphs: vec!["Every change to the firm's records, oldest first.".into()],
                table: None,
            },
            Section {
                heading: "Entries".into(),
                paragraphs: vec![],
                table: Some(Table {
                    columns: columns(),
                    rows: (0..rows)
                        .map(|i| {
                            let event = if i % 10 == 0 {
                                format!(
                                    "Entry {i}: a long event text that has to wrap within its \
                                     column, recording the posting of a payment to Mr Łukasz \
                                     Wróbel from client account on his matter"
                                )
                            } else {
                                format!("Entry {i}: matter opened")
                            };
                            vec![
                                "01/05/2025".into(),
                                "Zoë Brontë".into(),
                                event,
                                format_pence(i as i64 * 1_001),
                            ]
                        })
                        .collect(),
                    footer: Some(vec![
                        "Total".into(),
                        String::new(),
                        format!("{rows} entries"),
                        format_pence((0..rows as i64).map(|i| i * 1_001).sum()),
                    ]),
                }),
            },
        ],
    }
}

#[test]
fn a_300_row_report_breaks_pages_with_header_and_page_numbers() {
    let pdf = report(&big_report(300)).unwrap();
    let pages = pages_text(&pdf);
    let n = pages.len();
    assert!(n > 1, "{n} pages");
    for (i, page) in pages.iter().enumerate() {
        assert!(
            page.contains("Date Who Event Amount"),
            "no header on page {}",
            i + 1
        );
        assert!(
            page.contains(&format!("Page {} of {n}", i + 1)),
            "page {}",
            i + 1
        );
        assert!(
            page.contains("Audit log"),
            "no title in the footer of page {}",
            i + 1
        );
    }
    // Every row once, in order, and the totals row on the last page.
    let all = pages.join(" ");
    let mut at = 0;
    for i in 0..300 {
        let entry = format!("Entry {i}:");
        let found = all[at..]
            .find(&entry)
            .unwrap_or_else(|| panic!("{entry} missing"));
        at += found + entry.len();
    }
    assert_eq!(all.matches("Entry 10: a long event text").count(), 1);
    assert!(all.contains(
        "Entry 290: a long event text that has to wrap within its column, recording the \
         posting of a payment to Mr Łukasz Wróbel from client account on his matter"
    ));
    assert!(
        pages[n - 1].contains("Total 300 entries £448,948.50"),
        "{}",
        pages[n - 1]
    );
}

#[test]
fn a_cell_longer_than_a_page_is_split_across_pages_without_losing_words() {
    let words: Vec<String> = (0..2500).map(|i| format!("w{i}")).collect();
    let r = Report {
        title: "Subject access export".into(),
        subtitle: vec![],
        sections: vec![Section {
            heading: "Notes".into(),
            paragraphs: vec![],
            table: Some(Table {
                columns: columns(),
                rows: vec![vec![
                    "01/05/2025".into(),
                    "Zoë".into(),
                    words.join(" "),
                    "£0.00".into(),
                ]],
                footer: None,
            }),
        }],
    };
    let pages = pages_text(&report(&r).unwrap());
    assert!(pages.len() > 1);
    for page in &pages {
        assert!(page.contains("Date Who Event Amount"));
    }
    let found: Vec<&str> = pages
        .iter()
        .flat_map(|p| p.split(' '))
        .filter(|w| w.starts_with('w') && w[1..].parse::<u32>().is_ok())
        .collect();
    assert_eq!(found, words.iter().map(String::as_str).collect::<Vec<_>>());
}

#[test]
fn fonts_are_embedded_and_output_is_stable() {
    let pdf = invoice(&sample_invoice()).unwrap();
    let doc = Document::load_mem(&pdf).unwrap();
    let font_files = doc
        .objects
        .values()
        .filter_map(|o| o.as_dict().ok())
        .filter(|d| d.has(b"FontFile2"))
        .count();
    assert_eq!(font_files, 2, "regular and bold, each embedded once");
    assert_eq!(
        pdf,
        invoice(&sample_invoice()).unwrap(),
        "same input, same bytes"
    );
}

#[test]
fn empty_documents_still_make_a_page() {
    let pages = pages_text(&report(&Report::default()).unwrap());
    assert_eq!(pages, vec!["Page 1 of 1"]);
    let mut inv = sample_invoice();
    inv.lines.clear();
    inv.totals.clear();
    inv.notes.clear();
    let pages = pages_text(&invoice(&inv).unwrap());
    assert!(pages[0].contains("No entries."), "{}", pages[0]);
}

#[test]
fn a_badly_shaped_table_is_refused_with_a_clear_message() {
    let mut r = big_report(3);
    r.sections[1].table.as_mut().unwrap().columns[2].weight = 0;
    let err = report(&r).unwrap_err();
    assert!(matches!(err, PdfError::Table { .. }));
    assert_eq!(
        err.to_string(),
        "the table in section \"Entries\": column 3 (\"Event\") has weight 0; every column \
         needs a width"
    );
    let mut r = big_report(3);
    r.sections[1].table.as_mut().unwrap().footer = Some(vec!["Total".into()]);
    assert_eq!(
        report(&r).unwrap_err().to_string(),
        "the table in section \"Entries\": the footer has 1 cell but the table has 4 columns"
    );
    let mut r = big_report(3);
    r.sections[1].table.as_mut().unwrap().columns.clear();
    let err: Box<dyn std::error::Error> = Box::new(report(&r).unwrap_err());
    assert_eq!(
        err.to_string(),
        "the table in section \"Entries\": it has no columns"
    );
}
