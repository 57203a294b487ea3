//! Access reports from the audit trail: who did what, when, from which device — by user,
//! by matter (the matter's own events and those on its documents), by date range — on
//! screen and as CSV. For admins and partners (the COLP and COFA are partners). Opening a
//! matter is itself an event (`matter.view`). A matter's events name it by its number.

use crate::{AppError, Satchel};
use satchel_api as api;
use satchel_core::{Invalid, dates, firm::Role};
use satchel_store::rusqlite::params;

/// At most this many events in one report (the newest).
const MOST: i64 = 5_000;

impl Satchel {
    /// A matter, opened to be looked at: recorded in the audit trail as a view.
    pub fn view_matter(&mut self, matter: &str) -> Result<api::Matter, AppError> {
        let m = self.matter(matter)?;
        let number = m.number.clone();
        self.write("matter.view", &format!("matter:{}", m.id), |_, _, _| {
            Ok(serde_json::json!({ "number": number }))
        })?;
        Ok(m)
    }

    /// The audit events the query asks for, newest first.
    pub fn access_log(&self, q: &api::AccessLogQuery) -> Result<Vec<api::AccessEvent>, AppError> {
        if !matches!(self.ctx.role, Role::Admin | Role::Partner) {
            return Err(AppError::Forbidden(
                "only an admin or a partner may see who accessed what".into(),
            ));
        }
        let from = dates::parse_optional("from", &q.from)?;
        let to = dates::parse_optional("to", &q.to)?;
        if let (Some(f), Some(t)) = (from, to)
            && f > t
        {
            return Err(Invalid::new("to", "must be on or after the first date").into());
        }
        let conn = self.store.conn();
        let matter_id = match q.matter.trim() {
            "" => None,
            m => Some(crate::contacts::resolve_matter(conn, m)?.0),
        };
        let user_id: Option<String> = match q.user.trim() {
            "" => None,
            u => Some(
                conn.query_row(
                    "SELECT id FROM users WHERE initials = ?1",
                    [u.to_uppercase()],
                    |r| r.get(0),
                )
                .map_err(|_| Invalid::new("user", format!("no user has the initials {u}")))?,
            ),
        };
        // Instants are kept in UTC; the dates asked for are London days.
        let bound = |d: Option<jiff::civil::Date>, end: bool| -> Result<Option<String>, AppError> {
            Ok(match d {
                None => None,
                Some(d) => {
                    let day = if end {
                        d.tomorrow()
                            .map_err(|e| AppError::Document(e.to_string()))?
                    } else {
                        d
                    };
                    Some(
                        day.to_zoned(dates::london())
                            .map_err(|e| AppError::Document(e.to_string()))?
                            .timestamp()
                            .to_string(),
                    )
                }
            })
        };
        let (since, before) = (bound(from, false)?, bound(to, true)?);
        let mut stmt = conn.prepare(
            "SELECT e.at, coalesce(u.initials, ''), coalesce(u.name, ''), e.device_id, e.action,
                    coalesce((SELECT printf('M%05d', m.number) FROM matters m
                              WHERE e.subject = 'matter:' || m.id), e.subject),
                    e.detail
             FROM audit_events e LEFT JOIN users u ON u.id = e.actor_id
             WHERE (?1 IS NULL OR e.actor_id = ?1)
               AND (?2 IS NULL OR e.subject = 'matter:' || ?2
                    OR json_extract(e.detail, '$.matter') = ?2)
               AND (?3 IS NULL OR e.at >= ?3)
               AND (?4 IS NULL OR e.at < ?4)
             ORDER BY e.at DESC LIMIT ?5",
        )?;
        let rows = stmt.query_map(params![user_id, matter_id, since, before, MOST], |r| {
            Ok(api::AccessEvent {
                at: r.get(0)?,
                initials: r.get(1)?,
                user_name: r.get(2)?,
                device: r.get(3)?,
                action: r.get(4)?,
                subject: r.get(5)?,
                detail: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// [`Satchel::access_log`] as CSV (a header row, then an event a row); the export is
    /// itself recorded.
    pub fn access_log_csv(&mut self, q: &api::AccessLogQuery) -> Result<String, AppError> {
        let events = self.access_log(q)?;
        let mut w = csv::Writer::from_writer(Vec::new());
        let csv_err = |e: csv::Error| AppError::Document(e.to_string());
        w.write_record([
            "at", "initials", "user", "device", "action", "subject", "detail",
        ])
        .map_err(csv_err)?;
        for e in &events {
            w.write_record([
                &e.at,
                &e.initials,
                &e.user_name,
                &e.device,
                &e.action,
                &e.subject,
                &e.detail,
            ])
            .map_err(csv_err)?;
        }
        let bytes = w
            .into_inner()
            .map_err(|e| AppError::Document(e.to_string()))?;
        let detail = serde_json::json!({
            "user": q.user, "matter": q.matter, "from": q.from, "to": q.to, "events": events.len()
        });
        self.write("report.export", "report:access", |_, _, _| Ok(detail))?;
        String::from_utf8(bytes).map_err(|e| AppError::Document(e.to_string()))
    }
}

impl Satchel {
    /// [`Satchel::access_log`] as a PDF report; the export is itself recorded.
    pub fn access_log_pdf(&mut self, q: &api::AccessLogQuery) -> Result<Vec<u8>, AppError> {
        use satchel_pdf::{Align, Column, Report, Section, Table};
        let events = self.access_log(q)?;
        let col = |h: &str, weight: u16| Column {
            header: h.to_owned(),
            align: Align::Left,
            weight,
        };
        let mut asked = Vec::new();
        for (what, v) in [
            ("user", &q.user),
            ("matter", &q.matter),
            ("from", &q.from),
            ("to", &q.to),
        ] {
            if !v.trim().is_empty() {
                asked.push(format!("{what} {}", v.trim()));
            }
        }
        let report = Report {
            title: "Access log".into(),
            subtitle: vec![
                self.ctx.firm_name.clone(),
                if asked.is_empty() {
                    "Every event on this device".into()
                } else {
                    format!("Events for {}", asked.join(", "))
                },
            ],
            sections: vec![Section {
                heading: format!("{} events, newest first", events.len()),
                paragraphs: Vec::new(),
                table: Some(Table {
                    columns: vec![
                        col("When (UTC)", 4),
                        col("Who", 2),
                        col("Action", 3),
                        col("Subject", 5),
                    ],
                    rows: events
                        .iter()
                        .map(|e| {
                            vec![
                                e.at.chars().take(19).collect::<String>().replace('T', " "),
                                e.initials.clone(),
                                e.action.clone(),
                                e.subject.clone(),
                            ]
                        })
                        .collect(),
                    footer: None,
                }),
            }],
        };
        let pdf = satchel_pdf::report(&report).map_err(|e| AppError::Document(e.to_string()))?;
        let detail = serde_json::json!({
            "user": q.user, "matter": q.matter, "from": q.from, "to": q.to,
            "events": events.len(), "format": "pdf"
        });
        self.write("report.export", "report:access", |_, _, _| Ok(detail))?;
        Ok(pdf)
    }
}
