#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>
#include <vector>

namespace cellscope {

inline std::uint64_t mixHash(std::uint64_t x) noexcept
{
    // splitmix64 finaliser: ids are often sequential, which a plain modulo would cluster.
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

// Cellscope's own, not std::hash: binary snapshots store the hash indexes as they are, so this
// function is part of that file format and must give the same values in every build (std::hash
// is each standard library's choice). Changing it needs a new binary snapshot version; the
// known-answer test pins it. Words are read in the machine's order: binary snapshots exist only on
// little-endian machines.
inline std::uint64_t textHash(std::string_view text) noexcept
{
    std::uint64_t h = 0x243f6a8885a308d3ULL ^ (text.size() * 0x9e3779b97f4a7c15ULL);
    std::size_t i = 0;
    for (; i + 8 <= text.size(); i += 8) {
        std::uint64_t word;
        std::memcpy(&word, text.data() + i, sizeof word);
        h = std::rotl((h ^ word) * 0xbf58476d1ce4e5b9ULL, 29);
    }
    std::uint64_t tail = 0;
    for (std::size_t shift = 0; i < text.size(); ++i, shift += 8)
        tail |= std::uint64_t{static_cast<unsigned char>(text[i])} << shift;
    return mixHash((h ^ tail) * 0x94d049bb133111ebULL);
}

// Open-addressing hash set of 32-bit record indexes. The records themselves hold the keys, so the
// index costs 4 bytes a slot; callers pass the key's hash and a predicate that compares a candidate.
// A slot keeps value + 1 (0: empty) in its low bits and, in the bits the largest value leaves free,
// the top bits of the hash: a probe compares that tag first, so a miss or a colliding slot almost
// never loads the record (the lookups are cache-miss bound). 1 M records leave a 12-bit tag.
class FlatIndex
{
public:
    void reset(std::size_t expected)
    {
        // Load factor between 1/3 and 2/3: short probe runs without doubling the memory for sizes
        // just above a power of two.
        const std::size_t wanted = expected < 8 ? 16 : expected + expected / 2;
        m_slots.assign(std::bit_ceil(wanted), 0u);
        m_mask = m_slots.size() - 1;
        const auto valueBits = static_cast<unsigned>(std::bit_width(expected));
        m_valueMask = valueBits >= 32 ? ~std::uint32_t{0} : (std::uint32_t{1} << valueBits) - 1;
    }

    template <typename Matches>
    std::optional<std::uint32_t> find(std::uint64_t hash, Matches&& matches) const noexcept
    {
        if (m_slots.empty())
            return std::nullopt;
        const std::uint32_t tag = tagOf(hash);
        for (std::size_t slot = hash & m_mask;; slot = (slot + 1) & m_mask) {
            const std::uint32_t stored = m_slots[slot];
            if (stored == 0)
                return std::nullopt;
            if ((stored & ~m_valueMask) == tag && matches((stored & m_valueMask) - 1))
                return (stored & m_valueMask) - 1;
        }
    }

    // Inserts value (below the size given to reset()) unless an equal key is present; returns the
    // index already present, if any.
    template <typename Matches>
    std::optional<std::uint32_t> insert(std::uint64_t hash, std::uint32_t value, Matches&& matches)
    {
        const std::uint32_t tag = tagOf(hash);
        for (std::size_t slot = hash & m_mask;; slot = (slot + 1) & m_mask) {
            const std::uint32_t stored = m_slots[slot];
            if (stored == 0) {
                m_slots[slot] = tag | (value + 1);
                return std::nullopt;
            }
            if ((stored & ~m_valueMask) == tag && matches((stored & m_valueMask) - 1))
                return (stored & m_valueMask) - 1;
        }
    }

private:
    friend class BinarySnapshotCodec; // saves the slots and loads them back after reset()

    // The slot number comes from the hash's low bits; the tag from its top bits, independent of it.
    std::uint32_t tagOf(std::uint64_t hash) const noexcept
    {
        return static_cast<std::uint32_t>(hash >> 32) & ~m_valueMask;
    }

    std::vector<std::uint32_t> m_slots;
    std::size_t m_mask = 0;
    std::uint32_t m_valueMask = 0;
};

} // namespace cellscope
