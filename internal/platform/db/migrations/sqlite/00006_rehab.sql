-- +goose Up
-- Rehabilitation: the district centre and a sub-centre per town with a weekly
-- capacity (sessions per week) and the services they give; the weekly slots a
-- case's plan books at a centre; the sessions recorded (with attendance).
CREATE TABLE rehab_centres (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    name_en    TEXT NOT NULL DEFAULT '',
    orgunit    TEXT NOT NULL UNIQUE REFERENCES orgunits (code),
    capacity   INTEGER NOT NULL CHECK (capacity >= 0),
    services   TEXT NOT NULL DEFAULT '',
    updated_by TEXT NOT NULL DEFAULT '',
    updated_at BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE rehab_bookings (
    case_id BIGINT NOT NULL REFERENCES cases (id),
    centre  BIGINT NOT NULL REFERENCES rehab_centres (id),
    week    TEXT NOT NULL,
    slots   INTEGER NOT NULL CHECK (slots > 0),
    PRIMARY KEY (case_id, week)
);
CREATE INDEX rehab_bookings_centre ON rehab_bookings (centre, week);

CREATE TABLE rehab_sessions (
    id        INTEGER PRIMARY KEY,
    case_id   BIGINT NOT NULL REFERENCES cases (id),
    person_id BIGINT NOT NULL REFERENCES persons (id),
    centre    BIGINT NOT NULL REFERENCES rehab_centres (id),
    date      TEXT NOT NULL,
    attended  BOOLEAN NOT NULL,
    note      TEXT NOT NULL DEFAULT '',
    at        BIGINT NOT NULL
);
CREATE INDEX rehab_sessions_person ON rehab_sessions (person_id, date);
CREATE INDEX rehab_sessions_centre ON rehab_sessions (centre, date);
CREATE INDEX rehab_sessions_case ON rehab_sessions (case_id, date);

-- +goose Down
DROP TABLE rehab_sessions;
DROP TABLE rehab_bookings;
DROP TABLE rehab_centres;
