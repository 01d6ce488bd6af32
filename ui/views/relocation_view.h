#pragma once

#include "core/snapshot/snapshot.h"
#include "core/sources/world_source.h"
#include "ui/background.h"
#include "ui/relocation_service.h"

#include <QWidget>

#include <optional>

class QCheckBox;
class QLabel;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTableView;
class QTabWidget;
class QTreeWidget;

namespace cellscope::ui {

class RelocationListModel;
class TableProgressModel;

// The Relocations tab: every relocation of the control database, and the selected one live (its
// step, per-table bars, rates, time left, the person's controls) with its history (journal, audit
// log, leftovers ledger). It watches the journal, so a relocation run by `cellctl` in another
// process shows the same as one run here. Relocations started or resumed here run on threads of
// the RelocationService, never on the GUI thread.
class RelocationView : public QWidget
{
    Q_OBJECT

public:
    explicit RelocationView(QWidget* parent = nullptr);
    ~RelocationView() override;

    // The control and cell databases of the loaded source; an empty control means none (a snapshot
    // file or the control API): the tab then says relocations need the databases.
    void setDatabases(const db::DatabaseConfig& config);
    void setSnapshot(const SnapshotPtr& snapshot) { m_snapshot = snapshot; }
    // The source the console opened, for handing a run over to `cellctl` at close.
    void setWorld(const sources::SourceOptions& world) { m_world = world; }

    // Opens the wizard, with the organization (and the target cell) filled in when given.
    void newRelocation(const QString& org = QString(), const QString& target = QString());
    // Selects a relocation in the list (once it is listed).
    void select(std::int64_t id);

    // For the window's close: what runs in this process, and the hand-over of it to background
    // `cellctl relocate resume` processes (true when every one was handed over).
    std::vector<std::int64_t> runningHere() const { return m_service->runningHere(); }
    bool handOverRunning(QString* problem);
    // Stops this process' runners at their next batch boundary and pauses them, with the reason.
    void pauseRunning(const QString& reason);

    // For tests and the screenshot option.
    RelocationListModel* listModel() const { return m_list; }
    TableProgressModel* tableModel() const { return m_tables; }
    QTableView* listView() const { return m_listView; }
    RelocationService* service() const { return m_service; }
    std::optional<std::int64_t> selectedId() const { return m_selected; }
    QString sentenceText() const;
    QString figuresText() const;
    QString messageText() const;
    QPushButton* button(RelocationService::Action action) const;
    QTreeWidget* historyTree() const { return m_history; }
    bool mayChange() const { return m_mayChange; }

signals:
    // A fresh status of the selected relocation was shown.
    void statusShown(std::int64_t id);
    void historyShown(std::int64_t id);
    void messageShown(const QString& message);
    void traceRequested(const QString& input);

private:
    void refresh();
    void showStatus(const relocation::Status& status);
    void showHistory(const relocation::History& history);
    void showMessage(const QString& message, bool error);
    void updateButtons();
    void ask(RelocationService::Action action);
    void showDiagnosis(qint64 id, const relocation::Diagnosis& diagnosis);
    static QString readOnlyReason();

    Worker m_worker{QStringLiteral("cellscope-relocations")}; // the relocation service's
    RelocationService* m_service;
    SnapshotPtr m_snapshot;
    sources::SourceOptions m_world;
    std::string m_control;
    bool m_available = false;
    bool m_mayChange = false;
    std::optional<std::int64_t> m_selected;
    std::optional<relocation::Status> m_status;
    bool m_refreshPending = false;
    bool m_historyStale = true;

    QLabel* m_unavailable;
    QLabel* m_readOnly;
    QWidget* m_content;
    QCheckBox* m_activeOnly;
    RelocationListModel* m_list;
    QTableView* m_listView;
    QLabel* m_title;
    QLabel* m_steps;
    QLabel* m_sentence;
    QProgressBar* m_overall;
    QLabel* m_figures;
    QLabel* m_lastAction;
    QLabel* m_next;
    QLabel* m_message;
    TableProgressModel* m_tables;
    QTableView* m_tableView;
    QTabWidget* m_detailTabs;
    QTreeWidget* m_history;
    QSpinBox* m_throttle;
    QLabel* m_throttleLabel;
    QPushButton* m_moveBack;
    std::map<RelocationService::Action, QPushButton*> m_buttons;
};

} // namespace cellscope::ui
