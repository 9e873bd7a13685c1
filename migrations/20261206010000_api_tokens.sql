-- API tokens (issue 14 §1): an institution's integrations call /api/v1 with a bearer token.
-- Only a keyed hash of the secret is kept; the prefix names the token in lists and logs.
CREATE TABLE api_tokens (
    id             uuid PRIMARY KEY,
    institution_id uuid NOT NULL REFERENCES institutions (id) ON DELETE CASCADE,
    -- The public part of the token (`tcs_<prefix>_<secret>`), by which it is looked up.
    prefix         text NOT NULL UNIQUE CHECK (prefix ~ '^[a-z0-9]{12}$'),
    secret_hash    bytea NOT NULL CHECK (length(secret_hash) = 32),
    name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    scopes         text[] NOT NULL
        CHECK (cardinality(scopes) >= 1
               AND scopes <@ ARRAY['orders:read', 'orders:write', 'orders:revoke',
                                   'domains:read', 'people:write']::text[]),
    -- Source networks the token may be used from; empty means anywhere.
    allowed_networks cidr[] NOT NULL DEFAULT '{}',
    -- The admin the token acts for: removing them (or their account) stops the token.
    created_by     uuid NOT NULL REFERENCES accounts (id),
    created_at     timestamptz NOT NULL,
    expires_at     timestamptz NOT NULL CHECK (expires_at > created_at
                                                AND expires_at <= created_at + interval '366 days'),
    last_used_at   timestamptz,
    last_used_from inet,
    revoked_at     timestamptz
);

CREATE INDEX api_tokens_institution ON api_tokens (institution_id, created_at DESC);
