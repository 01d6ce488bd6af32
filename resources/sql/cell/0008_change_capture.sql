-- Online relocation: the organization stays writable in its source cell while its rows are copied,
-- and the freeze guard records which of its rows each write touched, so a catch-up can bring the
-- target up to date before a short freeze. A relocation in this phase has its cellscope.frozen_org
-- row in phase 'capture'; with no row at all (no relocation running) the guard returns at once, as
-- before. In the target, phase 'loading' keeps the organization's rows to the relocation itself
-- until its switch (its sessions set cellscope.relocation to its id): online verify compares the
-- target once, before the freeze, so nobody else may change it afterwards.
--
-- The change log keeps keys, not row images: catch-up re-reads the current rows of changed keys from
-- one consistent snapshot of the source, so it needs no commit order, and applying a key twice is
-- harmless. A change whose row is gone is a delete in the target.

ALTER TABLE cellscope.frozen_org DROP CONSTRAINT frozen_org_phase_check;
ALTER TABLE cellscope.frozen_org
    ADD CONSTRAINT frozen_org_phase_check CHECK (phase IN ('capture', 'loading', 'frozen', 'cleanup'));

-- How the guard records a change of each org-scoped table for one relocation (written when its
-- capture starts, from the relocation's plan).
CREATE TABLE cellscope.capture_table (
    relocation_id       bigint   NOT NULL,
    table_oid           oid      NOT NULL,
    -- The table's single integer key; NULL: a table without one, where any change of the
    -- organization's rows re-copies its rows of that table whole.
    key_column          text,
    -- The org filter goes through a parent table: a delete whose parent went first (a cascade, or a
    -- deferred key) no longer passes it, so every delete of this table is recorded, whoever's.
    deletes_unfiltered  boolean  NOT NULL DEFAULT false,
    PRIMARY KEY (relocation_id, table_oid)
);

CREATE TABLE cellscope.org_change (
    seq            bigserial    PRIMARY KEY,
    relocation_id  bigint       NOT NULL,
    table_oid      oid          NOT NULL,
    key            bigint,                    -- NULL: the table's rows of the organization, whole
    captured_at    timestamptz  NOT NULL DEFAULT clock_timestamp(),
    round          integer                    -- the catch-up round that applied it; NULL: pending
);
CREATE INDEX org_change_by_round ON cellscope.org_change (relocation_id, round);

REVOKE ALL ON cellscope.capture_table, cellscope.org_change FROM PUBLIC;
GRANT SELECT ON cellscope.capture_table, cellscope.org_change TO cellscope_viewer;
GRANT SELECT, INSERT, UPDATE, DELETE ON cellscope.capture_table, cellscope.org_change TO cellscope_staff;

CREATE OR REPLACE FUNCTION cellscope.refuse_frozen_org_writes() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    frozen record;
    captured record;
    hit boolean;
    key_expr text;
BEGIN
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        PERFORM 1 FROM cellscope.freeze_epoch FOR SHARE;
    END IF;
    FOR frozen IN SELECT organization_id, relocation_id, phase FROM cellscope.frozen_org LOOP
        IF frozen.phase = 'capture' AND TG_OP <> 'TRUNCATE' THEN
            SELECT key_column, deletes_unfiltered INTO captured FROM cellscope.capture_table
             WHERE relocation_id = frozen.relocation_id AND table_oid = TG_RELID;
            -- A table the relocation does not capture falls through to the refusal below.
            IF FOUND THEN
                key_expr := coalesce(quote_ident(captured.key_column), 'NULL::bigint');
                IF TG_OP IN ('INSERT', 'UPDATE') THEN
                    EXECUTE format('INSERT INTO cellscope.org_change (relocation_id, table_oid, key) '
                                   'SELECT DISTINCT $2, $3, %s FROM new_rows WHERE %s', key_expr, TG_ARGV[0])
                        USING frozen.organization_id, frozen.relocation_id, TG_RELID;
                END IF;
                IF TG_OP IN ('UPDATE', 'DELETE') THEN
                    EXECUTE format('INSERT INTO cellscope.org_change (relocation_id, table_oid, key) '
                                   'SELECT DISTINCT $2, $3, %s FROM old_rows WHERE %s', key_expr,
                                   CASE WHEN TG_OP = 'DELETE' AND captured.deletes_unfiltered THEN 'true'
                                        ELSE TG_ARGV[0] END)
                        USING frozen.organization_id, frozen.relocation_id, TG_RELID;
                END IF;
                CONTINUE;
            END IF;
        END IF;
        IF frozen.phase = 'loading'
           AND current_setting('cellscope.relocation', true) = frozen.relocation_id::text THEN
            CONTINUE;
        END IF;
        hit := TG_OP = 'TRUNCATE';
        IF NOT hit AND TG_OP IN ('INSERT', 'UPDATE') THEN
            EXECUTE format('SELECT EXISTS (SELECT 1 FROM new_rows WHERE %s)', TG_ARGV[0])
                INTO hit USING frozen.organization_id;
        END IF;
        IF NOT hit AND (TG_OP = 'UPDATE' OR (TG_OP = 'DELETE' AND frozen.phase <> 'cleanup')) THEN
            EXECUTE format('SELECT EXISTS (SELECT 1 FROM old_rows WHERE %s)', TG_ARGV[0])
                INTO hit USING frozen.organization_id;
        END IF;
        IF hit THEN
            RAISE EXCEPTION 'organization % is frozen for relocation %: % on % refused',
                    frozen.organization_id, frozen.relocation_id, TG_OP, TG_TABLE_NAME
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      HINT = 'writes resume when the relocation finishes or is cancelled';
        END IF;
    END LOOP;
    RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION cellscope.refuse_frozen_org_writes() FROM PUBLIC;

-- The copy of an online relocation reads each table at its own moment, so a row may reach the
-- target before the parent it got meanwhile: its change is in the log and catch-up brings both.
-- Such a row fails the table's org filter in the target; with p_skip_others the loader leaves it
-- out instead of refusing the batch. Verify compares the result row by row either way.
DO $migration$
BEGIN
    DROP FUNCTION IF EXISTS cellscope.load_org_rows(regclass, bigint, regclass);
    EXECUTE $create$
CREATE FUNCTION cellscope.load_org_rows(p_table regclass, p_organization bigint, p_staging regclass,
                                        p_skip_others boolean DEFAULT false)
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
    IF EXISTS (SELECT 1 FROM cellscope.frozen_org WHERE organization_id = p_organization
               AND NOT (phase = 'loading'
                        AND relocation_id::text = current_setting('cellscope.relocation', true))) THEN
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
    IF v_loaded <> v_staged AND NOT p_skip_others THEN
        RAISE EXCEPTION '% of % rows staged for % do not belong to organization %', v_staged - v_loaded,
                v_staged, p_table, p_organization
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN v_loaded;
END
$body$
$create$;
    REVOKE ALL ON FUNCTION cellscope.load_org_rows(regclass, bigint, regclass, boolean) FROM PUBLIC;
    GRANT EXECUTE ON FUNCTION cellscope.load_org_rows(regclass, bigint, regclass, boolean) TO cellscope_staff;
EXCEPTION WHEN insufficient_privilege THEN
    RAISE NOTICE 'cellscope.load_org_rows was not created (its owner may not set session_replication_role): '
                 'relocations into this cell check foreign keys row by row, and run offline';
END
$migration$;
