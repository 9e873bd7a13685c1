-- Brackets a bulk seed of bench/seed_orders.sql, which goes where the SEED HERE line is:
-- the part before it turns the
-- dashboards' count triggers off (the row trigger and, since 20261207030100, the statement
-- trigger that counts inserts) (three upserts per order made a million orders take half
-- an hour); the part after counts the orders once with GROUP BY, as migration
-- 20261206040000 filled the count tables, and turns the triggers back on. The bench (psql)
-- and the plan test (sqlx) both run it.
ALTER TABLE certificate_orders DISABLE TRIGGER certificate_orders_counts;
ALTER TABLE certificate_orders DISABLE TRIGGER certificate_orders_counts_inserted;
-- SEED HERE
TRUNCATE order_week_counts, order_month_counts, certificate_end_counts;
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
ALTER TABLE certificate_orders ENABLE TRIGGER certificate_orders_counts;
ALTER TABLE certificate_orders ENABLE TRIGGER certificate_orders_counts_inserted;
