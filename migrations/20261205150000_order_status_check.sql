-- An order's status is one of the portal's states (domain::OrderStatus); a test
-- compares this list with the Rust enum. Which moves between them exist is checked
-- in Rust (OrderStatus::can_become), where every generic status change passes.
ALTER TABLE certificate_orders
    ADD CONSTRAINT certificate_orders_status_check
    CHECK (status IN ('awaiting_person', 'queued', 'submitted', 'pending_validation', 'issued',
                      'rejected', 'canceled', 'failed', 'revoked'));
