-- +goose Up
-- An import that is writing (registry/importer.go): one row from its start
-- to its summary audit entry. The heartbeat (Unix milliseconds) moves with
-- every batch, so that on PostgreSQL, where several servers share the
-- database, a server recovers only imports whose process has stopped (no
-- heartbeat for a while), and only one server does (it claims the row by
-- moving the heartbeat it read).
CREATE TABLE import_runs (
    import_id TEXT PRIMARY KEY,
    kind      TEXT NOT NULL,
    mode      TEXT NOT NULL,
    username  TEXT NOT NULL DEFAULT '',
    heartbeat BIGINT NOT NULL
);

-- A strict import commits in bounded batches, so that reads never wait
-- behind one long write transaction; undo holds what each batch changed
-- (the records as they were before it, sealed with the data key), so that
-- when a later row is rejected, or the process dies, the import is undone
-- and leaves nothing written.
ALTER TABLE import_batches ADD COLUMN undo {{blob}};

-- +goose Down
ALTER TABLE import_batches DROP COLUMN undo;
DROP TABLE import_runs;
