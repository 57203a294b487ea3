//! Loading many records at once: the dataset generator (`cargo xtask seed`) and the
//! benchmarks use it to build a firm's ten years in minutes. Each document is written as a
//! single snapshot with its projection, one transaction per batch, one audit event per
//! batch: users, contacts, matters, and bank accounts' documents (statements, matches).
//! The records are taken as given (the generator makes valid ones); the projection's
//! constraints still refuse duplicate matter numbers and dangling references, and a bank
//! document for an account that has one already is refused.

use crate::{AppError, Satchel, bank, docs, firmdoc, projection};
use automerge::AutoCommit;
use satchel_store::rusqlite::{Transaction, params};

/// One batch of records.
#[derive(Debug, Default)]
pub struct Batch {
    /// Users to add to the firm, by user id.
    pub users: Vec<(String, docs::UserRec)>,
    pub contacts: Vec<docs::ContactDoc>,
    pub matters: Vec<docs::MatterDoc>,
    /// Bank accounts' statements (imports, lines, matches, reconciliations), each for an
    /// account of the firm that has none yet: written as the account's document and one
    /// document per month.
    pub banks: Vec<bank::BankBook>,
}

fn put_doc<T: autosurgeon::Reconcile>(
    tx: &Transaction<'_>,
    id: &str,
    kind: &str,
    actor: &automerge::ActorId,
    at: jiff::Timestamp,
    value: &T,
) -> Result<(), AppError> {
    let mut doc = AutoCommit::new();
    doc.set_actor(actor.clone());
    autosurgeon::reconcile(&mut doc, value)?;
    doc.commit_with(
        automerge::transaction::CommitOptions::default()
            .with_message("bulk load".to_owned())
            .with_time(at.as_second()),
    );
    tx.prepare_cached(
        "INSERT INTO documents (id, kind, snapshot, updated_at, unsent) VALUES (?1, ?2, ?3, ?4, 1)",
    )?
    .execute(params![id, kind, doc.save(), at.to_string()])?;
    Ok(())
}

impl Satchel {
    /// Write a batch of users, contacts, matters and bank documents in one transaction.
    /// Matter numbers above this device's next number move the device's block past them.
    pub fn load_batch(&mut self, batch: &Batch) -> Result<(), AppError> {
        self.require_editor("load records")?;
        let firm_doc = self.ctx.firm_doc.clone();
        let counts = serde_json::json!({
            "users": batch.users.len(),
            "contacts": batch.contacts.len(),
            "matters": batch.matters.len(),
            "banks": batch.banks.len(),
        });
        self.write("bulk.load", &format!("firm:{firm_doc}"), |tx, at, actor| {
            if !batch.users.is_empty() {
                firmdoc::update_firm(tx, &firm_doc, actor, at, "add users", |f| {
                    for (id, u) in &batch.users {
                        f.users.insert(id.clone(), u.clone());
                    }
                    Ok(())
                })?;
            }
            for c in &batch.contacts {
                put_doc(tx, &c.id, docs::KIND_CONTACT, actor, at, c)?;
                projection::contact(tx, c)?;
            }
            let mut highest = 0;
            for m in &batch.matters {
                put_doc(tx, &m.id, docs::KIND_MATTER, actor, at, m)?;
                projection::matter(tx, None, m)?;
                highest = highest.max(m.number);
            }
            for b in &batch.banks {
                let a = &b.account.account_id;
                put_doc(tx, &bank::doc_id(a), docs::KIND_BANK, actor, at, &b.account)?;
                bank::project(tx, None, &b.account)?;
                for m in b.months()? {
                    put_doc(tx, &bank::statements_doc_id(a, &m.month), docs::KIND_STATEMENTS, actor, at, &m)?;
                    bank::project_month(tx, None, &m)?;
                }
            }
            if highest > 0 {
                tx.execute(
                    "UPDATE number_blocks SET next = max(next, ?1 + 1) WHERE first <= ?1 AND ?1 <= last",
                    [highest as i64],
                )?;
            }
            Ok(counts)
        })
        .map(|_| ())
    }
}
