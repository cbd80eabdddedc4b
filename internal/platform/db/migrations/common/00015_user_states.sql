-- +goose Up
-- The three administrators are separated (三员分立, internal/identity): an
-- account is 'active' (it signs in), 'pending' (created or re-enabled through
-- the web by one administrator, waiting for a different administrator of the
-- other kind to approve it) or 'disabled' (it cannot sign in; reason says why).
-- requested_by and requested_role name the administrator who asked for a
-- pending account. Every existing account stays as it was: active unless
-- disabled. The old column disabled is kept in step (disabled = state
-- 'disabled').
ALTER TABLE users ADD COLUMN state TEXT NOT NULL DEFAULT 'active';
ALTER TABLE users ADD COLUMN requested_by TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN requested_role TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN state_reason TEXT NOT NULL DEFAULT '';
UPDATE users SET state = 'disabled' WHERE disabled = TRUE;
CREATE INDEX users_state ON users (state);

-- +goose Down
DROP INDEX users_state;
ALTER TABLE users DROP COLUMN state_reason;
ALTER TABLE users DROP COLUMN requested_role;
ALTER TABLE users DROP COLUMN requested_by;
ALTER TABLE users DROP COLUMN state;
