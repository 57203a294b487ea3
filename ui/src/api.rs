//! The one typed API client: every call to the desktop shell goes through [`call`].

use satchel_api::{
    ApiError, AppState, ConflictQuery, ConflictReport, Contact, ErrorKind, Expense, KeyDate,
    Matter, MatterTermsRequest, NewContactRequest, NewExpenseRequest, NewKeyDateRequest,
    NewMatterRequest, NewNoteRequest, NewTimeRequest, Note, RunningTimer, Secret, Session,
    SetupRequest, StartTimerRequest, Status, TimeEntry, UnlockRequest, Wip, cmd,
};
use serde::{Serialize, de::DeserializeOwned};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = ["window", "__TAURI__", "core"], js_name = invoke, catch)]
    async fn tauri_invoke(cmd: &str, args: JsValue) -> Result<JsValue, JsValue>;
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
    match tauri_invoke(command, args).await {
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
