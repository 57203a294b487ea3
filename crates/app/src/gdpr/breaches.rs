//! The register of personal-data breaches, reported or not, with the ICO's 72 hours.

use super::*;
use crate::firmdoc::update_firm;
use jiff::Timestamp;
use satchel_core::gdpr::BreachRisk;
use satchel_core::{dates, required_text};
use uuid::Uuid;

impl Satchel {
    /// The register of personal-data breaches, newest first, each with its ICO clock.
    pub fn data_breaches(&self) -> Result<Vec<api::DataBreach>, AppError> {
        self.require_compliance("see the breach register")?;
        let now = Timestamp::now();
        let firm = self.firm()?;
        let mut out = Vec::new();
        for b in firm.data_breaches.iter().rev() {
            out.push(shown_breach(b, now)?);
        }
        Ok(out)
    }

    /// Record a personal-data breach (every one, reported or not).
    pub fn add_data_breach(
        &mut self,
        req: &api::NewDataBreach,
    ) -> Result<api::DataBreach, AppError> {
        self.require_compliance("record personal-data breaches")?;
        let now = Timestamp::now();
        let discovered = gdpr::check_discovered(instant("discovered", &req.discovered_at)?, now)?;
        let nature = required_text("nature", &req.nature, 2000)?;
        let data_categories = required_text("data_categories", &req.data_categories, 500)?;
        let count = |field: &'static str, text: &str| -> Result<u64, AppError> {
            text.trim().parse::<u64>().map_err(|_| {
                Invalid::new(
                    field,
                    format!("must be a whole number ('{}' is not)", text.trim()),
                )
                .into()
            })
        };
        let people = count("people_affected", &req.people_affected)?;
        let records = count("records_affected", &req.records_affected)?;
        let risk = BreachRisk::parse(&req.risk)?;
        let assessment = required_text("risk_assessment", &req.risk_assessment, 2000)?;
        let rec = docs::DataBreachRec {
            id: Uuid::now_v7().to_string(),
            discovered_at: discovered.to_string(),
            nature,
            data_categories,
            people_affected: people,
            records_affected: records,
            risk: risk.as_str().to_owned(),
            risk_assessment: assessment,
            actions: req.actions.trim().to_owned(),
            ico_reported_at: None,
            ico_reference: None,
            people_told_at: None,
            recorded_by: self.ctx.initials.clone(),
            recorded_at: String::new(),
        };
        let firm_doc = self.ctx.firm_doc.clone();
        let id = rec.id.clone();
        self.write("gdpr.breach", "firm", |tx, at, actor| {
            update_firm(
                tx,
                &firm_doc,
                actor,
                at,
                "record a personal-data breach",
                |f| {
                    f.data_breaches.push(docs::DataBreachRec {
                        recorded_at: at.to_string(),
                        ..rec.clone()
                    });
                    Ok(())
                },
            )?;
            Ok(serde_json::json!({ "breach": rec.id, "risk": rec.risk, "people": people }))
        })?;
        self.data_breaches()?
            .into_iter()
            .find(|b| b.id == id)
            .ok_or_else(|| AppError::Document("the breach was not kept".into()))
    }

    /// Record that the ICO, or the people affected, were told.
    pub fn update_data_breach(
        &mut self,
        req: &api::UpdateDataBreach,
    ) -> Result<api::DataBreach, AppError> {
        self.require_compliance("update the breach register")?;
        let now = Timestamp::now();
        let firm = self.firm()?;
        let rec = firm
            .data_breaches
            .iter()
            .find(|b| b.id == req.id.trim())
            .ok_or_else(|| Invalid::new("breach", format!("'{}' is not a breach", req.id)))?;
        let discovered: Timestamp = rec
            .discovered_at
            .parse()
            .map_err(|_| AppError::Document("a breach's time is damaged".into()))?;
        let when = |field: &'static str, text: &str| -> Result<Option<Timestamp>, AppError> {
            if text.trim().is_empty() {
                return Ok(None);
            }
            let t = gdpr::check_discovered(instant(field, text)?, now)
                .map_err(|_| Invalid::new(field, "is in the future"))?;
            if t < discovered {
                return Err(Invalid::new(field, "is before the breach was discovered").into());
            }
            Ok(Some(t))
        };
        let ico = when("ico_reported_at", &req.ico_reported_at)?;
        let told = when("people_told_at", &req.people_told_at)?;
        if ico.is_none() && told.is_none() {
            return Err(Invalid::new(
                "ico_reported_at",
                "or people told: give when the ICO or the people affected were told",
            )
            .into());
        }
        let reference = req.ico_reference.trim().to_owned();
        let (firm_doc, id) = (self.ctx.firm_doc.clone(), rec.id.clone());
        self.write("gdpr.breach.update", "firm", |tx, at, actor| {
            update_firm(tx, &firm_doc, actor, at, "update a personal-data breach", |f| {
                if let Some(b) = f.data_breaches.iter_mut().find(|b| b.id == id) {
                    if let Some(t) = ico {
                        b.ico_reported_at = Some(t.to_string());
                        if !reference.is_empty() {
                            b.ico_reference = Some(reference.clone());
                        }
                    }
                    if let Some(t) = told {
                        b.people_told_at = Some(t.to_string());
                    }
                }
                Ok(())
            })?;
            Ok(serde_json::json!({ "breach": id, "ico": ico.is_some(), "people_told": told.is_some() }))
        })?;
        self.data_breaches()?
            .into_iter()
            .find(|b| b.id == req.id.trim())
            .ok_or_else(|| AppError::Document("the breach was not kept".into()))
    }

    /// The breach register as CSV (the export is recorded).
    pub fn data_breaches_csv(&mut self) -> Result<String, AppError> {
        let yes = |b: bool| if b { "yes" } else { "no" }.to_owned();
        let rows: Vec<Vec<String>> = self
            .data_breaches()?
            .into_iter()
            .map(|b| {
                vec![
                    b.discovered_shown,
                    b.nature,
                    b.data_categories,
                    b.people_affected.to_string(),
                    b.records_affected.to_string(),
                    b.risk,
                    b.risk_assessment,
                    b.actions,
                    yes(b.ico_must_be_told),
                    b.ico_deadline,
                    b.ico_reported_at.unwrap_or_default(),
                    b.ico_reference.unwrap_or_default(),
                    yes(b.people_must_be_told),
                    b.people_told_at.unwrap_or_default(),
                    b.recorded_by,
                ]
            })
            .collect();
        self.register_csv(
            "data_breaches",
            &[
                "discovered (London)",
                "nature",
                "data",
                "people affected",
                "records affected",
                "risk",
                "risk assessment",
                "actions",
                "ICO must be told",
                "ICO deadline (London)",
                "ICO told at",
                "ICO reference",
                "people must be told",
                "people told at",
                "recorded by",
            ],
            &rows,
        )
    }
}

/// An instant typed by a person: `YYYY-MM-DD HH:MM` (or with a `T`) in London, or RFC 3339.
fn instant(field: &'static str, text: &str) -> Result<Timestamp, AppError> {
    let t = text.trim();
    if let Ok(ts) = t.parse::<Timestamp>() {
        return Ok(ts);
    }
    let civil: jiff::civil::DateTime = t.replacen(' ', "T", 1).parse().map_err(|_| {
        Invalid::new(
            field,
            format!("must be a date and time written YYYY-MM-DD HH:MM ('{t}' is not)"),
        )
    })?;
    Ok(civil
        .to_zoned(dates::london())
        .map_err(|e| AppError::Document(e.to_string()))?
        .timestamp())
}

fn shown_breach(b: &docs::DataBreachRec, now: Timestamp) -> Result<api::DataBreach, AppError> {
    let aware: Timestamp = b
        .discovered_at
        .parse()
        .map_err(|_| AppError::Document("a breach's time is damaged".into()))?;
    let risk = BreachRisk::parse(&b.risk)?;
    let reported = b
        .ico_reported_at
        .as_deref()
        .and_then(|t| t.parse::<Timestamp>().ok());
    let clock = if risk.ico_must_be_told() {
        gdpr::ico_clock(aware, reported, now)
    } else {
        "recorded; the ICO need not be told (unlikely to result in a risk)".to_owned()
    };
    Ok(api::DataBreach {
        id: b.id.clone(),
        discovered_at: b.discovered_at.clone(),
        discovered_shown: dates::london_display(aware),
        nature: b.nature.clone(),
        data_categories: b.data_categories.clone(),
        people_affected: b.people_affected,
        records_affected: b.records_affected,
        risk: b.risk.clone(),
        risk_assessment: b.risk_assessment.clone(),
        actions: b.actions.clone(),
        ico_must_be_told: risk.ico_must_be_told(),
        people_must_be_told: risk.people_must_be_told(),
        ico_deadline: dates::london_display(gdpr::ico_deadline(aware)),
        ico_clock: clock,
        ico_reported_at: b.ico_reported_at.clone(),
        ico_reference: b.ico_reference.clone(),
        people_told_at: b.people_told_at.clone(),
        recorded_by: b.recorded_by.clone(),
    })
}
