#include "ui/world_loader.h"

#include "core/util/error.h"
#include "ui/background.h"

namespace cellscope::ui {

WorldLoader::WorldLoader(sources::SourceOptions options) : m_options(std::move(options))
{
    qRegisterMetaType<cellscope::SnapshotPtr>();
    qRegisterMetaType<ProjectInfoMap>();
    qRegisterMetaType<cellscope::db::DatabaseConfig>();
}

WorldLoader::~WorldLoader() = default;

void WorldLoader::load()
{
    assertOnOwnThread(this);
    try {
        if (!m_source)
            m_source = sources::WorldSource::open(m_options, [this](std::string_view message) {
                emit progress(QString::fromStdString(std::string(message)));
            });
        emit progress(QStringLiteral("Loading the snapshot from %1…")
                          .arg(QString::fromStdString(m_source->description())));
        SnapshotPtr snapshot = m_source->loadSnapshot();
        const bool hasDatabases = !m_source->isFile() && !m_source->isControlApi();
        emit databases(hasDatabases ? m_source->databases() : db::DatabaseConfig{});
        emit loaded(snapshot, QString::fromStdString(m_source->description()), !m_source->isFile());
    } catch (const std::exception& e) {
        emit failed(QString::fromUtf8(e.what()));
    }
}

void WorldLoader::reopen(const sources::SourceOptions& options)
{
    assertOnOwnThread(this);
    m_options = options;
    m_source.reset();
    load();
}

void WorldLoader::fetchProjects(qint64 organizationId, const QString& cell, quint64 ticket)
{
    assertOnOwnThread(this);
    if (!m_source || m_source->isFile()) {
        emit projectsReady(ticket, {}, QString());
        return;
    }
    try {
        emit projectsReady(ticket,
                           sources::projectsOfOrganization(
                               m_source->databases().cellConninfo(cell.toStdString()), organizationId),
                           QString());
    } catch (const std::exception& e) {
        emit projectsReady(ticket, {}, QString::fromUtf8(e.what()));
    }
}

} // namespace cellscope::ui
