-- The durable job queue and the shared DigiCert rate limiter.
--
-- Jobs are written in the same transaction as the change that needs them (an order
-- row and its submit job), claimed by any portal process with FOR UPDATE SKIP
-- LOCKED, and leased: a job whose worker died is claimed again once its lease runs
-- out. Every instant is written by the application from its injected clock, so the
-- column defaults below are only a safety net.
CREATE TABLE jobs (
    id           bigserial PRIMARY KEY,
    -- Which handler runs the job, e.g. 'digicert.submit_order'.
    kind         text NOT NULL CHECK (length(kind) BETWEEN 1 AND 100),
    payload      jsonb NOT NULL DEFAULT '{}',
    -- queued: waiting for run_at; running: leased by locked_by until locked_until;
    -- succeeded and failed are final (a staff retry puts a failed job back to queued).
    state        text NOT NULL DEFAULT 'queued'
                 CHECK (state IN ('queued', 'running', 'succeeded', 'failed')),
    run_at       timestamptz NOT NULL DEFAULT now(),
    -- Incremented at each claim, so a worker that crashes still uses up an attempt
    -- and a job that kills its process cannot be claimed for ever.
    attempts     integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    max_attempts integer NOT NULL CHECK (max_attempts >= 1),
    locked_until timestamptz,
    locked_by    text,
    last_error   text,
    -- At most one live (queued or running) job per key: "poll order 42" is
    -- enqueued once however many paths ask for it.
    dedup_key    text CHECK (length(dedup_key) BETWEEN 1 AND 200),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz,
    CHECK ((state = 'running') = (locked_until IS NOT NULL AND locked_by IS NOT NULL)),
    CHECK ((state IN ('succeeded', 'failed')) = (finished_at IS NOT NULL))
);

CREATE UNIQUE INDEX jobs_live_dedup_key ON jobs (dedup_key)
    WHERE dedup_key IS NOT NULL AND state IN ('queued', 'running');
-- The claim query walks live jobs in run_at order; finished ones stay out of the index.
CREATE INDEX jobs_live_run_at_idx ON jobs (run_at, id) WHERE state IN ('queued', 'running');
-- The staff page lists failed jobs, newest first.
CREATE INDEX jobs_failed_idx ON jobs (finished_at DESC, id DESC) WHERE state = 'failed';
-- Pruning old successes.
CREATE INDEX jobs_succeeded_idx ON jobs (finished_at) WHERE state = 'succeeded';

-- Wakes idle workers of every process at once (LISTEN tcs_jobs) when a job is
-- queued, instead of leaving it to their next poll. NOTIFY is delivered only on
-- commit, so a job written in a rolled-back transaction wakes nobody.
CREATE FUNCTION jobs_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('tcs_jobs', NEW.kind);
    RETURN NULL;
END;
$$;
CREATE TRIGGER jobs_notify_insert AFTER INSERT ON jobs
    FOR EACH ROW WHEN (NEW.state = 'queued') EXECUTE FUNCTION jobs_notify();
-- A staff retry puts a failed job back in the queue.
CREATE TRIGGER jobs_notify_retry AFTER UPDATE OF state ON jobs
    FOR EACH ROW WHEN (OLD.state = 'failed' AND NEW.state = 'queued') EXECUTE FUNCTION jobs_notify();

-- The DigiCert rate limit (100 calls per 5 s and 1000 per 3 min per API key) holds
-- for all portal processes together, so each admitted call is logged here. A caller
-- takes a transaction-scoped advisory lock on the key, counts the calls in each
-- window, and logs its own only when every window has room. `key` names the API key
-- (a hash of it), never the key itself.
CREATE TABLE rate_limit_calls (
    key text NOT NULL,
    at  timestamptz NOT NULL
);
CREATE INDEX rate_limit_calls_key_at_idx ON rate_limit_calls (key, at);

-- After a 429 from DigiCert every process holds off the key until `until`.
CREATE TABLE rate_limit_blocks (
    key   text PRIMARY KEY,
    until timestamptz NOT NULL
);
