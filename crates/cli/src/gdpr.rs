//! `satchel gdpr …`: subject access and erasure, the retention schedule, the register of
//! personal-data breaches and the record of processing, for the COLP at a terminal.

use crate::{explain, print_list};
use anyhow::Result;
use clap::Subcommand;
use satchel_api as api;
use satchel_app::Satchel;
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum GdprCommand {
    /// Log a subject access or erasure request (due one calendar month after receipt).
    Request {
        /// The person: a contact's exact name or id.
        #[arg(long)]
        person: String,
        /// access or erasure.
        #[arg(long, default_value = "access")]
        kind: String,
        /// The date it was received (YYYY-MM-DD; default today).
        #[arg(long, default_value = "")]
        received: String,
    },
    /// The subject requests, open ones first, with their due dates.
    Requests {
        #[arg(long)]
        json: bool,
    },
    /// Extend a complex request by two months (only within the first month).
    Extend {
        id: String,
        #[arg(long)]
        reason: String,
    },
    /// Mark a request answered.
    Answer {
        id: String,
        #[arg(long)]
        outcome: String,
    },
    /// Everything held about a person: printed as JSON, or written with --out as a folder
    /// holding the JSON bundle, a readable PDF and their documents.
    Export {
        #[arg(long)]
        person: String,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// What erasing a person would do, and what the law holds back (nothing is changed).
    ErasePlan {
        #[arg(long)]
        person: String,
        #[arg(long)]
        json: bool,
    },
    /// Erase a person: what may go is destroyed here, on the firm server and on every
    /// other device; what the law holds is kept, with the reason and the date it ends.
    Erase {
        #[arg(long)]
        person: String,
        /// The logged erasure request it answers.
        #[arg(long, default_value = "")]
        request: String,
        /// Confirm (the erasure cannot be undone).
        #[arg(long)]
        yes: bool,
    },
    /// The retention schedule and the closed matters past their date.
    Retention {
        #[arg(long)]
        json: bool,
    },
    /// Set how many years after closing matters of a practice area are kept.
    SetRetention {
        #[arg(long)]
        area: String,
        #[arg(long)]
        years: i64,
    },
    /// Keep a matter past its retention date: until when, and why.
    Keep {
        #[arg(long)]
        matter: String,
        #[arg(long)]
        until: String,
        #[arg(long)]
        reason: String,
    },
    /// Destroy a closed matter past its retention date (refused while anything holds it).
    Destroy {
        #[arg(long)]
        matter: String,
        #[arg(long)]
        reason: String,
        #[arg(long)]
        yes: bool,
    },
    /// Record a personal-data breach.
    Breach {
        /// When the firm became aware: YYYY-MM-DD HH:MM, London time.
        #[arg(long)]
        discovered: String,
        #[arg(long)]
        nature: String,
        /// The kinds of personal data concerned.
        #[arg(long)]
        data: String,
        #[arg(long)]
        people: String,
        #[arg(long)]
        records: String,
        /// unlikely, risk or high.
        #[arg(long)]
        risk: String,
        #[arg(long)]
        assessment: String,
        #[arg(long, default_value = "")]
        actions: String,
    },
    /// Record that the ICO or the people affected were told of a breach.
    BreachTold {
        id: String,
        /// When the ICO was told (YYYY-MM-DD HH:MM).
        #[arg(long, default_value = "")]
        ico: String,
        #[arg(long, default_value = "")]
        reference: String,
        /// When the people affected were told.
        #[arg(long, default_value = "")]
        people: String,
    },
    /// The register of personal-data breaches with the ICO clock (--csv to export).
    Breaches {
        #[arg(long)]
        json: bool,
        #[arg(long)]
        csv: bool,
    },
    /// The record of processing activities (--csv to export).
    Processing {
        #[arg(long)]
        json: bool,
        #[arg(long)]
        csv: bool,
    },
    /// Add a processing activity, or change one (--id).
    SetProcessing {
        #[arg(long, default_value = "")]
        id: String,
        #[arg(long)]
        activity: String,
        #[arg(long)]
        purpose: String,
        /// consent, contract, legal obligation, vital interests, public task or legitimate
        /// interests.
        #[arg(long)]
        basis: String,
        #[arg(long)]
        people: String,
        #[arg(long)]
        data: String,
        #[arg(long, default_value = "")]
        recipients: String,
        #[arg(long, default_value = "")]
        transfers: String,
        #[arg(long)]
        retention: String,
        #[arg(long)]
        security: String,
    },
    /// Remove a processing activity.
    RemoveProcessing { id: String },
    /// Start an empty record of processing from a law firm's usual activities.
    UsualProcessing,
}

fn print_plan(p: &api::ErasurePlan) {
    println!("Erasing {}:", p.person);
    for m in &p.matters {
        println!("  {} {} — {}", m.number, m.action, m.description);
        for h in &m.holds {
            println!("      held: {}", h.reason);
        }
    }
    println!(
        "  contact record: {}",
        if p.contact_erased {
            "erased"
        } else {
            "kept while a matter they are on is kept"
        }
    );
    for k in &p.kept_elsewhere {
        println!("  kept: {} — {}", k.name, k.reason);
    }
    if p.refused_in_part {
        println!(
            "Refused in part: the law requires the firm to keep some of their records{}.",
            p.held_until
                .as_deref()
                .map(|d| format!(" (until {d} at the latest)"))
                .unwrap_or_else(|| " (while a matter stays open)".into())
        );
    }
}

pub fn run(s: &mut Satchel, command: GdprCommand) -> Result<()> {
    match command {
        GdprCommand::Request {
            person,
            kind,
            received,
        } => {
            let r = s
                .add_subject_request(&api::NewSubjectRequest {
                    person,
                    kind,
                    received_on: received,
                })
                .map_err(explain)?;
            println!(
                "{} request {} from {} received {}: answer by {}.",
                r.kind, r.id, r.person, r.received_on, r.due_on
            );
        }
        GdprCommand::Requests { json } => {
            let list = s.subject_requests().map_err(explain)?;
            print_list(json, &list, "No subject requests.", |r| {
                let state = match (&r.answered_on, r.days_left) {
                    (Some(on), _) => format!("answered {on}"),
                    (None, Some(d)) if d < 0 => format!("OVERDUE by {} days", -d),
                    (None, Some(d)) => format!("{d} days left"),
                    (None, None) => String::new(),
                };
                println!(
                    "{}\t{}\t{}\treceived {}\tdue {}{}\t{state}",
                    r.id,
                    r.kind,
                    r.person,
                    r.received_on,
                    r.due_on,
                    if r.extended { " (extended)" } else { "" }
                );
            })?;
        }
        GdprCommand::Extend { id, reason } => {
            let r = s.extend_subject_request(&id, &reason).map_err(explain)?;
            println!("Extended: answer by {}.", r.due_on);
        }
        GdprCommand::Answer { id, outcome } => {
            let r = s.answer_subject_request(&id, &outcome).map_err(explain)?;
            println!("Answered on {}.", r.answered_on.unwrap_or_default());
        }
        GdprCommand::Export { person, out } => match out {
            Some(folder) => {
                let e = s.export_subject_access(&person, &folder).map_err(explain)?;
                println!(
                    "Wrote {} ({} files): {} matters, {} items, {} to review for privilege before release.",
                    e.folder,
                    e.files.len(),
                    e.matters,
                    e.items,
                    e.to_review
                );
            }
            None => {
                let sar = s.subject_access(&person).map_err(explain)?;
                println!("{}", serde_json::to_string_pretty(&sar)?);
            }
        },
        GdprCommand::ErasePlan { person, json } => {
            let p = s.erasure_plan(&person).map_err(explain)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&p)?);
            } else {
                print_plan(&p);
            }
        }
        GdprCommand::Erase {
            person,
            request,
            yes,
        } => {
            if !yes {
                let p = s.erasure_plan(&person).map_err(explain)?;
                print_plan(&p);
                anyhow::bail!(
                    "nothing was erased: run again with --yes to erase (it cannot be undone)"
                );
            }
            let done = s
                .erase_person(&api::EraseRequest {
                    person,
                    request_id: request,
                })
                .map_err(explain)?;
            print_plan(&done.plan);
            println!(
                "Erased: {} matters destroyed, {} anonymised; {}.",
                done.destroyed, done.anonymised, done.server
            );
        }
        GdprCommand::Retention { json } => {
            let r = s.retention().map_err(explain)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&r)?);
                return Ok(());
            }
            for rule in &r.rules {
                println!(
                    "{}\t{} years{}",
                    rule.area,
                    rule.years,
                    if rule.firm_set { " (the firm's)" } else { "" }
                );
            }
            if r.due.is_empty() {
                println!("No closed matter is past its retention date.");
            }
            for d in &r.due {
                println!(
                    "due for review: {} {} ({}) closed {}, retention ended {}{}",
                    d.number,
                    d.client_name,
                    d.area,
                    d.closed_on,
                    d.retention_ended,
                    if d.holds.is_empty() {
                        String::new()
                    } else {
                        format!(
                            "; held: {}",
                            d.holds
                                .iter()
                                .map(|h| h.reason.as_str())
                                .collect::<Vec<_>>()
                                .join("; ")
                        )
                    }
                );
            }
        }
        GdprCommand::SetRetention { area, years } => {
            s.set_retention(&area, years).map_err(explain)?;
            println!("{area}: kept {years} years after closing.");
        }
        GdprCommand::Keep {
            matter,
            until,
            reason,
        } => {
            s.keep_matter(&api::KeepMatterRequest {
                matter: matter.clone(),
                until: until.clone(),
                reason,
            })
            .map_err(explain)?;
            println!("{matter} kept until {until}.");
        }
        GdprCommand::Destroy {
            matter,
            reason,
            yes,
        } => {
            if !yes {
                anyhow::bail!(
                    "nothing was destroyed: run again with --yes to destroy {matter} (it cannot be undone)"
                );
            }
            s.destroy_matter(&matter, &reason).map_err(explain)?;
            println!(
                "{matter} destroyed here; the firm server and other devices follow at their next sync."
            );
        }
        GdprCommand::Breach {
            discovered,
            nature,
            data,
            people,
            records,
            risk,
            assessment,
            actions,
        } => {
            let b = s
                .add_data_breach(&api::NewDataBreach {
                    discovered_at: discovered,
                    nature,
                    data_categories: data,
                    people_affected: people,
                    records_affected: records,
                    risk,
                    risk_assessment: assessment,
                    actions,
                })
                .map_err(explain)?;
            println!(
                "Breach {} recorded: {}{}.",
                b.id,
                b.ico_clock,
                if b.people_must_be_told {
                    "; tell the people affected without undue delay"
                } else {
                    ""
                }
            );
        }
        GdprCommand::BreachTold {
            id,
            ico,
            reference,
            people,
        } => {
            let b = s
                .update_data_breach(&api::UpdateDataBreach {
                    id,
                    ico_reported_at: ico,
                    ico_reference: reference,
                    people_told_at: people,
                })
                .map_err(explain)?;
            println!("Breach {}: {}.", b.id, b.ico_clock);
        }
        GdprCommand::Breaches { json, csv } => {
            if csv {
                print!("{}", s.data_breaches_csv().map_err(explain)?);
                return Ok(());
            }
            let list = s.data_breaches().map_err(explain)?;
            print_list(json, &list, "No personal-data breaches recorded.", |b| {
                println!(
                    "{}\t{}\t{}\trisk {}\t{} people\t{}",
                    b.id, b.discovered_shown, b.nature, b.risk, b.people_affected, b.ico_clock
                );
            })?;
        }
        GdprCommand::Processing { json, csv } => {
            if csv {
                print!("{}", s.processing_csv().map_err(explain)?);
                return Ok(());
            }
            let list = s.processing().map_err(explain)?;
            print_list(json, &list, "The record of processing is empty.", |p| {
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    p.id, p.activity, p.lawful_basis, p.people, p.retention
                );
            })?;
        }
        GdprCommand::SetProcessing {
            id,
            activity,
            purpose,
            basis,
            people,
            data,
            recipients,
            transfers,
            retention,
            security,
        } => {
            let list = s
                .save_processing(&api::ProcessingActivity {
                    id,
                    activity,
                    purpose,
                    lawful_basis: basis,
                    people,
                    data,
                    recipients,
                    transfers,
                    retention,
                    security,
                    ..Default::default()
                })
                .map_err(explain)?;
            println!("The record of processing holds {} activities.", list.len());
        }
        GdprCommand::UsualProcessing => {
            let list = s.add_usual_processing().map_err(explain)?;
            println!(
                "The record of processing holds {} activities: edit them to the firm's practice.",
                list.len()
            );
        }
        GdprCommand::RemoveProcessing { id } => {
            let list = s.remove_processing(&id).map_err(explain)?;
            println!("The record of processing holds {} activities.", list.len());
        }
    }
    Ok(())
}
