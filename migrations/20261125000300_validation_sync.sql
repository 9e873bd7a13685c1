-- Validation sync: when DigiCert's view of each domain was last copied into our cache.
-- (The organization's copy has had institutions.org_synced_at from the start.)
ALTER TABLE domains ADD COLUMN synced_at timestamptz;
