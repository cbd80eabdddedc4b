-- +goose Up
-- The inbox lists open cases by due time: cases_due serves that order, so
-- that a district's inbox does not sort all its open cases; cases_waiting
-- covers the count of the cases waiting for a role (unit range, type, state,
-- due time) without reading the table. It replaces cases_open.
CREATE INDEX cases_due ON cases (closed_at, due_at, id);
CREATE INDEX cases_waiting ON cases (closed_at, orgunit, service_type, state, due_at);
DROP INDEX cases_open;

-- +goose Down
CREATE INDEX cases_open ON cases (closed_at, orgunit, due_at);
DROP INDEX cases_waiting;
DROP INDEX cases_due;
