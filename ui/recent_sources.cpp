#include "ui/recent_sources.h"

#include "core/db/database.h"
#include "core/util/text.h"

namespace cellscope::ui {

QString recentEntry(const sources::SourceOptions& options)
{
    if (!options.snapshotFile.empty())
        return QStringLiteral("snapshot:") + QString::fromStdString(options.snapshotFile);
    if (!options.db.empty()) {
        std::string conninfo;
        try {
            conninfo = db::withoutPassword(options.db);
        } catch (const std::exception&) {
            return {};
        }
        return conninfo.empty() ? QString() : QStringLiteral("db:") + QString::fromStdString(conninfo);
    }
    if (!options.controlUrl.empty())
        return QStringLiteral("control:") + QString::fromStdString(withoutUrlPassword(options.controlUrl));
    return QStringLiteral("embedded");
}

sources::SourceOptions recentSource(const QString& entry)
{
    sources::SourceOptions options;
    if (entry.startsWith(QStringLiteral("snapshot:")))
        options.snapshotFile = entry.mid(9).toStdString();
    else if (entry.startsWith(QStringLiteral("db:")))
        options.db = entry.mid(3).toStdString();
    else if (entry.startsWith(QStringLiteral("control:")))
        options.controlUrl = entry.mid(8).toStdString();
    return options;
}

QStringList cleanRecentEntries(const QStringList& entries)
{
    QStringList cleaned;
    for (const QString& entry : entries)
        if (const QString clean = recentEntry(recentSource(entry));
            !clean.isEmpty() && !cleaned.contains(clean))
            cleaned << clean;
    return cleaned;
}

} // namespace cellscope::ui
