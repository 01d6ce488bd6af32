#include "core/sources/world_source.h"

#include "core/demo/seed.h"
#include "core/net/control_api_source.h"
#include "core/snapshot/binary_snapshot.h"
#include "core/sources/pg_loader.h"
#include "core/util/error.h"
#include "core/util/text.h"

#include <pqxx/nontransaction>
#include <pqxx/pqxx>

#include <QFile>

#include <cstdlib>

namespace cellscope::sources {

using namespace db;
using namespace demo;

namespace {

// True when the control database has Cellscope's schema and a topology to show.
bool hasWorld(const std::string& conninfo)
{
    auto connection = connect(conninfo);
    pqxx::nontransaction tx(*connection);
    if (!tx.exec("SELECT to_regclass('cellscope.cell') IS NOT NULL")[0][0].as<bool>())
        return false;
    return tx.exec("SELECT count(*) FROM cellscope.cell")[0][0].as<long>() > 0;
}

} // namespace

std::unique_ptr<WorldSource> WorldSource::open(const SourceOptions& options, const Progress& progress)
{
    std::unique_ptr<WorldSource> source(new WorldSource);
    if (!options.snapshotFile.empty()) {
        source->m_snapshotFile = options.snapshotFile;
        return source;
    }
    const std::string settingsPath =
        options.settingsFile.empty() ? defaultSettingsPath() : options.settingsFile;
    if (!options.settingsFile.empty() && !QFile::exists(QString::fromStdString(settingsPath)))
        fail(ErrorCode::BadInput, "settings file not found: " + settingsPath);
    if (!options.controlUrl.empty()) {
        source->m_controlUrl = options.controlUrl;
        source->m_settingsPath = settingsPath;
        source->m_progress = progress;
        net::controlApiOptions(options.controlUrl, settingsPath); // refuse a bad URL or settings now
        return source;
    }
    if (QFile::exists(QString::fromStdString(settingsPath)))
        source->m_config = readSettingsFile(settingsPath);
    std::string control = options.db;
    if (control.empty())
        if (const char* env = std::getenv("CELLSCOPE_DB"); env && *env)
            control = env;
    if (!control.empty())
        source->m_config.control = control;
    if (!source->m_config.control.empty())
        return source;

    source->m_cluster = std::make_unique<EmbeddedCluster>(EmbeddedCluster::defaultRoot());
    if (progress)
        progress("starting the embedded PostgreSQL cluster in " + source->m_cluster->root());
    source->m_cluster->acquire();
    source->m_config.control = source->m_cluster->conninfo(kEmbeddedControlDatabase);
    ensureDatabase(source->m_config.control);
    if (!hasWorld(source->m_config.control)) {
        if (progress)
            progress("first start: creating the demo world (" + std::to_string(kDefaultDemoOrgs) +
                     " organizations)");
        seedDemoWorld(source->m_config, SeedOptions{kDefaultDemoSeed, kDefaultDemoOrgs}, progress);
    }
    return source;
}

const DatabaseConfig& WorldSource::databases() const
{
    if (isFile())
        fail(ErrorCode::BadInput,
             "this needs a database, but the world comes from the snapshot file " + m_snapshotFile);
    if (isControlApi())
        fail(ErrorCode::BadInput, "this needs a database, but the world comes from the control API at " +
                                      withoutUrlPassword(m_controlUrl));
    return m_config;
}

std::string WorldSource::description() const
{
    if (isFile())
        return "snapshot file " + m_snapshotFile;
    if (isControlApi())
        return "control API " + withoutUrlPassword(m_controlUrl);
    if (isEmbedded())
        return "embedded cluster " + m_cluster->root();
    return "database " + describeConninfo(m_config.control);
}

SnapshotPtr WorldSource::loadSnapshot() const
{
    if (isFile())
        return loadSnapshotFile(m_snapshotFile); // binary, cell settings or JSON
    if (isControlApi())
        return net::ControlApiSource(net::controlApiOptions(m_controlUrl, m_settingsPath)).load(m_progress);
    return sources::loadSnapshotFromPostgres(m_config.control);
}

} // namespace cellscope::sources
