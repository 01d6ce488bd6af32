#pragma once

// The splitter's inner loop: the first byte from a position that is a control byte (<= 0x20 or
// 0x7F: a log token never holds raw whitespace or controls) or one of a few delimiters. Replay
// runs it several times on every line, so on x86-64 it compares 16 bytes at a time (SSE2 is part
// of the architecture); scanToBytewise is the same answer a byte at a time, for other machines and
// as the reference the tests hold the fast one to.

#include <bit>
#include <cstddef>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace cellscope::routing {

template <char... Stops>
constexpr bool isScanStop(char c) noexcept
{
    const auto byte = static_cast<unsigned char>(c);
    return byte <= 0x20 || byte == 0x7F || ((c == Stops) || ...);
}

template <char... Stops>
std::size_t scanToBytewise(std::string_view input, std::size_t i) noexcept
{
    while (i < input.size() && !isScanStop<Stops...>(input[i]))
        ++i;
    return i;
}

#if defined(__SSE2__)
// Bit k set: byte k of the 16 at `at` stops the scan.
template <char... Stops>
unsigned scanStopMask16(const char* at) noexcept
{
    const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(at));
    // Unsigned "byte <= 0x20": the minimum of the byte and 0x20 is the byte itself.
    __m128i hit = _mm_cmpeq_epi8(_mm_min_epu8(bytes, _mm_set1_epi8(0x20)), bytes);
    hit = _mm_or_si128(hit, _mm_cmpeq_epi8(bytes, _mm_set1_epi8(0x7F)));
    ((hit = _mm_or_si128(hit, _mm_cmpeq_epi8(bytes, _mm_set1_epi8(Stops)))), ...);
    return static_cast<unsigned>(_mm_movemask_epi8(hit));
}
#endif

// The first position from i (at most input.size()) whose byte stops the scan; input.size() if none.
template <char... Stops>
std::size_t scanTo(std::string_view input, std::size_t i) noexcept
{
#if defined(__SSE2__)
    const std::size_t n = input.size();
    if (n >= 16) {
        for (; i + 16 <= n; i += 16) {
            if (const unsigned mask = scanStopMask16<Stops...>(input.data() + i))
                return i + static_cast<std::size_t>(std::countr_zero(mask));
        }
        if (i == n)
            return n;
        // The last few bytes: one load that ends at the end of the input, its bytes before i
        // shifted out, instead of reading past the end.
        const unsigned mask = scanStopMask16<Stops...>(input.data() + n - 16) >> (i - (n - 16));
        return mask != 0 ? i + static_cast<std::size_t>(std::countr_zero(mask)) : n;
    }
#endif
    return scanToBytewise<Stops...>(input, i);
}

} // namespace cellscope::routing
