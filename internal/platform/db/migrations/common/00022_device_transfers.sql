-- +goose Up
-- An approved assistive device case moved to another service point to be
-- dispensed from (internal/devices): from which point to which, who moved
-- it, when (Unix milliseconds) and why. The case page lists them; the case
-- keeps the point it waits at in its data.
CREATE TABLE device_transfers (
    id         {{identity}},
    case_id    BIGINT NOT NULL REFERENCES cases (id),
    from_point BIGINT NOT NULL REFERENCES service_points (id),
    to_point   BIGINT NOT NULL REFERENCES service_points (id),
    username   TEXT NOT NULL,
    role       TEXT NOT NULL,
    at         BIGINT NOT NULL,
    reason     TEXT NOT NULL
);
CREATE INDEX device_transfers_case ON device_transfers (case_id, id);

-- +goose Down
DROP TABLE device_transfers;
