#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cellscope {

// Splits one line of PostgreSQL's COPY text format into fields without allocating per field:
// fields are views into the line, or into a reused scratch buffer when they carried escapes.
class CopyTextLine
{
public:
    // Returns false when the line does not have exactly `expectedFields` fields.
    bool parse(std::string_view line, std::size_t expectedFields);

    bool isNull(std::size_t i) const noexcept { return m_null[i]; }
    std::string_view text(std::size_t i) const noexcept { return m_fields[i]; }
    std::int64_t integer(std::size_t i) const; // throws Error(BadInput) if not an integer
    bool boolean(std::size_t i) const noexcept { return !m_fields[i].empty() && m_fields[i][0] == 't'; }

private:
    std::vector<std::string_view> m_fields;
    std::vector<bool> m_null;
    std::string m_scratch;
};

} // namespace cellscope
