//! Client money under the SRA Accounts Rules 2019: the firm's bank accounts, the postings
//! that move money, and the books that apply them and refuse anything that breaks a rule.
//!
//! Pure: no I/O, no SQL, no clock. Ids come from the caller (UUIDv7 in the app); dates are
//! civil dates the caller chose. The books are rebuilt by replaying, in order, the accounts
//! ([`Books::add_account`]), the postings ([`Books::post`]) and the confirmations
//! ([`Books::confirm`]) that a store kept: each is checked again as it is replayed.
//!
//! The invariants, checked before anything changes (a refused operation leaves the books
//! exactly as they were):
//!
//! - **No client ledger goes overdrawn** (r5): money leaving a matter's client ledger may not
//!   exceed what is *available* on it — its confirmed balance less every payment still
//!   pending. Pending money coming in is not available until it is confirmed.
//! - **Client and office money never mix** (r4): a receipt or payment touches one bank
//!   account and the side of the ledger that account's kind says; a transfer to office
//!   account goes from a client account to an office account, and only against a bill or
//!   written notification of costs, for at most what is billed and unpaid.
//! - **Money is conserved**: every posting moves the cash books and the ledgers by the same
//!   amount, and for each client account the cash book equals the sum of the client ledgers
//!   held in it (the three-way reconciliation's two book figures, r8.3).
//! - **Postings are immutable**: a mistake is corrected by a reversal, which nets the
//!   original to zero; a posting is reversed at most once, and a reversal is not itself
//!   reversed (record the posting again instead, so that it is checked again).
//!
//! Money is integer pence ([`Money`]); no float is used anywhere.

use crate::matter::MatterNumber;
use crate::{Invalid, Money, required_text};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use uuid::Uuid;

/// The largest single amount (and the largest opening balance, either way): £1,000,000,000.
/// Keeps every sum the books make far from the limits of `i64`.
pub const MAX_AMOUNT_PENCE: i64 = 100_000_000_000;

// ---------------------------------------------------------------------------------------
// Bank accounts
// ---------------------------------------------------------------------------------------

/// A bank account's id, chosen by the caller (UUIDv7 in the app).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AccountId(pub Uuid);

/// Whose money a bank account holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountKind {
    /// Holds client money only (r2, r3), and never goes overdrawn.
    Client,
    /// The firm's own money; may be overdrawn (an overdraft facility).
    Office,
}

impl AccountKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AccountKind::Client => "client",
            AccountKind::Office => "office",
        }
    }

    pub fn parse(text: &str) -> Result<Self, Invalid> {
        match text.trim().to_ascii_lowercase().as_str() {
            "client" => Ok(AccountKind::Client),
            "office" => Ok(AccountKind::Office),
            other => Err(Invalid::new(
                "kind",
                format!("must be client or office ('{other}' is not)"),
            )),
        }
    }
}

/// A UK sort code: six digits, kept without separators and shown as `12-34-56`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct SortCode(String);

impl SortCode {
    /// Reads `123456`, `12-34-56` or `12 34 56`.
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        let t = text.trim();
        let b = t.as_bytes();
        let digits_at = |idx: &[usize]| idx.iter().all(|&i| b[i].is_ascii_digit());
        let plain = b.len() == 6 && digits_at(&[0, 1, 2, 3, 4, 5]);
        let separated = b.len() == 8
            && (b[2] == b'-' || b[2] == b' ')
            && b[5] == b[2]
            && digits_at(&[0, 1, 3, 4, 6, 7]);
        if plain {
            Ok(SortCode(t.to_owned()))
        } else if separated {
            Ok(SortCode(t.chars().filter(char::is_ascii_digit).collect()))
        } else {
            Err(Invalid::new(
                "sort_code",
                format!("must be six digits, such as 12-34-56 ('{t}' is not)"),
            ))
        }
    }

    /// The six digits, without separators.
    pub fn digits(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SortCode {
    /// `12-34-56`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = &self.0;
        write!(f, "{}-{}-{}", &d[0..2], &d[2..4], &d[4..6])
    }
}

impl TryFrom<String> for SortCode {
    type Error = Invalid;
    fn try_from(value: String) -> Result<Self, Invalid> {
        SortCode::parse(&value)
    }
}

impl From<SortCode> for String {
    fn from(value: SortCode) -> String {
        value.0
    }
}

/// A UK bank account number: eight digits, leading zeros kept.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AccountNumber(String);

impl AccountNumber {
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        let t = text.trim();
        if t.len() == 8 && t.bytes().all(|c| c.is_ascii_digit()) {
            Ok(AccountNumber(t.to_owned()))
        } else {
            Err(Invalid::new(
                "account_number",
                format!("must be eight digits, such as 01234567 ('{t}' is not)"),
            ))
        }
    }

    pub fn digits(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AccountNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for AccountNumber {
    type Error = Invalid;
    fn try_from(value: String) -> Result<Self, Invalid> {
        AccountNumber::parse(&value)
    }
}

impl From<AccountNumber> for String {
    fn from(value: AccountNumber) -> String {
        value.0
    }
}

/// A bank account as typed into the form, before validation.
#[derive(Debug, Clone)]
pub struct NewBankAccount<'a> {
    pub id: AccountId,
    pub kind: AccountKind,
    pub name: &'a str,
    pub sort_code: &'a str,
    pub account_number: &'a str,
    /// The balance when the account comes into Satchel's books. A client account's may not
    /// be negative, and must be allocated to matters' ledgers ([`BroughtForward`]).
    pub opening_balance: Money,
}

/// One of the firm's bank accounts, validated. Built only by [`NewBankAccount::validate`]
/// (or read back from the store).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BankAccount {
    id: AccountId,
    kind: AccountKind,
    name: String,
    sort_code: SortCode,
    account_number: AccountNumber,
    opening_balance: Money,
}

impl NewBankAccount<'_> {
    /// Checks the account against the rules, for the firm named `firm_name`.
    ///
    /// A client account's name must contain the firm's name and the word "client" (r3 as
    /// DOMAIN.md states it: "named with the firm's name and the word 'client'"), both
    /// case-insensitive. "client" is looked for as a word outside the firm's name, so
    /// that a firm called "Client First LLP" still has to say "client" again; "clients" and
    /// "client's" count as the word.
    pub fn validate(&self, firm_name: &str) -> Result<BankAccount, Invalid> {
        let name = required_text("name", self.name, 200)?;
        if self.kind == AccountKind::Client {
            check_client_account_name(&name, firm_name)?;
        }
        let sort_code = SortCode::parse(self.sort_code)?;
        let account_number = AccountNumber::parse(self.account_number)?;
        let opening = self.opening_balance;
        if opening.pence().abs() > MAX_AMOUNT_PENCE {
            return Err(Invalid::new(
                "opening_balance",
                format!(
                    "must be at most {} either way",
                    Money::from_pence(MAX_AMOUNT_PENCE)
                ),
            ));
        }
        if self.kind == AccountKind::Client && opening.pence() < 0 {
            return Err(Invalid::new(
                "opening_balance",
                format!(
                    "of a client account cannot be negative ({opening}): client money is never overdrawn"
                ),
            ));
        }
        Ok(BankAccount {
            id: self.id,
            kind: self.kind,
            name,
            sort_code,
            account_number,
            opening_balance: opening,
        })
    }
}

/// Lower case with runs of whitespace made one space, for comparing names.
fn fold(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

fn check_client_account_name(name: &str, firm_name: &str) -> Result<(), Invalid> {
    let firm = fold(firm_name);
    let folded = fold(name);
    let Some(at) = folded.find(&firm).filter(|_| !firm.is_empty()) else {
        return Err(Invalid::new(
            "name",
            format!(
                "of a client account must contain the firm's name ('{}') and the word \"client\" (SRA Accounts Rules r3)",
                firm_name.trim()
            ),
        ));
    };
    let rest = format!("{} {}", &folded[..at], &folded[at + firm.len()..]);
    let has_client = rest
        .split(|c: char| !c.is_alphanumeric())
        .any(|w| w == "client" || w == "clients");
    if !has_client {
        return Err(Invalid::new(
            "name",
            "of a client account must contain the word \"client\", so that it is never mistaken for the firm's own account (SRA Accounts Rules r3)",
        ));
    }
    Ok(())
}

impl BankAccount {
    pub fn id(&self) -> AccountId {
        self.id
    }
    pub fn kind(&self) -> AccountKind {
        self.kind
    }
    pub fn name(&self) -> &str {
        &self.name
    }
    pub fn sort_code(&self) -> &SortCode {
        &self.sort_code
    }
    pub fn account_number(&self) -> &AccountNumber {
        &self.account_number
    }
    pub fn opening_balance(&self) -> Money {
        self.opening_balance
    }
}

/// Part of a client account's opening balance that belongs to one matter: the matter's
/// client ledger balance brought forward into Satchel. A client account's brought-forward
/// amounts add up to exactly its opening balance, so that the cash book equals the sum of
/// its ledgers from the first day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BroughtForward {
    pub matter: MatterNumber,
    pub client: String,
    pub amount: Money,
}

// ---------------------------------------------------------------------------------------
// Postings
// ---------------------------------------------------------------------------------------

/// A posting's id, chosen by the caller (UUIDv7 in the app), unique in the books.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PostingId(pub Uuid);

impl fmt::Display for PostingId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// How money moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    BankTransfer,
    Cheque,
    Cash,
    Card,
    /// A book entry with no money leaving the firm's banks by itself: a reversal, or a
    /// transfer between the firm's own accounts or ledgers.
    Internal,
}

impl Method {
    pub const ALL: [Method; 5] = [
        Method::BankTransfer,
        Method::Cheque,
        Method::Cash,
        Method::Card,
        Method::Internal,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Method::BankTransfer => "bank_transfer",
            Method::Cheque => "cheque",
            Method::Cash => "cash",
            Method::Card => "card",
            Method::Internal => "internal",
        }
    }

    /// "bank_transfer" (or "bank transfer", "BACS"), "cheque", "cash", "card", "internal".
    pub fn parse(text: &str) -> Result<Method, Invalid> {
        let t = text.trim().to_lowercase().replace([' ', '-'], "_");
        match t.as_str() {
            "bacs" | "chaps" | "faster_payment" | "transfer" => Ok(Method::BankTransfer),
            "check" => Ok(Method::Cheque),
            _ => Method::ALL
                .into_iter()
                .find(|m| m.as_str() == t)
                .ok_or_else(|| {
                    Invalid::new(
                        "method",
                        format!(
                            "'{}' is not a method: use bank_transfer, cheque, cash or card",
                            text.trim()
                        ),
                    )
                }),
        }
    }
}

impl PostingState {
    pub fn as_str(self) -> &'static str {
        match self {
            PostingState::Pending => "pending",
            PostingState::Confirmed => "confirmed",
        }
    }
}

/// Whether a posting has been confirmed.
///
/// A payment or transfer out of a client account made offline waits for the firm server
/// to confirm it (a later issue); until then it is `Pending`, and it already counts against
/// the ledger's available balance. Everything else — receipts above all — is `Confirmed`
/// when recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PostingState {
    Pending,
    Confirmed,
}

/// What allows money to move from client account to office account for costs (r4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CostsNotice {
    Bill,
    WrittenNotification,
}

/// The bill or written notification of costs a transfer to office account is made against,
/// as the bill register knows it when the transfer is recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillRef {
    pub notice: CostsNotice,
    /// The bill's number or the notification's reference.
    pub reference: String,
    /// What is billed and still unpaid, counting earlier transfers, pending ones included.
    pub unpaid: Money,
}

/// What a posting does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum PostingKind {
    /// Money in to `account`, on the matter's client side (client account) or office side
    /// (office account).
    Receipt { account: AccountId, amount: Money },
    /// Money out of `account`, from the side of the matter's ledger the account's kind says.
    Payment { account: AccountId, amount: Money },
    /// Costs moved from a client account to an office account against a bill or written
    /// notification of costs, at most what is billed and unpaid.
    ClientToOffice {
        from: AccountId,
        to: AccountId,
        amount: Money,
        bill: BillRef,
    },
    /// Client money moved from this matter's ledger to another's (r5: with a reason, and
    /// authorised by someone other than who recorded it).
    ClientToClient {
        from: AccountId,
        to: AccountId,
        to_matter: MatterNumber,
        to_client: String,
        amount: Money,
        reason: String,
    },
    /// The undoing of an earlier posting, which it nets to zero.
    Reversal { of: PostingId, reason: String },
}

impl PostingKind {
    /// The posting's kind in a word, as messages and ledgers show it.
    pub fn word(&self) -> &'static str {
        match self {
            PostingKind::Receipt { .. } => "receipt",
            PostingKind::Payment { .. } => "payment",
            PostingKind::ClientToOffice { .. } | PostingKind::ClientToClient { .. } => "transfer",
            PostingKind::Reversal { .. } => "reversal",
        }
    }
}

/// One movement of money on a matter. Immutable once the books accept it: a correction is
/// a [`PostingKind::Reversal`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Posting {
    pub id: PostingId,
    pub date: Date,
    pub matter: MatterNumber,
    /// The client's name as the ledger shows it.
    pub client: String,
    pub method: Method,
    /// The bank's or the firm's reference for the movement.
    pub reference: String,
    /// Who paid (a receipt) or who was paid (a payment); may be blank for transfers and
    /// reversals.
    pub party: String,
    /// Initials of who recorded it.
    pub recorded_by: String,
    /// Initials of who authorised it: someone other than who recorded it. Required for a
    /// transfer between clients' ledgers and for a client-account payment over the firm's
    /// threshold ([`Policy::second_authoriser_above`]).
    pub authorised_by: Option<String>,
    /// The state it was recorded in; [`Entry::state`] is its state now.
    pub state: PostingState,
    pub kind: PostingKind,
}

/// The firm's own settings for the books.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Policy {
    /// A payment from a client account of more than this needs `authorised_by`, a second
    /// person besides who recorded it. `None`: no payment needs one by its size.
    pub second_authoriser_above: Option<Money>,
}

// ---------------------------------------------------------------------------------------
// Balances
// ---------------------------------------------------------------------------------------

/// A balance in the books, credit positive (money held, for a client ledger or cash book).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Balance {
    /// From confirmed postings (and the opening balance).
    pub confirmed: Money,
    /// Money coming in from postings still pending (≥ 0). Not available until confirmed.
    pub pending_in: Money,
    /// Money going out on postings still pending (≥ 0). Already unavailable.
    pub pending_out: Money,
}

impl Balance {
    /// What may still be paid out: the confirmed balance less pending payments.
    pub fn available(self) -> Money {
        Money::from_pence(
            self.confirmed
                .pence()
                .saturating_sub(self.pending_out.pence()),
        )
    }

    /// The balance as recorded, as if every pending posting were confirmed.
    pub fn recorded(self) -> Money {
        Money::from_pence(
            self.available()
                .pence()
                .saturating_add(self.pending_in.pence()),
        )
    }

    fn is_zero(self) -> bool {
        self == Balance::default()
    }

    fn plus(self, other: Balance) -> Balance {
        let add = |a: Money, b: Money| Money::from_pence(a.pence().saturating_add(b.pence()));
        Balance {
            confirmed: add(self.confirmed, other.confirmed),
            pending_in: add(self.pending_in, other.pending_in),
            pending_out: add(self.pending_out, other.pending_out),
        }
    }
}

/// One line of the list of client balances (r8.1): a matter's client money in one client
/// account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientBalance {
    pub account: AccountId,
    pub matter: MatterNumber,
    pub client: String,
    pub balance: Balance,
}

/// One line of a matter's client ledger, with running balances on the recorded basis. A
/// view computed from the books, so it is serialised but never read back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LedgerLine {
    pub date: Date,
    /// `None` for a balance brought forward.
    pub posting: Option<PostingId>,
    /// "receipt", "payment", "transfer", "reversal" or "brought forward".
    pub what: &'static str,
    pub reference: String,
    pub state: PostingState,
    /// The movement on the client side (all client accounts), credit positive.
    pub client_side: Money,
    /// The movement on the office (business) side, credit positive.
    pub office_side: Money,
    pub client_balance: Money,
    pub office_balance: Money,
}

/// A posting as the books hold it: the posting, its state, and what reversed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    posting: Posting,
    state: PostingState,
    reversed_by: Option<PostingId>,
}

impl Entry {
    pub fn posting(&self) -> &Posting {
        &self.posting
    }
    pub fn state(&self) -> PostingState {
        self.state
    }
    pub fn reversed_by(&self) -> Option<PostingId> {
        self.reversed_by
    }
}

/// Where a posting moves money: the places whose balances the books keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Place {
    /// A bank account's cash book.
    Cash(AccountId),
    /// The client side of a matter's ledger, for the money held in one client account.
    Client(AccountId, MatterNumber),
    /// The office (business) side of a matter's ledger.
    Office(MatterNumber),
}

/// A posting's net movements in pence, credit positive, none zero.
pub type Moves = BTreeMap<Place, i64>;

/// Where a posting that is not a reversal moves money, given each account's kind: the
/// same movements [`Books`] applies, for stores that keep them as rows. `None` for a
/// reversal (its movements are the original's, negated) or an account `kind_of` does not
/// know. Checks nothing else: use it for postings the books already accepted.
pub fn direct_moves(
    p: &Posting,
    kind_of: impl Fn(AccountId) -> Option<AccountKind>,
) -> Option<Moves> {
    let mut moves = Moves::new();
    let mut put = |place: Place, delta: i64| {
        let sum = moves
            .get(&place)
            .copied()
            .unwrap_or(0)
            .saturating_add(delta);
        if sum == 0 {
            moves.remove(&place);
        } else {
            moves.insert(place, sum);
        }
    };
    let side = |account: AccountId| -> Option<Place> {
        Some(match kind_of(account)? {
            AccountKind::Client => Place::Client(account, p.matter),
            AccountKind::Office => Place::Office(p.matter),
        })
    };
    match &p.kind {
        PostingKind::Receipt { account, amount } => {
            put(side(*account)?, amount.pence());
            put(Place::Cash(*account), amount.pence());
        }
        PostingKind::Payment { account, amount } => {
            put(side(*account)?, -amount.pence());
            put(Place::Cash(*account), -amount.pence());
        }
        PostingKind::ClientToOffice {
            from, to, amount, ..
        } => {
            put(Place::Cash(*from), -amount.pence());
            put(Place::Client(*from, p.matter), -amount.pence());
            put(Place::Cash(*to), amount.pence());
            put(Place::Office(p.matter), amount.pence());
        }
        PostingKind::ClientToClient {
            from,
            to,
            to_matter,
            amount,
            ..
        } => {
            put(Place::Cash(*from), -amount.pence());
            put(Place::Client(*from, p.matter), -amount.pence());
            put(Place::Cash(*to), amount.pence());
            put(Place::Client(*to, *to_matter), amount.pence());
        }
        PostingKind::Reversal { .. } => return None,
    }
    Some(moves)
}

// ---------------------------------------------------------------------------------------
// The books
// ---------------------------------------------------------------------------------------

/// The firm's client-money books: bank accounts, every posting in the order it was
/// accepted, and the balances they make. Every change goes through [`Books::add_account`],
/// [`Books::post`] or [`Books::confirm`], each of which either keeps every invariant or
/// changes nothing.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Books {
    policy: Policy,
    accounts: BTreeMap<AccountId, BankAccount>,
    /// Brought-forward ledger balances, by client account.
    opening: Vec<(AccountId, Date, BroughtForward)>,
    entries: Vec<Entry>,
    index: BTreeMap<PostingId, usize>,
    balances: BTreeMap<Place, Balance>,
    /// Each matter's client's name, as its latest posting gave it.
    clients: BTreeMap<MatterNumber, String>,
}

impl Books {
    pub fn new(policy: Policy) -> Self {
        Books {
            policy,
            ..Books::default()
        }
    }

    pub fn policy(&self) -> Policy {
        self.policy
    }

    /// Adds a validated bank account, with its opening balance on `opened_on`. A client
    /// account's opening balance must be allocated exactly to matters' ledgers in
    /// `brought_forward`; an office account has none.
    pub fn add_account(
        &mut self,
        account: BankAccount,
        opened_on: Date,
        brought_forward: Vec<BroughtForward>,
    ) -> Result<(), Invalid> {
        if self.accounts.contains_key(&account.id) {
            return Err(Invalid::new("account", "is already in the books"));
        }
        if let Some(same) = self.accounts.values().find(|a| {
            a.sort_code == account.sort_code && a.account_number == account.account_number
        }) {
            return Err(Invalid::new(
                "account_number",
                format!(
                    "{} at {} is already in the books as '{}'",
                    account.account_number, account.sort_code, same.name
                ),
            ));
        }
        let mut allocated: i64 = 0;
        let mut opening = Vec::with_capacity(brought_forward.len());
        for bf in brought_forward {
            if account.kind == AccountKind::Office {
                return Err(Invalid::new(
                    "brought_forward",
                    "belongs to client accounts only: an office account's balance is the firm's money",
                ));
            }
            let amount = positive_amount("brought_forward", bf.amount)?;
            let client = required_text("client", &bf.client, 200)?;
            if opening
                .iter()
                .any(|(_, _, o): &(AccountId, Date, BroughtForward)| o.matter == bf.matter)
            {
                return Err(Invalid::new(
                    "brought_forward",
                    format!("names {} twice", bf.matter),
                ));
            }
            allocated = allocated.saturating_add(amount.pence());
            opening.push((
                account.id,
                opened_on,
                BroughtForward {
                    matter: bf.matter,
                    client,
                    amount,
                },
            ));
        }
        if account.kind == AccountKind::Client && allocated != account.opening_balance.pence() {
            return Err(Invalid::new(
                "brought_forward",
                format!(
                    "must allocate the opening balance of {} to matters exactly; {} is allocated",
                    account.opening_balance,
                    Money::from_pence(allocated)
                ),
            ));
        }
        let mut staged = vec![(
            Place::Cash(account.id),
            confirmed_balance(account.opening_balance.pence()),
        )];
        for (id, _, bf) in &opening {
            staged.push((
                Place::Client(*id, bf.matter),
                confirmed_balance(bf.amount.pence()),
            ));
            self.clients.insert(bf.matter, bf.client.clone());
        }
        self.keep(staged);
        self.opening.extend(opening);
        self.accounts.insert(account.id, account);
        Ok(())
    }

    /// Checks a posting against every rule and, if it keeps them all, records it. Returns
    /// the first rule it breaks, and then nothing has changed.
    pub fn post(&mut self, posting: Posting) -> Result<PostingId, Invalid> {
        let posting = self.check_fields(posting)?;
        let moves = self.moves(&posting)?;
        self.check_authority(&posting)?;
        check_state(&posting, &moves)?;
        self.check_balanced(&moves)?;
        let staged = self.stage(&posting, posting.state, &moves, true)?;
        let state = posting.state;
        Ok(self.admit(posting, state, staged))
    }

    /// Takes back a posting the books accepted before (replaying a store), in the state it
    /// is in now. Rules that depended on the books at the time (what was available, who had
    /// to authorise) are not checked again: records merged from another device may break
    /// them, and that is for [`Books::debit_balances`] and the breach log to show, not for a
    /// replay to hide. Structure still is: the accounts exist, a reversal's original is in
    /// the books and reversed once, the posting balances, and no figure overflows.
    pub fn restore(&mut self, posting: Posting, state: PostingState) -> Result<PostingId, Invalid> {
        if self.index.contains_key(&posting.id) {
            return Err(Invalid::new(
                "posting",
                format!("{} is already in the books", posting.id),
            ));
        }
        let moves = self.moves(&posting)?;
        self.check_balanced(&moves)?;
        let staged = self.stage(&posting, state, &moves, false)?;
        Ok(self.admit(posting, state, staged))
    }

    /// Keeps a checked posting and the balances it makes.
    fn admit(
        &mut self,
        posting: Posting,
        state: PostingState,
        staged: Vec<(Place, Balance)>,
    ) -> PostingId {
        let id = posting.id;
        self.keep(staged);
        self.clients.insert(posting.matter, posting.client.clone());
        match &posting.kind {
            PostingKind::ClientToClient {
                to_matter,
                to_client,
                ..
            } => {
                self.clients.insert(*to_matter, to_client.clone());
            }
            PostingKind::Reversal { of, .. } => {
                if let Some(original) = self.index.get(of).and_then(|&i| self.entries.get_mut(i)) {
                    original.reversed_by = Some(id);
                }
            }
            _ => {}
        }
        self.index.insert(id, self.entries.len());
        self.entries.push(Entry {
            state,
            posting,
            reversed_by: None,
        });
        id
    }

    /// Where a posting in the books, or one about to be posted, moves money.
    pub fn moves_of(&self, p: &Posting) -> Result<Moves, Invalid> {
        self.moves(p)
    }

    /// Confirms a pending posting (the firm server's answer, in a later issue): its pending
    /// movements become confirmed. What is available on a ledger never falls by this.
    pub fn confirm(&mut self, id: PostingId) -> Result<(), Invalid> {
        let Some(&at) = self.index.get(&id) else {
            return Err(Invalid::new("posting", format!("{id} is not in the books")));
        };
        let Some(entry) = self.entries.get(at) else {
            return Err(Invalid::new("posting", format!("{id} is not in the books")));
        };
        if entry.state == PostingState::Confirmed {
            return Err(Invalid::new(
                "posting",
                format!("{id} is already confirmed"),
            ));
        }
        let moves = self.moves(&entry.posting)?;
        let mut staged = Vec::with_capacity(moves.len());
        for (&slot, &delta) in &moves {
            let b = self.balances.get(&slot).copied().unwrap_or_default();
            let magnitude = Money::from_pence(delta.abs());
            let unpend = if delta < 0 {
                Balance {
                    pending_out: sub(b.pending_out, magnitude)?,
                    ..b
                }
            } else {
                Balance {
                    pending_in: sub(b.pending_in, magnitude)?,
                    ..b
                }
            };
            let after = Balance {
                confirmed: add(unpend.confirmed, Money::from_pence(delta))?,
                ..unpend
            };
            staged.push((slot, after));
        }
        self.keep(staged);
        if let Some(entry) = self.entries.get_mut(at) {
            entry.state = PostingState::Confirmed;
        }
        Ok(())
    }

    // -- what the books say -----------------------------------------------------------

    pub fn account(&self, id: AccountId) -> Option<&BankAccount> {
        self.accounts.get(&id)
    }

    pub fn accounts(&self) -> impl Iterator<Item = &BankAccount> {
        self.accounts.values()
    }

    /// Every posting, in the order the books accepted them.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    pub fn entry(&self, id: PostingId) -> Option<&Entry> {
        self.index.get(&id).and_then(|&i| self.entries.get(i))
    }

    /// A bank account's cash book balance (opening balance included).
    pub fn cash_book(&self, account: AccountId) -> Option<Balance> {
        self.accounts
            .contains_key(&account)
            .then(|| self.balance(Place::Cash(account)))
    }

    /// The client side of a matter's ledger, across all client accounts.
    pub fn client_ledger(&self, matter: MatterNumber) -> Balance {
        self.balances
            .iter()
            .filter(|(slot, _)| matches!(slot, Place::Client(_, m) if *m == matter))
            .fold(Balance::default(), |sum, (_, b)| sum.plus(*b))
    }

    /// The client side of a matter's ledger for the money held in one client account.
    pub fn client_ledger_in(&self, account: AccountId, matter: MatterNumber) -> Balance {
        self.balance(Place::Client(account, matter))
    }

    /// The office (business) side of a matter's ledger, credit positive: office money
    /// received for the matter and costs transferred from client account, less office
    /// payments. (Bills will debit it when they are posted, in a later step.)
    pub fn office_side(&self, matter: MatterNumber) -> Balance {
        self.balance(Place::Office(matter))
    }

    /// The list of client balances (r8.1): every matter's client money in each client
    /// account that is not all zero, by account then matter.
    pub fn client_balances(&self) -> Vec<ClientBalance> {
        self.balances
            .iter()
            .filter_map(|(slot, b)| match slot {
                Place::Client(account, matter) => Some(ClientBalance {
                    account: *account,
                    matter: *matter,
                    client: self.clients.get(matter).cloned().unwrap_or_default(),
                    balance: *b,
                }),
                _ => None,
            })
            .collect()
    }

    /// The total of client ledger credit balances held in a client account, on the
    /// recorded basis (pending postings included). Debit balances are not netted off
    /// against it (r8.3): see [`Books::debit_balances`].
    pub fn client_ledger_total(&self, account: AccountId) -> Money {
        Money::from_pence(
            self.client_balances()
                .iter()
                .filter(|c| c.account == account)
                .map(|c| c.balance.recorded().pence())
                .filter(|p| *p > 0)
                .fold(0_i64, i64::saturating_add),
        )
    }

    /// Client ledgers in a client account with a debit (overdrawn) balance on the recorded
    /// basis, listed separately and never netted (r8.3). The books refuse any posting that
    /// would make one, so this is empty unless records from elsewhere (a merge) made one.
    pub fn debit_balances(&self, account: AccountId) -> Vec<ClientBalance> {
        self.client_balances()
            .into_iter()
            .filter(|c| c.account == account && c.balance.recorded().pence() < 0)
            .collect()
    }

    /// A matter's client ledger (r8.1): balances brought forward, then every posting on the
    /// matter in the order recorded, with the client and office sides' running balances on
    /// the recorded basis.
    pub fn ledger(&self, matter: MatterNumber) -> Vec<LedgerLine> {
        let mut lines = Vec::new();
        let (mut client_balance, mut office_balance) = (0_i64, 0_i64);
        for (_, date, bf) in self.opening.iter().filter(|(_, _, o)| o.matter == matter) {
            client_balance = client_balance.saturating_add(bf.amount.pence());
            lines.push(LedgerLine {
                date: *date,
                posting: None,
                what: "brought forward",
                reference: String::new(),
                state: PostingState::Confirmed,
                client_side: bf.amount,
                office_side: Money::ZERO,
                client_balance: Money::from_pence(client_balance),
                office_balance: Money::ZERO,
            });
        }
        for entry in &self.entries {
            let Ok(moves) = self.moves(&entry.posting) else {
                continue;
            };
            let (mut client_side, mut office_side, mut touched) = (0_i64, 0_i64, false);
            for (slot, delta) in &moves {
                match slot {
                    Place::Client(_, m) if *m == matter => {
                        client_side = client_side.saturating_add(*delta);
                        touched = true;
                    }
                    Place::Office(m) if *m == matter => {
                        office_side = office_side.saturating_add(*delta);
                        touched = true;
                    }
                    _ => {}
                }
            }
            if !touched {
                continue;
            }
            client_balance = client_balance.saturating_add(client_side);
            office_balance = office_balance.saturating_add(office_side);
            lines.push(LedgerLine {
                date: entry.posting.date,
                posting: Some(entry.posting.id),
                what: entry.posting.kind.word(),
                reference: entry.posting.reference.clone(),
                state: entry.state,
                client_side: Money::from_pence(client_side),
                office_side: Money::from_pence(office_side),
                client_balance: Money::from_pence(client_balance),
                office_balance: Money::from_pence(office_balance),
            });
        }
        lines
    }

    // -- the rules ----------------------------------------------------------------------

    /// Stores new balances. A balance back at zero is dropped, so that books that come to
    /// the same figures compare equal however they got there.
    fn keep(&mut self, staged: Vec<(Place, Balance)>) {
        for (slot, balance) in staged {
            if balance.is_zero() {
                self.balances.remove(&slot);
            } else {
                self.balances.insert(slot, balance);
            }
        }
    }

    fn balance(&self, slot: Place) -> Balance {
        self.balances.get(&slot).copied().unwrap_or_default()
    }

    /// Field by field: the posting as it will be kept (text trimmed, initials upper case).
    fn check_fields(&self, p: Posting) -> Result<Posting, Invalid> {
        if self.index.contains_key(&p.id) {
            return Err(Invalid::new(
                "posting",
                format!("{} is already in the books", p.id),
            ));
        }
        let client = required_text("client", &p.client, 200)?;
        let reference = required_text("reference", &p.reference, 100)?;
        let party = match &p.kind {
            PostingKind::Receipt { .. } => required_text("payer", &p.party, 200)?,
            PostingKind::Payment { .. } => required_text("payee", &p.party, 200)?,
            _ if p.party.trim().is_empty() => String::new(),
            _ => required_text("party", &p.party, 200)?,
        };
        let recorded_by = person("recorded_by", &p.recorded_by)?;
        let authorised_by = match &p.authorised_by {
            None => None,
            Some(a) if a.trim().is_empty() => None,
            Some(a) => {
                let a = person("authorised_by", a)?;
                if a == recorded_by {
                    return Err(Invalid::new(
                        "authorised_by",
                        format!("must be someone other than who recorded it ({recorded_by})"),
                    ));
                }
                Some(a)
            }
        };
        let kind = match p.kind {
            PostingKind::Receipt { account, amount } => PostingKind::Receipt {
                account,
                amount: positive_amount("amount", amount)?,
            },
            PostingKind::Payment { account, amount } => PostingKind::Payment {
                account,
                amount: positive_amount("amount", amount)?,
            },
            PostingKind::ClientToOffice {
                from,
                to,
                amount,
                bill,
            } => {
                let amount = positive_amount("amount", amount)?;
                let bill = check_bill(bill, amount)?;
                PostingKind::ClientToOffice {
                    from,
                    to,
                    amount,
                    bill,
                }
            }
            PostingKind::ClientToClient {
                from,
                to,
                to_matter,
                to_client,
                amount,
                reason,
            } => {
                if from == to && to_matter == p.matter {
                    return Err(Invalid::new(
                        "to_matter",
                        format!("must be another ledger than {}'s own", p.matter),
                    ));
                }
                PostingKind::ClientToClient {
                    from,
                    to,
                    to_matter,
                    to_client: required_text("to_client", &to_client, 200)?,
                    amount: positive_amount("amount", amount)?,
                    reason: required_text("reason", &reason, 500)?,
                }
            }
            PostingKind::Reversal { of, reason } => PostingKind::Reversal {
                of,
                reason: required_text("reason", &reason, 500)?,
            },
        };
        Ok(Posting {
            id: p.id,
            date: p.date,
            matter: p.matter,
            client,
            method: p.method,
            reference,
            party,
            recorded_by,
            authorised_by,
            state: p.state,
            kind,
        })
    }

    fn account_of(&self, field: &'static str, id: AccountId) -> Result<&BankAccount, Invalid> {
        self.accounts
            .get(&id)
            .ok_or_else(|| Invalid::new(field, "is not one of the firm's bank accounts"))
    }

    fn account_of_kind(
        &self,
        field: &'static str,
        id: AccountId,
        kind: AccountKind,
    ) -> Result<&BankAccount, Invalid> {
        let account = self.account_of(field, id)?;
        if account.kind != kind {
            return Err(Invalid::new(
                field,
                format!(
                    "must be {} account; '{}' is {} account",
                    article(kind),
                    account.name,
                    article(account.kind)
                ),
            ));
        }
        Ok(account)
    }

    /// Where the posting moves money, netted by slot. Client and office money never mix:
    /// the account's kind decides the ledger side, and a transfer's accounts must be of the
    /// kinds it names.
    fn moves(&self, p: &Posting) -> Result<Moves, Invalid> {
        match &p.kind {
            PostingKind::Receipt { account, .. } | PostingKind::Payment { account, .. } => {
                self.account_of("account", *account)?;
            }
            PostingKind::ClientToOffice { from, to, .. } => {
                self.account_of_kind("from_account", *from, AccountKind::Client)?;
                self.account_of_kind("to_account", *to, AccountKind::Office)?;
            }
            PostingKind::ClientToClient { from, to, .. } => {
                self.account_of_kind("from_account", *from, AccountKind::Client)?;
                self.account_of_kind("to_account", *to, AccountKind::Client)?;
            }
            PostingKind::Reversal { of, .. } => {
                let original = self.reversible(p, *of)?;
                return Ok(self
                    .moves(&original.posting)?
                    .into_iter()
                    .map(|(place, delta)| (place, -delta))
                    .collect());
            }
        }
        direct_moves(p, |id| self.accounts.get(&id).map(|a| a.kind))
            .ok_or_else(|| Invalid::new("account", "is not one of the firm's bank accounts"))
    }

    /// The entry `p` reverses, if it may be reversed by `p`. When `p` is already in the
    /// books (replaying its moves), it is the one that reversed the original.
    fn reversible(&self, p: &Posting, of: PostingId) -> Result<&Entry, Invalid> {
        let original = self.entry(of).ok_or_else(|| {
            Invalid::new(
                "reversal",
                format!("reverses {of}, which is not in the books"),
            )
        })?;
        if let Some(by) = original.reversed_by.filter(|by| *by != p.id) {
            return Err(Invalid::new(
                "reversal",
                format!("{of} was already reversed by {by}; a posting is reversed once"),
            ));
        }
        if matches!(original.posting.kind, PostingKind::Reversal { .. }) {
            return Err(Invalid::new(
                "reversal",
                format!(
                    "{of} is itself a reversal and cannot be reversed; record the posting again instead"
                ),
            ));
        }
        if original.reversed_by.is_none() && original.state == PostingState::Pending {
            return Err(Invalid::new(
                "reversal",
                format!(
                    "{of} is still pending confirmation; it can be reversed once it is confirmed"
                ),
            ));
        }
        if original.posting.matter != p.matter {
            return Err(Invalid::new(
                "reversal",
                format!(
                    "must be on {}, the matter of the posting it reverses",
                    original.posting.matter
                ),
            ));
        }
        if p.date < original.posting.date {
            return Err(Invalid::new(
                "date",
                format!(
                    "of a reversal cannot be before the posting it reverses ({})",
                    original.posting.date
                ),
            ));
        }
        Ok(original)
    }

    /// Who must authorise: a second person for a transfer between clients' ledgers, and for
    /// a client-account payment over the firm's threshold.
    fn check_authority(&self, p: &Posting) -> Result<(), Invalid> {
        if p.authorised_by.is_some() {
            return Ok(());
        }
        match &p.kind {
            PostingKind::ClientToClient { .. } => Err(Invalid::new(
                "authorised_by",
                "is required for a transfer between clients' ledgers: someone other than who recorded it",
            )),
            PostingKind::Payment { account, amount } => {
                let from_client = self
                    .accounts
                    .get(account)
                    .is_some_and(|a| a.kind == AccountKind::Client);
                match self.policy.second_authoriser_above {
                    Some(limit) if from_client && *amount > limit => Err(Invalid::new(
                        "authorised_by",
                        format!(
                            "is required for a payment from client account over {limit} (this one is {amount}): a second person must authorise it"
                        ),
                    )),
                    _ => Ok(()),
                }
            }
            _ => Ok(()),
        }
    }

    /// Every posting balances: the cash books move by what the ledgers move by, and each
    /// client account's cash book by what its client ledgers move by. True by construction
    /// of [`Books::moves`]; checked so that a future kind of posting cannot break it.
    fn check_balanced(&self, moves: &Moves) -> Result<(), Invalid> {
        let mut cash = 0_i64;
        let mut ledgers = 0_i64;
        let mut per_client_account: BTreeMap<AccountId, i64> = BTreeMap::new();
        for (slot, delta) in moves {
            match slot {
                Place::Cash(a) => {
                    cash = cash.saturating_add(*delta);
                    if self.accounts.get(a).map(|x| x.kind) == Some(AccountKind::Client) {
                        let e = per_client_account.entry(*a).or_default();
                        *e = e.saturating_add(*delta);
                    }
                }
                Place::Client(a, _) => {
                    ledgers = ledgers.saturating_add(*delta);
                    let e = per_client_account.entry(*a).or_default();
                    *e = e.saturating_sub(*delta);
                }
                Place::Office(_) => ledgers = ledgers.saturating_add(*delta),
            }
        }
        if cash != ledgers || per_client_account.values().any(|d| *d != 0) {
            return Err(Invalid::new(
                "posting",
                "does not balance between the cash books and the ledgers, and was not recorded",
            ));
        }
        Ok(())
    }

    /// The balances after the posting, or the rule it breaks: no client ledger may go
    /// below zero available, and no figure may overflow.
    fn stage(
        &self,
        p: &Posting,
        state: PostingState,
        moves: &Moves,
        check_overdraw: bool,
    ) -> Result<Vec<(Place, Balance)>, Invalid> {
        let mut staged = Vec::with_capacity(moves.len());
        for (&slot, &delta) in moves {
            let before = self.balance(slot);
            let magnitude = Money::from_pence(delta.abs());
            let after = match (state, delta < 0) {
                (PostingState::Confirmed, _) => Balance {
                    confirmed: add(before.confirmed, Money::from_pence(delta))?,
                    ..before
                },
                (PostingState::Pending, true) => Balance {
                    pending_out: add(before.pending_out, magnitude)?,
                    ..before
                },
                (PostingState::Pending, false) => Balance {
                    pending_in: add(before.pending_in, magnitude)?,
                    ..before
                },
            };
            // Both derived figures must be representable; `available` and `recorded`
            // saturate only on books that were never checked.
            let available = sub(after.confirmed, after.pending_out)?;
            add(available, after.pending_in)?;
            if let Place::Client(account, matter) = slot
                && check_overdraw
                && delta < 0
                && available.pence() < 0
            {
                return Err(Invalid::new(
                    "amount",
                    format!(
                        "would overdraw the client ledger of {matter}{} (available {}, {} {})",
                        self.in_account(account),
                        before.available(),
                        p.kind.word(),
                        magnitude
                    ),
                ));
            }
            staged.push((slot, after));
        }
        Ok(staged)
    }

    /// " in <account>" when the firm has more than one client account, else nothing.
    fn in_account(&self, account: AccountId) -> String {
        let client_accounts = self
            .accounts
            .values()
            .filter(|a| a.kind == AccountKind::Client)
            .count();
        match self.accounts.get(&account) {
            Some(a) if client_accounts > 1 => format!(" in '{}'", a.name),
            _ => String::new(),
        }
    }
}

/// Only money leaving a client ledger waits for confirmation; a receipt, and anything else
/// that takes nothing out of client money, is confirmed when it is recorded.
fn check_state(p: &Posting, moves: &Moves) -> Result<(), Invalid> {
    let takes_client_money = moves
        .iter()
        .any(|(slot, delta)| matches!(slot, Place::Client(..)) && *delta < 0);
    if p.state == PostingState::Pending && !takes_client_money {
        return Err(Invalid::new(
            "state",
            format!(
                "of a {} that takes no money out of client account is confirmed when it is recorded; only payments out of client money wait for confirmation",
                p.kind.word()
            ),
        ));
    }
    Ok(())
}

fn check_bill(bill: BillRef, amount: Money) -> Result<BillRef, Invalid> {
    let what = match bill.notice {
        CostsNotice::Bill => "bill",
        CostsNotice::WrittenNotification => "written notification of costs",
    };
    let reference = required_text("bill", &bill.reference, 100).map_err(|_| {
        Invalid::new(
            "bill",
            "is required: money moves to office account only against a bill or written notification of costs already given (r4)",
        )
    })?;
    if bill.unpaid.pence() <= 0 {
        return Err(Invalid::new(
            "bill",
            format!(
                "{reference} has nothing unpaid, so no money may move to office account for it"
            ),
        ));
    }
    if amount > bill.unpaid {
        return Err(Invalid::new(
            "amount",
            format!(
                "({amount}) is more than the {} unpaid on {what} {reference}; only the sum billed and unpaid may move to office account",
                bill.unpaid
            ),
        ));
    }
    Ok(BillRef {
        notice: bill.notice,
        reference,
        unpaid: bill.unpaid,
    })
}

fn article(kind: AccountKind) -> &'static str {
    match kind {
        AccountKind::Client => "a client",
        AccountKind::Office => "an office",
    }
}

fn person(field: &'static str, text: &str) -> Result<String, Invalid> {
    crate::firm::initials(text).map_err(|e| Invalid::new(field, e.message))
}

fn positive_amount(field: &'static str, amount: Money) -> Result<Money, Invalid> {
    if amount.pence() <= 0 {
        return Err(Invalid::new(
            field,
            format!("must be more than £0.00 ({amount} is not); a correction is a reversal"),
        ));
    }
    if amount.pence() > MAX_AMOUNT_PENCE {
        return Err(Invalid::new(
            field,
            format!("must be at most {}", Money::from_pence(MAX_AMOUNT_PENCE)),
        ));
    }
    Ok(amount)
}

fn confirmed_balance(pence: i64) -> Balance {
    Balance {
        confirmed: Money::from_pence(pence),
        ..Balance::default()
    }
}

fn overflow() -> Invalid {
    Invalid::new("amount", "is too large for the books")
}

fn add(a: Money, b: Money) -> Result<Money, Invalid> {
    a.checked_add(b).ok_or_else(overflow)
}

fn sub(a: Money, b: Money) -> Result<Money, Invalid> {
    a.checked_sub(b).ok_or_else(overflow)
}

// ---------------------------------------------------------------------------------------
// VAT on bills
// ---------------------------------------------------------------------------------------

pub use crate::expense::STANDARD_RATE_BP;

/// VAT at `rate_bp` basis points on one line's net amount.
///
/// The rounding rule: VAT is worked out **once per line** and rounded to the nearest penny,
/// **half a penny up** (away from zero, so that a credit note's VAT is exactly minus the
/// VAT of the line it credits). A bill's VAT is the sum of its lines' VAT
/// ([`vat_on_lines`]), never worked out again on the bill's total. DOMAIN.md gives the rate
/// (20%) but no rounding rule; this is the rule the rest of Satchel already uses for
/// expenses (`expense::vat`), which agrees with this one for every amount not below zero.
/// At 20% an exact half penny cannot arise (a fifth of a whole number of pence), so there
/// the rule is simply "to the nearest penny".
pub fn vat_at(net: Money, rate_bp: u32) -> Money {
    let p = i128::from(net.pence()) * i128::from(rate_bp);
    let rounded = (p.abs() * 2 + 10_000) / 20_000;
    let signed = if p < 0 { -rounded } else { rounded };
    Money::from_pence(i64::try_from(signed).unwrap_or(if p < 0 { i64::MIN } else { i64::MAX }))
}

/// VAT at the standard rate (20%) on one line's net amount; see [`vat_at`] for rounding.
pub fn vat_standard(net: Money) -> Money {
    vat_at(net, STANDARD_RATE_BP)
}

/// A bill's VAT at the standard rate: each line's VAT rounded, then added up. `None` if
/// the total does not fit in pence.
pub fn vat_on_lines(nets: &[Money]) -> Option<Money> {
    nets.iter()
        .try_fold(Money::ZERO, |sum, net| sum.checked_add(vat_standard(*net)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    const FIRM: &str = "Smith & Jones LLP";

    fn account_id(n: u128) -> AccountId {
        AccountId(Uuid::from_u128(n))
    }

    fn pid(n: u128) -> PostingId {
        PostingId(Uuid::from_u128(1_000 + n))
    }

    fn pounds(text: &str) -> Money {
        Money::parse(text).unwrap()
    }

    fn new_account(n: u128, kind: AccountKind, name: &str, opening: Money) -> BankAccount {
        NewBankAccount {
            id: account_id(n),
            kind,
            name,
            sort_code: "20-00-00",
            account_number: &format!("{n:08}"),
            opening_balance: opening,
        }
        .validate(FIRM)
        .unwrap()
    }

    const CLIENT: u128 = 1;
    const OFFICE: u128 = 2;
    const DEPOSIT: u128 = 3;

    /// A client account and an office account, both opened at zero, on the given policy.
    fn books_with(policy: Policy) -> Books {
        let mut books = Books::new(policy);
        let on = date(2026, 1, 5);
        books
            .add_account(
                new_account(
                    CLIENT,
                    AccountKind::Client,
                    "Smith & Jones LLP Client Account",
                    Money::ZERO,
                ),
                on,
                vec![],
            )
            .unwrap();
        books
            .add_account(
                new_account(
                    OFFICE,
                    AccountKind::Office,
                    "Smith & Jones LLP Office Account",
                    Money::ZERO,
                ),
                on,
                vec![],
            )
            .unwrap();
        books
    }

    fn books() -> Books {
        books_with(Policy::default())
    }

    fn m(n: u32) -> MatterNumber {
        MatterNumber::new(n)
    }

    fn posting(n: u128, matter: u32, kind: PostingKind) -> Posting {
        Posting {
            id: pid(n),
            date: date(2026, 3, 2),
            matter: m(matter),
            client: "Alice Brown".to_owned(),
            method: Method::BankTransfer,
            reference: format!("REF{n}"),
            party: "Alice Brown".to_owned(),
            recorded_by: "CD".to_owned(),
            authorised_by: None,
            state: PostingState::Confirmed,
            kind,
        }
    }

    fn receipt(n: u128, matter: u32, account: u128, amount: &str) -> Posting {
        posting(
            n,
            matter,
            PostingKind::Receipt {
                account: account_id(account),
                amount: pounds(amount),
            },
        )
    }

    fn payment(n: u128, matter: u32, account: u128, amount: &str) -> Posting {
        posting(
            n,
            matter,
            PostingKind::Payment {
                account: account_id(account),
                amount: pounds(amount),
            },
        )
    }

    fn to_office(n: u128, matter: u32, amount: &str, unpaid: &str) -> Posting {
        posting(
            n,
            matter,
            PostingKind::ClientToOffice {
                from: account_id(CLIENT),
                to: account_id(OFFICE),
                amount: pounds(amount),
                bill: BillRef {
                    notice: CostsNotice::Bill,
                    reference: "B0007".to_owned(),
                    unpaid: pounds(unpaid),
                },
            },
        )
    }

    fn client_to_client(n: u128, from: u32, to: u32, amount: &str) -> Posting {
        Posting {
            authorised_by: Some("AB".to_owned()),
            ..posting(
                n,
                from,
                PostingKind::ClientToClient {
                    from: account_id(CLIENT),
                    to: account_id(CLIENT),
                    to_matter: m(to),
                    to_client: "Carol Davies".to_owned(),
                    amount: pounds(amount),
                    reason: "Costs of the related sale, on the client's written instructions"
                        .to_owned(),
                },
            )
        }
    }

    fn reversal(n: u128, matter: u32, of: u128) -> Posting {
        Posting {
            method: Method::Internal,
            ..posting(
                n,
                matter,
                PostingKind::Reversal {
                    of: pid(of),
                    reason: "Posted to the wrong matter".to_owned(),
                },
            )
        }
    }

    fn pending(p: Posting) -> Posting {
        Posting {
            state: PostingState::Pending,
            ..p
        }
    }

    /// Posts, and on refusal checks that the books did not change.
    fn refused(books: &mut Books, p: Posting) -> Invalid {
        let before = books.clone();
        let err = books.post(p).unwrap_err();
        assert_eq!(*books, before, "a refused posting changed the books: {err}");
        err
    }

    fn held(books: &Books, matter: u32) -> Money {
        books.client_ledger(m(matter)).recorded()
    }

    // -- bank accounts ----------------------------------------------------------------

    fn validate(kind: AccountKind, name: &str, firm: &str) -> Result<BankAccount, Invalid> {
        NewBankAccount {
            id: account_id(9),
            kind,
            name,
            sort_code: "12-34-56",
            account_number: "01234567",
            opening_balance: Money::ZERO,
        }
        .validate(firm)
    }

    #[test]
    fn a_client_account_is_named_with_the_firm_and_the_word_client() {
        for ok in [
            "Smith & Jones LLP Client Account",
            "SMITH & JONES LLP CLIENTS' ACCOUNT",
            "smith &  jones llp client's deposit",
            "Client account: Smith & Jones LLP",
        ] {
            assert!(validate(AccountKind::Client, ok, FIRM).is_ok(), "{ok}");
        }
        let no_firm = validate(AccountKind::Client, "Client Account", FIRM).unwrap_err();
        assert_eq!(no_firm.field, "name");
        assert!(no_firm.message.contains("Smith & Jones LLP"), "{no_firm}");
        for bad in [
            "Smith & Jones LLP Account",
            "Smith & Jones LLP Clientele Account",
            "Smith & Jones LLP General",
        ] {
            let err = validate(AccountKind::Client, bad, FIRM).unwrap_err();
            assert!(err.message.contains("the word \"client\""), "{bad}: {err}");
        }
        // The word must be there besides the firm's own name.
        let firm = "Client First LLP";
        assert!(validate(AccountKind::Client, "Client First LLP Business", firm).is_err());
        assert!(validate(AccountKind::Client, "Client First LLP Client Account", firm).is_ok());
        // An office account's name is the firm's business.
        assert!(validate(AccountKind::Office, "Business current account", FIRM).is_ok());
        assert_eq!(
            validate(AccountKind::Office, "  ", FIRM).unwrap_err().field,
            "name"
        );
    }

    #[test]
    fn sort_codes_are_six_digits_with_or_without_separators() {
        for ok in ["12-34-56", "123456", "12 34 56", " 12-34-56 "] {
            let code = SortCode::parse(ok).unwrap();
            assert_eq!(code.digits(), "123456");
            assert_eq!(code.to_string(), "12-34-56");
        }
        for bad in [
            "12345",
            "1234567",
            "12-34 56",
            "12-3456",
            "12-34-5a",
            "ab-cd-ef",
            "12–34–56",
        ] {
            assert_eq!(
                SortCode::parse(bad).unwrap_err().field,
                "sort_code",
                "{bad}"
            );
        }
    }

    #[test]
    fn account_numbers_are_eight_digits_keeping_leading_zeros() {
        assert_eq!(
            AccountNumber::parse("01234567").unwrap().digits(),
            "01234567"
        );
        for bad in ["1234567", "123456789", "1234 5678", "1234567x", ""] {
            assert_eq!(
                AccountNumber::parse(bad).unwrap_err().field,
                "account_number",
                "{bad}"
            );
        }
    }

    #[test]
    fn only_an_office_account_may_open_overdrawn() {
        let open = |kind, pence| {
            NewBankAccount {
                id: account_id(9),
                kind,
                name: "Smith & Jones LLP Client Account",
                sort_code: "123456",
                account_number: "12345678",
                opening_balance: Money::from_pence(pence),
            }
            .validate(FIRM)
        };
        assert_eq!(
            open(AccountKind::Office, -50_000)
                .unwrap()
                .opening_balance()
                .pence(),
            -50_000
        );
        assert!(open(AccountKind::Client, 0).is_ok());
        let err = open(AccountKind::Client, -1).unwrap_err();
        assert_eq!(err.field, "opening_balance");
        assert!(err.message.contains("-£0.01"), "{err}");
        assert!(open(AccountKind::Office, -MAX_AMOUNT_PENCE - 1).is_err());
    }

    #[test]
    fn accounts_round_trip_through_serde_and_bad_digits_are_refused_on_reading() {
        let account = new_account(
            CLIENT,
            AccountKind::Client,
            "Smith & Jones LLP Client",
            Money::ZERO,
        );
        let json = serde_json::to_string(&account).unwrap();
        assert!(json.contains("\"sort_code\":\"200000\""), "{json}");
        assert!(json.contains("\"kind\":\"client\""), "{json}");
        assert_eq!(serde_json::from_str::<BankAccount>(&json).unwrap(), account);
        let tampered = json.replace("200000", "20000x");
        assert!(serde_json::from_str::<BankAccount>(&tampered).is_err());
    }

    #[test]
    fn a_client_accounts_opening_balance_is_allocated_to_matters_exactly() {
        let mut books = books();
        let opening = pounds("1500.00");
        let account = || {
            new_account(
                DEPOSIT,
                AccountKind::Client,
                "Smith & Jones LLP Client Deposit",
                opening,
            )
        };
        let bf = |matter, amount| BroughtForward {
            matter: m(matter),
            client: "Eve Fisher".to_owned(),
            amount: pounds(amount),
        };
        let short = books
            .add_account(account(), date(2026, 1, 5), vec![bf(7, "1000.00")])
            .unwrap_err();
        assert_eq!(short.field, "brought_forward");
        assert!(
            short.message.contains("£1,500.00") && short.message.contains("£1,000.00"),
            "{short}"
        );
        let twice = books
            .add_account(
                account(),
                date(2026, 1, 5),
                vec![bf(7, "750.00"), bf(7, "750.00")],
            )
            .unwrap_err();
        assert!(twice.message.contains("twice"), "{twice}");
        books
            .add_account(
                account(),
                date(2026, 1, 5),
                vec![bf(7, "1000.00"), bf(8, "500.00")],
            )
            .unwrap();
        assert_eq!(
            books.cash_book(account_id(DEPOSIT)).unwrap().confirmed,
            opening
        );
        assert_eq!(held(&books, 7), pounds("1000.00"));
        assert_eq!(books.client_ledger_total(account_id(DEPOSIT)), opening);
        let office_bf = books
            .add_account(
                new_account(4, AccountKind::Office, "Second office", pounds("-10.00")),
                date(2026, 1, 5),
                vec![bf(9, "10.00")],
            )
            .unwrap_err();
        assert_eq!(office_bf.field, "brought_forward");
    }

    #[test]
    fn an_account_is_added_once() {
        let mut books = books();
        let again = new_account(
            CLIENT,
            AccountKind::Client,
            "Smith & Jones LLP Client",
            Money::ZERO,
        );
        assert_eq!(
            books
                .add_account(again, date(2026, 1, 5), vec![])
                .unwrap_err()
                .field,
            "account"
        );
        // Another id, but the same bank details as the client account.
        let same_bank = NewBankAccount {
            id: account_id(5),
            kind: AccountKind::Office,
            name: "Office 2",
            sort_code: "200000",
            account_number: "00000001",
            opening_balance: Money::ZERO,
        }
        .validate(FIRM)
        .unwrap();
        let err = books
            .add_account(same_bank, date(2026, 1, 5), vec![])
            .unwrap_err();
        assert!(
            err.message.contains("Smith & Jones LLP Client Account"),
            "{err}"
        );
    }

    // -- no client ledger goes overdrawn (r5) -------------------------------------------

    #[test]
    fn a_payment_that_would_overdraw_a_ledger_is_refused_stating_what_is_available() {
        let mut books = books();
        books.post(receipt(1, 42, CLIENT, "120.00")).unwrap();
        let err = refused(&mut books, payment(2, 42, CLIENT, "150.00"));
        assert_eq!(
            err.to_string(),
            "Amount would overdraw the client ledger of M00042 (available £120.00, payment £150.00)"
        );
    }

    #[test]
    fn overdrawn_even_by_a_penny_is_overdrawn() {
        // DOMAIN.md: "any client ledger overdrawn (even 1p)".
        let mut books = books();
        books.post(receipt(1, 42, CLIENT, "500.00")).unwrap();
        let err = refused(&mut books, payment(2, 42, CLIENT, "500.01"));
        assert!(
            err.message.contains("available £500.00, payment £500.01"),
            "{err}"
        );
        books.post(payment(3, 42, CLIENT, "500.00")).unwrap();
        assert_eq!(held(&books, 42), Money::ZERO);
        let err = refused(&mut books, payment(4, 42, CLIENT, "0.01"));
        assert!(
            err.message.contains("available £0.00, payment £0.01"),
            "{err}"
        );
    }

    #[test]
    fn one_clients_money_never_pays_anothers() {
        let mut books = books();
        books.post(receipt(1, 1, CLIENT, "10000.00")).unwrap();
        // The client account holds £10,000, but none of it is matter 2's.
        let err = refused(&mut books, payment(2, 2, CLIENT, "1.00"));
        assert!(err.message.contains("M00002 (available £0.00"), "{err}");
        assert_eq!(
            books.cash_book(account_id(CLIENT)).unwrap().confirmed,
            pounds("10000.00")
        );
    }

    #[test]
    fn pending_payments_count_against_the_available_balance() {
        let mut books = books();
        books.post(receipt(1, 42, CLIENT, "100.00")).unwrap();
        books
            .post(pending(payment(2, 42, CLIENT, "60.00")))
            .unwrap();
        let b = books.client_ledger(m(42));
        assert_eq!(
            (b.confirmed, b.pending_out, b.available(), b.recorded()),
            (
                pounds("100.00"),
                pounds("60.00"),
                pounds("40.00"),
                pounds("40.00")
            )
        );
        let err = refused(&mut books, payment(3, 42, CLIENT, "50.00"));
        assert!(
            err.message.contains("available £40.00, payment £50.00"),
            "{err}"
        );
        // A second pending payment is held to the same available figure.
        let err = refused(&mut books, pending(payment(3, 42, CLIENT, "40.01")));
        assert!(err.message.contains("available £40.00"), "{err}");
        books.confirm(pid(2)).unwrap();
        let b = books.client_ledger(m(42));
        assert_eq!(
            (b.confirmed, b.pending_out, b.available()),
            (pounds("40.00"), Money::ZERO, pounds("40.00"))
        );
        assert_eq!(
            books.entry(pid(2)).unwrap().state(),
            PostingState::Confirmed
        );
        assert_eq!(books.confirm(pid(2)).unwrap_err().field, "posting");
        assert_eq!(books.confirm(pid(99)).unwrap_err().field, "posting");
    }

    #[test]
    fn money_pending_in_is_not_available_until_confirmed() {
        let mut books = books();
        books.post(receipt(1, 1, CLIENT, "300.00")).unwrap();
        books
            .post(pending(client_to_client(2, 1, 2, "200.00")))
            .unwrap();
        let to = books.client_ledger(m(2));
        assert_eq!(
            (to.available(), to.pending_in, to.recorded()),
            (Money::ZERO, pounds("200.00"), pounds("200.00"))
        );
        refused(&mut books, payment(3, 2, CLIENT, "0.01"));
        books.confirm(pid(2)).unwrap();
        books.post(payment(3, 2, CLIENT, "200.00")).unwrap();
        assert_eq!(held(&books, 2), Money::ZERO);
        assert_eq!(held(&books, 1), pounds("100.00"));
    }

    #[test]
    fn receipts_and_office_postings_are_confirmed_at_once() {
        let mut books = books();
        let err = refused(&mut books, pending(receipt(1, 1, CLIENT, "10.00")));
        assert_eq!(err.field, "state");
        let err = refused(&mut books, pending(payment(1, 1, OFFICE, "10.00")));
        assert_eq!(err.field, "state");
    }

    // -- client and office money never mix (r4) -----------------------------------------

    #[test]
    fn office_money_is_on_the_office_side_and_may_go_overdrawn() {
        let mut books = books();
        books.post(receipt(1, 7, OFFICE, "250.00")).unwrap();
        books.post(payment(2, 7, OFFICE, "400.00")).unwrap();
        assert_eq!(books.office_side(m(7)).recorded(), pounds("-150.00"));
        assert_eq!(
            books.cash_book(account_id(OFFICE)).unwrap().recorded(),
            pounds("-150.00")
        );
        // Nothing touched client money.
        assert_eq!(books.client_ledger(m(7)), Balance::default());
        assert_eq!(
            books.cash_book(account_id(CLIENT)).unwrap(),
            Balance::default()
        );
        assert!(books.client_balances().is_empty());
    }

    #[test]
    fn transfers_go_only_between_the_kinds_of_account_they_name() {
        let mut books = books();
        books.post(receipt(1, 1, CLIENT, "500.00")).unwrap();
        let mut backwards = to_office(2, 1, "100.00", "100.00");
        if let PostingKind::ClientToOffice { from, to, .. } = &mut backwards.kind {
            std::mem::swap(from, to);
        }
        let err = refused(&mut books, backwards);
        assert_eq!(err.field, "from_account");
        assert!(err.message.contains("must be a client account"), "{err}");

        let mut into_office = client_to_client(3, 1, 2, "100.00");
        if let PostingKind::ClientToClient { to, .. } = &mut into_office.kind {
            *to = account_id(OFFICE);
        }
        let err = refused(&mut books, into_office);
        assert_eq!(err.field, "to_account");

        let mut nowhere = receipt(4, 1, 77, "1.00");
        nowhere.id = pid(4);
        assert_eq!(refused(&mut books, nowhere).field, "account");
    }

    #[test]
    fn costs_move_to_office_only_against_a_bill_and_only_what_is_unpaid() {
        let mut books = books();
        books.post(receipt(1, 5, CLIENT, "2000.00")).unwrap();
        let mut no_bill = to_office(2, 5, "600.00", "720.00");
        if let PostingKind::ClientToOffice { bill, .. } = &mut no_bill.kind {
            bill.reference = " ".to_owned();
        }
        let err = refused(&mut books, no_bill);
        assert_eq!(err.field, "bill");
        assert!(
            err.message.contains("written notification of costs"),
            "{err}"
        );
        let err = refused(&mut books, to_office(2, 5, "720.01", "720.00"));
        assert_eq!(err.field, "amount");
        assert!(
            err.message.contains("£720.00 unpaid on bill B0007"),
            "{err}"
        );
        assert_eq!(
            refused(&mut books, to_office(2, 5, "1.00", "0")).field,
            "bill"
        );

        books.post(to_office(2, 5, "720.00", "720.00")).unwrap();
        assert_eq!(held(&books, 5), pounds("1280.00"));
        assert_eq!(books.office_side(m(5)).recorded(), pounds("720.00"));
        assert_eq!(
            books.cash_book(account_id(CLIENT)).unwrap().recorded(),
            pounds("1280.00")
        );
        assert_eq!(
            books.cash_book(account_id(OFFICE)).unwrap().recorded(),
            pounds("720.00")
        );
        // A bill larger than the money held still cannot overdraw the ledger.
        let err = refused(&mut books, to_office(3, 5, "1500.00", "1500.00"));
        assert!(
            err.message
                .contains("available £1,280.00, transfer £1,500.00"),
            "{err}"
        );
    }

    #[test]
    fn a_transfer_between_clients_needs_a_reason_and_a_second_person() {
        let mut books = books();
        books.post(receipt(1, 1, CLIENT, "300.00")).unwrap();
        let mut unauthorised = client_to_client(2, 1, 2, "100.00");
        unauthorised.authorised_by = None;
        assert_eq!(refused(&mut books, unauthorised).field, "authorised_by");
        let mut self_authorised = client_to_client(2, 1, 2, "100.00");
        self_authorised.authorised_by = Some("cd".to_owned());
        let err = refused(&mut books, self_authorised);
        assert!(
            err.message.contains("other than who recorded it (CD)"),
            "{err}"
        );
        let mut no_reason = client_to_client(2, 1, 2, "100.00");
        if let PostingKind::ClientToClient { reason, .. } = &mut no_reason.kind {
            reason.clear();
        }
        assert_eq!(refused(&mut books, no_reason).field, "reason");
        assert_eq!(
            refused(&mut books, client_to_client(2, 1, 1, "100.00")).field,
            "to_matter"
        );
        let err = refused(&mut books, client_to_client(2, 1, 2, "300.01"));
        assert!(
            err.message
                .contains("M00001 (available £300.00, transfer £300.01)"),
            "{err}"
        );

        books.post(client_to_client(2, 1, 2, "100.00")).unwrap();
        assert_eq!(
            (held(&books, 1), held(&books, 2)),
            (pounds("200.00"), pounds("100.00"))
        );
        assert_eq!(
            books.cash_book(account_id(CLIENT)).unwrap().recorded(),
            pounds("300.00")
        );
        let list = books.client_balances();
        assert_eq!(list.len(), 2);
        assert_eq!(list[1].client, "Carol Davies");
    }

    #[test]
    fn client_payments_over_the_firms_threshold_need_a_second_authoriser() {
        let mut books = books_with(Policy {
            second_authoriser_above: Some(pounds("10000.00")),
        });
        books.post(receipt(1, 1, CLIENT, "50000.00")).unwrap();
        books.post(payment(2, 1, CLIENT, "10000.00")).unwrap();
        let err = refused(&mut books, payment(3, 1, CLIENT, "10000.01"));
        assert_eq!(err.field, "authorised_by");
        assert!(
            err.message
                .contains("over £10,000.00 (this one is £10,000.01)"),
            "{err}"
        );
        let mut authorised = payment(3, 1, CLIENT, "10000.01");
        authorised.authorised_by = Some("AB".to_owned());
        books.post(authorised).unwrap();
        // Office payments are the firm's own business.
        books.post(payment(4, 1, OFFICE, "20000.00")).unwrap();
    }

    #[test]
    fn postings_need_their_details() {
        let mut books = books();
        type Spoil = fn(&mut Posting);
        let cases: [(Spoil, &str); 7] = [
            (|p| p.reference = "".to_owned(), "reference"),
            (|p| p.client = " ".to_owned(), "client"),
            (|p| p.party = "".to_owned(), "payer"),
            (|p| p.recorded_by = "C".to_owned(), "recorded_by"),
            (|p| p.authorised_by = Some("A1".to_owned()), "authorised_by"),
            (
                |p| {
                    p.kind = PostingKind::Receipt {
                        account: account_id(CLIENT),
                        amount: Money::ZERO,
                    }
                },
                "amount",
            ),
            (
                |p| {
                    p.kind = PostingKind::Receipt {
                        account: account_id(CLIENT),
                        amount: Money::from_pence(MAX_AMOUNT_PENCE + 1),
                    }
                },
                "amount",
            ),
        ];
        for (spoil, field) in cases {
            let mut p = receipt(1, 1, CLIENT, "10.00");
            spoil(&mut p);
            assert_eq!(refused(&mut books, p).field, field);
        }
        let mut no_payee = payment(1, 1, OFFICE, "1.00");
        no_payee.party.clear();
        assert_eq!(refused(&mut books, no_payee).field, "payee");
        books.post(receipt(1, 1, CLIENT, "10.00")).unwrap();
        assert_eq!(
            refused(&mut books, receipt(1, 1, CLIENT, "10.00")).field,
            "posting"
        );
    }

    #[test]
    fn postings_are_kept_trimmed_with_initials_in_capitals() {
        let mut books = books();
        let mut p = receipt(1, 1, CLIENT, "10.00");
        p.reference = "  FP 123 ".to_owned();
        p.recorded_by = " cd".to_owned();
        p.authorised_by = Some(" ".to_owned());
        books.post(p).unwrap();
        let kept = books.entry(pid(1)).unwrap().posting();
        assert_eq!(
            (kept.reference.as_str(), kept.recorded_by.as_str()),
            ("FP 123", "CD")
        );
        assert_eq!(kept.authorised_by, None);
    }

    // -- reversals ------------------------------------------------------------------------

    #[test]
    fn a_reversal_nets_its_posting_to_zero() {
        let mut books = books();
        books.post(receipt(1, 3, CLIENT, "1000.00")).unwrap();
        let before = books.clone();
        books.post(to_office(2, 3, "400.00", "480.00")).unwrap();
        books.post(reversal(3, 3, 2)).unwrap();
        assert_eq!(held(&books, 3), pounds("1000.00"));
        assert_eq!(books.office_side(m(3)), before.office_side(m(3)));
        for account in [CLIENT, OFFICE] {
            assert_eq!(
                books.cash_book(account_id(account)),
                before.cash_book(account_id(account))
            );
        }
        let orig = books.moves(books.entry(pid(2)).unwrap().posting()).unwrap();
        let rev = books.moves(books.entry(pid(3)).unwrap().posting()).unwrap();
        assert_eq!(orig.len(), 4);
        for (slot, delta) in &orig {
            assert_eq!(rev.get(slot), Some(&-delta));
        }
        assert_eq!(books.entry(pid(2)).unwrap().reversed_by(), Some(pid(3)));
        // The original stays in the books, unchanged.
        assert_eq!(books.entries().len(), 3);
    }

    #[test]
    fn a_posting_is_reversed_once_and_a_reversal_not_at_all() {
        let mut books = books();
        books.post(receipt(1, 3, CLIENT, "100.00")).unwrap();
        books.post(reversal(2, 3, 1)).unwrap();
        let err = refused(&mut books, reversal(3, 3, 1));
        assert!(err.message.contains("already reversed by"), "{err}");
        let err = refused(&mut books, reversal(3, 3, 2));
        assert!(err.message.contains("is itself a reversal"), "{err}");
        let err = refused(&mut books, reversal(3, 3, 99));
        assert!(err.message.contains("not in the books"), "{err}");
    }

    #[test]
    fn a_reversal_is_held_to_the_same_rules() {
        let mut books = books();
        books.post(receipt(1, 3, CLIENT, "100.00")).unwrap();
        books.post(payment(2, 3, CLIENT, "80.00")).unwrap();
        // Reversing the receipt (a bounced cheque) would take out £100 with £20 left.
        let err = refused(&mut books, reversal(3, 3, 1));
        assert_eq!(
            err.to_string(),
            "Amount would overdraw the client ledger of M00003 (available £20.00, reversal £100.00)"
        );
        assert_eq!(refused(&mut books, reversal(3, 4, 2)).field, "reversal");
        let mut early = reversal(3, 3, 2);
        early.date = date(2026, 3, 1);
        assert_eq!(refused(&mut books, early).field, "date");
        books.post(reversal(3, 3, 2)).unwrap();
        books.post(pending(reversal(4, 3, 1))).unwrap();
        assert_eq!(books.client_ledger(m(3)).available(), Money::ZERO);
    }

    #[test]
    fn a_pending_posting_is_reversed_only_once_confirmed() {
        let mut books = books();
        books.post(receipt(1, 3, CLIENT, "100.00")).unwrap();
        books.post(pending(payment(2, 3, CLIENT, "30.00"))).unwrap();
        let err = refused(&mut books, reversal(3, 3, 2));
        assert!(err.message.contains("still pending"), "{err}");
        books.confirm(pid(2)).unwrap();
        books.post(reversal(3, 3, 2)).unwrap();
        assert_eq!(held(&books, 3), pounds("100.00"));
    }

    // -- records ----------------------------------------------------------------------------

    #[test]
    fn the_ledger_shows_both_sides_with_running_balances() {
        let mut books = books();
        books.post(receipt(1, 9, CLIENT, "1000.00")).unwrap();
        books.post(receipt(2, 8, CLIENT, "55.00")).unwrap();
        books
            .post(pending(payment(3, 9, CLIENT, "150.00")))
            .unwrap();
        books.post(to_office(4, 9, "360.00", "360.00")).unwrap();
        let lines = books.ledger(m(9));
        let row = |l: &LedgerLine| {
            (
                l.what,
                l.client_side,
                l.office_side,
                l.client_balance,
                l.office_balance,
                l.state,
            )
        };
        use PostingState::*;
        assert_eq!(
            lines.iter().map(row).collect::<Vec<_>>(),
            vec![
                (
                    "receipt",
                    pounds("1000"),
                    Money::ZERO,
                    pounds("1000"),
                    Money::ZERO,
                    Confirmed
                ),
                (
                    "payment",
                    pounds("-150"),
                    Money::ZERO,
                    pounds("850"),
                    Money::ZERO,
                    Pending
                ),
                (
                    "transfer",
                    pounds("-360"),
                    pounds("360"),
                    pounds("490"),
                    pounds("360"),
                    Confirmed
                ),
            ]
        );
        assert_eq!(lines[0].posting, Some(pid(1)));
    }

    #[test]
    fn client_balances_are_listed_and_totalled_per_client_account() {
        let mut books = books();
        books
            .add_account(
                new_account(
                    DEPOSIT,
                    AccountKind::Client,
                    "Smith & Jones LLP Client Deposit",
                    pounds("75.00"),
                ),
                date(2026, 1, 5),
                vec![BroughtForward {
                    matter: m(1),
                    client: "Alice Brown".to_owned(),
                    amount: pounds("75.00"),
                }],
            )
            .unwrap();
        books.post(receipt(1, 1, CLIENT, "100.00")).unwrap();
        books.post(receipt(2, 2, CLIENT, "40.00")).unwrap();
        books.post(receipt(3, 3, CLIENT, "5.00")).unwrap();
        books.post(payment(4, 3, CLIENT, "5.00")).unwrap();
        let list = books.client_balances();
        let rows: Vec<_> = list
            .iter()
            .map(|c| (c.account, c.matter, c.balance.recorded()))
            .collect();
        // Matter 3 is back to nothing and is left off.
        assert_eq!(
            rows,
            vec![
                (account_id(CLIENT), m(1), pounds("100.00")),
                (account_id(CLIENT), m(2), pounds("40.00")),
                (account_id(DEPOSIT), m(1), pounds("75.00")),
            ]
        );
        assert_eq!(books.client_ledger(m(1)).recorded(), pounds("175.00"));
        assert_eq!(
            books.client_ledger_total(account_id(CLIENT)),
            pounds("140.00")
        );
        assert_eq!(
            books.client_ledger_total(account_id(DEPOSIT)),
            pounds("75.00")
        );
        assert!(books.debit_balances(account_id(CLIENT)).is_empty());
        // With two client accounts, an overdraft names the account.
        let err = refused(&mut books, payment(5, 2, DEPOSIT, "1.00"));
        assert!(
            err.message
                .contains("M00002 in 'Smith & Jones LLP Client Deposit' (available £0.00"),
            "{err}"
        );
    }

    #[test]
    fn postings_round_trip_through_serde() {
        for p in [
            receipt(1, 1, CLIENT, "10.00"),
            to_office(2, 1, "5.00", "6.00"),
            client_to_client(3, 1, 2, "1.00"),
            pending(reversal(4, 1, 1)),
        ] {
            let json = serde_json::to_string(&p).unwrap();
            assert_eq!(serde_json::from_str::<Posting>(&json).unwrap(), p, "{json}");
        }
        let json = serde_json::to_string(&receipt(1, 42, CLIENT, "1.50")).unwrap();
        assert!(json.contains("\"kind\":{\"type\":\"receipt\""), "{json}");
        assert!(json.contains("\"amount\":150"), "{json}");
        assert!(json.contains("\"date\":\"2026-03-02\""), "{json}");
    }

    // -- VAT ------------------------------------------------------------------------------

    #[test]
    fn vat_at_twenty_percent_is_rounded_to_the_penny_once_per_line() {
        let cases = [
            ("1000.00", "200.00"),
            ("312.50", "62.50"),
            ("45.50", "9.10"), // the courier in expense's tests
            ("0.01", "0.00"),  // 0.2p
            ("0.02", "0.00"),  // 0.4p
            ("0.03", "0.01"),  // 0.6p
            ("0.04", "0.01"),  // 0.8p
            ("0.05", "0.01"),
            ("123.47", "24.69"), // 2469.4p
            ("-0.03", "-0.01"),  // a credit note mirrors its line
            ("0", "0"),
        ];
        for (net, vat) in cases {
            assert_eq!(vat_standard(pounds(net)), pounds(vat), "VAT on {net}");
        }
        // Per line, not on the total: three 3p lines bear 1p each (3p), where 9p on one
        // line would bear 2p (1.8p).
        let three = [Money::from_pence(3); 3];
        assert_eq!(vat_on_lines(&three), Some(Money::from_pence(3)));
        assert_eq!(vat_standard(Money::from_pence(9)), Money::from_pence(2));
        assert_eq!(vat_on_lines(&[]), Some(Money::ZERO));
        assert_eq!(vat_on_lines(&[Money::from_pence(i64::MAX); 6]), None);
    }

    #[test]
    fn half_a_penny_rounds_away_from_zero_and_agrees_with_expenses() {
        // 25p at 10% = 2.5p → 3p; a credit of 25p → -3p.
        assert_eq!(vat_at(Money::from_pence(25), 1_000), Money::from_pence(3));
        assert_eq!(vat_at(Money::from_pence(-25), 1_000), Money::from_pence(-3));
        for pence in 0..2_000 {
            let net = Money::from_pence(pence);
            assert_eq!(
                vat_standard(net),
                crate::expense::vat(net, STANDARD_RATE_BP)
            );
            assert_eq!(
                vat_standard(Money::from_pence(-pence)).pence(),
                -vat_standard(net).pence()
            );
        }
    }
    #[test]
    fn restore_keeps_an_overdrawn_ledger_that_post_refuses_and_lists_it_as_a_debit_balance() {
        // Two devices each paid out £80 of the £100 held, offline; merged, the ledger is
        // £60 overdrawn. `post` refuses the second payment; `restore` (replaying merged
        // records) takes it and the debit balance is listed, never netted.
        let mut books = books();
        books.post(receipt(1, 42, CLIENT, "100.00")).unwrap();
        books.post(payment(2, 42, CLIENT, "80.00")).unwrap();
        let err = books
            .clone()
            .post(payment(3, 42, CLIENT, "80.00"))
            .unwrap_err();
        assert!(err.to_string().contains("available £20.00"), "{err}");
        books
            .restore(payment(3, 42, CLIENT, "80.00"), PostingState::Confirmed)
            .unwrap();
        let debit = books.debit_balances(account_id(CLIENT));
        assert_eq!(debit.len(), 1);
        assert_eq!(debit[0].balance.recorded(), pounds("-60.00"));
        assert_eq!(books.client_ledger_total(account_id(CLIENT)), Money::ZERO);
        assert_eq!(
            books.cash_book(account_id(CLIENT)).unwrap().confirmed,
            pounds("-60.00")
        );
    }

    #[test]
    fn restore_still_refuses_what_has_no_structure() {
        let mut books = books();
        let orphan = posting(
            9,
            42,
            PostingKind::Reversal {
                of: pid(77),
                reason: "Error".into(),
            },
        );
        assert!(books.restore(orphan, PostingState::Confirmed).is_err());
        assert!(
            books
                .restore(receipt(1, 42, 99, "1.00"), PostingState::Confirmed)
                .is_err()
        );
        books
            .restore(receipt(1, 42, CLIENT, "1.00"), PostingState::Confirmed)
            .unwrap();
        assert!(
            books
                .restore(receipt(1, 42, CLIENT, "1.00"), PostingState::Confirmed)
                .is_err()
        );
        assert_eq!(books.entries().len(), 1);
    }
}

/// Property tests: random sequences of operations against the books' invariants.
#[cfg(test)]
mod properties {
    use super::*;
    use jiff::civil::date;
    use proptest::prelude::*;

    const CLIENT_A: u128 = 1;
    const CLIENT_B: u128 = 2;
    const OFFICE: u128 = 3;
    const ACCOUNTS: [u128; 3] = [CLIENT_A, CLIENT_B, OFFICE];
    const CLIENT_ACCOUNTS: [u128; 2] = [CLIENT_A, CLIENT_B];

    fn aid(n: u128) -> AccountId {
        AccountId(Uuid::from_u128(n))
    }

    /// One thing a person might try. Indices pick accounts, matters and earlier postings;
    /// many tries are refused, which is part of what is tested.
    #[derive(Debug, Clone)]
    enum Op {
        Receive {
            account: usize,
            matter: u32,
            pence: i64,
        },
        Pay {
            account: usize,
            matter: u32,
            pence: i64,
            pending: bool,
            authorised: bool,
        },
        ToOffice {
            from: usize,
            matter: u32,
            pence: i64,
            unpaid: i64,
            pending: bool,
        },
        Between {
            from: usize,
            to: usize,
            matter: u32,
            to_matter: u32,
            pence: i64,
            pending: bool,
        },
        Reverse {
            nth: usize,
            pending: bool,
        },
        Confirm {
            nth: usize,
        },
    }

    fn op() -> impl Strategy<Value = Op> {
        let pence = 1_i64..60_000;
        let matter = 1_u32..5;
        prop_oneof![
            3 => (0..3_usize, matter.clone(), pence.clone())
                .prop_map(|(account, matter, pence)| Op::Receive { account, matter, pence }),
            3 => (0..3_usize, matter.clone(), pence.clone(), any::<bool>(), any::<bool>())
                .prop_map(|(account, matter, pence, pending, authorised)| Op::Pay { account, matter, pence, pending, authorised }),
            2 => (0..2_usize, matter.clone(), pence.clone(), 0_i64..60_000, any::<bool>())
                .prop_map(|(from, matter, pence, unpaid, pending)| Op::ToOffice { from, matter, pence, unpaid, pending }),
            2 => (0..2_usize, 0..2_usize, matter.clone(), matter, pence, any::<bool>())
                .prop_map(|(from, to, matter, to_matter, pence, pending)| Op::Between { from, to, matter, to_matter, pence, pending }),
            2 => (any::<prop::sample::Index>(), any::<bool>())
                .prop_map(|(i, pending)| Op::Reverse { nth: i.index(1 << 16), pending }),
            1 => any::<prop::sample::Index>().prop_map(|i| Op::Confirm { nth: i.index(1 << 16) }),
        ]
    }

    fn books() -> Books {
        let mut books = Books::new(Policy {
            second_authoriser_above: Some(Money::from_pence(30_000)),
        });
        let on = date(2026, 1, 5);
        let open = |n: u128, kind, name: &str, pence| {
            NewBankAccount {
                id: aid(n),
                kind,
                name,
                sort_code: "40-11-22",
                account_number: &format!("{n:08}"),
                opening_balance: Money::from_pence(pence),
            }
            .validate("Patel Law")
            .unwrap()
        };
        books
            .add_account(
                open(CLIENT_A, AccountKind::Client, "Patel Law Client Account", 0),
                on,
                vec![],
            )
            .unwrap();
        let bf = BroughtForward {
            matter: MatterNumber::new(1),
            client: "Old client".to_owned(),
            amount: Money::from_pence(25_000),
        };
        books
            .add_account(
                open(
                    CLIENT_B,
                    AccountKind::Client,
                    "Patel Law Client Deposit",
                    25_000,
                ),
                on,
                vec![bf],
            )
            .unwrap();
        books
            .add_account(
                open(OFFICE, AccountKind::Office, "Patel Law Office", -100_000),
                on,
                vec![],
            )
            .unwrap();
        books
    }

    fn posting(n: u128, matter: u32, pending: bool, kind: PostingKind) -> Posting {
        Posting {
            id: PostingId(Uuid::from_u128(10_000 + n)),
            date: date(2026, 2, 1),
            matter: MatterNumber::new(matter),
            client: format!("Client {matter}"),
            method: Method::BankTransfer,
            reference: format!("R{n}"),
            party: "Someone".to_owned(),
            recorded_by: "CD".to_owned(),
            authorised_by: Some("AB".to_owned()),
            state: if pending {
                PostingState::Pending
            } else {
                PostingState::Confirmed
            },
            kind,
        }
    }

    /// The operation as a posting (or a confirmation), given the books it is tried on.
    fn attempt(books: &mut Books, n: u128, op: &Op) -> Result<Option<PostingId>, Invalid> {
        let ids: Vec<PostingId> = books.entries().iter().map(|e| e.posting().id).collect();
        let pick = |nth: usize| ids.get(nth % ids.len().max(1)).copied();
        let p = match *op {
            Op::Receive {
                account,
                matter,
                pence,
            } => posting(
                n,
                matter,
                false,
                PostingKind::Receipt {
                    account: aid(ACCOUNTS[account]),
                    amount: Money::from_pence(pence),
                },
            ),
            Op::Pay {
                account,
                matter,
                pence,
                pending,
                authorised,
            } => Posting {
                authorised_by: authorised.then(|| "AB".to_owned()),
                ..posting(
                    n,
                    matter,
                    pending && account < 2,
                    PostingKind::Payment {
                        account: aid(ACCOUNTS[account]),
                        amount: Money::from_pence(pence),
                    },
                )
            },
            Op::ToOffice {
                from,
                matter,
                pence,
                unpaid,
                pending,
            } => posting(
                n,
                matter,
                pending,
                PostingKind::ClientToOffice {
                    from: aid(CLIENT_ACCOUNTS[from]),
                    to: aid(OFFICE),
                    amount: Money::from_pence(pence),
                    bill: BillRef {
                        notice: CostsNotice::WrittenNotification,
                        reference: format!("N{n}"),
                        unpaid: Money::from_pence(unpaid),
                    },
                },
            ),
            Op::Between {
                from,
                to,
                matter,
                to_matter,
                pence,
                pending,
            } => posting(
                n,
                matter,
                pending,
                PostingKind::ClientToClient {
                    from: aid(CLIENT_ACCOUNTS[from]),
                    to: aid(CLIENT_ACCOUNTS[to]),
                    to_matter: MatterNumber::new(to_matter),
                    to_client: format!("Client {to_matter}"),
                    amount: Money::from_pence(pence),
                    reason: "Instructions".to_owned(),
                },
            ),
            Op::Reverse { nth, pending } => {
                let Some(of) = pick(nth) else { return Ok(None) };
                let matter = books.entry(of).map_or(1, |e| e.posting().matter.get());
                posting(
                    n,
                    matter,
                    pending,
                    PostingKind::Reversal {
                        of,
                        reason: "Error".to_owned(),
                    },
                )
            }
            Op::Confirm { nth } => {
                let Some(id) = pick(nth) else { return Ok(None) };
                return books.confirm(id).map(|()| None);
            }
        };
        books.post(p).map(Some)
    }

    /// Σ client ledgers = client cash book for each client account, on both bases; no
    /// client ledger negative on any basis.
    fn check_invariants(books: &Books) -> Result<(), TestCaseError> {
        for account in CLIENT_ACCOUNTS.map(aid) {
            let cash = books.cash_book(account).unwrap_or_default();
            let ledgers: Vec<Balance> = books
                .client_balances()
                .iter()
                .filter(|c| c.account == account)
                .map(|c| c.balance)
                .collect();
            let sum = |f: fn(Balance) -> Money| ledgers.iter().map(|b| f(*b).pence()).sum::<i64>();
            prop_assert_eq!(sum(|b| b.confirmed), cash.confirmed.pence());
            prop_assert_eq!(sum(Balance::recorded), cash.recorded().pence());
            prop_assert_eq!(books.client_ledger_total(account), cash.recorded());
            prop_assert!(books.debit_balances(account).is_empty());
            for b in ledgers {
                prop_assert!(b.available().pence() >= 0, "{:?}", b);
                prop_assert!(
                    b.confirmed.pence() >= 0 && b.recorded().pence() >= 0,
                    "{:?}",
                    b
                );
            }
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        /// The books' invariants hold after every operation, accepted or refused, and a
        /// refused one changes nothing.
        #[test]
        fn invariants_hold_over_random_operations(ops in prop::collection::vec(op(), 1..60)) {
            let mut books = books();
            let mut accepted = 0;
            for (n, op) in ops.iter().enumerate() {
                let before = books.clone();
                match attempt(&mut books, n as u128, op) {
                    Ok(_) => accepted += 1,
                    Err(_) => prop_assert_eq!(&books, &before, "refused {:?} changed the books", op),
                }
                check_invariants(&books)?;
            }
            prop_assert!(accepted <= ops.len());
        }

        /// Replaying the accepted postings with `restore`, in order and in their present
        /// state, makes the same books; `direct_moves` agrees with the books on every
        /// posting that is not a reversal.
        #[test]
        fn restore_replays_the_books(ops in prop::collection::vec(op(), 1..60)) {
            let mut books = books();
            for (n, op) in ops.iter().enumerate() {
                let _ = attempt(&mut books, n as u128, op);
            }
            let mut replay = self::books();
            for e in books.entries() {
                replay.restore(e.posting().clone(), e.state()).map_err(|e| TestCaseError::fail(e.to_string()))?;
                let kinds = |id: AccountId| books.account(id).map(|a| a.kind());
                if let Some(direct) = direct_moves(e.posting(), kinds) {
                    prop_assert_eq!(Some(direct), books.moves_of(e.posting()).ok());
                }
            }
            prop_assert_eq!(replay.client_balances(), books.client_balances());
            for account in CLIENT_ACCOUNTS.map(aid) {
                prop_assert_eq!(replay.cash_book(account), books.cash_book(account));
            }
            prop_assert_eq!(replay.entries(), books.entries());
        }

        /// Every accepted reversal's movements are exactly minus its original's, and a
        /// posting reversed straight away leaves every balance as it was before it.
        #[test]
        fn a_reversal_nets_to_zero(ops in prop::collection::vec(op(), 1..40)) {
            let mut books = books();
            for (n, op) in ops.iter().enumerate() {
                let n = 2 * n as u128;
                let before = books.clone();
                let Ok(Some(id)) = attempt(&mut books, n, op) else { continue };
                let Some(entry) = books.entry(id).cloned() else { continue };
                match &entry.posting().kind {
                    PostingKind::Reversal { of, .. } => {
                        let of = books.entry(*of).map(|e| e.posting().clone());
                        let original = books.moves(&of.unwrap()).unwrap();
                        let reversal = books.moves(entry.posting()).unwrap();
                        prop_assert_eq!(original.len(), reversal.len());
                        for (slot, delta) in original {
                            prop_assert_eq!(reversal.get(&slot).copied(), Some(-delta));
                        }
                    }
                    _ if entry.state() == PostingState::Confirmed => {
                        let last = books.entries().len() - 1;
                        let undo = attempt(&mut books, n + 1, &Op::Reverse { nth: last, pending: false });
                        if undo.is_ok() {
                            prop_assert_eq!(&books.balances, &before.balances);
                        }
                    }
                    _ => {}
                }
                check_invariants(&books)?;
            }
        }
    }
}
