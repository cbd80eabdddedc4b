-- +goose Up
CREATE TABLE imports (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    username    TEXT NOT NULL,
    file_name   TEXT NOT NULL DEFAULT '',
    sha256      TEXT NOT NULL DEFAULT '',
    state       TEXT NOT NULL,
    rows_done   INTEGER NOT NULL DEFAULT 0,
    rows_total  INTEGER NOT NULL DEFAULT 0,
    report      TEXT NOT NULL DEFAULT '',
    rejects_enc BYTEA,
    created_at  BIGINT NOT NULL,
    finished_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX imports_user ON imports (username, created_at);

-- +goose Down
DROP TABLE imports;
