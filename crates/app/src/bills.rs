//! Bills, written notifications of costs and credit notes: made from a matter's unbilled
//! time, expenses and disbursements by `satchel_core::billing`, kept in the matter's
//! document, and projected into the central register (`bills`). What is unpaid on a bill
//! is worked out from the register and the postings allocated to it.

use crate::contacts::resolve_matter;
use crate::{AppError, Satchel, docs};
use jiff::Timestamp;
use jiff::civil::Date;
use satchel_api as api;
use satchel_core::Money;
use satchel_core::accounts::{BillRef, CostsNotice};
use satchel_core::billing::{self, BillLine, CostItem, Credit, LineKind, TimeItem};
use satchel_core::expense::ExpenseKind;
use satchel_core::matter::MatterNumber;
use satchel_core::{Invalid, dates};
use satchel_store::rusqlite::{Connection, OptionalExtension, Transaction, params};
use uuid::Uuid;

/// A bill's number as shown and kept: "B000123".
pub(crate) fn bill_number(n: u32) -> String {
    format!("B{n:06}")
}

fn next_bill_number(tx: &Transaction<'_>) -> Result<String, AppError> {
    let block: Option<(i64, u32)> = tx
        .query_row(
            "SELECT rowid, next FROM bill_number_blocks WHERE next <= last ORDER BY first LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let (rowid, next) = block.ok_or_else(|| {
        AppError::Forbidden(
            "this device has used all its bill numbers; connect to the firm server for more".into(),
        )
    })?;
    tx.execute(
        "UPDATE bill_number_blocks SET next = next + 1 WHERE rowid = ?1",
        [rowid],
    )?;
    Ok(bill_number(next))
}

type Unbilled = (Vec<(String, TimeItem)>, Vec<(String, CostItem)>);

/// A matter's unbilled billable time and unbilled expenses and disbursements.
fn unbilled(conn: &Connection, matter_id: &str) -> Result<Unbilled, AppError> {
    let bad_date = |id: &str| AppError::Document(format!("entry {id} has a bad date"));
    let mut stmt = conn.prepare_cached(
        "SELECT t.id, coalesce(u.initials, '?'), t.date, t.minutes, t.value_pence
         FROM time_entries t LEFT JOIN users u ON u.id = t.user_id
         WHERE t.matter_id = ?1 AND t.billable AND t.bill_id IS NULL AND t.value_pence <> 0
         ORDER BY t.date, t.id",
    )?;
    let rows = stmt
        .query_map([matter_id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, u32>(3)?,
                r.get::<_, i64>(4)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut time = Vec::with_capacity(rows.len());
    for (id, initials, date, minutes, value) in rows {
        let date: Date = date.parse().map_err(|_| bad_date(&id))?;
        time.push((
            id,
            TimeItem {
                fee_earner: initials,
                date,
                minutes,
                value: Money::from_pence(value),
            },
        ));
    }
    let mut stmt = conn.prepare_cached(
        "SELECT id, kind, date, description, net_pence, vat_pence FROM expenses
         WHERE matter_id = ?1 AND bill_id IS NULL ORDER BY date, id",
    )?;
    let rows = stmt
        .query_map([matter_id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, i64>(4)?,
                r.get::<_, i64>(5)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut costs = Vec::with_capacity(rows.len());
    for (id, kind, date, description, net, vat) in rows {
        let date: Date = date.parse().map_err(|_| bad_date(&id))?;
        costs.push((
            id,
            CostItem {
                kind: ExpenseKind::parse(&kind)?,
                date,
                description,
                net: Money::from_pence(net),
                vat: Money::from_pence(vat),
            },
        ));
    }
    Ok((time, costs))
}

fn line_rec(l: &BillLine) -> docs::BillLineRec {
    docs::BillLineRec {
        kind: l.kind.as_str().into(),
        date: l.date.to_string(),
        description: l.description.clone(),
        net_pence: l.net.pence(),
        vat_pence: l.vat.pence(),
    }
}

fn line_of(rec: &docs::BillLineRec) -> Result<BillLine, AppError> {
    Ok(BillLine {
        kind: LineKind::parse(&rec.kind)?,
        date: rec
            .date
            .parse()
            .map_err(|_| AppError::Document("a bill line has a bad date".into()))?,
        description: rec.description.clone(),
        net: Money::from_pence(rec.net_pence),
        vat: Money::from_pence(rec.vat_pence),
    })
}

fn api_line(l: &docs::BillLineRec) -> api::BillLine {
    api::BillLine {
        kind: l.kind.clone(),
        date: l.date.clone(),
        description: l.description.clone(),
        net_pence: l.net_pence,
        vat_pence: l.vat_pence,
        net: Money::from_pence(l.net_pence).to_string(),
        vat: Money::from_pence(l.vat_pence).to_string(),
    }
}

/// Project one bill (or credit note) of a matter's document into the register, and mark
/// its items billed (or, for a credit note of a whole bill, unbilled again).
pub(crate) fn project(
    tx: &Transaction<'_>,
    matter_id: &str,
    matter: MatterNumber,
    rec: &docs::BillRec,
) -> Result<(), AppError> {
    let holder: Option<String> = tx
        .prepare_cached("SELECT id FROM bills WHERE number = ?1 AND id <> ?2")?
        .query_row(params![rec.number, rec.id], |r| r.get(0))
        .optional()?;
    if holder.is_some() {
        return Err(AppError::DuplicateNumber(rec.number.clone()));
    }
    let lines = rec
        .lines
        .iter()
        .map(line_of)
        .collect::<Result<Vec<_>, _>>()?;
    let t = billing::totals(&lines)?;
    let credits_number: Option<String> = match &rec.credits {
        Some(id) => tx
            .prepare_cached("SELECT number FROM bills WHERE id = ?1")?
            .query_row([id], |r| r.get(0))
            .optional()?,
        None => None,
    };
    tx.prepare_cached(
        "INSERT INTO bills (id, matter_id, matter_number, number, kind, date, delivered_on, credits,
             fees_pence, expenses_pence, disbursements_pence, vat_pence, total_pence, lines, reason,
             recorded_by, recorded_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
    )?
    .execute(params![
        rec.id,
        matter_id,
        matter.get(),
        rec.number,
        rec.kind,
        rec.date,
        rec.delivered_on,
        credits_number.as_ref().and(rec.credits.as_ref()),
        t.fees.pence(),
        t.expenses.pence(),
        t.disbursements.pence(),
        t.vat.pence(),
        t.total.pence(),
        serde_json::to_string(&lines).map_err(|e| AppError::Document(e.to_string()))?,
        rec.reason,
        rec.recorded_by,
        rec.recorded_at,
    ])?;
    for id in &rec.time_ids {
        tx.prepare_cached("UPDATE time_entries SET bill_id = ?2 WHERE id = ?1")?
            .execute(params![id, rec.id])?;
    }
    for id in &rec.expense_ids {
        tx.prepare_cached("UPDATE expenses SET bill_id = ?2 WHERE id = ?1")?
            .execute(params![id, rec.id])?;
    }
    if rec.releases_items
        && let Some(bill) = &rec.credits
    {
        tx.execute(
            "UPDATE time_entries SET bill_id = NULL WHERE bill_id = ?1",
            [bill],
        )?;
        tx.execute(
            "UPDATE expenses SET bill_id = NULL WHERE bill_id = ?1",
            [bill],
        )?;
    }
    Ok(())
}

/// Remove a bill from the register (its document changed it: a delivery date).
pub(crate) fn unproject(tx: &Transaction<'_>, rec: &docs::BillRec) -> Result<(), AppError> {
    tx.execute("DELETE FROM bills WHERE id = ?1", [&rec.id])?;
    tx.execute(
        "UPDATE time_entries SET bill_id = NULL WHERE bill_id = ?1",
        [&rec.id],
    )?;
    tx.execute(
        "UPDATE expenses SET bill_id = NULL WHERE bill_id = ?1",
        [&rec.id],
    )?;
    Ok(())
}

/// Payments allocated to a bill (transfers from client account and office receipts, pending
/// ones included, reversed ones left out) and credit notes on it, in pence.
fn paid_and_credited(conn: &Connection, id: &str) -> Result<(i64, i64), AppError> {
    Ok(conn.query_row(
        &format!("SELECT {PAID}, {CREDITED} FROM bills b WHERE b.id = ?1"),
        [id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?)
}

/// What is paid on bill `b` (SQL): transfers from client account and office receipts
/// allocated to it, pending ones included, reversed ones left out.
const PAID: &str = "(SELECT coalesce(sum(p.amount_pence), 0) FROM postings p
     WHERE p.bill_ref = b.number AND p.kind IN ('client_to_office', 'receipt')
       AND NOT EXISTS (SELECT 1 FROM postings r WHERE r.reverses = p.id))";

/// What credit notes credit on bill `b` (SQL), as a positive sum.
const CREDITED: &str =
    "(SELECT coalesce(-sum(n.total_pence), 0) FROM bills n WHERE n.credits = b.id)";

/// The bill (or notification) `text` names on `matter`: its id, number, kind and total.
fn bill_on(
    conn: &Connection,
    field: &'static str,
    matter: Option<MatterNumber>,
    text: &str,
) -> Result<(String, String, String, i64, MatterNumber), AppError> {
    let wanted = text.trim().to_uppercase();
    let found: Option<(String, String, String, i64, u32)> = conn
        .query_row(
            "SELECT id, number, kind, total_pence, matter_number FROM bills WHERE number = ?1 OR id = ?2",
            params![wanted, text.trim()],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .optional()?;
    let Some((id, number, kind, total, m)) = found else {
        return Err(Invalid::new(
            field,
            format!("{wanted} is not in the register of bills and notifications of costs"),
        )
        .into());
    };
    let m = MatterNumber::new(m);
    if let Some(matter) = matter
        && matter != m
    {
        return Err(
            Invalid::new(field, format!("{number} is a bill on {m}, not on {matter}")).into(),
        );
    }
    Ok((id, number, kind, total, m))
}

/// What a transfer to office (or an office receipt) is made against: a bill or written
/// notification of costs on the matter, and what is billed and still unpaid on it.
pub(crate) fn costs_notice(
    conn: &Connection,
    matter: MatterNumber,
    text: &str,
) -> Result<BillRef, AppError> {
    let (id, number, kind, total, _) = bill_on(conn, "bill", Some(matter), text)?;
    let notice = match kind.as_str() {
        "bill" => CostsNotice::Bill,
        "notification" => CostsNotice::WrittenNotification,
        _ => {
            return Err(Invalid::new(
                "bill",
                format!("{number} is a credit note; money moves to office account against a bill"),
            )
            .into());
        }
    };
    let (paid, credited) = paid_and_credited(conn, &id)?;
    Ok(BillRef {
        notice,
        reference: number,
        unpaid: billing::unpaid(
            Money::from_pence(total),
            Money::from_pence(paid),
            Money::from_pence(credited),
        ),
    })
}

impl Satchel {
    /// What billing the matter now would bill: the lines and totals, with no number.
    pub fn draft_bill(&self, req: &api::NewBillRequest) -> Result<api::Bill, AppError> {
        let conn = self.store.conn();
        let (matter_id, number) = resolve_matter(conn, &req.matter)?;
        let (time, costs) = unbilled(conn, &matter_id)?;
        let lines = billing::compose(
            &time.into_iter().map(|(_, t)| t).collect::<Vec<_>>(),
            &costs.into_iter().map(|(_, c)| c).collect::<Vec<_>>(),
        )?;
        let t = billing::totals(&lines)?;
        let client: String = conn.query_row(
            "SELECT client_name FROM matters WHERE id = ?1",
            [&matter_id],
            |r| r.get(0),
        )?;
        let date = self.bill_date(&req.date)?;
        Ok(api::Bill {
            id: String::new(),
            number: String::new(),
            kind: String::new(),
            matter_number: number.to_string(),
            client_name: client,
            date: date.to_string(),
            delivered_on: None,
            credits: None,
            lines: lines.iter().map(|l| api_line(&line_rec(l))).collect(),
            fees_pence: t.fees.pence(),
            expenses_pence: t.expenses.pence(),
            disbursements_pence: t.disbursements.pence(),
            vat_pence: t.vat.pence(),
            total_pence: t.total.pence(),
            paid_pence: 0,
            credited_pence: 0,
            unpaid_pence: t.total.pence(),
            total: t.total.to_string(),
            vat: t.vat.to_string(),
            unpaid: t.total.to_string(),
        })
    }

    fn bill_date(&self, text: &str) -> Result<Date, AppError> {
        // Blank is today.
        let today = dates::london_date(Timestamp::now());
        Ok(dates::on_or_before_today("date", text, today)?)
    }

    /// Bill a matter: every unbilled billable time entry, expense and disbursement, under
    /// the next bill number. (A written notification of costs is made the same way.)
    pub fn create_bill(&mut self, req: &api::NewBillRequest) -> Result<api::Bill, AppError> {
        self.require_editor("bill matters")?;
        let kind = match req.kind.trim() {
            "" | "bill" => "bill",
            "notification" => "notification",
            other => {
                return Err(Invalid::new(
                    "kind",
                    format!("'{other}' is not a bill: use bill or notification"),
                )
                .into());
            }
        };
        let date = self.bill_date(&req.date)?;
        let (matter_id, _) = resolve_matter(self.store.conn(), &req.matter)?;
        let initials = self.ctx.initials.clone();
        let id = Uuid::now_v7().to_string();
        let number = self.write(
            "bill.create",
            &format!("matter:{matter_id}"),
            |tx, at, actor| {
                let (time, costs) = unbilled(tx, &matter_id)?;
                let time_ids = time.iter().map(|(id, _)| id.clone()).collect();
                let expense_ids = costs.iter().map(|(id, _)| id.clone()).collect();
                let lines = billing::compose(
                    &time.into_iter().map(|(_, t)| t).collect::<Vec<_>>(),
                    &costs.into_iter().map(|(_, c)| c).collect::<Vec<_>>(),
                )?;
                let total = billing::totals(&lines)?.total;
                let number = next_bill_number(tx)?;
                let rec = docs::BillRec {
                    id: id.clone(),
                    number: number.clone(),
                    kind: kind.into(),
                    date: date.to_string(),
                    delivered_on: None,
                    credits: None,
                    releases_items: false,
                    lines: lines.iter().map(line_rec).collect(),
                    time_ids,
                    expense_ids,
                    reason: None,
                    recorded_by: initials.clone(),
                    recorded_at: at.to_string(),
                };
                crate::update_matter(tx, &matter_id, actor, at, &format!("bill {number}"), |m| {
                    m.bills.push(rec.clone());
                })?;
                Ok(BillNumber(
                    number,
                    serde_json::json!({
                        "bill": id, "kind": kind, "total_pence": total.pence(),
                    }),
                ))
            },
        )?;
        self.bill(&number.0)
    }

    /// Record that a bill was delivered to the client, once, on a date not before the bill's.
    pub fn deliver_bill(&mut self, bill: &str, on: &str) -> Result<api::Bill, AppError> {
        self.require_editor("record delivery of bills")?;
        let (id, number, _, _, matter) = bill_on(self.store.conn(), "bill", None, bill)?;
        let on = self.bill_date(on)?;
        let (matter_id, _) = resolve_matter(self.store.conn(), &matter.to_string())?;
        self.write(
            "bill.deliver",
            &format!("matter:{matter_id}"),
            |tx, at, actor| {
                crate::try_update_matter(
                    tx,
                    &matter_id,
                    actor,
                    at,
                    &format!("deliver {number}"),
                    |m| {
                        let b = m.bills.iter_mut().find(|b| b.id == id).ok_or_else(|| {
                            AppError::Document(format!("{number} is not in its matter"))
                        })?;
                        if let Some(d) = &b.delivered_on {
                            return Err(Invalid::new(
                                "bill",
                                format!("{number} was delivered on {d} already"),
                            )
                            .into());
                        }
                        if b.date > on.to_string() {
                            return Err(Invalid::new(
                                "on",
                                format!("cannot be before the bill's date ({})", b.date),
                            )
                            .into());
                        }
                        b.delivered_on = Some(on.to_string());
                        Ok(())
                    },
                )?;
                Ok(serde_json::json!({ "bill": id, "delivered_on": on.to_string() }))
            },
        )?;
        self.bill(&number)
    }

    /// A credit note against a bill: the whole of it (its items become unbilled again) or
    /// part of its professional charges; never more than is unpaid on it.
    pub fn credit_bill(&mut self, req: &api::CreditRequest) -> Result<api::Bill, AppError> {
        self.require_editor("credit bills")?;
        let conn = self.store.conn();
        let (bill_id, number, kind, _, matter) = bill_on(conn, "bill", None, &req.bill)?;
        if kind == "credit_note" {
            return Err(Invalid::new("bill", format!("{number} is a credit note itself")).into());
        }
        if req.reason.trim().is_empty() {
            return Err(Invalid::new("reason", "is required").into());
        }
        let credit = if req.fees.trim().is_empty() {
            Credit::Whole
        } else {
            Credit::Fees(Money::parse_field("amount", &req.fees)?)
        };
        let date = self.bill_date(&req.date)?;
        let (matter_id, _) = resolve_matter(conn, &matter.to_string())?;
        let initials = self.ctx.initials.clone();
        let reason = req.reason.trim().to_owned();
        let id = Uuid::now_v7().to_string();
        let out = self.write(
            "bill.credit",
            &format!("matter:{matter_id}"),
            |tx, at, actor| {
                let unpaid = costs_notice(tx, matter, &number)?.unpaid;
                let lines_json: String =
                    tx.query_row("SELECT lines FROM bills WHERE id = ?1", [&bill_id], |r| {
                        r.get(0)
                    })?;
                let bill_lines: Vec<BillLine> = serde_json::from_str(&lines_json)
                    .map_err(|e| AppError::Document(e.to_string()))?;
                let lines = billing::credit_lines(&bill_lines, unpaid, credit, date)?;
                let note_number = next_bill_number(tx)?;
                let rec = docs::BillRec {
                    id: id.clone(),
                    number: note_number.clone(),
                    kind: "credit_note".into(),
                    date: date.to_string(),
                    delivered_on: None,
                    credits: Some(bill_id.clone()),
                    releases_items: credit == Credit::Whole,
                    lines: lines.iter().map(line_rec).collect(),
                    time_ids: Vec::new(),
                    expense_ids: Vec::new(),
                    reason: Some(reason.clone()),
                    recorded_by: initials.clone(),
                    recorded_at: at.to_string(),
                };
                crate::update_matter(
                    tx,
                    &matter_id,
                    actor,
                    at,
                    &format!("credit note {note_number}"),
                    |m| {
                        m.bills.push(rec.clone());
                    },
                )?;
                Ok(BillNumber(
                    note_number,
                    serde_json::json!({ "credit_note": id, "credits": number }),
                ))
            },
        )?;
        self.bill(&out.0)
    }

    /// One entry of the register, by number or id.
    pub fn bill(&self, bill: &str) -> Result<api::Bill, AppError> {
        let (id, ..) = bill_on(self.store.conn(), "bill", None, bill)?;
        self.bills_where("b.id = ?1", &[&id])?
            .pop()
            .ok_or_else(|| AppError::Document("the bill went".into()))
    }

    /// The central register of bills, notifications of costs and credit notes, by date
    /// then number; `from`/`to` (ISO dates) may be empty.
    pub fn list_bills(&self, from: &str, to: &str) -> Result<Vec<api::Bill>, AppError> {
        let from = dates::parse_optional("from", from)?
            .map(|d| d.to_string())
            .unwrap_or_default();
        let to = dates::parse_optional("to", to)?
            .map(|d| d.to_string())
            .unwrap_or_else(|| "9999-12-31".into());
        self.bills_where("b.date >= ?1 AND b.date <= ?2", &[&from, &to])
    }

    /// A matter's bills and credit notes.
    pub fn matter_bills(&self, matter: &str) -> Result<Vec<api::Bill>, AppError> {
        let (_, number) = resolve_matter(self.store.conn(), matter)?;
        self.bills_where("b.matter_number = ?1", &[&number.get().to_string()])
    }

    fn bills_where(&self, condition: &str, args: &[&str]) -> Result<Vec<api::Bill>, AppError> {
        let conn = self.store.conn();
        let sql = format!(
            "SELECT b.id, b.number, b.kind, b.matter_number, coalesce(m.client_name, ''), b.date,
                    b.delivered_on, c.number, b.lines, b.fees_pence, b.expenses_pence,
                    b.disbursements_pence, b.vat_pence, b.total_pence, {PAID}, {CREDITED}
             FROM bills b LEFT JOIN matters m ON m.id = b.matter_id
             LEFT JOIN bills c ON c.id = b.credits
             WHERE {condition} ORDER BY b.date, b.number"
        );
        let mut stmt = conn.prepare_cached(&sql)?;
        let rows = stmt
            .query_map(
                satchel_store::rusqlite::params_from_iter(args.iter()),
                |r| {
                    Ok((
                        (
                            r.get::<_, String>(0)?,
                            r.get::<_, String>(1)?,
                            r.get::<_, String>(2)?,
                            r.get::<_, u32>(3)?,
                            r.get::<_, String>(4)?,
                            r.get::<_, String>(5)?,
                            r.get::<_, Option<String>>(6)?,
                        ),
                        (
                            r.get::<_, Option<String>>(7)?,
                            r.get::<_, String>(8)?,
                            r.get::<_, i64>(9)?,
                            r.get::<_, i64>(10)?,
                            r.get::<_, i64>(11)?,
                            r.get::<_, i64>(12)?,
                            r.get::<_, i64>(13)?,
                        ),
                        (r.get::<_, i64>(14)?, r.get::<_, i64>(15)?),
                    ))
                },
            )?
            .collect::<Result<Vec<_>, _>>()?;
        let mut out = Vec::with_capacity(rows.len());
        for (
            (id, number, kind, m, client, date, delivered),
            (credits, lines, fees, exp, disb, vat, total),
            (paid, credited),
        ) in rows
        {
            let lines: Vec<BillLine> =
                serde_json::from_str(&lines).map_err(|e| AppError::Document(e.to_string()))?;
            let (paid, credited) = if kind == "credit_note" {
                (0, 0)
            } else {
                (paid, credited)
            };
            let unpaid = if kind == "credit_note" {
                0
            } else {
                billing::unpaid(
                    Money::from_pence(total),
                    Money::from_pence(paid),
                    Money::from_pence(credited),
                )
                .pence()
            };
            out.push(api::Bill {
                id,
                number,
                kind,
                matter_number: MatterNumber::new(m).to_string(),
                client_name: client,
                date,
                delivered_on: delivered,
                credits,
                lines: lines.iter().map(|l| api_line(&line_rec(l))).collect(),
                fees_pence: fees,
                expenses_pence: exp,
                disbursements_pence: disb,
                vat_pence: vat,
                total_pence: total,
                paid_pence: paid,
                credited_pence: credited,
                unpaid_pence: unpaid,
                total: Money::from_pence(total).to_string(),
                vat: Money::from_pence(vat).to_string(),
                unpaid: Money::from_pence(unpaid).to_string(),
            });
        }
        Ok(out)
    }

    /// A bill, notification of costs or credit note as a printable PDF (A4). Recorded in
    /// the audit trail as an export.
    pub fn bill_pdf(&mut self, bill: &str) -> Result<Vec<u8>, AppError> {
        let b = self.bill(bill)?;
        let conn = self.store.conn();
        let (matter_id, _) = resolve_matter(conn, &b.matter_number)?;
        let description: String = conn.query_row(
            "SELECT description FROM matters WHERE id = ?1",
            [&matter_id],
            |r| r.get(0),
        )?;
        // The client's address, from the contact on the matter as client (if any).
        let address: Option<(Option<String>, Option<String>)> = conn
            .query_row(
                "SELECT c.address, c.postcode FROM matter_parties p JOIN contacts c ON c.id = p.contact_id
                 WHERE p.matter_id = ?1 AND p.role = 'client' LIMIT 1",
                [&matter_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let client_address = address
            .map(|(a, p)| {
                a.unwrap_or_default()
                    .split([',', '\n'])
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(str::to_owned)
                    .chain(p.filter(|p| !p.trim().is_empty()))
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default();
        let office: Option<(String, String, String)> = conn
            .query_row(
                "SELECT name, sort_code, account_number FROM bank_accounts WHERE kind = 'office' ORDER BY name LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let (title, mut notes) = match b.kind.as_str() {
            "credit_note" => (
                "Credit note".to_owned(),
                vec![format!(
                    "This credit note is against bill {}.",
                    b.credits.clone().unwrap_or_default()
                )],
            ),
            "notification" => (
                "Notification of costs".to_owned(),
                vec!["This is a written notification of costs; money held for you on client account may be transferred to meet it.".to_owned()],
            ),
            _ => ("Invoice".to_owned(), vec!["Payment is due within 30 days of delivery.".to_owned()]),
        };
        if b.kind != "credit_note"
            && let Some((name, sort, number)) = office
        {
            let sort = format!(
                "{}-{}-{}",
                sort.get(0..2).unwrap_or(""),
                sort.get(2..4).unwrap_or(""),
                sort.get(4..6).unwrap_or("")
            );
            notes.push(format!(
                "Please pay to {name}, sort code {sort}, account {number}, quoting {}.",
                b.number
            ));
        }
        let mut totals = vec![("Professional charges".to_owned(), b.fees_pence)];
        if b.expenses_pence != 0 {
            totals.push(("Expenses".to_owned(), b.expenses_pence));
        }
        totals.push(("VAT at 20%".to_owned(), b.vat_pence));
        if b.disbursements_pence != 0 {
            totals.push(("Disbursements (no VAT)".to_owned(), b.disbursements_pence));
        }
        if b.kind == "credit_note" {
            totals.push(("Total credited".to_owned(), b.total_pence));
        } else {
            if b.paid_pence != 0 || b.credited_pence != 0 {
                totals.push(("Total".to_owned(), b.total_pence));
                totals.push((
                    "Paid and credited".to_owned(),
                    -(b.paid_pence + b.credited_pence),
                ));
            }
            totals.push(("Total due".to_owned(), b.unpaid_pence));
        }
        let invoice = satchel_pdf::Invoice {
            firm_name: self.ctx.firm_name.clone(),
            firm_address: Vec::new(),
            vat_number: None,
            sra_number: None,
            title,
            number: b.number.clone(),
            date: b.date.clone(),
            client_name: b.client_name.clone(),
            client_address,
            matter: format!("{} — {description}", b.matter_number),
            lines: b
                .lines
                .iter()
                .map(|l| satchel_pdf::InvoiceLine {
                    date: l.date.clone(),
                    description: l.description.clone(),
                    net_pence: l.net_pence,
                    vat_pence: l.vat_pence,
                })
                .collect(),
            totals,
            notes,
        };
        let bytes = satchel_pdf::invoice(&invoice)
            .map_err(|e| AppError::Document(format!("could not make the PDF: {e}")))?;
        self.write("bill.export", &format!("matter:{matter_id}"), |_, _, _| {
            Ok(serde_json::json!({ "bill": b.number, "format": "pdf", "bytes": bytes.len() }))
        })?;
        Ok(bytes)
    }

    /// The register as CSV (RFC 4180), one row per bill, notification or credit note;
    /// amounts in pounds and pence with no currency sign.
    pub fn bill_register_csv(&self, from: &str, to: &str) -> Result<String, AppError> {
        let bills = self.list_bills(from, to)?;
        let mut w = csv::Writer::from_writer(Vec::new());
        let csv_err = |e: csv::Error| AppError::Document(format!("could not write CSV: {e}"));
        w.write_record([
            "number",
            "kind",
            "date",
            "matter",
            "client",
            "delivered_on",
            "credits",
            "professional_charges",
            "expenses",
            "disbursements",
            "vat",
            "total",
            "paid",
            "credited",
            "unpaid",
        ])
        .map_err(csv_err)?;
        let plain = |p: i64| {
            let sign = if p < 0 { "-" } else { "" };
            format!(
                "{sign}{}.{:02}",
                p.unsigned_abs() / 100,
                p.unsigned_abs() % 100
            )
        };
        for b in &bills {
            w.write_record([
                b.number.as_str(),
                b.kind.as_str(),
                b.date.as_str(),
                b.matter_number.as_str(),
                b.client_name.as_str(),
                b.delivered_on.as_deref().unwrap_or(""),
                b.credits.as_deref().unwrap_or(""),
                &plain(b.fees_pence),
                &plain(b.expenses_pence),
                &plain(b.disbursements_pence),
                &plain(b.vat_pence),
                &plain(b.total_pence),
                &plain(b.paid_pence),
                &plain(b.credited_pence),
                &plain(b.unpaid_pence),
            ])
            .map_err(csv_err)?;
        }
        let bytes = w
            .into_inner()
            .map_err(|e| AppError::Document(format!("could not write CSV: {e}")))?;
        String::from_utf8(bytes).map_err(|e| AppError::Document(e.to_string()))
    }
}

/// A bill's number, and what the audit trail records of it.
struct BillNumber(String, serde_json::Value);

impl crate::WriteOutcome for BillNumber {
    fn audit_detail(&self) -> serde_json::Value {
        self.1.clone()
    }
}
