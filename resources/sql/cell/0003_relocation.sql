-- The freeze of an organization being relocated: while a row for it is in cellscope.frozen_org, the
-- database itself refuses every write to that organization's rows in this cell, whoever writes.
-- During cleanup (after the switch) deletes are let through, since this copy is no longer live.

CREATE TABLE cellscope.frozen_org (
    organization_id   bigint       PRIMARY KEY,
    relocation_id     bigint       NOT NULL,
    previous_status   integer      NOT NULL,  -- sentry_organization.status before the freeze
    phase             text         NOT NULL DEFAULT 'frozen' CHECK (phase IN ('frozen', 'cleanup')),
    frozen_at         timestamptz  NOT NULL DEFAULT now()
);

-- Statement-level with transition tables: one set-based check per statement, so a COPY of a
-- million rows into a cell pays once, not per row. TG_ARGV[0] is the table's org filter ($1 is the
-- organization id), the same predicate as the declared list in core/store/org_tables.cpp; a
-- relocation's preflight refuses to start when the two differ.
CREATE FUNCTION cellscope.refuse_frozen_org_writes() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    frozen record;
    hit boolean;
BEGIN
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

DO $$
DECLARE
    guarded constant text[][] := ARRAY[
        ['sentry_organization', 'id = $1'],
        ['sentry_team', 'organization_id = $1'],
        ['sentry_organizationmember', 'organization_id = $1'],
        ['sentry_project', 'organization_id = $1'],
        ['sentry_projectteam', 'project_id IN (SELECT id FROM sentry_project WHERE organization_id = $1)'],
        ['sentry_projectkey', 'project_id IN (SELECT id FROM sentry_project WHERE organization_id = $1)'],
        ['sentry_groupedmessage', 'project_id IN (SELECT id FROM sentry_project WHERE organization_id = $1)']];
    entry text[];
    fn constant text := 'EXECUTE FUNCTION cellscope.refuse_frozen_org_writes(%L)';
BEGIN
    FOREACH entry SLICE 1 IN ARRAY guarded LOOP
        EXECUTE format('CREATE TRIGGER frozen_org_insert AFTER INSERT ON %I '
                       'REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT ' || fn, entry[1], entry[2]);
        EXECUTE format('CREATE TRIGGER frozen_org_update AFTER UPDATE ON %I '
                       'REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT ' || fn,
                       entry[1], entry[2]);
        EXECUTE format('CREATE TRIGGER frozen_org_delete AFTER DELETE ON %I '
                       'REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT ' || fn, entry[1], entry[2]);
        EXECUTE format('CREATE TRIGGER frozen_org_truncate BEFORE TRUNCATE ON %I FOR EACH STATEMENT ' || fn,
                       entry[1], entry[2]);
    END LOOP;
END
$$;

REVOKE ALL ON cellscope.frozen_org FROM PUBLIC;
GRANT SELECT ON cellscope.frozen_org TO cellscope_viewer;
-- Staff run relocations: they copy rows in, delete them on cancel and cleanup, and freeze.
GRANT SELECT, INSERT, UPDATE, DELETE ON cellscope.frozen_org TO cellscope_staff;
GRANT INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO cellscope_staff;
