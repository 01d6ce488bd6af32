#include "core/relocation/control_store.h"

#include "core/db/errors.h"
#include "core/db/mapping_stamp.h"
#include "core/model/topology.h"
#include "core/relocation/fault_point.h"
#include "core/relocation/text.h"
#include "core/snapshot/snapshot.h"
#include "core/util/error.h"

#include <pqxx/except>
#include <pqxx/pqxx>
#include <pqxx/transaction>

namespace cellscope::relocation {

namespace {

// Advisory lock namespace of relocation runners ("RELO"); the second key is the relocation id.
constexpr int kRunnerLockSpace = 0x52454c4f;

constexpr const char* kRelocationColumns =
    "id, organization_id, org_slug, source_cell, target_cell, state, step, coalesce(cancelled_at_step, ''), "
    "coalesce(requested_action, ''), cross_locality, batch_rows, coalesce(throttle_rows_per_second, 0), "
    "drain_seconds, frozen_at IS NOT NULL, mapping_status_before, cell_status_before, "
    "extract(epoch FROM switched_at), coalesce(last_error, ''), coalesce(runner, ''), "
    "extract(epoch FROM heartbeat_at), created_by, extract(epoch FROM created_at), "
    "extract(epoch FROM updated_at), extract(epoch FROM finished_at), extract(epoch FROM clock_timestamp()), "
    "(SELECT min(later.id) FROM cellscope.relocation later WHERE later.organization_id = "
    "relocation.organization_id "
    "AND later.id > relocation.id), "
    "online, extract(epoch FROM frozen_at), extract(epoch FROM switch_committed_at), applied_round, "
    "verified_round, applied_changes, lag_rows, lag_seconds, extract(epoch FROM lag_at), "
    "array_to_string(verify_locators, E'\\n'), coalesce(drain_answers, '') "
    "FROM cellscope.relocation ";

// A relocation that a later one of the same organization superseded is history: the journal's own
// statements refuse to bring it back to life, whatever a face decided.
constexpr const char* kNotSuperseded =
    "NOT EXISTS (SELECT 1 FROM cellscope.relocation later WHERE later.organization_id = "
    "relocation.organization_id AND later.id > relocation.id)";

// This very session holds the runner's advisory lock ($3: its namespace; $1: the relocation). A
// connection that libpq silently reopened has lost the lock: its runner must not write on.
constexpr const char* kHoldsRunnerLock =
    "EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid = pg_backend_pid() "
    "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
    "AND classid = $3::oid AND objid = $1::oid AND objsubid = 2)";

constexpr const char* kControlReturning =
    " RETURNING state, step, coalesce(requested_action, ''), coalesce(throttle_rows_per_second, 0)";

template <typename T>
std::optional<T> optionalField(const pqxx::field& field)
{
    if (field.is_null())
        return std::nullopt;
    return field.as<T>();
}

State stateOf(const pqxx::field& field)
{
    if (const auto state = parseState(field.c_str()))
        return *state;
    fail(ErrorCode::Internal, std::string("the journal holds an unknown relocation state: ") + field.c_str());
}

Step stepOf(const pqxx::field& field)
{
    if (const auto step = parseStep(field.c_str()))
        return *step;
    fail(ErrorCode::Internal, std::string("the journal holds an unknown relocation step: ") + field.c_str());
}

Relocation relocationOf(const pqxx::row& row)
{
    Relocation r;
    r.id = row[0].as<std::int64_t>();
    r.organizationId = row[1].as<std::int64_t>();
    r.orgSlug = row[2].as<std::string>();
    r.sourceCell = row[3].as<std::string>();
    r.targetCell = row[4].as<std::string>();
    r.state = stateOf(row[5]);
    r.step = stepOf(row[6]);
    r.cancelledAtStep = parseStep(row[7].c_str());
    r.requestedAction = row[8].as<std::string>();
    r.crossLocality = row[9].as<bool>();
    r.batchRows = row[10].as<std::int64_t>();
    if (const auto throttle = row[11].as<std::int64_t>(); throttle > 0)
        r.throttle = throttle;
    r.drainSeconds = row[12].as<int>();
    r.frozen = row[13].as<bool>();
    r.mappingStatusBefore = optionalField<std::int64_t>(row[14]);
    r.cellStatusBefore = optionalField<int>(row[15]);
    r.switchedAt = optionalField<double>(row[16]);
    r.lastError = row[17].as<std::string>();
    r.runner = row[18].as<std::string>();
    r.heartbeatAt = optionalField<double>(row[19]);
    r.createdBy = row[20].as<std::string>();
    r.createdAt = row[21].as<double>();
    r.updatedAt = row[22].as<double>();
    r.finishedAt = optionalField<double>(row[23]);
    r.readAt = row[24].as<double>();
    r.supersededBy = optionalField<std::int64_t>(row[25]);
    r.online = row[26].as<bool>();
    r.frozenAt = optionalField<double>(row[27]);
    r.switchCommittedAt = optionalField<double>(row[28]);
    r.appliedRound = row[29].as<int>();
    r.verifiedRound = optionalField<int>(row[30]);
    r.appliedChanges = row[31].as<std::int64_t>();
    r.lagRows = optionalField<std::int64_t>(row[32]);
    r.lagSeconds = optionalField<double>(row[33]);
    r.lagAt = optionalField<double>(row[34]);
    for (std::string_view rest = row[35].c_str(); !rest.empty();) {
        const auto end = std::min(rest.find('\n'), rest.size());
        r.verifyLocators.emplace_back(rest.substr(0, end));
        rest.remove_prefix(std::min(end + 1, rest.size()));
    }
    r.drainAnswers = row[36].as<std::string>();
    return r;
}

Control controlOf(const pqxx::result& result, std::int64_t id)
{
    if (result.empty())
        fail(ErrorCode::Internal, "relocation " + std::to_string(id) + " vanished from the journal");
    Control control;
    control.state = stateOf(result[0][0]);
    control.step = stepOf(result[0][1]);
    control.requestedAction = result[0][2].as<std::string>();
    if (const auto throttle = result[0][3].as<std::int64_t>(); throttle > 0)
        control.throttle = throttle;
    return control;
}

// A text[] literal for a parameter (libpqxx 6 has no array parameters).
std::string textArray(const std::vector<std::string>& values)
{
    std::string out = "{";
    for (const std::string& value : values) {
        if (out.size() > 1)
            out += ',';
        out += '"';
        for (const char c : value) {
            if (c == '"' || c == '\\')
                out += '\\';
            out += c;
        }
        out += '"';
    }
    return out + "}";
}

void insertAudit(pqxx::work& tx, std::int64_t id, const std::string& action, const std::string& reason,
                 const std::string& detail)
{
    tx.exec_params0(
        "INSERT INTO cellscope.relocation_audit (relocation_id, organization_id, action, reason, detail) "
        "SELECT id, organization_id, $2, $3, $4 FROM cellscope.relocation WHERE id = $1",
        id, action, reason, detail);
}

std::string statesArray(const std::vector<State>& states)
{
    std::vector<std::string> names;
    for (const State state : states)
        names.emplace_back(stateName(state));
    return textArray(names);
}

} // namespace

[[noreturn]] void rethrowAsError(const std::string& doing)
{
    db::rethrowAsError(doing, "the control database");
}

// ---- the runner's lease ---------------------------------------------------------------------------

std::string ControlStore::takeLease(std::int64_t id, const std::string& runner)
{
    pqxx::work tx(m_connection);
    const auto row = tx.exec_params("UPDATE cellscope.relocation SET lease_token = gen_random_uuid()::text, "
                                    "lease_renewed_at = now(), runner = $2, heartbeat_at = now() "
                                    "WHERE id = $1 RETURNING lease_token",
                                    id, runner);
    if (row.empty())
        fail(ErrorCode::BadInput, "there is no relocation " + std::to_string(id));
    tx.commit();
    m_lease = row[0][0].as<std::string>();
    return *m_lease;
}

void ControlStore::releaseLease(std::int64_t id)
{
    if (!m_lease)
        return;
    pqxx::work tx(m_connection);
    tx.exec_params0("UPDATE cellscope.relocation SET lease_token = NULL WHERE id = $1 AND lease_token = $2",
                    id, *m_lease);
    tx.commit();
    m_lease.reset();
}

void ControlStore::fence(pqxx::work& tx, std::int64_t id)
{
    if (!m_lease)
        return;
    const auto renewed =
        tx.exec_params("UPDATE cellscope.relocation SET lease_renewed_at = now() WHERE id = $1 "
                       "AND lease_token = $2 AND " +
                           std::string(kHoldsRunnerLock),
                       id, *m_lease, kRunnerLockSpace);
    if (renewed.affected_rows() != 1)
        leaseLost(id);
}

void ControlStore::leaseLost(std::int64_t id)
{
    // The token stays: every later write of this store is refused as well.
    fail(ErrorCode::Conflict, "relocation " + std::to_string(id) +
                                  " was taken over by another runner (its lease moved on): this one stops");
}

Control ControlStore::heartbeat(pqxx::work& tx, std::int64_t id)
{
    const auto result =
        tx.exec_params("UPDATE cellscope.relocation SET heartbeat_at = now(), "
                       "lease_renewed_at = now() WHERE id = $1 AND "
                       "(NULLIF($2, '') IS NULL OR (lease_token = $2 AND " +
                           std::string(kHoldsRunnerLock) + "))" + std::string(kControlReturning),
                       id, m_lease.value_or(""), kRunnerLockSpace);
    if (result.empty() && m_lease)
        leaseLost(id);
    return controlOf(result, id);
}

// ---- the world ---------------------------------------------------------------------------------

std::optional<OrgMapping> ControlStore::findOrg(const std::string& idOrSlug)
{
    pqxx::read_transaction tx(m_connection);
    const bool byId = isDecimalId(idOrSlug) && idOrSlug.size() < 19;
    const auto rows = tx.exec_params("SELECT organization_id, slug, region_name, status "
                                     "FROM sentry_organizationmapping WHERE " +
                                         std::string(byId ? "organization_id = $1::bigint" : "slug = $1"),
                                     idOrSlug);
    if (rows.empty())
        return std::nullopt;
    return OrgMapping{rows[0][0].as<std::int64_t>(), rows[0][1].as<std::string>(),
                      rows[0][2].as<std::string>(), optionalField<std::int64_t>(rows[0][3])};
}

std::vector<CellInfo> ControlStore::cells()
{
    pqxx::read_transaction tx(m_connection);
    std::vector<CellInfo> out;
    for (const auto& row : tx.exec("SELECT name, locality, visible FROM cellscope.cell ORDER BY name"))
        out.push_back({row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<bool>()});
    return out;
}

std::vector<SlugReservationRow> ControlStore::slugReservations(std::int64_t organizationId)
{
    pqxx::read_transaction tx(m_connection);
    std::vector<SlugReservationRow> out;
    for (const auto& row :
         tx.exec_params("SELECT slug, reservation_type, region_name "
                        "FROM sentry_organizationslugreservation WHERE organization_id = $1 "
                        "ORDER BY reservation_type, slug",
                        organizationId))
        out.push_back({row[0].as<std::string>(), row[1].as<int>(), row[2].as<std::string>()});
    return out;
}

std::vector<std::pair<std::string, std::string>>
ControlStore::keyMappingCells(const std::vector<std::string>& publicKeys)
{
    pqxx::read_transaction tx(m_connection);
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& row : tx.exec_params("SELECT public_key, region_name FROM sentry_projectkeymapping "
                                          "WHERE public_key = ANY($1::text[]) ORDER BY public_key",
                                          textArray(publicKeys)))
        out.emplace_back(row[0].as<std::string>(), row[1].as<std::string>());
    return out;
}

std::vector<std::pair<std::string, std::int64_t>> ControlStore::dsnFormats(std::int64_t organizationId)
{
    pqxx::read_transaction tx(m_connection);
    std::vector<std::pair<std::string, std::int64_t>> out;
    for (const auto& row :
         tx.exec_params("SELECT dsn_format, count(*) FROM cellscope.projectkey_info "
                        "WHERE organization_id = $1 GROUP BY dsn_format ORDER BY dsn_format",
                        organizationId))
        out.emplace_back(row[0].as<std::string>(), row[1].as<std::int64_t>());
    return out;
}

std::optional<double> ControlStore::measuredCopyRate()
{
    pqxx::read_transaction tx(m_connection);
    const auto row = tx.exec("SELECT sum(copied_rows) / nullif(sum(copy_seconds), 0) FROM ("
                             " SELECT t.copied_rows, t.copy_seconds FROM cellscope.relocation_table t"
                             " JOIN cellscope.relocation r ON r.id = t.relocation_id"
                             " WHERE r.state = 'done' ORDER BY r.id DESC LIMIT 70) AS recent")[0];
    return optionalField<double>(row[0]);
}

// ---- the journal -------------------------------------------------------------------------------

std::optional<Relocation> ControlStore::find(std::int64_t id)
{
    pqxx::read_transaction tx(m_connection);
    const auto rows = tx.exec_params(std::string("SELECT ") + kRelocationColumns + "WHERE id = $1", id);
    if (rows.empty())
        return std::nullopt;
    return relocationOf(rows[0]);
}

Relocation ControlStore::load(std::int64_t id)
{
    if (auto relocation = find(id))
        return *relocation;
    fail(ErrorCode::BadInput, "there is no relocation " + std::to_string(id));
}

std::optional<Relocation> ControlStore::activeFor(std::int64_t organizationId)
{
    pqxx::read_transaction tx(m_connection);
    const auto rows = tx.exec_params(std::string("SELECT ") + kRelocationColumns +
                                         "WHERE organization_id = $1 AND state NOT IN ('done', 'cancelled')",
                                     organizationId);
    if (rows.empty())
        return std::nullopt;
    return relocationOf(rows[0]);
}

std::optional<Relocation> ControlStore::latestFor(std::int64_t organizationId)
{
    const auto found = list(organizationId, false, 1);
    if (found.empty())
        return std::nullopt;
    return found.front();
}

bool ControlStore::mayChange()
{
    pqxx::nontransaction tx(m_connection);
    return tx
        .exec1("SELECT has_table_privilege('cellscope.relocation', 'INSERT') "
               "AND has_table_privilege('cellscope.relocation', 'UPDATE') "
               "AND has_column_privilege('cellscope.relocation_audit', 'reason', 'INSERT')")[0]
        .as<bool>();
}

std::vector<Relocation> ControlStore::list(std::optional<std::int64_t> organizationId, bool activeOnly,
                                           std::size_t limit)
{
    pqxx::read_transaction tx(m_connection);
    std::vector<Relocation> out;
    for (const auto& row :
         tx.exec_params(std::string("SELECT ") + kRelocationColumns +
                            "WHERE ($1 = 0 OR organization_id = $1) AND (NOT $2 OR state NOT IN ('done', "
                            "'cancelled')) ORDER BY id DESC LIMIT $3",
                        organizationId.value_or(0), activeOnly, static_cast<std::int64_t>(limit)))
        out.push_back(relocationOf(row));
    return out;
}

std::vector<TableProgress> ControlStore::tables(std::int64_t id)
{
    pqxx::read_transaction tx(m_connection);
    std::vector<TableProgress> out;
    for (const auto& row : tx.exec_params(
             "SELECT position, table_name, planned_rows, copied_rows, copy_last_key, copy_seconds, "
             "copied_at IS NOT NULL, verified_rows, verify_last_key, verify_seconds, coalesce(source_digest, "
             "''), "
             "coalesce(target_digest, ''), verified_at IS NOT NULL, cleaned_rows, cleaned_at IS NOT NULL, "
             "coalesce(sql_name, ''), coalesce(org_filter, ''), key_columns, batched, depth, via, cycle, "
             "self_reference FROM cellscope.relocation_table WHERE relocation_id = $1 ORDER BY position",
             id)) {
        TableProgress t;
        t.position = row[0].as<int>();
        t.table = row[1].as<std::string>();
        t.plannedRows = row[2].as<std::int64_t>();
        t.copiedRows = row[3].as<std::int64_t>();
        t.copyLastKey = optionalField<std::int64_t>(row[4]);
        t.copySeconds = row[5].as<double>();
        t.copied = row[6].as<bool>();
        t.verifiedRows = row[7].as<std::int64_t>();
        t.verifyLastKey = optionalField<std::int64_t>(row[8]);
        t.verifySeconds = row[9].as<double>();
        t.sourceDigest = row[10].as<std::string>();
        t.targetDigest = row[11].as<std::string>();
        t.verified = row[12].as<bool>();
        t.cleanedRows = row[13].as<std::int64_t>();
        t.cleaned = row[14].as<bool>();
        t.spec.name = t.table;
        t.spec.sqlName = row[15].as<std::string>();
        t.spec.orgFilter = row[16].as<std::string>();
        t.spec.keyColumns = row[17].as<std::string>();
        t.spec.batched = row[18].as<bool>();
        t.spec.depth = row[19].as<int>();
        t.spec.via = row[20].as<std::string>();
        t.spec.cycle = row[21].as<int>();
        t.spec.selfReference = row[22].as<bool>();
        out.push_back(std::move(t));
    }
    return out;
}

std::vector<StepRecord> ControlStore::steps(std::int64_t id)
{
    pqxx::read_transaction tx(m_connection);
    std::vector<StepRecord> out;
    for (const auto& row :
         tx.exec_params("SELECT step, attempt, extract(epoch FROM started_at), "
                        "extract(epoch FROM finished_at), coalesce(outcome, ''), "
                        "coalesce(detail, ''), coalesce(runner, '') FROM cellscope.relocation_step "
                        "WHERE relocation_id = $1 ORDER BY id",
                        id))
        out.push_back({row[0].as<std::string>(), row[1].as<int>(), row[2].as<double>(),
                       optionalField<double>(row[3]), row[4].as<std::string>(), row[5].as<std::string>(),
                       row[6].as<std::string>()});
    return out;
}

std::vector<AuditRecord> ControlStore::audit(std::int64_t id)
{
    pqxx::read_transaction tx(m_connection);
    std::vector<AuditRecord> out;
    for (const auto& row :
         tx.exec_params("SELECT id, relocation_id, action, reason, detail, db_role, login_role, "
                        "extract(epoch FROM at) FROM cellscope.relocation_audit "
                        "WHERE relocation_id = $1 ORDER BY id",
                        id))
        out.push_back({row[0].as<std::int64_t>(), row[1].as<std::int64_t>(), row[2].as<std::string>(),
                       row[3].as<std::string>(), row[4].as<std::string>(), row[5].as<std::string>(),
                       row[6].as<std::string>(), row[7].as<double>()});
    return out;
}

std::vector<Leftover> ControlStore::leftovers(std::int64_t id)
{
    pqxx::read_transaction tx(m_connection);
    std::vector<Leftover> out;
    for (const auto& row : tx.exec_params("SELECT cell, table_name, position, organization_id, removed_rows, "
                                          "removed_at IS NOT NULL FROM cellscope.relocation_leftover "
                                          "WHERE relocation_id = $1 ORDER BY position",
                                          id))
        out.push_back({row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<int>(),
                       row[3].as<std::int64_t>(), row[4].as<std::int64_t>(), row[5].as<bool>()});
    return out;
}

std::int64_t ControlStore::create(const NewRelocation& r)
{
    try {
        pqxx::work tx(m_connection, "relocation_create");
        const auto id =
            tx.exec_params1(
                  "INSERT INTO cellscope.relocation (organization_id, org_slug, source_cell, target_cell, "
                  "cross_locality, batch_rows, throttle_rows_per_second, drain_seconds, online, "
                  "verify_locators) "
                  "VALUES ($1, $2, $3, $4, $5, $6, NULLIF($7, 0), $8, $9, $10::text[]) RETURNING id",
                  r.org.organizationId, r.org.slug, r.org.cell, r.targetCell, r.crossLocality, r.batchRows,
                  r.throttle.value_or(0), r.drainSeconds, r.online, textArray(r.verifyLocators))[0]
                .as<std::int64_t>();
        int position = 0;
        for (const auto& [table, rows] : r.tables)
            tx.exec_params0("INSERT INTO cellscope.relocation_table (relocation_id, position, table_name, "
                            "planned_rows, sql_name, org_filter, key_columns, batched, depth, via, cycle, "
                            "self_reference) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                            id, ++position, table.name, rows, table.sqlName, table.orgFilter,
                            table.keyColumns, table.batched, table.depth, table.via, table.cycle,
                            table.selfReference);
        insertAudit(tx, id, "start", r.reason, r.auditDetail);
        tx.commit();
        return id;
    } catch (const pqxx::unique_violation&) {
        const auto active = activeFor(r.org.organizationId);
        fail(ErrorCode::Conflict, "organization " + r.org.slug + " already has an unfinished relocation" +
                                      (active ? " (" + std::to_string(active->id) + ")" : std::string()));
    } catch (...) {
        rethrowAsError("starting the relocation of " + r.org.slug);
    }
}

// ---- the runner --------------------------------------------------------------------------------

bool ControlStore::tryLock(std::int64_t id)
{
    pqxx::nontransaction tx(m_connection);
    return tx.exec_params1("SELECT pg_try_advisory_lock($1, $2::int)", kRunnerLockSpace, id)[0].as<bool>();
}

void ControlStore::unlock(std::int64_t id)
{
    pqxx::nontransaction tx(m_connection);
    tx.exec_params("SELECT pg_advisory_unlock($1, $2::int)", kRunnerLockSpace, id);
}

std::optional<int> ControlStore::runnerPid(std::int64_t id)
{
    pqxx::read_transaction tx(m_connection);
    const auto rows =
        tx.exec_params("SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted "
                       "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
                       "AND classid = $1::oid AND objid = $2::oid AND objsubid = 2",
                       kRunnerLockSpace, id);
    if (rows.empty())
        return std::nullopt;
    return rows[0][0].as<int>();
}

int ControlStore::beginStep(std::int64_t id, Step step, const std::string& runner)
{
    pqxx::work tx(m_connection);
    fence(tx, id);
    tx.exec_params0(
        "UPDATE cellscope.relocation_step SET outcome = 'interrupted', finished_at = clock_timestamp(), "
        "detail = 'its runner stopped without recording an outcome (the process died)' "
        "WHERE relocation_id = $1 AND outcome IS NULL",
        id);
    const int attempt =
        tx.exec_params1("INSERT INTO cellscope.relocation_step (relocation_id, step, attempt, runner) "
                        "SELECT $1, $2, coalesce(max(attempt), 0) + 1, $3 FROM cellscope.relocation_step "
                        "WHERE relocation_id = $1 AND step = $2 RETURNING attempt",
                        id, std::string(stepName(step)), runner)[0]
            .as<int>();
    tx.exec_params0("UPDATE cellscope.relocation SET updated_at = now(), heartbeat_at = now() WHERE id = $1",
                    id);
    tx.commit();
    return attempt;
}

void ControlStore::finishStep(std::int64_t id, Step step, int attempt, const std::string& detail)
{
    pqxx::work tx(m_connection);
    fence(tx, id);
    const bool online =
        tx.exec_params1("SELECT online FROM cellscope.relocation WHERE id = $1", id)[0].as<bool>();
    const std::string next(stepName(nextStep(step, online)));
    tx.exec_params0("UPDATE cellscope.relocation_step SET outcome = 'ok', finished_at = clock_timestamp(), "
                    "detail = $4 WHERE relocation_id = $1 AND step = $2 AND attempt = $3",
                    id, std::string(stepName(step)), attempt, detail);
    // Only a relocation still running this step moves on: a cancel asked meanwhile wins.
    tx.exec_params0("UPDATE cellscope.relocation SET step = $3, updated_at = now(), "
                    "state = CASE WHEN $3 = 'done' THEN 'done' ELSE state END, "
                    "finished_at = CASE WHEN $3 = 'done' THEN now() END "
                    "WHERE id = $1 AND step = $2 AND state = 'running'",
                    id, std::string(stepName(step)), next);
    tx.commit();
}

void ControlStore::failStep(std::int64_t id, Step step, int attempt, const std::string& message)
{
    pqxx::work tx(m_connection);
    fence(tx, id);
    tx.exec_params0(
        "UPDATE cellscope.relocation_step SET outcome = 'failed', finished_at = clock_timestamp(), "
        "detail = $4 WHERE relocation_id = $1 AND step = $2 AND attempt = $3",
        id, std::string(stepName(step)), attempt, message);
    tx.exec_params0("UPDATE cellscope.relocation SET state = 'failed', last_error = $2, updated_at = now() "
                    "WHERE id = $1 AND state = 'running'",
                    id, message);
    tx.commit();
}

void ControlStore::interruptStep(std::int64_t id, Step step, int attempt, const std::string& detail,
                                 std::optional<State> state)
{
    pqxx::work tx(m_connection);
    fence(tx, id);
    tx.exec_params0(
        "UPDATE cellscope.relocation_step SET outcome = 'interrupted', finished_at = clock_timestamp(), "
        "detail = $4 WHERE relocation_id = $1 AND step = $2 AND attempt = $3",
        id, std::string(stepName(step)), attempt, detail);
    if (state)
        tx.exec_params0(
            "UPDATE cellscope.relocation SET state = $2, requested_action = NULL, updated_at = now() "
            "WHERE id = $1 AND state = 'running'",
            id, std::string(stateName(*state)));
    tx.commit();
}

void ControlStore::finishCancel(std::int64_t id, int attempt, const std::string& detail)
{
    pqxx::work tx(m_connection);
    fence(tx, id);
    tx.exec_params0("UPDATE cellscope.relocation_step SET outcome = 'ok', finished_at = clock_timestamp(), "
                    "detail = $3 WHERE relocation_id = $1 AND step = 'cancel' AND attempt = $2",
                    id, attempt, detail);
    tx.exec_params0(
        "UPDATE cellscope.relocation SET state = 'cancelled', finished_at = now(), updated_at = now() "
        "WHERE id = $1 AND step = 'cancel' AND state = 'running'",
        id);
    tx.commit();
}

Control ControlStore::checkpoint(std::int64_t id)
{
    pqxx::work tx(m_connection);
    const Control control = heartbeat(tx, id);
    tx.commit();
    return control;
}

void ControlStore::setCopyProgress(std::int64_t id, const std::string& table, std::int64_t rows,
                                   std::optional<std::int64_t> lastKey)
{
    pqxx::work tx(m_connection);
    fence(tx, id);
    tx.exec_params0(
        "UPDATE cellscope.relocation_table SET copied_rows = $3, copy_last_key = NULLIF($4, '')::bigint "
        "WHERE relocation_id = $1 AND table_name = $2",
        id, table, rows, lastKey ? std::to_string(*lastKey) : std::string());
    tx.commit();
}

Control ControlStore::recordCopyBatch(std::int64_t id, const std::string& table, std::int64_t rows,
                                      std::int64_t lastKey, double seconds)
{
    pqxx::work tx(m_connection);
    tx.exec_params0(
        "UPDATE cellscope.relocation_table SET copied_rows = copied_rows + $3, copy_last_key = $4, "
        "copy_seconds = copy_seconds + $5 WHERE relocation_id = $1 AND table_name = $2",
        id, table, rows, lastKey, seconds);
    const Control control = heartbeat(tx, id);
    tx.commit();
    return control;
}

void ControlStore::finishTableCopy(std::int64_t id, const std::string& table)
{
    pqxx::work tx(m_connection);
    fence(tx, id);
    tx.exec_params0("UPDATE cellscope.relocation_table SET copied_at = now() "
                    "WHERE relocation_id = $1 AND table_name = $2 AND copied_at IS NULL",
                    id, table);
    tx.commit();
}

Control ControlStore::recordVerifyBatch(std::int64_t id, const std::string& table, std::int64_t rows,
                                        std::int64_t lastKey, double seconds, const std::string& sourceMd5,
                                        const std::string& targetMd5)
{
    pqxx::work tx(m_connection);
    // Each side's digest chains its batch digests, so resuming mid-table continues the same chain.
    tx.exec_params0("UPDATE cellscope.relocation_table SET verified_rows = verified_rows + $3, "
                    "verify_last_key = $4, verify_seconds = verify_seconds + $5, "
                    "source_digest = md5(coalesce(source_digest, '') || $6), "
                    "target_digest = md5(coalesce(target_digest, '') || $7) "
                    "WHERE relocation_id = $1 AND table_name = $2",
                    id, table, rows, lastKey, seconds, sourceMd5, targetMd5);
    const Control control = heartbeat(tx, id);
    tx.commit();
    return control;
}

void ControlStore::restartTableVerify(std::int64_t id, const std::string& table)
{
    pqxx::work tx(m_connection);
    fence(tx, id);
    tx.exec_params0("UPDATE cellscope.relocation_table SET verified_rows = 0, verify_last_key = NULL, "
                    "verify_seconds = 0, source_digest = NULL, target_digest = NULL "
                    "WHERE relocation_id = $1 AND table_name = $2",
                    id, table);
    tx.commit();
}

void ControlStore::finishTableVerify(std::int64_t id, const std::string& table)
{
    pqxx::work tx(m_connection);
    fence(tx, id);
    tx.exec_params0(
        "UPDATE cellscope.relocation_table SET verified_at = now(), "
        "source_digest = coalesce(source_digest, md5('')), target_digest = coalesce(target_digest, md5('')) "
        "WHERE relocation_id = $1 AND table_name = $2 AND verified_at IS NULL",
        id, table);
    tx.commit();
}

Control ControlStore::recordCleanupBatch(std::int64_t id, const std::string& table, std::int64_t rows)
{
    pqxx::work tx(m_connection);
    tx.exec_params0("UPDATE cellscope.relocation_table SET cleaned_rows = cleaned_rows + $3 "
                    "WHERE relocation_id = $1 AND table_name = $2",
                    id, table, rows);
    const Control control = heartbeat(tx, id);
    tx.commit();
    return control;
}

void ControlStore::finishTableCleanup(std::int64_t id, const std::string& table)
{
    pqxx::work tx(m_connection);
    fence(tx, id);
    tx.exec_params0("UPDATE cellscope.relocation_table SET cleaned_at = now() "
                    "WHERE relocation_id = $1 AND table_name = $2 AND cleaned_at IS NULL",
                    id, table);
    tx.commit();
}

void ControlStore::recordLeftover(std::int64_t id, const std::string& cell, const std::string& table,
                                  int position, std::int64_t organizationId)
{
    pqxx::work tx(m_connection);
    fence(tx, id);
    tx.exec_params0("INSERT INTO cellscope.relocation_leftover (relocation_id, cell, table_name, position, "
                    "organization_id) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                    id, cell, table, position, organizationId);
    tx.commit();
}

Control ControlStore::recordLeftoverRemoval(std::int64_t id, const std::string& cell,
                                            const std::string& table, std::int64_t rows, bool done)
{
    pqxx::work tx(m_connection);
    tx.exec_params0("UPDATE cellscope.relocation_leftover SET removed_rows = removed_rows + $4, "
                    "removed_at = CASE WHEN $5 THEN now() END "
                    "WHERE relocation_id = $1 AND cell = $2 AND table_name = $3",
                    id, cell, table, rows, done);
    const Control control = heartbeat(tx, id);
    tx.commit();
    return control;
}

void ControlStore::recordFreeze(std::int64_t id, int cellStatusBefore)
{
    pqxx::work tx(m_connection);
    fence(tx, id);
    const auto row =
        tx.exec_params1("SELECT frozen_at IS NOT NULL, organization_id FROM cellscope.relocation "
                        "WHERE id = $1 FOR UPDATE",
                        id);
    if (row[0].as<bool>())
        return;
    const auto org = row[1].as<std::int64_t>();
    tx.exec_params0("UPDATE cellscope.relocation SET frozen_at = clock_timestamp(), cell_status_before = $3, "
                    "mapping_status_before = (SELECT status FROM sentry_organizationmapping "
                    "WHERE organization_id = $2), updated_at = now() WHERE id = $1",
                    id, org, cellStatusBefore);
    tx.exec(db::kLockForMappingStamp);
    const auto marked =
        tx.exec_params("UPDATE sentry_organizationmapping SET status = $2, date_updated = clock_timestamp() "
                       "WHERE organization_id = $1",
                       org, static_cast<int>(OrgStatus::RelocationPendingApproval));
    if (marked.affected_rows() != 1)
        fail(ErrorCode::Conflict,
             "the control database has no mapping for organization " + std::to_string(org));
    tx.commit();
}

bool ControlStore::switchCell(std::int64_t id, int attempt, const std::vector<std::string>& publicKeys,
                              const std::function<void()>& beforeCommit)
{
    pqxx::work tx(m_connection, "relocation_switch");
    fence(tx, id);
    const auto row = tx.exec_params1("SELECT state, step, organization_id, source_cell, target_cell "
                                     "FROM cellscope.relocation WHERE id = $1 FOR UPDATE",
                                     id);
    if (row[0].as<std::string>() != "running" || row[1].as<std::string>() != "switch")
        return false;
    const auto org = row[2].as<std::int64_t>();
    const auto source = row[3].as<std::string>();
    const auto target = row[4].as<std::string>();
    beforeCommit();
    // Stamped last, under the lock the control API's page query shares (core/db/mapping_stamp.h):
    // no puller can have served a later row before this commits.
    tx.exec(db::kLockForMappingStamp);
    // Already naming the target is fine: a repair may re-run the switch to finish key mappings.
    const auto mapping = tx.exec_params(
        "UPDATE sentry_organizationmapping SET region_name = $3, date_updated = clock_timestamp() "
        "WHERE organization_id = $1 AND region_name IN ($2, $3)",
        org, source, target);
    if (mapping.affected_rows() != 1)
        fail(ErrorCode::Conflict, "the mapping of organization " + std::to_string(org) +
                                      " names neither cell " + source + " nor " + target +
                                      "; run cellctl relocate repair " + std::to_string(id));
    const auto keys = tx.exec_params(
        "UPDATE sentry_projectkeymapping SET region_name = $2, date_updated = clock_timestamp() "
        "WHERE public_key = ANY($1::text[])",
        textArray(publicKeys), target);
    const auto reservations = tx.exec_params("UPDATE sentry_organizationslugreservation SET region_name = $2 "
                                             "WHERE organization_id = $1",
                                             org, target);
    tx.exec_params0("UPDATE cellscope.relocation SET step = 'drain', switched_at = now(), updated_at = now() "
                    "WHERE id = $1",
                    id);
    tx.exec_params0("UPDATE cellscope.relocation_step SET outcome = 'ok', finished_at = clock_timestamp(), "
                    "detail = $3 WHERE relocation_id = $1 AND step = 'switch' AND attempt = $2",
                    id, attempt,
                    "the organization mapping, " + std::to_string(keys.affected_rows()) +
                        " key mappings and " + std::to_string(reservations.affected_rows()) +
                        " slug reservations now name " + target);
    faultPoint("switch.stamped");
    // The write freeze ends with this commit.
    tx.exec_params0("UPDATE cellscope.relocation SET switch_committed_at = clock_timestamp() WHERE id = $1",
                    id);
    tx.commit();
    return true;
}

Control ControlStore::recordCatchUp(std::int64_t id, int round, std::int64_t applied,
                                    std::optional<std::int64_t> lagRows, std::optional<double> lagSeconds)
{
    pqxx::work tx(m_connection);
    fence(tx, id);
    tx.exec_params0("UPDATE cellscope.relocation SET applied_round = greatest(applied_round, $2), "
                    "applied_changes = applied_changes + $3, lag_rows = $4, lag_seconds = $5, "
                    "lag_at = clock_timestamp(), updated_at = now() WHERE id = $1",
                    id, round, applied, lagRows, lagSeconds);
    const Control control = heartbeat(tx, id);
    tx.commit();
    return control;
}

Control ControlStore::recordDrainAnswers(std::int64_t id, const std::string& answers)
{
    pqxx::work tx(m_connection);
    fence(tx, id);
    tx.exec_params0("UPDATE cellscope.relocation SET drain_answers = $2, updated_at = now() WHERE id = $1",
                    id, answers);
    const Control control = heartbeat(tx, id);
    tx.commit();
    return control;
}

void ControlStore::recordVerifiedRound(std::int64_t id, std::optional<int> round, bool restart)
{
    pqxx::work tx(m_connection);
    fence(tx, id);
    tx.exec_params0("UPDATE cellscope.relocation SET verified_round = $2, updated_at = now() WHERE id = $1",
                    id, round);
    if (restart)
        tx.exec_params0("UPDATE cellscope.relocation_table SET verified_rows = 0, verify_last_key = NULL, "
                        "verify_seconds = 0, source_digest = NULL, target_digest = NULL, verified_at = NULL "
                        "WHERE relocation_id = $1",
                        id);
    tx.commit();
}

void ControlStore::restoreMappingStatus(std::int64_t id)
{
    pqxx::work tx(m_connection);
    fence(tx, id);
    tx.exec(db::kLockForMappingStamp);
    tx.exec_params0(
        "UPDATE sentry_organizationmapping m SET status = r.mapping_status_before, "
        "date_updated = clock_timestamp() FROM cellscope.relocation r WHERE r.id = $1 AND r.frozen_at IS NOT "
        "NULL "
        "AND m.organization_id = r.organization_id AND m.status IS DISTINCT FROM r.mapping_status_before",
        id);
    tx.commit();
}

// ---- actions -----------------------------------------------------------------------------------

void ControlStore::requestStop(std::int64_t id, const std::string& action, const std::string& reason)
{
    pqxx::work tx(m_connection);
    const auto changed =
        tx.exec_params("UPDATE cellscope.relocation SET requested_action = $2, updated_at = now() "
                       "WHERE id = $1 AND state = 'running'",
                       id, action);
    if (changed.affected_rows() != 1) {
        tx.abort();
        const Relocation r = load(id);
        fail(ErrorCode::Conflict, "relocation " + std::to_string(id) + " is " +
                                      std::string(stateName(r.state)) +
                                      ", not running: there is nothing to " + action);
    }
    insertAudit(tx, id, action, reason, "");
    tx.commit();
}

void ControlStore::applyRequestedStop(std::int64_t id)
{
    pqxx::work tx(m_connection);
    fence(tx, id);
    tx.exec_params0(
        "UPDATE cellscope.relocation SET state = CASE requested_action WHEN 'pause' THEN 'paused' "
        "ELSE 'aborted' END, requested_action = NULL, updated_at = now() "
        "WHERE id = $1 AND state = 'running' AND requested_action IS NOT NULL",
        id);
    tx.commit();
}

void ControlStore::markRunning(std::int64_t id, const std::vector<State>& from, const std::string& action,
                               const std::string& reason, const std::string& detail)
{
    pqxx::work tx(m_connection);
    const auto changed =
        tx.exec_params("UPDATE cellscope.relocation SET state = 'running', requested_action = NULL, "
                       "last_error = NULL, updated_at = now() "
                       "WHERE id = $1 AND state = ANY($2::text[]) AND " +
                           std::string(kNotSuperseded),
                       id, statesArray(from));
    if (changed.affected_rows() != 1) {
        tx.abort();
        const Relocation r = load(id);
        fail(ErrorCode::Conflict, "relocation " + std::to_string(id) + " is " +
                                      std::string(stateName(r.state)) + ": it cannot be " +
                                      (action == "retry" ? "retried" : action + "d"));
    }
    insertAudit(tx, id, action, reason, detail);
    tx.commit();
}

void ControlStore::requestCancel(std::int64_t id, const std::string& reason)
{
    pqxx::work tx(m_connection);
    // The row lock orders this against the switch: whichever commits first wins, never both.
    const auto changed = tx.exec_params(
        "UPDATE cellscope.relocation SET cancelled_at_step = CASE WHEN step = 'cancel' THEN "
        "cancelled_at_step "
        "ELSE step END, step = 'cancel', state = 'running', requested_action = NULL, last_error = NULL, "
        "updated_at = now() WHERE id = $1 AND state NOT IN ('done', 'cancelled') "
        "AND step IN ('preflight', 'capture', 'freeze', 'copy', 'catch_up', 'verify', 'settle', 'switch', "
        "'cancel')",
        id);
    if (changed.affected_rows() != 1) {
        tx.abort();
        const Relocation r = load(id);
        if (r.state == State::Cancelled)
            fail(ErrorCode::Conflict, "relocation " + std::to_string(id) + " is already cancelled");
        if (r.state == State::Done)
            fail(ErrorCode::Conflict, "relocation " + std::to_string(id) + " is done: organization " +
                                          r.orgSlug + " lives in " + r.targetCell +
                                          "; to undo it, relocate it back: "
                                          "cellctl relocate start " +
                                          r.orgSlug + " --to " + r.sourceCell + " --reason …");
        fail(ErrorCode::Conflict,
             "relocation " + std::to_string(id) + " already switched organization " + r.orgSlug + " to " +
                 r.targetCell +
                 ", so it can no longer be cancelled; let it finish (cellctl relocate resume " +
                 std::to_string(id) + ") and then relocate it back to " + r.sourceCell);
    }
    insertAudit(tx, id, "cancel", reason, "");
    tx.commit();
}

void ControlStore::setThrottle(std::int64_t id, std::optional<std::int64_t> rowsPerSecond,
                               const std::string& reason)
{
    pqxx::work tx(m_connection);
    const auto changed =
        tx.exec_params("UPDATE cellscope.relocation SET throttle_rows_per_second = NULLIF($2, 0), "
                       "updated_at = now() WHERE id = $1 AND state NOT IN ('done', 'cancelled')",
                       id, rowsPerSecond.value_or(0));
    if (changed.affected_rows() != 1)
        fail(ErrorCode::Conflict,
             "relocation " + std::to_string(id) + " is finished; there is nothing to throttle");
    insertAudit(tx, id, "throttle", reason,
                rowsPerSecond ? std::to_string(*rowsPerSecond) + " rows/s" : std::string("unthrottled"));
    tx.commit();
}

void ControlStore::realignStep(std::int64_t id, Step step, const std::string& reason,
                               const std::string& detail)
{
    pqxx::work tx(m_connection);
    const auto changed = tx.exec_params(
        "UPDATE cellscope.relocation SET step = $2, state = 'running', requested_action = NULL, "
        "last_error = NULL, updated_at = now() WHERE id = $1 AND " +
            std::string(kNotSuperseded),
        id, std::string(stepName(step)));
    if (changed.affected_rows() != 1)
        fail(ErrorCode::Conflict,
             "relocation " + std::to_string(id) +
                 " was superseded by a later relocation of its organization: it is history");
    insertAudit(tx, id, "repair", reason, detail);
    tx.commit();
}

} // namespace cellscope::relocation
