//! The firm server in the window: the sync status every page shows (online or offline,
//! changes waiting, the last sync, a progress bar while documents come in), and the form
//! that enrols this device.

use crate::api;
use crate::components::{Field, FormError, FormState, field_error, require};
use leptos::prelude::*;
use satchel_api::{EnrolDeviceRequest, Secret, SyncStatus};

/// How often the window asks how sync stands.
const POLL: std::time::Duration = std::time::Duration::from_secs(2);

/// The sync status, asked for every two seconds (provided by the workspace).
pub fn provide_status() -> RwSignal<Option<SyncStatus>> {
    let status = RwSignal::new(None::<SyncStatus>);
    let ask = move || {
        leptos::task::spawn_local(async move {
            if let Ok(s) = api::sync_status().await
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
    provide_context(status);
    status
}

/// Where this device stands with the firm server, as the sidebar last read it.
pub fn status() -> RwSignal<Option<SyncStatus>> {
    use_context::<RwSignal<Option<SyncStatus>>>().unwrap_or_else(|| RwSignal::new(None))
}

/// "14:05" for an instant today, "26 Nov 14:05" otherwise, in the machine's local time.
pub(crate) fn when(rfc3339: &str) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(rfc3339));
    if date.get_time().is_nan() {
        return rfc3339.to_owned();
    }
    let today = js_sys::Date::new_0();
    let hm = format!("{:02}:{:02}", date.get_hours(), date.get_minutes());
    if date.to_date_string() == today.to_date_string() {
        hm
    } else {
        const MONTHS: [&str; 12] = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];
        let month = MONTHS.get(date.get_month() as usize).copied().unwrap_or("");
        format!("{} {month} {hm}", date.get_date())
    }
}

fn waiting(n: u64) -> String {
    match n {
        0 => "nothing waiting".into(),
        1 => "1 change waiting".into(),
        n => format!("{n} changes waiting"),
    }
}

/// The words for a status: a headline and a detail line.
pub fn describe(s: &SyncStatus) -> (String, String) {
    let last = s
        .last_sync
        .as_deref()
        .map_or("never synced".to_owned(), |t| {
            format!("last sync {}", when(t))
        });
    match s.state.as_str() {
        "standalone" => ("Standalone".into(), "Not connected to a firm server".into()),
        "synced" => ("Synced".into(), format!("{last} · {}", waiting(s.waiting))),
        "offline" => ("Offline".into(), format!("{} · {last}", waiting(s.waiting))),
        "failed" => (
            "Sync failed".into(),
            s.message.clone().unwrap_or_else(|| last.clone()),
        ),
        _ if s.first => ("First sync…".into(), "fetching the firm's work".into()),
        _ => ("Syncing…".into(), last),
    }
}

/// Always visible: how this device stands with the firm server.
#[component]
pub fn SyncIndicator() -> impl IntoView {
    let status = status();
    move || {
        status.get().map(|s| {
            let (head, detail) = describe(&s);
            let state = s.state.clone();
            let title = s.message.clone().unwrap_or_default();
            let bar = (s.state == "syncing" && s.of > 0).then(|| {
                view! {
                    <progress id="sync-progress" max=s.of value=s.done></progress>
                    <span class="muted small">{format!("{} of {} documents", s.done, s.of)}</span>
                }
            });
            view! {
                <div class="sync" id="sync-status" data-state=state.clone() title=title>
                    <span class=format!("dot {state}")></span>
                    <span class="sync-head" id="sync-state">{head}</span>
                    <span class="sync-detail muted small" id="sync-detail">{detail}</span>
                    {bar}
                </div>
            }
        })
    }
}

/// Settings: the firm server this device syncs with, or the form to enrol it. The form is
/// made once (not at every status poll), so what is typed and any refusal stay.
#[component]
pub fn ServerCard() -> impl IntoView {
    let status = status();
    let standalone =
        Memo::new(move |_| status.with(|s| s.as_ref().map(|s| s.state == "standalone")));
    move || match standalone.get() {
        None => {
            view! { <div class="card"><h2>"Firm server"</h2><p class="muted">"Loading…"</p></div> }
                .into_any()
        }
        Some(true) => view! { <EnrolForm /> }.into_any(),
        Some(false) => view! { <ServerFacts /> }.into_any(),
    }
}

#[component]
fn ServerFacts() -> impl IntoView {
    let status = status();
    let asked = RwSignal::new(false);
    let facts = move || {
        status.get().map(|s| {
            let (head, detail) = describe(&s);
            view! {
                <dl class="facts">
                    <dt>"Server"</dt><dd class="mono" id="server-address">{s.server.clone().unwrap_or_default()}</dd>
                    <dt>"Sync"</dt><dd>{head} " · " {detail}</dd>
                    <dt>"When"</dt><dd>"every minute while Satchel is open, and at once when asked"</dd>
                </dl>
                {s.message.clone().map(|m| view! { <p class="muted small">{m}</p> })}
            }
        })
    };
    view! {
        <div class="card" id="server-card">
            <h2>"Firm server"</h2>
            {facts}
            <div class="actions">
                <button class="secondary" id="sync-now" on:click=move |_| {
                    asked.set(true);
                    leptos::task::spawn_local(async move { let _ = api::sync_now().await; });
                }>"Sync now"</button>
                {move || asked.get().then(|| view! { <span class="muted small" role="status">"Asked for a sync."</span> })}
            </div>
        </div>
    }
}

#[component]
fn EnrolForm() -> impl IntoView {
    let address = RwSignal::new(String::new());
    let fingerprint = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let form = FormState::new();
    let (error, busy) = (form.error, form.busy);
    let status = status();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        form.submit(
            ev,
            || {
                require(&address, "server", "Server address")?;
                require(&fingerprint, "fingerprint", "Certificate fingerprint")?;
                require(&code, "code", "Enrolment code")?;
                let req = EnrolDeviceRequest {
                    address: address.get_untracked(),
                    fingerprint: fingerprint.get_untracked(),
                    code: Secret::new(code.get_untracked()),
                    name: name.get_untracked(),
                };
                Ok(async move { api::enrol_device(&req).await })
            },
            move |_| {
                code.set(String::new());
                leptos::task::spawn_local(async move {
                    if let Ok(s) = api::sync_status().await {
                        status.set(Some(s));
                    }
                });
            },
        )
    };
    view! {
        <form class="card" id="enrol-form" on:submit=submit novalidate>
            <h2>"Firm server"</h2>
            <p class="muted">"This device works on its own. To share matters with the firm, enter what the firm's administrator gave you: the server's address, its certificate fingerprint and a one-time code."</p>
            <FormError last=error fields=&["server", "fingerprint", "code"] />
            <Field label="Server address" id="enrol-address" value=address error=field_error(error, "server") hint="e.g. https://satchel.hale.example:8443" />
            <Field label="Certificate fingerprint (SHA-256)" id="enrol-fingerprint" value=fingerprint error=field_error(error, "fingerprint") hint="as the server printed it; any other certificate will be refused" />
            <div class="row">
                <Field label="Enrolment code" id="enrol-code" value=code error=field_error(error, "code") hint="one use, 24 hours" />
                <Field label="This device's name" id="enrol-name" value=name error=field_error(error, "name") hint="e.g. Ann's laptop" />
            </div>
            <div class="actions">
                <button type="submit" id="enrol-submit" disabled=move || busy.get()>"Enrol this device"</button>
            </div>
        </form>
    }
}
