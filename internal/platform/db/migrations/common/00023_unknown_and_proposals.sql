-- +goose Up
-- The yes/no answers of an annual record that are not known (registry:
-- Annual.Unknown): the names of those fields, comma-separated, in the order
-- of the form. Their boolean column stays FALSE, so that the indicators count
-- them as before; a record made before this column says '' (every answer
-- known, as it always meant).
ALTER TABLE annual_records ADD COLUMN unknown TEXT NOT NULL DEFAULT '';

-- A job seeker recommended by staff for an employer's vacancy (jobs): the
-- employer sees it and accepts (to interview) or declines it. One
-- recommendation per vacancy and person; orgunit is the person's unit when
-- recommended (the scope staff see it in).
CREATE TABLE job_proposals (
    id          {{identity}},
    vacancy_id  BIGINT NOT NULL REFERENCES vacancies (id),
    employer_id BIGINT NOT NULL REFERENCES employers (id),
    person_id   BIGINT NOT NULL REFERENCES persons (id),
    orgunit     {{ctext}} NOT NULL REFERENCES orgunits (code),
    state       TEXT NOT NULL DEFAULT 'proposed',
    note        TEXT NOT NULL DEFAULT '',
    proposed_by TEXT NOT NULL DEFAULT '',
    proposed_at BIGINT NOT NULL,
    decided_by  TEXT NOT NULL DEFAULT '',
    decided_at  BIGINT,
    UNIQUE (vacancy_id, person_id)
);
CREATE INDEX job_proposals_employer ON job_proposals (employer_id, state, id);
CREATE INDEX job_proposals_person ON job_proposals (person_id);

-- +goose Down
DROP TABLE job_proposals;
ALTER TABLE annual_records DROP COLUMN unknown;
