#include "core/util/json_writer.h"

#include <cmath>
#include <cstdio>

namespace cellscope {

void JsonWriter::writeString(std::ostream& out, std::string_view text)
{
    static constexpr char kHex[] = "0123456789abcdef";
    out.put('"');
    std::size_t plainStart = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        out.write(text.data() + plainStart, static_cast<std::streamsize>(i - plainStart));
        plainStart = i + 1;
        switch (c) {
        case '"':
            out << "\\\"";
            break;
        case '\\':
            out << "\\\\";
            break;
        case '\n':
            out << "\\n";
            break;
        case '\r':
            out << "\\r";
            break;
        case '\t':
            out << "\\t";
            break;
        default:
            out << "\\u00" << kHex[c >> 4] << kHex[c & 0xF];
        }
    }
    out.write(text.data() + plainStart, static_cast<std::streamsize>(text.size() - plainStart));
    out.put('"');
}

void JsonWriter::newline()
{
    if (!m_pretty)
        return;
    m_out.put('\n');
    for (std::size_t i = 0; i < m_first.size(); ++i)
        m_out << "  ";
}

void JsonWriter::beforeValue()
{
    if (m_afterKey) {
        m_afterKey = false;
        return;
    }
    if (!m_first.empty()) {
        if (!m_first.back())
            m_out.put(',');
        m_first.back() = false;
        if (m_breakBeforeNext && !m_pretty)
            m_out.put('\n');
        m_breakBeforeNext = false;
        newline();
    }
}

JsonWriter& JsonWriter::beginObject()
{
    beforeValue();
    m_out.put('{');
    m_first.push_back(true);
    return *this;
}

JsonWriter& JsonWriter::endObject()
{
    const bool empty = m_first.back();
    m_first.pop_back();
    if (!empty)
        newline();
    m_out.put('}');
    return *this;
}

JsonWriter& JsonWriter::beginArray()
{
    beforeValue();
    m_out.put('[');
    m_first.push_back(true);
    return *this;
}

JsonWriter& JsonWriter::endArray()
{
    const bool empty = m_first.back();
    m_first.pop_back();
    if (!empty)
        newline();
    m_out.put(']');
    return *this;
}

JsonWriter& JsonWriter::key(std::string_view name)
{
    beforeValue();
    writeString(m_out, name);
    m_out << (m_pretty ? ": " : ":");
    m_afterKey = true;
    return *this;
}

JsonWriter& JsonWriter::value(std::string_view text)
{
    beforeValue();
    writeString(m_out, text);
    return *this;
}

JsonWriter& JsonWriter::value(std::int64_t number)
{
    beforeValue();
    m_out << number;
    return *this;
}

JsonWriter& JsonWriter::decimal(double number, int places)
{
    beforeValue();
    char text[64];
    std::snprintf(text, sizeof text, "%.*f", places, std::isfinite(number) ? number : 0.0);
    m_out << text;
    return *this;
}

JsonWriter& JsonWriter::value(bool flag)
{
    beforeValue();
    m_out << (flag ? "true" : "false");
    return *this;
}

JsonWriter& JsonWriter::null()
{
    beforeValue();
    m_out << "null";
    return *this;
}

} // namespace cellscope
