//! Satchel's user interface: a Leptos client-side app compiled to WebAssembly, talking to
//! the desktop shell only through [`api`]. Knows nothing of SQL or Automerge.
#![forbid(unsafe_code)]

mod api;
mod components;
mod pages;

use leptos::prelude::*;
use leptos::task::spawn_local;
use satchel_api::{AppState, Session};
use wasm_bindgen::prelude::*;

/// Where the app stands.
#[derive(Clone, Debug, PartialEq)]
enum Phase {
    Loading,
    /// The shell could not be reached or answered with an error.
    Failed(String),
    NotSetUp,
    Locked(String),
    Ready(Session),
}

/// The sections in the navigation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Section {
    Matters,
    Contacts,
    Time,
    Accounts,
    Reports,
    Settings,
}

impl Section {
    const ALL: [Section; 6] = [
        Section::Matters,
        Section::Contacts,
        Section::Time,
        Section::Accounts,
        Section::Reports,
        Section::Settings,
    ];

    fn label(self) -> &'static str {
        match self {
            Section::Matters => "Matters",
            Section::Contacts => "Contacts",
            Section::Time => "Time",
            Section::Accounts => "Accounts",
            Section::Reports => "Reports",
            Section::Settings => "Settings",
        }
    }

    fn id(self) -> &'static str {
        match self {
            Section::Matters => "nav-matters",
            Section::Contacts => "nav-contacts",
            Section::Time => "nav-time",
            Section::Accounts => "nav-accounts",
            Section::Reports => "nav-reports",
            Section::Settings => "nav-settings",
        }
    }
}

#[component]
fn App() -> impl IntoView {
    let phase = RwSignal::new(Phase::Loading);
    spawn_local(async move {
        phase.set(match api::app_state().await {
            Ok(AppState::NotSetUp) => Phase::NotSetUp,
            Ok(AppState::Locked { reason }) => Phase::Locked(reason),
            Ok(AppState::Ready { session }) => Phase::Ready(session),
            Err(e) => Phase::Failed(e.message),
        });
    });
    let on_ready = Callback::new(move |s: Session| phase.set(Phase::Ready(s)));

    move || match phase.get() {
        Phase::Loading => view! { <div class="splash"><p>"Opening Satchel…"</p></div> }.into_any(),
        Phase::Failed(message) => view! {
            <div class="splash">
                <div class="card narrow">
                    <h1>"Satchel could not start"</h1>
                    <p class="error" role="alert">{message}</p>
                </div>
            </div>
        }
        .into_any(),
        Phase::NotSetUp => view! { <pages::setup::SetupPage on_ready /> }.into_any(),
        Phase::Locked(reason) => view! { <pages::unlock::UnlockPage reason on_ready /> }.into_any(),
        Phase::Ready(session) => view! { <Workspace session /> }.into_any(),
    }
}

#[component]
fn Workspace(session: Session) -> impl IntoView {
    let section = RwSignal::new(Section::Matters);
    let keyring_warning = (!session.keyring_ok).then(|| {
        view! {
            <div class="banner warn" role="status">
                "The system keyring is not holding Satchel's key, so the recovery passphrase will be needed each time Satchel opens."
            </div>
        }
    });
    view! {
        <div class="app">
            <aside class="sidebar">
                <div class="brand">
                    <img src="icon.png" alt="" />
                    <span>"Satchel"</span>
                </div>
                <nav>
                    {Section::ALL
                        .into_iter()
                        .map(|s| {
                            view! {
                                <button
                                    id=s.id()
                                    class="nav-item"
                                    class:active=move || section.get() == s
                                    on:click=move |_| section.set(s)
                                >
                                    {s.label()}
                                </button>
                            }
                        })
                        .collect_view()}
                </nav>
                <div class="who">
                    <div class="firm" id="firm-name">{session.firm_name.clone()}</div>
                    <div class="user">
                        {session.user_name.clone()} " (" {session.initials.clone()} ")"
                    </div>
                </div>
            </aside>
            <main class="content">
                {keyring_warning}
                {move || match section.get() {
                    Section::Matters => view! { <pages::matters::MattersPage /> }.into_any(),
                    Section::Contacts => view! { <pages::contacts::ContactsPage /> }.into_any(),
                    Section::Time => view! { <pages::time::TimePage /> }.into_any(),
                    Section::Settings => view! { <pages::settings::SettingsPage /> }.into_any(),
                    other => view! { <pages::NotBuiltYet section=other /> }.into_any(),
                }}
            </main>
        </div>
    }
}

#[wasm_bindgen(start)]
pub fn start() {
    leptos::mount::mount_to_body(App);
}
