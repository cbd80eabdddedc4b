-- +goose Up
-- The three-level network (issue 18): day centres with their programmes,
-- enrolment and daily roll calls (internal/centres), and sport, culture and
-- skills events with registration, attendance and results (internal/events).

-- A centre: kind sunshine_home (阳光之家), vocational_base (阳光基地),
-- mind_garden (阳光心园), village_home (残疾人之家) or rehab; days are the
-- weekdays it opens (mon..sun, comma-separated); staff names its workers
-- (free text, not accounts).
CREATE TABLE centres (
    id         {{identity}},
    name       TEXT NOT NULL,
    name_en    TEXT NOT NULL DEFAULT '',
    kind       TEXT NOT NULL,
    orgunit    {{ctext}} NOT NULL REFERENCES orgunits (code),
    address    TEXT NOT NULL DEFAULT '',
    capacity   INTEGER NOT NULL,
    days       TEXT NOT NULL DEFAULT 'mon,tue,wed,thu,fri',
    staff      TEXT NOT NULL DEFAULT '',
    active     BOOLEAN NOT NULL DEFAULT TRUE,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    version    INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX centres_orgunit ON centres (orgunit, id);

-- A programme of a centre: a course, therapy group, work project, or a
-- culture or sport activity (attending one of the last two counts toward
-- culture_sports_rate); days and times ('HH:MM') when it meets.
CREATE TABLE centre_programmes (
    id         {{identity}},
    centre_id  BIGINT NOT NULL REFERENCES centres (id),
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL,
    days       TEXT NOT NULL DEFAULT '',
    starts     TEXT NOT NULL DEFAULT '',
    ends       TEXT NOT NULL DEFAULT '',
    active     BOOLEAN NOT NULL DEFAULT TRUE,
    version    INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX centre_programmes_centre ON centre_programmes (centre_id, id);

-- A person's place at a centre: state enrolled, waiting (the centre was
-- full; seq orders the waiting list) or left; override_reason is set when
-- district staff enrolled someone outside the centre's intake rule.
CREATE TABLE centre_enrolments (
    id              {{identity}},
    centre_id       BIGINT NOT NULL REFERENCES centres (id),
    person_id       BIGINT NOT NULL REFERENCES persons (id),
    state           TEXT NOT NULL,
    override_reason TEXT NOT NULL DEFAULT '',
    requested_at    BIGINT NOT NULL,
    enrolled_at     BIGINT,
    left_at         BIGINT,
    left_reason     TEXT NOT NULL DEFAULT '',
    created_by      TEXT NOT NULL,
    version         INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX centre_enrolments_live ON centre_enrolments (centre_id, person_id) WHERE state <> 'left';
CREATE INDEX centre_enrolments_person ON centre_enrolments (person_id, id);
CREATE INDEX centre_enrolments_centre ON centre_enrolments (centre_id, state, requested_at);

-- The roll call: one row per person enrolled, day ('YYYY-MM-DD', Shanghai)
-- and programme (0: the centre's day itself), present or absent.
CREATE TABLE centre_attendance (
    centre_id    BIGINT NOT NULL REFERENCES centres (id),
    date         {{ctext}} NOT NULL,
    programme_id BIGINT NOT NULL DEFAULT 0,
    person_id    BIGINT NOT NULL REFERENCES persons (id),
    present      BOOLEAN NOT NULL,
    recorded_by  TEXT NOT NULL,
    recorded_at  BIGINT NOT NULL,
    PRIMARY KEY (centre_id, date, programme_id, person_id)
);
CREATE INDEX centre_attendance_person ON centre_attendance (person_id, date);

-- An event: kind sport, culture or skills; held by an org unit (district,
-- town or village) and shared with the partner districts when shared; date
-- 'YYYY-MM-DD'; places 0 for no limit; state open or cancelled.
CREATE TABLE events (
    id          {{identity}},
    title       TEXT NOT NULL,
    kind        TEXT NOT NULL,
    orgunit     {{ctext}} NOT NULL REFERENCES orgunits (code),
    shared      BOOLEAN NOT NULL DEFAULT FALSE,
    date        {{ctext}} NOT NULL,
    place       TEXT NOT NULL DEFAULT '',
    places      INTEGER NOT NULL DEFAULT 0,
    description TEXT NOT NULL DEFAULT '',
    state       TEXT NOT NULL DEFAULT 'open',
    created_by  TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX events_date ON events (date, id);
CREATE INDEX events_orgunit ON events (orgunit, date);

-- A person's entry in an event: registered (by whom), attended (attending
-- a sport or culture event counts toward culture_sports_rate in the
-- event's year), and the result: a place (0: none) and an award.
CREATE TABLE event_entries (
    event_id      BIGINT NOT NULL REFERENCES events (id),
    person_id     BIGINT NOT NULL REFERENCES persons (id),
    registered_by TEXT NOT NULL,
    registered_at BIGINT NOT NULL,
    attended      BOOLEAN NOT NULL DEFAULT FALSE,
    attended_at   BIGINT,
    result_place  INTEGER NOT NULL DEFAULT 0,
    award         TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (event_id, person_id)
);
CREATE INDEX event_entries_person ON event_entries (person_id, event_id);

-- +goose Down
DROP TABLE event_entries;
DROP TABLE events;
DROP TABLE centre_attendance;
DROP TABLE centre_enrolments;
DROP TABLE centre_programmes;
DROP TABLE centres;
