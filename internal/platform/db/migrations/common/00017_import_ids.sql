-- +goose Up
-- The persons each committed batch of a skip-invalid import created and
-- updated, as ",id,id,…," lists (registry/importer.go): written in the
-- batch's transaction, so that when the process dies mid-way the audit entry
-- of the interrupted import (registry.NewJobs) can still name every person the
-- import wrote. The rows go when that entry, or the import's own summary
-- entry, is written. A strict import is one transaction and writes none.
CREATE TABLE import_batches (
    import_id TEXT NOT NULL,
    seq       INTEGER NOT NULL,
    created   TEXT NOT NULL DEFAULT '',
    updated   TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (import_id, seq)
);

-- +goose Down
DROP TABLE import_batches;
