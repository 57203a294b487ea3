//! What crosses the boundary between the Leptos UI and the desktop shell: command names,
//! request and response types, and the error a person reads. Plain data; no behaviour, no
//! native-only dependency, so it compiles for wasm32 as well as for the shell.
#![forbid(unsafe_code)]

use serde::{Deserialize, Serialize};
use std::fmt;

/// Tauri command names. The UI's API client and the shell's handler both use these.
pub mod cmd {
    pub const APP_STATE: &str = "app_state";
    pub const SETUP: &str = "setup_firm";
    pub const UNLOCK: &str = "unlock";
    pub const LIST_MATTERS: &str = "list_matters";
    pub const CREATE_MATTER: &str = "create_matter";
    pub const STATUS: &str = "status";
    pub const SYNC_STATUS: &str = "sync_status";
    pub const SYNC_NOW: &str = "sync_now";
    pub const ENROL_DEVICE: &str = "enrol_device";
    pub const JOIN_FIRM: &str = "join_firm";
    pub const MATTER_CONFLICTS: &str = "matter_conflicts";
    pub const RESOLVE_CONFLICT: &str = "resolve_conflict";
    pub const LOCK: &str = "lock";
    pub const ACCESS_LOG: &str = "access_log";
    pub const MATTER_GRANTS: &str = "matter_grants";
    pub const VIEW_MATTER: &str = "view_matter";
    pub const UNLOCK_KEYRING: &str = "unlock_keyring";
    pub const SET_AUTOLOCK: &str = "set_autolock";
    pub const BACKUP_STATUS: &str = "backup_status";
    pub const BACKUP_NOW: &str = "backup_now";
    pub const SET_BACKUP_SETTINGS: &str = "set_backup_settings";
    pub const RESTORE_BACKUP: &str = "restore_backup";
    pub const EXPORT_ARCHIVE: &str = "export_archive";
    pub const LIST_CONTACTS: &str = "list_contacts";
    pub const CREATE_CONTACT: &str = "create_contact";
    pub const ADD_PARTY: &str = "add_party";
    pub const CONFLICT_CHECK: &str = "conflict_check";
    pub const RECORD_TIME: &str = "record_time";
    pub const LIST_TIME: &str = "list_time";
    pub const START_TIMER: &str = "start_timer";
    pub const TIMER: &str = "timer";
    pub const STOP_TIMER: &str = "stop_timer";
    pub const WIP: &str = "wip";
    pub const ADD_KEY_DATE: &str = "add_key_date";
    pub const UPCOMING: &str = "upcoming";
    pub const EXPORT_ICS: &str = "export_ics";
    pub const ADD_NOTE: &str = "add_note";
    pub const LIST_NOTES: &str = "list_notes";
    pub const SET_MATTER_TERMS: &str = "set_matter_terms";
    pub const RECORD_EXPENSE: &str = "record_expense";
    pub const LIST_EXPENSES: &str = "list_expenses";
    pub const SET_MATTER_STATUS: &str = "set_matter_status";
    pub const SET_MATTER_DETAILS: &str = "set_matter_details";
    pub const ADD_TASK: &str = "add_task";
    pub const COMPLETE_TASK: &str = "complete_task";
    pub const LIST_TASKS: &str = "list_tasks";
    pub const ADD_DOCUMENT: &str = "add_document";
    pub const LIST_DOCUMENTS: &str = "list_documents";
    pub const EXPORT_DOCUMENT: &str = "export_document";
    pub const SEARCH: &str = "search";
    pub const SET_UNIT_MINUTES: &str = "set_unit_minutes";
    pub const LIST_USERS: &str = "list_users";
    pub const ADD_USER: &str = "add_user";
    pub const SET_USER_ROLE: &str = "set_user_role";
    pub const GET_MATTER: &str = "get_matter";
    pub const WIP_BY_FEE_EARNER: &str = "wip_by_fee_earner";
    pub const LIST_PARTIES: &str = "list_parties";
    pub const ADD_BANK_ACCOUNT: &str = "add_bank_account";
    pub const LIST_BANK_ACCOUNTS: &str = "list_bank_accounts";
    pub const GET_CONTACT: &str = "get_contact";
    pub const CONTACT_MATTERS: &str = "contact_matters";
    pub const IMPORT_VCARDS: &str = "import_vcards";
    pub const EXPORT_VCARDS: &str = "export_vcards";
    pub const RECORD_POSTING: &str = "record_posting";
    pub const CLIENT_LEDGER: &str = "client_ledger";
    pub const CASH_BOOK: &str = "cash_book";
    pub const CLIENT_BALANCES: &str = "client_balances";
    pub const DRAFT_BILL: &str = "draft_bill";
    pub const CREATE_BILL: &str = "create_bill";
    pub const DELIVER_BILL: &str = "deliver_bill";
    pub const CREDIT_BILL: &str = "credit_bill";
    pub const LIST_BILLS: &str = "list_bills";
    pub const BILL_PDF: &str = "bill_pdf";
    pub const IMPORT_STATEMENT: &str = "import_statement";
    pub const STATEMENT_LINES: &str = "statement_lines";
    pub const CASH_ENTRIES: &str = "cash_entries";
    pub const MATCH_LINE: &str = "match_line";
    pub const RECONCILE: &str = "reconcile";
    pub const RECONCILIATIONS: &str = "reconciliations";
    pub const RECONCILIATION_DUE: &str = "reconciliation_due";
    pub const REGISTERS: &str = "registers";
    pub const ADD_BREACH: &str = "add_breach";
    pub const ACCOUNTANTS_REPORT: &str = "accountants_report";
    pub const SET_SECOND_AUTHORISER: &str = "set_second_authoriser";
    pub const SUBJECT_REQUESTS: &str = "subject_requests";
    pub const ADD_SUBJECT_REQUEST: &str = "add_subject_request";
    pub const EXTEND_SUBJECT_REQUEST: &str = "extend_subject_request";
    pub const ANSWER_SUBJECT_REQUEST: &str = "answer_subject_request";
    pub const SUBJECT_ACCESS: &str = "subject_access";
    pub const EXPORT_SUBJECT_ACCESS: &str = "export_subject_access";
    pub const ERASURE_PLAN: &str = "erasure_plan";
    pub const ERASE_PERSON: &str = "erase_person";
    pub const RETENTION: &str = "retention";
    pub const SET_RETENTION: &str = "set_retention";
    pub const KEEP_MATTER: &str = "keep_matter";
    pub const DESTROY_MATTER: &str = "destroy_matter";
    pub const DATA_BREACHES: &str = "data_breaches";
    pub const ADD_DATA_BREACH: &str = "add_data_breach";
    pub const UPDATE_DATA_BREACH: &str = "update_data_breach";
    pub const EXPORT_DATA_BREACHES: &str = "export_data_breaches";
    pub const PROCESSING: &str = "processing";
    pub const SAVE_PROCESSING: &str = "save_processing";
    pub const REMOVE_PROCESSING: &str = "remove_processing";
    pub const EXPORT_PROCESSING: &str = "export_processing";
    pub const USUAL_PROCESSING: &str = "usual_processing";
}

/// A secret typed by a person (a passphrase). Never shown by `Debug`.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

/// Where the app stands when the window opens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum AppState {
    /// No firm on this device yet: show first-run setup.
    NotSetUp,
    /// A store exists but is not open; `reason` says why (e.g. no keyring entry).
    Locked { reason: String },
    /// The store is open.
    Ready { session: Session },
}

/// Who is working, in which firm.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub firm_name: String,
    pub user_name: String,
    pub initials: String,
    pub role: String,
    /// Did the OS keyring hold the key? False: the user must keep the passphrase to hand.
    pub keyring_ok: bool,
    /// Lock after this many seconds without a key press or a movement of the mouse.
    #[serde(default)]
    pub autolock_seconds: u32,
}

/// First run: the firm, its first user, and the recovery passphrase.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SetupRequest {
    pub firm_name: String,
    pub user_name: String,
    pub initials: String,
    /// One of `admin`, `partner`, `fee_earner`, `cashier`, `read_only`.
    pub role: String,
    pub passphrase: Secret,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UnlockRequest {
    pub passphrase: Secret,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct NewMatterRequest {
    /// The client's name. With `client_id`, may be left empty: the contact's name is used.
    pub client_name: String,
    /// An existing contact to make the matter's client.
    #[serde(default)]
    pub client_id: Option<String>,
    /// The conflict check this opening relies on (from `conflict_check`). Without one, the
    /// check runs now, for the client's name.
    #[serde(default)]
    pub conflict_check_id: Option<String>,
    /// `no_conflict`, `cleared` or `consent`; needed when the check found names.
    #[serde(default)]
    pub conflict_decision: Option<String>,
    /// Why the names found are cleared or consented to.
    #[serde(default)]
    pub conflict_reason: Option<String>,
    pub description: String,
    /// ISO date `YYYY-MM-DD`; `None` or empty for today.
    pub opened: Option<String>,
    /// One of the practice areas; empty for general.
    #[serde(default)]
    pub practice_area: Option<String>,
    /// Initials of the fee earner responsible; empty for whoever opens it.
    #[serde(default)]
    pub fee_earner: Option<String>,
    /// Initials of the supervisor; may be empty.
    #[serde(default)]
    pub supervisor: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Matter {
    pub id: String,
    /// Human number, e.g. `M00042`.
    pub number: String,
    pub client_name: String,
    pub description: String,
    /// ISO date `YYYY-MM-DD` (civil date, Europe/London).
    pub opened: String,
    /// `open`, `closed` or `archived`.
    pub status: String,
    /// Initials of the person who opened it.
    pub opened_by: String,
    #[serde(default)]
    pub practice_area: String,
    /// Initials of the fee earner responsible.
    #[serde(default)]
    pub fee_earner: String,
    /// Initials of the supervisor.
    #[serde(default)]
    pub supervisor: Option<String>,
    /// ISO dates.
    #[serde(default)]
    pub closed_on: Option<String>,
    #[serde(default)]
    pub archived_on: Option<String>,
}

/// Work in progress of one fee earner across every matter held here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeeEarnerWip {
    pub initials: String,
    pub name: String,
    pub matters: u64,
    pub entries: u64,
    pub billable_minutes: u64,
    pub value_pence: i64,
    /// As read, e.g. "£1,234.56".
    pub value: String,
}

/// Move a matter to `open`, `closed` or `archived`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatterStatusRequest {
    /// Id or number.
    pub matter: String,
    pub status: String,
    /// ISO date of the move; empty for today.
    #[serde(default)]
    pub on: Option<String>,
}

/// Change who runs a matter and its practice area. `None` leaves a field as it is; an
/// empty supervisor removes it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatterDetailsRequest {
    pub matter: String,
    #[serde(default)]
    pub practice_area: Option<String>,
    #[serde(default)]
    pub fee_earner: Option<String>,
    #[serde(default)]
    pub supervisor: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewTaskRequest {
    pub matter: String,
    pub title: String,
    /// Initials; empty for me.
    #[serde(default)]
    pub assignee: String,
    /// ISO date.
    pub due: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Task {
    pub id: String,
    pub matter_id: String,
    pub matter_number: String,
    pub title: String,
    /// Initials.
    pub assignee: String,
    pub due: String,
    pub done_on: Option<String>,
}

/// Which tasks: one matter's (all), or the open tasks of one person (initials; empty for
/// me) due within `days` (overdue ones included).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskQuery {
    #[serde(default)]
    pub matter: Option<String>,
    #[serde(default)]
    pub assignee: Option<String>,
    #[serde(default)]
    pub days: Option<u32>,
}

/// A document on a matter, with its latest version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Document {
    pub id: String,
    pub matter_id: String,
    pub name: String,
    pub version: u64,
    pub size: u64,
    pub sha256: String,
    /// Initials.
    pub added_by: String,
    pub added_at: String,
    /// Every version, newest first.
    pub versions: Vec<DocumentVersion>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentVersion {
    pub version: u64,
    pub size: u64,
    /// The size as people read it, e.g. "14.2 KB".
    #[serde(default)]
    pub size_text: String,
    pub added_by: String,
    pub added_at: String,
}

/// Where an exported document was written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportedDocument {
    pub path: String,
    pub name: String,
    pub version: u64,
    pub size: u64,
}

/// One search result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchHit {
    /// `contact`, `matter`, `note` or `document`.
    pub kind: String,
    pub id: String,
    /// The matter it belongs to (for matters, notes and documents).
    pub matter_id: Option<String>,
    pub matter_number: Option<String>,
    pub title: String,
    /// A short excerpt with the match.
    pub snippet: String,
}

/// A user of the firm, as others see them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: String,
    pub name: String,
    pub initials: String,
    pub role: String,
}

/// A person added to the firm: their role (admin, partner, fee_earner, cashier,
/// read_only) and hourly rate (blank for none yet).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewUserRequest {
    pub name: String,
    pub initials: String,
    pub role: String,
    pub rate: String,
}

/// A new contact as typed. Empty strings mean "not given".
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct NewContactRequest {
    /// `person` or `organisation`.
    pub kind: String,
    pub name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub postcode: String,
    /// ISO date `YYYY-MM-DD`; people only.
    #[serde(default)]
    pub date_of_birth: String,
    /// Companies House number; organisations only.
    #[serde(default)]
    pub company_number: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    pub id: String,
    /// `person` or `organisation`.
    pub kind: String,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub postcode: Option<String>,
    pub date_of_birth: Option<String>,
    pub company_number: Option<String>,
    /// How many matters the contact is a party to.
    pub matters: u64,
}

/// What importing a vCard file did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VcardImport {
    pub imported: u64,
    /// Cards for contacts already held (same kind, name and email), or repeated in the file.
    pub skipped_duplicates: u64,
    /// The contacts added, in the file's order.
    pub contacts: Vec<Contact>,
}

/// A bank account as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewBankAccountRequest {
    /// `client` or `office`.
    pub kind: String,
    pub name: String,
    pub sort_code: String,
    pub account_number: String,
    /// e.g. "1250.00"; empty for nothing.
    #[serde(default)]
    pub opening_balance: String,
    /// ISO date of the opening balance; empty for today.
    #[serde(default)]
    pub opened_on: String,
    /// A client account's opening balance by matter: "M00042=120.00".
    #[serde(default)]
    pub brought_forward: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BankAccount {
    pub id: String,
    pub kind: String,
    pub name: String,
    /// "12-34-56".
    pub sort_code: String,
    pub account_number: String,
    pub opening_balance_pence: i64,
    pub opening_balance: String,
    pub opened_on: String,
}

/// Money moved on a matter. `kind` says which fields count:
/// - `receipt`: account, amount, party (payer);
/// - `payment`: account, amount, party (payee), authorised_by over the firm's threshold;
/// - `transfer`: from `account` to another matter's client ledger (`to_matter`, with
///   `reason` and `authorised_by`; `to_account` defaults to the same client account), or
///   to an office account (`to_account`) against a bill or notification of costs (`bill`);
/// - `reversal`: `reverses` (a posting id) and `reason`; the amount is the original's.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PostingRequest {
    pub kind: String,
    pub matter: String,
    /// A bank account's id or name (a unique part of it will do).
    pub account: String,
    /// "1250.00"; pounds and pence, no fraction of a penny.
    pub amount: String,
    /// ISO date; empty for today.
    pub date: String,
    /// `bank_transfer` (empty), `cheque`, `cash`, `card`.
    pub method: String,
    pub reference: String,
    pub party: String,
    /// Initials of the second person who authorised it.
    pub authorised_by: String,
    pub to_matter: String,
    pub to_account: String,
    pub bill: String,
    pub reason: String,
    pub reverses: String,
}

/// A posting as the books hold it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Posting {
    pub id: String,
    pub matter_number: String,
    pub date: String,
    /// `receipt`, `payment`, `client_to_office`, `client_to_client` or `reversal`.
    pub kind: String,
    pub account_name: String,
    pub amount_pence: i64,
    pub amount: String,
    pub reference: String,
    pub party: String,
    pub recorded_by: String,
    pub authorised_by: Option<String>,
    /// `pending` (waiting for the firm server), `confirmed`, or `refused` by the server.
    pub state: String,
    pub reverses: Option<String>,
    pub reversed_by: Option<String>,
    /// Why the firm server refused it (it would have overdrawn a client ledger).
    pub refused_reason: Option<String>,
}

/// One line of a matter's client ledger, running balances on the recorded basis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerLine {
    pub date: String,
    /// Empty for a balance brought forward.
    pub posting_id: String,
    /// "receipt", "payment", "transfer", "reversal" or "brought forward".
    pub what: String,
    pub reference: String,
    pub party: String,
    pub state: String,
    /// Credit positive, in pence.
    pub client_pence: i64,
    pub office_pence: i64,
    pub client_balance_pence: i64,
    pub office_balance_pence: i64,
    /// The four figures above as "£1,234.56" (blank for no movement on that side).
    pub client: String,
    pub office: String,
    pub client_balance: String,
    pub office_balance: String,
    /// Whether it may still be reversed (confirmed, not a reversal, not reversed).
    pub reversible: bool,
}

/// A matter's client ledger: client side and business (office) side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientLedger {
    pub matter_number: String,
    pub client_name: String,
    pub lines: Vec<LedgerLine>,
    /// Payments the firm server refused: listed, moving no money.
    pub refused: Vec<Posting>,
    /// Client money held, recorded basis (pending payments out included).
    pub client_balance_pence: i64,
    /// What may be paid out now.
    pub available_pence: i64,
    /// Client money held counting only confirmed postings (the firm server's books).
    pub confirmed_pence: i64,
    /// Payments out waiting for the firm server's answer.
    pub pending_out_pence: i64,
    pub confirmed: String,
    pub pending_out: String,
    pub office_balance_pence: i64,
    pub client_balance: String,
    pub available: String,
    pub office_balance: String,
}

/// One line of a bank account's cash book.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CashBookLine {
    pub date: String,
    pub posting_id: String,
    pub matter_number: String,
    pub what: String,
    pub reference: String,
    pub party: String,
    pub state: String,
    /// Credit (money in) positive.
    pub amount_pence: i64,
    pub balance_pence: i64,
    pub amount: String,
    pub balance: String,
}

/// A bank account's cash book for a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CashBook {
    pub account: BankAccount,
    pub from: String,
    pub to: String,
    /// The balance before `from` (opening balance included).
    pub brought_forward_pence: i64,
    pub lines: Vec<CashBookLine>,
    pub balance_pence: i64,
    pub brought_forward: String,
    pub balance: String,
}

/// One matter's client money in one client account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientBalanceRow {
    pub account_name: String,
    pub matter_number: String,
    pub client_name: String,
    pub balance_pence: i64,
    pub available_pence: i64,
    pub balance: String,
    pub available: String,
    /// ISO date of the last movement.
    pub last_movement: String,
}

/// Bill a matter's unbilled time, expenses and disbursements.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct NewBillRequest {
    pub matter: String,
    /// ISO date; empty for today.
    pub date: String,
    /// `bill` (empty) or `notification` (a written notification of costs).
    pub kind: String,
}

/// A credit note against a bill: the whole bill, or part of its professional charges.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CreditRequest {
    /// The bill's number.
    pub bill: String,
    /// Net professional charges to credit ("100.00"); empty for the whole bill.
    pub fees: String,
    pub reason: String,
    pub date: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillLine {
    /// `fees`, `expense` or `disbursement`.
    pub kind: String,
    pub date: String,
    pub description: String,
    pub net_pence: i64,
    pub vat_pence: i64,
    pub net: String,
    pub vat: String,
}

/// A bill, written notification of costs or credit note, as the register holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bill {
    pub id: String,
    pub number: String,
    /// `bill`, `notification` or `credit_note`; empty for a draft.
    pub kind: String,
    pub matter_number: String,
    pub client_name: String,
    pub date: String,
    pub delivered_on: Option<String>,
    /// A credit note's bill number.
    pub credits: Option<String>,
    pub lines: Vec<BillLine>,
    pub fees_pence: i64,
    pub expenses_pence: i64,
    pub disbursements_pence: i64,
    pub vat_pence: i64,
    pub total_pence: i64,
    pub paid_pence: i64,
    pub credited_pence: i64,
    pub unpaid_pence: i64,
    pub total: String,
    pub vat: String,
    pub unpaid: String,
}

/// What importing a bank statement did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatementImport {
    pub account_name: String,
    pub file_name: String,
    /// Lines in the file.
    pub lines_read: u64,
    /// New lines kept.
    pub added: u64,
    /// Lines already imported (same FITID or same content), skipped.
    pub duplicates: u64,
    /// New lines matched to cash book entries automatically.
    pub matched: u64,
    pub closing_date: Option<String>,
    pub closing_balance: Option<String>,
}

/// A statement line and what it is matched to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatementLineView {
    pub key: String,
    pub date: String,
    pub amount_pence: i64,
    pub amount: String,
    pub description: String,
    pub reference: String,
    pub matched_posting: Option<String>,
    pub matched_auto: bool,
    /// "M00001 receipt BACS 1182" for a matched line.
    pub matched_to: String,
}

/// A cash book entry of a bank account, for matching by hand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CashEntry {
    pub posting_id: String,
    pub date: String,
    pub matter_number: String,
    pub what: String,
    pub reference: String,
    pub amount_pence: i64,
    pub amount: String,
    /// The statement line it is matched to.
    pub matched_line: Option<String>,
}

/// Match a statement line to a cash book entry, or (with no posting) unmatch it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct MatchRequest {
    pub account: String,
    pub line_key: String,
    pub posting_id: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ExplanationInput {
    pub text: String,
    /// "-5.00": signed, as the difference is.
    pub amount: String,
}

/// Reconcile a client account at a date; with `sign`, sign it off (and lock it).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ReconcileRequest {
    pub account: String,
    /// ISO date; empty for today.
    pub date: String,
    /// The statement balance at the date; empty to take it from a statement imported with
    /// a closing balance at that date.
    pub statement_balance: String,
    pub explanations: Vec<ExplanationInput>,
    pub sign: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReconItem {
    pub date: String,
    pub reference: String,
    pub amount_pence: i64,
    pub amount: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DebitBalance {
    pub matter_number: String,
    pub client_name: String,
    pub balance_pence: i64,
    pub balance: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExplanationLine {
    pub text: String,
    pub amount_pence: i64,
    pub amount: String,
}

/// A three-way reconciliation: every figure in pence under its own name, the items behind
/// them, and (when signed) who signed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reconciliation {
    pub account_id: String,
    pub account_name: String,
    pub date: String,
    pub statement_balance: i64,
    pub outstanding_lodgements: i64,
    pub unpresented_payments: i64,
    pub adjusted_bank_balance: i64,
    pub cash_book_balance: i64,
    pub client_ledger_total: i64,
    pub debit_balances: Vec<DebitBalance>,
    pub difference: i64,
    pub lodgements: Vec<ReconItem>,
    pub unpresented: Vec<ReconItem>,
    pub unrecorded_bank_entries: Vec<ReconItem>,
    pub explanations: Vec<ExplanationLine>,
    /// The figures as shown: (label, "£1,234.56").
    pub shown: Vec<(String, String)>,
    pub signed_by: Option<String>,
    pub signed_at: Option<String>,
}

/// Client accounts whose last signed reconciliation is more than five weeks old.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReconciliationDue {
    pub account_name: String,
    /// The date of the last signed reconciliation, if any.
    pub last_signed_for: Option<String>,
    pub message: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct NewBreachRequest {
    /// ISO date found; empty for today.
    pub date: String,
    /// The matter, if it concerns one.
    pub matter: String,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Breach {
    pub id: String,
    pub date: String,
    pub matter_number: Option<String>,
    pub description: String,
    pub automatic: bool,
    pub recorded_by: String,
}

/// A residual client balance paid to charity (r5.1(c)).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ResidualRequest {
    pub matter: String,
    pub amount: String,
    /// What was done to trace the owner, and when.
    pub tracing_steps: String,
    pub charity: String,
    pub charity_number: String,
    /// Required over £500: the SRA's authority.
    pub sra_authority: String,
    pub date: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Residual {
    pub matter_number: String,
    pub owner: String,
    pub amount_pence: i64,
    pub amount: String,
    pub tracing_steps: String,
    pub charity: String,
    pub charity_number: String,
    pub sra_authority: Option<String>,
    pub date: String,
}

/// A payment out of a client account not on any statement six months on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unpresented {
    pub account_name: String,
    pub date: String,
    pub matter_number: String,
    pub reference: String,
    pub amount: String,
}

/// The registers the COFA watches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Registers {
    /// Client balances with no movement for 90 days or more.
    pub dormant: Vec<ClientBalanceRow>,
    /// Client account payments unpresented for six months or more.
    pub unpresented: Vec<Unpresented>,
    /// Closed matters still holding client money: "may go to charity" (≤ £500 after
    /// tracing) or "needs SRA authority" (over £500).
    pub residual_candidates: Vec<(ClientBalanceRow, String)>,
    pub residuals: Vec<Residual>,
    pub breaches: Vec<Breach>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportReconciliation {
    pub account_name: String,
    pub date: String,
    pub client_ledger_total: String,
    pub difference: String,
    pub signed_by: String,
    pub signed_at: String,
}

/// The data for the accountant's report over an accounting period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountantsReport {
    pub firm_name: String,
    pub from: String,
    pub to: String,
    pub reconciliations: Vec<ReportReconciliation>,
    /// Client accounts with more than five weeks between signed reconciliations in the
    /// period (or before the first, or after the last).
    pub gaps: Vec<String>,
    pub reconciliation_dates: u64,
    pub average_balance_pence: i64,
    pub maximum_balance_pence: i64,
    pub average_balance: String,
    pub maximum_balance: String,
    pub exempt: bool,
    pub exemption: String,
    pub breaches: Vec<Breach>,
}

/// A matter a contact is on, and in which role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactMatter {
    pub matter_id: String,
    pub number: String,
    pub client_name: String,
    pub description: String,
    pub status: String,
    pub role_label: String,
}

/// A contact on a matter in a role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Party {
    pub contact_id: String,
    pub name: String,
    /// `person` or `organisation`.
    pub kind: String,
    /// `client`, `other_side`…
    pub role: String,
    /// "Client", "Other side's solicitor"…
    pub role_label: String,
    pub email: Option<String>,
    pub phone: Option<String>,
}

/// Put a contact on a matter in a role.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AddPartyRequest {
    /// Matter id or number (`M00042`).
    pub matter: String,
    pub contact_id: String,
    /// `client`, `other_side`, `other_side_solicitor`, `court`, `counsel`, `expert`,
    /// `witness` or `other`.
    pub role: String,
}

/// Names to search for among every party of every matter, and every contact.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ConflictQuery {
    pub names: Vec<String>,
}

/// One party whose name is close to a name searched for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConflictHit {
    /// The name searched for that found this party.
    pub query: String,
    pub party_name: String,
    pub contact_id: Option<String>,
    /// `None`: a contact on no matter.
    pub matter_id: Option<String>,
    pub matter_number: Option<String>,
    pub matter_description: Option<String>,
    /// e.g. `client`, `other_side`; `None` for a contact on no matter.
    pub role: Option<String>,
    /// `exact`, `reordered`, `initials` or `fuzzy`.
    pub match_kind: String,
    /// 0–100.
    pub score: u8,
}

/// The result of a conflict check, hits strongest first within each matter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConflictReport {
    pub id: String,
    pub names: Vec<String>,
    /// How many party names were compared.
    pub parties_checked: u64,
    pub hits: Vec<ConflictHit>,
}

/// Time to record on a matter.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct NewTimeRequest {
    /// Matter number (`M00042`) or id.
    pub matter: String,
    /// `1:30`, `1h30m`, `90m`, `0.5h`…
    pub duration: String,
    /// ISO date; empty for today.
    #[serde(default)]
    pub date: String,
    /// `attendance`, `call`, `letter`, `email`, `drafting`, `research`, `review`, `travel`,
    /// `court` or `other`.
    pub activity: String,
    pub description: String,
    pub billable: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeEntry {
    pub id: String,
    pub matter_number: String,
    /// Initials of the fee earner.
    pub fee_earner: String,
    pub date: String,
    pub minutes: u32,
    pub units: u32,
    pub billable: bool,
    pub activity: String,
    pub description: String,
    pub rate_pence: i64,
    pub value_pence: i64,
    /// `value_pence` as people read it, e.g. "£1,234.56".
    pub value: String,
}

/// Start a timer on a matter.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct StartTimerRequest {
    pub matter: String,
    pub activity: String,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunningTimer {
    pub matter_number: String,
    /// RFC 3339 UTC instant.
    pub started_at: String,
    /// The same, in London time for people.
    pub started: String,
    pub elapsed_seconds: i64,
    pub activity: String,
    pub description: String,
}

/// Work in progress on a matter: time recorded and not yet billed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Wip {
    pub matter_number: String,
    pub entries: u64,
    pub billable_minutes: u64,
    pub non_billable_minutes: u64,
    pub billable_units: u64,
    pub value_pence: i64,
    /// `value_pence` as people read it, e.g. "£1,234.56".
    pub value: String,
    /// The estimate given to the client, if any, in pence and as read.
    pub estimate_pence: Option<i64>,
    pub estimate: Option<String>,
    /// A warning once the WIP has passed the estimate (the client must be told).
    pub warning: Option<String>,
    /// Unbilled disbursements (no VAT) and expenses (net of VAT), in pence and as read.
    pub disbursements_pence: i64,
    pub disbursements: String,
    pub expenses_pence: i64,
    pub expenses: String,
}

/// An expense or disbursement on a matter.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct NewExpenseRequest {
    pub matter: String,
    /// `disbursement` (paid as the client's agent: no VAT) or `expense` (recharged, with VAT).
    pub kind: String,
    /// Net amount, e.g. "312.50".
    pub amount: String,
    pub description: String,
    /// ISO date; empty for today.
    #[serde(default)]
    pub date: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Expense {
    pub id: String,
    pub matter_number: String,
    pub date: String,
    pub kind: String,
    pub description: String,
    pub net_pence: i64,
    pub vat_pence: i64,
    /// Net and VAT as read, e.g. "£312.50", "£62.50".
    pub net: String,
    pub vat: String,
}

/// A matter's own rate and the estimate given to the client. Empty text clears one; `None`
/// leaves it as it is.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct MatterTermsRequest {
    pub matter: String,
    /// e.g. "275.00" an hour.
    pub rate: Option<String>,
    /// e.g. "5000".
    pub estimate: Option<String>,
}

/// A hearing, limitation date or deadline on a matter.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct NewKeyDateRequest {
    pub matter: String,
    /// `hearing`, `limitation`, `deadline` or `other`.
    pub kind: String,
    /// ISO date.
    pub date: String,
    pub title: String,
    /// Days of warning; `None` for the kind's default.
    #[serde(default)]
    pub reminder_days: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyDate {
    pub id: String,
    pub matter_number: String,
    pub matter_description: String,
    pub kind: String,
    pub date: String,
    pub title: String,
    pub reminder_days: u32,
    /// When the reminder is due: never after `date`.
    pub reminder_on: String,
    /// Days from today to `date`.
    pub days_until: i32,
}

/// A note on a matter.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct NewNoteRequest {
    pub matter: String,
    /// `attendance` (a meeting or call, as it happened) or `file`.
    pub kind: String,
    pub title: String,
    pub body: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    pub id: String,
    pub matter_number: String,
    /// RFC 3339 UTC instant it was written.
    pub at: String,
    /// The same, in London time for people: "25 Nov 2026 09:05".
    pub written: String,
    /// Initials of the author.
    pub author: String,
    pub kind: String,
    pub title: String,
    pub body: String,
}

/// What `satchel status` and the Settings page show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Status {
    pub firm_name: String,
    pub user_name: String,
    pub device_id: String,
    pub data_dir: String,
    pub matters: u64,
    pub contacts: u64,
    pub audit_events: u64,
    pub store_bytes: u64,
    pub schema_version: u32,
    pub keyring: String,
    /// The matter numbers this device may still give out, e.g. "M00003–M99999".
    #[serde(default)]
    pub number_blocks: Vec<String>,
    /// The firm's time unit in minutes.
    #[serde(default)]
    pub unit_minutes: u32,
    /// Client accounts whose reconciliation is overdue (more than five weeks).
    #[serde(default)]
    pub reconciliation_due: Vec<ReconciliationDue>,
}

/// What kind of failure, so the UI can choose where to show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// An input broke a rule; `field` names it.
    Invalid,
    WrongPassphrase,
    NotSetUp,
    AlreadySetUp,
    Locked,
    Forbidden,
    /// The OS keyring could not be used.
    Keyring,
    /// The store could not be read or written (disk full, corrupt file…).
    Storage,
    Internal,
}

/// An error a person can act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    pub kind: ErrorKind,
    pub message: String,
    /// The input at fault, for `Invalid`.
    pub field: Option<String>,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ApiError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_redacted_in_debug_but_cross_the_boundary() {
        let req = SetupRequest {
            firm_name: "F".into(),
            user_name: "U".into(),
            initials: "UU".into(),
            role: "partner".into(),
            passphrase: Secret::new("correct horse"),
        };
        assert!(!format!("{req:?}").contains("correct horse"));
        let json = serde_json::to_string(&req).unwrap();
        assert!(json.contains("\"passphrase\":\"correct horse\""));
    }

    #[test]
    fn app_state_is_tagged() {
        let json = serde_json::to_string(&AppState::Locked { reason: "r".into() }).unwrap();
        assert_eq!(json, r#"{"state":"locked","reason":"r"}"#);
    }
}

/// The firm server this device is enrolled with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerSettings {
    pub address: String,
    /// The server certificate's SHA-256 fingerprint, pinned at enrolment.
    pub fingerprint: String,
    pub device_id: String,
}

/// What one sync with the firm server did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncReport {
    /// Documents this device brought into step with the server.
    pub documents: u64,
    /// Of them, those that changed here (others' work merged).
    pub changed_here: u64,
    /// Documents this device did not hold, received (another device's new matter).
    pub arrived: u64,
    /// Those the server does not share with this device's user.
    pub not_shared: u64,
    /// Why the server would not take this device's audit events (a missing or broken
    /// link); they are sent again at the next sync.
    #[serde(default)]
    pub audit_refused: Option<String>,
    /// Documents erased elsewhere (a person's erasure) that this device dropped.
    #[serde(default)]
    pub erased_here: u64,
    /// This device's erasures the server was told of.
    #[serde(default)]
    pub erasures_told: u64,
    /// Why the server would not take them (they are sent again at the next sync).
    #[serde(default)]
    pub erase_refused: Option<String>,
}

/// A user's access to a matter on the firm server: read, download or edit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatterGrant {
    pub initials: String,
    pub access: String,
}

/// Which audit events to show: by a user (initials), on a matter (its number), between
/// two dates (inclusive, Europe/London); blank for any.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessLogQuery {
    pub user: String,
    pub matter: String,
    pub from: String,
    pub to: String,
}

/// One audit event, as an access report shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessEvent {
    /// RFC 3339.
    pub at: String,
    pub initials: String,
    pub user_name: String,
    pub device: String,
    pub action: String,
    pub subject: String,
    /// What the event records (a summary without secrets), as JSON.
    pub detail: String,
}

/// One backup of this device's store, as the window lists it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupEntry {
    /// The backup's folder name (what restoring names).
    pub name: String,
    /// RFC 3339.
    pub created_at: String,
    /// `scheduled`, `manual`, `on quit`, `before restore`.
    pub reason: String,
    pub bytes: u64,
    pub matters: i64,
    pub audit_events: i64,
}

/// This device's backups: where they go, how often, what is running, the list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupStatus {
    pub folder: String,
    pub every_hours: u32,
    /// A backup (or restore, or export) is running: bytes done, of how many.
    pub running: Option<String>,
    pub done: u64,
    pub of: u64,
    /// How the last backup or restore ended, in words.
    pub message: Option<String>,
    /// Whether that was a failure.
    pub failed: bool,
    /// Newest first.
    pub entries: Vec<BackupEntry>,
}

/// The backup settings: a folder (blank for `backups` in the data folder) and how many
/// hours apart scheduled backups are (1 to 24).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupSettings {
    pub folder: String,
    pub every_hours: u32,
}

/// Where this device stands with the firm server: always shown in the window.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncStatus {
    /// `standalone` (not enrolled), `syncing`, `synced`, `offline` (the server cannot be
    /// reached; work goes on and waits) or `failed` (the server refused, or the sync broke).
    pub state: String,
    /// The server's address, once enrolled.
    pub server: Option<String>,
    /// Documents changed on this device that the server has not had yet.
    pub waiting: u64,
    /// When the last sync finished (RFC 3339).
    pub last_sync: Option<String>,
    /// Why it is offline or failed, in words.
    pub message: Option<String>,
    /// During a sync: documents in step so far, of how many.
    pub done: u64,
    pub of: u64,
    /// No sync has finished on this device yet (the first one fetches the firm's matters).
    pub first: bool,
}

/// Enrol this device with the firm server.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrolDeviceRequest {
    /// e.g. `https://satchel.hale.example:8443`
    pub address: String,
    /// The SHA-256 fingerprint the server printed (pinned from now on).
    pub fingerprint: String,
    /// The one-time enrolment code the administrator gave.
    pub code: Secret,
    /// What to call this device (e.g. "Ann's laptop").
    pub name: String,
}

/// A field of a matter set apart on two devices: both values are kept until someone
/// chooses.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldConflict {
    /// The document's field, e.g. `fee_earner`.
    pub field: String,
    /// What a person calls it, e.g. "Fee earner".
    pub label: String,
    /// The values, as a person reads them.
    pub values: Vec<String>,
    /// Which of them the matter shows now.
    pub showing: u32,
}

/// Keep one of a field's concurrent values.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResolveConflictRequest {
    pub matter: String,
    pub field: String,
    /// The value's place in [`FieldConflict::values`].
    pub choice: u32,
}

/// Set this device up for a firm that already works with its server.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinFirmRequest {
    pub address: String,
    pub fingerprint: String,
    pub code: Secret,
    /// What to call this device.
    pub name: String,
    /// The recovery passphrase for the store on this device.
    pub passphrase: Secret,
}

// ---- UK GDPR (Compliance) ----

/// A subject access or erasure request, with its clock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubjectRequest {
    pub id: String,
    /// `access` or `erasure`.
    pub kind: String,
    pub contact_id: String,
    /// The person's name, or "(erased)" once they are.
    pub person: String,
    pub received_on: String,
    /// When it must be answered: the extended date if it was extended.
    pub due_on: String,
    pub extended: bool,
    pub extension_reason: Option<String>,
    pub answered_on: Option<String>,
    pub outcome: Option<String>,
    /// Days until due (negative: overdue); none once answered.
    pub days_left: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct NewSubjectRequest {
    /// The person: a contact's id or their exact name.
    pub person: String,
    /// `access` or `erasure`.
    pub kind: String,
    /// ISO date received; empty for today.
    pub received_on: String,
}

/// One thing held about a person, as the subject access export lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeldItem {
    /// `matter`, `party`, `note`, `time`, `expense`, `key date`, `task`, `document`,
    /// `posting`, `bill`, `conflict check`.
    pub kind: String,
    pub date: String,
    pub text: String,
    /// Possibly privileged (legal professional privilege is an exemption): to review
    /// before release.
    pub privileged: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubjectMatter {
    pub number: String,
    pub description: String,
    pub status: String,
    pub opened: String,
    pub closed_on: Option<String>,
    /// Their roles on it (client, other side…); empty when they are only mentioned.
    pub roles: Vec<String>,
    pub items: Vec<HeldItem>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubjectAudit {
    pub at: String,
    pub who: String,
    pub action: String,
    pub subject: String,
}

/// Everything held about a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubjectAccess {
    pub firm: String,
    pub generated_at: String,
    pub person: Contact,
    pub matters: Vec<SubjectMatter>,
    pub audit: Vec<SubjectAudit>,
    /// How many items are flagged for privilege review.
    pub to_review: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportedAccess {
    pub folder: String,
    pub files: Vec<String>,
    pub matters: u64,
    pub items: u64,
    pub to_review: u64,
}

/// Why something is kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HoldText {
    pub name: String,
    pub reason: String,
    /// When it ends; none while the matter is open.
    pub until: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedMatter {
    pub number: String,
    pub description: String,
    /// `destroy` (the whole matter), `anonymise` (their details taken out, the rest kept)
    /// or `keep` (held).
    pub action: String,
    pub holds: Vec<HoldText>,
}

/// What erasing a person would do, before it is done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErasurePlan {
    pub contact_id: String,
    pub person: String,
    pub matters: Vec<PlannedMatter>,
    /// Whether their contact record goes (false: kept while a matter holding it is kept).
    pub contact_erased: bool,
    /// Other places that name them and are kept (the firm's registers, bank statements,
    /// the audit trail), with why.
    pub kept_elsewhere: Vec<HoldText>,
    /// Refused in part: something is kept, and `held_until` says until when (none: while
    /// a matter stays open).
    pub refused_in_part: bool,
    pub held_until: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct EraseRequest {
    pub person: String,
    /// The subject request it answers, if one was logged.
    pub request_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErasureDone {
    pub plan: ErasurePlan,
    pub destroyed: u64,
    pub anonymised: u64,
    /// What the firm server was told, or that it will be at the next sync.
    pub server: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetentionRule {
    pub area: String,
    pub years: u32,
    /// Set by the firm (false: Satchel's default).
    pub firm_set: bool,
}

/// A closed matter past its retention date, for review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetentionDue {
    pub number: String,
    pub client_name: String,
    pub area: String,
    pub closed_on: String,
    pub retention_ended: String,
    /// What still holds it (young accounting records…): it may not be destroyed yet.
    pub holds: Vec<HoldText>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetentionDecision {
    pub number: String,
    pub decision: String,
    pub keep_until: Option<String>,
    pub reason: String,
    pub decided_by: String,
    pub decided_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Retention {
    pub rules: Vec<RetentionRule>,
    pub due: Vec<RetentionDue>,
    pub decisions: Vec<RetentionDecision>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct KeepMatterRequest {
    pub matter: String,
    /// ISO date kept until.
    pub until: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataBreach {
    pub id: String,
    /// RFC 3339 instant, and as London shows it.
    pub discovered_at: String,
    pub discovered_shown: String,
    pub nature: String,
    pub data_categories: String,
    pub people_affected: u64,
    pub records_affected: u64,
    pub risk: String,
    pub risk_assessment: String,
    pub actions: String,
    pub ico_must_be_told: bool,
    pub people_must_be_told: bool,
    /// The ICO's deadline (72 hours from discovery), as London shows it.
    pub ico_deadline: String,
    /// "20 h 15 min left to tell the ICO", "overdue by 3 h…", "told the ICO in time".
    pub ico_clock: String,
    pub ico_reported_at: Option<String>,
    pub ico_reference: Option<String>,
    pub people_told_at: Option<String>,
    pub recorded_by: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct NewDataBreach {
    /// When the firm became aware: `YYYY-MM-DD HH:MM` London time (or RFC 3339).
    pub discovered_at: String,
    pub nature: String,
    pub data_categories: String,
    pub people_affected: String,
    pub records_affected: String,
    /// `unlikely`, `risk` or `high`.
    pub risk: String,
    pub risk_assessment: String,
    pub actions: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct UpdateDataBreach {
    pub id: String,
    /// Told the ICO: when (`YYYY-MM-DD HH:MM` London; empty: not now), and its reference.
    pub ico_reported_at: String,
    pub ico_reference: String,
    /// Told the people affected: when.
    pub people_told_at: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ProcessingActivity {
    /// Empty for a new one.
    pub id: String,
    pub activity: String,
    pub purpose: String,
    pub lawful_basis: String,
    pub people: String,
    pub data: String,
    pub recipients: String,
    pub transfers: String,
    pub retention: String,
    pub security: String,
    pub updated_by: String,
    pub updated_at: String,
}
