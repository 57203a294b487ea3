//! Satchel's desktop shell: the window, the Tauri commands and OS integration.
//!
//! Each command is a few lines that call `satchel-app`; no business rule lives here.
#![forbid(unsafe_code)]
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

/// mimalloc: a first sync allocates and frees millions of small values on two threads at
/// once, where the system allocator took a third of the reading thread's time.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use satchel_api::{
    AddPartyRequest, ApiError, AppState, ConflictQuery, ConflictReport, Contact, Document,
    ErrorKind, Expense, ExportedDocument, KeyDate, Matter, MatterDetailsRequest,
    MatterStatusRequest, MatterTermsRequest, NewContactRequest, NewExpenseRequest,
    NewKeyDateRequest, NewMatterRequest, NewNoteRequest, NewTaskRequest, NewTimeRequest, Note,
    RunningTimer, SearchHit, Session, SetupRequest, StartTimerRequest, Status, Task, TaskQuery,
    TimeEntry, UnlockRequest, User, Wip,
};
use satchel_app::{KeyVault, Presence, Satchel, Setup, Unlock, paths, vault};

mod backup;
mod gdpr;
mod sync;
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};
use tauri::{Manager, RunEvent, State};

/// The shell's one piece of state: where the data is, and the open store (if unlocked).
struct Shell {
    data_dir: PathBuf,
    vault: Box<dyn KeyVault>,
    satchel: Mutex<Option<Satchel>>,
    syncer: sync::Syncer,
    backups: backup::Backups,
    /// Why the window was locked (idle, or by the person): it stays locked — the store
    /// is not opened from the keyring by itself — until they unlock it.
    locked: Mutex<Option<String>>,
}

/// The session as the window is given it: `SATCHEL_AUTOLOCK_SECONDS` sets another idle time
/// (for tests and demonstrations).
fn session_of(s: &Satchel) -> Session {
    let mut session = s.session();
    if let Some(secs) = std::env::var("SATCHEL_AUTOLOCK_SECONDS")
        .ok()
        .and_then(|v| v.trim().parse::<u32>().ok())
        .filter(|s| *s > 0)
    {
        session.autolock_seconds = secs;
    }
    session
}

fn err(kind: ErrorKind, message: impl Into<String>) -> ApiError {
    ApiError {
        kind,
        message: message.into(),
        field: None,
    }
}

impl Shell {
    fn locked_reason(&self) -> Option<String> {
        self.locked
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    fn set_locked(&self, reason: Option<String>) {
        *self
            .locked
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = reason;
    }

    fn lock(&self) -> Result<MutexGuard<'_, Option<Satchel>>, ApiError> {
        self.satchel.lock().map_err(|_| {
            err(
                ErrorKind::Internal,
                "an earlier error left the store unusable; restart Satchel",
            )
        })
    }

    fn with_open<T>(
        &self,
        f: impl FnOnce(&mut Satchel) -> Result<T, satchel_app::AppError>,
    ) -> Result<T, ApiError> {
        let mut guard = self.lock()?;
        let satchel = guard
            .as_mut()
            .ok_or_else(|| err(ErrorKind::Locked, "Satchel is locked: unlock it first"))?;
        f(satchel).map_err(ApiError::from)
    }
}

#[tauri::command]
async fn app_state(shell: State<'_, Shell>) -> Result<AppState, ApiError> {
    let mut guard = shell.lock()?;
    if let Some(s) = guard.as_ref() {
        return Ok(AppState::Ready {
            session: session_of(s),
        });
    }
    if satchel_app::presence(&shell.data_dir) == Presence::NotSetUp {
        return Ok(AppState::NotSetUp);
    }
    if let Some(reason) = shell.locked_reason() {
        return Ok(AppState::Locked { reason });
    }
    match Satchel::open(&shell.data_dir, shell.vault.as_ref(), Unlock::Keyring) {
        Ok(s) => {
            let session = session_of(&s);
            // The conflict check's index builds in the background from now.
            let _ = s.warm_conflict_index();
            *guard = Some(s);
            shell.syncer.wake();
            Ok(AppState::Ready { session })
        }
        Err(e) => Ok(AppState::Locked {
            reason: ApiError::from(e).message,
        }),
    }
}

#[tauri::command]
async fn setup_firm(shell: State<'_, Shell>, req: SetupRequest) -> Result<Session, ApiError> {
    let mut guard = shell.lock()?;
    let s = Satchel::init(
        &shell.data_dir,
        shell.vault.as_ref(),
        &Setup {
            firm_name: &req.firm_name,
            user_name: &req.user_name,
            initials: &req.initials,
            role: &req.role,
            passphrase: req.passphrase.expose(),
        },
    )?;
    let session = session_of(&s);
    let _ = s.warm_conflict_index();
    *guard = Some(s);
    shell.syncer.wake();
    Ok(session)
}

#[tauri::command]
async fn unlock(shell: State<'_, Shell>, req: UnlockRequest) -> Result<Session, ApiError> {
    let mut guard = shell.lock()?;
    let s = Satchel::open(
        &shell.data_dir,
        shell.vault.as_ref(),
        Unlock::Passphrase(req.passphrase.expose()),
    )?;
    let session = session_of(&s);
    let _ = s.warm_conflict_index();
    *guard = Some(s);
    shell.set_locked(None);
    shell.syncer.wake();
    Ok(session)
}

/// Lock the window (idle, or the person asked): the store closed and its key wiped from
/// memory; it opens again only when they unlock it. Returns why, as the unlock page says.
#[tauri::command]
async fn lock(shell: State<'_, Shell>, why: String) -> Result<String, ApiError> {
    let reason = match why.as_str() {
        "idle" => {
            "Satchel locked itself after a while without activity. Unlock it with the system keyring or the recovery passphrase."
        }
        _ => "You locked Satchel. Unlock it with the system keyring or the recovery passphrase.",
    };
    let mut guard = shell.lock()?;
    shell.set_locked(Some(reason.to_owned()));
    if let Some(s) = guard.take() {
        s.lock(if why == "idle" { "idle" } else { "by the user" })?;
    }
    Ok(reason.to_owned())
}

/// Unlock with the key the OS keyring holds.
#[tauri::command]
async fn unlock_keyring(shell: State<'_, Shell>) -> Result<Session, ApiError> {
    let mut guard = shell.lock()?;
    let s = Satchel::open(&shell.data_dir, shell.vault.as_ref(), Unlock::Keyring)?;
    let session = session_of(&s);
    *guard = Some(s);
    shell.set_locked(None);
    shell.syncer.wake();
    Ok(session)
}

#[tauri::command]
async fn set_autolock(shell: State<'_, Shell>, minutes: u32) -> Result<Session, ApiError> {
    shell.with_open(|s| {
        s.set_autolock_minutes(minutes)?;
        Ok(session_of(s))
    })
}

#[tauri::command]
async fn list_matters(shell: State<'_, Shell>) -> Result<Vec<Matter>, ApiError> {
    shell.with_open(|s| s.list_matters())
}

#[tauri::command]
async fn create_matter(shell: State<'_, Shell>, req: NewMatterRequest) -> Result<Matter, ApiError> {
    shell.with_open(|s| s.create_matter(&req))
}

#[tauri::command]
async fn list_contacts(
    shell: State<'_, Shell>,
    filter: Option<String>,
) -> Result<Vec<Contact>, ApiError> {
    shell.with_open(|s| s.list_contacts(filter.as_deref()))
}

#[tauri::command]
async fn create_contact(
    shell: State<'_, Shell>,
    req: NewContactRequest,
) -> Result<Contact, ApiError> {
    shell.with_open(|s| s.create_contact(&req))
}

#[tauri::command]
async fn add_party(shell: State<'_, Shell>, req: AddPartyRequest) -> Result<(), ApiError> {
    shell.with_open(|s| s.add_party(&req))
}

#[tauri::command]
async fn conflict_check(
    shell: State<'_, Shell>,
    req: ConflictQuery,
) -> Result<ConflictReport, ApiError> {
    shell.with_open(|s| s.conflict_check(&req))
}

#[tauri::command]
async fn record_time(shell: State<'_, Shell>, req: NewTimeRequest) -> Result<TimeEntry, ApiError> {
    shell.with_open(|s| s.record_time(&req))
}

#[tauri::command]
async fn list_time(shell: State<'_, Shell>, matter: String) -> Result<Vec<TimeEntry>, ApiError> {
    shell.with_open(|s| s.list_time(&matter))
}

#[tauri::command]
async fn start_timer(
    shell: State<'_, Shell>,
    req: StartTimerRequest,
) -> Result<RunningTimer, ApiError> {
    shell.with_open(|s| s.start_timer(&req))
}

#[tauri::command]
async fn timer(shell: State<'_, Shell>) -> Result<Option<RunningTimer>, ApiError> {
    shell.with_open(|s| s.timer())
}

#[tauri::command]
async fn stop_timer(shell: State<'_, Shell>) -> Result<TimeEntry, ApiError> {
    shell.with_open(|s| s.stop_timer())
}

#[tauri::command]
async fn wip(shell: State<'_, Shell>, matter: String) -> Result<Wip, ApiError> {
    shell.with_open(|s| s.wip(&matter))
}

#[tauri::command]
async fn add_key_date(
    shell: State<'_, Shell>,
    req: NewKeyDateRequest,
) -> Result<KeyDate, ApiError> {
    shell.with_open(|s| s.add_key_date(&req))
}

#[tauri::command]
async fn upcoming(shell: State<'_, Shell>, days: u32) -> Result<Vec<KeyDate>, ApiError> {
    shell.with_open(|s| s.upcoming(days))
}

/// The folder exports go to: the user's Downloads, else their home. Never the data folder,
/// which holds only encrypted files: an export is plaintext by the user's choice.
fn downloads() -> Result<PathBuf, ApiError> {
    directories::UserDirs::new()
        .map(|u| u.download_dir().unwrap_or(u.home_dir()).to_path_buf())
        .ok_or_else(|| err(ErrorKind::Storage, "there is no home folder to save into"))
}

/// Write `bytes` to `name` in `dir` without replacing a file already there ("name (2).ext").
fn write_new(dir: &std::path::Path, name: &str, bytes: &[u8]) -> Result<PathBuf, ApiError> {
    use std::io::Write;
    std::fs::create_dir_all(dir).map_err(|e| {
        err(
            ErrorKind::Storage,
            format!("could not create {}: {e}", dir.display()),
        )
    })?;
    let (stem, ext) = match name.rsplit_once('.') {
        Some((s, e)) if !s.is_empty() => (s.to_owned(), format!(".{e}")),
        _ => (name.to_owned(), String::new()),
    };
    for n in 1..1000 {
        let candidate = if n == 1 {
            dir.join(name)
        } else {
            dir.join(format!("{stem} ({n}){ext}"))
        };
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&candidate)
        {
            Ok(mut f) => {
                return f.write_all(bytes).map(|_| candidate.clone()).map_err(|e| {
                    err(
                        ErrorKind::Storage,
                        format!("could not write {}: {e}", candidate.display()),
                    )
                });
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => {
                return Err(err(
                    ErrorKind::Storage,
                    format!("could not write {}: {e}", candidate.display()),
                ));
            }
        }
    }
    Err(err(
        ErrorKind::Storage,
        format!("too many copies of {name} in {}", dir.display()),
    ))
}

/// Write my calendar (key dates of the matters I run or supervise, my open tasks) to an
/// .ics file in Downloads, and say where.
#[tauri::command]
async fn export_ics(shell: State<'_, Shell>) -> Result<String, ApiError> {
    let ics = shell.with_open(|s| s.user_ics(""))?;
    let path = downloads()?.join("satchel-my-calendar.ics");
    std::fs::write(&path, ics).map_err(|e| {
        err(
            ErrorKind::Storage,
            format!("could not write {}: {e}", path.display()),
        )
    })?;
    Ok(path.display().to_string())
}

#[tauri::command]
async fn set_matter_status(
    shell: State<'_, Shell>,
    req: MatterStatusRequest,
) -> Result<Matter, ApiError> {
    shell.with_open(|s| s.set_matter_status(&req))
}

#[tauri::command]
async fn set_matter_details(
    shell: State<'_, Shell>,
    req: MatterDetailsRequest,
) -> Result<Matter, ApiError> {
    shell.with_open(|s| s.set_matter_details(&req))
}

#[tauri::command]
async fn add_task(shell: State<'_, Shell>, req: NewTaskRequest) -> Result<Task, ApiError> {
    shell.with_open(|s| s.add_task(&req))
}

#[tauri::command]
async fn complete_task(shell: State<'_, Shell>, id: String) -> Result<Task, ApiError> {
    shell.with_open(|s| s.complete_task(&id))
}

#[tauri::command]
async fn list_tasks(shell: State<'_, Shell>, req: TaskQuery) -> Result<Vec<Task>, ApiError> {
    shell.with_open(|s| s.list_tasks(&req))
}

#[tauri::command]
async fn wip_by_fee_earner(
    shell: State<'_, Shell>,
) -> Result<Vec<satchel_api::FeeEarnerWip>, ApiError> {
    shell.with_open(|s| s.wip_by_fee_earner())
}

#[tauri::command]
async fn list_parties(
    shell: State<'_, Shell>,
    matter: String,
) -> Result<Vec<satchel_api::Party>, ApiError> {
    shell.with_open(|s| s.list_parties(&matter))
}

#[tauri::command]
async fn get_contact(shell: State<'_, Shell>, id: String) -> Result<Contact, ApiError> {
    shell.with_open(|s| s.contact(&id))
}

#[tauri::command]
async fn contact_matters(
    shell: State<'_, Shell>,
    id: String,
) -> Result<Vec<satchel_api::ContactMatter>, ApiError> {
    shell.with_open(|s| s.contact_matters(&id))
}

#[tauri::command]
async fn add_bank_account(
    shell: State<'_, Shell>,
    req: satchel_api::NewBankAccountRequest,
) -> Result<satchel_api::BankAccount, ApiError> {
    shell.with_open(|s| s.add_bank_account(&req))
}

#[tauri::command]
async fn record_posting(
    shell: State<'_, Shell>,
    req: satchel_api::PostingRequest,
) -> Result<satchel_api::Posting, ApiError> {
    shell.with_open(|s| s.record_posting(&req))
}

#[tauri::command]
async fn client_ledger(
    shell: State<'_, Shell>,
    matter: String,
) -> Result<satchel_api::ClientLedger, ApiError> {
    shell.with_open(|s| s.client_ledger(&matter))
}

#[tauri::command]
async fn cash_book(
    shell: State<'_, Shell>,
    account: String,
    from: String,
    to: String,
) -> Result<satchel_api::CashBook, ApiError> {
    shell.with_open(|s| s.cash_book(&account, &from, &to))
}

#[tauri::command]
async fn client_balances(
    shell: State<'_, Shell>,
) -> Result<Vec<satchel_api::ClientBalanceRow>, ApiError> {
    shell.with_open(|s| s.client_balances())
}

#[tauri::command]
async fn list_bank_accounts(
    shell: State<'_, Shell>,
) -> Result<Vec<satchel_api::BankAccount>, ApiError> {
    shell.with_open(|s| s.list_bank_accounts())
}

#[tauri::command]
async fn get_matter(shell: State<'_, Shell>, matter: String) -> Result<Matter, ApiError> {
    shell.with_open(|s| s.matter(&matter))
}

/// A matter opened to be looked at: recorded in the audit trail.
#[tauri::command]
async fn view_matter(shell: State<'_, Shell>, matter: String) -> Result<Matter, ApiError> {
    shell.with_open(|s| s.view_matter(&matter))
}

/// Who may see a matter on the firm server, after a grant if one is given (the server is
/// asked, on a blocking thread).
#[tauri::command]
async fn matter_grants(
    app: tauri::AppHandle,
    matter: String,
    set: Option<(String, String)>,
) -> Result<Vec<satchel_api::MatterGrant>, ApiError> {
    tauri::async_runtime::spawn_blocking(move || {
        let shell = app.state::<Shell>();
        shell.with_open(|s| {
            s.matter_grants(
                shell.vault.as_ref(),
                &matter,
                set.as_ref().map(|(u, a)| (u.as_str(), a.as_str())),
            )
        })
    })
    .await
    .map_err(|e| {
        err(
            ErrorKind::Internal,
            format!("asking the firm server stopped: {e}"),
        )
    })?
}

/// The access log; with `save`, also written to the downloads folder as CSV and PDF.
#[tauri::command]
async fn access_log(
    shell: State<'_, Shell>,
    query: satchel_api::AccessLogQuery,
    save: bool,
) -> Result<(Vec<satchel_api::AccessEvent>, Vec<String>), ApiError> {
    let events = shell.with_open(|s| s.access_log(&query))?;
    let mut saved = Vec::new();
    if save {
        let dir = downloads()?;
        let csv = shell.with_open(|s| s.access_log_csv(&query))?;
        let pdf = shell.with_open(|s| s.access_log_pdf(&query))?;
        for (name, bytes) in [
            ("access-log.csv", csv.as_bytes()),
            ("access-log.pdf", pdf.as_slice()),
        ] {
            saved.push(write_new(&dir, name, bytes)?.display().to_string());
        }
    }
    Ok((events, saved))
}

#[tauri::command]
async fn add_user(
    shell: State<'_, Shell>,
    req: satchel_api::NewUserRequest,
) -> Result<User, ApiError> {
    shell.with_open(|s| s.add_user(&req.name, &req.initials, &req.role, &req.rate))
}

#[tauri::command]
async fn set_user_role(
    shell: State<'_, Shell>,
    initials: String,
    role: String,
) -> Result<User, ApiError> {
    shell.with_open(|s| s.set_user_role(&initials, &role))
}

#[tauri::command]
async fn list_users(shell: State<'_, Shell>) -> Result<Vec<User>, ApiError> {
    shell.with_open(|s| s.list_users())
}

#[tauri::command]
async fn search(shell: State<'_, Shell>, text: String) -> Result<Vec<SearchHit>, ApiError> {
    shell.with_open(|s| s.search(&text))
}

#[tauri::command]
async fn set_unit_minutes(shell: State<'_, Shell>, minutes: i64) -> Result<u32, ApiError> {
    shell.with_open(|s| s.set_unit_minutes(minutes))
}

/// A document's bytes arrive as the raw body (no JSON array of numbers); the matter and
/// the file name come in headers, the name percent-encoded.
#[tauri::command]
async fn add_document(
    shell: State<'_, Shell>,
    request: tauri::ipc::Request<'_>,
) -> Result<Document, ApiError> {
    let header = |name: &str| -> Result<String, ApiError> {
        let raw = request
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| err(ErrorKind::Invalid, format!("the upload has no {name}")))?;
        percent_encoding::percent_decode_str(raw)
            .decode_utf8()
            .map(|s| s.into_owned())
            .map_err(|_| {
                err(
                    ErrorKind::Invalid,
                    format!("the upload's {name} is not text"),
                )
            })
    };
    let matter = header("x-satchel-matter")?;
    let name = header("x-satchel-name")?;
    let tauri::ipc::InvokeBody::Raw(bytes) = request.body() else {
        return Err(err(ErrorKind::Invalid, "the upload carried no file"));
    };
    shell.with_open(|s| s.add_document(&matter, &name, bytes))
}

/// A bank statement's bytes arrive as the raw body; the account, the file name and (for a
/// CSV) its layout as JSON come in headers.
#[tauri::command]
async fn import_statement(
    shell: State<'_, Shell>,
    request: tauri::ipc::Request<'_>,
) -> Result<satchel_api::StatementImport, ApiError> {
    let header = |name: &str| -> Option<String> {
        let raw = request.headers().get(name)?.to_str().ok()?;
        percent_encoding::percent_decode_str(raw)
            .decode_utf8()
            .ok()
            .map(|s| s.into_owned())
    };
    let account = header("x-satchel-account")
        .ok_or_else(|| err(ErrorKind::Invalid, "the import names no account"))?;
    let name = header("x-satchel-name").unwrap_or_else(|| "statement".into());
    let mapping: Option<satchel_statement::CsvMapping> = match header("x-satchel-mapping") {
        Some(json) if !json.is_empty() => Some(serde_json::from_str(&json).map_err(|e| {
            err(
                ErrorKind::Invalid,
                format!("the CSV layout could not be read: {e}"),
            )
        })?),
        _ => None,
    };
    let tauri::ipc::InvokeBody::Raw(bytes) = request.body() else {
        return Err(err(ErrorKind::Invalid, "the import carried no file"));
    };
    shell.with_open(|s| s.import_statement(&account, &name, bytes, mapping.as_ref()))
}

#[tauri::command]
async fn statement_lines(
    shell: State<'_, Shell>,
    account: String,
) -> Result<Vec<satchel_api::StatementLineView>, ApiError> {
    shell.with_open(|s| s.statement_lines(&account))
}

#[tauri::command]
async fn cash_entries(
    shell: State<'_, Shell>,
    account: String,
) -> Result<Vec<satchel_api::CashEntry>, ApiError> {
    shell.with_open(|s| s.cash_entries(&account))
}

#[tauri::command]
async fn match_line(
    shell: State<'_, Shell>,
    req: satchel_api::MatchRequest,
) -> Result<satchel_api::StatementLineView, ApiError> {
    shell.with_open(|s| s.match_line(&req))
}

#[tauri::command]
async fn reconcile(
    shell: State<'_, Shell>,
    req: satchel_api::ReconcileRequest,
) -> Result<satchel_api::Reconciliation, ApiError> {
    shell.with_open(|s| s.reconcile(&req))
}

#[tauri::command]
async fn reconciliations(
    shell: State<'_, Shell>,
    account: String,
) -> Result<Vec<satchel_api::Reconciliation>, ApiError> {
    shell.with_open(|s| s.reconciliations(&account))
}

#[tauri::command]
async fn reconciliation_due(
    shell: State<'_, Shell>,
) -> Result<Vec<satchel_api::ReconciliationDue>, ApiError> {
    shell.with_open(|s| s.reconciliation_due())
}

/// The amount above which a client-account payment needs a second authoriser ("" for
/// none); returns it in pounds and pence, or "".
#[tauri::command]
async fn set_second_authoriser(
    shell: State<'_, Shell>,
    amount: String,
) -> Result<String, ApiError> {
    let pence = shell.with_open(|s| s.set_second_authoriser_above(&amount))?;
    Ok(pence
        .map(|p| satchel_app::domain::Money::from_pence(p).to_string())
        .unwrap_or_default())
}

#[tauri::command]
async fn registers(shell: State<'_, Shell>) -> Result<satchel_api::Registers, ApiError> {
    shell.with_open(|s| s.registers())
}

#[tauri::command]
async fn add_breach(
    shell: State<'_, Shell>,
    req: satchel_api::NewBreachRequest,
) -> Result<satchel_api::Breach, ApiError> {
    shell.with_open(|s| s.add_breach(&req))
}

/// The accountant's report data; with `save`, also written to Downloads as PDF and CSV.
#[tauri::command]
async fn accountants_report(
    shell: State<'_, Shell>,
    from: String,
    to: String,
    save: bool,
) -> Result<(satchel_api::AccountantsReport, Vec<String>), ApiError> {
    let report = shell.with_open(|s| s.accountants_report(&from, &to))?;
    let mut saved = Vec::new();
    if save {
        let dir = downloads()?;
        let pdf = shell.with_open(|s| s.accountants_report_pdf(&from, &to))?;
        let csv = shell.with_open(|s| s.accountants_report_csv(&from, &to))?;
        let stem = format!("accountants-report-{from}-to-{to}");
        saved.push(
            write_new(&dir, &format!("{stem}.pdf"), &pdf)?
                .display()
                .to_string(),
        );
        saved.push(
            write_new(&dir, &format!("{stem}.csv"), csv.as_bytes())?
                .display()
                .to_string(),
        );
    }
    Ok((report, saved))
}

/// A vCard file's text arrives as the raw body.
#[tauri::command]
async fn import_vcards(
    shell: State<'_, Shell>,
    request: tauri::ipc::Request<'_>,
) -> Result<satchel_api::VcardImport, ApiError> {
    let tauri::ipc::InvokeBody::Raw(bytes) = request.body() else {
        return Err(err(ErrorKind::Invalid, "the import carried no file"));
    };
    let text = std::str::from_utf8(bytes).map_err(|e| {
        err(
            ErrorKind::Invalid,
            format!(
                "the file is not UTF-8 text (byte {}); save it as UTF-8 and try again",
                e.valid_up_to() + 1
            ),
        )
    })?;
    shell.with_open(|s| s.import_vcards(text))
}

/// Every contact as a vCard file in Downloads; returns where.
#[tauri::command]
async fn export_vcards(shell: State<'_, Shell>) -> Result<String, ApiError> {
    let text = shell.with_open(|s| s.export_vcards())?;
    let path = write_new(&downloads()?, "satchel-contacts.vcf", text.as_bytes())?;
    Ok(path.display().to_string())
}

#[tauri::command]
async fn list_documents(
    shell: State<'_, Shell>,
    matter: String,
) -> Result<Vec<Document>, ApiError> {
    shell.with_open(|s| s.list_documents(&matter))
}

/// Save a document (a version of it) into Downloads; audited as a download.
#[tauri::command]
async fn export_document(
    shell: State<'_, Shell>,
    id: String,
    version: Option<u64>,
) -> Result<ExportedDocument, ApiError> {
    let dir = downloads()?;
    let d = shell.with_open(|s| s.export_document(&id, version))?;
    let path = write_new(&dir, &d.name, &d.bytes)?;
    Ok(ExportedDocument {
        path: path.display().to_string(),
        name: d.name,
        version: d.version,
        size: d.bytes.len() as u64,
    })
}

#[tauri::command]
async fn draft_bill(
    shell: State<'_, Shell>,
    req: satchel_api::NewBillRequest,
) -> Result<satchel_api::Bill, ApiError> {
    shell.with_open(|s| s.draft_bill(&req))
}

#[tauri::command]
async fn create_bill(
    shell: State<'_, Shell>,
    req: satchel_api::NewBillRequest,
) -> Result<satchel_api::Bill, ApiError> {
    shell.with_open(|s| s.create_bill(&req))
}

#[tauri::command]
async fn deliver_bill(
    shell: State<'_, Shell>,
    bill: String,
    on: String,
) -> Result<satchel_api::Bill, ApiError> {
    shell.with_open(|s| s.deliver_bill(&bill, &on))
}

#[tauri::command]
async fn credit_bill(
    shell: State<'_, Shell>,
    req: satchel_api::CreditRequest,
) -> Result<satchel_api::Bill, ApiError> {
    shell.with_open(|s| s.credit_bill(&req))
}

/// The register (no matter) or one matter's bills.
#[tauri::command]
async fn list_bills(
    shell: State<'_, Shell>,
    matter: String,
) -> Result<Vec<satchel_api::Bill>, ApiError> {
    shell.with_open(|s| {
        if matter.is_empty() {
            s.list_bills("", "")
        } else {
            s.matter_bills(&matter)
        }
    })
}

/// A bill's PDF, written to the Downloads folder.
#[tauri::command]
async fn bill_pdf(shell: State<'_, Shell>, bill: String) -> Result<ExportedDocument, ApiError> {
    let dir = downloads()?;
    let bytes = shell.with_open(|s| s.bill_pdf(&bill))?;
    let name = format!("{}.pdf", bill.trim().to_uppercase());
    let path = write_new(&dir, &name, &bytes)?;
    Ok(ExportedDocument {
        path: path.display().to_string(),
        name,
        version: 1,
        size: bytes.len() as u64,
    })
}

#[tauri::command]
async fn add_note(shell: State<'_, Shell>, req: NewNoteRequest) -> Result<Note, ApiError> {
    shell.with_open(|s| s.add_note(&req))
}

#[tauri::command]
async fn list_notes(shell: State<'_, Shell>, matter: String) -> Result<Vec<Note>, ApiError> {
    shell.with_open(|s| s.list_notes(&matter))
}

#[tauri::command]
async fn set_matter_terms(
    shell: State<'_, Shell>,
    req: MatterTermsRequest,
) -> Result<Wip, ApiError> {
    shell.with_open(|s| s.set_matter_terms(&req))
}

#[tauri::command]
async fn record_expense(
    shell: State<'_, Shell>,
    req: NewExpenseRequest,
) -> Result<Expense, ApiError> {
    shell.with_open(|s| s.record_expense(&req))
}

#[tauri::command]
async fn list_expenses(shell: State<'_, Shell>, matter: String) -> Result<Vec<Expense>, ApiError> {
    shell.with_open(|s| s.list_expenses(&matter))
}

#[tauri::command]
async fn status(shell: State<'_, Shell>) -> Result<Status, ApiError> {
    shell.with_open(|s| s.status())
}

#[tauri::command]
async fn sync_status(shell: State<'_, Shell>) -> Result<satchel_api::SyncStatus, ApiError> {
    sync::status(&shell)
}

#[tauri::command]
async fn sync_now(shell: State<'_, Shell>) -> Result<(), ApiError> {
    shell.syncer.wake();
    Ok(())
}

#[tauri::command]
async fn backup_status(shell: State<'_, Shell>) -> Result<satchel_api::BackupStatus, ApiError> {
    backup::status(&shell)
}

/// Take a verified backup now (the window follows it through `backup_status`).
#[tauri::command]
async fn backup_now(app: tauri::AppHandle) -> Result<(), ApiError> {
    tauri::async_runtime::spawn_blocking(move || backup::take(&app.state::<Shell>(), "manual"))
        .await
        .map_err(|e| err(ErrorKind::Internal, format!("the backup stopped: {e}")))?
}

#[tauri::command]
async fn set_backup_settings(
    shell: State<'_, Shell>,
    req: satchel_api::BackupSettings,
) -> Result<satchel_api::BackupStatus, ApiError> {
    shell.with_open(|s| {
        s.set_backup_settings(&req)?;
        shell.backups.refresh(s);
        Ok(())
    })?;
    backup::status(&shell)
}

#[tauri::command]
async fn restore_backup(app: tauri::AppHandle, name: String) -> Result<(), ApiError> {
    tauri::async_runtime::spawn_blocking(move || backup::restore(&app.state::<Shell>(), &name))
        .await
        .map_err(|e| err(ErrorKind::Internal, format!("the restore stopped: {e}")))?
}

#[tauri::command]
async fn export_archive(app: tauri::AppHandle, folder: String) -> Result<String, ApiError> {
    tauri::async_runtime::spawn_blocking(move || backup::export(&app.state::<Shell>(), &folder))
        .await
        .map_err(|e| err(ErrorKind::Internal, format!("the export stopped: {e}")))?
}

/// Join the firm from this new device: enrol, fetch the firm's records, make the store.
#[tauri::command]
async fn join_firm(
    app: tauri::AppHandle,
    req: satchel_api::JoinFirmRequest,
) -> Result<Session, ApiError> {
    let name = req.name.clone();
    tauri::async_runtime::spawn_blocking(move || {
        let shell = app.state::<Shell>();
        let mut guard = shell.lock()?;
        let s = Satchel::join(
            &shell.data_dir,
            shell.vault.as_ref(),
            &satchel_app::Join {
                address: &req.address,
                fingerprint: &req.fingerprint,
                code: req.code.expose(),
                device_name: &name,
                passphrase: req.passphrase.expose(),
            },
            Default::default(),
        )?;
        let session = session_of(&s);
        let _ = s.warm_conflict_index();
        *guard = Some(s);
        shell.syncer.wake();
        Ok(session)
    })
    .await
    .map_err(|e| err(ErrorKind::Internal, format!("joining stopped: {e}")))?
}

#[tauri::command]
async fn matter_conflicts(
    shell: State<'_, Shell>,
    matter: String,
) -> Result<Vec<satchel_api::FieldConflict>, ApiError> {
    shell.with_open(|s| s.matter_conflicts(&matter))
}

#[tauri::command]
async fn resolve_conflict(
    shell: State<'_, Shell>,
    req: satchel_api::ResolveConflictRequest,
) -> Result<Vec<satchel_api::FieldConflict>, ApiError> {
    shell.with_open(|s| s.resolve_conflict(&req))
}

/// Enrol this device. Talking to the server blocks, so it runs off the async runtime.
#[tauri::command]
async fn enrol_device(
    app: tauri::AppHandle,
    req: satchel_api::EnrolDeviceRequest,
) -> Result<satchel_api::ServerSettings, ApiError> {
    let name = req.name.clone();
    tauri::async_runtime::spawn_blocking(move || {
        let shell = app.state::<Shell>();
        let settings = shell.with_open(|s| {
            s.enrol_device(
                shell.vault.as_ref(),
                &req.address,
                &req.fingerprint,
                req.code.expose(),
                &name,
            )
        })?;
        shell.syncer.wake();
        Ok(settings)
    })
    .await
    .map_err(|e| err(ErrorKind::Internal, format!("enrolment stopped: {e}")))?
}

/// `--data-dir DIR` on the command line, else `SATCHEL_DATA_DIR`, else the XDG data folder.
fn data_dir() -> Option<PathBuf> {
    let mut args = std::env::args_os().skip(1);
    while let Some(a) = args.next() {
        if a == "--data-dir" {
            return args.next().map(PathBuf::from);
        }
    }
    paths::default_data_dir()
}

fn has_display() -> bool {
    if !cfg!(target_os = "linux") {
        return true;
    }
    ["DISPLAY", "WAYLAND_DISPLAY"]
        .iter()
        .any(|v| std::env::var_os(v).is_some_and(|d| !d.is_empty()))
}

fn main() -> std::process::ExitCode {
    if !has_display() {
        eprintln!(
            "Satchel needs a graphical display, and none is available (DISPLAY and WAYLAND_DISPLAY are unset).\n\
             Run it from a desktop session, or use the `satchel` command line on this machine."
        );
        return std::process::ExitCode::from(2);
    }
    let Some(dir) = data_dir() else {
        eprintln!("Satchel cannot find a data folder: set SATCHEL_DATA_DIR or pass --data-dir DIR");
        return std::process::ExitCode::from(2);
    };
    let shell = Shell {
        data_dir: dir,
        vault: vault::from_env(),
        satchel: Mutex::new(None),
        syncer: sync::Syncer::new(),
        backups: backup::Backups::default(),
        locked: Mutex::new(None),
    };
    let app = tauri::Builder::default()
        .manage(shell)
        .setup(|app| {
            sync::start(app.handle().clone());
            backup::start(app.handle().clone());
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            app_state,
            setup_firm,
            unlock,
            list_matters,
            create_matter,
            list_contacts,
            create_contact,
            add_party,
            conflict_check,
            record_time,
            list_time,
            start_timer,
            timer,
            stop_timer,
            wip,
            add_key_date,
            upcoming,
            export_ics,
            add_note,
            list_notes,
            set_matter_terms,
            record_expense,
            list_expenses,
            set_matter_status,
            set_matter_details,
            add_task,
            complete_task,
            list_tasks,
            list_users,
            get_matter,
            list_parties,
            add_bank_account,
            list_bank_accounts,
            record_posting,
            client_ledger,
            cash_book,
            client_balances,
            draft_bill,
            create_bill,
            deliver_bill,
            credit_bill,
            list_bills,
            bill_pdf,
            import_statement,
            statement_lines,
            cash_entries,
            match_line,
            reconcile,
            reconciliations,
            reconciliation_due,
            registers,
            set_second_authoriser,
            add_breach,
            accountants_report,
            get_contact,
            contact_matters,
            wip_by_fee_earner,
            search,
            set_unit_minutes,
            add_document,
            import_vcards,
            export_vcards,
            list_documents,
            export_document,
            status,
            sync_status,
            sync_now,
            enrol_device,
            join_firm,
            matter_conflicts,
            resolve_conflict,
            lock,
            unlock_keyring,
            view_matter,
            access_log,
            matter_grants,
            add_user,
            set_user_role,
            set_autolock,
            backup_status,
            backup_now,
            set_backup_settings,
            restore_backup,
            gdpr::subject_requests,
            gdpr::add_subject_request,
            gdpr::extend_subject_request,
            gdpr::answer_subject_request,
            gdpr::subject_access,
            gdpr::export_subject_access,
            gdpr::erasure_plan,
            gdpr::erase_person,
            gdpr::retention,
            gdpr::set_retention,
            gdpr::keep_matter,
            gdpr::destroy_matter,
            gdpr::data_breaches,
            gdpr::add_data_breach,
            gdpr::update_data_breach,
            gdpr::export_data_breaches,
            gdpr::processing,
            gdpr::save_processing,
            gdpr::remove_processing,
            gdpr::export_processing,
            gdpr::usual_processing,
            export_archive
        ])
        .build(tauri::generate_context!("../tauri.conf.json"));
    let app = match app {
        Ok(app) => app,
        Err(e) => {
            eprintln!("Satchel could not start its window: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    app.run(|handle, event| {
        if let RunEvent::Exit = event {
            // A backup as Satchel closes (verified like any other).
            backup::on_quit(&handle.state::<Shell>());
            // Fold the WAL into the database so the file on disk is whole.
            if let Ok(guard) = handle.state::<Shell>().satchel.lock()
                && let Some(s) = guard.as_ref()
            {
                let _ = s.checkpoint();
            }
        }
    });
    std::process::ExitCode::SUCCESS
}
