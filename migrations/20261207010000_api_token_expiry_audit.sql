-- When the expiry of an API token was written to the audit log (issue 14 §1): the
-- scheduled job sets it in the same transaction as the entry, so each token's expiry
-- is audited exactly once, however many processes run the job.
ALTER TABLE api_tokens ADD COLUMN expiry_audited_at timestamptz;

CREATE INDEX api_tokens_expiry_unaudited ON api_tokens (expires_at)
    WHERE expiry_audited_at IS NULL AND revoked_at IS NULL;
