#include "ui/views/relocation_wizard.h"

#include "core/relocation/text.h"
#include "core/snapshot/queries.h"
#include "ui/relocation_service.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFormLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QSpinBox>
#include <QTreeWidget>
#include <QVBoxLayout>
#include <QWizardPage>

#include <functional>
#include <map>

namespace cellscope::ui {

namespace {

using namespace relocation;

// A page whose Next/Finish button follows a predicate the wizard re-evaluates on every edit.
class GatedPage : public QWizardPage
{
public:
    explicit GatedPage(std::function<bool()> complete) : m_complete(std::move(complete)) {}
    bool isComplete() const override { return m_complete(); }
    void recheck() { emit completeChanged(); }

private:
    std::function<bool()> m_complete;
};

void recheck(QWizardPage* page)
{
    static_cast<GatedPage*>(page)->recheck();
}

} // namespace

RelocationWizard::RelocationWizard(SnapshotPtr snapshot, RelocationService* service, QWidget* parent)
    : QWizard(parent), m_snapshot(std::move(snapshot)), m_service(service)
{
    setWindowTitle(tr("Relocate an organization"));
    setWizardStyle(QWizard::ClassicStyle);
    setOption(QWizard::NoBackButtonOnLastPage, false);
    setButtonText(QWizard::FinishButton, tr("Start relocation"));
    m_choosePage = buildChoosePage();
    m_planPage = buildPlanPage();
    m_confirmPage = buildConfirmPage();
    setPage(ChoosePage, m_choosePage);
    setPage(PlanPage, m_planPage);
    setPage(ConfirmPage, m_confirmPage);
    resize(760, 600);

    connect(m_service, &RelocationService::planReady, this, [this](quint64 ticket, const Plan& plan) {
        if (ticket == m_ticket)
            showPlan(plan);
    });
    connect(m_service, &RelocationService::planFailed, this, [this](quint64 ticket, const QString& message) {
        if (ticket == m_ticket)
            showPlanProblem(message);
    });
}

QWizardPage* RelocationWizard::buildChoosePage()
{
    auto* page = new GatedPage([this] { return m_orgIndex && m_target->currentIndex() >= 0; });
    page->setTitle(tr("Which organization, to which cell?"));
    page->setSubTitle(tr("The organization keeps its id, slug and DSN keys; its rows move to the target "
                         "cell and routing follows the mapping."));
    auto* form = new QFormLayout(page);
    m_org = new QLineEdit(page);
    m_org->setPlaceholderText(tr("slug or id"));
    m_orgInfo = new QLabel(page);
    m_orgInfo->setWordWrap(true);
    m_target = new QComboBox(page);
    m_crossLocality = new QCheckBox(tr("Allow a move to another locality (data residency changes)"), page);
    m_throttle = new QSpinBox(page);
    m_throttle->setRange(0, 100'000'000);
    m_throttle->setSingleStep(10'000);
    m_throttle->setSpecialValueText(tr("unthrottled"));
    m_throttle->setSuffix(tr(" rows/s"));
    m_batchRows = new QSpinBox(page);
    m_batchRows->setRange(100, 10'000'000);
    m_batchRows->setSingleStep(10'000);
    m_batchRows->setValue(static_cast<int>(kDefaultBatchRows));
    m_drain = new QSpinBox(page);
    m_drain->setRange(0, 3600);
    m_drain->setValue(kDefaultDrainSeconds);
    m_drain->setSuffix(tr(" s"));
    m_drain->setToolTip(tr("Wait after the switch until routing caches have converged: Synapse refreshes "
                           "its mapping every 60 s and caches a miss for 5 s."));
    form->addRow(tr("Organization:"), m_org);
    form->addRow(QString(), m_orgInfo);
    form->addRow(tr("Target cell:"), m_target);
    form->addRow(QString(), m_crossLocality);
    form->addRow(tr("Throttle:"), m_throttle);
    form->addRow(tr("Rows per batch:"), m_batchRows);
    form->addRow(tr("Drain wait:"), m_drain);
    m_locators = new QLineEdit(page);
    m_locators->setPlaceholderText(tr("http://locator.us.internal:3000/ …"));
    m_locators->setToolTip(tr("Router APIs to ask after the switch (space-separated): the drain ends as soon "
                              "as each names the new cell for the organization's id, slug and DSN keys, and "
                              "waits the drain time at most."));
    form->addRow(tr("Verify with locators:"), m_locators);
    m_offline =
        new QCheckBox(tr("Offline: refuse the organization's writes from before the copy (the default "
                         "keeps it writable until a short freeze before the switch)"),
                      page);
    form->addRow(QString(), m_offline);
    connect(m_org, &QLineEdit::textChanged, this, &RelocationWizard::updateOrg);
    connect(m_target, &QComboBox::currentIndexChanged, page, [page] { recheck(page); });
    return page;
}

QWizardPage* RelocationWizard::buildPlanPage()
{
    auto* page = new GatedPage([this] { return m_plan && m_plan->ok(); });
    page->setTitle(tr("The plan"));
    page->setSubTitle(tr("Every check the relocation makes before its first write, and what it would "
                         "move. Nothing has been written."));
    auto* layout = new QVBoxLayout(page);
    m_planSummary = new QLabel(page);
    m_planSummary->setWordWrap(true);
    m_planSummary->setTextFormat(Qt::RichText);
    m_checks = new QTreeWidget(page);
    m_checks->setHeaderLabels({tr("Check"), tr("Result")});
    m_checks->setRootIsDecorated(true);
    m_checks->header()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    m_checks->header()->setStretchLastSection(true);
    m_checks->setWordWrap(true);
    layout->addWidget(m_planSummary);
    layout->addWidget(m_checks, 1);
    return page;
}

QWizardPage* RelocationWizard::buildConfirmPage()
{
    auto* page = new GatedPage([this] {
        return m_plan && m_confirm->text().trimmed() == QString::fromStdString(m_plan->org.slug) &&
               !m_reason->toPlainText().trimmed().isEmpty();
    });
    page->setTitle(tr("Confirm"));
    page->setSubTitle(tr("The reason goes into the audit log with your database role."));
    auto* form = new QFormLayout(page);
    m_confirmSummary = new QLabel(page);
    m_confirmSummary->setWordWrap(true);
    m_confirmSummary->setTextFormat(Qt::RichText);
    m_confirm = new QLineEdit(page);
    m_reason = new QPlainTextEdit(page);
    m_reason->setPlaceholderText(tr("Why this organization moves (a ticket, an incident, a rebalance)"));
    m_reason->setTabChangesFocus(true);
    form->addRow(m_confirmSummary);
    form->addRow(tr("Type the slug:"), m_confirm);
    form->addRow(tr("Reason:"), m_reason);
    connect(m_confirm, &QLineEdit::textChanged, page, [page] { recheck(page); });
    connect(m_reason, &QPlainTextEdit::textChanged, page, [page] { recheck(page); });
    return page;
}

void RelocationWizard::setOrg(const QString& org)
{
    m_org->setText(org);
}

void RelocationWizard::setTarget(const QString& cell)
{
    const int index = m_target->findData(cell);
    if (index >= 0)
        m_target->setCurrentIndex(index);
}

void RelocationWizard::updateOrg()
{
    const QString previousTarget = m_target->currentData().toString();
    m_target->clear();
    m_orgIndex = m_snapshot ? m_snapshot->findOrg(m_org->text().trimmed().toStdString()) : std::nullopt;
    if (!m_orgIndex) {
        m_orgInfo->setText(m_org->text().trimmed().isEmpty() ? QString()
                                                             : tr("No such organization in the snapshot."));
        recheck(m_choosePage);
        return;
    }
    const Snapshot& s = *m_snapshot;
    const OrganizationMapping& org = s.org(*m_orgIndex);
    const QString locality = QString::fromUtf8(localityNameOfCell(s, org.cell));
    m_orgInfo->setText(tr("%1 · id %2 · %L3 members · lives in %4 (locality %5)")
                           .arg(QString::fromUtf8(s.text(org.name)))
                           .arg(org.id)
                           .arg(s.membersOfOrg(*m_orgIndex).size())
                           .arg(QString::fromUtf8(s.cellName(org.cell)), locality));
    // Same-locality cells first: they are the usual moves; the others need the cross-locality box.
    for (const bool sameLocality : {true, false}) {
        for (std::size_t i = 0; i < s.cells().size(); ++i) {
            const Cell& cell = s.cells()[i];
            if (static_cast<CellIndex>(i) == org.cell || !cell.declared)
                continue;
            if ((QString::fromStdString(cell.locality) == locality) != sameLocality)
                continue;
            QString label =
                tr("%1 — locality %2")
                    .arg(QString::fromStdString(cell.name), QString::fromStdString(cell.locality));
            if (!cell.visible)
                label += tr(", not visible");
            if (cell.monolith)
                label += tr(", monolith");
            m_target->addItem(label, QString::fromStdString(cell.name));
        }
    }
    setTarget(previousTarget);
    recheck(m_choosePage);
}

Request RelocationWizard::request() const
{
    Request request;
    request.org = m_org->text().trimmed().toStdString();
    request.targetCell = m_target->currentData().toString().toStdString();
    request.allowCrossLocality = m_crossLocality->isChecked();
    if (m_throttle->value() > 0)
        request.throttle = m_throttle->value();
    request.batchRows = m_batchRows->value();
    request.drainSeconds = m_drain->value();
    request.offline = m_offline->isChecked();
    for (const QString& url :
         m_locators->text().split(QRegularExpression(QStringLiteral("[\\s,]+")), Qt::SkipEmptyParts))
        request.verifyLocators.push_back(url.toStdString());
    request.reason = m_reason->toPlainText().trimmed().toStdString();
    return request;
}

void RelocationWizard::initializePage(int id)
{
    QWizard::initializePage(id);
    if (id == PlanPage) {
        m_plan.reset();
        m_planProblem.clear();
        m_checks->clear();
        m_planSummary->setText(tr("Checking…"));
        recheck(m_planPage);
        const Request wanted = request();
        const quint64 ticket = ++m_ticket;
        QMetaObject::invokeMethod(m_service,
                                  [service = m_service, wanted, ticket] { service->plan(wanted, ticket); });
    } else if (id == ConfirmPage && m_plan) {
        m_confirmSummary->setText(
            tr("Move <b>%1</b> (%2 rows) from <b>%3</b> to <b>%4</b>%5. The organization "
               "is frozen from the first write until it is unfrozen at the target.")
                .arg(QString::fromStdString(m_plan->org.slug).toHtmlEscaped(),
                     QString::fromStdString(groupedNumber(m_plan->totalRows)),
                     QString::fromStdString(m_plan->org.cell), QString::fromStdString(m_plan->targetCell),
                     m_plan->crossLocality ? tr(", <b>into another locality</b>") : QString()));
        m_confirm->setPlaceholderText(QString::fromStdString(m_plan->org.slug));
    }
}

void RelocationWizard::showPlan(const Plan& plan)
{
    m_plan = plan;
    const Check* failure = plan.firstFailure();
    m_planSummary->setText(
        tr("<b>%1</b>: %2 → %3%4 · <b>%5</b> rows in %6 tables · about <b>%7</b> (at %L8 rows/s, %9) plus a "
           "%10 drain wait.<br>%11")
            .arg(QString::fromStdString(plan.org.slug).toHtmlEscaped(), QString::fromStdString(plan.org.cell),
                 QString::fromStdString(plan.targetCell),
                 plan.crossLocality ? tr(" (from %1 to %2)")
                                          .arg(QString::fromStdString(plan.sourceLocality),
                                               QString::fromStdString(plan.targetLocality))
                                    : QString(),
                 QString::fromStdString(groupedNumber(plan.totalRows)))
            .arg(plan.tables.size())
            .arg(QString::fromStdString(humanDuration(plan.estimatedSeconds)))
            .arg(static_cast<qint64>(plan.rowsPerSecond))
            .arg(plan.measuredRate ? tr("measured on recent relocations") : tr("a conservative default"))
            .arg(QString::fromStdString(humanDuration(plan.drainSeconds)))
            .arg(failure ? tr("<span style='color:#b3261e'><b>Cannot start:</b> %1</span>")
                               .arg(QString::fromStdString(failure->message).toHtmlEscaped())
                         : tr("<span style='color:#188038'>Every check passed.</span>")));
    m_checks->clear();
    auto* checks = new QTreeWidgetItem(m_checks, {tr("Checks"), QString()});
    for (const Check& check : plan.checks) {
        auto* item = new QTreeWidgetItem(
            checks, {QString::fromStdString(check.name), QString::fromStdString(check.message)});
        item->setText(0, (check.passed ? QStringLiteral("✓ ") : QStringLiteral("✗ ")) + item->text(0));
        item->setForeground(0, check.passed ? QColor(0x18, 0x80, 0x38) : QColor(0xb3, 0x26, 0x1e));
        item->setToolTip(1, item->text(1));
    }
    if (!plan.warnings.empty()) {
        auto* warnings = new QTreeWidgetItem(m_checks, {tr("Warnings"), QString()});
        for (const std::string& warning : plan.warnings) {
            auto* item =
                new QTreeWidgetItem(warnings, {QStringLiteral("⚠"), QString::fromStdString(warning)});
            item->setToolTip(1, item->text(1));
        }
    }
    // The discovered graph: each table under the org-scoped table its rows are found through.
    auto* tables = new QTreeWidgetItem(
        m_checks, {tr("Rows to move"), tr("%1 rows in %2 tables found in the catalog, parents first")
                                           .arg(QString::fromStdString(groupedNumber(plan.totalRows)))
                                           .arg(plan.tables.size())});
    std::map<std::string, QTreeWidgetItem*> byName;
    for (const PlannedTable& table : plan.tables) {
        const OrgTable& spec = table.spec;
        const auto parent = byName.find(spec.parent);
        QString detail = tr("%1 rows · %2")
                             .arg(QString::fromStdString(groupedNumber(table.sourceRows)),
                                  QString::fromStdString(spec.via));
        if (spec.cycle > 0)
            detail += tr(" · cycle %1").arg(spec.cycle);
        if (spec.selfReference)
            detail += tr(" · self-reference");
        if (!spec.batched)
            detail += spec.keyColumns.empty() ? tr(" · no primary key") : tr(" · moved whole");
        auto* item = new QTreeWidgetItem(parent == byName.end() ? tables : parent->second,
                                         {QString::fromStdString(table.table), detail});
        item->setToolTip(1, QString::fromStdString(spec.orgFilter));
        byName[table.table] = item;
    }
    if (!plan.graph.uncovered.empty()) {
        auto* uncovered =
            new QTreeWidgetItem(m_checks, {tr("Not moved"), tr("checked for rows of the organization")});
        for (const UncoveredTable& table : plan.graph.uncovered)
            new QTreeWidgetItem(uncovered,
                                {QString::fromStdString(table.name), QString::fromStdString(table.reason)});
    }
    m_checks->expandAll();
    recheck(m_planPage);
    emit planShown();
}

void RelocationWizard::showPlanProblem(const QString& message)
{
    m_planProblem = message;
    m_planSummary->setText(
        tr("<span style='color:#b3261e'><b>No plan:</b> %1</span>").arg(message.toHtmlEscaped()));
    recheck(m_planPage);
    emit planShown();
}

void RelocationWizard::accept()
{
    emit startRequested(request());
    QWizard::accept();
}

} // namespace cellscope::ui
