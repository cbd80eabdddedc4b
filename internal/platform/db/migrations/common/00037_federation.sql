-- +goose Up
-- Federation (internal/federation): one installation per district, partner
-- installations as peers.

-- The installation's own settings: 'district' is the home district's code,
-- stored on first start (serve --district, SUNSHINE_DISTRICT, else 310114);
-- a different code later is refused.
CREATE TABLE installation (
    name       TEXT NOT NULL PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at BIGINT NOT NULL
){{without_rowid}};

-- The partners this installation calls (sunshine peer add, the peers
-- page): a partner district's code and name, its base URL, and the key it
-- issued to us (key_id, and the secret sealed, bound to the row's id).
-- revoked_at 0: in use. One live registration per district.
CREATE TABLE peers (
    id         {{identity}},
    district   TEXT NOT NULL,
    name       TEXT NOT NULL,
    url        TEXT NOT NULL,
    key_id     TEXT NOT NULL,
    secret_enc {{blob}} NOT NULL,
    added_by   TEXT NOT NULL,
    added_at   BIGINT NOT NULL,
    revoked_at BIGINT NOT NULL DEFAULT 0,
    revoked_by TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX peers_live ON peers (district) WHERE revoked_at = 0;

-- The keys this installation issued to partners' installations: each one
-- signs calls as a peer account (role peer) for the partner district named.
-- The secret is sealed (bound to the row's key_id); revoked_at 0: valid.
CREATE TABLE peer_keys (
    key_id     TEXT NOT NULL PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id),
    district   TEXT NOT NULL,
    secret_enc {{blob}} NOT NULL,
    issued_by  TEXT NOT NULL,
    issued_at  BIGINT NOT NULL,
    last_used  BIGINT NOT NULL DEFAULT 0,
    revoked_at BIGINT NOT NULL DEFAULT 0,
    revoked_by TEXT NOT NULL DEFAULT ''
){{without_rowid}};

-- The nonces of signed calls seen within their time window: a call whose
-- (key, nonce) is here is a replay. Swept once expired.
CREATE TABLE peer_nonces (
    key_id     TEXT NOT NULL,
    nonce      TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (key_id, nonce)
){{without_rowid}};
CREATE INDEX peer_nonces_expiry ON peer_nonces (expires_at);

-- The last good answer of each partner to each aggregate call (the
-- dashboard shows it, with its age, when the partner does not answer).
CREATE TABLE peer_cache (
    peer_id    BIGINT NOT NULL REFERENCES peers (id),
    path       TEXT NOT NULL,
    body       TEXT NOT NULL,
    fetched_at BIGINT NOT NULL,
    PRIMARY KEY (peer_id, path)
){{without_rowid}};

-- +goose Down
DROP TABLE peer_cache;
DROP TABLE peer_nonces;
DROP TABLE peer_keys;
DROP TABLE peers;
DROP TABLE installation;
