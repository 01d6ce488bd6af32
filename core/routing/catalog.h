#pragma once

#include <QByteArray>
#include <QString>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cellscope::routing {

// The silo decorator of a Sentry endpoint (@cell_silo_endpoint, @control_silo_endpoint, ...).
enum class Silo : std::uint8_t
{
    Cell,
    Control,
    InternalCell,
    InternalControl,
    All
};
std::string_view siloName(Silo silo) noexcept; // "cell", "control", "internal_cell", ...
std::optional<Silo> parseSilo(std::string_view text) noexcept;
// True when the view may run in the control silo (API gateway step 2 in docs/routing.md: CONTROL among
// silo_limit.modes).
bool runsInControl(Silo silo) noexcept;

struct Endpoint
{
    std::string name;    // Django url_name, e.g. "sentry-api-0-organization-issues"
    std::string pattern; // the joined Django regex, without the leading '/'
    Silo silo = Silo::Cell;
    std::string backlogAction; // URL_NAME_TO_ACTION label; empty when the endpoint conforms
    bool pinned = false;       // named in pinned_url_names (REGION_PINNED_URL_NAMES)
};

// A view kwarg captured by a match; both views point into the matched path or the catalog.
struct Capture
{
    std::string_view name;
    std::string_view value;
};

inline constexpr std::size_t kMaxCaptures = 12;

struct EndpointMatch
{
    std::uint32_t endpoint = 0; // index into Catalog::endpoints()
    std::array<Capture, kMaxCaptures> captures{};
    std::uint8_t captureCount = 0;

    std::optional<std::string_view> kwarg(std::string_view name) const noexcept;
};

// The endpoint catalog: Django URL patterns with their silo, backlog action and the pinned-name list.
// Matching follows Django's resolver (first pattern in file order wins; a pattern ending in '$' must
// match the whole path, others a prefix). Most patterns compile into a segment trie that matches
// without allocating; the few the compiler cannot express fall back to QRegularExpression.
class Catalog
{
public:
    Catalog();
    ~Catalog();
    Catalog(Catalog&&) noexcept;
    Catalog& operator=(Catalog&&) noexcept;

    // Format: {"endpoints": [{"name", "pattern", "silo", "backlog_action"?}], "pinned_url_names": [...]}.
    // Throws Error(BadInput) naming the JSON path of the first problem, prefixed by `origin`.
    static Catalog fromJson(const QByteArray& json, const QString& origin = QStringLiteral("catalog"));
    static Catalog fromFile(const QString& path);
    // The bundled default, the Qt resource :/cellscope/catalog/default_catalog.json.
    static Catalog bundled();

    std::span<const Endpoint> endpoints() const noexcept { return m_endpoints; }
    std::span<const std::string> pinnedUrlNames() const noexcept { return m_pinned; }
    const Endpoint* find(std::string_view name) const noexcept;
    bool isPinned(std::string_view urlName) const noexcept;

    // Matches a percent-decoded URL path without its leading '/'. Allocation-free unless the winning
    // candidate is one of complexPatterns().
    bool match(std::string_view path, EndpointMatch& out) const noexcept;

    // Names of the endpoints whose pattern needs the regex fallback.
    std::vector<std::string> complexPatterns() const;

private:
    struct Compiled;
    std::vector<Endpoint> m_endpoints;
    std::vector<std::string> m_pinned;
    std::unique_ptr<Compiled> m_compiled;
};

} // namespace cellscope::routing
