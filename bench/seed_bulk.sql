-- Brackets a bulk seed of bench/seed_orders.sql, which goes where the SEED HERE line is:
-- the part before it turns off the dashboards' count triggers (the row trigger and, since
-- 20261207030100, the statement trigger that counts inserts; three upserts per order made
-- a million orders take half an hour) and the trigger that copies an order's addresses
-- onto it (migration 20261211010000; the seed writes the copy itself rather than update
-- every order it made); the part after counts the orders once with GROUP BY
-- (recount_orders(), from migration 20261208010000), and turns the triggers back on. The
-- bench (psql) and the plan test (sqlx) both run it.
ALTER TABLE certificate_orders DISABLE TRIGGER certificate_orders_counts;
ALTER TABLE certificate_orders DISABLE TRIGGER certificate_orders_counts_inserted;
ALTER TABLE order_emails DISABLE TRIGGER order_emails_inserted;
-- SEED HERE
SELECT recount_orders();
ALTER TABLE certificate_orders ENABLE TRIGGER certificate_orders_counts;
ALTER TABLE certificate_orders ENABLE TRIGGER certificate_orders_counts_inserted;
ALTER TABLE order_emails ENABLE TRIGGER order_emails_inserted;
