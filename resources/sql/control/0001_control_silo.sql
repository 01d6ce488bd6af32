-- Control database: the subset of Sentry's control-silo tables Cellscope reads, with Sentry's own
-- table and column names (so Cellscope can point at a real control replica), plus Cellscope's schema.

CREATE TABLE sentry_organizationmapping (
    id                 bigserial PRIMARY KEY,
    organization_id    bigint       NOT NULL UNIQUE,
    slug               varchar(50)  NOT NULL UNIQUE,
    name               varchar(64)  NOT NULL,
    date_created       timestamptz  NOT NULL DEFAULT now(),
    customer_id        varchar(255),
    verified           boolean      NOT NULL DEFAULT false,
    idempotency_key    varchar(48)  NOT NULL DEFAULT '',
    region_name        varchar(48)  NOT NULL,   -- Sentry's cell_name (db_column kept as region_name)
    status             bigint,
    allow_joinleave    boolean      NOT NULL DEFAULT false,
    enhanced_privacy   boolean      NOT NULL DEFAULT false,
    require_2fa        boolean      NOT NULL DEFAULT false,
    early_adopter      boolean      NOT NULL DEFAULT false,
    date_updated       timestamptz  NOT NULL DEFAULT now()
);
CREATE INDEX sentry_organizationmapping_region_name_idx ON sentry_organizationmapping (region_name);
-- Synapse's cursor endpoint orders on (date_updated truncated to the second, id).
CREATE INDEX sentry_organizationmapping_date_updated_id_idx ON sentry_organizationmapping (date_updated, id);

CREATE TABLE sentry_organizationmembermapping (
    id                 bigserial PRIMARY KEY,
    organization_id    bigint       NOT NULL,
    date_created       timestamptz  NOT NULL DEFAULT now(),
    role               varchar(32)  NOT NULL,
    user_id            bigint,
    email              varchar(75),
    inviter_id         bigint,
    invite_status      integer,
    idempotency_key    varchar(48)  NOT NULL DEFAULT '',
    UNIQUE (organization_id, user_id),
    UNIQUE (organization_id, email)
);
CREATE INDEX sentry_organizationmembermapping_user_id_idx ON sentry_organizationmembermapping (user_id);

CREATE TABLE sentry_organizationslugreservation (
    id                 bigserial PRIMARY KEY,
    slug               varchar(50)  NOT NULL UNIQUE,
    organization_id    bigint       NOT NULL,
    user_id            bigint,
    region_name        varchar(48)  NOT NULL,
    reservation_type   bigint       NOT NULL DEFAULT 0,  -- PRIMARY 0, VANITY_ALIAS 1, TEMPORARY_RENAME_ALIAS 2
    date_added         timestamptz  NOT NULL DEFAULT now(),
    UNIQUE (organization_id, reservation_type)
);

CREATE TABLE sentry_projectkeymapping (
    id                 bigserial PRIMARY KEY,
    project_key_id     bigint,
    public_key         varchar(32)  NOT NULL UNIQUE,
    region_name        varchar(48)  NOT NULL,
    date_updated       timestamptz  NOT NULL DEFAULT now()
);
CREATE INDEX sentry_projkeymapping_date_updated_id_idx ON sentry_projectkeymapping (date_updated, id);

CREATE TABLE sentry_integration (
    id                 bigserial PRIMARY KEY,
    provider           varchar(64)  NOT NULL,
    external_id        varchar(64)  NOT NULL,
    name               varchar(200) NOT NULL DEFAULT '',
    status             integer      NOT NULL DEFAULT 0,
    date_added         timestamptz  NOT NULL DEFAULT now(),
    UNIQUE (provider, external_id)
);

CREATE TABLE sentry_organizationintegration (
    id                 bigserial PRIMARY KEY,
    organization_id    bigint       NOT NULL,
    integration_id     bigint       NOT NULL REFERENCES sentry_integration (id) ON DELETE CASCADE,
    config             jsonb        NOT NULL DEFAULT '{}',
    status             integer      NOT NULL DEFAULT 0,   -- ObjectStatus: ACTIVE 0
    date_added         timestamptz  NOT NULL DEFAULT now(),
    date_updated       timestamptz  NOT NULL DEFAULT now(),
    UNIQUE (organization_id, integration_id)
);

-- Cellscope's own schema: what a control replica lacks (topology settings, key → project/org).
-- (schema cellscope is created by the migration runner, which records versions there)

-- SENTRY_LOCALITIES
CREATE TABLE cellscope.locality (
    name               text PRIMARY KEY,
    category           text NOT NULL CHECK (category IN ('MULTI_TENANT', 'SINGLE_TENANT')),
    new_org_cell       text,
    visible            boolean NOT NULL DEFAULT true
);

-- SENTRY_CELLS (is_monolith marks SENTRY_MONOLITH_REGION)
CREATE TABLE cellscope.cell (
    name                text PRIMARY KEY,
    locality            text NOT NULL REFERENCES cellscope.locality (name),
    snowflake_id        bigint NOT NULL UNIQUE,
    address             text NOT NULL,
    api_gateway_address text,
    category            text NOT NULL CHECK (category IN ('MULTI_TENANT', 'SINGLE_TENANT')),
    visible             boolean NOT NULL DEFAULT true,
    is_monolith         boolean NOT NULL DEFAULT false
);
CREATE UNIQUE INDEX cell_one_monolith ON cellscope.cell (is_monolith) WHERE is_monolith;
ALTER TABLE cellscope.locality
    ADD CONSTRAINT locality_new_org_cell_fk FOREIGN KEY (new_org_cell) REFERENCES cellscope.cell (name)
    DEFERRABLE INITIALLY DEFERRED;

CREATE TABLE cellscope.setting (
    key                text PRIMARY KEY,
    value              text NOT NULL
);
INSERT INTO cellscope.setting (key, value) VALUES ('app_host', 'sentry.io');

-- A real replica's sentry_projectkeymapping has no project or org id; the cell's sentry_projectkey has.
CREATE TABLE cellscope.projectkey_info (
    public_key         varchar(32) PRIMARY KEY,
    project_id         bigint NOT NULL,
    organization_id    bigint NOT NULL,
    dsn_format         text NOT NULL DEFAULT 'locality' CHECK (dsn_format IN ('locality', 'org_subdomain', 'legacy'))
);
