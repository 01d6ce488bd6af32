#include "ui/backlog_service.h"

#include "ui/models/backlog_model.h"
#include "ui/background.h"

#include <QSaveFile>

namespace cellscope::ui {

namespace {

QString messageOf(const std::exception& e)
{
    return QString::fromUtf8(e.what());
}

} // namespace

BacklogService::BacklogService()
{
    qRegisterMetaType<backlog::Permissions>();
    qRegisterMetaType<backlog::StatusReport>();
    qRegisterMetaType<backlog::SnapshotDiff>();
    qRegisterMetaType<backlog::TrackedEntry>();
}

BacklogService::~BacklogService() = default;

void BacklogService::open(const QString& conninfo)
{
    assertOnOwnThread(this);
    m_store.reset();
    try {
        m_store = std::make_unique<backlog::Store>(conninfo.toStdString());
    } catch (const std::exception& e) {
        emit failed(messageOf(e));
        return;
    }
    refresh();
}

void BacklogService::refresh()
{
    assertOnOwnThread(this);
    if (!m_store)
        return;
    try {
        // Permissions first: a face offers only the edits the database will accept.
        const backlog::Permissions permissions = m_store->permissions();
        emit loaded(permissions, m_store->status());
    } catch (const std::exception& e) {
        emit failed(messageOf(e));
    }
}

void BacklogService::fetchDiff(qint64 fromSnapshotId, qint64 toSnapshotId)
{
    assertOnOwnThread(this);
    if (!m_store)
        return;
    try {
        emit diffReady(m_store->diff(fromSnapshotId, toSnapshotId));
    } catch (const std::exception& e) {
        emit diffFailed(messageOf(e));
    }
}

void BacklogService::updateTracking(const QString& urlName, const backlog::TrackingUpdate& update)
{
    assertOnOwnThread(this);
    if (!m_store)
        return;
    try {
        emit trackingUpdated(m_store->updateTracking(urlName, update));
    } catch (const std::exception& e) {
        emit trackingRefused(urlName, messageOf(e));
    }
}

void BacklogService::exportCsv(const QString& path, const std::vector<backlog::TrackedEntry>& entries)
{
    assertOnOwnThread(this);
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(backlogCsv(entries)) < 0 || !file.commit()) {
        emit exportFailed(tr("cannot write %1: %2").arg(path, file.errorString()));
        return;
    }
    emit exported(path, static_cast<int>(entries.size()));
}

} // namespace cellscope::ui
