#pragma once

#include "core/sources/world_source.h"

#include <QString>
#include <QStringList>

namespace cellscope::ui {

// The entries of File ▸ Recent ("snapshot:FILE", "db:CONNINFO", "control:URL", "embedded"), kept in
// QSettings. An entry reopens its source but never holds a password: a database's comes back from
// .pgpass, $PGPASSFILE or $PGPASSWORD, as libpq finds it (README.md, *Where the data comes from*).

// The entry for a source; empty when there is none to keep (a malformed connection string, which
// cannot be cleaned of a password, or one that is nothing but a password).
QString recentEntry(const sources::SourceOptions& options);

// The source an entry reopens.
sources::SourceOptions recentSource(const QString& entry);

// Saved entries cleaned as recentEntry() does (older versions kept passwords), without duplicates.
QStringList cleanRecentEntries(const QStringList& entries);

} // namespace cellscope::ui
