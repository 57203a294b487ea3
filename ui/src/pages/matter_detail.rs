//! One matter: its facts, work in progress and notes.

use super::matter_work::{DetailsForm, DocumentPanel, PartiesPanel, StatusActions, TaskPanel};
use super::money::MoneyPanel;
use crate::api;
use crate::components::{Field, FormError, FormState, Loaded, field_error, require};
use leptos::prelude::*;
use leptos::task::spawn_local;
use satchel_api::{
    ApiError, Expense, Matter, MatterTermsRequest, NewExpenseRequest, NewNoteRequest, Note, User,
    Wip,
};

/// The parts of a matter page, one at a time under the facts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tab {
    Overview,
    Parties,
    Tasks,
    Documents,
    Costs,
    Money,
    Notes,
    Access,
}

impl Tab {
    const ALL: [Tab; 8] = [
        Tab::Overview,
        Tab::Parties,
        Tab::Tasks,
        Tab::Documents,
        Tab::Costs,
        Tab::Money,
        Tab::Notes,
        Tab::Access,
    ];
    fn label(self) -> &'static str {
        match self {
            Tab::Overview => "Overview",
            Tab::Parties => "Parties",
            Tab::Tasks => "Tasks",
            Tab::Documents => "Documents",
            Tab::Costs => "Disbursements",
            Tab::Money => "Money",
            Tab::Notes => "Notes",
            Tab::Access => "Access",
        }
    }
    fn id(self) -> &'static str {
        match self {
            Tab::Overview => "tab-overview",
            Tab::Parties => "tab-parties",
            Tab::Tasks => "tab-tasks",
            Tab::Documents => "tab-documents",
            Tab::Costs => "tab-costs",
            Tab::Money => "tab-money",
            Tab::Notes => "tab-notes",
            Tab::Access => "tab-access",
        }
    }
}

#[component]
pub fn MatterDetail(matter: Matter, on_close: Callback<()>) -> impl IntoView {
    let number = matter.number.clone();
    // Opening a matter is recorded in the audit trail (who accessed it, and when).
    {
        let n = number.clone();
        spawn_local(async move {
            let _ = api::view_matter(&n).await;
        });
    }
    let notes = RwSignal::new(None::<Result<Vec<Note>, ApiError>>);
    let expenses = RwSignal::new(None::<Result<Vec<Expense>, ApiError>>);
    let wip = RwSignal::new(None::<Result<Wip, ApiError>>);
    let reload = {
        let number = number.clone();
        move || {
            let n = number.clone();
            spawn_local(async move {
                notes.set(Some(api::list_notes(&n).await));
                expenses.set(Some(api::list_expenses(&n).await));
                wip.set(Some(api::wip(&n).await));
            })
        }
    };
    reload();
    let on_added = {
        let reload = reload.clone();
        Callback::new(move |_: Note| reload())
    };
    let on_expense = {
        let reload = reload.clone();
        Callback::new(move |_: Expense| reload())
    };
    let data_number = number.clone();
    let header = format!("{} · {}", matter.number, matter.client_name);
    let current = RwSignal::new(matter);
    let users = RwSignal::new(None::<Vec<User>>);
    spawn_local(async move { users.set(Some(api::list_users().await.unwrap_or_default())) });
    let fact = move |f: fn(&Matter) -> String| move || current.with(f);
    let tab = RwSignal::new(Tab::Overview);
    let access_number = number.clone();
    let (terms_number, costs_number, notes_number, money_number) = (
        number.clone(),
        number.clone(),
        number.clone(),
        number.clone(),
    );
    view! {
        <section class="page" id="matter-detail" data-number=data_number>
            <header class="page-head">
                <h1>{header}</h1>
                <StatusActions matter=current />
                <button class="secondary" id="back-to-matters" on:click=move |_| on_close.run(())>"All matters"</button>
            </header>
            <div class="card">
                <dl class="facts">
                    <dt>"Client"</dt><dd>{fact(|m| m.client_name.clone())}</dd>
                    <dt>"Description"</dt><dd>{fact(|m| m.description.clone())}</dd>
                    <dt>"Opened"</dt><dd>{fact(|m| format!("{} by {}", m.opened, m.opened_by))}</dd>
                    <dt>"Status"</dt>
                    <dd id="detail-status">
                        {fact(|m| match (m.status.as_str(), &m.closed_on, &m.archived_on) {
                            ("closed", Some(d), _) => format!("Closed on {d}"),
                            ("archived", _, Some(d)) => format!("Archived on {d}"),
                            (s, _, _) => s[..1].to_uppercase() + &s[1..],
                        })}
                    </dd>
                    <dt>"Practice area"</dt><dd id="detail-area">{fact(|m| m.practice_area.clone())}</dd>
                    <dt>"Fee earner"</dt><dd id="detail-fee-earner">{fact(|m| m.fee_earner.clone())}</dd>
                    <dt>"Supervisor"</dt><dd id="detail-supervisor">{fact(|m| m.supervisor.clone().unwrap_or_else(|| "none".into()))}</dd>
                    <dt>"Work in progress"</dt>
                    <dd id="detail-wip">
                        {move || match wip.get() {
                            None => "…".to_owned(),
                            Some(Ok(w)) => format!("{} ({} billable units, {} entries)", w.value, w.billable_units, w.entries),
                            Some(Err(e)) => e.message,
                        }}
                    </dd>
                    <dt>"Disbursements and expenses"</dt>
                    <dd id="detail-costs">
                        {move || wip.get().and_then(Result::ok).map(|w| format!("{} disbursements; {} expenses (net of VAT)", w.disbursements, w.expenses)).unwrap_or_default()}
                    </dd>
                    <dt>"Estimate"</dt>
                    <dd id="detail-estimate">
                        {move || wip.get().and_then(Result::ok).and_then(|w| w.estimate).unwrap_or_else(|| "none given".into())}
                    </dd>
                </dl>
            </div>
            <ConflictsCard matter=number.clone() current />
            {move || {
                wip.get()
                    .and_then(Result::ok)
                    .and_then(|w| w.warning)
                    .map(|w| view! { <div class="banner warn" role="alert" id="estimate-warning">{w}</div> })
            }}
            <nav class="tabs" role="tablist">
                {Tab::ALL
                    .into_iter()
                    .map(|t| view! {
                        <button
                            role="tab"
                            id=t.id()
                            class="tab"
                            class:active=move || tab.get() == t
                            aria-selected=move || (tab.get() == t).to_string()
                            on:click=move |_| tab.set(t)
                        >
                            {t.label()}
                        </button>
                    })
                    .collect_view()}
            </nav>
            {move || match tab.get() {
                Tab::Overview => view! {
                    {move || users.get().map(|u| view! { <DetailsForm matter=current users=u /> })}
                    <TermsForm matter=terms_number.clone() on_saved=Callback::new(move |w: Wip| wip.set(Some(Ok(w)))) />
                }
                .into_any(),
                Tab::Parties => view! { <PartiesPanel matter=current /> }.into_any(),
                Tab::Tasks => view! {
                    {move || users.get().map(|u| view! { <TaskPanel matter=current users=u /> })}
                }
                .into_any(),
                Tab::Documents => view! { <DocumentPanel matter=current /> }.into_any(),
                Tab::Costs => view! {
                    <ExpenseForm matter=costs_number.clone() on_added=on_expense />
                    <Loaded
                        state=expenses
                        loading="Loading expenses…"
                        list_id="expense-list"
                        empty="No expenses or disbursements yet."
                        table=|list| view! { <ExpenseTable list /> }
                    />
                }
                .into_any(),
                Tab::Money => view! { <MoneyPanel matter=money_number.clone() /> }.into_any(),
                Tab::Notes => view! {
                    <NoteForm matter=notes_number.clone() on_added />
                    <Loaded
                        state=notes
                        loading="Loading notes…"
                        list_id="note-list"
                        empty="No notes on this matter yet."
                        table=|list| view! { <NoteList list /> }
                    />
                }
                .into_any(),
                Tab::Access => view! {
                    <super::access::AccessLogPanel matter=access_number.clone() />
                    {crate::session_role().as_deref().is_some_and(|r| r == "admin" || r == "partner").then(|| view! { <super::access::GrantsPanel matter=access_number.clone() /> })}
                }
                .into_any(),
            }}
        </section>
    }
}

#[component]
fn ExpenseTable(list: Vec<Expense>) -> impl IntoView {
    let count = list.len();
    view! {
        <div class="card flush">
            <table class="grid" id="expense-list" data-count=count>
                <thead>
                    <tr><th>"Date"</th><th>"Kind"</th><th>"Description"</th><th>"Net"</th><th>"VAT"</th></tr>
                </thead>
                <tbody>
                    {list
                        .into_iter()
                        .map(|x| view! {
                            <tr class="expense-row">
                                <td class="mono">{x.date}</td>
                                <td>{if x.kind == "disbursement" { "Disbursement" } else { "Expense" }}</td>
                                <td>{x.description}</td>
                                <td>{x.net}</td>
                                <td>{x.vat}</td>
                            </tr>
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn ExpenseForm(matter: String, on_added: Callback<Expense>) -> impl IntoView {
    let kind = RwSignal::new("disbursement".to_owned());
    let amount = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let form = FormState::new();
    let (error, busy) = (form.error, form.busy);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        let matter = matter.clone();
        form.submit(
            ev,
            || {
                require(&amount, "amount", "Amount")?;
                require(&description, "expense_description", "Description")?;
                let req = NewExpenseRequest {
                    matter,
                    kind: kind.get_untracked(),
                    amount: amount.get_untracked(),
                    description: description.get_untracked(),
                    date: String::new(),
                };
                Ok(async move { api::record_expense(&req).await })
            },
            move |x| {
                amount.set(String::new());
                description.set(String::new());
                on_added.run(x)
            },
        )
    };
    view! {
        <form class="card" id="expense-form" on:submit=submit novalidate>
            <h2>"Record a disbursement or expense"</h2>
            <FormError last=error fields=&["amount", "expense_description", "kind"] />
            <div class="row">
                <label class="field narrow-field wide" for="expense-kind">
                    <span class="label">"Kind"</span>
                    <select id="expense-kind" bind:value=kind>
                        <option value="disbursement">"Disbursement (paid as agent, no VAT)"</option>
                        <option value="expense">"Expense (recharged, plus VAT)"</option>
                    </select>
                </label>
                <Field label="Net amount" id="expense-amount" value=amount error=field_error(error, "amount") hint="e.g. 332.00" />
                <Field label="Description" id="expense_description" value=description error=field_error(error, "expense_description") />
                <div class="actions bottom">
                    <button type="submit" class="secondary" id="expense-submit" disabled=move || busy.get()>"Record"</button>
                </div>
            </div>
        </form>
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

/// Fields set apart on two devices: both values, the one shown marked, and a button to keep
/// each. Keeping one replaces both on every device once it syncs.
#[component]
fn ConflictsCard(matter: String, current: RwSignal<Matter>) -> impl IntoView {
    let conflicts = RwSignal::new(Vec::<satchel_api::FieldConflict>::new());
    let error = RwSignal::new(None::<String>);
    let matter = StoredValue::new(matter);
    let load = move || {
        spawn_local(async move {
            if let Ok(c) = api::matter_conflicts(&matter.get_value()).await {
                conflicts.set(c);
            }
        })
    };
    load();
    let keep = move |field: String, choice: u32| {
        spawn_local(async move {
            let req = satchel_api::ResolveConflictRequest {
                matter: matter.get_value(),
                field,
                choice,
            };
            match api::resolve_conflict(&req).await {
                Ok(left) => {
                    error.set(None);
                    conflicts.set(left);
                    if let Ok(m) = api::get_matter(&matter.get_value()).await {
                        current.set(m);
                    }
                }
                Err(e) => error.set(Some(e.message)),
            }
        })
    };
    move || {
        let list = conflicts.get();
        (!list.is_empty()).then(|| {
            let count = list.len();
            view! {
                <div class="card conflicts" id="conflicts" data-count=count role="alert">
                    <h2>"Changed on two devices"</h2>
                    <p class="muted">"These were set differently on two devices while apart. Both are kept until you choose; the matter shows the marked one meanwhile."</p>
                    {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
                    <dl class="facts">
                        {list
                            .into_iter()
                            .map(|c| {
                                let field = c.field.clone();
                                view! {
                                    <dt>{c.label.clone()}</dt>
                                    <dd class="choices" data-field=c.field.clone()>
                                        {c.values
                                            .iter()
                                            .enumerate()
                                            .map(|(i, v)| {
                                                let i = u32::try_from(i).unwrap_or(0);
                                                let f = field.clone();
                                                let showing = i == c.showing;
                                                view! {
                                                    <button class="secondary choice" data-choice=i on:click=move |_| keep(f.clone(), i)>
                                                        {format!("Keep {v}")}
                                                        {showing.then(|| view! { <span class="pill">"shown now"</span> })}
                                                    </button>
                                                }
                                            })
                                            .collect_view()}
                                    </dd>
                                }
                            })
                            .collect_view()}
                    </dl>
                </div>
            }
        })
    }
}
