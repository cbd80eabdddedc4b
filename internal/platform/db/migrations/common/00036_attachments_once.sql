-- +goose Up
-- The same file is kept once on a record (issue 19): two uploads of one
-- photo at the same moment (a double tap) must not both be stored. The
-- attachments module looks first and answers 409; this index makes the
-- look race-free on PostgreSQL, where two transactions may both look.
CREATE UNIQUE INDEX attachments_once ON attachments (person_id, COALESCE(case_id, 0), sha256) WHERE deleted_at = 0;

-- +goose Down
DROP INDEX attachments_once;
