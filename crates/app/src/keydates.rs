//! Key dates on matters, the dashboard of what is coming, and iCalendar export.

use crate::contacts::resolve_matter;
use crate::{AppError, Satchel, docs};
use jiff::Timestamp;
use jiff::civil::Date;
use satchel_api as api;
use satchel_core::Invalid;
use satchel_core::keydate::{self, KeyDateKind, NewKeyDate};
use satchel_core::matter::MatterNumber;
use uuid::Uuid;

/// The longest look-ahead for the dashboard.
const MAX_WINDOW_DAYS: u32 = 366;

impl Satchel {
    /// Put a hearing, limitation date or deadline on a matter, with its reminder.
    pub fn add_key_date(&mut self, req: &api::NewKeyDateRequest) -> Result<api::KeyDate, AppError> {
        self.require_editor("add key dates")?;
        let today = satchel_core::dates::london_date(Timestamp::now());
        let v = NewKeyDate {
            kind: &req.kind,
            date: &req.date,
            title: &req.title,
            reminder_days: req.reminder_days,
        }
        .validate(today)?;
        let (matter_id, _) = resolve_matter(self.store.conn(), &req.matter)?;
        let rec = docs::KeyDateRec {
            id: Uuid::now_v7().to_string(),
            kind: v.kind.as_str().into(),
            date: v.date.to_string(),
            title: v.title.clone(),
            reminder_days: u64::from(v.reminder_days),
            reminder_on: keydate::reminder_on(v.date, v.reminder_days, today).to_string(),
            created_by: self.ctx.user_id.clone(),
        };
        self.write(
            "keydate.add",
            &format!("matter:{matter_id}"),
            |tx, at, actor| {
                crate::update_matter(tx, &matter_id, actor, at, "add key date", |m| {
                    m.key_dates.push(rec.clone());
                })?;
                Ok(serde_json::json!({ "key_date": rec.id, "kind": rec.kind, "date": rec.date }))
            },
        )?;
        self.key_dates(KeyDateFilter::Id(&rec.id))?
            .pop()
            .ok_or_else(|| AppError::Document("the key date was not kept".into()))
    }

    /// What is coming in the next `days` days: key dates falling in the window, and key
    /// dates whose reminder is due in it (so a limitation date months away shows once its
    /// reminder comes round). Soonest first.
    pub fn upcoming(&self, days: u32) -> Result<Vec<api::KeyDate>, AppError> {
        if days == 0 || days > MAX_WINDOW_DAYS {
            return Err(
                Invalid::new("days", format!("must be between 1 and {MAX_WINDOW_DAYS}")).into(),
            );
        }
        self.key_dates(KeyDateFilter::Window(days))
    }

    /// Key dates as an iCalendar file: all-day events, each with a display alarm the
    /// reminder's number of days before. For one matter, or for every matter held here.
    /// An export is an audit event.
    pub fn key_dates_ics(&mut self, matter: Option<&str>) -> Result<String, AppError> {
        let ics = self.build_ics(matter)?;
        let subject = matter.map_or_else(|| "keydates:all".to_owned(), |m| format!("keydates:{m}"));
        self.write("keydate.export", &subject, |_, _, _| {
            Ok(serde_json::json!({ "format": "ics", "bytes": ics.len() }))
        })?;
        Ok(ics)
    }

    /// One person's calendar (initials; empty for me): the key dates of the matters they
    /// run or supervise, and their open tasks as to-dos with due dates. Audited as an export.
    pub fn user_ics(&mut self, initials: &str) -> Result<String, AppError> {
        let user_id = match initials.trim() {
            "" => self.ctx.user_id.clone(),
            i => self.user_by_initials("user", i)?,
        };
        let list = self.key_dates(KeyDateFilter::User(&user_id))?;
        let tasks = self.open_tasks_of(&user_id)?;
        let mut cal = self.calendar(list)?;
        for t in tasks {
            use icalendar::{Component, EventLike, Todo};
            let due = ics_day(&t.due, &t.id)?;
            cal.push(
                Todo::new()
                    .uid(&format!("{}@satchel", t.id))
                    .summary(&format!("{} {}", t.matter_number, t.title))
                    .due(due)
                    .starts(due)
                    .done(),
            );
        }
        let ics = cal.done().to_string();
        self.write("keydate.export", &format!("user:{user_id}"), |_, _, _| {
            Ok(serde_json::json!({ "format": "ics", "bytes": ics.len(), "scope": "user" }))
        })?;
        Ok(ics)
    }

    fn build_ics(&self, matter: Option<&str>) -> Result<String, AppError> {
        let list = match matter {
            Some(m) => {
                let (id, _) = resolve_matter(self.store.conn(), m)?;
                self.key_dates(KeyDateFilter::Matter(&id))?
            }
            None => self.key_dates(KeyDateFilter::All)?,
        };
        Ok(self.calendar(list)?.done().to_string())
    }

    fn calendar(&self, list: Vec<api::KeyDate>) -> Result<icalendar::Calendar, AppError> {
        use icalendar::{Alarm, Calendar, Component, Event, EventLike};
        let mut cal = Calendar::new();
        cal.name(&format!("{}: key dates", self.ctx.firm_name));
        for k in list {
            let day = ics_day(&k.date, &format!("key date {}", k.id))?;
            let summary = format!("{} {}: {}", k.matter_number, kind_label(&k.kind), k.title);
            let event = Event::new()
                .uid(&format!("{}@satchel", k.id))
                .summary(&summary)
                .description(&format!("{} ({})", k.matter_description, k.matter_number))
                // All day: DTEND is the next day (exclusive), as RFC 5545 requires.
                .starts(day)
                .ends(day.succ_opt().unwrap_or(day))
                .alarm(Alarm::display(
                    &summary,
                    -chrono::Duration::days(i64::from(k.reminder_days)),
                ))
                .done();
            cal.push(event);
        }
        Ok(cal)
    }

    fn key_dates(&self, filter: KeyDateFilter<'_>) -> Result<Vec<api::KeyDate>, AppError> {
        let today = satchel_core::dates::london_date(Timestamp::now());
        let (condition, args): (&str, Vec<String>) = match filter {
            KeyDateFilter::Id(id) => ("k.id = ?1", vec![id.to_owned()]),
            KeyDateFilter::Matter(id) => ("k.matter_id = ?1", vec![id.to_owned()]),
            KeyDateFilter::All => ("1", Vec::new()),
            KeyDateFilter::User(id) => (
                "(m.fee_earner_id = ?1 OR m.supervisor_id = ?1)",
                vec![id.to_owned()],
            ),
            KeyDateFilter::Window(days) => {
                let end = today
                    .checked_add(jiff::Span::new().days(i64::from(days)))
                    .map_err(|e| AppError::Document(e.to_string()))?;
                (
                    "k.date >= ?1 AND (k.date <= ?2 OR k.reminder_on <= ?2)",
                    vec![today.to_string(), end.to_string()],
                )
            }
        };
        let sql = format!(
            "SELECT k.id, m.number, m.description, k.kind, k.date, k.title, k.reminder_days, k.reminder_on
             FROM key_dates k JOIN matters m ON m.id = k.matter_id
             WHERE {condition}
             ORDER BY k.date, m.number, k.id"
        );
        let mut stmt = self.store.conn().prepare_cached(&sql)?;
        let rows = stmt.query_map(satchel_store::rusqlite::params_from_iter(args), |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, u32>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, u32>(6)?,
                r.get::<_, String>(7)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, number, description, kind, date, title, reminder_days, reminder_on) = row?;
            let days_until = date
                .parse::<Date>()
                .ok()
                .map(|d| (d - today).get_days())
                .unwrap_or(0);
            out.push(api::KeyDate {
                id,
                matter_number: MatterNumber::new(number).to_string(),
                matter_description: description,
                kind,
                date,
                title,
                reminder_days,
                reminder_on,
                days_until,
            });
        }
        Ok(out)
    }
}

enum KeyDateFilter<'a> {
    Id(&'a str),
    Matter(&'a str),
    /// Matters the user runs or supervises.
    User(&'a str),
    All,
    Window(u32),
}

/// A civil date as the calendar crate's date.
fn ics_day(text: &str, what: &str) -> Result<chrono::NaiveDate, AppError> {
    let date: Date = text
        .parse()
        .map_err(|_| AppError::Document(format!("{what} has a bad date")))?;
    chrono::NaiveDate::from_ymd_opt(
        i32::from(date.year()),
        u32::from(date.month() as u8),
        u32::from(date.day() as u8),
    )
    .ok_or_else(|| AppError::Document(format!("{what} has a bad date")))
}

fn kind_label(kind: &str) -> &'static str {
    match KeyDateKind::parse(kind) {
        Ok(KeyDateKind::Hearing) => "Hearing",
        Ok(KeyDateKind::Limitation) => "Limitation",
        Ok(KeyDateKind::Deadline) => "Deadline",
        _ => "Key date",
    }
}
