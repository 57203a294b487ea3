//! A matter's life (open, closed, archived), who runs it, and its tasks.

use crate::contacts::resolve_matter;
use crate::{AppError, Satchel, docs};
use jiff::Timestamp;
use satchel_api as api;
use satchel_core::Invalid;
use satchel_core::dates;
use satchel_core::matter::{self as rules, MatterNumber, MatterStatus};
use satchel_store::rusqlite::params_from_iter;
use uuid::Uuid;

/// The longest look-ahead for the task list.
const MAX_TASK_DAYS: u32 = 366;

impl Satchel {
    /// Close, reopen, archive or un-archive a matter. Closing records the date (today, or
    /// an earlier date given, not before the matter opened); archiving needs a closed matter.
    pub fn set_matter_status(
        &mut self,
        req: &api::MatterStatusRequest,
    ) -> Result<api::Matter, AppError> {
        self.require_editor("close or archive matters")?;
        let to = MatterStatus::parse(&req.status)?;
        let today = dates::london_date(Timestamp::now());
        let on = dates::on_or_before_today("on", req.on.as_deref().unwrap_or_default(), today)?;
        let (matter_id, number) = resolve_matter(self.store.conn(), &req.matter)?;
        self.write(
            "matter.status",
            &format!("matter:{matter_id}"),
            |tx, at, actor| {
                let mut from = None;
                crate::try_update_matter(tx, &matter_id, actor, at, "change status", |m| {
                    let current = MatterStatus::parse(&m.status)?;
                    current.check_move(to)?;
                    let opened: jiff::civil::Date = m.opened.parse().map_err(|_| {
                        AppError::Document(format!("{number} has a bad opening date {}", m.opened))
                    })?;
                    if on < opened {
                        return Err(Invalid::new(
                            "on",
                            format!("{on} is before {number} was opened ({opened})"),
                        )
                        .into());
                    }
                    match (current, to) {
                        (MatterStatus::Open, MatterStatus::Closed) => {
                            m.closed_on = Some(on.to_string())
                        }
                        (MatterStatus::Closed, MatterStatus::Open) => m.closed_on = None,
                        (MatterStatus::Closed, MatterStatus::Archived) => {
                            m.archived_on = Some(on.to_string())
                        }
                        (MatterStatus::Archived, MatterStatus::Closed) => m.archived_on = None,
                        _ => {}
                    }
                    m.status = to.as_str().into();
                    from = Some(current);
                    Ok(())
                })?;
                Ok(serde_json::json!({
                    "from": from.map(MatterStatus::as_str),
                    "to": to.as_str(),
                    "on": on.to_string(),
                }))
            },
        )?;
        self.matter(&matter_id)
    }

    /// Change a matter's practice area, fee earner or supervisor.
    pub fn set_matter_details(
        &mut self,
        req: &api::MatterDetailsRequest,
    ) -> Result<api::Matter, AppError> {
        self.require_editor("change matters")?;
        let (matter_id, _) = resolve_matter(self.store.conn(), &req.matter)?;
        let area = req
            .practice_area
            .as_deref()
            .map(rules::practice_area)
            .transpose()?;
        let fee_earner = match req.fee_earner.as_deref() {
            Some(i) => Some(self.user_by_initials("fee_earner", i)?),
            None => None,
        };
        let supervisor = match req.supervisor.as_deref().map(str::trim) {
            Some("") => Some(None),
            Some(i) => Some(Some(self.user_by_initials("supervisor", i)?)),
            None => None,
        };
        self.write(
            "matter.details",
            &format!("matter:{matter_id}"),
            |tx, at, actor| {
                let mut changed = Vec::new();
                crate::try_update_matter(tx, &matter_id, actor, at, "change details", |m| {
                    if let Some(a) = area {
                        m.practice_area = Some(a);
                        changed.push("practice_area");
                    }
                    if let Some(f) = fee_earner {
                        if m.supervisor.as_deref() == Some(f.as_str()) && supervisor.is_none() {
                            return Err(Invalid::new(
                                "fee_earner",
                                "is the matter's supervisor; a matter needs a different supervisor",
                            )
                            .into());
                        }
                        m.fee_earner = Some(f);
                        changed.push("fee_earner");
                    }
                    if let Some(s) = supervisor {
                        m.supervisor = s;
                        changed.push("supervisor");
                    }
                    if m.supervisor.is_some() && m.supervisor == m.fee_earner {
                        return Err(Invalid::new(
                            "supervisor",
                            "must be someone other than the fee earner",
                        )
                        .into());
                    }
                    Ok(())
                })?;
                Ok(serde_json::json!({ "changed": changed }))
            },
        )?;
        self.matter(&matter_id)
    }

    /// Give someone (by initials; empty for me) a task on a matter, due on a date.
    pub fn add_task(&mut self, req: &api::NewTaskRequest) -> Result<api::Task, AppError> {
        self.require_editor("add tasks")?;
        let title = rules::task_title(&req.title)?;
        let due = dates::parse_optional("due", &req.due)?
            .ok_or_else(|| Invalid::new("due", "is required (YYYY-MM-DD)"))?;
        if due.year() < 1900 || due.year() > 2200 {
            return Err(Invalid::new("due", format!("{due} is not plausible")).into());
        }
        let assignee = match req.assignee.trim() {
            "" => self.ctx.user_id.clone(),
            i => self.user_by_initials("assignee", i)?,
        };
        let (matter_id, number) = resolve_matter(self.store.conn(), &req.matter)?;
        let status: String = self.store.conn().query_row(
            "SELECT status FROM matters WHERE id = ?1",
            [&matter_id],
            |r| r.get(0),
        )?;
        if status != MatterStatus::Open.as_str() {
            return Err(Invalid::new(
                "matter",
                format!("{number} is {status}: reopen it to add tasks"),
            )
            .into());
        }
        let rec = docs::TaskRec {
            id: Uuid::now_v7().to_string(),
            title,
            assignee,
            due: due.to_string(),
            done_on: None,
            created_by: self.ctx.user_id.clone(),
        };
        self.write(
            "task.add",
            &format!("matter:{matter_id}"),
            |tx, at, actor| {
                crate::update_matter(tx, &matter_id, actor, at, "add task", |m| {
                    m.tasks.push(rec.clone());
                })?;
                Ok(serde_json::json!({ "task": rec.id, "due": rec.due }))
            },
        )?;
        self.tasks_where("t.id = ?1", &[rec.id.as_str()])?
            .pop()
            .ok_or_else(|| AppError::Document("the task was not kept".into()))
    }

    /// Mark a task done today.
    pub fn complete_task(&mut self, task_id: &str) -> Result<api::Task, AppError> {
        self.require_editor("complete tasks")?;
        let task = self
            .tasks_where("t.id = ?1", &[task_id.trim()])?
            .pop()
            .ok_or_else(|| Invalid::new("task", format!("'{task_id}' is not a task")))?;
        if let Some(on) = &task.done_on {
            return Err(Invalid::new("task", format!("was already done on {on}")).into());
        }
        let today = dates::london_date(Timestamp::now()).to_string();
        let matter_id = task.matter_id.clone();
        self.write(
            "task.done",
            &format!("matter:{matter_id}"),
            |tx, at, actor| {
                crate::update_matter(tx, &matter_id, actor, at, "complete task", |m| {
                    if let Some(t) = m.tasks.iter_mut().find(|t| t.id == task.id) {
                        t.done_on = Some(today.clone());
                    }
                })?;
                Ok(serde_json::json!({ "task": task.id }))
            },
        )?;
        self.tasks_where("t.id = ?1", &[task.id.as_str()])?
            .pop()
            .ok_or_else(|| AppError::Document("the task was not kept".into()))
    }

    /// A matter's tasks (all, due order), or someone's open tasks due within `days`
    /// (overdue included).
    pub fn list_tasks(&self, q: &api::TaskQuery) -> Result<Vec<api::Task>, AppError> {
        if let Some(m) = q.matter.as_deref().filter(|m| !m.trim().is_empty()) {
            let (matter_id, _) = resolve_matter(self.store.conn(), m)?;
            return self.tasks_where("t.matter_id = ?1", &[matter_id.as_str()]);
        }
        let assignee = match q.assignee.as_deref().map(str::trim) {
            Some(i) if !i.is_empty() => self.user_by_initials("assignee", i)?,
            _ => self.ctx.user_id.clone(),
        };
        let days = q.days.unwrap_or(14);
        if days == 0 || days > MAX_TASK_DAYS {
            return Err(
                Invalid::new("days", format!("must be between 1 and {MAX_TASK_DAYS}")).into(),
            );
        }
        let today = dates::london_date(Timestamp::now());
        let until = today
            .checked_add(jiff::Span::new().days(i64::from(days)))
            .map_err(|e| Invalid::new("days", e.to_string()))?
            .to_string();
        self.tasks_where(
            "t.done_on IS NULL AND t.assignee_id = ?1 AND t.due <= ?2",
            &[assignee.as_str(), until.as_str()],
        )
    }

    /// A user's open tasks, soonest first.
    pub(crate) fn open_tasks_of(&self, user_id: &str) -> Result<Vec<api::Task>, AppError> {
        self.tasks_where("t.done_on IS NULL AND t.assignee_id = ?1", &[user_id])
    }

    fn tasks_where(&self, cond: &str, args: &[&str]) -> Result<Vec<api::Task>, AppError> {
        let sql = format!(
            "SELECT t.id, t.matter_id, m.number, t.title, coalesce(u.initials, '?'), t.due, t.done_on
             FROM tasks t JOIN matters m ON m.id = t.matter_id LEFT JOIN users u ON u.id = t.assignee_id
             WHERE {cond} ORDER BY t.done_on IS NOT NULL, t.due, t.title"
        );
        let mut stmt = self.store.conn().prepare_cached(&sql)?;
        let rows = stmt.query_map(params_from_iter(args), |r| {
            Ok(api::Task {
                id: r.get(0)?,
                matter_id: r.get(1)?,
                matter_number: MatterNumber::new(r.get(2)?).to_string(),
                title: r.get(3)?,
                assignee: r.get(4)?,
                due: r.get(5)?,
                done_on: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
