-- Staff must not hold SET on session_replication_role: it is cluster-wide and switches off every
-- trigger, the freeze guard included (see 0004 and 0006). Revoke what older versions granted.
DO $$
BEGIN
    IF current_setting('server_version_num')::int >= 150000 THEN
        -- One catalog for the whole cluster; see 0004.
        EXECUTE 'LOCK TABLE pg_catalog.pg_parameter_acl IN SHARE ROW EXCLUSIVE MODE';
        EXECUTE 'REVOKE SET ON PARAMETER session_replication_role FROM cellscope_staff';
    END IF;
EXCEPTION WHEN insufficient_privilege THEN
    NULL; -- granted by a superuser, revocable only by one: nothing this role can do
END
$$;
