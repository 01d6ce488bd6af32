#include "ui/relocation_service.h"

#include "core/net/locator_client.h"
#include "core/util/error.h"
#include "ui/background.h"

namespace cellscope::ui {

namespace {

using namespace relocation;

QString messageOf(const std::exception& e)
{
    return QString::fromUtf8(e.what());
}

QString outcomeText(std::int64_t id, Outcome outcome)
{
    switch (outcome) {
    case Outcome::Done:
        return QObject::tr("Relocation %1 is done.").arg(id);
    case Outcome::Cancelled:
        return QObject::tr("Relocation %1 is cancelled: the source is as it was.").arg(id);
    case Outcome::Paused:
        return QObject::tr("Relocation %1 paused at a batch boundary.").arg(id);
    case Outcome::Aborted:
        return QObject::tr("Relocation %1 stopped (aborted); its state is kept for retry, cancel or repair.")
            .arg(id);
    case Outcome::Detached:
        return QObject::tr("Relocation %1 left at a batch boundary for another process to resume.").arg(id);
    }
    return {};
}

} // namespace

// One relocation run by this process: the worker it runs on and the flag its observer polls.
struct RelocationService::Runner
{
    std::unique_ptr<Worker> worker;
    std::atomic<bool> stop{false};
    std::atomic<bool> finished{false};
};

namespace {

class ForwardingObserver final : public Observer
{
public:
    ForwardingObserver(RelocationService& service, std::int64_t id, std::atomic<bool>& stop)
        : m_service(service), m_id(id), m_stop(stop)
    {}

    void stateChanged(std::string_view sentence) override
    {
        emit m_service.progressed(m_id, QString::fromUtf8(sentence));
    }
    void tableProgress(Step, const TableProgress&) override { emit m_service.progressed(m_id, QString()); }
    bool stopRequested() override { return m_stop.load(); }

private:
    RelocationService& m_service;
    std::int64_t m_id;
    std::atomic<bool>& m_stop;
};

} // namespace

RelocationService::RelocationService()
{
    qRegisterMetaType<Request>();
    qRegisterMetaType<Plan>();
    qRegisterMetaType<Status>();
    qRegisterMetaType<History>();
    qRegisterMetaType<Diagnosis>();
    qRegisterMetaType<RelocationList>();
}

RelocationService::~RelocationService()
{
    stopRunners();
}

std::vector<std::int64_t> RelocationService::runningHere() const
{
    std::lock_guard lock(m_runnersMutex);
    std::vector<std::int64_t> ids;
    for (const auto& [id, runner] : m_runners)
        if (!runner->finished)
            ids.push_back(id);
    return ids;
}

std::vector<std::int64_t> RelocationService::stopRunners()
{
    std::map<std::int64_t, std::unique_ptr<Runner>> runners;
    {
        std::lock_guard lock(m_runnersMutex);
        runners.swap(m_runners);
    }
    std::vector<std::int64_t> stopped;
    for (auto& [id, runner] : runners) {
        if (!runner->finished)
            stopped.push_back(id);
        runner->stop = true;
    }
    runners.clear(); // each worker joins once its run returns
    return stopped;
}

void RelocationService::reapFinished()
{
    std::lock_guard lock(m_runnersMutex);
    for (auto it = m_runners.begin(); it != m_runners.end();) {
        if (it->second->finished) {
            it = m_runners.erase(it);
        } else {
            ++it;
        }
    }
}

void RelocationService::setDatabases(const db::DatabaseConfig& config)
{
    assertOnOwnThread(this);
    if (config.control.empty())
        m_relocations.reset();
    else
        m_relocations.emplace(config);
    bool mayChange = false;
    if (m_relocations) {
        try {
            mayChange = m_relocations->mayChange();
        } catch (const std::exception& e) {
            emit refreshFailed(messageOf(e));
        }
    }
    emit databasesChanged(m_relocations.has_value(), mayChange);
}

void RelocationService::refresh(bool activeOnly, std::optional<std::int64_t> selected, bool withHistory)
{
    assertOnOwnThread(this);
    reapFinished();
    if (!m_relocations)
        return;
    try {
        emit listed(m_relocations->list(std::string(), activeOnly, 200));
        if (selected) {
            emit statusReady(m_relocations->status(*selected));
            if (withHistory)
                emit historyReady(m_relocations->history(*selected));
        }
    } catch (const std::exception& e) {
        emit refreshFailed(messageOf(e));
    }
}

void RelocationService::plan(const Request& request, quint64 ticket)
{
    assertOnOwnThread(this);
    if (!m_relocations) {
        emit planFailed(ticket, tr("This source has no databases: relocations need the control and cell "
                                   "databases."));
        return;
    }
    try {
        emit planReady(ticket, m_relocations->plan(request));
    } catch (const std::exception& e) {
        emit planFailed(ticket, messageOf(e));
    }
}

void RelocationService::start(const Request& request)
{
    assertOnOwnThread(this);
    if (!m_relocations) {
        emit startFailed(tr("This source has no databases."));
        return;
    }
    try {
        const std::int64_t id = m_relocations->start(request);
        emit started(id);
        launch(id);
    } catch (const std::exception& e) {
        emit startFailed(messageOf(e));
    }
}

void RelocationService::act(Action action, qint64 id, const QString& reason,
                            std::optional<std::int64_t> throttle)
{
    assertOnOwnThread(this);
    if (!m_relocations)
        return;
    const std::string why = reason.toStdString();
    try {
        bool needsRunner = false;
        QString done;
        switch (action) {
        case Action::Pause:
            m_relocations->pause(id, why);
            done = tr("Pause requested: relocation %1 stops at its next batch boundary.").arg(id);
            break;
        case Action::Abort:
            m_relocations->abort(id, why);
            done = tr("Abort requested for relocation %1.").arg(id);
            break;
        case Action::Resume:
            m_relocations->resume(id, why);
            needsRunner = true;
            done = tr("Relocation %1 resumed.").arg(id);
            break;
        case Action::Retry:
            m_relocations->retry(id, why);
            needsRunner = true;
            done = tr("Relocation %1 is retrying its step.").arg(id);
            break;
        case Action::Cancel:
            m_relocations->cancel(id, why);
            needsRunner = true;
            done =
                tr("Relocation %1 is being cancelled: the copy is removed and the source unfrozen.").arg(id);
            break;
        case Action::Throttle:
            m_relocations->throttle(id, throttle, why);
            done = throttle ? tr("Relocation %1 throttled to %L2 rows/s.").arg(id).arg(*throttle)
                            : tr("Relocation %1 unthrottled.").arg(id);
            break;
        case Action::Repair: {
            const Diagnosis diagnosis = m_relocations->repair(id, why);
            needsRunner = diagnosis.action != RepairAction::None;
            done = QString::fromStdString(diagnosis.proposal);
            break;
        }
        }
        emit actionDone(id, done);
        // A runner already on it (here or in another process) carries the change out itself.
        if (needsRunner && !m_relocations->status(id).runnerAlive)
            launch(id);
    } catch (const std::exception& e) {
        emit actionFailed(id, messageOf(e));
    }
}

void RelocationService::diagnose(qint64 id)
{
    assertOnOwnThread(this);
    if (!m_relocations)
        return;
    try {
        emit diagnosed(id, m_relocations->diagnose(id));
    } catch (const std::exception& e) {
        emit actionFailed(id, messageOf(e));
    }
}

namespace {

// The drain's questions to the locators, asked from the runner's worker (its event loop waits).
class LocatorsOverHttp : public relocation::LocatorProbe
{
public:
    relocation::LocatorReply ask(const std::string& url, const std::string& id,
                                 const std::string& locality) override
    {
        const net::LocatorAnswer answer = net::askLocator(QUrl(QString::fromStdString(url)), id, locality);
        return {answer.cell, answer.message};
    }
};

} // namespace

void RelocationService::launch(std::int64_t id)
{
    reapFinished();
    std::lock_guard lock(m_runnersMutex);
    if (m_runners.count(id))
        return;
    auto runner = std::make_unique<Runner>();
    Runner* raw = runner.get();
    const Relocations relocations = *m_relocations;
    raw->worker = std::make_unique<Worker>(QStringLiteral("cellscope-relocation-%1").arg(id));
    raw->worker->post([this, raw, relocations, id]() noexcept {
        ForwardingObserver observer(*this, id, raw->stop);
        LocatorsOverHttp locators;
        try {
            const Outcome outcome = relocations.run(id, observer, &locators);
            emit runEnded(id, outcomeText(id, outcome), false);
        } catch (const std::exception& e) {
            emit runEnded(id, messageOf(e), true);
        }
        raw->finished = true;
    });
    m_runners.emplace(id, std::move(runner));
}

} // namespace cellscope::ui
