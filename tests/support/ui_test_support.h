#pragma once

#include <QImage>
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

} // namespace cellscope::test
