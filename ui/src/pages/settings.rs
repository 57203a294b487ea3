//! Settings: what this installation is and where its data lives.

use crate::api;
use leptos::prelude::*;

#[component]
pub fn SettingsPage() -> impl IntoView {
    let status = LocalResource::new(api::status);
    view! {
        <section class="page">
            <header class="page-head">
                <h1>"Settings"</h1>
            </header>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || {
                    status
                        .get()
                        .map(|r| match r {
                            Ok(s) => view! {
                                <div class="card">
                                    <h2>"This installation"</h2>
                                    <dl class="facts" id="status">
                                        <dt>"Firm"</dt><dd>{s.firm_name}</dd>
                                        <dt>"User"</dt><dd>{s.user_name}</dd>
                                        <dt>"Device"</dt><dd class="mono">{s.device_id}</dd>
                                        <dt>"Data folder"</dt><dd class="mono">{s.data_dir}</dd>
                                        <dt>"Encryption"</dt><dd>"SQLCipher, 256-bit key"</dd>
                                        <dt>"Keyring"</dt><dd>{s.keyring}</dd>
                                        <dt>"Matters"</dt><dd>{s.matters}</dd>
                                        <dt>"Audit events"</dt><dd>{s.audit_events}</dd>
                                        <dt>"Store size"</dt><dd>{format!("{:.1} KiB", s.store_bytes as f64 / 1024.0)}</dd>
                                        <dt>"Schema"</dt><dd>{format!("v{}", s.schema_version)}</dd>
                                        <dt>"Matter numbers left"</dt><dd id="number-blocks">{if s.number_blocks.is_empty() { "none: this device needs a block from the firm server".to_owned() } else { s.number_blocks.join(", ") }}</dd>
                                        <dt>"Time unit"</dt><dd>{format!("{} minutes", s.unit_minutes)}</dd>
                                    </dl>
                                </div>
                            }
                            .into_any(),
                            Err(e) => view! { <p class="error" role="alert">{e.message}</p> }.into_any(),
                        })
                }}
            </Suspense>
        </section>
    }
}
