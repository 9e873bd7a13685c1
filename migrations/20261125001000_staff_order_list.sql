-- AMRES staff's list of every institution's orders: the same keyset pages,
-- newest first, and "expiring soon", without an institution to start from.
CREATE INDEX certificate_orders_created_idx
    ON certificate_orders (created_at DESC, id DESC);
CREATE INDEX certificate_orders_all_not_after_idx
    ON certificate_orders (not_after)
    WHERE not_after IS NOT NULL;
