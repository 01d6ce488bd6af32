#include "ui/world_cache.h"

#include "core/db/database.h"
#include "core/snapshot/binary_snapshot.h"
#include "core/util/error.h"
#include "ui/recent_sources.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QStandardPaths>
#include <QUuid>

#include <algorithm>
#include <cstdio>

namespace cellscope::ui {

QString defaultWorldCacheDirectory()
{
    return QStandardPaths::writableLocation(QStandardPaths::GenericCacheLocation) +
           QStringLiteral("/cellscope/worlds");
}

QString worldCacheIdentity(const sources::SourceOptions& options)
{
    sources::SourceOptions named = options;
    if (!named.snapshotFile.empty())
        named.snapshotFile =
            QFileInfo(QString::fromStdString(named.snapshotFile)).absoluteFilePath().toStdString();
    QString identity = recentEntry(named);
    if (identity.isEmpty())
        return {};
    identity += QStringLiteral("\nconfig=") + QString::fromStdString(options.settingsFile);
    if (identity.startsWith(QStringLiteral("embedded"))) {
        // The default source is $CELLSCOPE_DB, the settings file's control entry or the embedded
        // cluster in $CELLSCOPE_HOME: each names a different world.
        const std::string db = qEnvironmentVariable("CELLSCOPE_DB").toStdString();
        std::string cleanDb;
        try {
            cleanDb = db.empty() ? std::string() : db::withoutPassword(db);
        } catch (const std::exception&) {
            return {};
        }
        identity += QStringLiteral("\nCELLSCOPE_DB=") + QString::fromStdString(cleanDb) +
                    QStringLiteral("\nCELLSCOPE_HOME=") + qEnvironmentVariable("CELLSCOPE_HOME");
    }
    return identity;
}

QString worldCacheFile(const QString& directory, const sources::SourceOptions& options)
{
    const QString identity = worldCacheIdentity(options);
    if (directory.isEmpty() || identity.isEmpty())
        return {};
    const QByteArray hash = QCryptographicHash::hash(identity.toUtf8(), QCryptographicHash::Sha256).toHex();
    return directory + QStringLiteral("/world-") + QString::fromLatin1(hash.left(32)) +
           QStringLiteral(".cssnap");
}

void writeWorldCache(const Snapshot& snapshot, const QString& path)
{
    const QFileInfo target(path);
    // A world holds members' e-mail addresses: the cache is for this user's eyes only.
    constexpr QFileDevice::Permissions kOwnerOnly = QFileDevice::ReadOwner | QFileDevice::WriteOwner;
    if (!QDir().mkpath(target.absolutePath()) ||
        !QFile::setPermissions(target.absolutePath(), kOwnerOnly | QFileDevice::ExeOwner))
        fail(ErrorCode::BadInput, "cannot create the cache directory " + target.absolutePath().toStdString());
    // writeSnapshotBinaryFile() writes next to its target and renames, but under one fixed name: a
    // name of our own keeps two writers of the same cache apart.
    const QString temporary =
        path + QLatin1Char('.') + QUuid::createUuid().toString(QUuid::WithoutBraces) + QStringLiteral(".tmp");
    try {
        writeSnapshotBinaryFile(snapshot, temporary.toStdString());
        if (!QFile::setPermissions(temporary, kOwnerOnly))
            fail(ErrorCode::BadInput,
                 "cannot restrict the cached snapshot " + temporary.toStdString() + " to its owner");
    } catch (...) {
        QFile::remove(temporary);
        QFile::remove(temporary + QStringLiteral(".partial"));
        throw;
    }
    if (std::rename(QFile::encodeName(temporary).constData(), QFile::encodeName(path).constData()) != 0) {
        QFile::remove(temporary);
        fail(ErrorCode::BadInput, "cannot move the cached snapshot into place at " + path.toStdString());
    }
    pruneWorldCache(target.absolutePath(), path);
}

void pruneWorldCache(const QString& directory, const QString& keep)
{
    const QDir dir(directory);
    const QDateTime anHourAgo = QDateTime::currentDateTimeUtc().addSecs(-3600);
    // Another writer's temporary file is younger than that: a snapshot takes seconds to write.
    for (const QFileInfo& stale :
         dir.entryInfoList({QStringLiteral("world-*.tmp"), QStringLiteral("world-*.partial")}, QDir::Files))
        if (stale.lastModified() < anHourAgo)
            QFile::remove(stale.absoluteFilePath());
    const QFileInfoList worlds =
        dir.entryInfoList({QStringLiteral("world-*.cssnap")}, QDir::Files, QDir::Time);
    const QString kept = QFileInfo(keep).absoluteFilePath();
    int count = 0;
    qint64 bytes = 0;
    for (const QFileInfo& world : worlds)
        if (world.absoluteFilePath() == kept) {
            ++count;
            bytes += world.size();
        }
    for (const QFileInfo& world : worlds) { // newest first
        if (world.absoluteFilePath() == kept)
            continue;
        if (count < kMaxCachedWorlds && bytes + world.size() <= kMaxCachedBytes) {
            ++count;
            bytes += world.size();
        } else {
            QFile::remove(world.absoluteFilePath());
        }
    }
}

QString describeAgo(qint64 seconds)
{
    seconds = std::max<qint64>(seconds, 0);
    if (seconds < 60)
        return QStringLiteral("%1 s ago").arg(seconds);
    if (seconds < 7200)
        return QStringLiteral("%1 min ago").arg(seconds / 60);
    if (seconds < 2 * 86400)
        return QStringLiteral("%1 h ago").arg(seconds / 3600);
    return QStringLiteral("%1 days ago").arg(seconds / 86400);
}

} // namespace cellscope::ui
