-- +goose Up
-- The audit page and API filter by action (a rare one, such as user_disable or
-- 2fa_reset, among a million reads) newest first: without this index each
-- such page read the whole log backwards (seconds at 1,000,000 entries).
CREATE INDEX audit_action ON audit_log (action, seq);

-- +goose Down
DROP INDEX audit_action;
