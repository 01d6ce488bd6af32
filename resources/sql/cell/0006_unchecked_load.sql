-- Relocations load an organization's rows into a cell the way logical replication's apply worker
-- does: with session_replication_role = replica, so PostgreSQL skips the per-row foreign-key
-- triggers (about half of COPY's cost, and the only way to load a cycle of foreign keys at all).
-- That setting silences every other trigger too, the freeze guard included, and a grant of it is
-- cluster-wide: staff never get it (0007 revokes what 0004 once granted). They get this function instead,
-- which runs as its owner with the setting for the one INSERT it does, reads only the caller's own
-- temporary staging table, and loads only rows that the table's freeze guard (installed by the
-- tables' owner) says belong to the organization, which must not be frozen in this cell.
-- The owner must be allowed the setting (a superuser, or granted it on PostgreSQL 15); otherwise
-- the function is not created and relocations into this cell check keys row by row.
DO $migration$
BEGIN
    EXECUTE $create$
CREATE FUNCTION cellscope.load_org_rows(p_table regclass, p_organization bigint, p_staging regclass)
    RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp SET session_replication_role = replica AS $body$
DECLARE
    v_filter text;
    v_columns text;
    v_staged bigint;
    v_loaded bigint;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_class WHERE oid = p_staging AND relpersistence = 't'
                   AND relnamespace = pg_my_temp_schema()) THEN
        RAISE EXCEPTION 'load_org_rows reads only a temporary table of the calling session'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    SELECT convert_from(substring(tgargs FROM 1 FOR length(tgargs) - 1), 'UTF8') INTO v_filter
      FROM pg_trigger
     WHERE tgrelid = p_table AND tgname = 'frozen_org_insert' AND tgnargs = 1
       AND tgfoid = 'cellscope.refuse_frozen_org_writes()'::regprocedure;
    IF v_filter IS NULL THEN
        RAISE EXCEPTION '% has no freeze guard: it is not an org-scoped table (run cellctl db migrate)', p_table
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF EXISTS (SELECT 1 FROM cellscope.frozen_org WHERE organization_id = p_organization) THEN
        RAISE EXCEPTION 'organization % is frozen in this cell: nothing may be loaded for it', p_organization
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) INTO v_columns
      FROM pg_attribute WHERE attrelid = p_staging AND attnum > 0 AND NOT attisdropped;
    EXECUTE format('SELECT count(*) FROM %s', p_staging) INTO v_staged;
    EXECUTE format('INSERT INTO %s (%s) SELECT %s FROM %s WHERE %s', p_table, v_columns, v_columns, p_staging,
                   v_filter)
        USING p_organization;
    GET DIAGNOSTICS v_loaded = ROW_COUNT;
    IF v_loaded <> v_staged THEN
        RAISE EXCEPTION '% of % rows staged for % do not belong to organization %', v_staged - v_loaded,
                v_staged, p_table, p_organization
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN v_loaded;
END
$body$
$create$;
    REVOKE ALL ON FUNCTION cellscope.load_org_rows(regclass, bigint, regclass) FROM PUBLIC;
    GRANT EXECUTE ON FUNCTION cellscope.load_org_rows(regclass, bigint, regclass) TO cellscope_staff;
EXCEPTION WHEN insufficient_privilege THEN
    RAISE NOTICE 'cellscope.load_org_rows was not created (its owner may not set session_replication_role): '
                 'relocations into this cell check foreign keys row by row';
END
$migration$;

