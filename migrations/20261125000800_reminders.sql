-- Reminders that an issued certificate ends soon (30, 14 and 3 days before its
-- not_after), to the person and the institution's admins. Inserting the row is
-- what claims a reminder, in the transaction that queues its mails: however many
-- portal processes sweep at once, and whatever crashes in between, each
-- (order, threshold) goes out once or not at all.
CREATE TABLE order_reminders (
    institution_id uuid NOT NULL,
    order_id       uuid NOT NULL,
    threshold_days integer NOT NULL CHECK (threshold_days IN (30, 14, 3)),
    sent_at        timestamptz NOT NULL,
    PRIMARY KEY (order_id, threshold_days),
    FOREIGN KEY (institution_id, order_id) REFERENCES certificate_orders (institution_id, id)
);

-- The sweep reads issued certificates ending within the widest threshold; with a
-- million orders it must not scan them all every hour.
CREATE INDEX certificate_orders_issued_not_after_idx
    ON certificate_orders (not_after) WHERE status = 'issued';
