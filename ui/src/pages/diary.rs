//! The diary on the Matters page: what falls in the next 14 days, adding a key date, and
//! exporting every key date to a calendar file.

use crate::api;
use crate::components::{Field, FormError, FormState, Loaded, field_error, require};
use leptos::prelude::*;
use leptos::task::spawn_local;
use satchel_api::{ApiError, KeyDate, NewKeyDateRequest, Task, TaskQuery};

/// The dashboard's window.
const DAYS: u32 = 14;

#[component]
pub fn Diary() -> impl IntoView {
    let upcoming = RwSignal::new(None::<Result<Vec<KeyDate>, ApiError>>);
    let tasks = RwSignal::new(None::<Result<Vec<Task>, ApiError>>);
    let reload = move || {
        spawn_local(async move {
            upcoming.set(Some(api::upcoming(DAYS).await));
            let mine = TaskQuery {
                days: Some(DAYS),
                ..Default::default()
            };
            tasks.set(Some(api::list_tasks(&mine).await));
        })
    };
    reload();
    let show_form = RwSignal::new(false);
    let exported = RwSignal::new(None::<Result<String, ApiError>>);
    let export = move |_| {
        spawn_local(async move { exported.set(Some(api::export_ics().await)) });
    };
    let on_added = Callback::new(move |_: KeyDate| {
        show_form.set(false);
        reload();
    });
    view! {
        <div class="card diary">
            <div class="page-head small">
                <h2>"Next 14 days"</h2>
                <div class="head-actions">
                    <button type="button" class="secondary" id="export-ics" on:click=export>"Export my calendar (.ics)"</button>
                    <button type="button" class="secondary" id="new-key-date" on:click=move |_| show_form.update(|s| *s = !*s)>
                        {move || if show_form.get() { "Cancel" } else { "Add key date" }}
                    </button>
                </div>
            </div>
            {move || exported.get().map(|r| match r {
                Ok(path) => view! { <p class="banner ok" id="ics-exported">"Saved " <span class="mono">{path}</span></p> }.into_any(),
                Err(e) => view! { <p class="error" role="alert">{e.message}</p> }.into_any(),
            })}
            <Show when=move || show_form.get()>
                <KeyDateForm on_added />
            </Show>
            <Loaded
                state=upcoming
                loading="Loading the diary…"
                list_id="upcoming"
                empty="Nothing falls due in the next 14 days."
                table=|list| view! { <UpcomingList list /> }
            />
            <h3>"My tasks"</h3>
            <Loaded
                state=tasks
                loading="Loading tasks…"
                list_id="my-tasks"
                empty="No tasks of yours fall due in the next 14 days."
                table=|list| view! { <MyTasks list /> }
            />
        </div>
    }
}

#[component]
fn MyTasks(list: Vec<Task>) -> impl IntoView {
    let count = list.len();
    view! {
        <ul class="upcoming" id="my-tasks" data-count=count>
            {list
                .into_iter()
                .map(|t| view! {
                    <li class="upcoming-item task">
                        <span class="mono date">{t.due}</span>
                        <strong>{t.matter_number}</strong>
                        <span class="title">{t.title}</span>
                    </li>
                })
                .collect_view()}
        </ul>
    }
}

#[component]
fn UpcomingList(list: Vec<KeyDate>) -> impl IntoView {
    let count = list.len();
    view! {
        <ul class="upcoming" id="upcoming" data-count=count>
            {list
                .into_iter()
                .map(|k| {
                    let when = match k.days_until {
                        0 => "today".to_owned(),
                        1 => "tomorrow".to_owned(),
                        n => format!("in {n} days"),
                    };
                    let class = format!("upcoming-item {}", k.kind);
                    view! {
                        <li class=class>
                            <span class="mono date">{k.date}</span>
                            <span class="when">{when}</span>
                            <strong>{k.matter_number}</strong>
                            <span class="kind">{k.kind}</span>
                            <span class="title">{k.title}</span>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
}

#[component]
fn KeyDateForm(on_added: Callback<KeyDate>) -> impl IntoView {
    let matter = RwSignal::new(String::new());
    let kind = RwSignal::new("hearing".to_owned());
    let date = RwSignal::new(String::new());
    let title = RwSignal::new(String::new());
    let remind = RwSignal::new(String::new());
    let form = FormState::new();
    let (error, busy) = (form.error, form.busy);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        form.submit(
            ev,
            || {
                require(&matter, "matter", "Matter")?;
                require(&date, "date", "Date")?;
                require(&title, "title", "Title")?;
                let reminder_days = match remind.get_untracked().trim() {
                    "" => None,
                    t => Some(t.parse::<u32>().map_err(|_| ApiError {
                        kind: satchel_api::ErrorKind::Invalid,
                        message: "Remind days must be a whole number of days.".into(),
                        field: Some("reminder_days".into()),
                    })?),
                };
                let req = NewKeyDateRequest {
                    matter: matter.get_untracked(),
                    kind: kind.get_untracked(),
                    date: date.get_untracked(),
                    title: title.get_untracked(),
                    reminder_days,
                };
                Ok(async move { api::add_key_date(&req).await })
            },
            move |k| on_added.run(k),
        )
    };
    view! {
        <form id="key-date-form" on:submit=submit novalidate>
            <FormError last=error fields=&["matter", "kind", "date", "title", "reminder_days"] />
            <div class="row">
                <Field label="Matter" id="kd-matter" value=matter error=field_error(error, "matter") hint="e.g. M00042" />
                <label class="field narrow-field" for="kd-kind">
                    <span class="label">"Kind"</span>
                    <select id="kd-kind" bind:value=kind>
                        <option value="hearing">"Hearing"</option>
                        <option value="limitation">"Limitation date"</option>
                        <option value="deadline">"Deadline"</option>
                        <option value="other">"Other"</option>
                    </select>
                </label>
                <Field label="Date" id="kd-date" kind="date" value=date error=field_error(error, "date") />
                <Field label="Remind days before" id="kd-remind" value=remind error=field_error(error, "reminder_days") hint="Blank: 90 limitation, 14 hearing, 7 deadline" />
            </div>
            <div class="row">
                <Field label="Title" id="kd-title" value=title error=field_error(error, "title") />
                <div class="actions bottom">
                    <button type="submit" class="primary" id="kd-submit" disabled=move || busy.get()>"Add key date"</button>
                </div>
            </div>
        </form>
    }
}
