//! First run: the firm, its first user and the recovery passphrase.

use crate::api;
use crate::components::{Field, FormError, FormState, field_error, require};
use leptos::prelude::*;
use satchel_api::{ApiError, ErrorKind, Secret, Session, SetupRequest};

const FIELDS: &[&str] = &[
    "firm_name",
    "user_name",
    "initials",
    "role",
    "passphrase",
    "passphrase2",
];
const MIN_PASSPHRASE: usize = 12;

#[component]
pub fn SetupPage(on_ready: Callback<Session>) -> impl IntoView {
    let firm = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let initials = RwSignal::new(String::new());
    let role = RwSignal::new("partner".to_owned());
    let pass = RwSignal::new(String::new());
    let pass2 = RwSignal::new(String::new());
    let form = FormState::new();
    let (error, busy) = (form.error, form.busy);

    let check = move || -> Result<(), ApiError> {
        require(&firm, "firm_name", "Firm name")?;
        require(&name, "user_name", "Your name")?;
        require(&initials, "initials", "Initials")?;
        let p = pass.get_untracked();
        let invalid = |field: &str, message: &str| ApiError {
            kind: ErrorKind::Invalid,
            message: message.into(),
            field: Some(field.into()),
        };
        if p.chars().count() < MIN_PASSPHRASE {
            return Err(invalid(
                "passphrase",
                "The recovery passphrase must be at least 12 characters.",
            ));
        }
        if p != pass2.get_untracked() {
            return Err(invalid("passphrase2", "The two passphrases differ."));
        }
        Ok(())
    };

    let submit = move |ev: leptos::ev::SubmitEvent| {
        form.submit(
            ev,
            || {
                check()?;
                let req = SetupRequest {
                    firm_name: firm.get_untracked(),
                    user_name: name.get_untracked(),
                    initials: initials.get_untracked(),
                    role: role.get_untracked(),
                    passphrase: Secret::new(pass.get_untracked()),
                };
                Ok(async move { api::setup(&req).await })
            },
            move |session| on_ready.run(session),
        )
    };

    view! {
        <div class="splash">
            <form class="card narrow" id="setup-form" on:submit=submit novalidate>
                <h1>"Set up Satchel"</h1>
                <p class="lead">
                    "Satchel keeps your firm's data on this computer, encrypted. Tell it who you are, then choose a recovery passphrase."
                </p>
                <FormError last=error fields=FIELDS />
                <Field label="Firm name" id="firm_name" value=firm error=field_error(error, "firm_name") autofocus=true />
                <div class="row">
                    <Field label="Your name" id="user_name" value=name error=field_error(error, "user_name") />
                    <Field label="Initials" id="initials" value=initials error=field_error(error, "initials") hint="2 to 4 letters" />
                </div>
                <label class="field" for="role">
                    <span class="label">"Role"</span>
                    <select id="role" name="role" bind:value=role>
                        <option value="partner">"Partner (COFA / COLP)"</option>
                        <option value="fee_earner">"Fee earner"</option>
                        <option value="cashier">"Cashier"</option>
                        <option value="admin">"IT administrator"</option>
                        <option value="read_only">"Read only"</option>
                    </select>
                </label>
                <Field
                    label="Recovery passphrase"
                    id="passphrase"
                    kind="password"
                    value=pass
                    error=field_error(error, "passphrase")
                    hint="At least 12 characters. It unlocks Satchel if this computer's keyring is lost: write it down and keep it safe."
                />
                <Field label="Repeat the passphrase" id="passphrase2" kind="password" value=pass2 error=field_error(error, "passphrase2") />
                <div class="actions">
                    <button type="submit" class="primary" id="setup-submit" disabled=move || busy.get()>
                        {move || if busy.get() { "Setting up…" } else { "Set up Satchel" }}
                    </button>
                </div>
            </form>
        </div>
    }
}
