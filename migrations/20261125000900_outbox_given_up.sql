-- Mail the outbox gave up on: after many failed tries (a recipient the mail
-- server refuses for good, a transport misconfigured for hours) a message stops
-- being retried, and staff see it on the operations page with a button to send
-- it again. Without this, such a message would be retried hourly forever and
-- nobody would know it never arrived.
ALTER TABLE outbox ADD COLUMN given_up_at timestamptz;

DROP INDEX outbox_pending_idx;
CREATE INDEX outbox_pending_idx ON outbox (send_after)
    WHERE sent_at IS NULL AND given_up_at IS NULL;
CREATE INDEX outbox_given_up_idx ON outbox (given_up_at DESC, id DESC)
    WHERE given_up_at IS NOT NULL AND sent_at IS NULL;
