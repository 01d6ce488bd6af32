#include "core/net/synapse_protocol.h"

#include "core/util/json_type.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QMessageAuthenticationCode>

#include <cmath>
#include <cstdlib>
#include <vector>

namespace cellscope::net {

QString mappingPath(MappingKind kind)
{
    return kind == MappingKind::Organization ? QStringLiteral("/api/0/internal/org-cell-mappings/")
                                             : QStringLiteral("/api/0/internal/projectkey-cell-mappings/");
}

std::string_view mappingName(MappingKind kind)
{
    return kind == MappingKind::Organization ? "org-cell-mappings" : "projectkey-cell-mappings";
}

std::string_view mappingKeyField(MappingKind kind)
{
    return kind == MappingKind::Organization ? "slug" : "publickey";
}

QByteArray encodeCursor(const Cursor& cursor)
{
    // Sentry writes the id as a string and the timestamp as a number.
    QJsonObject object;
    object.insert(QStringLiteral("id"), QString::number(cursor.id));
    object.insert(QStringLiteral("updated_at"), static_cast<qint64>(cursor.updatedAt));
    return QJsonDocument(object).toJson(QJsonDocument::Compact).toBase64();
}

namespace {

std::optional<std::int64_t> integerField(const QJsonObject& object, QLatin1StringView name)
{
    const QJsonValue value = object.value(name);
    if (value.isString()) {
        bool ok = false;
        const qint64 number = value.toString().toLongLong(&ok);
        return ok ? std::optional<std::int64_t>(number) : std::nullopt;
    }
    if (value.isDouble()) {
        // Python's int() truncates a float; refuse what no 64-bit id can be (and NaN).
        return exactInt64(std::trunc(value.toDouble()));
    }
    return std::nullopt;
}

} // namespace

std::optional<Cursor> decodeCursor(QByteArrayView text)
{
    const auto decoded =
        QByteArray::fromBase64Encoding(text.toByteArray(), QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded)
        return std::nullopt;
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(*decoded, &error);
    if (error.error != QJsonParseError::NoError || !document.isObject())
        return std::nullopt;
    const auto id = integerField(document.object(), QLatin1StringView("id"));
    const auto updatedAt = integerField(document.object(), QLatin1StringView("updated_at"));
    if (!id || !updatedAt)
        return std::nullopt;
    return Cursor{*updatedAt, *id};
}

QByteArray requestSignature(QByteArrayView secret, QByteArrayView path, QByteArrayView body)
{
    QMessageAuthenticationCode mac(QCryptographicHash::Sha256, secret.toByteArray());
    mac.addData(path.data(), path.size());
    mac.addData(":", 1);
    mac.addData(body.data(), body.size());
    return "synapse0:" + mac.result().toHex();
}

std::vector<QByteArrayView> hmacSecrets(QByteArrayView setting)
{
    std::vector<QByteArrayView> secrets;
    while (!setting.isEmpty()) {
        const qsizetype comma = setting.indexOf(',');
        const QByteArrayView secret = setting.first(comma < 0 ? setting.size() : comma).trimmed();
        if (!secret.isEmpty())
            secrets.push_back(secret);
        setting = comma < 0 ? QByteArrayView() : setting.sliced(comma + 1);
    }
    return secrets;
}

QByteArray authorizationHeader(QByteArrayView secret, QByteArrayView path, QByteArrayView body)
{
    const auto secrets = hmacSecrets(secret);
    return "Signature " + requestSignature(secrets.empty() ? QByteArrayView() : secrets.front(), path, body);
}

bool verifyAuthorization(QByteArrayView header, QByteArrayView secret, QByteArrayView path,
                         QByteArrayView body)
{
    const auto secrets = hmacSecrets(secret);
    if (secrets.empty())
        return false; // Sentry refuses every signature while SYNAPSE_HMAC_SECRET is unset
    constexpr QByteArrayView scheme("signature ");
    if (header.size() <= scheme.size() ||
        header.first(scheme.size()).compare(scheme, Qt::CaseInsensitive) != 0)
        return false;
    const QByteArrayView given = header.sliced(scheme.size()).trimmed();
    bool matched = false;
    for (const QByteArrayView candidate : secrets) {
        const QByteArray expected = requestSignature(candidate, path, body);
        if (given.size() != expected.size())
            continue;
        // Constant time: the comparison must not tell an attacker how many leading bytes matched.
        unsigned char difference = 0;
        for (qsizetype i = 0; i < given.size(); ++i)
            difference |= static_cast<unsigned char>(given[i] ^ expected[i]);
        matched |= difference == 0;
    }
    return matched;
}

QByteArray hmacSecretFromEnvironment()
{
    return qgetenv("SYNAPSE_HMAC_SECRET");
}

bool isRetryableStatus(int httpStatus) noexcept
{
    return httpStatus == 429 || httpStatus == 500 || httpStatus == 502 || httpStatus == 503 ||
           httpStatus == 504;
}

} // namespace cellscope::net
