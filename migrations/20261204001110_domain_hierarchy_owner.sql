-- One owner along the whole hierarchy of domain names. A unique name was not enough:
-- B could register sub.etf.bg.ac.rs under A's etf.bg.ac.rs, and A could register
-- uns.ac.rs above B's pmf.uns.ac.rs, and the rightful owner was then refused its own
-- names. A current name may now be added only if no other institution owns that name
-- (the unique index), a name above it, or a name below it (the trigger below).
-- AMRES staff may assign such a name on purpose, with an audited reason; the row then
-- says so, and the trigger lets it through.

-- Names are lower-case ASCII letters, digits, dots and hyphens (IDNs as punycode), as
-- the application writes them; the trigger's LIKE pattern relies on it (no % or _).
ALTER TABLE domains
    ADD CONSTRAINT domains_name_characters CHECK (name ~ '^[a-z0-9.-]+$'),
    ADD COLUMN staff_assigned boolean NOT NULL DEFAULT false;

-- Finds the current names below a name: reverse('x.etf.bg.ac.rs') starts with
-- reverse('.etf.bg.ac.rs').
CREATE INDEX domains_current_reversed_idx ON domains (reverse(name) text_pattern_ops)
    WHERE removed_at IS NULL;

-- Two concurrent inserts (A adding etf.bg.ac.rs while B adds sub.etf.bg.ac.rs) must
-- not both pass the check. Names that are above or below one another share at least
-- their last two labels (a domain has two or more), so an advisory lock on those two
-- labels serialises every pair that could overlap, for the rest of the transaction,
-- and lets unrelated names go on in parallel. The check runs after the lock is held;
-- in READ COMMITTED each statement of this (volatile) function takes a fresh snapshot,
-- so it sees whatever the transaction it waited for has committed.
CREATE FUNCTION domains_one_owner_per_tree() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    above text[] := ARRAY[]::text[];
    rest text := NEW.name;
BEGIN
    IF NEW.removed_at IS NOT NULL THEN
        RETURN NEW;
    END IF;
    PERFORM pg_advisory_xact_lock(1952670820, -- "tcdd"
                                  hashtext(substring(NEW.name FROM '[^.]+\.[^.]+$')));
    IF NEW.staff_assigned THEN
        RETURN NEW;
    END IF;
    WHILE position('.' IN rest) > 0 LOOP
        rest := substr(rest, position('.' IN rest) + 1);
        above := above || rest;
    END LOOP;
    IF EXISTS (
        SELECT 1 FROM domains d
        WHERE d.removed_at IS NULL
          AND d.institution_id <> NEW.institution_id
          AND (d.name = ANY (above) OR reverse(d.name) LIKE reverse('.' || NEW.name) || '%')
    ) THEN
        RAISE EXCEPTION 'the domain % overlaps a name of another institution', NEW.name
            USING ERRCODE = 'exclusion_violation', CONSTRAINT = 'domains_one_owner_per_tree';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER domains_one_owner_per_tree
    BEFORE INSERT OR UPDATE OF name, institution_id, removed_at ON domains
    FOR EACH ROW EXECUTE FUNCTION domains_one_owner_per_tree();
