-- Dashboards (issue 16 §1): the figures the staff overview and the institution dashboard
-- chart, kept as counts that change with each order, so a page reads a few hundred
-- aggregate rows instead of scanning every order.
--
-- Who keeps them: a trigger on certificate_orders. Order rows are written by many paths
-- (placing, enrollment, submission, following, cancel, revoke, self-service, the demo's
-- still lifes); the trigger is the one place that sees every insert, status change and
-- delete, so the counts cannot drift from the orders whichever path wrote them, and a test
-- compares them with a count of the orders themselves.

-- Orders by the week they were placed (Monday, UTC), product and current status: the
-- "orders per week" chart, stacked by product or by outcome.
CREATE TABLE order_week_counts (
    institution_id uuid NOT NULL REFERENCES institutions (id),
    week           date NOT NULL,
    product        text NOT NULL,
    status         text NOT NULL,
    n              integer NOT NULL CHECK (n >= 0),
    PRIMARY KEY (institution_id, week, product, status)
);
-- The staff chart reads every institution's rows of the last 26 weeks.
CREATE INDEX order_week_counts_week_idx ON order_week_counts (week);

-- Orders by the month they were placed and whether the person placed them through
-- self-service: "orders this month" and the self-service share.
CREATE TABLE order_month_counts (
    institution_id uuid NOT NULL REFERENCES institutions (id),
    month          date NOT NULL,
    self_service   boolean NOT NULL,
    n              integer NOT NULL CHECK (n >= 0),
    PRIMARY KEY (institution_id, month, self_service)
);
CREATE INDEX order_month_counts_month_idx ON order_month_counts (month);

-- Issued certificates by the month they end: live certificates and how many end in each
-- of the next 12 months. (The current month is split at "now" by an index range on
-- not_after, which covers at most a month of endings.)
CREATE TABLE certificate_end_counts (
    institution_id uuid NOT NULL REFERENCES institutions (id),
    month          date NOT NULL,
    n              integer NOT NULL CHECK (n >= 0),
    PRIMARY KEY (institution_id, month)
);
CREATE INDEX certificate_end_counts_month_idx ON certificate_end_counts (month);

-- Counts one order in (delta 1) or out of (delta -1) every count it is part of. Taking
-- one out updates the row its counting in made (a CHECK is tested on the row an INSERT
-- proposes, before ON CONFLICT, so a -1 cannot go through the upsert); a row that is not
-- there, or a count below zero, is a drift, and fails the statement instead of lying.
CREATE FUNCTION order_counts_add(o certificate_orders, delta integer)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    in_week  date := date_trunc('week', o.created_at AT TIME ZONE 'UTC')::date;
    in_month date := date_trunc('month', o.created_at AT TIME ZONE 'UTC')::date;
    ends_in  date := date_trunc('month', o.not_after AT TIME ZONE 'UTC')::date;
    is_live  boolean := o.status = 'issued' AND o.not_after IS NOT NULL;
BEGIN
    IF delta > 0 THEN
        INSERT INTO order_week_counts AS c (institution_id, week, product, status, n)
        VALUES (o.institution_id, in_week, o.product, o.status, delta)
        ON CONFLICT (institution_id, week, product, status) DO UPDATE SET n = c.n + EXCLUDED.n;
        INSERT INTO order_month_counts AS c (institution_id, month, self_service, n)
        VALUES (o.institution_id, in_month, o.self_service, delta)
        ON CONFLICT (institution_id, month, self_service) DO UPDATE SET n = c.n + EXCLUDED.n;
        IF is_live THEN
            INSERT INTO certificate_end_counts AS c (institution_id, month, n)
            VALUES (o.institution_id, ends_in, delta)
            ON CONFLICT (institution_id, month) DO UPDATE SET n = c.n + EXCLUDED.n;
        END IF;
        RETURN;
    END IF;
    UPDATE order_week_counts c SET n = c.n + delta
    WHERE c.institution_id = o.institution_id AND c.week = in_week
      AND c.product = o.product AND c.status = o.status;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'order_week_counts has no row for order %', o.id;
    END IF;
    UPDATE order_month_counts c SET n = c.n + delta
    WHERE c.institution_id = o.institution_id AND c.month = in_month
      AND c.self_service = o.self_service;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'order_month_counts has no row for order %', o.id;
    END IF;
    IF is_live THEN
        UPDATE certificate_end_counts c SET n = c.n + delta
        WHERE c.institution_id = o.institution_id AND c.month = ends_in;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'certificate_end_counts has no row for order %', o.id;
        END IF;
    END IF;
END $$;

CREATE FUNCTION order_counts_track() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM order_counts_add(OLD, -1);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM order_counts_add(NEW, 1);
    END IF;
    RETURN NULL;
END $$;

-- Only the columns the counts read; most updates (DigiCert's raw status, attempts,
-- errors) leave the counts alone.
CREATE TRIGGER certificate_orders_counts
    AFTER INSERT OR DELETE
       OR UPDATE OF institution_id, created_at, product, status, self_service, not_after
    ON certificate_orders
    FOR EACH ROW EXECUTE FUNCTION order_counts_track();

INSERT INTO order_week_counts (institution_id, week, product, status, n)
SELECT institution_id, date_trunc('week', created_at AT TIME ZONE 'UTC')::date, product, status,
       count(*)
FROM certificate_orders GROUP BY 1, 2, 3, 4;
INSERT INTO order_month_counts (institution_id, month, self_service, n)
SELECT institution_id, date_trunc('month', created_at AT TIME ZONE 'UTC')::date, self_service,
       count(*)
FROM certificate_orders GROUP BY 1, 2, 3;
INSERT INTO certificate_end_counts (institution_id, month, n)
SELECT institution_id, date_trunc('month', not_after AT TIME ZONE 'UTC')::date, count(*)
FROM certificate_orders WHERE status = 'issued' AND not_after IS NOT NULL GROUP BY 1, 2;

-- An institution's failed orders, newest first, without walking its other orders.
CREATE INDEX certificate_orders_failed_idx
    ON certificate_orders (institution_id, updated_at DESC, id DESC)
    WHERE status = 'failed';
-- The institutions' last activity: their newest order, by the list index
-- (institution_id, created_at DESC, id DESC) that exists already.

-- How long each DigiCert call took and how it ended, for the p50/p95 of the last hour and
-- its 429s. One row per request that left (retries included); a scheduled job deletes
-- rows older than a day, so the table stays small.
CREATE TABLE digicert_calls (
    id      bigserial PRIMARY KEY,
    at      timestamptz NOT NULL,
    seconds double precision NOT NULL CHECK (seconds >= 0),
    outcome text NOT NULL CHECK (outcome IN ('answered', 'rate_limited', 'failed'))
);
CREATE INDEX digicert_calls_at_idx ON digicert_calls (at);

-- Validations ending soon: the domains by the end of their validation.
CREATE INDEX domains_validated_until_idx ON domains (validated_until)
    WHERE removed_at IS NULL AND validation_status = 'validated';
