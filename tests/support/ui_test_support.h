#pragma once

#include "ui/views/main_window.h"

#include <QImage>
#include <QSignalSpy>
#include <QString>
#include <QtTest>

#include <set>

namespace cellscope::test {

// Fails on an empty image or one of a single colour: a view that rendered nothing.
inline void verifyRendered(const QImage& image)
{
    QVERIFY(!image.isNull());
    QVERIFY(image.width() >= 400 && image.height() >= 300);
    std::set<QRgb> colours;
    for (int y = 0; y < image.height(); y += 7)
        for (int x = 0; x < image.width(); x += 7)
            colours.insert(image.pixel(x, y));
    QVERIFY2(colours.size() > 20, qPrintable(QStringLiteral("only %1 colours").arg(colours.size())));
}

// Shows the window at `size` and loads its source: false when no snapshot arrived in time.
inline bool showAndLoad(ui::MainWindow& window, QSize size = QSize(1400, 900), int milliseconds = 30000)
{
    QSignalSpy loaded(&window, &ui::MainWindow::snapshotLoaded);
    window.resize(size);
    window.show();
    window.load();
    return loaded.wait(milliseconds);
}

} // namespace cellscope::test
