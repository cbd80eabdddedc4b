-- +goose Up
-- The eligibility rules of the two monthly subsidies (DOMAIN.md §4), kept
-- as data: every row is one version of a rule, in force from its month
-- (effective_from, YYYY-MM) until a later version of the same code. A
-- version is never changed: district staff add a new one. expression is a
-- CEL condition over the person's facts (internal/benefits); kind is
-- 'requires' (must hold) or 'grants' (pays amount_cents a month). The
-- rules of §4 are seeded by the binary when it starts (benefits.Seed).
CREATE TABLE benefit_rules (
    id             {{identity}},
    code           {{ctext}} NOT NULL,
    benefit        TEXT NOT NULL,
    kind           TEXT NOT NULL,
    position       INTEGER NOT NULL DEFAULT 0,
    expression     TEXT NOT NULL,
    amount_cents   BIGINT NOT NULL DEFAULT 0,
    effective_from {{ctext}} NOT NULL,
    title_zh       TEXT NOT NULL,
    title_en       TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    created_by     TEXT NOT NULL,
    UNIQUE (code, effective_from)
);

-- +goose Down
DROP TABLE benefit_rules;
