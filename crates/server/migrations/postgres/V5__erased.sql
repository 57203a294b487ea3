-- Documents destroyed for good (a person's erasure, the retention schedule): their chunks
-- are gone and no chunk is stored under their ids again; devices holding one are told.
CREATE TABLE erased (
    doc_id      TEXT PRIMARY KEY,
    replaced_by TEXT,
    erased_at   TEXT NOT NULL
);
