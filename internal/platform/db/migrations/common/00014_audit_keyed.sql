-- +goose Up
-- The audit chain is keyed from here on (internal/audit). Each entry carries
-- the version of its chain value: 0, a plain SHA-256, for the entries written
-- before this migration; 1, an HMAC-SHA-256 under a key derived from the data
-- key, which is not in the database, for every later one.
ALTER TABLE audit_log ADD COLUMN chain INTEGER NOT NULL DEFAULT 0;
-- keyed_from is the first entry of the keyed chain: the entries before it are
-- version 0, it and every later one version 1. The first keyed entry chains
-- onto the last unkeyed one.
ALTER TABLE audit_head ADD COLUMN keyed_from BIGINT NOT NULL DEFAULT 1;
UPDATE audit_head SET keyed_from = seq + 1;

-- Signed checkpoints: the chain value of one entry, signed (Ed25519) with a key
-- derived from the data key. They are written every so many entries
-- ('auto'), when the auditor asks ('requested') and where a verification
-- reached ('verified'); the auditor keeps copies outside the system.
CREATE TABLE audit_checkpoints (
    id        {{identity}},
    seq       BIGINT NOT NULL,
    hash      TEXT NOT NULL,
    at        BIGINT NOT NULL,
    entries   BIGINT NOT NULL,
    kind      TEXT NOT NULL,
    signature TEXT NOT NULL
);
CREATE INDEX audit_checkpoints_kind ON audit_checkpoints (kind, seq);
CREATE INDEX audit_checkpoints_seq ON audit_checkpoints (seq);
{{- if .SQLite}}

-- +goose StatementBegin
CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
BEGIN
    SELECT RAISE(ABORT, 'audit_checkpoints is append-only');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints
BEGIN
    SELECT RAISE(ABORT, 'audit_checkpoints is append-only');
END;
-- +goose StatementEnd
{{- end}}
{{- if .Postgres}}

-- +goose StatementBegin
CREATE FUNCTION audit_checkpoints_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_checkpoints is append-only';
END
$$;
-- +goose StatementEnd
CREATE TRIGGER audit_checkpoints_no_change BEFORE UPDATE OR DELETE ON audit_checkpoints
    FOR EACH ROW EXECUTE FUNCTION audit_checkpoints_append_only();
{{- end}}

-- +goose Down
DROP TABLE audit_checkpoints;
{{- if .Postgres}}
DROP FUNCTION audit_checkpoints_append_only();
{{- end}}
ALTER TABLE audit_head DROP COLUMN keyed_from;
ALTER TABLE audit_log DROP COLUMN chain;
