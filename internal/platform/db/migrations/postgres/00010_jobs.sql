-- +goose Up
-- Employment profiles of job seekers (one per registered person). Skills and
-- accommodations are bit sets over the fixed vocabularies of internal/jobs
-- (positions are append-only), and the person's org unit and whether they are
-- active are copied from persons (kept in step in every transaction that
-- changes persons), so that ranking 30,000 seekers reads one small index.
CREATE TABLE job_seekers (
    person_id  BIGINT PRIMARY KEY REFERENCES persons (id),
    orgunit    TEXT NOT NULL,
    active     BOOLEAN NOT NULL,
    seeking    BOOLEAN NOT NULL DEFAULT TRUE,
    education  INTEGER NOT NULL,
    hours      INTEGER NOT NULL,
    skills     BIGINT NOT NULL DEFAULT 0,
    needs      BIGINT NOT NULL DEFAULT 0,
    desired    TEXT NOT NULL DEFAULT '',
    abilities  TEXT NOT NULL DEFAULT '',
    updated_by TEXT NOT NULL DEFAULT '',
    updated_at BIGINT NOT NULL
);
CREATE INDEX job_seekers_rank ON job_seekers (orgunit, person_id, education, hours, skills, needs) WHERE seeking AND active;

-- The generation of the seekers: moved on in every transaction that changes a
-- row of job_seekers, so that a server may keep the matching profiles in
-- memory and know, with one small read, whether they are still current.
CREATE TABLE job_seekers_gen (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    n  BIGINT NOT NULL
);
INSERT INTO job_seekers_gen (id, n) VALUES (1, 0);

-- +goose Down
DROP TABLE job_seekers_gen;
DROP TABLE job_seekers;
