-- +goose Up
-- Home accessibility renovation: the yearly budget of each district and what
-- approved renovations have committed of it.
CREATE TABLE renovation_budgets (
    orgunit     TEXT NOT NULL REFERENCES orgunits (code),
    year        INTEGER NOT NULL,
    cents       BIGINT NOT NULL CHECK (cents >= 0),
    updated_by  TEXT NOT NULL DEFAULT '',
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (orgunit, year)
);

CREATE TABLE renovation_commitments (
    case_id BIGINT PRIMARY KEY REFERENCES cases (id),
    orgunit TEXT NOT NULL,
    year    INTEGER NOT NULL,
    cents   BIGINT NOT NULL
);
CREATE INDEX renovation_commitments_budget ON renovation_commitments (orgunit, year);

-- +goose Down
DROP TABLE renovation_commitments;
DROP TABLE renovation_budgets;
