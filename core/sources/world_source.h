#pragma once

#include "core/db/database.h"
#include "core/db/embedded_cluster.h"
#include "core/snapshot/snapshot.h"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace cellscope::sources {

// What the user asked for on the command line (or in the GUI's File menu).
struct SourceOptions
{
    std::string snapshotFile; // --snapshot FILE
    std::string db;           // --db CONNINFO (else $CELLSCOPE_DB)
    std::string settingsFile; // --config FILE (else the default settings path)
    std::string controlUrl;   // --control-url URL: pull the mappings from control like Synapse
};

// Where the world comes from, resolved in this order: a snapshot file; the control API
// (--control-url, with its backup snapshot when control is down); --db / CELLSCOPE_DB;
// the settings file's [databases] control entry; otherwise the embedded default cluster, which is
// created, migrated and seeded with the demo world on first use.
class WorldSource
{
public:
    using Progress = std::function<void(std::string_view)>;

    static std::unique_ptr<WorldSource> open(const SourceOptions& options, const Progress& progress = {});

    bool isFile() const noexcept { return !m_snapshotFile.empty(); }
    bool isEmbedded() const noexcept { return m_cluster != nullptr; }
    bool isControlApi() const noexcept { return !m_controlUrl.empty(); }
    // The databases; Error(BadInput) for a snapshot-file or control-API source, which have none.
    const db::DatabaseConfig& databases() const;
    std::string description() const;
    SnapshotPtr loadSnapshot() const;

private:
    WorldSource() = default;

    std::string m_snapshotFile;
    std::string m_controlUrl;
    std::string m_settingsPath;
    Progress m_progress; // tells the user when the control API's backup stands in
    db::DatabaseConfig m_config;
    std::unique_ptr<db::EmbeddedCluster> m_cluster;
};

inline constexpr const char* kEmbeddedControlDatabase = "cellscope_control";
inline constexpr std::size_t kDefaultDemoOrgs = 5000;
inline constexpr std::uint64_t kDefaultDemoSeed = 42;

} // namespace cellscope::sources
