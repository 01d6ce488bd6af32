// Relocation figures: moves an organization holding a million rows (--issues) back and forth between
// us1 and us2, online and offline in turn, while a writer does --writes-per-second inserts, updates
// and deletes across its tables in the cell the mapping names; prints per mode the medians over
// --runs of the write freeze (freeze to the switch's commit), the copy rate and the whole relocation
// (plan to done; the drain wait is 0), next to the time psql takes to pipe the same rows
// (psql -c "\copy (…) TO STDOUT" | psql -c "\copy … FROM STDIN", table by table), the writer's
// committed, refused and lost writes, and the peak RSS.
// Usage: bench_relocation --server CONNINFO [--issues N] [--batch-rows N] [--writes-per-second N]
//                         [--writers N] [--runs N] [--online-only] [--keep]
// CONNINFO names a PostgreSQL server on which the bench may create databases bench_reloc_*
// (tests/bench/relocation.sh starts a throwaway one).
#include "core/db/database.h"
#include "core/demo/demo_world.h"
#include "core/demo/seed.h"
#include "core/relocation/relocations.h"
#include "core/relocation/text.h"
#include "core/util/error.h"

#include <pqxx/pqxx>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <thread>
#include <vector>

using namespace cellscope;
using namespace cellscope::relocation;

namespace {

constexpr const char* kPrefix = "bench_reloc";
constexpr const char* kSource = "us1";
constexpr const char* kTarget = "us2";

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start)
{
    return std::chrono::duration<double>(Clock::now() - start).count();
}

// Peak resident set size of this process since the last reset, in MiB (Linux).
double peakRssMiB()
{
    std::ifstream status("/proc/self/status");
    for (std::string line; std::getline(status, line);)
        if (line.starts_with("VmHWM:"))
            return std::stod(line.substr(6)) / 1024.0;
    return 0;
}

void resetPeakRss()
{
    std::ofstream("/proc/self/clear_refs") << "5";
}

std::string bound(std::string_view filter, std::int64_t org)
{
    std::string sql(filter);
    for (auto at = sql.find("$1"); at != std::string::npos; at = sql.find("$1", at))
        sql.replace(at, 2, std::to_string(org));
    return sql;
}

double median(std::vector<double> values)
{
    std::sort(values.begin(), values.end());
    return values.empty() ? 0 : values[values.size() / 2];
}

// The organization's application, writing at a steady rate to the cell its mapping names:
// issues inserted, updated and deleted, teams and projects renamed. It remembers the last state it
// saw committed of every issue it touched, to count lost writes afterwards.
class Writer
{
public:
    // Writer `index` of `count` updates only its share of the million, so each knows the last
    // message of every issue it touched.
    Writer(const db::DatabaseConfig& config, std::int64_t org, std::int64_t issues, double perSecond,
           int index, int count)
        : m_config(config), m_org(org), m_issues(issues), m_interval(1.0 / perSecond), m_index(index),
          m_count(count), m_next(static_cast<std::int64_t>(index) * 1000000000),
          m_random(42 + static_cast<unsigned>(index))
    {
        auto control = db::connect(config.control);
        m_cell =
            pqxx::nontransaction(*control)
                .exec_params1("SELECT region_name FROM sentry_organizationmapping WHERE organization_id = $1",
                              org)[0]
                .as<std::string>();
        auto cell = db::connect(config.cellConninfo(m_cell));
        pqxx::nontransaction tx(*cell);
        for (const auto& row :
             tx.exec_params("SELECT id FROM sentry_project WHERE organization_id = $1 ORDER BY id", org))
            m_projects.push_back(row[0].as<std::int64_t>());
        for (const auto& row :
             tx.exec_params("SELECT id FROM sentry_team WHERE organization_id = $1 ORDER BY id", org))
            m_teams.push_back(row[0].as<std::int64_t>());
    }
    ~Writer() { stop(); }

    void start()
    {
        m_stop = false;
        m_committed = 0;
        m_refused = 0;
        m_started = Clock::now();
        m_thread = std::thread([this] { loop(); });
    }
    void stop()
    {
        m_stop = true;
        if (m_thread.joinable())
            m_thread.join();
        m_seconds = secondsSince(m_started);
    }
    long committed() const { return m_committed; }
    long refused() const { return m_refused; }
    double rate() const { return static_cast<double>(m_committed) / m_seconds; }
    std::vector<std::string> errors() const { return m_errors; }

    // Issues whose last committed state differs in `cell` (the cell the mapping names).
    long lost(const std::string& cell)
    {
        auto c = db::connect(m_config.cellConninfo(cell));
        pqxx::nontransaction tx(*c);
        long lost = 0;
        for (const auto& [id, message] : m_touched) {
            const auto row = tx.exec_params("SELECT message FROM sentry_groupedmessage WHERE id = $1", id);
            const std::optional<std::string> there =
                row.empty() ? std::nullopt : std::optional<std::string>(row[0][0].as<std::string>());
            lost += there != message;
        }
        return lost;
    }

private:
    void loop()
    {
        std::unique_ptr<pqxx::connection> control;
        std::map<std::string, std::unique_ptr<pqxx::connection>> cells;
        auto due = Clock::now();
        // Like a router's cache: the mapping is read again every 100 ms, and at once after a refusal.
        std::string cell;
        auto mappingRead = Clock::time_point();
        while (!m_stop) {
            due += std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(m_interval));
            try {
                if (!control)
                    control = db::connect(m_config.control);
                if (cell.empty() || Clock::now() - mappingRead > std::chrono::milliseconds(100)) {
                    cell = pqxx::nontransaction(*control)
                               .exec_params1("SELECT region_name FROM sentry_organizationmapping "
                                             "WHERE organization_id = $1",
                                             m_org)[0]
                               .as<std::string>();
                    mappingRead = Clock::now();
                }
                auto& connection = cells[cell];
                if (!connection)
                    connection = db::connect(m_config.cellConninfo(cell));
                if (!writeOnce(*connection))
                    cell.clear();
            } catch (const std::exception& e) {
                if (m_errors.size() < 10)
                    m_errors.emplace_back(e.what());
                control.reset();
                cells.clear();
                cell.clear();
            }
            // A writer that fell behind (blocked by a freeze's lock) does not burst to catch up.
            due = std::max(due, Clock::now() - std::chrono::milliseconds(50));
            std::this_thread::sleep_until(due);
        }
    }

    // False when the write was refused (the organization is frozen where it went).
    bool writeOnce(pqxx::connection& connection)
    {
        const int op = static_cast<int>(m_random() % 20);
        const std::string message = "bench write " + std::to_string(m_random());
        try {
            pqxx::work tx(connection);
            std::optional<std::pair<std::int64_t, std::optional<std::string>>> issue;
            if (op < 8 || m_inserted.empty()) {
                const std::int64_t id = 7000000000000 + m_next++;
                tx.exec_params0(
                    "INSERT INTO sentry_groupedmessage (id, project_id, message) VALUES ($1, $2, $3)", id,
                    m_projects[m_random() % m_projects.size()], message);
                issue.emplace(id, message);
            } else if (op < 14) {
                // an issue of the million, or one this writer added
                const std::int64_t id =
                    op < 11 ? 5000000000001 +
                                  static_cast<std::int64_t>(m_random() % (m_issues / m_count)) * m_count +
                                  (m_index - 1)
                            : m_inserted[m_random() % m_inserted.size()];
                if (tx.exec_params(
                          "UPDATE sentry_groupedmessage SET message = $2, times_seen = times_seen + 1 "
                          "WHERE id = $1",
                          id, message)
                        .affected_rows() == 1)
                    issue.emplace(id, message);
            } else if (op < 17) {
                const std::size_t at = m_random() % m_inserted.size();
                tx.exec_params0("DELETE FROM sentry_groupedmessage WHERE id = $1", m_inserted[at]);
                issue.emplace(m_inserted[at], std::nullopt);
            } else if (op < 19) {
                tx.exec_params0("UPDATE sentry_team SET name = $2 WHERE id = $1",
                                m_teams[m_random() % m_teams.size()], message.substr(0, 60));
            } else {
                tx.exec_params0("UPDATE sentry_project SET name = $2 WHERE id = $1",
                                m_projects[m_random() % m_projects.size()], message.substr(0, 60));
            }
            tx.commit();
            ++m_committed;
            if (issue) {
                if (!issue->second)
                    m_inserted.erase(std::find(m_inserted.begin(), m_inserted.end(), issue->first));
                else if (issue->first >= 7000000000000 &&
                         std::find(m_inserted.begin(), m_inserted.end(), issue->first) == m_inserted.end())
                    m_inserted.push_back(issue->first);
                m_touched[issue->first] = issue->second;
            }
            return true;
        } catch (const pqxx::sql_error& e) {
            if (e.sqlstate() != "55000")
                throw;
            ++m_refused;
            return false;
        }
    }

    const db::DatabaseConfig& m_config;
    const std::int64_t m_org;
    const std::int64_t m_issues;
    const double m_interval;
    const int m_index;
    const int m_count;
    std::string m_cell;
    std::vector<std::int64_t> m_projects;
    std::vector<std::int64_t> m_teams;
    std::vector<std::int64_t> m_inserted;
    std::map<std::int64_t, std::optional<std::string>> m_touched;
    std::int64_t m_next;
    std::mt19937_64 m_random;
    std::atomic<long> m_committed{0};
    std::atomic<long> m_refused{0};
    std::vector<std::string> m_errors;
    std::atomic<bool> m_stop{false};
    Clock::time_point m_started;
    double m_seconds = 1;
    std::thread m_thread;
};

class Progress : public Observer
{
public:
    void stateChanged(std::string_view sentence) override { std::cerr << "  " << sentence << '\n'; }
};

} // namespace

int main(int argc, char** argv)
{
    std::string server;
    std::int64_t issues = 1000000;
    std::int64_t batchRows = kDefaultBatchRows;
    double writesPerSecond = 700;
    int writerCount = 2;
    bool onlineOnly = false;
    int runs = 3;
    bool keep = false;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--server" && i + 1 < argc)
            server = argv[++i];
        else if (arg == "--issues" && i + 1 < argc)
            issues = std::atoll(argv[++i]);
        else if (arg == "--batch-rows" && i + 1 < argc)
            batchRows = std::atoll(argv[++i]);
        else if (arg == "--writes-per-second" && i + 1 < argc)
            writesPerSecond = std::atof(argv[++i]);
        else if (arg == "--online-only")
            onlineOnly = true;
        else if (arg == "--writers" && i + 1 < argc)
            writerCount = std::atoi(argv[++i]);
        else if (arg == "--runs" && i + 1 < argc)
            runs = std::atoi(argv[++i]);
        else if (arg == "--keep")
            keep = true;
        else {
            std::cerr << "usage: bench_relocation --server CONNINFO [--issues N] [--batch-rows N] "
                         "[--writes-per-second N] [--writers N] [--runs N] [--online-only] [--keep]\n";
            return 2;
        }
    }
    if (server.empty()) {
        std::cerr << "bench_relocation: give --server CONNINFO\n";
        return 2;
    }
    try {
        db::DatabaseConfig config;
        config.control = db::withDatabase(server, std::string(kPrefix) + "_control");
        for (const auto& cell : demo::demoCells())
            config.cells.emplace(cell.name, db::withDatabase(server, std::string(kPrefix) + "_" + cell.name));
        auto dropAll = [&] {
            auto admin = db::connect(db::withDatabase(server, "postgres"));
            pqxx::nontransaction tx(*admin);
            for (const auto& row : tx.exec_params("SELECT datname FROM pg_database WHERE datname LIKE $1",
                                                  std::string(kPrefix) + "\\_%"))
                tx.exec0("DROP DATABASE " + tx.quote_name(row[0].as<std::string>()) + " WITH (FORCE)");
        };
        dropAll();
        db::ensureDatabase(config.control);
        std::cerr << "seeding a demo world of 200 organizations…\n";
        demo::seedDemoWorld(config, {42, 200});

        // The organization to move: the first active one in us1, given `issues` more issues.
        const std::string sourceInfo = config.cellConninfo(kSource);
        const std::string targetInfo = config.cellConninfo(kTarget);
        std::int64_t org = 0;
        {
            auto source = db::connect(sourceInfo);
            pqxx::nontransaction tx(*source);
            org = tx.exec1("SELECT min(o.id) FROM sentry_organization o WHERE o.status = 0 AND EXISTS "
                           "(SELECT 1 FROM sentry_project p WHERE p.organization_id = o.id)")[0]
                      .as<std::int64_t>();
            std::cerr << "adding " << groupedNumber(issues) << " issues to organization " << org << "…\n";
            tx.exec_params0(
                "INSERT INTO sentry_groupedmessage (id, project_id, message, culprit, level, status, "
                "times_seen, first_seen, last_seen) "
                "SELECT 5000000000000 + g, p.ids[1 + g % cardinality(p.ids)], "
                "'TypeError: Cannot read properties of undefined (reading ''id'') #' || g, "
                "'app/views/checkout.py in handle', 40, g % 3, 1 + g % 5000, "
                "now() - (g % 86400) * interval '1 second', now() "
                "FROM generate_series(1, $2) AS g, "
                "(SELECT array_agg(id ORDER BY id) AS ids FROM sentry_project WHERE organization_id = $1) p",
                org, issues);
            tx.exec0("VACUUM ANALYZE");
        }
        // What the freeze guard (and its change capture) costs a cell when no relocation runs: the
        // same single-row updates, each its own transaction, with and without its triggers.
        double guardedMicros = 0;
        double bareMicros = 0;
        {
            auto source = db::connect(sourceInfo);
            pqxx::nontransaction tx(*source);
            source->prepare("touch",
                            "UPDATE sentry_groupedmessage SET times_seen = times_seen + 1 WHERE id = $1");
            auto writes = [&] {
                const auto started = Clock::now();
                for (std::int64_t i = 0; i < 20000; ++i)
                    tx.exec_prepared("touch", 5000000000001 + (i * 7919) % issues);
                return secondsSince(started) / 20000 * 1e6;
            };
            writes(); // warm
            for (int round = 0; round < 3; ++round) {
                guardedMicros += writes() / 3;
                tx.exec0("ALTER TABLE sentry_groupedmessage DISABLE TRIGGER USER");
                bareMicros += writes() / 3;
                tx.exec0("ALTER TABLE sentry_groupedmessage ENABLE TRIGGER USER");
            }
        }
        const Relocations api(config);
        Request request;
        request.org = std::to_string(org);
        request.targetCell = kTarget;
        request.reason = "benchmark";
        request.batchRows = batchRows;
        request.drainSeconds = 0;
        const Plan plan = api.plan(request);
        if (!plan.ok()) {
            std::cerr << "bench_relocation: the plan fails: " << plan.firstFailure()->message << '\n';
            return 1;
        }

        // Baseline: psql pipes the same rows, table by table in the declared order.
        std::cerr << "piping " << groupedNumber(plan.totalRows) << " rows with psql \\copy…\n";
        setenv("BENCH_SOURCE", sourceInfo.c_str(), 1);
        setenv("BENCH_TARGET", targetInfo.c_str(), 1);
        const auto piping = Clock::now();
        for (const PlannedTable& planned : plan.tables) {
            const OrgTable& table = planned.spec;
            const std::string out = "\\copy (SELECT * FROM " + table.sqlName + " WHERE " +
                                    bound(table.orgFilter, org) + ") TO STDOUT";
            const std::string in = "\\copy " + table.sqlName + " FROM STDIN";
            setenv("BENCH_OUT", out.c_str(), 1);
            setenv("BENCH_IN", in.c_str(), 1);
            if (std::system(
                    "bash -c 'set -o pipefail; psql -X -q -v ON_ERROR_STOP=1 \"$BENCH_SOURCE\" -c "
                    "\"$BENCH_OUT\" | psql -X -q -v ON_ERROR_STOP=1 \"$BENCH_TARGET\" -c \"$BENCH_IN\"'") !=
                0) {
                std::cerr << "bench_relocation: the psql pipe failed for " << table.name << '\n';
                return 1;
            }
        }
        const double pipeSeconds = secondsSince(piping);
        {
            // Take the baseline's copy away again, so the relocation finds a clean target.
            auto target = db::connect(targetInfo);
            pqxx::nontransaction tx(*target);
            for (auto t = plan.tables.rbegin(); t != plan.tables.rend(); ++t)
                tx.exec_params0("DELETE FROM " + t->spec.sqlName + " WHERE " + t->spec.orgFilter, org);
            tx.exec0("VACUUM ANALYZE");
        }

        // Online and offline in turn, each move going back to the other cell, with the writer on.
        struct Figures
        {
            std::vector<double> freeze, copyRate, total, writerRate;
            long committed = 0, refused = 0, lost = 0;
            double peak = 0;
        };
        std::map<std::string, Figures> figures;
        std::map<std::string, std::map<std::string, std::vector<double>>> stepFigures;
        // Writers in parallel, as an application has many: one connection alone cannot reach the
        // rate on a busy two-core machine.
        std::vector<std::unique_ptr<Writer>> writers;
        for (int w = 0; w < writerCount; ++w)
            writers.push_back(std::make_unique<Writer>(config, org, issues, writesPerSecond / writerCount,
                                                       w + 1, writerCount));
        std::string from = kSource;
        std::string to = kTarget;
        for (int run = 0; run < runs; ++run)
            for (const bool online : {true, false}) {
                if (!online && onlineOnly)
                    continue;
                const std::string mode = online ? "online" : "offline";
                std::cerr << "relocating " << mode << " from " << from << " to " << to << " (run " << run + 1
                          << ")…\n";
                {
                    for (const std::string& cell : {from, to}) {
                        auto c = db::connect(config.cellConninfo(cell));
                        pqxx::nontransaction(*c).exec0("VACUUM ANALYZE");
                    }
                }
                Request move = request;
                move.targetCell = to;
                move.offline = !online;
                resetPeakRss();
                for (auto& writer : writers)
                    writer->start();
                std::this_thread::sleep_for(std::chrono::seconds(1));
                Progress progress;
                const auto relocating = Clock::now();
                const std::int64_t id = api.start(move);
                const Outcome outcome = api.run(id, progress);
                const double relocationSeconds = secondsSince(relocating);
                std::this_thread::sleep_for(std::chrono::seconds(1));
                for (auto& writer : writers)
                    writer->stop();
                if (outcome != Outcome::Done) {
                    std::cerr << "bench_relocation: the relocation ended early\n";
                    return 1;
                }
                const Status status = api.status(id);
                std::map<std::string, double> stepSeconds;
                for (const StepRecord& s : api.history(id).steps)
                    stepSeconds[s.step] += s.finishedAt.value_or(s.startedAt) - s.startedAt;
                Figures& f = figures[mode];
                f.freeze.push_back(status.freezeSeconds.value_or(0));
                f.copyRate.push_back(static_cast<double>(status.copiedRows) / stepSeconds["copy"]);
                f.total.push_back(relocationSeconds);
                double rate = 0;
                long committed = 0;
                long refused = 0;
                for (auto& writer : writers) {
                    rate += writer->rate();
                    committed += writer->committed();
                    refused += writer->refused();
                    f.lost += writer->lost(to);
                    for (const std::string& error : writer->errors())
                        std::cerr << "  writer: " << error << '\n';
                }
                f.writerRate.push_back(rate);
                f.committed += committed;
                f.refused += refused;
                f.peak = std::max(f.peak, peakRssMiB());
                for (const auto& [step, seconds] : stepSeconds)
                    stepFigures[mode][step].push_back(seconds);
                std::cerr << "  write freeze " << status.freezeSeconds.value_or(0) << " s, writers "
                          << committed << " committed, " << refused << " refused, " << rate << " writes/s\n";
                std::swap(from, to);
            }

        std::cout << std::fixed << std::setprecision(3);
        std::cout << "\nRelocation of organization " << org << " (" << groupedNumber(plan.totalRows)
                  << " rows in " << plan.tables.size() << " tables, batch " << groupedNumber(batchRows)
                  << " rows) between " << kSource << " and " << kTarget << ", medians of " << runs
                  << " runs per mode, " << writerCount << " writers at " << writesPerSecond
                  << " writes/s in all, throughout\n\n";
        std::cout << "  figure                           online        offline       baseline / target\n";
        auto line = [&](const char* name, double online, double offline, const std::string& note) {
            std::cout << "  " << std::left << std::setw(32) << name << std::right << std::setw(10) << online
                      << "    " << std::setw(10) << offline << "    " << note << '\n';
        };
        const Figures& on = figures["online"];
        const Figures& off = figures["offline"];
        line("write freeze (s)", median(on.freeze), median(off.freeze), "online <= 1 s");
        line("copy throughput (krows/s)", median(on.copyRate) / 1000, median(off.copyRate) / 1000, "");
        line("whole relocation (s)", median(on.total), median(off.total),
             "psql pipe " + std::to_string(pipeSeconds).substr(0, 5) + " s");
        line("ratio to the psql pipe", median(on.total) / pipeSeconds, median(off.total) / pipeSeconds, "");
        line("writer rate (writes/s)", median(on.writerRate), median(off.writerRate),
             ">= 500 writes/s asked: " + std::to_string(static_cast<int>(writesPerSecond)));
        line("writes committed", static_cast<double>(on.committed), static_cast<double>(off.committed), "");
        line("writes refused", static_cast<double>(on.refused), static_cast<double>(off.refused), "");
        line("writes lost", static_cast<double>(on.lost), static_cast<double>(off.lost), "0");
        line("peak RSS (MiB)", on.peak, off.peak, "");
        std::cout << "\n  an idle cell's write with the guard (no relocation running): " << guardedMicros
                  << " us, without its triggers " << bareMicros << " us (" << guardedMicros / bareMicros
                  << "x; single-row updates, each its own transaction, mean of 3 x 20,000)\n";
        for (const auto& [mode, steps] : stepFigures) {
            std::cout << "\n  " << mode << " steps (median s):";
            for (const auto& [step, seconds] : steps)
                std::cout << ' ' << step << ' ' << median(seconds) << ';';
        }
        std::cout << "\n  (the drain wait is 0 here; in production it adds the configured 65 s)\n";
        if (!keep)
            dropAll();
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "bench_relocation: " << e.what() << '\n';
        return 1;
    }
}
