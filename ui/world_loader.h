#pragma once

#include "core/snapshot/snapshot.h"
#include "core/sources/cell_queries.h"
#include "core/sources/world_source.h"

#include <QMetaType>
#include <QObject>
#include <QString>

#include <functional>
#include <map>
#include <memory>

Q_DECLARE_METATYPE(cellscope::SnapshotPtr)
Q_DECLARE_METATYPE(cellscope::db::DatabaseConfig)
using ProjectInfoMap = std::map<std::int64_t, cellscope::sources::ProjectInfo>;
Q_DECLARE_METATYPE(ProjectInfoMap)

namespace cellscope::ui {

// All I/O of the console, on a worker thread: opening the source (which may start the embedded
// cluster and seed it on first use), loading snapshots, and per-org queries to cell databases.
// It owns the WorldSource, so the embedded cluster stays up while the console runs.
//
// With a cache directory, every successful live load is also written there as a binary snapshot
// of its source (ui/world_cache.h), and a load that asks for it first shows that cached world
// (cachedLoaded) before it opens the live source. A source that is itself a binary snapshot file
// is not cached: reading it is as fast as reading its cache.
class WorldLoader : public QObject
{
    Q_OBJECT

public:
    explicit WorldLoader(sources::SourceOptions options);
    ~WorldLoader() override;

public slots:
    // `cacheFirst`: show the source's cached world, if there is one, before the live one.
    void load(bool cacheFirst = false);
    void reopen(const cellscope::sources::SourceOptions& options); // cache first
    // An empty directory (the default) turns the cache off.
    void setCacheDirectory(const QString& directory);
    // For tests that act on the cached world before the live one arrives: runs on this thread
    // after the cache is shown and before the live source is opened.
    void setBeforeLiveLoad(std::function<void()> hook);
    void fetchProjects(qint64 organizationId, const QString& cell, quint64 ticket);

signals:
    void progress(const QString& message);
    // Before each loaded(): the control and cell databases; an empty control when the source has
    // none (a snapshot file, the control API).
    void databases(const cellscope::db::DatabaseConfig& config);
    void loaded(const cellscope::SnapshotPtr& snapshot, const QString& description, bool hasDatabase);
    void failed(const QString& message);
    // The source's cached world, before its live load: `savedAt` is when it was written (unix s).
    void cachedLoaded(const cellscope::SnapshotPtr& snapshot, const QString& description, qint64 savedAt);
    // Something about the cache the person should know, never fatal: an unreadable cache that
    // was ignored (and removed), or a cache that could not be written.
    void cacheNote(const QString& message);
    void projectsReady(quint64 ticket, const ProjectInfoMap& projects, const QString& problem);

private:
    void showCache(const QString& file);

    sources::SourceOptions m_options;
    QString m_cacheDirectory;
    std::function<void()> m_beforeLiveLoad;
    std::unique_ptr<sources::WorldSource> m_source;
};

} // namespace cellscope::ui
