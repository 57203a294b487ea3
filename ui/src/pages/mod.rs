pub mod accounts;
pub mod contacts;
pub mod diary;
pub mod matter_detail;
pub mod matter_work;
pub mod matters;
pub mod money;
pub mod reconcile;
pub mod registers;
pub mod settings;
pub mod setup;
pub mod time;
pub mod unlock;

use crate::Section;
use leptos::prelude::*;

/// A section whose features have not been built yet. It says so plainly; it shows no
/// made-up data.
#[component]
pub fn NotBuiltYet(section: Section) -> impl IntoView {
    let what = match section {
        Section::Contacts => "people and organisations",
        Section::Time => "time recording with a running timer, expenses and work in progress",
        Section::Accounts => {
            "client and office money under the SRA Accounts Rules, and reconciliation"
        }
        Section::Reports => "the bill register, accountant's report data and audit reports",
        _ => "this section",
    };
    view! {
        <section class="page">
            <header class="page-head">
                <h1>{section.label()}</h1>
            </header>
            <div class="card empty" id="not-built">
                <p>
                    <strong>"Not built yet."</strong>
                    " This section will hold " {what} ". Nothing here is stored or shown until it is."
                </p>
            </div>
        </section>
    }
}
