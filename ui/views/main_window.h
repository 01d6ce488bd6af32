#pragma once

#include "core/snapshot/snapshot.h"
#include "core/sources/world_source.h"
#include "ui/background.h"
#include "ui/models/org_table_model.h"

#include <QMainWindow>

#include <functional>
#include <optional>

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

    // Starts loading the world in the background. The first load (and opening another source)
    // shows the source's cached world at once when there is one, marked with its age, and swaps the
    // live world in when it arrives, keeping the selected organization, the table's scroll position
    // and the search.
    void load();

    // The directory of the cache of each source's last world (ui/world_cache.h); empty, the
    // default, for none. Call before load().
    void setWorldCache(const QString& directory);
    // For tests: runs on the loader's thread before each live load, after the cache is shown.
    void setBeforeLiveLoad(std::function<void()> hook);
    // True while the world shown is the cached one (the live one has not arrived, or failed).
    bool showingCachedWorld() const { return m_showingCached; }

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
    Navigator* navigator() const { return m_navigator; }
    QString bannerText() const;

signals:
    void snapshotLoaded(); // the live world
    void cachedSnapshotShown();
    void loadFailed(const QString& message);
    void cacheNote(const QString& message);

protected:
    void closeEvent(QCloseEvent* event) override;

private:
    void buildMenus();
    void applySnapshot(const SnapshotPtr& snapshot, const QString& description, bool hasDatabase);
    void applyCachedSnapshot(const SnapshotPtr& snapshot, const QString& description, qint64 savedAt);
    void showWorld(const SnapshotPtr& snapshot, const QString& description);
    void updateCacheBanner();
    void restoreTablePlace();
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

    // The cached world shown until the live one arrives.
    bool m_showingCached = false;
    qint64 m_cachedSavedAt = 0; // unix seconds
    QString m_liveError;        // the live load failed while the cached world was shown
    QString m_cacheNote;
    // Where the table was on the cached world, by organization id, put back on the live one.
    bool m_restorePending = false;
    std::optional<std::int64_t> m_restoreSelected;
    std::optional<std::int64_t> m_restoreTop;
};

} // namespace cellscope::ui
