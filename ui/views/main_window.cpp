#include "ui/views/main_window.h"

#include "core/snapshot/json_snapshot.h"
#include "core/util/error.h"
#include "core/util/text.h"
#include "ui/recent_sources.h"
#include "ui/views/backlog_view.h"
#include "ui/views/navigator.h"
#include "ui/views/org_detail.h"
#include "ui/views/relocation_view.h"
#include "ui/views/trace_workbench.h"
#include "ui/views/user_lens.h"
#include "ui/world_cache.h"
#include "ui/world_loader.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDateTime>
#include <QDockWidget>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QShortcut>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>

namespace cellscope::ui {

namespace {

constexpr int kMaxRecent = 8;
const QString kErrorBannerStyle =
    QStringLiteral("QLabel { background: #b3261e; color: white; border-radius: 4px; }");
// The cached world: readable on light and dark palettes alike, and unlike the error's red.
const QString kCachedBannerStyle =
    QStringLiteral("QLabel { background: #8a5300; color: white; border-radius: 4px; }");

} // namespace

MainWindow::MainWindow(sources::SourceOptions options, QWidget* parent)
    : QMainWindow(parent), m_options(std::move(options)), m_loader(new WorldLoader(m_options))
{
    setWindowTitle(tr("Cellscope"));
    setWindowIcon(QIcon(QStringLiteral(":/cellscope/icons/cellscope.svg")));
    m_io.adopt(m_loader);

    // Navigator dock
    m_navigator = new Navigator(this);
    auto* dock = new QDockWidget(tr("World"), this);
    dock->setObjectName(QStringLiteral("navigatorDock"));
    dock->setWidget(m_navigator);
    m_navigator->setMinimumWidth(360); // the tree's columns and the chart's labels need it
    addDockWidget(Qt::LeftDockWidgetArea, dock);
    resizeDocks({dock}, {470}, Qt::Horizontal);

    // Central: banner + tabs
    auto* central = new QWidget(this);
    auto* centralLayout = new QVBoxLayout(central);
    centralLayout->setContentsMargins(4, 4, 4, 4);
    m_banner = new QLabel(central);
    m_banner->setWordWrap(true);
    m_banner->setMargin(8);
    m_banner->setObjectName(QStringLiteral("banner"));
    m_banner->setStyleSheet(kErrorBannerStyle);
    m_banner->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_banner->hide();
    centralLayout->addWidget(m_banner);
    m_tabs = new QTabWidget(central);
    centralLayout->addWidget(m_tabs, 1);
    setCentralWidget(central);

    // Organizations tab
    auto* orgsPage = new QWidget(m_tabs);
    auto* orgsLayout = new QVBoxLayout(orgsPage);
    auto* searchRow = new QHBoxLayout;
    m_search = new QLineEdit(orgsPage);
    m_search->setPlaceholderText(tr("Search organizations by slug, name or id (Ctrl+F)"));
    m_search->setClearButtonEnabled(true);
    m_scopeLabel = new QLabel(tr("all organizations"), orgsPage);
    m_countLabel = new QLabel(orgsPage);
    searchRow->addWidget(m_search, 1);
    searchRow->addWidget(m_scopeLabel);
    searchRow->addWidget(m_countLabel);
    orgsLayout->addLayout(searchRow);
    auto* splitter = new QSplitter(Qt::Vertical, orgsPage);
    splitter->setObjectName(QStringLiteral("orgSplitter"));
    m_orgModel = new OrgTableModel(this);
    m_orgTable = new QTableView(splitter);
    m_orgTable->setModel(m_orgModel);
    // Qt's default indicator is descending; the natural first view is by id, ascending.
    m_orgTable->horizontalHeader()->setSortIndicator(OrgTableModel::Id, Qt::AscendingOrder);
    m_orgTable->setSortingEnabled(true);
    m_orgTable->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_orgTable->setSelectionMode(QAbstractItemView::SingleSelection);
    m_orgTable->setAlternatingRowColors(true);
    m_orgTable->verticalHeader()->hide();
    // Fixed row heights and no content-based column sizing: both would measure every row.
    m_orgTable->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_orgTable->verticalHeader()->setDefaultSectionSize(m_orgTable->fontMetrics().height() + 6);
    m_orgTable->horizontalHeader()->setStretchLastSection(true);
    for (auto [column, width] : {std::pair{OrgTableModel::Id, 80},
                                 {OrgTableModel::Slug, 200},
                                 {OrgTableModel::Name, 200},
                                 {OrgTableModel::Cell, 60},
                                 {OrgTableModel::Locality, 70},
                                 {OrgTableModel::Status, 120},
                                 {OrgTableModel::Members, 70}})
        m_orgTable->setColumnWidth(column, width);
    m_detail = new OrgDetail(splitter);
    splitter->addWidget(m_orgTable);
    splitter->addWidget(m_detail);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);
    orgsLayout->addWidget(splitter, 1);
    m_tabs->addTab(orgsPage, tr("Organizations"));

    m_userLens = new UserLens(m_tabs);
    m_tabs->addTab(m_userLens, tr("User lens"));
    m_workbench = new TraceWorkbench(m_tabs);
    m_tabs->addTab(m_workbench, tr("Trace workbench"));
    m_backlog = new BacklogView(m_tabs);
    m_tabs->addTab(m_backlog, tr("Backlog"));
    m_relocations = new RelocationView(m_tabs);
    m_tabs->addTab(m_relocations, tr("Relocations"));

    // Status bar
    m_sourceLabel = new QLabel(this);
    m_ageLabel = new QLabel(this);
    m_progress = new QProgressBar(this);
    m_progress->setRange(0, 0);
    m_progress->setMaximumWidth(160);
    m_progress->hide();
    statusBar()->addPermanentWidget(m_sourceLabel, 1);
    statusBar()->addPermanentWidget(m_ageLabel);
    statusBar()->addPermanentWidget(m_progress);
    auto* ageTimer = new QTimer(this);
    connect(ageTimer, &QTimer::timeout, this, &MainWindow::updateAge);
    ageTimer->start(10000);

    buildMenus();

    // Wiring
    connect(m_loader, &WorldLoader::progress, this,
            [this](const QString& message) { statusBar()->showMessage(message); });
    connect(m_loader, &WorldLoader::databases, this, [this](const db::DatabaseConfig& config) {
        m_backlog->setDatabase(QString::fromStdString(config.control));
        m_relocations->setDatabases(config);
    });
    connect(m_loader, &WorldLoader::loaded, this, &MainWindow::applySnapshot);
    connect(m_loader, &WorldLoader::cachedLoaded, this, &MainWindow::applyCachedSnapshot);
    connect(m_loader, &WorldLoader::cacheNote, this, [this](const QString& message) {
        m_cacheNote = message;
        statusBar()->showMessage(message, 15000);
        emit cacheNote(message);
    });
    connect(m_loader, &WorldLoader::failed, this, [this](const QString& message) {
        m_progress->hide();
        if (m_showingCached) {
            // The cached world stays up, still marked, with what went wrong.
            m_liveError = message;
            updateCacheBanner();
            statusBar()->showMessage(message);
        } else {
            showError(message);
        }
        emit loadFailed(message);
    });
    connect(m_loader, &WorldLoader::projectsReady, m_detail, &OrgDetail::setProjects);
    connect(m_detail, &OrgDetail::projectsWanted, this,
            [this](qint64 org, const QString& cell, quint64 ticket) {
                QMetaObject::invokeMethod(
                    m_loader, [=, loader = m_loader] { loader->fetchProjects(org, cell, ticket); });
            });
    connect(m_search, &QLineEdit::textChanged, m_orgModel, &OrgTableModel::setSearch);
    connect(m_navigator, &Navigator::scopeSelected, this,
            [this](std::optional<CellIndex> cell, std::optional<std::string> locality, const QString& label) {
                m_scopeLabel->setText(label);
                m_orgModel->setScope(cell, std::move(locality));
            });
    connect(m_orgModel, &OrgTableModel::rowsReady, this, [this](qint64, int rows) {
        m_countLabel->setText(
            tr("%L1 of %L2").arg(rows).arg(m_snapshot ? m_snapshot->organizations().size() : 0));
        if (m_restorePending) {
            m_restorePending = false;
            restoreTablePlace();
        }
        if (const auto org = m_detail->currentOrg()) {
            if (const int row = m_orgModel->rowOfOrg(*org); row >= 0)
                m_orgTable->selectRow(row);
        }
    });
    connect(m_orgModel, &OrgTableModel::busyChanged, this,
            [this](bool busy) { m_countLabel->setEnabled(!busy); });
    connect(m_orgTable->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex& current) {
                if (current.isValid() && m_snapshot)
                    m_detail->showOrg(m_snapshot, m_orgModel->orgAt(current.row()));
            });
    connect(m_userLens, &UserLens::orgActivated, this, &MainWindow::selectOrg);
    connect(m_detail, &OrgDetail::relocateRequested, this, [this](const QString& slug) {
        m_tabs->setCurrentWidget(m_relocations);
        m_relocations->newRelocation(slug);
    });
    // A finished relocation moved an organization: the snapshot must show where it lives now.
    connect(m_relocations->service(), &RelocationService::runEnded, this,
            [this](qint64, const QString&, bool failed) {
                if (!failed)
                    load();
            });
    connect(m_detail, &OrgDetail::traceRequested, this, [this](const QString& input) {
        m_tabs->setCurrentWidget(m_workbench);
        m_workbench->trace(input);
    });

    // First start (nothing saved yet): a window big enough for the table, the detail and the
    // navigator side by side; later starts restore what the user left.
    QSettings settings;
    if (!restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray()))
        resize(1400, 900);
    restoreState(settings.value(QStringLiteral("window/state")).toByteArray());
    if (!splitter->restoreState(settings.value(QStringLiteral("window/orgSplitter")).toByteArray()))
        splitter->setSizes({480, 360});
}

MainWindow::~MainWindow() = default;

void MainWindow::buildMenus()
{
    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addAction(tr("Open &snapshot file…"), this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("Open snapshot"), QString(),
                                                          tr("Cellscope snapshots (*.json);;All files (*)"));
        if (path.isEmpty())
            return;
        sources::SourceOptions options;
        options.snapshotFile = path.toStdString();
        openSource(options);
    });
    file->addAction(tr("&Connect to a database…"), this, [this] {
        // The dialog shows its text in the clear: it starts from the current source without its password.
        QString current;
        try {
            current = QString::fromStdString(db::withoutPassword(m_options.db));
        } catch (const Error&) {
        }
        bool ok = false;
        const QString conninfo = QInputDialog::getText(
            this, tr("Connect to a control database"),
            tr("libpq connection string or URI (passwords come from .pgpass / PGPASSWORD):"),
            QLineEdit::Normal, current, &ok);
        if (!ok || conninfo.trimmed().isEmpty())
            return;
        sources::SourceOptions options;
        options.db = conninfo.trimmed().toStdString();
        openSource(options);
    });
    file->addAction(tr("Connect to a control &API…"), this, [this] {
        bool ok = false;
        const QString url = QInputDialog::getText(
            this, tr("Pull mappings from a control silo"),
            tr("Control URL (requests are signed with $SYNAPSE_HMAC_SECRET, like Synapse's):"),
            QLineEdit::Normal, QString::fromStdString(withoutUrlPassword(m_options.controlUrl)), &ok);
        if (!ok || url.trimmed().isEmpty())
            return;
        sources::SourceOptions options;
        options.controlUrl = url.trimmed().toStdString();
        openSource(options);
    });
    file->addAction(tr("Use the &embedded demo cluster"), this,
                    [this] { openSource(sources::SourceOptions{}); });
    m_recentMenu = file->addMenu(tr("&Recent"));
    updateRecentMenu();
    file->addSeparator();
    file->addAction(tr("&Export snapshot…"), this, [this] {
        if (!m_snapshot)
            return;
        const QString path = QFileDialog::getSaveFileName(
            this, tr("Export snapshot"), QStringLiteral("snapshot.json"), tr("Cellscope snapshots (*.json)"));
        if (path.isEmpty())
            return;
        // Writing a million-org file takes seconds: do it on the I/O thread.
        const SnapshotPtr snapshot = m_snapshot;
        QMetaObject::invokeMethod(m_loader, [this, snapshot, path] {
            QString result;
            try {
                writeSnapshotJsonFile(*snapshot, path.toStdString());
                result = tr("Snapshot written to %1").arg(path);
            } catch (const std::exception& e) {
                result = QString::fromUtf8(e.what());
            }
            QMetaObject::invokeMethod(this, [this, result] { statusBar()->showMessage(result, 10000); });
        });
    });
    file->addSeparator();
    QAction* refresh = file->addAction(tr("&Refresh"), this, &MainWindow::load);
    refresh->setShortcut(QKeySequence(QStringLiteral("Ctrl+R")));
    file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);

    QMenu* view = menuBar()->addMenu(tr("&View"));
    QAction* find = view->addAction(tr("&Find organization"), this, [this] {
        m_tabs->setCurrentIndex(0);
        m_search->setFocus();
        m_search->selectAll();
    });
    find->setShortcut(QKeySequence::Find);
    view->addAction(tr("&User lens"), this, [this] { m_tabs->setCurrentWidget(m_userLens); });
    QAction* traceAction = view->addAction(tr("&Trace a URL or DSN"), this, [this] {
        m_tabs->setCurrentWidget(m_workbench);
        m_workbench->focusInput();
    });
    traceAction->setShortcut(QKeySequence(QStringLiteral("Ctrl+L")));
    QAction* backlogAction = view->addAction(tr("&Backlog"), this, [this] {
        m_tabs->setCurrentWidget(m_backlog);
        m_backlog->table()->setFocus();
    });
    backlogAction->setShortcut(QKeySequence(QStringLiteral("Ctrl+B")));
    view->addAction(tr("&Relocations"), this, [this] { m_tabs->setCurrentWidget(m_relocations); });
    view->addAction(tr("Relocate an &organization…"), this, [this] {
        m_tabs->setCurrentWidget(m_relocations);
        m_relocations->newRelocation(
            m_detail->currentOrg() && m_snapshot
                ? QString::fromStdString(std::string(m_snapshot->slug(*m_detail->currentOrg())))
                : QString());
    });
}

void MainWindow::load()
{
    m_progress->show();
    if (m_showingCached) {
        m_liveError.clear();
        updateCacheBanner();
    }
    // The cache stands in only while there is nothing to show: at start, or after a failed start.
    const bool cacheFirst = !m_snapshot;
    QMetaObject::invokeMethod(m_loader, [loader = m_loader, cacheFirst] { loader->load(cacheFirst); });
}

void MainWindow::setWorldCache(const QString& directory)
{
    QMetaObject::invokeMethod(m_loader,
                              [loader = m_loader, directory] { loader->setCacheDirectory(directory); });
}

void MainWindow::setBeforeLiveLoad(std::function<void()> hook)
{
    QMetaObject::invokeMethod(
        m_loader, [loader = m_loader, hook = std::move(hook)] { loader->setBeforeLiveLoad(hook); });
}

void MainWindow::openSource(const sources::SourceOptions& options)
{
    m_options = options;
    rememberRecent(recentEntry(options));
    m_progress->show();
    m_banner->hide();
    // Until another world arrives, the one shown stays what it is, marked cached if it is.
    m_liveError.clear();
    updateCacheBanner();
    QMetaObject::invokeMethod(m_loader, [loader = m_loader, options] { loader->reopen(options); });
}

void MainWindow::rememberRecent(const QString& entry)
{
    QSettings settings;
    QStringList recent = settings.value(QStringLiteral("recent")).toStringList();
    if (!entry.isEmpty()) {
        recent.removeAll(entry);
        recent.prepend(entry);
    }
    settings.setValue(QStringLiteral("recent"), cleanRecentEntries(recent).mid(0, kMaxRecent));
    updateRecentMenu();
}

void MainWindow::updateRecentMenu()
{
    m_recentMenu->clear();
    QSettings settings;
    const QStringList saved = settings.value(QStringLiteral("recent")).toStringList();
    // Entries an older version saved may hold passwords: they are cleaned the first time they are read.
    const QStringList recent = cleanRecentEntries(saved);
    if (recent != saved)
        settings.setValue(QStringLiteral("recent"), recent);
    for (const QString& entry : recent)
        m_recentMenu->addAction(entry, this, [this, entry] { openSource(recentSource(entry)); });
    m_recentMenu->setEnabled(!recent.isEmpty());
}

void MainWindow::showWorld(const SnapshotPtr& snapshot, const QString& description)
{
    m_snapshot = snapshot;
    m_sourceLabel->setText(
        tr("%1 · %L2 organizations").arg(description).arg(snapshot->organizations().size()));
    // The table first: the navigator then scopes it with the new world's cell indexes.
    m_orgModel->setSnapshot(snapshot);
    m_navigator->setSnapshot(snapshot);
    m_userLens->setSnapshot(snapshot);
    m_workbench->setSnapshot(snapshot);
    m_relocations->setSnapshot(snapshot);
    m_relocations->setWorld(m_options);
    m_detail->clear();
}

void MainWindow::applySnapshot(const SnapshotPtr& snapshot, const QString& description, bool)
{
    // The live world replaces the cached one where the person is: the same organization selected
    // and the same one at the top of the table, found by id (the search text stays in the model).
    m_restorePending = false;
    if (m_showingCached && m_snapshot) {
        auto idOfRow = [this](int row) -> std::optional<std::int64_t> {
            if (row < 0 || row >= m_orgModel->rowCount())
                return std::nullopt;
            return m_snapshot->organizations()[m_orgModel->orgAt(row)].id;
        };
        const QModelIndexList selected = m_orgTable->selectionModel()->selectedRows();
        m_restoreSelected = !selected.isEmpty() ? idOfRow(selected.first().row())
                            : m_detail->currentOrg()
                                ? std::optional(m_snapshot->organizations()[*m_detail->currentOrg()].id)
                                : std::nullopt;
        m_restoreTop = idOfRow(m_orgTable->rowAt(0));
        m_restorePending = m_restoreSelected || m_restoreTop;
    }
    m_showingCached = false;
    m_liveError.clear();
    m_progress->hide();
    m_banner->hide();
    showWorld(snapshot, description);
    rememberRecent(recentEntry(m_options));
    updateAge();
    statusBar()->showMessage(m_cacheNote.isEmpty() ? tr("Snapshot loaded")
                                                   : tr("Snapshot loaded; %1").arg(m_cacheNote),
                             m_cacheNote.isEmpty() ? 5000 : 15000);
    m_cacheNote.clear();
    emit snapshotLoaded();
}

void MainWindow::applyCachedSnapshot(const SnapshotPtr& snapshot, const QString& description, qint64 savedAt)
{
    m_restorePending = false;
    m_showingCached = true;
    m_cachedSavedAt = savedAt;
    m_liveError.clear();
    showWorld(snapshot, tr("%1 (cached)").arg(description));
    updateAge(); // and the banner
    emit cachedSnapshotShown();
}

void MainWindow::restoreTablePlace()
{
    if (!m_snapshot)
        return;
    auto rowOfId = [this](std::optional<std::int64_t> id) {
        const auto org = id ? m_snapshot->findOrgById(*id) : std::nullopt;
        return org ? m_orgModel->rowOfOrg(*org) : -1;
    };
    // Select first: selecting scrolls the row into view, and the top row then puts the scroll back.
    if (const int row = rowOfId(m_restoreSelected); row >= 0)
        m_orgTable->selectRow(row);
    else if (const auto org = m_restoreSelected ? m_snapshot->findOrgById(*m_restoreSelected) : std::nullopt)
        m_detail->showOrg(m_snapshot, *org); // filtered out of the table, as on the cached world
    if (const int row = rowOfId(m_restoreTop); row >= 0)
        m_orgTable->scrollTo(m_orgModel->index(row, 0), QAbstractItemView::PositionAtTop);
    m_restoreSelected.reset();
    m_restoreTop.reset();
}

void MainWindow::updateCacheBanner()
{
    if (!m_showingCached)
        return;
    // "From" is the data's age — when the snapshot was read from its source, as the status bar
    // says — and "saved" the cache file's; a world without a time of its own falls back to the file's.
    const qint64 takenAt =
        m_snapshot && m_snapshot->info().takenAt > 0 ? m_snapshot->info().takenAt : m_cachedSavedAt;
    const QString ago = describeAgo(QDateTime::currentSecsSinceEpoch() - takenAt);
    const QString saved =
        QDateTime::fromSecsSinceEpoch(m_cachedSavedAt).toString(QStringLiteral("yyyy-MM-dd HH:mm"));
    if (m_liveError.isEmpty()) {
        m_banner->setStyleSheet(kCachedBannerStyle);
        m_banner->setText(
            tr("<b>Showing the cached snapshot from %1</b> (saved %2) — loading the live source…")
                .arg(ago, saved));
    } else {
        m_banner->setStyleSheet(kErrorBannerStyle);
        m_banner->setText(tr("<b>Live load failed:</b> %1 — showing the cached snapshot from %2 (saved %3).")
                              .arg(m_liveError.toHtmlEscaped(), ago, saved));
    }
    m_banner->show();
}

void MainWindow::updateAge()
{
    if (!m_snapshot)
        return;
    const qint64 seconds = QDateTime::currentSecsSinceEpoch() - m_snapshot->info().takenAt;
    const QString age = seconds < 60     ? tr("snapshot %1 s old").arg(seconds)
                        : seconds < 7200 ? tr("snapshot %1 min old").arg(seconds / 60)
                                         : tr("snapshot %1 h old").arg(seconds / 3600);
    m_ageLabel->setText(m_showingCached ? tr("cached · %1").arg(age) : age);
    updateCacheBanner();
}

void MainWindow::showError(const QString& message)
{
    m_banner->setStyleSheet(kErrorBannerStyle);
    m_banner->setText(tr("<b>Could not load the world.</b> %1").arg(message.toHtmlEscaped()));
    m_banner->show();
    statusBar()->showMessage(message);
}

QString MainWindow::bannerText() const
{
    return m_banner->isVisible() ? m_banner->text() : QString();
}

void MainWindow::selectOrg(OrgIndex org)
{
    m_tabs->setCurrentIndex(0);
    if (const int row = m_orgModel->rowOfOrg(org); row >= 0) {
        m_orgTable->selectRow(row);
        m_orgTable->scrollTo(m_orgModel->index(row, 0), QAbstractItemView::PositionAtCenter);
    } else if (m_snapshot) {
        m_detail->showOrg(m_snapshot, org);
    }
}

bool MainWindow::showView(const QString& view, QString* problem)
{
    auto refuse = [&](const QString& why) {
        if (problem)
            *problem = why;
        return false;
    };
    if (!m_snapshot)
        return refuse(tr("no snapshot is loaded"));
    if (view == QStringLiteral("world") || view == QStringLiteral("orgs")) {
        m_tabs->setCurrentIndex(0);
        return true;
    }
    if (view.startsWith(QStringLiteral("org:"))) {
        const auto org = m_snapshot->findOrg(view.mid(4).toStdString());
        if (!org)
            return refuse(tr("no organization %1").arg(view.mid(4)));
        m_tabs->setCurrentIndex(0);
        m_detail->showOrg(m_snapshot, *org);
        selectOrg(*org);
        return true;
    }
    if (view.startsWith(QStringLiteral("user:"))) {
        m_tabs->setCurrentWidget(m_userLens);
        m_userLens->lookup(view.mid(5));
        return true;
    }
    if (view.startsWith(QStringLiteral("trace:"))) {
        m_tabs->setCurrentWidget(m_workbench);
        if (!m_workbench->trace(view.mid(6)))
            return refuse(tr("the tracer refused %1").arg(view.mid(6)));
        return true;
    }
    if (view == QStringLiteral("backlog")) {
        m_tabs->setCurrentWidget(m_backlog);
        return true;
    }
    if (view == QStringLiteral("relocations")) {
        m_tabs->setCurrentWidget(m_relocations);
        return true;
    }
    if (view.startsWith(QStringLiteral("relocation:"))) {
        bool ok = false;
        const qint64 id = view.mid(11).toLongLong(&ok);
        if (!ok)
            return refuse(tr("'%1' is not a relocation id").arg(view.mid(11)));
        m_tabs->setCurrentWidget(m_relocations);
        m_relocations->select(id);
        return true;
    }
    return refuse(tr("unknown view '%1' (world, orgs, org:SLUG, user:ID, trace:URL, backlog, relocations, "
                     "relocation:ID)")
                      .arg(view));
}

bool MainWindow::settleRunningRelocations()
{
    const std::vector<std::int64_t> running = m_relocations->runningHere();
    if (running.empty())
        return true;
    QStringList ids;
    for (const std::int64_t id : running)
        ids << QString::number(id);
    QMessageBox box(this);
    box.setIcon(QMessageBox::Question);
    box.setWindowTitle(tr("Relocations are running"));
    box.setText(tr("Relocation %1 runs in this window.").arg(ids.join(QStringLiteral(", "))));
    box.setInformativeText(tr("Keep it running in a background cellctl process, or pause it at its next "
                              "batch boundary (resume it later here or with cellctl relocate resume)."));
    QPushButton* keep = box.addButton(tr("Keep running"), QMessageBox::AcceptRole);
    QPushButton* pause = box.addButton(tr("Pause"), QMessageBox::DestructiveRole);
    box.addButton(QMessageBox::Cancel);
    box.setDefaultButton(keep);
    box.exec();
    if (box.clickedButton() == keep) {
        QString problem;
        if (m_relocations->handOverRunning(&problem))
            return true;
        QMessageBox::warning(this, tr("Relocations are running"),
                             tr("The relocation stopped at a batch boundary but %1; resume it with cellctl "
                                "relocate resume.")
                                 .arg(problem));
        return true;
    }
    if (box.clickedButton() == pause) {
        m_relocations->pauseRunning(tr("paused when the console window closed"));
        return true;
    }
    return false;
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    if (!settleRunningRelocations()) {
        event->ignore();
        return;
    }
    QSettings settings;
    settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
    settings.setValue(QStringLiteral("window/state"), saveState());
    if (auto* splitter = findChild<QSplitter*>(QStringLiteral("orgSplitter")))
        settings.setValue(QStringLiteral("window/orgSplitter"), splitter->saveState());
    QMainWindow::closeEvent(event);
}

} // namespace cellscope::ui
