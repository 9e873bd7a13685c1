-- What authenticating a request reads is kept in the portal's memory and used again only
-- while the rows it came from are unchanged (auth::signed_in_cache, issue 16 §2). It is
-- verified by the versions (`xmin`) of three rows: the session's, the account's and the
-- institution's. A reading also holds the account's memberships (the institutions the person
-- may switch to, by short name, and the role in the institution asked about), which live in
-- rows of their own. So each change to a membership, and each new short name of an
-- institution, moves a number on every account it concerns, in the same transaction: that
-- rewrites the account's row, and a kept reading of it is not used again.
ALTER TABLE accounts ADD COLUMN memberships_version bigint NOT NULL DEFAULT 0;

CREATE FUNCTION memberships_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE accounts SET memberships_version = memberships_version + 1
        WHERE id = OLD.account_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        UPDATE accounts SET memberships_version = memberships_version + 1
        WHERE id = NEW.account_id AND (TG_OP = 'INSERT' OR NEW.account_id <> OLD.account_id);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER memberships_move_accounts
    AFTER INSERT OR UPDATE OR DELETE ON memberships
    FOR EACH ROW EXECUTE FUNCTION memberships_moved();

CREATE FUNCTION institution_short_name_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE accounts SET memberships_version = memberships_version + 1
    WHERE id IN (SELECT account_id FROM memberships WHERE institution_id = NEW.id);
    RETURN NULL;
END $$;

CREATE TRIGGER institutions_short_name_moves_accounts
    AFTER UPDATE OF short_name ON institutions
    FOR EACH ROW WHEN (NEW.short_name IS DISTINCT FROM OLD.short_name)
    EXECUTE FUNCTION institution_short_name_moved();
