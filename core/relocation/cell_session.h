#pragma once

#include "core/relocation/org_graph.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct pg_conn;
struct pg_result;

namespace cellscope::relocation {

using Row = std::vector<std::string>; // text values, "" for NULL

// A libpq session to one cell database, for the work that moves an organization's data: binary COPY
// from cell to cell and back for verify, range deletes, the freeze. libpqxx 6.4 cannot pipe a
// stream_from into a stream_to (get_raw_line keeps each line's newline and the write adds a second
// one, which COPY rejects) and has no public raw-line write, so rows move with libpq's COPY calls
// directly, in binary, without parsing a field beyond the leading key.
// Every failure is an Error naming the cell: Unreachable when the connection is gone, Permission
// when PostgreSQL refuses the role, Conflict when the freeze guard refuses a write, else Internal.
// After a failure, or a stream left unfinished, the session is spent: discard it.
class CellSession
{
public:
    CellSession(std::string cell, const std::string& conninfo);
    ~CellSession();
    CellSession(const CellSession&) = delete;
    CellSession& operator=(const CellSession&) = delete;

    const std::string& cell() const noexcept { return m_cell; }
    std::vector<Row> query(const std::string& sql, const std::vector<std::string>& params = {});
    void exec(const std::string& sql) { query(sql); }
    // Sends `sql` (one or more statements, no parameters) and returns at once, so the server works
    // while the caller does something else; await() collects every result, failing like query().
    void send(const std::string& sql);
    void await(const std::string& what);
    std::string quoteIdentifier(std::string_view name);
    std::string quoteLiteral(std::string_view text);
    // Marks this session as relocation `relocationId`'s own: the target's guard lets it write the
    // organization's rows while they are being loaded (phase 'loading', migration cell/0008).
    void actFor(std::int64_t relocationId);
    // Whether this role may load rows through cellscope.load_org_rows (migration cell/0006), which
    // skips the per-row key checks, and its owner may do that. Asked once per session.
    bool mayLoadUnchecked();

private:
    friend class CopyOutStream;
    friend class CopyInBatch;
    [[noreturn]] void fail(const std::string& what, pg_result* result);

    std::string m_cell;
    pg_conn* m_conn = nullptr;
    std::optional<bool> m_uncheckedLoad;
};

// The rows of one binary COPY … TO STDOUT, one at a time: each row's bytes as the server sent them
// (the stream's header stripped) and, when `keyed`, its leading integer key. One ordered stream per
// table, however many batches it feeds, so no batch re-scans what the ones before it read.
class CopyOutStream
{
public:
    CopyOutStream(CellSession& session, const std::string& copyToStdout, bool keyed);
    ~CopyOutStream();
    CopyOutStream(const CopyOutStream&) = delete;
    CopyOutStream& operator=(const CopyOutStream&) = delete;

    // Moves to the next row; false once the COPY has completed.
    bool next();
    std::string_view row() const noexcept { return m_row; }
    std::int64_t key() const noexcept { return m_key; }

private:
    CellSession& m_session;
    char* m_buffer = nullptr;
    std::string_view m_row;
    std::int64_t m_key = 0;
    bool m_keyed = true;
    bool m_headerPending = true;
    bool m_done = false;
};

// One batch of rows into a table with binary COPY … FROM STDIN, inside the caller's transaction.
class CopyInBatch
{
public:
    CopyInBatch(CellSession& session, const std::string& copyFromStdin);
    void put(std::string_view row);
    std::int64_t rowsPut() const noexcept { return m_rows; }
    // Ends the COPY and checks the server took every row; returns how many.
    std::int64_t finish();

private:
    CellSession& m_session;
    std::int64_t m_rows = 0;
};

// The SQL for one org-scoped table, with its columns as the cell's catalog has them (a batched
// table's key first), so source and target COPY the same columns in the same order.
class OrgTableSql
{
public:
    OrgTableSql(const OrgTable& table, CellSession& session);

    // "name type, …" in column order, to compare the schemas of two cells.
    const std::string& signature() const noexcept { return m_signature; }

    std::string count() const; // $1 org
    // The org's rows (after a key, for a batched table), in key order. COPY takes no parameters:
    // the ids are formatted into the statement (they are integers).
    // `also`: one more condition on the rows (keyCondition()).
    std::string copyOut(std::int64_t org, std::optional<std::int64_t> after,
                        const std::string& also = {}) const;
    // Batched tables only: the key is (or, `negated`, is not) one of `keys`.
    std::string keyCondition(const std::vector<std::int64_t>& keys, bool negated = false) const;
    // Batched tables only: updates the org's rows that `staging` holds a new version of (their keys
    // are `keys`), in place (their children keep pointing at them), and removes those from
    // `staging`; $1 org. The keys as a list, so the table is searched by its key's index.
    std::string updateFromStaging(const std::string& staging, const std::vector<std::int64_t>& keys) const;
    // Deletes the org's rows with a key in `keys` (all of them when `whole`), as a data-modifying
    // WITH item named `name`, so several tables go in one statement; $1 org.
    std::string deleteItem(const std::string& name, const std::vector<std::int64_t>& keys, bool whole) const;
    // COPY into the table itself, or into `into` (a staging table with the same columns).
    std::string copyIn(const std::string& into = {}) const;
    // Batched tables only. Every `$2`-th key of the org's rows, in order: the upper bounds of
    // delete batches; $1 org.
    std::string batchBounds() const;
    // Batched tables only. Deletes the org's rows with a key in ($2, $3] (NULL: unbounded) and
    // counts them; $1 org.
    std::string deleteRange() const;
    // The org's rows: count and max key (NULL unless batched); $1 org.
    std::string countAndLastKey() const;

private:
    std::string filter() const;
    std::string orderBy() const;

    OrgTable m_table;
    std::string m_columns;
    std::string m_signature;
    std::string m_stagedColumns; // m_columns, each as staged.column
};

// One statement that deletes the organization's rows of all `tables` ($1 org) and returns a count
// per table: foreign keys are checked at its end, so a cycle or a self-reference goes in one step.
std::string deleteTogether(const std::vector<OrgTable>& tables);

// The organization's DSN public keys as a cell holds them: the keys whose mappings the switch moves.
std::vector<std::string> publicKeysOfOrganization(CellSession& cell, std::int64_t organizationId);

// ---- the freeze (cellscope.frozen_org and the guard triggers of migration cell/0003) -----------

// True when `table` carries the freeze guard with exactly its org filter.
bool freezeGuardInstalled(CellSession& cell, const OrgTable& table);
// True when `table` carries the departure guard of migration cell/0010 on its orgColumn, and no
// other (none without an orgColumn).
bool departureGuardInstalled(CellSession& cell, const OrgTable& table);

// The relocation holding the organization frozen in this cell, if any.
std::optional<std::int64_t> frozenBy(CellSession& cell, std::int64_t organizationId);

// Freezes the organization in this cell for `relocationId`: waits (up to `lockTimeout`) for writers
// in flight on the `guarded` tables to finish, marks the organization relocation-pending and
// records its previous status; a capture of the same relocation becomes the freeze. Idempotent;
// returns the status it had before the freeze.
int freezeOrganization(CellSession& cell, const std::vector<OrgTable>& guarded, std::int64_t organizationId,
                       std::int64_t relocationId, const std::string& lockTimeout);

// Online relocation: starts logging which of the organization's rows each write changes
// (cellscope.org_change, migration cell/0008), after waiting for writers in flight like the freeze.
// The organization stays writable. Idempotent; freezeOrganization() later turns it into the freeze.
void startCapture(CellSession& cell, const std::vector<OrgTable>& tables, std::int64_t organizationId,
                  std::int64_t relocationId, const std::string& lockTimeout);
// Online relocation, in the target: the organization's rows there refuse every writer but the
// relocation's own sessions (actFor()) until the switch, so what online verify compared stays put.
// Idempotent; Error(Conflict) when another relocation holds the organization in this cell.
void guardTarget(CellSession& cell, std::int64_t organizationId, std::int64_t relocationId);
// Lets everyone write the organization's rows in this cell again. Idempotent.
void releaseTarget(CellSession& cell, std::int64_t organizationId, std::int64_t relocationId);
// "capture", "loading", "frozen" or "cleanup" while `relocationId` holds the organization here.
std::optional<std::string> freezePhase(CellSession& cell, std::int64_t organizationId,
                                       std::int64_t relocationId);

// Lets deletes of the frozen organization through (cleanup after the switch).
void beginCleanup(CellSession& cell, std::int64_t organizationId, std::int64_t relocationId);
// Once the organization's rows are gone: drops the freeze (and the change log) and records the
// departure to `targetCell`, in one transaction, so the departure guard takes over from the freeze.
void leaveCell(CellSession& cell, std::int64_t organizationId, std::int64_t relocationId,
               const std::string& targetCell);
// Once the organization is back in this cell for good (after a switch to it): its departure record
// no longer refuses anything, and would only cost its writes a lookup. Idempotent.
void forgetDeparture(CellSession& cell, std::int64_t organizationId);
// Undoes the freeze exactly: the status it replaced comes back (none for a capture, which changed no
// status); the change log goes. No-op when not frozen by it.
// Ending a capture waits (up to `lockTimeout`) for the writers in flight on the `guarded` tables.
void unfreezeOrganization(CellSession& cell, const std::vector<OrgTable>& guarded,
                          std::int64_t organizationId, std::int64_t relocationId,
                          const std::string& lockTimeout);
// Sets the organization's status in this cell (the target's copy carries the frozen status).
void setOrganizationStatus(CellSession& cell, std::int64_t organizationId, int status);

} // namespace cellscope::relocation
