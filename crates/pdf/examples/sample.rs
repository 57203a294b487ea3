//! Writes a sample invoice, credit note and report to a folder, to look at by eye:
//!
//! ```sh
//! cargo run -p satchel-pdf --example sample -- /tmp/pdf-samples
//! ```

use std::path::PathBuf;

use satchel_pdf::{
    Align, Column, Invoice, InvoiceLine, Report, Section, Table, format_pence, invoice, report,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let Some(dir) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: sample <folder to write sample PDFs to>");
        std::process::exit(2);
    };
    std::fs::create_dir_all(&dir)?;

    let inv = sample_invoice();
    std::fs::write(dir.join("invoice.pdf"), invoice(&inv)?)?;

    let mut credit = sample_invoice();
    "Credit note".clone_into(&mut credit.title);
    "C000007".clone_into(&mut credit.number);
    credit.lines.truncate(1);
    for line in &mut credit.lines {
        line.net_pence = -line.net_pence;
        line.vat_pence = -line.vat_pence;
    }
    credit.totals = vec![
        ("Professional charges".into(), -45_000),
        ("VAT at 20%".into(), -9_000),
        ("Total credited".into(), -54_000),
    ];
    credit.notes = vec!["This credit note reduces bill B000123.".into()];
    std::fs::write(dir.join("credit-note.pdf"), invoice(&credit)?)?;

    let mut long = sample_invoice();
    for i in 0..40 {
        long.lines.push(InvoiceLine {
            date: format!("{:02}/04/2025", i % 28 + 1),
            description: format!("Routine letter {} to the other side's solicitors", i + 1),
            net_pence: 2_400,
            vat_pence: 480,
        });
    }
    std::fs::write(dir.join("invoice-long.pdf"), invoice(&long)?)?;

    std::fs::write(dir.join("report.pdf"), report(&sample_report())?)?;
    eprintln!("wrote sample PDFs to {}", dir.display());
    Ok(())
}

fn sample_invoice() -> Invoice {
    Invoice {
        firm_name: "Hartley Wrenn Solicitors LLP".into(),
        firm_address: vec![
            "3 Cathedral Yard".into(),
            "Exeter EX1 1HB".into(),
            "01392 000 000 · accounts@hartleywrenn.example".into(),
        ],
        vat_number: Some("GB 123 4567 89".into()),
        sra_number: Some("612345".into()),
        title: "Invoice".into(),
        number: "B000123".into(),
        date: "14 May 2025".into(),
        client_name: "Mrs Zoë Łukasiewicz-Müßig".into(),
        client_address: vec![
            "Flat 2, 17 Rue de l'Église House".into(),
            "12 Acacia Avenue".into(),
            "Topsham".into(),
            "Exeter EX3 0AA".into(),
        ],
        matter: "M00042 — Purchase of 12 Acacia Avenue, Topsham, Exeter EX3 0AA".into(),
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
                date: "03/04/2025".into(),
                description: "Land Registry fee (no VAT)".into(),
                net_pence: 15_000,
                vat_pence: 0,
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
            ("Disbursements (no VAT)".into(), 1_249_500),
            ("Total due".into(), 1_327_320),
        ],
        notes: vec![
            "Payment is due within 14 days of the date of this invoice.".into(),
            "Please pay by bank transfer to Hartley Wrenn Solicitors LLP, office account\n\
             Sort code 12-34-56 · Account 12345678 · Reference B000123\n\
             We will never change our bank details by email. Telephone us on a number you \
             know before sending money."
                .into(),
        ],
    }
}

fn sample_report() -> Report {
    let columns = vec![
        Column {
            header: "Date".into(),
            align: Align::Left,
            weight: 12,
        },
        Column {
            header: "Bill".into(),
            align: Align::Left,
            weight: 10,
        },
        Column {
            header: "Client and matter".into(),
            align: Align::Left,
            weight: 40,
        },
        Column {
            header: "Net".into(),
            align: Align::Right,
            weight: 13,
        },
        Column {
            header: "VAT".into(),
            align: Align::Right,
            weight: 12,
        },
        Column {
            header: "Total".into(),
            align: Align::Right,
            weight: 13,
        },
    ];
    let names = [
        "Zoë Brontë",
        "Łukasz Wróbel",
        "Heinz Müßig",
        "Aoife Ní Bhraonáin",
    ];
    let mut rows = Vec::new();
    let (mut net_sum, mut vat_sum) = (0, 0);
    for i in 0..120_i64 {
        let net = 10_000 + i * 1_337;
        let vat = net / 5;
        net_sum += net;
        vat_sum += vat;
        let matter = if i % 7 == 0 {
            format!(
                "{} — M{:05} — Administration of the estate of the late {} including the sale \
                 of the property and distribution to the residuary beneficiaries",
                names[(i % 4) as usize],
                i + 40,
                names[((i + 1) % 4) as usize]
            )
        } else {
            format!("{} — M{:05} — Purchase", names[(i % 4) as usize], i + 40)
        };
        rows.push(vec![
            format!("{:02}/05/2025", i % 28 + 1),
            format!("B{:06}", i + 100),
            matter,
            format_pence(net),
            format_pence(vat),
            format_pence(net + vat),
        ]);
    }
    Report {
        title: "Bill register".into(),
        subtitle: vec![
            "Hartley Wrenn Solicitors LLP".into(),
            "Bills delivered 1 May 2025 to 31 May 2025 · made 1 June 2025 at 09:14".into(),
        ],
        sections: vec![
            Section {
                heading: "Summary".into(),
                paragraphs: vec![
                    "Every bill delivered in the period, in number order. Amounts are in \
                     pounds sterling; credit notes show as negative amounts."
                        .into(),
                ],
                table: None,
            },
            Section {
                heading: "Bills".into(),
                paragraphs: vec![],
                table: Some(Table {
                    columns,
                    rows,
                    footer: Some(vec![
                        "Total".into(),
                        String::new(),
                        "120 bills".into(),
                        format_pence(net_sum),
                        format_pence(vat_sum),
                        format_pence(net_sum + vat_sum),
                    ]),
                }),
            },
        ],
    }
}
