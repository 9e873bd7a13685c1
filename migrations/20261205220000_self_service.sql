-- Self-service for end-users (issue 15 §2): a person logs in at their institution's IdP and
-- requests their own certificate within the institution's policy.

-- One policy per institution, set by its admins. No row means self-service is off.
-- The lists hold the names the Rust types parse (domain::self_service); the CHECKs keep
-- anything else out, so a row always parses.
CREATE TABLE self_service_policies (
    institution_id uuid PRIMARY KEY REFERENCES institutions (id) ON DELETE CASCADE,
    enabled        boolean NOT NULL,
    -- eduPersonAffiliation values (without scope) whose holders may enrol.
    affiliations   text[] NOT NULL
        CHECK (affiliations <@ ARRAY['employee', 'faculty', 'staff', 'student', 'member',
                                     'affiliate']::text[]),
    -- An eduPersonEntitlement value that also admits its holder, whatever the affiliation.
    entitlement    text CHECK (entitlement IS NULL OR length(entitlement) BETWEEN 1 AND 1024),
    products       text[] NOT NULL
        CHECK (cardinality(products) >= 1
               AND products <@ ARRAY['client_digital_signature_plus', 'client_email_security_plus',
                                     'client_premium', 'secure_email_sponsor']::text[]),
    -- The S/MIME BR profiles a person may choose for Secure Email.
    profiles       text[] NOT NULL
        CHECK (profiles <@ ARRAY['strict', 'multipurpose']::text[]),
    validity_years integer NOT NULL CHECK (validity_years IN (1, 2)),
    -- True: the IdP's `mail` proves the mailbox (the institution acts as enterprise RA over
    -- its validated domains). False: a one-time code is mailed first.
    trust_idp_mail boolean NOT NULL,
    updated_at     timestamptz NOT NULL,
    -- Secure Email needs a profile to choose from.
    CHECK (NOT ('secure_email_sponsor' = ANY (products)) OR cardinality(profiles) >= 1),
    -- Switched on, someone must be admitted.
    CHECK (NOT enabled OR cardinality(affiliations) >= 1 OR entitlement IS NOT NULL)
);

-- What an AuthnRequest is for, so the ACS routes the answer: an admin's login, the linking of
-- an account (link_account_id), or a person's self-service login.
ALTER TABLE saml_requests
    ADD COLUMN purpose text NOT NULL DEFAULT 'login'
        CHECK (purpose IN ('login', 'link', 'self_service'));
UPDATE saml_requests SET purpose = 'link' WHERE link_account_id IS NOT NULL;
ALTER TABLE saml_requests ALTER COLUMN purpose DROP DEFAULT;
ALTER TABLE saml_requests
    ADD CHECK ((purpose = 'link') = (link_account_id IS NOT NULL));

-- Orders a person placed for themselves: marked for the admins' list, and tied to the
-- person's stable identifier at their IdP so "My certificates" finds them again.
ALTER TABLE certificate_orders
    ADD COLUMN self_service     boolean NOT NULL DEFAULT false,
    ADD COLUMN holder_idp       text,
    ADD COLUMN holder_stable_id text,
    ADD CHECK (self_service = (holder_stable_id IS NOT NULL)),
    ADD CHECK ((holder_idp IS NULL) = (holder_stable_id IS NULL));
CREATE INDEX certificate_orders_holder_idx
    ON certificate_orders (institution_id, holder_idp, holder_stable_id)
    WHERE holder_stable_id IS NOT NULL;
