-- Org relocation between cells: the journal a runner needs to resume after a crash (the relocation,
-- a record before and after every step, per-table progress, a ledger of what was created in the
-- target), and an append-only audit log of every action with its reason. Who may change a
-- relocation is decided here, by grants, so no face can bypass it.

CREATE TABLE cellscope.relocation (
    id                        bigserial    PRIMARY KEY,
    organization_id           bigint       NOT NULL,
    org_slug                  text         NOT NULL,
    source_cell               text         NOT NULL REFERENCES cellscope.cell (name),
    target_cell               text         NOT NULL REFERENCES cellscope.cell (name),
    -- running: a runner owns it or should (after a crash, resume); paused/failed/aborted: waiting
    -- for a person; done/cancelled: finished.
    state                     text         NOT NULL DEFAULT 'running' CHECK (state IN (
                                  'running', 'paused', 'failed', 'aborted', 'done', 'cancelled')),
    -- The step to run next (or running now). 'cancel' is the way back, taken only before the switch.
    step                      text         NOT NULL DEFAULT 'preflight' CHECK (step IN (
                                  'preflight', 'freeze', 'copy', 'verify', 'switch', 'drain',
                                  'unfreeze', 'cleanup', 'done', 'cancel')),
    cancelled_at_step         text,
    -- Asked of the runner, which acts on it at its next batch boundary.
    requested_action          text         CHECK (requested_action IN ('pause', 'abort')),
    cross_locality            boolean      NOT NULL DEFAULT false,
    batch_rows                integer      NOT NULL DEFAULT 50000 CHECK (batch_rows > 0),
    throttle_rows_per_second  bigint       CHECK (throttle_rows_per_second > 0),  -- NULL: unthrottled
    drain_seconds             integer      NOT NULL DEFAULT 65 CHECK (drain_seconds >= 0),
    -- What the freeze changed, so unfreezing restores exactly this (status may be NULL).
    frozen_at                 timestamptz,
    mapping_status_before     bigint,
    cell_status_before        integer,
    switched_at               timestamptz,
    last_error                text,
    runner                    text,        -- "pid 4242 on host", the last process that ran it
    heartbeat_at              timestamptz,
    created_by                text         NOT NULL DEFAULT current_user,
    created_at                timestamptz  NOT NULL DEFAULT now(),
    updated_at                timestamptz  NOT NULL DEFAULT now(),
    finished_at               timestamptz,
    CHECK (source_cell <> target_cell)
);
-- At most one unfinished relocation per organization: two concurrent starts cannot both insert.
CREATE UNIQUE INDEX relocation_one_active_per_org ON cellscope.relocation (organization_id)
    WHERE state NOT IN ('done', 'cancelled');
CREATE INDEX relocation_organization_idx ON cellscope.relocation (organization_id, id);

-- Written when a step begins (outcome NULL) and again when it ends. A NULL outcome left behind
-- means the process running it died.
CREATE TABLE cellscope.relocation_step (
    id                bigserial    PRIMARY KEY,
    relocation_id     bigint       NOT NULL REFERENCES cellscope.relocation (id),
    step              text         NOT NULL,
    attempt           integer      NOT NULL,
    started_at        timestamptz  NOT NULL DEFAULT clock_timestamp(),
    finished_at       timestamptz,
    outcome           text         CHECK (outcome IN ('ok', 'failed', 'interrupted')),
    detail            text,
    runner            text,
    UNIQUE (relocation_id, step, attempt)
);

-- One row per org-scoped table: copy progress up to the last committed batch key, verify progress
-- with the running digests of both sides, and cleanup progress.
CREATE TABLE cellscope.relocation_table (
    relocation_id     bigint       NOT NULL REFERENCES cellscope.relocation (id),
    position          integer      NOT NULL,
    table_name        text         NOT NULL,
    planned_rows      bigint       NOT NULL,
    copied_rows       bigint       NOT NULL DEFAULT 0,
    copy_last_key     bigint,
    copy_seconds      double precision NOT NULL DEFAULT 0,
    copied_at         timestamptz,
    verified_rows     bigint       NOT NULL DEFAULT 0,
    verify_last_key   bigint,
    verify_seconds    double precision NOT NULL DEFAULT 0,
    source_digest     text,
    target_digest     text,
    verified_at       timestamptz,
    cleaned_rows      bigint       NOT NULL DEFAULT 0,
    cleaned_at        timestamptz,
    PRIMARY KEY (relocation_id, table_name),
    UNIQUE (relocation_id, position)
);

-- Everything a relocation creates in a cell, recorded (and committed) before it is created, so a
-- cancel or a retry always knows what to remove.
CREATE TABLE cellscope.relocation_leftover (
    relocation_id     bigint       NOT NULL REFERENCES cellscope.relocation (id),
    cell              text         NOT NULL,
    table_name        text         NOT NULL,
    position          integer      NOT NULL,
    organization_id   bigint       NOT NULL,
    recorded_at       timestamptz  NOT NULL DEFAULT now(),
    removed_rows      bigint       NOT NULL DEFAULT 0,
    removed_at        timestamptz,
    PRIMARY KEY (relocation_id, cell, table_name)
);

-- Every state-changing action, with its reason and the database role that did it.
CREATE TABLE cellscope.relocation_audit (
    id                bigserial    PRIMARY KEY,
    relocation_id     bigint       NOT NULL REFERENCES cellscope.relocation (id),
    organization_id   bigint       NOT NULL,
    action            text         NOT NULL CHECK (action IN (
                          'start', 'pause', 'resume', 'cancel', 'abort', 'retry', 'repair', 'throttle')),
    reason            text         NOT NULL CHECK (btrim(reason) <> ''),
    detail            text         NOT NULL DEFAULT '',
    db_role           text         NOT NULL DEFAULT current_user,
    login_role        text         NOT NULL DEFAULT session_user,
    at                timestamptz  NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX relocation_audit_relocation_idx ON cellscope.relocation_audit (relocation_id, id);

-- The role and time are the server's, whatever a client sends.
CREATE FUNCTION cellscope.relocation_audit_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.db_role := current_user;
    NEW.login_role := session_user;
    NEW.at := clock_timestamp();
    RETURN NEW;
END
$$;
CREATE TRIGGER relocation_audit_stamp BEFORE INSERT ON cellscope.relocation_audit
    FOR EACH ROW EXECUTE FUNCTION cellscope.relocation_audit_stamp();

-- No grant allows changing the log; this refuses it even to the owner.
CREATE FUNCTION cellscope.relocation_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the relocation audit log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER relocation_audit_append_only BEFORE UPDATE OR DELETE ON cellscope.relocation_audit
    FOR EACH ROW EXECUTE FUNCTION cellscope.relocation_audit_append_only();
CREATE TRIGGER relocation_audit_no_truncate BEFORE TRUNCATE ON cellscope.relocation_audit
    FOR EACH STATEMENT EXECUTE FUNCTION cellscope.relocation_audit_append_only();

REVOKE ALL ON cellscope.relocation, cellscope.relocation_step, cellscope.relocation_table,
    cellscope.relocation_leftover, cellscope.relocation_audit FROM PUBLIC;
GRANT SELECT ON cellscope.relocation, cellscope.relocation_step, cellscope.relocation_table,
    cellscope.relocation_leftover, cellscope.relocation_audit TO cellscope_viewer;
-- Staff run relocations: they write the journal and append to the audit log (never rewrite it).
GRANT INSERT, UPDATE ON cellscope.relocation, cellscope.relocation_step, cellscope.relocation_table,
    cellscope.relocation_leftover TO cellscope_staff;
GRANT INSERT (relocation_id, organization_id, action, reason, detail) ON cellscope.relocation_audit
    TO cellscope_staff;
GRANT USAGE ON SEQUENCE cellscope.relocation_id_seq, cellscope.relocation_step_id_seq,
    cellscope.relocation_audit_id_seq TO cellscope_staff;
-- The switch and the freeze change only these columns of Sentry's control tables.
GRANT UPDATE (region_name, status, date_updated) ON sentry_organizationmapping TO cellscope_staff;
GRANT UPDATE (region_name, date_updated) ON sentry_projectkeymapping TO cellscope_staff;
GRANT UPDATE (region_name) ON sentry_organizationslugreservation TO cellscope_staff;
