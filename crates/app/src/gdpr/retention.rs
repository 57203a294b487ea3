//! The retention schedule: years kept after closing by practice area, the matters past
//! their date, decisions to keep, and destruction.

use super::erasure::{destroy_document, drop_unused_blobs};
use super::*;
use crate::contacts::resolve_matter;
use crate::firmdoc::update_firm;
use jiff::Timestamp;
use satchel_core::{dates, required_text};
use uuid::Uuid;

impl Satchel {
    /// The retention schedule, the closed matters past their date (with anything that
    /// still holds them), and the decisions made.
    pub fn retention(&self) -> Result<api::Retention, AppError> {
        self.require_compliance("review retention")?;
        let firm = self.firm()?;
        let today = dates::london_date(Timestamp::now());
        let rules = satchel_core::matter::PRACTICE_AREAS
            .iter()
            .map(|a| api::RetentionRule {
                area: (*a).to_owned(),
                years: years_for(&firm, a),
                firm_set: firm.retention_years.contains_key(*a),
            })
            .collect();
        let kept = kept_by_decision(&firm);
        let conn = self.store.conn();
        // Each closed matter's period from its row; only those past it are weighed for the
        // holds (their ledgers and bills looked up).
        let mut stmt = conn.prepare(
            "SELECT id, number, client_name, opened, closed_on, practice_area FROM matters
             WHERE status IN ('closed', 'archived') ORDER BY number",
        )?;
        let closed: Vec<(String, u32, String, String, Option<String>, String)> = stmt
            .query_map([], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            })?
            .collect::<Result<_, _>>()?;
        let mut due = Vec::new();
        for (id, number, client, opened, closed_on, area) in closed {
            let period = MatterFacts {
                open: false,
                closed_on: closed_on.as_deref().and_then(|d| d.parse().ok()),
                opened: opened
                    .parse()
                    .map_err(|_| AppError::Document(format!("'{opened}' is not a date")))?,
                last_money: None,
                client: true,
                retention_years: years_for(&firm, &area),
                area,
            };
            let Some(ends) = period.retention_ends() else {
                continue;
            };
            if ends > today || decision_hold(kept.get(&u64::from(number)), today).is_some() {
                continue;
            }
            let (facts, number_shown, _) = facts(conn, &firm, &id, true)?;
            due.push(api::RetentionDue {
                number: number_shown.to_string(),
                client_name: client,
                area: facts.area.clone(),
                closed_on: facts
                    .closed_on
                    .map(|d| d.to_string())
                    .unwrap_or_else(|| "(not recorded)".into()),
                retention_ended: ends.to_string(),
                holds: gdpr::holds(&facts, today).iter().map(hold_text).collect(),
            });
        }
        let decisions = firm
            .retention_decisions
            .iter()
            .rev()
            .map(|d| api::RetentionDecision {
                number: MatterNumber::new(u32::try_from(d.matter_number).unwrap_or(0)).to_string(),
                decision: d.decision.clone(),
                keep_until: d.keep_until.clone(),
                reason: d.reason.clone(),
                decided_by: d.decided_by.clone(),
                decided_at: d.decided_at.clone(),
            })
            .collect();
        Ok(api::Retention {
            rules,
            due,
            decisions,
        })
    }

    /// Set how many years the firm keeps matters of a practice area after closing.
    pub fn set_retention(&mut self, area: &str, years: i64) -> Result<api::Retention, AppError> {
        self.require_compliance("set the retention schedule")?;
        let area = satchel_core::matter::practice_area(area)?;
        let years = gdpr::check_retention_years(years)?;
        let firm_doc = self.ctx.firm_doc.clone();
        self.write("gdpr.retention", "firm", |tx, at, actor| {
            update_firm(tx, &firm_doc, actor, at, "set a retention period", |f| {
                f.retention_years.insert(area.clone(), u64::from(years));
                Ok(())
            })?;
            Ok(serde_json::json!({ "area": area, "years": years }))
        })?;
        self.retention()
    }

    /// Record a decision to keep a matter past its date: until when, and why.
    pub fn keep_matter(
        &mut self,
        req: &api::KeepMatterRequest,
    ) -> Result<api::Retention, AppError> {
        self.require_compliance("decide on retention")?;
        let (_, number) = resolve_matter(self.store.conn(), &req.matter)?;
        let today = dates::london_date(Timestamp::now());
        let until = dates::parse_optional("until", &req.until)?
            .ok_or_else(|| Invalid::new("until", "is required: the date to keep it until"))?;
        if until <= today {
            return Err(Invalid::new("until", format!("must be after today ({today})")).into());
        }
        let reason = required_text("reason", &req.reason, 500)?;
        let rec = docs::RetentionDecisionRec {
            id: Uuid::now_v7().to_string(),
            matter_number: u64::from(number.get()),
            decision: "keep".into(),
            keep_until: Some(until.to_string()),
            reason,
            decided_by: self.ctx.initials.clone(),
            decided_at: String::new(),
        };
        let firm_doc = self.ctx.firm_doc.clone();
        self.write("gdpr.retention.keep", "firm", |tx, at, actor| {
            update_firm(
                tx,
                &firm_doc,
                actor,
                at,
                "keep a matter past its date",
                |f| {
                    f.retention_decisions.push(docs::RetentionDecisionRec {
                        decided_at: at.to_string(),
                        ..rec.clone()
                    });
                    Ok(())
                },
            )?;
            Ok(serde_json::json!({ "matter": number.to_string(), "until": until.to_string() }))
        })?;
        self.retention()
    }

    /// Destroy a closed matter past its retention date, as erasure destroys: refused while
    /// anything holds it. Its contacts stay (they may be on other matters).
    pub fn destroy_matter(
        &mut self,
        matter: &str,
        reason: &str,
    ) -> Result<api::Retention, AppError> {
        self.require_compliance("destroy matters")?;
        let reason = required_text("reason", reason, 500)?;
        let conn = self.store.conn();
        let (id, number) = resolve_matter(conn, matter)?;
        let firm = self.firm()?;
        let today = dates::london_date(Timestamp::now());
        let (facts, _, _) = facts(conn, &firm, &id, true)?;
        let mut holds: Vec<api::HoldText> =
            gdpr::holds(&facts, today).iter().map(hold_text).collect();
        if let Some(h) = decision_hold(kept_by_decision(&firm).get(&u64::from(number.get())), today)
        {
            holds.push(h);
        }
        if !holds.is_empty() {
            let why: Vec<String> = holds.iter().map(|h| h.reason.clone()).collect();
            return Err(Invalid::new(
                "matter",
                format!("{number} cannot be destroyed yet: {}", why.join("; ")),
            )
            .into());
        }
        let (firm_doc, initials) = (self.ctx.firm_doc.clone(), self.ctx.initials.clone());
        self.write(
            "gdpr.retention.destroy",
            &format!("matter:{id}"),
            |tx, at, actor| {
                destroy_document(tx, &id, None, at, false)?;
                drop_unused_blobs(tx)?;
                update_firm(tx, &firm_doc, actor, at, "record a matter destroyed", |f| {
                    f.retention_decisions.push(docs::RetentionDecisionRec {
                        id: Uuid::now_v7().to_string(),
                        matter_number: u64::from(number.get()),
                        decision: "destroyed".into(),
                        keep_until: None,
                        reason: reason.clone(),
                        decided_by: initials.clone(),
                        decided_at: at.to_string(),
                    });
                    Ok(())
                })?;
                Ok(serde_json::json!({ "matter": number.to_string() }))
            },
        )?;
        self.scrub_after()?;
        self.retention()
    }
}
