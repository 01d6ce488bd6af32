#pragma once

#include "core/db/database.h"

#include <pqxx/pqxx>

#include <cstdlib>
#include <string>

namespace cellscope::test {

// The throwaway cluster started by the CTest fixture (tests/support/pg_fixture.sh). A test that
// needs PostgreSQL fails — never skips — when the fixture did not provide one.
// Its socket directory and port are fixed when the tests are configured; the environment may
// override them (CELLSCOPE_TEST_PGHOST / CELLSCOPE_TEST_PGPORT).
inline std::string pgServerConninfo(const std::string& dbname = "postgres")
{
    const char* host = std::getenv("CELLSCOPE_TEST_PGHOST");
    const char* port = std::getenv("CELLSCOPE_TEST_PGPORT");
    return std::string("host=") + (host && *host ? host : CELLSCOPE_TEST_PGHOST) +
           " port=" + (port && *port ? port : CELLSCOPE_TEST_PGPORT) + " user=postgres dbname=" + dbname;
}

// Drops every database of the test cluster named `<prefix>_…`, closing their connections: a test's
// databases, before it builds them and after it is done.
inline void dropDatabasesWithPrefix(const std::string& prefix)
{
    auto admin = db::connect(pgServerConninfo());
    pqxx::nontransaction tx(*admin);
    for (const auto& row :
         tx.exec_params("SELECT datname FROM pg_database WHERE datname LIKE $1", prefix + "\\_%"))
        tx.exec0("DROP DATABASE " + tx.quote_name(row[0].as<std::string>()) + " WITH (FORCE)");
}

} // namespace cellscope::test
