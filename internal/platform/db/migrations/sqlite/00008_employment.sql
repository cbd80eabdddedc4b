-- +goose Up
-- Employment: employers (DOMAIN.md §1.3), their yearly figures and disabled
-- employees linked to the registry, and the parameters of the quota levy
-- (DOMAIN.md §5) per district and year. Money in integer cents.
CREATE TABLE employers (
    id                   INTEGER PRIMARY KEY,
    name                 TEXT NOT NULL,
    uscc                 TEXT NOT NULL UNIQUE,
    orgunit              TEXT NOT NULL REFERENCES orgunits (code),
    address              TEXT NOT NULL DEFAULT '',
    contact_name         TEXT NOT NULL DEFAULT '',
    contact_phone_enc    BLOB,
    contact_phone_masked TEXT NOT NULL DEFAULT '',
    accessibility        TEXT NOT NULL DEFAULT '',
    version              INTEGER NOT NULL DEFAULT 1,
    created_at           BIGINT NOT NULL,
    updated_at           BIGINT NOT NULL
);
CREATE INDEX employers_orgunit ON employers (orgunit, id);

CREATE TABLE employer_figures (
    employer_id        BIGINT NOT NULL REFERENCES employers (id),
    year               INTEGER NOT NULL,
    staff              INTEGER NOT NULL CHECK (staff >= 0),
    average_wage_cents BIGINT NOT NULL CHECK (average_wage_cents >= 0),
    updated_by         TEXT NOT NULL DEFAULT '',
    updated_at         BIGINT NOT NULL,
    PRIMARY KEY (employer_id, year)
);

CREATE TABLE employer_employees (
    id          INTEGER PRIMARY KEY,
    employer_id BIGINT NOT NULL REFERENCES employers (id),
    person_id   BIGINT NOT NULL REFERENCES persons (id),
    from_date   TEXT NOT NULL,
    until_date  TEXT NOT NULL DEFAULT '',
    created_by  TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL
);
CREATE INDEX employer_employees_employer ON employer_employees (employer_id, person_id);
CREATE INDEX employer_employees_person ON employer_employees (person_id);

CREATE TABLE levy_params (
    orgunit                   TEXT NOT NULL REFERENCES orgunits (code),
    year                      INTEGER NOT NULL,
    quota_bp                  INTEGER NOT NULL,
    double_count_severe       BOOLEAN NOT NULL,
    exempt_max_staff          INTEGER NOT NULL,
    exempt_until_year         INTEGER NOT NULL,
    wage_cap_pct              INTEGER NOT NULL,
    threshold_bp              INTEGER NOT NULL,
    rate_at_or_above_bp       INTEGER NOT NULL,
    rate_below_bp             INTEGER NOT NULL,
    social_average_wage_cents BIGINT NOT NULL DEFAULT 0,
    updated_by                TEXT NOT NULL DEFAULT '',
    updated_at                BIGINT NOT NULL,
    PRIMARY KEY (orgunit, year)
);

ALTER TABLE users ADD COLUMN employer_id BIGINT REFERENCES employers (id);

-- +goose Down
ALTER TABLE users DROP COLUMN employer_id;
DROP TABLE levy_params;
DROP TABLE employer_employees;
DROP TABLE employer_figures;
DROP TABLE employers;
