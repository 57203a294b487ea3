//! The COFA's registers and the accountant's report data, on the Accounts page.

use crate::api;
use leptos::prelude::*;
use leptos::task::spawn_local;
use satchel_api::{AccountantsReport, ApiError, NewBreachRequest, Registers};

#[component]
pub fn RegistersPanel() -> impl IntoView {
    let regs = RwSignal::new(None::<Result<Registers, ApiError>>);
    let reload = move || spawn_local(async move { regs.set(Some(api::registers().await)) });
    reload();
    let breach = RwSignal::new(String::new());
    let breach_matter = RwSignal::new(String::new());
    let breach_error = RwSignal::new(None::<String>);
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let req = NewBreachRequest {
            description: breach.get_untracked(),
            matter: breach_matter.get_untracked(),
            date: String::new(),
        };
        spawn_local(async move {
            match api::add_breach(&req).await {
                Ok(_) => {
                    breach.set(String::new());
                    breach_error.set(None);
                    reload();
                }
                Err(e) => breach_error.set(Some(e.message)),
            }
        });
    };
    view! {
        <div class="card" id="registers">
            <h2>"Registers"</h2>
            {move || match regs.get() {
                None => view! { <p class="muted">"Loading…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error">{e.message}</p> }.into_any(),
                Some(Ok(r)) => {
                    let logged = r.breaches.len();
                    view! {
                    <dl class="facts">
                        <dt>"Balances untouched 90+ days"</dt><dd id="reg-dormant">{r.dormant.len()}</dd>
                        <dt>"Payments unpresented 6+ months"</dt><dd id="reg-unpresented">{r.unpresented.len()}</dd>
                        <dt>"Closed matters holding client money"</dt><dd id="reg-residual">{r.residual_candidates.len()}</dd>
                        <dt>"Residual balances paid to charity"</dt><dd>{r.residuals.len()}</dd>
                    </dl>
                    <h3>"Breach log"</h3>
                    <table class="grid" id="breach-log" data-count=logged>
                        <thead><tr><th>"Date"</th><th>"Matter"</th><th>"What"</th><th>"Entered"</th></tr></thead>
                        <tbody>
                            {r.breaches.into_iter().map(|b| view! {
                                <tr><td>{b.date}</td><td>{b.matter_number.unwrap_or_default()}</td><td>{b.description}</td>
                                <td>{if b.automatic { "found by Satchel".to_owned() } else { b.recorded_by }}</td></tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }
                .into_any()
                }
            }}
            <form class="row" on:submit=add>
                <label class="field"><span class="label">"Record a breach"</span><input id="breach-description" bind:value=breach /></label>
                <label class="field narrow-field"><span class="label">"Matter"</span><input id="breach-matter" bind:value=breach_matter /></label>
                <div class="actions"><button type="submit" class="secondary" id="breach-add">"Add to the log"</button></div>
            </form>
            {move || breach_error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
        </div>
    }
}

#[component]
pub fn AccountantsReportPanel() -> impl IntoView {
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let result = RwSignal::new(None::<Result<(AccountantsReport, Vec<String>), ApiError>>);
    let run = move |save: bool| {
        let (f, t) = (from.get_untracked(), to.get_untracked());
        spawn_local(async move { result.set(Some(api::accountants_report(&f, &t, save).await)) });
    };
    view! {
        <div class="card" id="accountants-report">
            <h2>"Accountant's report data"</h2>
            <div class="row">
                <label class="field narrow-field"><span class="label">"Period from"</span><input type="date" id="report-from" bind:value=from /></label>
                <label class="field narrow-field"><span class="label">"to"</span><input type="date" id="report-to" bind:value=to /></label>
                <div class="actions">
                    <button class="secondary" id="report-run" on:click=move |_| run(false)>"Show"</button>
                    <button class="secondary" id="report-save" on:click=move |_| run(true)>"Save PDF and CSV"</button>
                </div>
            </div>
            {move || result.get().map(|r| match r {
                Err(e) => view! { <p class="error" role="alert">{e.message}</p> }.into_any(),
                Ok((r, saved)) => view! {
                    <p id="report-exemption" class:ok=r.exempt>{r.exemption.clone()}</p>
                    <p class="muted">{format!("{} reconciliations signed in the period.", r.reconciliations.len())}</p>
                    {r.gaps.iter().map(|g| view! { <p class="banner warn">{g.clone()}</p> }).collect_view()}
                    {saved.into_iter().map(|p| view! { <p class="ok">"Saved to " {p}</p> }).collect_view()}
                }
                .into_any(),
            })}
        </div>
    }
}
