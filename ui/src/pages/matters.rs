//! Matters: the list, and the form to open one.

use crate::api;
use crate::components::{Field, FormError, FormState, field_error, require};
use leptos::prelude::*;
use leptos::task::spawn_local;
use satchel_api::{ApiError, Matter, NewMatterRequest};

const FIELDS: &[&str] = &["client_name", "description", "opened"];

#[component]
pub fn MattersPage() -> impl IntoView {
    let matters = RwSignal::new(None::<Result<Vec<Matter>, ApiError>>);
    let reload = move || {
        spawn_local(async move {
            matters.set(Some(api::list_matters().await));
        })
    };
    reload();
    let show_form = RwSignal::new(false);
    let just_created = RwSignal::new(None::<Matter>);
    let on_created = Callback::new(move |m: Matter| {
        show_form.set(false);
        just_created.set(Some(m));
        reload();
    });

    view! {
        <section class="page">
            <header class="page-head">
                <h1>"Matters"</h1>
                <button
                    class="primary"
                    id="new-matter"
                    on:click=move |_| {
                        just_created.set(None);
                        show_form.update(|s| *s = !*s)
                    }
                >
                    {move || if show_form.get() { "Cancel" } else { "New matter" }}
                </button>
            </header>
            {move || {
                just_created
                    .get()
                    .map(|m| {
                        view! {
                            <div class="banner ok" role="status" id="created-banner">
                                "Opened " <strong>{m.number}</strong> " for " {m.client_name} "."
                            </div>
                        }
                    })
            }}
            <Show when=move || show_form.get()>
                <NewMatterForm on_created />
            </Show>
            {move || match matters.get() {
                None => view! { <p class="muted">"Loading matters…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error" role="alert">{e.message}</p> }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! {
                    <div class="card empty" id="matter-list" data-count="0">
                        <p>"No matters yet. Choose " <strong>"New matter"</strong> " to open the first one."</p>
                    </div>
                }
                .into_any(),
                Some(Ok(list)) => view! { <MatterTable list /> }.into_any(),
            }}
        </section>
    }
}

#[component]
fn MatterTable(list: Vec<Matter>) -> impl IntoView {
    let count = list.len();
    view! {
        <div class="card flush">
            <table class="grid" id="matter-list" data-count=count>
                <thead>
                    <tr>
                        <th>"Number"</th>
                        <th>"Client"</th>
                        <th>"Description"</th>
                        <th>"Opened"</th>
                        <th>"By"</th>
                        <th>"Status"</th>
                    </tr>
                </thead>
                <tbody>
                    {list
                        .into_iter()
                        .map(|m| {
                            view! {
                                <tr class="matter-row" data-id=m.id.clone()>
                                    <td class="mono number">{m.number}</td>
                                    <td class="client">{m.client_name}</td>
                                    <td class="description">{m.description}</td>
                                    <td class="mono">{m.opened}</td>
                                    <td>{m.opened_by}</td>
                                    <td><span class=format!("pill {}", m.status)>{m.status.clone()}</span></td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn NewMatterForm(on_created: Callback<Matter>) -> impl IntoView {
    let client = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let opened = RwSignal::new(String::new());
    let form = FormState::new();
    let (error, busy) = (form.error, form.busy);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        form.submit(
            ev,
            || {
                require(&client, "client_name", "Client name")?;
                require(&description, "description", "Description")?;
                let req = NewMatterRequest {
                    client_name: client.get_untracked(),
                    description: description.get_untracked(),
                    opened: Some(opened.get_untracked()).filter(|d| !d.trim().is_empty()),
                    client_id: None,
                };
                Ok(async move { api::create_matter(&req).await })
            },
            move |m| on_created.run(m),
        )
    };
    view! {
        <form class="card" id="matter-form" on:submit=submit novalidate>
            <h2>"Open a matter"</h2>
            <FormError last=error fields=FIELDS />
            <div class="row">
                <Field label="Client name" id="client_name" value=client error=field_error(error, "client_name") autofocus=true />
                <Field label="Opening date" id="opened" kind="date" value=opened error=field_error(error, "opened") hint="Leave blank for today" />
            </div>
            <Field label="Description" id="description" value=description error=field_error(error, "description") hint="e.g. Purchase of 12 High Street" />
            <div class="actions">
                <button type="submit" class="primary" id="matter-submit" disabled=move || busy.get()>
                    {move || if busy.get() { "Opening…" } else { "Open matter" }}
                </button>
            </div>
        </form>
    }
}
