-- +goose Up
-- Person-specific amounts of a benefit set on appeal (internal/benefits,
-- the benefit_appeal service type): when district staff uphold an appeal,
-- the person gets amount_cents a month of the benefit from the month of
-- the decision (from_month) to until_month inclusive (both YYYY-MM); later
-- months fall back to the rules. One override per appeal case; a row is
-- never changed. Of several in force for a month, the latest decided wins.
CREATE TABLE benefit_overrides (
    id           {{identity}},
    person_id    BIGINT NOT NULL REFERENCES persons (id),
    benefit      TEXT NOT NULL,
    amount_cents BIGINT NOT NULL,
    from_month   {{ctext}} NOT NULL,
    until_month  {{ctext}} NOT NULL,
    case_id      BIGINT NOT NULL UNIQUE REFERENCES cases (id),
    decided_by   TEXT NOT NULL,
    decided_at   BIGINT NOT NULL
);
CREATE INDEX benefit_overrides_person ON benefit_overrides (person_id, benefit);

-- +goose Down
DROP TABLE benefit_overrides;
