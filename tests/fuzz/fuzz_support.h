#pragma once

// Shared by the libFuzzer targets: bytes as the parsers take them, and the one rule of a target —
// a clear refusal (an exception of the core's error model) is a correct answer to hostile input; a
// crash, a hang, a leak or a sanitizer report is a finding.
#include <QByteArray>

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace cellscope::fuzz {

inline std::string_view text(const std::uint8_t* data, std::size_t size)
{
    return {reinterpret_cast<const char*>(data), size};
}

inline QByteArray bytes(const std::uint8_t* data, std::size_t size)
{
    return QByteArray(reinterpret_cast<const char*>(data), static_cast<qsizetype>(size));
}

} // namespace cellscope::fuzz
