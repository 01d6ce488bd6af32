#pragma once

#include <QObject>

class QSocketNotifier;

namespace cellscope::net {

// Turns SIGTERM and SIGINT into a Qt signal, for servers that must stop cleanly. The handler only
// writes the signal number to a self-pipe (async-signal-safe); the event loop reads it through a
// QSocketNotifier and emits stopRequested. One instance at a time; the old handlers come back when
// it is destroyed.
class StopSignals : public QObject
{
    Q_OBJECT

public:
    explicit StopSignals(QObject* parent = nullptr);
    ~StopSignals() override;

    static const char* name(int signalNumber); // "SIGTERM", "SIGINT"

signals:
    void stopRequested(int signalNumber);

private:
    QSocketNotifier* m_notifier = nullptr;
};

} // namespace cellscope::net
