//! Contacts in and out as vCard files (`satchel_core::vcard` reads and writes the cards).

use crate::contacts::{contact_doc, insert_contact};
use crate::{AppError, Satchel, WriteOutcome};
use jiff::Timestamp;
use satchel_api as api;
use satchel_core::conflict::NameKey;
use satchel_core::contact::ValidContact;
use satchel_core::vcard::{self, CardContact};
use std::collections::HashSet;

/// Two contacts are the same for an import when they are of the same kind, their names are
/// the same once normalised, and they have the same email (in any case), or neither has one.
#[derive(PartialEq, Eq, Hash)]
struct SameContact {
    kind: String,
    name: String,
    email: Option<String>,
}

impl SameContact {
    /// `name_key` is the stored key when there is one (it is computed from `name` by the
    /// same [`NameKey::new`]).
    fn new(kind: &str, name: &str, name_key: Option<&str>, email: Option<&str>) -> Self {
        let key = name_key
            .filter(|k| !k.is_empty())
            .map(str::to_owned)
            .unwrap_or_else(|| NameKey::new(name).as_stored());
        // A name that normalises to nothing (say, only a legal form) is compared as typed.
        let name = if key.is_empty() {
            format!("\u{0}{}", name.trim().to_lowercase())
        } else {
            key
        };
        SameContact {
            kind: kind.to_owned(),
            name,
            email: email.map(str::to_lowercase),
        }
    }
}

struct Imported(api::VcardImport);

impl WriteOutcome for Imported {
    /// Counts only: no names or addresses in the audit trail.
    fn audit_detail(&self) -> serde_json::Value {
        serde_json::json!({
            "format": "vcard",
            "imported": self.0.imported,
            "skipped_duplicates": self.0.skipped_duplicates,
        })
    }
}

/// How a card is named in a message: its line, its place in the file and its name.
fn card_label(card: &CardContact, index: usize) -> String {
    let name = card.name.trim();
    let name = if name.is_empty() { "no name" } else { name };
    format!("line {} (card {}, {name})", card.line, index + 1)
}

impl Satchel {
    /// Add the contacts in a vCard file (3.0 or 4.0). Every card is checked as a contact
    /// typed into the form would be, before anything is written: one bad card and nothing
    /// is imported, and the message names its line and field. Cards for contacts already
    /// held, or repeated in the file, are counted and skipped. One write, one audit event.
    pub fn import_vcards(&mut self, text: &str) -> Result<api::VcardImport, AppError> {
        self.require_editor("import contacts")?;
        let cards = vcard::parse(text)?;
        let today = satchel_core::dates::london_date(Timestamp::now());
        let valid = cards
            .iter()
            .enumerate()
            .map(|(i, card)| {
                card.as_new_contact().validate(today).map_err(|e| {
                    AppError::Import(format!(
                        "{}: {}: {}",
                        card_label(card, i),
                        e.field.replace('_', " "),
                        e.message
                    ))
                })
            })
            .collect::<Result<Vec<ValidContact>, AppError>>()?;

        let mut held = self.contact_identities()?;
        let mut docs = Vec::new();
        let mut skipped: u64 = 0;
        for v in valid {
            let same = SameContact::new(v.kind.as_str(), &v.name, None, v.email.as_deref());
            if held.insert(same) {
                docs.push(contact_doc(v));
            } else {
                skipped += 1;
            }
        }

        let imported = self.write("contact.import", "contacts:import", |tx, at, actor| {
            let contacts = docs
                .iter()
                .map(|doc| insert_contact(tx, at, actor, doc))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Imported(api::VcardImport {
                imported: contacts.len() as u64,
                skipped_duplicates: skipped,
                contacts,
            }))
        })?;
        Ok(imported.0)
    }

    /// Every contact as a vCard 4.0 file, by name. An export is an audit event.
    pub fn export_vcards(&mut self) -> Result<String, AppError> {
        let contacts = self.list_contacts(None)?;
        let cards: Vec<CardContact> = contacts
            .into_iter()
            .map(|c| CardContact {
                kind: c.kind,
                name: c.name,
                email: c.email.unwrap_or_default(),
                phone: c.phone.unwrap_or_default(),
                address: c.address.unwrap_or_default(),
                postcode: c.postcode.unwrap_or_default(),
                date_of_birth: c.date_of_birth.unwrap_or_default(),
                company_number: c.company_number.unwrap_or_default(),
                line: 0,
            })
            .collect();
        let text = vcard::write(&cards);
        self.write("contact.export", "contacts:all", |_, _, _| {
            Ok(serde_json::json!({ "format": "vcard", "count": cards.len() }))
        })?;
        Ok(text)
    }

    /// Who is held already, for spotting duplicates.
    fn contact_identities(&self) -> Result<HashSet<SameContact>, AppError> {
        let mut stmt = self
            .store
            .conn()
            .prepare("SELECT kind, name, name_key, email FROM contacts")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<String>>(3)?,
            ))
        })?;
        let mut held = HashSet::new();
        for row in rows {
            let (kind, name, key, email) = row?;
            held.insert(SameContact::new(&kind, &name, Some(&key), email.as_deref()));
        }
        Ok(held)
    }
}
