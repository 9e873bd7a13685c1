-- Tenancy: institutions, the people who administer them, and their domains.
--
-- Every tenant table carries institution_id NOT NULL and a UNIQUE (institution_id, id)
-- key, so that rows which point at two tenant rows do it with composite foreign
-- keys: a row can then never link institution A's order to institution B's domain.

CREATE TABLE institutions (
    id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    slug                  text NOT NULL UNIQUE
                          CHECK (slug ~ '^[a-z0-9]([a-z0-9-]{0,48}[a-z0-9])?$'),
    name_sr               text NOT NULL CHECK (length(name_sr) BETWEEN 1 AND 300),
    name_en               text NOT NULL CHECK (length(name_en) BETWEEN 1 AND 300),
    short_name            text NOT NULL CHECK (length(short_name) BETWEEN 1 AND 50),
    -- Matični broj: 8 digits, the last a mod-11 check digit (checked in Rust).
    registration_number   text NOT NULL UNIQUE CHECK (registration_number ~ '^[0-9]{8}$'),
    tcs_status            text NOT NULL DEFAULT 'applied'
                          CHECK (tcs_status IN ('applied', 'registered', 'suspended')),
    tcs_registered_at     timestamptz,
    -- Where reactivation returns to.
    status_before_suspension text CHECK (status_before_suspension IN ('applied', 'registered')),
    digicert_org_id       bigint UNIQUE,
    org_validation_status text NOT NULL DEFAULT 'unknown'
                          CHECK (org_validation_status IN ('unknown', 'pending', 'validated', 'expired')),
    org_validated_until   timestamptz,
    org_synced_at         timestamptz,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now()
);
-- Keyset pagination by name, and the status filter.
CREATE INDEX institutions_name_idx ON institutions (lower(name_sr), id);
CREATE INDEX institutions_status_idx ON institutions (tcs_status, lower(name_sr), id);

-- Who administers what. A removed membership is kept (status) for the history.
CREATE TABLE memberships (
    institution_id uuid NOT NULL REFERENCES institutions (id),
    account_id     uuid NOT NULL REFERENCES accounts (id),
    role           text NOT NULL CHECK (role IN ('admin', 'auditor')),
    status         text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'removed')),
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (institution_id, account_id)
);
CREATE INDEX memberships_account_idx ON memberships (account_id) WHERE status = 'active';

-- Domains. A current name is unique across ALL institutions: one domain, one
-- owner. Removal is soft (removed_at), because past orders keep pointing at the
-- row; a removed name may then be registered again, by anyone.
CREATE TABLE domains (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    institution_id     uuid NOT NULL REFERENCES institutions (id),
    -- Lower-case ASCII (IDNs as punycode), no trailing dot.
    name               text NOT NULL CHECK (name = lower(name) AND length(name) <= 253),
    removed_at         timestamptz,
    validation_status  text NOT NULL DEFAULT 'none'
                       CHECK (validation_status IN ('none', 'pending', 'validated', 'expired')),
    validated_until    timestamptz,
    dcv_method         text CHECK (dcv_method IN ('email', 'dns-txt-token', 'dns-cname-token', 'http-token')),
    digicert_domain_id bigint,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    UNIQUE (institution_id, id)
);
CREATE UNIQUE INDEX domains_current_name_key ON domains (name) WHERE removed_at IS NULL;
CREATE INDEX domains_institution_idx ON domains (institution_id, name) WHERE removed_at IS NULL;

-- Invitations now also bring people into an institution as admin or auditor.
ALTER TABLE invitations DROP CONSTRAINT invitations_kind_check;
ALTER TABLE invitations
    ADD COLUMN institution_id uuid REFERENCES institutions (id),
    ADD CONSTRAINT invitations_kind_check CHECK (kind IN ('staff', 'staff_auditor', 'admin', 'auditor')),
    -- Staff invitations have no institution; institution invitations must have one.
    ADD CONSTRAINT invitations_scope_check
        CHECK ((kind IN ('staff', 'staff_auditor')) = (institution_id IS NULL));
CREATE INDEX invitations_institution_idx ON invitations (institution_id, created_at DESC);

-- Audit events that name an institution name a real one (older rows predate the table).
ALTER TABLE audit_events ADD CONSTRAINT audit_events_institution_fk
    FOREIGN KEY (institution_id) REFERENCES institutions (id) NOT VALID;

-- Certificate orders as far as tenancy needs them: which institution, which
-- person, which domains, and whether the certificate is live. The ordering
-- pipeline extends these tables.
CREATE TABLE certificate_orders (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    institution_id uuid NOT NULL REFERENCES institutions (id),
    status         text NOT NULL,
    common_name    text NOT NULL,
    not_after      timestamptz,
    requested_by   uuid REFERENCES accounts (id),
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (institution_id, id)
);

-- One row per e-mail address on an order. Both parents are referenced with the
-- institution in the key, so an address can only name a domain of the order's
-- own institution.
CREATE TABLE order_emails (
    institution_id uuid NOT NULL,
    order_id       uuid NOT NULL,
    email          text NOT NULL,
    domain_id      uuid NOT NULL,
    PRIMARY KEY (order_id, email),
    FOREIGN KEY (institution_id, order_id) REFERENCES certificate_orders (institution_id, id),
    FOREIGN KEY (institution_id, domain_id) REFERENCES domains (institution_id, id)
);
CREATE INDEX order_emails_domain_idx ON order_emails (institution_id, domain_id);
