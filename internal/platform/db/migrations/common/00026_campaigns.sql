-- +goose Up
-- Yearly service campaigns (internal/campaigns, DOMAIN.md §8): health checks
-- and telecom discount packages. A campaign is a kind, a name, a year, the
-- org unit whose subtree it covers and the criteria staff chose (JSON); its
-- eligible list is computed from the registry at creation and frozen in
-- campaign_persons, so that later registry changes leave it as it was.
-- created_at is Unix milliseconds.
CREATE TABLE campaigns (
    id         {{identity}},
    kind       TEXT NOT NULL,
    name       TEXT NOT NULL,
    year       INTEGER NOT NULL,
    orgunit    {{ctext}} NOT NULL REFERENCES orgunits (code),
    criteria   TEXT NOT NULL,
    eligible   INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX campaigns_year ON campaigns (year, orgunit);

-- One row per person on a campaign's list. done_on is the day the person
-- was reached (YYYY-MM-DD; '' not yet), done_by who recorded it, done_at
-- when (Unix milliseconds), source how ('form', 'api' or 'import').
CREATE TABLE campaign_persons (
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id),
    person_id   BIGINT NOT NULL REFERENCES persons (id),
    done_on     TEXT NOT NULL DEFAULT '',
    done_by     TEXT NOT NULL DEFAULT '',
    done_at     BIGINT NOT NULL DEFAULT 0,
    source      TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (campaign_id, person_id)
){{without_rowid}};
CREATE INDEX campaign_persons_person ON campaign_persons (person_id);

-- +goose Down
DROP TABLE campaign_persons;
DROP TABLE campaigns;
