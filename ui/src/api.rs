//! The one typed API client: every call to the desktop shell goes through [`call`].

use satchel_api::{
    ApiError, AppState, ConflictQuery, ConflictReport, Contact, Document, ErrorKind, Expense,
    ExportedDocument, KeyDate, Matter, MatterDetailsRequest, MatterStatusRequest,
    MatterTermsRequest, NewContactRequest, NewExpenseRequest, NewKeyDateRequest, NewMatterRequest,
    NewNoteRequest, NewTaskRequest, NewTimeRequest, Note, RunningTimer, SearchHit, Secret, Session,
    SetupRequest, StartTimerRequest, Status, Task, TaskQuery, TimeEntry, UnlockRequest, User, Wip,
    cmd,
};
use serde::{Serialize, de::DeserializeOwned};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = ["window", "__TAURI__", "core"], js_name = invoke, catch)]
    async fn tauri_invoke(cmd: &str, args: JsValue) -> Result<JsValue, JsValue>;

    /// `invoke` with options: a `Uint8Array` as `args` travels as the raw body.
    #[wasm_bindgen(js_namespace = ["window", "__TAURI__", "core"], js_name = invoke, catch)]
    async fn tauri_invoke_with(
        cmd: &str,
        args: JsValue,
        options: JsValue,
    ) -> Result<JsValue, JsValue>;
}

fn internal(message: String) -> ApiError {
    ApiError {
        kind: ErrorKind::Internal,
        message,
        field: None,
    }
}

fn has_tauri() -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    js_sys::Reflect::get(&window, &JsValue::from_str("__TAURI__")).is_ok_and(|v| !v.is_undefined())
}

async fn call<A: Serialize, R: DeserializeOwned>(command: &str, args: &A) -> Result<R, ApiError> {
    if !has_tauri() {
        return Err(internal(
            "Satchel's window is not connected to the desktop app; start it with `cargo xtask run`"
                .into(),
        ));
    }
    let serializer = serde_wasm_bindgen::Serializer::json_compatible();
    let args = args
        .serialize(&serializer)
        .map_err(|e| internal(format!("could not send the request: {e}")))?;
    answer(tauri_invoke(command, args).await)
}

fn answer<R: DeserializeOwned>(result: Result<JsValue, JsValue>) -> Result<R, ApiError> {
    match result {
        Ok(value) => serde_wasm_bindgen::from_value(value)
            .map_err(|e| internal(format!("unexpected answer from Satchel: {e}"))),
        Err(value) => Err(serde_wasm_bindgen::from_value::<ApiError>(value.clone())
            .unwrap_or_else(|_| {
                internal(
                    value
                        .as_string()
                        .unwrap_or_else(|| "Satchel did not answer".into()),
                )
            })),
    }
}

#[derive(Serialize)]
struct NoArgs {}

#[derive(Serialize)]
struct Req<'a, T> {
    req: &'a T,
}

pub async fn app_state() -> Result<AppState, ApiError> {
    call(cmd::APP_STATE, &NoArgs {}).await
}

pub async fn setup(req: &SetupRequest) -> Result<Session, ApiError> {
    call(cmd::SETUP, &Req { req }).await
}

pub async fn unlock(passphrase: String) -> Result<Session, ApiError> {
    let req = UnlockRequest {
        passphrase: Secret::new(passphrase),
    };
    call(cmd::UNLOCK, &Req { req: &req }).await
}

pub async fn list_matters() -> Result<Vec<Matter>, ApiError> {
    call(cmd::LIST_MATTERS, &NoArgs {}).await
}

pub async fn create_matter(req: &NewMatterRequest) -> Result<Matter, ApiError> {
    call(cmd::CREATE_MATTER, &Req { req }).await
}

pub async fn status() -> Result<Status, ApiError> {
    call(cmd::STATUS, &NoArgs {}).await
}

#[derive(Serialize)]
struct Filter<'a> {
    filter: Option<&'a str>,
}

pub async fn list_contacts(filter: Option<&str>) -> Result<Vec<Contact>, ApiError> {
    call(cmd::LIST_CONTACTS, &Filter { filter }).await
}

pub async fn create_contact(req: &NewContactRequest) -> Result<Contact, ApiError> {
    call(cmd::CREATE_CONTACT, &Req { req }).await
}

pub async fn conflict_check(names: Vec<String>) -> Result<ConflictReport, ApiError> {
    call(
        cmd::CONFLICT_CHECK,
        &Req {
            req: &ConflictQuery { names },
        },
    )
    .await
}

#[derive(Serialize)]
struct MatterArg<'a> {
    matter: &'a str,
}

pub async fn record_time(req: &NewTimeRequest) -> Result<TimeEntry, ApiError> {
    call(cmd::RECORD_TIME, &Req { req }).await
}

pub async fn list_time(matter: &str) -> Result<Vec<TimeEntry>, ApiError> {
    call(cmd::LIST_TIME, &MatterArg { matter }).await
}

pub async fn start_timer(req: &StartTimerRequest) -> Result<RunningTimer, ApiError> {
    call(cmd::START_TIMER, &Req { req }).await
}

pub async fn timer() -> Result<Option<RunningTimer>, ApiError> {
    call(cmd::TIMER, &NoArgs {}).await
}

pub async fn stop_timer() -> Result<TimeEntry, ApiError> {
    call(cmd::STOP_TIMER, &NoArgs {}).await
}

pub async fn wip(matter: &str) -> Result<Wip, ApiError> {
    call(cmd::WIP, &MatterArg { matter }).await
}

#[derive(Serialize)]
struct Days {
    days: u32,
}

pub async fn add_key_date(req: &NewKeyDateRequest) -> Result<KeyDate, ApiError> {
    call(cmd::ADD_KEY_DATE, &Req { req }).await
}

pub async fn upcoming(days: u32) -> Result<Vec<KeyDate>, ApiError> {
    call(cmd::UPCOMING, &Days { days }).await
}

/// Write every key date to an .ics file; returns where.
pub async fn export_ics() -> Result<String, ApiError> {
    call(cmd::EXPORT_ICS, &NoArgs {}).await
}

pub async fn add_note(req: &NewNoteRequest) -> Result<Note, ApiError> {
    call(cmd::ADD_NOTE, &Req { req }).await
}

pub async fn list_notes(matter: &str) -> Result<Vec<Note>, ApiError> {
    call(cmd::LIST_NOTES, &MatterArg { matter }).await
}

pub async fn set_matter_terms(req: &MatterTermsRequest) -> Result<Wip, ApiError> {
    call(cmd::SET_MATTER_TERMS, &Req { req }).await
}

pub async fn record_expense(req: &NewExpenseRequest) -> Result<Expense, ApiError> {
    call(cmd::RECORD_EXPENSE, &Req { req }).await
}

pub async fn list_expenses(matter: &str) -> Result<Vec<Expense>, ApiError> {
    call(cmd::LIST_EXPENSES, &MatterArg { matter }).await
}

pub async fn set_matter_status(req: &MatterStatusRequest) -> Result<Matter, ApiError> {
    call(cmd::SET_MATTER_STATUS, &Req { req }).await
}

pub async fn set_matter_details(req: &MatterDetailsRequest) -> Result<Matter, ApiError> {
    call(cmd::SET_MATTER_DETAILS, &Req { req }).await
}

pub async fn add_task(req: &NewTaskRequest) -> Result<Task, ApiError> {
    call(cmd::ADD_TASK, &Req { req }).await
}

#[derive(Serialize)]
struct IdArg<'a> {
    id: &'a str,
}

pub async fn complete_task(id: &str) -> Result<Task, ApiError> {
    call(cmd::COMPLETE_TASK, &IdArg { id }).await
}

pub async fn list_tasks(req: &TaskQuery) -> Result<Vec<Task>, ApiError> {
    call(cmd::LIST_TASKS, &Req { req }).await
}

pub async fn list_users() -> Result<Vec<User>, ApiError> {
    call(cmd::LIST_USERS, &NoArgs {}).await
}

#[derive(Serialize)]
struct TextArg<'a> {
    text: &'a str,
}

pub async fn search(text: &str) -> Result<Vec<SearchHit>, ApiError> {
    call(cmd::SEARCH, &TextArg { text }).await
}

pub async fn list_documents(matter: &str) -> Result<Vec<Document>, ApiError> {
    call(cmd::LIST_DOCUMENTS, &MatterArg { matter }).await
}

#[derive(Serialize)]
struct ExportArg<'a> {
    id: &'a str,
    version: Option<u64>,
}

/// Save a document into Downloads (audited as a download); returns where.
pub async fn export_document(id: &str, version: Option<u64>) -> Result<ExportedDocument, ApiError> {
    call(cmd::EXPORT_DOCUMENT, &ExportArg { id, version }).await
}

/// Send bytes as the raw body of `command`, with `headers` (values percent-encoded).
async fn send_raw<R: DeserializeOwned>(
    command: &str,
    headers: &[(&str, &str)],
    bytes: &[u8],
) -> Result<R, ApiError> {
    if !has_tauri() {
        return Err(internal(
            "Satchel's window is not connected to the desktop app".into(),
        ));
    }
    let body = js_sys::Uint8Array::from(bytes);
    let h = js_sys::Object::new();
    for (k, v) in headers {
        js_sys::Reflect::set(
            &h,
            &JsValue::from_str(k),
            &JsValue::from(js_sys::encode_uri_component(v)),
        )
        .map_err(|_| internal("could not send the file".into()))?;
    }
    let options = js_sys::Object::new();
    js_sys::Reflect::set(&options, &JsValue::from_str("headers"), &h)
        .map_err(|_| internal("could not send the file".into()))?;
    answer(tauri_invoke_with(command, body.into(), options.into()).await)
}

/// Send a file's bytes as the raw body, with the matter and name in headers.
pub async fn add_document(matter: &str, name: &str, bytes: &[u8]) -> Result<Document, ApiError> {
    send_raw(
        cmd::ADD_DOCUMENT,
        &[("x-satchel-matter", matter), ("x-satchel-name", name)],
        bytes,
    )
    .await
}

pub async fn import_vcards(bytes: &[u8]) -> Result<satchel_api::VcardImport, ApiError> {
    send_raw(cmd::IMPORT_VCARDS, &[], bytes).await
}

/// Every contact as a .vcf file in Downloads; returns where.
pub async fn export_vcards() -> Result<String, ApiError> {
    call(cmd::EXPORT_VCARDS, &NoArgs {}).await
}

pub async fn get_matter(matter: &str) -> Result<Matter, ApiError> {
    call(cmd::GET_MATTER, &MatterArg { matter }).await
}

pub async fn wip_by_fee_earner() -> Result<Vec<satchel_api::FeeEarnerWip>, ApiError> {
    call(cmd::WIP_BY_FEE_EARNER, &NoArgs {}).await
}

#[derive(Serialize)]
struct Minutes {
    minutes: i64,
}

pub async fn set_unit_minutes(minutes: i64) -> Result<u32, ApiError> {
    call(cmd::SET_UNIT_MINUTES, &Minutes { minutes }).await
}

pub async fn list_parties(matter: &str) -> Result<Vec<satchel_api::Party>, ApiError> {
    call(cmd::LIST_PARTIES, &MatterArg { matter }).await
}

pub async fn add_party(req: &satchel_api::AddPartyRequest) -> Result<(), ApiError> {
    call(cmd::ADD_PARTY, &Req { req }).await
}

pub async fn get_contact(id: &str) -> Result<Contact, ApiError> {
    call(cmd::GET_CONTACT, &IdArg { id }).await
}

pub async fn contact_matters(id: &str) -> Result<Vec<satchel_api::ContactMatter>, ApiError> {
    call(cmd::CONTACT_MATTERS, &IdArg { id }).await
}

pub async fn add_bank_account(
    req: &satchel_api::NewBankAccountRequest,
) -> Result<satchel_api::BankAccount, ApiError> {
    call(cmd::ADD_BANK_ACCOUNT, &Req { req }).await
}

pub async fn list_bank_accounts() -> Result<Vec<satchel_api::BankAccount>, ApiError> {
    call(cmd::LIST_BANK_ACCOUNTS, &NoArgs {}).await
}

pub async fn record_posting(
    req: &satchel_api::PostingRequest,
) -> Result<satchel_api::Posting, ApiError> {
    call(cmd::RECORD_POSTING, &Req { req }).await
}

pub async fn client_ledger(matter: &str) -> Result<satchel_api::ClientLedger, ApiError> {
    call(cmd::CLIENT_LEDGER, &MatterArg { matter }).await
}

#[derive(Serialize)]
struct CashBookArgs<'a> {
    account: &'a str,
    from: &'a str,
    to: &'a str,
}

pub async fn cash_book(
    account: &str,
    from: &str,
    to: &str,
) -> Result<satchel_api::CashBook, ApiError> {
    call(cmd::CASH_BOOK, &CashBookArgs { account, from, to }).await
}

pub async fn client_balances() -> Result<Vec<satchel_api::ClientBalanceRow>, ApiError> {
    call(cmd::CLIENT_BALANCES, &NoArgs {}).await
}

pub async fn draft_bill(req: &satchel_api::NewBillRequest) -> Result<satchel_api::Bill, ApiError> {
    call(cmd::DRAFT_BILL, &Req { req }).await
}

pub async fn create_bill(req: &satchel_api::NewBillRequest) -> Result<satchel_api::Bill, ApiError> {
    call(cmd::CREATE_BILL, &Req { req }).await
}

#[derive(Serialize)]
struct DeliverArgs<'a> {
    bill: &'a str,
    on: &'a str,
}

pub async fn deliver_bill(bill: &str, on: &str) -> Result<satchel_api::Bill, ApiError> {
    call(cmd::DELIVER_BILL, &DeliverArgs { bill, on }).await
}

pub async fn credit_bill(req: &satchel_api::CreditRequest) -> Result<satchel_api::Bill, ApiError> {
    call(cmd::CREDIT_BILL, &Req { req }).await
}

/// One matter's bills, or (with an empty matter) the whole register.
pub async fn list_bills(matter: &str) -> Result<Vec<satchel_api::Bill>, ApiError> {
    call(cmd::LIST_BILLS, &MatterArg { matter }).await
}

#[derive(Serialize)]
struct BillArg<'a> {
    bill: &'a str,
}

pub async fn bill_pdf(bill: &str) -> Result<ExportedDocument, ApiError> {
    call(cmd::BILL_PDF, &BillArg { bill }).await
}

/// A bank statement file as the raw body; `mapping` is a CSV layout as JSON (or empty).
pub async fn import_statement(
    account: &str,
    name: &str,
    mapping: &str,
    bytes: &[u8],
) -> Result<satchel_api::StatementImport, ApiError> {
    send_raw(
        cmd::IMPORT_STATEMENT,
        &[
            ("x-satchel-account", account),
            ("x-satchel-name", name),
            ("x-satchel-mapping", mapping),
        ],
        bytes,
    )
    .await
}

#[derive(Serialize)]
struct AccountArg<'a> {
    account: &'a str,
}

pub async fn statement_lines(
    account: &str,
) -> Result<Vec<satchel_api::StatementLineView>, ApiError> {
    call(cmd::STATEMENT_LINES, &AccountArg { account }).await
}

pub async fn cash_entries(account: &str) -> Result<Vec<satchel_api::CashEntry>, ApiError> {
    call(cmd::CASH_ENTRIES, &AccountArg { account }).await
}

pub async fn match_line(
    req: &satchel_api::MatchRequest,
) -> Result<satchel_api::StatementLineView, ApiError> {
    call(cmd::MATCH_LINE, &Req { req }).await
}

pub async fn reconcile(
    req: &satchel_api::ReconcileRequest,
) -> Result<satchel_api::Reconciliation, ApiError> {
    call(cmd::RECONCILE, &Req { req }).await
}

pub async fn reconciliations(account: &str) -> Result<Vec<satchel_api::Reconciliation>, ApiError> {
    call(cmd::RECONCILIATIONS, &AccountArg { account }).await
}

pub async fn reconciliation_due() -> Result<Vec<satchel_api::ReconciliationDue>, ApiError> {
    call(cmd::RECONCILIATION_DUE, &NoArgs {}).await
}

pub async fn registers() -> Result<satchel_api::Registers, ApiError> {
    call(cmd::REGISTERS, &NoArgs {}).await
}

pub async fn add_breach(
    req: &satchel_api::NewBreachRequest,
) -> Result<satchel_api::Breach, ApiError> {
    call(cmd::ADD_BREACH, &Req { req }).await
}

#[derive(Serialize)]
struct ReportArgs<'a> {
    from: &'a str,
    to: &'a str,
    save: bool,
}

/// The accountant's report data; with `save`, the paths of its PDF and CSV in Downloads.
pub async fn accountants_report(
    from: &str,
    to: &str,
    save: bool,
) -> Result<(satchel_api::AccountantsReport, Vec<String>), ApiError> {
    call(cmd::ACCOUNTANTS_REPORT, &ReportArgs { from, to, save }).await
}

#[derive(Serialize)]
struct AmountArg<'a> {
    amount: &'a str,
}

/// Returns the threshold as set ("£5,000.00"), or "" for none.
pub async fn set_second_authoriser(amount: &str) -> Result<String, ApiError> {
    call(cmd::SET_SECOND_AUTHORISER, &AmountArg { amount }).await
}

/// Where this device stands with the firm server.
pub async fn sync_status() -> Result<satchel_api::SyncStatus, ApiError> {
    call(cmd::SYNC_STATUS, &NoArgs {}).await
}

/// Ask for a sync now (it runs in the background).
pub async fn sync_now() -> Result<(), ApiError> {
    call(cmd::SYNC_NOW, &NoArgs {}).await
}

pub async fn enrol_device(
    req: &satchel_api::EnrolDeviceRequest,
) -> Result<satchel_api::ServerSettings, ApiError> {
    call(cmd::ENROL_DEVICE, &Req { req }).await
}

/// A matter's fields set apart on two devices.
pub async fn matter_conflicts(matter: &str) -> Result<Vec<satchel_api::FieldConflict>, ApiError> {
    call(cmd::MATTER_CONFLICTS, &MatterArg { matter }).await
}

/// Keep one of a field's values; returns the fields still holding two.
pub async fn resolve_conflict(
    req: &satchel_api::ResolveConflictRequest,
) -> Result<Vec<satchel_api::FieldConflict>, ApiError> {
    call(cmd::RESOLVE_CONFLICT, &Req { req }).await
}

/// Join the firm's server from this new device.
pub async fn join_firm(req: &satchel_api::JoinFirmRequest) -> Result<Session, ApiError> {
    call(cmd::JOIN_FIRM, &Req { req }).await
}

/// This device's backups, and what is running.
pub async fn backup_status() -> Result<satchel_api::BackupStatus, ApiError> {
    call(cmd::BACKUP_STATUS, &NoArgs {}).await
}

/// Take a verified backup now; returns when it is done.
pub async fn backup_now() -> Result<(), ApiError> {
    call(cmd::BACKUP_NOW, &NoArgs {}).await
}

pub async fn set_backup_settings(
    req: &satchel_api::BackupSettings,
) -> Result<satchel_api::BackupStatus, ApiError> {
    call(cmd::SET_BACKUP_SETTINGS, &Req { req }).await
}

#[derive(Serialize)]
struct NameArg<'a> {
    name: &'a str,
}

/// Restore a backup of the backup folder (a safety backup of the store first).
pub async fn restore_backup(name: &str) -> Result<(), ApiError> {
    call(cmd::RESTORE_BACKUP, &NameArg { name }).await
}

#[derive(Serialize)]
struct FolderArg<'a> {
    folder: &'a str,
}

/// Export an encrypted archive into a folder; the file's path.
pub async fn export_archive(folder: &str) -> Result<String, ApiError> {
    call(cmd::EXPORT_ARCHIVE, &FolderArg { folder }).await
}

#[derive(Serialize)]
struct WhyArg<'a> {
    why: &'a str,
}

/// Lock the window: `idle`, or `user` (the person asked). Returns why, in words.
pub async fn lock(why: &str) -> Result<String, ApiError> {
    call(cmd::LOCK, &WhyArg { why }).await
}

/// Unlock with the key the OS keyring holds.
pub async fn unlock_keyring() -> Result<Session, ApiError> {
    call(cmd::UNLOCK_KEYRING, &NoArgs {}).await
}

#[derive(Serialize)]
struct MinutesArg {
    minutes: u32,
}

/// Lock after this many minutes without activity; the session as it now is.
pub async fn set_autolock(minutes: u32) -> Result<Session, ApiError> {
    call(cmd::SET_AUTOLOCK, &MinutesArg { minutes }).await
}

#[derive(Serialize)]
struct AccessArgs<'a> {
    query: &'a satchel_api::AccessLogQuery,
    save: bool,
}

/// The access log; with `save`, also saved as CSV and PDF (the paths).
pub async fn access_log(
    query: &satchel_api::AccessLogQuery,
    save: bool,
) -> Result<(Vec<satchel_api::AccessEvent>, Vec<String>), ApiError> {
    call(cmd::ACCESS_LOG, &AccessArgs { query, save }).await
}

/// A matter opened to be looked at (recorded as a view).
pub async fn view_matter(matter: &str) -> Result<Matter, ApiError> {
    call(cmd::VIEW_MATTER, &MatterArg { matter }).await
}

pub async fn add_user(req: &satchel_api::NewUserRequest) -> Result<satchel_api::User, ApiError> {
    call(cmd::ADD_USER, &Req { req }).await
}

#[derive(Serialize)]
struct RoleArgs<'a> {
    initials: &'a str,
    role: &'a str,
}

/// Change a person's role (admins and partners).
pub async fn set_user_role(initials: &str, role: &str) -> Result<satchel_api::User, ApiError> {
    call(cmd::SET_USER_ROLE, &RoleArgs { initials, role }).await
}

#[derive(Serialize)]
struct GrantArgs<'a> {
    matter: &'a str,
    set: Option<(&'a str, &'a str)>,
}

/// Who may see a matter on the firm server, after granting `set` (initials, access).
pub async fn matter_grants(
    matter: &str,
    set: Option<(&str, &str)>,
) -> Result<Vec<satchel_api::MatterGrant>, ApiError> {
    call(cmd::MATTER_GRANTS, &GrantArgs { matter, set }).await
}

// ---- Compliance (UK GDPR) ----

#[derive(Serialize)]
struct PersonArg<'a> {
    person: &'a str,
}

#[derive(Serialize)]
struct IdReason<'a> {
    id: &'a str,
    reason: &'a str,
}

#[derive(Serialize)]
struct IdOutcome<'a> {
    id: &'a str,
    outcome: &'a str,
}

#[derive(Serialize)]
struct AreaYears<'a> {
    area: &'a str,
    years: i64,
}

#[derive(Serialize)]
struct MatterReason<'a> {
    matter: &'a str,
    reason: &'a str,
}

#[derive(Serialize)]
struct ActivityArg<'a> {
    activity: &'a satchel_api::ProcessingActivity,
}

pub async fn subject_requests() -> Result<Vec<satchel_api::SubjectRequest>, ApiError> {
    call(cmd::SUBJECT_REQUESTS, &NoArgs {}).await
}

pub async fn add_subject_request(
    req: &satchel_api::NewSubjectRequest,
) -> Result<satchel_api::SubjectRequest, ApiError> {
    call(cmd::ADD_SUBJECT_REQUEST, &Req { req }).await
}

pub async fn extend_subject_request(
    id: &str,
    reason: &str,
) -> Result<satchel_api::SubjectRequest, ApiError> {
    call(cmd::EXTEND_SUBJECT_REQUEST, &IdReason { id, reason }).await
}

pub async fn answer_subject_request(
    id: &str,
    outcome: &str,
) -> Result<satchel_api::SubjectRequest, ApiError> {
    call(cmd::ANSWER_SUBJECT_REQUEST, &IdOutcome { id, outcome }).await
}

pub async fn export_subject_access(person: &str) -> Result<satchel_api::ExportedAccess, ApiError> {
    call(cmd::EXPORT_SUBJECT_ACCESS, &PersonArg { person }).await
}

pub async fn erasure_plan(person: &str) -> Result<satchel_api::ErasurePlan, ApiError> {
    call(cmd::ERASURE_PLAN, &PersonArg { person }).await
}

pub async fn erase_person(
    req: &satchel_api::EraseRequest,
) -> Result<satchel_api::ErasureDone, ApiError> {
    call(cmd::ERASE_PERSON, &Req { req }).await
}

pub async fn retention() -> Result<satchel_api::Retention, ApiError> {
    call(cmd::RETENTION, &NoArgs {}).await
}

pub async fn set_retention(area: &str, years: i64) -> Result<satchel_api::Retention, ApiError> {
    call(cmd::SET_RETENTION, &AreaYears { area, years }).await
}

pub async fn keep_matter(
    req: &satchel_api::KeepMatterRequest,
) -> Result<satchel_api::Retention, ApiError> {
    call(cmd::KEEP_MATTER, &Req { req }).await
}

pub async fn destroy_matter(
    matter: &str,
    reason: &str,
) -> Result<satchel_api::Retention, ApiError> {
    call(cmd::DESTROY_MATTER, &MatterReason { matter, reason }).await
}

pub async fn data_breaches() -> Result<Vec<satchel_api::DataBreach>, ApiError> {
    call(cmd::DATA_BREACHES, &NoArgs {}).await
}

pub async fn add_data_breach(
    req: &satchel_api::NewDataBreach,
) -> Result<satchel_api::DataBreach, ApiError> {
    call(cmd::ADD_DATA_BREACH, &Req { req }).await
}

pub async fn update_data_breach(
    req: &satchel_api::UpdateDataBreach,
) -> Result<satchel_api::DataBreach, ApiError> {
    call(cmd::UPDATE_DATA_BREACH, &Req { req }).await
}

/// The breach register saved as CSV in Downloads: where.
pub async fn export_data_breaches() -> Result<String, ApiError> {
    call(cmd::EXPORT_DATA_BREACHES, &NoArgs {}).await
}

pub async fn processing() -> Result<Vec<satchel_api::ProcessingActivity>, ApiError> {
    call(cmd::PROCESSING, &NoArgs {}).await
}

pub async fn save_processing(
    activity: &satchel_api::ProcessingActivity,
) -> Result<Vec<satchel_api::ProcessingActivity>, ApiError> {
    call(cmd::SAVE_PROCESSING, &ActivityArg { activity }).await
}

pub async fn remove_processing(id: &str) -> Result<Vec<satchel_api::ProcessingActivity>, ApiError> {
    call(cmd::REMOVE_PROCESSING, &IdArg { id }).await
}

/// Start an empty record of processing from a law firm's usual activities.
pub async fn usual_processing() -> Result<Vec<satchel_api::ProcessingActivity>, ApiError> {
    call(cmd::USUAL_PROCESSING, &NoArgs {}).await
}

/// The record of processing saved as CSV in Downloads: where.
pub async fn export_processing() -> Result<String, ApiError> {
    call(cmd::EXPORT_PROCESSING, &NoArgs {}).await
}
