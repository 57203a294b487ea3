-- Devices' audit trails, as they send them: each device's events in order, each linked to
-- the one before by its hash (checked when it arrives, and by `satchel-server audit verify`).
CREATE TABLE audit_trail (
    device TEXT NOT NULL,
    seq    BIGINT NOT NULL,
    event  TEXT NOT NULL,
    hash   TEXT NOT NULL,
    PRIMARY KEY (device, seq)
);
