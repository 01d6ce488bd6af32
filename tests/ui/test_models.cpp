#include "core/snapshot/json_snapshot.h"
#include "ui/models/org_table_model.h"
#include "ui/models/world_model.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QtTest>

using namespace cellscope;
using namespace cellscope::ui;

namespace {

SnapshotPtr fixture()
{
    return loadSnapshotJsonFile(CELLSCOPE_FIXTURES_DIR "/snapshots/small.json");
}

QStringList strings(std::initializer_list<const char*> values)
{
    QStringList out;
    for (const char* value : values)
        out << QString::fromUtf8(value);
    return out;
}

QStringList column(const QAbstractItemModel& model, int column)
{
    QStringList values;
    for (int row = 0; row < model.rowCount(); ++row)
        values << model.index(row, column).data().toString();
    return values;
}

} // namespace

class ModelTests : public QObject
{
    Q_OBJECT

private slots:
    void orgTableFiltersAndSortsOffTheGuiThread()
    {
        OrgTableModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy ready(&model, &OrgTableModel::rowsReady);
        model.setSnapshot(fixture());
        QVERIFY(ready.wait(5000));
        QCOMPARE(model.rowCount(), 3);
        QCOMPARE(column(model, OrgTableModel::Slug), strings({"acme", "globex", "initech"}));
        QCOMPARE(model.index(2, OrgTableModel::Locality).data().toString(), QStringLiteral("de"));
        QCOMPARE(model.index(0, OrgTableModel::Members).data().toInt(), 1);
        QCOMPARE(model.headerData(OrgTableModel::Slug, Qt::Horizontal).toString(), QStringLiteral("Slug"));

        model.setSearch(QStringLiteral("GLOB"));
        QVERIFY(ready.wait(5000));
        QCOMPARE(column(model, OrgTableModel::Slug), strings({"globex"}));

        model.setSearch(QString());
        model.sort(OrgTableModel::Name, Qt::DescendingOrder);
        QVERIFY(ready.wait(5000));
        QCOMPARE(column(model, OrgTableModel::Name), strings({"Initech GmbH", "Globex", "Acme Corp"}));

        model.setScope(std::nullopt, std::string("us"));
        QVERIFY(ready.wait(5000));
        QCOMPARE(column(model, OrgTableModel::Slug), strings({"globex", "acme"}));
        QCOMPARE(model.rowOfOrg(*model.snapshot()->findOrg("acme")), 1);
        QCOMPARE(model.rowOfOrg(*model.snapshot()->findOrg("initech")), -1);
    }

    void onlyTheLatestRequestIsApplied()
    {
        OrgTableModel model;
        QSignalSpy ready(&model, &OrgTableModel::rowsReady);
        model.setSnapshot(fixture());
        for (const char* text : {"a", "ac", "acm", "acme"})
            model.setSearch(QString::fromLatin1(text));
        QTRY_VERIFY_WITH_TIMEOUT(!model.isBusy(), 5000);
        QCOMPARE(ready.count(), 1);
        QCOMPARE(column(model, OrgTableModel::Slug), strings({"acme"}));
    }

    void typingForwardNarrowsTheShownRowsOnly()
    {
        OrgTableModel model;
        QSignalSpy ready(&model, &OrgTableModel::rowsReady);
        model.setSnapshot(fixture());
        QVERIFY(ready.wait(5000));
        model.sort(OrgTableModel::Name, Qt::DescendingOrder);
        QVERIFY(ready.wait(5000));
        model.setSearch(QStringLiteral("E"));
        QVERIFY(ready.wait(5000));
        QCOMPARE(column(model, OrgTableModel::Slug), strings({"initech", "globex", "acme"}));
        model.setSearch(QStringLiteral("Ex")); // narrowed from the rows shown, order kept
        QVERIFY(ready.wait(5000));
        QCOMPARE(column(model, OrgTableModel::Slug), strings({"globex"}));
        // Digits also match ids, which a longer number does not narrow: "1" → acme (id 1) only by id.
        model.setSearch(QStringLiteral("1"));
        QVERIFY(ready.wait(5000));
        QCOMPARE(column(model, OrgTableModel::Slug), strings({"acme"}));
        model.setSearch(QStringLiteral("2"));
        QVERIFY(ready.wait(5000));
        QCOMPARE(column(model, OrgTableModel::Slug), strings({"globex"}));
    }

    void worldModelListsLocalitiesAndCells()
    {
        WorldModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setSnapshot(*fixture());
        QCOMPARE(model.rowCount(), 2);
        const QModelIndex us = model.index(0, 0);
        QCOMPARE(us.data().toString(), QStringLiteral("us"));
        QCOMPARE(model.rowCount(us), 2);
        QCOMPARE(model.index(0, WorldModel::Monolith, us).data().toString(), QStringLiteral("yes"));
        QCOMPARE(model.index(0, WorldModel::Orgs, us).data().toString(), QStringLiteral("1"));
        QCOMPARE(model.index(1, WorldModel::NewOrgCell, us).data().toString(), QStringLiteral("new orgs"));
        QCOMPARE(model.index(0, WorldModel::Orgs).data().toString(), QStringLiteral("2"));
        QCOMPARE(model.index(0, 0, us).data(WorldModel::KindRole).toString(), QStringLiteral("cell"));
    }
};

QTEST_MAIN(ModelTests)
#include "test_models.moc"
