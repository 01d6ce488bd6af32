#pragma once

#include "core/routing/catalog.h"
#include "core/routing/check.h"
#include "core/routing/trace.h"
#include "core/snapshot/snapshot.h"
#include "ui/background.h"

#include <QWidget>

#include <memory>

class QComboBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPlainTextEdit;
class QTableWidget;

namespace cellscope::ui {

class FlowDiagram;
class SynapsePanel;

// The trace workbench: paste what a customer sent (URL, DSN, webhook path) and see every hop,
// the rule that decided it, the outcome and the warnings; keep a history; copy the trace as JSON
// or as a `cellctl trace` command line; run a route check file and list its failures.
class TraceWorkbench : public QWidget
{
    Q_OBJECT

public:
    explicit TraceWorkbench(QWidget* parent = nullptr);
    void setSnapshot(const SnapshotPtr& snapshot);
    // Traces `input` with the current method, headers and integration; false when refused.
    bool trace(const QString& input);
    void focusInput();
    void runCheckFile(const QString& path);

    const std::optional<routing::Trace>& lastTrace() const { return m_last; }
    QString outcomeText() const;
    QString commandLine() const;
    int checkFailures() const;

    // The locator to check each trace against (empty: none), as `cellctl trace --verify` does.
    void setLocatorUrl(const QString& url);
    // The Synapse tab: the configuration traces go through (`cellctl trace --synapse-config`).
    SynapsePanel* synapsePanel() const { return m_synapsePanel; }

signals:
    void checkFinished(int passed, int failed);
    void verified(bool disagrees, const QString& problem);

private:
    routing::Request currentRequest(const QString& input) const;
    void showTrace(const routing::Trace& trace);
    void showCheckReport(const routing::CheckReport& report, const QString& path);
    void verifyWithLocator();

    Worker m_worker{QStringLiteral("trace")}; // locator questions and check files
    SnapshotPtr m_snapshot;
    std::shared_ptr<const routing::Catalog> m_catalog;
    std::optional<routing::Trace> m_last;
    std::optional<routing::Request> m_lastRequest;
    // The Synapse file traces go through: only one Synapse would start with.
    std::shared_ptr<const routing::SynapseConfig> m_synapse;

    QLineEdit* m_input;
    QComboBox* m_method;
    QPlainTextEdit* m_headers;
    QLineEdit* m_integration;
    QPlainTextEdit* m_body;
    QLineEdit* m_locator;
    quint64 m_traceTicket = 0;
    QLabel* m_badge;
    QLabel* m_error;
    QLabel* m_synapseDecision;
    SynapsePanel* m_synapsePanel;
    FlowDiagram* m_diagram;
    QTableWidget* m_hops;
    QTableWidget* m_warnings;
    QListWidget* m_history;
    QLabel* m_checkSummary;
    QTableWidget* m_checkResults;
};

} // namespace cellscope::ui
