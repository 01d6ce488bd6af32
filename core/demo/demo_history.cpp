#include "core/demo/demo_history.h"

#include <QHash>
#include <QSet>

#include <algorithm>
#include <array>

using namespace Qt::StringLiterals;

namespace cellscope::demo {

using namespace backlog;

namespace {

// SplitMix64: tiny, good enough for demo data, and identical on every platform (std distributions are not).
class Random
{
public:
    explicit Random(std::uint64_t seed) : m_state(seed) {}
    std::uint64_t next()
    {
        std::uint64_t z = (m_state += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }
    int below(int bound) { return static_cast<int>(next() % static_cast<std::uint64_t>(bound)); }
    // True with probability perMille / 1000.
    bool chance(int perMille) { return below(1000) < perMille; }

private:
    std::uint64_t m_state;
};

constexpr std::int64_t kFirstImport = 1748854800; // Monday 2025-06-02 09:00 UTC
constexpr std::int64_t kWeek = 7 * 86400;

// Per action: URL name stems and suffixes that read like the real map, how many entries to start with, the
// weekly chance (per mille) that an entry is drained, and the team that usually owns such work.
struct ActionProfile
{
    Action action;
    std::vector<const char*> stems;
    std::vector<const char*> suffixes;
    int initial;
    int drainPerMille;
    const char* team;
};

std::vector<ActionProfile> profiles()
{
    return {
        {Action::ToBeReplacedWithOrgScopedVariant,
         {"group", "event", "short-id", "release", "monitor", "replay", "user-feedback", "commit", "deploy",
          "environment", "code-mapping", "repository", "artifact-bundle", "dashboard", "alert-rule"},
         {"details", "index", "stats", "tags", "events", "hashes", "activity", "owners"},
         86,
         55,
         "issues"},
        {Action::ToBeReplacedWithCellScopedVariant,
         {"admin"},
         {"quotas", "relays", "queue", "options", "beacon", "users", "projects", "packages", "warnings",
          "mail", "environment", "task-runner", "backfill", "audit-log", "outbox-replay"},
         12,
         45,
         "hybrid-cloud"},
        {Action::ToBeControlOnly,
         {"user-permission", "authenticator", "api-token", "api-application", "user-email", "user-avatar",
          "broadcast", "doc-integration", "user-identity"},
         {"details", "index", "stats", "config"},
         30,
         50,
         "hybrid-cloud"},
        {Action::ToBeInternalOnly,
         {"internal"},
         {"stats",
          "queue-tasks",
          "health",
          "mail",
          "packages",
          "warnings",
          "environment",
          "beacon",
          "relay-keys",
          "rpc",
          "outbox-drain",
          "seer-rpc",
          "feature-flags",
          "options-audit",
          "relay-register",
          "relay-challenge",
          "preprod-artifacts",
          "uptime-checks",
          "snuba-proxy",
          "metrics-meta",
          "spans-buffer",
          "cron-checkins",
          "grouping-configs",
          "symbolicator-cache",
          "profiling-chunks",
          "replay-recordings",
          "attachments-gc",
          "event-id-lookup"},
         26,
         85,
         "infrastructure"},
        {Action::ToBeStandardized,
         {"accept-organization-invite", "project-team", "team-members", "sentry-app-installation",
          "event-owners", "issue-stream", "group-integration"},
         {"details", "index", "legacy", "v2"},
         22,
         60,
         "issues"},
        {Action::ToBeSelfHostedOnly,
         {"system"},
         {"options", "health", "setup-wizard", "upgrade-check", "relay-usage", "license", "mail-test",
          "queue-status", "disk-usage", "version"},
         9,
         40,
         "self-hosted"},
        {Action::ToBeDeprecated,
         {"shared-group", "group-events", "project-group", "legacy-event", "project-user-reports",
          "project-releases-legacy", "group-notes-legacy", "project-rules-legacy", "organization-stats-v1"},
         {"details", "index", "latest", "oldest", "stats"},
         44,
         25,
         "api-platform"},
        {Action::ToBeDeleted,
         {"tempest-ips", "debug", "catchall", "experimental", "unused", "prototype", "dev-toolbar"},
         {"details", "index", "stats", "webhook"},
         22,
         120,
         "api-platform"},
        {Action::ToBeBroken,
         {"relocations"},
         {"index", "public-key", "details", "abort", "pause", "unpause", "retry", "cancel"},
         7,
         0,
         nullptr},
        {Action::ToBeInvestigatedEcosystemTeam,
         {"sentry-app", "integration", "plugin"},
         {"interaction", "stats", "requests", "webhook", "components", "features", "publish-request"},
         18,
         15,
         "ecosystem"},
    };
}

std::size_t profileIndex(const std::vector<ActionProfile>& all, Action action)
{
    return static_cast<std::size_t>(
        std::find_if(all.begin(), all.end(), [&](const ActionProfile& p) { return p.action == action; }) -
        all.begin());
}

// Two people per team, so the owner table reads like a real org chart.
struct Team
{
    const char* name;
    std::array<const char*, 2> members;
};
constexpr std::array<Team, 6> kTeams = {{{"issues", {"akosua.h", "esme.r"}},
                                         {"hybrid-cloud", {"chen.li", "gabe.o"}},
                                         {"ecosystem", {"bjorn.s", "hiro.t"}},
                                         {"api-platform", {"dmitri.v", "farah.n"}},
                                         {"infrastructure", {"ines.k", "jonas.w"}},
                                         {"self-hosted", {"kofi.a", "lena.m"}}}};

const Team& teamNamed(const char* name)
{
    return *std::find_if(kTeams.begin(), kTeams.end(),
                         [&](const Team& team) { return std::string_view(team.name) == name; });
}

constexpr std::array<const char*, 6> kNotes = {"callers found in getsentry; waiting for the next deploy",
                                               "blocked on the control-silo RPC for memberships",
                                               "PR open, needs review from the owning team",
                                               "deprecation header live; removal scheduled after the date",
                                               "needs a cell id parameter; see the _admin pattern",
                                               "discussed in the weekly cells sync"};

QString hexRevision(Random& random)
{
    QString rev;
    while (rev.size() < 40)
        rev += QString::number(random.next(), 16).rightJustified(16, u'0');
    return rev.left(40);
}

// Every candidate name of a profile, shuffled by the seed; the first `initial` start in the map and the
// rest are fresh names for the rule-breaking week.
std::vector<QString> candidates(const ActionProfile& profile, Random& random)
{
    std::vector<QString> names;
    for (const char* stem : profile.stems)
        for (const char* suffix : profile.suffixes)
            names.push_back(u"sentry-api-0-%1-%2"_s.arg(QLatin1StringView(stem), QLatin1StringView(suffix)));
    for (std::size_t i = names.size(); i > 1; --i)
        std::swap(names[i - 1], names[static_cast<std::size_t>(random.below(static_cast<int>(i)))]);
    return names;
}

} // namespace

DemoBacklog makeDemoBacklog(std::uint64_t seed)
{
    Random random(seed ^ 0x6261636b6c6f67ULL); // "backlog": independent of the org generator's stream
    const std::vector<ActionProfile> all = profiles();

    struct Live
    {
        QString urlName;
        std::size_t profile;
    };
    std::vector<Live> map;
    std::vector<std::vector<QString>> spare(all.size());
    for (std::size_t p = 0; p < all.size(); ++p) {
        std::vector<QString> names = candidates(all[p], random);
        const int jitter = all[p].initial / 10;
        const auto initial = static_cast<std::size_t>(std::min<int>(
            static_cast<int>(names.size()) - 1, all[p].initial - jitter + random.below(2 * jitter + 1)));
        for (std::size_t i = 0; i < names.size(); ++i) {
            if (i < initial)
                map.push_back({names[i], p});
            else
                spare[p].push_back(names[i]);
        }
    }
    // The real map is loosely grouped but not sorted; interleave so line numbers look lived-in.
    for (std::size_t i = map.size(); i > 1; --i)
        std::swap(map[i - 1], map[static_cast<std::size_t>(random.below(static_cast<int>(i)))]);

    DemoBacklog demo;
    demo.ruleBreakingWeek = 9 + random.below(4);
    QHash<QString, std::size_t> profileOf;
    QSet<QString> drained;
    std::vector<QString> addedInBreakingWeek;
    for (int week = 0; week < kDemoWeeks; ++week) {
        if (week > 0) {
            // A quiet week (holidays, an incident) now and then; otherwise the usual pace.
            const int pace = random.chance(150) ? 30 : 100;
            std::vector<Live> kept;
            for (const Live& entry : map) {
                if (random.chance(all[entry.profile].drainPerMille * pace / 100))
                    drained.insert(entry.urlName);
                else
                    kept.push_back(entry);
            }
            map = std::move(kept);
            // An entry relabelled once its plan becomes clear: ecosystem decisions, standardisations that
            // turn out to be deprecations.
            if (week % 5 == 0)
                for (Live& entry : map) {
                    const Action action = all[entry.profile].action;
                    if (action == Action::ToBeInvestigatedEcosystemTeam ||
                        action == Action::ToBeStandardized) {
                        entry.profile =
                            profileIndex(all, action == Action::ToBeStandardized ? Action::ToBeDeprecated
                                                                                 : Action::ToBeControlOnly);
                        break;
                    }
                }
        }
        if (week == demo.ruleBreakingWeek) {
            // Somebody added new non-conforming URLs instead of making them conform, one as TO_BE_BROKEN.
            for (Action action :
                 {Action::ToBeReplacedWithOrgScopedVariant, Action::ToBeStandardized, Action::ToBeBroken}) {
                const std::size_t p = profileIndex(all, action);
                if (spare[p].empty())
                    continue;
                map.push_back({spare[p].back(), p});
                addedInBreakingWeek.push_back(spare[p].back());
                spare[p].pop_back();
            }
        }
        if (week == demo.ruleBreakingWeek + 2 && !addedInBreakingWeek.empty()) {
            // The following cleanup drains the first of the new entries again.
            const QString reverted = addedInBreakingWeek.front();
            std::erase_if(map, [&](const Live& entry) { return entry.urlName == reverted; });
            drained.insert(reverted);
        }

        ParsedSnapshot snapshot;
        snapshot.sourceFile = u"getsentry/tests/getsentry/test_urls.py"_s;
        snapshot.format = MapFormat::Python;
        snapshot.options.takenAt = kFirstImport + week * kWeek;
        snapshot.options.gitRev = hexRevision(random);
        int line = 41; // after the module docstring, imports and the enum
        for (const Live& entry : map) {
            snapshot.entries.push_back({entry.urlName, all[entry.profile].action, line++});
            profileOf.insert(entry.urlName, entry.profile);
        }
        demo.snapshots.push_back(std::move(snapshot));
    }

    // About a third of the entries ever listed have someone on them; drained ones are done.
    const std::int64_t lastImport = kFirstImport + (kDemoWeeks - 1) * kWeek;
    QStringList everListed = profileOf.keys();
    std::sort(everListed.begin(), everListed.end());
    for (const QString& urlName : everListed) {
        const ActionProfile& profile = all[profileOf.value(urlName)];
        if (!profile.team || !random.chance(330))
            continue;
        Tracking tracking;
        const Team& team = teamNamed(profile.team);
        tracking.owner = QLatin1StringView(team.members[static_cast<std::size_t>(random.below(2))]);
        tracking.team = QLatin1StringView(team.name);
        // Done while still in the map: fixed, waiting for the map entry's removal to be merged.
        const int roll = random.below(100);
        tracking.status = drained.contains(urlName) || roll < 12 ? TrackingStatus::Done
                          : roll < 57                            ? TrackingStatus::InProgress
                                                                 : TrackingStatus::Open;
        if (random.chance(300))
            tracking.notes = QLatin1StringView(
                kNotes[static_cast<std::size_t>(random.below(static_cast<int>(kNotes.size())))]);
        tracking.updatedAt = kFirstImport + random.below(static_cast<int>(lastImport - kFirstImport));
        demo.tracking.push_back({urlName, tracking});
    }
    return demo;
}

void seedBacklogDemo(const std::string& controlConninfo, std::uint64_t seed)
{
    const DemoBacklog demo = makeDemoBacklog(seed);
    Store(controlConninfo).replaceHistory(demo.snapshots, demo.tracking);
}

} // namespace cellscope::demo
