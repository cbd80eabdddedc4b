-- +goose Up
-- Reminders and notifications (internal/notify). A notification is made
-- once per (rule, subject, due date or threshold, recipient): dedupe is that
-- key, unique, so that a second run of the rules, or a run killed mid-way and
-- run again, makes nothing twice. Its text is rendered from kind and params
-- (JSON: a date, a number, a title) in the reader's language.
CREATE TABLE notifications (
    id         {{identity}},
    user_id    BIGINT NOT NULL REFERENCES users (id),
    dedupe     TEXT NOT NULL,
    kind       TEXT NOT NULL,
    params     TEXT NOT NULL DEFAULT '{}',
    link       TEXT NOT NULL DEFAULT '',
    orgunit    {{ctext}} NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    read_at    BIGINT NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX notifications_dedupe ON notifications (dedupe);
-- The header's unread count and the list, unread first.
CREATE INDEX notifications_user ON notifications (user_id, read_at, id);

-- The deliveries to send by SMS or e-mail: one per (notification, channel).
-- No phone number or address is kept here: they are read (sealed) from
-- persons or notify_prefs at send time. state: pending, sent, failed,
-- skipped; next_at is when a pending row is due (Unix ms).
CREATE TABLE notify_outbox (
    id              {{identity}},
    notification_id BIGINT NOT NULL REFERENCES notifications (id),
    channel         TEXT NOT NULL,
    orgunit         {{ctext}} NOT NULL DEFAULT '',
    state           TEXT NOT NULL DEFAULT 'pending',
    tries           INTEGER NOT NULL DEFAULT 0,
    next_at         BIGINT NOT NULL,
    reason          TEXT NOT NULL DEFAULT '',
    ref             TEXT NOT NULL DEFAULT '',
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE UNIQUE INDEX notify_outbox_once ON notify_outbox (notification_id, channel);
CREATE INDEX notify_outbox_due ON notify_outbox (state, next_at);

-- Each attempt at sending a delivery: when, how it went, the error.
CREATE TABLE notify_attempts (
    outbox_id BIGINT NOT NULL REFERENCES notify_outbox (id),
    seq       INTEGER NOT NULL,
    at        BIGINT NOT NULL,
    outcome   TEXT NOT NULL,
    error     TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (outbox_id, seq)
){{without_rowid}};

-- A user's choice of channel: app (in the app only), sms, email; sms_to:
-- self or guardian (a person's); email_enc: the address, sealed.
CREATE TABLE notify_prefs (
    user_id    BIGINT NOT NULL PRIMARY KEY REFERENCES users (id),
    channel    TEXT NOT NULL DEFAULT 'app',
    sms_to     TEXT NOT NULL DEFAULT 'self',
    email_enc  {{blob}},
    updated_at BIGINT NOT NULL
);

-- +goose Down
DROP TABLE notify_prefs;
DROP TABLE notify_attempts;
DROP INDEX notify_outbox_due;
DROP INDEX notify_outbox_once;
DROP TABLE notify_outbox;
DROP INDEX notifications_user;
DROP INDEX notifications_dedupe;
DROP TABLE notifications;
