#pragma once

#include "core/backlog/map_import.h"

#include <QByteArray>
#include <QMap>
#include <QString>
#include <QStringList>

#include <vector>

namespace cellscope::backlog {

// One named URL of a Sentry checkout, as Django would resolve it.
struct ScannedEndpoint
{
    QString name;
    // The Django regex with every include() prefix joined and no leading slash, e.g.
    // ^api/0/organizations/(?P<organization_id_or_slug>[^/]+)/issues/$. path() routes are converted the way
    // Django converts them (escaped literals, converter regexes, \Z at the end).
    QString pattern;
    // Module-qualified where the class is defined (sentry.api.endpoints.foo.FooEndpoint); as written in the
    // URL module when it could not be followed.
    QString endpointClass;
    // cell | control | internal_cell | internal_control | all | unknown. @region_silo_endpoint counts as cell
    // and
    // @internal_region_silo_endpoint as internal_cell (old names). @internal_all_silo_endpoint counts as all:
    // it is served in every silo, so the cell routing rule does not apply either way. A class without a
    // decorator inherits its base class's. unknown always comes with an Unresolved entry saying why.
    QString silo;
    bool hasOrgParam = false; // the pattern captures organization_id_or_slug or the older organization_slug
    QString sourceFile;       // the URL module defining the entry, relative to the checkout root
    int sourceLine = 0;
};

// Something the scanner could not follow. `what` is the URL name when known, else the include() or the
// pattern; the source location is the URL entry in its URL module, and the reason says where the chain broke.
struct Unresolved
{
    QString what;
    QString reason;
    QString sourceFile;
    int sourceLine = 0;
};

struct ScanResult
{
    std::vector<ScannedEndpoint> endpoints; // in Django's resolution order
    std::vector<Unresolved> unresolved;
};

// Reads src/sentry/api/urls.py under root (mounted at ^api/0/, as src/sentry/web/urls.py does) and every
// module it includes, without running Python. Only module-level statements are read: URL lists assigned under
// an `if` or built by function calls are reported as unresolved where they are included, never silently
// skipped.
ScanResult scanSentryCheckout(const QString& root);

// Why a map entry can be removed from URL_NAME_TO_ACTION.
enum class DrainReason
{
    Conforming, // every URL with the name captures the organization, or is no longer cell silo
    Internal,   // every URL with the name is now @internal_cell_silo_endpoint, which the rule exempts
    Gone,       // no URL has the name any more
};

// "conforming", "internal", "gone".
QString drainReasonName(DrainReason reason);

struct DrainCandidate
{
    MapEntry entry;
    DrainReason reason;
    QString detail; // one sentence for the user
};

struct ScanReport
{
    QMap<QString, int> urlCountBySilo;
    std::vector<ScannedEndpoint> nonConforming; // cell silo without an organization capture
    std::vector<ScannedEndpoint>
        missingFromMap; // non-conforming and not in the map: Sentry's CI fails on them
    // Map entries that can be removed, in map order. Entries whose URLs are still non-conforming, or whose
    // silo is unknown, are not listed.
    std::vector<DrainCandidate> readyToDrain;
};

ScanReport analyze(const ScanResult& scan, const std::vector<MapEntry>& map);

// The routing catalog: {"endpoints": [{"name", "pattern", "silo", "backlog_action"?}], "pinned_url_names":
// [...]}. backlog_action is written for URLs named in `map`. Endpoints of unknown silo are left out because
// the catalog has no such silo; the scan's unresolved list says why each is unknown.
QByteArray toCatalogJson(const ScanResult& scan, const QStringList& pinnedUrlNames,
                         const std::vector<MapEntry>& map = {});

} // namespace cellscope::backlog
