#pragma once

#include <string>

namespace cellscope::db {

// Cellscope's private PostgreSQL cluster: the default when no database is configured.
//
// Layout under root: data/ (the cluster), run/ (its unix socket; TCP is off), log/server.log,
// cluster.lock (serialises start/stop between processes) and clients/<pid> (one file per Cellscope
// process using the server). The last client to release stops the server; clients that died
// without releasing are noticed by their pid and pruned. As root the server runs as the
// unprivileged `postgres` user, because PostgreSQL refuses to run as root.
class EmbeddedCluster
{
public:
    // $CELLSCOPE_HOME, else /var/lib/cellscope for root, else <data dir>/cellscope.
    static std::string defaultRoot();

    explicit EmbeddedCluster(std::string root);
    ~EmbeddedCluster();
    EmbeddedCluster(const EmbeddedCluster&) = delete;
    EmbeddedCluster& operator=(const EmbeddedCluster&) = delete;

    // Initialises the cluster if needed, starts it if stopped (recovering a stale postmaster.pid),
    // and registers this process as a client. Returns true when the cluster was created just now.
    bool acquire();
    // Unregisters this process; stops the server when no live client remains.
    void release();

    std::string conninfo(const std::string& dbname) const;
    const std::string& root() const noexcept { return m_root; }
    std::string socketDirectory() const;

private:
    std::string m_root;
    bool m_acquired = false;
};

} // namespace cellscope::db
