#pragma once

#include <string>

namespace cellscope::db {

// The one translation of libpqxx's exceptions into the core's Error; call it inside a catch block.
// An Error passes through unchanged; anything that is not a database error is rethrown as it is.
// `doing` says what failed ("reading relocation 7"); `database` names the database in the
// sentences about a lost connection or a missing schema ("the control database").
//   broken connection, SQLSTATE 08xxx/57Pxx     → Unreachable
//   insufficient privilege (42501)               → Permission
//   object not in prerequisite state (55000)     → Conflict (the freeze guard, a lock timeout)
//   undefined table/schema/column (42P01, 3F000, 42703) → Conflict: run cellctl db migrate
//   serialization failure, deadlock (40xxx)      → Conflict: try again
//   any other database error                     → Internal
[[noreturn]] void rethrowAsError(const std::string& doing, const std::string& database = "PostgreSQL");

} // namespace cellscope::db
