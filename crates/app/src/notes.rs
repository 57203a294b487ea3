//! Notes on matters: attendance notes (what was said, as it happened) and file notes.
//! Stored in the matter's document, encrypted like everything else; the audit trail records
//! that a note was written, never what it says.

use crate::contacts::resolve_matter;
use crate::{AppError, Satchel, docs};
use satchel_api as api;
use satchel_core::matter::MatterNumber;
use satchel_core::{Invalid, required_text};
use uuid::Uuid;

/// The longest note accepted, in characters (about 30 pages of text).
pub const MAX_NOTE_CHARS: usize = 100_000;

impl Satchel {
    pub fn add_note(&mut self, req: &api::NewNoteRequest) -> Result<api::Note, AppError> {
        self.require_editor("write notes")?;
        let kind = match req.kind.trim().to_ascii_lowercase().as_str() {
            "" | "attendance" => "attendance",
            "file" | "file_note" => "file",
            other => {
                return Err(Invalid::new(
                    "kind",
                    format!("must be attendance or file ('{other}' is not)"),
                )
                .into());
            }
        };
        let title = required_text("title", &req.title, 300)?;
        let body = req.body.trim();
        if body.is_empty() {
            return Err(Invalid::new("body", "is required").into());
        }
        let chars = body.chars().count();
        if chars > MAX_NOTE_CHARS {
            return Err(Invalid::new(
                "body",
                format!("is {chars} characters; the most in one note is {MAX_NOTE_CHARS}: attach long text as a document"),
            )
            .into());
        }
        let (matter_id, _) = resolve_matter(self.store.conn(), &req.matter)?;
        let author = self.ctx.user_id.clone();
        let id = Uuid::now_v7().to_string();
        self.write(
            "note.add",
            &format!("matter:{matter_id}"),
            |tx, at, actor| {
                let rec = docs::NoteRec {
                    id: id.clone(),
                    at: at.to_string(),
                    author_id: author.clone(),
                    kind: kind.into(),
                    title: title.clone(),
                    body: body.to_owned(),
                };
                crate::update_matter(tx, &matter_id, actor, at, "add note", |m| {
                    m.notes.push(rec.clone());
                })?;
                Ok(serde_json::json!({ "note": id, "kind": kind, "chars": chars }))
            },
        )?;
        self.notes_where("n.id = ?1", &id)?
            .pop()
            .ok_or_else(|| AppError::Document("the note was not kept".into()))
    }

    /// A matter's notes, oldest first.
    pub fn list_notes(&self, matter: &str) -> Result<Vec<api::Note>, AppError> {
        let (matter_id, _) = resolve_matter(self.store.conn(), matter)?;
        self.notes_where("n.matter_id = ?1", &matter_id)
    }

    fn notes_where(&self, condition: &str, arg: &str) -> Result<Vec<api::Note>, AppError> {
        let sql = format!(
            "SELECT n.id, m.number, n.at, coalesce(u.initials, '?'), n.kind, n.title, n.body
             FROM notes n JOIN matters m ON m.id = n.matter_id LEFT JOIN users u ON u.id = n.author_id
             WHERE {condition} ORDER BY n.at, n.id"
        );
        let mut stmt = self.store.conn().prepare_cached(&sql)?;
        let rows = stmt.query_map([arg], |r| {
            let at: String = r.get(2)?;
            Ok(api::Note {
                id: r.get(0)?,
                matter_number: MatterNumber::new(r.get(1)?).to_string(),
                written: at
                    .parse::<jiff::Timestamp>()
                    .map(satchel_core::dates::london_display)
                    .unwrap_or_else(|_| at.clone()),
                at,
                author: r.get(3)?,
                kind: r.get(4)?,
                title: r.get(5)?,
                body: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }
}
