-- Group roles used by later features: viewer reads, lead edits the backlog, staff runs relocations.
-- Roles are cluster-wide, so create them only when absent.
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
GRANT SELECT ON ALL TABLES IN SCHEMA cellscope TO cellscope_viewer;
