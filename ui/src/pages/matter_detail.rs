//! One matter: its facts, work in progress and notes.

use crate::api;
use crate::components::{Field, FormError, FormState, Loaded, field_error, require};
use leptos::prelude::*;
use leptos::task::spawn_local;
use satchel_api::{ApiError, Matter, MatterTermsRequest, NewNoteRequest, Note, Wip};

#[component]
pub fn MatterDetail(matter: Matter, on_close: Callback<()>) -> impl IntoView {
    let number = matter.number.clone();
    let notes = RwSignal::new(None::<Result<Vec<Note>, ApiError>>);
    let wip = RwSignal::new(None::<Result<Wip, ApiError>>);
    let reload = {
        let number = number.clone();
        move || {
            let n = number.clone();
            spawn_local(async move {
                notes.set(Some(api::list_notes(&n).await));
                wip.set(Some(api::wip(&n).await));
            })
        }
    };
    reload();
    let on_added = Callback::new(move |_: Note| reload());
    let data_number = number.clone();
    view! {
        <section class="page" id="matter-detail" data-number=data_number>
            <header class="page-head">
                <h1>{matter.number.clone()} " · " {matter.client_name.clone()}</h1>
                <button class="secondary" id="back-to-matters" on:click=move |_| on_close.run(())>"All matters"</button>
            </header>
            <div class="card">
                <dl class="facts">
                    <dt>"Client"</dt><dd>{matter.client_name}</dd>
                    <dt>"Description"</dt><dd>{matter.description}</dd>
                    <dt>"Opened"</dt><dd>{matter.opened} " by " {matter.opened_by}</dd>
                    <dt>"Status"</dt><dd>{matter.status}</dd>
                    <dt>"Work in progress"</dt>
                    <dd id="detail-wip">
                        {move || match wip.get() {
                            None => "…".to_owned(),
                            Some(Ok(w)) => format!("{} ({} billable units, {} entries)", w.value, w.billable_units, w.entries),
                            Some(Err(e)) => e.message,
                        }}
                    </dd>
                    <dt>"Estimate"</dt>
                    <dd id="detail-estimate">
                        {move || wip.get().and_then(Result::ok).and_then(|w| w.estimate).unwrap_or_else(|| "none given".into())}
                    </dd>
                </dl>
            </div>
            {move || {
                wip.get()
                    .and_then(Result::ok)
                    .and_then(|w| w.warning)
                    .map(|w| view! { <div class="banner warn" role="alert" id="estimate-warning">{w}</div> })
            }}
            <TermsForm matter=number.clone() on_saved=Callback::new(move |w: Wip| wip.set(Some(Ok(w)))) />
            <NoteForm matter=number on_added />
            <Loaded
                state=notes
                loading="Loading notes…"
                list_id="note-list"
                empty="No notes on this matter yet."
                table=|list| view! { <NoteList list /> }
            />
        </section>
    }
}

/// The matter's own rate and the estimate given to the client.
#[component]
fn TermsForm(matter: String, on_saved: Callback<Wip>) -> impl IntoView {
    let rate = RwSignal::new(String::new());
    let estimate = RwSignal::new(String::new());
    let form = FormState::new();
    let (error, busy) = (form.error, form.busy);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        let matter = matter.clone();
        form.submit(
            ev,
            || {
                let text =
                    |s: RwSignal<String>| Some(s.get_untracked()).filter(|t| !t.trim().is_empty());
                let req = MatterTermsRequest {
                    matter,
                    rate: text(rate),
                    estimate: text(estimate),
                };
                Ok(async move { api::set_matter_terms(&req).await })
            },
            move |w| on_saved.run(w),
        )
    };
    view! {
        <form class="card" id="terms-form" on:submit=submit novalidate>
            <h2>"Rate and estimate"</h2>
            <FormError last=error fields=&["rate", "estimate"] />
            <div class="row">
                <Field label="Matter rate (per hour)" id="terms-rate" value=rate error=field_error(error, "rate") hint="Overrides the fee earner's rate for time recorded from now on" />
                <Field label="Estimate given to the client" id="terms-estimate" value=estimate error=field_error(error, "estimate") hint="WIP past it raises a warning" />
                <div class="actions bottom">
                    <button type="submit" class="secondary" id="terms-submit" disabled=move || busy.get()>"Save"</button>
                </div>
            </div>
        </form>
    }
}

#[component]
fn NoteList(list: Vec<Note>) -> impl IntoView {
    let count = list.len();
    view! {
        <div class="notes" id="note-list" data-count=count>
            {list
                .into_iter()
                .rev()
                .map(|n| {
                    view! {
                        <article class="card note">
                            <header class="note-head">
                                <strong>{n.title}</strong>
                                <span class="muted">
                                    {if n.kind == "file" { "File note" } else { "Attendance note" }} " · " {n.author} " · "
                                    {n.written}
                                </span>
                            </header>
                            <p class="note-body">{n.body}</p>
                        </article>
                    }
                })
                .collect_view()}
        </div>
    }
}

#[component]
fn NoteForm(matter: String, on_added: Callback<Note>) -> impl IntoView {
    let kind = RwSignal::new("attendance".to_owned());
    let title = RwSignal::new(String::new());
    let body = RwSignal::new(String::new());
    let form = FormState::new();
    let (error, busy) = (form.error, form.busy);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        let matter = matter.clone();
        form.submit(
            ev,
            || {
                require(&title, "title", "Title")?;
                require(&body, "body", "The note")?;
                let req = NewNoteRequest {
                    matter,
                    kind: kind.get_untracked(),
                    title: title.get_untracked(),
                    body: body.get_untracked(),
                };
                Ok(async move { api::add_note(&req).await })
            },
            move |n| {
                title.set(String::new());
                body.set(String::new());
                on_added.run(n)
            },
        )
    };
    view! {
        <form class="card" id="note-form" on:submit=submit novalidate>
            <h2>"Add a note"</h2>
            <FormError last=error fields=&["title", "body", "kind"] />
            <div class="row">
                <label class="field narrow-field" for="note-kind">
                    <span class="label">"Kind"</span>
                    <select id="note-kind" bind:value=kind>
                        <option value="attendance">"Attendance note"</option>
                        <option value="file">"File note"</option>
                    </select>
                </label>
                <Field label="Title" id="note-title" value=title error=field_error(error, "title") />
            </div>
            <label class="field" for="note-body">
                <span class="label">"Note"</span>
                <textarea id="note-body" rows="6" bind:value=body class:invalid=move || field_error(error, "body").get().is_some()></textarea>
                {move || field_error(error, "body").get().map(|e| view! { <span class="field-error" id="note-body-error">{e}</span> })}
            </label>
            <div class="actions">
                <button type="submit" class="primary" id="note-submit" disabled=move || busy.get()>"Save note"</button>
            </div>
        </form>
    }
}
