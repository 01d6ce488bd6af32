#include "core/relocation/org_graph.h"

#include "core/relocation/cell_session.h"
#include "core/util/error.h"

#include <algorithm>
#include <functional>
#include <map>
#include <set>

namespace cellscope::relocation {

namespace {

// Every ordinary or partitioned table outside PostgreSQL's schemas and Cellscope's own: its
// primary key (quoted, in key order), whether that key is a single integer column, and whether it
// has an organization_id column.
constexpr const char* kTablesSql = R"(
SELECT c.oid::bigint, n.nspname, c.relname, quote_ident(n.nspname) || '.' || quote_ident(c.relname),
       coalesce((SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY k.ord)
                 FROM pg_index i CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
                 JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
                 WHERE i.indrelid = c.oid AND i.indisprimary), ''),
       coalesce((SELECT count(*) = 1 AND bool_and(a.atttypid IN ('int2'::regtype, 'int4'::regtype, 'int8'::regtype))
                 FROM pg_index i CROSS JOIN LATERAL unnest(i.indkey::int2[]) AS k(attnum)
                 JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
                 WHERE i.indrelid = c.oid AND i.indisprimary), false),
       EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'organization_id'
               AND a.attnum > 0 AND NOT a.attisdropped)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
  AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'cellscope') AND n.nspname NOT LIKE 'pg\_%'
ORDER BY 1)";

// Every foreign key: child and parent table, and their columns in the key's order.
constexpr const char* kForeignKeysSql = R"(
SELECT con.conrelid::bigint, con.confrelid::bigint,
       string_agg(quote_ident(ca.attname), ', ' ORDER BY k.ord),
       string_agg(quote_ident(pa.attname), ', ' ORDER BY k.ord), count(*)
FROM pg_constraint con
CROSS JOIN LATERAL unnest(con.conkey, con.confkey) WITH ORDINALITY AS k(child, parent, ord)
JOIN pg_attribute ca ON ca.attrelid = con.conrelid AND ca.attnum = k.child
JOIN pg_attribute pa ON pa.attrelid = con.confrelid AND pa.attnum = k.parent
WHERE con.contype = 'f'
GROUP BY con.oid, con.conname, con.conrelid, con.confrelid
ORDER BY con.conrelid, con.conname)";

struct CatalogTable
{
    std::string name;
    std::string sqlName;
    std::string keyColumns;
    bool integerKey = false;
    bool hasOrgColumn = false;
};

struct ForeignKey
{
    long long child = 0;
    long long parent = 0;
    std::string childColumns;
    std::string parentColumns;
    bool single = true;
};

// A name from the settings as the graph spells it: bare for public, else schema.table.
std::string normalized(std::string name)
{
    if (name.starts_with("public."))
        name.erase(0, 7);
    return name;
}

class Discovery
{
public:
    Discovery(CellSession& cell, const db::OrgTableHints& hints) : m_cell(cell), m_hints(hints) {}

    OrgGraph run()
    {
        readCatalog();
        walk();
        order();
        findUncovered();
        return std::move(m_graph);
    }

private:
    void readCatalog()
    {
        for (const Row& row : m_cell.query(kTablesSql)) {
            CatalogTable t;
            t.name = row.at(1) == "public" ? row.at(2) : row.at(1) + "." + row.at(2);
            t.sqlName = row.at(3);
            t.keyColumns = row.at(4);
            t.integerKey = row.at(5) == "t";
            t.hasOrgColumn = row.at(6) == "t";
            const long long oid = std::stoll(row.at(0));
            m_byName[t.name] = oid;
            m_tables.emplace(oid, std::move(t));
        }
        for (const Row& row : m_cell.query(kForeignKeysSql)) {
            ForeignKey fk{std::stoll(row.at(0)), std::stoll(row.at(1)), row.at(2), row.at(3),
                          row.at(4) == "1"};
            if (m_tables.count(fk.child) && m_tables.count(fk.parent))
                m_children[fk.parent].push_back(std::move(fk));
        }
        for (auto& [parent, keys] : m_children)
            std::stable_sort(keys.begin(), keys.end(), [&](const ForeignKey& a, const ForeignKey& b) {
                return m_tables.at(a.child).name < m_tables.at(b.child).name;
            });
    }

    bool excluded(const std::string& name) const
    {
        return std::any_of(m_hints.excluded.begin(), m_hints.excluded.end(),
                           [&](const std::string& e) { return normalized(e) == name; });
    }

    // The filter of a child reached through `fk` from its parent.
    std::string filterThrough(const ForeignKey& fk) const
    {
        const OrgTable& parent = m_scoped.at(fk.parent);
        if (parent.depth == 0 && fk.single && fk.parentColumns == "id")
            return fk.childColumns + " = $1";
        const std::string columns = fk.single ? fk.childColumns : "(" + fk.childColumns + ")";
        return columns + " IN (SELECT " + fk.parentColumns + " FROM " + parent.sqlName + " WHERE " +
               parent.orgFilter + ")";
    }

    // A declared link names a column holding the organization's id: both guards compare it with
    // one, and a missing or non-integer column would fail every write to the table during a
    // freeze, or after a departure, instead of here.
    void requireOrgIdColumn(long long oid, const std::string& table, const std::string& column)
    {
        const auto rows = m_cell.query("SELECT format_type(atttypid, atttypmod), "
                                       "atttypid IN ('int2'::regtype, 'int4'::regtype, 'int8'::regtype) "
                                       "FROM pg_attribute WHERE attrelid = $1::oid AND attname = $2 "
                                       "AND attnum > 0 AND NOT attisdropped",
                                       {std::to_string(oid), column});
        if (rows.empty() || rows[0][1] != "t")
            fail(ErrorCode::BadInput,
                 "the settings declare " + table + ":" + column + " as a link to the organization, but " +
                     (rows.empty() ? "cell " + m_cell.cell() + "'s " + table + " has no column " + column
                                   : "that column is " + rows[0][0] + " in cell " + m_cell.cell() +
                                         ", not an integer holding the organization's id") +
                     " ([relocation] org_columns)");
    }

    OrgTable scopedTable(long long oid, int depth) const
    {
        const CatalogTable& t = m_tables.at(oid);
        OrgTable table;
        table.name = t.name;
        table.sqlName = t.sqlName;
        table.keyColumns = t.keyColumns;
        table.batched = t.integerKey;
        table.depth = depth;
        return table;
    }

    // Breadth first from sentry_organization, a level at a time in name order: every table gets its
    // shortest link, and of equally short ones the first parent by name.
    void walk()
    {
        auto root = m_byName.find("sentry_organization");
        if (root == m_byName.end())
            fail(ErrorCode::Conflict, "cell " + m_cell.cell() + " has no sentry_organization table");
        OrgTable organization = scopedTable(root->second, 0);
        organization.orgFilter = "id = $1";
        organization.orgColumn = "id";
        organization.via = "the organization itself";
        m_scoped.emplace(root->second, std::move(organization));
        std::vector<long long> level{root->second};
        for (const auto& [table, column] : m_hints.orgColumns) {
            const auto found = m_byName.find(normalized(table));
            if (found == m_byName.end() || m_scoped.count(found->second) || excluded(found->first))
                continue;
            requireOrgIdColumn(found->second, table, column);
            OrgTable declared = scopedTable(found->second, 1);
            declared.orgColumn = column;
            declared.orgFilter = m_cell.quoteIdentifier(column) + " = $1";
            declared.via = column + " (declared in the settings) → sentry_organization";
            declared.declared = true;
            m_scoped.emplace(found->second, std::move(declared));
            m_declaredSeeds.push_back(found->second);
        }
        for (int depth = 1; !level.empty(); ++depth) {
            std::vector<long long> next;
            if (depth == 1)
                next = m_declaredSeeds;
            for (const long long parent : level)
                for (const ForeignKey& fk : m_children[parent])
                    reach(fk, depth, next);
            std::sort(next.begin(), next.end(),
                      [&](long long a, long long b) { return m_tables.at(a).name < m_tables.at(b).name; });
            level = std::move(next);
        }
    }

    void reach(const ForeignKey& fk, int depth, std::vector<long long>& next)
    {
        if (fk.child == fk.parent) {
            m_scoped.at(fk.child).selfReference = true;
            return;
        }
        if (m_scoped.count(fk.child) || m_uncovered.count(fk.child))
            return;
        const CatalogTable& child = m_tables.at(fk.child);
        if (excluded(child.name)) {
            m_uncovered.emplace(fk.child,
                                UncoveredTable{child.name, child.sqlName, filterThrough(fk),
                                               "excluded in the settings, yet linked to the "
                                               "organization by " +
                                                   fk.childColumns + " → " + m_scoped.at(fk.parent).name});
            return;
        }
        OrgTable table = scopedTable(fk.child, depth);
        table.orgFilter = filterThrough(fk);
        table.parent = m_scoped.at(fk.parent).name;
        table.via = fk.childColumns + " → " + table.parent;
        m_scoped.emplace(fk.child, std::move(table));
        next.push_back(fk.child);
    }

    // Parents before children (Kahn's algorithm, nearest to the organization first). A cycle has
    // no such order: it is broken at its table nearest to the organization, whose own link came
    // first, so every table still follows the parent its filter reads.
    void order()
    {
        std::map<long long, int> incoming;
        std::map<long long, std::vector<long long>> edges;
        for (const auto& [oid, table] : m_scoped)
            incoming[oid];
        for (const auto& [parent, keys] : m_children)
            for (const ForeignKey& fk : keys)
                if (fk.child != fk.parent && m_scoped.count(fk.child) && m_scoped.count(parent)) {
                    edges[parent].push_back(fk.child);
                    ++incoming[fk.child];
                }
        markCycles(edges);
        auto before = [&](long long a, long long b) {
            const OrgTable& x = m_scoped.at(a);
            const OrgTable& y = m_scoped.at(b);
            return std::tie(x.depth, x.name) < std::tie(y.depth, y.name);
        };
        std::set<long long, decltype(before)> ready(before);
        std::set<long long, decltype(before)> waiting(before);
        for (const auto& [oid, count] : incoming)
            (count == 0 ? ready : waiting).insert(oid);
        while (!ready.empty() || !waiting.empty()) {
            long long oid = 0;
            if (!ready.empty()) {
                oid = *ready.begin();
                ready.erase(ready.begin());
            } else {
                oid = *waiting.begin(); // a cycle: break it here
                waiting.erase(waiting.begin());
            }
            m_graph.tables.push_back(m_scoped.at(oid));
            for (const long long child : edges[oid])
                if (waiting.count(child) && --incoming[child] == 0) {
                    waiting.erase(child);
                    ready.insert(child);
                }
        }
    }

    // Numbers the strongly connected components of more than one table (Tarjan).
    void markCycles(std::map<long long, std::vector<long long>>& edges)
    {
        std::map<long long, int> index;
        std::map<long long, int> low;
        std::vector<long long> stack;
        std::set<long long> onStack;
        int counter = 0;
        std::function<void(long long)> visit = [&](long long v) {
            index[v] = low[v] = counter++;
            stack.push_back(v);
            onStack.insert(v);
            for (const long long w : edges[v]) {
                if (!index.count(w)) {
                    visit(w);
                    low[v] = std::min(low[v], low[w]);
                } else if (onStack.count(w)) {
                    low[v] = std::min(low[v], index[w]);
                }
            }
            if (low[v] != index[v])
                return;
            std::vector<long long> component;
            long long w = 0;
            do {
                w = stack.back();
                stack.pop_back();
                onStack.erase(w);
                component.push_back(w);
            } while (w != v);
            if (component.size() > 1) {
                ++m_graph.cycles;
                for (const long long member : component)
                    m_scoped.at(member).cycle = m_graph.cycles;
            }
        };
        for (const auto& [oid, table] : m_scoped)
            if (!index.count(oid))
                visit(oid);
    }

    // Tables with an organization_id column that nothing links: they may hold the org's rows.
    void findUncovered()
    {
        // An excluded table with no foreign key into the organization may keep its rows behind.
        for (const auto& [oid, table] : m_tables)
            if (table.hasOrgColumn && !m_scoped.count(oid) && !m_uncovered.count(oid) &&
                !excluded(table.name))
                m_uncovered.emplace(oid, UncoveredTable{table.name, table.sqlName, "organization_id = $1",
                                                        "has an organization_id column but no foreign key "
                                                        "to an org-scoped table and no declared link"});
        for (auto& [oid, table] : m_uncovered)
            m_graph.uncovered.push_back(std::move(table));
        std::sort(m_graph.uncovered.begin(), m_graph.uncovered.end(),
                  [](const UncoveredTable& a, const UncoveredTable& b) { return a.name < b.name; });
    }

    CellSession& m_cell;
    const db::OrgTableHints& m_hints;
    std::map<long long, CatalogTable> m_tables;
    std::map<std::string, long long> m_byName;
    std::map<long long, std::vector<ForeignKey>> m_children;
    std::map<long long, OrgTable> m_scoped;
    std::map<long long, UncoveredTable> m_uncovered;
    std::vector<long long> m_declaredSeeds;
    OrgGraph m_graph;
};

// Relocations read every table that may hold an organization's rows and write the org-scoped ones,
// as the cell migration's grants allow for the tables it knew; tables added since get the same.
void grantRelocationRights(CellSession& cell, const std::string& table, bool write)
{
    const Row held = cell.query("SELECT has_table_privilege('cellscope_viewer', $1, 'SELECT'), "
                                "has_table_privilege('cellscope_staff', $1, 'INSERT') AND "
                                "has_table_privilege('cellscope_staff', $1, 'UPDATE') AND "
                                "has_table_privilege('cellscope_staff', $1, 'DELETE')",
                                {table})
                         .at(0);
    if (held.at(0) != "t")
        cell.exec("GRANT SELECT ON " + table + " TO cellscope_viewer");
    if (write && held.at(1) != "t")
        cell.exec("GRANT INSERT, UPDATE, DELETE ON " + table + " TO cellscope_staff");
}

} // namespace

const OrgTable* OrgGraph::find(std::string_view name) const
{
    const auto found =
        std::find_if(tables.begin(), tables.end(), [&](const OrgTable& table) { return table.name == name; });
    return found == tables.end() ? nullptr : &*found;
}

bool OrgGraph::needsUncheckedLoad() const
{
    return std::any_of(tables.begin(), tables.end(),
                       [](const OrgTable& table) { return table.cycle > 0 || table.selfReference; });
}

OrgGraph discoverOrgGraph(CellSession& cell, const db::OrgTableHints& hints)
{
    return Discovery(cell, hints).run();
}

namespace {

void installFreezeGuard(CellSession& cell, const OrgTable& table)
{
    const std::string call =
        "EXECUTE FUNCTION cellscope.refuse_frozen_org_writes(" + cell.quoteLiteral(table.orgFilter) + ")";
    for (const char* name :
         {"frozen_org_insert", "frozen_org_update", "frozen_org_delete", "frozen_org_truncate"})
        cell.exec(std::string("DROP TRIGGER IF EXISTS ") + name + " ON " + table.sqlName);
    cell.exec("CREATE TRIGGER frozen_org_insert AFTER INSERT ON " + table.sqlName +
              " REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT " + call);
    cell.exec("CREATE TRIGGER frozen_org_update AFTER UPDATE ON " + table.sqlName +
              " REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT " + call);
    cell.exec("CREATE TRIGGER frozen_org_delete AFTER DELETE ON " + table.sqlName +
              " REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT " + call);
    cell.exec("CREATE TRIGGER frozen_org_truncate BEFORE TRUNCATE ON " + table.sqlName +
              " FOR EACH STATEMENT " + call);
}

// None on a table without an orgColumn (one whose declared link became a foreign key loses it).
// The names sort after the freeze guard's, so its triggers fire after it: see cell/0010.
void installDepartureGuard(CellSession& cell, const OrgTable& table)
{
    for (const char* name : {"org_departed_insert", "org_departed_update"})
        cell.exec(std::string("DROP TRIGGER IF EXISTS ") + name + " ON " + table.sqlName);
    if (table.orgColumn.empty())
        return;
    const std::string call =
        "EXECUTE FUNCTION cellscope.refuse_departed_org_rows(" + cell.quoteLiteral(table.orgColumn) + ")";
    cell.exec("CREATE TRIGGER org_departed_insert AFTER INSERT ON " + table.sqlName +
              " REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT " + call);
    if (table.depth > 0)
        cell.exec("CREATE TRIGGER org_departed_update AFTER UPDATE ON " + table.sqlName +
                  " REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT " + call);
}

} // namespace

int installFreezeGuards(CellSession& cell, const OrgGraph& graph)
{
    for (const UncoveredTable& table : graph.uncovered)
        grantRelocationRights(cell, table.sqlName, false);
    int changed = 0;
    for (const OrgTable& table : graph.tables) {
        grantRelocationRights(cell, table.sqlName, true);
        const bool frozenOk = freezeGuardInstalled(cell, table);
        const bool departedOk = departureGuardInstalled(cell, table);
        if (frozenOk && departedOk)
            continue;
        cell.exec("BEGIN");
        if (!frozenOk)
            installFreezeGuard(cell, table);
        if (!departedOk)
            installDepartureGuard(cell, table);
        cell.exec("COMMIT");
        ++changed;
    }
    return changed;
}

} // namespace cellscope::relocation
