#pragma once

#include "core/routing/catalog.h"
#include "core/routing/trace.h"
#include "core/snapshot/snapshot.h"

#include <QObject>
#include <QUrl>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

class QNetworkAccessManager;

namespace cellscope::net {

// What a running locator answered to GET /?id=…&locality=….
struct LocatorAnswer
{
    int httpStatus = 0;              // 0: no HTTP answer at all
    std::optional<std::string> cell; // 200 {"cell": …}
    std::string message;             // error_message, or why there was no answer
};

// Asks a locator (Synapse's, or `cellctl serve locator`) without blocking; `done` runs on this
// thread's event loop. `locatorUrl` is the API's base, e.g. http://127.0.0.1:3000/.
class LocatorClient : public QObject
{
public:
    explicit LocatorClient(QUrl locatorUrl, std::chrono::milliseconds timeout = std::chrono::seconds(5),
                           QObject* parent = nullptr);
    void ask(const std::string& id, const std::string& locality,
             std::function<void(const LocatorAnswer&)> done);

private:
    QUrl m_url;
    std::chrono::milliseconds m_timeout;
    QNetworkAccessManager* m_network;
};

// The same, blocking on a local event loop (for the CLI).
LocatorAnswer askLocator(const QUrl& locatorUrl, std::string_view id, std::string_view locality,
                         std::chrono::milliseconds timeout = std::chrono::seconds(5));

// Cellscope's own answer (locate() on the snapshot) against the locator's: nullopt when they agree
// (the same cell, or neither knows one), otherwise a `locator_disagrees` warning naming both — a
// stale locator cache or an organization mid-relocation. An empty locality means none.
std::optional<routing::Warning> compareWithLocator(const Snapshot& snapshot, std::string_view id,
                                                   std::string_view locality, const QUrl& locatorUrl,
                                                   const LocatorAnswer& answer);

// What a locator would be asked for a traced input: the public key of a DSN or an ingest request,
// else the organization the URL names; and the locality its host names (us.sentry.io → "us").
// Empty id when the input names neither.
std::pair<std::string, std::string> locatorQueryFor(const routing::Catalog& catalog, const Snapshot& snapshot,
                                                    const std::string& input);

// `cellctl trace --verify LOCATOR_URL`: asks and compares. Error(Unreachable) when the locator
// gives no HTTP answer.
std::optional<routing::Warning>
verifyWithLocator(const Snapshot& snapshot, const QUrl& locatorUrl, std::string_view id,
                  std::string_view locality = {},
                  std::chrono::milliseconds timeout = std::chrono::seconds(5));

} // namespace cellscope::net
