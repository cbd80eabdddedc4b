-- +goose Up
-- The handicraft shop (internal/shop, issue 22). Artisans are registered
-- disabled persons of the district (person_id; their name is read from
-- persons) or artisans of a paired region (name kept here). Their story is
-- shown to the public only with their consent.
CREATE TABLE shop_artisans (
    id         {{identity}},
    person_id  BIGINT REFERENCES persons (id),
    name       TEXT NOT NULL DEFAULT '',
    region     TEXT NOT NULL,
    craft      TEXT NOT NULL,
    story      TEXT NOT NULL DEFAULT '',
    consent    BOOLEAN NOT NULL DEFAULT FALSE,
    active     BOOLEAN NOT NULL DEFAULT TRUE,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    version    INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX shop_artisans_person ON shop_artisans (person_id);

-- Products: price in cents; stock never below zero; the artisans who made
-- a product and each one's share of its proceeds in basis points (their
-- sum is 10000, checked by the store in the transaction that writes them).
CREATE TABLE shop_products (
    id          {{identity}},
    title       TEXT NOT NULL,
    title_en    TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    category    TEXT NOT NULL,
    price       BIGINT NOT NULL CHECK (price > 0),
    stock       INTEGER NOT NULL CHECK (stock >= 0),
    published   BOOLEAN NOT NULL DEFAULT FALSE,
    created_by  TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE shop_product_artisans (
    product_id BIGINT NOT NULL REFERENCES shop_products (id),
    artisan_id BIGINT NOT NULL REFERENCES shop_artisans (id),
    share_bp   INTEGER NOT NULL CHECK (share_bp > 0 AND share_bp <= 10000),
    PRIMARY KEY (product_id, artisan_id)
);
CREATE INDEX shop_product_artisans_artisan ON shop_product_artisans (artisan_id);

-- Orders: the buyer's name, phone and address sealed with the data key
-- (blanked after the retention period: buyer_erased_at); amounts in cents.
-- state: new → paid → shipped → delivered, or refunded.
CREATE TABLE shop_orders (
    id                {{identity}},
    state             TEXT NOT NULL DEFAULT 'new',
    total             BIGINT NOT NULL,
    paid              BIGINT NOT NULL DEFAULT 0,
    refunded          BIGINT NOT NULL DEFAULT 0,
    buyer_name_enc    {{blob}},
    buyer_phone_enc   {{blob}},
    buyer_address_enc {{blob}},
    buyer_erased_at   BIGINT,
    payment_method    TEXT NOT NULL DEFAULT '',
    payment_ref       TEXT NOT NULL DEFAULT '',
    paid_at           BIGINT,
    paid_by           TEXT NOT NULL DEFAULT '',
    tracking          TEXT NOT NULL DEFAULT '',
    shipped_at        BIGINT,
    delivered_at      BIGINT,
    delivered_month   {{ctext}} NOT NULL DEFAULT '',
    refunded_at       BIGINT,
    refund_reason     TEXT NOT NULL DEFAULT '',
    closed_at         BIGINT,
    created_at        BIGINT NOT NULL,
    version           INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX shop_orders_state ON shop_orders (state, id);
CREATE INDEX shop_orders_month ON shop_orders (delivered_month);
CREATE TABLE shop_order_lines (
    order_id   BIGINT NOT NULL REFERENCES shop_orders (id),
    product_id BIGINT NOT NULL REFERENCES shop_products (id),
    quantity   INTEGER NOT NULL CHECK (quantity > 0),
    price      BIGINT NOT NULL CHECK (price > 0),
    PRIMARY KEY (order_id, product_id)
);
CREATE INDEX shop_order_lines_product ON shop_order_lines (product_id);
-- The shares of each line as they stood when it was ordered (a product's
-- shares may change later; the payout follows what the buyer paid for).
CREATE TABLE shop_line_shares (
    order_id   BIGINT NOT NULL,
    product_id BIGINT NOT NULL,
    artisan_id BIGINT NOT NULL REFERENCES shop_artisans (id),
    share_bp   INTEGER NOT NULL CHECK (share_bp > 0 AND share_bp <= 10000),
    PRIMARY KEY (order_id, product_id, artisan_id),
    FOREIGN KEY (order_id, product_id) REFERENCES shop_order_lines (order_id, product_id)
);

-- Monthly payout rosters (maker-checker: approved by another member of
-- staff than its maker), one per month, and their lines per artisan.
CREATE TABLE shop_payouts (
    id          {{identity}},
    month       {{ctext}} NOT NULL UNIQUE,
    state       TEXT NOT NULL DEFAULT 'draft',
    total       BIGINT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    decided_by  TEXT NOT NULL DEFAULT '',
    decided_at  BIGINT,
    version     INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE shop_payout_lines (
    payout_id  BIGINT NOT NULL REFERENCES shop_payouts (id),
    artisan_id BIGINT NOT NULL REFERENCES shop_artisans (id),
    cents      BIGINT NOT NULL CHECK (cents >= 0),
    PRIMARY KEY (payout_id, artisan_id)
);
-- The shop income of registered persons by year (written when a payout
-- roster is approved).
CREATE TABLE shop_income (
    person_id BIGINT NOT NULL REFERENCES persons (id),
    year      INTEGER NOT NULL,
    cents     BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (person_id, year)
);

-- +goose Down
DROP TABLE shop_income;
DROP TABLE shop_payout_lines;
DROP TABLE shop_payouts;
DROP TABLE shop_line_shares;
DROP TABLE shop_order_lines;
DROP TABLE shop_orders;
DROP TABLE shop_product_artisans;
DROP TABLE shop_products;
DROP TABLE shop_artisans;
