-- When each document last changed, in the order of the server's writes: a device asks
-- what changed since its last sync instead of going through everything.
CREATE SEQUENCE doc_change_seq;
CREATE TABLE doc_changes (doc_id TEXT PRIMARY KEY, seq BIGINT NOT NULL);
CREATE INDEX doc_changes_by_seq ON doc_changes(seq);
INSERT INTO doc_changes (doc_id, seq)
    SELECT d, nextval('doc_change_seq')
    FROM (SELECT DISTINCT split_part(key, '/', 1) AS d FROM chunks WHERE position('/' in key) > 0) s;
