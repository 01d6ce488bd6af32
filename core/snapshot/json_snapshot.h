#pragma once

#include "core/snapshot/snapshot.h"

#include <ostream>
#include <string>

namespace cellscope {

inline constexpr int kSnapshotFormatVersion = 1;

// Writes the snapshot as JSON (the format documented in README.md, after Synapse's backup route
// store): an incident-time copy that can be shared and traced against offline. Record order is the
// snapshot's, so exporting the same data twice gives identical bytes.
void writeSnapshotJson(const Snapshot& snapshot, std::ostream& out);
void writeSnapshotJsonFile(const Snapshot& snapshot, const std::string& path);

// Reads a snapshot file. Unknown fields are ignored (other tools write these files); a malformed
// file is refused with Error(BadInput) naming the file and the JSON path of the first problem,
// e.g. "snapshot.json: $.organizations[3].slug: expected a string".
SnapshotPtr loadSnapshotJsonFile(const std::string& path);
SnapshotPtr loadSnapshotJson(const std::string& bytes, const std::string& sourceName);

} // namespace cellscope
