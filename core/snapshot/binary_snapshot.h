#pragma once

#include "core/snapshot/snapshot.h"

#include <cstdint>
#include <string>
#include <string_view>

namespace cellscope {

// Binary snapshot files (format under *Binary snapshot files* in README.md): the snapshot's arrays,
// string pools and indexes written as they are in memory, each section with its length and
// checksum, so loading is reading the sections straight into the arrays and checking them, with no
// per-record parsing. Only little-endian machines read and write them (the record layout is the
// in-memory one).
// Version 2: the hash indexes use Cellscope's own textHash (version 1's used the standard
// library's, which need not match between builds).
inline constexpr std::uint32_t kBinarySnapshotVersion = 2;
inline constexpr std::string_view kBinarySnapshotMagic{"CSSNAP\0\1", 8};

// True when the first bytes of a file are a binary snapshot's magic.
bool hasBinarySnapshotMagic(std::string_view firstBytes) noexcept;

// Writes next to the target and renames, so a reader never sees half a file. The same snapshot
// always gives the same bytes.
void writeSnapshotBinaryFile(const Snapshot& snapshot, const std::string& path);

// Reads a binary snapshot. A truncated, corrupt (checksum mismatch, bad section length, an index
// out of range) or future-version file is refused with Error(BadInput) naming the file and the
// problem.
SnapshotPtr loadSnapshotBinaryFile(const std::string& path);

// For tests and the fuzzer, which craft files: the same bytes with the file size and every
// checksum recomputed (as far as the section lengths can be followed), so what the loader checks
// after the checksums — section shapes, indexes, text references — is reached.
std::string resealBinarySnapshot(std::string bytes);

// Reads a snapshot file of any format — binary (told by its magic bytes), Sentry's cell settings (a
// world of their topology; see cell_settings.h) or JSON; what `--snapshot FILE` opens.
SnapshotPtr loadSnapshotFile(const std::string& path);

} // namespace cellscope
