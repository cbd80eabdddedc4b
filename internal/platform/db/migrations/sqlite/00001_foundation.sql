-- +goose Up
CREATE TABLE orgunits (
    code       TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    name_en    TEXT NOT NULL DEFAULT '',
    level      INTEGER NOT NULL CHECK (level BETWEEN 1 AND 4),
    parent     TEXT REFERENCES orgunits (code),
    demo       BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL
);
CREATE INDEX orgunits_parent ON orgunits (parent, code);

CREATE TABLE persons (
    id                    INTEGER PRIMARY KEY,
    name                  TEXT NOT NULL,
    id_enc                BLOB NOT NULL,
    id_bidx               BLOB NOT NULL UNIQUE,
    id_masked             TEXT NOT NULL,
    id_converted          BOOLEAN NOT NULL DEFAULT FALSE,
    sex                   TEXT NOT NULL CHECK (sex IN ('M', 'F')),
    birth_date            TEXT NOT NULL,
    cert_enc              BLOB,
    cert_masked           TEXT NOT NULL DEFAULT '',
    category              INTEGER NOT NULL CHECK (category BETWEEN 1 AND 7),
    components            TEXT NOT NULL DEFAULT '',
    grade                 INTEGER NOT NULL CHECK (grade BETWEEN 1 AND 4),
    orgunit               TEXT NOT NULL REFERENCES orgunits (code),
    household             TEXT NOT NULL DEFAULT '',
    phone_enc             BLOB,
    phone_masked          TEXT NOT NULL DEFAULT '',
    address               TEXT NOT NULL DEFAULT '',
    hukou                 TEXT NOT NULL DEFAULT 'local',
    economic_status       TEXT NOT NULL DEFAULT 'normal',
    guardian_name         TEXT NOT NULL DEFAULT '',
    guardian_phone_enc    BLOB,
    guardian_phone_masked TEXT NOT NULL DEFAULT '',
    certificate_issued    TEXT NOT NULL DEFAULT '',
    status                TEXT NOT NULL DEFAULT 'active',
    version               INTEGER NOT NULL DEFAULT 1,
    created_at            BIGINT NOT NULL,
    updated_at            BIGINT NOT NULL
);
CREATE INDEX persons_orgunit ON persons (orgunit, id);
CREATE INDEX persons_name ON persons (name, id);

CREATE TABLE annual_records (
    person_id                   BIGINT NOT NULL REFERENCES persons (id),
    year                        INTEGER NOT NULL,
    orgunit                     TEXT NOT NULL REFERENCES orgunits (code),
    employment                  TEXT NOT NULL,
    college_graduate            BOOLEAN NOT NULL DEFAULT FALSE,
    school_enrolled             BOOLEAN NOT NULL DEFAULT FALSE,
    rehab_need                  BOOLEAN NOT NULL DEFAULT FALSE,
    rehab_received              BOOLEAN NOT NULL DEFAULT FALSE,
    device_need                 BOOLEAN NOT NULL DEFAULT FALSE,
    device_received             BOOLEAN NOT NULL DEFAULT FALSE,
    pension_insured             BOOLEAN NOT NULL DEFAULT FALSE,
    medical_insured             BOOLEAN NOT NULL DEFAULT FALSE,
    culture_sports              BOOLEAN NOT NULL DEFAULT FALSE,
    economic_status             TEXT NOT NULL DEFAULT 'normal',
    living_subsidy_received     BOOLEAN NOT NULL DEFAULT FALSE,
    care_subsidy_received       BOOLEAN NOT NULL DEFAULT FALSE,
    household_income_per_capita BIGINT,
    version                     INTEGER NOT NULL DEFAULT 1,
    updated_at                  BIGINT NOT NULL,
    updated_by                  TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (person_id, year)
);
CREATE INDEX annual_year_orgunit ON annual_records (year, orgunit, person_id);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL DEFAULT '',
    role          TEXT NOT NULL,
    orgunit       TEXT NOT NULL REFERENCES orgunits (code),
    person_id     BIGINT REFERENCES persons (id),
    password_hash TEXT NOT NULL,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until  BIGINT NOT NULL DEFAULT 0,
    lang          TEXT NOT NULL DEFAULT 'zh',
    display       TEXT NOT NULL DEFAULT 'standard',
    disabled      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    BIGINT NOT NULL
);

CREATE TABLE sessions (
    token_hash BLOB PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_seen  BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE audit_log (
    seq          BIGINT PRIMARY KEY,
    at           BIGINT NOT NULL,
    username     TEXT NOT NULL DEFAULT '',
    role         TEXT NOT NULL DEFAULT '',
    action       TEXT NOT NULL,
    subject_type TEXT NOT NULL DEFAULT '',
    subject_id   TEXT NOT NULL DEFAULT '',
    orgunit      TEXT NOT NULL DEFAULT '',
    client       TEXT NOT NULL DEFAULT '',
    reason       TEXT NOT NULL DEFAULT '',
    detail       TEXT NOT NULL DEFAULT '',
    prev_hash    TEXT NOT NULL,
    hash         TEXT NOT NULL
);
CREATE INDEX audit_subject ON audit_log (subject_type, subject_id, seq);
CREATE INDEX audit_user ON audit_log (username, seq);
CREATE INDEX audit_at ON audit_log (at, seq);

CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '');

-- +goose StatementBegin
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
-- +goose StatementEnd

-- +goose Down
DROP TABLE audit_head;
DROP TABLE audit_log;
DROP TABLE sessions;
DROP TABLE users;
DROP TABLE annual_records;
DROP TABLE persons;
DROP TABLE orgunits;
