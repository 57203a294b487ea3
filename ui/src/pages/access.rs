//! Who accessed what: the audit trail as a report (Reports, for admins and partners) and
//! on each matter ("Access"), on screen and saved as CSV and PDF.

use crate::api;
use leptos::prelude::*;
use leptos::task::spawn_local;
use satchel_api::{AccessEvent, AccessLogQuery, ApiError};

/// The access log, filtered by user, matter and dates; `matter` fixes the matter.
#[component]
pub fn AccessLogPanel(#[prop(optional)] matter: Option<String>) -> impl IntoView {
    let fixed = matter.is_some();
    let user = RwSignal::new(String::new());
    let matter = RwSignal::new(matter.unwrap_or_default());
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let result = RwSignal::new(None::<Result<(Vec<AccessEvent>, Vec<String>), ApiError>>);
    let run = move |save: bool| {
        let q = AccessLogQuery {
            user: user.get_untracked(),
            matter: matter.get_untracked(),
            from: from.get_untracked(),
            to: to.get_untracked(),
        };
        spawn_local(async move { result.set(Some(api::access_log(&q, save).await)) });
    };
    if fixed {
        run(false);
    }
    view! {
        <div class="card" id="access-log-panel">
            <h2>{if fixed { "Who accessed this matter" } else { "Access log" }}</h2>
            <div class="row">
                <label class="field narrow-field"><span class="label">"User (initials)"</span><input id="access-user" bind:value=user /></label>
                {(!fixed).then(|| view! {
                    <label class="field narrow-field"><span class="label">"Matter"</span><input id="access-matter" bind:value=matter /></label>
                })}
                <label class="field narrow-field"><span class="label">"From"</span><input type="date" id="access-from" bind:value=from /></label>
                <label class="field narrow-field"><span class="label">"to"</span><input type="date" id="access-to" bind:value=to /></label>
            </div>
            <div class="actions">
                <button class="secondary" id="access-run" on:click=move |_| run(false)>"Show"</button>
                <button class="secondary" id="access-save" on:click=move |_| run(true)>"Save PDF and CSV"</button>
            </div>
            {move || result.get().map(|r| match r {
                Err(e) => view! { <p class="error" role="alert" id="access-error">{e.message}</p> }.into_any(),
                Ok((events, saved)) => {
                    let n = events.len();
                    view! {
                        {saved.into_iter().map(|p| view! { <p class="ok">"Saved to " {p}</p> }).collect_view()}
                        <table class="grid" id="access-log" data-count=n>
                            <thead><tr><th>"When"</th><th>"Who"</th><th>"Action"</th><th>"Subject"</th><th>"Device"</th></tr></thead>
                            <tbody>
                                {events.into_iter().map(|e| view! {
                                    <tr>
                                        <td>{crate::sync::when(&e.at)}</td>
                                        <td title=e.user_name.clone()>{e.initials}</td>
                                        <td class="mono">{e.action}</td>
                                        <td class="mono small">{e.subject}</td>
                                        <td class="mono small">{e.device.chars().take(8).collect::<String>()}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                        {(n == 0).then(|| view! { <p class="muted">"No events match."</p> })}
                    }
                    .into_any()
                }
            })}
        </div>
    }
}

/// Who may see a matter on the firm server, and granting it (admins and partners; the
/// server answers, so this needs the device enrolled and the server reachable).
#[component]
pub fn GrantsPanel(matter: String) -> impl IntoView {
    use satchel_api::MatterGrant;
    let grants = RwSignal::new(None::<Result<Vec<MatterGrant>, ApiError>>);
    let initials = RwSignal::new(String::new());
    let access = RwSignal::new(String::from("read"));
    let m = StoredValue::new(matter);
    let ask = move |set: Option<(String, String)>| {
        let matter = m.get_value();
        spawn_local(async move {
            let r =
                api::matter_grants(&matter, set.as_ref().map(|(u, a)| (u.as_str(), a.as_str())))
                    .await;
            grants.set(Some(r));
        });
    };
    ask(None);
    view! {
        <div class="card" id="grants-panel">
            <h2>"Who may see this matter"</h2>
            <p class="muted small">"Admins and partners may see every matter; anyone else only what they are granted here (read, download, edit), on every device at once."</p>
            {move || grants.get().map(|r| match r {
                Err(e) => view! { <p class="error" role="alert" id="grants-error">{e.message}</p> }.into_any(),
                Ok(list) => {
                    let n = list.len();
                    view! {
                        <table class="grid" id="grants-list" data-count=n>
                            <thead><tr><th>"Who"</th><th>"May"</th></tr></thead>
                            <tbody>
                                {list.into_iter().map(|g| view! { <tr><td class="mono">{g.initials}</td><td>{g.access}</td></tr> }).collect_view()}
                            </tbody>
                        </table>
                    }
                    .into_any()
                }
            })}
            <div class="row">
                <label class="field narrow-field"><span class="label">"User (initials)"</span><input id="grant-user" bind:value=initials /></label>
                <label class="field narrow-field"><span class="label">"May"</span>
                    <select id="grant-access" on:change=move |ev| access.set(event_target_value(&ev))>
                        <option value="read" selected=true>"read"</option>
                        <option value="download">"download"</option>
                        <option value="edit">"edit"</option>
                        <option value="none">"nothing (remove)"</option>
                    </select>
                </label>
            </div>
            <div class="actions">
                <button class="secondary" id="grant-submit" on:click=move |_| ask(Some((initials.get_untracked(), access.get_untracked())))>"Grant"</button>
            </div>
        </div>
    }
}
