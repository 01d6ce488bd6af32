#pragma once

#include "core/sources/world_source.h"

#include <QProcessEnvironment>
#include <QString>
#include <QStringList>

#include <cstdint>
#include <string>

namespace cellscope::ui {

// A `cellctl` the console starts to outlive it, on the world the console shows. A password in the
// world's connection string (--db, or $CELLSCOPE_DB) never goes on its command line or into its
// environment, where other users' `ps` or the process table show it: the connection string names
// `passfile` instead (libpq's keyword), a 0600 file written just before the start and removed when
// cellctl exits.
struct BackgroundCellctl
{
    QString cellctl; // for messages: `program` is /bin/sh when a password file is to be removed
    QString program;
    QStringList arguments;
    QProcessEnvironment environment;
    QString passfile;     // empty: no password to hand on
    std::string password; // written to `passfile`, only there
};

// `cellctl relocate resume ID --reason REASON` on `world`. `environment` is the console's own;
// `passfileDirectory` a directory only this user may read (QStandardPaths::RuntimeLocation).
// Error(BadInput) for a malformed connection string.
BackgroundCellctl relocationResumeCommand(const QString& cellctl, const sources::SourceOptions& world,
                                          std::int64_t id, const QString& reason,
                                          const QProcessEnvironment& environment,
                                          const QString& passfileDirectory);

// Writes the password file, if any, and starts the command detached with its output appended to
// `logFile`. False, with a sentence in `problem`, when it could not be started.
bool startInBackground(const BackgroundCellctl& command, const QString& logFile, QString* problem);

} // namespace cellscope::ui
