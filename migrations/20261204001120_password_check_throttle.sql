-- Wrong "current password" answers on the account page are counted apart from failed
-- logins. Counting them with the logins let anyone holding a session (a borrowed laptop)
-- lock the owner out of logging in for an hour; now five in a row close only the
-- password form, for a while, and logging in is not affected.
ALTER TABLE accounts
    ADD COLUMN password_check_failures     integer NOT NULL DEFAULT 0,
    ADD COLUMN password_check_blocked_until timestamptz;
