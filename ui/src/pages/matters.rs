//! Matters: the list, and the form to open one.

use crate::api;
use crate::components::{Field, FormError, FormState, Loaded, field_error, require};
use leptos::prelude::*;
use leptos::task::spawn_local;
use satchel_api::{ApiError, ConflictReport, ErrorKind, Matter, NewMatterRequest};

const FIELDS: &[&str] = &[
    "client_name",
    "description",
    "opened",
    "conflict_decision",
    "conflict_reason",
];

#[component]
pub fn MattersPage() -> impl IntoView {
    let selected = crate::nav().matter;
    let on_open = Callback::new(move |m: Matter| selected.set(Some(m)));
    let on_close = Callback::new(move |_: ()| selected.set(None));
    move || match selected.get() {
        Some(matter) => view! { <super::matter_detail::MatterDetail matter on_close /> }.into_any(),
        None => view! { <MatterList on_open /> }.into_any(),
    }
}

#[component]
fn MatterList(on_open: Callback<Matter>) -> impl IntoView {
    let matters = RwSignal::new(None::<Result<Vec<Matter>, ApiError>>);
    let reload = move || {
        spawn_local(async move {
            matters.set(Some(api::list_matters().await));
        })
    };
    reload();
    let filter = RwSignal::new(String::new());
    let status = RwSignal::new("open".to_owned());
    let sort = RwSignal::new(Sort::default());
    let total = RwSignal::new(0usize);
    // The rows to show: filtered, sorted, at most SHOWN of them.
    let shown = RwSignal::new(None::<Result<Vec<Matter>, ApiError>>);
    Effect::new(move |_| {
        let f = filter.get().trim().to_lowercase();
        let st = status.get();
        let order = sort.get();
        shown.set(matters.get().map(|r| {
            r.map(|all| {
                let mut list: Vec<Matter> = all
                    .into_iter()
                    .filter(|m| st.is_empty() || m.status == st)
                    .filter(|m| {
                        f.is_empty()
                            || m.number.to_lowercase().contains(&f)
                            || m.client_name.to_lowercase().contains(&f)
                            || m.description.to_lowercase().contains(&f)
                    })
                    .collect();
                order.apply(&mut list);
                total.set(list.len());
                list.truncate(SHOWN);
                list
            })
        }));
    });
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
            {crate::session_role()
                .filter(|r| r == "admin" || r == "partner")
                .map(|_| view! { <super::compliance::ComplianceDue /> })}
            <super::diary::Diary />
            <div class="list-tools">
                <input id="matter-filter" class="search" type="search" placeholder="Filter by number, client or description" bind:value=filter />
                <select id="matter-status-filter" bind:value=status>
                    <option value="open">"Open matters"</option>
                    <option value="closed">"Closed"</option>
                    <option value="archived">"Archived"</option>
                    <option value="">"All matters"</option>
                </select>
            </div>
            <Loaded
                state=shown
                loading="Loading matters…"
                list_id="matter-list"
                empty="No matters here. Choose New matter to open one, or change the filter."
                table=move |list| view! { <MatterTable list on_open sort total=total.get_untracked() /> }
            />
        </section>
    }
}

/// The most rows the list shows at once; the filter narrows the rest.
const SHOWN: usize = 200;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
enum SortKey {
    #[default]
    Number,
    Client,
    Opened,
    FeeEarner,
}

/// The list's order: a column, and whether it runs backwards (newest number first by
/// default).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Sort {
    key: SortKey,
    descending: bool,
}

impl Default for Sort {
    fn default() -> Self {
        Sort {
            key: SortKey::Number,
            descending: true,
        }
    }
}

impl Sort {
    fn apply(self, list: &mut [Matter]) {
        match self.key {
            SortKey::Number => {
                list.sort_by_key(|m| m.number.trim_start_matches('M').parse::<u32>().unwrap_or(0))
            }
            SortKey::Client => list.sort_by_key(|m| m.client_name.to_lowercase()),
            SortKey::Opened => {
                list.sort_by(|a, b| a.opened.cmp(&b.opened).then(a.number.cmp(&b.number)))
            }
            SortKey::FeeEarner => list.sort_by(|a, b| a.fee_earner.cmp(&b.fee_earner)),
        }
        if self.descending {
            list.reverse();
        }
    }

    /// Click on a column: sort by it, or turn it round if it is the one already.
    fn click(self, key: SortKey) -> Sort {
        if self.key == key {
            Sort {
                key,
                descending: !self.descending,
            }
        } else {
            Sort {
                key,
                descending: false,
            }
        }
    }
}

/// Move keyboard focus to the next or previous row of a table.
fn focus_sibling(ev: &leptos::ev::KeyboardEvent, forward: bool) {
    use wasm_bindgen::JsCast;
    let Some(row) = ev
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
    else {
        return;
    };
    let next = if forward {
        row.next_element_sibling()
    } else {
        row.previous_element_sibling()
    };
    if let Some(el) = next.and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()) {
        ev.prevent_default();
        let _ = el.focus();
    }
}

#[component]
fn MatterTable(
    list: Vec<Matter>,
    on_open: Callback<Matter>,
    sort: RwSignal<Sort>,
    total: usize,
) -> impl IntoView {
    let count = list.len();
    let head = move |key: SortKey, label: &'static str, id: &'static str| {
        view! {
            <th>
                <button class="sort" id=id on:click=move |_| sort.update(|s| *s = s.click(key))>
                    {label}
                    {move || {
                        let s = sort.get();
                        if s.key != key { "" } else if s.descending { " ↓" } else { " ↑" }
                    }}
                </button>
            </th>
        }
    };
    let more = (total > count).then(|| {
        view! {
            <p class="muted list-more" id="matter-list-more">
                "Showing " {count} " of " {total} " matters; type in the filter to find the rest."
            </p>
        }
    });
    view! {
        <div class="card flush">
            <table class="grid" id="matter-list" data-count=count>
                <thead>
                    <tr>
                        {head(SortKey::Number, "Number", "sort-number")}
                        {head(SortKey::Client, "Client", "sort-client")}
                        <th>"Description"</th>
                        {head(SortKey::Opened, "Opened", "sort-opened")}
                        {head(SortKey::FeeEarner, "Fee earner", "sort-fee-earner")}
                        <th>"Status"</th>
                    </tr>
                </thead>
                <tbody>
                    {list
                        .into_iter()
                        .map(|m| {
                            let open = m.clone();
                            let number = m.number.clone();
                            let by_key = m.clone();
                            view! {
                                <tr class="matter-row" data-id=m.id.clone() data-number=number tabindex="0"
                                    on:click=move |_| on_open.run(open.clone())
                                    on:keydown=move |ev| match ev.key().as_str() {
                                        "Enter" => on_open.run(by_key.clone()),
                                        "ArrowDown" => focus_sibling(&ev, true),
                                        "ArrowUp" => focus_sibling(&ev, false),
                                        _ => {}
                                    }>
                                    <td class="mono number">{m.number}</td>
                                    <td class="client">{m.client_name}</td>
                                    <td class="description">{m.description}</td>
                                    <td class="mono">{m.opened}</td>
                                    <td>{m.fee_earner}</td>
                                    <td><span class=format!("pill {}", m.status)>{m.status.clone()}</span></td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
            {more}
        </div>
    }
}

#[component]
fn NewMatterForm(on_created: Callback<Matter>) -> impl IntoView {
    let client = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let opened = RwSignal::new(String::new());
    let decision = RwSignal::new(String::new());
    let reason = RwSignal::new(String::new());
    let form = FormState::new();
    let (error, busy) = (form.error, form.busy);
    // The conflict check shown, for the client's name as it was when it ran.
    let report = RwSignal::new(None::<Result<ConflictReport, ApiError>>);
    let checked_name = RwSignal::new(String::new());
    let current = move || {
        report
            .get_untracked()
            .and_then(Result::ok)
            .filter(|_| checked_name.get_untracked() == client.get_untracked())
    };
    let hits_shown = move || {
        report
            .get()
            .and_then(Result::ok)
            .is_some_and(|r| !r.hits.is_empty())
    };

    let submit = move |ev: leptos::ev::SubmitEvent| {
        form.submit(
            ev,
            || {
                require(&client, "client_name", "Client name")?;
                require(&description, "description", "Description")?;
                let mut req = NewMatterRequest {
                    client_name: client.get_untracked(),
                    description: description.get_untracked(),
                    opened: Some(opened.get_untracked()).filter(|d| !d.trim().is_empty()),
                    conflict_decision: Some(decision.get_untracked()).filter(|d| !d.is_empty()),
                    conflict_reason: Some(reason.get_untracked()).filter(|r| !r.trim().is_empty()),
                    ..Default::default()
                };
                let known = current();
                Ok(async move {
                    // No check for this name yet: run it first, and show what it found.
                    let check = match known {
                        Some(r) => r,
                        None => {
                            let r = api::conflict_check(vec![req.client_name.clone()]).await?;
                            checked_name.set(req.client_name.clone());
                            report.set(Some(Ok(r.clone())));
                            r
                        }
                    };
                    if !check.hits.is_empty() && req.conflict_decision.is_none() {
                        return Err(ApiError {
                            kind: ErrorKind::Invalid,
                            message:
                                "Review the possible conflicts above and record your decision."
                                    .into(),
                            field: Some("conflict_decision".into()),
                        });
                    }
                    req.conflict_check_id = Some(check.id);
                    api::create_matter(&req).await
                })
            },
            move |m| on_created.run(m),
        )
    };
    let check = move |_| {
        let name = client.get_untracked();
        if name.trim().is_empty() {
            error.set(require(&client, "client_name", "Client name").err());
            return;
        }
        spawn_local(async move {
            let r = api::conflict_check(vec![name.clone()]).await;
            checked_name.set(name);
            report.set(Some(r));
        });
    };
    view! {
        <form class="card" id="matter-form" on:submit=submit novalidate>
            <h2>"Open a matter"</h2>
            <FormError last=error fields=FIELDS />
            <div class="row">
                <Field label="Client name" id="client_name" value=client error=field_error(error, "client_name") autofocus=true />
                <Field label="Opening date" id="opened" kind="date" value=opened error=field_error(error, "opened") hint="Leave blank for today" />
            </div>
            <div class="conflict-bar">
                <button type="button" class="secondary" id="conflict-check" on:click=check>
                    "Check for conflicts"
                </button>
                <span class="hint">"Searches every party of every matter, and every contact, for the client's name. Opening the matter runs it if you have not."</span>
            </div>
            {move || report.get().map(|r| view! { <ConflictResults report=r /> })}
            <Show when=hits_shown>
                <div class="row">
                    <label class="field narrow-field wide" for="conflict_decision">
                        <span class="label">"Decision"</span>
                        <select id="conflict_decision" name="conflict_decision" bind:value=decision>
                            <option value="">"Choose…"</option>
                            <option value="cleared">"Not a conflict: cleared after review"</option>
                            <option value="consent">"A conflict: act with informed consent"</option>
                        </select>
                        {move || field_error(error, "conflict_decision").get().map(|e| view! { <span class="field-error" id="conflict_decision-error">{e}</span> })}
                    </label>
                    <Field label="Reason" id="conflict_reason" value=reason error=field_error(error, "conflict_reason") hint="Recorded on the matter with the check" />
                </div>
            </Show>
            <Field label="Description" id="description" value=description error=field_error(error, "description") hint="e.g. Purchase of 12 High Street" />
            <div class="actions">
                <button type="submit" class="primary" id="matter-submit" disabled=move || busy.get()>
                    {move || if busy.get() { "Opening…" } else { "Open matter" }}
                </button>
            </div>
        </form>
    }
}

/// The hits of a conflict check, grouped by matter.
#[component]
fn ConflictResults(report: Result<ConflictReport, ApiError>) -> impl IntoView {
    let report = match report {
        Ok(r) => r,
        Err(e) => return view! { <p class="error" role="alert">{e.message}</p> }.into_any(),
    };
    if report.hits.is_empty() {
        return view! {
            <div class="banner ok" id="conflict-results" data-hits="0">
                "No possible conflicts among " {report.parties_checked} " parties."
            </div>
        }
        .into_any();
    }
    let mut groups: Vec<(String, Vec<satchel_api::ConflictHit>)> = Vec::new();
    for h in report.hits.iter().cloned() {
        let title = match (&h.matter_number, &h.matter_description) {
            (Some(n), Some(d)) => format!("{n} · {d}"),
            _ => "Contacts on no matter".to_owned(),
        };
        match groups.last_mut() {
            Some((t, list)) if *t == title => list.push(h),
            _ => groups.push((title, vec![h])),
        }
    }
    let count = report.hits.len();
    view! {
        <div class="banner warn conflict" id="conflict-results" data-hits=count>
            <strong>{count} " possible conflict(s)"</strong>
            " among " {report.parties_checked} " parties. Review each before opening the matter."
            {groups
                .into_iter()
                .map(|(title, hits)| {
                    view! {
                        <div class="conflict-group">
                            <div class="conflict-matter">{title}</div>
                            <ul>
                                {hits
                                    .into_iter()
                                    .map(|h| {
                                        let role = h.role.clone().unwrap_or_else(|| "contact".into()).replace('_', " ");
                                        view! {
                                            <li class="conflict-hit">
                                                <strong>{h.party_name}</strong>
                                                " — " {role} " · " {h.match_kind} " match (" {h.score} ")"
                                            </li>
                                        }
                                    })
                                    .collect_view()}
                            </ul>
                        </div>
                    }
                })
                .collect_view()}
        </div>
    }
    .into_any()
}
