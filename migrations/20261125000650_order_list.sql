-- The admins' list of orders: keyset pagination newest first, and search by
-- e-mail or name as a case-insensitive substring, both served by indexes so a
-- page stays cheap with 100,000 orders in one institution.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- The institution's pages walk this index in order and stop after one page.
CREATE INDEX certificate_orders_list_idx
    ON certificate_orders (institution_id, created_at DESC, id DESC);

-- What the search box matches: the names and every address of the order, in
-- lower case. Written when the order is placed (names and addresses never
-- change afterwards), so the trigram index covers addresses that live in
-- order_emails without a join.
-- One definition of that text, used by this backfill and by every insert. The
-- name's ASCII spelling (Петровић → Petrovic, computed by the portal's
-- transliteration) is in it too, so "petrovic" finds a name written in Cyrillic.
CREATE FUNCTION order_search_text(given_name text, surname text, common_name text,
                                  ascii_name text, emails text[])
RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT lower(given_name || ' ' || surname || ' ' || common_name || ' ' || ascii_name ||
                 ' ' || array_to_string(emails, ' '))
$$;
ALTER TABLE certificate_orders ADD COLUMN search_text text NOT NULL DEFAULT '';
UPDATE certificate_orders o
SET search_text = order_search_text(o.given_name, o.surname, o.common_name, '',
                                    ARRAY(SELECT e.email FROM order_emails e
                                          WHERE e.order_id = o.id ORDER BY e.email));
CREATE INDEX certificate_orders_search_idx
    ON certificate_orders USING gin (search_text gin_trgm_ops);

-- "Expiring soon" looks at issued certificates by their end date.
CREATE INDEX certificate_orders_not_after_idx
    ON certificate_orders (institution_id, not_after)
    WHERE not_after IS NOT NULL;

-- The order page's timeline reads the audit events about one order.
CREATE INDEX audit_events_target_idx ON audit_events (target, id)
    WHERE target IS NOT NULL;
