//! Reports: the central register of bills, the client money registers and the SRA breach
//! log, the accountant's report data for a period, and the access log.

use leptos::prelude::*;

#[component]
pub fn ReportsPage() -> impl IntoView {
    view! {
        <section class="page">
            <header class="page-head">
                <h1>"Reports"</h1>
            </header>
            <p class="muted" id="reports-scope">
                "The register of bills and notifications of costs, the client money registers and the breach log, and the accountant's report data for an accounting period."
            </p>
            <h2>"Register of bills"</h2>
            <super::accounts::Register />
            <super::registers::RegistersPanel />
            <super::registers::AccountantsReportPanel />
            <super::access::AccessLogPanel />
        </section>
    }
}
