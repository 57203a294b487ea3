//! The command palette (Ctrl+K): type to search contacts, matters, notes and documents;
//! arrow keys to choose; Enter to go there, or to start a timer on a matter.

use crate::{Section, api, nav};
use leptos::prelude::*;
use leptos::task::spawn_local;
use satchel_api::{SearchHit, StartTimerRequest};

/// What choosing an entry does.
#[derive(Clone, Debug, PartialEq)]
enum Action {
    Open(SearchHit),
    StartTimer { matter: String, label: String },
}

impl Action {
    fn label(&self) -> String {
        match self {
            Action::Open(h) => h.title.clone(),
            Action::StartTimer { label, .. } => format!("Start timer on {label}"),
        }
    }
    fn kind(&self) -> &str {
        match self {
            Action::Open(h) => match h.kind.as_str() {
                "contact" => "Contact",
                "matter" => "Matter",
                "note" => "Note",
                "document" => "Document",
                _ => "",
            },
            Action::StartTimer { .. } => "Timer",
        }
    }
    fn detail(&self) -> String {
        match self {
            Action::Open(h) if h.kind == "matter" => h.snippet.clone(),
            Action::Open(h) => match &h.matter_number {
                Some(n) => format!("{n} · {}", h.snippet),
                None => h.snippet.clone(),
            },
            Action::StartTimer { .. } => "Records time from now; stop it on the Time page".into(),
        }
    }
}

/// The entries for a set of hits: each hit, and after the first matter a timer action.
fn actions(hits: Vec<SearchHit>) -> Vec<Action> {
    let mut out = Vec::new();
    let mut timer_offered = false;
    for h in hits {
        let timer = (h.kind == "matter" && !timer_offered).then(|| Action::StartTimer {
            matter: h.id.clone(),
            label: h.title.clone(),
        });
        out.push(Action::Open(h));
        if let Some(t) = timer {
            timer_offered = true;
            out.push(t);
        }
    }
    out
}

#[component]
pub fn Palette(on_close: Callback<()>) -> impl IntoView {
    let nav = nav();
    let query = RwSignal::new(String::new());
    let entries = RwSignal::new(Vec::<Action>::new());
    let chosen = RwSignal::new(0usize);
    let message = RwSignal::new(None::<String>);
    // Only the answer to the latest keystroke is shown.
    let generation = StoredValue::new(0u64);
    let input = NodeRef::<leptos::html::Input>::new();
    Effect::new(move |_| {
        if let Some(el) = input.get() {
            let _ = el.focus();
        }
    });
    let on_input = move |_| {
        let text = query.get_untracked();
        generation.update_value(|g| *g += 1);
        let mine = generation.get_value();
        spawn_local(async move {
            let found = if text.trim().is_empty() {
                Ok(Vec::new())
            } else {
                api::search(&text).await
            };
            if generation.get_value() != mine {
                return;
            }
            match found {
                Ok(hits) => {
                    message.set(None);
                    entries.set(actions(hits));
                }
                Err(e) => message.set(Some(e.message)),
            }
            chosen.set(0);
        });
    };
    let run = move |a: Action| match a {
        Action::Open(h) => match h.kind.as_str() {
            "contact" => {
                nav.contact.set(Some(h.id.clone()));
                nav.section.set(Section::Contacts);
                on_close.run(());
            }
            _ => {
                let Some(matter) = h.matter_id.clone() else {
                    return;
                };
                spawn_local(async move {
                    match api::get_matter(&matter).await {
                        Ok(m) => {
                            nav.matter.set(Some(m));
                            nav.section.set(Section::Matters);
                            on_close.run(());
                        }
                        Err(e) => message.set(Some(e.message)),
                    }
                });
            }
        },
        Action::StartTimer { matter, .. } => {
            let req = StartTimerRequest {
                matter,
                activity: "attendance".into(),
                description: "Started from the command palette".into(),
            };
            spawn_local(async move {
                match api::start_timer(&req).await {
                    Ok(_) => {
                        nav.section.set(Section::Time);
                        on_close.run(());
                    }
                    Err(e) => message.set(Some(e.message)),
                }
            });
        }
    };
    let on_key = move |ev: leptos::ev::KeyboardEvent| match ev.key().as_str() {
        "Escape" => {
            ev.prevent_default();
            on_close.run(());
        }
        "ArrowDown" => {
            ev.prevent_default();
            let n = entries.with_untracked(Vec::len);
            if n > 0 {
                chosen.update(|c| *c = (*c + 1) % n);
            }
        }
        "ArrowUp" => {
            ev.prevent_default();
            let n = entries.with_untracked(Vec::len);
            if n > 0 {
                chosen.update(|c| *c = (*c + n - 1) % n);
            }
        }
        "Enter" => {
            ev.prevent_default();
            if let Some(a) = entries.with_untracked(|e| e.get(chosen.get_untracked()).cloned()) {
                run(a);
            }
        }
        _ => {}
    };
    view! {
        <div class="palette-backdrop" on:click=move |_| on_close.run(())>
            <div class="palette" id="palette" role="dialog" aria-label="Search and jump" on:click=|ev| ev.stop_propagation()>
                <input
                    id="palette-input"
                    type="search"
                    placeholder="Search matters, contacts, notes, documents — or a matter number"
                    autocomplete="off"
                    node_ref=input
                    bind:value=query
                    on:input=on_input
                    on:keydown=on_key
                />
                {move || message.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
                <ul class="palette-results" id="palette-results" data-count=move || entries.with(Vec::len)>
                    {move || {
                        entries
                            .get()
                            .into_iter()
                            .enumerate()
                            .map(|(i, a)| {
                                let act = a.clone();
                                view! {
                                    <li
                                        class="palette-item"
                                        class:chosen=move || chosen.get() == i
                                        data-kind=a.kind().to_lowercase()
                                        on:mouseenter=move |_| chosen.set(i)
                                        on:click=move |_| run(act.clone())
                                    >
                                        <span class="palette-kind">{a.kind().to_owned()}</span>
                                        <span class="palette-title">{a.label()}</span>
                                        <span class="palette-detail muted">{a.detail()}</span>
                                    </li>
                                }
                            })
                            .collect_view()
                    }}
                </ul>
                <p class="palette-help muted">"↑ ↓ to choose · Enter to open · Esc to close"</p>
            </div>
        </div>
    }
}
