//! The registers and reports the COFA keeps: the SRA breach log, residual balances paid to
//! charity, dormant balances, unpresented payments, and the accountant's report data for an
//! accounting period (with the exemption test), as JSON, CSV and PDF.

use crate::contacts::resolve_matter;
use crate::firmdoc::update_firm;
use crate::{AppError, Satchel, docs};
use jiff::Timestamp;
use jiff::civil::Date;
use satchel_api as api;
use satchel_core::matter::MatterNumber;
use satchel_core::reconciliation;
use satchel_core::{Invalid, Money, dates, required_text};
use satchel_store::rusqlite::{Connection, params};
use uuid::Uuid;

/// Residual balances up to this may go to charity without the SRA's authority (r5.1(c)).
const RESIDUAL_LIMIT_PENCE: i64 = 50_000;

fn breaches(conn: &Connection, from: &str, to: &str) -> Result<Vec<api::Breach>, AppError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, date, matter_number, description, automatic, recorded_by FROM breaches
         WHERE date >= ?1 AND date <= ?2 ORDER BY date, recorded_at",
    )?;
    let rows = stmt.query_map(params![from, to], |r| {
        Ok(api::Breach {
            id: r.get(0)?,
            date: r.get(1)?,
            matter_number: r
                .get::<_, Option<u32>>(2)?
                .map(|n| MatterNumber::new(n).to_string()),
            description: r.get(3)?,
            automatic: r.get(4)?,
            recorded_by: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// A breach found by Satchel itself, for the log (kept by the caller's write).
pub(crate) fn automatic_breach(
    date: Date,
    matter: Option<MatterNumber>,
    description: String,
    by: &str,
    at: Timestamp,
) -> docs::BreachRec {
    docs::BreachRec {
        id: Uuid::now_v7().to_string(),
        date: date.to_string(),
        matter_number: matter.map(|m| u64::from(m.get())),
        description,
        automatic: true,
        recorded_by: by.to_owned(),
        recorded_at: at.to_string(),
    }
}

impl Satchel {
    /// Enter a breach of the SRA Accounts Rules in the log by hand.
    pub fn add_breach(&mut self, req: &api::NewBreachRequest) -> Result<api::Breach, AppError> {
        self.require_accounts_role("record breaches")?;
        let today = dates::london_date(Timestamp::now());
        let date = dates::on_or_before_today("date", &req.date, today)?;
        let description = required_text("description", &req.description, 2000)?;
        let matter = if req.matter.trim().is_empty() {
            None
        } else {
            Some(resolve_matter(self.store.conn(), &req.matter)?.1)
        };
        let rec = docs::BreachRec {
            id: Uuid::now_v7().to_string(),
            date: date.to_string(),
            matter_number: matter.map(|m| u64::from(m.get())),
            description,
            automatic: false,
            recorded_by: self.ctx.initials.clone(),
            recorded_at: String::new(),
        };
        let firm_doc = self.ctx.firm_doc.clone();
        let id = rec.id.clone();
        self.write("breach.add", "firm", |tx, at, actor| {
            update_firm(tx, &firm_doc, actor, at, "record a breach", |f| {
                f.breaches.push(docs::BreachRec {
                    recorded_at: at.to_string(),
                    ..rec.clone()
                });
                Ok(())
            })?;
            Ok(serde_json::json!({ "breach": rec.id, "date": rec.date }))
        })?;
        breaches(self.store.conn(), "", "9999-12-31")?
            .into_iter()
            .find(|b| b.id == id)
            .ok_or_else(|| AppError::Document("the breach was not kept".into()))
    }

    /// Record a residual balance paid to charity (after the payment itself is posted):
    /// at most what the matter holds, and over £500 only with the SRA's authority.
    pub fn record_residual(
        &mut self,
        req: &api::ResidualRequest,
    ) -> Result<api::Residual, AppError> {
        self.require_accounts_role("record residual balances")?;
        let (matter_id, matter) = resolve_matter(self.store.conn(), &req.matter)?;
        let amount = Money::parse_field("amount", &req.amount)?;
        if amount.pence() <= 0 {
            return Err(Invalid::new("amount", "must be more than £0.00").into());
        }
        let steps = required_text("tracing_steps", &req.tracing_steps, 2000)?;
        let charity = required_text("charity", &req.charity, 200)?;
        let number = required_text("charity_number", &req.charity_number, 50)?;
        let authority = req.sra_authority.trim();
        if amount.pence() > RESIDUAL_LIMIT_PENCE && authority.is_empty() {
            return Err(Invalid::new(
                "sra_authority",
                format!("is required: {amount} is over £500.00, so it may go to charity only with the SRA's authority"),
            )
            .into());
        }
        let today = dates::london_date(Timestamp::now());
        let date = dates::on_or_before_today("date", &req.date, today)?;
        let owner: String = self.store.conn().query_row(
            "SELECT client_name FROM matters WHERE id = ?1",
            [&matter_id],
            |r| r.get(0),
        )?;
        let rec = docs::ResidualRec {
            id: Uuid::now_v7().to_string(),
            matter_number: u64::from(matter.get()),
            owner: owner.clone(),
            amount_pence: amount.pence(),
            tracing_steps: steps.clone(),
            charity: charity.clone(),
            charity_number: number.clone(),
            sra_authority: (!authority.is_empty()).then(|| authority.to_owned()),
            date: date.to_string(),
            recorded_by: self.ctx.initials.clone(),
        };
        let firm_doc = self.ctx.firm_doc.clone();
        self.write("residual.record", &format!("matter:{matter_id}"), |tx, at, actor| {
            update_firm(tx, &firm_doc, actor, at, "record a residual balance", |f| {
                f.residuals.push(rec.clone());
                Ok(())
            })?;
            Ok(serde_json::json!({ "matter": matter.to_string(), "amount_pence": rec.amount_pence }))
        })?;
        Ok(api::Residual {
            matter_number: matter.to_string(),
            owner,
            amount_pence: amount.pence(),
            amount: amount.to_string(),
            tracing_steps: steps,
            charity,
            charity_number: number,
            sra_authority: rec.sra_authority,
            date: date.to_string(),
        })
    }

    /// The registers: dormant balances (90+ days), unpresented payments (6+ months),
    /// residual balances on closed matters, the residuals register and the breach log.
    pub fn registers(&self) -> Result<api::Registers, AppError> {
        self.require_accounts_view()?;
        self.require_accounts_role("see the client money registers")?;
        let conn = self.store.conn();
        let today = dates::london_date(Timestamp::now());
        let ninety = today.saturating_sub(jiff::Span::new().days(90)).to_string();
        let six_months = today
            .saturating_sub(jiff::Span::new().months(6))
            .to_string();
        let balances = self.client_balances()?;
        let dormant = balances
            .iter()
            .filter(|b| b.balance_pence > 0 && b.last_movement <= ninety)
            .cloned()
            .collect();
        let mut stmt = conn.prepare_cached(
            "SELECT a.name, v.date, p.matter_number, p.reference, v.delta_pence FROM posting_moves v
             JOIN bank_accounts a ON a.id = v.account_id
             JOIN postings p ON p.id = v.posting_id
             WHERE a.kind = 'client' AND v.place = 'cash' AND v.delta_pence < 0 AND v.date <= ?1
               AND NOT EXISTS (SELECT 1 FROM statement_lines s
                               WHERE s.account_id = v.account_id AND s.matched_posting = v.posting_id)
               AND NOT EXISTS (SELECT 1 FROM postings r WHERE r.reverses = p.id)
               AND p.kind <> 'reversal'
             ORDER BY v.date",
        )?;
        let unpresented = stmt
            .query_map([&six_months], |r| {
                Ok(api::Unpresented {
                    account_name: r.get(0)?,
                    date: r.get(1)?,
                    matter_number: MatterNumber::new(r.get(2)?).to_string(),
                    reference: r.get(3)?,
                    amount: Money::from_pence(r.get(4)?).to_string(),
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let closed: std::collections::HashSet<String> = conn
            .prepare_cached("SELECT number FROM matters WHERE status <> 'open'")?
            .query_map([], |r| r.get::<_, u32>(0))?
            .map(|n| n.map(|n| MatterNumber::new(n).to_string()))
            .collect::<Result<_, _>>()?;
        let residual_candidates = balances
            .iter()
            .filter(|b| b.balance_pence > 0 && closed.contains(&b.matter_number))
            .map(|b| {
                let note = if b.balance_pence <= RESIDUAL_LIMIT_PENCE {
                    "return it to the client; if they cannot be traced after recorded steps, it may go to charity"
                } else {
                    "return it to the client; over £500.00 it may go to charity only with the SRA's authority"
                };
                (b.clone(), note.to_owned())
            })
            .collect();
        let mut stmt = conn.prepare_cached(
            "SELECT matter_number, owner, amount_pence, tracing_steps, charity, charity_number, sra_authority, date
             FROM residuals ORDER BY date",
        )?;
        let residuals = stmt
            .query_map([], |r| {
                let pence: i64 = r.get(2)?;
                Ok(api::Residual {
                    matter_number: MatterNumber::new(r.get(0)?).to_string(),
                    owner: r.get(1)?,
                    amount_pence: pence,
                    amount: Money::from_pence(pence).to_string(),
                    tracing_steps: r.get(3)?,
                    charity: r.get(4)?,
                    charity_number: r.get(5)?,
                    sra_authority: r.get(6)?,
                    date: r.get(7)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(api::Registers {
            dormant,
            unpresented,
            residual_candidates,
            residuals,
            breaches: breaches(conn, "", "9999-12-31")?,
        })
    }

    /// The accountant's report data for an accounting period: the signed reconciliations,
    /// any gap of more than five weeks between them, the exemption test over the client
    /// money held at each reconciliation date, and the breaches logged.
    pub fn accountants_report(
        &self,
        from: &str,
        to: &str,
    ) -> Result<api::AccountantsReport, AppError> {
        self.require_accounts_view()?;
        self.require_accounts_role("see the accountant's report")?;
        let from: Date = dates::parse_optional("from", from)?
            .ok_or_else(|| Invalid::new("from", "is required"))?;
        let to: Date =
            dates::parse_optional("to", to)?.ok_or_else(|| Invalid::new("to", "is required"))?;
        if from > to {
            return Err(Invalid::new("from", format!("must be on or before {to}")).into());
        }
        let conn = self.store.conn();
        let (f, t) = (from.to_string(), to.to_string());
        let mut stmt = conn.prepare_cached(
            "SELECT a.name, r.date, r.ledger_total_pence, r.difference_pence, r.signed_by, r.signed_at
             FROM reconciliations r JOIN bank_accounts a ON a.id = r.account_id
             WHERE r.date >= ?1 AND r.date <= ?2 ORDER BY r.date, a.name",
        )?;
        let rows = stmt
            .query_map(params![f, t], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let reconciliations = rows
            .iter()
            .map(
                |(name, date, total, diff, by, at)| api::ReportReconciliation {
                    account_name: name.clone(),
                    date: date.clone(),
                    client_ledger_total: Money::from_pence(*total).to_string(),
                    difference: Money::from_pence(*diff).to_string(),
                    signed_by: by.clone(),
                    signed_at: at
                        .parse::<Timestamp>()
                        .map(dates::london_display)
                        .unwrap_or_else(|_| at.clone()),
                },
            )
            .collect();
        // Client money held at each reconciliation date: every client account's ledger total.
        let mut by_date: std::collections::BTreeMap<&str, i64> = std::collections::BTreeMap::new();
        for (_, date, total, ..) in &rows {
            let e = by_date.entry(date.as_str()).or_default();
            *e = e.saturating_add(*total);
        }
        let balances: Vec<Money> = by_date.values().map(|p| Money::from_pence(*p)).collect();
        let exemption = reconciliation::exemption(&balances);
        // Gaps: for each client account open in the period, any stretch of more than 35
        // days without a signed reconciliation.
        let mut gaps = Vec::new();
        let mut stmt = conn.prepare_cached(
            "SELECT id, name, opened_on FROM bank_accounts WHERE kind = 'client' ORDER BY name",
        )?;
        let accounts = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        for (id, name, opened) in accounts {
            let opened: Date = opened
                .parse()
                .map_err(|_| AppError::Document(format!("bank account {name} has a bad date")))?;
            let start = opened.max(from);
            if start > to {
                continue;
            }
            let mut dates_signed: Vec<Date> = conn
                .prepare_cached(
                    "SELECT date FROM reconciliations WHERE account_id = ?1 AND date >= ?2 AND date <= ?3 ORDER BY date",
                )?
                .query_map(params![id, start.to_string(), t], |r| r.get::<_, String>(0))?
                .filter_map(|d| d.ok().and_then(|d| d.parse().ok()))
                .collect();
            dates_signed.push(to);
            let mut previous = start;
            for d in dates_signed {
                if (d - previous).get_days() > 35 {
                    gaps.push(format!(
                        "{name}: no signed reconciliation between {previous} and {d} ({} days)",
                        (d - previous).get_days()
                    ));
                }
                previous = d;
            }
        }
        Ok(api::AccountantsReport {
            firm_name: self.ctx.firm_name.clone(),
            from: f.clone(),
            to: t.clone(),
            reconciliations,
            gaps,
            reconciliation_dates: exemption.dates as u64,
            average_balance_pence: exemption.average.pence(),
            maximum_balance_pence: exemption.maximum.pence(),
            average_balance: exemption.average.to_string(),
            maximum_balance: exemption.maximum.to_string(),
            exempt: exemption.exempt,
            exemption: exemption.reason,
            breaches: breaches(conn, &f, &t)?,
        })
    }

    /// The accountant's report data as CSV: one section per table, each with its header.
    pub fn accountants_report_csv(&mut self, from: &str, to: &str) -> Result<String, AppError> {
        let r = self.accountants_report(from, to)?;
        let mut w = csv::WriterBuilder::new()
            .flexible(true)
            .from_writer(Vec::new());
        let e = |e: csv::Error| AppError::Document(format!("could not write CSV: {e}"));
        w.write_record(["accountant's report data", &r.firm_name, &r.from, &r.to])
            .map_err(e)?;
        w.write_record([
            "exemption",
            if r.exempt { "exempt" } else { "not exempt" },
            &r.average_balance,
            &r.maximum_balance,
            &r.exemption,
        ])
        .map_err(e)?;
        w.write_record([
            "reconciliation",
            "account",
            "date",
            "client_ledger_total",
            "difference",
            "signed_by",
            "signed_at",
        ])
        .map_err(e)?;
        for x in &r.reconciliations {
            w.write_record([
                "reconciliation",
                &x.account_name,
                &x.date,
                &x.client_ledger_total,
                &x.difference,
                &x.signed_by,
                &x.signed_at,
            ])
            .map_err(e)?;
        }
        for g in &r.gaps {
            w.write_record(["gap", g.as_str()]).map_err(e)?;
        }
        for b in &r.breaches {
            w.write_record([
                "breach",
                &b.date,
                b.matter_number.as_deref().unwrap_or(""),
                &b.description,
                if b.automatic {
                    "found by Satchel"
                } else {
                    "entered"
                },
            ])
            .map_err(e)?;
        }
        let bytes = w
            .into_inner()
            .map_err(|x| AppError::Document(x.to_string()))?;
        let text = String::from_utf8(bytes).map_err(|x| AppError::Document(x.to_string()))?;
        self.write("report.export", "report:accountants", |_, _, _| {
            Ok(serde_json::json!({ "report": "accountants", "format": "csv", "from": r.from, "to": r.to }))
        })?;
        Ok(text)
    }

    /// The accountant's report data as a PDF.
    pub fn accountants_report_pdf(&mut self, from: &str, to: &str) -> Result<Vec<u8>, AppError> {
        use satchel_pdf::{Align, Column, Report, Section, Table};
        let r = self.accountants_report(from, to)?;
        let col = |h: &str, align: Align, weight: u16| Column {
            header: h.to_owned(),
            align,
            weight,
        };
        let report = Report {
            title: "Accountant's report data".into(),
            subtitle: vec![
                r.firm_name.clone(),
                format!("Accounting period {} to {}", r.from, r.to),
            ],
            sections: vec![
                Section {
                    heading: "Exemption (SRA Accounts Rules r12)".into(),
                    paragraphs: vec![
                        format!(
                            "Average client money balance {} and maximum {} over {} reconciliation dates.",
                            r.average_balance, r.maximum_balance, r.reconciliation_dates
                        ),
                        r.exemption.clone(),
                    ],
                    table: None,
                },
                Section {
                    heading: "Reconciliations signed".into(),
                    paragraphs: r.gaps.clone(),
                    table: Some(Table {
                        columns: vec![
                            col("Account", Align::Left, 4),
                            col("Date", Align::Left, 2),
                            col("Client ledgers", Align::Right, 2),
                            col("Difference", Align::Right, 2),
                            col("Signed", Align::Left, 3),
                        ],
                        rows: r
                            .reconciliations
                            .iter()
                            .map(|x| {
                                vec![
                                    x.account_name.clone(),
                                    x.date.clone(),
                                    x.client_ledger_total.clone(),
                                    x.difference.clone(),
                                    format!("{} {}", x.signed_by, x.signed_at),
                                ]
                            })
                            .collect(),
                        footer: None,
                    }),
                },
                Section {
                    heading: "Breaches".into(),
                    paragraphs: if r.breaches.is_empty() {
                        vec!["None logged in the period.".into()]
                    } else {
                        Vec::new()
                    },
                    table: (!r.breaches.is_empty()).then(|| Table {
                        columns: vec![
                            col("Date", Align::Left, 2),
                            col("Matter", Align::Left, 2),
                            col("What", Align::Left, 8),
                        ],
                        rows: r
                            .breaches
                            .iter()
                            .map(|b| {
                                vec![
                                    b.date.clone(),
                                    b.matter_number.clone().unwrap_or_default(),
                                    b.description.clone(),
                                ]
                            })
                            .collect(),
                        footer: None,
                    }),
                },
            ],
        };
        let bytes = satchel_pdf::report(&report)
            .map_err(|e| AppError::Document(format!("could not make the PDF: {e}")))?;
        self.write("report.export", "report:accountants", |_, _, _| {
            Ok(serde_json::json!({ "report": "accountants", "format": "pdf", "from": r.from, "to": r.to }))
        })?;
        Ok(bytes)
    }
}
