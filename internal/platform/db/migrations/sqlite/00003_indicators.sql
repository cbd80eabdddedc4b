-- +goose Up
-- Indicators (DOMAIN.md §7), kept live: one fact row per person and year
-- (year 0: the registry row), and counters per year, village and breakdown
-- dimension, changed in the same transaction as the persons and annual records
-- they come from. `sunshine indicators check` compares them to a recomputation.
CREATE TABLE indicator_facts (
    person_id   BIGINT NOT NULL REFERENCES persons (id),
    year        INTEGER NOT NULL,
    orgunit     TEXT NOT NULL,
    reg_orgunit TEXT NOT NULL,
    active      BOOLEAN NOT NULL,
    category    INTEGER NOT NULL,
    grade       INTEGER NOT NULL,
    sex         TEXT NOT NULL,
    birth_year  INTEGER NOT NULL,
    bits        BIGINT NOT NULL DEFAULT 0,
    income      BIGINT,
    PRIMARY KEY (person_id, year)
) WITHOUT ROWID;
CREATE INDEX indicator_facts_unit ON indicator_facts (year, orgunit, person_id);

CREATE TABLE indicator_rollup (
    year    INTEGER NOT NULL,
    dim     TEXT NOT NULL,
    orgunit TEXT NOT NULL,
    val     TEXT NOT NULL,
    records                            BIGINT NOT NULL DEFAULT 0,
    surveyed                           BIGINT NOT NULL DEFAULT 0,
    active                             BIGINT NOT NULL DEFAULT 0,
    d_employment_rate                  BIGINT NOT NULL DEFAULT 0,
    n_employment_rate                  BIGINT NOT NULL DEFAULT 0,
    d_graduate_employment_rate         BIGINT NOT NULL DEFAULT 0,
    n_graduate_employment_rate         BIGINT NOT NULL DEFAULT 0,
    d_compulsory_education_rate        BIGINT NOT NULL DEFAULT 0,
    n_compulsory_education_rate        BIGINT NOT NULL DEFAULT 0,
    d_culture_sports_rate              BIGINT NOT NULL DEFAULT 0,
    n_culture_sports_rate              BIGINT NOT NULL DEFAULT 0,
    d_rehab_rate                       BIGINT NOT NULL DEFAULT 0,
    n_rehab_rate                       BIGINT NOT NULL DEFAULT 0,
    d_device_rate                      BIGINT NOT NULL DEFAULT 0,
    n_device_rate                      BIGINT NOT NULL DEFAULT 0,
    d_living_subsidy_coverage          BIGINT NOT NULL DEFAULT 0,
    n_living_subsidy_coverage          BIGINT NOT NULL DEFAULT 0,
    d_care_subsidy_coverage            BIGINT NOT NULL DEFAULT 0,
    n_care_subsidy_coverage            BIGINT NOT NULL DEFAULT 0,
    d_pension_insurance_rate           BIGINT NOT NULL DEFAULT 0,
    n_pension_insurance_rate           BIGINT NOT NULL DEFAULT 0,
    d_medical_insurance_rate           BIGINT NOT NULL DEFAULT 0,
    n_medical_insurance_rate           BIGINT NOT NULL DEFAULT 0,
    income_sum                         BIGINT NOT NULL DEFAULT 0,
    income_n                           BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (year, dim, orgunit, val)
) WITHOUT ROWID;

CREATE TABLE indicator_targets (
    orgunit    TEXT NOT NULL REFERENCES orgunits (code),
    year       INTEGER NOT NULL,
    code       TEXT NOT NULL,
    target     REAL NOT NULL,
    updated_by TEXT NOT NULL DEFAULT '',
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (orgunit, year, code)
);

-- +goose Down
DROP TABLE indicator_targets;
DROP TABLE indicator_rollup;
DROP TABLE indicator_facts;
