-- +goose Up
-- Person search by the last 4 characters of the ID number and by phone
-- (full number or its last 4 digits), without storing them in clear: keyed
-- blind indexes (vault.Index with a field name of their own), written with
-- every person (registry.PersonFields) and re-keyed by a key rotation.
-- Existing rows get them when the server next starts (registry's
-- FillSearchIndexes, in pages of rows): id_tail_bidx is NULL until then,
-- and the index below finds those rows at once.
ALTER TABLE persons ADD COLUMN id_tail_bidx {{blob}};
ALTER TABLE persons ADD COLUMN phone_bidx {{blob}};
ALTER TABLE persons ADD COLUMN phone_tail_bidx {{blob}};
CREATE INDEX persons_id_tail ON persons (id_tail_bidx);
CREATE INDEX persons_phone ON persons (phone_bidx);
CREATE INDEX persons_phone_tail ON persons (phone_tail_bidx);

-- +goose Down
DROP INDEX persons_phone_tail;
DROP INDEX persons_phone;
DROP INDEX persons_id_tail;
ALTER TABLE persons DROP COLUMN phone_tail_bidx;
ALTER TABLE persons DROP COLUMN phone_bidx;
ALTER TABLE persons DROP COLUMN id_tail_bidx;
