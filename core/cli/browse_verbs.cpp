#include "core/cli/command.h"

#include "core/snapshot/queries.h"
#include "core/sources/cell_queries.h"
#include "core/util/error.h"
#include "core/util/json_writer.h"
#include "core/util/time_format.h"

#include <algorithm>
#include <map>

namespace cellscope::cli {

namespace {

std::string yesNo(bool flag)
{
    return flag ? "yes" : "no";
}

std::string joinCells(const Snapshot& s, const std::vector<CellIndex>& cells)
{
    std::string out;
    for (CellIndex c : cells)
        out += (out.empty() ? "" : ", ") + std::string(s.cellName(c));
    return out;
}

OrgIndex requireOrg(const Snapshot& s, const std::string& idOrSlug)
{
    if (idOrSlug.empty())
        fail(ErrorCode::BadInput, "give an organization id or slug");
    if (auto org = s.findOrg(idOrSlug))
        return *org;
    fail(ErrorCode::BadInput, "no organization with " + std::string(isDecimalId(idOrSlug) ? "id " : "slug ") +
                                  idOrSlug + " in " + s.info().source);
}

std::string singlePositional(Context& context, const char* what)
{
    const QStringList positional = context.positional();
    if (positional.size() != 1)
        fail(ErrorCode::BadInput, std::string("expects exactly one argument: ") + what);
    return positional.first().toStdString();
}

// ---- world ----------------------------------------------------------------------------------------

int runWorld(Context& context)
{
    const SnapshotPtr snapshot = context.snapshot();
    const Snapshot& s = *snapshot;
    std::vector<std::size_t> orgsPerLocality(s.localities().size(), 0);
    for (std::size_t l = 0; l < s.localities().size(); ++l)
        for (CellIndex c : s.localities()[l].cells)
            orgsPerLocality[l] += s.orgCountInCell(c);
    const auto monolith = s.monolithCell();

    if (context.json()) {
        JsonWriter w(context.out(), true);
        w.beginObject();
        w.key("app_host").value(s.info().appHost);
        if (monolith)
            w.key("monolith_cell").value(s.cellName(*monolith));
        else
            w.key("monolith_cell").null();
        w.key("localities").beginArray();
        for (std::size_t l = 0; l < s.localities().size(); ++l) {
            const Locality& locality = s.localities()[l];
            w.beginObject();
            w.key("name").value(locality.name);
            w.key("category").value(categoryName(locality.category));
            w.key("visible").value(locality.visible);
            w.key("new_org_cell").value(locality.newOrgCell);
            w.key("org_count").value(orgsPerLocality[l]);
            w.key("cells").beginArray();
            for (CellIndex c : locality.cells) {
                const Cell& cell = s.cells()[c];
                w.beginObject();
                w.key("name").value(cell.name);
                w.key("address").value(cell.address);
                w.key("category").value(categoryName(cell.category));
                w.key("snowflake_id").value(cell.snowflakeId);
                w.key("visible").value(cell.visible);
                w.key("monolith").value(cell.monolith);
                w.key("org_count").value(s.orgCountInCell(c));
                w.endObject();
            }
            w.endArray();
            w.endObject();
        }
        w.endArray();
        w.key("undeclared_cells").beginArray();
        for (CellIndex c = 0; c < s.cells().size(); ++c)
            if (!s.cells()[c].declared) {
                w.beginObject();
                w.key("name").value(s.cells()[c].name);
                w.key("org_count").value(s.orgCountInCell(c));
                w.endObject();
            }
        w.endArray();
        w.key("totals").beginObject();
        w.key("organizations").value(s.organizations().size());
        w.key("members").value(s.members().size());
        w.key("project_keys").value(s.projectKeys().size());
        w.key("integrations").value(s.integrations().size());
        w.key("slug_reservations").value(s.slugReservations().size());
        w.endObject();
        w.endObject();
        context.out() << '\n';
        return 0;
    }

    auto& out = context.out();
    out << "Source: " << s.info().source << "  (read " << formatIsoTimestamp(s.info().takenAt) << ")\n";
    out << "App host: " << s.info().appHost
        << "   Monolith cell: " << (monolith ? std::string(s.cellName(*monolith)) : std::string("(none)"))
        << "\n\n";
    TextTable table({"LOCALITY", "CATEGORY", "CELL", "MONOLITH", "VISIBLE", "NEW-ORG", "ORGS", "ADDRESS"},
                    {false, false, false, false, false, false, true, false});
    for (std::size_t l = 0; l < s.localities().size(); ++l) {
        const Locality& locality = s.localities()[l];
        table.addRow({locality.name, std::string(categoryName(locality.category)), "", "",
                      yesNo(locality.visible), "", std::to_string(orgsPerLocality[l]), ""});
        for (CellIndex c : locality.cells) {
            const Cell& cell = s.cells()[c];
            table.addRow({"", "", cell.name, cell.monolith ? "yes" : "", yesNo(cell.visible),
                          cell.name == locality.newOrgCell ? "yes" : "", std::to_string(s.orgCountInCell(c)),
                          cell.address});
        }
    }
    for (CellIndex c = 0; c < s.cells().size(); ++c)
        if (!s.cells()[c].declared)
            table.addRow(
                {"(undeclared)", "", s.cells()[c].name, "", "", "", std::to_string(s.orgCountInCell(c)), ""});
    table.print(out);
    out << "\n"
        << s.organizations().size() << " organizations, " << s.members().size() << " member mappings, "
        << s.projectKeys().size() << " project keys, " << s.integrations().size() << " integrations, "
        << s.slugReservations().size() << " slug reservations\n";
    return 0;
}

// ---- orgs ------------------------------------------------------------------------------------------

int runOrgs(Context& context)
{
    const SnapshotPtr snapshot = context.snapshot();
    const Snapshot& s = *snapshot;
    OrgFilter filter;
    if (const std::string cell = context.option(QStringLiteral("cell")); !cell.empty()) {
        filter.cell = s.findCell(cell);
        if (!filter.cell)
            fail(ErrorCode::BadInput, "no cell named '" + cell + "'");
    }
    if (const std::string locality = context.option(QStringLiteral("locality")); !locality.empty()) {
        if (!s.findLocality(locality))
            fail(ErrorCode::BadInput, "no locality named '" + locality + "'");
        filter.locality = locality;
    }
    filter.search = context.option(QStringLiteral("search"));
    if (!context.positional().isEmpty())
        fail(ErrorCode::BadInput, "takes no arguments; use --search TEXT");
    const std::size_t limit = context.sizeOption(QStringLiteral("limit"), 50);
    std::size_t total = 0;
    const auto orgs = findOrganizations(s, filter, limit, &total);

    if (context.json()) {
        JsonWriter w(context.out(), true);
        w.beginObject();
        w.key("total_matches").value(total);
        w.key("organizations").beginArray();
        for (OrgIndex i : orgs) {
            const OrganizationMapping& org = s.org(i);
            w.beginObject();
            w.key("id").value(org.id);
            w.key("slug").value(s.slug(i));
            w.key("name").value(s.name(i));
            w.key("cell").value(s.cellName(org.cell));
            w.key("locality").value(localityNameOfCell(s, org.cell));
            w.key("status").value(orgStatusName(org.status));
            w.key("member_count").value(s.membersOfOrg(i).size());
            w.key("date_created").value(formatIsoTimestamp(org.dateCreated));
            w.endObject();
        }
        w.endArray();
        w.endObject();
        context.out() << '\n';
        return 0;
    }
    TextTable table({"ID", "SLUG", "NAME", "CELL", "LOCALITY", "STATUS", "MEMBERS", "CREATED"},
                    {true, false, false, false, false, false, true, false});
    for (OrgIndex i : orgs) {
        const OrganizationMapping& org = s.org(i);
        table.addRow({std::to_string(org.id), std::string(s.slug(i)), std::string(s.name(i)),
                      std::string(s.cellName(org.cell)), std::string(localityNameOfCell(s, org.cell)),
                      std::string(orgStatusName(org.status)), std::to_string(s.membersOfOrg(i).size()),
                      formatIsoTimestamp(org.dateCreated).substr(0, 10)});
    }
    table.print(context.out());
    context.out() << "(" << orgs.size() << " of " << total << " matching organizations shown)\n";
    return 0;
}

// ---- org -------------------------------------------------------------------------------------------

int runOrg(Context& context)
{
    const std::string who = singlePositional(context, "ID|SLUG");
    const SnapshotPtr snapshot = context.snapshot();
    const Snapshot& s = *snapshot;
    const OrgIndex index = requireOrg(s, who);
    const OrganizationMapping& org = s.org(index);

    // Project slugs and names live in the cell database, not in control; add them when reachable.
    std::map<std::int64_t, sources::ProjectInfo> projects;
    std::string projectsNote;
    if (!context.source().isFile() && !context.source().isControlApi()) {
        try {
            projects = sources::projectsOfOrganization(
                context.source().databases().cellConninfo(s.cellName(org.cell)), org.id);
        } catch (const Error& e) {
            projectsNote = std::string("project names unavailable: ") + e.what();
        }
    }

    const auto reservations = s.reservationsOfOrg(org.id);
    const auto members = s.membersOfOrg(index);
    const auto keys = s.keysOfOrg(index);
    const std::string_view locality = localityNameOfCell(s, org.cell);

    if (context.json()) {
        JsonWriter w(context.out(), true);
        w.beginObject();
        w.key("organization").beginObject();
        w.key("id").value(org.id);
        w.key("slug").value(s.slug(index));
        w.key("name").value(s.name(index));
        w.key("cell").value(s.cellName(org.cell));
        w.key("locality").value(locality);
        w.key("status").value(orgStatusName(org.status));
        w.key("date_created").value(formatIsoTimestamp(org.dateCreated));
        w.endObject();
        w.key("slug_reservations").beginArray();
        for (const SlugReservation& r : reservations) {
            w.beginObject();
            w.key("slug").value(s.text(r.slug));
            w.key("cell").value(s.cellName(r.cellIndex()));
            w.key("reservation_type").value(reservationTypeName(r.reservationType()));
            w.endObject();
        }
        w.endArray();
        w.key("members").beginArray();
        for (MemberIndex m : members) {
            const MemberMapping& member = s.members()[m];
            w.beginObject();
            if (member.userId)
                w.key("user_id").value(member.userId);
            else
                w.key("user_id").null();
            w.key("email").value(s.text(member.email));
            w.key("role").value(s.role(member));
            w.key("other_cells").beginArray();
            for (CellIndex c : otherCellsOfUser(s, member.userId, org.cell))
                w.value(s.cellName(c));
            w.endArray();
            w.endObject();
        }
        w.endArray();
        w.key("projects").beginArray();
        for (KeyIndex k : keys) {
            const ProjectKey& key = s.projectKeys()[k];
            const auto project = projects.find(key.projectId);
            w.beginObject();
            w.key("project_id").value(key.projectId);
            if (project != projects.end()) {
                w.key("slug").value(project->second.slug);
                w.key("name").value(project->second.name);
                w.key("platform").value(project->second.platform);
            }
            w.key("public_key").value(s.publicKey(k));
            w.key("project_key_id").value(key.projectKeyId);
            w.key("dsn_format").value(dsnFormatName(key.dsnFormat));
            w.key("dsn").value(dsnForKey(s, k));
            w.endObject();
        }
        w.endArray();
        if (!projectsNote.empty())
            w.key("note").value(projectsNote);
        w.endObject();
        context.out() << '\n';
        return 0;
    }

    auto& out = context.out();
    out << s.slug(index) << " — " << s.name(index) << "\n"
        << "  id " << org.id << ", cell " << s.cellName(org.cell) << " (locality " << locality << "), "
        << orgStatusName(org.status) << ", created " << formatIsoTimestamp(org.dateCreated) << "\n\n";
    out << "Slug reservations\n";
    TextTable reservationTable({"SLUG", "TYPE", "CELL"});
    for (const SlugReservation& r : reservations)
        reservationTable.addRow({std::string(s.text(r.slug)),
                                 std::string(reservationTypeName(r.reservationType())),
                                 std::string(s.cellName(r.cellIndex()))});
    reservationTable.print(out, "  ");
    out << "\nMembers\n";
    TextTable memberTable({"USER", "EMAIL", "ROLE", "ALSO IN CELLS"}, {true, false, false, false});
    for (MemberIndex m : members) {
        const MemberMapping& member = s.members()[m];
        memberTable.addRow({member.userId ? std::to_string(member.userId) : "(invite)",
                            std::string(s.text(member.email)), std::string(s.role(member)),
                            joinCells(s, otherCellsOfUser(s, member.userId, org.cell))});
    }
    memberTable.print(out, "  ");
    out << "\nProjects and DSNs\n";
    TextTable projectTable({"PROJECT", "SLUG", "FORMAT", "DSN"}, {true, false, false, false});
    for (KeyIndex k : keys) {
        const ProjectKey& key = s.projectKeys()[k];
        const auto project = projects.find(key.projectId);
        projectTable.addRow({std::to_string(key.projectId),
                             project == projects.end() ? "" : project->second.slug,
                             std::string(dsnFormatName(key.dsnFormat)), dsnForKey(s, k)});
    }
    projectTable.print(out, "  ");
    if (!projectsNote.empty())
        out << "  (" << projectsNote << ")\n";
    return 0;
}

// ---- user ------------------------------------------------------------------------------------------

int runUser(Context& context)
{
    const std::string who = singlePositional(context, "ID|EMAIL");
    const SnapshotPtr snapshot = context.snapshot();
    const Snapshot& s = *snapshot;
    const UserOrganizations user = findUserOrganizations(s, who);
    if (user.cells.empty() && user.unmapped.empty())
        fail(ErrorCode::BadInput, "no member mappings for user " + who);
    const bool spansCells = user.cells.size() > 1;
    std::string cellList;
    for (const auto& group : user.cells)
        cellList += (cellList.empty() ? "" : ", ") + std::string(s.cellName(group.cell));
    const std::string warning = "this user's organizations live in " + std::to_string(user.cells.size()) +
                                " cells (" + cellList +
                                "): a membership query run inside one cell (e.g. "
                                "Organization.objects.get_for_user_ids) silently misses "
                                "the others; use OrganizationMemberMapping in control";

    if (context.json()) {
        JsonWriter w(context.out(), true);
        w.beginObject();
        w.key("query").value(who);
        w.key("user_ids").beginArray();
        for (auto id : user.userIds)
            w.value(id);
        w.endArray();
        w.key("emails").beginArray();
        for (const auto& email : user.emails)
            w.value(email);
        w.endArray();
        w.key("cells").beginArray();
        for (const auto& group : user.cells) {
            w.beginObject();
            w.key("cell").value(s.cellName(group.cell));
            w.key("locality").value(localityNameOfCell(s, group.cell));
            w.key("organizations").beginArray();
            for (const auto& entry : group.entries) {
                w.beginObject();
                w.key("id").value(s.org(*entry.org).id);
                w.key("slug").value(s.slug(*entry.org));
                w.key("name").value(s.name(*entry.org));
                w.key("role").value(s.role(s.members()[entry.member]));
                w.endObject();
            }
            w.endArray();
            w.endObject();
        }
        w.endArray();
        w.key("unmapped_organization_ids").beginArray();
        for (const auto& entry : user.unmapped)
            w.value(s.members()[entry.member].organizationId);
        w.endArray();
        w.key("warnings").beginArray();
        if (spansCells) {
            w.beginObject();
            w.key("code").value("cross_cell_user");
            w.key("message").value(warning);
            w.endObject();
        }
        w.endArray();
        w.endObject();
        context.out() << '\n';
        return 0;
    }
    auto& out = context.out();
    out << "User " << who << ": " << user.cells.size() << (user.cells.size() == 1 ? " cell" : " cells")
        << "\n";
    for (const auto& group : user.cells) {
        out << "\n" << s.cellName(group.cell) << " (locality " << localityNameOfCell(s, group.cell) << ")\n";
        TextTable table({"ID", "SLUG", "NAME", "ROLE"}, {true, false, false, false});
        for (const auto& entry : group.entries)
            table.addRow({std::to_string(s.org(*entry.org).id), std::string(s.slug(*entry.org)),
                          std::string(s.name(*entry.org)), std::string(s.role(s.members()[entry.member]))});
        table.print(out, "  ");
    }
    for (const auto& entry : user.unmapped)
        out << "  organization " << s.members()[entry.member].organizationId
            << " has no organization mapping\n";
    if (spansCells)
        out << "\nwarning [cross_cell_user]: " << warning << "\n";
    return 0;
}

} // namespace

void addBrowseVerbs(std::vector<Verb>& verbs)
{
    verbs.push_back({"world", "", "Localities, cells and how many organizations each holds", {}, runWorld});
    verbs.push_back(
        {"orgs", "", "List organizations (filter by --cell, --locality, --search; --limit N)",
         [](QCommandLineParser& p) {
             p.addOption({QStringLiteral("cell"), QStringLiteral("Only this cell."), QStringLiteral("CELL")});
             p.addOption({QStringLiteral("locality"), QStringLiteral("Only this locality."),
                          QStringLiteral("LOCALITY")});
             p.addOption({QStringLiteral("search"), QStringLiteral("Slug/name substring or id."),
                          QStringLiteral("TEXT")});
             p.addOption({QStringLiteral("limit"), QStringLiteral("At most N rows (default 50)."),
                          QStringLiteral("N")});
         },
         runOrgs});
    verbs.push_back({"org",
                     "ID|SLUG",
                     "One organization: mapping, reservations, members, projects and DSNs",
                     {},
                     runOrg});
    verbs.push_back(
        {"user", "ID|EMAIL", "A user's organizations grouped by cell (find_cells_for_user)", {}, runUser});
}

} // namespace cellscope::cli
