-- +goose Up
-- The served persons' feedback on the cases of purchased services and the
-- expert scores of contracts (internal/providers, issue 16).
--
-- A person (or staff on their behalf: on_behalf TRUE) rates a closed case
-- that was assigned to a contract once: satisfaction 1 to 5 and an optional
-- complaint. contract_id and provider_id are the case's contract when the
-- feedback was given; orgunit is the case's (the complaint is a task for the
-- staff whose scope holds it). A complaint is handled once: handled_at 0 is
-- an open complaint, else who handled it, when and the note they wrote.
CREATE TABLE case_feedback (
    case_id      BIGINT NOT NULL PRIMARY KEY REFERENCES cases (id),
    contract_id  BIGINT NOT NULL REFERENCES provider_contracts (id),
    provider_id  BIGINT NOT NULL REFERENCES providers (id),
    person_id    BIGINT NOT NULL REFERENCES persons (id),
    orgunit      {{ctext}} NOT NULL,
    satisfaction INTEGER NOT NULL,
    complaint    TEXT NOT NULL DEFAULT '',
    given_by     TEXT NOT NULL,
    on_behalf    BOOLEAN NOT NULL DEFAULT FALSE,
    given_at     BIGINT NOT NULL,
    handled_by   TEXT NOT NULL DEFAULT '',
    handled_at   BIGINT NOT NULL DEFAULT 0,
    handled_note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX case_feedback_contract ON case_feedback (contract_id, case_id);
CREATE INDEX case_feedback_open ON case_feedback (handled_at, orgunit);

-- The expert score of a contract's evaluation (0 to 100), entered by
-- district staff; entering it again replaces it (each entry is audited).
CREATE TABLE contract_expert_scores (
    contract_id BIGINT NOT NULL PRIMARY KEY REFERENCES provider_contracts (id),
    score       INTEGER NOT NULL,
    note        TEXT NOT NULL DEFAULT '',
    scored_by   TEXT NOT NULL,
    scored_at   BIGINT NOT NULL
);

-- +goose Down
DROP TABLE contract_expert_scores;
DROP INDEX case_feedback_open;
DROP INDEX case_feedback_contract;
DROP TABLE case_feedback;
