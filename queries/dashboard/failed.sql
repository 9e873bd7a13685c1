-- An institution's latest failed orders (db::dashboard::failed_orders). $1 the institution, $2 the limit.
SELECT id AS "id: OrderId", common_name, product, last_error, updated_at
FROM certificate_orders
WHERE institution_id = $1 AND status = 'failed'
ORDER BY updated_at DESC, id DESC
LIMIT $2
