#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

namespace cellscope {

// A reference to bytes held by a StringPool: two 32-bit numbers instead of a std::string per field,
// so a million-org snapshot stays compact (see the memory figure in the README).
struct StrRef
{
    std::uint32_t offset = 0;
    std::uint32_t length = 0;
};

// Append-only byte storage in fixed-size chunks. Chunks never move, so a load never pays the copy
// and the transient 2x memory of a growing vector. A string never straddles two chunks.
// A snapshot has several pools (one per bulk table, so loader threads never share one); the top
// two bits of every offset name the pool, the rest address up to 1 GiB inside it. A chunk's unused
// tail is zeroed when the next chunk starts, so the used bytes are fully defined (a binary snapshot
// writes them as they are, and the same data always gives the same file).
class StringPool
{
public:
    static constexpr std::uint32_t kChunkBits = 22; // 4 MiB chunks
    static constexpr std::uint32_t kChunkSize = 1u << kChunkBits;
    static constexpr std::uint32_t kPoolShift = 30;
    static constexpr std::uint32_t kMaxChunks = 1u << (kPoolShift - kChunkBits);

    explicit StringPool(std::uint32_t poolId = 0) : m_poolTag(poolId << kPoolShift) {}

    static std::uint32_t poolOf(StrRef ref) noexcept { return ref.offset >> kPoolShift; }

    StrRef add(std::string_view text);
    std::string_view view(StrRef ref) const noexcept
    {
        if (ref.length == 0)
            return {};
        const std::uint32_t local = ref.offset & ((1u << kPoolShift) - 1);
        return {m_chunks[local >> kChunkBits].get() + (local & (kChunkSize - 1)), ref.length};
    }
    std::size_t bytesReserved() const noexcept { return m_chunks.size() * std::size_t{kChunkSize}; }

private:
    friend class BinarySnapshotCodec; // saves the used bytes and restores the same chunks

    std::vector<std::unique_ptr<char[]>> m_chunks;
    std::uint32_t m_used = kChunkSize; // forces a chunk on first add
    std::uint32_t m_poolTag;
};

} // namespace cellscope
