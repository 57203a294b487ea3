//! Unlock with the recovery passphrase when the keyring cannot give the key.

use crate::api;
use crate::components::{Field, FormError, field_error};
use leptos::prelude::*;
use leptos::task::spawn_local;
use satchel_api::{ApiError, ErrorKind, Session};

#[component]
pub fn UnlockPage(reason: String, on_ready: Callback<Session>) -> impl IntoView {
    let pass = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let p = pass.get_untracked();
        if p.is_empty() {
            error.set(Some(ApiError {
                kind: ErrorKind::Invalid,
                message: "Enter the recovery passphrase.".into(),
                field: Some("passphrase".into()),
            }));
            return;
        }
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            match api::unlock(p).await {
                Ok(session) => on_ready.run(session),
                Err(mut e) => {
                    if e.kind == ErrorKind::WrongPassphrase {
                        e.field = Some("passphrase".into());
                    }
                    error.set(Some(e));
                    busy.set(false);
                }
            }
        });
    };
    view! {
        <div class="splash">
            <form class="card narrow" id="unlock-form" on:submit=submit novalidate>
                <h1>"Unlock Satchel"</h1>
                <p class="lead" id="lock-reason">{reason}</p>
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
