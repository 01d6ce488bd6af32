#include "core/relocation/plan.h"

#include "core/model/topology.h"
#include "core/relocation/cell_session.h"
#include "core/relocation/text.h"

#include <algorithm>
#include <map>
#include <memory>

namespace cellscope::relocation {

namespace {

class PlanBuilder
{
public:
    PlanBuilder(ControlStore& control, const db::DatabaseConfig& config, const Request& request,
                std::optional<std::int64_t> self)
        : m_control(control), m_config(config), m_request(request), m_self(self)
    {}

    Plan build()
    {
        findOrgAndCells();
        checkOrg();
        checkCells();
        checkNoOtherRelocation();
        std::unique_ptr<CellSession> source = open(m_plan.org.cell, "source_reachable");
        std::unique_ptr<CellSession> target = open(m_plan.targetCell, "target_reachable");
        if (source && target) {
            checkSchemas(*source, *target);
            checkData(*source, *target);
            checkKeyMappings(*source);
        }
        checkSlugReservations();
        estimate();
        return std::move(m_plan);
    }

private:
    void check(std::string name, bool passed, std::string message, ErrorCode failure = ErrorCode::Conflict)
    {
        m_plan.checks.push_back({std::move(name), passed, std::move(message), failure});
    }

    std::string orgName() const
    {
        return m_plan.org.slug + " (id " + std::to_string(m_plan.org.organizationId) + ")";
    }

    void findOrgAndCells()
    {
        const auto org = m_control.findOrg(m_request.org);
        if (!org)
            fail(ErrorCode::BadInput,
                 "no organization with " +
                     std::string(m_request.org.find_first_not_of("0123456789") == std::string::npos
                                     ? "id "
                                     : "slug ") +
                     m_request.org + " in the control database");
        m_plan.org = *org;
        m_plan.targetCell = m_request.targetCell;
        m_plan.drainSeconds = m_request.drainSeconds;
        std::string known;
        for (const CellInfo& cell : m_control.cells()) {
            known += (known.empty() ? "" : ", ") + cell.name;
            if (cell.name == org->cell)
                m_source = cell;
            if (cell.name == m_request.targetCell)
                m_target = cell;
        }
        if (!m_target)
            fail(ErrorCode::BadInput, "no cell named " + m_request.targetCell + " (cells: " + known + ")");
        m_plan.targetLocality = m_target->locality;
        m_plan.sourceLocality = m_source ? m_source->locality : "";
    }

    void checkOrg()
    {
        const auto status = static_cast<OrgStatus>(m_plan.org.status.value_or(0));
        check("org_active", status == OrgStatus::Active,
              "organization " + orgName() + " is " + std::string(orgStatusName(status)));
    }

    void checkCells()
    {
        const bool differ = m_plan.org.cell != m_plan.targetCell;
        check("cells_differ", differ,
              differ ? "it moves from cell " + m_plan.org.cell + " to cell " + m_plan.targetCell
                     : "organization " + orgName() + " already lives in cell " + m_plan.targetCell,
              ErrorCode::BadInput);
        check("source_declared", m_source.has_value(),
              m_source ? "cell " + m_plan.org.cell + " is declared in locality " + m_source->locality
                       : "the organization's cell " + m_plan.org.cell + " is not declared in cellscope.cell");
        check("target_accepting", m_target->visible,
              m_target->visible
                  ? "cell " + m_plan.targetCell + " is visible and accepts organizations"
                  : "cell " + m_plan.targetCell + " is not visible: it accepts no organizations");
        if (!m_source)
            return;
        m_plan.crossLocality = m_source->locality != m_target->locality;
        if (!m_plan.crossLocality) {
            check("locality", true, "both cells are in locality " + m_target->locality);
            return;
        }
        check("locality", m_request.allowCrossLocality,
              m_request.allowCrossLocality
                  ? "it crosses from locality " + m_source->locality + " to " + m_target->locality +
                        ", which was explicitly allowed"
                  : "cell " + m_plan.targetCell + " is in locality " + m_target->locality + ", not " +
                        m_source->locality +
                        ": moving there changes where the data resides; allow it with "
                        "--allow-cross-locality and a reason");
        m_plan.warnings.push_back("data residency: the organization's data moves from locality " +
                                  m_source->locality + " to " + m_target->locality);
        for (const auto& [format, keys] : m_control.dsnFormats(m_plan.org.organizationId))
            if (format == dsnFormatName(DsnFormat::Locality))
                m_plan.warnings.push_back(
                    groupedNumber(keys) + " DSN" + (keys == 1 ? " names" : "s name") + " locality " +
                    m_source->locality + " in the host (o" + std::to_string(m_plan.org.organizationId) +
                    ".ingest." + m_source->locality +
                    ".…): after the move the error-embed widget cannot find the organization's cell from " +
                    (keys == 1 ? "it" : "them") + " until the keys are reissued");
    }

    void checkNoOtherRelocation()
    {
        const auto active = m_control.activeFor(m_plan.org.organizationId);
        const bool other = active && active->id != m_self;
        check("no_active_relocation", !other,
              other ? "relocation " + std::to_string(active->id) + " (" +
                          std::string(stateName(active->state)) + ", step " +
                          std::string(stepName(active->step)) + ") is already moving this organization"
                    : "no other relocation of this organization is unfinished");
    }

    std::unique_ptr<CellSession> open(const std::string& cell, const std::string& name)
    {
        try {
            auto session = std::make_unique<CellSession>(cell, m_config.cellConninfo(cell));
            check(name, true, "the database of cell " + cell + " is reachable");
            return session;
        } catch (const Error& e) {
            check(name, false, e.what(), e.code());
            return nullptr;
        }
    }

    void checkSchemas(CellSession& source, CellSession& target)
    {
        m_plan.graph = discoverOrgGraph(source, m_config.orgTables);
        const OrgGraph inTarget = discoverOrgGraph(target, m_config.orgTables);
        const OrgGraph& graph = m_plan.graph;
        int deepest = 0;
        int selfReferences = 0;
        for (const OrgTable& table : graph.tables) {
            deepest = std::max(deepest, table.depth);
            selfReferences += table.selfReference;
        }
        check("org_tables", true,
              std::to_string(graph.tables.size()) + " org-scoped tables found in the catalog of cell " +
                  m_plan.org.cell + " (links up to " + std::to_string(deepest) + " deep, " +
                  std::to_string(graph.cycles) + (graph.cycles == 1 ? " cycle, " : " cycles, ") +
                  std::to_string(selfReferences) +
                  (selfReferences == 1 ? " self-reference)" : " self-references)"));
        std::string differing;
        std::string unguarded;
        for (const OrgTable& table : graph.tables) {
            const OrgTable* there = inTarget.find(table.name);
            if (!there || there->orgFilter != table.orgFilter || there->keyColumns != table.keyColumns ||
                OrgTableSql(table, source).signature() != OrgTableSql(table, target).signature())
                differing += (differing.empty() ? "" : ", ") + table.name;
            if (!freezeGuardInstalled(source, table) || !departureGuardInstalled(source, table) ||
                (there &&
                 (!freezeGuardInstalled(target, *there) || !departureGuardInstalled(target, *there))))
                unguarded += (unguarded.empty() ? "" : ", ") + table.name;
        }
        for (const OrgTable& table : inTarget.tables)
            if (!graph.find(table.name))
                differing += (differing.empty() ? "" : ", ") + table.name;
        // Binary COPY moves values as their bytes: the encodings must agree too.
        const std::string encodingSql = "SELECT current_setting('server_encoding')";
        const std::string sourceEncoding = source.query(encodingSql).at(0).at(0);
        const std::string targetEncoding = target.query(encodingSql).at(0).at(0);
        check("schemas_match", differing.empty() && sourceEncoding == targetEncoding,
              !differing.empty() ? "the cells' schemas differ for " + differing + " (run cellctl db migrate)"
              : sourceEncoding != targetEncoding
                  ? "the cells' databases use different encodings (" + sourceEncoding + ", " +
                        targetEncoding + ")"
                  : "both cells have the same schema and encoding for every org-scoped table");
        check("freeze_guard", unguarded.empty(),
              unguarded.empty()
                  ? "both cells refuse writes to a frozen organization, and rows of one that left, in every "
                    "org-scoped table"
                  : "the freeze or departure guard is missing or differs from the table's org link for " +
                        unguarded + " (run cellctl db migrate)");
        const bool unchecked = target.mayLoadUnchecked();
        check("unchecked_load", unchecked || !graph.needsUncheckedLoad(),
              unchecked ? "cell " + m_plan.targetCell +
                              " loads the rows through cellscope.load_org_rows, without per-row key checks"
              : graph.needsUncheckedLoad()
                  ? "cell " + m_plan.targetCell +
                        " checks keys row by row (no cellscope.load_org_rows), which a cycle or "
                        "self-reference of foreign keys cannot pass; migrate it as a role that may set "
                        "session_replication_role"
                  : "cell " + m_plan.targetCell + " checks foreign keys row by row as the rows arrive");
        chooseMode(source, unchecked);
    }

    // Online unless asked otherwise or a cell cannot: the copy reads each table at its own moment,
    // so the target must take a row before its parent (cellscope.load_org_rows), and the source
    // must capture changes (cell migration 0008). Logical decoding would need wal_level = logical and
    // a replication slot, which holds WAL on the cell for as long as the copy runs and does not
    // survive a failover; the guard's change log needs neither and costs nothing when idle.
    void chooseMode(CellSession& source, bool unchecked)
    {
        const std::string walLevel = source.query("SELECT current_setting('wal_level')").at(0).at(0);
        const bool captures =
            source.query("SELECT to_regclass('cellscope.org_change') IS NOT NULL").at(0).at(0) == "t";
        const std::string decoding =
            walLevel == "logical"
                ? "not logical decoding, although wal_level is logical there: its slot would "
                  "hold WAL for the whole copy"
                : "not logical decoding: wal_level is " + walLevel +
                      " there, and a slot would hold WAL for the whole copy";
        m_plan.online = !m_request.offline && unchecked && captures;
        check(
            "mode", true,
            m_request.offline ? "offline, as asked: the organization refuses writes from the freeze, before "
                                "the copy, until the switch"
            : m_plan.online
                ? "online: the organization stays writable while it is copied; cell " + m_plan.org.cell +
                      "'s freeze guard logs the rows each write changes, and catch-up applies them before a "
                      "short freeze (" +
                      decoding + ")"
            : !captures ? "offline: cell " + m_plan.org.cell +
                              " cannot capture changes yet (run cellctl db migrate); the organization "
                              "refuses writes from the freeze, before the copy, until the switch"
                        : "offline: cell " + m_plan.targetCell +
                              " has no cellscope.load_org_rows, which an online copy needs to take a row "
                              "before the parent it got during the copy; the organization refuses writes "
                              "from the freeze, before the copy, until the switch");
    }

    void checkData(CellSession& source, CellSession& target)
    {
        const std::vector<std::string> org{std::to_string(m_plan.org.organizationId)};
        std::string inTarget;
        std::string unmovable;
        for (const OrgTable& table : m_plan.graph.tables) {
            const OrgTableSql sql(table, source);
            const std::int64_t rows = std::stoll(source.query(sql.count(), org).at(0).at(0));
            m_plan.tables.push_back({table.name, rows, table});
            m_plan.totalRows += rows;
            if (rows > 0 && table.keyColumns.empty())
                unmovable +=
                    (unmovable.empty() ? "" : ", ") + table.name + " (" + groupedNumber(rows) + " rows)";
            if (const std::int64_t there = std::stoll(target.query(sql.count(), org).at(0).at(0)); there > 0)
                inTarget += (inTarget.empty() ? "" : ", ") + table.name + ": " + groupedNumber(there);
        }
        checkUncovered(source);
        check("tables_movable", unmovable.empty(),
              unmovable.empty()
                  ? "every org-scoped table holding rows of the organization has a primary key"
                  : "no primary key, so its rows cannot be compared or resumed safely: " + unmovable);
        const bool held = !m_plan.tables.empty() && m_plan.tables.front().sourceRows > 0;
        if (m_plan.org.cell == m_plan.targetCell)
            inTarget.clear(); // the same rows: cells_differ already says what is wrong
        check("source_holds_org", held,
              held ? "cell " + m_plan.org.cell + " holds " + groupedNumber(m_plan.totalRows) +
                         " rows of the organization in " + std::to_string(m_plan.tables.size()) + " tables"
                   : "cell " + m_plan.org.cell + " does not hold organization " + orgName());
        check("target_clean", inTarget.empty(),
              inTarget.empty() ? "cell " + m_plan.targetCell + " holds no rows of the organization"
                               : "cell " + m_plan.targetCell + " already holds rows of the organization (" +
                                     inTarget + ") that no relocation will account for; remove them first");
        const auto frozen = frozenBy(source, m_plan.org.organizationId);
        const bool frozenByOther = frozen && frozen != m_self;
        check("source_unfrozen", !frozenByOther,
              frozenByOther
                  ? "the organization is frozen in cell " + m_plan.org.cell + " by relocation " +
                        std::to_string(*frozen) + " (see cellctl relocate repair " + std::to_string(*frozen) +
                        ")"
                  : "the organization accepts writes in cell " + m_plan.org.cell + " until the freeze");
    }

    // A table the plan does not move but that holds rows of the organization would be left
    // behind, writable, in the old cell: refuse, naming it.
    void checkUncovered(CellSession& source)
    {
        const std::vector<std::string> org{std::to_string(m_plan.org.organizationId)};
        std::string left;
        for (const UncoveredTable& table : m_plan.graph.uncovered) {
            const std::int64_t rows = std::stoll(
                source.query("SELECT count(*) FROM " + table.sqlName + " WHERE (" + table.filter + ")", org)
                    .at(0)
                    .at(0));
            if (rows > 0)
                left += (left.empty() ? "" : "; ") + table.name + " (" + groupedNumber(rows) +
                        " rows: " + table.reason + ")";
        }
        check("tables_covered", left.empty(),
              left.empty() ? "no table outside the plan holds rows of the organization (" +
                                 std::to_string(m_plan.graph.uncovered.size()) + " unlinked tables checked)"
                           : "tables outside the plan hold rows of the organization: " + left +
                                 "; link them in the settings ([relocation] org_columns) or remove the rows");
    }

    void checkKeyMappings(CellSession& source)
    {
        const auto keys = publicKeysOfOrganization(source, m_plan.org.organizationId);
        std::int64_t elsewhere = 0;
        const auto mapped = m_control.keyMappingCells(keys);
        for (const auto& [key, cell] : mapped)
            elsewhere += cell != m_plan.org.cell;
        const auto missing = static_cast<std::int64_t>(keys.size() - mapped.size());
        check("key_mappings", missing == 0 && elsewhere == 0,
              missing > 0
                  ? groupedNumber(missing) + " of the organization's " + groupedNumber(std::ssize(keys)) +
                        " DSN keys have no key mapping in the control database"
              : elsewhere > 0
                  ? groupedNumber(elsewhere) +
                        " of the organization's DSN key mappings name another cell than " + m_plan.org.cell
                  : groupedNumber(std::ssize(keys)) +
                        (keys.size() == 1 ? " DSN key mapping names" : " DSN key mappings name") + " cell " +
                        m_plan.org.cell);
    }

    void checkSlugReservations()
    {
        const auto reservations = m_control.slugReservations(m_plan.org.organizationId);
        std::string problem;
        const bool primary = std::any_of(reservations.begin(), reservations.end(), [&](const auto& r) {
            return r.type == static_cast<int>(ReservationType::Primary) && r.slug == m_plan.org.slug;
        });
        if (!primary)
            problem = "there is no primary slug reservation for " + m_plan.org.slug;
        for (const auto& r : reservations)
            if (problem.empty() && r.cell != m_plan.org.cell)
                problem = "slug reservation " + r.slug + " names cell " + r.cell + ", not " + m_plan.org.cell;
        check("slug_reservations", problem.empty(),
              problem.empty()
                  ? std::to_string(reservations.size()) +
                        (reservations.size() == 1 ? " slug reservation names" : " slug reservations name") +
                        " cell " + m_plan.org.cell
                  : problem);
    }

    void estimate()
    {
        const auto measured = m_control.measuredCopyRate();
        m_plan.measuredRate = measured.has_value();
        m_plan.rowsPerSecond = measured.value_or(kAssumedRowsPerSecond);
        if (m_request.throttle)
            m_plan.rowsPerSecond = std::min(m_plan.rowsPerSecond, static_cast<double>(*m_request.throttle));
        // Copying once, then verify and cleanup, each about as heavy as reading the rows again.
        const auto rows = static_cast<double>(m_plan.totalRows);
        m_plan.estimatedSeconds = 2 * rows / m_plan.rowsPerSecond;
        check("size", true,
              groupedNumber(m_plan.totalRows) + " rows in " + std::to_string(m_plan.tables.size()) +
                  " tables: about " + humanDuration(m_plan.estimatedSeconds) +
                  " to copy, verify and clean up at " +
                  groupedNumber(static_cast<std::int64_t>(m_plan.rowsPerSecond)) + " rows/s (" +
                  (m_request.throttle    ? "throttled"
                   : m_plan.measuredRate ? "measured"
                                         : "assumed") +
                  "), plus the drain wait of " + humanDuration(m_plan.drainSeconds));
    }

    ControlStore& m_control;
    const db::DatabaseConfig& m_config;
    const Request& m_request;
    std::optional<std::int64_t> m_self;
    Plan m_plan;
    std::optional<CellInfo> m_source;
    std::optional<CellInfo> m_target;
};

} // namespace

bool Plan::ok() const
{
    return firstFailure() == nullptr;
}

const Check* Plan::firstFailure() const
{
    for (const Check& check : checks)
        if (!check.passed)
            return &check;
    return nullptr;
}

Plan makePlan(ControlStore& control, const db::DatabaseConfig& config, const Request& request,
              std::optional<std::int64_t> self)
{
    try {
        return PlanBuilder(control, config, request, self).build();
    } catch (...) {
        rethrowAsError("planning the relocation");
    }
}

} // namespace cellscope::relocation
