#pragma once

#include <QString>
#include <QStringList>
#include <QStringView>

#include <array>
#include <optional>

namespace cellscope::backlog {

// The labels of getsentry's URL_NAME_TO_ACTION map: what has to happen to a public cell-silo URL
// that lacks organization_id_or_slug (see docs/backlog.md).
enum class Action
{
    ToBeReplacedWithOrgScopedVariant,
    ToBeReplacedWithCellScopedVariant,
    ToBeControlOnly,
    ToBeInternalOnly,
    ToBeStandardized,
    ToBeSelfHostedOnly,
    ToBeDeprecated,
    ToBeDeleted,
    ToBeBroken,
    ToBeInvestigatedEcosystemTeam,
};

inline constexpr std::array<Action, 10> allActions = {
    Action::ToBeReplacedWithOrgScopedVariant,
    Action::ToBeReplacedWithCellScopedVariant,
    Action::ToBeControlOnly,
    Action::ToBeInternalOnly,
    Action::ToBeStandardized,
    Action::ToBeSelfHostedOnly,
    Action::ToBeDeprecated,
    Action::ToBeDeleted,
    Action::ToBeBroken,
    Action::ToBeInvestigatedEcosystemTeam,
};

// The label exactly as Sentry spells it, e.g. "TO_BE_DEPRECATED".
QString actionName(Action action);

// Exact, case-sensitive inverse of actionName(): the map's values are Python enum members.
std::optional<Action> actionFromName(QStringView name);

// One sentence: what the label means.
QString actionMeaning(Action action);

// The ordered steps that make an entry done, ending with its removal from the map.
QStringList actionDefinitionOfDone(Action action);

} // namespace cellscope::backlog
