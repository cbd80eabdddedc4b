-- +goose Up
-- Vacancies of employers: where the work is, what it asks (skills as a bit
-- set over internal/jobs' vocabulary, education, hours) and what the employer
-- offers (accommodations, wage), matched against the job seekers.
CREATE TABLE vacancies (
    id            INTEGER PRIMARY KEY,
    employer_id   BIGINT NOT NULL REFERENCES employers (id),
    title         TEXT NOT NULL,
    description   TEXT NOT NULL DEFAULT '',
    orgunit       TEXT NOT NULL REFERENCES orgunits (code),
    positions     INTEGER NOT NULL CHECK (positions > 0),
    min_education INTEGER NOT NULL,
    hours         INTEGER NOT NULL,
    skills        BIGINT NOT NULL DEFAULT 0,
    offers        BIGINT NOT NULL DEFAULT 0,
    wage_cents    BIGINT NOT NULL DEFAULT 0 CHECK (wage_cents >= 0),
    open          BOOLEAN NOT NULL DEFAULT TRUE,
    version       INTEGER NOT NULL DEFAULT 1,
    created_by    TEXT NOT NULL DEFAULT '',
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE INDEX vacancies_employer ON vacancies (employer_id, id);
CREATE INDEX vacancies_open ON vacancies (open, orgunit);

-- +goose Down
DROP TABLE vacancies;
