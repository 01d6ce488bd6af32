// A binary snapshot file, as `--snapshot FILE` reads it, with its checksums made right: whatever the
// bytes, the loader refuses them with the core's error or returns a snapshot every lookup of which
// stays in bounds.
#include "core/snapshot/binary_snapshot.h"
#include "core/util/error.h"
#include "tests/fuzz/fuzz_support.h"

#include <unistd.h>

#include <cstdio>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace cellscope;
    // The loader reads files; a file in shared memory costs little per input.
    static const std::string path = "/dev/shm/cellscope-fuzz-" + std::to_string(getpid()) + ".cssnap";
    std::FILE* file = std::fopen(path.c_str(), "wb");
    if (!file)
        return 0;
    // Resealed, so mutations get past the checksums to the checks behind them.
    const std::string bytes = resealBinarySnapshot(std::string(fuzz::text(data, size)));
    std::fwrite(bytes.data(), 1, bytes.size(), file);
    std::fclose(file);
    try {
        const SnapshotPtr snapshot = loadSnapshotBinaryFile(path);
        for (OrgIndex org = 0; org < snapshot->organizations().size(); ++org) {
            (void)snapshot->findOrg(snapshot->slug(org));
            (void)snapshot->membersOfOrg(org);
            (void)snapshot->keysOfOrg(org);
        }
        for (KeyIndex key = 0; key < snapshot->projectKeys().size(); ++key)
            (void)snapshot->findProjectKey(snapshot->publicKey(key));
        for (const MemberMapping& member : snapshot->members())
            (void)snapshot->membersOfUser(member.userId);
    } catch (const Error&) {
    }
    return 0;
}
