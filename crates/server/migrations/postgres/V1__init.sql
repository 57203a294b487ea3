-- The firm server's PostgreSQL schema: the same tables as the embedded SQLite store.
CREATE TABLE chunks (
    key  TEXT COLLATE "C" PRIMARY KEY,
    data BYTEA NOT NULL
);
CREATE TABLE users (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    initials   TEXT NOT NULL UNIQUE,
    role       TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE enrol_codes (
    code_sha256 TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users(id),
    expires_at  TEXT NOT NULL,
    used_at     TEXT,
    device_id   TEXT
);
CREATE TABLE grants (
    user_id TEXT NOT NULL REFERENCES users(id),
    doc_id  TEXT NOT NULL,
    access  TEXT NOT NULL CHECK (access IN ('read', 'download', 'edit')),
    PRIMARY KEY (user_id, doc_id)
);
CREATE TABLE access_version (
    one     INTEGER PRIMARY KEY CHECK (one = 1),
    version BIGINT NOT NULL
);
INSERT INTO access_version VALUES (1, 0);
CREATE TABLE devices (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users(id),
    name        TEXT NOT NULL,
    public_key  BYTEA NOT NULL,
    enrolled_at TEXT NOT NULL,
    revoked_at  TEXT
);
