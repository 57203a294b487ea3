//! The schema, as an ordered list of migrations (rusqlite_migration, tracked in
//! `PRAGMA user_version`). Never edit a migration that has shipped: add a new one.

use crate::StoreError;
use rusqlite::Connection;
use rusqlite_migration::{M, Migrations};

pub(crate) const V1: &str = r#"
-- Facts about this installation and device: install_id, device_id, user_id, firm_doc.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

-- Automerge documents: the source of truth. A document is its compacted snapshot plus
-- the incremental changes saved since.
CREATE TABLE documents (
    id         TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,
    snapshot   BLOB,
    updated_at TEXT NOT NULL
) STRICT;

CREATE TABLE doc_changes (
    seq    INTEGER PRIMARY KEY AUTOINCREMENT,
    doc_id TEXT NOT NULL REFERENCES documents(id),
    bytes  BLOB NOT NULL
) STRICT;
CREATE INDEX doc_changes_by_doc ON doc_changes(doc_id, seq);

-- Projections: rebuilt from the documents at any time.
CREATE TABLE users (
    id       TEXT PRIMARY KEY,
    name     TEXT NOT NULL,
    initials TEXT NOT NULL,
    role     TEXT NOT NULL
) STRICT;

CREATE TABLE matters (
    id          TEXT PRIMARY KEY,
    number      INTEGER NOT NULL UNIQUE,
    client_name TEXT NOT NULL,
    description TEXT NOT NULL,
    opened      TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    opened_by   TEXT NOT NULL
) STRICT;
CREATE INDEX matters_by_client ON matters(client_name COLLATE NOCASE);

-- Matter numbers leased to this device; numbers are drawn from here so that two devices
-- opening matters offline never collide.
CREATE TABLE number_blocks (
    first INTEGER NOT NULL,
    last  INTEGER NOT NULL,
    next  INTEGER NOT NULL,
    CHECK (first <= next AND next <= last + 1)
) STRICT;

-- The audit trail: append-only, hash-chained per device.
CREATE TABLE audit_events (
    device_id TEXT NOT NULL,
    seq       INTEGER NOT NULL,
    id        TEXT NOT NULL UNIQUE,
    actor_id  TEXT NOT NULL,
    at        TEXT NOT NULL,
    action    TEXT NOT NULL,
    subject   TEXT NOT NULL,
    detail    TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL,
    PRIMARY KEY (device_id, seq)
) STRICT;
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
"#;

const V2: &str = r#"
-- Contacts: people and organisations. `name_key` is the conflict-check key of the name.
CREATE TABLE contacts (
    id             TEXT PRIMARY KEY,
    kind           TEXT NOT NULL CHECK (kind IN ('person', 'organisation')),
    name           TEXT NOT NULL,
    name_key       TEXT NOT NULL,
    email          TEXT,
    phone          TEXT,
    address        TEXT,
    postcode       TEXT,
    date_of_birth  TEXT,
    company_number TEXT
) STRICT;
CREATE INDEX contacts_by_name ON contacts(name COLLATE NOCASE);

-- Who is on which matter, in which role.
CREATE TABLE matter_parties (
    matter_id  TEXT NOT NULL REFERENCES matters(id),
    contact_id TEXT NOT NULL REFERENCES contacts(id),
    role       TEXT NOT NULL,
    PRIMARY KEY (matter_id, contact_id, role)
) STRICT;
CREATE INDEX matter_parties_by_contact ON matter_parties(contact_id);

-- The conflict-check key of a matter's client name; filled by the application (the key is
-- computed in Rust), so rows from before this migration start empty.
ALTER TABLE matters ADD COLUMN client_key TEXT NOT NULL DEFAULT '';
"#;

const V3: &str = r#"
-- Conflict checks run on this device, kept so that opening a matter can cite the check it
-- relied on (and so that one check serves one matter). The decision lives in the matter's
-- document.
CREATE TABLE conflict_checks (
    id        TEXT PRIMARY KEY,
    at        TEXT NOT NULL,
    actor_id  TEXT NOT NULL,
    names     TEXT NOT NULL,
    hits      TEXT NOT NULL,
    parties   INTEGER NOT NULL,
    matter_id TEXT
) STRICT;
"#;

const V4: &str = r#"
-- Time recorded on matters (projection of the matters' documents).
CREATE TABLE time_entries (
    id           TEXT PRIMARY KEY,
    matter_id    TEXT NOT NULL REFERENCES matters(id),
    user_id      TEXT NOT NULL,
    date         TEXT NOT NULL,
    minutes      INTEGER NOT NULL CHECK (minutes > 0),
    unit_minutes INTEGER NOT NULL CHECK (unit_minutes > 0),
    units        INTEGER NOT NULL CHECK (units > 0),
    billable     INTEGER NOT NULL CHECK (billable IN (0, 1)),
    activity     TEXT NOT NULL,
    description  TEXT NOT NULL,
    rate_pence   INTEGER NOT NULL CHECK (rate_pence >= 0),
    value_pence  INTEGER NOT NULL CHECK (value_pence >= 0)
) STRICT;
CREATE INDEX time_entries_by_matter ON time_entries(matter_id, date);
CREATE INDEX time_entries_by_user ON time_entries(user_id, date);

-- A running timer per user on this device. Local state, not a document: it lives in the
-- store so that it survives quitting and crashing, and becomes a time entry when stopped.
CREATE TABLE timers (
    user_id     TEXT PRIMARY KEY,
    matter_id   TEXT NOT NULL REFERENCES matters(id),
    started_at  TEXT NOT NULL,
    activity    TEXT NOT NULL,
    description TEXT NOT NULL
) STRICT;

-- Fee earners' hourly rates, in pence (projection of the firm document).
ALTER TABLE users ADD COLUMN rate_pence INTEGER NOT NULL DEFAULT 0;
"#;

const V5: &str = r#"
-- Key dates on matters (projection of the matters' documents).
CREATE TABLE key_dates (
    id            TEXT PRIMARY KEY,
    matter_id     TEXT NOT NULL REFERENCES matters(id),
    kind          TEXT NOT NULL,
    date          TEXT NOT NULL,
    title         TEXT NOT NULL,
    reminder_days INTEGER NOT NULL CHECK (reminder_days >= 0),
    reminder_on   TEXT NOT NULL CHECK (reminder_on <= date),
    created_by    TEXT NOT NULL
) STRICT;
CREATE INDEX key_dates_by_date ON key_dates(date);
CREATE INDEX key_dates_by_reminder ON key_dates(reminder_on);
"#;

const V6: &str = r#"
-- Notes on matters: attendance notes and file notes (projection of the matters' documents).
CREATE TABLE notes (
    id        TEXT PRIMARY KEY,
    matter_id TEXT NOT NULL REFERENCES matters(id),
    at        TEXT NOT NULL,
    author_id TEXT NOT NULL,
    kind      TEXT NOT NULL CHECK (kind IN ('attendance', 'file')),
    title     TEXT NOT NULL,
    body      TEXT NOT NULL
) STRICT;
CREATE INDEX notes_by_matter ON notes(matter_id, at);
"#;

const V7: &str = r#"
-- A matter's own hourly rate (overriding the fee earner's) and the estimate given to the
-- client, in pence; NULL when not set (projection of the matters' documents).
ALTER TABLE matters ADD COLUMN rate_pence INTEGER;
ALTER TABLE matters ADD COLUMN estimate_pence INTEGER;
"#;

const V8: &str = r#"
-- Expenses and disbursements on matters (projection of the matters' documents).
CREATE TABLE expenses (
    id          TEXT PRIMARY KEY,
    matter_id   TEXT NOT NULL REFERENCES matters(id),
    user_id     TEXT NOT NULL,
    date        TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('disbursement', 'expense')),
    description TEXT NOT NULL,
    net_pence   INTEGER NOT NULL CHECK (net_pence > 0),
    vat_pence   INTEGER NOT NULL CHECK (vat_pence >= 0)
) STRICT;
CREATE INDEX expenses_by_matter ON expenses(matter_id, date);
"#;

const V9: &str = r#"
-- Matters gain a third status (archived) with the dates of closing and archiving, a
-- practice area, a fee earner and a supervisor. SQLite cannot change a CHECK constraint in
-- place, so the table is rebuilt (foreign keys are off while migrations run).
CREATE TABLE matters_v9 (
    id             TEXT PRIMARY KEY,
    number         INTEGER NOT NULL UNIQUE,
    client_name    TEXT NOT NULL,
    description    TEXT NOT NULL,
    opened         TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('open', 'closed', 'archived')),
    opened_by      TEXT NOT NULL,
    client_key     TEXT NOT NULL DEFAULT '',
    rate_pence     INTEGER,
    estimate_pence INTEGER,
    practice_area  TEXT NOT NULL DEFAULT 'general',
    fee_earner_id  TEXT NOT NULL DEFAULT '',
    supervisor_id  TEXT,
    closed_on      TEXT,
    archived_on    TEXT
) STRICT;
INSERT INTO matters_v9 (id, number, client_name, description, opened, status, opened_by,
    client_key, rate_pence, estimate_pence, fee_earner_id)
SELECT id, number, client_name, description, opened, status, opened_by,
    client_key, rate_pence, estimate_pence, opened_by
FROM matters;
DROP TABLE matters;
ALTER TABLE matters_v9 RENAME TO matters;
CREATE INDEX matters_by_client ON matters(client_name COLLATE NOCASE);
CREATE INDEX matters_by_status ON matters(status, number);
CREATE INDEX matters_by_fee_earner ON matters(fee_earner_id);

-- Tasks on matters (projection of the matters' documents).
CREATE TABLE tasks (
    id          TEXT PRIMARY KEY,
    matter_id   TEXT NOT NULL REFERENCES matters(id),
    title       TEXT NOT NULL,
    assignee_id TEXT NOT NULL,
    due         TEXT NOT NULL,
    done_on     TEXT,
    created_by  TEXT NOT NULL
) STRICT;
CREATE INDEX tasks_open_by_due ON tasks(due) WHERE done_on IS NULL;
CREATE INDEX tasks_by_matter ON tasks(matter_id);

-- Documents on matters and their versions (projection of the matters' documents).
CREATE TABLE matter_files (
    file_id    TEXT NOT NULL,
    version    INTEGER NOT NULL CHECK (version > 0),
    matter_id  TEXT NOT NULL REFERENCES matters(id),
    name       TEXT NOT NULL,
    size       INTEGER NOT NULL CHECK (size > 0),
    sha256     TEXT NOT NULL,
    added_by   TEXT NOT NULL,
    added_at   TEXT NOT NULL,
    PRIMARY KEY (file_id, version)
) STRICT;
CREATE INDEX matter_files_by_matter ON matter_files(matter_id, name);

-- The bytes of documents, by SHA-256: local content, not a projection (a rebuild keeps
-- it). Encrypted with the rest of the store.
CREATE TABLE blobs (
    sha256 TEXT PRIMARY KEY,
    size   INTEGER NOT NULL,
    bytes  BLOB NOT NULL
) STRICT;

-- One search over contacts, matters, notes and document names, kept by the projections:
-- `search_docs` holds what is searchable, `search_index` (FTS5, external content) indexes
-- it, and the triggers keep the two in step.
CREATE TABLE search_docs (
    id        INTEGER PRIMARY KEY,
    kind      TEXT NOT NULL CHECK (kind IN ('contact', 'matter', 'note', 'document')),
    ref_id    TEXT NOT NULL,
    matter_id TEXT,
    title     TEXT NOT NULL,
    body      TEXT NOT NULL,
    UNIQUE (kind, ref_id)
) STRICT;
CREATE INDEX search_docs_by_matter ON search_docs(matter_id);
CREATE VIRTUAL TABLE search_index USING fts5(
    title,
    body,
    content = 'search_docs',
    content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3'
);
CREATE TRIGGER search_docs_ai AFTER INSERT ON search_docs BEGIN
    INSERT INTO search_index (rowid, title, body) VALUES (new.id, new.title, new.body);
END;
CREATE TRIGGER search_docs_ad AFTER DELETE ON search_docs BEGIN
    INSERT INTO search_index (search_index, rowid, title, body)
    VALUES ('delete', old.id, old.title, old.body);
END;
CREATE TRIGGER search_docs_au AFTER UPDATE ON search_docs BEGIN
    INSERT INTO search_index (search_index, rowid, title, body)
    VALUES ('delete', old.id, old.title, old.body);
    INSERT INTO search_index (rowid, title, body) VALUES (new.id, new.title, new.body);
END;
"#;

const V10: &str = r#"
-- Matters whose client's conflict key is still to be computed (only rows from before V2):
-- a partial index that is empty in practice, so the check made at every unlock reads no
-- matter rows instead of all of them.
CREATE INDEX matters_missing_client_key ON matters(id) WHERE client_key = '';
"#;

const V11: &str = r#"
-- The firm's bank accounts (projection of the firm document).
CREATE TABLE bank_accounts (
    id             TEXT PRIMARY KEY,
    kind           TEXT NOT NULL CHECK (kind IN ('client', 'office')),
    name           TEXT NOT NULL,
    sort_code      TEXT NOT NULL,
    account_number TEXT NOT NULL,
    opening_pence  INTEGER NOT NULL CHECK (kind = 'office' OR opening_pence >= 0),
    opened_on      TEXT NOT NULL,
    UNIQUE (sort_code, account_number)
) STRICT;
"#;

const V12: &str = r#"
-- Postings (projection of the matter documents): one row per posting, immutable. `body`
-- is the posting as the core books take it (JSON), so a ledger can be replayed.
CREATE TABLE postings (
    id            TEXT PRIMARY KEY,
    matter_id     TEXT NOT NULL REFERENCES matters(id),
    matter_number INTEGER NOT NULL,
    date          TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('receipt', 'payment', 'client_to_office', 'client_to_client', 'reversal')),
    account_id    TEXT NOT NULL,
    amount_pence  INTEGER NOT NULL CHECK (amount_pence >= 0),
    reference     TEXT NOT NULL,
    party         TEXT NOT NULL,
    recorded_by   TEXT NOT NULL,
    authorised_by TEXT,
    recorded_at   TEXT NOT NULL,
    state         TEXT NOT NULL CHECK (state IN ('pending', 'confirmed')),
    reverses      TEXT,
    bill_ref      TEXT,
    body          TEXT NOT NULL
) STRICT;
CREATE INDEX postings_by_matter ON postings(matter_number, date, id);
CREATE INDEX postings_reverses ON postings(reverses) WHERE reverses IS NOT NULL;

-- Where each posting moves money, credit positive: a bank account's cash book ('cash',
-- matter 0), a matter's client ledger in one client account ('client'), or a matter's
-- office side ('office', account ''). Opening balances are rows too, with posting ids
-- 'opening:<account>' — so every balance is one sum over one index.
CREATE TABLE posting_moves (
    posting_id    TEXT NOT NULL,
    place         TEXT NOT NULL CHECK (place IN ('cash', 'client', 'office')),
    account_id    TEXT NOT NULL,
    matter_number INTEGER NOT NULL,
    date          TEXT NOT NULL,
    delta_pence   INTEGER NOT NULL,
    confirmed     INTEGER NOT NULL CHECK (confirmed IN (0, 1)),
    PRIMARY KEY (posting_id, place, account_id, matter_number)
) STRICT, WITHOUT ROWID;
CREATE INDEX moves_by_ledger ON posting_moves(matter_number, place, account_id, delta_pence);
CREATE INDEX moves_by_account ON posting_moves(account_id, place, date, delta_pence);
"#;

const V13: &str = r#"
-- The central register of bills, written notifications of costs and credit notes
-- (projection of the matter documents). `lines` is the bill's lines as JSON.
CREATE TABLE bills (
    id                  TEXT PRIMARY KEY,
    matter_id           TEXT NOT NULL REFERENCES matters(id),
    matter_number       INTEGER NOT NULL,
    number              TEXT NOT NULL UNIQUE,
    kind                TEXT NOT NULL CHECK (kind IN ('bill', 'notification', 'credit_note')),
    date                TEXT NOT NULL,
    delivered_on        TEXT,
    credits             TEXT,
    fees_pence          INTEGER NOT NULL,
    expenses_pence      INTEGER NOT NULL,
    disbursements_pence INTEGER NOT NULL,
    vat_pence           INTEGER NOT NULL,
    total_pence         INTEGER NOT NULL,
    lines               TEXT NOT NULL,
    reason              TEXT,
    recorded_by         TEXT NOT NULL,
    recorded_at         TEXT NOT NULL
) STRICT;
CREATE INDEX bills_by_matter ON bills(matter_number, date);
CREATE INDEX bills_by_date ON bills(date);
CREATE INDEX bills_credits ON bills(credits) WHERE credits IS NOT NULL;
CREATE INDEX postings_by_bill ON postings(bill_ref) WHERE bill_ref IS NOT NULL;

-- Bill numbers leased to this device, as matter numbers are (a standalone device holds
-- the whole series).
CREATE TABLE bill_number_blocks (
    first INTEGER NOT NULL,
    last  INTEGER NOT NULL,
    next  INTEGER NOT NULL,
    CHECK (first <= next AND next <= last + 1)
) STRICT;
INSERT INTO bill_number_blocks (first, last, next) VALUES (1, 999999, 1);

-- The bill an item was billed on (NULL: unbilled).
ALTER TABLE time_entries ADD COLUMN bill_id TEXT;
ALTER TABLE expenses ADD COLUMN bill_id TEXT;
"#;

const V14: &str = r#"
-- Bank statements and reconciliations (projection of each bank account's document).
CREATE TABLE statement_imports (
    id            TEXT PRIMARY KEY,
    account_id    TEXT NOT NULL,
    file_name     TEXT NOT NULL,
    sha256        TEXT NOT NULL,
    imported_by   TEXT NOT NULL,
    imported_at   TEXT NOT NULL,
    added         INTEGER NOT NULL,
    duplicates    INTEGER NOT NULL,
    closing_date  TEXT,
    closing_pence INTEGER
) STRICT;
CREATE TABLE statement_lines (
    account_id      TEXT NOT NULL,
    key             TEXT NOT NULL,
    import_id       TEXT NOT NULL,
    line            INTEGER NOT NULL,
    date            TEXT NOT NULL,
    amount_pence    INTEGER NOT NULL,
    description     TEXT NOT NULL,
    reference       TEXT NOT NULL,
    matched_posting TEXT,
    matched_auto    INTEGER,
    PRIMARY KEY (account_id, key)
) STRICT;
CREATE INDEX statement_lines_by_date ON statement_lines(account_id, date);
CREATE UNIQUE INDEX statement_lines_matched ON statement_lines(account_id, matched_posting)
    WHERE matched_posting IS NOT NULL;
CREATE TABLE reconciliations (
    id                TEXT PRIMARY KEY,
    account_id        TEXT NOT NULL,
    date              TEXT NOT NULL,
    statement_pence   INTEGER NOT NULL,
    adjusted_pence    INTEGER NOT NULL,
    cash_book_pence   INTEGER NOT NULL,
    ledger_total_pence INTEGER NOT NULL,
    difference_pence  INTEGER NOT NULL,
    figures           TEXT NOT NULL,
    explanations      TEXT NOT NULL,
    signed_by         TEXT NOT NULL,
    signed_at         TEXT NOT NULL,
    UNIQUE (account_id, date)
) STRICT;
"#;

const V15: &str = r#"
-- The SRA breach log and the register of residual balances paid away (projection of the
-- firm document).
CREATE TABLE breaches (
    id            TEXT PRIMARY KEY,
    date          TEXT NOT NULL,
    matter_number INTEGER,
    description   TEXT NOT NULL,
    automatic     INTEGER NOT NULL CHECK (automatic IN (0, 1)),
    recorded_by   TEXT NOT NULL,
    recorded_at   TEXT NOT NULL
) STRICT;
CREATE TABLE residuals (
    id             TEXT PRIMARY KEY,
    matter_number  INTEGER NOT NULL,
    owner          TEXT NOT NULL,
    amount_pence   INTEGER NOT NULL,
    tracing_steps  TEXT NOT NULL,
    charity        TEXT NOT NULL,
    charity_number TEXT NOT NULL,
    sra_authority  TEXT,
    date           TEXT NOT NULL,
    recorded_by    TEXT NOT NULL
) STRICT;
"#;

const V16: &str = r#"
-- The list of client balances reads every client movement grouped by account and matter:
-- a covering index in that order makes it one pass with no sort.
CREATE INDEX moves_client_balances ON posting_moves(place, account_id, matter_number, delta_pence, confirmed, date);
"#;

const V17: &str = r#"
-- A cash book entry is outstanding at a reconciliation until a statement line dated on or
-- before its date is matched to it. The date of the line matched to each cash book entry
-- (NULL: none) is kept on the entry (the bank projection writes it when a line is matched
-- or unmatched, the posting projection when an entry is written), so that what is
-- outstanding is two short ranges of one index rather than a look-up for every entry the
-- account ever had; and the statement lines matched to nothing have an index of their own.
ALTER TABLE posting_moves ADD COLUMN presented_on TEXT;
UPDATE posting_moves SET presented_on = (
    SELECT s.date FROM statement_lines s
    WHERE s.account_id = posting_moves.account_id AND s.matched_posting = posting_moves.posting_id)
  WHERE place = 'cash';
CREATE INDEX moves_unpresented ON posting_moves(account_id, presented_on, date) WHERE place = 'cash';
CREATE INDEX statement_lines_unmatched ON statement_lines(account_id, date) WHERE matched_posting IS NULL;
"#;

const V18: &str = r#"
-- The firm server answers a pending payment: confirmed, or refused (it would have overdrawn
-- a client ledger on the firm's books). A refused posting stays listed, moving no money,
-- with the server's reason.
CREATE TABLE postings_v18 (
    id            TEXT PRIMARY KEY,
    matter_id     TEXT NOT NULL REFERENCES matters(id),
    matter_number INTEGER NOT NULL,
    date          TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('receipt', 'payment', 'client_to_office', 'client_to_client', 'reversal')),
    account_id    TEXT NOT NULL,
    amount_pence  INTEGER NOT NULL CHECK (amount_pence >= 0),
    reference     TEXT NOT NULL,
    party         TEXT NOT NULL,
    recorded_by   TEXT NOT NULL,
    authorised_by TEXT,
    recorded_at   TEXT NOT NULL,
    state         TEXT NOT NULL CHECK (state IN ('pending', 'confirmed', 'refused')),
    reverses      TEXT,
    bill_ref      TEXT,
    body          TEXT NOT NULL,
    refused_reason TEXT
) STRICT;
INSERT INTO postings_v18 (id, matter_id, matter_number, date, kind, account_id, amount_pence,
        reference, party, recorded_by, authorised_by, recorded_at, state, reverses, bill_ref, body)
    SELECT id, matter_id, matter_number, date, kind, account_id, amount_pence,
        reference, party, recorded_by, authorised_by, recorded_at, state, reverses, bill_ref, body
    FROM postings;
DROP TABLE postings;
ALTER TABLE postings_v18 RENAME TO postings;
CREATE INDEX postings_by_matter ON postings(matter_number, date, id);
CREATE INDEX postings_reverses ON postings(reverses) WHERE reverses IS NOT NULL;
CREATE INDEX postings_by_bill ON postings(bill_ref) WHERE bill_ref IS NOT NULL;
CREATE INDEX postings_pending ON postings(matter_number) WHERE state = 'pending';
"#;

const V19: &str = r#"
-- Documents changed on this device that the firm server has not had yet: 0 once sent,
-- otherwise the order of the latest local change, so that a sync marks as sent only what
-- it read (a change made while it ran stays to send). A store never synced has it all
-- to send.
ALTER TABLE documents ADD COLUMN unsent INTEGER NOT NULL DEFAULT 0;
UPDATE documents SET unsent = 1
    WHERE NOT EXISTS (SELECT 1 FROM meta WHERE key = 'last_sync_at')
       OR updated_at > (SELECT value FROM meta WHERE key = 'last_sync_at');
CREATE INDEX documents_unsent ON documents(unsent) WHERE unsent > 0;
"#;

const V20: &str = r#"
-- Documents destroyed here by an erasure or under the retention schedule (or, told by the
-- firm server, elsewhere): the id, the anonymised copy that replaced it if any, when, and
-- whether the firm server knows (0 until the next sync tells it). Ids only: no content.
CREATE TABLE erased_documents (
    id          TEXT PRIMARY KEY,
    replaced_by TEXT,
    erased_at   TEXT NOT NULL,
    told_server INTEGER NOT NULL CHECK (told_server IN (0, 1))
) STRICT;
CREATE INDEX erased_untold ON erased_documents(erased_at) WHERE told_server = 0;
"#;

pub(crate) fn migrations() -> Migrations<'static> {
    Migrations::new(vec![
        M::up(V1),
        M::up(V2),
        M::up(V3),
        M::up(V4),
        M::up(V5),
        M::up(V6),
        M::up(V7),
        M::up(V8),
        M::up(V9),
        M::up(V10),
        M::up(V11),
        M::up(V12),
        M::up(V13),
        M::up(V14),
        M::up(V15),
        M::up(V16),
        M::up(V17),
        M::up(V18),
        M::up(V19),
        M::up(V20),
    ])
}

/// The newest schema version this build knows.
pub fn latest() -> u32 {
    20
}

pub(crate) fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let current: u32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if current > latest() {
        return Err(StoreError::TooNew {
            found: current,
            known: latest(),
        });
    }
    if current == latest() {
        return Ok(());
    }
    // Table rebuilds (V9) need foreign keys off while they run; check them all afterwards.
    conn.pragma_update(None, "foreign_keys", "OFF")?;
    let migrated = migrations()
        .to_latest(conn)
        .map_err(|e| StoreError::Migration(e.to_string()));
    let broken: i64 = conn.query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
        r.get(0)
    })?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    migrated?;
    if broken > 0 {
        return Err(StoreError::Migration(format!(
            "{broken} rows refer to rows that do not exist after migrating"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn migrations_are_valid() {
        assert!(super::migrations().validate().is_ok());
    }
}
