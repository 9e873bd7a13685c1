-- The dashboards' order counts (20261206040000_dashboards) are kept by a row trigger, which
-- on an insert of many orders at once (a bulk upload's, in one statement) upserts the same
-- count row once per order: each update of that row in one transaction walks the versions
-- the earlier ones left, so 10,000 orders took seconds. Inserts are now counted once per
-- statement, from its transition table: one call of the same order_counts_add per group of
-- orders with the same counted columns, with the group's size as its delta. Updates and
-- deletes are still counted row by row, as before.
DROP TRIGGER certificate_orders_counts ON certificate_orders;
CREATE TRIGGER certificate_orders_counts
    AFTER DELETE
       OR UPDATE OF institution_id, created_at, product, status, self_service, not_after
    ON certificate_orders
    FOR EACH ROW EXECUTE FUNCTION order_counts_track();

CREATE FUNCTION order_counts_track_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    same  record;
    one   certificate_orders;
BEGIN
    -- Orders alike in every column the counts read fall in the same count rows.
    FOR same IN
        SELECT (array_agg(i.id))[1] AS id, count(*)::integer AS n
        FROM inserted i
        GROUP BY i.institution_id, i.created_at, i.product, i.status, i.self_service,
                 i.not_after
    LOOP
        SELECT * INTO one FROM inserted i WHERE i.id = same.id;
        PERFORM order_counts_add(one, same.n);
    END LOOP;
    RETURN NULL;
END $$;

CREATE TRIGGER certificate_orders_counts_inserted
    AFTER INSERT ON certificate_orders
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION order_counts_track_inserted();
