//! The working parts of a matter page: its status, who runs it, its tasks and documents.

use crate::api;
use crate::components::{
    Field, FormError, FormState, Loaded, chosen_file, field_error, file_bytes, require,
};
use leptos::prelude::*;
use leptos::task::spawn_local;
use satchel_api::{
    AddPartyRequest, ApiError, Contact, Document, Matter, MatterDetailsRequest,
    MatterStatusRequest, NewTaskRequest, Party, Task, TaskQuery, User,
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
                                        <td>{v.size_text}</td>
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

/// The roles a contact can hold on a matter (the services check them again).
const ROLES: &[(&str, &str)] = &[
    ("client", "Client"),
    ("other_side", "Other side"),
    ("other_side_solicitor", "Other side's solicitor"),
    ("court", "Court"),
    ("counsel", "Counsel"),
    ("expert", "Expert"),
    ("witness", "Witness"),
    ("other", "Other"),
];

/// Who is on the matter, and putting a contact on it: type part of a name, choose the
/// contact, choose the role.
#[component]
pub fn PartiesPanel(matter: RwSignal<Matter>) -> impl IntoView {
    let parties = RwSignal::new(None::<Result<Vec<Party>, ApiError>>);
    let reload = move || {
        let id = matter.get_untracked().id;
        spawn_local(async move { parties.set(Some(api::list_parties(&id).await)) });
    };
    reload();
    let query = RwSignal::new(String::new());
    let found = RwSignal::new(Vec::<Contact>::new());
    let chosen = RwSignal::new(None::<Contact>);
    let role = RwSignal::new("other_side".to_owned());
    let error = RwSignal::new(None::<ApiError>);
    let on_query = move |_| {
        let q = query.get_untracked();
        chosen.set(None);
        spawn_local(async move {
            if q.trim().len() < 2 {
                found.set(Vec::new());
                return;
            }
            if let Ok(mut list) = api::list_contacts(Some(&q)).await {
                list.truncate(8);
                found.set(list);
            }
        });
    };
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(c) = chosen.get_untracked() else {
            error.set(Some(ApiError {
                kind: satchel_api::ErrorKind::Invalid,
                message: "Choose a contact from the list first.".into(),
                field: None,
            }));
            return;
        };
        let req = AddPartyRequest {
            matter: matter.get_untracked().id,
            contact_id: c.id,
            role: role.get_untracked(),
        };
        spawn_local(async move {
            match api::add_party(&req).await {
                Ok(()) => {
                    error.set(None);
                    query.set(String::new());
                    found.set(Vec::new());
                    chosen.set(None);
                    reload();
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <form class="card" id="party-form" on:submit=add novalidate>
            <h2>"Parties"</h2>
            {move || error.get().map(|e| view! { <p class="error" role="alert" id="party-error">{e.message}</p> })}
            <div class="row">
                <label class="field" for="party-search">
                    <span class="label">"Contact"</span>
                    <input id="party-search" type="search" autocomplete="off" placeholder="Type part of a name"
                        bind:value=query on:input=on_query />
                    <ul class="picker" id="party-choices">
                        {move || found.get().into_iter().map(|c| {
                            let pick = c.clone();
                            let picked = move || chosen.get().is_some_and(|x| x.id == pick.id);
                            let take = c.clone();
                            view! {
                                <li class="picker-item" class:chosen=picked on:click=move |_| chosen.set(Some(take.clone()))>
                                    {c.name.clone()} <span class="muted">{" · "}{c.postcode.clone().unwrap_or_default()}</span>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                </label>
                <label class="field narrow-field" for="party-role">
                    <span class="label">"Role"</span>
                    <select id="party-role" bind:value=role>
                        {ROLES.iter().map(|(v, l)| view! { <option value=*v>{*l}</option> }).collect_view()}
                    </select>
                </label>
                <div class="actions bottom">
                    <button type="submit" class="secondary" id="party-submit">"Add to matter"</button>
                </div>
            </div>
        </form>
        <Loaded
            state=parties
            loading="Loading parties…"
            list_id="party-list"
            empty="No contacts on this matter yet."
            table=|list| view! { <PartyTable list /> }
        />
    }
}

#[component]
fn PartyTable(list: Vec<Party>) -> impl IntoView {
    let count = list.len();
    view! {
        <div class="card flush">
            <table class="grid" id="party-list" data-count=count>
                <thead>
                    <tr><th>"Role"</th><th>"Name"</th><th>"Email"</th><th>"Phone"</th></tr>
                </thead>
                <tbody>
                    {list
                        .into_iter()
                        .map(|p| view! {
                            <tr class="party-row">
                                <td>{p.role_label}</td>
                                <td>{p.name}</td>
                                <td>{p.email.unwrap_or_default()}</td>
                                <td>{p.phone.unwrap_or_default()}</td>
                            </tr>
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
}
