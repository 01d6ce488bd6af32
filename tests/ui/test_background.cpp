#include "ui/background.h"

#include <QSemaphore>
#include <QtTest>

#include <atomic>
#include <memory>

using namespace cellscope::ui;

namespace {

// A stand-in service: records the thread each slot ran on.
class Probe : public QObject
{
    Q_OBJECT

public:
    std::atomic<QThread*> ranOn{nullptr};
    std::atomic<bool>* destroyedOnItsThread = nullptr;
    ~Probe() override
    {
        if (destroyedOnItsThread)
            *destroyedOnItsThread = QThread::currentThread() == thread();
    }

public slots:
    void work()
    {
        assertOnOwnThread(this);
        ranOn = QThread::currentThread();
        emit worked();
    }

signals:
    void worked();
};

} // namespace

class BackgroundTests : public QObject
{
    Q_OBJECT

private slots:
    void jobsRunOffTheGuiThreadInOrderAndAnswerOnIt()
    {
        Worker worker(QStringLiteral("test"));
        QObject receiver;
        std::vector<int> answers;
        std::vector<QThread*> jobThreads(5, nullptr);
        for (int i = 0; i < 5; ++i)
            worker.post(
                &receiver,
                [i, &jobThreads]() noexcept {
                    jobThreads[static_cast<std::size_t>(i)] = QThread::currentThread();
                    return i;
                },
                [&](int answer) {
                    QCOMPARE(QThread::currentThread(), receiver.thread());
                    answers.push_back(answer);
                });
        QTRY_COMPARE(answers.size(), std::size_t{5});
        QCOMPARE(answers, (std::vector<int>{0, 1, 2, 3, 4}));
        for (QThread* thread : jobThreads) {
            QVERIFY(thread != QThread::currentThread());
            QCOMPARE(thread, jobThreads.front());
        }
    }

    void anAnswerForAReceiverThatIsGoneIsDropped()
    {
        Worker worker(QStringLiteral("test"));
        QSemaphore release;
        auto receiver = std::make_unique<QObject>();
        bool answered = false;
        worker.post(
            receiver.get(),
            [&release]() noexcept {
                release.acquire(); // still running when the receiver goes
                return 42;
            },
            [&answered](int) { answered = true; });
        receiver.reset();
        release.release();
        // A second job after it proves the first has finished and its answer had its chance.
        QObject other;
        bool second = false;
        worker.post(
            &other, []() noexcept { return 0; }, [&second](int) { second = true; });
        QTRY_VERIFY(second);
        QCoreApplication::processEvents();
        QVERIFY(!answered);
    }

    void anAdoptedServiceRunsAndDiesOnTheWorkersThread()
    {
        std::atomic<bool> destroyedOnItsThread{false};
        {
            Worker worker(QStringLiteral("test"));
            auto* probe = new Probe;
            probe->destroyedOnItsThread = &destroyedOnItsThread;
            worker.adopt(probe);
            QSignalSpy worked(probe, &Probe::worked);
            QMetaObject::invokeMethod(probe, &Probe::work, Qt::QueuedConnection);
            QVERIFY(worked.wait(5000));
            QVERIFY(probe->ranOn.load() != QThread::currentThread());
            QCOMPARE(probe->ranOn.load(), probe->thread());
        }
        QVERIFY(destroyedOnItsThread);
    }

    void destroyingAWorkerReturnsOnlyOnceTheJobInHandHasReturned()
    {
        std::atomic<bool> finished{false};
        {
            Worker worker(QStringLiteral("test"));
            QSemaphore started;
            worker.post([&]() noexcept {
                started.release();
                QThread::msleep(200);
                finished = true;
            });
            started.acquire();
        }
        QVERIFY(finished);
    }
};

QTEST_MAIN(BackgroundTests)
#include "test_background.moc"
