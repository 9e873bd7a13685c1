-- An institution's dashboard is kept whole for a few seconds (services::kept_figures), not
-- only its charts: its institution, domains, members, latest events and failed orders too.
-- So the figures version (`figures_changes`, migration 20261208010000) now also moves with
-- everything those show that it did not count yet: the members (their memberships, and the
-- name, address, state and second factor of their accounts; a membership's change rewrites
-- `memberships_version`, migration 20261210010000), an institution's events, and the name
-- and the error of a failed order.
CREATE TRIGGER accounts_figures_changed
    AFTER UPDATE OF email, display_name, status, totp_secret_sealed, memberships_version
    ON accounts
    FOR EACH STATEMENT EXECUTE FUNCTION figures_changed();

-- Events are only ever added; those of no institution (a login) show on no dashboard.
CREATE TRIGGER audit_events_figures_changed
    AFTER INSERT ON audit_events
    FOR EACH ROW WHEN (NEW.institution_id IS NOT NULL)
    EXECUTE FUNCTION figures_changed();

DROP TRIGGER certificate_orders_figures_changed ON certificate_orders;
CREATE TRIGGER certificate_orders_figures_changed
    AFTER INSERT OR DELETE
       OR UPDATE OF institution_id, created_at, product, status, self_service, not_after,
                    common_name, last_error
    ON certificate_orders
    FOR EACH STATEMENT EXECUTE FUNCTION figures_changed();
