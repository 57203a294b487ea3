//! Client and office money on generated matters: the firm's two bank accounts, and each
//! matter's postings — receipts into client account, payments out of it, office receipts,
//! now and then a transfer to another client's ledger, and a few reversals.
//!
//! Every posting keeps the SRA Accounts Rules as `satchel_core::accounts::Books` checks
//! them when a posting is recorded. A matter's own client money is tracked as its postings
//! are made, in the order they are recorded, and nothing takes out more than it holds.
//! Money transferred in from another matter is not counted as spendable by the matter
//! that receives it: it only ever adds to a ledger, so a ledger is never below what the
//! generator tracked, and that is never below zero, whatever order the firm's matters are
//! replayed in. Transfers go only to matters that stay open, so that a closed matter,
//! whose last posting returns what it holds to the client, ends at zero.
//!
//! Postings are recorded during working hours (UTC) on the day the money moved, strictly
//! later each on a matter; a posting's id is a UUIDv7 of that instant, so ids sort in the
//! order the postings were recorded, as the app's are.

use crate::Gen;
use jiff::Timestamp;
use jiff::civil::{Date, date};
use satchel_api as api;
use satchel_app::docs::PostingRec;
use satchel_app::domain::matter::MatterNumber;

/// The firm's bank accounts, by the ids the store gave them when they were added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accounts {
    pub client: String,
    pub office: String,
}

/// How many postings of each kind the generator made.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Mix {
    /// Into client account.
    pub client_receipts: usize,
    /// Out of client account (the last on a closed matter returns the client's money).
    pub client_payments: usize,
    /// Into office account (the firm's invoices paid).
    pub office_receipts: usize,
    /// From one client's ledger to another's, with a reason and a second person.
    pub transfers: usize,
    pub reversals: usize,
}

impl Mix {
    pub fn total(&self) -> usize {
        self.client_receipts
            + self.client_payments
            + self.office_receipts
            + self.transfers
            + self.reversals
    }
}

impl std::fmt::Display for Mix {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} client receipts, {} client payments, {} office receipts, {} client-to-client transfers, {} reversals",
            self.client_receipts,
            self.client_payments,
            self.office_receipts,
            self.transfers,
            self.reversals
        )
    }
}

/// The bank accounts a generated firm keeps: one client account and one office account at
/// the same bank, opened at nothing on `opened_on`. The same seed gives the same numbers.
pub fn bank_accounts(
    seed: u64,
    firm_name: &str,
    opened_on: Date,
) -> [api::NewBankAccountRequest; 2] {
    let mut g = Gen(fastrand::Rng::with_seed(seed ^ ACCOUNTS_SALT));
    let sort_code = format!(
        "{:02}-{:02}-{:02}",
        g.0.u8(10..100),
        g.0.u8(..100),
        g.0.u8(..100)
    );
    let client_number = g.0.u32(10_000_000..100_000_000);
    let office_number = loop {
        let n = g.0.u32(10_000_000..100_000_000);
        if n != client_number {
            break n;
        }
    };
    let account = |kind: &str, name: String, number: u32| api::NewBankAccountRequest {
        kind: kind.into(),
        name,
        sort_code: sort_code.clone(),
        account_number: format!("{number:08}"),
        opening_balance: String::new(),
        opened_on: opened_on.to_string(),
        brought_forward: Vec::new(),
    };
    [
        account(
            "client",
            format!("{firm_name} Client Account"),
            client_number,
        ),
        account(
            "office",
            format!("{firm_name} Office Account"),
            office_number,
        ),
    ]
}

const ACCOUNTS_SALT: u64 = 0x6163_636f_756e_7473; // "accounts"

/// What the generator needs to know of a matter to give it money.
pub(crate) struct Matter<'a> {
    pub number: u64,
    pub client: &'a str,
    pub area: &'a str,
    pub opened: Date,
    /// The last day money may move: the closing date, or the generator's last day.
    pub until: Date,
    /// Closed or archived: the last posting returns the client money left.
    pub closing: bool,
    /// Initials of who records the postings.
    pub recorder: &'a str,
    /// Initials of who authorises a transfer between clients: not the recorder.
    pub authoriser: &'a str,
    pub count: usize,
}

/// A matter that stays open, which a transfer between clients may go to.
pub(crate) struct Target {
    pub number: u64,
    pub client: String,
}

const PAYEES: &[(&str, &[(&str, &str)])] = &[
    (
        "conveyancing",
        &[
            ("HM Land Registry", "Registration fee"),
            ("Search provider", "Local and drainage searches"),
            ("Seller's solicitors", "Completion monies"),
            ("HM Revenue & Customs", "Stamp duty land tax"),
            ("Estate agents", "Agent's commission"),
        ],
    ),
    (
        "dispute resolution",
        &[
            ("HM Courts & Tribunals Service", "Court fee"),
            ("Counsel's clerk", "Counsel's fees"),
            ("Expert witness", "Expert's report"),
        ],
    ),
    (
        "personal injury",
        &[
            ("Medical records office", "Medical records"),
            ("Medical expert", "Medical report"),
            ("HM Courts & Tribunals Service", "Court fee"),
        ],
    ),
    (
        "wills and probate",
        &[
            ("HM Courts & Tribunals Service", "Probate fee"),
            ("HM Revenue & Customs", "Inheritance tax"),
            ("Beneficiary", "Interim distribution"),
        ],
    ),
];
const OTHER_PAYEES: &[(&str, &str)] = &[
    ("Counsel's clerk", "Counsel's fees"),
    ("Process server", "Service of documents"),
    ("Companies House", "Filing fee"),
];
const TRANSFER_REASONS: &[&str] = &[
    "Funds held for the client applied to their related matter",
    "Sale proceeds applied to the client's purchase",
    "Money on account moved to the matter it was sent for",
    "Client's instructions to hold the funds on their new matter",
];

enum Step {
    ClientReceipt,
    ClientPayment(i64),
    OfficeReceipt,
    Transfer(usize, i64),
    Reversal(usize),
}

/// A matter's postings, in the order recorded, keeping its client ledger at zero or more.
/// `targets` are earlier matters that stay open (transfers go there).
pub(crate) fn postings(
    g: &mut Gen,
    accounts: &Accounts,
    targets: &[Target],
    m: &Matter<'_>,
    mix: &mut Mix,
) -> Vec<PostingRec> {
    let mut dates: Vec<Date> = (0..m.count)
        .map(|_| g.day_between(m.opened, m.until))
        .collect();
    dates.sort_unstable();
    if m.closing
        && let Some(last) = dates.last_mut()
    {
        *last = m.until;
    }
    let number = MatterNumber::new(u32::try_from(m.number).unwrap_or(u32::MAX));
    let epoch = date(1970, 1, 1);
    let mut out: Vec<PostingRec> = Vec::with_capacity(m.count);
    let mut reversed = vec![false; m.count];
    // The matter's own client money, pence: what it may pay out.
    let mut held: i64 = 0;
    let mut last_second = i64::MIN;
    let mut invoices = 0u32;
    for (k, day) in dates.iter().enumerate() {
        let second =
            i64::from((*day - epoch).get_days()) * 86_400 + 9 * 3_600 + g.0.i64(0..8 * 3_600);
        let second = second.max(last_second.saturating_add(1));
        last_second = second;
        let mut random = [0u8; 10];
        random.copy_from_slice(&g.0.u128(..).to_le_bytes()[..10]);
        let id = uuid::Builder::from_unix_timestamp_millis(
            u64::try_from(second).unwrap_or(0) * 1_000,
            &random,
        )
        .into_uuid()
        .to_string();
        let recorded_at = Timestamp::from_second(second)
            .map_or_else(|_| format!("{day}T09:00:00Z"), |t| t.to_string());
        let last = k + 1 == m.count;
        let step = if m.closing && last {
            if held > 0 {
                Step::ClientPayment(held)
            } else {
                Step::OfficeReceipt
            }
        } else if held == 0 {
            if g.0.u8(..100) < 85 {
                Step::ClientReceipt
            } else {
                Step::OfficeReceipt
            }
        } else {
            let share = |g: &mut Gen| (held * g.0.i64(15..=100) / 100).max(1);
            match g.0.u16(..1000) {
                0..410 => Step::ClientReceipt,
                410..770 => Step::ClientPayment(share(g)),
                770..945 => Step::OfficeReceipt,
                945..980 if !targets.is_empty() => {
                    Step::Transfer(g.0.usize(..targets.len()), share(g))
                }
                945..980 => Step::ClientPayment(share(g)),
                _ => {
                    // The latest of the matter's last five receipts and payments not yet
                    // reversed whose reversal the ledger can bear.
                    let found = (0..out.len()).rev().take(5).find(|&i| {
                        let p = &out[i];
                        !reversed[i]
                            && (p.kind == "payment"
                                || (p.kind == "receipt"
                                    && (p.account != accounts.client || p.amount_pence <= held)))
                    });
                    found.map_or(Step::ClientReceipt, Step::Reversal)
                }
            }
        };
        let mut rec = PostingRec {
            id,
            date: day.to_string(),
            kind: String::new(),
            account: accounts.client.clone(),
            to_account: None,
            amount_pence: 0,
            to_matter: None,
            to_client: None,
            notice: None,
            bill_reference: None,
            bill_unpaid_pence: None,
            reverses: None,
            reason: None,
            method: "bank_transfer".into(),
            reference: String::new(),
            party: m.client.to_owned(),
            client: m.client.to_owned(),
            recorded_by: m.recorder.to_owned(),
            authorised_by: None,
            recorded_at,
            state: "confirmed".into(),
            confirmed_at: None,
            refused_at: None,
            refused_reason: None,
        };
        match step {
            Step::ClientReceipt => {
                let (amount, party, reference) = receipt(g, m);
                rec.kind = "receipt".into();
                rec.amount_pence = amount;
                if let Some(party) = party {
                    rec.party = party.into();
                }
                rec.reference = reference.into();
                if amount < 50_000 && g.0.u8(..4) == 0 {
                    rec.method = "card".into();
                } else if g.0.u8(..10) == 0 {
                    rec.method = "cheque".into();
                }
                held += amount;
                mix.client_receipts += 1;
            }
            Step::ClientPayment(amount) => {
                rec.kind = "payment".into();
                rec.amount_pence = amount;
                if m.closing && last {
                    rec.reference = "Balance of client money returned".into();
                } else {
                    let list = PAYEES
                        .iter()
                        .find(|(a, _)| *a == m.area)
                        .map_or(OTHER_PAYEES, |(_, l)| l);
                    let (payee, what) = list[g.0.usize(..list.len())];
                    rec.party = payee.into();
                    rec.reference = what.into();
                }
                if g.0.u8(..8) == 0 {
                    rec.method = "cheque".into();
                }
                held -= amount;
                mix.client_payments += 1;
            }
            Step::OfficeReceipt => {
                invoices += 1;
                rec.kind = "receipt".into();
                rec.account = accounts.office.clone();
                rec.amount_pence = g.0.i64(150..=5_000) * 100 + g.0.i64(0..100);
                rec.reference = format!("Invoice {number}/{invoices}");
                if g.0.u8(..4) == 0 {
                    rec.method = "card".into();
                }
                mix.office_receipts += 1;
            }
            Step::Transfer(t, amount) => {
                let to = &targets[t];
                let to_number = MatterNumber::new(u32::try_from(to.number).unwrap_or(u32::MAX));
                rec.kind = "client_to_client".into();
                rec.to_account = Some(accounts.client.clone());
                rec.amount_pence = amount;
                rec.to_matter = Some(to.number);
                rec.to_client = Some(to.client.clone());
                rec.reason = Some(g.pick(TRANSFER_REASONS).into());
                rec.method = "internal".into();
                rec.reference = format!("To {to_number}");
                rec.party = String::new();
                rec.authorised_by = Some(m.authoriser.to_owned());
                held -= amount;
                mix.transfers += 1;
            }
            Step::Reversal(i) => {
                reversed[i] = true;
                let original = &out[i];
                let reason = if original.kind == "payment" {
                    held += original.amount_pence;
                    "Payment returned by the payee's bank"
                } else if original.account == accounts.client {
                    held -= original.amount_pence;
                    "Cheque returned unpaid"
                } else {
                    "Posted to the wrong matter"
                };
                rec.kind = "reversal".into();
                rec.account = String::new();
                rec.reverses = Some(original.id.clone());
                rec.reason = Some(reason.into());
                rec.method = "internal".into();
                rec.reference = format!("Reversal of {}", original.id);
                rec.party = String::new();
                mix.reversals += 1;
            }
        }
        debug_assert!(held >= 0, "the generator overdrew {number}");
        out.push(rec);
    }
    out
}

/// A receipt into client account: its amount in pence, payer (the client unless said) and
/// reference, by the kind of work.
fn receipt(g: &mut Gen, m: &Matter<'_>) -> (i64, Option<&'static str>, &'static str) {
    let pence = g.0.i64(0..100);
    match m.area {
        "conveyancing" if g.0.u8(..10) < 4 => {
            let (payer, reference) = [
                (Some("Mortgage lender"), "Mortgage advance"),
                (None, "Deposit and completion monies"),
                (Some("Buyer's solicitors"), "Completion monies"),
            ][g.0.usize(..3)];
            (g.0.i64(10_000..=400_000) * 100, payer, reference)
        }
        "personal injury" if g.0.u8(..5) == 0 => (
            g.0.i64(1_000..=60_000) * 100 + pence,
            Some("Defendant's insurers"),
            "Damages",
        ),
        "dispute resolution" | "employment" if g.0.u8(..6) == 0 => (
            g.0.i64(1_000..=40_000) * 100 + pence,
            Some("Other side's solicitors"),
            "Settlement monies",
        ),
        "wills and probate" if g.0.u8(..4) == 0 => (
            g.0.i64(2_000..=150_000) * 100 + pence,
            Some("Estate's bank"),
            "Estate funds",
        ),
        _ => (
            g.0.i64(100..=8_000) * 100 + pence,
            None,
            "On account of costs and disbursements",
        ),
    }
}
