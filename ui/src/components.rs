//! Small pieces shared by the pages.

use leptos::prelude::*;
use satchel_api::ApiError;

/// A labelled text input bound to a signal, with the error for its field beneath it.
#[component]
pub fn Field(
    label: &'static str,
    id: &'static str,
    value: RwSignal<String>,
    /// The current error, if it names this field.
    error: Signal<Option<String>>,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(optional)] autofocus: bool,
) -> impl IntoView {
    view! {
        <label class="field" for=id>
            <span class="label">{label}</span>
            <input
                id=id
                name=id
                type=kind
                autocomplete="off"
                autofocus=autofocus
                class:invalid=move || error.get().is_some()
                bind:value=value
            />
            {hint.map(|h| view! { <span class="hint">{h}</span> })}
            {move || error.get().map(|e| view! { <span class="field-error" id=format!("{id}-error")>{e}</span> })}
        </label>
    }
}

/// The error for one field, out of the last error returned.
pub fn field_error(
    last: RwSignal<Option<ApiError>>,
    field: &'static str,
) -> Signal<Option<String>> {
    Signal::derive(move || {
        last.get()
            .filter(|e| e.field.as_deref() == Some(field))
            .map(|e| e.message)
    })
}

/// An error that names no field: shown at the top of the form.
#[component]
pub fn FormError(
    last: RwSignal<Option<ApiError>>,
    fields: &'static [&'static str],
) -> impl IntoView {
    move || {
        last.get()
            .filter(|e| e.field.as_deref().is_none_or(|f| !fields.contains(&f)))
            .map(|e| view! { <p class="error" role="alert" id="form-error">{e.message}</p> })
    }
}

/// A client-side check before sending: a required field left blank.
pub fn require(value: &RwSignal<String>, field: &'static str, label: &str) -> Result<(), ApiError> {
    if value.get_untracked().trim().is_empty() {
        return Err(ApiError {
            kind: satchel_api::ErrorKind::Invalid,
            message: format!("{label} is required."),
            field: Some(field.into()),
        });
    }
    Ok(())
}

/// The state every form shares: the last error, and whether a submission is under way.
#[derive(Clone, Copy)]
pub struct FormState {
    pub error: RwSignal<Option<ApiError>>,
    pub busy: RwSignal<bool>,
}

impl FormState {
    pub fn new() -> Self {
        FormState {
            error: RwSignal::new(None),
            busy: RwSignal::new(false),
        }
    }

    /// Handle a form's submit event: ignore it while a submission is under way; run the
    /// quick checks (`check` returns the request to send, or the error to show); send it;
    /// show the error it comes back with, or hand the answer to `done`.
    pub fn submit<T, F>(
        self,
        ev: leptos::ev::SubmitEvent,
        check: impl FnOnce() -> Result<F, ApiError>,
        done: impl FnOnce(T) + 'static,
    ) where
        T: 'static,
        F: std::future::Future<Output = Result<T, ApiError>> + 'static,
    {
        ev.prevent_default();
        if self.busy.get_untracked() {
            return;
        }
        let request = match check() {
            Ok(r) => r,
            Err(e) => {
                self.error.set(Some(e));
                return;
            }
        };
        self.error.set(None);
        self.busy.set(true);
        leptos::task::spawn_local(async move {
            match request.await {
                Ok(answer) => {
                    // Before `done`, which may replace this form.
                    self.busy.set(false);
                    done(answer);
                }
                Err(e) => {
                    self.error.set(Some(e));
                    self.busy.set(false);
                }
            }
        });
    }
}

/// A list that is loading, failed, empty or loaded: each shown its own way. `list_id` is
/// the element id of the empty card (the table gives itself the same id).
#[component]
pub fn Loaded<T, F, V>(
    state: RwSignal<Option<Result<Vec<T>, ApiError>>>,
    loading: &'static str,
    list_id: &'static str,
    /// What to say when there is nothing.
    empty: &'static str,
    table: F,
) -> impl IntoView
where
    T: Clone + Send + Sync + 'static,
    F: Fn(Vec<T>) -> V + Send + Sync + 'static,
    V: IntoView + 'static,
{
    move || match state.get() {
        None => view! { <p class="muted">{loading}</p> }.into_any(),
        Some(Err(e)) => view! { <p class="error" role="alert">{e.message}</p> }.into_any(),
        Some(Ok(list)) if list.is_empty() => view! {
            <div class="card empty" id=list_id data-count="0">
                <p>{empty}</p>
            </div>
        }
        .into_any(),
        Some(Ok(list)) => table(list).into_any(),
    }
}

/// The file chosen in a file input (clearing the input, so the same file can be chosen
/// again).
pub fn chosen_file(ev: &leptos::ev::Event) -> Option<web_sys::File> {
    use wasm_bindgen::JsCast;
    let input = ev
        .target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())?;
    let file = input.files().and_then(|f| f.get(0));
    input.set_value("");
    file
}

/// A chosen file's bytes.
pub async fn file_bytes(file: &web_sys::File) -> Result<Vec<u8>, ApiError> {
    match wasm_bindgen_futures::JsFuture::from(file.array_buffer()).await {
        Ok(buf) => Ok(js_sys::Uint8Array::new(&buf).to_vec()),
        Err(_) => Err(ApiError {
            kind: satchel_api::ErrorKind::Invalid,
            message: format!("{} could not be read", file.name()),
            field: None,
        }),
    }
}
