//! The firm's bank accounts (client and office), kept in the firm document. Every rule is
//! `satchel_core::accounts`'s: a new account is checked by replaying the accounts already
//! held into `Books` and adding it there, so what is stored is what the books accept.

use crate::firmdoc::update_firm;
use crate::{AppError, Satchel, docs};
use jiff::Timestamp;
use jiff::civil::Date;
use satchel_api as api;
use satchel_core::Invalid;
use satchel_core::Money;
use satchel_core::accounts::{
    AccountId, AccountKind, Books, BroughtForward, NewBankAccount, Policy,
};
use satchel_core::firm::Role;
use satchel_core::matter::MatterNumber;
use satchel_store::rusqlite::OptionalExtension;
use uuid::Uuid;

fn money(field: &'static str, text: &str) -> Result<Money, Invalid> {
    if text.trim().is_empty() {
        return Ok(Money::from_pence(0));
    }
    Money::parse_field(field, text)
}

/// "M00042=120.00" as a matter and an amount.
fn brought_forward(text: &str) -> Result<(MatterNumber, Money), Invalid> {
    let (m, a) = text.split_once('=').ok_or_else(|| {
        Invalid::new(
            "brought_forward",
            format!("'{text}' must look like M00042=120.00"),
        )
    })?;
    let number = MatterNumber::parse(m).map_err(|e| Invalid::new("brought_forward", e.message))?;
    Ok((number, money("brought_forward", a)?))
}

/// The core's view of an account record (ids are UUIDs; a bad one is a damaged document).
fn to_books(
    books: &mut Books,
    firm_name: &str,
    id: &str,
    a: &docs::BankAccountRec,
) -> Result<(), AppError> {
    let uuid: Uuid = id
        .parse()
        .map_err(|_| AppError::Document(format!("bank account id {id} is not a UUID")))?;
    let kind = AccountKind::parse(&a.kind)?;
    let account = NewBankAccount {
        id: AccountId(uuid),
        kind,
        name: &a.name,
        sort_code: &a.sort_code,
        account_number: &a.account_number,
        opening_balance: Money::from_pence(a.opening_balance_pence),
    }
    .validate(firm_name)?;
    let opened: Date = a
        .opened_on
        .parse()
        .map_err(|_| AppError::Document(format!("bank account {id} has a bad date")))?;
    let bf = a
        .brought_forward
        .iter()
        .map(|b| BroughtForward {
            matter: MatterNumber::new(u32::try_from(b.matter_number).unwrap_or(u32::MAX)),
            client: b.client.clone(),
            amount: Money::from_pence(b.amount_pence),
        })
        .collect();
    books.add_account(account, opened, bf)?;
    Ok(())
}

impl Satchel {
    /// The firm's accounts are not shown to read-only users.
    pub(crate) fn require_accounts_view(&self) -> Result<(), AppError> {
        if self.ctx.role.may_see_accounts() {
            Ok(())
        } else {
            Err(AppError::Forbidden(
                "a read-only user may not see the firm's accounts".into(),
            ))
        }
    }

    pub(crate) fn require_accounts_role(&self, what: &str) -> Result<(), AppError> {
        if matches!(self.ctx.role, Role::Admin | Role::Partner | Role::Cashier) {
            Ok(())
        } else {
            Err(AppError::Forbidden(format!(
                "only a cashier, a partner or an admin may {what}"
            )))
        }
    }

    /// Add a client or office bank account. A client account's name must hold the firm's
    /// name and the word "client"; its opening balance is allocated to matters' client
    /// ledgers exactly ("M00042=120.00" each), and may not be negative.
    pub fn add_bank_account(
        &mut self,
        req: &api::NewBankAccountRequest,
    ) -> Result<api::BankAccount, AppError> {
        self.require_accounts_role("add bank accounts")?;
        let today = satchel_core::dates::london_date(Timestamp::now());
        let opened_on =
            satchel_core::dates::on_or_before_today("opened_on", &req.opened_on, today)?;
        let kind = AccountKind::parse(&req.kind)?;
        let opening = money("opening_balance", &req.opening_balance)?;
        let mut bf = Vec::new();
        for text in req.brought_forward.iter().filter(|t| !t.trim().is_empty()) {
            let (number, amount) = brought_forward(text)?;
            let client: Option<String> = self
                .store
                .conn()
                .query_row(
                    "SELECT client_name FROM matters WHERE number = ?1",
                    [number.get()],
                    |r| r.get(0),
                )
                .optional()?;
            let client = client.ok_or_else(|| {
                Invalid::new(
                    "brought_forward",
                    format!("{number} is not a matter on this device"),
                )
            })?;
            bf.push(docs::BroughtForwardRec {
                matter_number: u64::from(number.get()),
                client,
                amount_pence: amount.pence(),
            });
        }
        let id = Uuid::now_v7();
        // Validate first, on its own, for the field-by-field messages.
        let valid = NewBankAccount {
            id: AccountId(id),
            kind,
            name: &req.name,
            sort_code: &req.sort_code,
            account_number: &req.account_number,
            opening_balance: opening,
        }
        .validate(&self.ctx.firm_name)?;
        let rec = docs::BankAccountRec {
            kind: kind.as_str().into(),
            name: valid.name().to_owned(),
            sort_code: valid.sort_code().digits().to_owned(),
            account_number: valid.account_number().digits().to_owned(),
            opening_balance_pence: opening.pence(),
            opened_on: opened_on.to_string(),
            brought_forward: bf,
            added_by: self.ctx.user_id.clone(),
        };
        let firm_doc = self.ctx.firm_doc.clone();
        let firm_name = self.ctx.firm_name.clone();
        let id_text = id.to_string();
        self.write("account.add", &format!("account:{id_text}"), |tx, at, actor| {
            update_firm(tx, &firm_doc, actor, at, "add bank account", |f| {
                // The books must accept it alongside every account already held.
                let mut books = Books::new(Policy::default());
                for (held_id, held) in &f.accounts {
                    to_books(&mut books, &firm_name, held_id, held)?;
                }
                to_books(&mut books, &firm_name, &id_text, &rec)?;
                f.accounts.insert(id_text.clone(), rec.clone());
                Ok(())
            })?;
            Ok(serde_json::json!({ "kind": rec.kind, "matters_brought_forward": rec.brought_forward.len() }))
        })?;
        self.list_bank_accounts()?
            .into_iter()
            .find(|a| a.id == id.to_string())
            .ok_or_else(|| AppError::Document("the bank account was not kept".into()))
    }

    /// The firm's bank accounts: client accounts first, then by name.
    pub fn list_bank_accounts(&self) -> Result<Vec<api::BankAccount>, AppError> {
        let mut stmt = self.store.conn().prepare_cached(
            "SELECT id, kind, name, sort_code, account_number, opening_pence, opened_on
             FROM bank_accounts ORDER BY kind = 'office', name COLLATE NOCASE",
        )?;
        let rows = stmt.query_map([], |r| {
            let sort: String = r.get(3)?;
            let pence: i64 = r.get(5)?;
            Ok(api::BankAccount {
                id: r.get(0)?,
                kind: r.get(1)?,
                name: r.get(2)?,
                sort_code: match (sort.get(0..2), sort.get(2..4), sort.get(4..6)) {
                    (Some(a), Some(b), Some(c)) => format!("{a}-{b}-{c}"),
                    _ => sort.clone(),
                },
                account_number: r.get(4)?,
                opening_balance_pence: pence,
                opening_balance: Money::from_pence(pence).to_string(),
                opened_on: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
