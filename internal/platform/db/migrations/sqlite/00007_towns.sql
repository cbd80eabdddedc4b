-- +goose Up
-- Town modules: each town switches service types on or off for its persons,
-- and defines local service projects (a generic workflow with fields of its
-- own), which district staff may promote to the whole district.
CREATE TABLE town_services (
    orgunit      TEXT NOT NULL REFERENCES orgunits (code),
    service_type TEXT NOT NULL,
    enabled      BOOLEAN NOT NULL,
    updated_by   TEXT NOT NULL DEFAULT '',
    updated_at   BIGINT NOT NULL,
    PRIMARY KEY (orgunit, service_type)
);

CREATE TABLE town_projects (
    id          INTEGER PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    orgunit     TEXT NOT NULL REFERENCES orgunits (code),
    seq         INTEGER NOT NULL,
    name        TEXT NOT NULL,
    name_en     TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    fields      TEXT NOT NULL DEFAULT '[]',
    promoted_to TEXT NOT NULL DEFAULT '',
    version     INTEGER NOT NULL DEFAULT 1,
    created_by  TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL,
    updated_by  TEXT NOT NULL DEFAULT '',
    updated_at  BIGINT NOT NULL,
    UNIQUE (orgunit, seq)
);

-- +goose Down
DROP TABLE town_projects;
DROP TABLE town_services;
