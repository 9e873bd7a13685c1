-- Lifecycle follows identity (issue 15 §4): a person who leaves their institution loses
-- their certificates, after a grace period in which an admin can undo the departure.

-- Days between marking a person departed and revoking their certificates. Accounts
-- disabled by mistake are the reason for the wait; 0 revokes at the next job run.
ALTER TABLE institutions
    ADD COLUMN departure_grace_days integer NOT NULL DEFAULT 7
        CHECK (departure_grace_days BETWEEN 0 AND 90);

-- Set when the person, logging in through self-service, no longer had an allowed
-- affiliation: their admins see the certificate flagged.
ALTER TABLE certificate_orders
    ADD COLUMN affiliation_lost_at timestamptz;

-- One row per departure of a person from an institution, identified by their address
-- (admin orders carry only that) and, when known, their self-service identity.
CREATE TABLE departures (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    institution_id   uuid NOT NULL REFERENCES institutions (id) ON DELETE CASCADE,
    email            text NOT NULL CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 254),
    holder_idp       text,
    holder_stable_id text,
    marked_at        timestamptz NOT NULL,
    -- When the grace period ends and the revocation job takes the departure.
    revoke_at        timestamptz NOT NULL CHECK (revoke_at >= marked_at),
    -- 'grace': waiting; 'undone': an admin took it back; 'revoked': the job revoked
    -- every live certificate of the person.
    state            text NOT NULL CHECK (state IN ('grace', 'undone', 'revoked')),
    closed_at        timestamptz,
    CHECK ((state = 'grace') = (closed_at IS NULL)),
    CHECK ((holder_idp IS NULL) = (holder_stable_id IS NULL))
);
-- One open departure per person and institution.
CREATE UNIQUE INDEX departures_open_idx ON departures (institution_id, email) WHERE state = 'grace';
CREATE INDEX departures_due_idx ON departures (revoke_at) WHERE state = 'grace';
