-- Certificate orders as the ordering engine needs them: what was asked for, our
-- reference that goes into DigiCert's `comments` (so an ambiguous placement can be
-- found again), an idempotency key per institution (a double submit makes one
-- order), DigiCert's ids and raw status, and the issued chain.
ALTER TABLE certificate_orders
    ADD COLUMN product          text NOT NULL DEFAULT 'client_premium',
    ADD COLUMN profile_type     text,
    ADD COLUMN given_name       text NOT NULL DEFAULT '',
    ADD COLUMN surname          text NOT NULL DEFAULT '',
    ADD COLUMN validity_years   integer NOT NULL DEFAULT 1
        CHECK (validity_years BETWEEN 1 AND 2),
    ADD COLUMN csr_pem          text,
    ADD COLUMN reference        text,
    ADD COLUMN idempotency_key  text,
    ADD COLUMN digicert_order_id       bigint,
    ADD COLUMN digicert_request_id     bigint,
    ADD COLUMN digicert_certificate_id bigint,
    -- DigiCert's own status string, kept as sent even when we do not know it.
    ADD COLUMN digicert_status  text,
    ADD COLUMN email_validation jsonb,
    ADD COLUMN last_error       text,
    ADD COLUMN chain_pem        text,
    ADD COLUMN serial_number    text,
    ADD COLUMN not_before       timestamptz,
    ADD COLUMN submit_attempts  integer NOT NULL DEFAULT 0,
    ADD COLUMN submitted_at     timestamptz,
    ADD COLUMN issued_at        timestamptz;

CREATE UNIQUE INDEX certificate_orders_reference_idx ON certificate_orders (reference);
CREATE UNIQUE INDEX certificate_orders_idempotency_idx
    ON certificate_orders (institution_id, idempotency_key);
CREATE UNIQUE INDEX certificate_orders_digicert_idx ON certificate_orders (digicert_order_id);
