-- The cell an organization left keeps a record of its departure, and refuses rows for it where no
-- foreign key would. After a relocation's cleanup the source holds none of the organization's rows
-- and no freeze, so a writer still routed here by a mapping stale for longer than the drain could
-- insert rows that nobody would ever read: a foreign key to the organization (or to a row of it)
-- refuses most of them, but not a table linked by a column the settings declare, nor the
-- organization's own row. cellscope.departed_org records the departure; the departure guard on
-- those tables (given the column holding the organization's id) refuses a row of a departed
-- organization, unless
--   - the organization is held here by a relocation (a row in cellscope.frozen_org: that guard
--     decides, and lets a relocation back in load), or
--   - its row is back in sentry_organization (a relocation back finished; a cancelled one removes
--     the row again, and with it this exception).
-- One set-based statement per write statement, and none while no organization has departed: the
-- cost does not grow with the number of departures.
--
-- The freeze hands over to the departure in one transaction (the cleanup's last), with no lock on
-- the tables, and a READ COMMITTED writer's guards read the cell at successive moments. Triggers of
-- one event fire in name order, and the departure guard's (org_departed_*) sort after the freeze
-- guard's (frozen_org_*): the departure check reads the cell no earlier than the freeze check did,
-- so a writer's statement meets the freeze, or else the departure. In the other order a statement
-- could pass the departure check just before the handover and the freeze check just after it.

CREATE TABLE cellscope.departed_org (
    organization_id  bigint       PRIMARY KEY,
    relocation_id    bigint       NOT NULL,
    target_cell      text         NOT NULL,
    departed_at      timestamptz  NOT NULL DEFAULT now()
);

REVOKE ALL ON cellscope.departed_org FROM PUBLIC;
GRANT SELECT ON cellscope.departed_org TO cellscope_viewer;
GRANT SELECT, INSERT, UPDATE, DELETE ON cellscope.departed_org TO cellscope_staff;

-- TG_ARGV[0]: the name of the table's column holding the organization's id, read as a key of the
-- row as JSON: one static query serves every table, where a query built per table would be parsed
-- and planned on every statement (that added about ten times as much, measured). On
-- sentry_organization itself only inserts are guarded (an update there finds a row that is back).
CREATE FUNCTION cellscope.refuse_departed_org_rows() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    gone record;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM cellscope.departed_org) THEN
        RETURN NULL;
    END IF;
    -- Usually no row: the writer's organization lives here.
    FOR gone IN SELECT organization_id, relocation_id, target_cell FROM cellscope.departed_org
                 WHERE organization_id IN (SELECT (to_jsonb(n) ->> TG_ARGV[0])::bigint FROM new_rows n) LOOP
        IF NOT EXISTS (SELECT 1 FROM cellscope.frozen_org WHERE organization_id = gone.organization_id)
           AND ((TG_TABLE_SCHEMA = 'public' AND TG_TABLE_NAME = 'sentry_organization')
                OR NOT EXISTS (SELECT 1 FROM public.sentry_organization WHERE id = gone.organization_id)) THEN
            RAISE EXCEPTION 'organization % left this cell for cell % (relocation %): % on % refused',
                    gone.organization_id, gone.target_cell, gone.relocation_id, TG_OP, TG_TABLE_NAME
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      HINT = 'whatever sent this write here has a stale mapping: the control silo names '
                             'the cell the organization lives in now';
        END IF;
    END LOOP;
    RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION cellscope.refuse_departed_org_rows() FROM PUBLIC;

-- The organization's own row; tables linked by a declared column get theirs from cellctl db migrate.
CREATE TRIGGER org_departed_insert AFTER INSERT ON sentry_organization
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION cellscope.refuse_departed_org_rows('id');
