#include "ui/views/user_lens.h"

#include "core/snapshot/queries.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace cellscope::ui {

UserLens::UserLens(QWidget* parent) : QWidget(parent)
{
    auto* layout = new QVBoxLayout(this);
    auto* row = new QHBoxLayout;
    m_input = new QLineEdit(this);
    m_input->setPlaceholderText(tr("User id or email address, e.g. 261 or ken261@mail.example"));
    m_input->setClearButtonEnabled(true);
    auto* go = new QPushButton(tr("Find organizations"), this);
    row->addWidget(new QLabel(tr("User:"), this));
    row->addWidget(m_input, 1);
    row->addWidget(go);
    layout->addLayout(row);
    m_summary = new QLabel(this);
    layout->addWidget(m_summary);
    m_warning = new QLabel(this);
    m_warning->setWordWrap(true);
    m_warning->setFrameShape(QFrame::StyledPanel);
    m_warning->setMargin(6);
    m_warning->hide();
    layout->addWidget(m_warning);
    m_result = new QTreeWidget(this);
    m_result->setHeaderLabels({tr("Cell / organization"), tr("Slug"), tr("Role"), tr("Locality")});
    m_result->setAlternatingRowColors(true);
    m_result->header()->setStretchLastSection(true);
    layout->addWidget(m_result, 1);

    connect(go, &QPushButton::clicked, this, [this] { lookup(m_input->text()); });
    connect(m_input, &QLineEdit::returnPressed, this, [this] { lookup(m_input->text()); });
    connect(m_result, &QTreeWidget::itemActivated, this, [this](QTreeWidgetItem* item) {
        const QVariant org = item->data(0, Qt::UserRole);
        if (org.isValid())
            emit orgActivated(org.value<OrgIndex>());
    });
}

void UserLens::setSnapshot(const SnapshotPtr& snapshot)
{
    m_snapshot = snapshot;
    if (!m_input->text().isEmpty())
        lookup(m_input->text());
}

void UserLens::lookup(const QString& who)
{
    m_input->setText(who);
    m_result->clear();
    m_warning->hide();
    if (!m_snapshot || who.trimmed().isEmpty())
        return;
    const Snapshot& s = *m_snapshot;
    const UserOrganizations user = findUserOrganizations(s, who.trimmed().toStdString());
    if (user.cells.empty() && user.unmapped.empty()) {
        m_summary->setText(tr("No member mappings for %1.").arg(who.toHtmlEscaped()));
        return;
    }
    QStringList ids, cells, emails;
    for (auto id : user.userIds)
        ids << QString::number(id);
    for (const auto& email : user.emails)
        emails << QString::fromStdString(email);
    for (const auto& group : user.cells)
        cells << QString::fromUtf8(s.cellName(group.cell));
    m_summary->setText((user.cells.size() == 1 ? tr("User %1 (%2): organizations in one cell.")
                                               : tr("User %1 (%2): organizations in %3 cells.")
                                                     .arg(QStringLiteral("%1"), QStringLiteral("%2"),
                                                          QString::number(user.cells.size())))
                           .arg(ids.join(QStringLiteral(", ")), emails.join(QStringLiteral(", "))));
    for (const auto& group : user.cells) {
        auto* cellItem =
            new QTreeWidgetItem(m_result, {QString::fromUtf8(s.cellName(group.cell)), QString(), QString(),
                                           QString::fromUtf8(localityNameOfCell(s, group.cell))});
        QFont bold = cellItem->font(0);
        bold.setBold(true);
        cellItem->setFont(0, bold);
        for (const auto& entry : group.entries) {
            auto* orgItem = new QTreeWidgetItem(
                cellItem, {QString::fromUtf8(s.name(*entry.org)), QString::fromUtf8(s.slug(*entry.org)),
                           QString::fromUtf8(s.role(s.members()[entry.member])), QString()});
            orgItem->setData(0, Qt::UserRole, QVariant::fromValue(*entry.org));
        }
    }
    for (const auto& entry : user.unmapped)
        new QTreeWidgetItem(
            m_result, {tr("organization %1 has no mapping").arg(s.members()[entry.member].organizationId)});
    m_result->expandAll();
    m_result->resizeColumnToContents(0);
    m_result->resizeColumnToContents(1);
    if (user.cells.size() > 1) {
        m_warning->setText(
            tr("<b>Cross-cell user.</b> These organizations live in %1 cells (%2). A membership "
               "query run inside one cell (e.g. <tt>Organization.objects.get_for_user_ids</tt>) "
               "silently returns only that cell's organizations; use "
               "<tt>OrganizationMemberMapping</tt> in control.")
                .arg(user.cells.size())
                .arg(cells.join(QStringLiteral(", "))));
        m_warning->show();
    }
}

} // namespace cellscope::ui
