#pragma once

#include "core/snapshot/snapshot.h"
#include "ui/world_loader.h"

#include <QWidget>

class QLabel;
class QTableWidget;
class QPushButton;

namespace cellscope::ui {

// One organization: its mapping, slug reservations, members (with the other cells each member's
// organizations live in) and projects with their DSNs. Project slugs live in the cell database,
// so they arrive later, from the loader thread.
class OrgDetail : public QWidget
{
    Q_OBJECT

public:
    explicit OrgDetail(QWidget* parent = nullptr);
    void showOrg(const SnapshotPtr& snapshot, OrgIndex org);
    void clear();
    void setProjects(quint64 ticket, const ProjectInfoMap& projects, const QString& problem);
    std::optional<OrgIndex> currentOrg() const { return m_org; }

signals:
    void projectsWanted(qint64 organizationId, const QString& cell, quint64 ticket);
    void traceRequested(const QString& input);
    void relocateRequested(const QString& slug);

private:
    void fillProjects(const ProjectInfoMap& projects);

    SnapshotPtr m_snapshot;
    std::optional<OrgIndex> m_org;
    quint64 m_ticket = 0;
    QLabel* m_title;
    QLabel* m_summary;
    QTableWidget* m_reservations;
    QTableWidget* m_members;
    QTableWidget* m_projects;
    QLabel* m_projectsNote;
    QPushButton* m_traceUrl;
    QPushButton* m_traceDsn;
    QPushButton* m_relocate;
};

} // namespace cellscope::ui
