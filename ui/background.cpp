#include "ui/background.h"

namespace cellscope::ui {

Worker::Worker(const QString& name) : m_context(new QObject)
{
    m_thread.setObjectName(name);
    m_context->moveToThread(&m_thread);
    QObject::connect(&m_thread, &QThread::finished, m_context, &QObject::deleteLater);
    m_thread.start();
}

Worker::~Worker()
{
    m_thread.quit();
    m_thread.wait();
}

void Worker::adopt(QObject* service)
{
    Q_ASSERT(!service->parent());
    service->moveToThread(&m_thread);
    QObject::connect(&m_thread, &QThread::finished, service, &QObject::deleteLater);
}

} // namespace cellscope::ui
