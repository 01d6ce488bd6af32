#pragma once

#include "core/db/database.h"

#include <string>
#include <vector>

namespace cellscope::relocation {

class CellSession;

// One org-scoped table of a cell: a table whose rows belong to an organization, found from the
// cell's catalog by following foreign keys to sentry_organization (directly or through other
// org-scoped tables), or named in the settings for links without a foreign key.
struct OrgTable
{
    std::string name;       // as people read it: "sentry_project", or "schema.table" outside public
    std::string sqlName;    // schema-qualified and quoted, for statements: public.sentry_project
    std::string orgFilter;  // predicate over the table's columns selecting the org's rows; $1 is its id
    std::string keyColumns; // primary key, quoted and comma-separated ("id", "a, b"); empty: none
    // A single integer key column: copied, verified and removed in batches by key, resumable mid-table.
    // Otherwise the table moves in one transaction, verified and removed whole.
    bool batched = false;
    int depth = 0;      // foreign keys from sentry_organization: 0 for itself, 1 for its children, …
    std::string parent; // the org-scoped table its filter goes through; empty for the root and declared links
    std::string via;    // how it reaches the organization: "organization_id → sentry_organization"
    int cycle = 0;      // > 0: its foreign keys form a cycle with the other tables of this number
    bool selfReference = false;
    bool declared = false; // linked by the settings, not by a foreign key
    // The organization itself and declared links: the column holding the organization's id (as
    // named, unquoted), which no foreign key checks. The departure guard watches it. Empty for the
    // other tables.
    std::string orgColumn;
};

// A table that may hold an organization's rows without being covered: it has an
// organization_id column that no foreign key or declared link makes org-scoped, or it is excluded
// although a foreign key links it to the organization (its rows would block the cleanup).
struct UncoveredTable
{
    std::string name;
    std::string sqlName;
    std::string filter; // selects the organization's rows in it; $1 is the organization id
    std::string reason;
};

struct OrgGraph
{
    // Parents before children: the order rows are written in (cleanup runs it backwards). Tables
    // of a cycle come in the order of their distance from the organization.
    std::vector<OrgTable> tables;
    std::vector<UncoveredTable> uncovered;
    int cycles = 0;

    const OrgTable* find(std::string_view name) const;
    bool needsUncheckedLoad() const; // a cycle or a self-reference: rows cannot be loaded key-checked
};

// Reads the cell's catalog (every schema but PostgreSQL's own and cellscope) and returns its
// org-scoped tables. Error(Conflict) when the cell has no sentry_organization table.
OrgGraph discoverOrgGraph(CellSession& cell, const db::OrgTableHints& hints);

// Installs (or corrects) the freeze guard of migration cell/0003 on every org-scoped table, with the
// table's org filter, and the departure guard of cell/0010 on those with an orgColumn. Needs the
// tables' owner: run by cellctl db migrate. Returns how many tables it changed.
int installFreezeGuards(CellSession& cell, const OrgGraph& graph);

} // namespace cellscope::relocation
