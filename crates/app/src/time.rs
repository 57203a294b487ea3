//! Time recording: entries, the running timer, rates and work in progress.

use crate::contacts::resolve_matter;
use crate::{AppError, Satchel, docs, projection};
use jiff::Timestamp;
use jiff::civil::Date;
use satchel_api as api;
use satchel_core::time::{self as rules, Activity};
use satchel_core::{Invalid, Money, required_text};
use satchel_store::rusqlite::{OptionalExtension, Transaction, params};
use uuid::Uuid;

/// A validated entry, ready to write.
struct Entry {
    matter_id: String,
    date: Date,
    minutes: u32,
    activity: Activity,
    description: String,
    billable: bool,
}

impl Satchel {
    /// The current user's hourly rate.
    pub fn my_rate(&self) -> Result<Money, AppError> {
        let pence: i64 = self.store.conn().query_row(
            "SELECT rate_pence FROM users WHERE id = ?1",
            [&self.ctx.user_id],
            |r| r.get(0),
        )?;
        Ok(Money::from_pence(pence))
    }

    /// Set the current user's hourly rate (e.g. "250.00"). Applies to time recorded from now
    /// on; entries already recorded keep the rate they were recorded at.
    pub fn set_my_rate(&mut self, rate: &str) -> Result<Money, AppError> {
        let money = Money::parse(rate).map_err(|e| Invalid::new("rate", e.to_string()))?;
        if money.pence() < 0 || money.pence() > 10_000_000 {
            return Err(Invalid::new("rate", "must be between £0 and £100,000 an hour").into());
        }
        let (firm_doc, user_id) = (self.ctx.firm_doc.clone(), self.ctx.user_id.clone());
        self.write("user.rate", &format!("user:{user_id}"), |tx, at, actor| {
            let doc = docs::change(tx, &firm_doc, docs::KIND_FIRM, actor, at, "set rate", |d| {
                let mut firm: docs::FirmDoc = autosurgeon::hydrate(d)?;
                if let Some(u) = firm.users.get_mut(&user_id) {
                    u.rate_pence = money.pence();
                }
                Ok(autosurgeon::reconcile(d, &firm)?)
            })?;
            projection::firm(tx, &autosurgeon::hydrate(&doc)?)?;
            Ok(serde_json::json!({ "rate_pence": money.pence() }))
        })?;
        Ok(money)
    }

    /// Record time on a matter.
    pub fn record_time(&mut self, req: &api::NewTimeRequest) -> Result<api::TimeEntry, AppError> {
        self.require_editor("record time")?;
        let minutes = rules::parse_duration(&req.duration)?;
        let today = satchel_core::dates::london_date(Timestamp::now());
        let date = satchel_core::dates::on_or_before_today("date", &req.date, today)?;
        let entry = Entry {
            matter_id: resolve_matter(self.store.conn(), &req.matter)?.0,
            date,
            minutes,
            activity: Activity::parse(&req.activity)?,
            description: required_text("description", &req.description, 1000)?,
            billable: req.billable,
        };
        let rate = self.rate_for(&entry.matter_id)?;
        let user_id = self.ctx.user_id.clone();
        let subject = format!("matter:{}", entry.matter_id);
        let recorded = self.write("time.record", &subject, |tx, at, actor| {
            write_entry(tx, at, actor, &user_id, rate, &entry)
        })?;
        self.time_entry(&recorded.0)
    }

    /// Start a timer on a matter. One timer per person: a running one must be stopped first.
    pub fn start_timer(
        &mut self,
        req: &api::StartTimerRequest,
    ) -> Result<api::RunningTimer, AppError> {
        self.require_editor("record time")?;
        if let Some(t) = self.timer()? {
            return Err(Invalid::new(
                "timer",
                format!(
                    "is already running on {} since {}; stop it first",
                    t.matter_number, t.started_at
                ),
            )
            .into());
        }
        let (matter_id, _) = resolve_matter(self.store.conn(), &req.matter)?;
        let activity = Activity::parse(&req.activity)?;
        let description = required_text("description", &req.description, 1000)?;
        let user_id = self.ctx.user_id.clone();
        self.write("timer.start", &format!("matter:{matter_id}"), |tx, at, _| {
            tx.execute(
                "INSERT INTO timers (user_id, matter_id, started_at, activity, description) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![user_id, matter_id, at.to_string(), activity.as_str(), description],
            )?;
            Ok(serde_json::json!({ "activity": activity.as_str() }))
        })?;
        self.timer()?
            .ok_or_else(|| AppError::Document("the timer was not kept".into()))
    }

    /// The current user's running timer, if any.
    pub fn timer(&self) -> Result<Option<api::RunningTimer>, AppError> {
        let row: Option<(u32, String, String, String)> = self
            .store
            .conn()
            .query_row(
                "SELECT m.number, t.started_at, t.activity, t.description
                 FROM timers t JOIN matters m ON m.id = t.matter_id WHERE t.user_id = ?1",
                [&self.ctx.user_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()?;
        let Some((number, started_at, activity, description)) = row else {
            return Ok(None);
        };
        let started: Timestamp = started_at.parse().map_err(|_| {
            AppError::Document(format!("timer start '{started_at}' is not an instant"))
        })?;
        Ok(Some(api::RunningTimer {
            matter_number: satchel_core::matter::MatterNumber::new(number).to_string(),
            started: satchel_core::dates::london_display(started),
            started_at,
            elapsed_seconds: Timestamp::now().as_second() - started.as_second(),
            activity,
            description,
        }))
    }

    /// Stop the running timer and record its time (rounded up to the minute, then to units).
    pub fn stop_timer(&mut self) -> Result<api::TimeEntry, AppError> {
        let row: Option<(String, String, String, String)> = self
            .store
            .conn()
            .query_row(
                "SELECT matter_id, started_at, activity, description FROM timers WHERE user_id = ?1",
                [&self.ctx.user_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()?;
        let (matter_id, started_at, activity, description) =
            row.ok_or_else(|| Invalid::new("timer", "is not running; start one first"))?;
        let started: Timestamp = started_at.parse().map_err(|_| {
            AppError::Document(format!("timer start '{started_at}' is not an instant"))
        })?;
        let now = Timestamp::now();
        let entry = Entry {
            matter_id,
            date: satchel_core::dates::london_date(started),
            minutes: rules::timer_minutes(now.as_second() - started.as_second())?,
            activity: Activity::parse(&activity)?,
            description,
            billable: true,
        };
        let rate = self.rate_for(&entry.matter_id)?;
        let user_id = self.ctx.user_id.clone();
        let subject = format!("matter:{}", entry.matter_id);
        let recorded = self.write("timer.stop", &subject, |tx, at, actor| {
            tx.execute("DELETE FROM timers WHERE user_id = ?1", [&user_id])?;
            write_entry(tx, at, actor, &user_id, rate, &entry)
        })?;
        self.time_entry(&recorded.0)
    }

    /// Throw away the running timer without recording anything.
    pub fn discard_timer(&mut self) -> Result<bool, AppError> {
        let user_id = self.ctx.user_id.clone();
        let running = self.timer()?.is_some();
        if running {
            self.write("timer.discard", &format!("user:{user_id}"), |tx, _, _| {
                tx.execute("DELETE FROM timers WHERE user_id = ?1", [&user_id])?;
                Ok(serde_json::json!({}))
            })?;
        }
        Ok(running)
    }

    fn time_entry(&self, id: &str) -> Result<api::TimeEntry, AppError> {
        let sql = format!("{TIME_SELECT} WHERE t.id = ?1");
        Ok(self.store.conn().query_row(&sql, [id], time_row)?)
    }

    /// Time recorded on a matter, oldest first.
    pub fn list_time(&self, matter: &str) -> Result<Vec<api::TimeEntry>, AppError> {
        let (matter_id, _) = resolve_matter(self.store.conn(), matter)?;
        let sql = format!("{TIME_SELECT} WHERE t.matter_id = ?1 ORDER BY t.date, t.id");
        let mut stmt = self.store.conn().prepare_cached(&sql)?;
        let rows = stmt.query_map([matter_id], time_row)?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// Work in progress on a matter: recorded time not yet billed.
    pub fn wip(&self, matter: &str) -> Result<api::Wip, AppError> {
        let (matter_id, number) = resolve_matter(self.store.conn(), matter)?;
        let (entries, billable_minutes, non_billable_minutes, billable_units, value): (
            i64,
            i64,
            i64,
            i64,
            i64,
        ) = self.store.conn().query_row(
            "SELECT count(*),
                        coalesce(sum(CASE WHEN billable THEN minutes END), 0),
                        coalesce(sum(CASE WHEN billable THEN 0 ELSE minutes END), 0),
                        coalesce(sum(CASE WHEN billable THEN units END), 0),
                        coalesce(sum(CASE WHEN billable THEN value_pence END), 0)
                 FROM time_entries WHERE matter_id = ?1 AND bill_id IS NULL",
            [matter_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )?;
        let estimate: Option<i64> = self.store.conn().query_row(
            "SELECT estimate_pence FROM matters WHERE number = ?1",
            [number.get()],
            |r| r.get(0),
        )?;
        let warning = estimate.filter(|e| value > *e).map(|e| {
            format!(
                "Work in progress of {} has passed the estimate of {} given to the client: tell the client and give a revised estimate.",
                Money::from_pence(value),
                Money::from_pence(e)
            )
        });
        let (disbursements, expenses) = self.unbilled_costs(number)?;
        Ok(api::Wip {
            disbursements_pence: disbursements,
            disbursements: Money::from_pence(disbursements).to_string(),
            expenses_pence: expenses,
            expenses: Money::from_pence(expenses).to_string(),
            matter_number: number.to_string(),
            entries: entries as u64,
            billable_minutes: billable_minutes as u64,
            non_billable_minutes: non_billable_minutes as u64,
            billable_units: billable_units as u64,
            value_pence: value,
            value: Money::from_pence(value).to_string(),
            estimate_pence: estimate,
            estimate: estimate.map(|e| Money::from_pence(e).to_string()),
            warning,
        })
    }

    /// The rate time on this matter is charged at: the matter's own, else the fee earner's.
    fn rate_for(&self, matter_id: &str) -> Result<Money, AppError> {
        let own: Option<i64> = self.store.conn().query_row(
            "SELECT rate_pence FROM matters WHERE id = ?1",
            [matter_id],
            |r| r.get(0),
        )?;
        match own {
            Some(p) => Ok(Money::from_pence(p)),
            None => self.my_rate(),
        }
    }

    /// Set a matter's own rate and the estimate given to the client.
    /// Work in progress per fee earner (who recorded the time), across every matter held
    /// on this device, largest first: time not yet billed.
    pub fn wip_by_fee_earner(&self) -> Result<Vec<api::FeeEarnerWip>, AppError> {
        let mut stmt = self.store.conn().prepare_cached(
            "SELECT u.initials, u.name, count(DISTINCT t.matter_id), count(*),
                    coalesce(sum(CASE WHEN t.billable THEN t.minutes END), 0),
                    coalesce(sum(CASE WHEN t.billable THEN t.value_pence END), 0)
             FROM time_entries t JOIN users u ON u.id = t.user_id
             WHERE t.bill_id IS NULL
             GROUP BY t.user_id ORDER BY 6 DESC, u.initials",
        )?;
        let rows = stmt.query_map([], |r| {
            let value: i64 = r.get(5)?;
            Ok(api::FeeEarnerWip {
                initials: r.get(0)?,
                name: r.get(1)?,
                matters: r.get::<_, i64>(2)? as u64,
                entries: r.get::<_, i64>(3)? as u64,
                billable_minutes: r.get::<_, i64>(4)? as u64,
                value_pence: value,
                value: Money::from_pence(value).to_string(),
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn set_matter_terms(
        &mut self,
        req: &api::MatterTermsRequest,
    ) -> Result<api::Wip, AppError> {
        self.require_editor("change matters")?;
        let (matter_id, number) = resolve_matter(self.store.conn(), &req.matter)?;
        let parse = |field: &'static str,
                     text: &Option<String>|
         -> Result<Option<Option<i64>>, AppError> {
            match text.as_deref().map(str::trim) {
                None => Ok(None),
                Some("") => Ok(Some(None)),
                Some(t) => {
                    let m = Money::parse(t).map_err(|e| Invalid::new(field, e.to_string()))?;
                    if m.pence() < 0 || m.pence() > 100_000_000_000 {
                        return Err(
                            Invalid::new(field, "must be between £0 and £1,000,000,000").into()
                        );
                    }
                    Ok(Some(Some(m.pence())))
                }
            }
        };
        let rate = parse("rate", &req.rate)?;
        let estimate = parse("estimate", &req.estimate)?;
        if rate.is_none() && estimate.is_none() {
            return Err(Invalid::new("rate", "or an estimate is needed: nothing to change").into());
        }
        self.write(
            "matter.terms",
            &format!("matter:{matter_id}"),
            |tx, at, actor| {
                crate::update_matter(tx, &matter_id, actor, at, "set terms", |m| {
                    if let Some(r) = rate {
                        m.rate_pence = r;
                    }
                    if let Some(e) = estimate {
                        m.estimate_pence = e;
                    }
                })?;
                Ok(serde_json::json!({ "rate_pence": rate, "estimate_pence": estimate }))
            },
        )?;
        self.wip(&number.to_string())
    }
}

const TIME_SELECT: &str =
    "SELECT t.id, m.number, coalesce(u.initials, '?'), t.date, t.minutes, t.units, t.billable,
        t.activity, t.description, t.rate_pence, t.value_pence
 FROM time_entries t JOIN matters m ON m.id = t.matter_id LEFT JOIN users u ON u.id = t.user_id";

fn time_row(
    r: &satchel_store::rusqlite::Row<'_>,
) -> satchel_store::rusqlite::Result<api::TimeEntry> {
    Ok(api::TimeEntry {
        id: r.get(0)?,
        matter_number: satchel_core::matter::MatterNumber::new(r.get(1)?).to_string(),
        fee_earner: r.get(2)?,
        date: r.get(3)?,
        minutes: r.get(4)?,
        units: r.get(5)?,
        billable: r.get(6)?,
        activity: r.get(7)?,
        description: r.get(8)?,
        rate_pence: r.get(9)?,
        value_pence: r.get(10)?,
        value: Money::from_pence(r.get(10)?).to_string(),
    })
}

/// The id of the entry written, and what the audit event says of it.
struct Recorded(String, serde_json::Value);

impl crate::WriteOutcome for Recorded {
    fn audit_detail(&self) -> serde_json::Value {
        self.1.clone()
    }
}

/// Append a time entry to the matter's document and project it, inside the caller's write.
fn write_entry(
    tx: &Transaction<'_>,
    at: Timestamp,
    actor: &automerge::ActorId,
    user_id: &str,
    rate: Money,
    e: &Entry,
) -> Result<Recorded, AppError> {
    let unit_minutes = crate::firmdoc::unit_minutes(tx)?;
    let units = rules::units(e.minutes, unit_minutes);
    // Value is charged on whole units: 7 minutes in 6-minute units is 12 minutes' worth.
    let value = if e.billable {
        rules::value(units * unit_minutes, rate)
    } else {
        Money::ZERO
    };
    let rec = docs::TimeRec {
        id: Uuid::now_v7().to_string(),
        user_id: user_id.to_owned(),
        date: e.date.to_string(),
        minutes: u64::from(e.minutes),
        unit_minutes: u64::from(unit_minutes),
        units: u64::from(units),
        billable: e.billable,
        activity: e.activity.as_str().into(),
        description: e.description.clone(),
        rate_pence: rate.pence(),
        value_pence: value.pence(),
    };
    crate::update_matter(tx, &e.matter_id, actor, at, "record time", |m| {
        m.time.push(rec.clone());
    })?;
    Ok(Recorded(
        rec.id.clone(),
        serde_json::json!({ "entry": rec.id, "minutes": e.minutes, "units": units, "value_pence": value.pence() }),
    ))
}
