-- +goose Up
-- A second factor (internal/identity/totp.go): a time-based one-time password
-- (RFC 6238) and ten one-time recovery codes per account. secret is the
-- base32 TOTP secret sealed with the data key (vault, AES-GCM, bound to the
-- user), never in clear; confirmed is set once the user typed one right code,
-- and only a confirmed row asks for a code at sign-in. last_step is the
-- 30-second step of the last code accepted: a code of that step or an
-- earlier one is refused (no replay). Times are Unix milliseconds.
CREATE TABLE user_totp (
    user_id      BIGINT NOT NULL PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret       {{blob}} NOT NULL,
    confirmed    BOOLEAN NOT NULL DEFAULT FALSE,
    last_step    BIGINT NOT NULL DEFAULT 0,
    created_at   BIGINT NOT NULL DEFAULT 0,
    confirmed_at BIGINT NOT NULL DEFAULT 0
);

-- Recovery codes, each as a keyed hash (HMAC with a key derived from the data
-- key); used_at is when it was used (0: not yet), and a used code never works
-- again.
CREATE TABLE user_recovery_codes (
    user_id   BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash {{blob}} NOT NULL,
    used_at   BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, code_hash)
);

-- The half-signed-in state of a page sign-in whose password was right and
-- whose code is still to come: a random token handed to the browser in the
-- second step's form, stored only as its SHA-256; it ends at expires_at or
-- when used.
CREATE TABLE login_challenges (
    token_hash {{blob}} NOT NULL PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at BIGINT NOT NULL
);
CREATE INDEX login_challenges_expires ON login_challenges (expires_at);

-- +goose Down
DROP TABLE login_challenges;
DROP TABLE user_recovery_codes;
DROP TABLE user_totp;
