-- Foundation: accounts with mandatory TOTP, invitations, the mail outbox, the
-- append-only hash-chained audit log, and the session store's table.

-- Accounts. Staff level lives here; institution roles arrive with memberships.
CREATE TABLE accounts (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email               text NOT NULL CHECK (email = lower(email) AND length(email) <= 254),
    display_name        text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 200),
    password_hash       text NOT NULL,
    staff_role          text CHECK (staff_role IN ('staff', 'staff_auditor')),
    status              text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
    -- Bumped to end every session of the account at once (password change, disable).
    session_epoch       integer NOT NULL DEFAULT 0,
    failed_logins       integer NOT NULL DEFAULT 0,
    locked_until        timestamptz,
    -- TOTP seed sealed with AES-256-GCM under the master key, the row id as AAD.
    totp_secret_sealed  bytea,
    -- A seed shown during enrolment but not yet confirmed with a code.
    totp_pending_sealed bytea,
    -- Highest time step accepted so far: a code at or below it is a replay.
    totp_last_step      bigint,
    mfa_enrolled_at     timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX accounts_email_key ON accounts (email);

-- Single-use recovery codes, stored as keyed hashes (HMAC under a key derived from
-- the master key), so a database dump alone cannot be brute-forced.
CREATE TABLE recovery_codes (
    account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    code_hash  bytea NOT NULL,
    used_at    timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, code_hash)
);

-- Invitations: the generic way anyone gets an account. Only the SHA-256 of the
-- token is stored; the token itself travels once, by mail or on the console.
CREATE TABLE invitations (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    token_hash   bytea NOT NULL UNIQUE,
    email        text NOT NULL CHECK (email = lower(email)),
    display_name text NOT NULL,
    kind         text NOT NULL CHECK (kind IN ('staff', 'staff_auditor')),
    invited_by   uuid REFERENCES accounts (id),
    expires_at   timestamptz NOT NULL,
    accepted_at  timestamptz,
    revoked_at   timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX invitations_email_idx ON invitations (email);

-- The outbox: mail is written here in the same transaction as the change that
-- causes it, and a worker delivers it. A lease (locked_until) means a worker that
-- dies mid-send loses nothing: the row is claimed again once the lease expires.
CREATE TABLE outbox (
    id           bigserial PRIMARY KEY,
    recipient    text NOT NULL,
    subject      text NOT NULL,
    body_text    text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    send_after   timestamptz NOT NULL DEFAULT now(),
    locked_until timestamptz,
    attempts     integer NOT NULL DEFAULT 0,
    last_error   text,
    sent_at      timestamptz
);
CREATE INDEX outbox_pending_idx ON outbox (send_after) WHERE sent_at IS NULL;

-- The audit log. Append-only (triggers below) and hash-chained: each row's hash
-- covers its own content and the previous row's hash, so editing or deleting a
-- row behind the database's back breaks the chain at that row.
CREATE SEQUENCE audit_events_id_seq;
CREATE TABLE audit_events (
    -- Drawn by the chaining trigger, never by a column default: a default would use
    -- up a number before the trigger draws its own, leaving gaps of one in every step.
    id               bigint PRIMARY KEY,
    at               timestamptz NOT NULL DEFAULT now(),
    actor_account_id uuid REFERENCES accounts (id),
    -- What the actor was known as at the time (an e-mail typed at a failed login…).
    actor_label      text,
    institution_id   uuid,
    action           text NOT NULL,
    target           text,
    ip               inet,
    request_id       text,
    details          jsonb NOT NULL DEFAULT '{}'::jsonb,
    prev_hash        bytea,
    hash             bytea NOT NULL
);
ALTER SEQUENCE audit_events_id_seq OWNED BY audit_events.id;
CREATE INDEX audit_events_at_idx ON audit_events (at DESC, id DESC);
CREATE INDEX audit_events_actor_idx ON audit_events (actor_account_id, id DESC);
CREATE INDEX audit_events_action_idx ON audit_events (action, id DESC);
CREATE INDEX audit_events_institution_idx ON audit_events (institution_id, id DESC);

-- The one definition of a row's hash, used both when writing and when verifying.
-- Every part is rendered in a fixed, time-zone independent way.
CREATE FUNCTION audit_event_hash(
    p_prev_hash bytea, p_id bigint, p_at timestamptz, p_actor uuid, p_actor_label text,
    p_institution uuid, p_action text, p_target text, p_ip inet, p_request_id text,
    p_details jsonb
) RETURNS bytea LANGUAGE sql IMMUTABLE AS $$
    SELECT sha256(
        coalesce(p_prev_hash, '\x'::bytea) || convert_to(
            concat_ws(E'\x1f',
                p_id::text,
                to_char(p_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
                coalesce(p_actor::text, ''),
                coalesce(p_actor_label, ''),
                coalesce(p_institution::text, ''),
                p_action,
                coalesce(p_target, ''),
                coalesce(host(p_ip), ''),
                coalesce(p_request_id, ''),
                p_details::text),
            'UTF8'))
$$;

-- Chains each new row to the latest one. The advisory lock serialises writers for
-- the rest of their transaction, so two concurrent inserts cannot both claim the
-- same predecessor. The id is drawn only once the lock is held, so id order is
-- chain order (a default drawn earlier could be overtaken by a later writer).
CREATE FUNCTION audit_events_chain() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('audit_events_chain'));
    NEW.id := nextval('audit_events_id_seq');
    SELECT hash INTO NEW.prev_hash FROM audit_events ORDER BY id DESC LIMIT 1;
    NEW.at := clock_timestamp();
    NEW.hash := audit_event_hash(NEW.prev_hash, NEW.id, NEW.at, NEW.actor_account_id,
        NEW.actor_label, NEW.institution_id, NEW.action, NEW.target, NEW.ip,
        NEW.request_id, NEW.details);
    RETURN NEW;
END
$$;
CREATE TRIGGER audit_events_chain BEFORE INSERT ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_chain();

CREATE FUNCTION audit_events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_events_no_update_delete BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_refuse_change();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_refuse_change();

-- tower-sessions' PostgreSQL store; created here so one migration set describes
-- the whole schema and /readyz can tell whether it is in place.
CREATE SCHEMA IF NOT EXISTS tower_sessions;
CREATE TABLE IF NOT EXISTS tower_sessions.session (
    id          text PRIMARY KEY NOT NULL,
    data        bytea NOT NULL,
    expiry_date timestamptz NOT NULL
);
