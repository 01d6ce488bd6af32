-- After the switch the source's copy of the organization is removed by the relocation's cleanup,
-- and only by it. Until now phase 'cleanup' let every delete of the organization's rows through: a
-- writer still routed to the source by a stale mapping (within the drain, or with none) could
-- delete a row there that lives on in the target, and believe it gone. Deletes in that phase are
-- now the relocation's own sessions' only (they set cellscope.relocation to its id); anyone else's
-- are refused like every other write to a frozen organization.

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
        IF NOT hit AND (TG_OP = 'UPDATE'
                        OR (TG_OP = 'DELETE'
                            AND (frozen.phase <> 'cleanup'
                                 OR current_setting('cellscope.relocation', true)
                                    IS DISTINCT FROM frozen.relocation_id::text))) THEN
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
