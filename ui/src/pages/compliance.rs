//! The Compliance section (UK GDPR), for the COLP, admins and partners: subject requests
//! with their clocks, erasure with the law's holds shown first, the breach register with
//! the ICO's 72 hours, the retention schedule and its review, and the record of
//! processing. The services decide everything; these cards ask and show.

use crate::api;
use crate::components::{Field, FormError, Loaded, field_error};
use leptos::prelude::*;
use leptos::task::spawn_local;
use satchel_api::{
    ApiError, DataBreach, ErasureDone, ErasurePlan, NewDataBreach, NewSubjectRequest,
    ProcessingActivity, Retention, SubjectRequest,
};

type State<T> = RwSignal<Option<Result<T, ApiError>>>;

/// The most matters due for review the page lists at once (a ten-year firm may have
/// thousands past their date).
const SHOWN: usize = 200;

#[component]
pub fn CompliancePage() -> impl IntoView {
    // The erasure card's person and request, set from a request's "Plan erasure".
    // A contact's page may have sent us here for one person.
    let nav = crate::nav();
    let start = nav.compliance_person.get_untracked().unwrap_or_default();
    nav.compliance_person.set(None);
    let erase_person = RwSignal::new(start.clone());
    let erase_request = RwSignal::new(String::new());
    // Moved by an erasure, which may answer a request.
    let changed = RwSignal::new(0u32);
    view! {
        <div class="page-head">
            <h1>"Compliance"</h1>
        </div>
        <p class="muted">"UK GDPR: subject access and erasure, personal-data breaches, how long matters are kept, and the record of processing."</p>
        <SubjectRequests erase_person erase_request changed start />
        <Erasure person=erase_person request=erase_request changed />
        <Breaches />
        <RetentionCard changed />
        <Processing />
    }
}

/// What is due on the dashboard: open subject requests and breaches whose ICO clock runs.
#[component]
pub fn ComplianceDue() -> impl IntoView {
    let requests: State<Vec<SubjectRequest>> = RwSignal::new(None);
    let breaches: State<Vec<DataBreach>> = RwSignal::new(None);
    spawn_local(async move {
        requests.set(Some(api::subject_requests().await));
        breaches.set(Some(api::data_breaches().await));
    });
    move || {
        let open: Vec<SubjectRequest> = match requests.get() {
            Some(Ok(list)) => list
                .into_iter()
                .filter(|r| r.answered_on.is_none())
                .collect(),
            _ => Vec::new(),
        };
        let running: Vec<DataBreach> = match breaches.get() {
            Some(Ok(list)) => list
                .into_iter()
                .filter(|b| b.ico_must_be_told && b.ico_reported_at.is_none())
                .collect(),
            _ => Vec::new(),
        };
        (!open.is_empty() || !running.is_empty()).then(|| {
            let count = open.len() + running.len();
            view! {
                <div class="card compliance-due" id="compliance-due" data-count=count>
                    <h2>"Compliance due"</h2>
                    <ul class="upcoming">
                        {open.into_iter().map(|r| {
                            let late = r.days_left.is_some_and(|d| d < 0);
                            view! {
                                <li class="upcoming-item" class:overdue=late>
                                    <span class="mono date">{r.due_on.clone()}</span>
                                    <strong>{format!("Subject {} request", r.kind)}</strong>
                                    <span class="title">{r.person.clone()} " — " {days(r.days_left)}</span>
                                </li>
                            }
                        }).collect_view()}
                        {running.into_iter().map(|b| view! {
                            <li class="upcoming-item" class:overdue=b.ico_clock.starts_with("overdue")>
                                <span class="mono date">{b.ico_deadline.clone()}</span>
                                <strong>"Personal-data breach"</strong>
                                <span class="title">{b.nature.clone()} " — " {b.ico_clock.clone()}</span>
                            </li>
                        }).collect_view()}
                    </ul>
                </div>
            }
        })
    }
}

fn days(left: Option<i64>) -> String {
    match left {
        None => "answered".into(),
        Some(d) if d < 0 => format!("overdue by {} days", -d),
        Some(0) => "due today".into(),
        Some(1) => "1 day left".into(),
        Some(d) => format!("{d} days left"),
    }
}

fn shown_error(e: &Option<ApiError>) -> impl IntoView + use<> {
    e.clone()
        .map(|e| view! { <p class="error" role="alert">{e.message}</p> })
}

/// What a row's inline form does.
#[derive(Clone, PartialEq)]
enum RowAction {
    Extend(String),
    Answer(String),
}

#[component]
fn SubjectRequests(
    erase_person: RwSignal<String>,
    erase_request: RwSignal<String>,
    changed: RwSignal<u32>,
    /// The person to start the form with.
    start: String,
) -> impl IntoView {
    let list: State<Vec<SubjectRequest>> = RwSignal::new(None);
    let reload = move || spawn_local(async move { list.set(Some(api::subject_requests().await)) });
    Effect::new(move |_| {
        changed.track();
        reload();
    });
    let person = RwSignal::new(start);
    let kind = RwSignal::new("access".to_owned());
    let received = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let message = RwSignal::new(None::<String>);
    let acting = RwSignal::new(None::<RowAction>);
    let text = RwSignal::new(String::new());
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let req = NewSubjectRequest {
            person: person.get_untracked(),
            kind: kind.get_untracked(),
            received_on: received.get_untracked(),
        };
        spawn_local(async move {
            match api::add_subject_request(&req).await {
                Ok(r) => {
                    error.set(None);
                    person.set(String::new());
                    message.set(Some(format!(
                        "Logged the {} request from {}: answer by {}.",
                        r.kind, r.person, r.due_on
                    )));
                    reload();
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let export = move |contact: String| {
        spawn_local(async move {
            match api::export_subject_access(&contact).await {
                Ok(e) => {
                    error.set(None);
                    message.set(Some(format!(
                        "Saved {} files to {}: {} matters, {} items; {} marked for privilege review before release.",
                        e.files.len(),
                        e.folder,
                        e.matters,
                        e.items,
                        e.to_review
                    )));
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let confirm = move |_| {
        let Some(action) = acting.get_untracked() else {
            return;
        };
        let t = text.get_untracked();
        spawn_local(async move {
            let r = match &action {
                RowAction::Extend(id) => api::extend_subject_request(id, &t).await,
                RowAction::Answer(id) => api::answer_subject_request(id, &t).await,
            };
            match r {
                Ok(r) => {
                    error.set(None);
                    acting.set(None);
                    text.set(String::new());
                    message.set(Some(match action {
                        RowAction::Extend(_) => {
                            format!("Extended: answer by {}. Tell the requester why.", r.due_on)
                        }
                        RowAction::Answer(_) => "Marked answered.".to_owned(),
                    }));
                    reload();
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <div class="card" id="subject-requests-card">
            <h2>"Subject requests"</h2>
            <p class="muted">"A request must be answered within one calendar month; a complex one may be extended by two months if the requester is told within the first."</p>
            <form class="row" on:submit=add>
                <Field label="Person (a contact's name)" id="sar-person" value=person error=field_error(error, "person") />
                <label class="field narrow-field"><span class="label">"Request"</span>
                    <select id="sar-kind" on:change=move |ev| kind.set(event_target_value(&ev))>
                        <option value="access" selected=true>"Subject access"</option>
                        <option value="erasure">"Erasure"</option>
                    </select>
                </label>
                <Field label="Received" id="sar-received" kind="date" value=received error=field_error(error, "received_on") hint="blank for today" />
                <div class="actions"><button type="submit" class="secondary" id="sar-add">"Log request"</button></div>
            </form>
            <FormError last=error fields=&["person", "received_on"] />
            {move || message.get().map(|m| view! { <p class="banner ok" role="status" id="sar-message">{m}</p> })}
            <Loaded
                state=list
                loading="Loading…"
                list_id="subject-requests"
                empty="No requests logged."
                table={move |rows: Vec<SubjectRequest>| {
                    let count = rows.len();
                    view! {
                        <table class="grid" id="subject-requests" data-count=count>
                            <thead><tr><th>"Person"</th><th>"Request"</th><th>"Received"</th><th>"Due"</th><th>"State"</th><th></th></tr></thead>
                            <tbody>
                                {rows.into_iter().map(|r| {
                                    let open = r.answered_on.is_none();
                                    let late = r.days_left.is_some_and(|d| d < 0);
                                    let (id1, id2, id3) = (r.id.clone(), r.id.clone(), r.id.clone());
                                    let (contact, contact2) = (r.contact_id.clone(), r.contact_id.clone());
                                    let access = r.kind == "access";
                                    view! {
                                        <tr class:overdue=late data-request=r.id.clone()>
                                            <td>{r.person.clone()}</td>
                                            <td>{r.kind.clone()}{r.extended.then_some(" (extended)")}</td>
                                            <td class="mono">{r.received_on.clone()}</td>
                                            <td class="mono">{r.due_on.clone()}</td>
                                            <td>{match &r.answered_on {
                                                Some(on) => format!("answered {on}"),
                                                None => days(r.days_left),
                                            }}</td>
                                            <td class="row-actions">
                                                <Show when=move || open && access>
                                                    <button class="link sar-export" on:click={let c = contact.clone(); move |_| export(c.clone())}>"Export"</button>
                                                </Show>
                                                <Show when=move || open && !access>
                                                    <button class="link sar-plan" on:click={let c = contact2.clone(); let id = id3.clone(); move |_| {
                                                        erase_person.set(c.clone());
                                                        erase_request.set(id.clone());
                                                    }}>"Plan erasure"</button>
                                                </Show>
                                                <Show when=move || open && !r.extended>
                                                    <button class="link sar-extend" on:click={let id = id1.clone(); move |_| acting.set(Some(RowAction::Extend(id.clone())))}>"Extend"</button>
                                                </Show>
                                                <Show when=move || open>
                                                    <button class="link sar-answer" on:click={let id = id2.clone(); move |_| acting.set(Some(RowAction::Answer(id.clone())))}>"Answered"</button>
                                                </Show>
                                            </td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    }
                }}
            />
            {move || acting.get().map(|a| {
                let label = match a {
                    RowAction::Extend(_) => "Why the request is complex (the requester is told)",
                    RowAction::Answer(_) => "What was sent or done",
                };
                view! {
                    <div class="row inline-form">
                        <label class="field"><span class="label">{label}</span><input id="sar-action-text" bind:value=text /></label>
                        <div class="actions">
                            <button class="secondary" id="sar-action-confirm" on:click=confirm>"Record"</button>
                            <button class="link" on:click=move |_| acting.set(None)>"Cancel"</button>
                        </div>
                    </div>
                }
            })}
        </div>
    }
}

#[component]
fn Erasure(
    person: RwSignal<String>,
    request: RwSignal<String>,
    changed: RwSignal<u32>,
) -> impl IntoView {
    let plan: State<ErasurePlan> = RwSignal::new(None);
    let done = RwSignal::new(None::<ErasureDone>);
    let error = RwSignal::new(None::<ApiError>);
    let confirming = RwSignal::new(false);
    let check = move || {
        let p = person.get_untracked();
        done.set(None);
        confirming.set(false);
        spawn_local(async move { plan.set(Some(api::erasure_plan(&p).await)) });
    };
    // A request's "Plan erasure" fills the person in and asks at once.
    Effect::new(move |_| {
        if !request.get().is_empty() {
            check();
        }
    });
    let erase = move |_| {
        let req = satchel_api::EraseRequest {
            person: person.get_untracked(),
            request_id: request.get_untracked(),
        };
        spawn_local(async move {
            match api::erase_person(&req).await {
                Ok(d) => {
                    error.set(None);
                    plan.set(None);
                    confirming.set(false);
                    request.set(String::new());
                    done.set(Some(d));
                    changed.update(|n| *n += 1);
                }
                Err(e) => {
                    confirming.set(false);
                    error.set(Some(e));
                }
            }
        });
    };
    view! {
        <div class="card" id="erasure-card">
            <h2>"Erasure"</h2>
            <p class="muted">"See first what the law requires the firm to keep (an open matter, six-year accounting records, five-year identification records, the limitation period), with the date each hold ends. What may go is destroyed on this device, the firm server and every other device — not hidden."</p>
            <div class="row">
                <label class="field"><span class="label">"Person (a contact's name, or their id)"</span><input id="erase-person" bind:value=person /></label>
                <div class="actions"><button class="secondary" id="erase-check" on:click=move |_| check()>"Check what can be erased"</button></div>
            </div>
            {move || shown_error(&error.get())}
            {move || done.get().map(|d| view! {
                <p class="banner ok" role="status" id="erase-done">
                    {format!("Erased {}: {} matters destroyed, {} anonymised; contact record {}. {}.",
                        d.plan.person, d.destroyed, d.anonymised,
                        if d.plan.contact_erased { "erased" } else { "kept" }, capitalise(&d.server))}
                </p>
            })}
            {move || match plan.get() {
                None => ().into_any(),
                Some(Err(e)) => view! { <p class="error" role="alert" id="erase-plan-error">{e.message}</p> }.into_any(),
                Some(Ok(p)) => {
                    let going = p.matters.iter().any(|m| m.action != "keep") || p.contact_erased;
                    let count = p.matters.len();
                    view! {
                        <div id="erasure-plan" data-count=count>
                            <h3>{format!("Erasing {}", p.person)}</h3>
                            {p.refused_in_part.then(|| view! {
                                <p class="banner warn" id="erase-refused">
                                    {format!("Refused in part: the law requires the firm to keep some of their records{}.",
                                        p.held_until.as_deref().map(|d| format!(" until {d} at the latest")).unwrap_or_else(|| ", while a matter stays open".into()))}
                                </p>
                            })}
                            <table class="grid">
                                <thead><tr><th>"Matter"</th><th>"What happens"</th><th>"Why kept"</th></tr></thead>
                                <tbody>
                                    {p.matters.iter().map(|m| view! {
                                        <tr>
                                            <td><strong>{m.number.clone()}</strong>" " {m.description.clone()}</td>
                                            <td><span class=format!("pill {}", m.action)>{match m.action.as_str() {
                                                "destroy" => "destroyed",
                                                "anonymise" => "their details taken out",
                                                _ => "kept",
                                            }}</span></td>
                                            <td>{m.holds.iter().map(|h| view! { <div class="hold">{h.reason.clone()}</div> }).collect_view()}</td>
                                        </tr>
                                    }).collect_view()}
                                    <tr>
                                        <td>"Their contact record"</td>
                                        <td><span class=if p.contact_erased { "pill destroy" } else { "pill keep" }>{if p.contact_erased { "destroyed" } else { "kept" }}</span></td>
                                        <td>{(!p.contact_erased).then_some("while a matter they are on is kept")}</td>
                                    </tr>
                                </tbody>
                            </table>
                            <ul class="kept-elsewhere">
                                {p.kept_elsewhere.iter().map(|k| view! { <li><strong>{k.name.clone()}</strong>": " {k.reason.clone()}</li> }).collect_view()}
                            </ul>
                            {going.then(|| view! {
                                <Show when=move || !confirming.get() fallback=move || view! {
                                    <div class="banner warn">
                                        "This cannot be undone. Erase now? "
                                        <button class="danger" id="erase-confirm" on:click=erase>"Yes, erase"</button>
                                        " "
                                        <button class="link" on:click=move |_| confirming.set(false)>"Cancel"</button>
                                    </div>
                                }>
                                    <button class="danger" id="erase-now" on:click=move |_| confirming.set(true)>"Erase what may go"</button>
                                </Show>
                            })}
                        </div>
                    }.into_any()
                }
            }}
        </div>
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

#[component]
fn Breaches() -> impl IntoView {
    let list: State<Vec<DataBreach>> = RwSignal::new(None);
    let reload = move || spawn_local(async move { list.set(Some(api::data_breaches().await)) });
    reload();
    let discovered = RwSignal::new(String::new());
    let nature = RwSignal::new(String::new());
    let data = RwSignal::new(String::new());
    let people = RwSignal::new(String::new());
    let records = RwSignal::new(String::new());
    let risk = RwSignal::new("risk".to_owned());
    let assessment = RwSignal::new(String::new());
    let actions = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let saved = RwSignal::new(None::<String>);
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let req = NewDataBreach {
            discovered_at: discovered.get_untracked(),
            nature: nature.get_untracked(),
            data_categories: data.get_untracked(),
            people_affected: people.get_untracked(),
            records_affected: records.get_untracked(),
            risk: risk.get_untracked(),
            risk_assessment: assessment.get_untracked(),
            actions: actions.get_untracked(),
        };
        spawn_local(async move {
            match api::add_data_breach(&req).await {
                Ok(_) => {
                    error.set(None);
                    for s in [nature, data, people, records, assessment, actions] {
                        s.set(String::new());
                    }
                    reload();
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let told = move |id: String, ico: bool| {
        // Told now (the London minute); a different time can be given from the CLI.
        let now = js_sys::Date::new_0();
        let stamp = now.to_iso_string().as_string().unwrap_or_default();
        let req = satchel_api::UpdateDataBreach {
            id,
            ico_reported_at: if ico { stamp.clone() } else { String::new() },
            ico_reference: String::new(),
            people_told_at: if ico { String::new() } else { stamp },
        };
        spawn_local(async move {
            match api::update_data_breach(&req).await {
                Ok(_) => {
                    error.set(None);
                    reload();
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let export = move |_| {
        spawn_local(async move {
            match api::export_data_breaches().await {
                Ok(p) => saved.set(Some(p)),
                Err(e) => error.set(Some(e)),
            }
        })
    };
    view! {
        <div class="card" id="breaches-card">
            <div class="card-head">
                <h2>"Personal-data breaches"</h2>
                <button class="secondary" id="pdb-export" on:click=export>"Export CSV"</button>
            </div>
            <p class="muted">"Record every breach, reported or not. The ICO must be told within 72 hours of the firm becoming aware, unless the breach is unlikely to result in a risk to people; the people affected too, without undue delay, if the risk is high."</p>
            {move || saved.get().map(|p| view! { <p class="banner ok" id="pdb-saved">"Saved " <span class="mono">{p}</span></p> })}
            <Loaded
                state=list
                loading="Loading…"
                list_id="data-breaches"
                empty="No breaches recorded."
                table={move |rows: Vec<DataBreach>| {
                    let count = rows.len();
                    view! {
                        <table class="grid" id="data-breaches" data-count=count>
                            <thead><tr><th>"Aware"</th><th>"What"</th><th>"People"</th><th>"Risk"</th><th>"ICO (72 hours)"</th><th>"People told"</th></tr></thead>
                            <tbody>
                                {rows.into_iter().map(|b| {
                                    let late = b.ico_clock.starts_with("overdue");
                                    let (id1, id2) = (b.id.clone(), b.id.clone());
                                    let ico_open = b.ico_must_be_told && b.ico_reported_at.is_none();
                                    let people_open = b.people_must_be_told && b.people_told_at.is_none();
                                    view! {
                                        <tr data-breach=b.id.clone()>
                                            <td class="mono">{b.discovered_shown.clone()}</td>
                                            <td>{b.nature.clone()}<div class="muted">{b.data_categories.clone()}</div></td>
                                            <td>{b.people_affected}</td>
                                            <td><span class=format!("pill risk-{}", b.risk)>{b.risk.clone()}</span></td>
                                            <td class="ico-clock" class:overdue=late>
                                                {b.ico_clock.clone()}
                                                {b.ico_must_be_told.then(|| view! { <div class="muted">"by " {b.ico_deadline.clone()}</div> })}
                                                <Show when=move || ico_open>
                                                    <button class="link pdb-ico-told" on:click={let id = id1.clone(); move |_| told(id.clone(), true)}>"Told the ICO now"</button>
                                                </Show>
                                            </td>
                                            <td>
                                                {match (b.people_must_be_told, &b.people_told_at) {
                                                    (_, Some(at)) => at.chars().take(16).collect::<String>().replace('T', " "),
                                                    (true, None) => "must be told".to_owned(),
                                                    (false, None) => "not needed".to_owned(),
                                                }}
                                                <Show when=move || people_open>
                                                    <button class="link pdb-people-told" on:click={let id = id2.clone(); move |_| told(id.clone(), false)}>"Told them now"</button>
                                                </Show>
                                            </td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    }
                }}
            />
            <h3>"Record a breach"</h3>
            <form on:submit=add>
                <div class="row">
                    <Field label="Became aware (London time)" id="pdb-discovered" kind="datetime-local" value=discovered error=field_error(error, "discovered") />
                    <Field label="People affected" id="pdb-people" value=people error=field_error(error, "people_affected") />
                    <Field label="Records affected" id="pdb-records" value=records error=field_error(error, "records_affected") />
                    <label class="field narrow-field"><span class="label">"Risk to them"</span>
                        <select id="pdb-risk" on:change=move |ev| risk.set(event_target_value(&ev))>
                            <option value="unlikely">"Unlikely"</option>
                            <option value="risk" selected=true>"A risk"</option>
                            <option value="high">"High"</option>
                        </select>
                    </label>
                </div>
                <Field label="What happened" id="pdb-nature" value=nature error=field_error(error, "nature") />
                <Field label="Personal data concerned" id="pdb-data" value=data error=field_error(error, "data_categories") />
                <Field label="Risk assessment" id="pdb-assessment" value=assessment error=field_error(error, "risk_assessment") />
                <Field label="Containment and actions" id="pdb-actions" value=actions error=field_error(error, "actions") />
                <FormError last=error fields=&["discovered", "people_affected", "records_affected", "nature", "data_categories", "risk_assessment", "actions"] />
                <div class="actions"><button type="submit" class="primary" id="pdb-add">"Record the breach"</button></div>
            </form>
        </div>
    }
}

#[component]
fn RetentionCard(changed: RwSignal<u32>) -> impl IntoView {
    let state: State<Retention> = RwSignal::new(None);
    let reload = move || spawn_local(async move { state.set(Some(api::retention().await)) });
    // An erasure may have destroyed a matter listed here.
    Effect::new(move |_| {
        changed.track();
        reload();
    });
    let area = RwSignal::new("general".to_owned());
    let years = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let deciding = RwSignal::new(None::<(String, bool)>);
    let until = RwSignal::new(String::new());
    let reason = RwSignal::new(String::new());
    let answer = move |r: Result<Retention, ApiError>| match r {
        Ok(r) => {
            error.set(None);
            deciding.set(None);
            reason.set(String::new());
            state.set(Some(Ok(r)));
        }
        Err(e) => error.set(Some(e)),
    };
    let set = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (a, y) = (area.get_untracked(), years.get_untracked());
        spawn_local(async move {
            match y.trim().parse::<i64>() {
                Ok(n) => answer(api::set_retention(&a, n).await),
                Err(_) => error.set(Some(ApiError {
                    kind: satchel_api::ErrorKind::Invalid,
                    message: "Years must be a whole number".into(),
                    field: Some("years".into()),
                })),
            }
        });
    };
    let decide = move |_| {
        let Some((matter, keep)) = deciding.get_untracked() else {
            return;
        };
        let (u, why) = (until.get_untracked(), reason.get_untracked());
        spawn_local(async move {
            if keep {
                let req = satchel_api::KeepMatterRequest {
                    matter,
                    until: u,
                    reason: why,
                };
                answer(api::keep_matter(&req).await);
            } else {
                answer(api::destroy_matter(&matter, &why).await);
            }
        });
    };
    view! {
        <div class="card" id="retention-card">
            <h2>"Retention"</h2>
            <p class="muted">"How long the firm keeps a matter after closing, by practice area. Matters past their date are listed for review: destroy them, or record why they are kept."</p>
            {move || shown_error(&error.get())}
            {move || match state.get() {
                None => view! { <p class="muted">"Loading…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error">{e.message}</p> }.into_any(),
                Some(Ok(r)) => {
                    let due = r.due.len();
                    view! {
                        <h3>"Due for review"</h3>
                        {if r.due.is_empty() {
                            view! { <p class="muted" id="retention-due" data-count=0>"No closed matter is past its retention date."</p> }.into_any()
                        } else {
                            view! {
                                {(due > SHOWN).then(|| view! {
                                    <p class="muted" id="retention-more">{format!("The first {SHOWN} of {due}, by matter number: destroy or keep these to see the rest.")}</p>
                                })}
                                <table class="grid" id="retention-due" data-count=due>
                                    <thead><tr><th>"Matter"</th><th>"Area"</th><th>"Closed"</th><th>"Retention ended"</th><th>"Still held by"</th><th></th></tr></thead>
                                    <tbody>
                                        {r.due.iter().take(SHOWN).map(|d| {
                                            let (n1, n2) = (d.number.clone(), d.number.clone());
                                            let held = !d.holds.is_empty();
                                            view! {
                                                <tr data-matter=d.number.clone()>
                                                    <td><strong>{d.number.clone()}</strong>" " {d.client_name.clone()}</td>
                                                    <td>{d.area.clone()}</td>
                                                    <td class="mono">{d.closed_on.clone()}</td>
                                                    <td class="mono">{d.retention_ended.clone()}</td>
                                                    <td>{d.holds.iter().map(|h| view! { <div class="hold">{h.reason.clone()}</div> }).collect_view()}</td>
                                                    <td class="row-actions">
                                                        <button class="link ret-keep" on:click={let n = n1.clone(); move |_| deciding.set(Some((n.clone(), true)))}>"Keep…"</button>
                                                        <Show when=move || !held>
                                                            <button class="link ret-destroy" on:click={let n = n2.clone(); move |_| deciding.set(Some((n.clone(), false)))}>"Destroy…"</button>
                                                        </Show>
                                                    </td>
                                                </tr>
                                            }
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            }.into_any()
                        }}
                        <h3>"Schedule"</h3>
                        <table class="grid compact" id="retention-rules">
                            <thead><tr><th>"Practice area"</th><th>"Kept after closing"</th></tr></thead>
                            <tbody>
                                {r.rules.iter().map(|x| view! {
                                    <tr><td>{x.area.clone()}</td><td>{format!("{} years{}", x.years, if x.firm_set { "" } else { " (default)" })}</td></tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                        {(!r.decisions.is_empty()).then(|| view! {
                            <h3>"Decisions"</h3>
                            <table class="grid compact" id="retention-decisions">
                                <thead><tr><th>"Matter"</th><th>"Decision"</th><th>"Why"</th><th>"By"</th></tr></thead>
                                <tbody>
                                    {r.decisions.iter().map(|d| view! {
                                        <tr>
                                            <td>{d.number.clone()}</td>
                                            <td>{match &d.keep_until { Some(u) => format!("kept until {u}"), None => d.decision.clone() }}</td>
                                            <td>{d.reason.clone()}</td>
                                            <td>{d.decided_by.clone()}" " <span class="muted">{d.decided_at.chars().take(10).collect::<String>()}</span></td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        })}
                    }.into_any()
                }
            }}
            {move || deciding.get().map(|(matter, keep)| view! {
                <div class="row inline-form" id="retention-decide">
                    <strong>{if keep { format!("Keep {matter}") } else { format!("Destroy {matter} (it cannot be undone)") }}</strong>
                    {keep.then(|| view! { <label class="field narrow-field"><span class="label">"Until"</span><input type="date" id="ret-until" bind:value=until /></label> })}
                    <label class="field"><span class="label">"Why"</span><input id="ret-reason" bind:value=reason /></label>
                    <div class="actions">
                        <button class=if keep { "secondary" } else { "danger" } id="ret-confirm" on:click=decide>{if keep { "Keep" } else { "Destroy" }}</button>
                        <button class="link" on:click=move |_| deciding.set(None)>"Cancel"</button>
                    </div>
                </div>
            })}
            <h3>"Change a period"</h3>
            <form class="row" on:submit=set>
                <label class="field narrow-field"><span class="label">"Practice area"</span>
                    <select id="ret-area" on:change=move |ev| area.set(event_target_value(&ev))>
                        {move || state.get().and_then(Result::ok).map(|r| r.rules.into_iter().map(|x| {
                            let selected = x.area == "general";
                            let value = x.area.clone();
                            view! { <option value=value selected=selected>{x.area}</option> }
                        }).collect_view())}
                    </select>
                </label>
                <Field label="Years after closing" id="ret-years" value=years error=field_error(error, "years") hint="at least 6" />
                <div class="actions"><button type="submit" class="secondary" id="ret-set">"Set"</button></div>
            </form>
        </div>
    }
}

#[component]
fn Processing() -> impl IntoView {
    let list: State<Vec<ProcessingActivity>> = RwSignal::new(None);
    let reload = move || spawn_local(async move { list.set(Some(api::processing().await)) });
    reload();
    let id = RwSignal::new(String::new());
    let activity = RwSignal::new(String::new());
    let purpose = RwSignal::new(String::new());
    let basis = RwSignal::new("contract".to_owned());
    let people = RwSignal::new(String::new());
    let data = RwSignal::new(String::new());
    let recipients = RwSignal::new(String::new());
    let transfers = RwSignal::new(String::new());
    let retention = RwSignal::new(String::new());
    let security = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let saved = RwSignal::new(None::<String>);
    let fields = [
        activity, purpose, people, data, recipients, transfers, retention, security,
    ];
    let clear = move || {
        id.set(String::new());
        for f in fields {
            f.set(String::new());
        }
    };
    let edit = move |p: ProcessingActivity| {
        id.set(p.id);
        activity.set(p.activity);
        purpose.set(p.purpose);
        basis.set(p.lawful_basis);
        people.set(p.people);
        data.set(p.data);
        recipients.set(p.recipients);
        transfers.set(p.transfers);
        retention.set(p.retention);
        security.set(p.security);
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let p = ProcessingActivity {
            id: id.get_untracked(),
            activity: activity.get_untracked(),
            purpose: purpose.get_untracked(),
            lawful_basis: basis.get_untracked(),
            people: people.get_untracked(),
            data: data.get_untracked(),
            recipients: recipients.get_untracked(),
            transfers: transfers.get_untracked(),
            retention: retention.get_untracked(),
            security: security.get_untracked(),
            ..Default::default()
        };
        spawn_local(async move {
            match api::save_processing(&p).await {
                Ok(l) => {
                    error.set(None);
                    clear();
                    list.set(Some(Ok(l)));
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let remove = move |pid: String| {
        spawn_local(async move {
            match api::remove_processing(&pid).await {
                Ok(l) => list.set(Some(Ok(l))),
                Err(e) => error.set(Some(e)),
            }
        })
    };
    let usual = move |_| {
        spawn_local(async move {
            match api::usual_processing().await {
                Ok(l) => list.set(Some(Ok(l))),
                Err(e) => error.set(Some(e)),
            }
        })
    };
    let export = move |_| {
        spawn_local(async move {
            match api::export_processing().await {
                Ok(p) => saved.set(Some(p)),
                Err(e) => error.set(Some(e)),
            }
        })
    };
    view! {
        <div class="card" id="processing-card">
            <div class="card-head">
                <h2>"Record of processing"</h2>
                <button class="secondary" id="proc-export" on:click=export>"Export CSV"</button>
            </div>
            {move || saved.get().map(|p| view! { <p class="banner ok" id="proc-saved">"Saved " <span class="mono">{p}</span></p> })}
            {move || match list.get() {
                None => view! { <p class="muted">"Loading…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error">{e.message}</p> }.into_any(),
                Some(Ok(rows)) if rows.is_empty() => view! {
                    <p class="muted" id="processing" data-count=0>
                        "No processing activities recorded yet. "
                        <button class="link" id="proc-usual" on:click=usual>"Start from a law firm's usual activities"</button>
                        " and edit them to the firm's practice."
                    </p>
                }.into_any(),
                Some(Ok(rows)) => {
                    let count = rows.len();
                    view! {
                        <table class="grid" id="processing" data-count=count>
                            <thead><tr><th>"Activity"</th><th>"Purpose"</th><th>"Lawful basis"</th><th>"People"</th><th>"Data"</th><th>"Kept"</th><th></th></tr></thead>
                            <tbody>
                                {rows.into_iter().map(|p| {
                                    let (for_edit, pid) = (p.clone(), p.id.clone());
                                    view! {
                                        <tr>
                                            <td><strong>{p.activity.clone()}</strong></td>
                                            <td>{p.purpose.clone()}</td>
                                            <td>{p.lawful_basis.clone()}</td>
                                            <td>{p.people.clone()}</td>
                                            <td>{p.data.clone()}</td>
                                            <td>{p.retention.clone()}</td>
                                            <td class="row-actions">
                                                <button class="link" on:click=move |_| edit(for_edit.clone())>"Edit"</button>
                                                <button class="link" on:click=move |_| remove(pid.clone())>"Remove"</button>
                                            </td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any()
                }
            }}
            <h3>{move || if id.get().is_empty() { "Add an activity" } else { "Change the activity" }}</h3>
            <form on:submit=save>
                <div class="row">
                    <Field label="Activity" id="proc-activity" value=activity error=field_error(error, "activity") />
                    <label class="field narrow-field"><span class="label">"Lawful basis"</span>
                        <select id="proc-basis" prop:value=move || basis.get() on:change=move |ev| basis.set(event_target_value(&ev))>
                            {["consent", "contract", "legal obligation", "vital interests", "public task", "legitimate interests"]
                                .into_iter().map(|b| view! { <option value=b>{b}</option> }).collect_view()}
                        </select>
                    </label>
                </div>
                <Field label="Purpose" id="proc-purpose" value=purpose error=field_error(error, "purpose") />
                <div class="row">
                    <Field label="Categories of people" id="proc-people" value=people error=field_error(error, "people") />
                    <Field label="Categories of personal data" id="proc-data" value=data error=field_error(error, "data") />
                </div>
                <div class="row">
                    <Field label="Recipients" id="proc-recipients" value=recipients error=field_error(error, "recipients") />
                    <Field label="Transfers outside the UK" id="proc-transfers" value=transfers error=field_error(error, "transfers") hint="blank for none" />
                </div>
                <div class="row">
                    <Field label="How long it is kept" id="proc-retention" value=retention error=field_error(error, "retention") />
                    <Field label="Security measures" id="proc-security" value=security error=field_error(error, "security") />
                </div>
                <FormError last=error fields=&["activity", "purpose", "lawful_basis", "people", "data", "recipients", "transfers", "retention", "security"] />
                <div class="actions">
                    <button type="submit" class="primary" id="proc-save">"Save"</button>
                    <Show when=move || !id.get().is_empty()>
                        <button type="button" class="link" on:click=move |_| clear()>"Cancel"</button>
                    </Show>
                </div>
            </form>
        </div>
    }
}
