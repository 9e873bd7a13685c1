-- "Expiring soon" lists the issued certificates that end first (issue 16 §2): what an admin
-- renews next comes at the top, and the pages follow the certificates' end instead of
-- their order's age. Each index below holds the issued orders in that list's order, so a
-- page of any window, wide or empty, reads the orders it shows and stops. The newest-first
-- walk it replaces read the orders ending soon in the status index and stopped after a
-- page only when many ended soon, so PostgreSQL had to plan it with its dates on every
-- run, a statement it did not keep prepared; this order has one plan for every window.
CREATE INDEX certificate_orders_issued_ending_idx
    ON certificate_orders (institution_id, not_after, id) WHERE status = 'issued';
-- Staff's list of every institution's: the index of the issued orders by their end (made
-- for the dashboards' count of today's endings, migration 20261208010000) gets the id
-- beside the end, for the list's order and its pages, and still carries the institution,
-- so that count still reads the index alone. Without the id, a list walked it by end
-- and sorted each run of certificates ending at the same moment to finish a page.
DROP INDEX certificate_orders_issued_ends_idx;
CREATE INDEX certificate_orders_issued_ends_idx
    ON certificate_orders (not_after, id) INCLUDE (institution_id) WHERE status = 'issued';
-- The indexes by end of every order, issued or not, that the list began with: every
-- statement that reads orders by their end asks for issued ones, which the two above
-- hold in a better order, and PostgreSQL chose these to walk by end and sort the ties.
DROP INDEX certificate_orders_not_after_idx;
DROP INDEX certificate_orders_all_not_after_idx;
