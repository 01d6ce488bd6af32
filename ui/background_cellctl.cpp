#include "ui/background_cellctl.h"

#include "core/db/database.h"
#include "core/util/error.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QProcess>

namespace cellscope::ui {

namespace {

// sh -c SCRIPT PASSFILE CELLCTL ARGS…: runs cellctl, then removes the password file whatever the
// outcome, so the file lives exactly as long as the process that reads it.
constexpr const char* kRemovePassfileAfterwards = "\"$@\"; status=$?; rm -f -- \"$0\"; exit $status";

const QString kDbVariable = QStringLiteral("CELLSCOPE_DB");

} // namespace

BackgroundCellctl relocationResumeCommand(const QString& cellctl, const sources::SourceOptions& world,
                                          std::int64_t id, const QString& reason,
                                          const QProcessEnvironment& environment,
                                          const QString& passfileDirectory)
{
    BackgroundCellctl command;
    command.cellctl = cellctl;
    command.environment = environment;
    QStringList arguments;
    // The connection string the console opened: --db, else $CELLSCOPE_DB, which cellctl reads as the
    // console did (WorldSource::open). A snapshot file or the control API has no databases.
    const bool fromEnvironment = world.db.empty() && world.snapshotFile.empty() && world.controlUrl.empty();
    std::string conninfo = fromEnvironment ? environment.value(kDbVariable).toStdString() : world.db;
    if (!conninfo.empty()) {
        if (std::string password = db::passwordOf(conninfo); !password.empty()) {
            if (passfileDirectory.isEmpty())
                fail(ErrorCode::Internal, "there is no private runtime directory for the password file");
            command.passfile = QDir(passfileDirectory)
                                   .filePath(QStringLiteral("cellscope-relocation-%1-%2.pgpass")
                                                 .arg(id)
                                                 .arg(QCoreApplication::applicationPid()));
            command.password = std::move(password);
            conninfo = db::withPassfile(conninfo, command.passfile.toStdString());
        }
        if (!fromEnvironment) {
            arguments << QStringLiteral("--db") << QString::fromStdString(conninfo);
            command.environment.remove(kDbVariable); // unused beside --db, and it may hold a password
        } else if (!command.passfile.isEmpty()) {
            command.environment.insert(kDbVariable, QString::fromStdString(conninfo));
        }
    }
    if (!world.settingsFile.empty())
        arguments << QStringLiteral("--config") << QString::fromStdString(world.settingsFile);
    arguments << QStringLiteral("relocate") << QStringLiteral("resume") << QString::number(id)
              << QStringLiteral("--reason") << reason;
    if (command.passfile.isEmpty()) {
        command.program = cellctl;
        command.arguments = arguments;
    } else {
        command.program = QStringLiteral("/bin/sh");
        command.arguments = QStringList{QStringLiteral("-c"), QString::fromLatin1(kRemovePassfileAfterwards),
                                        command.passfile, cellctl} +
                            arguments;
    }
    return command;
}

bool startInBackground(const BackgroundCellctl& command, const QString& logFile, QString* problem)
{
    if (!command.passfile.isEmpty()) {
        try {
            db::writePassfile(command.passfile.toStdString(), command.password);
        } catch (const std::exception& e) {
            if (problem)
                *problem = QString::fromUtf8(e.what());
            return false;
        }
    }
    QProcess process;
    process.setProgram(command.program);
    process.setArguments(command.arguments);
    process.setProcessEnvironment(command.environment);
    process.setStandardOutputFile(logFile, QIODevice::Append);
    process.setStandardErrorFile(logFile, QIODevice::Append);
    if (process.startDetached())
        return true;
    if (!command.passfile.isEmpty())
        QFile::remove(command.passfile);
    if (problem)
        *problem =
            QCoreApplication::translate("BackgroundCellctl", "could not start %1").arg(command.cellctl);
    return false;
}

} // namespace cellscope::ui
