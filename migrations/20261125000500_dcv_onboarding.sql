-- Onboarding with DigiCert: the DNS TXT value DigiCert issued for a domain, so the
-- admin sees exactly what to publish, and until when DigiCert accepts it.
ALTER TABLE domains
    ADD COLUMN dcv_token            text,
    ADD COLUMN dcv_token_expires_at timestamptz;

-- Expiry warnings already sent: one row per subject (an institution's organization
-- validation or one domain), threshold and validity end. Inserting the row is what
-- claims the warning, so however many portal processes run the job, each warning
-- goes out once; a renewed validation (a new valid-until) is warned about afresh.
CREATE TABLE validation_expiry_warnings (
    id             bigserial PRIMARY KEY,
    institution_id uuid NOT NULL REFERENCES institutions (id),
    subject_kind   text NOT NULL CHECK (subject_kind IN ('organization', 'domain')),
    -- The institution's id for 'organization', the domain's id for 'domain'.
    subject_id     uuid NOT NULL,
    threshold_days integer NOT NULL CHECK (threshold_days IN (60, 30, 7)),
    valid_until    timestamptz NOT NULL,
    sent_at        timestamptz NOT NULL,
    UNIQUE (subject_kind, subject_id, threshold_days, valid_until)
);
