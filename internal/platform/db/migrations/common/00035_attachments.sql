-- +goose Up
-- Attachments (issue 19): photos and scans kept with a person's record or a
-- case (internal/attachments). The file is checked by its content (JPEG,
-- PNG or PDF), stripped of its metadata, and stored sealed with the data key
-- in parts of at most 128 KiB (attachment_parts), so that a backup, a
-- restore and a key rotation hold a few parts in memory at a time, never a
-- whole table of files. thumb is the sealed small JPEG of an image (empty
-- for a PDF). sha256 is the hex digest of the stored (stripped) content:
-- the same file twice on one record is refused, and a download checks it.
-- A deleted attachment keeps its row and parts (deleted_at, by, reason).
CREATE TABLE attachments (
    id            {{identity}},
    person_id     BIGINT NOT NULL REFERENCES persons (id),
    case_id       BIGINT REFERENCES cases (id),
    kind          TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    size          BIGINT NOT NULL,
    sha256        TEXT NOT NULL,
    width         INTEGER NOT NULL DEFAULT 0,
    height        INTEGER NOT NULL DEFAULT 0,
    parts         INTEGER NOT NULL,
    thumb         {{blob}},
    created_by    TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    deleted_at    BIGINT NOT NULL DEFAULT 0,
    deleted_by    TEXT NOT NULL DEFAULT '',
    delete_reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX attachments_person ON attachments (person_id, id);
CREATE INDEX attachments_case ON attachments (case_id, id);

-- A part of an attachment's content, in order (seq from 0), sealed for
-- "attachment_part:" + its id.
CREATE TABLE attachment_parts (
    id            {{identity}},
    attachment_id BIGINT NOT NULL REFERENCES attachments (id),
    seq           INTEGER NOT NULL,
    data          {{blob}} NOT NULL
);
CREATE UNIQUE INDEX attachment_parts_seq ON attachment_parts (attachment_id, seq);

-- +goose Down
DROP TABLE attachment_parts;
DROP TABLE attachments;
