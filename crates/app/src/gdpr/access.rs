//! Subject access: everything held about a person, with what may be privileged flagged,
//! as JSON, a PDF and their documents.

use super::*;
use jiff::Timestamp;
use satchel_core::{Money, dates};

impl Satchel {
    /// Everything held about a person, across matters, with what may be privileged flagged
    /// for review before release.
    pub fn subject_access(&self, person: &str) -> Result<api::SubjectAccess, AppError> {
        self.require_compliance("answer subject access requests")?;
        let person = self.find_person(person)?;
        let conn = self.store.conn();
        let r = Redactor::new(details(&person).iter().map(String::as_str));
        let mut matters = Vec::new();
        let mut subjects = vec![format!("contact:{}", person.id)];
        let mut matters_shown = Vec::new();
        for about in matters_about(conn, &person)? {
            let m = matter_doc(conn, &about.id)?;
            let items = items_of(&m, !about.roles.is_empty(), &r);
            let number = MatterNumber::new(u32::try_from(m.number).unwrap_or(0)).to_string();
            subjects.push(format!("matter:{}", about.id));
            matters_shown.push(number.clone());
            matters.push(api::SubjectMatter {
                number,
                description: m.description.clone(),
                status: m.status.clone(),
                opened: m.opened.clone(),
                closed_on: m.closed_on.clone(),
                roles: about.roles.clone(),
                items,
            });
        }
        matters.sort_by(|a, b| a.number.cmp(&b.number));
        // Their events: on their contact record and on those matters (one pass).
        let shown: BTreeMap<&str, String> = subjects
            .iter()
            .map(String::as_str)
            .zip(
                std::iter::once("their contact record".to_owned())
                    .chain(matters_shown.iter().cloned()),
            )
            .collect();
        // And events whose detail names them (conflict checks recorded before the names
        // asked were kept out of the trail).
        let needles = Needles::of(&person);
        let mut audit = Vec::new();
        {
            let marks = (1..=subjects.len())
                .map(|i| format!("?{i}"))
                .collect::<Vec<_>>()
                .join(", ");
            let named = (0..needles.0.len())
                .map(|i| format!(" OR e.detail LIKE ?{} ESCAPE '\\'", subjects.len() + 1 + i))
                .collect::<String>();
            let mut stmt = conn.prepare(&format!(
                "SELECT e.at, coalesce(u.initials, ''), e.action, e.subject FROM audit_events e
                 LEFT JOIN users u ON u.id = e.actor_id WHERE e.subject IN ({marks}){named}"
            ))?;
            let rows = stmt.query_map(
                satchel_store::rusqlite::params_from_iter(subjects.iter().chain(needles.0.iter())),
                |row| {
                    Ok((
                        row.get::<_, String>(0)?,
                        row.get::<_, String>(1)?,
                        row.get::<_, String>(2)?,
                        row.get::<_, String>(3)?,
                    ))
                },
            )?;
            for row in rows {
                let (at, who, action, subject) = row?;
                audit.push(api::SubjectAudit {
                    at,
                    who,
                    action,
                    subject: shown
                        .get(subject.as_str())
                        .cloned()
                        .unwrap_or_else(|| "names them in its detail".to_owned()),
                });
            }
        }
        audit.sort_by(|a, b| a.at.cmp(&b.at));
        let to_review = matters
            .iter()
            .flat_map(|m| &m.items)
            .filter(|i| i.privileged)
            .count() as u64;
        Ok(api::SubjectAccess {
            firm: self.ctx.firm_name.clone(),
            generated_at: Timestamp::now().to_string(),
            person,
            matters,
            audit,
            to_review,
        })
    }

    /// The subject access export as a readable PDF.
    pub fn subject_access_pdf(&self, sar: &api::SubjectAccess) -> Result<Vec<u8>, AppError> {
        use satchel_pdf::{Align, Column, Report, Section, Table};
        let col = |h: &str, weight: u16| Column {
            header: h.to_owned(),
            align: Align::Left,
            weight,
        };
        let p = &sar.person;
        let mut details = vec![format!("Name: {}", p.name)];
        for (label, v) in [
            ("Email", &p.email),
            ("Phone", &p.phone),
            ("Address", &p.address),
            ("Postcode", &p.postcode),
            ("Date of birth", &p.date_of_birth),
            ("Company number", &p.company_number),
        ] {
            if let Some(v) = v {
                details.push(format!("{label}: {v}"));
            }
        }
        let mut sections = vec![Section {
            heading: "Contact details held".into(),
            paragraphs: details,
            table: None,
        }];
        for m in &sar.matters {
            sections.push(Section {
                heading: format!("Matter {} — {}", m.number, m.description),
                paragraphs: vec![format!(
                    "Status {}; opened {}{}; {}",
                    m.status,
                    m.opened,
                    m.closed_on
                        .as_deref()
                        .map(|c| format!(", closed {c}"))
                        .unwrap_or_default(),
                    if m.roles.is_empty() {
                        "they are mentioned on it".to_owned()
                    } else {
                        format!("their role: {}", m.roles.join(", ").replace('_', " "))
                    }
                )],
                table: Some(Table {
                    columns: vec![
                        col("Date", 2),
                        col("What", 2),
                        col("Held", 9),
                        col("Review", 2),
                    ],
                    rows: m
                        .items
                        .iter()
                        .map(|i| {
                            vec![
                                i.date.clone(),
                                i.kind.clone(),
                                i.text.clone(),
                                if i.privileged {
                                    "privilege?".into()
                                } else {
                                    String::new()
                                },
                            ]
                        })
                        .collect(),
                    footer: None,
                }),
            });
        }
        sections.push(Section {
            heading: format!("{} recorded actions on their records", sar.audit.len()),
            paragraphs: Vec::new(),
            table: Some(Table {
                columns: vec![
                    col("When (UTC)", 4),
                    col("Who", 2),
                    col("Action", 4),
                    col("On", 4),
                ],
                rows: sar
                    .audit
                    .iter()
                    .map(|e| {
                        vec![
                            e.at.chars().take(19).collect::<String>().replace('T', " "),
                            e.who.clone(),
                            e.action.clone(),
                            e.subject.clone(),
                        ]
                    })
                    .collect(),
                footer: None,
            }),
        });
        let report = Report {
            title: format!("Subject access: {}", p.name),
            subtitle: vec![
                sar.firm.clone(),
                format!(
                    "Made {}. {} items marked 'privilege?' may be covered by legal professional privilege: review them before release.",
                    sar.generated_at.chars().take(10).collect::<String>(),
                    sar.to_review
                ),
            ],
            sections,
        };
        satchel_pdf::report(&report).map_err(|e| AppError::Document(e.to_string()))
    }

    /// Write the subject access export into a new folder inside `folder`: the JSON bundle,
    /// the PDF, and a copy of each document on the matters they are a party to. Recorded
    /// (counts only).
    pub fn export_subject_access(
        &mut self,
        person: &str,
        folder: &std::path::Path,
    ) -> Result<api::ExportedAccess, AppError> {
        let sar = self.subject_access(person)?;
        let json =
            serde_json::to_vec_pretty(&sar).map_err(|e| AppError::Document(e.to_string()))?;
        let pdf = self.subject_access_pdf(&sar)?;
        let today = dates::london_date(Timestamp::now());
        let slug: String = sar
            .person
            .name
            .chars()
            .map(|c| {
                if c.is_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '-'
                }
            })
            .collect();
        let base = format!("subject-access-{}-{today}", slug.trim_matches('-'));
        let mut dir = folder.join(&base);
        let mut n = 2;
        while dir.exists() {
            dir = folder.join(format!("{base}-{n}"));
            n += 1;
        }
        let io = |e: std::io::Error| AppError::Document(format!("writing the export: {e}"));
        std::fs::create_dir_all(&dir).map_err(io)?;
        let mut files = Vec::new();
        for (name, bytes) in [("subject-access.json", &json), ("subject-access.pdf", &pdf)] {
            std::fs::write(dir.join(name), bytes).map_err(io)?;
            files.push(name.to_owned());
        }
        // Documents on matters they are a party to (the latest version of each).
        let conn = self.store.conn();
        let mut stmt = conn.prepare(
            "SELECT m.number, f.name, b.bytes FROM matter_parties p
             JOIN matters m ON m.id = p.matter_id
             JOIN matter_files f ON f.matter_id = m.id
             JOIN blobs b ON b.sha256 = f.sha256
             WHERE p.contact_id = ?1
               AND f.version = (SELECT max(version) FROM matter_files g WHERE g.file_id = f.file_id)
             GROUP BY f.file_id ORDER BY m.number, f.name",
        )?;
        let docs: Vec<(u32, String, Vec<u8>)> = stmt
            .query_map([&sar.person.id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<Result<_, _>>()?;
        drop(stmt);
        if !docs.is_empty() {
            std::fs::create_dir_all(dir.join("documents")).map_err(io)?;
        }
        for (number, name, bytes) in &docs {
            let file = format!(
                "{}-{}",
                MatterNumber::new(*number),
                name.replace(['/', '\\'], "_")
            );
            std::fs::write(dir.join("documents").join(&file), bytes).map_err(io)?;
            files.push(format!("documents/{file}"));
        }
        let items = sar.matters.iter().map(|m| m.items.len() as u64).sum();
        let out = api::ExportedAccess {
            folder: dir.display().to_string(),
            files,
            matters: sar.matters.len() as u64,
            items,
            to_review: sar.to_review,
        };
        let detail = serde_json::json!({
            "matters": out.matters, "items": out.items, "to_review": out.to_review, "documents": docs.len()
        });
        self.write(
            "gdpr.subject_access",
            &format!("contact:{}", sar.person.id),
            |_, _, _| Ok(detail),
        )?;
        Ok(out)
    }
}

/// What a matter holds about a person: everything when they are a party to it, otherwise
/// each item that names them.
fn items_of(m: &docs::MatterDoc, party: bool, r: &Redactor) -> Vec<api::HeldItem> {
    let take = |texts: &[&str]| party || texts.iter().any(|t| r.finds(t));
    let item = |kind: &str, date: &str, text: String, privileged: bool| api::HeldItem {
        kind: kind.to_owned(),
        date: date.chars().take(10).collect(),
        text,
        privileged,
    };
    let money = |p: i64| Money::from_pence(p).to_string();
    let mut out = vec![item(
        "matter",
        &m.opened,
        format!("{} — {} ({})", m.client_name, m.description, m.status),
        false,
    )];
    if let Some(c) = &m.conflict {
        let hits = c.hits.join("; ");
        if take(&[&c.names.join(" "), &hits, &c.reason]) {
            out.push(item(
                "conflict check",
                &c.checked_at,
                format!(
                    "names {}; {} hits; decision {}: {}",
                    c.names.join(", "),
                    c.hits.len(),
                    c.decision,
                    c.reason
                ),
                true,
            ));
        }
    }
    for n in &m.notes {
        if take(&[&n.title, &n.body]) {
            out.push(item(
                "note",
                &n.at,
                format!("{} note: {} — {}", n.kind, n.title, n.body),
                true,
            ));
        }
    }
    for t in &m.time {
        if take(&[&t.description]) {
            out.push(item(
                "time",
                &t.date,
                format!(
                    "{} min, {}: {} ({})",
                    t.minutes,
                    t.activity,
                    t.description,
                    money(t.value_pence)
                ),
                true,
            ));
        }
    }
    for e in &m.expenses {
        if take(&[&e.description]) {
            out.push(item(
                "expense",
                &e.date,
                format!(
                    "{}: {} ({} + VAT {})",
                    e.kind,
                    e.description,
                    money(e.net_pence),
                    money(e.vat_pence)
                ),
                false,
            ));
        }
    }
    for k in &m.key_dates {
        if take(&[&k.title]) {
            out.push(item(
                "key date",
                &k.date,
                format!("{}: {}", k.kind, k.title),
                false,
            ));
        }
    }
    for t in &m.tasks {
        if take(&[&t.title]) {
            out.push(item(
                "task",
                &t.due,
                format!(
                    "{}{}",
                    t.title,
                    if t.done_on.is_some() { " (done)" } else { "" }
                ),
                false,
            ));
        }
    }
    for f in &m.files {
        if take(&[&f.name]) {
            let latest = f.versions.last();
            out.push(item(
                "document",
                latest.map_or("", |v| v.added_at.as_str()),
                format!(
                    "{} ({} version{})",
                    f.name,
                    f.versions.len(),
                    if f.versions.len() == 1 { "" } else { "s" }
                ),
                true,
            ));
        }
    }
    for p in &m.postings {
        if take(&[&p.party, &p.reference, &p.client]) {
            out.push(item(
                "posting",
                &p.date,
                format!(
                    "{} {} {} ref {}",
                    p.kind.replace('_', " "),
                    money(p.amount_pence),
                    p.party,
                    p.reference
                ),
                false,
            ));
        }
    }
    for b in &m.bills {
        let lines: Vec<&str> = b.lines.iter().map(|l| l.description.as_str()).collect();
        if take(&[&lines.join(" "), b.reason.as_deref().unwrap_or("")]) {
            let total: i64 = b.lines.iter().map(|l| l.net_pence + l.vat_pence).sum();
            out.push(item(
                "bill",
                &b.date,
                format!("{} {} {}", b.kind.replace('_', " "), b.number, money(total)),
                false,
            ));
        }
    }
    out
}
