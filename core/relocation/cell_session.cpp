#include "core/relocation/cell_session.h"

#include "core/db/database.h"
#include "core/model/topology.h"
#include "core/relocation/fault_point.h"
#include "core/relocation/text.h"
#include "core/util/error.h"

#include <libpq-fe.h>

#include <algorithm>
#include <memory>

namespace cellscope::relocation {

namespace {

struct ResultDeleter
{
    void operator()(PGresult* result) const { PQclear(result); }
};
using Result = std::unique_ptr<PGresult, ResultDeleter>;

// Session settings: no JIT (a relocation's statements are short; compiling costs more than it
// saves), and no nested loops, because an org filter is a semi-join against the org's projects and
// freshly copied tables have no statistics yet: misled, the planner would scan the projects once per
// row. Room for a whole batch in the session's temporary buffers (the staging table of
// cellscope.load_org_rows), which PostgreSQL allocates only as they fill.
constexpr const char* kSessionSetup = "SET jit = off; SET enable_nestloop = off; SET temp_buffers = '256MB'; "
                                      "SET application_name = 'cellscope relocation'";

constexpr char kCopySignature[] = "PGCOPY\n\377\r\n";
constexpr std::size_t kCopyHeaderSize = 19; // signature, flags, header extension length

std::int64_t bigEndian(const char* data, int bytes)
{
    std::uint64_t value = 0;
    for (int i = 0; i < bytes; ++i)
        value = (value << 8) | static_cast<unsigned char>(data[i]);
    return bytes == 2   ? static_cast<std::int16_t>(value)
           : bytes == 4 ? static_cast<std::int32_t>(value)
                        : static_cast<std::int64_t>(value);
}

} // namespace

CellSession::CellSession(std::string cell, const std::string& conninfo) : m_cell(std::move(cell))
{
    m_conn = PQconnectdb(db::quietConninfo(conninfo).c_str());
    if (PQstatus(m_conn) != CONNECTION_OK) {
        const std::string message = firstLine(PQerrorMessage(m_conn));
        PQfinish(m_conn);
        m_conn = nullptr;
        cellscope::fail(ErrorCode::Unreachable, "cannot connect to the database of cell " + m_cell + " (" +
                                                    db::describeConninfo(conninfo) + "): " + message);
    }
    Result result(PQexec(m_conn, kSessionSetup));
    if (PQresultStatus(result.get()) != PGRES_COMMAND_OK)
        fail("setting up the session", result.release());
}

CellSession::~CellSession()
{
    PQfinish(m_conn);
}

void CellSession::fail(const std::string& what, pg_result* raw)
{
    const Result result(raw);
    const char* sqlState = result ? PQresultErrorField(result.get(), PG_DIAG_SQLSTATE) : nullptr;
    const std::string state = sqlState ? sqlState : "";
    const std::string message =
        firstLine(result && *PQresultErrorMessage(result.get()) ? PQresultErrorMessage(result.get())
                                                                : PQerrorMessage(m_conn));
    if (PQstatus(m_conn) == CONNECTION_BAD || state.starts_with("08") || state.starts_with("57P"))
        cellscope::fail(ErrorCode::Unreachable, "lost the connection to the database of cell " + m_cell +
                                                    " while " + what + ": " + message);
    if (state == "42501")
        cellscope::fail(ErrorCode::Permission,
                        "PostgreSQL refused " + what + " in cell " + m_cell + ": " + message);
    if (state.starts_with("55")) // object not in prerequisite state: the freeze guard, a lock timeout
        cellscope::fail(ErrorCode::Conflict, "cell " + m_cell + ": " + message);
    cellscope::fail(ErrorCode::Internal, "cell " + m_cell + ": " + what + " failed: " + message);
}

std::vector<Row> CellSession::query(const std::string& sql, const std::vector<std::string>& params)
{
    std::vector<const char*> values;
    values.reserve(params.size());
    for (const std::string& param : params)
        values.push_back(param.empty() ? nullptr : param.c_str());
    Result result(PQexecParams(m_conn, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(),
                               nullptr, nullptr, 0));
    const auto status = PQresultStatus(result.get());
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK)
        fail("running a statement", result.release());
    std::vector<Row> rows;
    for (int r = 0; r < PQntuples(result.get()); ++r) {
        Row row;
        for (int c = 0; c < PQnfields(result.get()); ++c)
            row.emplace_back(PQgetvalue(result.get(), r, c),
                             static_cast<std::size_t>(PQgetlength(result.get(), r, c)));
        rows.push_back(std::move(row));
    }
    return rows;
}

void CellSession::send(const std::string& sql)
{
    if (PQsendQuery(m_conn, sql.c_str()) != 1)
        fail("sending a statement", nullptr);
}

void CellSession::await(const std::string& what)
{
    while (PGresult* raw = PQgetResult(m_conn)) {
        Result result(raw);
        const auto status = PQresultStatus(raw);
        if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
            while (PGresult* rest = PQgetResult(m_conn))
                PQclear(rest);
            fail(what, result.release());
        }
    }
}

void CellSession::actFor(std::int64_t relocationId)
{
    query("SELECT set_config('cellscope.relocation', $1, false)", {std::to_string(relocationId)});
}

bool CellSession::mayLoadUnchecked()
{
    if (!m_uncheckedLoad) {
        // has_parameter_privilege() only exists from PostgreSQL 15 on: ask the version first.
        const int version = std::stoi(query("SELECT current_setting('server_version_num')").at(0).at(0));
        const std::string ownerMaySet =
            version >= 150000
                ? "r.rolsuper OR has_parameter_privilege(r.oid, 'session_replication_role', 'SET')"
                : "r.rolsuper";
        m_uncheckedLoad =
            query("SELECT coalesce((SELECT has_function_privilege(p.oid, 'EXECUTE') AND (" + ownerMaySet +
                  ") FROM pg_proc p JOIN pg_roles r ON r.oid = p.proowner "
                  "WHERE p.oid = to_regprocedure('cellscope.load_org_rows(regclass, bigint, "
                  "regclass, boolean)')), false)")
                .at(0)
                .at(0) == "t";
    }
    return *m_uncheckedLoad;
}

std::string CellSession::quoteLiteral(std::string_view text)
{
    char* quoted = PQescapeLiteral(m_conn, text.data(), text.size());
    if (!quoted)
        fail("quoting a literal", nullptr);
    std::string out(quoted);
    PQfreemem(quoted);
    return out;
}

std::string CellSession::quoteIdentifier(std::string_view name)
{
    char* quoted = PQescapeIdentifier(m_conn, name.data(), name.size());
    if (!quoted)
        fail("quoting an identifier", nullptr);
    std::string out(quoted);
    PQfreemem(quoted);
    return out;
}

CopyOutStream::CopyOutStream(CellSession& session, const std::string& copyToStdout, bool keyed)
    : m_session(session), m_keyed(keyed)
{
    Result started(PQexec(m_session.m_conn, copyToStdout.c_str()));
    if (PQresultStatus(started.get()) != PGRES_COPY_OUT)
        m_session.fail("starting to copy rows out", started.release());
}

CopyOutStream::~CopyOutStream()
{
    PQfreemem(m_buffer);
}

bool CopyOutStream::next()
{
    PQfreemem(m_buffer);
    m_buffer = nullptr;
    if (m_done)
        return false;
    const int length = PQgetCopyData(m_session.m_conn, &m_buffer, 0);
    if (length == -1) {
        m_done = true;
        while (PGresult* raw = PQgetResult(m_session.m_conn)) {
            Result result(raw);
            if (PQresultStatus(raw) != PGRES_COMMAND_OK)
                m_session.fail("copying rows out", result.release());
        }
        return false;
    }
    if (length < 0)
        m_session.fail("copying rows out", nullptr);
    std::string_view message(m_buffer, static_cast<std::size_t>(length));
    if (m_headerPending) {
        // The server sends the header in front of the first row (or of the trailer).
        if (message.size() < kCopyHeaderSize || message.substr(0, 11) != std::string_view(kCopySignature, 11))
            cellscope::fail(ErrorCode::Internal, "cell " + m_session.cell() + " sent no binary COPY header");
        const auto extension = static_cast<std::size_t>(bigEndian(message.data() + 15, 4));
        message.remove_prefix(kCopyHeaderSize + extension);
        m_headerPending = false;
    }
    if (message.size() == 2 && bigEndian(message.data(), 2) == -1)
        return next(); // the trailer; the COPY's end comes next
    // One row per message: a field count, then each field's length and bytes; the key leads.
    std::size_t at = 2;
    const auto fields = message.size() >= 2 ? bigEndian(message.data(), 2) : 0;
    for (std::int64_t f = 0; f < fields && at + 4 <= message.size(); ++f) {
        const auto size = bigEndian(message.data() + at, 4);
        at += 4;
        if (f == 0 && m_keyed) {
            if ((size != 2 && size != 4 && size != 8) || at + static_cast<std::size_t>(size) > message.size())
                cellscope::fail(ErrorCode::Internal,
                                "cell " + m_session.cell() + " sent a row without an integer key");
            m_key = bigEndian(message.data() + at, static_cast<int>(size));
        }
        at += size > 0 ? static_cast<std::size_t>(size) : 0;
    }
    if (fields <= 0 || at != message.size())
        cellscope::fail(ErrorCode::Internal, "unexpected binary COPY framing from cell " + m_session.cell());
    m_row = message;
    return true;
}

CopyInBatch::CopyInBatch(CellSession& session, const std::string& copyFromStdin) : m_session(session)
{
    Result started(PQexec(m_session.m_conn, copyFromStdin.c_str()));
    if (PQresultStatus(started.get()) != PGRES_COPY_IN)
        m_session.fail("starting to copy rows in", started.release());
    static constexpr char kHeader[kCopyHeaderSize] = {'P',  'G',    'C',  'O',  'P', 'Y',
                                                      '\n', '\377', '\r', '\n', '\0'};
    if (PQputCopyData(m_session.m_conn, kHeader, sizeof kHeader) != 1)
        m_session.fail("copying rows in", nullptr);
}

void CopyInBatch::put(std::string_view row)
{
    if (PQputCopyData(m_session.m_conn, row.data(), static_cast<int>(row.size())) != 1)
        m_session.fail("copying rows in", nullptr);
    ++m_rows;
}

std::int64_t CopyInBatch::finish()
{
    static constexpr char kTrailer[2] = {'\377', '\377'};
    if (PQputCopyData(m_session.m_conn, kTrailer, sizeof kTrailer) != 1 ||
        PQputCopyEnd(m_session.m_conn, nullptr) != 1)
        m_session.fail("finishing the copy", nullptr);
    std::int64_t accepted = -1;
    while (PGresult* raw = PQgetResult(m_session.m_conn)) {
        Result result(raw);
        if (PQresultStatus(raw) != PGRES_COMMAND_OK)
            m_session.fail("copying rows in", result.release());
        accepted = std::strtoll(PQcmdTuples(raw), nullptr, 10);
    }
    if (accepted != m_rows)
        cellscope::fail(ErrorCode::Internal, "cell " + m_session.cell() + " took " +
                                                 std::to_string(accepted) + " rows of the " +
                                                 std::to_string(m_rows) + " sent");
    return m_rows;
}

OrgTableSql::OrgTableSql(const OrgTable& table, CellSession& session) : m_table(table)
{
    // The batch key leads, so a COPY row's first field is its key.
    const auto rows = session.query(
        "SELECT coalesce(string_agg(quote_ident(attname), ', ' ORDER BY quote_ident(attname) <> $2, attnum), "
        "''), "
        "coalesce(string_agg(attname || ' ' || format_type(atttypid, atttypmod), ', ' ORDER BY attnum), ''), "
        "coalesce(string_agg('staged.' || quote_ident(attname), ', ' ORDER BY quote_ident(attname) <> $2, "
        "attnum), '') "
        "FROM pg_attribute WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped",
        {table.sqlName, table.batched ? table.keyColumns : std::string()});
    m_columns = rows.at(0).at(0);
    m_signature = rows.at(0).at(1);
    m_stagedColumns = rows.at(0).at(2);
}

std::string OrgTableSql::filter() const
{
    return "(" + m_table.orgFilter + ")";
}

std::string OrgTableSql::orderBy() const
{
    return m_table.keyColumns.empty() ? std::string() : " ORDER BY " + m_table.keyColumns;
}

std::string OrgTableSql::count() const
{
    return "SELECT count(*) FROM " + m_table.sqlName + " WHERE " + filter();
}

std::string OrgTableSql::copyOut(std::int64_t org, std::optional<std::int64_t> after,
                                 const std::string& also) const
{
    std::string where = filter();
    for (std::size_t at = where.find("$1"); at != std::string::npos; at = where.find("$1", at))
        where.replace(at, 2, std::to_string(org));
    if (after && m_table.batched)
        where += " AND " + m_table.keyColumns + " > " + std::to_string(*after);
    if (!also.empty())
        where += " AND " + also;
    return "COPY (SELECT " + m_columns + " FROM " + m_table.sqlName + " WHERE " + where + orderBy() +
           ") TO STDOUT (FORMAT binary)";
}

std::string OrgTableSql::keyCondition(const std::vector<std::int64_t>& keys, bool negated) const
{
    std::string list;
    for (const std::int64_t key : keys)
        list += (list.empty() ? "" : ",") + std::to_string(key);
    return std::string(negated ? "NOT " : "") + "(" + m_table.keyColumns + " = ANY ('{" + list +
           "}'::bigint[]))";
}

std::string OrgTableSql::updateFromStaging(const std::string& staging,
                                           const std::vector<std::int64_t>& keys) const
{
    // Subqueries rather than UPDATE … FROM, so the org filter's unqualified columns name the table's.
    const std::string& key = m_table.keyColumns;
    return "WITH updated AS (UPDATE " + m_table.sqlName + " AS t SET (" + m_columns + ") = (SELECT " +
           m_stagedColumns + " FROM " + staging + " AS staged WHERE staged." + key + " = t." + key +
           ") WHERE " + keyCondition(keys) + " AND " + filter() + " RETURNING t." + key + ") DELETE FROM " +
           staging + " WHERE " + key + " IN (SELECT " + key + " FROM updated)";
}

std::string OrgTableSql::deleteItem(const std::string& name, const std::vector<std::int64_t>& keys,
                                    bool whole) const
{
    return name + " AS (DELETE FROM " + m_table.sqlName + " WHERE " + filter() +
           (whole ? std::string() : " AND " + keyCondition(keys)) + " RETURNING 1)";
}

std::string OrgTableSql::copyIn(const std::string& into) const
{
    return "COPY " + (into.empty() ? m_table.sqlName : into) + " (" + m_columns +
           ") FROM STDIN (FORMAT binary)";
}

std::string OrgTableSql::batchBounds() const
{
    const std::string& key = m_table.keyColumns;
    return "SELECT k FROM (SELECT " + key + " AS k, row_number() OVER (ORDER BY " + key + ") AS n FROM " +
           m_table.sqlName + " WHERE " + filter() + ") AS numbered WHERE n % $2 = 0 ORDER BY k";
}

std::string OrgTableSql::deleteRange() const
{
    const std::string& key = m_table.keyColumns;
    return "WITH gone AS (DELETE FROM " + m_table.sqlName + " WHERE " + filter() +
           " AND ($2::bigint IS NULL OR " + key + " > $2) AND ($3::bigint IS NULL OR " + key +
           " <= $3) RETURNING 1) SELECT count(*) FROM gone";
}

std::string OrgTableSql::countAndLastKey() const
{
    return "SELECT count(*), " + (m_table.batched ? "max(" + m_table.keyColumns + ")" : std::string("NULL")) +
           " FROM " + m_table.sqlName + " WHERE " + filter();
}

std::string deleteTogether(const std::vector<OrgTable>& tables)
{
    std::string with;
    std::string counts;
    for (std::size_t i = 0; i < tables.size(); ++i) {
        const std::string name = "gone" + std::to_string(i);
        with += (with.empty() ? "WITH " : ", ") + name + " AS (DELETE FROM " + tables[i].sqlName +
                " WHERE (" + tables[i].orgFilter + ") RETURNING 1)";
        counts += (counts.empty() ? "" : ", ") + std::string("(SELECT count(*) FROM ") + name + ")";
    }
    return with + " SELECT " + counts;
}

std::vector<std::string> publicKeysOfOrganization(CellSession& cell, std::int64_t organizationId)
{
    std::vector<std::string> keys;
    for (Row& row :
         cell.query("SELECT public_key FROM sentry_projectkey WHERE project_id IN "
                    "(SELECT id FROM sentry_project WHERE organization_id = $1) ORDER BY public_key",
                    {std::to_string(organizationId)}))
        keys.push_back(std::move(row.at(0)));
    return keys;
}

bool freezeGuardInstalled(CellSession& cell, const OrgTable& table)
{
    // insert, update, delete and truncate triggers, each given the table's org filter
    const auto rows = cell.query(
        "SELECT count(*) FROM pg_trigger WHERE tgrelid = to_regclass($1) "
        "AND tgfoid = to_regproc('cellscope.refuse_frozen_org_writes') "
        "AND tgenabled = 'O' AND tgnargs = 1 AND tgargs = convert_to($2, 'UTF8') || '\\x00'::bytea",
        {table.sqlName, table.orgFilter});
    return rows.at(0).at(0) == "4";
}

bool departureGuardInstalled(CellSession& cell, const OrgTable& table)
{
    // sentry_organization has only the insert trigger: an update there finds a row that is back.
    const char* wanted = table.orgColumn.empty() ? "0" : table.depth == 0 ? "1" : "2";
    const Row held = cell.query("SELECT count(*), count(*) FILTER (WHERE tgenabled = 'O' AND tgnargs = 1 "
                                "AND tgargs = convert_to($2, 'UTF8') || '\\x00'::bytea) FROM pg_trigger "
                                "WHERE tgrelid = to_regclass($1) "
                                "AND tgfoid = to_regproc('cellscope.refuse_departed_org_rows')",
                                {table.sqlName, table.orgColumn})
                         .at(0);
    return held.at(0) == wanted && held.at(1) == wanted;
}

std::optional<std::int64_t> frozenBy(CellSession& cell, std::int64_t organizationId)
{
    const auto rows = cell.query("SELECT relocation_id FROM cellscope.frozen_org WHERE organization_id = $1",
                                 {std::to_string(organizationId)});
    if (rows.empty())
        return std::nullopt;
    return std::stoll(rows[0][0]);
}

namespace {

// Opens a transaction that holds every guarded table in SHARE ROW EXCLUSIVE mode, which conflicts
// with every writer's ROW EXCLUSIVE: it waits for writes in flight, so none can commit after the
// freeze (or the start of capture) unseen, and blocks new ones until the transaction ends. It also
// conflicts with itself, so two freezes in one cell take turns instead of deadlocking. One order for
// every freeze (by name), so freezes never wait on each other in a circle.
void lockGuardedTables(CellSession& cell, const std::vector<OrgTable>& guarded,
                       const std::string& lockTimeout, const char* lockedPoint)
{
    std::vector<std::string> names;
    for (const OrgTable& table : guarded)
        names.push_back(table.sqlName);
    std::sort(names.begin(), names.end());
    std::string tables;
    for (const std::string& name : names)
        tables += (tables.empty() ? "" : ", ") + name;
    cell.exec("BEGIN");
    cell.query("SELECT set_config('lock_timeout', $1, true)", {lockTimeout});
    cell.exec("LOCK TABLE " + tables + " IN SHARE ROW EXCLUSIVE MODE");
    faultPoint(lockedPoint);
    // Writers whose snapshot is older than this hold this row FOR SHARE (the guard of migration
    // cell/0005): the update waits for them, and refuses them later writes.
    cell.exec("UPDATE cellscope.freeze_epoch SET freezes = freezes + 1");
}

// The organization's row in cellscope.frozen_org, locked: (relocation, previous status, phase).
std::optional<Row> lockedFreezeRow(CellSession& cell, const std::string& org)
{
    auto rows = cell.query("SELECT relocation_id, previous_status, phase FROM cellscope.frozen_org "
                           "WHERE organization_id = $1 FOR UPDATE",
                           {org});
    if (rows.empty())
        return std::nullopt;
    return std::move(rows.front());
}

std::string statusFor(CellSession& cell, const std::string& org)
{
    const auto status = cell.query("SELECT status FROM sentry_organization WHERE id = $1 FOR UPDATE", {org});
    if (status.empty()) {
        cell.exec("ROLLBACK");
        fail(ErrorCode::Conflict, "cell " + cell.cell() + " does not hold organization " + org);
    }
    return status[0][0];
}

[[noreturn]] void heldByAnother(CellSession& cell, const std::string& org, const Row& held)
{
    cell.exec("ROLLBACK");
    fail(ErrorCode::Conflict,
         "organization " + org + " is already frozen in cell " + cell.cell() + " by relocation " + held[0]);
}

} // namespace

int freezeOrganization(CellSession& cell, const std::vector<OrgTable>& guarded, std::int64_t organizationId,
                       std::int64_t relocationId, const std::string& lockTimeout)
{
    const std::string org = std::to_string(organizationId);
    lockGuardedTables(cell, guarded, lockTimeout, "freeze.locked");
    const auto held = lockedFreezeRow(cell, org);
    if (held && held->at(0) != std::to_string(relocationId))
        heldByAnother(cell, org, *held);
    if (held && held->at(2) != "capture") {
        cell.exec("ROLLBACK");
        return std::stoi(held->at(1));
    }
    const std::string status = statusFor(cell, org);
    // While capturing, the status change is logged like any write, and settle brings it to the target.
    cell.query("UPDATE sentry_organization SET status = $2 WHERE id = $1",
               {org, std::to_string(static_cast<int>(OrgStatus::RelocationPendingApproval))});
    if (held)
        cell.query(
            "UPDATE cellscope.frozen_org SET phase = 'frozen', previous_status = $2, frozen_at = now() "
            "WHERE organization_id = $1",
            {org, status});
    else
        cell.query("INSERT INTO cellscope.frozen_org (organization_id, relocation_id, previous_status) "
                   "VALUES ($1, $2, $3)",
                   {org, std::to_string(relocationId), status});
    cell.exec("COMMIT");
    return std::stoi(status);
}

void startCapture(CellSession& cell, const std::vector<OrgTable>& tables, std::int64_t organizationId,
                  std::int64_t relocationId, const std::string& lockTimeout)
{
    const std::string org = std::to_string(organizationId);
    const std::string relocation = std::to_string(relocationId);
    lockGuardedTables(cell, tables, lockTimeout, "capture.locked");
    if (const auto held = lockedFreezeRow(cell, org)) {
        if (held->at(0) != relocation)
            heldByAnother(cell, org, *held);
        cell.exec("ROLLBACK"); // capturing (or frozen) already
        return;
    }
    cell.query("DELETE FROM cellscope.capture_table WHERE relocation_id = $1", {relocation});
    for (const OrgTable& table : tables)
        // The key column by its name (the guard quotes it), never as SQL text.
        cell.query("INSERT INTO cellscope.capture_table (relocation_id, table_oid, key_column, "
                   "deletes_unfiltered) SELECT $1, c.oid, (SELECT attname FROM pg_attribute WHERE attrelid = "
                   "c.oid AND attnum > 0 AND NOT attisdropped AND quote_ident(attname) = $3), $4 "
                   "FROM (SELECT to_regclass($2)::oid AS oid) c",
                   {relocation, table.sqlName, table.batched ? table.keyColumns : std::string(),
                    table.batched && !table.parent.empty() ? "true" : "false"});
    cell.query("INSERT INTO cellscope.frozen_org (organization_id, relocation_id, previous_status, phase) "
               "VALUES ($1, $2, $3, 'capture')",
               {org, relocation, statusFor(cell, org)});
    cell.exec("COMMIT");
}

void guardTarget(CellSession& cell, std::int64_t organizationId, std::int64_t relocationId)
{
    const std::string org = std::to_string(organizationId);
    const auto held =
        cell.query("INSERT INTO cellscope.frozen_org (organization_id, relocation_id, previous_status, "
                   "phase) VALUES ($1, $2, 0, 'loading') ON CONFLICT (organization_id) DO UPDATE SET "
                   "phase = cellscope.frozen_org.phase RETURNING relocation_id, phase",
                   {org, std::to_string(relocationId)});
    if (held.at(0).at(0) != std::to_string(relocationId) || held.at(0).at(1) != "loading")
        fail(ErrorCode::Conflict, "organization " + org + " is held in cell " + cell.cell() +
                                      " by relocation " + held.at(0).at(0) + " (" + held.at(0).at(1) + ")");
}

void releaseTarget(CellSession& cell, std::int64_t organizationId, std::int64_t relocationId)
{
    cell.query("DELETE FROM cellscope.frozen_org WHERE organization_id = $1 AND relocation_id = $2 "
               "AND phase = 'loading'",
               {std::to_string(organizationId), std::to_string(relocationId)});
}

std::optional<std::string> freezePhase(CellSession& cell, std::int64_t organizationId,
                                       std::int64_t relocationId)
{
    const auto rows = cell.query("SELECT phase FROM cellscope.frozen_org WHERE organization_id = $1 "
                                 "AND relocation_id = $2",
                                 {std::to_string(organizationId), std::to_string(relocationId)});
    if (rows.empty())
        return std::nullopt;
    return rows[0][0];
}

void beginCleanup(CellSession& cell, std::int64_t organizationId, std::int64_t relocationId)
{
    cell.query(
        "UPDATE cellscope.frozen_org SET phase = 'cleanup' WHERE organization_id = $1 AND relocation_id = $2",
        {std::to_string(organizationId), std::to_string(relocationId)});
}

namespace {

void dropChangeLog(CellSession& cell, std::int64_t relocationId)
{
    const std::vector<std::string> relocation{std::to_string(relocationId)};
    cell.query("DELETE FROM cellscope.org_change WHERE relocation_id = $1", relocation);
    cell.query("DELETE FROM cellscope.capture_table WHERE relocation_id = $1", relocation);
}

} // namespace

void leaveCell(CellSession& cell, std::int64_t organizationId, std::int64_t relocationId,
               const std::string& targetCell)
{
    const std::string org = std::to_string(organizationId);
    const std::string relocation = std::to_string(relocationId);
    cell.exec("BEGIN");
    const auto dropped = cell.query("DELETE FROM cellscope.frozen_org WHERE organization_id = $1 AND "
                                    "relocation_id = $2 RETURNING 1",
                                    {org, relocation});
    // A second run after the freeze went (a resumed cleanup) must not stamp a departure that a
    // later relocation back has superseded: only the transaction that ends the freeze records it.
    if (!dropped.empty())
        cell.query("INSERT INTO cellscope.departed_org (organization_id, relocation_id, target_cell) "
                   "VALUES ($1, $2, $3) ON CONFLICT (organization_id) DO UPDATE SET "
                   "relocation_id = excluded.relocation_id, target_cell = excluded.target_cell, "
                   "departed_at = excluded.departed_at",
                   {org, relocation, targetCell});
    dropChangeLog(cell, relocationId);
    cell.exec("COMMIT");
}

void forgetDeparture(CellSession& cell, std::int64_t organizationId)
{
    cell.query("DELETE FROM cellscope.departed_org WHERE organization_id = $1",
               {std::to_string(organizationId)});
}

void unfreezeOrganization(CellSession& cell, const std::vector<OrgTable>& guarded,
                          std::int64_t organizationId, std::int64_t relocationId,
                          const std::string& lockTimeout)
{
    const std::string org = std::to_string(organizationId);
    const std::string relocation = std::to_string(relocationId);
    // A capture ends like a freeze begins: after the writers in flight, which may still log changes.
    const bool capturing = freezePhase(cell, organizationId, relocationId) == "capture";
    if (capturing)
        lockGuardedTables(cell, guarded, lockTimeout, "cancel.locked");
    else
        cell.exec("BEGIN");
    // The freeze row goes first, so the guard lets the status update through. While only capturing,
    // the status was never changed, and may have been since by the organization's own writes.
    const auto frozen = cell.query("DELETE FROM cellscope.frozen_org WHERE organization_id = $1 "
                                   "AND relocation_id = $2 RETURNING previous_status, phase",
                                   {org, relocation});
    if (!frozen.empty() && frozen[0][1] != "capture")
        cell.query("UPDATE sentry_organization SET status = $2 WHERE id = $1", {org, frozen[0][0]});
    dropChangeLog(cell, relocationId);
    cell.exec("COMMIT");
}

void setOrganizationStatus(CellSession& cell, std::int64_t organizationId, int status)
{
    cell.query("UPDATE sentry_organization SET status = $2 WHERE id = $1 AND status <> $2",
               {std::to_string(organizationId), std::to_string(status)});
}

} // namespace cellscope::relocation
