// Relocation figures: relocates an organization holding at least a million rows from us1 to us2 and
// prints, side by side with their baselines, the copy rate, the whole relocation (plan to done; the
// drain wait is set to 0, so it is excluded), the time psql takes to pipe the same rows
// (psql -c "\copy (…) TO STDOUT" | psql -c "\copy … FROM STDIN", table by table), and the peak RSS
// of the relocation.
// Usage: bench_relocation --server CONNINFO [--issues N] [--batch-rows N] [--keep]
// CONNINFO names a PostgreSQL server on which the bench may create databases bench_reloc_*
// (tests/bench/relocation.sh starts a throwaway one).
#include "core/db/database.h"
#include "core/demo/demo_world.h"
#include "core/demo/seed.h"
#include "core/relocation/relocations.h"
#include "core/relocation/text.h"
#include "core/util/error.h"

#include <pqxx/pqxx>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>

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
    bool keep = false;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--server" && i + 1 < argc)
            server = argv[++i];
        else if (arg == "--issues" && i + 1 < argc)
            issues = std::atoll(argv[++i]);
        else if (arg == "--batch-rows" && i + 1 < argc)
            batchRows = std::atoll(argv[++i]);
        else if (arg == "--keep")
            keep = true;
        else {
            std::cerr << "usage: bench_relocation --server CONNINFO [--issues N] [--batch-rows N] [--keep]\n";
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

        std::cerr << "relocating…\n";
        resetPeakRss();
        Progress progress;
        const auto relocating = Clock::now();
        const std::int64_t id = api.start(request);
        const Outcome outcome = api.run(id, progress);
        const double relocationSeconds = secondsSince(relocating);
        const double peak = peakRssMiB();
        if (outcome != Outcome::Done) {
            std::cerr << "bench_relocation: the relocation ended early\n";
            return 1;
        }
        const History history = api.history(id);
        const Status status = api.status(id);
        std::map<std::string, double> stepSeconds;
        for (const StepRecord& s : history.steps)
            stepSeconds[s.step] += s.finishedAt.value_or(s.startedAt) - s.startedAt;
        const double copyRate = static_cast<double>(status.copiedRows) / stepSeconds["copy"];

        std::cout << std::fixed << std::setprecision(2);
        std::cout << "\nRelocation of organization " << org << " from " << kSource << " to " << kTarget
                  << ": " << groupedNumber(status.copiedRows) << " rows in " << status.tables.size()
                  << " tables (batch " << groupedNumber(batchRows) << " rows)\n\n";
        std::cout << "  figure                                   measured        target\n";
        std::cout << "  copy throughput (copy step)              " << std::setw(9)
                  << groupedNumber(static_cast<std::int64_t>(copyRate)) << " rows/s   >= 500,000 rows/s\n";
        std::cout << "  whole relocation, plan to done           " << std::setw(9) << relocationSeconds
                  << " s        <= 2 x psql pipe = " << 2 * pipeSeconds << " s\n";
        std::cout << "  psql \\copy pipe of the same rows         " << std::setw(9) << pipeSeconds
                  << " s        (baseline)\n";
        std::cout << "  ratio relocation / psql pipe             " << std::setw(9)
                  << relocationSeconds / pipeSeconds << "          <= 2\n";
        std::cout << "  peak RSS during the relocation           " << std::setw(9) << peak
                  << " MiB      < 200 MiB\n\n";
        std::cout << "  steps:";
        for (const char* step :
             {"preflight", "freeze", "copy", "verify", "switch", "drain", "unfreeze", "cleanup"})
            std::cout << ' ' << step << ' ' << stepSeconds[step] << " s;";
        std::cout << "\n  (the drain wait is 0 here; in production it adds the configured 65 s)\n";
        if (!keep)
            dropAll();
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "bench_relocation: " << e.what() << '\n';
        return 1;
    }
}
