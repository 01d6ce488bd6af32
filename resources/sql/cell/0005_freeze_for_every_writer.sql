-- The freeze guard of migration 0003, made to hold for every writer and to cost the others nothing:
--
-- * It runs with its owner's rights (SECURITY DEFINER) and a pinned search_path, so any writer —
--   Sentry's own application role, which has no rights on schema cellscope — passes through it, and
--   no writer's search_path can change what it reads. Its org filters name their tables with their
--   schema for the same reason.
-- * A writer whose snapshot predates its statement (REPEATABLE READ, SERIALIZABLE) cannot see a
--   freeze that committed after its transaction began, so it would let a write through that the
--   copy never sees. Every freeze updates the one row of cellscope.freeze_epoch, and such a writer
--   locks that row FOR SHARE first: PostgreSQL then refuses it with a serialization failure (40001,
--   retry the transaction) when a freeze committed since its snapshot, and a freeze that starts
--   later waits for it to finish. READ COMMITTED writers (Sentry's default) read the freeze with a
--   fresh snapshot and never touch the epoch row.

CREATE TABLE cellscope.freeze_epoch (
    only_row  boolean  PRIMARY KEY DEFAULT true CHECK (only_row),
    freezes   bigint   NOT NULL DEFAULT 0
);
INSERT INTO cellscope.freeze_epoch DEFAULT VALUES;
REVOKE ALL ON cellscope.freeze_epoch FROM PUBLIC;
GRANT SELECT ON cellscope.freeze_epoch TO cellscope_viewer;
GRANT UPDATE ON cellscope.freeze_epoch TO cellscope_staff;

CREATE OR REPLACE FUNCTION cellscope.refuse_frozen_org_writes() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    frozen record;
    hit boolean;
BEGIN
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        PERFORM 1 FROM cellscope.freeze_epoch FOR SHARE;
    END IF;
    FOR frozen IN SELECT organization_id, relocation_id, phase FROM cellscope.frozen_org LOOP
        hit := TG_OP = 'TRUNCATE';
        IF NOT hit AND TG_OP IN ('INSERT', 'UPDATE') THEN
            EXECUTE format('SELECT EXISTS (SELECT 1 FROM new_rows WHERE %s)', TG_ARGV[0])
                INTO hit USING frozen.organization_id;
        END IF;
        IF NOT hit AND (TG_OP = 'UPDATE' OR (TG_OP = 'DELETE' AND frozen.phase = 'frozen')) THEN
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

-- The same guarded tables as 0003, with schema-qualified filters.
DO $$
DECLARE
    guarded constant text[][] := ARRAY[
        ['sentry_projectteam', 'project_id IN (SELECT id FROM public.sentry_project WHERE organization_id = $1)'],
        ['sentry_projectkey', 'project_id IN (SELECT id FROM public.sentry_project WHERE organization_id = $1)'],
        ['sentry_groupedmessage', 'project_id IN (SELECT id FROM public.sentry_project WHERE organization_id = $1)']];
    entry text[];
    fn constant text := 'EXECUTE FUNCTION cellscope.refuse_frozen_org_writes(%L)';
BEGIN
    FOREACH entry SLICE 1 IN ARRAY guarded LOOP
        EXECUTE format('DROP TRIGGER frozen_org_insert ON public.%I', entry[1]);
        EXECUTE format('DROP TRIGGER frozen_org_update ON public.%I', entry[1]);
        EXECUTE format('DROP TRIGGER frozen_org_delete ON public.%I', entry[1]);
        EXECUTE format('DROP TRIGGER frozen_org_truncate ON public.%I', entry[1]);
        EXECUTE format('CREATE TRIGGER frozen_org_insert AFTER INSERT ON public.%I '
                       'REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT ' || fn, entry[1], entry[2]);
        EXECUTE format('CREATE TRIGGER frozen_org_update AFTER UPDATE ON public.%I '
                       'REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT ' || fn,
                       entry[1], entry[2]);
        EXECUTE format('CREATE TRIGGER frozen_org_delete AFTER DELETE ON public.%I '
                       'REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT ' || fn, entry[1], entry[2]);
        EXECUTE format('CREATE TRIGGER frozen_org_truncate BEFORE TRUNCATE ON public.%I FOR EACH STATEMENT ' || fn,
                       entry[1], entry[2]);
    END LOOP;
END
$$;
