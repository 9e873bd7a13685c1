-- The staff table of institutions (db::dashboard::institution_figures). $1 the current month, $2 now, $3 the next month's start, $4 the sort, $5 the limit.
WITH live AS (
    SELECT institution_id, sum(n)::bigint AS n FROM (
        SELECT institution_id, sum(n)::bigint AS n FROM certificate_end_counts
        WHERE month > $1 GROUP BY institution_id
        UNION ALL
        SELECT institution_id, count(*) FROM certificate_orders
        WHERE status = 'issued' AND not_after > $2 AND not_after < $3
        GROUP BY institution_id
    ) AS parts GROUP BY institution_id
), month AS (
    SELECT institution_id, sum(n)::bigint AS n,
           (sum(n) FILTER (WHERE self_service))::bigint AS self_service
    FROM order_month_counts WHERE month = $1 GROUP BY institution_id
)
SELECT i.id AS "id: InstitutionId", i.short_name, i.name_sr, i.name_en,
       coalesce(live.n, 0) AS "live!",
       coalesce(month.n, 0) AS "orders_this_month!",
       coalesce(month.self_service, 0) AS "self_service_this_month!",
       (SELECT max(o.created_at) FROM certificate_orders o
         WHERE o.institution_id = i.id) AS last_order_at
FROM institutions i
LEFT JOIN live ON live.institution_id = i.id
LEFT JOIN month ON month.institution_id = i.id
ORDER BY
  CASE WHEN $4 = 'name' THEN lower(i.short_name) END,
  CASE WHEN $4 = 'live' THEN coalesce(live.n, 0) END DESC,
  CASE WHEN $4 = 'month' THEN coalesce(month.n, 0) END DESC,
  CASE WHEN $4 = 'share' THEN coalesce(month.self_service::float8 / nullif(month.n, 0), -1) END DESC,
  CASE WHEN $4 = 'activity' THEN (SELECT max(o.created_at) FROM certificate_orders o
                                    WHERE o.institution_id = i.id) END DESC NULLS LAST,
  lower(i.short_name), i.id
LIMIT $5
