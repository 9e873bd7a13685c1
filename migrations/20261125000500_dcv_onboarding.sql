-- Onboarding with DigiCert: the DNS TXT value DigiCert issued for a domain, so the
-- admin sees exactly what to publish, and until when DigiCert accepts it.
ALTER TABLE domains
    ADD COLUMN dcv_token            text,
    ADD COLUMN dcv_token_expires_at timestamptz;
