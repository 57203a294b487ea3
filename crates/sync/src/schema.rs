//! The Automerge document schema, shared by the devices and the firm server: one document
//! for the firm, one per matter, per contact, per bank account and per month of an account's
//! statements. These are the source of truth; a device's SQL tables are projections of them,
//! and the server reads postings from them to confirm client-account payments.
//!
//! A field added in a later schema is `#[autosurgeon(missing = …)]`, so that an older
//! document hydrates with it empty.

use autosurgeon::{Hydrate, Reconcile};
use satchel_core::Money;
use satchel_core::accounts::{
    AccountId, BillRef, CostsNotice, Method, Posting, PostingId, PostingKind, PostingState,
};
use satchel_core::matter::MatterNumber;
use std::collections::BTreeMap;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate, serde::Deserialize, serde::Serialize)]
pub struct FirmDoc {
    pub kind: String,
    pub schema: u64,
    pub firm_name: String,
    /// By user id.
    pub users: BTreeMap<String, UserRec>,
    /// The firm's time unit in minutes (schema 9); absent means the default of 6.
    #[autosurgeon(missing = "Option::default")]
    #[serde(default)]
    pub unit_minutes: Option<u64>,
    /// The firm's bank accounts, by id (schema 11).
    #[autosurgeon(missing = "BTreeMap::new")]
    #[serde(default)]
    pub accounts: BTreeMap<String, BankAccountRec>,
    /// A client-account payment above this many pence needs a second authoriser
    /// (schema 12; absent means none needs one by its size).
    #[autosurgeon(missing = "Option::default")]
    #[serde(default)]
    pub second_authoriser_above_pence: Option<i64>,
    /// The SRA breach log, oldest first; never edited (schema 15).
    #[autosurgeon(missing = "Vec::new")]
    #[serde(default)]
    pub breaches: Vec<BreachRec>,
    /// The register of residual client balances paid away (schema 15).
    #[autosurgeon(missing = "Vec::new")]
    #[serde(default)]
    pub residuals: Vec<ResidualRec>,
    /// Subject access and erasure requests, oldest first (schema 20). The person is named
    /// by their contact's id only, so that erasing them leaves no name here.
    #[autosurgeon(missing = "Vec::new")]
    #[serde(default)]
    pub subject_requests: Vec<SubjectRequestRec>,
    /// The register of personal-data breaches, reported or not (schema 20).
    #[autosurgeon(missing = "Vec::new")]
    #[serde(default)]
    pub data_breaches: Vec<DataBreachRec>,
    /// The record of processing activities (schema 20).
    #[autosurgeon(missing = "Vec::new")]
    #[serde(default)]
    pub processing: Vec<ProcessingRec>,
    /// Years a matter is kept after closing, by practice area, where the firm set its own
    /// (schema 20; otherwise `satchel_core::gdpr::default_retention_years`).
    #[autosurgeon(missing = "BTreeMap::new")]
    #[serde(default)]
    pub retention_years: BTreeMap<String, u64>,
    /// Decisions on matters past their retention date: kept (until when, why) or
    /// destroyed, oldest first (schema 20). Matters are named by number.
    #[autosurgeon(missing = "Vec::new")]
    #[serde(default)]
    pub retention_decisions: Vec<RetentionDecisionRec>,
}

#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate, serde::Deserialize, serde::Serialize)]
pub struct SubjectRequestRec {
    pub id: String,
    /// `access` or `erasure`.
    pub kind: String,
    pub contact_id: String,
    /// ISO civil dates.
    pub received_on: String,
    pub due_on: String,
    /// A complex request extended by two months (the requester told within the first).
    pub extended_to: Option<String>,
    pub extension_reason: Option<String>,
    pub answered_on: Option<String>,
    /// What was done, in counts (never names).
    pub outcome: Option<String>,
    pub recorded_by: String,
    pub recorded_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate, serde::Deserialize, serde::Serialize)]
pub struct DataBreachRec {
    pub id: String,
    /// RFC 3339 UTC instant the firm became aware of it: the ICO's 72 hours run from here.
    pub discovered_at: String,
    pub nature: String,
    /// Categories of personal data concerned.
    pub data_categories: String,
    pub people_affected: u64,
    pub records_affected: u64,
    /// `unlikely`, `risk` or `high` (`satchel_core::gdpr::BreachRisk`).
    pub risk: String,
    pub risk_assessment: String,
    /// Containment and what was done.
    pub actions: String,
    pub ico_reported_at: Option<String>,
    pub ico_reference: Option<String>,
    pub people_told_at: Option<String>,
    pub recorded_by: String,
    pub recorded_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate, serde::Deserialize, serde::Serialize)]
pub struct ProcessingRec {
    pub id: String,
    pub activity: String,
    pub purpose: String,
    /// One of `satchel_core::gdpr::LAWFUL_BASES`.
    pub lawful_basis: String,
    /// Categories of people.
    pub people: String,
    /// Categories of personal data.
    pub data: String,
    pub recipients: String,
    /// Transfers outside the UK, and their safeguards.
    pub transfers: String,
    pub retention: String,
    pub security: String,
    pub updated_by: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate, serde::Deserialize, serde::Serialize)]
pub struct RetentionDecisionRec {
    pub id: String,
    pub matter_number: u64,
    /// `keep` or `destroyed`.
    pub decision: String,
    /// A decision to keep: until when (ISO civil date).
    pub keep_until: Option<String>,
    pub reason: String,
    pub decided_by: String,
    pub decided_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate, serde::Deserialize, serde::Serialize)]
pub struct BreachRec {
    pub id: String,
    /// ISO civil date it was found.
    pub date: String,
    pub matter_number: Option<u64>,
    pub description: String,
    /// Entered by Satchel when it found a rule broken (an overdrawn ledger).
    pub automatic: bool,
    pub recorded_by: String,
    pub recorded_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate, serde::Deserialize, serde::Serialize)]
pub struct ResidualRec {
    pub id: String,
    pub matter_number: u64,
    /// The client (owner of the money).
    pub owner: String,
    pub amount_pence: i64,
    pub tracing_steps: String,
    pub charity: String,
    pub charity_number: String,
    /// Over £500: the SRA's authority (its reference).
    pub sra_authority: Option<String>,
    pub date: String,
    pub recorded_by: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate, serde::Deserialize, serde::Serialize)]
pub struct BankAccountRec {
    /// `client` or `office`.
    pub kind: String,
    pub name: String,
    /// Six digits.
    pub sort_code: String,
    /// Eight digits.
    pub account_number: String,
    pub opening_balance_pence: i64,
    /// ISO civil date the opening balance is at.
    pub opened_on: String,
    /// A client account's opening balance, matter by matter.
    pub brought_forward: Vec<BroughtForwardRec>,
    pub added_by: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate, serde::Deserialize, serde::Serialize)]
pub struct BroughtForwardRec {
    pub matter_number: u64,
    pub client: String,
    pub amount_pence: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate, serde::Deserialize, serde::Serialize)]
pub struct UserRec {
    pub name: String,
    pub initials: String,
    pub role: String,
    /// Hourly rate in pence (schema 4; 0 until set).
    #[autosurgeon(missing = "Default::default")]
    #[serde(default)]
    pub rate_pence: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate, serde::Deserialize, serde::Serialize)]
pub struct MatterDoc {
    pub kind: String,
    pub schema: u64,
    pub id: String,
    pub number: u64,
    pub client_name: String,
    pub description: String,
    /// ISO civil date, Europe/London.
    pub opened: String,
    pub status: String,
    /// User id of the person who opened it.
    pub opened_by: String,
    /// Contacts on the matter and their roles (schema 2; absent in older documents).
    #[autosurgeon(missing = "Vec::new")]
    #[serde(default)]
    pub parties: Vec<PartyRec>,
    /// The conflict check the matter was opened on, and the decision (schema 3).
    #[autosurgeon(missing = "Option::default")]
    #[serde(default)]
    pub conflict: Option<ConflictRec>,
    /// Time recorded on the matter, oldest first; entries are never edited (schema 4).
    #[autosurgeon(missing = "Vec::new")]
    #[serde(default)]
    pub time: Vec<TimeRec>,
    /// Hearings, limitation dates and deadlines (schema 5).
    #[autosurgeon(missing = "Vec::new")]
    #[serde(default)]
    pub key_dates: Vec<KeyDateRec>,
    /// Attendance and file notes, oldest first (schema 6).
    #[autosurgeon(missing = "Vec::new")]
    #[serde(default)]
    pub notes: Vec<NoteRec>,
    /// The matter's hourly rate in pence, overriding the fee earner's (schema 7).
    #[autosurgeon(missing = "Option::default")]
    #[serde(default)]
    pub rate_pence: Option<i64>,
    /// The estimate of costs given to the client, in pence (schema 7).
    #[autosurgeon(missing = "Option::default")]
    #[serde(default)]
    pub estimate_pence: Option<i64>,
    /// Expenses and disbursements, oldest first; never edited (schema 8).
    #[autosurgeon(missing = "Vec::new")]
    #[serde(default)]
    pub expenses: Vec<ExpenseRec>,
    /// `satchel_core::matter::PRACTICE_AREAS` (schema 9; absent means general).
    #[autosurgeon(missing = "Option::default")]
    #[serde(default)]
    pub practice_area: Option<String>,
    /// User id of the fee earner responsible (schema 9; absent means who opened it).
    #[autosurgeon(missing = "Option::default")]
    #[serde(default)]
    pub fee_earner: Option<String>,
    /// User id of the supervising partner (schema 9).
    #[autosurgeon(missing = "Option::default")]
    #[serde(default)]
    pub supervisor: Option<String>,
    /// ISO civil dates of closing and archiving (schema 9).
    #[autosurgeon(missing = "Option::default")]
    #[serde(default)]
    pub closed_on: Option<String>,
    #[autosurgeon(missing = "Option::default")]
    #[serde(default)]
    pub archived_on: Option<String>,
    /// Tasks, oldest first (schema 9).
    #[autosurgeon(missing = "Vec::new")]
    #[serde(default)]
    pub tasks: Vec<TaskRec>,
    /// Documents and their versions (schema 9). The bytes are in the store's blobs.
    #[autosurgeon(missing = "Vec::new")]
    #[serde(default)]
    pub files: Vec<FileRec>,
    /// Client and office money moved on the matter, in the order recorded; never edited or
    /// removed: a correction is a reversal (schema 12).
    #[autosurgeon(missing = "Vec::new")]
    #[serde(default)]
    pub postings: Vec<PostingRec>,
    /// Bills, written notifications of costs and credit notes, in the order made; a bill
    /// is never changed except to record its delivery (schema 13).
    #[autosurgeon(missing = "Vec::new")]
    #[serde(default)]
    pub bills: Vec<BillRec>,
}

#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate, serde::Deserialize, serde::Serialize)]
pub struct BillRec {
    pub id: String,
    /// "B000123": unique in the firm (numbers come from this device's leased block).
    pub number: String,
    /// `bill`, `notification` (a written notification of costs) or `credit_note`.
    pub kind: String,
    /// ISO civil date.
    pub date: String,
    /// ISO civil date it was delivered to the client.
    pub delivered_on: Option<String>,
    /// A credit note's bill (its id).
    pub credits: Option<String>,
    /// A credit note of the whole bill: the bill's items become unbilled again.
    pub releases_items: bool,
    pub lines: Vec<BillLineRec>,
    /// The time entries and expenses billed on it.
    pub time_ids: Vec<String>,
    pub expense_ids: Vec<String>,
    /// Why (a credit note).
    pub reason: Option<String>,
    /// Initials.
    pub recorded_by: String,
    /// RFC 3339 UTC instant.
    pub recorded_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate, serde::Deserialize, serde::Serialize)]
pub struct BillLineRec {
    /// `fees`, `expense` or `disbursement`.
    pub kind: String,
    pub date: String,
    pub description: String,
    pub net_pence: i64,
    pub vat_pence: i64,
}

/// One posting as the matter document keeps it: flat fields, so that any Automerge client
/// can read it. `satchel_core::accounts::Posting` is the checked form.
#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate, serde::Deserialize, serde::Serialize)]
pub struct PostingRec {
    /// UUIDv7: postings sort by it in the order they were recorded.
    pub id: String,
    /// ISO civil date the money moved.
    pub date: String,
    /// `receipt`, `payment`, `client_to_office`, `client_to_client` or `reversal`.
    pub kind: String,
    /// The bank account (a transfer's source); empty for a reversal.
    pub account: String,
    /// A transfer's destination account.
    pub to_account: Option<String>,
    /// Pence, more than zero; 0 for a reversal (its amount is its original's).
    pub amount_pence: i64,
    /// A client-to-client transfer's receiving matter and client.
    pub to_matter: Option<u64>,
    pub to_client: Option<String>,
    /// A transfer to office: `bill` or `written_notification`, its number or reference,
    /// and what was billed and unpaid on it when the transfer was made.
    pub notice: Option<String>,
    pub bill_reference: Option<String>,
    pub bill_unpaid_pence: Option<i64>,
    /// A reversal's original posting.
    pub reverses: Option<String>,
    /// Why (a reversal or a transfer between clients).
    pub reason: Option<String>,
    /// `bank_transfer`, `cheque`, `cash`, `card` or `internal`.
    pub method: String,
    pub reference: String,
    /// Payer or payee.
    pub party: String,
    /// The client's name as the ledger shows it.
    pub client: String,
    /// Initials.
    pub recorded_by: String,
    pub authorised_by: Option<String>,
    /// RFC 3339 UTC instant.
    pub recorded_at: String,
    /// `pending` or `confirmed`, as recorded.
    pub state: String,
    /// When the firm server confirmed a pending posting; absent until then.
    #[autosurgeon(missing = "Option::default")]
    #[serde(default)]
    pub confirmed_at: Option<String>,
    /// When the firm server refused a pending posting (it would have overdrawn a client
    /// ledger on the firm's books); a refused posting moves no money.
    #[autosurgeon(missing = "Option::default")]
    #[serde(default)]
    pub refused_at: Option<String>,
    /// The server's reason, in words for the person who recorded it.
    #[autosurgeon(missing = "Option::default")]
    #[serde(default)]
    pub refused_reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate, serde::Deserialize, serde::Serialize)]
pub struct TaskRec {
    pub id: String,
    pub title: String,
    /// User id.
    pub assignee: String,
    /// ISO civil date.
    pub due: String,
    /// ISO civil date it was done.
    pub done_on: Option<String>,
    pub created_by: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate, serde::Deserialize, serde::Serialize)]
pub struct FileRec {
    pub id: String,
    pub name: String,
    /// Oldest first; a version is never changed or removed.
    pub versions: Vec<FileVersionRec>,
}

#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate, serde::Deserialize, serde::Serialize)]
pub struct FileVersionRec {
    pub version: u64,
    pub size: u64,
    /// Hex SHA-256 of the bytes: the key of the blob.
    pub sha256: String,
    pub added_by: String,
    /// RFC 3339 UTC instant.
    pub added_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate, serde::Deserialize, serde::Serialize)]
pub struct ExpenseRec {
    pub id: String,
    pub user_id: String,
    /// ISO civil date.
    pub date: String,
    /// `disbursement` or `expense`.
    pub kind: String,
    pub description: String,
    pub net_pence: i64,
    pub vat_pence: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate, serde::Deserialize, serde::Serialize)]
pub struct NoteRec {
    pub id: String,
    /// RFC 3339 UTC instant.
    pub at: String,
    pub author_id: String,
    /// `attendance` or `file`.
    pub kind: String,
    pub title: String,
    pub body: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate, serde::Deserialize, serde::Serialize)]
pub struct KeyDateRec {
    pub id: String,
    pub kind: String,
    /// ISO civil date.
    pub date: String,
    pub title: String,
    pub reminder_days: u64,
    /// ISO civil date the reminder is due, fixed when the date was entered.
    pub reminder_on: String,
    pub created_by: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate, serde::Deserialize, serde::Serialize)]
pub struct TimeRec {
    pub id: String,
    pub user_id: String,
    /// ISO civil date.
    pub date: String,
    pub minutes: u64,
    pub unit_minutes: u64,
    pub units: u64,
    pub billable: bool,
    pub activity: String,
    pub description: String,
    pub rate_pence: i64,
    pub value_pence: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate, serde::Deserialize, serde::Serialize)]
pub struct ConflictRec {
    pub check_id: String,
    /// RFC 3339 instant of the check.
    pub checked_at: String,
    /// User id of who ran it.
    pub checked_by: String,
    pub names: Vec<String>,
    pub parties_checked: u64,
    /// "M00012 client Jane Smith (fuzzy 80)", one per hit.
    pub hits: Vec<String>,
    /// `satchel_core::conflict::Decision::as_str`.
    pub decision: String,
    pub reason: String,
    /// User id of who decided.
    pub decided_by: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate, serde::Deserialize, serde::Serialize)]
pub struct PartyRec {
    pub contact_id: String,
    /// `satchel_core::contact::PartyRole::as_str`.
    pub role: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate, serde::Deserialize, serde::Serialize)]
pub struct ContactDoc {
    pub kind: String,
    pub schema: u64,
    pub id: String,
    /// `person` or `organisation`.
    pub contact_kind: String,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub postcode: Option<String>,
    pub date_of_birth: Option<String>,
    pub company_number: Option<String>,
}

/// One bank account's imports and signed reconciliations (schema 18; before it the
/// statement lines lived here too). Its id is `bank-<account id>`; the lines themselves are
/// in one [`StatementsDoc`] per month, so that the document a statement import or a match
/// changes stays the size of a month however many years the account runs.
#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate, serde::Deserialize, serde::Serialize)]
pub struct BankDoc {
    pub kind: String,
    pub schema: u64,
    pub account_id: String,
    /// How this account's CSV statements are laid out (`satchel_statement::CsvMapping` as
    /// JSON), saved by the first CSV import.
    pub csv_mapping: Option<String>,
    pub imports: Vec<ImportRec>,
    /// Signed reconciliations, never changed.
    pub reconciliations: Vec<ReconciliationRec>,
}

/// One bank account's statement lines dated in one calendar month, and their matches. Its
/// id is `bank-<account id>-<yyyy-mm>`.
#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate, serde::Deserialize, serde::Serialize)]
pub struct StatementsDoc {
    pub kind: String,
    pub schema: u64,
    pub account_id: String,
    /// `yyyy-mm`: every line's date is in this month.
    pub month: String,
    /// Statement lines, never changed or removed; keyed by FITID or content hash.
    pub lines: Vec<StatementLineRec>,
    /// Statement line key → the cash book entry (posting id) it is matched to.
    pub matches: BTreeMap<String, MatchRec>,
}

#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate, serde::Deserialize, serde::Serialize)]
pub struct ImportRec {
    pub id: String,
    pub file_name: String,
    /// Hex SHA-256 of the file.
    pub sha256: String,
    pub imported_by: String,
    pub imported_at: String,
    pub added: u64,
    pub duplicates: u64,
    pub closing_date: Option<String>,
    pub closing_pence: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate, serde::Deserialize, serde::Serialize)]
pub struct StatementLineRec {
    pub key: String,
    pub import_id: String,
    pub line: u64,
    pub date: String,
    pub amount_pence: i64,
    pub description: String,
    pub reference: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate, serde::Deserialize, serde::Serialize)]
pub struct MatchRec {
    pub posting_id: String,
    /// Initials; automatic matches are made by whoever imported the statement.
    pub by: String,
    pub at: String,
    pub auto: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate, serde::Deserialize, serde::Serialize)]
pub struct ReconciliationRec {
    pub id: String,
    pub date: String,
    pub statement_pence: i64,
    /// `satchel_core::reconciliation::Figures` as JSON.
    pub figures: String,
    pub explanations: Vec<ExplanationRec>,
    pub signed_by: String,
    pub signed_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate, serde::Deserialize, serde::Serialize)]
pub struct ExplanationRec {
    pub text: String,
    pub amount_pence: i64,
}

pub const KIND_BANK: &str = "bank";
pub const KIND_STATEMENTS: &str = "statements";
pub const KIND_FIRM: &str = "firm";
pub const KIND_MATTER: &str = "matter";
pub const KIND_CONTACT: &str = "contact";

/// What has become of a posting: confirmed (as recorded, or by the firm server since),
/// still pending the server's answer, or refused by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Confirmed,
    Pending,
    Refused,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Confirmed => "confirmed",
            Outcome::Pending => "pending",
            Outcome::Refused => "refused",
        }
    }
}

fn uuid_of(rec_id: &str, what: &str, text: &str) -> Result<Uuid, String> {
    text.parse()
        .map_err(|_| format!("posting {rec_id} has a bad {what} '{text}'"))
}

impl PostingRec {
    /// Its state now: the server's answer once there is one, else as recorded.
    pub fn outcome(&self) -> Outcome {
        if self.refused_at.is_some() {
            Outcome::Refused
        } else if self.state == "confirmed" || self.confirmed_at.is_some() {
            Outcome::Confirmed
        } else {
            Outcome::Pending
        }
    }

    /// The core's posting for this record on matter `matter`, in the state it was
    /// recorded in. An error says what in the record is bad.
    pub fn to_posting(&self, matter: MatterNumber) -> Result<Posting, String> {
        let rec = self;
        let id = rec.id.as_str();
        let amount = Money::from_pence(rec.amount_pence);
        let account = || uuid_of(id, "account", &rec.account).map(AccountId);
        let to_account =
            || uuid_of(id, "to_account", rec.to_account.as_deref().unwrap_or("")).map(AccountId);
        let reason = || rec.reason.clone().unwrap_or_default();
        let kind = match rec.kind.as_str() {
            "receipt" => PostingKind::Receipt {
                account: account()?,
                amount,
            },
            "payment" => PostingKind::Payment {
                account: account()?,
                amount,
            },
            "client_to_office" => PostingKind::ClientToOffice {
                from: account()?,
                to: to_account()?,
                amount,
                bill: BillRef {
                    notice: match rec.notice.as_deref() {
                        Some("written_notification") => CostsNotice::WrittenNotification,
                        _ => CostsNotice::Bill,
                    },
                    reference: rec.bill_reference.clone().unwrap_or_default(),
                    unpaid: Money::from_pence(rec.bill_unpaid_pence.unwrap_or(0)),
                },
            },
            "client_to_client" => PostingKind::ClientToClient {
                from: account()?,
                to: to_account()?,
                to_matter: MatterNumber::new(
                    rec.to_matter
                        .and_then(|n| u32::try_from(n).ok())
                        .ok_or_else(|| format!("posting {id} has no to_matter"))?,
                ),
                to_client: rec.to_client.clone().unwrap_or_default(),
                amount,
                reason: reason(),
            },
            "reversal" => PostingKind::Reversal {
                of: PostingId(uuid_of(
                    id,
                    "reverses",
                    rec.reverses.as_deref().unwrap_or(""),
                )?),
                reason: reason(),
            },
            other => {
                return Err(format!("posting {id} is of an unknown kind '{other}'"));
            }
        };
        Ok(Posting {
            id: PostingId(uuid_of(id, "id", id)?),
            date: rec
                .date
                .parse()
                .map_err(|_| format!("posting {id} has a bad date"))?,
            matter,
            client: rec.client.clone(),
            method: Method::parse(&rec.method).map_err(|e| format!("posting {id}: {e}"))?,
            reference: rec.reference.clone(),
            party: rec.party.clone(),
            recorded_by: rec.recorded_by.clone(),
            authorised_by: rec.authorised_by.clone(),
            state: if rec.state == "pending" {
                PostingState::Pending
            } else {
                PostingState::Confirmed
            },
            kind,
        })
    }
}

/// Read a whole document into its value in one pass: automerge materialises the document
/// (`Automerge::hydrate`) and serde reads the value from it ([`crate::whole`]). It gives
/// what `autosurgeon::hydrate` gives (the same field names, the same defaults for fields a
/// later schema added), but a document of thousands of entries reads many times faster,
/// since autosurgeon looks each field of each entry up on its own. A first sync reads a
/// whole firm's documents this way.
pub fn read_whole<T: serde::de::DeserializeOwned>(
    doc: &automerge::Automerge,
) -> Result<T, crate::whole::ReadError> {
    T::deserialize(crate::whole::Whole(&doc.hydrate(None)))
}
