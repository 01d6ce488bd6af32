-- The same group roles as the control database (created there; roles are cluster-wide, but a cell
-- database may live on another server, so create them here too when absent).
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'cellscope_viewer') THEN
        CREATE ROLE cellscope_viewer NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'cellscope_lead') THEN
        CREATE ROLE cellscope_lead NOLOGIN IN ROLE cellscope_viewer;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'cellscope_staff') THEN
        CREATE ROLE cellscope_staff NOLOGIN IN ROLE cellscope_viewer;
    END IF;
END
$$;

GRANT USAGE ON SCHEMA public, cellscope TO cellscope_viewer;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO cellscope_viewer;
