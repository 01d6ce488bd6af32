#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cellscope {

// "2016-01-01 00:00:00+00": PostgreSQL's timestamptz text form in UTC, without locale or tz lookups,
// because seeding and exports format millions of these.
std::string formatTimestamp(std::int64_t unixSeconds);

// "2016-01-01T00:00:00Z" for JSON and human output.
std::string formatIsoTimestamp(std::int64_t unixSeconds);
// The same with milliseconds: "2026-12-06T10:50:52.123Z", for spans shorter than a second.
std::string formatIsoTimestampMillis(double unixSeconds);

// Parses "YYYY-MM-DD[ T]HH:MM:SS[.fff][Z|+00|+00:00|±hh[:mm]]" or "YYYY-MM-DD" to unix seconds.
std::optional<std::int64_t> parseTimestamp(std::string_view text) noexcept;

} // namespace cellscope
