//! The Compliance section's commands (UK GDPR): each calls `satchel-app`; exports go to
//! the person's Downloads folder.

use crate::{Shell, downloads, write_new};
use satchel_api::{self as api, ApiError};
use tauri::State;

#[tauri::command]
pub async fn subject_requests(
    shell: State<'_, Shell>,
) -> Result<Vec<api::SubjectRequest>, ApiError> {
    shell.with_open(|s| s.subject_requests())
}

#[tauri::command]
pub async fn add_subject_request(
    shell: State<'_, Shell>,
    req: api::NewSubjectRequest,
) -> Result<api::SubjectRequest, ApiError> {
    shell.with_open(|s| s.add_subject_request(&req))
}

#[tauri::command]
pub async fn extend_subject_request(
    shell: State<'_, Shell>,
    id: String,
    reason: String,
) -> Result<api::SubjectRequest, ApiError> {
    shell.with_open(|s| s.extend_subject_request(&id, &reason))
}

#[tauri::command]
pub async fn answer_subject_request(
    shell: State<'_, Shell>,
    id: String,
    outcome: String,
) -> Result<api::SubjectRequest, ApiError> {
    shell.with_open(|s| s.answer_subject_request(&id, &outcome))
}

#[tauri::command]
pub async fn subject_access(
    shell: State<'_, Shell>,
    person: String,
) -> Result<api::SubjectAccess, ApiError> {
    shell.with_open(|s| s.subject_access(&person))
}

/// The subject access export, into a new folder in Downloads.
#[tauri::command]
pub async fn export_subject_access(
    shell: State<'_, Shell>,
    person: String,
) -> Result<api::ExportedAccess, ApiError> {
    let dir = downloads()?;
    shell.with_open(|s| s.export_subject_access(&person, &dir))
}

#[tauri::command]
pub async fn erasure_plan(
    shell: State<'_, Shell>,
    person: String,
) -> Result<api::ErasurePlan, ApiError> {
    shell.with_open(|s| s.erasure_plan(&person))
}

/// Erase a person, then sync at once so that the firm server and the other devices follow.
#[tauri::command]
pub async fn erase_person(
    shell: State<'_, Shell>,
    req: api::EraseRequest,
) -> Result<api::ErasureDone, ApiError> {
    let done = shell.with_open(|s| s.erase_person(&req))?;
    shell.syncer.wake();
    Ok(done)
}

#[tauri::command]
pub async fn retention(shell: State<'_, Shell>) -> Result<api::Retention, ApiError> {
    shell.with_open(|s| s.retention())
}

#[tauri::command]
pub async fn set_retention(
    shell: State<'_, Shell>,
    area: String,
    years: i64,
) -> Result<api::Retention, ApiError> {
    shell.with_open(|s| s.set_retention(&area, years))
}

#[tauri::command]
pub async fn keep_matter(
    shell: State<'_, Shell>,
    req: api::KeepMatterRequest,
) -> Result<api::Retention, ApiError> {
    shell.with_open(|s| s.keep_matter(&req))
}

#[tauri::command]
pub async fn destroy_matter(
    shell: State<'_, Shell>,
    matter: String,
    reason: String,
) -> Result<api::Retention, ApiError> {
    let r = shell.with_open(|s| s.destroy_matter(&matter, &reason))?;
    shell.syncer.wake();
    Ok(r)
}

#[tauri::command]
pub async fn data_breaches(shell: State<'_, Shell>) -> Result<Vec<api::DataBreach>, ApiError> {
    shell.with_open(|s| s.data_breaches())
}

#[tauri::command]
pub async fn add_data_breach(
    shell: State<'_, Shell>,
    req: api::NewDataBreach,
) -> Result<api::DataBreach, ApiError> {
    shell.with_open(|s| s.add_data_breach(&req))
}

#[tauri::command]
pub async fn update_data_breach(
    shell: State<'_, Shell>,
    req: api::UpdateDataBreach,
) -> Result<api::DataBreach, ApiError> {
    shell.with_open(|s| s.update_data_breach(&req))
}

/// The breach register as CSV in Downloads; returns where.
#[tauri::command]
pub async fn export_data_breaches(shell: State<'_, Shell>) -> Result<String, ApiError> {
    let csv = shell.with_open(|s| s.data_breaches_csv())?;
    Ok(
        write_new(&downloads()?, "personal-data-breaches.csv", csv.as_bytes())?
            .display()
            .to_string(),
    )
}

#[tauri::command]
pub async fn processing(shell: State<'_, Shell>) -> Result<Vec<api::ProcessingActivity>, ApiError> {
    shell.with_open(|s| s.processing())
}

#[tauri::command]
pub async fn save_processing(
    shell: State<'_, Shell>,
    activity: api::ProcessingActivity,
) -> Result<Vec<api::ProcessingActivity>, ApiError> {
    shell.with_open(|s| s.save_processing(&activity))
}

#[tauri::command]
pub async fn remove_processing(
    shell: State<'_, Shell>,
    id: String,
) -> Result<Vec<api::ProcessingActivity>, ApiError> {
    shell.with_open(|s| s.remove_processing(&id))
}

#[tauri::command]
pub async fn usual_processing(
    shell: State<'_, Shell>,
) -> Result<Vec<api::ProcessingActivity>, ApiError> {
    shell.with_open(|s| s.add_usual_processing())
}

/// The record of processing as CSV in Downloads; returns where.
#[tauri::command]
pub async fn export_processing(shell: State<'_, Shell>) -> Result<String, ApiError> {
    let csv = shell.with_open(|s| s.processing_csv())?;
    Ok(
        write_new(&downloads()?, "record-of-processing.csv", csv.as_bytes())?
            .display()
            .to_string(),
    )
}
