-- The staff institution search (db::institutions::staff_list), a statement of its own so the
-- trigram index can serve it (migration 20261207040100). $1 the term as a LIKE pattern, $2 the term (a registration
-- number matches whole), $3 the status or NULL, $4 and $5 the keyset cursor, $6 the limit.
SELECT i.id AS "id: InstitutionId", i.slug, i.name_sr, i.short_name, i.registration_number, i.tcs_status,
       i.org_validation_status AS "org_validation_status: ValidationStatus",
       (SELECT count(*) FROM domains d WHERE d.institution_id = i.id) AS "domain_count!",
       (SELECT count(*) FROM memberships m
         WHERE m.institution_id = i.id AND m.status = 'active' AND m.role = 'admin') AS "admin_count!"
FROM institutions i
WHERE (i.search_text LIKE lower($1) OR i.registration_number = $2)
  AND ($3::text IS NULL OR i.tcs_status = $3)
  AND (lower(i.name_sr), i.id) > (coalesce($4::text, ''), coalesce($5::uuid, '00000000-0000-0000-0000-000000000000'))
ORDER BY lower(i.name_sr), i.id
LIMIT $6
