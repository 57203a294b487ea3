//! A client account's bank statements and its three-way reconciliation: import a statement
//! (OFX, or CSV with its columns given once), see each line and what it is matched to,
//! match or unmatch by hand, work out the reconciliation at a date, explain any difference
//! line by line, and sign it off. Signed reconciliations are listed as history.

use crate::api;
use crate::components::{chosen_file, file_bytes};
use leptos::prelude::*;
use leptos::task::spawn_local;
use satchel_api::{
    ApiError, BankAccount, CashEntry, ExplanationInput, MatchRequest, ReconcileRequest,
    Reconciliation, StatementLineView,
};

#[component]
pub fn ReconcilePanel(account: BankAccount) -> impl IntoView {
    let id = StoredValue::new(account.id.clone());
    let lines = RwSignal::new(None::<Result<Vec<StatementLineView>, ApiError>>);
    let entries = RwSignal::new(Vec::<CashEntry>::new());
    let history = RwSignal::new(Vec::<Reconciliation>::new());
    let reload = move || {
        spawn_local(async move {
            let a = id.get_value();
            lines.set(Some(api::statement_lines(&a).await));
            entries.set(api::cash_entries(&a).await.unwrap_or_default());
            history.set(api::reconciliations(&a).await.unwrap_or_default());
        })
    };
    reload();
    view! {
        <div class="card" id="reconcile-panel" data-account=account.id.clone()>
            <h2>{format!("Statements and reconciliation: {}", account.name)}</h2>
            <ImportForm account=id.get_value() on_done=Callback::new(move |()| reload()) />
            {move || match lines.get() {
                None => view! { <p class="muted">"Loading statement lines…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error">{e.message}</p> }.into_any(),
                Some(Ok(list)) => view! {
                    <LineTable list entries=entries.get() account=id.get_value() on_change=Callback::new(move |()| reload()) />
                }
                .into_any(),
            }}
            <ReconcileForm account=id.get_value() on_signed=Callback::new(move |()| reload()) />
            {move || {
                let list = history.get();
                let n = list.len();
                (!list.is_empty()).then(|| view! {
                    <h3>"Signed reconciliations"</h3>
                    <table class="grid" id="reconciliation-history" data-count=n>
                        <thead><tr><th>"Date"</th><th class="num">"Statement"</th><th class="num">"Client ledgers"</th><th class="num">"Difference"</th><th>"Signed"</th></tr></thead>
                        <tbody>
                            {list.into_iter().map(|r| view! {
                                <tr>
                                    <td>{r.date.clone()}</td>
                                    <td class="num">{r.shown.first().map(|s| s.1.clone())}</td>
                                    <td class="num">{r.shown.get(5).map(|s| s.1.clone())}</td>
                                    <td class="num">{r.shown.get(6).map(|s| s.1.clone())}</td>
                                    <td>{format!("{} at {}", r.signed_by.unwrap_or_default(), r.signed_at.unwrap_or_default())}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                })
            }}
        </div>
    }
}

/// The CSV layout as the statement reader takes it (columns counted from 1 on screen).
fn layout_json(date: &str, description: &str, amount: &str, ymd: bool) -> Result<String, String> {
    let col = |label: &str, v: &str| -> Result<usize, String> {
        v.trim()
            .parse::<usize>()
            .ok()
            .filter(|n| *n >= 1)
            .map(|n| n - 1)
            .ok_or_else(|| format!("{label} column must be a column number (1, 2, …)"))
    };
    Ok(format!(
        r#"{{"has_header":true,"date_column":{},"date_format":"{}","amount":{{"kind":"signed","column":{}}},"description_column":{},"reference_column":{}}}"#,
        col("The date", date)?,
        if ymd {
            "year_month_day"
        } else {
            "day_month_year"
        },
        col("The amount", amount)?,
        col("The description", description)?,
        col("The description", description)?,
    ))
}

#[component]
fn ImportForm(account: String, on_done: Callback<()>) -> impl IntoView {
    let account = StoredValue::new(account);
    let result = RwSignal::new(None::<Result<String, String>>);
    let date_col = RwSignal::new("1".to_owned());
    let description_col = RwSignal::new("2".to_owned());
    let amount_col = RwSignal::new("3".to_owned());
    let ymd = RwSignal::new(false);
    let pick = move |ev: leptos::ev::Event| {
        let Some(file) = chosen_file(&ev) else { return };
        spawn_local(async move {
            let name = file.name();
            let bytes = match file_bytes(&file).await {
                Ok(b) => b,
                Err(e) => return result.set(Some(Err(e.message))),
            };
            let mapping = if name.to_lowercase().ends_with(".csv") {
                match layout_json(
                    &date_col.get_untracked(),
                    &description_col.get_untracked(),
                    &amount_col.get_untracked(),
                    ymd.get_untracked(),
                ) {
                    Ok(m) => m,
                    Err(e) => return result.set(Some(Err(e))),
                }
            } else {
                String::new()
            };
            match api::import_statement(&account.get_value(), &name, &mapping, &bytes).await {
                Ok(r) => {
                    result.set(Some(Ok(format!(
                        "{}: {} lines read, {} added, {} already imported, {} matched automatically.",
                        r.file_name, r.lines_read, r.added, r.duplicates, r.matched
                    ))));
                    on_done.run(());
                }
                Err(e) => result.set(Some(Err(e.message))),
            }
        });
    };
    view! {
        <div class="import">
            <div class="row">
                <label class="field">
                    <span class="label">"Import a statement (OFX or CSV)"</span>
                    <input type="file" id="statement-file" accept=".ofx,.qfx,.csv" on:change=pick />
                </label>
                <label class="field narrow-field"><span class="label">"Date column"</span><input id="csv-date-col" bind:value=date_col /></label>
                <label class="field narrow-field"><span class="label">"Details column"</span><input id="csv-desc-col" bind:value=description_col /></label>
                <label class="field narrow-field"><span class="label">"Amount column"</span><input id="csv-amount-col" bind:value=amount_col /></label>
                <label class="field narrow-field"><span class="label">"Dates"</span>
                    <select on:change=move |ev| ymd.set(event_target_value(&ev) == "ymd")>
                        <option value="dmy">"25/11/2026"</option>
                        <option value="ymd">"2026-11-25"</option>
                    </select>
                </label>
            </div>
            <span class="hint">"A CSV's columns are remembered for the account after the first import."</span>
            {move || result.get().map(|r| match r {
                Ok(t) => view! { <p class="ok" id="statement-imported">{t}</p> }.into_any(),
                Err(e) => view! { <p class="error" role="alert" id="statement-error">{e}</p> }.into_any(),
            })}
        </div>
    }
}

#[component]
fn LineTable(
    list: Vec<StatementLineView>,
    entries: Vec<CashEntry>,
    account: String,
    on_change: Callback<()>,
) -> impl IntoView {
    let count = list.len();
    let account = StoredValue::new(account);
    let error = RwSignal::new(None::<String>);
    let unmatched: Vec<CashEntry> = entries
        .into_iter()
        .filter(|e| e.matched_line.is_none())
        .collect();
    let unmatched = StoredValue::new(unmatched);
    let send = move |line_key: String, posting_id: String| {
        let req = MatchRequest {
            account: account.get_value(),
            line_key,
            posting_id,
        };
        spawn_local(async move {
            match api::match_line(&req).await {
                Ok(_) => {
                    error.set(None);
                    on_change.run(())
                }
                Err(e) => error.set(Some(e.message)),
            }
        });
    };
    if count == 0 {
        return view! { <p class="muted" id="statement-lines" data-count="0">"No statement imported yet."</p> }.into_any();
    }
    view! {
        {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
        <table class="grid" id="statement-lines" data-count=count>
            <thead><tr><th>"Date"</th><th>"On the statement"</th><th class="num">"Amount"</th><th>"Matched to"</th><th></th></tr></thead>
            <tbody>
                {list.into_iter().map(|l| {
                    let key = l.key.clone();
                    let matched = l.matched_posting.is_some();
                    let same: Vec<CashEntry> = unmatched.with_value(|u| u.iter().filter(|e| e.amount_pence == l.amount_pence).cloned().collect());
                    let chosen = RwSignal::new(same.first().map(|e| e.posting_id.clone()).unwrap_or_default());
                    let has_choice = !same.is_empty();
                    view! {
                        <tr data-key=l.key.clone() data-matched=matched.to_string()>
                            <td>{l.date}</td>
                            <td>{l.description}{(!l.reference.is_empty()).then(|| format!(" · {}", l.reference))}</td>
                            <td class="num">{l.amount}</td>
                            <td>{if matched { format!("{}{}", l.matched_to, if l.matched_auto { " (automatic)" } else { "" }) } else { "unmatched".into() }}</td>
                            <td>{if matched {
                                let k = key.clone();
                                view! { <button class="link unmatch" on:click=move |_| send(k.clone(), String::new())>"Unmatch"</button> }.into_any()
                            } else if has_choice {
                                let k = key.clone();
                                view! {
                                    <select class="match-choice" bind:value=chosen>
                                        {same.into_iter().map(|e| view! { <option value=e.posting_id.clone()>{format!("{} {} {} {}", e.date, e.matter_number, e.what, e.reference)}</option> }).collect_view()}
                                    </select>
                                    <button class="link match" on:click=move |_| send(k.clone(), chosen.get_untracked())>"Match"</button>
                                }
                                .into_any()
                            } else {
                                view! { <span class="muted">"nothing in the cash book of this amount"</span> }.into_any()
                            }}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

#[component]
fn ReconcileForm(account: String, on_signed: Callback<()>) -> impl IntoView {
    let account = StoredValue::new(account);
    let date = RwSignal::new(String::new());
    let balance = RwSignal::new(String::new());
    let explanation = RwSignal::new(String::new());
    let result = RwSignal::new(None::<Result<Reconciliation, ApiError>>);
    let request = move |sign: bool| ReconcileRequest {
        account: account.get_value(),
        date: date.get_untracked(),
        statement_balance: balance.get_untracked(),
        // One explanation per line, "what happened = -5.00".
        explanations: explanation
            .get_untracked()
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(|l| match l.rsplit_once('=') {
                Some((text, amount)) => ExplanationInput {
                    text: text.trim().to_owned(),
                    amount: amount.trim().to_owned(),
                },
                None => ExplanationInput {
                    text: l.to_owned(),
                    amount: String::new(),
                },
            })
            .collect(),
        sign,
    };
    let run = move |sign: bool| {
        let req = request(sign);
        spawn_local(async move {
            let r = api::reconcile(&req).await;
            let signed = r.as_ref().is_ok_and(|r| r.signed_by.is_some());
            result.set(Some(r));
            if signed && sign {
                on_signed.run(());
            }
        });
    };
    view! {
        <h3>"Three-way reconciliation"</h3>
        <div class="row">
            <label class="field narrow-field"><span class="label">"At"</span><input type="date" id="recon-date" bind:value=date /><span class="hint">"Blank for today"</span></label>
            <label class="field"><span class="label">"Statement balance"</span><input id="recon-balance" bind:value=balance /><span class="hint">"Blank to take it from a statement closing that day"</span></label>
        </div>
        <label class="field" for="recon-explanation">
            <span class="label">"Explanations of the difference"</span>
            <textarea id="recon-explanation" rows="3" placeholder="Bank charge taken in error; refund asked for = -5.00" bind:value=explanation></textarea>
            <span class="hint">"One per line: what happened = the amount it explains (signed). Together they must come to the difference."</span>
        </label>
        <div class="actions">
            <button class="secondary" id="recon-run" on:click=move |_| run(false)>"Reconcile"</button>
            <button class="primary" id="recon-sign" on:click=move |_| run(true)>"Sign off"</button>
        </div>
        {move || result.get().map(|r| match r {
            Err(e) => view! { <p class="error" role="alert" id="recon-error">{e.message}</p> }.into_any(),
            Ok(r) => {
                let signed = r.signed_by.clone().map(|by| format!("Signed by {by} at {}", r.signed_at.clone().unwrap_or_default()));
                let is_signed = signed.is_some().to_string();
                view! {
                    <div id="reconciliation" data-difference=r.difference data-signed=is_signed>
                        <table class="grid figures">
                            <tbody>
                                {r.shown.iter().cloned().map(|(label, value)| view! { <tr><td>{label}</td><td class="num">{value}</td></tr> }).collect_view()}
                            </tbody>
                        </table>
                        {(!r.debit_balances.is_empty()).then(|| view! {
                            <div class="banner warn" role="alert" id="debit-balances">
                                "Overdrawn client ledgers (a breach; never netted): "
                                {r.debit_balances.iter().map(|d| format!("{} {} {}", d.matter_number, d.client_name, d.balance)).collect::<Vec<_>>().join("; ")}
                            </div>
                        })}
                        {(!r.unrecorded_bank_entries.is_empty()).then(|| view! {
                            <p class="muted">"On the statement but not in the cash book: "
                                {r.unrecorded_bank_entries.iter().map(|i| format!("{} {} {}", i.date, i.reference, i.amount)).collect::<Vec<_>>().join("; ")}
                            </p>
                        })}
                        {(!r.unpresented.is_empty()).then(|| view! {
                            <p class="muted">"Unpresented: "
                                {r.unpresented.iter().map(|i| format!("{} {} {}", i.date, i.reference, i.amount)).collect::<Vec<_>>().join("; ")}
                            </p>
                        })}
                        {(!r.lodgements.is_empty()).then(|| view! {
                            <p class="muted">"Outstanding lodgements: "
                                {r.lodgements.iter().map(|i| format!("{} {} {}", i.date, i.reference, i.amount)).collect::<Vec<_>>().join("; ")}
                            </p>
                        })}
                        {signed.map(|s| view! { <p class="ok" id="recon-signed">{s}</p> })}
                    </div>
                }
                .into_any()
            }
        })}
    }
}
