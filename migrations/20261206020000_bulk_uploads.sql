-- Bulk orders (issue 14 §3): an admin uploads a CSV, previews every row, and places the
-- valid ones at once. The upload keeps the rows as read from the file, so the preview is
-- the same each time it is shown and placing reads exactly what was previewed.
CREATE TABLE bulk_uploads (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    institution_id uuid NOT NULL REFERENCES institutions (id) ON DELETE CASCADE,
    uploaded_by    uuid NOT NULL REFERENCES accounts (id),
    -- The name the browser gave, for the list only (never a path on this machine).
    file_name      text NOT NULL CHECK (length(file_name) <= 255),
    -- Each row's cells by column, with its line in the file:
    -- [{"line", "emails", "given_name", "surname", "product", "profile_type", "validity_years"}].
    rows           jsonb NOT NULL CHECK (jsonb_typeof(rows) = 'array'),
    row_count      integer NOT NULL CHECK (row_count BETWEEN 1 AND 10000),
    -- 'uploaded' until placed; placing turns it 'placed' in the same transaction as the
    -- orders, under a row lock, so a second confirm finds it placed and does nothing.
    state          text NOT NULL CHECK (state IN ('uploaded', 'placed')),
    created_at     timestamptz NOT NULL,
    placed_at      timestamptz,
    placed_by      uuid REFERENCES accounts (id),
    CHECK ((state = 'placed') = (placed_at IS NOT NULL)),
    UNIQUE (institution_id, id)
);
CREATE INDEX bulk_uploads_by_institution ON bulk_uploads (institution_id, created_at DESC);

-- The upload an order was placed from, and the index of its row there; the composite key
-- keeps an order and its upload in one institution.
ALTER TABLE certificate_orders
    ADD COLUMN bulk_upload_id uuid,
    ADD COLUMN bulk_row integer,
    ADD CONSTRAINT certificate_orders_bulk_upload_fk
        FOREIGN KEY (institution_id, bulk_upload_id) REFERENCES bulk_uploads (institution_id, id),
    ADD CONSTRAINT certificate_orders_bulk_row_check
        CHECK ((bulk_upload_id IS NULL) = (bulk_row IS NULL));
CREATE UNIQUE INDEX certificate_orders_bulk_row ON certificate_orders (bulk_upload_id, bulk_row)
    WHERE bulk_upload_id IS NOT NULL;
