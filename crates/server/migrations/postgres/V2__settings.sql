-- The server's own settings (the firm's document).
CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
