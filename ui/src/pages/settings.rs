//! Settings: what this installation is and where its data lives.

use crate::api;
use crate::components::{Field, FormError, FormState, field_error, require};
use leptos::prelude::*;

#[component]
pub fn SettingsPage() -> impl IntoView {
    let status = LocalResource::new(api::status);
    // Enrolling cuts this device's matter numbers down (the server gives out the rest):
    // read the installation's facts again once it is enrolled.
    let sync = crate::sync::status();
    let enrolled = Memo::new(move |_| sync.with(|s| s.as_ref().map(|s| s.state != "standalone")));
    Effect::new(move |was: Option<Option<bool>>| {
        let now = enrolled.get();
        if was == Some(Some(false)) && now == Some(true) {
            status.refetch();
        }
        now
    });
    view! {
        <section class="page">
            <header class="page-head">
                <h1>"Settings"</h1>
            </header>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || {
                    status
                        .get()
                        .map(|r| match r {
                            Ok(s) => view! {
                                <div class="card">
                                    <h2>"This installation"</h2>
                                    <dl class="facts" id="status">
                                        <dt>"Firm"</dt><dd>{s.firm_name}</dd>
                                        <dt>"User"</dt><dd>{s.user_name}</dd>
                                        <dt>"Device"</dt><dd class="mono">{s.device_id}</dd>
                                        <dt>"Data folder"</dt><dd class="mono">{s.data_dir}</dd>
                                        <dt>"Encryption"</dt><dd>"SQLCipher, 256-bit key"</dd>
                                        <dt>"Keyring"</dt><dd>{s.keyring}</dd>
                                        <dt>"Matters"</dt><dd>{s.matters}</dd>
                                        <dt>"Audit events"</dt><dd>{s.audit_events}</dd>
                                        <dt>"Store size"</dt><dd>{format!("{:.1} KiB", s.store_bytes as f64 / 1024.0)}</dd>
                                        <dt>"Schema"</dt><dd>{format!("v{}", s.schema_version)}</dd>
                                        <dt>"Matter numbers left"</dt><dd id="number-blocks">{if s.number_blocks.is_empty() { "none: this device needs a block from the firm server".to_owned() } else { s.number_blocks.join(", ") }}</dd>
                                        <dt>"Time unit"</dt><dd>{format!("{} minutes", s.unit_minutes)}</dd>
                                    </dl>
                                </div>
                            }
                            .into_any(),
                            Err(e) => view! { <p class="error" role="alert">{e.message}</p> }.into_any(),
                        })
                }}
            </Suspense>
            <crate::sync::ServerCard />
            <crate::backups::BackupsCard />
            <AutolockForm />
            <UnitForm on_saved=Callback::new(move |_: u32| status.refetch()) />
            {(crate::session_role().as_deref().is_some_and(|r| r == "admin" || r == "partner")).then(|| view! { <crate::people::PeopleCard /> })}
            <AuthoriserForm />
        </section>
    }
}

/// The firm's time unit (admins and partners; the services refuse others).
#[component]
fn UnitForm(on_saved: Callback<u32>) -> impl IntoView {
    let minutes = RwSignal::new(String::new());
    let saved = RwSignal::new(None::<u32>);
    let form = FormState::new();
    let (error, busy) = (form.error, form.busy);
    let submit =
        move |ev: leptos::ev::SubmitEvent| {
            form.submit(
                ev,
                || {
                    require(&minutes, "unit_minutes", "Minutes")?;
                    let n: i64 = minutes.get_untracked().trim().parse().map_err(|_| {
                        satchel_api::ApiError {
                            kind: satchel_api::ErrorKind::Invalid,
                            message: "Minutes must be a whole number, e.g. 6.".into(),
                            field: Some("unit_minutes".into()),
                        }
                    })?;
                    Ok(async move { api::set_unit_minutes(n).await })
                },
                move |u| {
                    saved.set(Some(u));
                    on_saved.run(u)
                },
            )
        };
    view! {
        <form class="card" id="unit-form" on:submit=submit novalidate>
            <h2>"Time unit"</h2>
            <FormError last=error fields=&["unit_minutes"] />
            <div class="row">
                <Field label="Minutes per unit" id="unit-minutes" value=minutes error=field_error(error, "unit_minutes") hint="Must divide an hour: 6 (the usual), 5, 10, 15… Time already recorded keeps its unit." />
                <div class="actions bottom">
                    <button type="submit" class="secondary" id="unit-submit" disabled=move || busy.get()>"Save"</button>
                </div>
            </div>
            {move || saved.get().map(|u| view! { <p class="ok" role="status">{format!("Time is now recorded in {u}-minute units.")}</p> })}
        </form>
    }
}

/// The amount above which a payment from client account needs a second authoriser
/// (admins and partners; the services refuse others).
#[component]
fn AuthoriserForm() -> impl IntoView {
    let amount = RwSignal::new(String::new());
    let saved = RwSignal::new(None::<String>);
    let form = FormState::new();
    let (error, busy) = (form.error, form.busy);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        form.submit(
            ev,
            || {
                let a = amount.get_untracked();
                Ok(async move { api::set_second_authoriser(&a).await })
            },
            move |s: String| saved.set(Some(s)),
        )
    };
    view! {
        <form class="card" id="authoriser-form" on:submit=submit novalidate>
            <h2>"Second authoriser"</h2>
            <FormError last=error fields=&["amount"] />
            <div class="row">
                <Field label="Client-account payments above" id="authoriser-amount" value=amount error=field_error(error, "amount") hint="e.g. 5000.00 — such payments need a second person's initials; blank for none" />
                <div class="actions bottom">
                    <button type="submit" class="secondary" id="authoriser-submit" disabled=move || busy.get()>"Save"</button>
                </div>
            </div>
            {move || saved.get().map(|s| view! { <p class="ok" role="status">{if s.is_empty() { "No payment needs a second authoriser by its size.".to_owned() } else { format!("Payments from client account over {s} now need a second authoriser.") }}</p> })}
        </form>
    }
}

/// Minutes without activity before the window locks (this device).
#[component]
fn AutolockForm() -> impl IntoView {
    let minutes = RwSignal::new(String::new());
    let saved = RwSignal::new(None::<u32>);
    let form = FormState::new();
    let (error, busy) = (form.error, form.busy);
    let submit =
        move |ev: leptos::ev::SubmitEvent| {
            form.submit(
                ev,
                || {
                    require(&minutes, "minutes", "Minutes")?;
                    let n: u32 = minutes.get_untracked().trim().parse().map_err(|_| {
                        satchel_api::ApiError {
                            kind: satchel_api::ErrorKind::Invalid,
                            message: "Minutes must be a whole number from 1 to 60.".into(),
                            field: Some("minutes".into()),
                        }
                    })?;
                    Ok(async move { api::set_autolock(n).await })
                },
                move |s: satchel_api::Session| saved.set(Some(s.autolock_seconds / 60)),
            )
        };
    view! {
        <form class="card" id="autolock-form" on:submit=submit novalidate>
            <h2>"Lock when idle"</h2>
            <FormError last=error fields=&["minutes"] />
            <div class="row">
                <Field label="Lock after minutes without activity" id="autolock-minutes" value=minutes error=field_error(error, "minutes") hint="1 to 60 (10 unless set); Ctrl L locks at once. Takes effect the next time Satchel is unlocked." />
                <div class="actions bottom">
                    <button type="submit" class="secondary" id="autolock-submit" disabled=move || busy.get()>"Save"</button>
                </div>
            </div>
            {move || saved.get().map(|m| view! { <p class="ok" role="status">{format!("Satchel will lock after {m} minutes without activity.")}</p> })}
        </form>
    }
}
