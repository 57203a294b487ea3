//! People and roles, in Settings (admins and partners): everyone in the firm with their
//! role, which can be changed there, and a form to add someone. Per-matter grants are the
//! firm server's (`satchel-server grant`): the server sends a device only what its user
//! may read.

use crate::api;
use crate::components::{Field, FormError, FormState, field_error};
use leptos::prelude::*;
use leptos::task::spawn_local;
use satchel_api::{NewUserRequest, User};

const ROLES: [(&str, &str); 5] = [
    ("admin", "Admin"),
    ("partner", "Partner (COLP, COFA)"),
    ("fee_earner", "Fee earner"),
    ("cashier", "Cashier"),
    ("read_only", "Read-only"),
];

#[component]
pub fn PeopleCard() -> impl IntoView {
    let users = RwSignal::new(None::<Result<Vec<User>, satchel_api::ApiError>>);
    let load = move || spawn_local(async move { users.set(Some(api::list_users().await)) });
    load();
    let error = RwSignal::new(None::<String>);
    let change = move |initials: String, role: String| {
        error.set(None);
        spawn_local(async move {
            if let Err(e) = api::set_user_role(&initials, &role).await {
                error.set(Some(e.message));
            }
            load();
        });
    };
    view! {
        <div class="card" id="people">
            <h2>"People and roles"</h2>
            <p class="muted small">"Who may see which matter is granted on the firm server (satchel-server grant); the server sends each device only what its user may read."</p>
            {move || users.get().map(|r| match r {
                Err(e) => view! { <p class="error" role="alert">{e.message}</p> }.into_any(),
                Ok(list) => {
                    let n = list.len();
                    view! {
                        <table class="grid" id="people-list" data-count=n>
                            <thead><tr><th>"Initials"</th><th>"Name"</th><th>"Role"</th></tr></thead>
                            <tbody>
                                {list.into_iter().map(|u| {
                                    let initials = u.initials.clone();
                                    view! {
                                        <tr data-initials=u.initials.clone()>
                                            <td class="mono">{u.initials.clone()}</td>
                                            <td>{u.name}</td>
                                            <td>
                                                <select class="role-select" on:change=move |ev| change(initials.clone(), event_target_value(&ev))>
                                                    {ROLES.iter().map(|(v, label)| view! {
                                                        <option value=*v selected={u.role == *v}>{*label}</option>
                                                    }).collect_view()}
                                                </select>
                                            </td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    }
                    .into_any()
                }
            })}
            {move || error.get().map(|e| view! { <p class="error" role="alert" id="people-error">{e}</p> })}
            <AddPerson on_added=Callback::new(move |_: User| load()) />
        </div>
    }
}

#[component]
fn AddPerson(on_added: Callback<User>) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let initials = RwSignal::new(String::new());
    let role = RwSignal::new(String::from("fee_earner"));
    let rate = RwSignal::new(String::new());
    let form = FormState::new();
    let (error, busy) = (form.error, form.busy);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        form.submit(
            ev,
            || {
                let req = NewUserRequest {
                    name: name.get_untracked(),
                    initials: initials.get_untracked(),
                    role: role.get_untracked(),
                    rate: rate.get_untracked(),
                };
                Ok(async move { api::add_user(&req).await })
            },
            move |u| {
                name.set(String::new());
                initials.set(String::new());
                rate.set(String::new());
                on_added.run(u)
            },
        )
    };
    view! {
        <form id="person-form" on:submit=submit novalidate>
            <h3>"Add someone"</h3>
            <FormError last=error fields=&["name", "initials", "role", "rate"] />
            <div class="row">
                <Field label="Name" id="person-name" value=name error=field_error(error, "name") />
                <Field label="Initials" id="person-initials" value=initials error=field_error(error, "initials") />
                <label class="field narrow-field"><span class="label">"Role"</span>
                    <select id="person-role" on:change=move |ev| role.set(event_target_value(&ev))>
                        {ROLES.iter().map(|(v, label)| view! { <option value=*v selected={*v == "fee_earner"}>{*label}</option> }).collect_view()}
                    </select>
                </label>
                <Field label="Hourly rate" id="person-rate" value=rate error=field_error(error, "rate") hint="e.g. 250.00; blank for none yet" />
            </div>
            <div class="actions">
                <button type="submit" class="secondary" id="person-submit" disabled=move || busy.get()>"Add"</button>
            </div>
        </form>
    }
}
