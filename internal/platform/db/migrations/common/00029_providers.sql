-- +goose Up
-- Purchased services (internal/providers, issue 16). A provider is a social
-- organisation the federation buys services from: its unified social credit
-- code (DOMAIN.md §1.3, unique), kind (hub or member; a member names the hub
-- that coordinates it), the casework service types it offers and the towns
-- it serves (comma-separated codes), a contact (the phone sealed with the
-- data key and masked, as an employer's) and the org unit that registered it.
CREATE TABLE providers (
    id            {{identity}},
    name          TEXT NOT NULL,
    uscc          TEXT NOT NULL UNIQUE,
    kind          TEXT NOT NULL DEFAULT 'member',
    hub_id        BIGINT REFERENCES providers (id),
    orgunit       {{ctext}} NOT NULL REFERENCES orgunits (code),
    services      TEXT NOT NULL DEFAULT '',
    towns         TEXT NOT NULL DEFAULT '',
    contact_name  TEXT NOT NULL DEFAULT '',
    contact_phone_enc    {{blob}},
    contact_phone_masked TEXT NOT NULL DEFAULT '',
    created_by    TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);

-- A provider account belongs to one organisation.
ALTER TABLE users ADD COLUMN provider_id BIGINT REFERENCES providers (id);

-- A contract (purchase agreement) buys one service type from a provider for
-- a year: the budget in cents, the number of cases, the days a case should
-- take from assignment to closing, and the average satisfaction aimed at
-- (hundredths: 450 is 4.5 of 5). orgunit is the unit whose cases it covers.
CREATE TABLE provider_contracts (
    id                  {{identity}},
    provider_id         BIGINT NOT NULL REFERENCES providers (id),
    service_type        TEXT NOT NULL,
    year                INTEGER NOT NULL,
    title               TEXT NOT NULL DEFAULT '',
    orgunit             {{ctext}} NOT NULL REFERENCES orgunits (code),
    budget_cents        BIGINT NOT NULL,
    target_cases        INTEGER NOT NULL,
    due_days            INTEGER NOT NULL,
    target_satisfaction INTEGER NOT NULL DEFAULT 450,
    created_by          TEXT NOT NULL,
    created_at          BIGINT NOT NULL
);
CREATE INDEX provider_contracts_provider ON provider_contracts (provider_id, year);
CREATE INDEX provider_contracts_year ON provider_contracts (year, service_type);

-- Payment milestones of a contract, released once on approval (released_at
-- 0: not yet).
CREATE TABLE contract_milestones (
    contract_id  BIGINT NOT NULL REFERENCES provider_contracts (id),
    seq          INTEGER NOT NULL,
    title        TEXT NOT NULL,
    amount_cents BIGINT NOT NULL,
    released_by  TEXT NOT NULL DEFAULT '',
    released_at  BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (contract_id, seq)
){{without_rowid}};

-- The contract a case is assigned to now and its provider (NULL: none);
-- case_assignments keeps every assignment and reassignment.
ALTER TABLE cases ADD COLUMN contract_id BIGINT REFERENCES provider_contracts (id);
ALTER TABLE cases ADD COLUMN provider_id BIGINT REFERENCES providers (id);
CREATE INDEX cases_provider ON cases (provider_id, id);
CREATE INDEX cases_contract ON cases (contract_id, id);

CREATE TABLE case_assignments (
    id          {{identity}},
    case_id     BIGINT NOT NULL REFERENCES cases (id),
    contract_id BIGINT NOT NULL REFERENCES provider_contracts (id),
    provider_id BIGINT NOT NULL REFERENCES providers (id),
    reason      TEXT NOT NULL DEFAULT '',
    assigned_by TEXT NOT NULL,
    assigned_at BIGINT NOT NULL
);
CREATE INDEX case_assignments_case ON case_assignments (case_id, id);
CREATE INDEX case_assignments_contract ON case_assignments (contract_id, case_id);

-- +goose Down
DROP TABLE case_assignments;
DROP INDEX cases_contract;
DROP INDEX cases_provider;
ALTER TABLE cases DROP COLUMN provider_id;
ALTER TABLE cases DROP COLUMN contract_id;
DROP TABLE contract_milestones;
DROP TABLE provider_contracts;
ALTER TABLE users DROP COLUMN provider_id;
DROP TABLE providers;
