//! Expenses and disbursements on matters.

use crate::contacts::resolve_matter;
use crate::{AppError, Satchel, docs};
use jiff::Timestamp;
use satchel_api as api;
use satchel_core::Money;
use satchel_core::expense::NewExpense;
use satchel_core::matter::MatterNumber;
use uuid::Uuid;

impl Satchel {
    /// Record an expense or disbursement; VAT is worked out from its kind.
    pub fn record_expense(
        &mut self,
        req: &api::NewExpenseRequest,
    ) -> Result<api::Expense, AppError> {
        self.require_editor("record expenses")?;
        let today = satchel_core::dates::london_date(Timestamp::now());
        let v = NewExpense {
            kind: &req.kind,
            amount: &req.amount,
            description: &req.description,
            date: &req.date,
        }
        .validate(today)?;
        let (matter_id, _) = resolve_matter(self.store.conn(), &req.matter)?;
        let rec = docs::ExpenseRec {
            id: Uuid::now_v7().to_string(),
            user_id: self.ctx.user_id.clone(),
            date: v.date.to_string(),
            kind: v.kind.as_str().into(),
            description: v.description,
            net_pence: v.net.pence(),
            vat_pence: v.vat.pence(),
        };
        self.write("expense.record", &format!("matter:{matter_id}"), |tx, at, actor| {
            crate::update_matter(tx, &matter_id, actor, at, "record expense", |m| {
                m.expenses.push(rec.clone());
            })?;
            Ok(serde_json::json!({ "expense": rec.id, "kind": rec.kind, "net_pence": rec.net_pence, "vat_pence": rec.vat_pence }))
        })?;
        self.expenses_where("x.id = ?1", &rec.id)?
            .pop()
            .ok_or_else(|| AppError::Document("the expense was not kept".into()))
    }

    /// A matter's expenses and disbursements, oldest first.
    pub fn list_expenses(&self, matter: &str) -> Result<Vec<api::Expense>, AppError> {
        let (matter_id, _) = resolve_matter(self.store.conn(), matter)?;
        self.expenses_where("x.matter_id = ?1", &matter_id)
    }

    fn expenses_where(&self, condition: &str, arg: &str) -> Result<Vec<api::Expense>, AppError> {
        let sql = format!(
            "SELECT x.id, m.number, x.date, x.kind, x.description, x.net_pence, x.vat_pence
             FROM expenses x JOIN matters m ON m.id = x.matter_id
             WHERE {condition} ORDER BY x.date, x.id"
        );
        let mut stmt = self.store.conn().prepare_cached(&sql)?;
        let rows = stmt.query_map([arg], |r| {
            let (net, vat): (i64, i64) = (r.get(5)?, r.get(6)?);
            Ok(api::Expense {
                id: r.get(0)?,
                matter_number: MatterNumber::new(r.get(1)?).to_string(),
                date: r.get(2)?,
                kind: r.get(3)?,
                description: r.get(4)?,
                net_pence: net,
                vat_pence: vat,
                net: Money::from_pence(net).to_string(),
                vat: Money::from_pence(vat).to_string(),
            })
        })?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// Unbilled disbursements and expenses (net) on a matter, in pence.
    pub(crate) fn unbilled_costs(
        &self,
        matter_number: MatterNumber,
    ) -> Result<(i64, i64), AppError> {
        Ok(self.store.conn().query_row(
            "SELECT coalesce(sum(CASE WHEN x.kind = 'disbursement' THEN x.net_pence END), 0),
                    coalesce(sum(CASE WHEN x.kind = 'expense' THEN x.net_pence END), 0)
             FROM expenses x JOIN matters m ON m.id = x.matter_id
             WHERE m.number = ?1 AND x.bill_id IS NULL",
            [matter_number.get()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?)
    }
}
