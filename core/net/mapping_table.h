#pragma once

#include "core/net/synapse_protocol.h"
#include "core/snapshot/snapshot.h"

#include <pqxx/connection>

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace cellscope::net {

// One row of sentry_organizationmapping / sentry_projectkeymapping as the control API pages it.
struct MappingRow
{
    std::int64_t rowId = 0;     // the mapping row's primary key: what the cursor names
    std::int64_t updatedAt = 0; // date_updated truncated to the second (unix seconds)
    std::string id;             // organization_id / project_key_id, printed as Sentry prints them
    std::string key;            // slug / public key
    std::string cell;
};

struct MappingPage
{
    std::vector<MappingRow> rows;
    bool hasMore = false;
};

// What the control-API server pages over. Ordering and filtering follow Sentry's SynapsePaginator:
// rows ordered by (updatedAt, rowId), strictly after the cursor, restricted to `cells` when given.
class MappingTable
{
public:
    virtual ~MappingTable() = default;
    virtual MappingPage page(MappingKind kind, const std::optional<std::vector<std::string>>& cells,
                             const std::optional<Cursor>& after, int limit) = 0;
};

// Rows held in memory: a snapshot's, or a test's. A snapshot has no mapping row ids and no
// date_updated, so its rows get updated_at 0 and their 1-based position in the snapshot as row id:
// a full pull works, and an incremental pull finds nothing new until the server restarts.
class MemoryMappingTable final : public MappingTable
{
public:
    static std::unique_ptr<MemoryMappingTable> fromSnapshot(const Snapshot& snapshot);

    // Adds the row, or replaces the row with the same rowId (an update moves it to its new place).
    void upsert(MappingKind kind, MappingRow row);
    std::size_t size(MappingKind kind) const { return m_rows[index(kind)].size(); }

    MappingPage page(MappingKind kind, const std::optional<std::vector<std::string>>& cells,
                     const std::optional<Cursor>& after, int limit) override;

private:
    static std::size_t index(MappingKind kind) { return kind == MappingKind::Organization ? 0 : 1; }
    std::array<std::vector<MappingRow>, 2> m_rows; // sorted by (updatedAt, rowId)
};

// Pages straight from a control database with Sentry's query, so a running server sees every change
// (date_updated comes from the mapping tables themselves). One connection, reopened after a failure.
// Every statement runs under a statement and lock timeout: a locked or stalled database makes a
// request fail with Error(Unreachable) (an HTTP 503 a client retries) instead of freezing the server.
class PostgresMappingTable final : public MappingTable
{
public:
    explicit PostgresMappingTable(std::string conninfo,
                                  std::chrono::milliseconds statementTimeout = std::chrono::seconds(5));
    ~PostgresMappingTable() override;

    MappingPage page(MappingKind kind, const std::optional<std::vector<std::string>>& cells,
                     const std::optional<Cursor>& after, int limit) override;

private:
    pqxx::connection& connection();

    std::string m_conninfo;
    std::chrono::milliseconds m_statementTimeout;
    std::unique_ptr<pqxx::connection> m_connection;
};

} // namespace cellscope::net
