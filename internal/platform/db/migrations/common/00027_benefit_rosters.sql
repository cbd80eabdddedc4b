-- +goose Up
-- Monthly payment rosters of the two subsidies (internal/benefits, DOMAIN.md
-- §4, issue 15 item 3). A roster is one benefit, one month (YYYY-MM) and
-- the org unit whose subtree it covers; it is made (state 'draft') by one
-- member of staff and approved ('approved') by another (maker ≠ checker),
-- or cancelled ('cancelled') while a draft so that a new one can be made.
-- At most one roster per benefit, month and unit is not cancelled.
-- headcount and total_cents are those of its rows. Times are Unix milliseconds.
CREATE TABLE benefit_rosters (
    id           {{identity}},
    benefit      TEXT NOT NULL,
    month        {{ctext}} NOT NULL,
    orgunit      {{ctext}} NOT NULL REFERENCES orgunits (code),
    state        TEXT NOT NULL,
    headcount    INTEGER NOT NULL,
    total_cents  BIGINT NOT NULL,
    created_by   TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    decided_by   TEXT NOT NULL DEFAULT '',
    decided_at   BIGINT NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX benefit_rosters_live ON benefit_rosters (benefit, month, orgunit) WHERE state <> 'cancelled';
CREATE INDEX benefit_rosters_orgunit ON benefit_rosters (orgunit, month);

-- The rows of a roster, frozen when it is made: every eligible person of
-- the unit's subtree with the name as it was then, their town and village
-- codes, the amount a month in cents and the code of the rule that decided.
-- Later changes of the facts or the rules never rewrite them.
CREATE TABLE benefit_roster_rows (
    roster_id    BIGINT NOT NULL REFERENCES benefit_rosters (id),
    person_id    BIGINT NOT NULL,
    name         TEXT NOT NULL,
    town         {{ctext}} NOT NULL,
    village      {{ctext}} NOT NULL,
    amount_cents BIGINT NOT NULL,
    rule         TEXT NOT NULL,
    PRIMARY KEY (roster_id, person_id)
){{without_rowid}};

-- +goose Down
DROP TABLE benefit_roster_rows;
DROP TABLE benefit_rosters;
