#include "core/snapshot/copy_text.h"

#include "core/util/error.h"

#include <charconv>

namespace cellscope {

bool CopyTextLine::parse(std::string_view line, std::size_t expectedFields)
{
    m_fields.clear();
    m_null.clear();
    if (line.find('\\') == std::string_view::npos) {
        // Fast path: no escapes anywhere, so every field is a plain slice of the line.
        std::size_t start = 0;
        while (true) {
            const std::size_t tab = line.find('\t', start);
            m_fields.push_back(
                line.substr(start, tab == std::string_view::npos ? std::string_view::npos : tab - start));
            m_null.push_back(false);
            if (tab == std::string_view::npos)
                break;
            start = tab + 1;
        }
        return m_fields.size() == expectedFields;
    }
    // Slow path: unescape into scratch, reserving first so the views stay valid.
    m_scratch.clear();
    m_scratch.reserve(line.size());
    std::vector<std::pair<std::size_t, std::size_t>> spans;
    std::size_t fieldStart = 0;
    bool fieldIsNull = false;
    auto endField = [&] {
        spans.emplace_back(fieldStart, m_scratch.size() - fieldStart);
        m_null.push_back(fieldIsNull);
        fieldStart = m_scratch.size();
        fieldIsNull = false;
    };
    for (std::size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (c == '\t') {
            endField();
            continue;
        }
        if (c != '\\' || i + 1 == line.size()) {
            m_scratch.push_back(c);
            continue;
        }
        const char next = line[++i];
        switch (next) {
        case 'N':
            fieldIsNull = true;
            break;
        case 'b':
            m_scratch.push_back('\b');
            break;
        case 'f':
            m_scratch.push_back('\f');
            break;
        case 'n':
            m_scratch.push_back('\n');
            break;
        case 'r':
            m_scratch.push_back('\r');
            break;
        case 't':
            m_scratch.push_back('\t');
            break;
        case 'v':
            m_scratch.push_back('\v');
            break;
        case 'x': {
            int value = 0, digits = 0;
            while (digits < 2 && i + 1 < line.size() &&
                   std::isxdigit(static_cast<unsigned char>(line[i + 1]))) {
                const char h = line[++i];
                value = value * 16 + (h <= '9' ? h - '0' : (h | 0x20) - 'a' + 10);
                ++digits;
            }
            m_scratch.push_back(static_cast<char>(value));
            break;
        }
        default:
            if (next >= '0' && next <= '7') {
                int value = next - '0';
                for (int digits = 1;
                     digits < 3 && i + 1 < line.size() && line[i + 1] >= '0' && line[i + 1] <= '7'; ++digits)
                    value = value * 8 + (line[++i] - '0');
                m_scratch.push_back(static_cast<char>(value));
            } else {
                m_scratch.push_back(next); // "\\" and any other escaped character stand for themselves
            }
        }
    }
    endField();
    for (const auto& [offset, length] : spans)
        m_fields.emplace_back(m_scratch.data() + offset, length);
    return m_fields.size() == expectedFields;
}

std::int64_t CopyTextLine::integer(std::size_t i) const
{
    std::int64_t value = 0;
    const std::string_view text = m_fields[i];
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size())
        fail(ErrorCode::BadInput, "expected an integer in a COPY field, got '" + std::string(text) + "'");
    return value;
}

} // namespace cellscope
