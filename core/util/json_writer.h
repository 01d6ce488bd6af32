#pragma once

#include <cstdint>
#include <ostream>
#include <string_view>
#include <vector>

namespace cellscope {

// A small streaming JSON writer: large exports (a million-org snapshot) go straight to the stream
// instead of through an in-memory document. Commas and nesting are tracked here; callers only say
// what comes next.
class JsonWriter
{
public:
    explicit JsonWriter(std::ostream& out, bool pretty = false) : m_out(out), m_pretty(pretty) {}

    JsonWriter& beginObject();
    JsonWriter& endObject();
    JsonWriter& beginArray();
    JsonWriter& endArray();
    JsonWriter& key(std::string_view name);
    JsonWriter& value(std::string_view text);
    JsonWriter& value(const char* text) { return value(std::string_view(text)); }
    JsonWriter& value(std::int64_t number);
    JsonWriter& value(int number) { return value(static_cast<std::int64_t>(number)); }
    JsonWriter& value(std::size_t number) { return value(static_cast<std::int64_t>(number)); }
    JsonWriter& value(bool flag);
    // A number with a fraction, `places` digits after the point (a separate name: an overload for
    // double would make calls with other integer types ambiguous).
    JsonWriter& decimal(double number, int places);
    JsonWriter& null();
    // Puts the next value on a new line (after its comma): one record per line in big compact arrays.
    JsonWriter& breakLine()
    {
        m_breakBeforeNext = true;
        return *this;
    }

    static void writeString(std::ostream& out, std::string_view text);

private:
    void beforeValue();
    void newline();

    std::ostream& m_out;
    bool m_pretty;
    std::vector<bool> m_first; // per open container: nothing written yet
    bool m_afterKey = false;
    bool m_breakBeforeNext = false;
};

} // namespace cellscope
