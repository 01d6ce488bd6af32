-- Relocations find org-scoped tables from each cell's catalog (foreign keys to sentry_organization,
-- declared links, excludes) instead of a built-in list. The plan's tables are journaled with how to
-- find the organization's rows in them, so every step and every resume moves exactly what was
-- planned, whatever the catalog says later.
ALTER TABLE cellscope.relocation_table
    ADD COLUMN sql_name        text,
    ADD COLUMN org_filter      text,
    ADD COLUMN key_columns     text     NOT NULL DEFAULT '',
    ADD COLUMN batched         boolean  NOT NULL DEFAULT true,
    ADD COLUMN depth           integer  NOT NULL DEFAULT 0,
    ADD COLUMN via             text     NOT NULL DEFAULT '',
    ADD COLUMN cycle           integer  NOT NULL DEFAULT 0,
    ADD COLUMN self_reference  boolean  NOT NULL DEFAULT false;

-- A lease, not a lock: the runner that took it writes every journal row only while its token is
-- still the relocation's (fencing), so a runner that lost its control connection — and maybe came
-- back through a silent reconnect — can never act beside the one that took over. The session
-- advisory lock stays, as the sign that the lease holder is alive.
ALTER TABLE cellscope.relocation
    ADD COLUMN lease_token       text,
    ADD COLUMN lease_renewed_at  timestamptz;
