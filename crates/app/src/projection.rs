//! The relational projections of the documents: what reads and search use. Each function
//! here writes the rows for one document from its current state, so the same code serves the
//! write path and a full rebuild.

use crate::AppError;
use crate::docs::{ContactDoc, FirmDoc, MatterDoc};
use satchel_core::conflict::NameKey;
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
            "INSERT INTO users (id, name, initials, role, rate_pence) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![id, u.name, u.initials, u.role, u.rate_pence],
        )?;
    }
    Ok(())
}

pub fn matter(tx: &Transaction<'_>, doc: &MatterDoc) -> Result<(), AppError> {
    tx.execute(
        "INSERT INTO matters (id, number, client_name, description, opened, status, opened_by, client_key,
             rate_pence, estimate_pence)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT(id) DO UPDATE SET number = excluded.number, client_name = excluded.client_name,
             description = excluded.description, opened = excluded.opened,
             status = excluded.status, opened_by = excluded.opened_by, client_key = excluded.client_key,
             rate_pence = excluded.rate_pence, estimate_pence = excluded.estimate_pence",
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
            doc.opened_by,
            NameKey::new(&doc.client_name).as_stored(),
            doc.rate_pence,
            doc.estimate_pence
        ],
    )?;
    tx.execute("DELETE FROM time_entries WHERE matter_id = ?1", [&doc.id])?;
    for t in &doc.time {
        tx.execute(
            "INSERT INTO time_entries (id, matter_id, user_id, date, minutes, unit_minutes, units, billable,
                 activity, description, rate_pence, value_pence)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            params![
                t.id,
                doc.id,
                t.user_id,
                t.date,
                t.minutes as i64,
                t.unit_minutes as i64,
                t.units as i64,
                t.billable,
                t.activity,
                t.description,
                t.rate_pence,
                t.value_pence
            ],
        )?;
    }
    tx.execute("DELETE FROM expenses WHERE matter_id = ?1", [&doc.id])?;
    for x in &doc.expenses {
        tx.execute(
            "INSERT INTO expenses (id, matter_id, user_id, date, kind, description, net_pence, vat_pence)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![x.id, doc.id, x.user_id, x.date, x.kind, x.description, x.net_pence, x.vat_pence],
        )?;
    }
    tx.execute("DELETE FROM notes WHERE matter_id = ?1", [&doc.id])?;
    for n in &doc.notes {
        tx.execute(
            "INSERT INTO notes (id, matter_id, at, author_id, kind, title, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![n.id, doc.id, n.at, n.author_id, n.kind, n.title, n.body],
        )?;
    }
    tx.execute("DELETE FROM key_dates WHERE matter_id = ?1", [&doc.id])?;
    for k in &doc.key_dates {
        tx.execute(
            "INSERT INTO key_dates (id, matter_id, kind, date, title, reminder_days, reminder_on, created_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                k.id,
                doc.id,
                k.kind,
                k.date,
                k.title,
                k.reminder_days as i64,
                k.reminder_on,
                k.created_by
            ],
        )?;
    }
    tx.execute("DELETE FROM matter_parties WHERE matter_id = ?1", [&doc.id])?;
    for p in &doc.parties {
        tx.execute(
            "INSERT OR IGNORE INTO matter_parties (matter_id, contact_id, role) VALUES (?1, ?2, ?3)",
            params![doc.id, p.contact_id, p.role],
        )?;
    }
    Ok(())
}

pub fn contact(tx: &Transaction<'_>, doc: &ContactDoc) -> Result<(), AppError> {
    tx.execute(
        "INSERT INTO contacts (id, kind, name, name_key, email, phone, address, postcode, date_of_birth, company_number)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT(id) DO UPDATE SET kind = excluded.kind, name = excluded.name, name_key = excluded.name_key,
             email = excluded.email, phone = excluded.phone, address = excluded.address,
             postcode = excluded.postcode, date_of_birth = excluded.date_of_birth,
             company_number = excluded.company_number",
        params![
            doc.id,
            doc.contact_kind,
            doc.name,
            NameKey::new(&doc.name).as_stored(),
            doc.email,
            doc.phone,
            doc.address,
            doc.postcode,
            doc.date_of_birth,
            doc.company_number
        ],
    )?;
    Ok(())
}
