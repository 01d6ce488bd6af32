// Org relocation against real PostgreSQL (the CTest fixture cluster): the happy path, refusals,
// concurrency, the freeze, cancel, permissions, an unreachable cell, and SIGKILL at every step
// boundary and inside copy and verify, each followed by resume or cancel.
#include "core/db/database.h"
#include "core/db/migrations.h"
#include "core/demo/demo_world.h"
#include "core/demo/seed.h"
#include "core/relocation/actions.h"
#include "core/relocation/cell_session.h"
#include "core/relocation/control_store.h"
#include "core/relocation/org_graph.h"
#include "core/relocation/relocations.h"
#include "core/sources/pg_loader.h"
#include "core/util/error.h"
#include "tests/support/cellctl_child.h"
#include "tests/support/pg_test_env.h"

#include <gtest/gtest.h>
#include <pqxx/pqxx>
#include <sstream>
#include <stdexcept>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <fstream>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#if !defined(CELLCTL_PATH) || !defined(CELLCTL_PRODUCT_PATH)
#error "CELLCTL_PATH must name cellctl_faults (with the fault hook), CELLCTL_PRODUCT_PATH cellctl"
#endif

using namespace cellscope;
using namespace cellscope::relocation;

namespace {

constexpr const char* kSource = "us1";
constexpr const char* kTarget = "us2";

// Per table: row count and md5 of the rows' text in key order.
using Checksums = std::map<std::string, std::pair<long, std::string>>;

struct Routing
{
    std::string orgCell;
    std::optional<long> status;
    std::string dateUpdated;
    std::set<std::string> keyCells;
    std::set<std::string> reservationCells;
};

// Calls back from the runner's thread; stops it when asked.
class Hook : public Observer
{
public:
    std::function<void(Step, const TableProgress&)> onProgress;
    std::function<void(std::string_view)> onState;
    std::atomic<bool> stop{false};

    void stateChanged(std::string_view sentence) override
    {
        if (onState)
            onState(sentence);
    }
    void tableProgress(Step step, const TableProgress& table) override
    {
        if (onProgress)
            onProgress(step, table);
    }
    bool stopRequested() override { return stop; }
};

// The seeded demo world every test starts from, built once per cluster and schema version. A test
// clones (CREATE DATABASE … TEMPLATE) the databases a relocation writes — control, us1 and us2 — and
// shares the other cells, which relocations here only read.
constexpr const char* kTemplate = "rltemplate";
constexpr std::array<const char*, 3> kClonedCells{"control", kSource, kTarget};

std::string schemaTag()
{
    std::string tag;
    for (const auto kind : {db::SchemaKind::Control, db::SchemaKind::Cell})
        for (const auto& migration : db::bundledMigrations(kind))
            tag += migration.checksum.substr(0, 8);
    return tag;
}

db::DatabaseConfig templateWorld()
{
    db::DatabaseConfig world;
    world.control = test::pgServerConninfo(std::string(kTemplate) + "_control");
    for (const auto& cell : demo::demoCells())
        world.cells.emplace(cell.name, test::pgServerConninfo(std::string(kTemplate) + "_" + cell.name));
    auto admin = db::connect(test::pgServerConninfo());
    pqxx::nontransaction tx(*admin);
    tx.exec("SELECT pg_advisory_lock(7263)"); // one builder at a time; held until this connection ends
    const auto tag = tx.exec_params("SELECT shobj_description(oid, 'pg_database') FROM pg_database "
                                    "WHERE datname = $1",
                                    std::string(kTemplate) + "_control");
    if (tag.empty() || tag[0][0].is_null() || tag[0][0].as<std::string>() != schemaTag()) {
        for (const auto& row : tx.exec_params("SELECT datname FROM pg_database WHERE datname LIKE $1",
                                              std::string(kTemplate) + "\\_%"))
            tx.exec0("DROP DATABASE " + tx.quote_name(row[0].as<std::string>()) + " WITH (FORCE)");
        db::ensureDatabase(world.control);
        demo::seedDemoWorld(world, {11, 60});
        tx.exec0("COMMENT ON DATABASE " + tx.quote_name(std::string(kTemplate) + "_control") + " IS " +
                 tx.quote(schemaTag()));
    }
    return world;
}

// A control database and the demo cell databases for one test; `org` is the active organization in
// us1 with the most issues.
class RelocationWorld : public ::testing::Test
{
protected:
    void SetUp() override
    {
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        const std::string full = std::string(info->test_suite_name()) + "." + info->name();
        m_prefix = "rl" + std::to_string(std::hash<std::string>{}(full) % 1000000000);
        test::dropDatabasesWithPrefix(m_prefix);
        config = templateWorld();
        {
            auto admin = db::connect(test::pgServerConninfo());
            pqxx::nontransaction tx(*admin);
            for (const char* cell : kClonedCells)
                tx.exec0("CREATE DATABASE " + tx.quote_name(m_prefix + "_" + cell) + " TEMPLATE " +
                         tx.quote_name(std::string(kTemplate) + "_" + cell));
        }
        config.control = test::pgServerConninfo(m_prefix + "_control");
        config.cells[kSource] = test::pgServerConninfo(m_prefix + "_" + kSource);
        config.cells[kTarget] = test::pgServerConninfo(m_prefix + "_" + kTarget);
        auto source = db::connect(config.cellConninfo(kSource));
        pqxx::nontransaction tx(*source);
        const auto row = tx.exec1("SELECT o.id, o.slug FROM sentry_organization o "
                                  "JOIN sentry_project p ON p.organization_id = o.id "
                                  "JOIN sentry_groupedmessage g ON g.project_id = p.id WHERE o.status = 0 "
                                  "GROUP BY o.id, o.slug ORDER BY count(*) DESC, o.id LIMIT 1");
        org = row[0].as<long>();
        slug = row[1].as<std::string>();
        before = checksums(kSource);
        routingBefore = routing();
    }

    void TearDown() override
    {
        test::dropDatabasesWithPrefix(m_prefix);
        auto admin = db::connect(test::pgServerConninfo());
        pqxx::nontransaction tx(*admin);
        for (const char* suffix :
             {"_viewer", "_viewer2", "_staff", "_staff2", "_staffrole", "_viewerrole", "_app"})
            tx.exec0("DROP ROLE IF EXISTS " + tx.quote_name(m_prefix + suffix));
    }

    std::string cellDatabase(const std::string& cell) const { return m_prefix + "_" + cell; }

    // The org-scoped tables as the cell's catalog has them (with the settings' hints).
    OrgGraph graph(const std::string& cell) const
    {
        CellSession session(cell, config.cellConninfo(cell));
        return discoverOrgGraph(session, config.orgTables);
    }

    Checksums checksums(const std::string& cell, long organization = 0) const
    {
        const OrgGraph tables = graph(cell);
        auto c = db::connect(config.cellConninfo(cell));
        pqxx::nontransaction tx(*c);
        tx.exec0("SET TimeZone = 'UTC'");
        Checksums out;
        for (const auto& table : tables.tables) {
            const auto row =
                tx.exec_params1("SELECT count(*), coalesce(md5(string_agg(t::text, E'\\n' ORDER BY "
                                "t::text)), '') FROM " +
                                    table.sqlName + " t WHERE " + table.orgFilter,
                                organization ? organization : org);
            out[table.name] = {row[0].as<long>(), row[1].as<std::string>()};
        }
        return out;
    }

    long rowsIn(const std::string& cell) const
    {
        long total = 0;
        for (const auto& [table, sum] : checksums(cell))
            total += sum.first;
        return total;
    }

    long frozenRows(const std::string& cell) const
    {
        auto c = db::connect(config.cellConninfo(cell));
        return pqxx::nontransaction(*c).exec("SELECT count(*) FROM cellscope.frozen_org")[0][0].as<long>();
    }

    // The relocation a cell records as the organization's departure from it; 0: none.
    std::int64_t departureOf(const std::string& cell) const
    {
        auto c = db::connect(config.cellConninfo(cell));
        const auto rows = pqxx::nontransaction(*c).exec_params(
            "SELECT relocation_id FROM cellscope.departed_org WHERE organization_id = $1", org);
        return rows.empty() ? 0 : rows[0][0].as<std::int64_t>();
    }

    // Rows of change capture (logged changes and captured tables) left in a cell.
    long captureRows(const std::string& cell) const
    {
        auto c = db::connect(config.cellConninfo(cell));
        return pqxx::nontransaction(*c)
            .exec("SELECT (SELECT count(*) FROM cellscope.org_change) + "
                  "(SELECT count(*) FROM cellscope.capture_table)")[0][0]
            .as<long>();
    }

    Routing routing() const
    {
        auto c = db::connect(config.control);
        pqxx::nontransaction tx(*c);
        Routing r;
        const auto mapping = tx.exec_params1("SELECT region_name, status, date_updated::text FROM "
                                             "sentry_organizationmapping WHERE organization_id = $1",
                                             org);
        r.orgCell = mapping[0].as<std::string>();
        if (!mapping[1].is_null())
            r.status = mapping[1].as<long>();
        r.dateUpdated = mapping[2].as<std::string>();
        for (const auto& row : tx.exec_params("SELECT DISTINCT m.region_name FROM sentry_projectkeymapping m "
                                              "JOIN cellscope.projectkey_info i USING (public_key) "
                                              "WHERE i.organization_id = $1",
                                              org))
            r.keyCells.insert(row[0].as<std::string>());
        for (const auto& row :
             tx.exec_params("SELECT DISTINCT region_name FROM sentry_organizationslugreservation "
                            "WHERE organization_id = $1",
                            org))
            r.reservationCells.insert(row[0].as<std::string>());
        return r;
    }

    long controlCount(const std::string& sql, std::int64_t id) const
    {
        auto c = db::connect(config.control);
        return pqxx::nontransaction(*c).exec_params(sql, id)[0][0].as<long>();
    }

    long relocationCount() const
    {
        auto c = db::connect(config.control);
        return pqxx::nontransaction(*c).exec("SELECT count(*) FROM cellscope.relocation")[0][0].as<long>();
    }

    // A runner killed a moment ago holds its lock until the server notices; wait for that.
    void waitForNoRunner(std::int64_t id) const
    {
        const Relocations api(config);
        for (int i = 0; i < 100 && api.status(id).runnerAlive; ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        ASSERT_FALSE(api.status(id).runnerAlive);
    }

    long switchesCommitted(std::int64_t id) const
    {
        return controlCount("SELECT count(*) FROM cellscope.relocation_step WHERE relocation_id = $1 "
                            "AND step = 'switch' AND outcome = 'ok'",
                            id);
    }

    // Every row is in the target, byte for byte, none left in the source; routing flipped once
    // (a repair may have re-applied the switch: `switches`).
    void expectMovedOnce(std::int64_t id, long switches = 1) const
    {
        EXPECT_EQ(checksums(kTarget), before);
        EXPECT_EQ(rowsIn(kSource), 0);
        const Routing r = routing();
        EXPECT_EQ(r.orgCell, kTarget);
        EXPECT_EQ(r.status, routingBefore.status);
        EXPECT_GT(r.dateUpdated, routingBefore.dateUpdated);
        EXPECT_EQ(r.keyCells, std::set<std::string>{kTarget});
        EXPECT_EQ(r.reservationCells, std::set<std::string>{kTarget});
        EXPECT_EQ(switchesCommitted(id), switches);
        EXPECT_EQ(frozenRows(kSource), 0);
        EXPECT_EQ(frozenRows(kTarget), 0);
        EXPECT_EQ(captureRows(kSource), 0);
        EXPECT_EQ(captureRows(kTarget), 0);
        EXPECT_EQ(departureOf(kSource), id);
        EXPECT_EQ(departureOf(kTarget), 0);
        EXPECT_EQ(Relocations(config).status(id).relocation.state, State::Done);
    }

    // The source is exactly as it was, the target holds nothing of the org, routing never moved.
    void expectUntouched(std::int64_t id) const
    {
        EXPECT_EQ(checksums(kSource), before);
        EXPECT_EQ(rowsIn(kTarget), 0);
        const Routing r = routing();
        EXPECT_EQ(r.orgCell, kSource);
        EXPECT_EQ(r.status, routingBefore.status);
        EXPECT_EQ(r.keyCells, routingBefore.keyCells);
        EXPECT_EQ(r.reservationCells, routingBefore.reservationCells);
        EXPECT_EQ(switchesCommitted(id), 0);
        EXPECT_EQ(frozenRows(kSource), 0);
        EXPECT_EQ(captureRows(kSource), 0);
        EXPECT_EQ(departureOf(kSource) + departureOf(kTarget), 0);
        EXPECT_EQ(Relocations(config).status(id).relocation.state, State::Cancelled);
    }

    Request request(std::string reason = "rebalance us1") const
    {
        Request r;
        r.org = slug;
        r.targetCell = kTarget;
        r.reason = std::move(reason);
        r.batchRows = 2; // several batches per table even in a small world
        r.drainSeconds = 0;
        return r;
    }

    // Starts the relocation and stops its runner after the first copied batch: running, unowned,
    // for the test to act on before it resumes.
    std::int64_t startAndStopInTheCopy(const Request& r)
    {
        const Relocations api(config);
        Hook hook;
        hook.onProgress = [&](Step step, const TableProgress&) {
            hook.stop = step == Step::Copy;
        };
        const std::int64_t id = api.start(r);
        EXPECT_EQ(api.run(id, hook), Outcome::Detached);
        return id;
    }

    // A login for `role`'s group (cellscope_viewer or cellscope_staff) and the databases as it sees them.
    db::DatabaseConfig loginAs(const std::string& suffix, const std::string& group)
    {
        const std::string login = m_prefix + suffix;
        {
            auto admin = db::connect(test::pgServerConninfo());
            pqxx::nontransaction tx(*admin);
            tx.exec0("CREATE ROLE " + tx.quote_name(login) + " LOGIN IN ROLE " + group);
        }
        auto as = [&](const std::string& conninfo) {
            std::string out = conninfo;
            out.replace(out.find("user=postgres"), 13, "user=" + login);
            return out;
        };
        db::DatabaseConfig c;
        c.control = as(config.control);
        for (const auto& [cell, conninfo] : config.cells)
            c.cells.emplace(cell, as(conninfo));
        return c;
    }

    std::string settingsFile() const
    {
        const std::string path = ::testing::TempDir() + m_prefix + ".ini";
        std::ofstream out(path);
        out << "[databases]\ncontrol = \"" << config.control << "\"\n";
        for (const auto& [cell, conninfo] : config.cells)
            out << cell << " = \"" << conninfo << "\"\n";
        return path;
    }

    db::DatabaseConfig config;
    long org = 0;
    std::string slug;
    Checksums before;
    Routing routingBefore;
    std::string m_prefix;
};

ErrorCode codeOf(const std::function<void()>& action)
{
    try {
        action();
    } catch (const Error& e) {
        return e.code();
    }
    ADD_FAILURE() << "no error";
    return ErrorCode::Internal;
}

std::string messageOf(const std::function<void()>& action)
{
    try {
        action();
    } catch (const Error& e) {
        return e.what();
    }
    return {};
}

// The organization's issues as Sentry writes them during a move: inserts, updates and deletes,
// each in the cell the mapping names at that moment. It keeps the state its committed writes
// leave (id → message); a write refused by the freeze is counted and not applied.
class Writer
{
public:
    // `staleRouting`: now and then as late as a router with a stale mapping, writing tens of
    // milliseconds after reading it, so that the switch may come in between.
    Writer(const db::DatabaseConfig& config, long org, unsigned seed, std::chrono::microseconds pause,
           bool staleRouting = false)
        : m_config(config), m_org(org), m_random(seed), m_pause(pause), m_staleRouting(staleRouting)
    {
        auto source = db::connect(config.cellConninfo(kSource));
        pqxx::nontransaction tx(*source);
        for (const auto& row :
             tx.exec_params("SELECT id FROM sentry_project WHERE organization_id = $1", org))
            m_projects.push_back(row[0].as<long>());
        for (const auto& row :
             tx.exec_params("SELECT g.id, g.message FROM sentry_groupedmessage g JOIN "
                            "sentry_project p ON p.id = g.project_id WHERE p.organization_id = $1",
                            org))
            m_model.emplace(row[0].as<long>(), row[1].as<std::string>());
        m_nextId = 900000000L + static_cast<long>(seed % 1000) * 100000L;
        m_thread = std::thread([this] { loop(); });
    }
    ~Writer() { stop(); }

    void stop()
    {
        m_stop = true;
        if (m_thread.joinable())
            m_thread.join();
    }

    // While held, the writer writes nothing: the model and the cells can be compared.
    std::unique_lock<std::mutex> hold() { return std::unique_lock<std::mutex>(m_mutex); }
    const std::map<long, std::string>& model() const { return m_model; }
    long committed() const { return m_committed; }
    long refused() const { return m_refused; }
    long stale() const { return m_stale; }
    const std::vector<std::string>& errors() const { return m_errors; }

    // The org's issues in `cell` now, as the model holds them.
    static std::map<long, std::string> issuesIn(const db::DatabaseConfig& config, const std::string& cell,
                                                long org)
    {
        auto c = db::connect(config.cellConninfo(cell));
        std::map<long, std::string> out;
        for (const auto& row :
             pqxx::nontransaction(*c).exec_params("SELECT g.id, g.message FROM sentry_groupedmessage g JOIN "
                                                  "sentry_project p ON p.id = g.project_id "
                                                  "WHERE p.organization_id = $1",
                                                  org))
            out.emplace(row[0].as<long>(), row[1].as<std::string>());
        return out;
    }

private:
    void loop()
    {
        std::unique_ptr<pqxx::connection> control;
        std::map<std::string, std::unique_ptr<pqxx::connection>> cells;
        while (!m_stop) {
            try {
                if (!control)
                    control = db::connect(m_config.control);
                const std::string cell = mappedCell(*control);
                if (m_staleRouting && m_random() % 4 == 0)
                    std::this_thread::sleep_for(std::chrono::milliseconds(m_random() % 40));
                auto& connection = cells[cell];
                if (!connection)
                    connection = db::connect(m_config.cellConninfo(cell));
                writeOnce(*connection, [&] { return mappedCell(*control) != cell; });
            } catch (const pqxx::broken_connection&) {
                control.reset();
                cells.clear();
            } catch (const std::exception& e) {
                m_errors.emplace_back(e.what());
                cells.clear();
            }
            std::this_thread::sleep_for(m_pause);
        }
    }

    std::string mappedCell(pqxx::connection& control)
    {
        return pqxx::nontransaction(control)
            .exec_params1("SELECT region_name FROM sentry_organizationmapping WHERE organization_id = $1",
                          m_org)[0]
            .as<std::string>();
    }

    // A write that found nothing to change, or whose project is gone, reached a cell the mapping
    // named when it was read but no longer does (the switch came in between: with no drain, a
    // writer can be that stale). It changed nothing anywhere, and the writer can tell, so it is not
    // in the model. In the cell the mapping still names, the same is a lost row: an error.
    template <typename Stale>
    void writeOnce(pqxx::connection& connection, Stale&& stale)
    {
        const std::lock_guard<std::mutex> held(m_mutex);
        const int op = static_cast<int>(m_random() % 10);
        std::optional<long> existing;
        if (!m_model.empty()) {
            auto at = m_model.begin();
            std::advance(at, static_cast<long>(m_random() % m_model.size()));
            existing = at->first;
        }
        const std::string message = "w" + std::to_string(m_random());
        try {
            pqxx::work tx(connection);
            if (op < 5 || !existing) {
                const long id = m_nextId;
                tx.exec_params0(
                    "INSERT INTO sentry_groupedmessage (id, project_id, message) VALUES ($1, $2, $3)", id,
                    m_projects[m_random() % m_projects.size()], message);
                tx.commit();
                ++m_nextId;
                m_model[id] = message;
            } else {
                const bool update = op < 8;
                const pqxx::result changed =
                    update ? tx.exec_params("UPDATE sentry_groupedmessage SET message = $2 WHERE id = $1",
                                            *existing, message)
                           : tx.exec_params("DELETE FROM sentry_groupedmessage WHERE id = $1", *existing);
                tx.commit();
                if (changed.affected_rows() == 0) {
                    if (!stale())
                        throw std::runtime_error("issue " + std::to_string(*existing) +
                                                 " is missing from the cell the mapping names");
                    ++m_stale;
                    return;
                }
                if (update)
                    m_model[*existing] = message;
                else
                    m_model.erase(*existing);
            }
            ++m_committed;
        } catch (const pqxx::foreign_key_violation&) {
            if (!stale())
                throw;
            ++m_stale;
        } catch (const pqxx::sql_error& e) {
            if (e.sqlstate() != "55000")
                throw;
            ++m_refused;
        }
    }

    const db::DatabaseConfig m_config;
    const long m_org;
    std::mt19937 m_random;
    const std::chrono::microseconds m_pause;
    const bool m_staleRouting;
    std::vector<long> m_projects;
    std::map<long, std::string> m_model;
    long m_nextId = 0;
    std::atomic<long> m_committed{0};
    std::atomic<long> m_refused{0};
    std::atomic<long> m_stale{0};
    std::vector<std::string> m_errors;
    std::atomic<bool> m_stop{false};
    std::mutex m_mutex;
    std::thread m_thread;
};

// Names only the issues that differ: the whole sets run to thousands.
void expectSameIssues(const std::map<long, std::string>& cell, const std::map<long, std::string>& model)
{
    std::ostringstream differences;
    for (const auto& [id, message] : cell)
        if (const auto at = model.find(id); at == model.end())
            differences << "  " << id << " in the cell only (" << message << ")\n";
        else if (at->second != message)
            differences << "  " << id << " is " << message << " in the cell, " << at->second
                        << " in the model\n";
    for (const auto& [id, message] : model)
        if (!cell.contains(id))
            differences << "  " << id << " in the model only (" << message << ")\n";
    EXPECT_TRUE(differences.str().empty()) << "the cell and the writer's model differ:\n"
                                           << differences.str();
}

} // namespace

// Staff hold no cluster-wide privilege: they cannot switch triggers off (session_replication_role),
// only load rows through cellscope.load_org_rows, which takes the caller's own staging table and
// rows of one unfrozen organization of a guarded table, nothing else. A viewer may not even that.
TEST_F(RelocationWorld, StaffCannotSwitchOffTriggersAndLoadOnlyAnOrganizationsOwnRows)
{
    auto admin = db::connect(config.cellConninfo(kTarget));
    EXPECT_FALSE(
        pqxx::nontransaction(*admin)
            .exec(
                "SELECT has_parameter_privilege('cellscope_staff', 'session_replication_role', 'SET')")[0][0]
            .as<bool>());
    CellSession staff(kTarget, loginAs("_staffrole", "cellscope_staff").cellConninfo(kTarget));
    EXPECT_TRUE(staff.mayLoadUnchecked());
    staff.exec("BEGIN");
    EXPECT_THROW(staff.exec("SET LOCAL session_replication_role = replica"), Error);
    CellSession loader(kTarget, loginAs("_staff", "cellscope_staff").cellConninfo(kTarget));
    loader.exec("CREATE TEMP TABLE stage (LIKE public.sentry_team INCLUDING DEFAULTS)");
    const std::string other = std::to_string(org + 1000000);
    loader.query(
        "INSERT INTO pg_temp.stage (id, organization_id, slug, name) VALUES (987654321, $1, 'x', 'x')",
        {other});
    // A row of another organization than the one named: refused, nothing loaded.
    EXPECT_THROW(loader.query("SELECT cellscope.load_org_rows('public.sentry_team', $1, 'pg_temp.stage')",
                              {std::to_string(org)}),
                 Error);
    CellSession again(kTarget, loginAs("_staff2", "cellscope_staff").cellConninfo(kTarget));
    // A table that is not the caller's temporary table: refused.
    EXPECT_THROW(again.query("SELECT cellscope.load_org_rows('public.sentry_team', $1, 'public.sentry_team')",
                             {std::to_string(org)}),
                 Error);
    CellSession viewer(kTarget, loginAs("_viewerrole", "cellscope_viewer").cellConninfo(kTarget));
    EXPECT_FALSE(viewer.mayLoadUnchecked());
    EXPECT_EQ(pqxx::nontransaction(*admin)
                  .exec("SELECT count(*) FROM sentry_team WHERE id = 987654321")[0][0]
                  .as<long>(),
              0);
}

// A control database without Cellscope's schema (a bare replica) gets the command to run, not SQL.
TEST_F(RelocationWorld, AControlDatabaseWithoutTheJournalSaysWhatToRun)
{
    db::DatabaseConfig bare = config;
    bare.control = test::pgServerConninfo(m_prefix + "_bare");
    db::ensureDatabase(bare.control);
    try {
        Relocations(bare).list({}, false, 10);
        FAIL() << "listing relocations without a journal succeeded";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::Conflict);
        EXPECT_NE(std::string(e.what()).find("cellctl db migrate"), std::string::npos) << e.what();
    }
}

TEST_F(RelocationWorld, HappyPathAsAStaffLoginMovesEveryRowAndFlipsRoutingOnce)
{
    const Relocations api(loginAs("_staff", "cellscope_staff"));
    const Plan plan = api.plan(request());
    ASSERT_TRUE(plan.ok()) << (plan.firstFailure() ? plan.firstFailure()->message : "");
    long planned = 0;
    for (const auto& [table, sum] : before)
        planned += sum.first;
    EXPECT_EQ(plan.totalRows, planned);
    EXPECT_EQ(relocationCount(), 0) << "the plan wrote a journal entry";

    Hook hook;
    std::vector<std::string> sentences;
    hook.onState = [&](std::string_view s) {
        sentences.emplace_back(s);
    };
    const std::int64_t id = api.start(request());
    EXPECT_EQ(api.run(id, hook), Outcome::Done);
    expectMovedOnce(id);
    EXPECT_FALSE(sentences.empty());

    const Status status = api.status(id);
    EXPECT_NE(status.sentence.find("is done: the organization lives in us2"), std::string::npos)
        << status.sentence;
    EXPECT_EQ(status.copiedRows, planned);
    EXPECT_EQ(status.verifiedRows, planned);
    EXPECT_EQ(status.cleanedRows, planned);
    for (const TableProgress& t : status.tables) {
        EXPECT_TRUE(t.copied && t.verified && t.cleaned) << t.table;
        EXPECT_EQ(t.sourceDigest, t.targetDigest) << t.table;
    }
    const History history = api.history(id);
    ASSERT_EQ(history.audit.size(), 1u);
    EXPECT_EQ(history.audit[0].action, "start");
    EXPECT_EQ(history.audit[0].reason, "rebalance us1");
    EXPECT_EQ(history.audit[0].dbRole, m_prefix + "_staff");
    std::vector<std::string> steps;
    for (const StepRecord& s : history.steps) {
        steps.push_back(s.step);
        EXPECT_EQ(s.outcome, "ok") << s.step;
    }
    EXPECT_EQ(steps, (std::vector<std::string>{"preflight", "capture", "copy", "catch_up", "verify", "freeze",
                                               "settle", "switch", "drain", "unfreeze", "cleanup"}));
    EXPECT_TRUE(status.relocation.online);
    ASSERT_TRUE(status.freezeSeconds && status.freezeStartedAt && status.freezeEndedAt);
    EXPECT_GT(*status.freezeSeconds, 0);
    EXPECT_DOUBLE_EQ(*status.freezeSeconds, *status.freezeEndedAt - *status.freezeStartedAt);
    // The world as routers see it: the org is served by the target, and active again.
    const auto snapshot = sources::loadSnapshotFromPostgres(config.control);
    const auto index = snapshot->findOrg(slug);
    ASSERT_TRUE(index);
    EXPECT_EQ(snapshot->cellName(snapshot->org(*index).cell), kTarget);
    EXPECT_EQ(snapshot->org(*index).status, OrgStatus::Active);
    EXPECT_EQ(api.diagnose(id).action, RepairAction::None);
}

TEST_F(RelocationWorld, OfflineFreezesBeforeTheCopyAndMeasuresTheFreezeToo)
{
    const Relocations api(config);
    Request offline = request();
    offline.offline = true;
    const Plan plan = api.plan(offline);
    EXPECT_FALSE(plan.online);
    Hook quiet;
    const std::int64_t id = api.start(offline);
    EXPECT_EQ(api.run(id, quiet), Outcome::Done);
    expectMovedOnce(id);
    std::vector<std::string> steps;
    for (const StepRecord& s : api.history(id).steps)
        steps.push_back(s.step);
    EXPECT_EQ(steps, (std::vector<std::string>{"preflight", "freeze", "copy", "verify", "switch", "drain",
                                               "unfreeze", "cleanup"}));
    const Status status = api.status(id);
    EXPECT_FALSE(status.relocation.online);
    ASSERT_TRUE(status.freezeSeconds);
    EXPECT_GT(*status.freezeSeconds, 0);
}

// Online is the default where both cells allow it; the plan says which mechanism and why.
TEST_F(RelocationWorld, ThePlanSaysOnlineAndWhy)
{
    const Plan plan = Relocations(config).plan(request());
    EXPECT_TRUE(plan.online);
    const auto mode =
        std::find_if(plan.checks.begin(), plan.checks.end(), [](const Check& c) { return c.name == "mode"; });
    ASSERT_NE(mode, plan.checks.end());
    EXPECT_NE(mode->message.find("online"), std::string::npos) << mode->message;
    EXPECT_NE(mode->message.find("wal_level"), std::string::npos) << mode->message;
}

TEST_F(RelocationWorld, PreflightRefusesWithTheRightCodeAndWritesNothing)
{
    const Relocations api(config);
    auto with = [&](const std::function<void(Request&)>& change) {
        Request r = request();
        change(r);
        return r;
    };
    EXPECT_EQ(codeOf([&] { api.start(with([](Request& r) { r.org = "no-such-org"; })); }),
              ErrorCode::BadInput);
    EXPECT_EQ(codeOf([&] { api.start(with([](Request& r) { r.targetCell = "mars1"; })); }),
              ErrorCode::BadInput);
    EXPECT_EQ(codeOf([&] { api.start(with([](Request& r) { r.targetCell = kSource; })); }),
              ErrorCode::BadInput);
    EXPECT_EQ(codeOf([&] { api.start(with([](Request& r) { r.reason = "  "; })); }), ErrorCode::BadInput);
    EXPECT_EQ(codeOf([&] { api.start(with([](Request& r) { r.targetCell = "s4s2"; })); }),
              ErrorCode::Conflict);

    // Cross-locality: refused unless allowed, and the plan says what breaks.
    const std::string message = messageOf([&] { api.start(with([](Request& r) { r.targetCell = "de1"; })); });
    EXPECT_NE(message.find("--allow-cross-locality"), std::string::npos) << message;
    const Plan allowed = api.plan(with([](Request& r) {
        r.targetCell = "de1";
        r.allowCrossLocality = true;
    }));
    EXPECT_TRUE(allowed.ok());
    EXPECT_TRUE(allowed.crossLocality);
    ASSERT_FALSE(allowed.warnings.empty());
    EXPECT_NE(allowed.warnings[0].find("data residency"), std::string::npos);

    auto admin = db::connect(config.control);
    // An inconsistent slug reservation.
    pqxx::nontransaction(*admin).exec_params0(
        "UPDATE sentry_organizationslugreservation SET region_name = 'de1' WHERE organization_id = $1", org);
    EXPECT_EQ(codeOf([&] { api.start(request()); }), ErrorCode::Conflict);
    pqxx::nontransaction(*admin).exec_params0(
        "UPDATE sentry_organizationslugreservation SET region_name = $2 WHERE organization_id = $1", org,
        kSource);
    // Rows of the org already in the target that no ledger accounts for.
    {
        auto target = db::connect(config.cellConninfo(kTarget));
        pqxx::nontransaction(*target).exec_params0(
            "INSERT INTO sentry_organization (id, name, slug) VALUES ($1, 'stray', 'stray-copy')", org);
        const Plan plan = api.plan(request());
        ASSERT_NE(plan.firstFailure(), nullptr);
        EXPECT_EQ(plan.firstFailure()->name, "target_clean");
        pqxx::nontransaction(*target).exec_params0("DELETE FROM sentry_organization WHERE id = $1", org);
    }
    // An org being deleted is not moved.
    pqxx::nontransaction(*admin).exec_params0(
        "UPDATE sentry_organizationmapping SET status = 1 WHERE organization_id = $1", org);
    EXPECT_EQ(codeOf([&] { api.start(request()); }), ErrorCode::Conflict);
    EXPECT_EQ(relocationCount(), 0);
    EXPECT_EQ(frozenRows(kSource), 0);
}

TEST_F(RelocationWorld, TwoConcurrentStartsExactlyOneWins)
{
    const Relocations api(config);
    std::promise<void> go;
    const std::shared_future<void> ready = go.get_future().share();
    auto attempt = [&] {
        ready.wait();
        try {
            return api.start(request());
        } catch (const Error& e) {
            EXPECT_EQ(e.code(), ErrorCode::Conflict) << e.what();
            return std::int64_t{0};
        }
    };
    auto first = std::async(std::launch::async, attempt);
    auto second = std::async(std::launch::async, attempt);
    go.set_value();
    const std::int64_t a = first.get();
    const std::int64_t b = second.get();
    EXPECT_TRUE((a == 0) != (b == 0)) << a << " " << b;
    EXPECT_EQ(controlCount("SELECT count(*) FROM cellscope.relocation WHERE organization_id = $1", org), 1);
    // The database itself refuses a second unfinished relocation, whatever a client checks first.
    auto c = db::connect(config.control);
    EXPECT_THROW(pqxx::nontransaction(*c).exec_params0(
                     "INSERT INTO cellscope.relocation (organization_id, org_slug, source_cell, target_cell) "
                     "VALUES ($1, $2, 'us1', 'us3')",
                     org, slug),
                 pqxx::unique_violation);
}

TEST_F(RelocationWorld, WritesToAFrozenOrgAreRefusedByTheDatabase)
{
    const Relocations api(config);
    Request offline = request();
    offline.offline = true;
    const std::int64_t id = startAndStopInTheCopy(offline);

    auto source = db::connect(config.cellConninfo(kSource));
    auto refused = [&](const std::string& sql) {
        try {
            if (sql.find("$1") == std::string::npos)
                pqxx::nontransaction(*source).exec0(sql);
            else
                pqxx::nontransaction(*source).exec_params0(sql, org);
        } catch (const pqxx::sql_error& e) {
            EXPECT_EQ(e.sqlstate(), "55000") << e.what();
            EXPECT_NE(std::string(e.what()).find("is frozen for relocation"), std::string::npos) << e.what();
            return true;
        }
        return false;
    };
    EXPECT_TRUE(refused("UPDATE sentry_organization SET name = 'renamed' WHERE id = $1"));
    EXPECT_TRUE(
        refused("INSERT INTO sentry_groupedmessage (id, project_id, message) "
                "SELECT 999999999, min(id), 'new issue' FROM sentry_project WHERE organization_id = $1"));
    EXPECT_TRUE(refused("DELETE FROM sentry_projectkey WHERE project_id IN "
                        "(SELECT id FROM sentry_project WHERE organization_id = $1)"));
    EXPECT_TRUE(refused("UPDATE sentry_team SET name = name || '!' WHERE organization_id = $1"));
    EXPECT_TRUE(refused("TRUNCATE sentry_groupedmessage"));
    // Other organizations of the cell write as usual.
    pqxx::nontransaction(*source).exec_params0(
        "UPDATE sentry_team SET name = name WHERE organization_id <> $1", org);
    // Routers see the org as relocating.
    const auto snapshot = sources::loadSnapshotFromPostgres(config.control);
    EXPECT_EQ(snapshot->org(*snapshot->findOrg(slug)).status, OrgStatus::RelocationPendingApproval);

    api.resume(id, "carry on");
    Hook quiet;
    EXPECT_EQ(api.run(id, quiet), Outcome::Done);
    expectMovedOnce(id);
    // Once moved, the org writes again, in its new cell.
    auto target = db::connect(config.cellConninfo(kTarget));
    pqxx::nontransaction(*target).exec_params0("UPDATE sentry_organization SET name = name WHERE id = $1",
                                               org);
}

// After the switch, only the relocation's cleanup removes the organization from the source. A writer
// a stale mapping still sends there may not delete a row that lives on in the target.
TEST_F(RelocationWorld, OnlyTheCleanupDeletesFromTheSourceAfterTheSwitch)
{
    const Relocations api(config);
    Hook hook;
    hook.onProgress = [&](Step step, const TableProgress&) {
        hook.stop = step == Step::Cleanup;
    };
    const std::int64_t id = api.start(request());
    ASSERT_EQ(api.run(id, hook), Outcome::Detached);
    EXPECT_EQ(routing().orgCell, kTarget);

    auto source = db::connect(config.cellConninfo(kSource));
    const long issue =
        pqxx::nontransaction(*source)
            .exec_params1("SELECT max(g.id) FROM sentry_groupedmessage g JOIN sentry_project p "
                          "ON p.id = g.project_id WHERE p.organization_id = $1",
                          org)[0]
            .as<long>();
    try {
        pqxx::nontransaction(*source).exec_params0("DELETE FROM sentry_groupedmessage WHERE id = $1", issue);
        ADD_FAILURE() << "a delete from the source during the cleanup was let through";
    } catch (const pqxx::sql_error& e) {
        EXPECT_EQ(e.sqlstate(), "55000") << e.what();
    }

    api.resume(id, "carry on");
    Hook quiet;
    EXPECT_EQ(api.run(id, quiet), Outcome::Done);
    expectMovedOnce(id);
    EXPECT_EQ(rowsIn(kSource), 0);
}

// Online: the organization writes on while it is copied; what it wrote arrives, and only a
// TRUNCATE (which no change log can capture) is refused.
TEST_F(RelocationWorld, WritesDuringAnOnlineCopyAreCapturedAndArrive)
{
    const Relocations api(config);
    const std::int64_t id = startAndStopInTheCopy(request());
    {
        auto source = db::connect(config.cellConninfo(kSource));
        pqxx::nontransaction tx(*source);
        tx.exec_params0("UPDATE sentry_organization SET name = 'renamed while moving' WHERE id = $1", org);
        tx.exec_params0(
            "INSERT INTO sentry_groupedmessage (id, project_id, message) "
            "SELECT 999999999, max(id), 'new issue' FROM sentry_project WHERE organization_id = $1",
            org);
        tx.exec_params0("UPDATE sentry_projectkey SET label = 'relabelled' WHERE project_id IN "
                        "(SELECT id FROM sentry_project WHERE organization_id = $1)",
                        org);
        tx.exec_params0(
            "DELETE FROM sentry_groupedmessage WHERE id = (SELECT min(g.id) FROM sentry_groupedmessage g "
            "JOIN sentry_project p ON p.id = g.project_id WHERE p.organization_id = $1)",
            org);
        tx.exec_params0("UPDATE sentry_team SET name = name || '!' WHERE organization_id = $1", org);
        EXPECT_THROW(tx.exec0("TRUNCATE sentry_groupedmessage"), pqxx::sql_error);
    }
    EXPECT_EQ(frozenRows(kSource), 1);
    before = checksums(kSource);
    routingBefore = routing();
    api.resume(id, "carry on");
    Hook quiet;
    EXPECT_EQ(api.run(id, quiet), Outcome::Done);
    expectMovedOnce(id);
    EXPECT_GT(api.status(id).relocation.appliedChanges, 0);
}

// Jepsen-style: runs that move the organization back and forth while a writer writes to the cell
// the mapping names (now and then tens of milliseconds after reading it, as a stale router would); in each,
// the runner (a cellctl process) is SIGKILLed at a random moment, the relocation resumed, and one of the new
// runner's cell connections terminated at a random moment (the step fails; it is retried). After every run:
// each write the writer saw committed is in the cell the mapping names, none it saw refused, a stale write
// to the source changed nothing (refused, no row found, or its project gone), the other cell holds
// nothing of the organization, no capture is left, and the mapping flipped exactly once.
// CELLSCOPE_JEPSEN_RUNS and CELLSCOPE_JEPSEN_SEED change the count and the seed (printed, to reproduce a
// failure).
TEST_F(RelocationWorld, JepsenStyleRunsWithKillsLoseNothing)
{
    const int runs =
        std::getenv("CELLSCOPE_JEPSEN_RUNS") ? std::atoi(std::getenv("CELLSCOPE_JEPSEN_RUNS")) : 20;
    const unsigned seed = std::getenv("CELLSCOPE_JEPSEN_SEED")
                              ? static_cast<unsigned>(std::atol(std::getenv("CELLSCOPE_JEPSEN_SEED")))
                              : std::random_device{}();
    std::cout << "jepsen seed " << seed << '\n';
    std::mt19937 random(seed);
    auto between = [&](int low, int high) {
        return low + static_cast<int>(random() % (high - low + 1));
    };
    const Relocations api(config);
    Hook quiet;
    Writer writer(config, org, seed, std::chrono::microseconds(1000), /*staleRouting=*/true);
    const std::string settings = settingsFile();
    std::string to = kTarget;
    long killedMidRun = 0;
    long terminated = 0;
    long failedSteps = 0;
    std::optional<std::int64_t> previous;
    for (int run = 0; run < runs; ++run) {
        SCOPED_TRACE("run " + std::to_string(run) + " to " + to);
        {
            test::Child child({"--config", settings, "relocate", "start", slug, "--to", to, "--reason",
                               "jepsen", "--batch-rows", std::to_string(between(2, 20)), "--drain-seconds",
                               "0"},
                              "", CELLCTL_PATH);
            std::this_thread::sleep_for(std::chrono::milliseconds(between(0, 1500)));
            child.killHard();
        }
        std::optional<std::int64_t> id;
        try {
            id = api.resolve(slug);
        } catch (const Error&) {
            // never relocated yet
        }
        if (!id || id == previous) { // killed before it started: start it here
            Request again = request("jepsen, started again");
            again.targetCell = to;
            id = api.start(again);
        }
        const std::int64_t relocation = *id;
        waitForNoRunner(relocation);
        if (api.status(relocation).relocation.state != State::Done)
            ++killedMidRun;
        std::atomic<bool> running{true};
        std::thread killer([&, delay = between(0, 800)] {
            std::this_thread::sleep_for(std::chrono::milliseconds(delay));
            if (!running)
                return;
            auto admin = db::connect(test::pgServerConninfo());
            terminated +=
                pqxx::nontransaction(*admin)
                    .exec("SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                          "WHERE application_name = 'cellscope relocation' AND datname LIKE '" +
                          m_prefix + "%' ORDER BY random() LIMIT 1) AS killed")[0][0]
                    .as<long>();
        });
        for (int attempt = 0; attempt < 10 && api.status(relocation).relocation.state != State::Done;
             ++attempt) {
            const State state = api.status(relocation).relocation.state;
            if (state == State::Failed) {
                ++failedSteps;
                api.retry(relocation, "jepsen: retry after a lost connection");
            } else if (state == State::Running && !api.status(relocation).runnerAlive && attempt > 0) {
                api.resume(relocation, "jepsen: resume");
            }
            try {
                api.run(relocation, quiet);
            } catch (const Error&) {
                // a terminated connection failed the step: retried above
            }
        }
        running = false;
        killer.join();
        ASSERT_EQ(api.status(relocation).relocation.state, State::Done);
        const std::string from = to == kTarget ? kSource : kTarget;
        {
            const auto held = writer.hold();
            EXPECT_EQ(routing().orgCell, to);
            expectSameIssues(Writer::issuesIn(config, to, org), writer.model());
            EXPECT_EQ(rowsIn(from), 0);
        }
        EXPECT_EQ(departureOf(from), relocation);
        EXPECT_EQ(departureOf(to), 0);
        EXPECT_EQ(switchesCommitted(relocation), 1);
        EXPECT_EQ(captureRows(kSource) + captureRows(kTarget), 0);
        EXPECT_EQ(frozenRows(kSource) + frozenRows(kTarget), 0);
        if (HasFailure())
            break;
        previous = relocation;
        to = from;
    }
    writer.stop();
    EXPECT_TRUE(writer.errors().empty()) << writer.errors().front();
    std::cout << "jepsen: " << runs << " runs, " << killedMidRun << " runners killed mid-run, " << terminated
              << " connections terminated, " << failedSteps << " failed steps retried; writer "
              << writer.committed() << " writes committed, " << writer.refused() << " refused, "
              << writer.stale() << " stale (to the source after the switch: changed nothing), 0 lost\n";
}

// Cancel stops the capture: the change log is gone, and the status the organization had (and
// changed itself meanwhile) is left alone.
TEST_F(RelocationWorld, CancelDuringCaptureStopsItAndLeavesNothingBehind)
{
    const Relocations api(config);
    const std::int64_t id = startAndStopInTheCopy(request());
    {
        auto source = db::connect(config.cellConninfo(kSource));
        pqxx::nontransaction(*source).exec_params0(
            "UPDATE sentry_team SET name = name || '?' WHERE organization_id = $1", org);
    }
    EXPECT_GT(captureRows(kSource), 0);
    before = checksums(kSource);
    api.cancel(id, "changed my mind");
    Hook quiet;
    EXPECT_EQ(api.run(id, quiet), Outcome::Cancelled);
    expectUntouched(id);
    // No trace of the capture: the next write logs nothing.
    auto source = db::connect(config.cellConninfo(kSource));
    pqxx::nontransaction(*source).exec_params0(
        "UPDATE sentry_team SET name = name WHERE organization_id = $1", org);
    EXPECT_EQ(captureRows(kSource), 0);
}

// A writer as busy as the batches allow for the whole move: every write it saw committed is in the
// target, none it saw refused, and it was refused only while the organization was frozen.
TEST_F(RelocationWorld, AConcurrentWriterLosesNothingOnline)
{
    const Relocations api(config);
    Writer writer(config, org, 1, std::chrono::microseconds(500));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    Hook quiet;
    const std::int64_t id = api.start(request());
    EXPECT_EQ(api.run(id, quiet), Outcome::Done);
    std::this_thread::sleep_for(std::chrono::milliseconds(100)); // a few writes in the new cell
    writer.stop();
    EXPECT_TRUE(writer.errors().empty()) << writer.errors().front();
    expectSameIssues(Writer::issuesIn(config, kTarget, org), writer.model());
    EXPECT_EQ(rowsIn(kSource), 0);
    EXPECT_EQ(switchesCommitted(id), 1);
    EXPECT_EQ(captureRows(kSource), 0);
    const Status status = api.status(id);
    std::cout << "writer: " << writer.committed() << " writes committed, " << writer.refused()
              << " refused; write freeze " << status.freezeSeconds.value_or(-1) << " s; "
              << status.relocation.appliedChanges << " changes applied in " << status.relocation.appliedRound
              << " rounds\n";
    EXPECT_GT(writer.committed(), 100);
    EXPECT_GT(status.relocation.appliedChanges, 0);
}

TEST_F(RelocationWorld, CancelBeforeTheSwitchRestoresTheSourceExactly)
{
    const Relocations api(config);
    Hook hook;
    hook.onProgress = [&](Step step, const TableProgress& t) {
        hook.stop = step == Step::Verify && t.position > 3;
    };
    const std::int64_t id = api.start(request());
    ASSERT_EQ(api.run(id, hook), Outcome::Detached);
    EXPECT_GT(rowsIn(kTarget), 0);
    api.cancel(id, "wrong target");
    Hook quiet;
    EXPECT_EQ(api.run(id, quiet), Outcome::Cancelled);
    expectUntouched(id);
    const History history = api.history(id);
    for (const Leftover& l : history.leftovers)
        EXPECT_TRUE(l.removed) << l.table;
    EXPECT_EQ(history.relocation.cancelledAtStep, Step::Verify);
    EXPECT_EQ(history.audit.back().action, "cancel");
    EXPECT_EQ(history.audit.back().reason, "wrong target");
    // Finished: the org may be relocated again.
    EXPECT_EQ(api.run(api.start(request("second try")), quiet), Outcome::Done);
}

TEST_F(RelocationWorld, CancelAfterTheSwitchIsRefusedWithTheWayBack)
{
    const Relocations api(config);
    Request r = request();
    r.drainSeconds = 2;
    Hook hook;
    hook.onState = [&](std::string_view s) {
        hook.stop = hook.stop || s.starts_with("waiting");
    };
    const std::int64_t id = api.start(r);
    ASSERT_EQ(api.run(id, hook), Outcome::Detached);
    EXPECT_EQ(routing().orgCell, kTarget);
    const std::string message = messageOf([&] { api.cancel(id, "too late"); });
    EXPECT_NE(message.find("relocate it back"), std::string::npos) << message;
    EXPECT_EQ(codeOf([&] { api.cancel(id, "too late"); }), ErrorCode::Conflict);
    api.resume(id, "finish it");
    Hook quiet;
    EXPECT_EQ(api.run(id, quiet), Outcome::Done);
    expectMovedOnce(id);
    EXPECT_EQ(codeOf([&] { api.cancel(id, "after done"); }), ErrorCode::Conflict);
}

TEST_F(RelocationWorld, PauseAtABatchBoundaryThrottleLiveThenResume)
{
    const Relocations api(config);
    Request r = request();
    r.throttle = 2000;
    const std::int64_t id = api.start(r);
    Hook hook;
    bool asked = false;
    hook.onProgress = [&](Step step, const TableProgress&) {
        if (step == Step::Copy && !asked) {
            asked = true;
            api.pause(id, "maintenance window"); // as another process would: through the journal
        }
    };
    ASSERT_EQ(api.run(id, hook), Outcome::Paused);
    Status status = api.status(id);
    EXPECT_EQ(status.relocation.state, State::Paused);
    EXPECT_NE(status.sentence.find("paused at step copy"), std::string::npos) << status.sentence;
    EXPECT_NE(status.sentence.find("maintenance window"), std::string::npos) << status.sentence;
    EXPECT_TRUE(status.etaSeconds.has_value());
    EXPECT_EQ(codeOf([&] { api.pause(id, "again"); }), ErrorCode::Conflict);
    EXPECT_EQ(codeOf([&] { api.retry(id, "not failed"); }), ErrorCode::Conflict);

    api.throttle(id, 500000, "window is open");
    EXPECT_EQ(api.status(id).relocation.throttle, 500000);
    api.resume(id, "window open");
    Hook quiet;
    EXPECT_EQ(api.run(id, quiet), Outcome::Done);
    expectMovedOnce(id);
    std::vector<std::string> actions;
    for (const AuditRecord& a : api.history(id).audit)
        actions.push_back(a.action);
    EXPECT_EQ(actions, (std::vector<std::string>{"start", "pause", "throttle", "resume"}));
}

TEST_F(RelocationWorld, AbortKeepsStateForRetry)
{
    const Relocations api(config);
    const std::int64_t id = api.start(request());
    Hook hook;
    hook.onProgress = [&](Step step, const TableProgress& t) {
        if (step == Step::Copy && t.position == 2)
            api.abort(id, "looks wrong");
    };
    ASSERT_EQ(api.run(id, hook), Outcome::Aborted);
    EXPECT_EQ(api.status(id).relocation.state, State::Aborted);
    const Diagnosis d = api.diagnose(id);
    EXPECT_EQ(d.action, RepairAction::Retry);
    for (const Finding& f : d.findings)
        EXPECT_TRUE(f.consistent) << f.subject << ": " << f.text;
    EXPECT_EQ(codeOf([&] { api.resume(id, "resume is for paused"); }), ErrorCode::Conflict);
    api.retry(id, "it was fine");
    Hook quiet;
    EXPECT_EQ(api.run(id, quiet), Outcome::Done);
    expectMovedOnce(id);
}

TEST_F(RelocationWorld, AViewerLoginIsRefusedByTheDatabase)
{
    const Relocations staff(config);
    const Relocations viewer(loginAs("_viewer", "cellscope_viewer"));
    // Planning is reading; starting is refused by PostgreSQL itself.
    EXPECT_TRUE(viewer.plan(request()).ok());
    EXPECT_EQ(codeOf([&] { viewer.start(request()); }), ErrorCode::Permission);
    const std::int64_t id = staff.start(request());
    // Watching is allowed, every change refused.
    EXPECT_EQ(viewer.status(id).relocation.id, id);
    EXPECT_EQ(codeOf([&] { viewer.pause(id, "viewer"); }), ErrorCode::Permission);
    EXPECT_EQ(codeOf([&] { viewer.cancel(id, "viewer"); }), ErrorCode::Permission);
    EXPECT_EQ(codeOf([&] { viewer.throttle(id, 10, "viewer"); }), ErrorCode::Permission);
    Hook quiet;
    EXPECT_EQ(codeOf([&] { viewer.run(id, quiet); }), ErrorCode::Permission);
    // Bypassing every face: plain SQL as the viewer.
    auto c = db::connect(loginAs("_viewer2", "cellscope_viewer").control);
    EXPECT_THROW(pqxx::nontransaction(*c).exec_params0(
                     "UPDATE cellscope.relocation SET state = 'cancelled' WHERE id = $1", id),
                 pqxx::insufficient_privilege);
    EXPECT_THROW(
        pqxx::nontransaction(*c).exec_params0(
            "UPDATE sentry_organizationmapping SET region_name = 'us2' WHERE organization_id = $1", org),
        pqxx::insufficient_privilege);
    // The audit log is append-only, even for its owner.
    auto owner = db::connect(config.control);
    EXPECT_THROW(pqxx::nontransaction(*owner).exec("UPDATE cellscope.relocation_audit SET reason = 'edited'"),
                 pqxx::insufficient_privilege);
    EXPECT_THROW(pqxx::nontransaction(*owner).exec("DELETE FROM cellscope.relocation_audit"),
                 pqxx::insufficient_privilege);
    EXPECT_EQ(staff.run(id, quiet), Outcome::Done);
}

TEST_F(RelocationWorld, AnUnreachableCellFailsTheStepClearlyAndRetryFinishes)
{
    const Relocations api(config);
    const std::int64_t id = api.start(request());
    auto admin = db::connect(test::pgServerConninfo());
    const std::string target = pqxx::nontransaction(*admin).quote_name(cellDatabase(kTarget));
    Hook hook;
    bool cut = false;
    hook.onProgress = [&](Step step, const TableProgress& t) {
        if (step == Step::Copy && t.position == 4 && !cut) {
            cut = true;
            pqxx::nontransaction tx(*admin);
            tx.exec0("ALTER DATABASE " + target + " WITH ALLOW_CONNECTIONS false");
            tx.exec_params("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1",
                           cellDatabase(kTarget));
        }
    };
    try {
        api.run(id, hook);
        FAIL() << "the copy went on without its target";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::Unreachable) << e.what();
        EXPECT_NE(std::string(e.what()).find("cell us2"), std::string::npos) << e.what();
    }
    const Status failed = api.status(id);
    EXPECT_EQ(failed.relocation.state, State::Failed);
    EXPECT_EQ(failed.relocation.step, Step::Copy);
    EXPECT_NE(failed.sentence.find("failed at step copy"), std::string::npos) << failed.sentence;
    EXPECT_EQ(routing().orgCell, kSource);

    pqxx::nontransaction(*admin).exec0("ALTER DATABASE " + target + " WITH ALLOW_CONNECTIONS true");
    api.retry(id, "us2 is back");
    Hook quiet;
    EXPECT_EQ(api.run(id, quiet), Outcome::Done);
    expectMovedOnce(id);
}

TEST_F(RelocationWorld, RepairRealignsAJournalThatDisagreesWithTheMapping)
{
    const Relocations api(config);
    const std::int64_t id = api.start(request());
    Hook quiet;
    ASSERT_EQ(api.run(id, quiet), Outcome::Done);
    // Someone flips a key mapping back by hand.
    auto c = db::connect(config.control);
    pqxx::nontransaction(*c).exec_params0(
        "UPDATE sentry_projectkeymapping SET region_name = $2 WHERE public_key = "
        "(SELECT min(public_key) FROM cellscope.projectkey_info WHERE organization_id = $1)",
        org, kSource);
    const Diagnosis d = api.diagnose(id);
    EXPECT_EQ(d.action, RepairAction::Realign);
    EXPECT_EQ(d.realignTo, Step::Switch);
    EXPECT_NE(d.command.find("--apply"), std::string::npos);
    api.repair(id, "key mapping drifted");
    EXPECT_EQ(api.run(id, quiet), Outcome::Done);
    expectMovedOnce(id, 2); // the repair's switch re-applied the mappings; the data stayed put
}

// ---- SIGKILL at every step boundary and inside copy and verify ---------------------------------

namespace {

enum class Then
{
    Resume,
    Cancel,
};

enum class Way
{
    Online,
    Offline,
    OnlineWithWriter, // a concurrent writer for the whole run, so catch-up has changes to apply
};

struct CrashCase
{
    const char* point; // a fault point, "@n" for its n-th pass
    bool beforeSwitch;
    Then then;
    Way way = Way::Online;
};

void PrintTo(const CrashCase& c, std::ostream* out)
{
    *out << c.point << (c.then == Then::Cancel ? ", then cancel" : ", then resume")
         << (c.way == Way::Offline            ? ", offline"
             : c.way == Way::OnlineWithWriter ? ", with a writer"
                                              : "");
}

std::string caseName(const ::testing::TestParamInfo<CrashCase>& info)
{
    std::string name = std::string(info.param.point) +
                       (info.param.then == Then::Cancel ? "_cancel" : "_resume") +
                       (info.param.way == Way::Offline            ? "_offline"
                        : info.param.way == Way::OnlineWithWriter ? "_writer"
                                                                  : "");
    for (char& c : name)
        if (!std::isalnum(static_cast<unsigned char>(c)))
            c = '_';
    return name;
}

class RelocationCrash : public RelocationWorld, public ::testing::WithParamInterface<CrashCase>
{};

} // namespace

TEST_P(RelocationCrash, KilledRunnerLeavesAResumableOrCancellableRelocation)
{
    const CrashCase c = GetParam();
    std::string point = c.point;
    point = point.substr(0, point.find('@'));
    std::optional<Writer> writer;
    if (c.way == Way::OnlineWithWriter)
        writer.emplace(config, org, 7, std::chrono::microseconds(2000));
    {
        std::vector<std::string> args{"--config", settingsFile(),    "relocate", "start",      slug,
                                      "--to",     kTarget,           "--reason", "crash test", "--batch-rows",
                                      "2",        "--drain-seconds", "0"};
        if (c.way == Way::Offline)
            args.emplace_back("--offline");
        test::Child child(args, c.point, CELLCTL_PATH);
        ASSERT_TRUE(child.waitForLine("cellscope-fault: " + point)) << child.output();
        child.killHard();
    }
    const Relocations api(config);
    const std::int64_t id = api.resolve(slug);
    waitForNoRunner(id);
    EXPECT_EQ(api.status(id).relocation.state, State::Running);
    EXPECT_EQ(api.status(id).relocation.online, c.way != Way::Offline);
    EXPECT_EQ(switchesCommitted(id), c.beforeSwitch ? 0 : 1);
    Hook quiet;
    if (c.then == Then::Cancel) {
        api.cancel(id, "undo after crash");
        EXPECT_EQ(api.run(id, quiet), Outcome::Cancelled);
        if (writer) {
            writer->stop();
            expectSameIssues(Writer::issuesIn(config, kSource, org), writer->model());
            before = checksums(kSource);
        }
        expectUntouched(id);
        return;
    }
    if (!c.beforeSwitch) {
        EXPECT_EQ(codeOf([&] { api.cancel(id, "too late"); }), ErrorCode::Conflict);
    }
    const Diagnosis d = api.diagnose(id);
    EXPECT_EQ(d.action, RepairAction::Resume) << d.proposal;
    api.resume(id, "resume after crash");
    EXPECT_EQ(api.run(id, quiet), Outcome::Done);
    if (writer) {
        writer->stop();
        EXPECT_TRUE(writer->errors().empty()) << writer->errors().front();
        expectSameIssues(Writer::issuesIn(config, kTarget, org), writer->model());
        before = checksums(kTarget);
    }
    expectMovedOnce(id);
}

INSTANTIATE_TEST_SUITE_P(
    EveryPoint, RelocationCrash,
    ::testing::Values(
        CrashCase{"preflight.begin", true, Then::Resume}, CrashCase{"preflight.done", true, Then::Cancel},
        CrashCase{"capture.begin", true, Then::Resume}, CrashCase{"capture.done", true, Then::Resume},
        CrashCase{"capture.done", true, Then::Cancel}, CrashCase{"copy.begin", true, Then::Resume},
        CrashCase{"copy.batch_streamed@3", true, Then::Resume},
        CrashCase{"copy.batch_streamed@5", true, Then::Cancel},
        CrashCase{"copy.batch_committed@3", true, Then::Resume},
        CrashCase{"copy.batch_committed@6", true, Then::Cancel},
        CrashCase{"copy.batch_journaled@4", true, Then::Resume}, CrashCase{"copy.done", true, Then::Resume},
        CrashCase{"copy.done", true, Then::Cancel}, CrashCase{"catch_up.begin", true, Then::Resume},
        CrashCase{"catch_up.done", true, Then::Cancel}, CrashCase{"verify.begin", true, Then::Resume},
        CrashCase{"verify.batch_compared@3", true, Then::Resume},
        CrashCase{"verify.batch_compared@5", true, Then::Cancel},
        CrashCase{"verify.batch_journaled@4", true, Then::Resume},
        CrashCase{"verify.done", true, Then::Cancel}, CrashCase{"freeze.begin", true, Then::Resume},
        CrashCase{"freeze.locked", true, Then::Resume}, CrashCase{"freeze.done", true, Then::Resume},
        CrashCase{"freeze.done", true, Then::Cancel}, CrashCase{"settle.begin", true, Then::Resume},
        CrashCase{"catch_up.applied", true, Then::Resume}, CrashCase{"settle.compared", true, Then::Resume},
        CrashCase{"settle.done", true, Then::Cancel}, CrashCase{"switch.begin", true, Then::Resume},
        CrashCase{"switch.before_commit", true, Then::Resume},
        CrashCase{"switch.before_commit", true, Then::Cancel},
        // The target's guard is gone but the switch did not commit: a retried switch counts both cells.
        CrashCase{"switch.target_released", true, Then::Resume},
        CrashCase{"switch.target_released", true, Then::Cancel},
        CrashCase{"switch.stamped", true, Then::Resume}, CrashCase{"switch.done", false, Then::Resume},
        CrashCase{"drain.begin", false, Then::Resume}, CrashCase{"drain.done", false, Then::Resume},
        CrashCase{"unfreeze.begin", false, Then::Resume}, CrashCase{"unfreeze.done", false, Then::Resume},
        CrashCase{"cleanup.begin", false, Then::Resume},
        CrashCase{"cleanup.batch_deleted@3", false, Then::Resume},
        CrashCase{"cleanup.done", false, Then::Resume},
        // With changes flowing: inside catch-up, between the target's commit and the source's.
        CrashCase{"copy.batch_committed@4", true, Then::Resume, Way::OnlineWithWriter},
        CrashCase{"catch_up.applied@1", true, Then::Resume, Way::OnlineWithWriter},
        CrashCase{"catch_up.applied@2", true, Then::Cancel, Way::OnlineWithWriter},
        CrashCase{"verify.batch_compared@3", true, Then::Resume, Way::OnlineWithWriter},
        CrashCase{"freeze.locked", true, Then::Resume, Way::OnlineWithWriter},
        CrashCase{"settle.compared", true, Then::Resume, Way::OnlineWithWriter},
        CrashCase{"settle.compared", true, Then::Cancel, Way::OnlineWithWriter},
        // The offline way keeps its own order.
        CrashCase{"freeze.done", true, Then::Resume, Way::Offline},
        CrashCase{"freeze.done", true, Then::Cancel, Way::Offline},
        CrashCase{"copy.batch_committed@3", true, Then::Resume, Way::Offline},
        CrashCase{"verify.batch_compared@3", true, Then::Resume, Way::Offline},
        CrashCase{"verify.done", true, Then::Cancel, Way::Offline}),
    caseName);

TEST_F(RelocationWorld, KilledDuringCancelTheCancelFinishesLater)
{
    const std::string settings = settingsFile();
    {
        test::Child child({"--config", settings, "relocate", "start", slug, "--to", kTarget, "--reason",
                           "crash test", "--batch-rows", "2", "--drain-seconds", "0"},
                          "copy.batch_committed@6", CELLCTL_PATH);
        ASSERT_TRUE(child.waitForLine("cellscope-fault: copy.batch_committed")) << child.output();
        child.killHard();
    }
    const Relocations api(config);
    const std::int64_t id = api.resolve(slug);
    waitForNoRunner(id);
    {
        test::Child child(
            {"--config", settings, "relocate", "cancel", std::to_string(id), "--reason", "undo"},
            "cancel.batch_deleted@2", CELLCTL_PATH);
        ASSERT_TRUE(child.waitForLine("cellscope-fault: cancel.batch_deleted")) << child.output();
        child.killHard();
    }
    waitForNoRunner(id);
    EXPECT_EQ(api.status(id).relocation.step, Step::Cancel);
    api.cancel(id, "finish the undo");
    Hook quiet;
    EXPECT_EQ(api.run(id, quiet), Outcome::Cancelled);
    expectUntouched(id);
}

// ---- safety against operator actions, every writer, a second runner and the real schema -------

// A relocation that a later relocation of the same organization superseded is history: repairing,
// retrying or resuming it would route the organization to a cell that no longer holds its rows.
TEST_F(RelocationWorld, ASupersededRelocationIsHistoryForEveryAction)
{
    const Relocations api(config);
    Hook quiet;
    const std::int64_t there = api.start(request());
    ASSERT_EQ(api.run(there, quiet), Outcome::Done);
    Request back = request("move it back");
    back.targetCell = kSource;
    const std::int64_t home = api.start(back);
    ASSERT_EQ(api.run(home, quiet), Outcome::Done);
    ASSERT_EQ(routing().orgCell, kSource);

    const Diagnosis d = api.diagnose(there);
    EXPECT_EQ(d.action, RepairAction::None);
    EXPECT_NE(d.proposal.find("relocation " + std::to_string(home)), std::string::npos) << d.proposal;
    EXPECT_TRUE(d.command.empty());
    for (const auto& action : std::vector<std::function<void()>>{
             [&] { api.repair(there, "run the switch again"); }, [&] { api.retry(there, "again"); },
             [&] {
                 api.resume(there, "again");
             }}) {
        const std::string message = messageOf(action);
        EXPECT_NE(message.find("relocation " + std::to_string(home)), std::string::npos) << message;
        EXPECT_EQ(codeOf(action), ErrorCode::Conflict);
    }
    const Status status = api.status(there);
    EXPECT_EQ(status.relocation.supersededBy, home);
    EXPECT_FALSE(judge(Action::MoveBack, status.relocation, false).allowed);
    // The journal's own statements refuse it too, whatever a face decided.
    auto control = db::connect(config.control);
    ControlStore store(*control);
    EXPECT_EQ(codeOf([&] { store.realignStep(there, Step::Switch, "by hand", ""); }), ErrorCode::Conflict);
    EXPECT_EQ(routing().orgCell, kSource);
    EXPECT_EQ(checksums(kSource), before);
    EXPECT_EQ(rowsIn(kTarget), 0);
}

// The switch names the target only while the target holds the verified rows: rows lost there after
// verify make it refuse, inside its transaction, and the mapping stays on the source.
TEST_F(RelocationWorld, TheSwitchRefusesATargetThatLostRowsAfterVerify)
{
    const Relocations api(config);
    std::int64_t id = 0;
    Hook hook;
    // The target keeps the rows to the relocation from the freeze on, offline too: a delete that
    // passes as the relocation (as a bug in it would) gets through, and the switch must notice.
    hook.onState = [&](std::string_view sentence) {
        if (!sentence.starts_with("switching"))
            return;
        const std::string lose = "DELETE FROM sentry_groupedmessage WHERE project_id IN "
                                 "(SELECT id FROM sentry_project WHERE organization_id = $1)";
        auto target = db::connect(config.cellConninfo(kTarget));
        try {
            pqxx::nontransaction(*target).exec_params0(lose, org);
            ADD_FAILURE() << "the offline target let a delete through before the switch";
        } catch (const pqxx::sql_error& e) {
            EXPECT_EQ(e.sqlstate(), "55000") << e.what();
        }
        pqxx::nontransaction tx(*target);
        tx.exec_params1("SELECT set_config('cellscope.relocation', $1, false)", std::to_string(id));
        tx.exec_params0(lose, org);
    };
    Request offline = request();
    offline.offline = true;
    id = api.start(offline);
    EXPECT_EQ(codeOf([&] { api.run(id, hook); }), ErrorCode::Conflict);
    EXPECT_EQ(routing().orgCell, kSource);
    EXPECT_EQ(switchesCommitted(id), 0);
    EXPECT_EQ(api.status(id).relocation.state, State::Failed);
    api.cancel(id, "target lost rows");
    Hook quiet;
    EXPECT_EQ(api.run(id, quiet), Outcome::Cancelled);
    expectUntouched(id);
}

// Online, what verify compared in the target must stay put until the switch: from the capture on,
// the target refuses everyone but the relocation's own sessions, superusers included.
TEST_F(RelocationWorld, AnOnlineTargetRefusesEveryoneButItsRelocationUntilTheSwitch)
{
    const Relocations api(config);
    Hook hook;
    int refused = 0;
    hook.onState = [&](std::string_view sentence) {
        if (!sentence.starts_with("verifying") && !sentence.starts_with("settling"))
            return;
        try {
            pqxx::nontransaction(*db::connect(config.cellConninfo(kTarget)))
                .exec_params0("DELETE FROM sentry_groupedmessage WHERE project_id IN "
                              "(SELECT id FROM sentry_project WHERE organization_id = $1)",
                              org);
        } catch (const pqxx::sql_error& e) {
            EXPECT_EQ(e.sqlstate(), "55000") << e.what();
            ++refused;
        }
    };
    const std::int64_t id = api.start(request());
    EXPECT_EQ(api.run(id, hook), Outcome::Done);
    EXPECT_GE(refused, 2);
    expectMovedOnce(id);
    // Moved: the organization writes in its new cell like any other.
    pqxx::nontransaction(*db::connect(config.cellConninfo(kTarget)))
        .exec_params0("UPDATE sentry_team SET name = name WHERE organization_id = $1", org);
}

// Sentry's own application role writes through the freeze guard without any right on Cellscope's
// schema, whatever its search_path; and it is refused, like everyone, for a frozen organization.
TEST_F(RelocationWorld, AnApplicationRoleWritesNormallyAndIsRefusedOnlyForAFrozenOrg)
{
    const std::string app = m_prefix + "_app";
    {
        auto admin = db::connect(config.cellConninfo(kSource));
        pqxx::nontransaction tx(*admin);
        tx.exec0("CREATE ROLE " + tx.quote_name(app) + " LOGIN");
        tx.exec0("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO " +
                 tx.quote_name(app));
        // A table of the same name earlier on its search_path must not fool the guard.
        tx.exec0("CREATE SCHEMA shadow AUTHORIZATION " + tx.quote_name(app));
        tx.exec0("CREATE TABLE shadow.sentry_project (id bigint, organization_id bigint)");
        tx.exec0("GRANT ALL ON shadow.sentry_project TO " + tx.quote_name(app));
        tx.exec0("ALTER ROLE " + tx.quote_name(app) + " SET search_path = shadow, public");
    }
    std::string conninfo = config.cellConninfo(kSource);
    conninfo.replace(conninfo.find("user=postgres"), 13, "user=" + app);
    auto writer = db::connect(conninfo);
    const std::string issue =
        "(SELECT min(g.id) FROM public.sentry_groupedmessage g JOIN public.sentry_project p "
        "ON p.id = g.project_id WHERE p.organization_id = $1)";
    pqxx::nontransaction(*writer).exec_params0(
        "UPDATE public.sentry_groupedmessage SET times_seen = times_seen + 1 WHERE id = " + issue, org);
    pqxx::nontransaction(*writer).exec_params0("INSERT INTO public.sentry_team (id, organization_id, slug, "
                                               "name) VALUES (777000111, $1, 'app-team', 'x')",
                                               org);
    pqxx::nontransaction(*writer).exec0("DELETE FROM public.sentry_team WHERE id = 777000111");

    CellSession source(kSource, config.cellConninfo(kSource));
    freezeOrganization(source, graph(kSource).tables, org, 4242, "5s");
    try {
        pqxx::nontransaction(*writer).exec_params0(
            "UPDATE public.sentry_groupedmessage SET times_seen = 4242 WHERE id = " + issue, org);
        ADD_FAILURE() << "a write to a frozen organization went through";
    } catch (const pqxx::sql_error& e) {
        EXPECT_EQ(e.sqlstate(), "55000") << e.what();
    }
    unfreezeOrganization(source, graph(kSource).tables, org, 4242, "5s");
}

// A writer whose transaction began before the freeze must not commit a write to the organization
// after it, at every isolation level: its snapshot cannot see the freeze, so the guard makes
// PostgreSQL refuse it (READ COMMITTED reads the freeze afresh).
TEST_F(RelocationWorld, AWriterWhoseSnapshotPredatesTheFreezeCannotCommitAfterIt)
{
    const std::string issue = "(SELECT min(g.id) FROM sentry_groupedmessage g JOIN sentry_project p "
                              "ON p.id = g.project_id WHERE p.organization_id = " +
                              std::to_string(org) + ")";
    auto admin = db::connect(config.cellConninfo(kSource));
    const long seen = pqxx::nontransaction(*admin)
                          .exec("SELECT times_seen FROM sentry_groupedmessage WHERE id = " + issue)[0][0]
                          .as<long>();
    const OrgGraph tables = graph(kSource);
    std::int64_t relocation = 9000;
    for (const std::string isolation : {"READ COMMITTED", "REPEATABLE READ", "SERIALIZABLE"}) {
        auto writer = db::connect(config.cellConninfo(kSource));
        pqxx::nontransaction tx(*writer);
        tx.exec0("BEGIN ISOLATION LEVEL " + isolation);
        tx.exec("SELECT count(*) FROM sentry_groupedmessage"); // the snapshot is taken here
        CellSession source(kSource, config.cellConninfo(kSource));
        freezeOrganization(source, tables.tables, org, ++relocation, "5s");
        bool committed = false;
        try {
            tx.exec0("UPDATE sentry_groupedmessage SET times_seen = 4242 WHERE id = " + issue);
            tx.exec0("COMMIT");
            committed = true;
        } catch (const std::exception& e) {
            // READ COMMITTED: the guard's refusal; the others: a serialization failure (retry).
            const std::string message = e.what();
            EXPECT_TRUE(message.find("is frozen for relocation") != std::string::npos ||
                        message.find("could not serialize") != std::string::npos)
                << isolation << ": " << message;
        }
        EXPECT_FALSE(committed) << isolation << ": the write was acknowledged";
        unfreezeOrganization(source, tables.tables, org, relocation, "5s");
        EXPECT_EQ(pqxx::nontransaction(*admin)
                      .exec("SELECT times_seen FROM sentry_groupedmessage WHERE id = " + issue)[0][0]
                      .as<long>(),
                  seen)
            << isolation;
    }
}

namespace {

// Runs `sql` in both cells of a test, as their owner.
void inBothCells(const db::DatabaseConfig& config, const std::string& sql)
{
    for (const char* cell : {kSource, kTarget}) {
        auto admin = db::connect(config.cellConninfo(cell));
        pqxx::nontransaction(*admin).exec0(sql);
    }
}

// What cellctl db migrate does for the org-scoped tables: guard every one the catalog finds.
void guardBothCells(const db::DatabaseConfig& config)
{
    for (const char* cell : {kSource, kTarget}) {
        CellSession session(cell, config.cellConninfo(cell));
        installFreezeGuards(session, discoverOrgGraph(session, config.orgTables));
    }
}

} // namespace

// A table Cellscope was never told about moves too, because the catalog links it to the organization.
TEST_F(RelocationWorld, AnOrgScopedTableNobodyListedMovesWithTheRest)
{
    inBothCells(config,
                "CREATE TABLE sentry_widget (id bigserial PRIMARY KEY, organization_id bigint NOT NULL "
                "REFERENCES sentry_organization (id), name text)");
    auto source = db::connect(config.cellConninfo(kSource));
    pqxx::nontransaction(*source).exec_params0(
        "INSERT INTO sentry_widget (organization_id, name) SELECT $1, 'w' || n FROM generate_series(1, 3) n",
        org);
    guardBothCells(config);
    before = checksums(kSource);
    ASSERT_EQ(before.at("sentry_widget").first, 3);
    const Relocations api(config);
    const std::int64_t id = api.start(request());
    Hook quiet;
    ASSERT_EQ(api.run(id, quiet), Outcome::Done);
    expectMovedOnce(id);
}

// The generated schema: 150+ tables with foreign-key chains 7 deep, a wide fan of tables hanging off
// one another, a cycle, a self-reference, a composite key, an int4 key, a table without a primary
// key, a link declared in the settings and an excluded table. The plan lists every org-scoped
// table parents first; the relocation moves rows in all of them, checksums equal, the source empty.
TEST_F(RelocationWorld, AGeneratedSchemaOf150TablesMovesEveryOrgScopedRow)
{
    std::string ddl = "CREATE TABLE chain1 (id bigint PRIMARY KEY, project_id bigint NOT NULL REFERENCES "
                      "sentry_project (id), v text);";
    for (int i = 2; i <= 6; ++i)
        ddl += "CREATE TABLE chain" + std::to_string(i) +
               " (id bigint PRIMARY KEY, parent_id bigint NOT NULL "
               "REFERENCES chain" +
               std::to_string(i - 1) + " (id), v text);";
    const char* anchors[] = {"sentry_organization", "sentry_project", "sentry_team", "chain2"};
    for (int i = 1; i <= 140; ++i) {
        const std::string parent = i > 4 && i % 5 == 0 ? "fan" + std::to_string(i - 4) : anchors[i % 4];
        ddl += "CREATE TABLE fan" + std::to_string(i) +
               " (id bigint PRIMARY KEY, parent_id bigint NOT NULL "
               "REFERENCES " +
               parent + " (id), v text);";
    }
    ddl +=
        "CREATE TABLE cycle_a (id bigint PRIMARY KEY, organization_id bigint NOT NULL REFERENCES "
        "sentry_organization (id), b_id bigint);"
        "CREATE TABLE cycle_b (id bigint PRIMARY KEY, a_id bigint NOT NULL REFERENCES cycle_a (id));"
        "ALTER TABLE cycle_a ADD FOREIGN KEY (b_id) REFERENCES cycle_b (id);"
        "CREATE TABLE tree (id bigint PRIMARY KEY, organization_id bigint NOT NULL REFERENCES "
        "sentry_organization (id), parent_id bigint REFERENCES tree (id));"
        "CREATE TABLE composite (project_id bigint NOT NULL REFERENCES sentry_project (id), seq integer, "
        "v text, PRIMARY KEY (project_id, seq));"
        "CREATE TABLE small (id integer PRIMARY KEY, organization_id bigint NOT NULL REFERENCES "
        "sentry_organization (id));"
        "CREATE TABLE no_key (organization_id bigint NOT NULL REFERENCES sentry_organization (id), v text);"
        "CREATE TABLE loose (id bigint PRIMARY KEY, organization_id bigint NOT NULL, v text);"
        "CREATE TABLE audit_trail (id bigint PRIMARY KEY, organization_id bigint NOT NULL, v text);";
    inBothCells(config, ddl);
    config.orgTables.orgColumns.emplace("loose", "organization_id");
    config.orgTables.excluded.insert("audit_trail");
    guardBothCells(config);

    // Rows of the organization in every org-scoped table, parents first, some of another org too.
    auto cell = db::connect(config.cellConninfo(kSource));
    const long other = pqxx::nontransaction(*cell)
                           .exec_params1("SELECT min(id) FROM sentry_organization WHERE id <> $1", org)[0]
                           .as<long>();
    std::string rows =
        "INSERT INTO chain1 SELECT p.id * 10 + n, p.id, 'c' FROM sentry_project p, generate_series(1, 2) n "
        "WHERE p.organization_id = $1;";
    for (int i = 2; i <= 6; ++i)
        rows += "INSERT INTO chain" + std::to_string(i) + " SELECT id * 10 + 1, id, 'c' FROM chain" +
                std::to_string(i - 1) + ";";
    for (int i = 1; i <= 140; ++i) {
        const std::string parent = i > 4 && i % 5 == 0 ? "fan" + std::to_string(i - 4) : anchors[i % 4];
        const std::string of = parent == "sentry_organization" ? "WHERE id = $1"
                               : parent == "sentry_project" || parent == "sentry_team"
                                   ? "WHERE organization_id = $1"
                                   : "";
        rows += "INSERT INTO fan" + std::to_string(i) + " SELECT id * 1000 + " + std::to_string(i) +
                ", id, 'f' FROM " + parent + " " + of + ";";
    }
    rows += "INSERT INTO cycle_a VALUES (1, $1, NULL), (2, $1, NULL);"
            "INSERT INTO cycle_b VALUES (1, 1), (2, 2);"
            "UPDATE cycle_a SET b_id = id;"
            "INSERT INTO tree VALUES (3, $1, NULL), (1, $1, 3), (2, $1, 1);"
            "INSERT INTO composite SELECT id, n, 'x' FROM sentry_project, generate_series(1, 3) n "
            "WHERE organization_id = $1;"
            "INSERT INTO small VALUES (1, $1), (2, $1);"
            "INSERT INTO no_key SELECT $2, 'another organization''s row' WHERE $1::bigint IS NOT NULL;"
            "INSERT INTO loose VALUES (1, $1, 'declared'), (2, $2, 'other');"
            "INSERT INTO audit_trail VALUES (1, $1, 'stays behind');";
    {
        auto source = db::connect(config.cellConninfo(kSource));
        pqxx::work tx(*source);
        for (std::size_t from = 0, end; (end = rows.find(';', from)) != std::string::npos; from = end + 1) {
            const std::string statement = rows.substr(from, end - from);
            if (statement.find("$2") != std::string::npos)
                tx.exec_params0(statement, org, other);
            else if (statement.find("$1") != std::string::npos)
                tx.exec_params0(statement, org);
            else
                tx.exec0(statement);
        }
        tx.commit();
    }

    const Relocations api(config);
    const Plan plan = api.plan(request());
    ASSERT_TRUE(plan.ok()) << plan.firstFailure()->name << ": " << plan.firstFailure()->message;
    EXPECT_GE(plan.tables.size(), 150u);
    EXPECT_EQ(plan.graph.cycles, 1);
    // Parents first: every org-scoped table a table references comes before it, but in a cycle.
    std::map<std::string, std::size_t> position;
    for (std::size_t i = 0; i < plan.tables.size(); ++i)
        position[plan.tables[i].table] = i;
    for (const PlannedTable& table : plan.tables) {
        EXPECT_GT(table.sourceRows + (table.table == "no_key"), 0) << table.table << " holds no rows to move";
        if (!table.spec.parent.empty()) {
            EXPECT_LT(position.at(table.spec.parent), position.at(table.table)) << table.table;
        }
    }
    EXPECT_EQ(plan.graph.find("chain6")->depth, 7);
    EXPECT_TRUE(plan.graph.find("tree")->selfReference);
    EXPECT_GT(plan.graph.find("cycle_b")->cycle, 0);
    EXPECT_FALSE(plan.graph.find("composite")->batched);
    EXPECT_TRUE(plan.graph.find("small")->batched);
    EXPECT_TRUE(plan.graph.find("loose")->declared);
    EXPECT_EQ(plan.graph.find("audit_trail"), nullptr);

    before = checksums(kSource);
    const Checksums otherBefore = checksums(kSource, other);
    const std::int64_t id = api.start(request());
    Hook quiet;
    ASSERT_EQ(api.run(id, quiet), Outcome::Done);
    EXPECT_EQ(checksums(kTarget), before);
    EXPECT_EQ(rowsIn(kSource), 0);
    EXPECT_EQ(checksums(kSource, other), otherBefore);
    EXPECT_EQ(routing().orgCell, kTarget);
    auto source = db::connect(config.cellConninfo(kSource));
    EXPECT_EQ(pqxx::nontransaction(*source).exec("SELECT count(*) FROM audit_trail")[0][0].as<long>(), 1);
}

// Preflight names the table and refuses: rows of the organization in a table without a primary
// key, and in a table that nothing links to the organization.
TEST_F(RelocationWorld, PreflightRefusesRowsThePlanCannotMoveOrDoesNotCover)
{
    inBothCells(config,
                "CREATE TABLE no_key (organization_id bigint NOT NULL REFERENCES sentry_organization (id));"
                "CREATE TABLE orphan_stats (id bigint PRIMARY KEY, organization_id bigint NOT NULL);");
    guardBothCells(config);
    auto source = db::connect(config.cellConninfo(kSource));
    pqxx::nontransaction(*source).exec_params0("INSERT INTO no_key VALUES ($1)", org);
    const Relocations api(config);
    Plan plan = api.plan(request());
    ASSERT_NE(plan.firstFailure(), nullptr);
    EXPECT_EQ(plan.firstFailure()->name, "tables_movable");
    EXPECT_NE(plan.firstFailure()->message.find("no_key"), std::string::npos);
    pqxx::nontransaction(*source).exec_params0("DELETE FROM no_key WHERE organization_id = $1", org);
    pqxx::nontransaction(*source).exec_params0("INSERT INTO orphan_stats VALUES (1, $1)", org);
    plan = api.plan(request());
    ASSERT_NE(plan.firstFailure(), nullptr);
    EXPECT_EQ(plan.firstFailure()->name, "tables_covered");
    EXPECT_NE(plan.firstFailure()->message.find("orphan_stats"), std::string::npos);
    EXPECT_EQ(codeOf([&] { api.start(request()); }), ErrorCode::Conflict);
    EXPECT_EQ(relocationCount(), 0);
}

// After the cleanup the cell an organization left refuses its rows where no foreign key would: in a
// table linked by a declared column, and its own row. A relocation back may load them; once it has
// finished they are welcome again, and a cancelled one leaves the refusal as it was.
TEST_F(RelocationWorld, TheCellAnOrganizationLeftRefusesItsRowsUntilItComesBack)
{
    // A column name that needs quoting: the guard must still find it in every row.
    inBothCells(config, "CREATE TABLE loose (id bigint PRIMARY KEY, \"Org\" bigint NOT NULL, v text);");
    config.orgTables.orgColumns.emplace("loose", "Org");
    guardBothCells(config);
    const long other = [&] {
        auto cell = db::connect(config.cellConninfo(kSource));
        pqxx::nontransaction tx(*cell);
        tx.exec_params0("INSERT INTO loose VALUES (1, $1, 'moves')", org);
        return tx.exec_params1("SELECT min(id) FROM sentry_organization WHERE id <> $1", org)[0].as<long>();
    }();
    // The SQLSTATE of `sql` in `cell` ($1: the organization, $2: the other one); "" when it succeeds.
    const auto stateOf = [&](const char* cell, const std::string& sql) -> std::string {
        auto connection = db::connect(config.cellConninfo(cell));
        try {
            pqxx::nontransaction(*connection).exec_params0(sql, org, other);
            return "";
        } catch (const pqxx::sql_error& e) {
            return e.sqlstate() + ": " + e.what();
        }
    };
    const std::string strayRow =
        "INSERT INTO loose SELECT 100 + count(*), $1::bigint, 'stray' FROM loose WHERE $2::bigint > 0";
    const std::string itsOwnRow = "INSERT INTO sentry_organization (id, name, slug) "
                                  "SELECT $1::bigint, 'again', 'again-' || $2::bigint";
    const Relocations api(config);
    Hook quiet;
    ASSERT_EQ(api.run(api.start(request()), quiet), Outcome::Done);

    std::string state = stateOf(kSource, strayRow);
    EXPECT_EQ(state.substr(0, 5), "55000") << state;
    EXPECT_NE(state.find("left this cell for cell us2"), std::string::npos) << state;
    state = stateOf(kSource, itsOwnRow);
    EXPECT_EQ(state.substr(0, 5), "55000") << state;
    // Elsewhere a foreign key refuses them, and everyone else writes as before.
    state = stateOf(kSource, "INSERT INTO sentry_team (id, organization_id, slug, name) "
                             "SELECT 999999, $1::bigint, 'stray', 'stray' WHERE $2::bigint > 0");
    EXPECT_EQ(state.substr(0, 5), "23503") << state;
    EXPECT_EQ(stateOf(kSource, "INSERT INTO loose SELECT 200, $2::bigint, 'other' WHERE $1::bigint > 0"), "");
    EXPECT_EQ(stateOf(kSource, "UPDATE loose SET v = 'still other' WHERE \"Org\" = $2 AND $1::bigint > 0"),
              "");
    state = stateOf(kSource, "UPDATE loose SET \"Org\" = $1 WHERE \"Org\" = $2");
    EXPECT_EQ(state.substr(0, 5), "55000") << state;
    // Each write meets the freeze guard first, then the departure guard (triggers of one event fire
    // in name order): a statement during the cleanup's handover sees the freeze or the departure.
    {
        auto cell = db::connect(config.cellConninfo(kSource));
        const auto order = pqxx::nontransaction(*cell).exec(
            "SELECT c.relname, string_agg(p.proname, ' ' ORDER BY t.tgname) FROM pg_trigger t "
            "JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_proc p ON p.oid = t.tgfoid "
            "WHERE c.relname IN ('loose', 'sentry_organization') AND t.tgtype & 4 <> 0 "
            "AND p.proname LIKE 'refuse_%' GROUP BY c.relname ORDER BY 1");
        ASSERT_EQ(order.size(), 2u);
        for (const auto& row : order)
            EXPECT_EQ(row[1].as<std::string>(), "refuse_frozen_org_writes refuse_departed_org_rows")
                << row[0].as<std::string>();
    }

    // The preflight wants the departure guard wherever a relocation may leave.
    inBothCells(config, "DROP TRIGGER org_departed_insert ON loose");
    Request back = request("back to us1");
    back.targetCell = kSource;
    Plan plan = api.plan(back);
    ASSERT_NE(plan.firstFailure(), nullptr);
    EXPECT_EQ(plan.firstFailure()->name, "freeze_guard");
    EXPECT_NE(plan.firstFailure()->message.find("loose"), std::string::npos);
    guardBothCells(config);

    const std::int64_t cancelled = startAndStopInTheCopy(back);
    api.cancel(cancelled, "not yet");
    EXPECT_EQ(api.run(cancelled, quiet), Outcome::Cancelled);
    state = stateOf(kSource, strayRow);
    EXPECT_EQ(state.substr(0, 5), "55000") << state;

    // Without cellscope.load_org_rows the way back loads row by row, through both guards.
    {
        auto cell = db::connect(config.cellConninfo(kSource));
        pqxx::nontransaction(*cell).exec0(
            "DROP FUNCTION cellscope.load_org_rows(regclass, bigint, regclass, boolean)");
    }
    EXPECT_FALSE(api.plan(back).online);
    ASSERT_EQ(api.run(api.start(back), quiet), Outcome::Done);
    EXPECT_EQ(routing().orgCell, kSource);
    EXPECT_EQ(stateOf(kSource, strayRow), "");
    state = stateOf(kTarget, strayRow);
    EXPECT_NE(state.find("left this cell for cell us1"), std::string::npos) << state;
    // Back for good, it costs its writes no lookup: the cell forgot the departure.
    for (const char* cell : {kSource, kTarget}) {
        auto connection = db::connect(config.cellConninfo(cell));
        EXPECT_EQ(pqxx::nontransaction(*connection)
                      .exec_params1("SELECT count(*) FROM cellscope.departed_org WHERE organization_id = $1",
                                    org)[0]
                      .as<long>(),
                  cell == kTarget)
            << cell;
    }
}

// A declared link must name an integer column holding the organization's id: the guards compare
// it with one, so anything else is refused where the settings are read, before any guard is set.
TEST_F(RelocationWorld, ADeclaredLinkNeedsAnIntegerColumnThatExists)
{
    inBothCells(config, "CREATE TABLE tagged (id bigint PRIMARY KEY, org_ref text, org_id integer);");
    const auto refusal = [&](const char* column) {
        db::DatabaseConfig declared = config;
        declared.orgTables.orgColumns.emplace("tagged", column);
        EXPECT_EQ(codeOf([&] { guardBothCells(declared); }), ErrorCode::BadInput) << column;
        return messageOf([&] { Relocations(declared).plan(request()); });
    };
    EXPECT_NE(refusal("org_ref").find("tagged:org_ref"), std::string::npos);
    EXPECT_NE(refusal("org_ref").find("that column is text"), std::string::npos);
    EXPECT_NE(refusal("nope").find("has no column nope"), std::string::npos);
    config.orgTables.orgColumns.emplace("tagged", "org_id");
    guardBothCells(config);
    auto source = db::connect(config.cellConninfo(kSource));
    EXPECT_EQ(pqxx::nontransaction(*source)
                  .exec("SELECT count(*) FROM pg_trigger WHERE tgrelid = 'tagged'::regclass "
                        "AND tgname LIKE 'org_departed_%'")[0][0]
                  .as<long>(),
              2);
}

// A runner whose control connection dies mid-copy stops; a second runner takes over at once and
// finishes; the first, waking up, finds its lease gone and does nothing more.
TEST_F(RelocationWorld, ARunnerThatLostItsControlConnectionStopsAndASecondOneFinishes)
{
    test::Child first({"--config", settingsFile(), "relocate", "start", slug, "--to", kTarget, "--reason",
                       "lease test", "--batch-rows", "2", "--drain-seconds", "0"},
                      "copy.batch_committed@3~3", CELLCTL_PATH);
    ASSERT_TRUE(first.waitForLine("cellscope-fault: copy.batch_committed")) << first.output();
    const Relocations api(config);
    const std::int64_t id = api.resolve(slug);
    auto control = db::connect(config.control);
    ControlStore store(*control);
    const auto pid = store.runnerPid(id);
    ASSERT_TRUE(pid);
    pqxx::nontransaction(*control).exec("SELECT pg_terminate_backend(" + std::to_string(*pid) + ")");
    waitForNoRunner(id);
    Hook quiet;
    EXPECT_EQ(api.run(id, quiet), Outcome::Done);
    first.waitForLine("never printed", std::chrono::seconds(10)); // until the first one has exited
    expectMovedOnce(id);
    EXPECT_EQ(controlCount("SELECT count(*) FROM cellscope.relocation_step WHERE relocation_id = $1 "
                           "AND outcome = 'failed'",
                           id),
              0);
}

// Fencing: a runner whose connection came back (without its lock) may not write the journal.
TEST_F(RelocationWorld, AJournalWriteWithoutTheLeaseIsRefused)
{
    const Relocations api(config);
    const std::int64_t id = api.start(request());
    auto first = db::connect(config.control);
    ControlStore a(*first);
    ASSERT_TRUE(a.tryLock(id));
    a.takeLease(id, "first");
    EXPECT_NO_THROW(a.checkpoint(id));
    a.unlock(id); // as if its connection were reopened: the lock is gone
    EXPECT_EQ(codeOf([&] { a.checkpoint(id); }), ErrorCode::Conflict);
    auto second = db::connect(config.control);
    ControlStore b(*second);
    ASSERT_TRUE(b.tryLock(id));
    b.takeLease(id, "second");
    ASSERT_TRUE(a.tryLock(id) == false);
    EXPECT_EQ(codeOf([&] { a.beginStep(id, Step::Preflight, "first"); }), ErrorCode::Conflict);
    EXPECT_NO_THROW(b.checkpoint(id));
}

// Two relocations freezing in one cell while a third copies into it: all finish, none deadlocks.
TEST_F(RelocationWorld, RelocationsFreezingAndCopyingInOneCellAtOnceAllFinish)
{
    setenv("CELLSCOPE_RELOCATION_FAULT", "freeze.locked~1", 1); // every freeze holds its locks a second
    auto source = db::connect(config.cellConninfo(kSource));
    auto target = db::connect(config.cellConninfo(kTarget));
    const auto second = pqxx::nontransaction(*source).exec_params1(
        "SELECT slug FROM sentry_organization WHERE status = 0 AND id <> $1 ORDER BY id LIMIT 1", org);
    const auto third = pqxx::nontransaction(*target).exec(
        "SELECT slug FROM sentry_organization WHERE status = 0 ORDER BY id LIMIT 1");
    ASSERT_FALSE(third.empty());
    std::vector<Request> requests{request(), request(), request()};
    requests[1].org = second[0].as<std::string>();
    requests[2].org = third[0][0].as<std::string>();
    requests[2].targetCell = kSource;
    const Relocations api(config);
    std::vector<std::future<Outcome>> runs;
    for (const Request& r : requests)
        runs.push_back(std::async(std::launch::async, [&, r] {
            Hook quiet;
            return api.run(api.start(r), quiet);
        }));
    for (auto& run : runs)
        EXPECT_EQ(run.get(), Outcome::Done);
    unsetenv("CELLSCOPE_RELOCATION_FAULT");
}

// The product cellctl has no fault hook: the variable cannot stall a real relocation, and it says so.
TEST_F(RelocationWorld, TheProductCellctlIgnoresTheFaultHook)
{
    test::Child child({"--config", settingsFile(), "relocate", "start", slug, "--to", kTarget, "--reason",
                       "product", "--batch-rows", "2", "--drain-seconds", "0"},
                      "copy.begin", CELLCTL_PRODUCT_PATH);
    EXPECT_TRUE(
        child.waitForLine("cellscope: CELLSCOPE_RELOCATION_FAULT is ignored: fault points act only in "
                          "test builds"))
        << child.output();
    EXPECT_FALSE(child.waitForLine("cellscope-fault: copy.begin", std::chrono::seconds(30)))
        << child.output();
    expectMovedOnce(Relocations(config).resolve(slug));
}

// ---- status, without a database -----------------------------------------------------------------

TEST(RelocationStatus, SentenceRateAndEtaCountFinishedTablesToo)
{
    Relocation r;
    r.id = 7;
    r.orgSlug = "acme";
    r.sourceCell = "us1";
    r.targetCell = "us2";
    r.state = State::Running;
    r.step = Step::Copy;
    r.drainSeconds = 65;
    r.runner = "pid 42 on host";
    std::vector<TableProgress> tables(2);
    tables[0].table = "sentry_team";
    tables[0].plannedRows = 100;
    tables[0].copiedRows = 100;
    tables[0].copySeconds = 1.0;
    tables[0].copied = true;
    tables[1].table = "sentry_groupedmessage";
    tables[1].plannedRows = 900;
    tables[1].copiedRows = 300;
    tables[1].copySeconds = 3.0;
    const Status s = describe(r, tables, std::nullopt, true);
    EXPECT_EQ(s.plannedRows, 1000);
    EXPECT_EQ(s.copiedRows, 400);
    ASSERT_TRUE(s.copyRowsPerSecond);
    EXPECT_DOUBLE_EQ(*s.copyRowsPerSecond, 100.0);
    // 600 rows to copy at 100/s, 1000 to verify and 1000 to clean at the same rate, and the drain.
    ASSERT_TRUE(s.etaSeconds);
    EXPECT_DOUBLE_EQ(*s.etaSeconds, 6.0 + 10.0 + 10.0 + 65.0);
    EXPECT_EQ(s.sentence,
              "Relocation 7 of acme from us1 to us2 is copying: 400 of 1,000 rows (40%) at 100 rows/s, "
              "about 1 min 31 s left; run by pid 42 on host.");
    EXPECT_NE(std::find(s.nextSteps.begin(), s.nextSteps.end(), "cellctl relocate cancel 7 --reason '…'"),
              s.nextSteps.end());

    r.step = Step::Drain;
    const Status late = describe(r, tables, std::nullopt, false);
    EXPECT_NE(late.sentence.find("with no process running it"), std::string::npos) << late.sentence;
    EXPECT_EQ(std::count_if(late.nextSteps.begin(), late.nextSteps.end(),
                            [](const std::string& step) { return step.find("cancel") != std::string::npos; }),
              0);
}
