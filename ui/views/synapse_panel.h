#pragma once

#include "core/routing/catalog.h"
#include "core/routing/replay.h"
#include "core/routing/synapse_config.h"
#include "core/routing/synapse_lint.h"
#include "core/snapshot/snapshot.h"
#include "ui/background.h"

#include <QWidget>

#include <memory>
#include <vector>

class QLabel;
class QLineEdit;
class QTableWidget;

namespace cellscope::ui {

// The trace workbench's Synapse tab: opens a Synapse configuration file, lists its routes (proxy
// and ingest-router) with the lint findings on each, and counts which route every request of an
// access log takes, so a route no request reaches stands out. The loaded file is what traces go
// through (`cellctl trace --synapse-config`); a file Synapse would refuse still shows its routes
// and errors but routes nothing.
class SynapsePanel : public QWidget
{
    Q_OBJECT

public:
    SynapsePanel(std::shared_ptr<const routing::Catalog> catalog, QWidget* parent = nullptr);
    void setSnapshot(const SnapshotPtr& snapshot);
    // Loads and lints `path` on the panel's worker; configChanged follows.
    void openConfig(const QString& path);
    // Replays an access log through the loaded file on the worker; hitsCounted follows.
    void replayLog(const QString& path);

    std::shared_ptr<const routing::SynapseConfig> config() const { return m_config; }
    QString configPath() const { return m_path; }
    const routing::SynapseLintReport& lint() const { return m_lint; }

signals:
    // A file was loaded (null when it did not load); problem: why not.
    void configChanged(std::shared_ptr<const routing::SynapseConfig> config, const QString& problem);
    void hitsCounted(qint64 requests, qint64 unmatched);

private:
    void reload();
    void showRoutes();

    Worker m_worker{QStringLiteral("synapse")};
    std::shared_ptr<const routing::Catalog> m_catalog;
    SnapshotPtr m_snapshot;
    QString m_path;
    std::shared_ptr<const routing::SynapseConfig> m_config;
    routing::SynapseLintReport m_lint;
    std::optional<routing::SynapseReplay> m_hits; // after a replay of the loaded file
    quint64 m_ticket = 0;

    QLineEdit* m_file;
    QLabel* m_summary;
    QTableWidget* m_routes;
    QTableWidget* m_findings;
};

} // namespace cellscope::ui
