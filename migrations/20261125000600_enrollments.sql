-- The person's side of an order placed without a CSR (issue 6 §2-3).
--
-- One enrollment per order. The link from the first mail is single-use: only the
-- SHA-256 of its 256-bit token is kept, it expires, re-sending replaces it (so the
-- old link dies), and confirming clears it. A portal-made private key is kept only
-- sealed under the person's passphrase, and wiped once picked up or after a grace
-- period. Wrong passphrases at pickup are counted here, so the throttle holds
-- across every portal process.
CREATE TABLE enrollments (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    institution_id   uuid NOT NULL,
    order_id         uuid NOT NULL UNIQUE,
    -- NULL once the link was used (confirmed).
    link_token_hash  bytea UNIQUE,
    link_expires_at  timestamptz NOT NULL,
    link_sent_at     timestamptz NOT NULL,
    confirmed_at     timestamptz,
    -- 'server': the portal made the key; 'csr': the person brought a CSR.
    key_origin       text CHECK (key_origin IN ('server', 'csr')),
    key_type         text,
    sealed_private_key bytea,
    key_wiped_at     timestamptz,
    picked_up_at     timestamptz,
    -- Pickup attempts since the last success; each attempt counts before the
    -- passphrase is checked, so parallel guesses cannot slip past the limit.
    pickup_attempts  integer NOT NULL DEFAULT 0,
    pickup_blocked_until timestamptz,
    issued_mail_sent_at timestamptz,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    UNIQUE (institution_id, id),
    FOREIGN KEY (institution_id, order_id) REFERENCES certificate_orders (institution_id, id),
    -- A sealed key only for a portal-made key, and never after the wipe.
    CHECK (sealed_private_key IS NULL OR (key_origin = 'server' AND key_wiped_at IS NULL))
);

-- The grace-period sweep looks only at rows that still hold a key.
CREATE INDEX enrollments_sealed_idx ON enrollments (order_id)
    WHERE sealed_private_key IS NOT NULL;

-- Links in later mails (the "issued" mail): each mail its own token, usable
-- until the certificate's end, bound to one enrollment. Only hashes are kept.
CREATE TABLE enrollment_access_tokens (
    token_hash     bytea PRIMARY KEY,
    institution_id uuid NOT NULL,
    enrollment_id  uuid NOT NULL,
    expires_at     timestamptz NOT NULL,
    created_at     timestamptz NOT NULL,
    FOREIGN KEY (institution_id, enrollment_id) REFERENCES enrollments (institution_id, id)
);
