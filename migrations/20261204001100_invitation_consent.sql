-- Joining an institution needs the person's consent. An admin who types the address of
-- someone who already has an account no longer adds them at once: every addition is an
-- invitation, which the person accepts (logged in, with the second factor) or declines.
-- A declined invitation is closed like an accepted or revoked one.
ALTER TABLE invitations ADD COLUMN declined_at timestamptz;

-- The "invitations for you" page looks up the open invitations of one address.
CREATE INDEX invitations_open_by_email_idx ON invitations (email, expires_at)
    WHERE accepted_at IS NULL AND revoked_at IS NULL AND declined_at IS NULL;
