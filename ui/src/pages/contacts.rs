//! Contacts: people and organisations, a filter, and the form to add one.

use crate::api;
use crate::components::{
    Field, FormError, FormState, Loaded, chosen_file, field_error, file_bytes, require,
};
use leptos::prelude::*;
use leptos::task::spawn_local;
use satchel_api::{ApiError, Contact, NewContactRequest};

const FIELDS: &[&str] = &[
    "kind",
    "name",
    "email",
    "phone",
    "address",
    "postcode",
    "date_of_birth",
    "company_number",
];

#[component]
pub fn ContactsPage() -> impl IntoView {
    let contacts = RwSignal::new(None::<Result<Vec<Contact>, ApiError>>);
    // The palette may have sent us here for one contact.
    let nav = crate::nav();
    let filter = RwSignal::new(nav.contact_filter.get_untracked());
    nav.contact_filter.set(String::new());
    let reload = move || {
        let f = filter.get_untracked();
        spawn_local(async move {
            contacts.set(Some(api::list_contacts(Some(&f)).await));
        })
    };
    reload();
    let show_form = RwSignal::new(false);
    let added = RwSignal::new(None::<Contact>);
    let on_created = Callback::new(move |c: Contact| {
        show_form.set(false);
        added.set(Some(c));
        reload();
    });

    view! {
        <section class="page">
            <header class="page-head">
                <h1>"Contacts"</h1>
                <div class="head-actions">
                    <input
                        id="contact-filter"
                        class="search"
                        type="search"
                        placeholder="Filter by name"
                        bind:value=filter
                        on:input=move |_| reload()
                    />
                    <button
                        class="primary"
                        id="new-contact"
                        on:click=move |_| {
                            added.set(None);
                            show_form.update(|s| *s = !*s)
                        }
                    >
                        {move || if show_form.get() { "Cancel" } else { "New contact" }}
                    </button>
                </div>
            </header>
            {move || {
                added
                    .get()
                    .map(|c| {
                        view! {
                            <div class="banner ok" role="status" id="contact-added">
                                "Added " <strong>{c.name}</strong> "."
                            </div>
                        }
                    })
            }}
            <Show when=move || show_form.get()>
                <NewContactForm on_created />
            </Show>
            <VcardCard on_imported=Callback::new(move |_: ()| reload()) />
            <Loaded
                state=contacts
                loading="Loading contacts…"
                list_id="contact-list"
                empty="No contacts match. Choose New contact to add one."
                table=|list| view! { <ContactTable list /> }
            />
        </section>
    }
}

/// Import contacts from a vCard file (all or nothing; duplicates skipped) and export them.
#[component]
fn VcardCard(on_imported: Callback<()>) -> impl IntoView {
    let message = RwSignal::new(None::<Result<String, String>>);
    let busy = RwSignal::new(false);
    let on_file = move |ev: leptos::ev::Event| {
        let Some(file) = chosen_file(&ev) else {
            return;
        };
        busy.set(true);
        message.set(None);
        spawn_local(async move {
            let result = match file_bytes(&file).await {
                Ok(bytes) => api::import_vcards(&bytes).await,
                Err(e) => Err(e),
            };
            message.set(Some(match result {
                Ok(r) => {
                    on_imported.run(());
                    Ok(format!(
                        "Imported {} contact(s) from {}; skipped {} already held.",
                        r.imported,
                        file.name(),
                        r.skipped_duplicates
                    ))
                }
                Err(e) => Err(format!(
                    "Nothing was imported from {}: {}",
                    file.name(),
                    e.message
                )),
            }));
            busy.set(false);
        });
    };
    let export = move |_| {
        spawn_local(async move {
            message.set(Some(match api::export_vcards().await {
                Ok(path) => Ok(format!("Saved every contact to {path}")),
                Err(e) => Err(e.message),
            }));
        });
    };
    view! {
        <div class="card row vcard">
            <label class="field" for="vcard-file">
                <span class="label">"Import contacts from a vCard file (.vcf)"</span>
                <input type="file" id="vcard-file" accept=".vcf,text/vcard" on:change=on_file disabled=move || busy.get() />
            </label>
            <div class="actions bottom">
                <button type="button" class="secondary" id="vcard-export" on:click=export>"Export all (.vcf)"</button>
            </div>
            {move || message.get().map(|m| match m {
                Ok(t) => view! { <p class="ok" role="status" id="vcard-message">{t}</p> }.into_any(),
                Err(t) => view! { <p class="error" role="alert" id="vcard-message">{t}</p> }.into_any(),
            })}
        </div>
    }
}

#[component]
fn ContactTable(list: Vec<Contact>) -> impl IntoView {
    let count = list.len();
    view! {
        <div class="card flush">
            <table class="grid" id="contact-list" data-count=count>
                <thead>
                    <tr>
                        <th>"Name"</th>
                        <th>"Kind"</th>
                        <th>"Email"</th>
                        <th>"Phone"</th>
                        <th>"Postcode"</th>
                        <th>"Matters"</th>
                    </tr>
                </thead>
                <tbody>
                    {list
                        .into_iter()
                        .map(|c| {
                            view! {
                                <tr class="contact-row" data-id=c.id.clone()>
                                    <td class="client">{c.name}</td>
                                    <td>{if c.kind == "organisation" { "Organisation" } else { "Person" }}</td>
                                    <td>{c.email.unwrap_or_default()}</td>
                                    <td>{c.phone.unwrap_or_default()}</td>
                                    <td class="mono">{c.postcode.unwrap_or_default()}</td>
                                    <td>{c.matters}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn NewContactForm(on_created: Callback<Contact>) -> impl IntoView {
    let kind = RwSignal::new("person".to_owned());
    let name = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let phone = RwSignal::new(String::new());
    let address = RwSignal::new(String::new());
    let postcode = RwSignal::new(String::new());
    let dob = RwSignal::new(String::new());
    let company = RwSignal::new(String::new());
    let form = FormState::new();
    let (error, busy) = (form.error, form.busy);
    let is_person = move || kind.get() == "person";
    let submit = move |ev: leptos::ev::SubmitEvent| {
        form.submit(
            ev,
            || {
                require(&name, "name", "Name")?;
                let person = kind.get_untracked() == "person";
                let req = NewContactRequest {
                    kind: kind.get_untracked(),
                    name: name.get_untracked(),
                    email: email.get_untracked(),
                    phone: phone.get_untracked(),
                    address: address.get_untracked(),
                    postcode: postcode.get_untracked(),
                    date_of_birth: if person {
                        dob.get_untracked()
                    } else {
                        String::new()
                    },
                    company_number: if person {
                        String::new()
                    } else {
                        company.get_untracked()
                    },
                };
                Ok(async move { api::create_contact(&req).await })
            },
            move |c| on_created.run(c),
        )
    };
    view! {
        <form class="card" id="contact-form" on:submit=submit novalidate>
            <h2>"Add a contact"</h2>
            <FormError last=error fields=FIELDS />
            <div class="row">
                <label class="field narrow-field" for="kind">
                    <span class="label">"Kind"</span>
                    <select id="kind" name="kind" bind:value=kind>
                        <option value="person">"Person"</option>
                        <option value="organisation">"Organisation"</option>
                    </select>
                </label>
                <Field label="Name" id="name" value=name error=field_error(error, "name") autofocus=true />
            </div>
            <div class="row">
                <Field label="Email" id="email" kind="email" value=email error=field_error(error, "email") />
                <Field label="Phone" id="phone" kind="tel" value=phone error=field_error(error, "phone") />
            </div>
            <div class="row">
                <Field label="Address" id="address" value=address error=field_error(error, "address") />
                <Field label="Postcode" id="postcode" value=postcode error=field_error(error, "postcode") />
            </div>
            <Show
                when=is_person
                fallback=move || view! {
                    <Field label="Company number" id="company_number" value=company error=field_error(error, "company_number") hint="Companies House, e.g. 01234567 or SC123456" />
                }
            >
                <Field label="Date of birth" id="date_of_birth" kind="date" value=dob error=field_error(error, "date_of_birth") />
            </Show>
            <div class="actions">
                <button type="submit" class="primary" id="contact-submit" disabled=move || busy.get()>
                    {move || if busy.get() { "Adding…" } else { "Add contact" }}
                </button>
            </div>
        </form>
    }
}
