#include "core/routing/dsn.h"

#include <algorithm>
#include <array>
#include <cstddef>
#include <limits>

namespace cellscope::routing {

namespace {

DsnParseResult fail(DsnError error, std::optional<UrlError> urlError = std::nullopt)
{
    return DsnParseResult{std::nullopt, error, urlError};
}

std::string_view trimSlashes(std::string_view text) noexcept
{
    while (!text.empty() && text.front() == '/')
        text.remove_prefix(1);
    while (!text.empty() && text.back() == '/')
        text.remove_suffix(1);
    return text;
}

// The crate's extract_org_id(): the first label of a host shaped
// `o<x>.ingest.sentry.io` or `o<x>.ingest.<any label>.sentry.io`: returns <x>.
std::optional<std::string_view> orgLabelDigits(std::string_view host) noexcept
{
    std::array<std::string_view, 6> labels{};
    std::size_t count = 0;
    while (count < labels.size()) {
        const std::size_t dot = host.find('.');
        labels[count++] = host.substr(0, dot);
        if (dot == std::string_view::npos)
            break;
        host.remove_prefix(dot + 1);
    }
    // splitn(6, '.') would leave any remainder in a sixth label: no match then.
    const bool regional = count == 5 && labels[1] == "ingest" && labels[3] == "sentry" && labels[4] == "io";
    const bool regionless = count == 4 && labels[1] == "ingest" && labels[2] == "sentry" && labels[3] == "io";
    if ((!regional && !regionless) || labels[0].empty() || labels[0].front() != 'o')
        return std::nullopt;
    return labels[0].substr(1);
}

std::string apiUrl(const Dsn& dsn, std::string_view endpoint)
{
    // The crate formats this string and re-parses it with the url crate; every
    // piece is already in serialised form, so the re-parse changes nothing.
    std::string out = dsn.scheme + "://" + dsn.host;
    if (dsn.port)
        out += ":" + std::to_string(*dsn.port);
    out += dsn.path;
    out += "api/";
    out += dsn.projectId;
    out += '/';
    out += endpoint;
    out += '/';
    return out;
}

std::size_t countLabels(std::string_view text) noexcept
{
    return static_cast<std::size_t>(std::count(text.begin(), text.end(), '.')) + 1;
}

} // namespace

std::string_view dsnErrorCode(DsnError error) noexcept
{
    switch (error) {
    case DsnError::InvalidUrl:
        return "invalid_url";
    case DsnError::NoProjectId:
        return "no_project_id";
    case DsnError::NoUsername:
        return "no_username";
    case DsnError::InvalidScheme:
        return "invalid_scheme";
    case DsnError::InvalidProjectId:
        return "invalid_project_id";
    }
    return "unknown";
}

std::string_view dsnErrorMessage(DsnError error) noexcept
{
    switch (error) {
    case DsnError::InvalidUrl:
        return "The DSN is not a valid URL with a host.";
    case DsnError::NoProjectId:
        return "The DSN has no project id: its path is empty.";
    case DsnError::NoUsername:
        return "The DSN has no public key: the URL's username is empty.";
    case DsnError::InvalidScheme:
        return "The DSN's scheme must be http or https.";
    case DsnError::InvalidProjectId:
        return "The DSN's project id (its last path segment) is empty.";
    }
    return "Unknown DSN error.";
}

std::uint16_t Dsn::effectivePort() const noexcept
{
    return port.value_or(scheme == "https" ? 443 : 80);
}

std::string Dsn::toString() const
{
    // The crate always prints the ':' after the public key, secret or not.
    std::string out = scheme + "://" + publicKey + ":";
    if (secretKey)
        out += *secretKey;
    out += '@';
    out += host;
    if (port)
        out += ":" + std::to_string(*port);
    out += path;
    out += projectId;
    return out;
}

std::optional<std::uint64_t> Dsn::orgId() const noexcept
{
    const auto digits = orgLabelDigits(host);
    if (!digits || digits->empty())
        return std::nullopt;
    std::uint64_t value = 0;
    for (char c : *digits) {
        if (c < '0' || c > '9')
            return std::nullopt;
        const auto digit = static_cast<std::uint64_t>(c - '0');
        if (value > (std::numeric_limits<std::uint64_t>::max() - digit) / 10)
            return std::nullopt; // does not fit in u64
        value = value * 10 + digit;
    }
    return value;
}

std::string Dsn::storeUrl() const
{
    return apiUrl(*this, "store");
}

std::string Dsn::envelopeUrl() const
{
    return apiUrl(*this, "envelope");
}

DsnParseResult parseDsn(std::string_view text)
{
    // Checks run in the crate's order, so the first problem met is reported.
    UrlParseResult parsed = parseUrl(text);
    if (!parsed.url)
        return fail(DsnError::InvalidUrl, parsed.error);
    Url& url = *parsed.url;

    if (url.path == "/")
        return fail(DsnError::NoProjectId);

    // Trim '/' from both ends, then split once from the right.
    const std::string_view trimmed = trimSlashes(url.path);
    const std::size_t lastSlash = trimmed.rfind('/');
    const std::string_view projectId =
        lastSlash == std::string_view::npos ? trimmed : trimmed.substr(lastSlash + 1);
    const std::string_view rest =
        lastSlash == std::string_view::npos ? std::string_view{} : trimmed.substr(0, lastSlash);
    if (projectId.empty())
        return fail(DsnError::InvalidProjectId);

    if (url.username.empty())
        return fail(DsnError::NoUsername);

    if (url.scheme != "http" && url.scheme != "https")
        return fail(DsnError::InvalidScheme);

    // http(s) URLs always have a host; the crate still maps "no host" to InvalidUrl.
    if (url.host.empty())
        return fail(DsnError::InvalidUrl);

    Dsn dsn;
    dsn.scheme = std::move(url.scheme);
    dsn.publicKey = std::move(url.username);
    if (!url.password.empty())
        dsn.secretKey = std::move(url.password);
    dsn.host = std::move(url.host);
    dsn.port = url.port;
    // The crate also maps a remainder of "/" to "/", which trimming makes impossible.
    dsn.path = rest.empty() ? std::string("/") : "/" + std::string(rest) + "/";
    dsn.projectId = std::string(projectId);
    return DsnParseResult{std::move(dsn), {}, std::nullopt};
}

std::optional<std::string> dsnHostLabelBeforeAppHost(std::string_view host, std::string_view appHost)
{
    // Python's str.endswith: a plain, case-sensitive suffix test.
    if (host.size() < appHost.size() || host.substr(host.size() - appHost.size()) != appHost)
        return std::nullopt;
    const std::size_t hostLabels = countLabels(host);
    const std::size_t appLabels = countLabels(appHost);
    if (hostLabels < appLabels + 3)
        return std::nullopt;
    // host_segments[-(len(app_segments) + 1)], counted from the front.
    std::size_t wanted = hostLabels - appLabels - 1;
    std::size_t start = 0;
    while (wanted-- > 0)
        start = host.find('.', start) + 1;
    const std::size_t end = host.find('.', start);
    return std::string(host.substr(start, end - start));
}

} // namespace cellscope::routing
