#pragma once

#include <QObject>
#include <QThread>

namespace cellscope::ui {

// A service's slots do I/O on the thread the service was moved to, never on the GUI thread and
// never on two threads at once (each holds its own database connections): every slot says so.
inline void assertOnOwnThread(const QObject* service)
{
    Q_ASSERT_X(QThread::currentThread() == service->thread(), service->metaObject()->className(),
               "a service slot ran outside the service's thread: call it through a queued connection");
    Q_UNUSED(service);
}

} // namespace cellscope::ui
