//! Contacts and the parties on matters.

use crate::{AppError, Satchel, WriteOutcome, docs, projection};
use automerge::ActorId;
use jiff::Timestamp;
use satchel_api as api;
use satchel_core::Invalid;
use satchel_core::contact::{NewContact, PartyRole, ValidContact};
use satchel_core::matter::MatterNumber;
use satchel_store::rusqlite::{Connection, OptionalExtension, Transaction, params};
use uuid::Uuid;

struct CreatedContact(api::Contact);

impl WriteOutcome for CreatedContact {
    fn audit_detail(&self) -> serde_json::Value {
        serde_json::json!({ "kind": self.0.kind })
    }
}

const CONTACT_COLUMNS: &str = "c.id, c.kind, c.name, c.email, c.phone, c.address, c.postcode, c.date_of_birth, \
     c.company_number, (SELECT count(DISTINCT matter_id) FROM matter_parties p WHERE p.contact_id = c.id)";

fn contact_row(
    r: &satchel_store::rusqlite::Row<'_>,
) -> satchel_store::rusqlite::Result<api::Contact> {
    Ok(api::Contact {
        id: r.get(0)?,
        kind: r.get(1)?,
        name: r.get(2)?,
        email: r.get(3)?,
        phone: r.get(4)?,
        address: r.get(5)?,
        postcode: r.get(6)?,
        date_of_birth: r.get(7)?,
        company_number: r.get(8)?,
        matters: r.get::<_, i64>(9)? as u64,
    })
}

/// A new contact's document, with a new id, from a validated contact.
pub(crate) fn contact_doc(v: ValidContact) -> docs::ContactDoc {
    docs::ContactDoc {
        kind: docs::KIND_CONTACT.into(),
        schema: 1,
        id: Uuid::now_v7().to_string(),
        contact_kind: v.kind.as_str().into(),
        name: v.name,
        email: v.email,
        phone: v.phone,
        address: v.address,
        postcode: v.postcode,
        date_of_birth: v.date_of_birth.map(|d| d.to_string()),
        company_number: v.company_number,
    }
}

/// Write a new contact's document and its projection, inside the caller's write.
pub(crate) fn insert_contact(
    tx: &Transaction<'_>,
    at: Timestamp,
    actor: &ActorId,
    doc: &docs::ContactDoc,
) -> Result<api::Contact, AppError> {
    docs::change(
        tx,
        &doc.id,
        docs::KIND_CONTACT,
        actor,
        at,
        "add contact",
        |d| Ok(autosurgeon::reconcile(d, doc)?),
    )?;
    projection::contact(tx, doc)?;
    Ok(api::Contact {
        id: doc.id.clone(),
        kind: doc.contact_kind.clone(),
        name: doc.name.clone(),
        email: doc.email.clone(),
        phone: doc.phone.clone(),
        address: doc.address.clone(),
        postcode: doc.postcode.clone(),
        date_of_birth: doc.date_of_birth.clone(),
        company_number: doc.company_number.clone(),
        matters: 0,
    })
}

/// A matter's id from its id or its number (`M00042`, `42`).
pub(crate) fn resolve_matter(
    conn: &Connection,
    matter: &str,
) -> Result<(String, MatterNumber), AppError> {
    let by_id: Option<(String, u32)> = conn
        .query_row(
            "SELECT id, number FROM matters WHERE id = ?1",
            [matter.trim()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    if let Some((id, n)) = by_id {
        return Ok((id, MatterNumber::new(n)));
    }
    let number = MatterNumber::parse(matter)
        .map_err(|_| Invalid::new("matter", format!("'{matter}' is not a matter")))?;
    let id: Option<String> = conn
        .query_row(
            "SELECT id FROM matters WHERE number = ?1",
            [number.get()],
            |r| r.get(0),
        )
        .optional()?;
    id.map(|id| (id, number)).ok_or_else(|| {
        Invalid::new("matter", format!("{number} is not a matter on this device")).into()
    })
}

impl Satchel {
    /// Add a person or organisation.
    pub fn create_contact(
        &mut self,
        req: &api::NewContactRequest,
    ) -> Result<api::Contact, AppError> {
        self.require_editor("add contacts")?;
        let today = satchel_core::dates::london_date(Timestamp::now());
        let v = NewContact {
            kind: &req.kind,
            name: &req.name,
            email: &req.email,
            phone: &req.phone,
            address: &req.address,
            postcode: &req.postcode,
            date_of_birth: &req.date_of_birth,
            company_number: &req.company_number,
        }
        .validate(today)?;
        let doc = contact_doc(v);
        let subject = format!("contact:{}", doc.id);
        let created = self.write("contact.create", &subject, |tx, at, actor| {
            insert_contact(tx, at, actor, &doc).map(CreatedContact)
        })?;
        Ok(created.0)
    }

    /// Contacts, by name; `filter` keeps those whose name contains it (any case).
    pub fn list_contacts(&self, filter: Option<&str>) -> Result<Vec<api::Contact>, AppError> {
        let conn = self.store.conn();
        let pattern = filter
            .map(str::trim)
            .filter(|f| !f.is_empty())
            .map(|f| format!("%{}%", f.replace(['%', '_'], "")));
        let sql = format!(
            "SELECT {CONTACT_COLUMNS} FROM contacts c WHERE ?1 IS NULL OR c.name LIKE ?1 ORDER BY c.name COLLATE NOCASE, c.id"
        );
        let mut stmt = conn.prepare_cached(&sql)?;
        let rows = stmt.query_map([pattern], contact_row)?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    pub fn contact(&self, id: &str) -> Result<api::Contact, AppError> {
        let sql = format!("SELECT {CONTACT_COLUMNS} FROM contacts c WHERE c.id = ?1");
        self.store
            .conn()
            .query_row(&sql, [id], contact_row)
            .optional()?
            .ok_or_else(|| {
                Invalid::new("contact", format!("'{id}' is not a contact on this device")).into()
            })
    }

    /// The matters a contact is on, newest first, with the role on each.
    pub fn contact_matters(&self, contact_id: &str) -> Result<Vec<api::ContactMatter>, AppError> {
        let contact = self.contact(contact_id)?;
        let mut stmt = self.store.conn().prepare_cached(
            "SELECT m.id, m.number, m.client_name, m.description, m.status, p.role
             FROM matter_parties p JOIN matters m ON m.id = p.matter_id
             WHERE p.contact_id = ?1 ORDER BY m.number DESC, p.role",
        )?;
        let rows = stmt.query_map([&contact.id], |r| {
            let role: String = r.get(5)?;
            Ok(api::ContactMatter {
                matter_id: r.get(0)?,
                number: MatterNumber::new(r.get(1)?).to_string(),
                client_name: r.get(2)?,
                description: r.get(3)?,
                status: r.get(4)?,
                role_label: PartyRole::parse(&role)
                    .map(PartyRole::label)
                    .unwrap_or("Other")
                    .to_owned(),
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Who is on a matter, clients first, in the order of the roles.
    pub fn list_parties(&self, matter: &str) -> Result<Vec<api::Party>, AppError> {
        let (matter_id, _) = resolve_matter(self.store.conn(), matter)?;
        let mut stmt = self.store.conn().prepare_cached(
            "SELECT c.id, c.name, c.kind, p.role, c.email, c.phone
             FROM matter_parties p JOIN contacts c ON c.id = p.contact_id
             WHERE p.matter_id = ?1 ORDER BY c.name COLLATE NOCASE",
        )?;
        let mut parties = stmt
            .query_map([&matter_id], |r| {
                let role: String = r.get(3)?;
                Ok(api::Party {
                    contact_id: r.get(0)?,
                    name: r.get(1)?,
                    kind: r.get(2)?,
                    role_label: PartyRole::parse(&role)
                        .map(PartyRole::label)
                        .unwrap_or("Other")
                        .to_owned(),
                    role,
                    email: r.get(4)?,
                    phone: r.get(5)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let rank = |role: &str| {
            PartyRole::ALL
                .iter()
                .position(|r| r.as_str() == role)
                .unwrap_or(usize::MAX)
        };
        parties.sort_by_key(|p| rank(&p.role));
        Ok(parties)
    }

    /// Put a contact on a matter in a role. The same contact may hold several roles, but not
    /// the same role twice.
    pub fn add_party(&mut self, req: &api::AddPartyRequest) -> Result<(), AppError> {
        self.require_editor("change matters")?;
        let role = PartyRole::parse(&req.role)?;
        let (matter_id, number) = resolve_matter(self.store.conn(), &req.matter)?;
        let contact = self.contact(&req.contact_id)?;
        let already: bool = self.store.conn().query_row(
            "SELECT EXISTS (SELECT 1 FROM matter_parties WHERE matter_id = ?1 AND contact_id = ?2 AND role = ?3)",
            params![matter_id, contact.id, role.as_str()],
            |r| r.get(0),
        )?;
        if already {
            return Err(Invalid::new(
                "role",
                format!(
                    "is already held by {} on {number}; nothing was changed",
                    contact.name
                ),
            )
            .into());
        }
        let subject = format!("matter:{matter_id}");
        self.write("matter.party.add", &subject, |tx, at, actor| {
            crate::update_matter(tx, &matter_id, actor, at, "add party", |m| {
                m.parties.push(docs::PartyRec {
                    contact_id: contact.id.clone(),
                    role: role.as_str().into(),
                });
            })?;
            Ok(serde_json::json!({ "contact": contact.id, "role": role.as_str() }))
        })?;
        Ok(())
    }

    pub(crate) fn require_editor(&self, what: &str) -> Result<(), AppError> {
        if self.ctx.role.may_edit_matters() {
            Ok(())
        } else {
            Err(AppError::Forbidden(format!(
                "a {} user may not {what}",
                self.ctx.role.as_str().replace('_', "-")
            )))
        }
    }
}
