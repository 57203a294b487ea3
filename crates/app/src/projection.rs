//! The relational projections of the documents: what reads and search use. Each function
//! here writes the rows for one document from its current state, so the same code serves the
//! write path and a full rebuild.

use crate::AppError;
use crate::docs::{ContactDoc, FirmDoc, MatterDoc};
use satchel_core::conflict::NameKey;
use satchel_core::matter::MatterNumber;
use satchel_store::rusqlite::{OptionalExtension, Transaction, params};
use std::collections::HashMap;

pub fn firm(tx: &Transaction<'_>, doc: &FirmDoc) -> Result<(), AppError> {
    tx.execute(
        "INSERT INTO meta (key, value) VALUES ('firm_name', ?1)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        [&doc.firm_name],
    )?;
    match doc.unit_minutes {
        Some(u) => tx.execute(
            "INSERT INTO meta (key, value) VALUES ('unit_minutes', ?1)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [u.to_string()],
        )?,
        None => tx.execute("DELETE FROM meta WHERE key = 'unit_minutes'", [])?,
    };
    tx.execute("DELETE FROM bank_accounts", [])?;
    for (id, a) in &doc.accounts {
        tx.execute(
            "INSERT INTO bank_accounts (id, kind, name, sort_code, account_number, opening_pence, opened_on)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![id, a.kind, a.name, a.sort_code, a.account_number, a.opening_balance_pence, a.opened_on],
        )?;
    }
    crate::money::project_openings(tx, &doc.accounts)?;
    match doc.second_authoriser_above_pence {
        Some(p) => tx.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            params![crate::money::SECOND_AUTHORISER_KEY, p.to_string()],
        )?,
        None => tx.execute(
            "DELETE FROM meta WHERE key = ?1",
            [crate::money::SECOND_AUTHORISER_KEY],
        )?,
    };
    tx.execute("DELETE FROM breaches", [])?;
    for b in &doc.breaches {
        tx.execute(
            // Two devices that found the same overdraft apart each logged it under the
            // same id: one breach.
            "INSERT OR IGNORE INTO breaches (id, date, matter_number, description, automatic, recorded_by, recorded_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![b.id, b.date, b.matter_number.map(|n| n as i64), b.description, b.automatic, b.recorded_by, b.recorded_at],
        )?;
    }
    tx.execute("DELETE FROM residuals", [])?;
    for r in &doc.residuals {
        tx.execute(
            "INSERT INTO residuals (id, matter_number, owner, amount_pence, tracing_steps, charity,
                 charity_number, sra_authority, date, recorded_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![
                r.id,
                r.matter_number as i64,
                r.owner,
                r.amount_pence,
                r.tracing_steps,
                r.charity,
                r.charity_number,
                r.sra_authority,
                r.date,
                r.recorded_by
            ],
        )?;
    }
    tx.execute("DELETE FROM users", [])?;
    for (id, u) in &doc.users {
        tx.execute(
            "INSERT INTO users (id, name, initials, role, rate_pence) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![id, u.name, u.initials, u.role, u.rate_pence],
        )?;
    }
    Ok(())
}

/// What a matter's rows were written from before.
#[derive(Clone, Copy)]
enum Before<'a> {
    /// Not known (a rebuild): every row of the matter is cleared and written again.
    Unknown,
    /// No rows: the matter is new to this store, so there is nothing to clear.
    Nothing,
    /// The document before this change: only what differs is touched.
    Was(&'a MatterDoc),
}

impl<'a> Before<'a> {
    fn list<T>(self, f: impl Fn(&'a MatterDoc) -> &'a [T]) -> Option<&'a [T]> {
        match self {
            Before::Unknown => None,
            Before::Nothing => Some(&[]),
            Before::Was(d) => Some(f(d)),
        }
    }
}

/// Write a matter's rows. With `old` (the document before this change), only the entries
/// that were added, changed or removed are touched, so a change to a matter with years of
/// time costs the same as one to a new matter; without it, every row is rewritten.
pub fn matter(
    tx: &Transaction<'_>,
    old: Option<&MatterDoc>,
    doc: &MatterDoc,
) -> Result<(), AppError> {
    matter_rows(tx, old.map_or(Before::Unknown, Before::Was), doc)
}

/// Write the rows of a matter new to this store (none of its rows can be here yet): each
/// entry is inserted, nothing looked for to clear first.
pub fn new_matter(tx: &Transaction<'_>, doc: &MatterDoc) -> Result<(), AppError> {
    matter_rows(tx, Before::Nothing, doc)
}

fn matter_rows(tx: &Transaction<'_>, old: Before<'_>, doc: &MatterDoc) -> Result<(), AppError> {
    let number = MatterNumber::new(u32::try_from(doc.number).map_err(|_| {
        AppError::Document(format!("matter number {} is out of range", doc.number))
    })?);
    let practice_area = doc.practice_area.as_deref().unwrap_or("general");
    let holder: Option<String> = tx
        .prepare_cached("SELECT id FROM matters WHERE number = ?1 AND id <> ?2")?
        .query_row(params![number.get(), doc.id], |r| r.get(0))
        .optional()?;
    if holder.is_some() {
        return Err(AppError::DuplicateNumber(number.to_string()));
    }
    tx.execute(
        "INSERT INTO matters (id, number, client_name, description, opened, status, opened_by, client_key,
             rate_pence, estimate_pence, practice_area, fee_earner_id, supervisor_id, closed_on, archived_on)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)
         ON CONFLICT(id) DO UPDATE SET number = excluded.number, client_name = excluded.client_name,
             description = excluded.description, opened = excluded.opened,
             status = excluded.status, opened_by = excluded.opened_by, client_key = excluded.client_key,
             rate_pence = excluded.rate_pence, estimate_pence = excluded.estimate_pence,
             practice_area = excluded.practice_area, fee_earner_id = excluded.fee_earner_id,
             supervisor_id = excluded.supervisor_id, closed_on = excluded.closed_on,
             archived_on = excluded.archived_on",
        params![
            doc.id,
            number.get(),
            doc.client_name,
            doc.description,
            doc.opened,
            doc.status,
            doc.opened_by,
            NameKey::new(&doc.client_name).as_stored(),
            doc.rate_pence,
            doc.estimate_pence,
            practice_area,
            doc.fee_earner.as_deref().unwrap_or(&doc.opened_by),
            doc.supervisor,
            doc.closed_on,
            doc.archived_on
        ],
    )?;
    index(
        tx,
        "matter",
        &doc.id,
        Some(&doc.id),
        &format!("{number} {}", doc.client_name),
        &format!("{} {practice_area}", doc.description),
    )?;
    let m = doc.id.as_str();
    rows(
        tx,
        old.list(|o| o.time.as_slice()),
        &doc.time,
        |t| &t.id,
        "DELETE FROM time_entries WHERE matter_id = ?1",
        |t| {
            tx.execute("DELETE FROM time_entries WHERE id = ?1", [&t.id])?;
            Ok(())
        },
        |t| {
            tx.prepare_cached(
                "INSERT INTO time_entries (id, matter_id, user_id, date, minutes, unit_minutes, units, billable,
                     activity, description, rate_pence, value_pence)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            )?
            .execute(params![
                t.id,
                m,
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
            ])?;
            Ok(())
        },
        m,
    )?;
    rows(
        tx,
        old.list(|o| o.expenses.as_slice()),
        &doc.expenses,
        |x| &x.id,
        "DELETE FROM expenses WHERE matter_id = ?1",
        |x| {
            tx.execute("DELETE FROM expenses WHERE id = ?1", [&x.id])?;
            Ok(())
        },
        |x| {
            tx.execute(
                "INSERT INTO expenses (id, matter_id, user_id, date, kind, description, net_pence, vat_pence)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![x.id, m, x.user_id, x.date, x.kind, x.description, x.net_pence, x.vat_pence],
            )?;
            Ok(())
        },
        m,
    )?;
    rows(
        tx,
        old.list(|o| o.notes.as_slice()),
        &doc.notes,
        |n| &n.id,
        "DELETE FROM notes WHERE matter_id = ?1",
        |n| {
            tx.execute("DELETE FROM notes WHERE id = ?1", [&n.id])?;
            unindex(tx, "note", &n.id)
        },
        |n| {
            tx.execute(
                "INSERT INTO notes (id, matter_id, at, author_id, kind, title, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![n.id, m, n.at, n.author_id, n.kind, n.title, n.body],
            )?;
            index(tx, "note", &n.id, Some(m), &n.title, &n.body)
        },
        m,
    )?;
    rows(
        tx,
        old.list(|o| o.key_dates.as_slice()),
        &doc.key_dates,
        |k| &k.id,
        "DELETE FROM key_dates WHERE matter_id = ?1",
        |k| {
            tx.execute("DELETE FROM key_dates WHERE id = ?1", [&k.id])?;
            Ok(())
        },
        |k| {
            tx.execute(
                "INSERT INTO key_dates (id, matter_id, kind, date, title, reminder_days, reminder_on, created_by)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![k.id, m, k.kind, k.date, k.title, k.reminder_days as i64, k.reminder_on, k.created_by],
            )?;
            Ok(())
        },
        m,
    )?;
    rows(
        tx,
        old.list(|o| o.tasks.as_slice()),
        &doc.tasks,
        |t| &t.id,
        "DELETE FROM tasks WHERE matter_id = ?1",
        |t| {
            tx.execute("DELETE FROM tasks WHERE id = ?1", [&t.id])?;
            Ok(())
        },
        |t| {
            tx.execute(
                "INSERT INTO tasks (id, matter_id, title, assignee_id, due, done_on, created_by)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![t.id, m, t.title, t.assignee, t.due, t.done_on, t.created_by],
            )?;
            Ok(())
        },
        m,
    )?;
    rows(
        tx,
        old.list(|o| o.files.as_slice()),
        &doc.files,
        |f| &f.id,
        "DELETE FROM matter_files WHERE matter_id = ?1",
        |f| {
            tx.execute("DELETE FROM matter_files WHERE file_id = ?1", [&f.id])?;
            unindex(tx, "document", &f.id)
        },
        |f| {
            for v in &f.versions {
                tx.execute(
                    "INSERT INTO matter_files (file_id, version, matter_id, name, size, sha256, added_by, added_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                    params![f.id, v.version as i64, m, f.name, v.size as i64, v.sha256, v.added_by, v.added_at],
                )?;
            }
            index(tx, "document", &f.id, Some(m), &f.name, "")
        },
        m,
    )?;
    // Postings are only ever appended (a changed one is the firm server confirming it).
    let postings_before = old.list(|o| o.postings.as_slice());
    if postings_before.is_none() {
        for (id,) in tx
            .prepare_cached("SELECT id FROM postings WHERE matter_number = ?1 ORDER BY id DESC")?
            .query_map([number.get()], |r| Ok((r.get::<_, String>(0)?,)))?
            .collect::<Result<Vec<_>, _>>()?
        {
            crate::money::unproject(tx, &id)?;
        }
    }
    rows(
        tx,
        postings_before.or(Some(&[])),
        &doc.postings,
        |p| &p.id,
        "",
        |p| crate::money::unproject(tx, &p.id),
        |p| crate::money::project(tx, m, number, p),
        m,
    )?;
    // Bills change only to record delivery.
    let bills_before = old.list(|o| o.bills.as_slice());
    if bills_before.is_none() {
        tx.execute("DELETE FROM bills WHERE matter_number = ?1", [number.get()])?;
    }
    rows(
        tx,
        bills_before.or(Some(&[])),
        &doc.bills,
        |b| &b.id,
        "",
        |b| crate::bills::unproject(tx, b),
        |b| crate::bills::project(tx, m, number, b),
        m,
    )?;
    // Parties are few, and keyed by (contact, role): rewrite them.
    let parties_changed = match old {
        Before::Unknown => true,
        Before::Nothing => !doc.parties.is_empty(),
        Before::Was(o) => o.parties != doc.parties,
    };
    if parties_changed {
        if !matches!(old, Before::Nothing) {
            tx.execute("DELETE FROM matter_parties WHERE matter_id = ?1", [m])?;
        }
        for p in &doc.parties {
            tx.execute(
                "INSERT OR IGNORE INTO matter_parties (matter_id, contact_id, role) VALUES (?1, ?2, ?3)",
                params![m, p.contact_id, p.role],
            )?;
        }
    }
    Ok(())
}

/// Bring the rows of one list in a matter from `old` to `new`: remove the entries that went
/// or changed, insert the ones that came or changed. Without `old`, clear them all with
/// `clear_all` (bound to the matter id) and insert every entry.
#[allow(clippy::too_many_arguments)]
fn rows<T: PartialEq>(
    tx: &Transaction<'_>,
    old: Option<&[T]>,
    new: &[T],
    id: impl Fn(&T) -> &String,
    clear_all: &str,
    mut remove: impl FnMut(&T) -> Result<(), AppError>,
    mut insert: impl FnMut(&T) -> Result<(), AppError>,
    matter_id: &str,
) -> Result<(), AppError> {
    let Some(old) = old else {
        tx.execute(clear_all, [matter_id])?;
        for e in new {
            insert(e)?;
        }
        return Ok(());
    };
    if old.is_empty() {
        for e in new {
            insert(e)?;
        }
        return Ok(());
    }
    let before: HashMap<&String, &T> = old.iter().map(|e| (id(e), e)).collect();
    let after: HashMap<&String, &T> = new.iter().map(|e| (id(e), e)).collect();
    for e in old {
        if after.get(id(e)).is_none_or(|n| *n != e) {
            remove(e)?;
        }
    }
    for e in new {
        if before.get(id(e)).is_none_or(|o| *o != e) {
            insert(e)?;
        }
    }
    Ok(())
}

/// Put an entry in the search index (or update it).
fn index(
    tx: &Transaction<'_>,
    kind: &str,
    ref_id: &str,
    matter_id: Option<&str>,
    title: &str,
    body: &str,
) -> Result<(), AppError> {
    tx.prepare_cached(
        "INSERT INTO search_docs (kind, ref_id, matter_id, title, body) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (kind, ref_id) DO UPDATE SET matter_id = excluded.matter_id,
             title = excluded.title, body = excluded.body
         WHERE title IS NOT excluded.title OR body IS NOT excluded.body
             OR matter_id IS NOT excluded.matter_id",
    )?
    .execute(params![kind, ref_id, matter_id, title, body])?;
    Ok(())
}

fn unindex(tx: &Transaction<'_>, kind: &str, ref_id: &str) -> Result<(), AppError> {
    tx.prepare_cached("DELETE FROM search_docs WHERE kind = ?1 AND ref_id = ?2")?
        .execute(params![kind, ref_id])?;
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
    let details: Vec<&str> = [
        &doc.email,
        &doc.phone,
        &doc.address,
        &doc.postcode,
        &doc.company_number,
    ]
    .into_iter()
    .filter_map(|f| f.as_deref())
    .collect();
    index(tx, "contact", &doc.id, None, &doc.name, &details.join(" "))
}
