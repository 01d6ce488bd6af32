#pragma once

#include "core/snapshot/snapshot.h"

#include <QWidget>

class QLabel;
class QLineEdit;
class QTreeWidget;

namespace cellscope::ui {

// A user id or email → the user's organizations grouped by cell (find_cells_for_user), with the
// cross-cell warning that explains why a per-cell query would silently miss some of them.
class UserLens : public QWidget
{
    Q_OBJECT

public:
    explicit UserLens(QWidget* parent = nullptr);
    void setSnapshot(const SnapshotPtr& snapshot);
    void lookup(const QString& who);

signals:
    void orgActivated(cellscope::OrgIndex org);

private:
    SnapshotPtr m_snapshot;
    QLineEdit* m_input;
    QLabel* m_summary;
    QLabel* m_warning;
    QTreeWidget* m_result;
};

} // namespace cellscope::ui
