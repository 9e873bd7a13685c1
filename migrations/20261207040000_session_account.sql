-- The account a session speaks for, beside the session's encoded record (issue 16 §2):
-- with it, one statement reads the session, its account (status, epoch), the person's
-- memberships and the institution a page is about (db::sessions::signed_in). The
-- portal's session store writes it on every save, from the record's own `auth` entry;
-- a session of a self-service person, or before a password was accepted, has none.
-- Sessions saved before this column existed have none either, so their holders log in
-- once more.
ALTER TABLE tower_sessions.session
    ADD COLUMN account_id uuid REFERENCES accounts (id) ON DELETE CASCADE;
CREATE INDEX session_account_idx ON tower_sessions.session (account_id);
