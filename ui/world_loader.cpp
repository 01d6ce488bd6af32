#include "ui/world_loader.h"

#include "core/db/database.h"
#include "core/snapshot/binary_snapshot.h"
#include "core/util/error.h"
#include "core/util/text.h"
#include "ui/background.h"
#include "ui/world_cache.h"

#include <QDateTime>
#include <QFile>
#include <QFileInfo>

namespace cellscope::ui {

WorldLoader::WorldLoader(sources::SourceOptions options) : m_options(std::move(options))
{
    qRegisterMetaType<cellscope::SnapshotPtr>();
    qRegisterMetaType<ProjectInfoMap>();
    qRegisterMetaType<cellscope::db::DatabaseConfig>();
}

WorldLoader::~WorldLoader() = default;

namespace {

bool isBinarySnapshotFile(const std::string& path)
{
    QFile file(QString::fromStdString(path));
    if (!file.open(QIODevice::ReadOnly))
        return false;
    const QByteArray head = file.read(static_cast<qint64>(kBinarySnapshotMagic.size()));
    return hasBinarySnapshotMagic({head.constData(), static_cast<std::size_t>(head.size())});
}

// What WorldSource::description() will say, without opening the source (which may start a cluster).
QString describeUnopened(const sources::SourceOptions& options)
{
    if (!options.snapshotFile.empty())
        return QStringLiteral("snapshot file ") + QString::fromStdString(options.snapshotFile);
    if (!options.controlUrl.empty())
        return QStringLiteral("control API ") +
               QString::fromStdString(withoutUrlPassword(options.controlUrl));
    if (!options.db.empty()) {
        try {
            return QStringLiteral("database ") + QString::fromStdString(db::describeConninfo(options.db));
        } catch (const std::exception&) {
            return QStringLiteral("database");
        }
    }
    return QStringLiteral("the default source");
}

} // namespace

void WorldLoader::setCacheDirectory(const QString& directory)
{
    assertOnOwnThread(this);
    m_cacheDirectory = directory;
}

void WorldLoader::setBeforeLiveLoad(std::function<void()> hook)
{
    assertOnOwnThread(this);
    m_beforeLiveLoad = std::move(hook);
}

void WorldLoader::showCache(const QString& file)
{
    const QFileInfo info(file);
    if (!info.exists())
        return;
    emit progress(QStringLiteral("Reading the cached snapshot…"));
    try {
        SnapshotPtr snapshot = loadSnapshotBinaryFile(file.toStdString());
        emit cachedLoaded(snapshot, describeUnopened(m_options), info.lastModified().toSecsSinceEpoch());
    } catch (const std::exception& e) {
        // Corrupt, truncated or from another version: the live load writes a new one.
        QFile::remove(file);
        emit cacheNote(
            QStringLiteral("the cached snapshot was ignored: %1").arg(QString::fromUtf8(e.what())));
    }
}

void WorldLoader::load(bool cacheFirst)
{
    assertOnOwnThread(this);
    const QString cacheFile = m_options.snapshotFile.empty() || !isBinarySnapshotFile(m_options.snapshotFile)
                                  ? worldCacheFile(m_cacheDirectory, m_options)
                                  : QString();
    if (cacheFirst && !cacheFile.isEmpty())
        showCache(cacheFile);
    if (m_beforeLiveLoad)
        m_beforeLiveLoad();
    SnapshotPtr snapshot;
    try {
        if (!m_source)
            m_source = sources::WorldSource::open(m_options, [this](std::string_view message) {
                emit progress(QString::fromStdString(std::string(message)));
            });
        emit progress(QStringLiteral("Loading the snapshot from %1…")
                          .arg(QString::fromStdString(m_source->description())));
        snapshot = m_source->loadSnapshot();
        const bool hasDatabases = !m_source->isFile() && !m_source->isControlApi();
        emit databases(hasDatabases ? m_source->databases() : db::DatabaseConfig{});
        emit loaded(snapshot, QString::fromStdString(m_source->description()), !m_source->isFile());
    } catch (const std::exception& e) {
        emit failed(QString::fromUtf8(e.what()));
        return;
    }
    // After the world is on its way to the window, so the cache never delays it.
    if (!cacheFile.isEmpty()) {
        try {
            writeWorldCache(*snapshot, cacheFile);
        } catch (const std::exception& e) {
            emit cacheNote(
                QStringLiteral("the snapshot could not be cached: %1").arg(QString::fromUtf8(e.what())));
        }
    }
}

void WorldLoader::reopen(const sources::SourceOptions& options)
{
    assertOnOwnThread(this);
    m_options = options;
    m_source.reset();
    load(true);
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
