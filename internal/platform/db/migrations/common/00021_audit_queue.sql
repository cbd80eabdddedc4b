-- +goose Up
-- On SQLite, while a bulk writer (an import) holds the one writer batch after
-- batch, the audit entries of reads are committed to a queue file beside the
-- database (audit.Log) and moved into the chained log between the batches.
-- A queue file is named by a random generation; moved is the last queue id
-- moved into audit_log, written in the same transaction as the entries, so
-- that each queued entry is moved exactly once, even after a crash.
CREATE TABLE audit_queue_marks (
    generation {{ctext}} NOT NULL PRIMARY KEY,
    moved      BIGINT NOT NULL
){{without_rowid}};

-- +goose Down
DROP TABLE audit_queue_marks;
