#include "core/routing/router.h"

#include "core/routing/auth.h"
#include "core/routing/dsn.h"
#include "core/routing/url.h"
#include "core/snapshot/snapshot.h"

#include <algorithm>
#include <concepts>

namespace cellscope::routing {

namespace {

// ---- Small text helpers (only TraceSink ever calls the lambdas that use them) -----------------

void appendPiece(std::string& out, std::string_view text)
{
    out += text;
}

template <std::integral Number>
void appendPiece(std::string& out, Number number)
{
    out += std::to_string(number);
}

template <typename... Pieces>
std::string cat(const Pieces&... pieces)
{
    std::string out;
    (appendPiece(out, pieces), ...);
    return out;
}

bool isIngestLabel(std::string_view label) noexcept
{
    return label.size() == 6 && (label == "ingest" || hostEquals(label, "ingest"));
}

bool startsWithI(std::string_view text, std::string_view lowerPrefix) noexcept
{
    return text.size() >= lowerPrefix.size() && hostEquals(text.substr(0, lowerPrefix.size()), lowerPrefix);
}

std::string_view trimSlashesAndSpace(std::string_view text) noexcept
{
    const auto strip = [](char c) {
        return c == '/' || c == ' ' || c == '\t' || c == '\r' || c == '\n';
    };
    while (!text.empty() && strip(text.front()))
        text.remove_prefix(1);
    while (!text.empty() && strip(text.back()))
        text.remove_suffix(1);
    return text;
}

// Splits on '/' into at most N views; returns the number of segments (N+1 means "more than N").
template <std::size_t N>
std::size_t splitSegments(std::string_view text, std::array<std::string_view, N>& out) noexcept
{
    std::size_t count = 0, start = 0;
    for (std::size_t i = 0;; ++i) {
        if (i == text.size() || text[i] == '/') {
            if (count == N)
                return N + 1;
            out[count++] = std::string_view(text.data() + start, i - start);
            if (i == text.size())
                return count;
            start = i + 1;
        }
    }
}

std::optional<std::uint64_t> parseU64(std::string_view digits) noexcept
{
    if (digits.empty() || digits.size() > 20)
        return std::nullopt;
    std::uint64_t value = 0;
    for (char c : digits) {
        if (c < '0' || c > '9')
            return std::nullopt;
        const auto digit = static_cast<std::uint64_t>(c - '0');
        if (value > (UINT64_MAX - digit) / 10)
            return std::nullopt;
        value = value * 10 + digit;
    }
    return value;
}

// ---- Hosts (docs/routing.md, "The host") --------------------------------------------------------

enum class HostKind : std::uint8_t
{
    App,
    CustomerDomain,
    Locality,
    Ingest,
    UnknownSubdomain,
    Foreign
};

struct HostInfo
{
    HostKind kind = HostKind::Foreign;
    const Locality* locality = nullptr;
    std::string_view label;             // customer-domain slug or the unrecognised subdomain
    std::optional<std::uint64_t> orgId; // the o{N} label of an ingest host
};

const Locality* findLocalityLabel(const Snapshot& snapshot, std::string_view label) noexcept
{
    for (const Locality& locality : snapshot.localities())
        if (label.size() == locality.name.size() &&
            (label == locality.name || hostEquals(label, locality.name)))
            return &locality;
    return nullptr;
}

std::optional<std::uint64_t> orgLabel(std::string_view label) noexcept
{
    if (label.size() < 2 || (label.front() != 'o' && label.front() != 'O'))
        return std::nullopt;
    return parseU64(label.substr(1));
}

HostInfo classifyHost(const Snapshot& snapshot, std::string_view host) noexcept
{
    const std::string_view app = snapshot.info().appHost;
    HostInfo info;
    // Hosts are nearly always lowercase already: exact comparisons first, case-folding ones after.
    if (host == app || hostEquals(host, app)) {
        info.kind = HostKind::App;
        return info;
    }
    const bool within =
        (host.size() > app.size() + 1 && host.ends_with(app) && host[host.size() - app.size() - 1] == '.') ||
        hostIsWithin(host, app);
    if (!within)
        return info;
    const std::string_view sub = host.substr(0, host.size() - app.size() - 1);
    info.kind = HostKind::UnknownSubdomain;
    info.label = sub;
    // DNS labels are 1 to 63 bytes; anything else cannot name one of our hosts.
    for (std::string_view rest = sub;;) {
        const std::size_t dot = rest.find('.');
        const std::size_t size = dot == std::string_view::npos ? rest.size() : dot;
        if (size == 0 || size > 63)
            return info;
        if (dot == std::string_view::npos)
            break;
        rest.remove_prefix(dot + 1);
    }
    std::array<std::string_view, 3> labels;
    const std::size_t count = [&] {
        std::size_t n = 0;
        std::string_view rest = sub;
        while (true) {
            const std::size_t dot = rest.find('.');
            if (n == labels.size())
                return n + 1;
            labels[n++] = rest.substr(0, dot);
            if (dot == std::string_view::npos)
                return n;
            rest.remove_prefix(dot + 1);
        }
    }();
    // Locality subdomains are reserved and never read as org slugs (subdomain_is_locality).
    if (count == 1) {
        if ((info.locality = findLocalityLabel(snapshot, labels[0])))
            info.kind = HostKind::Locality;
        else if (isIngestLabel(labels[0]))
            info.kind = HostKind::Ingest;
        else
            info.kind = HostKind::CustomerDomain;
        return info;
    }
    if (count == 2 && isIngestLabel(labels[0]) && (info.locality = findLocalityLabel(snapshot, labels[1]))) {
        info.kind = HostKind::Ingest;
    } else if (count == 2 && isIngestLabel(labels[1]) && orgLabel(labels[0])) {
        info.kind = HostKind::Ingest;
        info.orgId = orgLabel(labels[0]);
    } else if (count == 3 && isIngestLabel(labels[1]) && orgLabel(labels[0]) &&
               (info.locality = findLocalityLabel(snapshot, labels[2]))) {
        info.kind = HostKind::Ingest;
        info.orgId = orgLabel(labels[0]);
    } else {
        info.locality = nullptr;
    }
    return info;
}

// ---- Relay's ingestion routes (docs/routing.md) -------------------------------------------------

struct RelayRoute
{
    std::string_view name; // empty: not an ingestion path
    std::string_view projectId;
    std::string_view pathKey; // unreal / cron key segment
};

RelayRoute relayRoute(std::string_view path) noexcept
{
    // Cheap rejection first: every ingestion path is /api/store/ or /api/{digits}/{known kind}/...
    if (path.size() < 7 || !path.starts_with("/api/"))
        return {};
    std::string_view rest = path.substr(5);
    if (rest.ends_with('/'))
        rest.remove_suffix(1);
    if (rest == "store")
        return {"/api/store/", {}, {}};
    std::size_t digits = 0;
    while (digits < rest.size() && rest[digits] >= '0' && rest[digits] <= '9')
        ++digits;
    if (digits == 0 || digits > 20 || digits == rest.size() || rest[digits] != '/')
        return {};
    const std::string_view pid = rest.substr(0, digits);
    rest.remove_prefix(digits + 1);
    const std::string_view kind = rest.substr(0, rest.find('/'));
    static constexpr std::string_view kKinds[] = {"store", "envelope", "security",    "csp-report",
                                                  "nel",   "minidump", "playstation", "unreal",
                                                  "cron",  "events",   "otlp",        "integration"};
    if (std::find(std::begin(kKinds), std::end(kKinds), kind) == std::end(kKinds))
        return {};
    std::array<std::string_view, 5> s;
    const std::size_t n = splitSegments(rest, s);
    if (n > s.size())
        return {};
    for (std::size_t i = 0; i < n; ++i)
        if (s[i].empty())
            return {};
    if (n == 1) {
        static constexpr std::pair<std::string_view, std::string_view> kSimple[] = {
            {"store", "/api/{project_id}/store/"},
            {"envelope", "/api/{project_id}/envelope/"},
            {"security", "/api/{project_id}/security/"},
            {"csp-report", "/api/{project_id}/csp-report/"},
            {"nel", "/api/{project_id}/nel/"},
            {"minidump", "/api/{project_id}/minidump/"},
            {"playstation", "/api/{project_id}/playstation/"}};
        for (const auto& [segment, name] : kSimple)
            if (kind == segment)
                return {name, pid, {}};
        return {};
    }
    if (n == 2 && kind == "unreal")
        return {"/api/{project_id}/unreal/{sentry_key}/", pid, s[1]};
    if (n == 2 && kind == "cron")
        return {"/api/{project_id}/cron/{monitor_slug}/", pid, {}};
    if (n == 3 && kind == "cron")
        return {"/api/{project_id}/cron/{monitor_slug}/{sentry_key}/", pid, s[2]};
    if (n == 3 && kind == "events" && s[2] == "attachments")
        return {"/api/{project_id}/events/{event_id}/attachments/", pid, {}};
    const bool traces = s[n - 1] == "traces";
    if (!traces && s[n - 1] != "logs")
        return {};
    if (n == 3 && kind == "otlp" && s[1] == "v1")
        return {traces ? "/api/{project_id}/otlp/v1/traces/" : "/api/{project_id}/otlp/v1/logs/", pid, {}};
    if (n == 4 && kind == "integration" && s[1] == "otlp" && s[2] == "v1")
        return {traces ? "/api/{project_id}/integration/otlp/v1/traces/"
                       : "/api/{project_id}/integration/otlp/v1/logs/",
                pid,
                {}};
    return {};
}

// ---- Synapse's proxy routes (docs/routing.md, "A locality host: Synapse") -----------------------

struct SynapseRoute
{
    std::string_view shape; // empty: no route captured anything
    std::string_view organization;
    std::string_view cellId;
};

SynapseRoute synapseRoute(std::string_view rawPath) noexcept
{
    std::array<std::string_view, 4> s;
    const std::size_t n = splitSegments(trimSlashesAndSpace(rawPath), s);
    if (n >= 4 && s[0] == "api" && s[1] == "0") {
        if (s[2] == "organizations")
            return {"/api/0/organizations/{organization}/*", s[3], {}};
        if (s[2] == "projects")
            return {"/api/0/projects/{organization}/*", s[3], {}};
        if (s[2] == "teams")
            return {"/api/0/teams/{organization}/*", s[3], {}};
        if (s[2] == "cell")
            return {"/api/0/cell/{cell_id}/*", {}, s[3]};
    }
    if (n == 3 && s[0] == "organization-avatar")
        return {"/organization-avatar/{organization}/{avatar_id}", s[1], {}};
    return {};
}

// ---- Webhook parsers (docs/routing.md, "Webhooks: integration control") -------------------------

constexpr std::string_view kParsers[] = {"bitbucket",
                                         "bitbucket_server",
                                         "discord",
                                         "github",
                                         "github_enterprise",
                                         "gitlab",
                                         "jira",
                                         "jira_server",
                                         "msteams",
                                         "slack",
                                         "vercel",
                                         "vsts",
                                         "cursor_origin",
                                         "gitea",
                                         "google",
                                         "plugin",
                                         "slack_staging"};

// Views a parser answers from control without forwarding: setup, link/unlink identity, descriptors.
constexpr std::string_view kControlOnlyActions[] = {"link-identity", "unlink-identity", "installation",
                                                    "descriptor",    "installed",       "uninstalled",
                                                    "ui-hook",       "configure"};

bool isAsyncAckProvider(std::string_view provider) noexcept
{
    return provider == "slack" || provider == "slack_staging" || provider == "discord";
}

// ---- The rules --------------------------------------------------------------------------------

template <typename Sink>
class Router
{
public:
    Router(const Snapshot& snapshot, const Catalog& catalog, Scratch& scratch, Sink& sink)
        : m_snapshot(snapshot), m_catalog(catalog), m_scratch(scratch), m_sink(sink), m_match(scratch.match)
    {}

    void request(const RequestView& request);
    void dsn(const Dsn& dsn);

private:
    struct KeySource
    {
        std::string_view key;
        std::string_view from;
    };

    void decodePath();
    void matchEndpoint();
    // The catalog is consulted once, when a rule needs the endpoint (or eagerly for a trace).
    void ensureEndpoint()
    {
        if (!m_endpointDone) {
            m_endpointDone = true;
            matchEndpoint();
        }
    }
    const Endpoint* endpoint() const noexcept
    {
        return m_matched ? &m_catalog.endpoints()[m_match.endpoint] : nullptr;
    }
    std::optional<std::string_view> orgKwarg() const noexcept;
    std::string_view target() const noexcept;

    void controlHost(const RequestView& request, const HostInfo& host, const RelayRoute& relay);
    void localityHost(const RequestView& request, const HostInfo& host, const RelayRoute& relay);
    void ingestHost(const RequestView& request, const HostInfo& host, const RelayRoute& relay);
    void gateway(const RequestView& request);
    void embedResolver(const RequestView& request);
    void webhook(const RequestView& request);
    void plugin();
    void ingest(const RequestView& request, const HostInfo& host, const RelayRoute& route);
    void ingestByKey(const HostInfo& host, KeySource key, std::string_view routeName,
                     std::string_view projectId, bool fromDsn);
    void relayApi(const HostInfo& host);

    void toOrganization(Component component, std::string_view rule, std::string_view org,
                        const Locality* locality, OutcomeSilo notFoundSilo);
    void deliver(CellIndex cell, Status status);
    template <typename Detail>
    void pinToMonolith(Detail&& detail);
    void nonConforming();
    void knownIssues(bool partialListing);
    void finish(Status status, OutcomeSilo silo, int httpStatus = 0, std::span<const CellIndex> cells = {})
    {
        m_sink.outcome(status, silo, httpStatus, cells);
    }

    std::string cellLabel(CellIndex cell) const
    {
        const auto cells = m_snapshot.cells();
        if (cell >= cells.size())
            return "(no cell)";
        return cat(cells[cell].name, " (", cells[cell].address.empty() ? "no address" : cells[cell].address,
                   ")");
    }
    std::string localityCells(const Locality& locality) const
    {
        std::string names;
        for (CellIndex cell : locality.cells)
            names += cat(names.empty() ? "" : ", ", m_snapshot.cellName(cell));
        return names;
    }
    std::string_view localityOf(CellIndex cell) const noexcept
    {
        return cell < m_snapshot.cells().size() ? std::string_view(m_snapshot.cells()[cell].locality) : "";
    }
    bool isPost() const noexcept { return hostEquals(m_method, "post"); }
    bool isRelocating(std::int64_t orgId) const noexcept
    {
        if (m_scratch.relocatingOrgIds)
            return std::binary_search(m_scratch.relocatingOrgIds->begin(), m_scratch.relocatingOrgIds->end(),
                                      orgId);
        const auto org = m_snapshot.findOrgById(orgId);
        return org && m_snapshot.org(*org).status == OrgStatus::RelocationPendingApproval;
    }

    const Snapshot& m_snapshot;
    const Catalog& m_catalog;
    Scratch& m_scratch;
    Sink& m_sink;
    std::string_view m_method;
    std::string_view m_rawPath;
    std::string_view m_path; // decoded, without the leading '/': what Django's resolver sees
    EndpointMatch& m_match;  // valid only when m_matched
    bool m_matched = false;
    bool m_endpointDone = false;
};

template <typename Sink>
void Router<Sink>::decodePath()
{
    std::string_view raw = m_rawPath;
    if (raw.starts_with('/'))
        raw.remove_prefix(1);
    m_path = raw;
    if (raw.find('%') != std::string_view::npos) {
        m_scratch.path.clear();
        appendPercentDecoded(m_scratch.path, raw);
        m_path = m_scratch.path;
    }
}

template <typename Sink>
void Router<Sink>::matchEndpoint()
{
    m_matched = m_catalog.match(m_path, m_match);
    if (m_matched)
        m_sink.endpoint(m_match.endpoint);
}

// API gateway step 3 (docs/routing.md): either kwarg name carries the org.
template <typename Sink>
std::optional<std::string_view> Router<Sink>::orgKwarg() const noexcept
{
    if (!m_matched)
        return std::nullopt;
    if (auto org = m_match.kwarg("organization_id_or_slug"))
        return org;
    return m_match.kwarg("organization_slug");
}

template <typename Sink>
std::string_view Router<Sink>::target() const noexcept
{
    return m_matched ? std::string_view(endpoint()->name) : m_rawPath;
}

template <typename Sink>
void Router<Sink>::request(const RequestView& request)
{
    m_method = request.method;
    m_rawPath = request.path.empty() ? std::string_view("/") : request.path;
    const std::string_view hostName =
        request.host.empty() ? std::string_view(m_snapshot.info().appHost) : request.host;
    const HostInfo host = classifyHost(m_snapshot, hostName);
    decodePath();
    // Relay's ingestion routes are not Django views: they never name a catalog endpoint.
    const RelayRoute relay = relayRoute(m_rawPath);
    if (relay.name.empty() && Sink::kEagerEndpoint)
        ensureEndpoint();
    switch (host.kind) {
    case HostKind::App:
    case HostKind::CustomerDomain:
        controlHost(request, host, relay);
        return;
    case HostKind::Locality:
        localityHost(request, host, relay);
        return;
    case HostKind::Ingest:
        ingestHost(request, host, relay);
        return;
    case HostKind::UnknownSubdomain:
        m_sink.hop(Component::Control, "host", [&] {
            return cat(hostName, " is under ", m_snapshot.info().appHost,
                       " but is neither a locality, an ingest host nor an organization subdomain");
        });
        finish(Status::Rejected, OutcomeSilo::None);
        return;
    case HostKind::Foreign:
        m_sink.hop(Component::Control, "host", [&] {
            return cat(hostName, " is not ", m_snapshot.info().appHost, " or one of its subdomains");
        });
        finish(Status::Rejected, OutcomeSilo::None);
        return;
    }
}

// ---- sentry.io: integration control, Relay, API gateway ---------------------------------------

template <typename Sink>
void Router<Sink>::controlHost(const RequestView& request, const HostInfo& host, const RelayRoute& relay)
{
    if (host.kind == HostKind::CustomerDomain) {
        m_sink.hop(Component::Control, "customer_domain", [&] {
            const auto org = m_snapshot.findOrgBySlug(host.label);
            return cat(
                host.label, ".", m_snapshot.info().appHost, " is an organization subdomain",
                org ? cat(" (", host.label, " lives in ", m_snapshot.cellName(m_snapshot.org(*org).cell), ")")
                    : std::string(" of no known organization"),
                "; control serves it like ", m_snapshot.info().appHost);
        });
    }
    if (m_path.starts_with("extensions/") || m_path.starts_with("plugins/")) {
        webhook(request);
        return;
    }
    if (!relay.name.empty()) {
        ingest(request, host, relay);
        return;
    }
    gateway(request);
}

// The API gateway's decision order (proxy_request_if_needed; see docs/routing.md).
template <typename Sink>
void Router<Sink>::gateway(const RequestView& request)
{
    ensureEndpoint();
    const Endpoint* e = endpoint();
    if (!e) {
        std::array<std::string_view, 4> s;
        const std::size_t n = splitSegments(m_path, s);
        if (n >= 4 && s[0] == "api" && s[1] == "0" && s[2] == "organizations" && !s[3].empty()) {
            m_sink.hop(Component::ApiGateway, "org_path_shape", [&] {
                return cat(
                    "no catalog endpoint matches /", m_path,
                    ", but it has the canonical organizations/{organization_id_or_slug}/ shape, so the org "
                    "is taken from it");
            });
            toOrganization(Component::ApiGateway, "organization_kwarg", s[3], nullptr, OutcomeSilo::Control);
            return;
        }
        m_sink.hop(Component::Control, "url_resolver", [&] {
            return cat("no catalog endpoint matches /", m_path, ": control's URL resolver answers 404");
        });
        finish(Status::NotFound, OutcomeSilo::Control, 404);
        return;
    }
    // Step 2: a view that may run in control is served there.
    if (runsInControl(e->silo)) {
        m_sink.hop(Component::ApiGateway, "silo_limit", [&] {
            return cat(e->name, " is a ", siloName(e->silo), "-silo endpoint: control serves it, no proxy");
        });
        m_sink.hop(Component::Control, "serve", [&] { return cat("control serves ", e->name); });
        finish(Status::Control, OutcomeSilo::Control);
        return;
    }
    // Step 3: an organization kwarg.
    if (const auto org = orgKwarg()) {
        toOrganization(Component::ApiGateway, "organization_kwarg", *org, nullptr, OutcomeSilo::Control);
        return;
    }
    // Step 4: per-endpoint cell resolvers (assumes apigateway.cell_resolver.enabled).
    if (e->name == "sentry-js-sdk-loader") {
        const std::string_view key = m_match.kwarg("public_key").value_or(std::string_view());
        if (const auto found = m_snapshot.findProjectKey(key)) {
            const CellIndex cell = m_snapshot.projectKeys()[*found].cell;
            m_sink.hop(Component::ApiGateway, "cell_resolver", [&] {
                return cat("SdkPublicKeyResolver: public key ", key, " → ProjectKeyMapping → cell ",
                           m_snapshot.cellName(cell));
            });
            deliver(cell, Status::Routed);
            return;
        }
        m_sink.hop(Component::ApiGateway, "cell_resolver", [&] {
            return cat("SdkPublicKeyResolver: public key ", key, " has no ProjectKeyMapping; falls through");
        });
    } else if (e->name == "sentry-error-page-embed") {
        embedResolver(request);
        return;
    }
    // Step 6: pinned URL names go to the monolith cell.
    if (e->pinned) {
        pinToMonolith([] { return std::string(); });
        return;
    }
    // Step 7: not proxied; the cell-only view answers 404 in control.
    m_sink.hop(Component::ApiGateway, "noop", [&] {
        return cat(e->name, " is cell-silo with no organization kwarg, no cell resolver and not pinned: "
                            "apigateway.unknown_url, not proxied");
    });
    m_sink.hop(Component::Control, "silo_limit",
               [&] { return cat("the cell-only view ", e->name, " answers 404 in control"); });
    nonConforming();
    knownIssues(false);
    finish(Status::NotFound, OutcomeSilo::Control, 404);
}

// Finds the last `name=` value of a query string, form-decoded into `scratch` when needed.
std::optional<std::string_view> queryParam(std::string_view query, std::string_view name,
                                           std::string& scratch)
{
    std::optional<std::string_view> found;
    while (!query.empty()) {
        const std::size_t amp = query.find('&');
        const std::string_view pair = query.substr(0, amp);
        const std::size_t eq = pair.find('=');
        if (pair.substr(0, eq) == name)
            found = eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
        if (amp == std::string_view::npos)
            break;
        query.remove_prefix(amp + 1);
    }
    if (found && std::any_of(found->begin(), found->end(), [](char c) { return c == '%' || c == '+'; })) {
        scratch.clear();
        appendPercentDecoded(scratch, *found, true);
        return std::string_view(scratch);
    }
    return found;
}

// Python's urlparse(dsn).netloc: what follows "//" up to the next '/', '?' or '#'.
std::string_view urlparseNetloc(std::string_view url) noexcept
{
    const std::size_t colon = url.find(':');
    if (colon == std::string_view::npos || !url.substr(colon + 1).starts_with("//"))
        return {};
    const std::string_view rest = url.substr(colon + 3);
    return rest.substr(0, rest.find_first_of("/?#"));
}

// API gateway steps 4-6 for sentry-error-page-embed (ErrorEmbedResolver, proxy_error_embed_request;
// see docs/routing.md and docs/dsn.md).
template <typename Sink>
void Router<Sink>::embedResolver(const RequestView& request)
{
    const auto dsn = queryParam(request.query, "dsn", m_scratch.query);
    const std::string_view appHost = m_snapshot.info().appHost;
    const std::string_view netloc = dsn ? urlparseNetloc(*dsn) : std::string_view();
    std::string_view publicKey =
        netloc.substr(0, netloc.find('@') == std::string_view::npos ? 0 : netloc.find('@'));
    publicKey = publicKey.substr(0, publicKey.find(':'));
    const auto key = m_snapshot.findProjectKey(publicKey);
    const CellIndex keyCell = key ? m_snapshot.projectKeys()[*key].cell : kNoCell;
    const auto keyText = [&] {
        return key ? cat("its key lives in ", m_snapshot.cellName(keyCell))
                   : cat("its key ", publicKey.empty() ? "is missing" : "has no ProjectKeyMapping");
    };

    std::optional<CellIndex> cell;
    if (!dsn) {
        m_sink.hop(Component::ApiGateway, "cell_resolver",
                   [&] { return std::string("ErrorEmbedResolver: no ?dsn= in the query; falls through"); });
    } else if (!netloc.ends_with(appHost)) {
        m_sink.hop(Component::ApiGateway, "cell_resolver", [&] {
            return cat("ErrorEmbedResolver: DSN netloc '", netloc, "' does not end with ", appHost,
                       "; falls through");
        });
    } else if (const auto label = dsnHostLabelBeforeAppHost(netloc, appHost)) {
        cell = m_snapshot.findCell(*label);
        m_sink.hop(Component::ApiGateway, "cell_resolver", [&] {
            return cell ? cat("ErrorEmbedResolver: DSN host label '", *label, "' → cell ", *label)
                        : cat("ErrorEmbedResolver: DSN host label '", *label, "' is not a cell name",
                              m_snapshot.findLocality(*label) ? cat(" (it names locality ", *label, ")") : "",
                              ": get_cell_by_name fails; falls through");
        });
        if (cell && key && keyCell != *cell)
            m_sink.warn(WarningCode::LocalityMismatch, [&] {
                return cat("the DSN names ", *label, " but ", keyText(),
                           ": the embed reaches the wrong cell");
            });
    } else {
        cell = m_snapshot.monolithCell();
        m_sink.hop(Component::ApiGateway, "cell_resolver", [&] {
            return cat("ErrorEmbedResolver: DSN host '", netloc, "' has fewer than 3 labels before ", appHost,
                       " → monolith cell ", cell ? m_snapshot.cellName(*cell) : "(none configured)");
        });
        m_sink.warn(WarningCode::LegacyDsnNoLocality, [&] {
            return cat("the DSN host carries no locality, so the embed goes to the monolith cell; ",
                       keyText(),
                       key && cell && keyCell != *cell ? ": the widget breaks silently for this org" : "");
        });
    }
    if (cell) {
        deliver(*cell, Status::Routed);
        return;
    }
    if (dsn)
        m_sink.hop(Component::ApiGateway, "error_embed", [&] {
            return std::string("proxy_error_embed_request parses the same DSN and does not proxy either");
        });
    if (endpoint()->pinned) {
        pinToMonolith([&] { return key ? cat("; ", keyText()) : std::string(); });
        return;
    }
    m_sink.hop(Component::ApiGateway, "noop",
               [&] { return std::string("not proxied: control answers 404"); });
    finish(Status::NotFound, OutcomeSilo::Control, 404);
}

template <typename Sink>
template <typename Detail>
void Router<Sink>::pinToMonolith(Detail&& detail)
{
    const auto monolith = m_snapshot.monolithCell();
    m_sink.hop(Component::ApiGateway, "pinned_url_name", [&] {
        return cat(target(), " is in REGION_PINNED_URL_NAMES → monolith cell ",
                   monolith ? m_snapshot.cellName(*monolith) : "(none configured)");
    });
    nonConforming();
    if (!monolith) {
        finish(Status::Unroutable, OutcomeSilo::None);
        return;
    }
    m_sink.warn(WarningCode::PinnedMay404, [&] {
        return cat(target(), " always goes to ", m_snapshot.cellName(*monolith),
                   ": resources that live in other cells answer 404", detail());
    });
    deliver(*monolith, Status::Pinned);
}

template <typename Sink>
void Router<Sink>::toOrganization(Component component, std::string_view rule, std::string_view org,
                                  const Locality* locality, OutcomeSilo notFoundSilo)
{
    const auto index = m_snapshot.findOrg(org);
    const bool byId = isDecimalId(org);
    if (!index) {
        m_sink.hop(component, rule, [&] {
            return cat("organization ", byId ? "id " : "slug '", org, byId ? "" : "'",
                       " has no OrganizationMapping → 404",
                       component == Component::ApiGateway ? " (empty body)" : "");
        });
        finish(Status::NotFound, notFoundSilo, 404);
        return;
    }
    const OrganizationMapping& mapping = m_snapshot.org(*index);
    m_sink.hop(component, rule, [&] {
        return byId ? cat("organization id ", org, " (", m_snapshot.slug(*index), ") → cell ",
                          m_snapshot.cellName(mapping.cell))
                    : cat("organization slug '", org, "' (id ", mapping.id, ") → cell ",
                          m_snapshot.cellName(mapping.cell));
    });
    if (locality && localityOf(mapping.cell) != locality->name) {
        m_sink.warn(WarningCode::LocalityMismatch, [&] {
            return cat("organization ", m_snapshot.slug(*index), " lives in ",
                       m_snapshot.cellName(mapping.cell), " (locality ", localityOf(mapping.cell),
                       "), not in ", locality->name, "; use https://", localityOf(mapping.cell), ".",
                       m_snapshot.info().appHost);
        });
        m_sink.hop(component, "locality_mismatch", [&] {
            return cat(m_snapshot.cellName(mapping.cell), " is not a cell of ", locality->name,
                       ": no upstream for it, the request answers 404");
        });
        finish(Status::NotFound, notFoundSilo, 404);
        return;
    }
    if (mapping.status == OrgStatus::RelocationPendingApproval)
        m_sink.warn(WarningCode::OrgRelocating, [&] {
            return cat("organization ", m_snapshot.slug(*index),
                       " is relocating (relocation pending approval): its cell may change");
        });
    deliver(mapping.cell, Status::Routed);
}

template <typename Sink>
void Router<Sink>::deliver(CellIndex cell, Status status)
{
    if (cell >= m_snapshot.cells().size() || !m_snapshot.cells()[cell].declared) {
        m_sink.hop(Component::Cell, "cell_config", [&] {
            return cat("cell ", m_snapshot.cellName(cell), " is not configured (CellResolutionError)");
        });
        finish(Status::Unroutable, OutcomeSilo::None);
        return;
    }
    m_sink.hop(Component::Cell, "serve", [&] { return cat(cellLabel(cell), " serves ", target()); });
    finish(status, OutcomeSilo::Cell, 0, std::span<const CellIndex>(&cell, 1));
}

// A cell-silo endpoint without an org kwarg cannot be routed by org (see docs/backlog.md); the backlog
// action says how it will be fixed.
template <typename Sink>
void Router<Sink>::nonConforming()
{
    ensureEndpoint();
    const Endpoint* e = endpoint();
    // The gateway's per-endpoint resolvers route these two without an org (step 4 in docs/routing.md).
    if (!e || e->silo != Silo::Cell || orgKwarg() || e->name == "sentry-js-sdk-loader" ||
        e->name == "sentry-error-page-embed")
        return;
    m_sink.warn(WarningCode::NonConformingEndpoint, [&] {
        return cat(e->name, " is cell-silo without organization_id_or_slug in its URL (backlog action: ",
                   e->backlogAction.empty() ? "none listed" : e->backlogAction, ")");
    });
}

// Known issues (the known_issue warning in docs/routing.md), recognised by path shape so any catalog
// gets them.
template <typename Sink>
void Router<Sink>::knownIssues(bool partialListing)
{
    if (m_path == "api/0/organizations/") {
        if (isPost()) {
            m_sink.warn(WarningCode::KnownIssue, [&] {
                return std::string("org creation: a locality is chosen but nothing picks the cell within it "
                                   "(Locality.new_org_cell is the planned fix)");
            });
            return;
        }
        m_sink.warn(WarningCode::KnownIssue, [&] {
            return std::string(
                "org listing: OrganizationIndexEndpoint is cell-silo and lists only the orgs of "
                "the cell it reaches");
        });
        if (partialListing)
            m_sink.warn(WarningCode::PartialResults, [&] {
                return std::string("whichever cell answers returns only its own organizations");
            });
    }
    if (m_path.starts_with("api/0/relocations/") || m_path == "api/0/publickeys/relocations/")
        m_sink.warn(WarningCode::KnownIssue, [&] {
            return std::string(
                "relocation endpoints carry no org slug and cannot be routed within a multi-cell "
                "locality (TO_BE_BROKEN, Monarch)");
        });
}

// ---- Integration webhooks (docs/routing.md, "Webhooks: integration control") --------------------

template <typename Sink>
void Router<Sink>::webhook(const RequestView& request)
{
    if (m_path.starts_with("plugins/")) {
        plugin();
        return;
    }
    if (m_path.ends_with("/setup/") || m_path.ends_with("/link/") ||
        m_path.starts_with("extensions/external-install/")) {
        m_sink.hop(Component::IntegrationControl, "classification", [&] {
            return cat("/", m_path,
                       " is a setup/link/external-install view, not a webhook: control serves it");
        });
        finish(Status::Control, OutcomeSilo::Control);
        return;
    }
    std::array<std::string_view, 4> s;
    const std::size_t n = splitSegments(m_path, s);
    // The provider is the first segment after /extensions/ with '-' read as '_'.
    std::array<char, 32> providerBuffer{};
    const std::string_view rawProvider = n >= 2 ? s[1] : std::string_view();
    const std::size_t providerLength = std::min(rawProvider.size(), providerBuffer.size());
    for (std::size_t i = 0; i < providerLength; ++i)
        providerBuffer[i] = rawProvider[i] == '-' ? '_' : rawProvider[i];
    const std::string_view provider(providerBuffer.data(), providerLength);
    const std::string_view action = n >= 3 ? s[2] : std::string_view();

    const bool known = rawProvider.size() <= providerBuffer.size() &&
                       std::find(std::begin(kParsers), std::end(kParsers), provider) != std::end(kParsers);
    if (!known) {
        m_sink.hop(Component::IntegrationControl, "classification", [&] {
            return cat("no webhook parser for provider '", rawProvider, "': control's own views answer");
        });
        finish(Status::Control, OutcomeSilo::Control);
        return;
    }
    if (action == "link-team" || action == "unlink-team") {
        m_sink.hop(Component::IntegrationControl, "team_linkage", [&] {
            return cat(
                "TeamLinkageView (", action,
                ") is a cell view reached by a signed URL carrying integration_id, not an org: no cell can "
                "be chosen");
        });
        m_sink.warn(WarningCode::KnownIssue, [&] {
            return std::string(
                "TeamLinkageView (link-team/unlink-team) cannot be routed and only sees orgs of "
                "one locality");
        });
        nonConforming();
        finish(Status::Unroutable, OutcomeSilo::None);
        return;
    }
    if (std::find(std::begin(kControlOnlyActions), std::end(kControlOnlyActions), action) !=
        std::end(kControlOnlyActions)) {
        m_sink.hop(Component::IntegrationControl, "control_only", [&] {
            return cat(provider, " ", action, " is answered by control (get_response_from_control_silo)");
        });
        finish(Status::Control, OutcomeSilo::Control);
        return;
    }
    const Integration* integration =
        request.integration ? m_snapshot.findIntegration(provider, *request.integration) : nullptr;
    if (!integration) {
        m_sink.hop(Component::IntegrationControl, "integration_lookup", [&] {
            return request.integration
                       ? cat("no ", provider, " integration with external id '", *request.integration,
                             "' → 400")
                       : cat("the ", provider,
                             " parser finds no integration (give its external id with --integration) → 400");
        });
        finish(Status::Rejected, OutcomeSilo::Control, 400);
        return;
    }
    // Active installations → org mappings → cells, sorted by name (find_cells_for_org_mappings).
    auto& cells = m_scratch.cells;
    cells.clear();
    std::size_t unknownOrgs = 0;
    for (std::int64_t orgId : integration->organizations) {
        if (const auto org = m_snapshot.findOrgById(orgId))
            cells.push_back(m_snapshot.org(*org).cell);
        else
            ++unknownOrgs;
    }
    std::sort(cells.begin(), cells.end(),
              [&](CellIndex a, CellIndex b) { return m_snapshot.cellName(a) < m_snapshot.cellName(b); });
    cells.erase(std::unique(cells.begin(), cells.end()), cells.end());
    const auto cellList = [&] {
        std::string names;
        for (CellIndex cell : cells)
            names += cat(names.empty() ? "" : ", ", m_snapshot.cellName(cell));
        return names.empty() ? std::string("none") : names;
    };
    m_sink.hop(Component::IntegrationControl, "organization_integrations", [&] {
        return cat(provider, " integration ", integration->externalId, " has ",
                   integration->organizations.size(), " active installation(s)",
                   unknownOrgs ? cat(" (", unknownOrgs, " without org mapping)") : "",
                   " → cells: ", cellList());
    });
    const Status spread = cells.empty()       ? Status::Control
                          : cells.size() == 1 ? Status::Routed
                                              : Status::Fanout;
    const OutcomeSilo silo = cells.empty() ? OutcomeSilo::Control : OutcomeSilo::Cell;

    if (provider == "jira" && action == "issue") {
        if (cells.size() > 1) {
            m_sink.hop(Component::IntegrationControl, "cell_restricted", [&] {
                return std::string("JiraSentryIssueDetailsView is a cell view and the panel is blocked for "
                                   "multi-cell installs (is_cell_restricted)");
            });
            m_sink.warn(WarningCode::KnownIssue, [&] {
                return std::string("Jira issue-details panel: blocked from multi-cell installs; "
                                   "/extensions/jira/issue-details/{key}/ already fans out from control");
            });
            finish(Status::Unroutable, OutcomeSilo::None);
            return;
        }
        m_sink.hop(Component::IntegrationControl, "cell_view",
                   [&] { return cat("JiraSentryIssueDetailsView answers from ", cellList()); });
        finish(spread, silo, 0, cells);
        return;
    }
    if (provider == "jira" && action == "issue-details") {
        m_sink.hop(Component::Control, "control_view_fanout", [&] {
            return cat("JiraSentryIssueDetailsControlView queries ", cellList(), " (find_cells_for_orgs)");
        });
        finish(spread, silo, 0, cells);
        return;
    }
    if (isAsyncAckProvider(provider)) {
        m_sink.hop(Component::IntegrationControl, "async_response", [&] {
            return cat(provider, ": control acknowledges at once (200) and a task calls ", cellList(),
                       ", posting the answer to the provider's response_url");
        });
        finish(spread, silo, 200, cells);
        return;
    }
    m_sink.hop(Component::IntegrationControl, "webhookpayload", [&] {
        return cat("one WebhookPayload per cell (", cellList(),
                   "), 202 at once; a worker delivers with retries (up to 10 attempts)");
    });
    finish(spread, silo, 202, cells);
}

template <typename Sink>
void Router<Sink>::plugin()
{
    std::array<std::string_view, 5> s;
    const std::size_t n = splitSegments(m_path, s);
    if (n >= 4 && s[2] == "organizations") {
        if (const auto org = m_snapshot.findOrg(s[3])) {
            const CellIndex cell = m_snapshot.org(*org).cell;
            m_sink.hop(Component::IntegrationControl, "plugin", [&] {
                return cat("plugin ", s[1], " webhook for organization ", s[3], " → WebhookPayload for ",
                           m_snapshot.cellName(cell), ", 202 at once");
            });
            finish(Status::Routed, OutcomeSilo::Cell, 202, std::span<const CellIndex>(&cell, 1));
            return;
        }
    }
    m_sink.hop(Component::IntegrationControl, "plugin",
               [&] { return cat("plugin path without a known organization: control answers it"); });
    finish(Status::Control, OutcomeSilo::Control);
}

// ---- {locality}.sentry.io: Synapse (docs/routing.md) --------------------------------------------

template <typename Sink>
void Router<Sink>::localityHost(const RequestView& request, const HostInfo& host, const RelayRoute& relay)
{
    const Locality& locality = *host.locality;
    if (!relay.name.empty()) {
        ingest(request, host, relay);
        return;
    }
    const SynapseRoute route = synapseRoute(m_rawPath);
    if (locality.cells.size() == 1) {
        const CellIndex only = locality.cells.front();
        m_sink.hop(Component::Synapse, "single_cell_locality", [&] {
            return cat(locality.name, " has one cell (", m_snapshot.cellName(only),
                       "): Synapse is an optional pass-through");
        });
        if (!route.organization.empty())
            toOrganization(Component::Synapse, "org_in_path", route.organization, &locality,
                           OutcomeSilo::Cell);
        else
            deliver(only, Status::Routed);
        return;
    }
    m_sink.hop(Component::Synapse, "locality_host", [&] {
        return cat(locality.name, ".", m_snapshot.info().appHost, " is locality ", locality.name,
                   ": Synapse picks one of ", localityCells(locality), " by organization");
    });
    if (!route.organization.empty()) {
        m_sink.hop(Component::Synapse, "route", [&] {
            return cat("route ", route.shape, " captures organization '", route.organization, "'");
        });
        toOrganization(Component::Synapse, "cell_from_organization", route.organization, &locality,
                       OutcomeSilo::None);
        return;
    }
    if (!route.cellId.empty()) {
        const auto cell = m_snapshot.findCell(route.cellId);
        const bool inLocality = cell && localityOf(*cell) == locality.name;
        m_sink.hop(Component::Synapse, "cell_from_id", [&] {
            return cat("route ", route.shape, " names cell '", route.cellId, "'",
                       inLocality ? "" : cat(", which is not a cell of ", locality.name, " → 404"));
        });
        if (inLocality)
            deliver(*cell, Status::Routed);
        else
            finish(Status::NotFound, OutcomeSilo::None, 404);
        return;
    }
    ensureEndpoint();
    const Endpoint* e = endpoint();
    m_sink.hop(Component::Synapse, "no_org_route", [&] {
        std::string about = e ? cat("; endpoint ", e->name, " (", siloName(e->silo), " silo, backlog action ",
                                    e->backlogAction.empty() ? "none listed" : e->backlogAction, ")")
                              : std::string("; no catalog endpoint matches");
        if (e && runsInControl(e->silo))
            about += cat("; it is served by control at https://", m_snapshot.info().appHost);
        return cat("no Synapse route captures an organization in ", m_rawPath, about,
                   ": Synapse cannot choose among ", localityCells(locality));
    });
    nonConforming();
    knownIssues(true);
    finish(Status::Unroutable, OutcomeSilo::None);
}

// ---- Ingestion (docs/routing.md, "Ingestion: the ingest-router and Relay") ----------------------

template <typename Sink>
void Router<Sink>::ingestHost(const RequestView& request, const HostInfo& host, const RelayRoute& relay)
{
    if (!relay.name.empty()) {
        ingest(request, host, relay);
        return;
    }
    if (m_path.starts_with("api/0/relays/")) {
        relayApi(host);
        return;
    }
    m_sink.hop(Component::Relay, "no_route", [&] {
        return cat(m_rawPath,
                   " is neither an ingestion route nor Relay's API: nothing serves it on an ingest host");
    });
    finish(Status::NotFound, OutcomeSilo::None, 404);
}

template <typename Sink>
void Router<Sink>::ingest(const RequestView& request, const HostInfo& host, const RelayRoute& route)
{
    // Relay reads the key from the auth header first, then the path, then the query string.
    KeySource key;
    for (const auto& [name, value] : request.headers) {
        const bool sentryAuth = hostEquals(name, "x-sentry-auth");
        if (!sentryAuth && !(hostEquals(name, "authorization") && startsWithI(value, "sentry ")))
            continue;
        const AuthParseResult auth = parseAuthHeader(value);
        if (!auth.auth) {
            const auto header = name; // a structured binding cannot be captured before clang 16
            m_sink.hop(Component::Relay, "auth", [&] {
                return cat(header, " is invalid (", authErrorMessage(auth.error), "): Relay answers 401");
            });
            finish(Status::Rejected, OutcomeSilo::None, 401);
            return;
        }
        m_scratch.key = auth.auth->publicKey;
        key = {m_scratch.key, sentryAuth ? "the X-Sentry-Auth header" : "the Authorization header"};
        break;
    }
    if (key.key.empty() && !route.pathKey.empty())
        key = {route.pathKey, "the path"};
    if (key.key.empty()) {
        if (const auto fromQuery = findSentryKeyInQuery(request.query, m_scratch.key))
            key = {*fromQuery, "sentry_key= in the query"};
    }
    if (key.key.empty()) {
        m_sink.hop(Component::Relay, "auth", [&] {
            return std::string("no public key in X-Sentry-Auth, the path or sentry_key=: Relay answers 401");
        });
        finish(Status::Rejected, OutcomeSilo::None, 401);
        return;
    }
    ingestByKey(host, key, route.name, route.projectId, false);
}

template <typename Sink>
void Router<Sink>::ingestByKey(const HostInfo& host, KeySource key, std::string_view routeName,
                               std::string_view projectId, bool fromDsn)
{
    const Locality* locality = host.locality;
    m_sink.hop(Component::IngestRouter, "ingest_host", [&] {
        std::string about = locality ? cat("ingest host of locality ", locality->name)
                                     : std::string("legacy ingest host without a locality");
        if (host.orgId)
            about += cat(", org ", *host.orgId, " in the host");
        return cat(about, "; the ingest-router routes ", routeName, " by public key, never by host");
    });
    const auto found = m_snapshot.findProjectKey(key.key);
    if (!found) {
        m_sink.hop(Component::IngestRouter, "project_key_mapping", [&] {
            return cat("public key ", key.key, " (from ", key.from,
                       ") has no ProjectKeyMapping: the key goes to pending and Relay keeps retrying");
        });
        finish(Status::Unroutable, OutcomeSilo::None);
        return;
    }
    const ProjectKey& projectKey = m_snapshot.projectKeys()[*found];
    const CellIndex cell = projectKey.cell;
    const bool passThrough = locality && locality->cells.size() == 1;
    m_sink.hop(Component::IngestRouter, "project_key_mapping", [&] {
        return cat("public key ", key.key, " (from ", key.from, ") → cell ", m_snapshot.cellName(cell),
                   " (project ", projectKey.projectId, ", org ", projectKey.organizationId, ")",
                   passThrough ? "; single-cell locality, the ingest-router is an optional pass-through"
                               : "");
    });
    if (locality && localityOf(cell) != locality->name) {
        m_sink.warn(WarningCode::LocalityMismatch, [&] {
            return cat("key ", key.key, " lives in ", m_snapshot.cellName(cell), " (locality ",
                       localityOf(cell), ") but was sent to the ", locality->name, " ingest host");
        });
        m_sink.hop(Component::IngestRouter, "locality_mismatch", [&] {
            return cat("the locator refuses a key of locality ", localityOf(cell), " for route locality ",
                       locality->name, ": the key stays pending");
        });
        finish(Status::Unroutable, OutcomeSilo::None);
        return;
    }
    if (host.orgId && *host.orgId != static_cast<std::uint64_t>(projectKey.organizationId))
        m_sink.warn(WarningCode::DsnOrgMismatch, [&] {
            return cat("the host names org ", *host.orgId, " but key ", key.key, " belongs to org ",
                       projectKey.organizationId, " (routing uses the key)");
        });
    if (isRelocating(projectKey.organizationId))
        m_sink.warn(WarningCode::OrgRelocating, [&] {
            const auto org = m_snapshot.findOrgById(projectKey.organizationId);
            return cat("organization ", org ? m_snapshot.slug(*org) : std::string_view("?"),
                       " is relocating: its key's cell may change");
        });
    const auto monolith = m_snapshot.monolithCell();
    if (!fromDsn && projectKey.dsnFormat != DsnFormat::Locality && (!monolith || *monolith != cell))
        m_sink.warn(WarningCode::LegacyDsnNoLocality, [&] {
            return cat(
                "key ", key.key, "'s DSN was issued in the ", dsnFormatName(projectKey.dsnFormat),
                " format, with no locality: the error-embed widget resolves it to the monolith cell, not ",
                m_snapshot.cellName(cell));
        });
    m_sink.hop(Component::Relay, "cell_relay", [&] {
        const bool otherProject = parseU64(projectId) && projectKey.projectId >= 0 &&
                                  *parseU64(projectId) != static_cast<std::uint64_t>(projectKey.projectId);
        return cat(cellLabel(cell), "'s Relay accepts ", routeName,
                   otherProject ? cat(" (the path names project ", projectId, ", the key belongs to ",
                                      projectKey.projectId, ": Relay drops the event)")
                                : std::string());
    });
    m_sink.hop(Component::Relay, "high_volume", [&] {
        return cat("high-volume Relays post straight to ", m_snapshot.cellName(cell),
                   "'s Relay (its URL comes with the project config), bypassing the ingest-router");
    });
    finish(Status::Routed, OutcomeSilo::Cell, 0, std::span<const CellIndex>(&cell, 1));
}

// The ingest-router's own handlers for Relay's API (see docs/routing.md).
template <typename Sink>
void Router<Sink>::relayApi(const HostInfo& host)
{
    const Locality* locality = host.locality;
    if (!locality)
        if (const auto monolith = m_snapshot.monolithCell())
            locality = m_snapshot.localityOfCell(*monolith);
    const std::span<const CellIndex> cells =
        locality ? std::span<const CellIndex>(locality->cells) : std::span<const CellIndex>();
    const std::string_view name = locality ? std::string_view(locality->name) : std::string_view("(none)");
    const std::string_view api = m_path.substr(std::string_view("api/0/relays/").size());
    if (api == "projectconfigs/") {
        m_sink.hop(Component::IngestRouter, "relay_project_configs", [&] {
            return cat("keys are grouped by cell and sent to the Relays of ", name,
                       " in parallel; "
                       "unknown keys and failed cells come back as pending");
        });
        finish(cells.size() > 1 ? Status::Fanout : Status::Routed, OutcomeSilo::Cell, 0, cells);
        return;
    }
    if (api == "live/") {
        m_sink.hop(Component::IngestRouter, "health",
                   [&] { return std::string("the ingest-router answers itself"); });
        finish(Status::Routed, OutcomeSilo::None, 200);
        return;
    }
    if ((api == "register/challenge/" || api == "register/response/" || api == "publickeys/") &&
        !cells.empty()) {
        m_sink.hop(Component::IngestRouter, "failover", [&] {
            return cat("any-cell failover: ", m_snapshot.cellName(cells.front()), " of ", name,
                       " answers, the next cells on failure");
        });
        finish(Status::Routed, OutcomeSilo::Cell, 0, cells.first(1));
        return;
    }
    m_sink.hop(Component::IngestRouter, "no_route",
               [&] { return cat("the ingest-router has no handler for /", m_path); });
    finish(Status::NotFound, OutcomeSilo::None, 404);
}

// A DSN: where its SDK sends envelopes, authenticated by its public key (see docs/dsn.md).
template <typename Sink>
void Router<Sink>::dsn(const Dsn& dsn)
{
    m_method = "POST";
    m_rawPath = "/";
    HostInfo host = classifyHost(m_snapshot, dsn.host);
    if (host.kind == HostKind::Locality)
        host.kind = HostKind::Ingest;
    if (host.kind != HostKind::Ingest && host.kind != HostKind::App &&
        host.kind != HostKind::CustomerDomain) {
        m_sink.hop(Component::Relay, "dsn_host", [&] {
            return cat("DSN host ", dsn.host, " is not an ingest host of ", m_snapshot.info().appHost);
        });
        finish(Status::Rejected, OutcomeSilo::None);
        return;
    }
    if (const auto orgId = dsn.orgId())
        host.orgId = orgId;
    if (!host.locality) {
        const auto key = m_snapshot.findProjectKey(dsn.publicKey);
        const auto monolith = m_snapshot.monolithCell();
        m_sink.warn(WarningCode::LegacyDsnNoLocality, [&] {
            const bool elsewhere = key && monolith && m_snapshot.projectKeys()[*key].cell != *monolith;
            return cat("DSN host ", dsn.host,
                       " carries no locality: the error-embed widget resolves it to the "
                       "monolith cell ",
                       monolith ? m_snapshot.cellName(*monolith) : "(none)",
                       elsewhere ? cat(", but the key lives in ",
                                       m_snapshot.cellName(m_snapshot.projectKeys()[*key].cell),
                                       ": the widget breaks silently")
                                 : std::string());
        });
    }
    ingestByKey(host, {dsn.publicKey, "the DSN"}, "/api/{project_id}/envelope/", dsn.projectId, true);
}

} // namespace

// ---- Sinks and entry points -------------------------------------------------------------------

void Scratch::prepare(const Snapshot& snapshot)
{
    relocatingOrgIds.emplace();
    for (const OrganizationMapping& org : snapshot.organizations())
        if (org.status == OrgStatus::RelocationPendingApproval)
            relocatingOrgIds->push_back(org.id);
    std::sort(relocatingOrgIds->begin(), relocatingOrgIds->end());
    reserve(snapshot.cells().size());
}

void Scratch::reserve(std::size_t cellCount)
{
    path.reserve(4096);
    query.reserve(1024);
    key.reserve(256);
    cells.reserve(cellCount);
}

void ClassifySink::outcome(Status status, OutcomeSilo silo, int httpStatus,
                           std::span<const CellIndex> cells) noexcept
{
    m_out.status = status;
    m_out.silo = silo;
    m_out.httpStatus = static_cast<std::uint16_t>(httpStatus);
    m_out.cellCount = static_cast<std::uint16_t>(std::min<std::size_t>(cells.size(), 0xFFFF));
    std::copy_n(cells.begin(), std::min(cells.size(), kMaxClassifiedCells), m_out.cells.begin());
}

void TraceSink::endpoint(std::uint32_t index)
{
    const Endpoint& e = m_catalog.endpoints()[index];
    m_out.endpoint = EndpointRef{e.name, std::string(siloName(e.silo)),
                                 e.backlogAction.empty() ? std::nullopt : std::optional(e.backlogAction)};
}

void TraceSink::addWarning(WarningCode code, std::string message)
{
    const std::string name(warningCodeName(code));
    for (const Warning& existing : m_out.warnings)
        if (existing.code == name && existing.message == message)
            return;
    m_out.warnings.push_back({name, std::move(message)});
}

void TraceSink::outcome(Status status, OutcomeSilo silo, int httpStatus, std::span<const CellIndex> cells)
{
    m_out.outcome.status = std::string(statusName(status));
    m_out.outcome.silo =
        silo == OutcomeSilo::None ? std::nullopt : std::optional(std::string(outcomeSiloName(silo)));
    m_out.outcome.cells.clear();
    for (CellIndex cell : cells)
        m_out.outcome.cells.emplace_back(m_snapshot.cellName(cell));
    m_out.outcome.httpStatus = httpStatus ? std::optional(httpStatus) : std::nullopt;
}

void route(const Snapshot& snapshot, const Catalog& catalog, const RequestView& request, Scratch& scratch,
           ClassifySink& sink)
{
    Router<ClassifySink>(snapshot, catalog, scratch, sink).request(request);
}

void route(const Snapshot& snapshot, const Catalog& catalog, const RequestView& request, Scratch& scratch,
           TraceSink& sink)
{
    Router<TraceSink>(snapshot, catalog, scratch, sink).request(request);
}

void routeDsn(const Snapshot& snapshot, const Catalog& catalog, const Dsn& dsn, Scratch& scratch,
              TraceSink& sink)
{
    Router<TraceSink>(snapshot, catalog, scratch, sink).dsn(dsn);
}

bool isServedHost(const Snapshot& snapshot, std::string_view host) noexcept
{
    return hostIsWithin(host, snapshot.info().appHost);
}

const Locality* hostLocality(const Snapshot& snapshot, std::string_view host) noexcept
{
    return classifyHost(snapshot, host).locality;
}

std::string_view organizationInPath(std::string_view rawPath) noexcept
{
    return synapseRoute(rawPath).organization;
}

} // namespace cellscope::routing
