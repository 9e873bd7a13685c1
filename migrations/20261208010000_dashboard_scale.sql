-- The dashboards at a million orders (issue 16 §2). Two parts of their statements still
-- read orders one by one, so their cost grew with the orders:
--   * the live certificates of the current month, split at "now", counted row by row
--     from the not_after index: a month of endings (about 25,000 rows at 1M orders);
--   * the staff table's "last activity": each institution's newest order, one index probe
--     for each of thousands of institutions.
-- Both now come from counts the same triggers keep. Endings are also counted by day, so
-- only today's are split at "now" from the index (a day's rows, read from the index
-- alone); the newest order of each institution is kept in a table of its own.

-- Issued certificates by the day (UTC) they end.
CREATE TABLE certificate_end_day_counts (
    institution_id uuid NOT NULL REFERENCES institutions (id),
    day            date NOT NULL,
    n              integer NOT NULL CHECK (n >= 0),
    PRIMARY KEY (institution_id, day)
);
CREATE INDEX certificate_end_day_counts_day_idx ON certificate_end_day_counts (day);

-- When each institution's newest order was placed. Orders are placed, never moved in
-- time, and not deleted while their institution exists, so the newest placing only moves
-- forward.
CREATE TABLE institution_activity (
    institution_id uuid PRIMARY KEY REFERENCES institutions (id),
    last_order_at  timestamptz NOT NULL
);

-- Today's endings after now: an index of the issued orders by their end, carrying the
-- institution, so the count reads the index alone. It serves the reminder sweep's range
-- on not_after as the index it replaces did.
CREATE INDEX certificate_orders_issued_ends_idx
    ON certificate_orders (not_after, institution_id) WHERE status = 'issued';
DROP INDEX certificate_orders_issued_not_after_idx;

-- The validations timeline of every institution and the pipeline's last sync, without
-- reading every institution.
CREATE INDEX institutions_org_validated_until_idx ON institutions (org_validated_until)
    WHERE org_validation_status = 'validated';
CREATE INDEX institutions_org_synced_at_idx ON institutions (org_synced_at);

-- The same function as in 20261206040000, now also counting endings by day.
CREATE OR REPLACE FUNCTION order_counts_add(o certificate_orders, delta integer)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    in_week  date := date_trunc('week', o.created_at AT TIME ZONE 'UTC')::date;
    in_month date := date_trunc('month', o.created_at AT TIME ZONE 'UTC')::date;
    ends_in  date := date_trunc('month', o.not_after AT TIME ZONE 'UTC')::date;
    ends_on  date := (o.not_after AT TIME ZONE 'UTC')::date;
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
            INSERT INTO certificate_end_day_counts AS c (institution_id, day, n)
            VALUES (o.institution_id, ends_on, delta)
            ON CONFLICT (institution_id, day) DO UPDATE SET n = c.n + EXCLUDED.n;
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
        UPDATE certificate_end_day_counts c SET n = c.n + delta
        WHERE c.institution_id = o.institution_id AND c.day = ends_on;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'certificate_end_day_counts has no row for order %', o.id;
        END IF;
    END IF;
END $$;

-- The same statement trigger as in 20261207030100, now also moving each institution's
-- newest placing forward.
CREATE OR REPLACE FUNCTION order_counts_track_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    same  record;
    one   certificate_orders;
BEGIN
    -- Orders alike in every column the counts read fall in the same count rows.
    FOR same IN
        SELECT (array_agg(i.id))[1] AS id, count(*)::integer AS n
        FROM inserted i
        GROUP BY i.institution_id, i.created_at, i.product, i.status, i.self_service,
                 i.not_after
    LOOP
        SELECT * INTO one FROM inserted i WHERE i.id = same.id;
        PERFORM order_counts_add(one, same.n);
    END LOOP;
    INSERT INTO institution_activity AS a (institution_id, last_order_at)
    SELECT i.institution_id, max(i.created_at) FROM inserted i GROUP BY i.institution_id
    ON CONFLICT (institution_id)
        DO UPDATE SET last_order_at = greatest(a.last_order_at, EXCLUDED.last_order_at);
    RETURN NULL;
END $$;

-- Every count made afresh from the orders themselves, in one transaction with the caller:
-- this migration's backfill, and the bench's seed, which turns the triggers off while it
-- writes a million orders and counts them once at the end.
CREATE FUNCTION recount_orders() RETURNS void LANGUAGE sql AS $$
    TRUNCATE order_week_counts, order_month_counts, certificate_end_counts,
             certificate_end_day_counts, institution_activity;
    INSERT INTO order_week_counts (institution_id, week, product, status, n)
    SELECT institution_id, date_trunc('week', created_at AT TIME ZONE 'UTC')::date, product,
           status, count(*)
    FROM certificate_orders GROUP BY 1, 2, 3, 4;
    INSERT INTO order_month_counts (institution_id, month, self_service, n)
    SELECT institution_id, date_trunc('month', created_at AT TIME ZONE 'UTC')::date,
           self_service, count(*)
    FROM certificate_orders GROUP BY 1, 2, 3;
    INSERT INTO certificate_end_counts (institution_id, month, n)
    SELECT institution_id, date_trunc('month', not_after AT TIME ZONE 'UTC')::date, count(*)
    FROM certificate_orders WHERE status = 'issued' AND not_after IS NOT NULL GROUP BY 1, 2;
    INSERT INTO certificate_end_day_counts (institution_id, day, n)
    SELECT institution_id, (not_after AT TIME ZONE 'UTC')::date, count(*)
    FROM certificate_orders WHERE status = 'issued' AND not_after IS NOT NULL GROUP BY 1, 2;
    INSERT INTO institution_activity (institution_id, last_order_at)
    SELECT institution_id, max(created_at) FROM certificate_orders GROUP BY 1;
$$;

SELECT recount_orders();

-- What the staff overview keeps for a few seconds (services::staff_figures) is good only
-- while nothing it counts has changed. Every statement that changes what it counts
-- draws the next number of this sequence, and the overview compares the number it was
-- built at with the current one: one cheap read tells whether the kept figures still
-- hold. (The pipeline's figures change with every job and call; they are never counted
-- here, and are at most seconds old.)
CREATE SEQUENCE figures_changes;

CREATE FUNCTION figures_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM nextval('figures_changes');
    RETURN NULL;
END $$;

CREATE TRIGGER certificate_orders_figures_changed
    AFTER INSERT OR DELETE
       OR UPDATE OF institution_id, created_at, product, status, self_service, not_after
    ON certificate_orders
    FOR EACH STATEMENT EXECUTE FUNCTION figures_changed();
CREATE TRIGGER institutions_figures_changed
    AFTER INSERT OR UPDATE OR DELETE ON institutions
    FOR EACH STATEMENT EXECUTE FUNCTION figures_changed();
CREATE TRIGGER domains_figures_changed
    AFTER INSERT OR UPDATE OR DELETE ON domains
    FOR EACH STATEMENT EXECUTE FUNCTION figures_changed();
CREATE TRIGGER digicert_key_state_figures_changed
    AFTER INSERT OR UPDATE OR DELETE ON digicert_key_state
    FOR EACH STATEMENT EXECUTE FUNCTION figures_changed();
