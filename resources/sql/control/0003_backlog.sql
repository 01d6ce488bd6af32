-- The URL_NAME_TO_ACTION migration backlog: every import of the map is an immutable snapshot; the
-- people-side tracking (owner, status, notes) is keyed by URL name so it survives from one snapshot to
-- the next. Who may write is decided here, by grants, so no client can bypass it.

CREATE TABLE cellscope.backlog_snapshot (
    id           bigserial    PRIMARY KEY,
    taken_at     timestamptz  NOT NULL DEFAULT now(),          -- `--at`, else the import time
    imported_at  timestamptz  NOT NULL DEFAULT now(),
    imported_by  text         NOT NULL DEFAULT current_user,
    git_rev      text         CHECK (git_rev ~ '^[0-9a-f]{4,64}$'),
    source_file  text         NOT NULL,
    format       text         NOT NULL CHECK (format IN ('python', 'json', 'csv'))
);
CREATE INDEX backlog_snapshot_taken_at_idx ON cellscope.backlog_snapshot (taken_at, id);

CREATE TABLE cellscope.backlog_entry (
    snapshot_id  bigint   NOT NULL REFERENCES cellscope.backlog_snapshot ON DELETE CASCADE,
    url_name     text     NOT NULL CHECK (url_name <> ''),
    action       text     NOT NULL CHECK (action IN (
                     'TO_BE_REPLACED_WITH_ORG_SCOPED_VARIANT', 'TO_BE_REPLACED_WITH_CELL_SCOPED_VARIANT',
                     'TO_BE_CONTROL_ONLY', 'TO_BE_INTERNAL_ONLY', 'TO_BE_STANDARDIZED',
                     'TO_BE_SELF_HOSTED_ONLY', 'TO_BE_DEPRECATED', 'TO_BE_DELETED', 'TO_BE_BROKEN',
                     'TO_BE_INVESTIGATED_ECOSYSTEM_TEAM')),
    line         integer,                                       -- where the entry is in the source file
    PRIMARY KEY (snapshot_id, url_name)
);
CREATE INDEX backlog_entry_url_name_idx ON cellscope.backlog_entry (url_name);

CREATE TABLE cellscope.backlog_tracking (
    url_name     text         PRIMARY KEY CHECK (url_name <> ''),
    owner        text,
    team         text,
    status       text         NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'in_progress', 'done')),
    notes        text,
    updated_by   text         NOT NULL DEFAULT current_user,
    updated_at   timestamptz  NOT NULL DEFAULT now()
);

-- Leads may not write updated_by/updated_at (see the column grants below), so an edit is always
-- stamped with the role that really made it.
CREATE FUNCTION cellscope.backlog_tracking_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_by := current_user;
    NEW.updated_at := now();
    RETURN NEW;
END
$$;
CREATE TRIGGER backlog_tracking_stamp BEFORE UPDATE ON cellscope.backlog_tracking
    FOR EACH ROW EXECUTE FUNCTION cellscope.backlog_tracking_stamp();

REVOKE ALL ON cellscope.backlog_snapshot, cellscope.backlog_entry, cellscope.backlog_tracking FROM PUBLIC;
GRANT SELECT ON cellscope.backlog_snapshot, cellscope.backlog_entry, cellscope.backlog_tracking
    TO cellscope_viewer;
-- Leads import snapshots (never rewrite or delete them) and edit tracking; the audit columns stay
-- server-filled.
GRANT INSERT (taken_at, git_rev, source_file, format) ON cellscope.backlog_snapshot TO cellscope_lead;
GRANT USAGE ON SEQUENCE cellscope.backlog_snapshot_id_seq TO cellscope_lead;
GRANT INSERT ON cellscope.backlog_entry TO cellscope_lead;
GRANT INSERT (url_name, owner, team, status, notes), UPDATE (owner, team, status, notes)
    ON cellscope.backlog_tracking TO cellscope_lead;
