//! Client and office money on matters: postings, the client ledger, the cash book and the
//! list of client balances.
//!
//! A posting is kept in its matter's document ([`docs::PostingRec`]) and projected into
//! `postings` (one row each, with the core posting as JSON) and `posting_moves` (where it
//! moves money, credit positive). Every rule is `satchel_core::accounts`'s: a new posting is
//! posted into [`Books`] rebuilt — inside the write transaction, so that no other writer
//! can slip in between — from the accounts and every posting touching the ledgers it
//! moves, and is kept only if the books accept it.

use crate::contacts::resolve_matter;
use crate::{AppError, Satchel, docs};
use jiff::Timestamp;
use jiff::civil::Date;
use satchel_api as api;
use satchel_core::accounts::{
    AccountId, AccountKind, Books, BroughtForward, CostsNotice, Method, NewBankAccount, Place,
    Policy, Posting, PostingId, PostingKind, PostingState, direct_moves,
};
use satchel_core::matter::MatterNumber;
use satchel_core::{Invalid, Money};
use satchel_store::rusqlite::{Connection, OptionalExtension, Transaction, params};
use std::collections::BTreeSet;
use uuid::Uuid;

/// The firm's setting for a second authoriser, as projected into `meta`.
pub(crate) const SECOND_AUTHORISER_KEY: &str = "second_authoriser_above_pence";

fn uuid(rec_id: &str, what: &str, text: &str) -> Result<Uuid, AppError> {
    text.parse()
        .map_err(|_| AppError::Document(format!("posting {rec_id} has a bad {what} '{text}'")))
}

/// Its state now: as recorded, confirmed since by the firm server, or refused by it.
pub(crate) fn state_now(rec: &docs::PostingRec) -> docs::Outcome {
    rec.outcome()
}

/// The core's posting for a record in a matter's document.
pub(crate) fn to_posting(
    rec: &docs::PostingRec,
    matter: MatterNumber,
) -> Result<Posting, AppError> {
    rec.to_posting(matter).map_err(AppError::Document)
}

/// The record a matter's document keeps for a posting the books accepted.
fn to_rec(p: &Posting, at: Timestamp) -> docs::PostingRec {
    let mut rec = docs::PostingRec {
        id: p.id.to_string(),
        date: p.date.to_string(),
        kind: String::new(),
        account: String::new(),
        to_account: None,
        amount_pence: 0,
        to_matter: None,
        to_client: None,
        notice: None,
        bill_reference: None,
        bill_unpaid_pence: None,
        reverses: None,
        reason: None,
        method: p.method.as_str().into(),
        reference: p.reference.clone(),
        party: p.party.clone(),
        client: p.client.clone(),
        recorded_by: p.recorded_by.clone(),
        authorised_by: p.authorised_by.clone(),
        recorded_at: at.to_string(),
        state: p.state.as_str().into(),
        confirmed_at: None,
        refused_at: None,
        refused_reason: None,
    };
    match &p.kind {
        PostingKind::Receipt { account, amount } | PostingKind::Payment { account, amount } => {
            rec.kind = if matches!(p.kind, PostingKind::Receipt { .. }) {
                "receipt"
            } else {
                "payment"
            }
            .into();
            rec.account = account.0.to_string();
            rec.amount_pence = amount.pence();
        }
        PostingKind::ClientToOffice {
            from,
            to,
            amount,
            bill,
        } => {
            rec.kind = "client_to_office".into();
            rec.account = from.0.to_string();
            rec.to_account = Some(to.0.to_string());
            rec.amount_pence = amount.pence();
            rec.notice = Some(
                match bill.notice {
                    CostsNotice::Bill => "bill",
                    CostsNotice::WrittenNotification => "written_notification",
                }
                .into(),
            );
            rec.bill_reference = Some(bill.reference.clone());
            rec.bill_unpaid_pence = Some(bill.unpaid.pence());
        }
        PostingKind::ClientToClient {
            from,
            to,
            to_matter,
            to_client,
            amount,
            reason,
        } => {
            rec.kind = "client_to_client".into();
            rec.account = from.0.to_string();
            rec.to_account = Some(to.0.to_string());
            rec.to_matter = Some(u64::from(to_matter.get()));
            rec.to_client = Some(to_client.clone());
            rec.amount_pence = amount.pence();
            rec.reason = Some(reason.clone());
        }
        PostingKind::Reversal { of, reason } => {
            rec.kind = "reversal".into();
            rec.reverses = Some(of.to_string());
            rec.reason = Some(reason.clone());
        }
    }
    rec
}

/// Project one posting of a matter's document: its row and where it moves money.
pub(crate) fn project(
    tx: &Transaction<'_>,
    matter_id: &str,
    matter: MatterNumber,
    rec: &docs::PostingRec,
) -> Result<(), AppError> {
    let p = to_posting(rec, matter)?;
    let state = state_now(rec);
    let (moves, account, amount): (Vec<(Place, i64)>, String, i64) = match &p.kind {
        PostingKind::Reversal { of, .. } => {
            let original: Option<(String, i64)> = tx
                .prepare_cached("SELECT account_id, amount_pence FROM postings WHERE id = ?1")?
                .query_row([of.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?;
            let (account, amount) = original.ok_or_else(|| {
                AppError::Document(format!(
                    "posting {} reverses {of}, which is not on this device",
                    rec.id
                ))
            })?;
            let mut stmt = tx.prepare_cached(
                "SELECT place, account_id, matter_number, delta_pence FROM posting_moves WHERE posting_id = ?1",
            )?;
            let rows = stmt.query_map([of.to_string()], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, u32>(2)?,
                    r.get::<_, i64>(3)?,
                ))
            })?;
            let mut moves = Vec::new();
            for row in rows {
                let (place, account, m, delta) = row?;
                moves.push((place_of(&place, &account, m)?, -delta));
            }
            (moves, account, amount)
        }
        _ => {
            let kind_of = |id: AccountId| {
                tx.prepare_cached("SELECT kind FROM bank_accounts WHERE id = ?1")
                    .and_then(|mut s| {
                        s.query_row([id.0.to_string()], |r| r.get::<_, String>(0))
                            .optional()
                    })
                    .ok()
                    .flatten()
                    .and_then(|k| AccountKind::parse(&k).ok())
            };
            let moves = direct_moves(&p, kind_of).ok_or_else(|| {
                AppError::Document(format!(
                    "posting {} names a bank account this device does not have",
                    rec.id
                ))
            })?;
            (
                moves.into_iter().collect(),
                rec.account.clone(),
                rec.amount_pence,
            )
        }
    };
    tx.prepare_cached(
        "INSERT INTO postings (id, matter_id, matter_number, date, kind, account_id, amount_pence,
             reference, party, recorded_by, authorised_by, recorded_at, state, reverses, bill_ref, body,
             refused_reason)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
    )?
    .execute(params![
        rec.id,
        matter_id,
        matter.get(),
        rec.date,
        rec.kind,
        account,
        amount,
        rec.reference,
        rec.party,
        rec.recorded_by,
        rec.authorised_by,
        rec.recorded_at,
        state.as_str(),
        rec.reverses,
        rec.bill_reference,
        serde_json::to_string(&p).map_err(|e| AppError::Document(e.to_string()))?,
        rec.refused_reason,
    ])?;
    // A posting the firm server refused moves no money: it stays listed, with the reason.
    if state != docs::Outcome::Refused {
        for (place, delta) in moves {
            insert_move(
                tx,
                &rec.id,
                place,
                &rec.date,
                delta,
                state == docs::Outcome::Confirmed,
            )?;
        }
    }
    Ok(())
}

/// Remove a posting's rows (its document lost it: only a rebuild or an erasure does that).
pub(crate) fn unproject(tx: &Transaction<'_>, id: &str) -> Result<(), AppError> {
    tx.execute("DELETE FROM posting_moves WHERE posting_id = ?1", [id])?;
    tx.execute("DELETE FROM postings WHERE id = ?1", [id])?;
    Ok(())
}

/// The opening balances of the firm's accounts as movements (`opening:<account>`).
pub(crate) fn project_openings(
    tx: &Transaction<'_>,
    accounts: &std::collections::BTreeMap<String, docs::BankAccountRec>,
) -> Result<(), AppError> {
    tx.execute(
        "DELETE FROM posting_moves WHERE posting_id LIKE 'opening:%'",
        [],
    )?;
    for (id, a) in accounts {
        let account = AccountId(uuid(id, "account", id)?);
        let posting = format!("opening:{id}");
        if a.opening_balance_pence != 0 {
            insert_move(
                tx,
                &posting,
                Place::Cash(account),
                &a.opened_on,
                a.opening_balance_pence,
                true,
            )?;
        }
        for bf in &a.brought_forward {
            let m = MatterNumber::new(u32::try_from(bf.matter_number).unwrap_or(u32::MAX));
            insert_move(
                tx,
                &posting,
                Place::Client(account, m),
                &a.opened_on,
                bf.amount_pence,
                true,
            )?;
        }
    }
    Ok(())
}

fn insert_move(
    tx: &Transaction<'_>,
    posting: &str,
    place: Place,
    date: &str,
    delta: i64,
    confirmed: bool,
) -> Result<(), AppError> {
    let (name, account, matter) = match place {
        Place::Cash(a) => ("cash", a.0.to_string(), 0),
        Place::Client(a, m) => ("client", a.0.to_string(), m.get()),
        Place::Office(m) => ("office", String::new(), m.get()),
    };
    // A cash book entry already matched to a statement line (a rebuild, a matter
    // re-projected) keeps the line's date.
    tx.prepare_cached(
        "INSERT INTO posting_moves (posting_id, place, account_id, matter_number, date, delta_pence, confirmed, presented_on)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7,
                 CASE WHEN ?2 = 'cash' THEN (SELECT s.date FROM statement_lines s
                                             WHERE s.account_id = ?3 AND s.matched_posting = ?1) END)",
    )?
    .execute(params![posting, name, account, matter, date, delta, confirmed])?;
    Ok(())
}

fn place_of(place: &str, account: &str, matter: u32) -> Result<Place, AppError> {
    let id = || {
        account
            .parse()
            .map(AccountId)
            .map_err(|_| AppError::Document(format!("a movement names a bad account '{account}'")))
    };
    Ok(match place {
        "cash" => Place::Cash(id()?),
        "client" => Place::Client(id()?, MatterNumber::new(matter)),
        _ => Place::Office(MatterNumber::new(matter)),
    })
}

/// The books as far as `matters`' ledgers go: every account with its opening balance, and
/// every posting that touches one of those ledgers, in the order recorded. Enough to check
/// a new posting on them, and to show their ledgers.
pub(crate) fn books_for(
    conn: &Connection,
    firm_name: &str,
    matters: &BTreeSet<MatterNumber>,
) -> Result<Books, AppError> {
    let threshold: Option<i64> = conn
        .query_row(
            "SELECT value FROM meta WHERE key = ?1",
            [SECOND_AUTHORISER_KEY],
            |r| r.get::<_, String>(0),
        )
        .optional()?
        .and_then(|v| v.parse().ok());
    let mut books = Books::new(Policy {
        second_authoriser_above: threshold.map(Money::from_pence),
    });
    let mut stmt = conn.prepare_cached(
        "SELECT id, kind, name, sort_code, account_number, opening_pence, opened_on FROM bank_accounts",
    )?;
    let accounts = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, i64>(5)?,
                r.get::<_, String>(6)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    for (id, kind, name, sort_code, number, opening, opened_on) in accounts {
        let account = NewBankAccount {
            id: AccountId(uuid(&id, "account", &id)?),
            kind: AccountKind::parse(&kind)?,
            name: &name,
            sort_code: &sort_code,
            account_number: &number,
            opening_balance: Money::from_pence(opening),
        }
        .validate(firm_name)?;
        let opened: Date = opened_on
            .parse()
            .map_err(|_| AppError::Document(format!("bank account {id} has a bad date")))?;
        let mut bf_stmt = conn.prepare_cached(
            "SELECT o.matter_number, coalesce(m.client_name, ''), o.delta_pence
             FROM posting_moves o LEFT JOIN matters m ON m.number = o.matter_number
             WHERE o.posting_id = ?1 AND o.place = 'client'",
        )?;
        let bf = bf_stmt
            .query_map([format!("opening:{id}")], |r| {
                Ok(BroughtForward {
                    matter: MatterNumber::new(r.get(0)?),
                    client: r.get(1)?,
                    amount: Money::from_pence(r.get(2)?),
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        books.add_account(account, opened, bf)?;
    }
    if matters.is_empty() {
        return Ok(books);
    }
    let list = matters
        .iter()
        .map(|m| m.get().to_string())
        .collect::<Vec<_>>()
        .join(",");
    let mut stmt = conn.prepare(&format!(
        "SELECT p.body, p.state FROM postings p
         WHERE p.id IN (SELECT posting_id FROM posting_moves
                        WHERE place <> 'cash' AND matter_number IN ({list}))
         ORDER BY p.id"
    ))?;
    let rows = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    // A reversal recorded on a device whose clock was behind may sort before its original.
    let mut waiting = Vec::new();
    for (body, state) in rows {
        let posting: Posting =
            serde_json::from_str(&body).map_err(|e| AppError::Document(e.to_string()))?;
        let state = if state == "pending" {
            PostingState::Pending
        } else {
            PostingState::Confirmed
        };
        match &posting.kind {
            PostingKind::Reversal { of, .. } if books.entry(*of).is_none() => {
                waiting.push((posting, state));
            }
            _ => {
                books.restore(posting, state)?;
            }
        }
    }
    for (posting, state) in waiting {
        books.restore(posting, state)?;
    }
    Ok(books)
}

/// A bank account by id or name (exact, or a part of the name only one account has).
pub(crate) fn resolve_account(
    conn: &Connection,
    field: &'static str,
    text: &str,
) -> Result<(AccountId, AccountKind, String), AppError> {
    let wanted = text.trim();
    if wanted.is_empty() {
        return Err(Invalid::new(field, "is required: name the bank account").into());
    }
    let mut stmt = conn.prepare_cached("SELECT id, kind, name FROM bank_accounts ORDER BY name")?;
    let all = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let lower = wanted.to_lowercase();
    let exact: Vec<_> = all
        .iter()
        .filter(|(id, _, name)| id == wanted || name.to_lowercase() == lower)
        .collect();
    let found = if exact.len() == 1 {
        exact
    } else {
        all.iter()
            .filter(|(_, _, name)| name.to_lowercase().contains(&lower))
            .collect()
    };
    match found.as_slice() {
        [(id, kind, name)] => Ok((
            AccountId(uuid(id, "account", id)?),
            AccountKind::parse(kind)?,
            name.clone(),
        )),
        [] => Err(Invalid::new(
            field,
            format!("'{wanted}' is not one of the firm's bank accounts"),
        )
        .into()),
        many => Err(Invalid::new(
            field,
            format!(
                "'{wanted}' could be any of: {}",
                many.iter()
                    .map(|(_, _, n)| n.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
        .into()),
    }
}

fn client_of(conn: &Connection, matter_id: &str) -> Result<String, AppError> {
    Ok(conn.query_row(
        "SELECT client_name FROM matters WHERE id = ?1",
        [matter_id],
        |r| r.get(0),
    )?)
}

/// The matters whose ledgers a posting on `matter` moves, besides `matter` itself.
fn other_matters(conn: &Connection, kind: &PostingKind) -> Result<Vec<MatterNumber>, AppError> {
    Ok(match kind {
        PostingKind::ClientToClient { to_matter, .. } => vec![*to_matter],
        PostingKind::Reversal { of, .. } => {
            let mut stmt = conn.prepare_cached(
                "SELECT DISTINCT matter_number FROM posting_moves WHERE posting_id = ?1 AND place <> 'cash'",
            )?;
            stmt.query_map([of.to_string()], |r| r.get::<_, u32>(0))?
                .map(|n| n.map(MatterNumber::new))
                .collect::<Result<Vec<_>, _>>()?
        }
        _ => Vec::new(),
    })
}

/// A movement as a ledger shows it: blank for none.
fn nonzero(m: Money) -> String {
    if m.pence() == 0 {
        String::new()
    } else {
        m.to_string()
    }
}

fn amount(text: &str) -> Result<Money, Invalid> {
    if text.trim().is_empty() {
        return Err(Invalid::new("amount", "is required"));
    }
    Money::parse_field("amount", text)
}

impl Satchel {
    /// Record money moved on a matter: a receipt, a payment, a transfer or a reversal. The
    /// core books check it against every rule first (an overdrawing payment is refused with
    /// the balance available); nothing is kept unless they accept it.
    pub fn record_posting(&mut self, req: &api::PostingRequest) -> Result<api::Posting, AppError> {
        self.require_accounts_role("record client or office money")?;
        let today = satchel_core::dates::london_date(Timestamp::now());
        let date = satchel_core::dates::on_or_before_today("date", &req.date, today)?;
        let conn = self.store.conn();
        let (matter_id, matter) = resolve_matter(conn, &req.matter)?;
        let method = if req.method.trim().is_empty() {
            Method::BankTransfer
        } else {
            Method::parse(&req.method)?
        };
        let authorised_by = if req.authorised_by.trim().is_empty() {
            None
        } else {
            self.user_by_initials("authorised_by", &req.authorised_by)?;
            Some(req.authorised_by.trim().to_uppercase())
        };
        let text = |field: &'static str, v: &str| -> Result<String, Invalid> {
            if v.trim().is_empty() {
                Err(Invalid::new(field, "is required"))
            } else {
                Ok(v.trim().to_owned())
            }
        };
        let mut office_bill = None;
        let kind = match req.kind.trim() {
            "receipt" | "payment" => {
                let (account, account_kind, _) = resolve_account(conn, "account", &req.account)?;
                let amount = amount(&req.amount)?;
                if !req.bill.trim().is_empty() {
                    if req.kind.trim() != "receipt" || account_kind != AccountKind::Office {
                        return Err(Invalid::new(
                            "bill",
                            "is for money paid into office account for a bill; money paid into client account is client money until it is transferred against the bill",
                        )
                        .into());
                    }
                    let notice = crate::bills::costs_notice(conn, matter, &req.bill)?;
                    if amount > notice.unpaid {
                        return Err(Invalid::new(
                            "amount",
                            format!(
                                "({amount}) is more than the {} unpaid on {}",
                                notice.unpaid, notice.reference
                            ),
                        )
                        .into());
                    }
                    office_bill = Some(notice.reference);
                }
                if req.kind.trim() == "receipt" {
                    PostingKind::Receipt { account, amount }
                } else {
                    PostingKind::Payment { account, amount }
                }
            }
            "transfer" if !req.to_matter.trim().is_empty() => {
                let (from, _, _) = resolve_account(conn, "account", &req.account)?;
                let (to_id, to_matter) =
                    resolve_matter(conn, &req.to_matter).map_err(|e| match e {
                        AppError::Invalid(i) => {
                            AppError::Invalid(Invalid::new("to_matter", i.message))
                        }
                        other => other,
                    })?;
                let to = if req.to_account.trim().is_empty() {
                    from
                } else {
                    resolve_account(conn, "to_account", &req.to_account)?.0
                };
                PostingKind::ClientToClient {
                    from,
                    to,
                    to_matter,
                    to_client: client_of(conn, &to_id)?,
                    amount: amount(&req.amount)?,
                    reason: text("reason", &req.reason)?,
                }
            }
            "transfer" if !req.bill.trim().is_empty() => {
                let (from, _, _) = resolve_account(conn, "account", &req.account)?;
                let to = if req.to_account.trim().is_empty() {
                    self.only_office_account()?
                } else {
                    resolve_account(conn, "to_account", &req.to_account)?.0
                };
                PostingKind::ClientToOffice {
                    from,
                    to,
                    amount: amount(&req.amount)?,
                    bill: crate::bills::costs_notice(conn, matter, &req.bill)?,
                }
            }
            "transfer" => {
                return Err(Invalid::new(
                    "bill",
                    "is required: client money moves to office account only against a bill or written notification of costs already given (r4); to move it to another matter's ledger, name the matter (to_matter)",
                )
                .into());
            }
            "reversal" => {
                let of: Uuid = req.reverses.trim().parse().map_err(|_| {
                    Invalid::new(
                        "reverses",
                        format!("'{}' is not a posting id", req.reverses.trim()),
                    )
                })?;
                PostingKind::Reversal {
                    of: PostingId(of),
                    reason: text("reason", &req.reason)?,
                }
            }
            other => {
                return Err(Invalid::new(
                    "kind",
                    format!(
                        "'{other}' is not a posting: use receipt, payment, transfer or reversal"
                    ),
                )
                .into());
            }
        };
        let party = match kind {
            PostingKind::Reversal { .. } if req.party.trim().is_empty() => String::new(),
            _ => req.party.clone(),
        };
        let method = match kind {
            PostingKind::Reversal { .. }
            | PostingKind::ClientToClient { .. }
            | PostingKind::ClientToOffice { .. } => Method::Internal,
            _ => method,
        };
        let reference = if req.reference.trim().is_empty() {
            match &kind {
                PostingKind::Reversal { of, .. } => format!("Reversal of {of}"),
                PostingKind::ClientToOffice { bill, .. } => bill.reference.clone(),
                PostingKind::ClientToClient { to_matter, .. } => format!("To {to_matter}"),
                _ => String::new(),
            }
        } else {
            req.reference.clone()
        };
        let id = PostingId(Uuid::now_v7());
        let posting = Posting {
            id,
            date,
            matter,
            client: client_of(conn, &matter_id)?,
            method,
            reference,
            party,
            recorded_by: self.ctx.initials.clone(),
            authorised_by,
            // A standalone device is the firm's books: nothing waits for a server. Enrolled,
            // money out of a client ledger waits for the server's answer (below).
            state: PostingState::Confirmed,
            kind,
        };
        let word = posting.kind.word();
        let firm_name = self.ctx.firm_name.clone();
        let enrolled = self.server_settings()?.is_some();
        self.write(
            &format!("money.{word}"),
            &format!("matter:{matter_id}"),
            |tx, at, actor| {
                // Checked inside the write lock: no other writer can change these ledgers
                // between the check and the keeping.
                let mut matters: BTreeSet<MatterNumber> = [matter].into();
                matters.extend(other_matters(tx, &posting.kind)?);
                let mut books = books_for(tx, &firm_name, &matters)?;
                let mut posting = posting.clone();
                // Two devices apart could each pay out what only one may: the firm server,
                // which holds the firm's books, confirms or refuses a payment out of client
                // money in the order recorded. Until it answers, the payment is pending (it
                // counts against what is available here at once).
                if enrolled
                    && books
                        .moves_of(&posting)?
                        .iter()
                        .any(|(slot, delta)| matches!(slot, Place::Client(..)) && *delta < 0)
                {
                    posting.state = PostingState::Pending;
                }
                books.post(posting.clone())?;
                let kept = books
                    .entry(id)
                    .map(|e| e.posting().clone())
                    .ok_or_else(|| AppError::Document("the books lost a posting".into()))?;
                // A signed reconciliation locks its account's cash book up to its date.
                for place in books.moves_of(&kept)?.keys() {
                    if let Place::Cash(account) = place
                        && let Some(signed) = crate::bank::last_signed(tx, &account.0.to_string())?
                        && kept.date.to_string() <= signed
                    {
                        let name = books.account(*account).map_or("", |a| a.name());
                        return Err(Invalid::new(
                            "date",
                            format!("{} is on or before {signed}, the date {name} is reconciled and signed to; record it on a later date", kept.date),
                        )
                        .into());
                    }
                }
                let mut rec = to_rec(&kept, at);
                if let Some(bill) = &office_bill {
                    rec.notice = Some("bill".into());
                    rec.bill_reference = Some(bill.clone());
                }
                crate::update_matter(tx, &matter_id, actor, at, &format!("record {word}"), |m| {
                    m.postings.push(rec.clone());
                })?;
                Ok(serde_json::json!({
                    "posting": id.to_string(),
                    "kind": rec.kind,
                    "amount_pence": rec.amount_pence,
                    "account": rec.account,
                    "date": rec.date,
                }))
            },
        )?;
        self.posting(&id.to_string())
    }

    /// Set (or, with an empty amount, clear) the amount above which a payment from client
    /// account needs a second authoriser. Partners and admins only.
    pub fn set_second_authoriser_above(&mut self, amount: &str) -> Result<Option<i64>, AppError> {
        self.require_manager("set who must authorise client payments")?;
        let pence = if amount.trim().is_empty() {
            None
        } else {
            let m = Money::parse_field("amount", amount)?;
            if m.pence() < 0 {
                return Err(Invalid::new("amount", "cannot be negative").into());
            }
            Some(m.pence())
        };
        let firm_doc = self.ctx.firm_doc.clone();
        self.write("firm.money_policy", "firm", |tx, at, actor| {
            crate::firmdoc::update_firm(
                tx,
                &firm_doc,
                actor,
                at,
                "set second authoriser threshold",
                |f| {
                    f.second_authoriser_above_pence = pence;
                    Ok(())
                },
            )?;
            Ok(serde_json::json!({ "second_authoriser_above_pence": pence }))
        })?;
        Ok(pence)
    }

    /// The firm's office account, when it has exactly one.
    fn only_office_account(&self) -> Result<AccountId, AppError> {
        let mut stmt = self
            .store
            .conn()
            .prepare_cached("SELECT id FROM bank_accounts WHERE kind = 'office'")?;
        let ids = stmt
            .query_map([], |r| r.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        match ids.as_slice() {
            [id] => Ok(AccountId(uuid(id, "account", id)?)),
            [] => Err(Invalid::new("to_account", "the firm has no office account yet").into()),
            _ => Err(Invalid::new(
                "to_account",
                "is required: the firm has more than one office account",
            )
            .into()),
        }
    }

    /// One posting, as the books hold it.
    pub fn posting(&self, id: &str) -> Result<api::Posting, AppError> {
        self.postings_where("p.id = ?1", id)?
            .pop()
            .ok_or_else(|| Invalid::new("posting", format!("{id} is not a posting")).into())
    }

    /// A matter's postings in the order recorded.
    pub fn matter_postings(&self, matter: &str) -> Result<Vec<api::Posting>, AppError> {
        let (_, number) = resolve_matter(self.store.conn(), matter)?;
        self.postings_where("p.matter_number = ?1", &number.get().to_string())
    }

    fn postings_where(&self, condition: &str, arg: &str) -> Result<Vec<api::Posting>, AppError> {
        let sql = format!(
            "SELECT p.id, p.matter_number, p.date, p.kind, coalesce(a.name, ''), p.amount_pence,
                    p.reference, p.party, p.recorded_by, p.authorised_by, p.state, p.reverses,
                    (SELECT r.id FROM postings r WHERE r.reverses = p.id), p.refused_reason
             FROM postings p LEFT JOIN bank_accounts a ON a.id = p.account_id
             WHERE {condition} ORDER BY p.id"
        );
        let mut stmt = self.store.conn().prepare_cached(&sql)?;
        let rows = stmt.query_map([arg], |r| {
            let pence: i64 = r.get(5)?;
            Ok(api::Posting {
                id: r.get(0)?,
                matter_number: MatterNumber::new(r.get(1)?).to_string(),
                date: r.get(2)?,
                kind: r.get(3)?,
                account_name: r.get(4)?,
                amount_pence: pence,
                amount: Money::from_pence(pence).to_string(),
                reference: r.get(6)?,
                party: r.get(7)?,
                recorded_by: r.get(8)?,
                authorised_by: r.get(9)?,
                state: r.get(10)?,
                reverses: r.get(11)?,
                reversed_by: r.get(12)?,
                refused_reason: r.get(13)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// A matter's client ledger: client side and office side with running balances.
    pub fn client_ledger(&self, matter: &str) -> Result<api::ClientLedger, AppError> {
        let conn = self.store.conn();
        let (matter_id, number) = resolve_matter(conn, matter)?;
        let books = books_for(conn, &self.ctx.firm_name, &[number].into())?;
        let mut parties = std::collections::HashMap::new();
        for e in books.entries() {
            parties.insert(e.posting().id, e.posting().party.clone());
        }
        let lines: Vec<api::LedgerLine> = books
            .ledger(number)
            .into_iter()
            .map(|l| {
                let entry = l.posting.and_then(|id| books.entry(id));
                api::LedgerLine {
                    date: l.date.to_string(),
                    posting_id: l.posting.map(|p| p.to_string()).unwrap_or_default(),
                    what: l.what.into(),
                    reference: l.reference,
                    party: l
                        .posting
                        .and_then(|p| parties.get(&p).cloned())
                        .unwrap_or_default(),
                    state: l.state.as_str().into(),
                    client_pence: l.client_side.pence(),
                    office_pence: l.office_side.pence(),
                    client_balance_pence: l.client_balance.pence(),
                    office_balance_pence: l.office_balance.pence(),
                    client: nonzero(l.client_side),
                    office: nonzero(l.office_side),
                    client_balance: l.client_balance.to_string(),
                    office_balance: l.office_balance.to_string(),
                    reversible: entry.is_some_and(|e| {
                        e.state() == PostingState::Confirmed
                            && e.reversed_by().is_none()
                            && !matches!(e.posting().kind, PostingKind::Reversal { .. })
                    }),
                }
            })
            .collect();
        // Bills debit the office side (what the client owes the firm); credit notes
        // credit it. Merged in by date, after the postings of the same day.
        let mut lines: Vec<api::LedgerLine> = lines;
        // When each posting on the ledger was recorded, to place a bill among the postings of
        // its own day.
        let mut stmt = conn.prepare_cached(
            "SELECT id, recorded_at FROM postings WHERE id IN
                 (SELECT posting_id FROM posting_moves WHERE matter_number = ?1 AND place <> 'cash')",
        )?;
        let recorded: std::collections::HashMap<String, String> = stmt
            .query_map([number.get()], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        let mut stmt = conn.prepare_cached(
            "SELECT date, number, kind, total_pence, recorded_at FROM bills WHERE matter_number = ?1 ORDER BY date, number",
        )?;
        let bills = stmt
            .query_map([number.get()], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, String>(4)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        for (date, bill, kind, total, bill_recorded) in bills {
            let at = lines
                .iter()
                .position(|l| {
                    l.date > date
                        || (l.date == date
                            && recorded.get(&l.posting_id).is_some_and(|r| {
                                r.parse::<Timestamp>().ok()
                                    > bill_recorded.parse::<Timestamp>().ok()
                            }))
                })
                .unwrap_or(lines.len());
            let what = match kind.as_str() {
                "credit_note" => format!("credit note {bill}"),
                "notification" => format!("notification of costs {bill}"),
                _ => format!("bill {bill}"),
            };
            lines.insert(
                at,
                api::LedgerLine {
                    date,
                    posting_id: String::new(),
                    what,
                    reference: bill,
                    party: String::new(),
                    state: "confirmed".into(),
                    client_pence: 0,
                    office_pence: -total,
                    client_balance_pence: 0,
                    office_balance_pence: 0,
                    client: String::new(),
                    office: Money::from_pence(-total).to_string(),
                    client_balance: String::new(),
                    office_balance: String::new(),
                    reversible: false,
                },
            );
        }
        let (mut client_run, mut office_run) = (0_i64, 0_i64);
        for l in &mut lines {
            client_run = client_run.saturating_add(l.client_pence);
            office_run = office_run.saturating_add(l.office_pence);
            l.client_balance_pence = client_run;
            l.office_balance_pence = office_run;
            l.client_balance = Money::from_pence(client_run).to_string();
            l.office_balance = Money::from_pence(office_run).to_string();
        }
        let client = books.client_ledger(number);
        let refused = self.postings_where(
            "p.matter_number = ?1 AND p.state = 'refused'",
            &number.get().to_string(),
        )?;
        Ok(api::ClientLedger {
            refused,
            matter_number: number.to_string(),
            client_name: client_of(conn, &matter_id)?,
            lines,
            client_balance_pence: client.recorded().pence(),
            available_pence: client.available().pence(),
            confirmed_pence: client.confirmed.pence(),
            pending_out_pence: client.pending_out.pence(),
            confirmed: client.confirmed.to_string(),
            pending_out: client.pending_out.to_string(),
            office_balance_pence: office_run,
            client_balance: client.recorded().to_string(),
            available: client.available().to_string(),
            office_balance: Money::from_pence(office_run).to_string(),
        })
    }

    /// A matter's client money held, on the recorded basis, in pence: one sum over an index.
    pub fn client_balance_pence(&self, matter: &str) -> Result<i64, AppError> {
        let (_, number) = resolve_matter(self.store.conn(), matter)?;
        Ok(self.store.conn().query_row(
            "SELECT coalesce(sum(delta_pence), 0) FROM posting_moves
             WHERE matter_number = ?1 AND place = 'client'",
            [number.get()],
            |r| r.get(0),
        )?)
    }

    /// A bank account's cash book between two dates (default: the last 90 days to today).
    pub fn cash_book(
        &self,
        account: &str,
        from: &str,
        to: &str,
    ) -> Result<api::CashBook, AppError> {
        self.require_accounts_view()?;
        let conn = self.store.conn();
        let (id, _, _) = resolve_account(conn, "account", account)?;
        let today = satchel_core::dates::london_date(Timestamp::now());
        let to = satchel_core::dates::parse_optional("to", to)?.unwrap_or(today);
        let from = satchel_core::dates::parse_optional("from", from)?
            .unwrap_or_else(|| to.saturating_sub(jiff::Span::new().days(90)));
        if from > to {
            return Err(Invalid::new("from", format!("must be on or before {to}")).into());
        }
        let account = self
            .list_bank_accounts()?
            .into_iter()
            .find(|a| a.id == id.0.to_string())
            .ok_or_else(|| AppError::Document("the bank account went".into()))?;
        let brought_forward: i64 = conn.query_row(
            "SELECT coalesce(sum(delta_pence), 0) FROM posting_moves
             WHERE account_id = ?1 AND place = 'cash' AND date < ?2",
            params![account.id, from.to_string()],
            |r| r.get(0),
        )?;
        let mut stmt = conn.prepare_cached(
            "SELECT v.date, v.posting_id, coalesce(p.matter_number, 0), coalesce(p.kind, 'opening'),
                    coalesce(p.reference, 'Opening balance'), coalesce(p.party, ''),
                    coalesce(p.state, 'confirmed'), v.delta_pence
             FROM posting_moves v LEFT JOIN postings p ON p.id = v.posting_id
             WHERE v.account_id = ?1 AND v.place = 'cash' AND v.date >= ?2 AND v.date <= ?3
             ORDER BY v.date, p.id IS NOT NULL, v.posting_id",
        )?;
        let mut balance = brought_forward;
        let rows = stmt.query_map(params![account.id, from.to_string(), to.to_string()], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, u32>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, String>(6)?,
                r.get::<_, i64>(7)?,
            ))
        })?;
        let mut lines = Vec::new();
        for row in rows {
            let (date, posting_id, m, what, reference, party, state, delta) = row?;
            balance = balance.saturating_add(delta);
            lines.push(api::CashBookLine {
                date,
                posting_id,
                matter_number: if m == 0 {
                    String::new()
                } else {
                    MatterNumber::new(m).to_string()
                },
                what,
                reference,
                party,
                state,
                amount_pence: delta,
                balance_pence: balance,
                amount: Money::from_pence(delta).to_string(),
                balance: Money::from_pence(balance).to_string(),
            });
        }
        Ok(api::CashBook {
            account,
            from: from.to_string(),
            to: to.to_string(),
            brought_forward_pence: brought_forward,
            lines,
            balance_pence: balance,
            brought_forward: Money::from_pence(brought_forward).to_string(),
            balance: Money::from_pence(balance).to_string(),
        })
    }

    /// The list of client balances (r8.1): every matter's client money in each client
    /// account that is not zero, by account then matter.
    pub fn client_balances(&self) -> Result<Vec<api::ClientBalanceRow>, AppError> {
        self.require_accounts_view()?;
        let mut stmt = self.store.conn().prepare_cached(
            "SELECT a.name, v.matter_number, coalesce(m.client_name, ''), sum(v.delta_pence),
                    sum(CASE WHEN v.confirmed = 1 OR v.delta_pence < 0 THEN v.delta_pence ELSE 0 END),
                    max(v.date)
             FROM posting_moves v JOIN bank_accounts a ON a.id = v.account_id
             LEFT JOIN matters m ON m.number = v.matter_number
             WHERE v.place = 'client'
             GROUP BY v.account_id, v.matter_number
             HAVING sum(v.delta_pence) <> 0 OR sum(v.confirmed = 0) > 0
             ORDER BY a.name, v.matter_number",
        )?;
        let rows = stmt.query_map([], |r| {
            let (balance, available): (i64, i64) = (r.get(3)?, r.get(4)?);
            Ok(api::ClientBalanceRow {
                account_name: r.get(0)?,
                matter_number: MatterNumber::new(r.get(1)?).to_string(),
                client_name: r.get(2)?,
                balance_pence: balance,
                available_pence: available,
                balance: Money::from_pence(balance).to_string(),
                available: Money::from_pence(available).to_string(),
                last_movement: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
