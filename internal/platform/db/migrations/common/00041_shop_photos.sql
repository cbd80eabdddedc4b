-- +goose Up
-- The shop's photos and workshops (internal/shop, issue 22).
-- Workshops (阳光工坊): where artisans work together, in a town of the
-- district (orgunit) or a place of a paired region (place, free text).
CREATE TABLE shop_workshops (
    id          {{identity}},
    name        TEXT NOT NULL,
    orgunit     {{ctext}} NOT NULL DEFAULT '',
    place       TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    created_by  TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1
);
-- An artisan may belong to one workshop.
ALTER TABLE shop_artisans ADD COLUMN workshop_id BIGINT REFERENCES shop_workshops (id);

-- Photos: of a product (up to 6, ordered by position 1, 2, …) or one of an
-- artisan (shown only when the artisan consented). The type is the one
-- sniffed from the bytes (image/jpeg, image/png, image/webp); alt is the
-- description in Chinese (required), alt_en in English (optional).
CREATE TABLE shop_photos (
    id         {{identity}},
    product_id BIGINT REFERENCES shop_products (id),
    artisan_id BIGINT REFERENCES shop_artisans (id),
    position   INTEGER NOT NULL DEFAULT 1,
    mime       TEXT NOT NULL,
    width      INTEGER NOT NULL CHECK (width > 0),
    height     INTEGER NOT NULL CHECK (height > 0),
    alt        TEXT NOT NULL,
    alt_en     TEXT NOT NULL DEFAULT '',
    size       INTEGER NOT NULL,
    data       {{blob}} NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    CHECK ((product_id IS NULL) <> (artisan_id IS NULL))
);
CREATE INDEX shop_photos_product ON shop_photos (product_id, position);
CREATE UNIQUE INDEX shop_photos_artisan ON shop_photos (artisan_id);

-- +goose Down
DROP TABLE shop_photos;
ALTER TABLE shop_artisans DROP COLUMN workshop_id;
DROP TABLE shop_workshops;
