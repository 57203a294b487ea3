//! Unlock: with the system keyring (after a lock), or with the recovery passphrase when the
//! keyring cannot give the key.

use crate::api;
use crate::components::{Field, FormError, FormState, field_error};
use leptos::prelude::*;
use satchel_api::{ApiError, ErrorKind, Session};

#[component]
pub fn UnlockPage(reason: String, on_ready: Callback<Session>) -> impl IntoView {
    let pass = RwSignal::new(String::new());
    let form = FormState::new();
    let (error, busy) = (form.error, form.busy);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        form.submit(
            ev,
            || {
                let p = pass.get_untracked();
                if p.is_empty() {
                    return Err(ApiError {
                        kind: ErrorKind::Invalid,
                        message: "Enter the recovery passphrase.".into(),
                        field: Some("passphrase".into()),
                    });
                }
                Ok(async move {
                    api::unlock(p).await.map_err(|mut e| {
                        if e.kind == ErrorKind::WrongPassphrase {
                            e.field = Some("passphrase".into());
                        }
                        e
                    })
                })
            },
            move |session| on_ready.run(session),
        )
    };
    // The keyring (unlocked with the computer account) holds the key: one click.
    let keyring_error = RwSignal::new(None::<String>);
    let with_keyring = move |_| {
        keyring_error.set(None);
        leptos::task::spawn_local(async move {
            match api::unlock_keyring().await {
                Ok(session) => on_ready.run(session),
                Err(e) => keyring_error.set(Some(e.message)),
            }
        });
    };
    view! {
        <div class="splash">
            <form class="card narrow" id="unlock-form" on:submit=submit novalidate>
                <h1>"Unlock Satchel"</h1>
                <p class="lead" id="lock-reason">{reason}</p>
                <div class="actions">
                    <button type="button" class="secondary" id="unlock-keyring" on:click=with_keyring>"Unlock with the system keyring"</button>
                </div>
                {move || keyring_error.get().map(|e| view! { <p class="error" role="alert" id="keyring-error">{e}</p> })}
                <FormError last=error fields=&["passphrase"] />
                <Field label="Recovery passphrase" id="passphrase" kind="password" value=pass error=field_error(error, "passphrase") autofocus=true />
                <div class="actions">
                    <button type="submit" class="primary" id="unlock-submit" disabled=move || busy.get()>
                        {move || if busy.get() { "Unlocking…" } else { "Unlock" }}
                    </button>
                </div>
            </form>
        </div>
    }
}
