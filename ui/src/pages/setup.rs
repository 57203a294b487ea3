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

/// The recovery passphrase typed twice: long enough and the same (for quicker feedback; the
/// store refuses a short one too). Returns it.
fn check_passphrase(pass: RwSignal<String>, again: RwSignal<String>) -> Result<String, ApiError> {
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
    if p != again.get_untracked() {
        return Err(invalid("passphrase2", "The two passphrases differ."));
    }
    Ok(p)
}

/// First run: set up a new firm here, or join the firm's server.
#[component]
pub fn SetupPage(on_ready: Callback<Session>) -> impl IntoView {
    let joining = RwSignal::new(false);
    move || {
        if joining.get() {
            view! { <JoinForm on_ready on_back=Callback::new(move |()| joining.set(false)) /> }
                .into_any()
        } else {
            view! { <NewFirmForm on_ready on_join=Callback::new(move |()| joining.set(true)) /> }
                .into_any()
        }
    }
}

#[component]
fn NewFirmForm(on_ready: Callback<Session>, on_join: Callback<()>) -> impl IntoView {
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
        check_passphrase(pass, pass2).map(|_| ())
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
                    <button type="button" class="secondary" id="join-instead" on:click=move |_| on_join.run(())>
                        "My firm has a Satchel server"
                    </button>
                    <button type="submit" class="primary" id="setup-submit" disabled=move || busy.get()>
                        {move || if busy.get() { "Setting up…" } else { "Set up Satchel" }}
                    </button>
                </div>
            </form>
        </div>
    }
}

const JOIN_FIELDS: &[&str] = &["server", "fingerprint", "code", "passphrase", "passphrase2"];

/// Join the firm's server from this new device: what the administrator gave, and a
/// recovery passphrase for the store here.
#[component]
fn JoinForm(on_ready: Callback<Session>, on_back: Callback<()>) -> impl IntoView {
    let address = RwSignal::new(String::new());
    let fingerprint = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let pass = RwSignal::new(String::new());
    let pass2 = RwSignal::new(String::new());
    let form = FormState::new();
    let (error, busy) = (form.error, form.busy);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        form.submit(
            ev,
            || {
                require(&address, "server", "Server address")?;
                require(&fingerprint, "fingerprint", "Certificate fingerprint")?;
                require(&code, "code", "Enrolment code")?;
                let p = check_passphrase(pass, pass2)?;
                let req = satchel_api::JoinFirmRequest {
                    address: address.get_untracked(),
                    fingerprint: fingerprint.get_untracked(),
                    code: Secret::new(code.get_untracked()),
                    name: name.get_untracked(),
                    passphrase: Secret::new(p),
                };
                Ok(async move { api::join_firm(&req).await })
            },
            move |session| on_ready.run(session),
        )
    };
    view! {
        <div class="splash">
            <form class="card narrow" id="join-form" on:submit=submit novalidate>
                <h1>"Join your firm"</h1>
                <p class="lead">
                    "Enter what your firm's administrator gave you. Satchel fetches the firm's records and the matters you may work on, and keeps them on this computer, encrypted."
                </p>
                <FormError last=error fields=JOIN_FIELDS />
                <Field label="Server address" id="join-address" value=address error=field_error(error, "server") hint="e.g. https://satchel.hale.example:8443" autofocus=true />
                <Field label="Certificate fingerprint (SHA-256)" id="join-fingerprint" value=fingerprint error=field_error(error, "fingerprint") />
                <div class="row">
                    <Field label="Enrolment code" id="join-code" value=code error=field_error(error, "code") />
                    <Field label="This device's name" id="join-name" value=name error=field_error(error, "name") hint="e.g. Ann's laptop" />
                </div>
                <Field
                    label="Recovery passphrase"
                    id="join-passphrase"
                    kind="password"
                    value=pass
                    error=field_error(error, "passphrase")
                    hint="At least 12 characters: it unlocks Satchel on this computer if its keyring is lost."
                />
                <Field label="Repeat the passphrase" id="join-passphrase2" kind="password" value=pass2 error=field_error(error, "passphrase2") />
                <div class="actions">
                    <button type="button" class="secondary" id="new-firm-instead" on:click=move |_| on_back.run(())>"Back"</button>
                    <button type="submit" class="primary" id="join-submit" disabled=move || busy.get()>
                        {move || if busy.get() { "Joining…" } else { "Join the firm" }}
                    </button>
                </div>
            </form>
        </div>
    }
}
