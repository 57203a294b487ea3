//! Satchel's user interface: a Leptos client-side app compiled to WebAssembly, talking to
//! the desktop shell only through [`api`]. Knows nothing of SQL or Automerge.
#![forbid(unsafe_code)]

mod api;
mod backups;
mod components;
mod pages;
mod palette;
mod people;
mod sync;

use leptos::prelude::*;
use leptos::task::spawn_local;
use satchel_api::{AppState, Matter, Session};
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
    Compliance,
    Settings,
}

impl Section {
    const ALL: [Section; 7] = [
        Section::Matters,
        Section::Contacts,
        Section::Time,
        Section::Accounts,
        Section::Reports,
        Section::Compliance,
        Section::Settings,
    ];

    fn label(self) -> &'static str {
        match self {
            Section::Matters => "Matters",
            Section::Contacts => "Contacts",
            Section::Time => "Time",
            Section::Accounts => "Accounts",
            Section::Reports => "Reports",
            Section::Compliance => "Compliance",
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
            Section::Compliance => "nav-compliance",
            Section::Settings => "nav-settings",
        }
    }
}

/// Where the person is: shared by the navigation, the pages and the command palette.
#[derive(Clone, Copy)]
pub struct Nav {
    pub section: RwSignal<Section>,
    /// The matter open on the Matters page, if any.
    pub matter: RwSignal<Option<Matter>>,
    /// A filter for the Contacts page to start with.
    pub contact_filter: RwSignal<String>,
    /// The contact open on the Contacts page, if any (by id).
    pub contact: RwSignal<Option<String>>,
    /// A person for the Compliance page to start with (from a contact's page).
    pub compliance_person: RwSignal<Option<String>>,
}

/// The role of the person working (the workspace provides the session).
pub fn session_role() -> Option<String> {
    use_context::<Session>().map(|s| s.role)
}

/// The navigation state (provided by the workspace).
pub fn nav() -> Nav {
    use_context::<Nav>().unwrap_or_else(|| Nav {
        section: RwSignal::new(Section::Matters),
        matter: RwSignal::new(None),
        contact_filter: RwSignal::new(String::new()),
        contact: RwSignal::new(None),
        compliance_person: RwSignal::new(None),
    })
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
    let on_locked = Callback::new(move |reason: String| phase.set(Phase::Locked(reason)));

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
        Phase::Ready(session) => view! { <Workspace session on_locked /> }.into_any(),
    }
}

/// Lock the window: the shell closes the store and wipes its key; the unlock page follows.
fn lock_now(why: &'static str, on_locked: Callback<String>) {
    spawn_local(async move {
        if let Ok(reason) = api::lock(why).await {
            on_locked.run(reason);
        }
    });
}

/// Lock after `seconds` without a key press, click, scroll or movement of the mouse.
fn watch_idle(seconds: u32, on_locked: Callback<String>) {
    let last = StoredValue::new(js_sys::Date::now());
    let seen = move || last.set_value(js_sys::Date::now());
    let handles = [
        window_event_listener(leptos::ev::mousemove, move |_| seen()),
        window_event_listener(leptos::ev::mousedown, move |_| seen()),
        window_event_listener(leptos::ev::wheel, move |_| seen()),
        window_event_listener(leptos::ev::keydown, move |_| seen()),
    ];
    let locked = StoredValue::new(false);
    let check = move || {
        let idle_ms = js_sys::Date::now() - last.get_value();
        if !locked.get_value() && idle_ms >= f64::from(seconds) * 1000.0 {
            locked.set_value(true);
            lock_now("idle", on_locked);
        }
    };
    if let Ok(handle) = set_interval_with_handle(check, std::time::Duration::from_secs(1)) {
        on_cleanup(move || {
            handle.clear();
            for h in handles {
                h.remove();
            }
        });
    }
}

#[component]
fn Workspace(session: Session, on_locked: Callback<String>) -> impl IntoView {
    let nav = Nav {
        section: RwSignal::new(Section::Matters),
        matter: RwSignal::new(None),
        contact_filter: RwSignal::new(String::new()),
        contact: RwSignal::new(None),
        compliance_person: RwSignal::new(None),
    };
    provide_context(nav);
    provide_context(session.clone());
    sync::provide_status();
    let section = nav.section;
    let palette_open = RwSignal::new(false);
    let _ctrl_k = window_event_listener(leptos::ev::keydown, move |ev| {
        if (ev.ctrl_key() || ev.meta_key()) && ev.key().eq_ignore_ascii_case("k") {
            ev.prevent_default();
            palette_open.set(true);
        }
        // Ctrl+L (⌘L): lock now.
        if (ev.ctrl_key() || ev.meta_key()) && ev.key().eq_ignore_ascii_case("l") {
            ev.prevent_default();
            lock_now("user", on_locked);
        }
    });
    if session.autolock_seconds > 0 {
        watch_idle(session.autolock_seconds, on_locked);
    }
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
                        // The firm's accounts are not for read-only users (the services
                        // refuse them too).
                        .filter(|s| *s != Section::Accounts || session.role != "read_only")
                        // UK GDPR work is the COLP's: admins and partners (the services
                        // refuse anyone else).
                        .filter(|s| {
                            *s != Section::Compliance
                                || matches!(session.role.as_str(), "admin" | "partner")
                        })
                        .map(|s| {
                            view! {
                                <button
                                    id=s.id()
                                    class="nav-item"
                                    class:active=move || section.get() == s
                                    on:click=move |_| {
                                        if s == Section::Matters {
                                            nav.matter.set(None);
                                        }
                                        if s == Section::Contacts {
                                            nav.contact.set(None);
                                        }
                                        section.set(s)
                                    }
                                >
                                    {s.label()}
                                </button>
                            }
                        })
                        .collect_view()}
                </nav>
                <button class="palette-open" id="open-palette" on:click=move |_| palette_open.set(true)>
                    "Search…" <kbd>"Ctrl K"</kbd>
                </button>
                <sync::SyncIndicator />
                <div class="who">
                    <div class="firm" id="firm-name">{session.firm_name.clone()}</div>
                    <div class="user">
                        {session.user_name.clone()} " (" {session.initials.clone()} ")"
                    </div>
                    <button class="lock-now" id="lock-now" title="Lock Satchel now (Ctrl L)" on:click=move |_| lock_now("user", on_locked)>
                        "Lock" <kbd>"Ctrl L"</kbd>
                    </button>
                </div>
            </aside>
            <Show when=move || palette_open.get()>
                <palette::Palette on_close=Callback::new(move |_: ()| palette_open.set(false)) />
            </Show>
            <main class="content">
                {keyring_warning}
                {move || match section.get() {
                    Section::Matters => view! { <pages::matters::MattersPage /> }.into_any(),
                    Section::Contacts => view! { <pages::contacts::ContactsPage /> }.into_any(),
                    Section::Time => view! { <pages::time::TimePage /> }.into_any(),
                    Section::Accounts => view! { <pages::accounts::AccountsPage /> }.into_any(),
                    Section::Reports => view! { <pages::reports::ReportsPage /> }.into_any(),
                    Section::Compliance => view! { <pages::compliance::CompliancePage /> }.into_any(),
                    Section::Settings => view! { <pages::settings::SettingsPage /> }.into_any(),
                }}
            </main>
        </div>
    }
}

#[wasm_bindgen(start)]
pub fn start() {
    leptos::mount::mount_to_body(App);
}
