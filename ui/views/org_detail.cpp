#include "ui/views/org_detail.h"

#include "core/snapshot/queries.h"
#include "core/util/time_format.h"

#include <QApplication>
#include <QClipboard>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QTableWidget>
#include <QToolButton>
#include <QVBoxLayout>

namespace cellscope::ui {

namespace {

QTableWidget* makeTable(const QStringList& headers, QWidget* parent)
{
    auto* table = new QTableWidget(0, static_cast<int>(headers.size()), parent);
    table->setHorizontalHeaderLabels(headers);
    table->verticalHeader()->hide();
    table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table->setSelectionBehavior(QAbstractItemView::SelectRows);
    table->horizontalHeader()->setStretchLastSection(true);
    table->setAlternatingRowColors(true);
    table->verticalHeader()->setDefaultSectionSize(table->fontMetrics().height() + 8);
    return table;
}

void setRow(QTableWidget* table, int row, const QStringList& values)
{
    for (int c = 0; c < values.size(); ++c)
        table->setItem(row, c, new QTableWidgetItem(values[c]));
}

QGroupBox* box(const QString& title, QWidget* content, QWidget* parent)
{
    auto* group = new QGroupBox(title, parent);
    auto* layout = new QVBoxLayout(group);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(content);
    return group;
}

} // namespace

OrgDetail::OrgDetail(QWidget* parent) : QWidget(parent)
{
    auto* layout = new QVBoxLayout(this);
    m_title = new QLabel(this);
    m_title->setTextInteractionFlags(Qt::TextSelectableByMouse);
    QFont big = m_title->font();
    big.setPointSizeF(big.pointSizeF() * 1.3);
    big.setBold(true);
    m_title->setFont(big);
    m_summary = new QLabel(this);
    m_summary->setWordWrap(true);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_title);
    layout->addWidget(m_summary);

    auto* buttons = new QHBoxLayout;
    m_traceUrl = new QPushButton(tr("Trace a URL for this org"), this);
    m_traceDsn = new QPushButton(tr("Trace this DSN"), this);
    m_relocate = new QPushButton(tr("Relocate…"), this);
    m_relocate->setToolTip(tr("Move this organization to another cell"));
    buttons->addWidget(m_traceUrl);
    buttons->addWidget(m_traceDsn);
    buttons->addWidget(m_relocate);
    buttons->addStretch();
    layout->addLayout(buttons);

    m_reservations = makeTable({tr("Slug"), tr("Type"), tr("Cell")}, this);
    m_members = makeTable({tr("User"), tr("Email"), tr("Role"), tr("Also in cells")}, this);
    m_projects = makeTable({tr("Project"), tr("Slug"), tr("DSN format"), tr(""), tr("DSN")}, this);
    m_projectsNote = new QLabel(this);
    m_projectsNote->setWordWrap(true);
    layout->addWidget(box(tr("Slug reservations"), m_reservations, this), 2);
    layout->addWidget(box(tr("Members"), m_members, this), 4);
    auto* projects = box(tr("Projects and DSNs"), m_projects, this);
    projects->layout()->addWidget(m_projectsNote);
    layout->addWidget(projects, 3);

    connect(m_traceUrl, &QPushButton::clicked, this, [this] {
        if (m_org)
            emit traceRequested(
                QStringLiteral("https://%1.%2/api/0/organizations/%3/issues/")
                    .arg(QString::fromUtf8(localityNameOfCell(*m_snapshot, m_snapshot->org(*m_org).cell)),
                         QString::fromUtf8(m_snapshot->info().appHost),
                         QString::fromUtf8(m_snapshot->slug(*m_org))));
    });
    connect(m_relocate, &QPushButton::clicked, this, [this] {
        if (m_org)
            emit relocateRequested(QString::fromUtf8(m_snapshot->slug(*m_org)));
    });
    connect(m_traceDsn, &QPushButton::clicked, this, [this] {
        if (!m_org)
            return;
        const auto keys = m_snapshot->keysOfOrg(*m_org);
        const int row = std::max(0, m_projects->currentRow());
        if (!keys.empty() && row < static_cast<int>(keys.size()))
            emit traceRequested(
                QString::fromStdString(dsnForKey(*m_snapshot, keys[static_cast<std::size_t>(row)])));
    });
    clear();
}

void OrgDetail::clear()
{
    m_org.reset();
    m_title->setText(tr("No organization selected"));
    m_summary->setText(tr("Select an organization in the table to see its mapping, members and DSNs."));
    for (QTableWidget* table : {m_reservations, m_members, m_projects})
        table->setRowCount(0);
    m_projectsNote->clear();
    m_traceUrl->setEnabled(false);
    m_traceDsn->setEnabled(false);
    m_relocate->setEnabled(false);
}

void OrgDetail::showOrg(const SnapshotPtr& snapshot, OrgIndex index)
{
    m_snapshot = snapshot;
    m_org = index;
    const Snapshot& s = *snapshot;
    const OrganizationMapping& org = s.org(index);
    m_title->setText(
        QStringLiteral("%1 — %2").arg(QString::fromUtf8(s.slug(index)), QString::fromUtf8(s.name(index))));
    m_summary->setText(tr("id %1 · cell <b>%2</b> (locality %3) · %4 · created %5")
                           .arg(org.id)
                           .arg(QString::fromUtf8(s.cellName(org.cell)),
                                QString::fromUtf8(localityNameOfCell(s, org.cell)),
                                QString::fromUtf8(orgStatusName(org.status)),
                                QString::fromStdString(formatIsoTimestamp(org.dateCreated))));

    const auto reservations = s.reservationsOfOrg(org.id);
    m_reservations->setRowCount(static_cast<int>(reservations.size()));
    for (int r = 0; r < static_cast<int>(reservations.size()); ++r) {
        const SlugReservation& reservation = reservations[static_cast<std::size_t>(r)];
        setRow(m_reservations, r,
               {QString::fromUtf8(s.text(reservation.slug)),
                QString::fromUtf8(reservationTypeName(reservation.reservationType())),
                QString::fromUtf8(s.cellName(reservation.cellIndex()))});
    }
    const auto members = s.membersOfOrg(index);
    m_members->setRowCount(static_cast<int>(members.size()));
    for (int r = 0; r < static_cast<int>(members.size()); ++r) {
        const MemberMapping& member = s.members()[members[static_cast<std::size_t>(r)]];
        QStringList others;
        for (CellIndex c : otherCellsOfUser(s, member.userId, org.cell))
            others << QString::fromUtf8(s.cellName(c));
        setRow(m_members, r,
               {member.userId ? QString::number(static_cast<qint64>(member.userId)) : tr("(invite)"),
                QString::fromUtf8(s.text(member.email)), QString::fromUtf8(s.role(member)),
                others.join(QStringLiteral(", "))});
        if (!others.isEmpty())
            m_members->item(r, 3)->setToolTip(tr(
                "This user also has organizations in other cells: queries run inside one cell miss them."));
    }
    m_members->resizeColumnsToContents();
    m_reservations->resizeColumnsToContents();
    fillProjects({});
    m_projectsNote->setText(tr("Looking up project names in the cell database…"));
    m_traceUrl->setEnabled(true);
    m_relocate->setEnabled(true);
    m_traceDsn->setEnabled(!s.keysOfOrg(index).empty());
    emit projectsWanted(org.id, QString::fromUtf8(s.cellName(org.cell)), ++m_ticket);
}

void OrgDetail::setProjects(quint64 ticket, const ProjectInfoMap& projects, const QString& problem)
{
    if (ticket != m_ticket || !m_org)
        return;
    fillProjects(projects);
    m_projectsNote->setText(problem.isEmpty() ? QString() : tr("Project names unavailable: %1").arg(problem));
}

void OrgDetail::fillProjects(const ProjectInfoMap& projects)
{
    const Snapshot& s = *m_snapshot;
    const auto keys = s.keysOfOrg(*m_org);
    m_projects->setRowCount(static_cast<int>(keys.size()));
    for (int r = 0; r < static_cast<int>(keys.size()); ++r) {
        const KeyIndex k = keys[static_cast<std::size_t>(r)];
        const ProjectKey& key = s.projectKeys()[k];
        const auto project = projects.find(key.projectId);
        const QString dsn = QString::fromStdString(dsnForKey(s, k));
        setRow(m_projects, r,
               {QString::number(key.projectId),
                project == projects.end() ? QString() : QString::fromStdString(project->second.slug),
                QString::fromUtf8(dsnFormatName(key.dsnFormat)), QString(), dsn});
        auto* copy = new QToolButton(m_projects);
        copy->setText(tr("Copy"));
        copy->setToolTip(tr("Copy the DSN"));
        connect(copy, &QToolButton::clicked, copy, [dsn] { QApplication::clipboard()->setText(dsn); });
        m_projects->setCellWidget(r, 3, copy);
        if (key.dsnFormat != DsnFormat::Locality)
            m_projects->item(r, 2)->setToolTip(tr("Issued without a locality: the error-embed widget cannot "
                                                  "find this org's cell from the DSN."));
    }
    m_projects->resizeColumnsToContents();
}

} // namespace cellscope::ui
