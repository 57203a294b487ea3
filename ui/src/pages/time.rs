//! Time: the running timer (kept by the app across quits), manual entries, and a matter's
//! time and work in progress.

use crate::api;
use crate::components::{Field, FormError, FormState, Loaded, field_error, require};
use leptos::prelude::*;
use leptos::task::spawn_local;
use satchel_api::{
    ApiError, FeeEarnerWip, NewTimeRequest, RunningTimer, StartTimerRequest, TimeEntry, Wip,
};

const ACTIVITIES: &[(&str, &str)] = &[
    ("attendance", "Attendance"),
    ("call", "Call"),
    ("letter", "Letter"),
    ("email", "Email"),
    ("drafting", "Drafting"),
    ("research", "Research"),
    ("review", "Review"),
    ("travel", "Travel"),
    ("court", "Court"),
    ("other", "Other"),
];

fn activity_options() -> impl IntoView {
    ACTIVITIES
        .iter()
        .map(|(v, l)| view! { <option value=*v>{*l}</option> })
        .collect_view()
}

fn hms(seconds: i64) -> String {
    let s = seconds.max(0);
    format!("{:02}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60)
}

#[component]
pub fn TimePage() -> impl IntoView {
    let matter = RwSignal::new(String::new());
    let timer = RwSignal::new(None::<Result<Option<RunningTimer>, ApiError>>);
    let entries = RwSignal::new(None::<Result<(Vec<TimeEntry>, Wip), ApiError>>);
    let load_timer = move || spawn_local(async move { timer.set(Some(api::timer().await)) });
    let show_matter = move |m: String| {
        spawn_local(async move {
            let result = match api::list_time(&m).await {
                Ok(list) => api::wip(&m).await.map(|w| (list, w)),
                Err(e) => Err(e),
            };
            entries.set(Some(result));
        })
    };
    load_timer();
    let by_fee_earner = RwSignal::new(None::<Result<Vec<FeeEarnerWip>, ApiError>>);
    let load_wip =
        move || spawn_local(async move { by_fee_earner.set(Some(api::wip_by_fee_earner().await)) });
    load_wip();
    let on_recorded = Callback::new(move |e: TimeEntry| {
        matter.set(e.matter_number.clone());
        load_timer();
        load_wip();
        show_matter(e.matter_number);
    });

    view! {
        <section class="page">
            <header class="page-head">
                <h1>"Time"</h1>
            </header>
            <div class="card">
                <div class="row">
                    <Field label="Matter" id="time-matter" value=matter error=Signal::derive(|| None) hint="Number, e.g. M00042" />
                    <div class="actions bottom">
                        <button
                            type="button"
                            class="secondary"
                            id="time-show"
                            on:click=move |_| show_matter(matter.get_untracked())
                        >
                            "Show time and WIP"
                        </button>
                    </div>
                </div>
            </div>
            {move || match timer.get() {
                None => view! { <p class="muted">"Loading the timer…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error" role="alert">{e.message}</p> }.into_any(),
                Some(Ok(Some(t))) => view! { <RunningCard timer=t on_recorded /> }.into_any(),
                Some(Ok(None)) => view! { <StartTimerForm matter on_started=Callback::new(move |_| load_timer()) /> }.into_any(),
            }}
            <ManualEntryForm matter on_recorded />
            {move || match entries.get() {
                None => ().into_any(),
                Some(Err(e)) => view! { <p class="error" role="alert">{e.message}</p> }.into_any(),
                Some(Ok((list, wip))) => view! { <TimeTable list wip /> }.into_any(),
            }}
            <h2 class="section-title">"Work in progress by fee earner"</h2>
            <Loaded
                state=by_fee_earner
                loading="Loading work in progress…"
                list_id="wip-by-fee-earner"
                empty="No time recorded yet."
                table=|list| view! { <FeeEarnerTable list /> }
            />
        </section>
    }
}

#[component]
fn FeeEarnerTable(list: Vec<FeeEarnerWip>) -> impl IntoView {
    let count = list.len();
    view! {
        <div class="card flush">
            <table class="grid" id="wip-by-fee-earner" data-count=count>
                <thead>
                    <tr><th>"Fee earner"</th><th>"Matters"</th><th>"Entries"</th><th>"Billable time"</th><th>"Value"</th></tr>
                </thead>
                <tbody>
                    {list
                        .into_iter()
                        .map(|w| view! {
                            <tr>
                                <td>{w.name} " (" {w.initials} ")"</td>
                                <td>{w.matters}</td>
                                <td>{w.entries}</td>
                                <td>{format!("{}:{:02}", w.billable_minutes / 60, w.billable_minutes % 60)}</td>
                                <td><strong>{w.value}</strong></td>
                            </tr>
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn RunningCard(timer: RunningTimer, on_recorded: Callback<TimeEntry>) -> impl IntoView {
    let started = leptos::prelude::window()
        .performance()
        .map(|p| p.now())
        .unwrap_or_default();
    let elapsed = RwSignal::new(timer.elapsed_seconds);
    let base = timer.elapsed_seconds;
    // Tick once a second from the elapsed time the app reported.
    if let Ok(handle) = set_interval_with_handle(
        move || {
            let now = leptos::prelude::window()
                .performance()
                .map(|p| p.now())
                .unwrap_or_default();
            elapsed.set(base + ((now - started) / 1000.0) as i64);
        },
        std::time::Duration::from_secs(1),
    ) {
        on_cleanup(move || handle.clear());
    }
    let form = FormState::new();
    let (error, busy) = (form.error, form.busy);
    let stop = move |ev: leptos::ev::SubmitEvent| {
        form.submit(ev, || Ok(api::stop_timer()), move |e| on_recorded.run(e))
    };
    view! {
        <form class="card timer running" id="timer-running" on:submit=stop>
            <div class="timer-clock mono">{move || hms(elapsed.get())}</div>
            <div class="timer-what">
                <strong id="timer-matter">{timer.matter_number}</strong>
                " · " {timer.activity} " · " {timer.description}
                <div class="hint">"Started " {timer.started} ". The timer keeps running if Satchel is closed."</div>
            </div>
            <FormError last=error fields=&[] />
            <button type="submit" class="primary" id="timer-stop" disabled=move || busy.get()>"Stop and record"</button>
        </form>
    }
}

#[component]
fn StartTimerForm(matter: RwSignal<String>, on_started: Callback<RunningTimer>) -> impl IntoView {
    let activity = RwSignal::new("attendance".to_owned());
    let description = RwSignal::new(String::new());
    let form = FormState::new();
    let (error, busy) = (form.error, form.busy);
    let start = move |ev: leptos::ev::SubmitEvent| {
        form.submit(
            ev,
            || {
                require(&matter, "matter", "Matter")?;
                require(&description, "description", "Description")?;
                let req = StartTimerRequest {
                    matter: matter.get_untracked(),
                    activity: activity.get_untracked(),
                    description: description.get_untracked(),
                };
                Ok(async move { api::start_timer(&req).await })
            },
            move |t| on_started.run(t),
        )
    };
    view! {
        <form class="card timer" id="timer-form" on:submit=start novalidate>
            <h2>"Timer"</h2>
            <FormError last=error fields=&["description"] />
            <div class="row">
                <label class="field narrow-field" for="timer-activity">
                    <span class="label">"Activity"</span>
                    <select id="timer-activity" bind:value=activity>{activity_options()}</select>
                </label>
                <Field label="Description" id="timer-description" value=description error=field_error(error, "description") />
                <div class="actions bottom">
                    <button type="submit" class="primary" id="timer-start" disabled=move || busy.get()>"Start timer"</button>
                </div>
            </div>
        </form>
    }
}

#[component]
fn ManualEntryForm(matter: RwSignal<String>, on_recorded: Callback<TimeEntry>) -> impl IntoView {
    let duration = RwSignal::new(String::new());
    let date = RwSignal::new(String::new());
    let activity = RwSignal::new("attendance".to_owned());
    let description = RwSignal::new(String::new());
    let billable = RwSignal::new(true);
    let form = FormState::new();
    let (error, busy) = (form.error, form.busy);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        form.submit(
            ev,
            || {
                require(&matter, "matter", "Matter")?;
                require(&duration, "duration", "Duration")?;
                require(&description, "entry_description", "Description")?;
                let req = NewTimeRequest {
                    matter: matter.get_untracked(),
                    duration: duration.get_untracked(),
                    date: date.get_untracked(),
                    activity: activity.get_untracked(),
                    description: description.get_untracked(),
                    billable: billable.get_untracked(),
                };
                Ok(async move { api::record_time(&req).await })
            },
            move |e| {
                duration.set(String::new());
                description.set(String::new());
                on_recorded.run(e)
            },
        )
    };
    view! {
        <form class="card" id="time-form" on:submit=submit novalidate>
            <h2>"Record time"</h2>
            <FormError last=error fields=&["duration", "date", "entry_description"] />
            <div class="row">
                <Field label="Duration" id="duration" value=duration error=field_error(error, "duration") hint="1:30, 1h30m, 90m or 0.5h; charged in the firm's time units (Settings)" />
                <Field label="Date" id="entry-date" kind="date" value=date error=field_error(error, "date") hint="Leave blank for today" />
                <label class="field narrow-field" for="entry-activity">
                    <span class="label">"Activity"</span>
                    <select id="entry-activity" bind:value=activity>{activity_options()}</select>
                </label>
            </div>
            <div class="row">
                <Field label="Description" id="entry_description" value=description error=field_error(error, "entry_description") />
                <label class="check">
                    <input type="checkbox" id="billable" bind:checked=billable />
                    " Billable"
                </label>
            </div>
            <div class="actions">
                <button type="submit" class="primary" id="time-submit" disabled=move || busy.get()>"Record time"</button>
            </div>
        </form>
    }
}

#[component]
fn TimeTable(list: Vec<TimeEntry>, wip: Wip) -> impl IntoView {
    let count = list.len();
    view! {
        <div class="card" id="wip">
            <h2>{wip.matter_number.clone()} " · work in progress"</h2>
            <p>
                <strong>{wip.value.clone()}</strong>
                " billable: " {wip.billable_minutes} " min in " {wip.billable_units} " units; "
                {wip.non_billable_minutes} " min non-billable; " {wip.entries} " entries."
            </p>
        </div>
        <div class="card flush">
            <table class="grid" id="time-list" data-count=count>
                <thead>
                    <tr>
                        <th>"Date"</th>
                        <th>"By"</th>
                        <th>"Activity"</th>
                        <th>"Description"</th>
                        <th>"Minutes"</th>
                        <th>"Units"</th>
                        <th>"Value"</th>
                    </tr>
                </thead>
                <tbody>
                    {list
                        .into_iter()
                        .map(|e| {
                            view! {
                                <tr class="time-row">
                                    <td class="mono">{e.date}</td>
                                    <td>{e.fee_earner}</td>
                                    <td>{e.activity}</td>
                                    <td>{e.description}</td>
                                    <td>{e.minutes}</td>
                                    <td>{e.units}</td>
                                    <td>{if e.billable { e.value } else { "non-billable".to_owned() }}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
}
