-- +goose Up
-- The yearly "ten micro-charity projects" selection (十大微公益项目,
-- internal/providers, issue 16). An organisation proposes a project for a
-- year: title, summary (no personal data), the towns it serves
-- (comma-separated codes), the budget asked in cents and the number of
-- people expected to benefit.
CREATE TABLE micro_projects (
    id            {{identity}},
    year          INTEGER NOT NULL,
    provider_id   BIGINT NOT NULL REFERENCES providers (id),
    title         TEXT NOT NULL,
    summary       TEXT NOT NULL,
    towns         TEXT NOT NULL DEFAULT '',
    budget_cents  BIGINT NOT NULL,
    beneficiaries INTEGER NOT NULL,
    created_by    TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);
CREATE INDEX micro_projects_year ON micro_projects (year, id);
CREATE INDEX micro_projects_provider ON micro_projects (provider_id, year, id);

-- A district staff member's rubric scores of a proposal, one row per scorer
-- (the username): need 0..30, feasibility 0..25, benefit to disabled people
-- 0..25, cost 0..10, sustainability 0..10; total is their sum.
CREATE TABLE micro_scores (
    project_id     BIGINT NOT NULL REFERENCES micro_projects (id),
    scorer         TEXT NOT NULL,
    need           INTEGER NOT NULL,
    feasibility    INTEGER NOT NULL,
    benefit        INTEGER NOT NULL,
    cost           INTEGER NOT NULL,
    sustainability INTEGER NOT NULL,
    total          INTEGER NOT NULL,
    scored_at      BIGINT NOT NULL,
    PRIMARY KEY (project_id, scorer)
){{without_rowid}};

-- The call of a year: closed (no more proposals) and published (the
-- selection frozen in micro_selection); 0 and '' while not.
CREATE TABLE micro_years (
    year         INTEGER NOT NULL PRIMARY KEY,
    closed_by    TEXT NOT NULL DEFAULT '',
    closed_at    BIGINT NOT NULL DEFAULT 0,
    published_by TEXT NOT NULL DEFAULT '',
    published_at BIGINT NOT NULL DEFAULT 0
);

-- The published selection of a year, frozen when published: the rank, the
-- project and, as they stood then, what the public page shows and the
-- average score (hundredths of a point).
CREATE TABLE micro_selection (
    year          INTEGER NOT NULL,
    rank          INTEGER NOT NULL,
    project_id    BIGINT NOT NULL REFERENCES micro_projects (id),
    title         TEXT NOT NULL,
    provider_name TEXT NOT NULL,
    towns         TEXT NOT NULL DEFAULT '',
    summary       TEXT NOT NULL,
    budget_cents  BIGINT NOT NULL,
    score         INTEGER NOT NULL,
    PRIMARY KEY (year, rank)
){{without_rowid}};

-- +goose Down
DROP TABLE micro_selection;
DROP TABLE micro_years;
DROP TABLE micro_scores;
DROP INDEX micro_projects_provider;
DROP INDEX micro_projects_year;
DROP TABLE micro_projects;
