-- An order's addresses, sorted, on the order's own row (issue 16 §2): every list page,
-- every CSV slice and the order's page showed them through a subquery per order, 50
-- index lookups a page, which cost more than the page's walk of the list itself. The
-- addresses stay in order_emails, which keys them to the institution's domains and which
-- the address searches read; `emails` is only a copy the triggers below keep exact
-- whatever writes order_emails (the portal, the seeds, an operator's SQL), so no writer
-- has to remember it. One statement-level trigger per kind of change, as a trigger with
-- transition tables can only be for one.
ALTER TABLE certificate_orders ADD COLUMN emails text[] NOT NULL DEFAULT '{}';

CREATE FUNCTION order_emails_listed(orders uuid[]) RETURNS void
LANGUAGE sql AS $$
    UPDATE certificate_orders o
    SET emails = ARRAY(SELECT e.email FROM order_emails e WHERE e.order_id = o.id ORDER BY e.email)
    WHERE o.id = ANY (orders)
$$;

CREATE FUNCTION order_emails_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM order_emails_listed(ARRAY(SELECT DISTINCT order_id FROM added));
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        PERFORM order_emails_listed(ARRAY(SELECT DISTINCT order_id FROM removed));
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER order_emails_inserted AFTER INSERT ON order_emails
    REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION order_emails_changed();
CREATE TRIGGER order_emails_updated AFTER UPDATE ON order_emails
    REFERENCING OLD TABLE AS removed NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION order_emails_changed();
CREATE TRIGGER order_emails_deleted AFTER DELETE ON order_emails
    REFERENCING OLD TABLE AS removed
    FOR EACH STATEMENT EXECUTE FUNCTION order_emails_changed();

UPDATE certificate_orders o
SET emails = ARRAY(SELECT e.email FROM order_emails e WHERE e.order_id = o.id ORDER BY e.email)
WHERE EXISTS (SELECT 1 FROM order_emails e WHERE e.order_id = o.id);
