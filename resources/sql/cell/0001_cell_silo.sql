-- A cell database: the org-scoped data one cell owns, with Sentry's table names. Ids are global
-- (snowflake-style in Sentry), so an organization's rows can move between cells unchanged.
-- The dependency order of these tables is declared once, in core/store/org_tables.cpp.

CREATE TABLE sentry_organization (
    id                 bigint PRIMARY KEY,
    name               varchar(64)  NOT NULL,
    slug               varchar(50)  NOT NULL UNIQUE,
    status             integer      NOT NULL DEFAULT 0,
    date_added         timestamptz  NOT NULL DEFAULT now(),
    default_role       varchar(32)  NOT NULL DEFAULT 'member',
    flags              bigint       NOT NULL DEFAULT 1
);

CREATE TABLE sentry_team (
    id                 bigint PRIMARY KEY,
    organization_id    bigint       NOT NULL REFERENCES sentry_organization (id),
    slug               varchar(50)  NOT NULL,
    name               varchar(64)  NOT NULL,
    status             integer      NOT NULL DEFAULT 0,
    date_added         timestamptz  NOT NULL DEFAULT now(),
    UNIQUE (organization_id, slug)
);

CREATE TABLE sentry_organizationmember (
    id                 bigint PRIMARY KEY,
    organization_id    bigint       NOT NULL REFERENCES sentry_organization (id),
    user_id            bigint,
    email              varchar(75),
    role               varchar(32)  NOT NULL DEFAULT 'member',
    date_added         timestamptz  NOT NULL DEFAULT now(),
    UNIQUE (organization_id, user_id)
);

CREATE TABLE sentry_project (
    id                 bigint PRIMARY KEY,
    organization_id    bigint       NOT NULL REFERENCES sentry_organization (id),
    slug               varchar(50)  NOT NULL,
    name               varchar(200) NOT NULL,
    platform           varchar(64),
    status             integer      NOT NULL DEFAULT 0,
    date_added         timestamptz  NOT NULL DEFAULT now(),
    UNIQUE (organization_id, slug)
);

CREATE TABLE sentry_projectteam (
    id                 bigint PRIMARY KEY,
    project_id         bigint       NOT NULL REFERENCES sentry_project (id),
    team_id            bigint       NOT NULL REFERENCES sentry_team (id),
    UNIQUE (project_id, team_id)
);

CREATE TABLE sentry_projectkey (
    id                 bigint PRIMARY KEY,
    project_id         bigint       NOT NULL REFERENCES sentry_project (id),
    public_key         varchar(32)  NOT NULL UNIQUE,
    secret_key         varchar(32)  NOT NULL UNIQUE,
    label              varchar(64),
    status             integer      NOT NULL DEFAULT 0,
    date_added         timestamptz  NOT NULL DEFAULT now()
);

-- Issues
CREATE TABLE sentry_groupedmessage (
    id                 bigint PRIMARY KEY,
    project_id         bigint       NOT NULL REFERENCES sentry_project (id),
    message            text         NOT NULL,
    culprit            varchar(200),
    level              integer      NOT NULL DEFAULT 40,
    status             integer      NOT NULL DEFAULT 0,
    times_seen         integer      NOT NULL DEFAULT 1,
    first_seen         timestamptz  NOT NULL DEFAULT now(),
    last_seen          timestamptz  NOT NULL DEFAULT now()
);
CREATE INDEX sentry_groupedmessage_project_id_idx ON sentry_groupedmessage (project_id);
CREATE INDEX sentry_projectkey_project_id_idx ON sentry_projectkey (project_id);
CREATE INDEX sentry_projectteam_team_id_idx ON sentry_projectteam (team_id);
