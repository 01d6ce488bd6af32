#pragma once

#include "core/backlog/store.h"

#include <QMetaType>
#include <QObject>
#include <QString>

#include <memory>
#include <vector>

Q_DECLARE_METATYPE(cellscope::backlog::Permissions)
Q_DECLARE_METATYPE(cellscope::backlog::StatusReport)
Q_DECLARE_METATYPE(cellscope::backlog::SnapshotDiff)
Q_DECLARE_METATYPE(cellscope::backlog::TrackedEntry)

namespace cellscope::ui {

// Every backlog database call of the console, on the worker thread this object is moved to: it owns
// the one backlog::Store (one connection, used from that thread only). Results and refusals come
// back as signals carrying the core's plain values and its one-sentence error messages.
class BacklogService : public QObject
{
    Q_OBJECT

public:
    BacklogService();
    ~BacklogService() override;

    // Called on the service's thread (QMetaObject::invokeMethod), never directly from the GUI thread.
    // Connects to a control database (dropping the previous connection), then loads it like refresh().
    void open(const QString& conninfo);
    void refresh();
    void fetchDiff(qint64 fromSnapshotId, qint64 toSnapshotId);
    void updateTracking(const QString& urlName, const cellscope::backlog::TrackingUpdate& update);
    void exportCsv(const QString& path, const std::vector<cellscope::backlog::TrackedEntry>& entries);

signals:
    void loaded(const cellscope::backlog::Permissions& permissions,
                const cellscope::backlog::StatusReport& status);
    void failed(const QString& message);
    void diffReady(const cellscope::backlog::SnapshotDiff& diff);
    void diffFailed(const QString& message);
    void trackingUpdated(const cellscope::backlog::TrackedEntry& entry);
    void trackingRefused(const QString& urlName, const QString& message);
    void exported(const QString& path, int rows);
    void exportFailed(const QString& message);

private:
    std::unique_ptr<backlog::Store> m_store;
};

} // namespace cellscope::ui
