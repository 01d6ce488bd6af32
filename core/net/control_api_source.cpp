#include "core/net/control_api_source.h"

#include "core/snapshot/json_snapshot.h"
#include "core/util/error.h"
#include "core/util/text.h"
#include "core/util/time_format.h"

#include <QDir>
#include <QEventLoop>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QPointer>
#include <QSettings>
#include <QStandardPaths>
#include <QTimer>

#include <algorithm>

namespace cellscope::net {

namespace {

std::int64_t unixNow()
{
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string seconds(std::chrono::milliseconds delay)
{
    char text[16];
    std::snprintf(text, sizeof text, "%g s", static_cast<double>(delay.count()) / 1000.0);
    return text;
}

} // namespace

ControlSettings readControlSettings(const std::string& settingsPath)
{
    ControlSettings settings;
    if (settingsPath.empty() || !QFile::exists(QString::fromStdString(settingsPath)))
        return settings;
    QSettings file(QString::fromStdString(settingsPath), QSettings::IniFormat);
    if (file.status() != QSettings::NoError)
        fail(ErrorCode::BadInput, "cannot read settings file " + settingsPath);
    file.beginGroup(QStringLiteral("control"));
    for (const QString& locality : file.value(QStringLiteral("localities")).toStringList())
        if (!locality.trimmed().isEmpty())
            settings.localities.push_back(locality.trimmed().toStdString());
    if (file.contains(QStringLiteral("refresh_seconds"))) {
        bool ok = false;
        const int refresh = file.value(QStringLiteral("refresh_seconds")).toInt(&ok);
        if (!ok || refresh < 1)
            fail(ErrorCode::BadInput,
                 settingsPath + ": [control] refresh_seconds must be a whole number of seconds >= 1");
        settings.refreshInterval = std::chrono::seconds(refresh);
    }
    settings.backupFile = file.value(QStringLiteral("backup_file")).toString().toStdString();
    settings.appHost =
        file.value(QStringLiteral("app_host"), QStringLiteral("sentry.io")).toString().toStdString();
    settings.monolithCell = file.value(QStringLiteral("monolith_cell")).toString().toStdString();
    file.endGroup();
    file.beginGroup(QStringLiteral("cells"));
    for (const QString& cell : file.childKeys())
        settings.cellAddresses[cell.toStdString()] = file.value(cell).toString().toStdString();
    return settings;
}

ControlApiOptions controlApiOptions(const std::string& url, const std::string& settingsPath)
{
    ControlApiOptions options;
    options.url = QUrl(QString::fromStdString(url), QUrl::StrictMode);
    const QString scheme = options.url.scheme();
    if (!options.url.isValid() || options.url.host().isEmpty() ||
        (scheme != QStringLiteral("http") && scheme != QStringLiteral("https")))
        fail(ErrorCode::BadInput,
             "--control-url expects an http(s) URL such as http://control.internal:8000, got '" +
                 withoutUrlPassword(url) + "'");
    options.secret = hmacSecretFromEnvironment();
    options.settings = readControlSettings(settingsPath);
    return options;
}

std::string backupPathFor(const QUrl& url)
{
    QString name = url.host() + QLatin1Char('-') +
                   QString::number(url.port(url.scheme() == QStringLiteral("https") ? 443 : 80));
    name.replace(QLatin1Char(':'), QLatin1Char('_')); // IPv6 hosts
    return (QStandardPaths::writableLocation(QStandardPaths::GenericCacheLocation) +
            QStringLiteral("/cellscope/control-") + name + QStringLiteral(".json"))
        .toStdString();
}

// ---- one pull: both endpoints, page by page ------------------------------------------------------

struct ControlApiSource::PullResult
{
    std::optional<Error> error;
    bool fallbackAllowed = false; // control is down or broken, not refusing us
    bool full = false;
    std::vector<std::pair<std::int64_t, OrgEntry>> orgs; // in the order control sent them
    std::vector<std::pair<std::string, KeyEntry>> keys;
    std::map<std::string, std::string> cellToLocality;
    std::array<std::optional<QByteArray>, 2> cursors;
};

// A QObject only so that its network and timer connections die with it.
struct ControlApiSource::Pull : QObject
{
    Pull(ControlApiSource& owner, bool full, std::function<void(PullResult&)> done)
        : m_owner(owner), m_done(std::move(done))
    {
        m_result.full = full;
        if (!full)
            m_result.cursors = owner.m_cursors;
    }

    ~Pull() override
    {
        // Stopped mid-pull: drop the request in flight without hearing from it again.
        if (m_reply) {
            QObject::disconnect(m_reply, nullptr, this, nullptr);
            m_reply->abort();
            m_reply->deleteLater();
        }
    }

    void start() { sendPage(); }

private:
    MappingKind kind() const { return kMappingKinds[m_kind]; }
    std::string where() const
    {
        return std::string(mappingName(kind())) + " page " + std::to_string(m_page + 1);
    }
    std::string controlName() const
    {
        return "control API at " + m_owner.m_options.url.toString(QUrl::RemoveUserInfo).toStdString();
    }

    void sendPage()
    {
        const ControlApiOptions& options = m_owner.m_options;
        QUrl url = options.url;
        QString basePath = url.path();
        while (basePath.endsWith(QLatin1Char('/')))
            basePath.chop(1);
        url.setPath(basePath + mappingPath(kind()));
        // Percent-encode every value ourselves: QUrlQuery leaves '+' alone, which Django reads as a
        // space, and base64 cursors are full of them.
        QByteArray query;
        auto add = [&query](QByteArrayView name, const QByteArray& value) {
            if (!query.isEmpty())
                query += '&';
            query += name.toByteArray() + '=' + QUrl::toPercentEncoding(QString::fromUtf8(value));
        };
        for (const std::string& locality : options.settings.localities)
            add("locality", QByteArray::fromStdString(locality));
        add("per_page", QByteArray::number(options.perPage));
        m_sentCursor = m_result.cursors[m_kind];
        if (m_sentCursor)
            add("cursor", *m_sentCursor);
        url.setQuery(QString::fromLatin1(query), QUrl::StrictMode);

        QNetworkRequest request(url);
        request.setTransferTimeout(static_cast<int>(options.timeout.count()));
        request.setRawHeader(QByteArrayLiteral("Accept"), QByteArrayLiteral("application/json"));
        if (!options.secret.isEmpty())
            request.setRawHeader(QByteArrayLiteral("Authorization"),
                                 authorizationHeader(options.secret, url.path().toUtf8(), {}));
        QNetworkReply* reply = m_owner.m_network->get(request);
        m_reply = reply;
        ++m_owner.m_requests;
        connect(reply, &QNetworkReply::downloadProgress, this, [this, reply](qint64 received, qint64) {
            if (received > m_owner.m_options.maxPageBytes && !m_oversized) {
                m_oversized = true;
                reply->abort();
            }
        });
        connect(reply, &QNetworkReply::finished, this, [this, reply] {
            reply->deleteLater();
            if (std::exchange(m_oversized, false))
                return protocolError("a page of more than " + std::to_string(m_owner.m_options.maxPageBytes) +
                                     " bytes");
            onReply(*reply);
        });
    }

    void onReply(QNetworkReply& reply)
    {
        const ControlApiOptions& options = m_owner.m_options;
        const QVariant statusAttribute = reply.attribute(QNetworkRequest::HttpStatusCodeAttribute);
        if (!statusAttribute.isValid()) {
            const bool timedOut = reply.error() == QNetworkReply::OperationCanceledError ||
                                  reply.error() == QNetworkReply::TimeoutError;
            finish(ErrorCode::Unreachable, true,
                   controlName() + " is unreachable: " +
                       (timedOut ? "no answer within " + seconds(options.timeout) + " (" + where() + ")"
                                 : reply.errorString().toStdString()));
            return;
        }
        const int status = statusAttribute.toInt();
        if (status < 200 || status > 299) {
            if (isRetryableStatus(status) && m_retries < static_cast<int>(options.retryDelays.size())) {
                QTimer::singleShot(options.retryDelays[static_cast<std::size_t>(m_retries++)], this,
                                   [this] { sendPage(); });
                return;
            }
            const std::string answered =
                controlName() + " answered HTTP " + std::to_string(status) + " for " + where();
            if (isRetryableStatus(status))
                finish(ErrorCode::Unreachable, true,
                       answered + ", also after " + std::to_string(m_retries) + " retries");
            else if (status == 401 || status == 403)
                finish(ErrorCode::Permission, false,
                       controlName() + " refused the request signature (HTTP " + std::to_string(status) +
                           "): " +
                           (options.secret.isEmpty() ? "SYNAPSE_HMAC_SECRET is not set"
                                                     : "check that SYNAPSE_HMAC_SECRET matches control's"));
            else
                finish(ErrorCode::BadInput, false, answered);
            return;
        }
        m_retries = 0;
        readPage(reply.readAll());
    }

    void protocolError(const std::string& what)
    {
        finish(ErrorCode::Unreachable, true, controlName() + " sent " + what + " (" + where() + ")");
    }

    void readPage(const QByteArray& body)
    {
        QJsonParseError parseError;
        const QJsonDocument document = QJsonDocument::fromJson(body, &parseError);
        if (parseError.error != QJsonParseError::NoError)
            return protocolError("malformed JSON: " + parseError.errorString().toStdString() + " at byte " +
                                 std::to_string(parseError.offset) + " of " + std::to_string(body.size()));
        const QJsonObject root = document.object();
        const QJsonValue data = root.value(QLatin1StringView("data"));
        const QJsonValue metadata = root.value(QLatin1StringView("metadata"));
        if (!data.isArray() || !metadata.isObject())
            return protocolError("a page without a \"data\" array and a \"metadata\" object");
        const QJsonArray rows = data.toArray();
        if (rows.size() > m_owner.m_options.perPage)
            return protocolError("a page of " + std::to_string(rows.size()) + " rows, more than the " +
                                 std::to_string(m_owner.m_options.perPage) + " asked for");
        const QLatin1StringView keyField(mappingKeyField(kind()).data(), mappingKeyField(kind()).size());
        for (qsizetype i = 0; i < rows.size(); ++i) {
            const QJsonObject row = rows[i].toObject();
            const QJsonValue id = row.value(QLatin1StringView("id"));
            const QString key = row.value(keyField).toString();
            const QString cell = row.value(QLatin1StringView("cell")).toString();
            const QString idText = id.isDouble() ? QString::number(id.toInteger()) : id.toString();
            if (idText.isEmpty() || key.isEmpty() || cell.isEmpty())
                return protocolError("row " + std::to_string(i) + " without string \"id\", \"" +
                                     std::string(mappingKeyField(kind())) + "\" and \"cell\"");
            bool numeric = false;
            const qint64 number = idText.toLongLong(&numeric);
            if (kind() == MappingKind::Organization) {
                if (!numeric)
                    return protocolError("row " + std::to_string(i) + " with organization id '" +
                                         idText.toStdString() + "'");
                m_result.orgs.push_back({number, {key.toStdString(), cell.toStdString()}});
            } else {
                // Sentry prints "None" for a key mapping without project_key_id.
                m_result.keys.push_back({key.toStdString(), {numeric ? number : 0, cell.toStdString()}});
            }
        }
        const QJsonObject meta = metadata.toObject();
        const QJsonValue cursor = meta.value(QLatin1StringView("cursor"));
        const QJsonValue hasMore = meta.value(QLatin1StringView("has_more"));
        const QJsonValue cellToLocality = meta.value(QLatin1StringView("cell_to_locality"));
        if (!hasMore.isBool() || !(cursor.isString() || cursor.isNull() || cursor.isUndefined()))
            return protocolError("metadata without a boolean \"has_more\" and a string or null \"cursor\"");
        if (cellToLocality.isObject()) {
            const QJsonObject map = cellToLocality.toObject();
            for (auto it = map.begin(); it != map.end(); ++it)
                m_result.cellToLocality[it.key().toStdString()] = it.value().toString().toStdString();
        }
        // An empty page has no cursor: the old one still marks where the next pull starts.
        if (cursor.isString() && !cursor.toString().isEmpty())
            m_result.cursors[m_kind] = cursor.toString().toUtf8();
        if (hasMore.toBool()) {
            if (!cursor.isString() || cursor.toString().isEmpty())
                return protocolError("has_more without a cursor (Synapse's MissingCursor)");
            if (m_result.cursors[m_kind] == m_sentCursor)
                return protocolError(
                    "the cursor it was asked for as the next cursor, so paging would never end");
            if (++m_page >= m_owner.m_options.maxPages)
                return protocolError("more than " + std::to_string(m_owner.m_options.maxPages) +
                                     " pages in one pull");
            sendPage();
            return;
        }
        if (++m_kind < std::size(kMappingKinds)) {
            m_page = 0;
            sendPage();
            return;
        }
        finish();
    }

    void finish(std::optional<ErrorCode> code = std::nullopt, bool fallbackAllowed = false,
                const std::string& message = {})
    {
        if (code) {
            m_result.error = Error(*code, message);
            m_result.fallbackAllowed = fallbackAllowed;
        }
        // The callback may destroy this Pull; nothing of it is used afterwards.
        auto done = std::move(m_done);
        done(m_result);
    }

    ControlApiSource& m_owner;
    std::function<void(PullResult&)> m_done;
    PullResult m_result;
    std::size_t m_kind = 0;
    int m_page = 0;
    bool m_oversized = false; // the reply was aborted for its size
    int m_retries = 0;
    std::optional<QByteArray> m_sentCursor;
    QPointer<QNetworkReply> m_reply;
};

// ---- the source ------------------------------------------------------------------------------------

ControlApiSource::ControlApiSource(ControlApiOptions options, QObject* parent)
    : QObject(parent), m_options(std::move(options)), m_network(new QNetworkAccessManager(this)),
      m_timer(new QTimer(this))
{
    m_timer->setInterval(m_options.settings.refreshInterval);
    connect(m_timer, &QTimer::timeout, this, &ControlApiSource::refreshNow);
}

ControlApiSource::~ControlApiSource() = default;

std::string ControlApiSource::backupPath() const
{
    return m_options.settings.backupFile.empty() ? backupPathFor(m_options.url)
                                                 : m_options.settings.backupFile;
}

void ControlApiSource::beginPull(std::function<void(PullResult&)> done)
{
    m_pull = std::make_unique<Pull>(*this, !m_pulledFromControl, std::move(done));
    m_pull->start();
}

SnapshotPtr ControlApiSource::load(const Notice& notice)
{
    // Everything said here is a warning: the faces show it even where they hide progress.
    const Notice warn = [&notice](std::string_view text) {
        if (notice)
            notice("warning: " + std::string(text));
    };
    if (m_options.secret.isEmpty())
        warn("SYNAPSE_HMAC_SECRET is not set: requests to control go unsigned");
    QEventLoop loop;
    std::optional<PullResult> outcome;
    beginPull([&](PullResult& result) {
        outcome = std::move(result);
        loop.quit();
    });
    if (!outcome)
        loop.exec();
    // Destroy the finished pull only now that its callback has returned.
    m_pull.reset();
    if (outcome->error) {
        if (!outcome->fallbackAllowed)
            throw *outcome->error;
        return loadBackup(outcome->error->what(), warn);
    }
    apply(*outcome);
    m_snapshot = build();
    m_usingBackup = false;
    writeBackup(warn);
    return m_snapshot;
}

void ControlApiSource::start()
{
    if (m_options.secret.isEmpty())
        setStatus("SYNAPSE_HMAC_SECRET is not set: requests to control go unsigned");
    refreshNow();
    m_timer->start();
}

void ControlApiSource::stop()
{
    m_timer->stop();
    m_refreshAgain = false;
    m_pull.reset(); // aborts the reply in flight with its connections
}

void ControlApiSource::refreshNow()
{
    if (m_pull) {
        // One pull at a time. A refresh asked for meanwhile — even just after the pull delivered,
        // before it is let go — runs right after it: it may be about a change the pull missed.
        m_refreshAgain = true;
        return;
    }
    m_refreshAgain = false;
    const int generation = ++m_pullGeneration;
    beginPull([this, generation](PullResult& result) {
        // Runs inside the pull: take what it found, then let it go from the event loop — unless
        // a stop() and a new pull came first.
        finishAsyncPull(result);
        QTimer::singleShot(0, this, [this, generation] {
            if (generation != m_pullGeneration)
                return;
            m_pull.reset();
            if (m_refreshAgain)
                refreshNow();
        });
    });
}

void ControlApiSource::finishAsyncPull(PullResult& result)
{
    if (result.error) {
        const std::string reason = result.error->what();
        if (!m_snapshot && result.fallbackAllowed) {
            try {
                loadBackup(reason, [this](std::string_view text) { setStatus(std::string(text)); });
                emit snapshotChanged(m_snapshot);
            } catch (const Error& e) {
                setStatus(std::string(e.what()) + "; retrying every " +
                          std::to_string(m_options.settings.refreshInterval.count()) + " s");
            }
            return;
        }
        setStatus(reason +
                  (m_snapshot ? "; keeping the snapshot of " + formatIsoTimestamp(m_snapshot->info().takenAt)
                              : std::string()));
        return;
    }
    const bool changed = apply(result);
    const bool wasBackup = m_usingBackup;
    m_usingBackup = false;
    if (changed || wasBackup || !m_snapshot) {
        m_snapshot = build();
        writeBackup([this](std::string_view text) { setStatus(std::string(text)); });
        emit snapshotChanged(m_snapshot);
    }
    setStatus("live from " + m_options.url.toString(QUrl::RemoveUserInfo).toStdString() + ": " +
              std::to_string(m_orgs.size()) + " organizations, " + std::to_string(m_keys.size()) +
              " project keys, pulled " + formatIsoTimestamp(m_lastSuccessAt));
}

bool ControlApiSource::apply(PullResult& result)
{
    bool changed = result.full;
    if (result.full) {
        m_orgs.clear();
        m_orgBySlug.clear();
        m_keys.clear();
    }
    for (auto& [id, entry] : result.orgs) {
        if (auto it = m_orgs.find(id); it != m_orgs.end()) {
            if (it->second.slug == entry.slug && it->second.cell == entry.cell)
                continue;
            m_orgBySlug.erase(it->second.slug);
        }
        // Slugs are unique in control, so a row naming another org's slug means that org was
        // renamed or deleted since: its own newer row (if any) arrives in this or a later pull.
        if (auto other = m_orgBySlug.find(entry.slug); other != m_orgBySlug.end() && other->second != id)
            m_orgs.erase(other->second);
        m_orgBySlug[entry.slug] = id;
        m_orgs[id] = std::move(entry);
        changed = true;
    }
    for (auto& [publicKey, entry] : result.keys) {
        auto& slot = m_keys[publicKey];
        if (slot.cell == entry.cell && slot.projectKeyId == entry.projectKeyId)
            continue;
        slot = std::move(entry);
        changed = true;
    }
    if (!result.cellToLocality.empty() && result.cellToLocality != m_cellToLocality) {
        m_cellToLocality = std::move(result.cellToLocality);
        changed = true;
    }
    m_cursors = result.cursors;
    m_pulledFromControl = true;
    m_lastSuccessAt = unixNow();
    return changed;
}

SnapshotPtr ControlApiSource::build() const
{
    const ControlSettings& settings = m_options.settings;
    SnapshotBuilder builder;
    builder.info().source = "control-api: " + m_options.url.toString(QUrl::RemoveUserInfo).toStdString();
    builder.info().takenAt = m_lastSuccessAt;
    builder.info().appHost = settings.appHost;
    builder.info().monolithCell = settings.monolithCell;
    builder.reserve(m_orgs.size(), 0, m_keys.size());

    std::map<std::string, std::vector<std::string>> cellsOfLocality;
    for (const auto& [cell, locality] : m_cellToLocality)
        cellsOfLocality[locality].push_back(cell);
    for (const auto& [localityName, cellNames] : cellsOfLocality) {
        for (const std::string& name : cellNames) {
            Cell cell;
            cell.name = name;
            cell.locality = localityName;
            if (auto it = settings.cellAddresses.find(name); it != settings.cellAddresses.end())
                cell.address = it->second;
            cell.monolith = name == settings.monolithCell;
            builder.addCell(std::move(cell));
        }
        Locality locality;
        locality.name = localityName;
        builder.addLocality(std::move(locality), cellNames);
    }

    std::vector<std::int64_t> orgIds;
    orgIds.reserve(m_orgs.size());
    for (const auto& entry : m_orgs)
        orgIds.push_back(entry.first);
    std::sort(orgIds.begin(), orgIds.end());
    for (std::int64_t id : orgIds) {
        const OrgEntry& org = m_orgs.at(id);
        // Control's mapping endpoints carry no name, status or creation date.
        builder.addOrganization(id, org.slug, {}, builder.cellIndex(org.cell), OrgStatus::Active, 0);
    }
    std::vector<const std::string*> publicKeys;
    publicKeys.reserve(m_keys.size());
    for (const auto& entry : m_keys)
        publicKeys.push_back(&entry.first);
    std::sort(publicKeys.begin(), publicKeys.end(), [](const auto* a, const auto* b) { return *a < *b; });
    for (const std::string* publicKey : publicKeys) {
        const KeyEntry& key = m_keys.at(*publicKey);
        builder.addProjectKey(*publicKey, builder.cellIndex(key.cell), key.projectKeyId, 0, 0,
                              DsnFormat::Locality);
    }
    return builder.finish();
}

void ControlApiSource::writeBackup(const Notice& notice)
{
    const std::string path = backupPath();
    try {
        QDir().mkpath(QFileInfo(QString::fromStdString(path)).absolutePath());
        writeSnapshotJsonFile(*m_snapshot, path);
    } catch (const Error& e) {
        // Without a backup the next start depends on control; say so, but the pull itself succeeded.
        if (notice)
            notice(std::string("could not write the backup snapshot: ") + e.what());
    }
}

SnapshotPtr ControlApiSource::loadBackup(const std::string& reason, const Notice& notice)
{
    const std::string path = backupPath();
    if (!QFile::exists(QString::fromStdString(path)))
        fail(ErrorCode::Unreachable, reason + "; and there is no backup snapshot at " + path + " yet");
    m_snapshot = loadSnapshotJsonFile(path);
    m_usingBackup = true;
    if (notice)
        notice(reason + "; USING THE BACKUP SNAPSHOT written " +
               formatIsoTimestamp(m_snapshot->info().takenAt) + " (" + path + "), which may be stale");
    return m_snapshot;
}

void ControlApiSource::setStatus(std::string text)
{
    if (text == m_status)
        return;
    m_status = std::move(text);
    emit statusChanged(QString::fromStdString(m_status));
}

} // namespace cellscope::net
