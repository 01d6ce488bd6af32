#pragma once

#include "core/model/topology.h"
#include "core/routing/catalog.h"
#include "core/routing/outcome.h"
#include "core/routing/trace.h"

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// The routing rules, written once and driven by two sinks: TraceSink turns every decision into a hop
// sentence for trace(); ClassifySink keeps only the outcome for replay's allocation-free hot path.
// Hop and warning texts are passed as callables, so ClassifySink never builds them.
namespace cellscope {
class Snapshot;
}

namespace cellscope::routing {

struct Dsn;

// A request cut into views; nothing is owned.
struct RequestView
{
    std::string_view method = "GET";
    std::string_view host;  // empty: the app host
    std::string_view path;  // raw, as received: "/..." (or empty for "/")
    std::string_view query; // without '?'
    std::span<const std::pair<std::string, std::string>> headers;
    std::optional<std::string_view> integration;
};

// Buffers reused from one request to the next, so a warm replay loop does not allocate, and facts
// derived from the snapshot once for a long run.
struct Scratch
{
    std::string path;  // percent-decoded path
    std::string query; // a decoded query parameter
    std::string key;   // a decoded sentry_key
    std::vector<CellIndex> cells;
    EndpointMatch match; // reused: zeroing a fresh one (~400 bytes) per request showed in profiles
    // Sorted ids of relocating orgs; absent: each check looks the org up in the snapshot.
    std::optional<std::vector<std::int64_t>> relocatingOrgIds;

    void reserve(std::size_t cellCount);
    // reserve() plus the derived facts above, for many requests against one snapshot.
    void prepare(const Snapshot& snapshot);
};

inline constexpr std::uint32_t kNoEndpoint = 0xFFFFFFFFu;
inline constexpr std::size_t kMaxClassifiedCells = 16;

// A trace without its sentences: what replay counts.
// Unlike a Trace, `endpoint` is only filled where a rule consulted the catalog: always for
// unroutable and pinned outcomes and on sentry.io, never for ingestion or Synapse-routed requests.
struct Classification
{
    Status status = Status::Rejected;
    OutcomeSilo silo = OutcomeSilo::None;
    std::uint16_t httpStatus = 0; // 0: not decided by routing
    std::uint32_t endpoint = kNoEndpoint;
    std::uint16_t warnings = 0;  // one bit per WarningCode
    std::uint16_t cellCount = 0; // may exceed kMaxClassifiedCells; only the first ones are kept
    std::array<CellIndex, kMaxClassifiedCells> cells{};

    bool hasWarning(WarningCode code) const noexcept
    {
        return (warnings >> static_cast<unsigned>(code)) & 1u;
    }
};

class ClassifySink
{
public:
    // Replay needs the endpoint only where a rule consults it (and for unroutable or pinned outcomes).
    static constexpr bool kEagerEndpoint = false;

    explicit ClassifySink(Classification& out) noexcept : m_out(out) { m_out = Classification{}; }

    void endpoint(std::uint32_t index) noexcept { m_out.endpoint = index; }
    template <typename Text>
    void hop(Component, std::string_view, Text&&) noexcept
    {}
    template <typename Text>
    void warn(WarningCode code, Text&&) noexcept
    {
        m_out.warnings = static_cast<std::uint16_t>(m_out.warnings | (1u << static_cast<unsigned>(code)));
    }
    void outcome(Status status, OutcomeSilo silo, int httpStatus, std::span<const CellIndex> cells) noexcept;

private:
    Classification& m_out;
};

class TraceSink
{
public:
    static constexpr bool kEagerEndpoint = true; // a trace always names the endpoint it matched

    TraceSink(const Snapshot& snapshot, const Catalog& catalog, Trace& out) noexcept
        : m_snapshot(snapshot), m_catalog(catalog), m_out(out)
    {}

    void endpoint(std::uint32_t index);
    template <typename Text>
    void hop(Component component, std::string_view rule, Text&& text)
    {
        m_out.hops.push_back({std::string(componentName(component)), std::string(rule), text()});
    }
    template <typename Text>
    void warn(WarningCode code, Text&& text)
    {
        addWarning(code, text());
    }
    void outcome(Status status, OutcomeSilo silo, int httpStatus, std::span<const CellIndex> cells);

private:
    void addWarning(WarningCode code, std::string message);

    const Snapshot& m_snapshot;
    const Catalog& m_catalog;
    Trace& m_out;
};

void route(const Snapshot& snapshot, const Catalog& catalog, const RequestView& request, Scratch& scratch,
           ClassifySink& sink);
void route(const Snapshot& snapshot, const Catalog& catalog, const RequestView& request, Scratch& scratch,
           TraceSink& sink);
// A DSN traced as the SDK uses it: an envelope POST to its host, authenticated by its public key.
void routeDsn(const Snapshot& snapshot, const Catalog& catalog, const Dsn& dsn, Scratch& scratch,
              TraceSink& sink);

// True when `host` is the app host or one of its subdomains (anything else is not this world).
bool isServedHost(const Snapshot& snapshot, std::string_view host) noexcept;
// The locality a host names ({locality}.sentry.io, ingest.{locality}.sentry.io, …), as the rules
// read it; null for the app host, customer domains, legacy ingest hosts and foreign hosts.
const Locality* hostLocality(const Snapshot& snapshot, std::string_view host) noexcept;
// The organization a path names in one of the shapes Synapse routes by organization
// (/api/0/organizations/{organization}/…, projects, teams, organization-avatar); empty if none.
std::string_view organizationInPath(std::string_view rawPath) noexcept;

} // namespace cellscope::routing
