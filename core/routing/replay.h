#pragma once

#include "core/routing/access_log.h"
#include "core/routing/catalog.h"
#include "core/routing/outcome.h"
#include "core/routing/router.h"
#include "core/routing/synapse_match.h"

#include <QByteArray>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

class QIODevice;

namespace cellscope {
class Snapshot;
}

// Bulk replay (`cellctl replay`): classify every line of an access log with the tracer's rules and count
// outcomes, so a migration lead can rank the backlog by real traffic. The per-line path builds no Trace
// and, once warm, allocates nothing.
namespace cellscope::routing {

// url: one URL or path per line. combined: nginx combined log lines; the request line's target is used
// and, having no Host, gets the default host unless it is an absolute URL. auto: per line, a leading
// '/' or http(s):// means url, anything else combined.
enum class LogFormat : std::uint8_t
{
    Url,
    Combined,
    Auto
};
std::optional<LogFormat> parseLogFormat(std::string_view text) noexcept;

struct ReplayOptions
{
    LogFormat format = LogFormat::Auto;
    std::string defaultHost; // empty: the snapshot's app host
    std::size_t topEndpoints = 20;
    // Also count which route of this Synapse configuration takes each request (kept alive by the
    // caller for the Replayer's lifetime).
    const SynapseConfig* synapse = nullptr;
};

struct SynapseRouteHits
{
    bool ingestRouter = false;
    std::size_t index = 0;
    int line = 0;
    std::optional<std::string> host;
    std::optional<std::string> path;
    std::uint64_t hits = 0;
};

struct SynapseReplay
{
    std::string config;
    std::vector<SynapseRouteHits> routes; // every route, proxy's then ingest-router's, in file order
    std::uint64_t unmatched = 0;          // requests no route takes (Synapse answers 404)
};

struct EndpointTraffic
{
    std::string name;
    std::string silo;
    std::string backlogAction;
    std::uint64_t unroutable = 0;
    std::uint64_t pinned = 0;
};

struct ReplayReport
{
    std::uint64_t lines = 0;     // non-blank lines read
    std::uint64_t malformed = 0; // lines that are not a request (not classified)
    std::array<std::uint64_t, kStatusCount> byStatus{};
    std::vector<std::pair<std::string, std::uint64_t>> byCell; // most traffic first
    std::array<std::uint64_t, kWarningCodeCount> byWarning{};
    std::vector<EndpointTraffic> topEndpoints;   // unroutable + pinned traffic, most first
    std::uint64_t unroutableWithoutEndpoint = 0; // unroutable lines no catalog endpoint matched
    std::optional<SynapseReplay> synapse;
};

class Replayer
{
public:
    Replayer(const Snapshot& snapshot, const Catalog& catalog, ReplayOptions options = {});

    // Classifies one log line without counting it; false when the line is not a request.
    bool classify(std::string_view line, Classification& out) noexcept;
    // Classifies and counts one line (blank lines are skipped).
    void add(std::string_view line) noexcept;
    // Feeds raw bytes split on '\n'; a partial last line waits for the next chunk or finish(). A
    // line longer than kMaxLineBytes is counted malformed and its bytes are dropped as they come,
    // so a file without newlines keeps memory flat.
    void feed(std::string_view chunk);
    static constexpr std::size_t kMaxLineBytes = 64 * 1024;
    void finish();
    // Reads a device to its end in large chunks, then finish().
    void readAll(QIODevice& device);

    // Adds another replayer's counts to this one's, as if its lines had been fed here: how the
    // slices of a log classified on several threads become one report. Both must replay the same
    // snapshot, catalog and options; neither may hold a partial line.
    void merge(const Replayer& other);

    ReplayReport report() const;

private:
    bool classifyTarget(std::string_view method, std::string_view target, Classification& out) noexcept;
    void countSynapseRoute() noexcept;

    const Snapshot& m_snapshot;
    const Catalog& m_catalog;
    ReplayOptions m_options;
    Scratch m_scratch;
    UrlView m_url; // reused: splitUrl resets it, and zeroing a fresh one per line shows in profiles
    Classification m_current;
    std::string m_carry;
    bool m_overlong = false; // dropping the rest of a line longer than kMaxLineBytes
    std::uint64_t m_lines = 0;
    std::uint64_t m_malformed = 0;
    std::array<std::uint64_t, kStatusCount> m_byStatus{};
    std::vector<std::uint64_t> m_byCell;
    std::array<std::uint64_t, kWarningCodeCount> m_byWarning{};
    std::vector<std::uint64_t> m_unroutableByEndpoint;
    std::vector<std::uint64_t> m_pinnedByEndpoint;
    std::uint64_t m_unroutableWithoutEndpoint = 0;
    // The last classified request, for the Synapse route count (views into the current line).
    std::string_view m_method;
    std::string_view m_host;
    std::optional<SynapseRouteMatcher> m_synapse;
    std::vector<std::uint64_t> m_proxyHits;
    std::vector<std::uint64_t> m_ingestHits;
    std::uint64_t m_synapseUnmatched = 0;
};

std::string replayReportToText(const ReplayReport& report);
// {"lines", "malformed", "by_status": {status: n}, "by_cell": {cell: n}, "by_warning": {code: n},
//  "top_endpoints": [{"name", "silo", "backlog_action", "unroutable", "pinned"}],
//  "unroutable_without_endpoint"}, and with a Synapse configuration "synapse": {"config", "routes":
//  [{"section", "index", "line", "host", "path", "hits"}], "unmatched", "unused": [{"section", "index",
//  "line"}]}
QByteArray replayReportToJson(const ReplayReport& report);

} // namespace cellscope::routing
