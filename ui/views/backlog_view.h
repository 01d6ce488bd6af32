#pragma once

#include "core/backlog/store.h"
#include "ui/background.h"
#include "ui/models/backlog_model.h"

#include <QWidget>

#include <optional>

class QChart;
class QChartView;
class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QStackedWidget;
class QTableView;
class QTreeWidget;

namespace cellscope::ui {

class BacklogService;

// The migration backlog of the control database (docs/backlog.md): the entries of the latest snapshot with
// filters and their definition of done, the burndown over all snapshots with the projection, the diff
// of any two snapshots with the rule violations, tracking edits (when the database grants them) and
// CSV export. Every database call runs on the view's own worker thread through a BacklogService.
class BacklogView : public QWidget
{
    Q_OBJECT

public:
    explicit BacklogView(QWidget* parent = nullptr);
    ~BacklogView() override;

    // The control database to read; empty when the source has none (a snapshot file, the control
    // API), which the tab says instead of showing empty panes.
    void setDatabase(const QString& conninfo);
    void refresh();
    // Diff between two snapshots by id; the result arrives with diffShown().
    void showDiff(qint64 fromSnapshotId, qint64 toSnapshotId);
    // Writes the rows the filters show; the result arrives with exportFinished().
    void exportCsv(const QString& path);
    bool selectEntry(const QString& urlName);

    bool hasContent() const;
    QString messageText() const;
    const backlog::Permissions& permissions() const { return m_permissions; }
    BacklogTableModel* model() const { return m_model; }
    BacklogFilterModel* filterModel() const { return m_filter; }
    QTableView* table() const { return m_table; }
    QChart* burndownChart() const;
    QComboBox* actionFilter() const { return m_actionFilter; }
    QComboBox* statusFilter() const { return m_statusFilter; }
    QComboBox* ownerFilter() const { return m_ownerFilter; }
    QLineEdit* textFilter() const { return m_textFilter; }
    QString definitionOfDoneText() const;
    QComboBox* statusEdit() const { return m_statusEdit; }
    QLineEdit* ownerEdit() const { return m_ownerEdit; }
    QPushButton* saveButton() const { return m_save; }
    QString editMessage() const;
    QTreeWidget* diffTree() const { return m_diffTree; }

signals:
    void loaded();
    void loadFailed(const QString& message);
    void diffShown();
    void trackingSaved(const QString& urlName);
    void editRefused(const QString& message);
    void exportFinished(bool ok, const QString& message);

protected:
    void changeEvent(QEvent* event) override;

private:
    QWidget* buildFilters();
    QWidget* buildEntryPane();
    QWidget* buildDiffPane();
    void ensureService();
    void showMessage(const QString& text);
    void applyStatus(const backlog::Permissions& permissions, const backlog::StatusReport& status);
    void applyDiff(const backlog::SnapshotDiff& diff);
    void rebuildChart();
    void rebuildOwnerFilter();
    void updateSummary();
    void updateCount();
    void showEntry(const backlog::TrackedEntry* entry);
    void updateEditState();
    std::optional<backlog::TrackingUpdate> pendingUpdate() const;
    void save();
    void setEditMessage(const QString& text, bool problem);
    void requestSelectedDiff();
    const backlog::TrackedEntry* currentEntry() const;

    Worker m_worker{QStringLiteral("cellscope-backlog")}; // the backlog service's
    BacklogService* m_service = nullptr;
    QString m_conninfo;
    backlog::Permissions m_permissions;
    backlog::StatusReport m_status;
    bool m_saving = false;

    QStackedWidget* m_stack;
    QLabel* m_message;
    QLabel* m_summary;
    QLabel* m_count;
    QComboBox* m_actionFilter;
    QComboBox* m_statusFilter;
    QComboBox* m_ownerFilter;
    QLineEdit* m_textFilter;
    BacklogTableModel* m_model;
    BacklogFilterModel* m_filter;
    QTableView* m_table;
    QChartView* m_chart;

    QLabel* m_entryTitle;
    QLabel* m_meaning;
    QLabel* m_done;
    QLabel* m_permissionNote;
    QLineEdit* m_ownerEdit;
    QLineEdit* m_teamEdit;
    QComboBox* m_statusEdit;
    QPlainTextEdit* m_notesEdit;
    QPushButton* m_save;
    QPushButton* m_revert;
    QLabel* m_editMessage;

    QComboBox* m_diffFrom;
    QComboBox* m_diffTo;
    QLabel* m_violations;
    QTreeWidget* m_diffTree;
};

} // namespace cellscope::ui
