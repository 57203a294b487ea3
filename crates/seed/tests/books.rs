//! A generated demo firm keeps the books: loaded into a store, its client ledgers are never
//! below zero, they add up to the client account's cash book, every ledger replays, and
//! every posting, taken in the order recorded, is one the core books accept as new; and its
//! bank statements reconcile, differing only by the bank's charges.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests

use satchel_api::{ExplanationInput, PostingRequest, ReconcileRequest};
use satchel_app::domain::Money;
use satchel_app::domain::accounts::{
    AccountId, AccountKind, Books, NewBankAccount, Policy, Posting,
};
use satchel_app::{KeyVault, MemoryVault, Satchel, Setup, Unlock};
use satchel_seed::{DEMO, FIRM_NAME, LAST_DAY, STATEMENTS_TO, generate, holds_generated_firm};
use satchel_store::envelope::KdfParams;
use satchel_store::{DB_FILE, Store};

const PASS: &str = "correct horse battery staple";

fn demo_store(vault: &MemoryVault) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut s = Satchel::init_with(
        &data,
        vault,
        &Setup {
            firm_name: FIRM_NAME,
            user_name: "Jane Hale",
            initials: "JH",
            role: "partner",
            passphrase: PASS,
        },
        KdfParams {
            m_cost_kib: 1024,
            t_cost: 1,
            p_cost: 1,
        },
    )
    .unwrap();
    assert!(
        !holds_generated_firm(&s, DEMO).unwrap(),
        "a store just set up is not a generated firm"
    );
    let made = generate(&mut s, DEMO, 1, 25, |_| {}).unwrap();
    assert_eq!(made.matters, DEMO.matters);
    assert_eq!(made.postings, DEMO.postings);
    assert_eq!(made.mix.total(), DEMO.postings);
    assert!(made.statement_lines > 0 && made.statements > 0);
    assert!(holds_generated_firm(&s, DEMO).unwrap());
    (dir, data)
}

#[test]
fn a_demo_firm_keeps_the_books() {
    let vault = MemoryVault::default();
    let (_dir, data) = demo_store(&vault);
    let mut s = Satchel::open(&data, &vault, Unlock::Keyring).unwrap();

    let accounts = s.list_bank_accounts().unwrap();
    assert_eq!(accounts.len(), 2);
    let client = accounts.iter().find(|a| a.kind == "client").unwrap();
    assert!(accounts.iter().any(|a| a.kind == "office"));

    // Every ledger at zero or more, and together the client account's cash book.
    let matters = s.list_matters().unwrap();
    let mut total = 0;
    let mut held = Vec::new();
    for m in &matters {
        let balance = s.client_balance_pence(&m.number).unwrap();
        assert!(balance >= 0, "{} holds {balance}", m.number);
        total += balance;
        if balance > 0 {
            held.push((m.number.clone(), balance));
        }
    }
    assert!(total > 0);
    let book = s
        .cash_book(
            &client.id,
            &DEMO.first_day().to_string(),
            &LAST_DAY.to_string(),
        )
        .unwrap();
    assert_eq!(book.brought_forward_pence, 0);
    assert_eq!(
        book.balance_pence, total,
        "Σ client ledgers = client cash book"
    );
    assert!(book.lines.iter().all(|l| l.balance_pence >= 0));
    let balances = s.client_balances().unwrap();
    assert_eq!(balances.len(), held.len());
    assert_eq!(balances.iter().map(|b| b.balance_pence).sum::<i64>(), total);

    // Each ledger replays (the core books rebuilt with `restore`), agrees with its
    // balance, and never ran below zero in the order recorded. Closed matters returned
    // their clients' money.
    let mut lines = 0;
    for m in matters.iter().step_by(3) {
        let ledger = s.client_ledger(&m.number).unwrap();
        assert_eq!(
            ledger.client_balance_pence,
            s.client_balance_pence(&m.number).unwrap()
        );
        assert!(ledger.lines.iter().all(|l| l.client_balance_pence >= 0));
        if m.status != "open" {
            assert_eq!(ledger.client_balance_pence, 0, "{}", m.number);
        }
        lines += ledger.lines.len();
    }
    assert!(lines > 0);

    // The books agree with the store: a matter's whole balance may be paid out, and not
    // a penny more.
    let (number, balance) = held.last().unwrap().clone();
    let pay = |amount: i64| PostingRequest {
        kind: "payment".into(),
        matter: number.clone(),
        account: client.id.clone(),
        amount: Money::from_pence(amount).to_string(),
        reference: "Balance".into(),
        party: "The client".into(),
        ..PostingRequest::default()
    };
    let err = s.record_posting(&pay(balance + 1)).unwrap_err();
    assert!(err.to_string().contains("overdraw"), "{err}");
    s.record_posting(&pay(balance)).unwrap();
    assert_eq!(s.client_balance_pence(&number).unwrap(), 0);
}

/// Every posting the demo firm holds, in the order recorded (id order), posted as new into
/// the core books: every rule checked as `record_posting` checks it — no ledger below
/// zero, a second person and a reason for transfers, reversals once and after what they
/// reverse.
#[test]
fn every_generated_posting_is_one_the_books_accept_as_new() {
    let vault = MemoryVault::default();
    let (_dir, data) = demo_store(&vault);
    let install = satchel_app::envelope_install_id(&data).unwrap();
    let key = vault.load(&install).unwrap().unwrap();
    let store = Store::open(&data.join(DB_FILE), &key).unwrap();
    let c = store.conn();
    let mut books = Books::new(Policy::default());
    let mut stmt = c
        .prepare("SELECT id, kind, name, sort_code, account_number, opened_on FROM bank_accounts")
        .unwrap();
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
            ))
        })
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    for (id, kind, name, sort_code, number, opened) in rows {
        let account = NewBankAccount {
            id: AccountId(id.parse().unwrap()),
            kind: AccountKind::parse(&kind).unwrap(),
            name: &name,
            sort_code: &sort_code,
            account_number: &number,
            opening_balance: Money::ZERO,
        }
        .validate(FIRM_NAME)
        .unwrap();
        books
            .add_account(account, opened.parse().unwrap(), Vec::new())
            .unwrap();
    }
    let mut stmt = c
        .prepare("SELECT p.body, p.date, m.opened, coalesce(m.closed_on, ?1) FROM postings p JOIN matters m ON m.id = p.matter_id ORDER BY p.id")
        .unwrap();
    let rows = stmt
        .query_map([LAST_DAY.to_string()], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
            ))
        })
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    assert_eq!(rows.len(), DEMO.postings);
    for (body, date, opened, until) in rows {
        assert!(
            opened <= date && date <= until,
            "{date} outside {opened}..{until}"
        );
        let posting: Posting = serde_json::from_str(&body).unwrap();
        let id = posting.id;
        books
            .post(posting)
            .unwrap_or_else(|e| panic!("{id} refused: {e}"));
    }
    let client = books
        .accounts()
        .find(|a| a.kind() == AccountKind::Client)
        .unwrap()
        .id();
    assert!(books.debit_balances(client).is_empty());
    assert_eq!(
        books.cash_book(client).unwrap().recorded(),
        books.client_ledger_total(client)
    );
}

/// "-12.34": an amount as a person types it.
fn typed(pence: i64) -> String {
    let sign = if pence < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", pence.abs() / 100, pence.abs() % 100)
}

/// The demo firm's client account reconciles at the last day on the statement imported
/// for it: every cash book entry up to the statements' cut-off is matched to a line, the
/// entries after it are the outstanding lodgements and unpresented payments, and the
/// difference is exactly the bank's charges, which the firm never recorded. The bank
/// document rebuilds to the same lines. Explained, the reconciliation signs. A month earlier, before the charges, nothing is different.
#[test]
fn a_demo_firm_reconciles_at_its_last_day_by_the_bank_charges() {
    let vault = MemoryVault::default();
    let (_dir, data) = demo_store(&vault);
    let mut s = Satchel::open(&data, &vault, Unlock::Keyring).unwrap();
    let client = s
        .list_bank_accounts()
        .unwrap()
        .into_iter()
        .find(|a| a.kind == "client")
        .unwrap();
    let book = s
        .cash_book(
            &client.id,
            &DEMO.first_day().to_string(),
            &LAST_DAY.to_string(),
        )
        .unwrap();
    let lines = s.statement_lines(&client.id).unwrap();
    let cut_off = STATEMENTS_TO.to_string();

    // The lines matched are the cash book entries up to the cut-off, one each, for their
    // amounts; the rest of the cash book is not on a statement yet.
    let matched: std::collections::BTreeMap<&str, i64> = lines
        .iter()
        .filter_map(|l| Some((l.matched_posting.as_deref()?, l.amount_pence)))
        .collect();
    let due: std::collections::BTreeMap<&str, i64> = book
        .lines
        .iter()
        .filter(|l| l.date <= cut_off)
        .map(|l| (l.posting_id.as_str(), l.amount_pence))
        .collect();
    assert!(due.len() > 100, "{}", due.len());
    assert_eq!(matched, due);
    assert_eq!(
        lines.iter().filter(|l| l.matched_posting.is_some()).count(),
        due.len()
    );
    let after: Vec<_> = book.lines.iter().filter(|l| l.date > cut_off).collect();
    assert!(!after.is_empty(), "some entries are outstanding");

    // The bank's charges: on the statement, matched to nothing.
    let charges: Vec<_> = lines
        .iter()
        .filter(|l| l.matched_posting.is_none())
        .collect();
    assert_eq!(charges.len(), 3);
    assert!(charges.iter().all(|c| c.amount_pence < 0));
    let charged: i64 = charges.iter().map(|c| c.amount_pence).sum();

    let at = |date: &str, sign: bool, explanations: Vec<ExplanationInput>| ReconcileRequest {
        account: client.id.clone(),
        date: date.to_owned(),
        statement_balance: String::new(), // the closing balance of the statement imported
        explanations,
        sign,
    };
    let r = s
        .reconcile(&at(&LAST_DAY.to_string(), false, vec![]))
        .unwrap();
    assert_eq!(
        r.statement_balance,
        lines.iter().map(|l| l.amount_pence).sum::<i64>()
    );
    assert_eq!(r.cash_book_balance, book.balance_pence);
    assert_eq!(r.client_ledger_total, book.balance_pence);
    assert!(r.debit_balances.is_empty());
    assert_eq!(r.lodgements.len() + r.unpresented.len(), after.len());
    assert_eq!(
        r.outstanding_lodgements - r.unpresented_payments,
        after.iter().map(|l| l.amount_pence).sum::<i64>()
    );
    assert!(r.lodgements.iter().all(|i| i.amount_pence > 0));
    assert!(r.unpresented.iter().all(|i| i.amount_pence < 0));
    assert_eq!(r.unrecorded_bank_entries.len(), 3);
    assert_eq!(
        r.difference, charged,
        "the difference is the bank's charges"
    );

    // The bank document and its projection agree: rebuilt from the documents, the
    // statement lines and their matches are the same.
    s.rebuild_projections().unwrap();
    assert_eq!(s.statement_lines(&client.id).unwrap(), lines);

    // A month earlier (its statement's closing balance, before the charges): no difference;
    // only entries the bank posted after that day are outstanding.
    let month_end = STATEMENTS_TO
        .first_of_month()
        .yesterday()
        .unwrap()
        .to_string();
    let earlier = s.reconcile(&at(&month_end, false, vec![])).unwrap();
    assert_eq!(earlier.difference, 0);
    assert!(earlier.unrecorded_bank_entries.is_empty());
    let late: usize = lines
        .iter()
        .filter(|l| l.date > month_end)
        .filter_map(|l| l.matched_posting.as_deref())
        .filter(|p| {
            book.lines
                .iter()
                .any(|e| e.posting_id == *p && e.date <= month_end)
        })
        .count();
    assert_eq!(earlier.lodgements.len() + earlier.unpresented.len(), late);

    // Explained line by line, the reconciliation at the last day signs.
    let explained = charges
        .iter()
        .map(|c| ExplanationInput {
            text: format!("{} on {}, not yet recorded", c.description, c.date),
            amount: typed(c.amount_pence),
        })
        .collect();
    let signed = s
        .reconcile(&at(&LAST_DAY.to_string(), true, explained))
        .unwrap();
    assert_eq!(signed.signed_by.as_deref(), Some("JH"));
    assert_eq!(signed.difference, charged);
    assert_eq!(s.reconciliations(&client.id).unwrap().len(), 1);
}
