-- Online relocation: the organization stays writable while it is copied; its changes are captured
-- in the source cell (cell migration 0008) and caught up before a short freeze. The steps of the
-- online way, and what status shows of it.

ALTER TABLE cellscope.relocation DROP CONSTRAINT relocation_step_check;
ALTER TABLE cellscope.relocation ADD CONSTRAINT relocation_step_check CHECK (step IN (
    'preflight', 'capture', 'freeze', 'copy', 'catch_up', 'verify', 'settle', 'switch', 'drain',
    'unfreeze', 'cleanup', 'done', 'cancel'));

ALTER TABLE cellscope.relocation
    -- Copy and verify while the organization stays writable; false: frozen from before the copy.
    ADD COLUMN online               boolean           NOT NULL DEFAULT false,
    -- The last catch-up round applied to the target, and the round whose state online verify
    -- compared: inside the freeze only rows changed after it are compared again.
    ADD COLUMN applied_round        integer           NOT NULL DEFAULT 0,
    ADD COLUMN verified_round       integer,
    ADD COLUMN applied_changes      bigint            NOT NULL DEFAULT 0,
    -- Changes captured but not yet applied, when last measured, and the age of the oldest.
    ADD COLUMN lag_rows             bigint,
    ADD COLUMN lag_seconds          double precision,
    ADD COLUMN lag_at               timestamptz,
    -- The write freeze lasts from frozen_at to the commit of the switch.
    ADD COLUMN switch_committed_at  timestamptz;

-- Drain by observation: the router APIs (locators) asked after the switch, and what they answered
-- last, one line each ("URL id → cell").
ALTER TABLE cellscope.relocation
    ADD COLUMN verify_locators      text[]            NOT NULL DEFAULT '{}',
    ADD COLUMN drain_answers        text;
