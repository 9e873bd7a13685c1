-- Seeds $1 institutions, one in ten suspended, each with two domains and a valid matični
-- broj (mod-11 check digit over weights 8..2), in one statement: the bench (through
-- PREPARE/EXECUTE) and the plan test (through sqlx) both run this file.
WITH made AS (
    INSERT INTO institutions (slug, name_sr, name_en, short_name, registration_number, tcs_status)
    SELECT 'inst-' || n, 'Ustanova ' || lpad(n::text, 5, '0'), 'Institution ' || n, 'U' || n,
           base || CASE WHEN 11 - (s % 11) > 9 THEN 0 ELSE 11 - (s % 11) END,
           CASE WHEN n % 10 = 0 THEN 'suspended' ELSE 'registered' END
    FROM (
        SELECT n, lpad((1000000 + n)::text, 7, '0') AS base,
               (SELECT sum(substr(lpad((1000000 + n)::text, 7, '0'), i, 1)::int * (9 - i))
                FROM generate_series(1, 7) AS i) AS s
        FROM generate_series(1, $1::int) AS n
    ) AS numbers
    RETURNING id, slug
)
INSERT INTO domains (institution_id, name)
SELECT id, slug || '-' || k || '.ac.rs' FROM made, generate_series(1, 2) AS k
