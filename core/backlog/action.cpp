#include "core/backlog/action.h"

using namespace Qt::StringLiterals;

namespace cellscope::backlog {

namespace {

// The source design says "when you fix one, remove it from the map"; every checklist ends with that.
QString removeFromMap()
{
    return u"Remove the URL name from URL_NAME_TO_ACTION in getsentry/tests/getsentry/test_urls.py."_s;
}

} // namespace

QString actionName(Action action)
{
    switch (action) {
    case Action::ToBeReplacedWithOrgScopedVariant:
        return u"TO_BE_REPLACED_WITH_ORG_SCOPED_VARIANT"_s;
    case Action::ToBeReplacedWithCellScopedVariant:
        return u"TO_BE_REPLACED_WITH_CELL_SCOPED_VARIANT"_s;
    case Action::ToBeControlOnly:
        return u"TO_BE_CONTROL_ONLY"_s;
    case Action::ToBeInternalOnly:
        return u"TO_BE_INTERNAL_ONLY"_s;
    case Action::ToBeStandardized:
        return u"TO_BE_STANDARDIZED"_s;
    case Action::ToBeSelfHostedOnly:
        return u"TO_BE_SELF_HOSTED_ONLY"_s;
    case Action::ToBeDeprecated:
        return u"TO_BE_DEPRECATED"_s;
    case Action::ToBeDeleted:
        return u"TO_BE_DELETED"_s;
    case Action::ToBeBroken:
        return u"TO_BE_BROKEN"_s;
    case Action::ToBeInvestigatedEcosystemTeam:
        return u"TO_BE_INVESTIGATED_ECOSYSTEM_TEAM"_s;
    }
    Q_UNREACHABLE();
    return {};
}

std::optional<Action> actionFromName(QStringView name)
{
    for (Action action : allActions) {
        if (name == actionName(action))
            return action;
    }
    return std::nullopt;
}

QString actionMeaning(Action action)
{
    switch (action) {
    case Action::ToBeReplacedWithOrgScopedVariant:
        return u"The URL has no organization_id_or_slug; it must get one in its path so Synapse can "
               u"route it."_s;
    case Action::ToBeReplacedWithCellScopedVariant:
        return u"A staff-only _admin endpoint that must be scoped to a cell by a cell ID parameter."_s;
    case Action::ToBeControlOnly:
        return u"The endpoint must move to the control silo (@control_silo_endpoint)."_s;
    case Action::ToBeInternalOnly:
        return u"The endpoint must become @internal_cell_silo_endpoint, which exempts it from the routing "
               u"requirement."_s;
    case Action::ToBeStandardized:
        return u"A URL typo or convention mismatch (e.g. missing org slug support, a path not following "
               u"existing "
               u"conventions) must be fixed."_s;
    case Action::ToBeSelfHostedOnly:
        return u"The endpoint must move behind a self-hosted guard so it is not reachable in SaaS cells."_s;
    case Action::ToBeDeprecated:
        return u"The endpoint is being removed; callers are warned by a deprecation header while it is "
               u"still live."_s;
    case Action::ToBeDeleted:
        return u"Not a public endpoint; it can be removed immediately without deprecation."_s;
    case Action::ToBeBroken:
        return u"Known broken, no owner; deferred indefinitely (relocation only; do not add entries)."_s;
    case Action::ToBeInvestigatedEcosystemTeam:
        return u"Deferred until the ecosystem team determines the right fix."_s;
    }
    Q_UNREACHABLE();
    return {};
}

QStringList actionDefinitionOfDone(Action action)
{
    switch (action) {
    case Action::ToBeReplacedWithOrgScopedVariant:
        return {u"Add organization_id_or_slug to the URL path (canonical shape "
                u"/api/0/organizations/{organization_id_or_slug}/...) so Synapse can route it."_s,
                removeFromMap()};
    case Action::ToBeReplacedWithCellScopedVariant:
        return {u"Scope the _admin endpoint to a cell by adding a cell ID parameter, following the pattern "
                u"^api/0/_admin/cells/(?P<cell_id>[^/]+)/."_s,
                removeFromMap()};
    case Action::ToBeControlOnly:
        return {u"Move the endpoint to @control_silo_endpoint."_s, removeFromMap()};
    case Action::ToBeInternalOnly:
        return {u"Change the endpoint to @internal_cell_silo_endpoint; this exempts it from the routing "
                u"requirement."_s,
                removeFromMap()};
    case Action::ToBeStandardized:
        return {
            u"Fix the URL typo or convention mismatch (e.g. add the missing org slug support, make the path "
            u"follow existing conventions)."_s,
            removeFromMap()};
    case Action::ToBeSelfHostedOnly:
        return {u"Move the endpoint behind a self-hosted guard so it is not reachable in SaaS cells."_s,
                removeFromMap()};
    case Action::ToBeDeprecated:
        return {
            u"Before touching anything: search the getsentry GitHub org for the URL name and path to find "
            u"all callers."_s,
            u"While the endpoint is still live, add an X-Sentry-Deprecation-Date response header (see "
            u"_add_deprecation_headers in sentry/api/helpers/deprecation.py)."_s,
            u"When fully removed: delete the URL from src/sentry/api/urls.py."_s,
            u"Delete the view file."_s,
            removeFromMap(),
            u"If the endpoint is public, delete it from src/sentry/apidocs/."_s};
    case Action::ToBeDeleted:
        return {u"Remove the endpoint immediately; it is not public, so no deprecation is needed."_s,
                removeFromMap()};
    case Action::ToBeBroken:
        return {u"Nothing is scheduled: the endpoint is known broken, has no owner and is deferred "
                u"indefinitely."_s,
                u"Only relocation endpoints carry this label; never add new entries with it."_s};
    case Action::ToBeInvestigatedEcosystemTeam:
        return {u"Wait for the ecosystem team to determine the right fix."_s,
                u"Apply the fix the ecosystem team decides on."_s, removeFromMap()};
    }
    Q_UNREACHABLE();
    return {};
}

} // namespace cellscope::backlog
