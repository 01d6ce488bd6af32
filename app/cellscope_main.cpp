// The cellscope console: a thin main over cellscope_ui.
#include "core/util/version.h"
#include "ui/views/main_window.h"
#include "ui/world_cache.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QImage>
#include <QSettings>
#include <QTimer>

#include <cstdio>
#include <cstdlib>

namespace {

// Renders one view to a PNG without showing a window, then quits: for docs, tests and machines
// without a display. Exit 0 when the file was written.
int screenshot(cellscope::ui::MainWindow& window, const QString& file, const QString& view, QSize size)
{
    int status = 1;
    window.resize(size);
    window.setAttribute(Qt::WA_DontShowOnScreen);
    window.show();
    auto render = [&] {
        QString problem;
        if (!window.showView(view, &problem)) {
            std::fprintf(stderr, "cellscope: %s\n", qPrintable(problem));
            QApplication::exit(2);
            return;
        }
        // Let the table's background filter and the project lookup settle, then grab.
        QTimer::singleShot(1500, &window, [&] {
            const QImage image = window.grab().toImage();
            if (image.save(file)) {
                std::fprintf(stderr, "cellscope: wrote %s (%dx%d)\n", qPrintable(file), image.width(),
                             image.height());
                status = 0;
            } else {
                std::fprintf(stderr, "cellscope: cannot write %s\n", qPrintable(file));
            }
            QApplication::exit(status);
        });
    };
    QObject::connect(&window, &cellscope::ui::MainWindow::snapshotLoaded, &window, render);
    QObject::connect(&window, &cellscope::ui::MainWindow::loadFailed, &window, [](const QString& message) {
        std::fprintf(stderr, "cellscope: %s\n", qPrintable(message));
        QApplication::exit(3);
    });
    window.load();
    const int code = QApplication::exec();
    return code == 0 ? status : code;
}

} // namespace

int main(int argc, char** argv)
{
    // A screenshot needs no display: default to the offscreen platform unless one was chosen.
    for (int i = 1; i < argc; ++i)
        if (std::string_view(argv[i]) == "--screenshot" && !std::getenv("QT_QPA_PLATFORM"))
            qputenv("QT_QPA_PLATFORM", "offscreen");

    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("Cellscope"));
    QApplication::setApplicationName(QStringLiteral("cellscope"));
    QApplication::setApplicationVersion(QStringLiteral(CELLSCOPE_VERSION));
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/cellscope/icons/cellscope.svg")));

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Operations console for Sentry-style cell architectures."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addOption({QStringLiteral("db"), QStringLiteral("Control database (libpq connection string)."),
                      QStringLiteral("CONNINFO")});
    parser.addOption({QStringLiteral("snapshot"), QStringLiteral("Read the world from a snapshot file."),
                      QStringLiteral("FILE")});
    parser.addOption({QStringLiteral("control-url"),
                      QStringLiteral("Pull the mappings from control's API, like Synapse."),
                      QStringLiteral("URL")});
    parser.addOption({QStringLiteral("config"), QStringLiteral("Settings file."), QStringLiteral("FILE")});
    parser.addOption({QStringLiteral("screenshot"), QStringLiteral("Render a view to FILE.png and exit."),
                      QStringLiteral("FILE")});
    parser.addOption(
        {QStringLiteral("view"),
         QStringLiteral("View for --screenshot: world, orgs, org:SLUG, user:ID, trace:URL, backlog, "
                        "relocations, relocation:ID."),
         QStringLiteral("VIEW"), QStringLiteral("world")});
    parser.addOption({QStringLiteral("size"), QStringLiteral("Window size for --screenshot, e.g. 1400x900."),
                      QStringLiteral("WxH"), QStringLiteral("1400x900")});
    parser.process(app);

    cellscope::sources::SourceOptions options;
    options.db = parser.value(QStringLiteral("db")).toStdString();
    options.snapshotFile = parser.value(QStringLiteral("snapshot")).toStdString();
    options.settingsFile = parser.value(QStringLiteral("config")).toStdString();
    options.controlUrl = parser.value(QStringLiteral("control-url")).toStdString();
    if (!options.db.empty() + !options.snapshotFile.empty() + !options.controlUrl.empty() > 1) {
        std::fprintf(stderr, "cellscope: give only one of --db, --snapshot and --control-url\n");
        return 2;
    }

    // A screenshot shows the first-start layout, whatever the person's saved window state is.
    if (parser.isSet(QStringLiteral("screenshot"))) {
        QApplication::setApplicationName(QStringLiteral("cellscope-screenshot"));
        QSettings().clear();
    }
    cellscope::ui::MainWindow window(options);
    if (parser.isSet(QStringLiteral("screenshot"))) {
        const QStringList size = parser.value(QStringLiteral("size")).split(QLatin1Char('x'));
        const int width = size.value(0).toInt(), height = size.value(1).toInt();
        if (size.size() != 2 || width < 200 || height < 200) {
            std::fprintf(stderr, "cellscope: --size expects WIDTHxHEIGHT of at least 200x200\n");
            return 2;
        }
        return screenshot(window, parser.value(QStringLiteral("screenshot")),
                          parser.value(QStringLiteral("view")), QSize(width, height));
    }
    // The last world of the source shows at once, marked cached, while the live one loads.
    window.setWorldCache(cellscope::ui::defaultWorldCacheDirectory());
    window.show();
    window.load();
    return QApplication::exec();
}
