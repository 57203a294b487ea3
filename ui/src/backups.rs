//! Backups in Settings: where they go and how often, "Back up now" with a progress bar,
//! the list with a restore button on each, and an encrypted archive for a USB stick.

use crate::api;
use crate::components::{Field, FormError, FormState, field_error};
use leptos::prelude::*;
use satchel_api::{BackupSettings, BackupStatus};

/// How often the card asks how backups stand while it is shown.
const POLL: std::time::Duration = std::time::Duration::from_secs(1);

fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

#[component]
pub fn BackupsCard() -> impl IntoView {
    let status = RwSignal::new(None::<BackupStatus>);
    let ask = move || {
        leptos::task::spawn_local(async move {
            if let Ok(s) = api::backup_status().await
                && status.with_untracked(|now| now.as_ref() != Some(&s))
            {
                status.set(Some(s));
            }
        })
    };
    ask();
    if let Ok(handle) = set_interval_with_handle(ask, POLL) {
        on_cleanup(move || handle.clear());
    }
    let error = RwSignal::new(None::<String>);
    let backup_now = move |_| {
        error.set(None);
        leptos::task::spawn_local(async move {
            if let Err(e) = api::backup_now().await {
                error.set(Some(e.message));
            }
            ask();
        });
    };
    // A restore asks once more before it replaces the store.
    let confirm = RwSignal::new(None::<String>);
    let restore = move |name: String| {
        if confirm.get_untracked().as_deref() != Some(name.as_str()) {
            confirm.set(Some(name));
            return;
        }
        confirm.set(None);
        error.set(None);
        leptos::task::spawn_local(async move {
            if let Err(e) = api::restore_backup(&name).await {
                error.set(Some(e.message));
            }
            ask();
        });
    };
    view! {
        <div class="card" id="backups">
            <h2>"Backups"</h2>
            {move || status.get().map(|s| {
                let running = s.running.clone();
                let bar = running.as_ref().map(|what| view! {
                    <p class="muted small" id="backup-running">{format!("{} is under way…", capitalise(what))}</p>
                    {(s.of > 0).then(|| view! {
                        <progress id="backup-progress" max=s.of value=s.done></progress>
                        <span class="muted small">{format!("{} of {}", mb(s.done), mb(s.of))}</span>
                    })}
                });
                let last = s.entries.first().map_or("none yet".to_owned(), |b| crate::sync::when(&b.created_at));
                view! {
                    <dl class="facts">
                        <dt>"Folder"</dt><dd class="mono" id="backup-folder">{s.folder.clone()}</dd>
                        <dt>"Schedule"</dt><dd id="backup-schedule">{format!("every {} hours while Satchel is open, and when it closes; each one verified", s.every_hours)}</dd>
                        <dt>"Kept"</dt><dd>"the 6 most recent, one a day for 7 days, one a week for 4 weeks"</dd>
                        <dt>"Last backup"</dt><dd id="backup-last">{last}</dd>
                    </dl>
                    {bar}
                    {s.message.clone().map(|m| view! {
                        <p class=if s.failed { "error" } else { "ok" } role="status" id="backup-message">{m}</p>
                    })}
                    <div class="actions">
                        <button type="button" id="backup-now" disabled=running.is_some() on:click=backup_now>"Back up now"</button>
                    </div>
                    <table class="grid" id="backup-list" data-count=s.entries.len()>
                        <thead><tr><th>"Taken"</th><th>"Why"</th><th>"Size"</th><th>"Matters"</th><th></th></tr></thead>
                        <tbody>
                            {s.entries.iter().cloned().map(|b| {
                                let name = b.name.clone();
                                let asking = {
                                    let name = name.clone();
                                    move || confirm.get().as_deref() == Some(name.as_str())
                                };
                                let label = {
                                    let asking = asking.clone();
                                    move || if asking() { "Replace the store with this?" } else { "Restore" }
                                };
                                view! {
                                    <tr>
                                        <td>{crate::sync::when(&b.created_at)}</td>
                                        <td>{b.reason}</td>
                                        <td>{mb(b.bytes)}</td>
                                        <td>{b.matters}</td>
                                        <td><button type="button" class="secondary small restore" data-name=name.clone()
                                            disabled=running.is_some()
                                            on:click=move |_| restore(name.clone())>{label}</button></td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }
            })}
            {move || error.get().map(|e| view! { <p class="error" role="alert" id="backup-error">{e}</p> })}
            <SettingsForm on_saved=Callback::new(move |s: BackupStatus| status.set(Some(s))) />
            <ArchiveForm />
        </div>
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// The backup folder and the hours between backups.
#[component]
fn SettingsForm(on_saved: Callback<BackupStatus>) -> impl IntoView {
    let folder = RwSignal::new(String::new());
    let hours = RwSignal::new(String::from("4"));
    let form = FormState::new();
    let (error, busy) = (form.error, form.busy);
    let submit =
        move |ev: leptos::ev::SubmitEvent| {
            form.submit(
                ev,
                || {
                    let every_hours: u32 = hours.get_untracked().trim().parse().map_err(|_| {
                        satchel_api::ApiError {
                            kind: satchel_api::ErrorKind::Invalid,
                            message: "Hours must be a whole number from 1 to 24.".into(),
                            field: Some("every_hours".into()),
                        }
                    })?;
                    let req = BackupSettings {
                        folder: folder.get_untracked(),
                        every_hours,
                    };
                    Ok(async move { api::set_backup_settings(&req).await })
                },
                move |s| on_saved.run(s),
            )
        };
    view! {
        <form id="backup-settings" on:submit=submit novalidate>
            <FormError last=error fields=&["folder", "every_hours"] />
            <div class="row">
                <Field label="Backup folder" id="backup-folder-input" value=folder error=field_error(error, "folder") hint="Full path; blank for the data folder's own" />
                <Field label="Hours apart" id="backup-hours" value=hours error=field_error(error, "every_hours") hint="1 to 24" />
                <div class="actions bottom">
                    <button type="submit" class="secondary" id="backup-settings-submit" disabled=move || busy.get()>"Save"</button>
                </div>
            </div>
        </form>
    }
}

/// An encrypted archive for a USB stick.
#[component]
fn ArchiveForm() -> impl IntoView {
    let folder = RwSignal::new(String::new());
    let done = RwSignal::new(None::<String>);
    let form = FormState::new();
    let (error, busy) = (form.error, form.busy);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        form.submit(
            ev,
            || {
                let f = folder.get_untracked();
                Ok(async move { api::export_archive(&f).await })
            },
            move |path: String| done.set(Some(path)),
        )
    };
    view! {
        <form id="archive-form" on:submit=submit novalidate>
            <h3>"Encrypted archive"</h3>
            <FormError last=error fields=&["folder"] />
            <div class="row">
                <Field label="Export to folder" id="archive-folder" value=folder error=field_error(error, "folder") hint="e.g. /media/usb — the archive opens on a new machine with the recovery passphrase" />
                <div class="actions bottom">
                    <button type="submit" class="secondary" id="archive-export" disabled=move || busy.get()>"Export"</button>
                </div>
            </div>
            {move || done.get().map(|p| view! { <p class="ok" role="status" id="archive-done">{format!("Exported {p}.")}</p> })}
        </form>
    }
}
