-- +goose Up
-- This installation's residents at a partner district's shared events
-- (internal/events): the partner (its district code) and its own id of the
-- event, a copy of the event's title, kind, date and state as last fetched (for lists,
-- and for culture_sports_rate, which counts attended sport and culture
-- events of the date's year), the person, who registered them and when,
-- and their attendance. Only counts of these rows leave the installation
-- (GET /api/v1/federation/event-counts, to the organising partner).
CREATE TABLE partner_event_entries (
    district      {{ctext}} NOT NULL,
    event_id      BIGINT NOT NULL,
    title         TEXT NOT NULL,
    kind          TEXT NOT NULL,
    date          {{ctext}} NOT NULL,
    person_id     BIGINT NOT NULL REFERENCES persons (id),
    registered_by TEXT NOT NULL,
    registered_at BIGINT NOT NULL,
    attended      BOOLEAN NOT NULL DEFAULT FALSE,
    attended_at   BIGINT,
    attended_by   TEXT NOT NULL DEFAULT '',
    state         TEXT NOT NULL DEFAULT 'open',
    PRIMARY KEY (district, event_id, person_id)
);
CREATE INDEX partner_event_entries_person ON partner_event_entries (person_id);

-- +goose Down
DROP TABLE partner_event_entries;
