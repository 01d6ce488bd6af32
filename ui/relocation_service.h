#pragma once

#include "core/db/database.h"
#include "core/relocation/relocations.h"

#include <QMetaType>
#include <QObject>
#include <QString>
#include <QStringList>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

Q_DECLARE_METATYPE(cellscope::relocation::Request)
Q_DECLARE_METATYPE(cellscope::relocation::Plan)
Q_DECLARE_METATYPE(cellscope::relocation::Status)
Q_DECLARE_METATYPE(cellscope::relocation::History)
Q_DECLARE_METATYPE(cellscope::relocation::Diagnosis)
using RelocationList = std::vector<cellscope::relocation::Relocation>;
Q_DECLARE_METATYPE(RelocationList)

namespace cellscope::ui {

// The console's side of relocation::Relocations. Its slots run on the worker the object is adopted
// by (queries and person actions: short database calls); each relocation this console runs gets a
// worker of its own, because Relocations::run() blocks until the relocation ends. Results
// and refusals come back as signals with the core's plain values and one-sentence errors.
//
// Runners outlive nothing: stopRunners() makes each stop at its next batch boundary, leaving the
// relocation running but unowned, and the window then hands it to a background `cellctl relocate
// resume` (or leaves it for anyone to resume) so closing the console never half-stops a move.
class RelocationService : public QObject
{
    Q_OBJECT

public:
    enum class Action
    {
        Pause,
        Resume,
        Cancel,
        Abort,
        Retry,
        Throttle,
        Repair,
    };
    Q_ENUM(Action)

    RelocationService();
    ~RelocationService() override;

    // Thread-safe: the relocations a runner thread of this process is running now.
    std::vector<std::int64_t> runningHere() const;
    // Thread-safe: asks every runner to stop at its next batch boundary and waits for them.
    // Returns the relocations that were running.
    std::vector<std::int64_t> stopRunners();

    // The slots below run on the service's thread (QMetaObject::invokeMethod).
    void setDatabases(const cellscope::db::DatabaseConfig& config);
    // The list (newest first) and, when `selected` is set, its status (and history, when wanted:
    // each is a connection to control, and a visible tab polls every second).
    void refresh(bool activeOnly, std::optional<std::int64_t> selected, bool withHistory = true);
    void plan(const cellscope::relocation::Request& request, quint64 ticket);
    // Journals the relocation, then runs it in this process.
    void start(const cellscope::relocation::Request& request);
    // A person's action with its reason; actions that need a runner (resume, retry, cancel, a
    // repair that resumes) get one here unless some process already runs the relocation.
    void act(cellscope::ui::RelocationService::Action action, qint64 id, const QString& reason,
             std::optional<std::int64_t> throttle);
    void diagnose(qint64 id);

signals:
    // `mayChange`: the login may start and change relocations (else it can only watch).
    void databasesChanged(bool available, bool mayChange);
    void listed(const RelocationList& relocations);
    void statusReady(const cellscope::relocation::Status& status);
    void historyReady(const cellscope::relocation::History& history);
    void refreshFailed(const QString& message);
    void planReady(quint64 ticket, const cellscope::relocation::Plan& plan);
    void planFailed(quint64 ticket, const QString& message);
    void started(qint64 id);
    void startFailed(const QString& message);
    void actionDone(qint64 id, const QString& message);
    void actionFailed(qint64 id, const QString& message);
    void diagnosed(qint64 id, const cellscope::relocation::Diagnosis& diagnosis);
    // From runner threads: something moved (a new sentence or a batch), and how a run ended.
    void progressed(qint64 id, const QString& sentence);
    void runEnded(qint64 id, const QString& message, bool failed);

private:
    struct Runner;
    void launch(std::int64_t id);
    void reapFinished();

    std::optional<relocation::Relocations> m_relocations;
    mutable std::mutex m_runnersMutex;
    std::map<std::int64_t, std::unique_ptr<Runner>> m_runners;
};

} // namespace cellscope::ui
