#pragma once

#include "core/snapshot/snapshot.h"
#include "core/sources/world_source.h"

#include <QString>

namespace cellscope::ui {

// The console's cache of the last world it loaded from each source (README.md, *The console's
// cache*): one binary snapshot file per source, so a window shows the last world at once and loads
// the live one behind it. Everything here does file I/O or hashing: call it on a worker.

// The default directory: <cache dir>/cellscope/worlds (next to the control API's backups).
QString defaultWorldCacheDirectory();

// What makes two sources the same for the cache, without any password: the source's File ▸ Recent
// entry (a snapshot file's absolute path, a conninfo without its password, a URL without its user
// information) and the settings file, and for the default source what decides it ($CELLSCOPE_DB,
// $CELLSCOPE_HOME). Empty when the source cannot be named without its password (no cache then).
QString worldCacheIdentity(const sources::SourceOptions& options);

// The cache file of a source in `directory`: world-<hash of its identity>.cssnap; empty when the
// source has no identity or `directory` is empty.
QString worldCacheFile(const QString& directory, const sources::SourceOptions& options);

// Writes `snapshot` to `path` so that no reader sees half a file, even with other windows or
// processes writing the same cache: a uniquely named file next to it, renamed over it. Creates the
// directory; both are readable by their owner only. Then prunes the directory (pruneWorldCache).
// Error(BadInput) when it cannot write.
void writeWorldCache(const Snapshot& snapshot, const QString& path);

// The cache stays bounded: of the worlds in `directory`, the most recently written are kept while
// they number at most kMaxCachedWorlds and weigh at most kMaxCachedBytes together, `keep` always;
// a temporary file a crashed writer left (older than an hour) goes too. Best effort, never throws.
inline constexpr int kMaxCachedWorlds = 8;
inline constexpr qint64 kMaxCachedBytes = qint64{2} << 30;
void pruneWorldCache(const QString& directory, const QString& keep);

// "45 s ago", "12 min ago", "3 h ago", "2 days ago".
QString describeAgo(qint64 seconds);

} // namespace cellscope::ui
