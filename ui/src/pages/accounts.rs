//! Accounts: the firm's client and office bank accounts, the list of client balances, and
//! each account's cash book. (Bills, statements and the reconciliation come next; the page
//! says so.)

use crate::api;
use crate::components::{Field, FormError, FormState, Loaded, field_error, require};
use leptos::prelude::*;
use leptos::task::spawn_local;
use satchel_api::{ApiError, BankAccount, CashBook, ClientBalanceRow, NewBankAccountRequest};

const FIELDS: &[&str] = &[
    "kind",
    "name",
    "sort_code",
    "account_number",
    "opening_balance",
    "opened_on",
    "brought_forward",
];

#[component]
pub fn AccountsPage() -> impl IntoView {
    let accounts = RwSignal::new(None::<Result<Vec<BankAccount>, ApiError>>);
    let balances = RwSignal::new(None::<Result<Vec<ClientBalanceRow>, ApiError>>);
    let cash_book = RwSignal::new(None::<Result<CashBook, ApiError>>);
    let reload = move || {
        spawn_local(async move {
            accounts.set(Some(api::list_bank_accounts().await));
            balances.set(Some(api::client_balances().await));
        })
    };
    reload();
    let show_cash_book = Callback::new(move |id: String| {
        spawn_local(async move { cash_book.set(Some(api::cash_book(&id, "", "").await)) })
    });
    let reconciling = RwSignal::new(None::<BankAccount>);
    let due = RwSignal::new(Vec::<satchel_api::ReconciliationDue>::new());
    spawn_local(async move { due.set(api::reconciliation_due().await.unwrap_or_default()) });
    let open_reconcile = Callback::new(move |a: BankAccount| reconciling.set(Some(a)));
    view! {
        <section class="page">
            <header class="page-head">
                <h1>"Accounts"</h1>
            </header>
            <p class="muted" id="accounts-scope">
                "Bank accounts, statements and the three-way reconciliation, client balances and cash books; receipts, payments and bills are made on each matter's Money tab, and the register of bills, the registers and the accountant's report are under Reports."
            </p>
            <Loaded
                state=accounts
                loading="Loading bank accounts…"
                list_id="account-list"
                empty="No bank accounts yet."
                table=move |list| view! { <AccountTable list on_open=show_cash_book on_reconcile=open_reconcile /> }
            />
            {move || due.get().into_iter().map(|d| view! { <div class="banner warn reconciliation-due" role="alert">{d.message}</div> }).collect_view()}
            {move || reconciling.get().map(|a| view! { <super::reconcile::ReconcilePanel account=a /> })}
            {move || cash_book.get().map(|c| match c {
                Ok(c) => view! { <CashBookView book=c /> }.into_any(),
                Err(e) => view! { <p class="error" role="alert">{e.message}</p> }.into_any(),
            })}
            <h2>"Client balances"</h2>
            <Loaded
                state=balances
                loading="Loading client balances…"
                list_id="client-balances"
                empty="No client money is held."
                table=|list| view! { <BalanceTable list /> }
            />
            <AccountForm on_added=Callback::new(move |_: BankAccount| reload()) />
        </section>
    }
}

#[component]
fn AccountTable(
    list: Vec<BankAccount>,
    on_open: Callback<String>,
    on_reconcile: Callback<BankAccount>,
) -> impl IntoView {
    let count = list.len();
    view! {
        <div class="card flush">
            <table class="grid" id="account-list" data-count=count>
                <thead>
                    <tr><th>"Kind"</th><th>"Name"</th><th>"Sort code"</th><th>"Account"</th><th>"Opening balance"</th><th></th></tr>
                </thead>
                <tbody>
                    {list
                        .into_iter()
                        .map(|a| {
                            let id = a.id.clone();
                            let account = a.clone();
                            let is_client = a.kind == "client";
                            view! {
                            <tr>
                                <td><span class=format!("pill {}", a.kind)>{if a.kind == "client" { "Client" } else { "Office" }}</span></td>
                                <td>{a.name}</td>
                                <td class="mono">{a.sort_code}</td>
                                <td class="mono">{a.account_number}</td>
                                <td>{a.opening_balance} " on " {a.opened_on}</td>
                                <td>
                                    <button class="link cash-book" on:click=move |_| on_open.run(id.clone())>"Cash book"</button>
                                    {is_client.then(|| view! { " · " <button class="link reconcile" on:click=move |_| on_reconcile.run(account.clone())>"Statements and reconciliation"</button> })}
                                </td>
                            </tr>
                        }})
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn AccountForm(on_added: Callback<BankAccount>) -> impl IntoView {
    let kind = RwSignal::new("client".to_owned());
    let name = RwSignal::new(String::new());
    let sort_code = RwSignal::new(String::new());
    let number = RwSignal::new(String::new());
    let opening = RwSignal::new(String::new());
    let brought = RwSignal::new(String::new());
    let form = FormState::new();
    let (error, busy) = (form.error, form.busy);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        form.submit(
            ev,
            || {
                require(&name, "name", "Name")?;
                require(&sort_code, "sort_code", "Sort code")?;
                require(&number, "account_number", "Account number")?;
                let req = NewBankAccountRequest {
                    kind: kind.get_untracked(),
                    name: name.get_untracked(),
                    sort_code: sort_code.get_untracked(),
                    account_number: number.get_untracked(),
                    opening_balance: opening.get_untracked(),
                    opened_on: String::new(),
                    brought_forward: brought
                        .get_untracked()
                        .lines()
                        .map(str::trim)
                        .filter(|l| !l.is_empty())
                        .map(str::to_owned)
                        .collect(),
                };
                Ok(async move { api::add_bank_account(&req).await })
            },
            move |a| {
                name.set(String::new());
                number.set(String::new());
                opening.set(String::new());
                brought.set(String::new());
                on_added.run(a)
            },
        )
    };
    view! {
        <form class="card" id="account-form" on:submit=submit novalidate>
            <h2>"Add a bank account"</h2>
            <FormError last=error fields=FIELDS />
            <div class="row">
                <label class="field narrow-field" for="account-kind">
                    <span class="label">"Kind"</span>
                    <select id="account-kind" bind:value=kind>
                        <option value="client">"Client account"</option>
                        <option value="office">"Office account"</option>
                    </select>
                </label>
                <Field label="Name" id="account-name" value=name error=field_error(error, "name") hint="A client account's name holds the firm's name and the word \"client\"" />
            </div>
            <div class="row">
                <Field label="Sort code" id="account-sort-code" value=sort_code error=field_error(error, "sort_code") hint="e.g. 20-00-00" />
                <Field label="Account number" id="account-number" value=number error=field_error(error, "account_number") hint="8 digits" />
                <Field label="Opening balance" id="account-opening" value=opening error=field_error(error, "opening_balance") hint="e.g. 1250.00; a client account's may not be negative" />
            </div>
            <label class="field" for="account-brought-forward">
                <span class="label">"Opening balance by matter (client accounts)"</span>
                <textarea id="account-brought-forward" rows="3" placeholder="M00042=120.00" bind:value=brought></textarea>
                <span class="hint">"One matter per line; the amounts add up to the opening balance exactly."</span>
                {move || field_error(error, "brought_forward").get().map(|e| view! { <span class="field-error">{e}</span> })}
            </label>
            <div class="actions">
                <button type="submit" class="primary" id="account-submit" disabled=move || busy.get()>"Add account"</button>
            </div>
        </form>
    }
}

#[component]
fn CashBookView(book: CashBook) -> impl IntoView {
    let count = book.lines.len();
    view! {
        <div class="card flush" id="cash-book" data-account=book.account.id.clone() data-balance-pence=book.balance_pence>
            <h2 class="card-title">{format!("Cash book: {} ({} to {})", book.account.name, book.from, book.to)}</h2>
            <table class="grid" data-count=count>
                <thead>
                    <tr><th>"Date"</th><th>"Matter"</th><th>"Details"</th><th>"Reference"</th><th class="num">"Amount"</th><th class="num">"Balance"</th></tr>
                </thead>
                <tbody>
                    <tr class="muted"><td colspan="5">"Brought forward"</td><td class="num">{book.brought_forward}</td></tr>
                    {book
                        .lines
                        .into_iter()
                        .map(|l| view! {
                            <tr>
                                <td>{l.date}</td>
                                <td>{l.matter_number}</td>
                                <td>{l.what.replace('_', " ")}{(!l.party.is_empty()).then(|| format!(" · {}", l.party))}</td>
                                <td>{l.reference}</td>
                                <td class="num">{l.amount}</td>
                                <td class="num">{l.balance}</td>
                            </tr>
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn BalanceTable(list: Vec<ClientBalanceRow>) -> impl IntoView {
    let count = list.len();
    view! {
        <div class="card flush">
            <table class="grid" id="client-balances" data-count=count>
                <thead>
                    <tr><th>"Account"</th><th>"Matter"</th><th>"Client"</th><th class="num">"Held"</th><th class="num">"Available"</th><th>"Last movement"</th></tr>
                </thead>
                <tbody>
                    {list
                        .into_iter()
                        .map(|b| view! {
                            <tr class:overdrawn=b.balance_pence < 0>
                                <td>{b.account_name}</td>
                                <td>{b.matter_number}</td>
                                <td>{b.client_name}</td>
                                <td class="num">{b.balance}</td>
                                <td class="num">{b.available}</td>
                                <td>{b.last_movement}</td>
                            </tr>
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// The central register of bills, notifications of costs and credit notes.
#[component]
pub fn Register() -> impl IntoView {
    let bills = RwSignal::new(None::<Result<Vec<satchel_api::Bill>, ApiError>>);
    let saved = RwSignal::new(None::<Result<String, ApiError>>);
    spawn_local(async move { bills.set(Some(api::list_bills("").await)) });
    let pdf = Callback::new(move |number: String| {
        spawn_local(async move { saved.set(Some(api::bill_pdf(&number).await.map(|d| d.path))) })
    });
    view! {
        {move || saved.get().map(|r| match r {
            Ok(path) => view! { <p class="ok">"Saved to " {path}</p> }.into_any(),
            Err(e) => view! { <p class="error" role="alert">{e.message}</p> }.into_any(),
        })}
        <div class="card flush">
            {move || match bills.get() {
                None => view! { <p class="muted">"Loading the register…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error">{e.message}</p> }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! { <p class="muted card-title" id="register" data-count="0">"No bills yet."</p> }.into_any(),
                Some(Ok(list)) => view! { <div id="register"><super::money::BillTable list on_pdf=pdf /></div> }.into_any(),
            }}
        </div>
    }
}
