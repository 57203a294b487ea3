//! The firm document: its users and its settings (the time unit).

use crate::{AppError, Satchel, docs, projection};
use satchel_api as api;
use satchel_core::firm::{self, Role};
use satchel_core::time as rules;
use satchel_core::{Invalid, Money};
use satchel_store::rusqlite::{Connection, OptionalExtension, Transaction};
use uuid::Uuid;

/// The firm's time unit in minutes, as projected (6 until the firm chooses otherwise).
pub(crate) fn unit_minutes(conn: &Connection) -> Result<u32, AppError> {
    let v: Option<String> = conn
        .query_row(
            "SELECT value FROM meta WHERE key = 'unit_minutes'",
            [],
            |r| r.get(0),
        )
        .optional()?;
    Ok(v.and_then(|v| v.parse().ok())
        .unwrap_or(rules::DEFAULT_UNIT_MINUTES))
}

/// Change the firm document as one commit and re-project it, inside the caller's write.
pub(crate) fn update_firm(
    tx: &Transaction<'_>,
    firm_doc: &str,
    actor: &automerge::ActorId,
    at: jiff::Timestamp,
    message: &str,
    f: impl FnOnce(&mut docs::FirmDoc) -> Result<(), AppError>,
) -> Result<(), AppError> {
    let mut updated = None;
    docs::change(tx, firm_doc, docs::KIND_FIRM, actor, at, message, |d| {
        let mut firm: docs::FirmDoc = autosurgeon::hydrate(d)?;
        f(&mut firm)?;
        autosurgeon::reconcile(d, &firm)?;
        updated = Some(firm);
        Ok(())
    })?;
    let firm = updated.ok_or_else(|| AppError::Document("the firm was not changed".into()))?;
    projection::firm(tx, &firm)
}

impl Satchel {
    pub(crate) fn require_manager(&self, what: &str) -> Result<(), AppError> {
        if matches!(self.ctx.role, Role::Admin | Role::Partner) {
            Ok(())
        } else {
            Err(AppError::Forbidden(format!(
                "only an admin or a partner may {what}"
            )))
        }
    }

    /// Everyone in the firm, by initials.
    pub fn list_users(&self) -> Result<Vec<api::User>, AppError> {
        let mut stmt = self
            .store
            .conn()
            .prepare_cached("SELECT id, name, initials, role FROM users ORDER BY initials")?;
        let rows = stmt.query_map([], |r| {
            Ok(api::User {
                id: r.get(0)?,
                name: r.get(1)?,
                initials: r.get(2)?,
                role: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// A user's id from their initials; `field` names the input in the refusal.
    pub(crate) fn user_by_initials(
        &self,
        field: &'static str,
        initials: &str,
    ) -> Result<String, AppError> {
        let wanted = firm::initials(initials).map_err(|e| Invalid::new(field, e.message))?;
        self.store
            .conn()
            .query_row("SELECT id FROM users WHERE initials = ?1", [&wanted], |r| {
                r.get(0)
            })
            .optional()?
            .ok_or_else(|| {
                Invalid::new(field, format!("{wanted} is not anyone in the firm")).into()
            })
    }

    /// Add a person to the firm (a fee earner, supervisor or assignee). Their own devices
    /// are enrolled through the firm server.
    pub fn add_user(
        &mut self,
        name: &str,
        initials: &str,
        role: &str,
        rate: &str,
    ) -> Result<api::User, AppError> {
        self.require_manager("add people to the firm")?;
        let name = firm::person_name("name", name)?;
        let initials = firm::initials(initials)?;
        let role = Role::parse(role)?;
        let rate = if rate.trim().is_empty() {
            Money::from_pence(0)
        } else {
            Money::parse(rate).map_err(|e| Invalid::new("rate", e.to_string()))?
        };
        if rate.pence() < 0 {
            return Err(Invalid::new("rate", "cannot be negative").into());
        }
        let taken: Option<String> = self
            .store
            .conn()
            .query_row(
                "SELECT name FROM users WHERE initials = ?1",
                [&initials],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(who) = taken {
            return Err(Invalid::new("initials", format!("{initials} are already {who}'s")).into());
        }
        let id = Uuid::now_v7().to_string();
        let firm_doc = self.ctx.firm_doc.clone();
        let user = api::User {
            id: id.clone(),
            name,
            initials,
            role: role.as_str().into(),
        };
        let rec = docs::UserRec {
            name: user.name.clone(),
            initials: user.initials.clone(),
            role: user.role.clone(),
            rate_pence: rate.pence(),
        };
        self.write("user.add", &format!("user:{id}"), |tx, at, actor| {
            update_firm(tx, &firm_doc, actor, at, "add user", |f| {
                f.users.insert(id.clone(), rec);
                Ok(())
            })?;
            Ok(serde_json::json!({ "role": role.as_str() }))
        })?;
        Ok(user)
    }

    /// Change a person's role (admins and partners). The firm keeps at least one admin or
    /// partner: the last one's role does not change. Recorded as a permission change.
    pub fn set_user_role(&mut self, initials: &str, role: &str) -> Result<api::User, AppError> {
        self.require_manager("change people's roles")?;
        let id = self.user_by_initials("initials", initials)?;
        let role = Role::parse(role)?;
        let users = self.list_users()?;
        let managers = |u: &api::User| matches!(u.role.as_str(), "admin" | "partner");
        let before = users
            .iter()
            .find(|u| u.id == id)
            .cloned()
            .ok_or_else(|| Invalid::new("initials", "is not anyone in the firm"))?;
        if managers(&before)
            && !matches!(role, Role::Admin | Role::Partner)
            && users.iter().filter(|u| managers(u)).count() == 1
        {
            return Err(Invalid::new(
                "role",
                format!(
                    "{} is the firm's only admin or partner; make someone else one first",
                    before.name
                ),
            )
            .into());
        }
        let firm_doc = self.ctx.firm_doc.clone();
        let (was, now) = (before.role.clone(), role.as_str().to_owned());
        self.write("user.role", &format!("user:{id}"), |tx, at, actor| {
            update_firm(tx, &firm_doc, actor, at, "change role", |f| {
                let rec = f.users.get_mut(&id).ok_or_else(|| {
                    AppError::Document("the person is not in the firm's document".into())
                })?;
                rec.role.clone_from(&now);
                Ok(())
            })?;
            Ok(serde_json::json!({ "from": was, "to": now }))
        })?;
        Ok(api::User {
            role: role.as_str().into(),
            ..before
        })
    }

    /// The firm's time unit in minutes.
    pub fn unit_minutes(&self) -> Result<u32, AppError> {
        unit_minutes(self.store.conn())
    }

    /// Set the firm's time unit (minutes that divide an hour). Entries already recorded
    /// keep the unit they were recorded in.
    pub fn set_unit_minutes(&mut self, minutes: i64) -> Result<u32, AppError> {
        self.require_manager("change the time unit")?;
        let unit = rules::unit_minutes(minutes)?;
        let firm_doc = self.ctx.firm_doc.clone();
        self.write(
            "firm.unit_minutes",
            &format!("firm:{firm_doc}"),
            |tx, at, actor| {
                update_firm(tx, &firm_doc, actor, at, "set time unit", |f| {
                    f.unit_minutes = Some(u64::from(unit));
                    Ok(())
                })?;
                Ok(serde_json::json!({ "unit_minutes": unit }))
            },
        )?;
        Ok(unit)
    }
}

/// The ids of the breaches in the firm's document, as projected.
pub(crate) fn breach_ids(
    tx: &Transaction<'_>,
) -> Result<std::collections::HashSet<String>, AppError> {
    let mut stmt = tx.prepare_cached("SELECT id FROM breaches")?;
    let ids = stmt
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<Result<_, _>>()?;
    Ok(ids)
}
