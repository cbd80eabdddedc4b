-- +goose Up
-- Sign-in throttling (identity.Store.Login): one row per counted bucket, an
-- (account, address) pair, an account or a client address. bucket is a kind
-- letter and the hex SHA-256 of the username and/or address, so that names
-- typed at the sign-in form are not stored as typed. Times are Unix
-- milliseconds. failures counts the attempts of the current window (since),
-- the ones being checked included; blocked_until is when a block ends;
-- strikes how many blocks came before (each block is twice as long); seen_at
-- the last counted attempt: a row not seen for 48 hours is forgotten and
-- deleted.
CREATE TABLE login_limits (
    bucket        {{ctext}} NOT NULL PRIMARY KEY,
    failures      INTEGER NOT NULL DEFAULT 0,
    since         BIGINT NOT NULL DEFAULT 0,
    blocked_until BIGINT NOT NULL DEFAULT 0,
    strikes       INTEGER NOT NULL DEFAULT 0,
    seen_at       BIGINT NOT NULL DEFAULT 0
){{without_rowid}};
CREATE INDEX login_limits_seen ON login_limits (seen_at);

-- +goose Down
DROP TABLE login_limits;
