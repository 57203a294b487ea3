//! The relational projections of the documents: what reads and search use. Each function
//! here writes the rows for one document from its current state, so the same code serves the
//! write path and a full rebuild.

use crate::AppError;
use crate::docs::{FirmDoc, MatterDoc};
use satchel_store::rusqlite::{Transaction, params};

pub fn firm(tx: &Transaction<'_>, doc: &FirmDoc) -> Result<(), AppError> {
    tx.execute(
        "INSERT INTO meta (key, value) VALUES ('firm_name', ?1)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        [&doc.firm_name],
    )?;
    tx.execute("DELETE FROM users", [])?;
    for (id, u) in &doc.users {
        tx.execute(
            "INSERT INTO users (id, name, initials, role) VALUES (?1, ?2, ?3, ?4)",
            params![id, u.name, u.initials, u.role],
        )?;
    }
    Ok(())
}

pub fn matter(tx: &Transaction<'_>, doc: &MatterDoc) -> Result<(), AppError> {
    tx.execute(
        "INSERT INTO matters (id, number, client_name, description, opened, status, opened_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT(id) DO UPDATE SET number = excluded.number, client_name = excluded.client_name,
             description = excluded.description, opened = excluded.opened,
             status = excluded.status, opened_by = excluded.opened_by",
        params![
            doc.id,
            i64::try_from(doc.number).map_err(|_| AppError::Document(format!(
                "matter number {} is out of range",
                doc.number
            )))?,
            doc.client_name,
            doc.description,
            doc.opened,
            doc.status,
            doc.opened_by
        ],
    )?;
    Ok(())
}
