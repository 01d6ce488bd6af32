#include "core/db/errors.h"

#include "core/util/error.h"
#include "core/util/text.h"

#include <pqxx/except>

namespace cellscope::db {

void rethrowAsError(const std::string& doing, const std::string& database)
{
    try {
        throw;
    } catch (const Error&) {
        throw;
    } catch (const pqxx::broken_connection& e) {
        fail(ErrorCode::Unreachable,
             "lost the connection to " + database + " while " + doing + ": " + firstLine(e.what()));
    } catch (const pqxx::insufficient_privilege& e) {
        fail(ErrorCode::Permission, "PostgreSQL refused " + doing + ": " + firstLine(e.what()));
    } catch (const pqxx::sql_error& e) {
        if (e.sqlstate() == "55000")
            fail(ErrorCode::Conflict, firstLine(e.what()));
        // A database without Cellscope's schema (or an older one): say what to run.
        if (e.sqlstate() == "42P01" || e.sqlstate() == "3F000" || e.sqlstate() == "42703")
            fail(ErrorCode::Conflict, database + " lacks part of Cellscope's schema (" + firstLine(e.what()) +
                                          "): apply Cellscope's migrations with cellctl db migrate, as the "
                                          "database owner");
        if (e.sqlstate().starts_with("08") || e.sqlstate().starts_with("57P"))
            fail(ErrorCode::Unreachable, "lost " + database + " while " + doing + ": " + firstLine(e.what()));
        fail(ErrorCode::Internal, doing + " failed: " + firstLine(e.what()));
    } catch (const pqxx::transaction_rollback& e) {
        fail(ErrorCode::Conflict,
             doing + " was rolled back by PostgreSQL (" + firstLine(e.what()) + "); try again");
    } catch (const pqxx::failure& e) {
        fail(ErrorCode::Internal, doing + " failed: " + firstLine(e.what()));
    }
}

} // namespace cellscope::db
