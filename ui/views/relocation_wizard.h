#pragma once

#include "core/relocation/plan.h"
#include "core/snapshot/snapshot.h"

#include <QWizard>

#include <optional>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QSpinBox;
class QTreeWidget;
class QWizardPage;

namespace cellscope::ui {

class RelocationService;

// Starting a relocation, in three pages: the organization and the target cell (with the run's
// options), the plan (every check, the rows per table, the warnings and the estimate, computed by
// the core off the GUI thread; a failed check stops here), and the confirmation (type the slug and
// a reason). Accepting emits startRequested; the caller hands it to the service.
class RelocationWizard : public QWizard
{
    Q_OBJECT

public:
    enum PageId
    {
        ChoosePage,
        PlanPage,
        ConfirmPage,
    };

    RelocationWizard(SnapshotPtr snapshot, RelocationService* service, QWidget* parent = nullptr);

    void setOrg(const QString& org);
    void setTarget(const QString& cell);
    // The request as the pages say now (the reason from the last page).
    relocation::Request request() const;
    const std::optional<relocation::Plan>& plan() const { return m_plan; }

    // For tests.
    QLineEdit* orgField() const { return m_org; }
    QComboBox* targetField() const { return m_target; }
    QCheckBox* crossLocalityField() const { return m_crossLocality; }
    QSpinBox* drainField() const { return m_drain; }
    QLineEdit* locatorsField() const { return m_locators; }
    QCheckBox* offlineField() const { return m_offline; }
    QLineEdit* confirmField() const { return m_confirm; }
    QPlainTextEdit* reasonField() const { return m_reason; }
    QTreeWidget* checksTree() const { return m_checks; }
    QString planProblem() const { return m_planProblem; }

signals:
    void planShown();
    void startRequested(const cellscope::relocation::Request& request);

protected:
    void initializePage(int id) override;
    void accept() override;

private:
    QWizardPage* buildChoosePage();
    QWizardPage* buildPlanPage();
    QWizardPage* buildConfirmPage();
    void updateOrg();
    void showPlan(const relocation::Plan& plan);
    void showPlanProblem(const QString& message);

    SnapshotPtr m_snapshot;
    RelocationService* m_service;
    std::optional<OrgIndex> m_orgIndex;
    std::optional<relocation::Plan> m_plan;
    QString m_planProblem;
    quint64 m_ticket = 0;

    QWizardPage* m_choosePage;
    QWizardPage* m_planPage;
    QWizardPage* m_confirmPage;
    QLineEdit* m_org;
    QLabel* m_orgInfo;
    QComboBox* m_target;
    QCheckBox* m_crossLocality;
    QSpinBox* m_throttle;
    QSpinBox* m_batchRows;
    QSpinBox* m_drain;
    QLineEdit* m_locators;
    QCheckBox* m_offline;
    QLabel* m_planSummary;
    QTreeWidget* m_checks;
    QLabel* m_confirmSummary;
    QLineEdit* m_confirm;
    QPlainTextEdit* m_reason;
};

} // namespace cellscope::ui
