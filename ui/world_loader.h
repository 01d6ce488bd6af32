#pragma once

#include "core/snapshot/snapshot.h"
#include "core/sources/cell_queries.h"
#include "core/sources/world_source.h"

#include <QMetaType>
#include <QObject>
#include <QString>

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
class WorldLoader : public QObject
{
    Q_OBJECT

public:
    explicit WorldLoader(sources::SourceOptions options);
    ~WorldLoader() override;

public slots:
    void load();
    void reopen(const cellscope::sources::SourceOptions& options);
    void fetchProjects(qint64 organizationId, const QString& cell, quint64 ticket);

signals:
    void progress(const QString& message);
    // Before each loaded(): the control and cell databases; an empty control when the source has
    // none (a snapshot file, the control API).
    void databases(const cellscope::db::DatabaseConfig& config);
    void loaded(const cellscope::SnapshotPtr& snapshot, const QString& description, bool hasDatabase);
    void failed(const QString& message);
    void projectsReady(quint64 ticket, const ProjectInfoMap& projects, const QString& problem);

private:
    sources::SourceOptions m_options;
    std::unique_ptr<sources::WorldSource> m_source;
};

} // namespace cellscope::ui
