//! Accounts: the firm's client and office bank accounts. (Postings, ledgers, bills and
//! reconciliation come next; the page says so.)

use crate::api;
use crate::components::{Field, FormError, FormState, Loaded, field_error, require};
use leptos::prelude::*;
use leptos::task::spawn_local;
use satchel_api::{ApiError, BankAccount, NewBankAccountRequest};

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
    let reload =
        move || spawn_local(async move { accounts.set(Some(api::list_bank_accounts().await)) });
    reload();
    view! {
        <section class="page">
            <header class="page-head">
                <h1>"Accounts"</h1>
            </header>
            <p class="muted" id="accounts-scope">
                "Bank accounts are kept here. Client ledgers, receipts and payments, bills, bank statements and the three-way reconciliation are being built next."
            </p>
            <Loaded
                state=accounts
                loading="Loading bank accounts…"
                list_id="account-list"
                empty="No bank accounts yet."
                table=|list| view! { <AccountTable list /> }
            />
            <AccountForm on_added=Callback::new(move |_: BankAccount| reload()) />
        </section>
    }
}

#[component]
fn AccountTable(list: Vec<BankAccount>) -> impl IntoView {
    let count = list.len();
    view! {
        <div class="card flush">
            <table class="grid" id="account-list" data-count=count>
                <thead>
                    <tr><th>"Kind"</th><th>"Name"</th><th>"Sort code"</th><th>"Account"</th><th>"Opening balance"</th></tr>
                </thead>
                <tbody>
                    {list
                        .into_iter()
                        .map(|a| view! {
                            <tr>
                                <td><span class=format!("pill {}", a.kind)>{if a.kind == "client" { "Client" } else { "Office" }}</span></td>
                                <td>{a.name}</td>
                                <td class="mono">{a.sort_code}</td>
                                <td class="mono">{a.account_number}</td>
                                <td>{a.opening_balance} " on " {a.opened_on}</td>
                            </tr>
                        })
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
