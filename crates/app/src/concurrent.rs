//! Concurrent values: a field of a matter that two devices set apart holds both values once
//! their work is merged. Automerge shows one (the same on every device) and keeps the
//! other; the matter page shows both and lets a person choose, and the choice is a new
//! change that replaces both everywhere.

use crate::contacts::resolve_matter;
use crate::{AppError, Satchel, docs, projection};
use automerge::{ROOT, ReadDoc, ScalarValue, Value, transaction::Transactable};
use satchel_api as api;
use satchel_core::{Invalid, Money};
use satchel_store::rusqlite::{Connection, OptionalExtension};

/// The matter's own fields a person sets, with their labels.
const FIELDS: [(&str, &str); 8] = [
    ("client_name", "Client"),
    ("description", "Description"),
    ("status", "Status"),
    ("practice_area", "Practice area"),
    ("fee_earner", "Fee earner"),
    ("supervisor", "Supervisor"),
    ("rate_pence", "Hourly rate"),
    ("estimate_pence", "Estimate"),
];

/// A value as a person reads it: a user by initials, money in pounds.
fn shown(conn: &Connection, field: &str, value: &Value<'_>) -> Result<String, AppError> {
    let Value::Scalar(s) = value else {
        return Ok("(a list or map)".into());
    };
    Ok(match (field, s.as_ref()) {
        (_, ScalarValue::Null) => "(none)".into(),
        ("fee_earner" | "supervisor", ScalarValue::Str(id)) => conn
            .query_row(
                "SELECT name || ' (' || initials || ')' FROM users WHERE id = ?1",
                [id.as_str()],
                |r| r.get(0),
            )
            .optional()?
            .unwrap_or_else(|| id.to_string()),
        ("rate_pence" | "estimate_pence", ScalarValue::Int(p)) => Money::from_pence(*p).to_string(),
        (_, ScalarValue::Str(t)) => t.to_string(),
        (_, other) => other.to_string(),
    })
}

impl Satchel {
    /// The fields of a matter holding values set apart on two devices, each with its values
    /// (the one shown now marked).
    pub fn matter_conflicts(&self, matter: &str) -> Result<Vec<api::FieldConflict>, AppError> {
        let conn = self.store.conn();
        let (id, _) = resolve_matter(conn, matter)?;
        let doc = docs::load(conn, &id)?
            .ok_or_else(|| AppError::Document(format!("matter {id} has no document")))?;
        let mut out = Vec::new();
        for (field, label) in FIELDS {
            let all = doc.get_all(ROOT, field)?;
            if all.len() < 2 {
                continue;
            }
            let winner = doc.get(ROOT, field)?.map(|(_, id)| id);
            out.push(api::FieldConflict {
                field: field.into(),
                label: label.into(),
                values: all
                    .iter()
                    .map(|(v, _)| shown(conn, field, v))
                    .collect::<Result<_, _>>()?,
                showing: all
                    .iter()
                    .position(|(_, id)| Some(id) == winner.as_ref())
                    .and_then(|i| u32::try_from(i).ok())
                    .unwrap_or(0),
            });
        }
        Ok(out)
    }

    /// Keep one of a field's concurrent values (by its place in the list
    /// [`Satchel::matter_conflicts`] gave): written again as a new change, which replaces
    /// them all on every device once it syncs.
    pub fn resolve_conflict(
        &mut self,
        req: &api::ResolveConflictRequest,
    ) -> Result<Vec<api::FieldConflict>, AppError> {
        self.require_editor("change matters")?;
        let (matter_id, _) = resolve_matter(self.store.conn(), &req.matter)?;
        let Some((field, _)) = FIELDS.iter().find(|(f, _)| *f == req.field) else {
            return Err(
                Invalid::new("field", format!("'{}' is not a matter field", req.field)).into(),
            );
        };
        let choice = req.choice as usize;
        self.write::<serde_json::Value>(
            "matter.resolve",
            &format!("matter:{matter_id}"),
            |tx, at, actor| {
                let mut updated = None;
                docs::change(
                    tx,
                    &matter_id,
                    docs::KIND_MATTER,
                    actor,
                    at,
                    &format!("choose the {field}"),
                    |d| {
                        let before: docs::MatterDoc = autosurgeon::hydrate(d)?;
                        let all = d.get_all(ROOT, *field)?;
                        if all.len() < 2 {
                            return Err(Invalid::new(
                                "field",
                                "holds one value now: there is nothing to choose",
                            )
                            .into());
                        }
                        let Some((Value::Scalar(v), _)) = all.get(choice) else {
                            return Err(Invalid::new(
                                "choice",
                                format!("must be one of the {} values shown", all.len()),
                            )
                            .into());
                        };
                        let v = v.clone().into_owned();
                        d.put(ROOT, *field, v)?;
                        let after: docs::MatterDoc = autosurgeon::hydrate(d)?;
                        updated = Some((before, after));
                        Ok(())
                    },
                )?;
                let (before, after) = updated
                    .ok_or_else(|| AppError::Document("the matter was not changed".into()))?;
                projection::matter(tx, Some(&before), &after)?;
                // The field chosen, never its value (the audit trail holds no client data).
                Ok(serde_json::json!({ "field": field, "choice": choice }))
            },
        )?;
        self.matter_conflicts(&matter_id)
    }
}
