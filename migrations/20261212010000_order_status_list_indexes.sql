-- The lists narrowed to a status (issue 16 §2), an institution's and staff's of every
-- institution, newest orders first. They walked the whole list (certificate_orders_list_idx,
-- certificate_orders_created_idx) and read each order to drop those of another status: the
-- expiring-soon list read about 1,500 orders for a page of 50 at a million orders, and a
-- status with few orders read all of them. These indexes hold the orders of each status in
-- the list's order, with their end, so such a walk reads only the orders of that status and
-- checks the end in the index: a page reads the orders it shows. Because the walk no longer
-- depends on how common the status is, a plan kept for one status (a generic plan) suits
-- every other, and the lists' statements, which name only the filters they use, may keep it.
CREATE INDEX certificate_orders_status_list_idx
    ON certificate_orders (institution_id, status, created_at DESC, id DESC, not_after);
CREATE INDEX certificate_orders_status_created_idx
    ON certificate_orders (status, created_at DESC, id DESC, not_after);
