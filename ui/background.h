#pragma once

#include <QFutureWatcher>
#include <QObject>
#include <QPromise>
#include <QThread>

#include <memory>
#include <type_traits>
#include <utility>

namespace cellscope::ui {

// The console's one way to work off the GUI thread. A Worker is a named thread with an event
// loop: what is posted to it runs there one at a time, in the order posted. Two kinds of work use
// it, and nothing in the console starts a thread any other way:
//  - a service (a QObject that holds database connections or other state) lives on a worker for
//    its whole life (`adopt`); views talk to it by queued signals, and every slot asserts it runs
//    there (`assertOnOwnThread`);
//  - a one-shot job (trace a URL, filter a million rows, run a relocation) is `post`ed: the job
//    runs on the worker and `done(result)` on the receiver's thread, never after the receiver is
//    gone. A view that wants only the newest answer numbers its requests and drops the others.
// Destroying a worker waits for the job in hand to return (jobs still queued may be dropped),
// deletes the services it adopted on their own thread, and joins.
class Worker
{
public:
    explicit Worker(const QString& name);
    ~Worker();
    Worker(const Worker&) = delete;
    Worker& operator=(const Worker&) = delete;

    // Moves `service` (which must have no parent) onto this worker for good.
    void adopt(QObject* service);

    // Runs `job` on the worker and then `done` with its result on `receiver`'s thread, unless
    // `receiver` has been destroyed by then. A job reports failure in its result: it is noexcept.
    template <typename Job, typename Done>
    void post(QObject* receiver, Job job, Done done)
    {
        static_assert(std::is_nothrow_invocable_v<Job&>, "a posted job reports failure in its result");
        using Result = std::invoke_result_t<Job&>;
        auto promise = std::make_shared<QPromise<Result>>();
        // The watcher is the receiver's child: destroying the receiver disconnects it from the
        // promise under the future's lock, so a late result is dropped rather than delivered.
        auto* watcher = new QFutureWatcher<Result>(receiver);
        QObject::connect(watcher, &QFutureWatcherBase::finished, receiver,
                         [watcher, done = std::move(done)]() mutable {
                             watcher->deleteLater();
                             if (watcher->future().resultCount() > 0)
                                 done(watcher->future().takeResult());
                         });
        watcher->setFuture(promise->future());
        promise->start();
        run([promise, job = std::move(job)]() mutable noexcept {
            promise->addResult(job());
            promise->finish();
        });
    }

    // Runs `job` on the worker, for a job that reports through its own signals.
    template <typename Job>
    void post(Job job)
    {
        static_assert(std::is_nothrow_invocable_v<Job&>, "a posted job reports failure through its signals");
        run(std::move(job));
    }

private:
    template <typename Job>
    void run(Job job)
    {
        QMetaObject::invokeMethod(m_context, std::move(job), Qt::QueuedConnection);
    }

    QThread m_thread;
    QObject* m_context; // lives on m_thread; the jobs' queue
};

// A service's slots do I/O on its worker's thread, never on the GUI thread and never on two threads
// at once (each holds its own database connections): every slot says so.
inline void assertOnOwnThread(const QObject* service)
{
    Q_ASSERT_X(QThread::currentThread() == service->thread(), service->metaObject()->className(),
               "a service slot ran outside the service's thread: call it through a queued connection");
    Q_UNUSED(service);
}

} // namespace cellscope::ui
