-- +goose Up
-- The Sunshine Clover volunteer corps (阳光四叶草, internal/volunteers,
-- issue 17). Teams are data: four are seeded and may be renamed; a team's
-- leader is one of its volunteers (0: none yet).
CREATE TABLE volunteer_teams (
    code      {{ctext}} NOT NULL PRIMARY KEY,
    name      TEXT NOT NULL,
    name_en   TEXT NOT NULL DEFAULT '',
    seq       INTEGER NOT NULL DEFAULT 0,
    leader_id BIGINT NOT NULL DEFAULT 0,
    version   INTEGER NOT NULL DEFAULT 1
);
INSERT INTO volunteer_teams (code, name, name_en, seq) VALUES
    ('escort', '助行陪伴队', 'Escort and companionship team', 1),
    ('rehab', '康复助理队', 'Rehabilitation assistance team', 2),
    ('sign', '手语服务队', 'Sign language team', 3),
    ('repair', '便民维修队', 'Home repair team', 4);

-- A volunteer: the phone sealed with the data key and masked; skills from a
-- fixed vocabulary and availability (weekdays mon..sun and times am, pm,
-- eve), each comma-separated; the home org unit decides which tasks the
-- volunteer reaches (its town's and those of the units above it); a
-- volunteer may also be a registered disabled person (person_id).
CREATE TABLE volunteers (
    id            {{identity}},
    name          TEXT NOT NULL,
    phone_enc     {{blob}},
    phone_masked  TEXT NOT NULL DEFAULT '',
    team          {{ctext}} NOT NULL REFERENCES volunteer_teams (code),
    orgunit       {{ctext}} NOT NULL REFERENCES orgunits (code),
    skills        TEXT NOT NULL DEFAULT '',
    days          TEXT NOT NULL DEFAULT '',
    times         TEXT NOT NULL DEFAULT '',
    party_member  BOOLEAN NOT NULL DEFAULT FALSE,
    training      TEXT NOT NULL DEFAULT '',
    person_id     BIGINT REFERENCES persons (id),
    active        BOOLEAN NOT NULL DEFAULT TRUE,
    created_by    TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    version       INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX volunteers_orgunit ON volunteers (orgunit, id);
CREATE INDEX volunteers_team ON volunteers (team, id);

-- A volunteer account belongs to one volunteer.
ALTER TABLE users ADD COLUMN volunteer_id BIGINT REFERENCES volunteers (id);

-- A task: created by staff (owner, the username) in an org unit, perhaps for
-- a case or a served person; kind says what it is (escort, home_visit,
-- rehab, event, other); times in UTC milliseconds; slots for volunteers;
-- skills needed (comma-separated); the served person's first name and the
-- address are copied when the task is made (the address only for a home
-- visit) and shown to its volunteers only as the task needs; checkin_code is
-- the secret of the QR code printed for the task; state open or cancelled.
CREATE TABLE volunteer_tasks (
    id            {{identity}},
    title         TEXT NOT NULL,
    kind          TEXT NOT NULL DEFAULT 'other',
    orgunit       {{ctext}} NOT NULL REFERENCES orgunits (code),
    place         TEXT NOT NULL DEFAULT '',
    help          TEXT NOT NULL DEFAULT '',
    starts_at     BIGINT NOT NULL,
    ends_at       BIGINT NOT NULL,
    slots         INTEGER NOT NULL,
    team          TEXT NOT NULL DEFAULT '',
    skills        TEXT NOT NULL DEFAULT '',
    case_id       BIGINT REFERENCES cases (id),
    person_id     BIGINT REFERENCES persons (id),
    served_name   TEXT NOT NULL DEFAULT '',
    address       TEXT NOT NULL DEFAULT '',
    contact_name  TEXT NOT NULL DEFAULT '',
    contact_phone TEXT NOT NULL DEFAULT '',
    checkin_code  TEXT NOT NULL,
    state         TEXT NOT NULL DEFAULT 'open',
    owner         TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    version       INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX volunteer_tasks_orgunit ON volunteer_tasks (orgunit, starts_at);
CREATE INDEX volunteer_tasks_starts ON volunteer_tasks (starts_at, id);
CREATE INDEX volunteer_tasks_case ON volunteer_tasks (case_id);

-- A volunteer signed up to a task (by themself or by staff); the task's
-- times are copied so that overlapping sign-ups are found by one query;
-- checked_in_at is set by the phone at the task (0: not yet); a cancelled
-- sign-up keeps its row (cancelled_at).
CREATE TABLE volunteer_signups (
    task_id       BIGINT NOT NULL REFERENCES volunteer_tasks (id),
    volunteer_id  BIGINT NOT NULL REFERENCES volunteers (id),
    starts_at     BIGINT NOT NULL,
    ends_at       BIGINT NOT NULL,
    signed_by     TEXT NOT NULL,
    signed_at     BIGINT NOT NULL,
    checked_in_at BIGINT NOT NULL DEFAULT 0,
    cancelled_at  BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (task_id, volunteer_id)
){{without_rowid}};
CREATE INDEX volunteer_signups_volunteer ON volunteer_signups (volunteer_id, starts_at);

-- The hours ledger: one entry per volunteer and task, pending until the
-- task's owner (or staff in scope, or the team's leader — never the
-- volunteer) approves or rejects it with a reason.
CREATE TABLE volunteer_hours (
    id             {{identity}},
    task_id        BIGINT NOT NULL REFERENCES volunteer_tasks (id),
    volunteer_id   BIGINT NOT NULL REFERENCES volunteers (id),
    checked_in_at  BIGINT NOT NULL DEFAULT 0,
    checked_out_at BIGINT NOT NULL DEFAULT 0,
    minutes        INTEGER NOT NULL,
    state          TEXT NOT NULL DEFAULT 'pending',
    reason         TEXT NOT NULL DEFAULT '',
    recorded_by    TEXT NOT NULL,
    recorded_at    BIGINT NOT NULL,
    decided_by     TEXT NOT NULL DEFAULT '',
    decided_at     BIGINT NOT NULL DEFAULT 0,
    year           INTEGER NOT NULL,
    UNIQUE (task_id, volunteer_id)
);
CREATE INDEX volunteer_hours_volunteer ON volunteer_hours (volunteer_id, year, id);
CREATE INDEX volunteer_hours_state ON volunteer_hours (state, id);

-- Each volunteer's minutes by year and state, kept in the same transaction
-- as every ledger change (a property test holds them equal to the sums of
-- the entries).
CREATE TABLE volunteer_totals (
    volunteer_id     BIGINT NOT NULL REFERENCES volunteers (id),
    year             INTEGER NOT NULL,
    approved_minutes BIGINT NOT NULL DEFAULT 0,
    pending_minutes  BIGINT NOT NULL DEFAULT 0,
    rejected_minutes BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (volunteer_id, year)
){{without_rowid}};

-- Feedback on a task from the served person or staff on their behalf
-- (1..5 and an optional comment), once per task and giver.
CREATE TABLE volunteer_feedback (
    task_id    BIGINT NOT NULL REFERENCES volunteer_tasks (id),
    given_by   TEXT NOT NULL,
    rating     INTEGER NOT NULL,
    comment    TEXT NOT NULL DEFAULT '',
    on_behalf  BOOLEAN NOT NULL DEFAULT FALSE,
    given_at   BIGINT NOT NULL,
    PRIMARY KEY (task_id, given_by)
){{without_rowid}};

-- +goose Down
DROP TABLE volunteer_feedback;
DROP TABLE volunteer_totals;
DROP TABLE volunteer_hours;
DROP TABLE volunteer_signups;
DROP TABLE volunteer_tasks;
ALTER TABLE users DROP COLUMN volunteer_id;
DROP TABLE volunteers;
DROP TABLE volunteer_teams;
