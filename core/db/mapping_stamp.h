#pragma once

// Incremental pulls of the control API page mapping rows by (date_updated truncated to the second,
// id), strictly after the last row served. A row stamped at second s that commits after a puller
// already served a row (s, larger id), or any row of a later second, would be skipped by every
// puller for good. Two rules close that for the rows Cellscope writes:
//
// * A writer takes kLockForMappingStamp (exclusive, until its transaction ends) right before it
//   stamps, and stamps with clock_timestamp(), so its stamp is later than any page being served;
// * the page query takes kLockForMappingRead (shared) first, so it waits for a stamped writer to
//   commit, and serves only rows of fully elapsed seconds (date_updated before the current second),
//   so a writer that stamps after it still lands after its cursor.
//
// Writers that do not take the lock (Sentry's own outbox) keep Sentry's behaviour.

namespace cellscope::db {

inline constexpr const char* kLockForMappingStamp = "SELECT pg_advisory_xact_lock(1129534292, 1)";
inline constexpr const char* kLockForMappingRead = "SELECT pg_advisory_xact_lock_shared(1129534292, 1)";

} // namespace cellscope::db
