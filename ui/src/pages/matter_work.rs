//! The working parts of a matter page: its status, who runs it, its tasks and documents.

use crate::api;
use crate::components::{
    Field, FormError, FormState, Loaded, chosen_file, field_error, file_bytes, require,
};
use leptos::prelude::*;
use leptos::task::spawn_local;
use satchel_api::{
    ApiError, Document, Matter, MatterDetailsRequest, MatterStatusRequest, NewTaskRequest, Task,
    TaskQuery, User,
};

/// The practice areas offered (the services check them again).
const AREAS: &[&str] = &[
    "general",
    "conveyancing",
    "commercial property",
    "corporate",
    "commercial",
    "dispute resolution",
    "personal injury",
    "clinical negligence",
    "employment",
    "family",
    "private client",
    "wills and probate",
    "immigration",
    "crime",
];

/// Close, reopen, archive: the moves open to a matter in its current status.
#[component]
pub fn StatusActions(matter: RwSignal<Matter>) -> impl IntoView {
    let error = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    let go = move |to: &'static str| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(None);
        let req = MatterStatusRequest {
            matter: matter.get_untracked().id,
            status: to.into(),
            on: None,
        };
        spawn_local(async move {
            match api::set_matter_status(&req).await {
                Ok(m) => matter.set(m),
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    };
    let moves = move || -> Vec<(&'static str, &'static str, &'static str)> {
        match matter.get().status.as_str() {
            "open" => vec![("closed", "Close matter", "status-close")],
            "closed" => vec![
                ("open", "Reopen", "status-reopen"),
                ("archived", "Archive", "status-archive"),
            ],
            _ => vec![("closed", "Return to closed", "status-unarchive")],
        }
    };
    view! {
        <div class="status-actions">
            {move || {
                moves()
                    .into_iter()
                    .map(|(to, label, id)| view! {
                        <button class="secondary" id=id disabled=move || busy.get() on:click=move |_| go(to)>{label}</button>
                    })
                    .collect_view()
            }}
            {move || error.get().map(|e| view! { <p class="error" role="alert" id="status-error">{e.message}</p> })}
        </div>
    }
}

/// Practice area, fee earner and supervisor.
#[component]
pub fn DetailsForm(matter: RwSignal<Matter>, users: Vec<User>) -> impl IntoView {
    let m = matter.get_untracked();
    let area = RwSignal::new(m.practice_area.clone());
    let fee_earner = RwSignal::new(m.fee_earner.clone());
    let supervisor = RwSignal::new(m.supervisor.clone().unwrap_or_default());
    let form = FormState::new();
    let (error, busy) = (form.error, form.busy);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        form.submit(
            ev,
            || {
                let req = MatterDetailsRequest {
                    matter: matter.get_untracked().id,
                    practice_area: Some(area.get_untracked()),
                    fee_earner: Some(fee_earner.get_untracked()),
                    supervisor: Some(supervisor.get_untracked()),
                };
                Ok(async move { api::set_matter_details(&req).await })
            },
            move |m| matter.set(m),
        )
    };
    let options = move |with_none: bool| {
        let mut v: Vec<_> = users
            .iter()
            .map(|u| (u.initials.clone(), format!("{} ({})", u.name, u.initials)))
            .collect();
        if with_none {
            v.insert(0, (String::new(), "None".to_owned()));
        }
        v.into_iter()
            .map(|(value, label)| view! { <option value=value>{label}</option> })
            .collect_view()
    };
    let (fee_options, sup_options) = (options(false), options(true));
    view! {
        <form class="card" id="details-form" on:submit=submit novalidate>
            <h2>"Who runs it"</h2>
            <FormError last=error fields=&["practice_area", "fee_earner", "supervisor"] />
            <div class="row">
                <label class="field" for="details-area">
                    <span class="label">"Practice area"</span>
                    <select id="details-area" bind:value=area>
                        {AREAS.iter().map(|a| view! { <option value=*a>{*a}</option> }).collect_view()}
                    </select>
                </label>
                <label class="field" for="details-fee-earner">
                    <span class="label">"Fee earner"</span>
                    <select id="details-fee-earner" bind:value=fee_earner>{fee_options}</select>
                    {move || field_error(error, "fee_earner").get().map(|e| view! { <span class="field-error">{e}</span> })}
                </label>
                <label class="field" for="details-supervisor">
                    <span class="label">"Supervisor"</span>
                    <select id="details-supervisor" bind:value=supervisor>{sup_options}</select>
                    {move || field_error(error, "supervisor").get().map(|e| view! { <span class="field-error" id="details-supervisor-error">{e}</span> })}
                </label>
                <div class="actions bottom">
                    <button type="submit" class="secondary" id="details-submit" disabled=move || busy.get()>"Save"</button>
                </div>
            </div>
        </form>
    }
}

/// A matter's tasks and the form to add one.
#[component]
pub fn TaskPanel(matter: RwSignal<Matter>, users: Vec<User>) -> impl IntoView {
    let tasks = RwSignal::new(None::<Result<Vec<Task>, ApiError>>);
    let reload = move || {
        let id = matter.get_untracked().id;
        spawn_local(async move {
            let q = TaskQuery {
                matter: Some(id),
                ..Default::default()
            };
            tasks.set(Some(api::list_tasks(&q).await));
        });
    };
    reload();
    let title = RwSignal::new(String::new());
    let due = RwSignal::new(String::new());
    let assignee = RwSignal::new(String::new());
    let form = FormState::new();
    let (error, busy) = (form.error, form.busy);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        form.submit(
            ev,
            || {
                require(&title, "title", "Task")?;
                require(&due, "due", "Due date")?;
                let req = NewTaskRequest {
                    matter: matter.get_untracked().id,
                    title: title.get_untracked(),
                    assignee: assignee.get_untracked(),
                    due: due.get_untracked(),
                };
                Ok(async move { api::add_task(&req).await })
            },
            move |_| {
                title.set(String::new());
                due.set(String::new());
                reload();
            },
        )
    };
    let done = Callback::new(move |id: String| {
        spawn_local(async move {
            if let Err(e) = api::complete_task(&id).await {
                tasks.set(Some(Err(e)));
            } else {
                reload();
            }
        });
    });
    let people = std::iter::once(view! { <option value="">"Me"</option> }.into_any())
        .chain(users.into_iter().map(|u| {
            view! { <option value=u.initials.clone()>{format!("{} ({})", u.name, u.initials)}</option> }
                .into_any()
        }))
        .collect_view();
    view! {
        <form class="card" id="task-form" on:submit=submit novalidate>
            <h2>"Tasks"</h2>
            <FormError last=error fields=&["title", "due", "assignee"] />
            <div class="row">
                <Field label="Task" id="task-title" value=title error=field_error(error, "title") />
                <Field label="Due" id="task-due" kind="date" value=due error=field_error(error, "due") />
                <label class="field narrow-field" for="task-assignee">
                    <span class="label">"For"</span>
                    <select id="task-assignee" bind:value=assignee>{people}</select>
                </label>
                <div class="actions bottom">
                    <button type="submit" class="secondary" id="task-submit" disabled=move || busy.get()>"Add task"</button>
                </div>
            </div>
        </form>
        <Loaded
            state=tasks
            loading="Loading tasks…"
            list_id="task-list"
            empty="No tasks on this matter."
            table=move |list| view! { <TaskTable list done /> }
        />
    }
}

#[component]
fn TaskTable(list: Vec<Task>, done: Callback<String>) -> impl IntoView {
    let count = list.len();
    view! {
        <div class="card flush">
            <table class="grid" id="task-list" data-count=count>
                <thead>
                    <tr><th>"Due"</th><th>"Task"</th><th>"For"</th><th>""</th></tr>
                </thead>
                <tbody>
                    {list
                        .into_iter()
                        .map(|t| {
                            let id = t.id.clone();
                            let finished = t.done_on.clone();
                            let is_done = finished.is_some();
                            view! {
                                <tr class="task-row" class:done=is_done>
                                    <td class="mono">{t.due}</td>
                                    <td>{t.title}</td>
                                    <td>{t.assignee}</td>
                                    <td>
                                        {match finished {
                                            Some(d) => view! { <span class="muted">"Done " {d}</span> }.into_any(),
                                            None => view! {
                                                <button class="link task-done" on:click=move |_| done.run(id.clone())>"Done"</button>
                                            }.into_any(),
                                        }}
                                    </td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// Bytes as "812 bytes", "14.2 KB", "3.5 MB".
fn size(bytes: u64) -> String {
    const KB: u64 = 1024;
    const MB: u64 = 1024 * 1024;
    if bytes < KB {
        format!("{bytes} bytes")
    } else if bytes < MB {
        let t = (bytes * 10 + KB / 2) / KB;
        format!("{}.{} KB", t / 10, t % 10)
    } else {
        let t = (bytes * 10 + MB / 2) / MB;
        format!("{}.{} MB", t / 10, t % 10)
    }
}

/// A matter's documents: upload (a file of the same name becomes a new version) and save
/// a copy to Downloads (recorded as a download).
#[component]
pub fn DocumentPanel(matter: RwSignal<Matter>) -> impl IntoView {
    let docs = RwSignal::new(None::<Result<Vec<Document>, ApiError>>);
    let message = RwSignal::new(None::<Result<String, String>>);
    let busy = RwSignal::new(false);
    let reload = move || {
        let id = matter.get_untracked().id;
        spawn_local(async move { docs.set(Some(api::list_documents(&id).await)) });
    };
    reload();
    let on_file = move |ev: leptos::ev::Event| {
        let Some(file) = chosen_file(&ev) else {
            return;
        };
        busy.set(true);
        message.set(None);
        let matter_id = matter.get_untracked().id;
        spawn_local(async move {
            let result = match file_bytes(&file).await {
                Ok(bytes) => api::add_document(&matter_id, &file.name(), &bytes).await,
                Err(e) => Err(e),
            };
            match result {
                Ok(d) => {
                    message.set(Some(Ok(format!(
                        "Added {} (version {}).",
                        d.name, d.version
                    ))));
                    reload();
                }
                Err(e) => message.set(Some(Err(e.message))),
            }
            busy.set(false);
        });
    };
    let save = Callback::new(move |(id, version): (String, u64)| {
        spawn_local(async move {
            match api::export_document(&id, Some(version)).await {
                Ok(x) => message.set(Some(Ok(format!(
                    "Saved {} version {} to {}",
                    x.name, x.version, x.path
                )))),
                Err(e) => message.set(Some(Err(e.message))),
            }
        });
    });
    view! {
        <div class="card" id="document-panel">
            <h2>"Documents"</h2>
            <label class="field" for="doc-file">
                <span class="label">"Add a document (up to 50 MB; a file of the same name becomes a new version)"</span>
                <input type="file" id="doc-file" on:change=on_file disabled=move || busy.get() />
            </label>
            {move || message.get().map(|m| match m {
                Ok(t) => view! { <p class="ok" role="status" id="doc-message">{t}</p> }.into_any(),
                Err(t) => view! { <p class="error" role="alert" id="doc-message">{t}</p> }.into_any(),
            })}
        </div>
        <Loaded
            state=docs
            loading="Loading documents…"
            list_id="document-list"
            empty="No documents on this matter."
            table=move |list| view! { <DocumentTable list save /> }
        />
    }
}

#[component]
fn DocumentTable(list: Vec<Document>, save: Callback<(String, u64)>) -> impl IntoView {
    let count = list.len();
    view! {
        <div class="card flush">
            <table class="grid" id="document-list" data-count=count>
                <thead>
                    <tr><th>"Name"</th><th>"Version"</th><th>"Size"</th><th>"Added"</th><th>""</th></tr>
                </thead>
                <tbody>
                    {list
                        .into_iter()
                        .flat_map(|d| {
                            let name = d.name.clone();
                            let id = d.id.clone();
                            d.versions.into_iter().enumerate().map(move |(i, v)| {
                                let id = id.clone();
                                let latest = i == 0;
                                view! {
                                    <tr class="document-row" class:older=!latest>
                                        <td>{if latest { name.clone() } else { String::new() }}</td>
                                        <td class="mono">{v.version}</td>
                                        <td>{size(v.size)}</td>
                                        <td class="muted">{v.added_by} " · " {v.added_at.chars().take(10).collect::<String>()}</td>
                                        <td><button class="link doc-save" on:click=move |_| save.run((id.clone(), v.version))>"Save a copy"</button></td>
                                    </tr>
                                }
                            })
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
}
