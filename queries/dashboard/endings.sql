-- Live certificates by the month they end (db::dashboard::endings). $1 the current month, $2 the institution or NULL for all, $3 now, $4 the next month's start.
SELECT month AS "month!", n AS "n!" FROM (
    SELECT month, sum(n)::bigint AS n
    FROM certificate_end_counts
    WHERE month > $1 AND ($2::uuid IS NULL OR institution_id = $2)
    GROUP BY month
    UNION ALL
    SELECT $1::date, count(*)
    FROM certificate_orders
    WHERE status = 'issued' AND not_after > $3 AND not_after < $4
      AND ($2::uuid IS NULL OR institution_id = $2)
) AS months
WHERE n > 0
ORDER BY month
