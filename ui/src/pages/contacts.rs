//! Contacts: people and organisations, a filter, and the form to add one.

use crate::api;
use crate::components::{
    Field, FormError, FormState, Loaded, chosen_file, field_error, file_bytes, require,
};
use leptos::prelude::*;
use leptos::task::spawn_local;
use satchel_api::{ApiError, Contact, ContactMatter, NewContactRequest};

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
    let open = crate::nav().contact;
    move || match open.get() {
        Some(id) => {
            view! { <ContactDetail id on_close=Callback::new(move |_: ()| open.set(None)) /> }
                .into_any()
        }
        None => view! { <ContactList /> }.into_any(),
    }
}

/// One contact: their details and every matter they are on, in which role.
#[component]
fn ContactDetail(id: String, on_close: Callback<()>) -> impl IntoView {
    let nav = crate::nav();
    let contact = RwSignal::new(None::<Result<Contact, ApiError>>);
    let matters = RwSignal::new(None::<Result<Vec<ContactMatter>, ApiError>>);
    spawn_local(async move {
        contact.set(Some(api::get_contact(&id).await));
        matters.set(Some(api::contact_matters(&id).await));
    });
    let open_matter = Callback::new(move |matter_id: String| {
        spawn_local(async move {
            if let Ok(m) = api::get_matter(&matter_id).await {
                nav.matter.set(Some(m));
                nav.section.set(crate::Section::Matters);
            }
        });
    });
    view! {
        <section class="page" id="contact-detail">
            {move || match contact.get() {
                None => view! { <p class="muted">"Loading…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error" role="alert">{e.message}</p> }.into_any(),
                Some(Ok(c)) => view! {
                    <header class="page-head">
                        <h1>{c.name.clone()}</h1>
                        <div class="head-actions">
                            {crate::session_role()
                                .filter(|r| r == "admin" || r == "partner")
                                .map(|_| {
                                    let name = c.name.clone();
                                    view! {
                                        <button class="secondary" id="contact-gdpr" title="Subject access or erasure for this person" on:click=move |_| {
                                            nav.compliance_person.set(Some(name.clone()));
                                            nav.section.set(crate::Section::Compliance);
                                        }>"Subject access / erasure"</button>
                                    }
                                })}
                            <button class="secondary" id="back-to-contacts" on:click=move |_| on_close.run(())>"All contacts"</button>
                        </div>
                    </header>
                    <div class="card">
                        <dl class="facts" id="contact-facts">
                            <dt>"Kind"</dt><dd>{if c.kind == "organisation" { "Organisation" } else { "Person" }}</dd>
                            <dt>"Email"</dt><dd>{c.email.unwrap_or_default()}</dd>
                            <dt>"Phone"</dt><dd>{c.phone.unwrap_or_default()}</dd>
                            <dt>"Address"</dt><dd>{c.address.unwrap_or_default()} " " {c.postcode.unwrap_or_default()}</dd>
                            {c.date_of_birth.map(|d| view! { <dt>"Date of birth"</dt><dd>{d}</dd> })}
                            {c.company_number.map(|n| view! { <dt>"Company number"</dt><dd class="mono">{n}</dd> })}
                        </dl>
                    </div>
                }
                .into_any(),
            }}
            <h2 class="section-title">"Matters"</h2>
            <Loaded
                state=matters
                loading="Loading matters…"
                list_id="contact-matters"
                empty="Not on any matter."
                table=move |list| view! { <ContactMatters list open_matter /> }
            />
        </section>
    }
}

#[component]
fn ContactMatters(list: Vec<ContactMatter>, open_matter: Callback<String>) -> impl IntoView {
    let count = list.len();
    view! {
        <div class="card flush">
            <table class="grid" id="contact-matters" data-count=count>
                <thead>
                    <tr><th>"Number"</th><th>"Role"</th><th>"Client"</th><th>"Description"</th><th>"Status"</th></tr>
                </thead>
                <tbody>
                    {list
                        .into_iter()
                        .map(|m| {
                            let id = m.matter_id.clone();
                            view! {
                                <tr class="matter-row" tabindex="0" on:click=move |_| open_matter.run(id.clone())>
                                    <td class="mono number">{m.number}</td>
                                    <td>{m.role_label}</td>
                                    <td>{m.client_name}</td>
                                    <td>{m.description}</td>
                                    <td><span class=format!("pill {}", m.status)>{m.status.clone()}</span></td>
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
fn ContactList() -> impl IntoView {
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
    let nav = crate::nav();
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
                            let id = c.id.clone();
                            let key_id = c.id.clone();
                            view! {
                                <tr class="contact-row" data-id=c.id.clone() tabindex="0"
                                    on:click=move |_| nav.contact.set(Some(id.clone()))
                                    on:keydown=move |ev| if ev.key() == "Enter" { nav.contact.set(Some(key_id.clone())) }>
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
