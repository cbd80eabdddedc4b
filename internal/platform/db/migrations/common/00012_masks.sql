-- +goose Up
-- Masked numbers that cannot be combined back into the number (CONTRACT.md,
-- Persons): an ID number shows only its address code, a certificate number
-- its address code and its category, grade and reissue suffix; the full birth
-- date (the ID number's middle) is no longer kept in clear, only the year.
ALTER TABLE persons ADD COLUMN birth_year INTEGER NOT NULL DEFAULT 0;
UPDATE persons SET birth_year = CAST(substr(birth_date, 1, 4) AS INTEGER) WHERE birth_date <> '';
ALTER TABLE persons DROP COLUMN birth_date;
UPDATE persons SET id_masked = substr(id_masked, 1, 6) || '************' WHERE length(id_masked) = 18;
UPDATE persons SET cert_masked = substr(cert_masked, 1, 6) || '************' || substr(cert_masked, 19) WHERE length(cert_masked) >= 18;
