#pragma once

#include "core/snapshot/snapshot.h"

#include <QObject>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

class QNetworkAccessManager;

namespace cellscope::net {

struct ProbeOptions
{
    std::string healthPath = "/_health/";
    std::chrono::milliseconds timeout{3000};
};

// One cell's address, probed with an HTTP GET of its health path.
struct CellProbe
{
    std::string cell;
    std::string locality;
    std::string url;        // empty when the cell has no address
    bool reachable = false; // an HTTP answer arrived (any status)
    int httpStatus = 0;
    double latencyMs = 0; // from sending the request to the end of the answer
    std::string error;    // why it is not reachable
    bool healthy() const { return reachable && httpStatus >= 200 && httpStatus < 300; }
};

// Probes every cell of a snapshot concurrently, each with its own timeout, without blocking:
// `done` gets one result per cell in snapshot order, on this thread's event loop.
class CellProber : public QObject
{
public:
    explicit CellProber(QObject* parent = nullptr);
    void probe(const Snapshot& snapshot, const ProbeOptions& options,
               std::function<void(std::vector<CellProbe>)> done);

private:
    QNetworkAccessManager* m_network;
};

// The same, blocking on a local event loop (for `cellctl cells --probe`).
std::vector<CellProbe> probeCells(const Snapshot& snapshot, const ProbeOptions& options);

} // namespace cellscope::net
