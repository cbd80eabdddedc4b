-- +goose Up
-- Work that must run once although several servers share a PostgreSQL
-- database (db.TakeLease): one row per piece of work, held by one server
-- (holder, a random id of the process) until expires_at (Unix milliseconds).
-- A server takes a lease whose time is up, or renews its own, in one
-- statement; the others see that they do not hold it and leave the work.
CREATE TABLE leases (
    name       {{ctext}} NOT NULL PRIMARY KEY,
    holder     TEXT NOT NULL,
    expires_at BIGINT NOT NULL
){{without_rowid}};

-- +goose Down
DROP TABLE leases;
