-- The portal as a SAML 2.0 service provider (issue 15 §1–§3).

-- The SP's own key pair: the certificate is public (it is in /saml/metadata), the private key
-- is sealed under the master key. One key is active; a rollover inserts a new active row and
-- keeps the old one (inactive) so its certificate can still be published while IdPs catch up.
CREATE TABLE saml_sp_keys (
    id                 uuid PRIMARY KEY,
    certificate_der    bytea NOT NULL,
    sealed_private_key bytea NOT NULL,
    active             boolean NOT NULL,
    created_at         timestamptz NOT NULL
);
-- Two processes creating the first key at once: one wins, the other reads the winner's.
CREATE UNIQUE INDEX saml_sp_keys_one_active ON saml_sp_keys (active) WHERE active;

-- Where trusted IdP metadata comes from: a federation's aggregate, whose signature is checked
-- against a pinned certificate before any entity in it is used, or one IdP's own metadata.
-- `metadata_xml` is the last copy that passed every check; a failed refresh leaves it alone and
-- records the failure instead.
CREATE TABLE saml_metadata_sources (
    id                     uuid PRIMARY KEY,
    name                   text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    kind                   text NOT NULL CHECK (kind IN ('federation', 'single')),
    url                    text,
    pinned_certificate_der bytea,
    metadata_xml           text NOT NULL,
    refreshed_at           timestamptz NOT NULL,
    last_error             text,
    last_error_at          timestamptz,
    created_at             timestamptz NOT NULL,
    CHECK (kind = 'single' OR pinned_certificate_der IS NOT NULL)
);

-- Every IdP known from a source, as the portal will use it: its own EntityDescriptor (as XML,
-- for the SAML library) and the shibmd:Scope values its metadata allows (empty: none given).
CREATE TABLE saml_idps (
    entity_id       text PRIMARY KEY,
    source_id       uuid NOT NULL REFERENCES saml_metadata_sources (id) ON DELETE CASCADE,
    display_name    text,
    descriptor_xml  text NOT NULL,
    scopes          text[] NOT NULL
);
CREATE INDEX saml_idps_source_idx ON saml_idps (source_id);

-- The IdPs an institution accepts people from. No foreign key to saml_idps: an IdP that leaves
-- the federation for a day must not erase the institution's choice.
CREATE TABLE institution_idps (
    institution_id uuid NOT NULL REFERENCES institutions (id) ON DELETE CASCADE,
    entity_id      text NOT NULL CHECK (length(entity_id) BETWEEN 1 AND 1024),
    PRIMARY KEY (institution_id, entity_id)
);

-- AuthnRequests the portal sent and not yet answered: single use, bound to the browser that
-- started them by the keyed hash of a random value in its cookie.
CREATE TABLE saml_requests (
    request_id      text PRIMARY KEY,
    browser_hash    bytea NOT NULL UNIQUE,
    institution_id  uuid NOT NULL REFERENCES institutions (id) ON DELETE CASCADE,
    idp_entity_id   text NOT NULL,
    -- Set when a logged-in account links its federated identity; NULL for a login.
    link_account_id uuid REFERENCES accounts (id) ON DELETE CASCADE,
    expires_at      timestamptz NOT NULL
);
CREATE INDEX saml_requests_expiry_idx ON saml_requests (expires_at);

-- Assertion IDs already accepted, kept until the assertion expires, so none is accepted twice.
CREATE TABLE saml_seen_assertions (
    idp_entity_id text NOT NULL,
    assertion_id  text NOT NULL,
    expires_at    timestamptz NOT NULL,
    PRIMARY KEY (idp_entity_id, assertion_id)
);
CREATE INDEX saml_seen_assertions_expiry_idx ON saml_seen_assertions (expires_at);

-- An account's federated identity (issue 15 §3): after linking, the account may log in through
-- this IdP. One identity opens at most one account.
CREATE TABLE federated_identities (
    idp_entity_id  text NOT NULL,
    stable_id      text NOT NULL,
    account_id     uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    institution_id uuid NOT NULL REFERENCES institutions (id) ON DELETE CASCADE,
    linked_at      timestamptz NOT NULL,
    PRIMARY KEY (idp_entity_id, stable_id)
);
CREATE INDEX federated_identities_account_idx ON federated_identities (account_id);
