#pragma once

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

} // namespace cellscope::test
