#pragma once

#include "core/net/synapse_protocol.h"
#include "core/snapshot/snapshot.h"

#include <QObject>
#include <QUrl>

#include <array>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

class QNetworkAccessManager;
class QTimer;

namespace cellscope::net {

// What the settings file adds to what the control API says (it says only cell → locality):
//   [control]
//   localities = us, de                 ; locality= filters (Synapse's `localities`); default: all
//   refresh_seconds = 60                ; incremental pull interval
//   backup_file = /var/cache/cellscope/control.json
//   app_host = sentry.io
//   monolith_cell = us1
//   [cells]
//   us1 = http://us1.internal:8000      ; each cell's address (for probes and the tracer)
struct ControlSettings
{
    std::vector<std::string> localities;
    std::chrono::seconds refreshInterval{60};
    std::string backupFile; // empty: backupPathFor(url)
    std::string appHost = "sentry.io";
    std::string monolithCell;
    std::map<std::string, std::string> cellAddresses;
};
// A missing file gives the defaults; a malformed value is Error(BadInput) naming it.
ControlSettings readControlSettings(const std::string& settingsPath);

struct ControlApiOptions
{
    QUrl url;          // control's base URL, e.g. http://control.internal:8000
    QByteArray secret; // SYNAPSE_HMAC_SECRET; empty: requests go unsigned (and control answers 401)
    ControlSettings settings;
    int perPage = kMaxPerPage;
    // Bounds on what a control plane may send: a page larger than this is a protocol error (the
    // client does not hold a hostile or broken server's answer in memory), and so is a pull of more
    // pages per endpoint than this (has_more forever with ever-new cursors).
    qint64 maxPageBytes = 64 * 1024 * 1024;
    int maxPages = 100'000;
    std::chrono::milliseconds timeout{30'000}; // per request, without progress
    std::array<std::chrono::milliseconds, 3> retryDelays{
        std::chrono::milliseconds(500), std::chrono::milliseconds(1000), std::chrono::milliseconds(2000)};
};
// Options for `--control-url URL`: the secret from the environment and the settings file's sections.
// Error(BadInput) when the URL is not an http(s) URL.
ControlApiOptions controlApiOptions(const std::string& url, const std::string& settingsPath);
// $XDG_CACHE_HOME/cellscope/control-<host>-<port>.json: one backup per control plane.
std::string backupPathFor(const QUrl& url);

// A snapshot source that behaves like Synapse's locator: a full pull of both mapping endpoints,
// then incremental pulls from the saved cursors; each successful pull is written to a backup
// snapshot file, which stands in when control cannot be reached at start.
//
// Pull failures: network errors, timeouts, 5xx after the retries and protocol errors (malformed
// JSON, has_more without a cursor) are Error(Unreachable) and fall back to the backup; a 401/403 is
// Error(Permission) and a 4xx Error(BadInput), which a backup would only hide, so they do not.
//
// All calls on the thread that owns the object (it needs that thread's event loop).
class ControlApiSource : public QObject
{
    Q_OBJECT

public:
    using Notice = std::function<void(std::string_view)>;

    explicit ControlApiSource(ControlApiOptions options, QObject* parent = nullptr);
    ~ControlApiSource() override;

    // Synchronous, for the CLI: a full pull on a local event loop. Returns the backup (after telling
    // `notice` why) when control fails and a backup exists; throws Error otherwise. What `notice`
    // gets are warnings and start with "warning: ".
    SnapshotPtr load(const Notice& notice = {});

    // Asynchronous, for the GUI and the locator server: pulls now, then every refresh interval.
    // Results arrive through snapshotChanged and statusChanged.
    void start();
    void stop();
    void refreshNow(); // incremental (full until control answered once); ignored while a pull runs

    SnapshotPtr snapshot() const { return m_snapshot; }
    bool pulling() const { return m_pull != nullptr; }
    bool usingBackup() const { return m_usingBackup; }
    std::int64_t lastSuccessAt() const { return m_lastSuccessAt; } // unix seconds, 0: never
    std::string statusText() const { return m_status; }
    const ControlApiOptions& options() const { return m_options; }
    std::string backupPath() const;
    // Requests sent so far (retries included), for tests and the status line.
    int requestCount() const { return m_requests; }

signals:
    void snapshotChanged(cellscope::SnapshotPtr snapshot);
    void statusChanged(const QString& text);

private:
    struct Pull;
    struct PullResult;
    struct OrgEntry
    {
        std::string slug;
        std::string cell;
    };
    struct KeyEntry
    {
        std::int64_t projectKeyId = 0;
        std::string cell;
    };

    void beginPull(std::function<void(PullResult&)> done);
    void finishAsyncPull(PullResult& result);
    bool apply(PullResult& result); // true when the world changed
    SnapshotPtr build() const;
    void writeBackup(const Notice& notice);
    SnapshotPtr loadBackup(const std::string& reason, const Notice& notice);
    void setStatus(std::string text);

    ControlApiOptions m_options;
    QNetworkAccessManager* m_network;
    QTimer* m_timer;
    std::unique_ptr<Pull> m_pull;
    int m_pullGeneration = 0;
    bool m_refreshAgain = false; // refreshNow() came while a pull was in flight
    int m_requests = 0;

    std::unordered_map<std::int64_t, OrgEntry> m_orgs;
    std::unordered_map<std::string, std::int64_t> m_orgBySlug;
    std::unordered_map<std::string, KeyEntry> m_keys; // by public key
    std::map<std::string, std::string> m_cellToLocality;
    std::array<std::optional<QByteArray>, 2> m_cursors; // per MappingKind; none: next pull is full
    bool m_pulledFromControl = false;

    SnapshotPtr m_snapshot;
    bool m_usingBackup = false;
    std::int64_t m_lastSuccessAt = 0;
    std::string m_status;
};

} // namespace cellscope::net
