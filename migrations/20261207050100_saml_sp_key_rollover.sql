-- SP key rollover (issue 15 §1): staff make the next key, which /saml/metadata publishes
-- beside the active one while IdPs and federations pick it up (the ACS decrypts with
-- either meanwhile); finishing the rollover makes it the active key and drops the old one.
ALTER TABLE saml_sp_keys
    ADD COLUMN next boolean NOT NULL DEFAULT false,
    ADD CONSTRAINT saml_sp_keys_active_or_next CHECK (NOT (active AND next));
-- One rollover at a time.
CREATE UNIQUE INDEX saml_sp_keys_one_next ON saml_sp_keys (next) WHERE next;
