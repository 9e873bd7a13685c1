-- The orders a departure covers (issue 15 §4): those for the departed address and those
-- the person's self-service identity placed, at the departure's institution. One
-- definition for the job that cancels or revokes them and for the end of their links.
CREATE FUNCTION departure_orders(departure uuid) RETURNS TABLE (order_id uuid)
LANGUAGE sql STABLE AS $$
    SELECT o.id
    FROM departures d
    JOIN certificate_orders o ON o.institution_id = d.institution_id
    WHERE d.id = departure
      AND (EXISTS (SELECT 1 FROM order_emails e
                   WHERE e.order_id = o.id AND lower(e.email) = d.email)
           OR (o.holder_idp = d.holder_idp AND o.holder_stable_id = d.holder_stable_id))
$$;
