-- Seeds $4 orders into institution $1, each with one address in domain $2
-- (named $3), in one statement: the bench (through PREPARE/EXECUTE) and the
-- index test (through sqlx) both run this file. Statuses, products and end
-- dates cycle so every filter has something to find; a tenth of the issued
-- certificates end within 30 days. The order's own copy of its addresses is written
-- here too, for a seed with the trigger that keeps it off (bench/seed_bulk.sql).
WITH seeded AS (
    INSERT INTO certificate_orders
        (institution_id, status, common_name, product, profile_type, given_name, surname,
         validity_years, reference, idempotency_key, created_at, updated_at, not_after,
         search_text, emails)
    SELECT $1::uuid,
           (ARRAY['awaiting_person', 'queued', 'submitted', 'pending_validation', 'issued',
                  'issued', 'issued', 'revoked', 'canceled', 'failed'])[1 + n % 10],
           'Osoba Broj' || n,
           (ARRAY['client_premium', 'client_email_security_plus',
                  'client_digital_signature_plus', 'secure_email_sponsor'])[1 + n % 4],
           CASE WHEN n % 4 = 3 THEN 'strict' END,
           'Osoba', 'Broj' || n,
           1 + n % 2,
           'seed-' || $1::uuid || '-' || n,
           'seed-' || n,
           now() - n * interval '1 minute',
           now(),
           CASE WHEN n % 10 IN (4, 5, 6) THEN now() + (n % 300) * interval '1 day' END,
           order_search_text('Osoba', 'Broj' || n, 'Osoba Broj' || n, 'Osoba Broj' || n,
                             ARRAY['osoba' || n || '@' || $3::text]),
           ARRAY['osoba' || n || '@' || $3::text]
    FROM generate_series(1, $4::int) AS n
    RETURNING id, reference
)
INSERT INTO order_emails (institution_id, order_id, email, domain_id)
SELECT $1::uuid, id, 'osoba' || substring(reference FROM '[0-9]+$') || '@' || $3::text, $2::uuid
FROM seeded
