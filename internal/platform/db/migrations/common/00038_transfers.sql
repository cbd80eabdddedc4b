-- +goose Up
-- Moving a person between districts (issue 20, internal/transfers). One row
-- per transfer package, on each side: direction 'out' on the sending
-- installation (person_id: the person sent; orgunit: their village when the
-- package was issued; state issued, cancelled or completed), 'in' on the
-- receiving one (orgunit: the unit of the staff who uploaded it, then the
-- village it was accepted into; person_id: the person registered then;
-- state received or accepted). ref is the package's random reference: one
-- row per ref on an installation, so the same package is never taken twice.
-- package is the package file as issued or received: its personal data stays
-- sealed for the receiving partner (AES-256-GCM under their shared key).
-- One open ('issued') transfer per person (transfers_open).
CREATE TABLE transfers (
    id          {{identity}},
    ref         {{ctext}} NOT NULL UNIQUE,
    direction   TEXT NOT NULL,
    partner     {{ctext}} NOT NULL,
    person_id   BIGINT REFERENCES persons (id),
    orgunit     {{ctext}} NOT NULL,
    state       TEXT NOT NULL,
    reason      TEXT NOT NULL DEFAULT '',
    package     TEXT NOT NULL,
    note        TEXT NOT NULL DEFAULT '',
    created_by  TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_by  TEXT NOT NULL,
    updated_at  BIGINT NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX transfers_unit ON transfers (orgunit, id);
CREATE UNIQUE INDEX transfers_open ON transfers (person_id) WHERE direction = 'out' AND state = 'issued';

-- +goose Down
DROP TABLE transfers;
