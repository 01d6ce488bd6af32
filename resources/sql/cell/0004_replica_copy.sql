-- Relocations copy an organization's rows into a cell the way logical replication's apply worker
-- does: with session_replication_role = replica, so PostgreSQL skips the foreign-key triggers for
-- every copied row (about half of COPY's cost). The rows are an exact copy of rows that satisfied
-- their keys in the source cell, parents before children, and verify compares every row after.
-- PostgreSQL 15 lets a superuser grant the setting; without the grant (older servers, or a
-- migration run by a non-superuser) relocations keep checking keys row by row.
DO $$
BEGIN
    IF current_setting('server_version_num')::int >= 150000 THEN
        -- The grant lives in pg_parameter_acl, one catalog for every database of the cluster: cells
        -- migrated in parallel would update its row at once ("tuple concurrently updated").
        EXECUTE 'LOCK TABLE pg_catalog.pg_parameter_acl IN SHARE ROW EXCLUSIVE MODE';
        EXECUTE 'GRANT SET ON PARAMETER session_replication_role TO cellscope_staff';
    END IF;
EXCEPTION WHEN insufficient_privilege THEN
    RAISE NOTICE 'session_replication_role was not granted to cellscope_staff: relocations will check '
                 'foreign keys row by row';
END
$$;
