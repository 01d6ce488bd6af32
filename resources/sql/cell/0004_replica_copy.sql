-- Withdrawn. This migration used to grant staff SET on session_replication_role so relocations could
-- copy without per-row foreign-key checks; but that grant is cluster-wide and lets any staff session
-- in any database switch off every trigger, the freeze guard included. Migration 0006 revokes it
-- where it was applied and gives relocations a narrow SECURITY DEFINER loader instead. Kept as a
-- no-op so the version stays taken and cells migrated in parallel never grant it again.
DO $$ BEGIN NULL; END $$;
