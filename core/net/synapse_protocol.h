#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

// Synapse's control-plane protocol (see docs/routing.md), shared by the client and the server so that
// both sides agree byte for byte: the two endpoints, the cursor and the request signature.
namespace cellscope::net {

enum class MappingKind
{
    Organization, // GET /api/0/internal/org-cell-mappings/ — rows {"id", "slug", "cell"}
    ProjectKey,   // GET /api/0/internal/projectkey-cell-mappings/ — rows {"id", "publickey", "cell"}
};
inline constexpr MappingKind kMappingKinds[] = {MappingKind::Organization, MappingKind::ProjectKey};

QString mappingPath(MappingKind kind);
std::string_view mappingName(MappingKind kind);     // "org-cell-mappings", "projectkey-cell-mappings"
std::string_view mappingKeyField(MappingKind kind); // "slug", "publickey"

// Sentry's get_per_page: 100 unless per_page says otherwise, never more than 10000.
inline constexpr int kDefaultPerPage = 100;
inline constexpr int kMaxPerPage = 10000;

// Sentry's SynapsePaginator cursor: base64 of {"id": "<row id>", "updated_at": <unix seconds>}, naming
// the last row returned; the next page starts strictly after (updated_at, id).
struct Cursor
{
    std::int64_t updatedAt = 0;
    std::int64_t id = 0;
    friend bool operator==(const Cursor&, const Cursor&) = default;
};
QByteArray encodeCursor(const Cursor& cursor);
// Accepts what Sentry's Cursor.decode accepts (id and updated_at as numbers or decimal strings).
std::optional<Cursor> decodeCursor(QByteArrayView text);

// "synapse0:<hex HMAC-SHA256 of "path:body">": the value after "Signature " in the Authorization
// header. `path` is the URL path without the query string (Django's request.path_info).
QByteArray requestSignature(QByteArrayView secret, QByteArrayView path, QByteArrayView body);
// The secrets of a SYNAPSE_HMAC_SECRET value: it may list several, comma-separated, so a secret can
// be rotated without downtime (Sentry's setting is a list for this): the first signs, any verifies.
std::vector<QByteArrayView> hmacSecrets(QByteArrayView setting);
// Signed with the first secret of `secret` (a SYNAPSE_HMAC_SECRET value).
QByteArray authorizationHeader(QByteArrayView secret, QByteArrayView path, QByteArrayView body);
// True when `header` is "Signature synapse0:<hex>" for this path and body, signed with any of the
// secrets of `secret` (constant-time compare).
bool verifyAuthorization(QByteArrayView header, QByteArrayView secret, QByteArrayView path,
                         QByteArrayView body);

// The shared secret(s) both sides use: $SYNAPSE_HMAC_SECRET (empty when unset).
QByteArray hmacSecretFromEnvironment();

// Synapse retries a page on these statuses (after 0.5 s, 1 s and 2 s); any other non-2xx fails.
bool isRetryableStatus(int httpStatus) noexcept;

} // namespace cellscope::net
