#pragma once

#include "core/snapshot/snapshot.h"
#include "core/sources/world_source.h"
#include "ui/background.h"
#include "ui/models/org_table_model.h"

#include <QMainWindow>

class QLabel;
class QLineEdit;
class QProgressBar;
class QTabWidget;
class QTableView;
class QMenu;

namespace cellscope::ui {

class BacklogView;
class Navigator;
class OrgDetail;
class RelocationView;
class TraceWorkbench;
class UserLens;
class WorldLoader;

class MainWindow : public QMainWindow
{
    Q_OBJECT

public:
    explicit MainWindow(sources::SourceOptions options, QWidget* parent = nullptr);
    ~MainWindow() override;

    // Starts loading the world in the background.
    void load();

    // Puts a named view in front: "world", "orgs", "org:SLUG", "user:ID", "trace:URL", "backlog". Returns
    // false with a reason when the view cannot be shown.
    bool showView(const QString& view, QString* problem = nullptr);

    SnapshotPtr snapshot() const { return m_snapshot; }
    OrgTableModel* orgModel() const { return m_orgModel; }
    QLineEdit* searchField() const { return m_search; }
    TraceWorkbench* workbench() const { return m_workbench; }
    BacklogView* backlog() const { return m_backlog; }
    RelocationView* relocations() const { return m_relocations; }
    QTableView* orgTable() const { return m_orgTable; }
    QString bannerText() const;

signals:
    void snapshotLoaded();
    void loadFailed(const QString& message);

protected:
    void closeEvent(QCloseEvent* event) override;

private:
    void buildMenus();
    void applySnapshot(const SnapshotPtr& snapshot, const QString& description, bool hasDatabase);
    void showError(const QString& message);
    void openSource(const sources::SourceOptions& options);
    void rememberRecent(const QString& entry);
    void updateRecentMenu();
    void updateAge();
    void selectOrg(OrgIndex org);
    // False when the person chose to keep the window open.
    bool settleRunningRelocations();

    sources::SourceOptions m_options;
    SnapshotPtr m_snapshot;
    Worker m_io{QStringLiteral("cellscope-io")}; // the world loader's
    WorldLoader* m_loader;

    Navigator* m_navigator;
    QTabWidget* m_tabs;
    QLineEdit* m_search;
    QLabel* m_scopeLabel;
    QLabel* m_countLabel;
    QTableView* m_orgTable;
    OrgTableModel* m_orgModel;
    OrgDetail* m_detail;
    UserLens* m_userLens;
    TraceWorkbench* m_workbench;
    BacklogView* m_backlog;
    RelocationView* m_relocations;
    QLabel* m_banner;
    QLabel* m_sourceLabel;
    QLabel* m_ageLabel;
    QProgressBar* m_progress;
    QMenu* m_recentMenu = nullptr;
};

} // namespace cellscope::ui
