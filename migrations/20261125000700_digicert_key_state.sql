-- Whether DigiCert is refusing the portal's API key (wrong or revoked), so staff
-- see a banner on their pages until a later call succeeds. One row, written by
-- the ordering jobs of every portal process.
CREATE TABLE digicert_key_state (
    singleton      boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    -- The first refusal since the key last worked; NULL while it works.
    rejected_since timestamptz,
    last_error     text
);

INSERT INTO digicert_key_state DEFAULT VALUES;
