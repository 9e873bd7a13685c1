-- The orders list's "one person" filter (an address, exactly) finds that person's orders
-- by this index; without it the filter read every address of every order (issue 16 §2,
-- the plan test at scale).
CREATE INDEX order_emails_email_idx ON order_emails (email);
