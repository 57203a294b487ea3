//! Money on a matter: its client ledger (client and office sides), and the form that
//! records receipts, payments, transfers and reversals. Every rule is the service's; a
//! refusal (an overdrawing payment above all) is shown as it comes back.

use crate::api;
use crate::components::{Field, FormError, FormState, field_error, require};
use leptos::prelude::*;
use leptos::task::spawn_local;
use satchel_api::{
    ApiError, BankAccount, Bill, ClientLedger, LedgerLine, NewBillRequest, PostingRequest,
};

const FIELDS: &[&str] = &[
    "account",
    "amount",
    "date",
    "reference",
    "payer",
    "payee",
    "party",
    "to_matter",
    "reason",
    "bill",
    "authorised_by",
];

#[component]
pub fn MoneyPanel(matter: String) -> impl IntoView {
    let ledger = RwSignal::new(None::<Result<ClientLedger, ApiError>>);
    let accounts = RwSignal::new(Vec::<BankAccount>::new());
    let number = StoredValue::new(matter);
    let reload = move || {
        spawn_local(async move {
            let n = number.get_value();
            ledger.set(Some(api::client_ledger(&n).await));
        })
    };
    reload();
    spawn_local(async move { accounts.set(api::list_bank_accounts().await.unwrap_or_default()) });
    view! {
        <BillsPanel matter=number.get_value() on_change=Callback::new(move |()| reload()) />
        {move || match ledger.get() {
            None => view! { <p class="muted">"Loading the client ledger…"</p> }.into_any(),
            Some(Err(e)) => view! { <p class="error" role="alert">{e.message}</p> }.into_any(),
            Some(Ok(l)) => view! {
                <div class="card" id="ledger-summary" data-client-pence=l.client_balance_pence data-available-pence=l.available_pence>
                    <dl class="facts">
                        <dt>"Client money held"</dt><dd id="ledger-client-balance">{l.client_balance.clone()}</dd>
                        <dt>"Available to pay out"</dt><dd id="ledger-available">{l.available.clone()}</dd>
                        {(l.pending_out_pence != 0).then(|| view! {
                            <dt>"Confirmed by the firm server"</dt><dd id="ledger-confirmed">{l.confirmed.clone()}</dd>
                            <dt>"Payments pending"</dt><dd id="ledger-pending">{l.pending_out.clone()}</dd>
                        })}
                        <dt>"Office side"</dt><dd id="ledger-office-balance">{l.office_balance.clone()}</dd>
                    </dl>
                </div>
                <LedgerTable lines=l.lines matter=number.get_value() on_change=Callback::new(move |()| reload()) />
                <RefusedTable refused=l.refused />
            }
            .into_any(),
        }}
        {move || {
            let list = accounts.get();
            (!list.is_empty())
                .then(|| view! { <PostingForm matter=number.get_value() accounts=list on_done=Callback::new(move |()| reload()) /> })
        }}
        {move || accounts.with(Vec::is_empty).then(|| view! {
            <p class="muted" id="money-no-accounts">"The firm has no bank accounts yet: add them under Accounts."</p>
        })}
    }
}

#[component]
fn LedgerTable(lines: Vec<LedgerLine>, matter: String, on_change: Callback<()>) -> impl IntoView {
    let count = lines.len();
    let matter = StoredValue::new(matter);
    if lines.is_empty() {
        return view! {
            <div class="card empty" id="ledger" data-count="0"><p>"No money has moved on this matter."</p></div>
        }
        .into_any();
    }
    view! {
        <div class="card flush">
            <table class="grid ledger" id="ledger" data-count=count>
                <thead>
                    <tr>
                        <th>"Date"</th><th>"Details"</th><th>"Reference"</th>
                        <th class="num">"Client"</th><th class="num">"Client balance"</th>
                        <th class="num">"Office"</th><th class="num">"Office balance"</th><th></th>
                    </tr>
                </thead>
                <tbody>
                    {lines
                        .into_iter()
                        .map(|l| {
                            let id = l.posting_id.clone();
                            let pending = l.state == "pending";
                            let what = l.what.clone();
                            view! {
                                <tr data-posting=l.posting_id.clone() data-what=what>
                                    <td>{l.date}</td>
                                    <td>{l.what}{(!l.party.is_empty()).then(|| format!(" · {}", l.party))}{pending.then(|| view! { <span class="pill pending">"pending"</span> })}</td>
                                    <td>{l.reference}</td>
                                    <td class="num">{l.client}</td>
                                    <td class="num">{l.client_balance}</td>
                                    <td class="num">{l.office}</td>
                                    <td class="num">{l.office_balance}</td>
                                    <td>{l.reversible.then(|| view! { <ReverseButton posting=id.clone() matter=matter.get_value() on_change /> })}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

/// Payments the firm server refused (they would have overdrawn the ledger on the firm's
/// books): listed with the server's reason; they move no money.
#[component]
fn RefusedTable(refused: Vec<satchel_api::Posting>) -> impl IntoView {
    (!refused.is_empty()).then(|| {
        let count = refused.len();
        view! {
            <div class="card flush">
                <h2 class="card-title">"Refused by the firm server"</h2>
                <table class="grid" id="refused" data-count=count>
                    <thead>
                        <tr><th>"Date"</th><th>"Payee"</th><th class="num">"Amount"</th><th>"Recorded by"</th><th>"Why"</th></tr>
                    </thead>
                    <tbody>
                        {refused
                            .into_iter()
                            .map(|p| view! {
                                <tr data-posting=p.id.clone()>
                                    <td>{p.date}</td>
                                    <td>{p.party}</td>
                                    <td class="num">{p.amount}</td>
                                    <td>{p.recorded_by}</td>
                                    <td>{p.refused_reason.unwrap_or_default()}</td>
                                </tr>
                            })
                            .collect_view()}
                    </tbody>
                </table>
            </div>
        }
    })
}

/// Reverse a posting: asks why, then records the reversal.
#[component]
fn ReverseButton(posting: String, matter: String, on_change: Callback<()>) -> impl IntoView {
    let open = RwSignal::new(false);
    let reason = RwSignal::new(String::new());
    let form = FormState::new();
    let (error, busy) = (form.error, form.busy);
    let (posting, matter) = (StoredValue::new(posting), StoredValue::new(matter));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        form.submit(
            ev,
            || {
                require(&reason, "reason", "Reason")?;
                let req = PostingRequest {
                    kind: "reversal".into(),
                    matter: matter.get_value(),
                    reverses: posting.get_value(),
                    reason: reason.get_untracked(),
                    ..Default::default()
                };
                Ok(async move { api::record_posting(&req).await })
            },
            move |_| on_change.run(()),
        )
    };
    view! {
        {move || if open.get() {
            view! {
                <form class="inline" on:submit=submit novalidate>
                    <input class="reverse-reason" placeholder="Why?" bind:value=reason />
                    <button type="submit" class="danger reverse-confirm" disabled=move || busy.get()>"Reverse"</button>
                    {move || error.get().map(|e| view! { <span class="field-error">{e.message}</span> })}
                </form>
            }
            .into_any()
        } else {
            view! { <button class="link reverse" on:click=move |_| open.set(true)>"Reverse"</button> }.into_any()
        }}
    }
}

#[component]
fn PostingForm(matter: String, accounts: Vec<BankAccount>, on_done: Callback<()>) -> impl IntoView {
    let kind = RwSignal::new("receipt".to_owned());
    let first = accounts.first().map(|a| a.id.clone()).unwrap_or_default();
    let account = RwSignal::new(first);
    let amount = RwSignal::new(String::new());
    let date = RwSignal::new(String::new());
    let reference = RwSignal::new(String::new());
    let party = RwSignal::new(String::new());
    let to_matter = RwSignal::new(String::new());
    let reason = RwSignal::new(String::new());
    let bill = RwSignal::new(String::new());
    let authorised_by = RwSignal::new(String::new());
    let done = RwSignal::new(None::<String>);
    let matter = StoredValue::new(matter);
    let form = FormState::new();
    let (error, busy) = (form.error, form.busy);
    let party_error = Signal::derive(move || {
        error
            .get()
            .filter(|e| matches!(e.field.as_deref(), Some("payer" | "payee" | "party")))
            .map(|e| e.message)
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        form.submit(
            ev,
            || {
                require(&amount, "amount", "Amount")?;
                let req = PostingRequest {
                    kind: match kind.get_untracked().as_str() {
                        "receipt" => "receipt",
                        "payment" => "payment",
                        _ => "transfer",
                    }
                    .into(),
                    matter: matter.get_value(),
                    account: account.get_untracked(),
                    amount: amount.get_untracked(),
                    date: date.get_untracked(),
                    reference: reference.get_untracked(),
                    party: party.get_untracked(),
                    to_matter: if kind.get_untracked() == "between" {
                        to_matter.get_untracked()
                    } else {
                        String::new()
                    },
                    bill: if kind.get_untracked() == "to_office" {
                        bill.get_untracked()
                    } else {
                        String::new()
                    },
                    reason: reason.get_untracked(),
                    authorised_by: authorised_by.get_untracked(),
                    ..Default::default()
                };
                Ok(async move { api::record_posting(&req).await })
            },
            move |p| {
                done.set(Some(format!(
                    "Recorded: {} of {}.",
                    p.kind.replace('_', " "),
                    p.amount
                )));
                amount.set(String::new());
                reference.set(String::new());
                party.set(String::new());
                on_done.run(())
            },
        )
    };
    let party_label = move || match kind.get().as_str() {
        "receipt" => "Received from",
        "payment" => "Paid to",
        _ => "Party (optional)",
    };
    view! {
        <form class="card" id="posting-form" on:submit=submit novalidate>
            <h2>"Record money"</h2>
            <FormError last=error fields=FIELDS />
            {move || done.get().map(|d| view! { <p class="ok" id="posting-done">{d}</p> })}
            <div class="row">
                <label class="field narrow-field" for="posting-kind">
                    <span class="label">"What"</span>
                    <select id="posting-kind" bind:value=kind>
                        <option value="receipt">"Receipt"</option>
                        <option value="payment">"Payment"</option>
                        <option value="to_office">"Transfer to office (against a bill)"</option>
                        <option value="between">"Transfer to another matter"</option>
                    </select>
                </label>
                <label class="field" for="posting-account">
                    <span class="label">{move || if kind.get().starts_with('t') || kind.get() == "between" { "From account" } else { "Bank account" }}</span>
                    <select id="posting-account" bind:value=account>
                        {accounts
                            .into_iter()
                            .map(|a| view! { <option value=a.id.clone()>{format!("{} ({})", a.name, a.kind)}</option> })
                            .collect_view()}
                    </select>
                    {move || field_error(error, "account").get().map(|e| view! { <span class="field-error">{e}</span> })}
                </label>
            </div>
            <div class="row">
                <Field label="Amount" id="posting-amount" value=amount error=field_error(error, "amount") hint="Pounds and pence, e.g. 1250.00" />
                <Field label="Date" id="posting-date" value=date error=field_error(error, "date") kind="date" hint="Blank for today" />
                <Field label="Reference" id="posting-reference" value=reference error=field_error(error, "reference") />
            </div>
            <div class="row">
                <label class="field" for="posting-party">
                    <span class="label">{party_label}</span>
                    <input id="posting-party" autocomplete="off" bind:value=party class:invalid=move || party_error.get().is_some() />
                    {move || party_error.get().map(|e| view! { <span class="field-error" id="posting-party-error">{e}</span> })}
                </label>
                <Field label="Authorised by (initials)" id="posting-authorised-by" value=authorised_by error=field_error(error, "authorised_by") hint="A second person, where the firm requires one" />
            </div>
            {move || (kind.get() == "between").then(|| view! {
                <div class="row">
                    <Field label="To matter" id="posting-to-matter" value=to_matter error=field_error(error, "to_matter") hint="e.g. M00042" />
                    <Field label="Reason" id="posting-reason" value=reason error=field_error(error, "reason") />
                </div>
            })}
            {move || (kind.get() == "to_office").then(|| view! {
                <div class="row">
                    <Field label="Bill or notification of costs" id="posting-bill" value=bill error=field_error(error, "bill") hint="Its number, e.g. B000012" />
                </div>
            })}
            <div class="actions">
                <button type="submit" class="primary" id="posting-submit" disabled=move || busy.get()>"Record"</button>
            </div>
        </form>
    }
}

/// A matter's bills: bill the unbilled work (after seeing the draft), and each bill's PDF.
#[component]
fn BillsPanel(matter: String, on_change: Callback<()>) -> impl IntoView {
    let matter = StoredValue::new(matter);
    let bills = RwSignal::new(None::<Result<Vec<Bill>, ApiError>>);
    let draft = RwSignal::new(None::<Result<Bill, ApiError>>);
    let saved = RwSignal::new(None::<Result<String, ApiError>>);
    let busy = RwSignal::new(false);
    let reload = move || {
        spawn_local(async move { bills.set(Some(api::list_bills(&matter.get_value()).await)) })
    };
    reload();
    let request = move || NewBillRequest {
        matter: matter.get_value(),
        ..Default::default()
    };
    let show_draft = move |_| {
        spawn_local(async move { draft.set(Some(api::draft_bill(&request()).await)) });
    };
    let confirm = move |_| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        spawn_local(async move {
            let made = api::create_bill(&request()).await;
            busy.set(false);
            match made {
                Ok(_) => {
                    draft.set(None);
                    reload();
                    on_change.run(());
                }
                Err(e) => draft.set(Some(Err(e))),
            }
        });
    };
    let pdf = Callback::new(move |number: String| {
        spawn_local(async move {
            saved.set(Some(api::bill_pdf(&number).await.map(|d| d.path)));
        })
    });
    view! {
        <div class="card" id="bills">
            <div class="card-head">
                <h2>"Bills"</h2>
                <button class="secondary" id="bill-draft" on:click=show_draft>"Bill unbilled work…"</button>
            </div>
            {move || draft.get().map(|d| match d {
                Ok(b) => view! {
                    <div class="draft" id="bill-draft-summary" data-total-pence=b.total_pence>
                        <table class="grid">
                            <tbody>
                                {b.lines.into_iter().map(|l| view! {
                                    <tr><td>{l.description}</td><td class="num">{l.net}</td><td class="num">"VAT " {l.vat}</td></tr>
                                }).collect_view()}
                                <tr><td><strong>"Total"</strong></td><td></td><td class="num"><strong>{b.total}</strong></td></tr>
                            </tbody>
                        </table>
                        <div class="actions">
                            <button class="primary" id="bill-create" on:click=confirm disabled=move || busy.get()>"Make the bill"</button>
                        </div>
                    </div>
                }
                .into_any(),
                Err(e) => view! { <p class="error" role="alert" id="bill-error">{e.message}</p> }.into_any(),
            })}
            {move || saved.get().map(|r| match r {
                Ok(path) => view! { <p class="ok" id="bill-pdf-saved">"Saved to " {path}</p> }.into_any(),
                Err(e) => view! { <p class="error" role="alert">{e.message}</p> }.into_any(),
            })}
            {move || match bills.get() {
                None => view! { <p class="muted">"Loading bills…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error">{e.message}</p> }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! { <p class="muted" id="bill-list" data-count="0">"No bills yet."</p> }.into_any(),
                Some(Ok(list)) => view! { <BillTable list on_pdf=pdf on_change=Callback::new(move |()| { reload(); on_change.run(()) }) /> }.into_any(),
            }}
        </div>
    }
}

#[component]
pub fn BillTable(
    list: Vec<Bill>,
    on_pdf: Callback<String>,
    #[prop(optional)] on_change: Option<Callback<()>>,
) -> impl IntoView {
    let count = list.len();
    view! {
        <table class="grid" id="bill-list" data-count=count>
            <thead>
                <tr><th>"Number"</th><th>"Kind"</th><th>"Date"</th><th>"Matter"</th><th class="num">"Total"</th><th class="num">"Unpaid"</th><th>"Delivered"</th><th></th></tr>
            </thead>
            <tbody>
                {list
                    .into_iter()
                    .map(|b| {
                        let number = b.number.clone();
                        let row = b.number.clone();
                        view! {
                            <tr data-number=row>
                                <td class="mono">{b.number}</td>
                                <td>{b.kind.replace('_', " ")}</td>
                                <td>{b.date}</td>
                                <td>{b.matter_number}</td>
                                <td class="num">{b.total}</td>
                                <td class="num">{b.unpaid}</td>
                                <td>{match (b.delivered_on, on_change, b.kind == "credit_note") {
                                    (Some(d), _, _) => view! { <span>{d}</span> }.into_any(),
                                    (None, Some(changed), false) => view! { <BillActions number=number.clone() on_change=changed /> }.into_any(),
                                    _ => view! { <span class="muted">"not yet"</span> }.into_any(),
                                }}</td>
                                <td><button class="link bill-pdf" on:click=move |_| on_pdf.run(number.clone())>"PDF"</button></td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}

/// Record a bill's delivery (today), or credit the whole of it with a reason.
#[component]
fn BillActions(number: String, on_change: Callback<()>) -> impl IntoView {
    let number = StoredValue::new(number);
    let crediting = RwSignal::new(false);
    let reason = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let deliver = move |_| {
        spawn_local(async move {
            match api::deliver_bill(&number.get_value(), "").await {
                Ok(_) => on_change.run(()),
                Err(e) => error.set(Some(e.message)),
            }
        })
    };
    let credit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let req = satchel_api::CreditRequest {
            bill: number.get_value(),
            reason: reason.get_untracked(),
            ..Default::default()
        };
        spawn_local(async move {
            match api::credit_bill(&req).await {
                Ok(_) => on_change.run(()),
                Err(e) => error.set(Some(e.message)),
            }
        })
    };
    view! {
        {move || if crediting.get() {
            view! {
                <form class="inline" on:submit=credit>
                    <input class="credit-reason" placeholder="Why credit it?" bind:value=reason />
                    <button type="submit" class="danger">"Credit"</button>
                </form>
            }
            .into_any()
        } else {
            view! {
                <button class="link bill-deliver" on:click=deliver>"Delivered today"</button>
                " · "
                <button class="link bill-credit" on:click=move |_| crediting.set(true)>"Credit…"</button>
            }
            .into_any()
        }}
        {move || error.get().map(|e| view! { <span class="field-error">{e}</span> })}
    }
}
