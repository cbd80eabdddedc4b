-- +goose Up
-- Casework: cases of a service type for a person, moved through the type's
-- workflow; every step in the timeline. Assistive devices: catalogue, service
-- points, stock per point (never negative), stock moves and loans.
CREATE TABLE cases (
    id           INTEGER PRIMARY KEY,
    person_id    BIGINT NOT NULL REFERENCES persons (id),
    orgunit      TEXT NOT NULL REFERENCES orgunits (code),
    service_type TEXT NOT NULL,
    state        TEXT NOT NULL,
    data         TEXT NOT NULL DEFAULT '{}',
    version      INTEGER NOT NULL DEFAULT 1,
    due_at       BIGINT NOT NULL DEFAULT 0,
    created_by   TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    closed_at    BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX cases_unit ON cases (orgunit, id);
CREATE INDEX cases_open ON cases (closed_at, orgunit, due_at);
CREATE INDEX cases_person ON cases (person_id, id);

CREATE TABLE case_events (
    id         INTEGER PRIMARY KEY,
    case_id    BIGINT NOT NULL REFERENCES cases (id),
    at         BIGINT NOT NULL,
    username   TEXT NOT NULL,
    role       TEXT NOT NULL,
    action     TEXT NOT NULL,
    from_state TEXT NOT NULL,
    to_state   TEXT NOT NULL,
    data       TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX case_events_case ON case_events (case_id, id);

CREATE TABLE device_catalogue (
    code    TEXT PRIMARY KEY,
    name    TEXT NOT NULL,
    name_en TEXT NOT NULL,
    mode    TEXT NOT NULL CHECK (mode IN ('loan', 'grant')),
    referral BOOLEAN NOT NULL DEFAULT FALSE
);

CREATE TABLE service_points (
    id      INTEGER PRIMARY KEY,
    name    TEXT NOT NULL,
    name_en TEXT NOT NULL DEFAULT '',
    orgunit TEXT NOT NULL UNIQUE REFERENCES orgunits (code)
);

CREATE TABLE device_stock (
    service_point BIGINT NOT NULL REFERENCES service_points (id),
    code          TEXT NOT NULL REFERENCES device_catalogue (code),
    quantity      INTEGER NOT NULL CHECK (quantity >= 0),
    PRIMARY KEY (service_point, code)
);

CREATE TABLE device_moves (
    id            INTEGER PRIMARY KEY,
    service_point BIGINT NOT NULL REFERENCES service_points (id),
    code          TEXT NOT NULL REFERENCES device_catalogue (code),
    delta         INTEGER NOT NULL,
    case_id       BIGINT REFERENCES cases (id),
    note          TEXT NOT NULL DEFAULT '',
    username      TEXT NOT NULL DEFAULT '',
    at            BIGINT NOT NULL
);
CREATE INDEX device_moves_point ON device_moves (service_point, id);

CREATE TABLE device_loans (
    case_id       BIGINT NOT NULL REFERENCES cases (id),
    code          TEXT NOT NULL REFERENCES device_catalogue (code),
    person_id     BIGINT NOT NULL REFERENCES persons (id),
    service_point BIGINT NOT NULL REFERENCES service_points (id),
    lent_at       BIGINT NOT NULL,
    due_date      TEXT NOT NULL,
    returned_at   BIGINT NOT NULL DEFAULT 0,
    condition     TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (case_id, code)
);
CREATE INDEX device_loans_person ON device_loans (person_id, returned_at);

-- +goose Down
DROP TABLE device_loans;
DROP TABLE device_moves;
DROP TABLE device_stock;
DROP TABLE service_points;
DROP TABLE device_catalogue;
DROP TABLE case_events;
DROP TABLE cases;
