//! Bank statements and the three-way reconciliation. Each bank account has a document
//! (`bank-<account id>`) holding its statement imports and signed reconciliations, and one
//! document per month (`bank-<account id>-<yyyy-mm>`) holding the statement lines dated in
//! it and which cash book entry each is matched to — so what an import or a match reads
//! and rewrites stays a month's worth however long the account runs. `satchel_statement`
//! reads the files and proposes matches, `satchel_core::reconciliation` works out the
//! figures.

use crate::money::resolve_account;
use crate::{AppError, Satchel, docs};
use automerge::ReadDoc;
use automerge::transaction::Transactable;
use jiff::Timestamp;
use jiff::civil::Date;
use satchel_api as api;
use satchel_core::accounts::AccountKind;
use satchel_core::firm::Role;
use satchel_core::matter::MatterNumber;
use satchel_core::reconciliation::{self, Explanation, Figures, Inputs, Item, LedgerBalance};
use satchel_core::{Invalid, Money, dates};
use satchel_statement::{Candidate, CsvMapping, LineToMatch, Statement};
use satchel_store::rusqlite::{Connection, OptionalExtension, Transaction, params};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashSet};
use uuid::Uuid;

/// How far apart (days) a statement line and a cash book entry may be dated and still be
/// matched automatically.
const MATCH_WINDOW_DAYS: i32 = 5;

pub(crate) fn doc_id(account: &str) -> String {
    format!("bank-{account}")
}

/// The document of an account's statement lines dated in `month` (`yyyy-mm`).
pub(crate) fn statements_doc_id(account: &str, month: &str) -> String {
    format!("bank-{account}-{month}")
}

/// The month (`yyyy-mm`) of a civil date written `yyyy-mm-dd`.
fn month_of(date: &str) -> Result<&str, AppError> {
    date.get(..7)
        .filter(|m| m.as_bytes().get(4) == Some(&b'-'))
        .ok_or_else(|| AppError::Document(format!("'{date}' is not a date")))
}

/// A bank account's statements whole: what the dataset generator makes, and what
/// [`BankBook::documents`] splits into the account's document and one per month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankBook {
    pub account: docs::BankDoc,
    pub lines: Vec<docs::StatementLineRec>,
    pub matches: BTreeMap<String, docs::MatchRec>,
}

impl BankBook {
    /// The account's month documents, each line (and its match) in its month's.
    pub fn months(&self) -> Result<Vec<docs::StatementsDoc>, AppError> {
        let mut months: BTreeMap<&str, docs::StatementsDoc> = BTreeMap::new();
        for l in &self.lines {
            let month = month_of(&l.date)?;
            let doc = months.entry(month).or_insert_with(|| docs::StatementsDoc {
                kind: docs::KIND_STATEMENTS.into(),
                schema: SCHEMA,
                account_id: self.account.account_id.clone(),
                month: month.to_owned(),
                lines: Vec::new(),
                matches: BTreeMap::new(),
            });
            doc.lines.push(l.clone());
            if let Some(m) = self.matches.get(&l.key) {
                doc.matches.insert(l.key.clone(), m.clone());
            }
        }
        Ok(months.into_values().collect())
    }
}

/// The schema of the bank documents written now.
const SCHEMA: u64 = 18;

/// Change a document of the kind `T` as one commit: `f` gets what it holds (or `empty` for a
/// new one); returns `f`'s result and the document before and after.
#[allow(clippy::too_many_arguments)]
fn update_doc<D, T>(
    tx: &Transaction<'_>,
    id: &str,
    kind: &str,
    actor: &automerge::ActorId,
    at: Timestamp,
    message: &str,
    empty: impl FnOnce() -> D,
    f: impl FnOnce(&mut D) -> Result<T, AppError>,
) -> Result<(T, Option<D>, D), AppError>
where
    D: autosurgeon::Hydrate + autosurgeon::Reconcile + Clone,
{
    let mut out = None;
    docs::change(tx, id, kind, actor, at, message, |d| {
        let before: Option<D> = if d.keys(automerge::ROOT).next().is_none() {
            None
        } else {
            Some(autosurgeon::hydrate(d)?)
        };
        let mut after = before.clone().unwrap_or_else(empty);
        let result = f(&mut after)?;
        autosurgeon::reconcile(d, &after)?;
        out = Some((result, before, after));
        Ok(())
    })?;
    out.ok_or_else(|| AppError::Document(format!("the document {id} was not changed")))
}

/// Change an account's bank document (imports, reconciliations) as one commit and
/// re-project it.
fn update_bank<T>(
    tx: &Transaction<'_>,
    account: &str,
    actor: &automerge::ActorId,
    at: Timestamp,
    message: &str,
    f: impl FnOnce(&mut docs::BankDoc) -> Result<T, AppError>,
) -> Result<T, AppError> {
    let (out, before, after) = update_doc(
        tx,
        &doc_id(account),
        docs::KIND_BANK,
        actor,
        at,
        message,
        || docs::BankDoc {
            kind: docs::KIND_BANK.into(),
            schema: SCHEMA,
            account_id: account.to_owned(),
            csv_mapping: None,
            imports: Vec::new(),
            reconciliations: Vec::new(),
        },
        f,
    )?;
    project(tx, before.as_ref(), &after)?;
    Ok(out)
}

/// Change the document of an account's statement lines for one month as one commit and
/// re-project it.
fn update_month<T>(
    tx: &Transaction<'_>,
    account: &str,
    month: &str,
    actor: &automerge::ActorId,
    at: Timestamp,
    message: &str,
    f: impl FnOnce(&mut docs::StatementsDoc) -> Result<T, AppError>,
) -> Result<T, AppError> {
    let (out, before, after) = update_doc(
        tx,
        &statements_doc_id(account, month),
        docs::KIND_STATEMENTS,
        actor,
        at,
        message,
        || docs::StatementsDoc {
            kind: docs::KIND_STATEMENTS.into(),
            schema: SCHEMA,
            account_id: account.to_owned(),
            month: month.to_owned(),
            lines: Vec::new(),
            matches: BTreeMap::new(),
        },
        f,
    )?;
    project_month(tx, before.as_ref(), &after)?;
    Ok(out)
}

/// An account's saved CSV layout, read from its bank document alone.
fn saved_mapping(tx: &Transaction<'_>, account: &str) -> Result<Option<String>, AppError> {
    match docs::load(tx, &doc_id(account))? {
        Some(d) if d.get(automerge::ROOT, "csv_mapping")?.is_some() => Ok(
            autosurgeon::hydrate_prop(&d, automerge::ROOT, "csv_mapping")?,
        ),
        _ => Ok(None),
    }
}

/// Project a bank document (imports, reconciliations). With `old`, only what changed is
/// written.
pub(crate) fn project(
    tx: &Transaction<'_>,
    old: Option<&docs::BankDoc>,
    doc: &docs::BankDoc,
) -> Result<(), AppError> {
    let a = doc.account_id.as_str();
    if old.is_none() {
        tx.execute("DELETE FROM statement_imports WHERE account_id = ?1", [a])?;
        tx.execute("DELETE FROM reconciliations WHERE account_id = ?1", [a])?;
    }
    let seen_imports: HashSet<&str> = old
        .map(|o| o.imports.iter().map(|i| i.id.as_str()).collect())
        .unwrap_or_default();
    for i in doc
        .imports
        .iter()
        .filter(|i| !seen_imports.contains(i.id.as_str()))
    {
        tx.execute(
            "INSERT INTO statement_imports (id, account_id, file_name, sha256, imported_by, imported_at,
                 added, duplicates, closing_date, closing_pence)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![
                i.id, a, i.file_name, i.sha256, i.imported_by, i.imported_at,
                i.added as i64, i.duplicates as i64, i.closing_date, i.closing_pence
            ],
        )?;
    }
    let seen_recs: HashSet<&str> = old
        .map(|o| o.reconciliations.iter().map(|r| r.id.as_str()).collect())
        .unwrap_or_default();
    for r in doc
        .reconciliations
        .iter()
        .filter(|r| !seen_recs.contains(r.id.as_str()))
    {
        let f: Figures = serde_json::from_str(&r.figures)
            .map_err(|e| AppError::Document(format!("reconciliation {}: {e}", r.id)))?;
        let explanations: Vec<(String, i64)> = r
            .explanations
            .iter()
            .map(|e| (e.text.clone(), e.amount_pence))
            .collect();
        tx.execute(
            "INSERT INTO reconciliations (id, account_id, date, statement_pence, adjusted_pence, cash_book_pence,
                 ledger_total_pence, difference_pence, figures, explanations, signed_by, signed_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            params![
                r.id,
                a,
                r.date,
                r.statement_pence,
                f.adjusted_bank_balance.pence(),
                f.cash_book_balance.pence(),
                f.client_ledger_total.pence(),
                f.difference.pence(),
                r.figures,
                serde_json::to_string(&explanations).map_err(|e| AppError::Document(e.to_string()))?,
                r.signed_by,
                r.signed_at
            ],
        )?;
    }
    Ok(())
}

/// Project a month's statement lines and matches. With `old`, only what changed is
/// written; without, the month's lines are projected afresh.
pub(crate) fn project_month(
    tx: &Transaction<'_>,
    old: Option<&docs::StatementsDoc>,
    doc: &docs::StatementsDoc,
) -> Result<(), AppError> {
    month_rows(tx, old, old.is_none(), doc)
}

/// Project the statements of a month this store has not held before (a merge's new
/// document): nothing of it to clear first, so nothing looked up by account — it needs
/// none of the indexes a large merge drops, only the postings it matches.
pub(crate) fn new_month(tx: &Transaction<'_>, doc: &docs::StatementsDoc) -> Result<(), AppError> {
    month_rows(tx, None, false, doc)
}

fn month_rows(
    tx: &Transaction<'_>,
    old: Option<&docs::StatementsDoc>,
    clear: bool,
    doc: &docs::StatementsDoc,
) -> Result<(), AppError> {
    let a = doc.account_id.as_str();
    if clear {
        let (from, to) = (format!("{}-01", doc.month), format!("{}-31", doc.month));
        tx.execute(
            "UPDATE posting_moves SET presented_on = NULL
             WHERE account_id = ?1 AND place = 'cash' AND posting_id IN
                 (SELECT matched_posting FROM statement_lines
                  WHERE account_id = ?1 AND date >= ?2 AND date <= ?3 AND matched_posting IS NOT NULL)",
            params![a, from, to],
        )?;
        tx.execute(
            "DELETE FROM statement_lines WHERE account_id = ?1 AND date >= ?2 AND date <= ?3",
            params![a, from, to],
        )?;
    }
    let seen_lines: HashSet<&str> = old
        .map(|o| o.lines.iter().map(|l| l.key.as_str()).collect())
        .unwrap_or_default();
    for l in doc
        .lines
        .iter()
        .filter(|l| !seen_lines.contains(l.key.as_str()))
    {
        tx.prepare_cached(
            "INSERT INTO statement_lines (account_id, key, import_id, line, date, amount_pence, description, reference)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?
        .execute(params![
            a, l.key, l.import_id, l.line as i64, l.date, l.amount_pence, l.description, l.reference
        ])?;
    }
    let empty = BTreeMap::new();
    let old_matches = old.map_or(&empty, |o| &o.matches);
    // The cash book entry a line is matched to carries the line's date (`presented_on`).
    for (key, m) in old_matches {
        if doc.matches.get(key) != Some(m) {
            unproject_match(tx, a, key, m)?;
        }
    }
    for (key, m) in &doc.matches {
        if old_matches.get(key) != Some(m) {
            project_match(tx, a, key, m)?;
        }
    }
    Ok(())
}

/// A line's match, gone from the projection.
fn unproject_match(
    tx: &Transaction<'_>,
    account: &str,
    key: &str,
    m: &docs::MatchRec,
) -> Result<(), AppError> {
    tx.prepare_cached(
        "UPDATE statement_lines SET matched_posting = NULL, matched_auto = NULL
         WHERE account_id = ?1 AND key = ?2",
    )?
    .execute(params![account, key])?;
    tx.prepare_cached(
        "UPDATE posting_moves SET presented_on = NULL
         WHERE posting_id = ?2 AND place = 'cash' AND account_id = ?1",
    )?
    .execute(params![account, m.posting_id])?;
    Ok(())
}

/// A line's match, into the projection: the line names the cash book entry, and the entry
/// carries the line's date (`presented_on`).
fn project_match(
    tx: &Transaction<'_>,
    account: &str,
    key: &str,
    m: &docs::MatchRec,
) -> Result<(), AppError> {
    tx.prepare_cached(
        "UPDATE statement_lines SET matched_posting = ?3, matched_auto = ?4
         WHERE account_id = ?1 AND key = ?2",
    )?
    .execute(params![account, key, m.posting_id, m.auto])?;
    tx.prepare_cached(
        "UPDATE posting_moves SET presented_on =
             (SELECT date FROM statement_lines WHERE account_id = ?1 AND key = ?2)
         WHERE posting_id = ?3 AND place = 'cash' AND account_id = ?1",
    )?
    .execute(params![account, key, m.posting_id])?;
    Ok(())
}

/// Set or remove one line's match, editing its month's document in place (the `matches`
/// map's one entry) rather than reading and rewriting the whole document; then the same
/// change in the projection.
#[allow(clippy::too_many_arguments)]
fn edit_match(
    tx: &Transaction<'_>,
    account: &str,
    month: &str,
    actor: &automerge::ActorId,
    at: Timestamp,
    message: &str,
    key: &str,
    new: Option<&docs::MatchRec>,
) -> Result<(), AppError> {
    let mut old: Option<docs::MatchRec> = None;
    docs::change(
        tx,
        &statements_doc_id(account, month),
        docs::KIND_STATEMENTS,
        actor,
        at,
        message,
        |d| {
            let matches = match d.get(automerge::ROOT, "matches")? {
                Some((automerge::Value::Object(automerge::ObjType::Map), id)) => id,
                _ => {
                    return Err(AppError::Document(format!(
                        "the statements of {account} in {month} have no matches"
                    )));
                }
            };
            if d.get(&matches, key)?.is_some() {
                old = Some(autosurgeon::hydrate_prop(d, &matches, key)?);
            }
            match new {
                Some(m) => autosurgeon::reconcile_prop(d, &matches, key, m)?,
                None => d.delete(&matches, key)?,
            }
            Ok(())
        },
    )?;
    if let Some(m) = &old {
        unproject_match(tx, account, key, m)?;
    }
    if let Some(m) = new {
        project_match(tx, account, key, m)?;
    }
    Ok(())
}

/// Whether the bytes are an OFX file (either dialect) rather than CSV.
fn is_ofx(bytes: &[u8]) -> bool {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]).to_uppercase();
    head.contains("OFXHEADER") || head.contains("<OFX")
}

/// Unmatched cash book entries of an account dated between two dates, as match candidates.
fn candidates(
    conn: &Connection,
    account: &str,
    from: Date,
    to: Date,
) -> Result<Vec<Candidate>, AppError> {
    let mut stmt = conn.prepare_cached(
        "SELECT v.posting_id, v.date, v.delta_pence, p.reference FROM posting_moves v
         JOIN postings p ON p.id = v.posting_id
         WHERE v.account_id = ?1 AND v.place = 'cash' AND v.date >= ?2 AND v.date <= ?3
           AND NOT EXISTS (SELECT 1 FROM statement_lines s
                           WHERE s.account_id = v.account_id AND s.matched_posting = v.posting_id)
         ORDER BY v.date, v.posting_id",
    )?;
    let rows = stmt
        .query_map(params![account, from.to_string(), to.to_string()], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, String>(3)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    rows.into_iter()
        .map(|(id, date, pence, reference)| {
            Ok(Candidate {
                date: date
                    .parse()
                    .map_err(|_| AppError::Document(format!("posting {id} has a bad date")))?,
                id,
                amount: Money::from_pence(pence),
                reference,
            })
        })
        .collect()
}

fn item(date: String, reference: String, pence: i64) -> Result<Item, AppError> {
    Ok(Item {
        date: date
            .parse()
            .map_err(|_| AppError::Document(format!("'{date}' is not a date")))?,
        reference,
        amount: Money::from_pence(pence),
    })
}

/// The reconciliation's inputs for an account at a date.
fn inputs(
    conn: &Connection,
    account: &str,
    opened: Date,
    date: Date,
    statement_balance: Money,
) -> Result<Inputs, AppError> {
    let d = date.to_string();
    // Cash book entries (not the opening balance) not on the statement by the date: matched
    // to no line, or to a line dated after it. Two ranges of `moves_unpresented`, named so
    // that the plan does not depend on statistics the store may not have.
    let mut stmt = conn.prepare_cached(
        "SELECT date, reference, delta_pence FROM (
             SELECT v.date, v.posting_id, p.reference, v.delta_pence
             FROM posting_moves v INDEXED BY moves_unpresented JOIN postings p ON p.id = v.posting_id
             WHERE v.account_id = ?1 AND v.place = 'cash' AND v.presented_on IS NULL AND v.date <= ?2
             UNION ALL
             SELECT v.date, v.posting_id, p.reference, v.delta_pence
             FROM posting_moves v INDEXED BY moves_unpresented JOIN postings p ON p.id = v.posting_id
             WHERE v.account_id = ?1 AND v.place = 'cash' AND v.presented_on > ?2 AND v.date <= ?2)
         ORDER BY date, posting_id",
    )?;
    let mut lodgements = Vec::new();
    let mut unpresented = Vec::new();
    let rows = stmt
        .query_map(params![account, d], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    for (date, reference, pence) in rows {
        let i = item(date, reference, pence)?;
        if pence > 0 {
            lodgements.push(i);
        } else {
            unpresented.push(i);
        }
    }
    // Statement entries since the account was opened in Satchel, matched to nothing.
    let mut stmt = conn.prepare_cached(
        "SELECT date, CASE WHEN reference = '' THEN description ELSE reference END, amount_pence
         FROM statement_lines
         WHERE account_id = ?1 AND date <= ?2 AND date >= ?3 AND matched_posting IS NULL
         ORDER BY date, key",
    )?;
    let unrecorded = stmt
        .query_map(params![account, d, opened.to_string()], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .map(|(date, reference, pence)| item(date, reference, pence))
        .collect::<Result<Vec<_>, _>>()?;
    let cash_book: i64 = conn.query_row(
        "SELECT coalesce(sum(delta_pence), 0) FROM posting_moves
         WHERE account_id = ?1 AND place = 'cash' AND date <= ?2",
        params![account, d],
        |r| r.get(0),
    )?;
    // Each ledger summed in one pass of the covering index, then named: the join is made
    // once a ledger, not once a movement.
    let mut stmt = conn.prepare_cached(
        "SELECT b.matter_number, coalesce(m.client_name, ''), b.balance FROM (
             SELECT matter_number, sum(delta_pence) AS balance
             FROM posting_moves INDEXED BY moves_client_balances
             WHERE place = 'client' AND account_id = ?1 AND date <= ?2
             GROUP BY matter_number HAVING sum(delta_pence) <> 0) b
         LEFT JOIN matters m ON m.number = b.matter_number",
    )?;
    let ledgers = stmt
        .query_map(params![account, d], |r| {
            Ok(LedgerBalance {
                matter: MatterNumber::new(r.get(0)?),
                client: r.get(1)?,
                balance: Money::from_pence(r.get(2)?),
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Inputs {
        date,
        statement_balance,
        outstanding_lodgements: lodgements,
        unpresented_payments: unpresented,
        unrecorded_bank_entries: unrecorded,
        cash_book_balance: Money::from_pence(cash_book),
        ledgers,
    })
}

fn view(
    account_id: &str,
    account_name: &str,
    f: &Figures,
    explanations: &[Explanation],
    signed: Option<(String, String)>,
) -> api::Reconciliation {
    let items = |list: &[Item]| {
        list.iter()
            .map(|i| api::ReconItem {
                date: i.date.to_string(),
                reference: i.reference.clone(),
                amount_pence: i.amount.pence(),
                amount: i.amount.to_string(),
            })
            .collect()
    };
    let shown = [
        ("Balance per bank statement", f.statement_balance),
        ("Add: outstanding lodgements", f.outstanding_lodgements),
        ("Less: unpresented payments", f.unpresented_payments),
        ("Adjusted bank balance", f.adjusted_bank_balance),
        ("Cash book balance", f.cash_book_balance),
        (
            "Total of client ledger credit balances",
            f.client_ledger_total,
        ),
        ("Difference", f.difference),
    ]
    .into_iter()
    .map(|(l, m)| (l.to_owned(), m.to_string()))
    .collect();
    api::Reconciliation {
        account_id: account_id.to_owned(),
        account_name: account_name.to_owned(),
        date: f.date.to_string(),
        statement_balance: f.statement_balance.pence(),
        outstanding_lodgements: f.outstanding_lodgements.pence(),
        unpresented_payments: f.unpresented_payments.pence(),
        adjusted_bank_balance: f.adjusted_bank_balance.pence(),
        cash_book_balance: f.cash_book_balance.pence(),
        client_ledger_total: f.client_ledger_total.pence(),
        debit_balances: f
            .debit_balances
            .iter()
            .map(|d| api::DebitBalance {
                matter_number: d.matter.to_string(),
                client_name: d.client.clone(),
                balance_pence: d.balance.pence(),
                balance: d.balance.to_string(),
            })
            .collect(),
        difference: f.difference.pence(),
        lodgements: items(&f.lodgements),
        unpresented: items(&f.unpresented),
        unrecorded_bank_entries: items(&f.unrecorded_bank_entries),
        explanations: explanations
            .iter()
            .map(|e| api::ExplanationLine {
                text: e.text.clone(),
                amount_pence: e.amount.pence(),
                amount: e.amount.to_string(),
            })
            .collect(),
        shown,
        signed_by: signed.as_ref().map(|s| s.0.clone()),
        // As a person reads it: London time.
        signed_at: signed.map(|s| {
            s.1.parse::<Timestamp>()
                .map(dates::london_display)
                .unwrap_or(s.1)
        }),
    }
}

/// The account's id, name, kind and opening date.
fn account_row(
    conn: &Connection,
    text: &str,
) -> Result<(String, String, AccountKind, Date), AppError> {
    let (id, kind, name) = resolve_account(conn, "account", text)?;
    let opened: String = conn.query_row(
        "SELECT opened_on FROM bank_accounts WHERE id = ?1",
        [id.0.to_string()],
        |r| r.get(0),
    )?;
    let opened = opened
        .parse()
        .map_err(|_| AppError::Document(format!("bank account {name} has a bad date")))?;
    Ok((id.0.to_string(), name, kind, opened))
}

/// An account's signed reconciliations as they were signed (at one date, or all of them),
/// newest first.
fn signed(
    conn: &Connection,
    account_id: &str,
    account_name: &str,
    at: Option<Date>,
) -> Result<Vec<api::Reconciliation>, AppError> {
    let mut stmt = conn.prepare_cached(
        "SELECT figures, explanations, signed_by, signed_at FROM reconciliations
         WHERE account_id = ?1 AND (?2 IS NULL OR date = ?2) ORDER BY date DESC",
    )?;
    let rows = stmt
        .query_map(params![account_id, at.map(|d| d.to_string())], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    rows.into_iter()
        .map(|(figures, explanations, by, at)| {
            let f: Figures =
                serde_json::from_str(&figures).map_err(|e| AppError::Document(e.to_string()))?;
            let ex: Vec<(String, i64)> = serde_json::from_str(&explanations)
                .map_err(|e| AppError::Document(e.to_string()))?;
            let ex: Vec<Explanation> = ex
                .into_iter()
                .map(|(text, p)| Explanation {
                    text,
                    amount: Money::from_pence(p),
                })
                .collect();
            Ok(view(account_id, account_name, &f, &ex, Some((by, at))))
        })
        .collect()
}

/// The date of the last signed reconciliation of an account.
pub(crate) fn last_signed(conn: &Connection, account: &str) -> Result<Option<String>, AppError> {
    Ok(conn.query_row(
        "SELECT max(date) FROM reconciliations WHERE account_id = ?1",
        [account],
        |r| r.get(0),
    )?)
}

impl Satchel {
    /// Import a bank statement (OFX 1.x or 2.x, or CSV laid out as `mapping` says — saved
    /// for the account, so later CSV imports need none). All or nothing: a malformed file is
    /// refused with its line; lines already imported are skipped and counted; a file with
    /// nothing new is refused. New lines are matched to cash book entries of the same
    /// amount within five days, preferring one whose reference they mention.
    pub fn import_statement(
        &mut self,
        account: &str,
        file_name: &str,
        bytes: &[u8],
        mapping: Option<&CsvMapping>,
    ) -> Result<api::StatementImport, AppError> {
        self.require_accounts_role("import bank statements")?;
        let (account_id, account_name, _, _) = account_row(self.store.conn(), account)?;
        let number: String = self.store.conn().query_row(
            "SELECT account_number FROM bank_accounts WHERE id = ?1",
            [&account_id],
            |r| r.get(0),
        )?;
        let file_name = file_name.trim().to_owned();
        let bad = |e: satchel_statement::StatementError| -> AppError {
            Invalid::new("file", format!("{file_name}: {e}; nothing was imported")).into()
        };
        let ofx = is_ofx(bytes);
        let sha = hex::encode(Sha256::digest(bytes));
        let initials = self.ctx.initials.clone();
        let mapping = mapping.cloned();
        let import_id = Uuid::now_v7().to_string();
        let result = self.write(
            "statement.import",
            &format!("account:{account_id}"),
            |tx, at, actor| {
                let statement: Statement = if ofx {
                    satchel_statement::parse_ofx(bytes).map_err(bad)?
                } else {
                    let saved: Option<CsvMapping> = saved_mapping(tx, &account_id)?
                        .as_deref()
                        .map(serde_json::from_str)
                        .transpose()
                        .map_err(|e| AppError::Document(format!("the saved CSV layout: {e}")))?;
                    let layout = mapping.clone().or(saved).ok_or_else(|| {
                        Invalid::new(
                            "mapping",
                            format!("{file_name} is not OFX, and {account_name} has no CSV layout saved yet: say which columns hold the date, the amount and the description"),
                        )
                    })?;
                    satchel_statement::parse_csv(bytes, &layout).map_err(bad)?
                };
                if let Some(acct) = &statement.account_id {
                    let digits: String = acct.chars().filter(char::is_ascii_digit).collect();
                    if !digits.ends_with(&number) {
                        return Err(Invalid::new(
                            "file",
                            format!("{file_name} is a statement for account {acct}, not {account_name} ({number}); nothing was imported"),
                        )
                        .into());
                    }
                }
                // The keys already imported, from the projection (indexed) rather than by
                // reading every line of the bank document.
                let known: HashSet<String> = tx
                    .prepare_cached("SELECT key FROM statement_lines WHERE account_id = ?1")?
                    .query_map([&account_id], |r| r.get(0))?
                    .collect::<Result<_, _>>()?;
                let keyed = satchel_statement::keyed(&statement);
                let lines_read = keyed.len() as u64;
                let fresh: Vec<(String, &satchel_statement::StatementLine)> = keyed
                    .into_iter()
                    .filter(|(k, _)| !known.contains(k))
                    .collect();
                let duplicates = lines_read - fresh.len() as u64;
                if fresh.is_empty() {
                    return Err(Invalid::new(
                        "file",
                        format!("every line of {file_name} ({lines_read}) is already imported; nothing was added"),
                    )
                    .into());
                }
                let (first, last) = fresh.iter().fold((None::<Date>, None::<Date>), |(lo, hi), (_, l)| {
                    (Some(lo.map_or(l.date, |d| d.min(l.date))), Some(hi.map_or(l.date, |d| d.max(l.date))))
                });
                let span = jiff::Span::new().days(i64::from(MATCH_WINDOW_DAYS));
                let (first, last) = match (first, last) {
                    (Some(a), Some(b)) => (a.saturating_sub(span), b.saturating_add(span)),
                    _ => return Err(AppError::Document("a statement line has no date".into())),
                };
                let pool = candidates(tx, &account_id, first, last)?;
                let to_match: Vec<LineToMatch> = fresh
                    .iter()
                    .map(|(k, l)| LineToMatch::new(k.clone(), l))
                    .collect();
                let matches = satchel_statement::auto_match(&to_match, &pool, MATCH_WINDOW_DAYS);
                let added = fresh.len() as u64;
                let matched = matches.len() as u64;
                let closing = statement.closing_balance;
                let at_text = at.to_string();
                let line_recs: Vec<docs::StatementLineRec> = fresh
                    .iter()
                    .map(|(k, l)| docs::StatementLineRec {
                        key: k.clone(),
                        import_id: import_id.clone(),
                        line: l.line as u64,
                        date: l.date.to_string(),
                        amount_pence: l.amount.pence(),
                        description: l.description.clone(),
                        reference: l.reference.clone(),
                    })
                    .collect();
                let mapping_json = if ofx {
                    None
                } else {
                    mapping
                        .as_ref()
                        .map(serde_json::to_string)
                        .transpose()
                        .map_err(|e| AppError::Document(e.to_string()))?
                };
                // The import first (the lines name it), then each month's lines and matches.
                update_bank(tx, &account_id, actor, at, &format!("import {file_name}"), |b| {
                    if mapping_json.is_some() {
                        b.csv_mapping = mapping_json;
                    }
                    b.imports.push(docs::ImportRec {
                        id: import_id.clone(),
                        file_name: file_name.clone(),
                        sha256: sha.clone(),
                        imported_by: initials.clone(),
                        imported_at: at_text.clone(),
                        added,
                        duplicates,
                        closing_date: closing.map(|(d, _)| d.to_string()),
                        closing_pence: closing.map(|(_, m)| m.pence()),
                    });
                    Ok(())
                })?;
                let mut by_line: BTreeMap<String, docs::MatchRec> = matches
                    .iter()
                    .map(|m| {
                        (
                            m.line_key.clone(),
                            docs::MatchRec {
                                posting_id: m.candidate_id.clone(),
                                by: initials.clone(),
                                at: at_text.clone(),
                                auto: true,
                            },
                        )
                    })
                    .collect();
                let mut months: BTreeMap<String, Vec<docs::StatementLineRec>> = BTreeMap::new();
                for l in line_recs {
                    months.entry(month_of(&l.date)?.to_owned()).or_default().push(l);
                }
                for (month, lines) in months {
                    update_month(tx, &account_id, &month, actor, at, &format!("import {file_name}"), |d| {
                        for l in lines {
                            if let Some(m) = by_line.remove(&l.key) {
                                d.matches.insert(l.key.clone(), m);
                            }
                            d.lines.push(l);
                        }
                        Ok(())
                    })?;
                }
                Ok(ImportOutcome(api::StatementImport {
                    account_name: account_name.clone(),
                    file_name: file_name.clone(),
                    lines_read,
                    added,
                    duplicates,
                    matched,
                    closing_date: closing.map(|(d, _)| d.to_string()),
                    closing_balance: closing.map(|(_, m)| m.to_string()),
                }))
            },
        )?;
        Ok(result.0)
    }

    /// An account's statement lines, newest first (the latest 1,000), with what each is
    /// matched to.
    pub fn statement_lines(&self, account: &str) -> Result<Vec<api::StatementLineView>, AppError> {
        self.require_accounts_view()?;
        let conn = self.store.conn();
        let (account_id, ..) = account_row(conn, account)?;
        let mut stmt = conn.prepare_cached(
            "SELECT s.key, s.date, s.amount_pence, s.description, s.reference, s.matched_posting,
                    coalesce(s.matched_auto, 0), p.matter_number, p.kind, p.reference
             FROM statement_lines s LEFT JOIN postings p ON p.id = s.matched_posting
             WHERE s.account_id = ?1 ORDER BY s.date DESC, s.key LIMIT 1000",
        )?;
        let rows = stmt.query_map([&account_id], |r| {
            let pence: i64 = r.get(2)?;
            let m: Option<u32> = r.get(7)?;
            let kind: Option<String> = r.get(8)?;
            let reference: Option<String> = r.get(9)?;
            Ok(api::StatementLineView {
                key: r.get(0)?,
                date: r.get(1)?,
                amount_pence: pence,
                amount: Money::from_pence(pence).to_string(),
                description: r.get(3)?,
                reference: r.get(4)?,
                matched_posting: r.get(5)?,
                matched_auto: r.get(6)?,
                matched_to: match (m, kind, reference) {
                    (Some(m), Some(k), Some(r)) => {
                        format!("{} {} {r}", MatterNumber::new(m), k.replace('_', " "))
                    }
                    _ => String::new(),
                },
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// An account's cash book entries (opening balance left out), newest first, with the
    /// statement line each is matched to.
    pub fn cash_entries(&self, account: &str) -> Result<Vec<api::CashEntry>, AppError> {
        self.require_accounts_view()?;
        let conn = self.store.conn();
        let (account_id, ..) = account_row(conn, account)?;
        let mut stmt = conn.prepare_cached(
            "SELECT v.posting_id, v.date, p.matter_number, p.kind, p.reference, v.delta_pence, s.key
             FROM posting_moves v JOIN postings p ON p.id = v.posting_id
             LEFT JOIN statement_lines s ON s.account_id = v.account_id AND s.matched_posting = v.posting_id
             WHERE v.account_id = ?1 AND v.place = 'cash'
             ORDER BY v.date DESC, v.posting_id DESC LIMIT 500",
        )?;
        let rows = stmt.query_map([&account_id], |r| {
            let pence: i64 = r.get(5)?;
            Ok(api::CashEntry {
                posting_id: r.get(0)?,
                date: r.get(1)?,
                matter_number: MatterNumber::new(r.get(2)?).to_string(),
                what: r.get::<_, String>(3)?.replace('_', " "),
                reference: r.get(4)?,
                amount_pence: pence,
                amount: Money::from_pence(pence).to_string(),
                matched_line: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Match a statement line to a cash book entry of the same amount, or (no posting)
    /// unmatch it.
    pub fn match_line(
        &mut self,
        req: &api::MatchRequest,
    ) -> Result<api::StatementLineView, AppError> {
        self.require_accounts_role("match bank statement lines")?;
        let conn = self.store.conn();
        let (account_id, ..) = account_row(conn, &req.account)?;
        let line: Option<(i64, Option<String>, String)> = conn
            .query_row(
                "SELECT amount_pence, matched_posting, date FROM statement_lines WHERE account_id = ?1 AND key = ?2",
                params![account_id, req.line_key],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let (amount, matched, line_date) = line.ok_or_else(|| {
            Invalid::new("line_key", "is not a line of this account's statements")
        })?;
        let posting = req.posting_id.trim().to_owned();
        if posting.is_empty() {
            if matched.is_none() {
                return Err(Invalid::new("line_key", "is not matched to anything").into());
            }
        } else {
            if let Some(m) = &matched {
                return Err(Invalid::new(
                    "line_key",
                    format!("is already matched to {m}; unmatch it first"),
                )
                .into());
            }
            let entry: Option<i64> = conn
                .query_row(
                    "SELECT delta_pence FROM posting_moves WHERE posting_id = ?1 AND account_id = ?2 AND place = 'cash'",
                    params![posting, account_id],
                    |r| r.get(0),
                )
                .optional()?;
            let entry = entry.ok_or_else(|| {
                Invalid::new("posting_id", "is not an entry in this account's cash book")
            })?;
            if entry != amount {
                return Err(Invalid::new(
                    "posting_id",
                    format!(
                        "is for {}, but the statement line is for {}",
                        Money::from_pence(entry),
                        Money::from_pence(amount)
                    ),
                )
                .into());
            }
            let taken: bool = conn.query_row(
                "SELECT EXISTS (SELECT 1 FROM statement_lines WHERE account_id = ?1 AND matched_posting = ?2)",
                params![account_id, posting],
                |r| r.get(0),
            )?;
            if taken {
                return Err(Invalid::new(
                    "posting_id",
                    "is already matched to another statement line",
                )
                .into());
            }
        }
        let key = req.line_key.clone();
        let initials = self.ctx.initials.clone();
        let action = if posting.is_empty() {
            "statement.unmatch"
        } else {
            "statement.match"
        };
        self.write(action, &format!("account:{account_id}"), |tx, at, actor| {
            let rec = (!posting.is_empty()).then(|| docs::MatchRec {
                posting_id: posting.clone(),
                by: initials.clone(),
                at: at.to_string(),
                auto: false,
            });
            let month = month_of(&line_date)?;
            edit_match(
                tx,
                &account_id,
                month,
                actor,
                at,
                action,
                &key,
                rec.as_ref(),
            )?;
            Ok(serde_json::json!({ "line": key, "posting": posting }))
        })?;
        self.statement_lines(&req.account)?
            .into_iter()
            .find(|l| l.key == req.line_key)
            .ok_or_else(|| AppError::Document("the statement line went".into()))
    }

    /// The three-way reconciliation of a client account at a date. A signed one is shown as
    /// it was signed; with `sign`, the figures are checked (the difference explained line by
    /// line, to the penny) and locked by a partner or admin (the COFA or a manager).
    pub fn reconcile(
        &mut self,
        req: &api::ReconcileRequest,
    ) -> Result<api::Reconciliation, AppError> {
        self.require_accounts_role("reconcile client accounts")?;
        let conn = self.store.conn();
        let (account_id, account_name, kind, opened) = account_row(conn, &req.account)?;
        if kind != AccountKind::Client {
            return Err(Invalid::new(
                "account",
                format!("{account_name} is an office account; the three-way reconciliation is of client accounts"),
            )
            .into());
        }
        let today = dates::london_date(Timestamp::now());
        let date = dates::on_or_before_today("date", &req.date, today)?;
        if let Some(signed) = signed(conn, &account_id, &account_name, Some(date))?.pop() {
            if req.sign {
                return Err(Invalid::new(
                    "date",
                    format!(
                        "the reconciliation of {account_name} at {date} was signed by {} on {}; a signed reconciliation cannot be changed",
                        signed.signed_by.as_deref().unwrap_or(""),
                        signed.signed_at.as_deref().unwrap_or("")
                    ),
                )
                .into());
            }
            return Ok(signed);
        }
        let statement_balance = if req.statement_balance.trim().is_empty() {
            let from_file: Option<i64> = conn
                .query_row(
                    "SELECT closing_pence FROM statement_imports
                     WHERE account_id = ?1 AND closing_date = ?2 AND closing_pence IS NOT NULL
                     ORDER BY imported_at DESC LIMIT 1",
                    params![account_id, date.to_string()],
                    |r| r.get(0),
                )
                .optional()?;
            Money::from_pence(from_file.ok_or_else(|| {
                Invalid::new(
                    "statement_balance",
                    format!("is needed: no statement imported for {account_name} closes on {date}; give the balance the bank statement shows at that date"),
                )
            })?)
        } else {
            Money::parse_field("statement_balance", &req.statement_balance)?
        };
        let explanations = req
            .explanations
            .iter()
            .map(|e| {
                Ok(Explanation {
                    text: e.text.trim().to_owned(),
                    amount: Money::parse(&e.amount).map_err(|err| {
                        Invalid::new("explanation", format!("'{}': {err}", e.amount))
                    })?,
                })
            })
            .collect::<Result<Vec<_>, Invalid>>()?;
        let f =
            reconciliation::reconcile(inputs(conn, &account_id, opened, date, statement_balance)?);
        if !req.sign {
            return Ok(view(&account_id, &account_name, &f, &explanations, None));
        }
        if !matches!(self.ctx.role, Role::Partner | Role::Admin) {
            return Err(AppError::Forbidden(
                "only a partner (the COFA) or an admin may sign a reconciliation".into(),
            ));
        }
        reconciliation::check_explained(&f, &explanations)?;
        let figures = serde_json::to_string(&f).map_err(|e| AppError::Document(e.to_string()))?;
        let initials = self.ctx.initials.clone();
        let id = Uuid::now_v7().to_string();
        let ex = explanations.clone();
        let firm_doc = self.ctx.firm_doc.clone();
        let debits = f.debit_balances.clone();
        let signed_at = self.write(
            "reconciliation.sign",
            &format!("account:{account_id}"),
            |tx, at, actor| {
                update_bank(tx, &account_id, actor, at, &format!("reconcile at {date}"), |b| {
                    b.reconciliations.push(docs::ReconciliationRec {
                        id: id.clone(),
                        date: date.to_string(),
                        statement_pence: statement_balance.pence(),
                        figures: figures.clone(),
                        explanations: ex
                            .iter()
                            .map(|e| docs::ExplanationRec {
                                text: e.text.clone(),
                                amount_pence: e.amount.pence(),
                            })
                            .collect(),
                        signed_by: initials.clone(),
                        signed_at: at.to_string(),
                    });
                    Ok(())
                })?;
                // An overdrawn ledger is a breach: the log gets it without anyone typing it.
                if !debits.is_empty() {
                    crate::firmdoc::update_firm(tx, &firm_doc, actor, at, "log breaches found", |firm| {
                        for d in &debits {
                            firm.breaches.push(crate::registers::automatic_breach(
                                date,
                                Some(d.matter),
                                format!(
                                    "Client ledger {} ({}) overdrawn by {} in {account_name} at the reconciliation of {date} (r5: no client ledger may be overdrawn; replace the money at once, r6)",
                                    d.matter,
                                    d.client,
                                    Money::from_pence(-d.balance.pence())
                                ),
                                &initials,
                                at,
                            ));
                        }
                        Ok(())
                    })?;
                }
                Ok(SignedAt(
                    at.to_string(),
                    serde_json::json!({ "date": date.to_string(), "difference_pence": f.difference.pence() }),
                ))
            },
        )?;
        Ok(view(
            &account_id,
            &account_name,
            &f,
            &explanations,
            Some((initials, signed_at.0)),
        ))
    }

    /// An account's signed reconciliations, newest first.
    pub fn reconciliations(&self, account: &str) -> Result<Vec<api::Reconciliation>, AppError> {
        self.require_accounts_view()?;
        let conn = self.store.conn();
        let (account_id, account_name, ..) = account_row(conn, account)?;
        signed(conn, &account_id, &account_name, None)
    }

    /// Client accounts whose last signed reconciliation is more than five weeks old (or
    /// that have never been reconciled and were opened more than five weeks ago).
    pub fn reconciliation_due(&self) -> Result<Vec<api::ReconciliationDue>, AppError> {
        let conn = self.store.conn();
        let today = dates::london_date(Timestamp::now());
        let mut stmt = conn.prepare_cached(
            "SELECT a.id, a.name, a.opened_on, (SELECT max(r.date) FROM reconciliations r WHERE r.account_id = a.id)
             FROM bank_accounts a WHERE a.kind = 'client' ORDER BY a.name",
        )?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Option<String>>(3)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let mut due = Vec::new();
        for (_, name, opened, last) in rows {
            let opened: Date = opened
                .parse()
                .map_err(|_| AppError::Document(format!("bank account {name} has a bad date")))?;
            let last_date: Option<Date> = last.as_deref().and_then(|d| d.parse().ok());
            if reconciliation::overdue(last_date, opened, today) {
                due.push(api::ReconciliationDue {
                    message: match &last {
                        Some(d) => format!(
                            "{name} was last reconciled at {d}: client accounts must be reconciled at least every five weeks (SRA Accounts Rules r8.3)."
                        ),
                        None => format!(
                            "{name} has never been reconciled though it was opened on {opened}: client accounts must be reconciled at least every five weeks (SRA Accounts Rules r8.3)."
                        ),
                    },
                    account_name: name,
                    last_signed_for: last,
                });
            }
        }
        Ok(due)
    }
}

struct ImportOutcome(api::StatementImport);

impl crate::WriteOutcome for ImportOutcome {
    fn audit_detail(&self) -> serde_json::Value {
        serde_json::json!({
            "file": self.0.file_name,
            "added": self.0.added,
            "duplicates": self.0.duplicates,
            "matched": self.0.matched,
        })
    }
}

struct SignedAt(String, serde_json::Value);

impl crate::WriteOutcome for SignedAt {
    fn audit_detail(&self) -> serde_json::Value {
        self.1.clone()
    }
}
