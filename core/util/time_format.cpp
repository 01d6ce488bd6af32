#include "core/util/time_format.h"

#include <cmath>
#include <cstdio>

namespace cellscope {

namespace {

// Days since 1970-01-01 → civil date, and back (proleptic Gregorian; era-based arithmetic).
void civilFromDays(std::int64_t days, int& year, unsigned& month, unsigned& day)
{
    days += 719468;
    const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    const auto dayOfEra = static_cast<unsigned>(days - era * 146097);
    const unsigned yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146096) / 365;
    const unsigned dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100);
    const unsigned mp = (5 * dayOfYear + 2) / 153;
    day = dayOfYear - (153 * mp + 2) / 5 + 1;
    month = mp < 10 ? mp + 3 : mp - 9;
    year = static_cast<int>(static_cast<std::int64_t>(yearOfEra) + era * 400 + (month <= 2));
}

std::int64_t daysFromCivil(int year, unsigned month, unsigned day)
{
    year -= month <= 2;
    const std::int64_t era = (year >= 0 ? year : year - 399) / 400;
    const auto yearOfEra = static_cast<unsigned>(year - era * 400);
    const unsigned dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
    const unsigned dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear;
    return era * 146097 + static_cast<std::int64_t>(dayOfEra) - 719468;
}

std::string format(std::int64_t unixSeconds, const char* pattern)
{
    std::int64_t days = unixSeconds / 86400;
    std::int64_t rest = unixSeconds % 86400;
    if (rest < 0) {
        rest += 86400;
        --days;
    }
    int year = 0;
    unsigned month = 0, day = 0;
    civilFromDays(days, year, month, day);
    char buffer[40];
    std::snprintf(buffer, sizeof buffer, pattern, year, month, day, static_cast<int>(rest / 3600),
                  static_cast<int>(rest / 60 % 60), static_cast<int>(rest % 60));
    return buffer;
}

bool digits(std::string_view text, std::size_t at, std::size_t count, int& value)
{
    if (at + count > text.size())
        return false;
    value = 0;
    for (std::size_t i = at; i < at + count; ++i) {
        if (text[i] < '0' || text[i] > '9')
            return false;
        value = value * 10 + (text[i] - '0');
    }
    return true;
}

} // namespace

std::string formatTimestamp(std::int64_t unixSeconds)
{
    return format(unixSeconds, "%04d-%02u-%02u %02d:%02d:%02d+00");
}

std::string formatIsoTimestamp(std::int64_t unixSeconds)
{
    return format(unixSeconds, "%04d-%02u-%02uT%02d:%02d:%02dZ");
}

std::string formatIsoTimestampMillis(double unixSeconds)
{
    const auto millis = static_cast<std::int64_t>(std::llround(unixSeconds * 1000));
    std::int64_t seconds = millis / 1000;
    std::int64_t fraction = millis % 1000;
    if (fraction < 0) {
        fraction += 1000;
        --seconds;
    }
    std::string text = formatIsoTimestamp(seconds);
    char tail[8];
    std::snprintf(tail, sizeof tail, ".%03dZ", static_cast<int>(fraction));
    text.replace(text.size() - 1, 1, tail);
    return text;
}

std::optional<std::int64_t> parseTimestamp(std::string_view text) noexcept
{
    int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
    if (!digits(text, 0, 4, year) || text.size() < 10 || text[4] != '-' || !digits(text, 5, 2, month) ||
        text[7] != '-' || !digits(text, 8, 2, day) || month < 1 || month > 12 || day < 1 || day > 31)
        return std::nullopt;
    std::size_t at = 10;
    if (at < text.size()) {
        if ((text[at] != ' ' && text[at] != 'T') || !digits(text, at + 1, 2, hour) || text.size() < at + 9 ||
            text[at + 3] != ':' || !digits(text, at + 4, 2, minute) || text[at + 6] != ':' ||
            !digits(text, at + 7, 2, second) || hour > 23 || minute > 59 || second > 60)
            return std::nullopt;
        at += 9;
        if (at < text.size() && text[at] == '.') {
            ++at;
            while (at < text.size() && text[at] >= '0' && text[at] <= '9')
                ++at;
        }
    }
    std::int64_t offset = 0;
    if (at < text.size()) {
        if (text[at] == 'Z' && at + 1 == text.size()) {
            at += 1;
        } else if (text[at] == '+' || text[at] == '-') {
            int hours = 0, minutes = 0;
            if (!digits(text, at + 1, 2, hours))
                return std::nullopt;
            std::size_t next = at + 3;
            if (next < text.size()) {
                if (text[next] == ':')
                    ++next;
                if (!digits(text, next, 2, minutes))
                    return std::nullopt;
                next += 2;
            }
            if (next != text.size())
                return std::nullopt;
            offset = (hours * 3600 + minutes * 60) * (text[at] == '-' ? -1 : 1);
            at = next;
        } else {
            return std::nullopt;
        }
    }
    if (at != text.size())
        return std::nullopt;
    return daysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) * 86400 +
           hour * 3600 + minute * 60 + second - offset;
}

} // namespace cellscope
