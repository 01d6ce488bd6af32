#include "core/snapshot/string_pool.h"

#include "core/util/error.h"

#include <cstring>

namespace cellscope {

StrRef StringPool::add(std::string_view text)
{
    if (text.empty())
        return {};
    if (text.size() > kChunkSize)
        fail(ErrorCode::BadInput, "a text field is longer than 4 MiB");
    if (m_used + text.size() > kChunkSize) {
        if (m_chunks.size() >= kMaxChunks)
            fail(ErrorCode::BadInput, "one table's text in the snapshot exceeds 1 GiB");
        if (!m_chunks.empty())
            std::memset(m_chunks.back().get() + m_used, 0, kChunkSize - m_used);
        m_chunks.push_back(std::make_unique_for_overwrite<char[]>(kChunkSize));
        m_used = 0;
    }
    const auto chunk = static_cast<std::uint32_t>(m_chunks.size() - 1);
    std::memcpy(m_chunks.back().get() + m_used, text.data(), text.size());
    const StrRef ref{m_poolTag | (chunk << kChunkBits) | m_used, static_cast<std::uint32_t>(text.size())};
    m_used += static_cast<std::uint32_t>(text.size());
    return ref;
}

} // namespace cellscope
